# Posko: `make run` starts the desk, `make test` runs every check. Both set up .venv first.
# `make run` installs the desk alone; `make central` adds the central system; the checks
# (`make test` and the developer targets) add the tools. Every install is held to the versions
# in constraints.txt, the ones CI passed with; `make lock` refreshes them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet -c constraints.txt
DESK := $(VENV)/.desk-stamp
CENTRAL := $(VENV)/.central-stamp
DEV := $(VENV)/.dev-stamp

.PHONY: run central test lint typecheck pytest bench dist translations lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DESK): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(CENTRAL): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[central]'
	touch $@ $(DESK)

$(DEV): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev]'
	touch $@ $(CENTRAL) $(DESK)

run: $(DESK)
	$(BIN)/posko

central: $(CENTRAL)
	$(BIN)/posko-central serve

test: lint typecheck pytest

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)
	$(BIN)/mypy

pytest: $(DEV)
	$(BIN)/pytest

bench: $(DEV)
	$(BIN)/python -m benchmarks

dist: $(DEV)
	rm -rf build/posko dist/posko
	$(BIN)/pyinstaller --noconfirm --log-level WARN build.spec
	QT_QPA_PLATFORM=offscreen dist/posko/posko selftest

translations: $(DEV)
	$(BIN)/python tools/translations.py

# The newest versions pyproject.toml allows, installed into a throwaway venv and written
# down; run the checks after it and commit constraints.txt with the result.
LOCK_VENV := build/lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } \
		> constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(LOCK_VENV)

clean:
	rm -rf build dist $(VENV)
