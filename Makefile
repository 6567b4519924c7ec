# The two commands: `make run` and `make test`. Both set themselves up.
# Prefer the distribution's CPython 3.11 (built with PGO and LTO) when it can make a
# virtualenv: pyenv's default build lays out a debrief packet about 13% slower
# (bench/debrief.py). Any Python 3.11 works.
PYTHON ?= $(shell /usr/bin/python3.11 -c "import ensurepip, venv" 2>/dev/null \
	&& echo /usr/bin/python3.11 || command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app interview
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the package metadata changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check interview tests bench
	$(BIN)/ruff format --check interview tests bench

clean:
	rm -rf $(VENV) build *.egg-info
