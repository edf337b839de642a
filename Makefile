# Beatbook. `make demo` runs it with demo data at http://127.0.0.1:8000;
# `make test` runs every check CI runs. GNU make; needs Python 3.11.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# the test steps print their results in order
.NOTPARALLEL:

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@localhost:5432/postgres
REPORTS := var/test-reports
PYTEST := $(BIN)/pytest -q

.PHONY: help demo serve install dev test lint fmt typecheck test-sqlite test-postgres test-browser bench clean

help:
	@echo "make demo           install, migrate, load the demo data, serve at http://$(HOST):$(PORT)"
	@echo "make test           lint, type-check, tests on SQLite, on PostgreSQL (if reachable), browser tests"
	@echo "make lint | fmt     ruff check and format check | fix and format"
	@echo "make typecheck      mypy"
	@echo "make test-sqlite | test-postgres | test-browser   one test step"
	@echo "make bench          benchmarks (never run by CI)"
	@echo "make serve          serve the existing database (no demo data)"

# --- environment -----------------------------------------------------------------

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (looked for python3.11 and python3)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Beatbook needs Python 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1). Try: make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# stamps: reinstall only when pyproject.toml changes
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# --- running -----------------------------------------------------------------------

demo: $(VENV)/.installed
	$(BIN)/beatbook migrate --noinput -v 0
	@mkdir -p var && rm -f var/demo-logins.txt
	@(umask 077 && $(BIN)/beatbook demo $(if $(DEMO_PASSWORD),--password '$(DEMO_PASSWORD)') > var/demo-logins.txt)
	@echo
	@echo "Demo logins (new random passwords on every run; saved in var/demo-logins.txt):"
	@awk -F'\t' '{ printf "    %-10s  %-18s  %s\n", $$1, $$2, $$3 }' var/demo-logins.txt
	@echo
	@echo "Open http://$(HOST):$(PORT)/ and log in; Ctrl-C stops the server."
	$(BIN)/beatbook serve --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed
	$(BIN)/beatbook migrate --noinput -v 0
	$(BIN)/beatbook serve --host $(HOST) --port $(PORT)

# --- checks --------------------------------------------------------------------------

test: dev
	@rm -rf $(REPORTS) && mkdir -p $(REPORTS)
	@$(MAKE) --no-print-directory lint typecheck test-sqlite test-postgres test-browser
	@$(BIN)/python scripts/test_summary.py $(REPORTS)

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: dev
	$(BIN)/mypy beatbook

# the SQLite test database lives in memory, whatever DATABASE_URL the shell has
test-sqlite: dev
	@mkdir -p $(REPORTS)
	@echo "--- tests on SQLite"
	@$(BIN)/python scripts/mqtt_reachable.py || [ "$${CI:-}" != "true" ]
	env -u DATABASE_URL $(PYTEST) -m "not browser" --junitxml=$(REPORTS)/sqlite.xml beatbook

# pytest-django creates (and drops) the database test_<name> on that server
test-postgres: dev
	@mkdir -p $(REPORTS)
	@echo "--- tests on PostgreSQL"
	@if $(BIN)/python scripts/pg_reachable.py '$(TEST_DATABASE_URL)'; then \
		echo "DATABASE_URL=<TEST_DATABASE_URL> $(PYTEST) -m \"not browser\" beatbook"; \
		DATABASE_URL='$(TEST_DATABASE_URL)' $(PYTEST) -m "not browser" --junitxml=$(REPORTS)/postgres.xml beatbook; \
	fi

test-browser: dev
	@mkdir -p $(REPORTS)
	@echo "--- browser tests"
	@PYTEST='$(PYTEST)' REPORTS='$(REPORTS)' scripts/test_browser.sh

bench: dev
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/static var/test-reports build *.egg-info .mypy_cache .ruff_cache
