# Two entry points for a fresh clone (see README):
#   make run   install the runtime dependencies and serve the app on http://127.0.0.1:8050
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

run: $(RUN_STAMP)
	$(BIN)/python app.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

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
