# Two entry points for a fresh clone (see README):
#   make run   install the runtime dependencies and serve the app with gunicorn on http://127.0.0.1:8050
#   make test  install the test dependencies and run lint, architecture checks and all tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-unit test-browser lint lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@ $(RUN_STAMP)

# gunicorn with the committed config, as in production; GENSCAN_DEBUG=1: Dash's development
# server with hot reload and the debug tools.
run: $(RUN_STAMP)
	@if [ "$${GENSCAN_DEBUG:-0}" = 1 ]; then exec $(BIN)/python app.py; \
	else exec $(BIN)/gunicorn -c gunicorn.conf.py app:server; fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test-unit: $(DEV_STAMP)
	$(BIN)/python -m pytest

test-browser: $(DEV_STAMP)
	$(BIN)/python -m pytest -m browser

test: lint test-unit test-browser

# Re-pin every transitive dependency after changing requirements*.txt.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -r requirements-dev.txt
	{ echo "# Exact versions of every package the app and its tests install (pip freeze of a fresh"; \
	  echo "# environment built from requirements-dev.txt). Used as constraints by the Makefile."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .lock-venv
