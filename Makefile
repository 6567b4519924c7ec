# The two commands: `make run` and `make test`. Both set themselves up: first the
# Debian packages they need (scripts/system-packages.sh: installed as root or with
# sudo, else one line says how), then a virtualenv holding exactly the versions
# pinned in constraints.txt. `make lock` refreshes the pins.
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
# The suite runs over every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
# Work stealing: a worker that runs out of tests takes some of the other's queue, so
# neither waits at the end behind a slow module the other still holds in its queue.
TEST_WORKERS ?= auto
LOCK := constraints.txt
# Pinned in the lock besides the package's own dependencies: pip and the build tools
# the install uses, and uv, which compiles the lock.
LOCK_TOOLS := pip setuptools>=68 wheel uv

.PHONY: run notify test install lock lint clean run-packages test-packages
# The package check must finish before anything else starts, even under -j.
.NOTPARALLEL:

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the package metadata or the lock changes: pip and the build tools at
# their pinned versions first, then the package with its test extra, every dependency
# at its pinned version, so a new release upstream cannot change a fresh clone.
$(VENV)/.installed: setup.cfg pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) pip setuptools wheel
	$(BIN)/python -m pip install --quiet --no-build-isolation -c $(LOCK) -e '.[test]'
	touch $@

install: $(VENV)/.installed

run-packages:
	@PYTHON=$(PYTHON) VENV=$(VENV) scripts/system-packages.sh run

test-packages:
	@PYTHON=$(PYTHON) VENV=$(VENV) scripts/system-packages.sh test

# Emails link to the address this serves unless INTERVIEW_PUBLIC_BASE_URL says another;
# `make notify` (same HOST, PORT, database) sends the outbox with the same links.
run notify: export INTERVIEW_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: run-packages install
	$(FLASK) init-db
	$(FLASK) seed-demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Send the email that is due once (notify run; the .eml files go to instance/outbox/
# until a mail server is configured). Run it beside `make run`, with the same PORT.
notify: install
	$(FLASK) notify run

test: test-packages install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Re-resolve every pin to the newest release setup.cfg allows, for Python 3.11 on
# Linux (uv itself included: the venv then gets the uv it now pins); then run
# `make test`, which reinstalls from the new lock, and commit constraints.txt.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(if $(wildcard $(LOCK)),-c $(LOCK)) uv
	printf '%s\n' $(foreach tool,$(LOCK_TOOLS),'$(tool)') \
		| $(BIN)/uv pip compile --quiet --upgrade \
		--python-version 3.11 --python-platform linux --extra test \
		--custom-compile-command "make lock" -o $(LOCK) setup.cfg -
	$(BIN)/python -m pip install --quiet -c $(LOCK) uv

lint: install
	$(BIN)/ruff check interview tests bench
	$(BIN)/ruff format --check interview tests bench

clean:
	rm -rf $(VENV) build *.egg-info
