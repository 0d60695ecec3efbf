# The two commands a new user needs are `make demo` and `make test`; both create .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt lambdas/requirements.txt pyproject.toml | sha256sum | cut -c1-12)
CDK_CLI := aws-cdk@2.1148.1

# jsii prints a large end-of-life banner for the Node major it runs on; silence it for any major
# (synth prints one line instead when the major is below what aws-cdk-lib supports).
NODE_MAJOR := $(shell node -v 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(NODE_MAJOR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv test lint synth demo bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt lambdas/requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=..." % sys.version.split()[0])'
	@echo "==> Setting up $(VENV): the pinned Python dependencies (aws-cdk-lib, pyarrow, pandas, moto, DuckDB, ...)."
	@echo "    First run only (again when a requirements file changes): a few minutes, about 3.5 on a"
	@echo "    2-core machine with a fresh pip cache. pip names each package as it goes."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> [1/3] pip itself"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	@echo "==> [2/3] requirements-dev.txt (the longest step)"
	@$(PY) -m pip install --disable-pip-version-check --progress-bar off -r requirements-dev.txt \
		| grep --line-buffered -E '^(Collecting|Installing collected packages)' | cut -c1-100; \
		exit $${PIPESTATUS[0]}
	@echo "==> [3/3] this project (editable)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@
	@echo "==> $(VENV) is ready"

lint: venv
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -n 2 -q

synth: venv
	@if [ -n "$(NODE_MAJOR)" ] && [ "$(NODE_MAJOR)" -lt 22 ]; then echo "note: Node $(NODE_MAJOR) is end-of-life and below what aws-cdk-lib supports (22, 24); synthesizing anyway, deploy with Node 22 or 24"; fi
	npx --yes $(CDK_CLI) synth --quiet

demo: venv
	$(PY) -m spotify_etl run-local

# `make bench` leaves the working tree as it is; `make bench UPDATE_DOCS=1` rewrites
# docs/benchmarks.md and every figure the README and docs quote from it.
bench: venv
	$(PY) -m bench $(if $(UPDATE_DOCS),--update-docs)

clean:
	rm -rf $(VENV) cdk.out .lake .pytest_cache
