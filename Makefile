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
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

lint: venv
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -n 2 -q

synth: venv
	@if [ -n "$(NODE_MAJOR)" ] && [ "$(NODE_MAJOR)" -lt 22 ]; then echo "note: Node $(NODE_MAJOR) is end-of-life and below what aws-cdk-lib supports (22, 24); synthesizing anyway, deploy with Node 22 or 24"; fi
	npx --yes $(CDK_CLI) synth --quiet

demo: venv
	$(PY) -m spotify_etl run-local

bench: venv
	$(PY) -m bench

clean:
	rm -rf $(VENV) cdk.out .lake .pytest_cache
