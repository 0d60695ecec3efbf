# The two commands a new user needs are `make demo` and `make test`; both create .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LOCKS := requirements/dev.txt requirements/cdk.txt lambdas/requirements.txt \
	lambdas/transform-requirements.txt lambdas/requirements-report.txt package-lock.json
STAMP := $(VENV)/.installed-$(shell cat $(LOCKS) pyproject.toml | sha256sum | cut -c1-12)
CDK_CLI := aws-cdk@2.1148.1

# jsii prints a large end-of-life banner for the Node major it runs on; silence it for any major
# (synth prints one line instead when the major is below what aws-cdk-lib supports).
NODE_MAJOR := $(shell node -v 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(NODE_MAJOR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv test lint synth demo bench clean lock drift

venv: $(STAMP)

$(STAMP): $(LOCKS) pyproject.toml package.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=..." % sys.version.split()[0])'
	@echo "==> Setting up $(VENV) from requirements/dev.txt: every package pinned with its hashes."
	@echo "    First run only (again when a lock changes): a few minutes on a 2-core machine with an"
	@echo "    empty pip cache. pip names each package as it goes."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> [1/3] pip itself"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	@echo "==> [2/3] requirements/dev.txt (the longest step)"
	@$(PY) -m pip install --disable-pip-version-check --progress-bar off --require-hashes \
		-r requirements/dev.txt \
		| grep --line-buffered -E '^(Collecting|Installing collected packages)' | cut -c1-100; \
		exit $${PIPESTATUS[0]}
	@echo "==> [3/3] this project (editable), and the report's chart library (npm ci, package-lock.json)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@rm -f $(VENV)/.installed-* && touch $@
	@echo "==> $(VENV) is ready"

# Regenerate the four locks from their .in files (docs/dependencies.md): the development lock
# first, then the CDK app's and the Lambda code's constrained by it, so one virtualenv holds all.
# The host locks are universal (any OS, Python 3.11+); the Lambda locks (the extract functions',
# the monthly report's) are for their runtime only.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --no-header --generate-hashes $(LOCK_FLAGS)
lock: venv
	$(UV_COMPILE) --universal --python-version 3.11 requirements/dev.in -o requirements/dev.txt
	$(UV_COMPILE) --universal --python-version 3.11 -c requirements/dev.txt requirements/cdk.in \
		-o requirements/cdk.txt
	$(UV_COMPILE) --python-version 3.14 --python-platform x86_64-manylinux_2_28 \
		-c requirements/dev.txt lambdas/requirements.in -o lambdas/requirements.txt
	$(UV_COMPILE) --python-version 3.14 --python-platform x86_64-manylinux_2_28 \
		-c requirements/dev.txt lambdas/transform-requirements.in \
		-o lambdas/transform-requirements.txt
	$(UV_COMPILE) --python-version 3.14 --python-platform x86_64-manylinux_2_28 \
		-c requirements/dev.txt lambdas/requirements-report.in -o lambdas/requirements-report.txt

# What the weekly drift workflow runs: the locks regenerated with the newest releases the .in
# files allow (`git diff requirements/ lambdas/requirements.txt` shows them), then the suite.
drift: venv
	$(MAKE) lock LOCK_FLAGS=--upgrade
	$(MAKE) test

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
