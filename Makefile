# `make run` and `make test` each set the project up from nothing: a machine with python3 is
# enough. uv is bootstrapped with pip when it is not on PATH, and the environment is installed
# from the lock file, never re-resolved.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .bootstrap/bin/uv)
INSTALLED := $(VENV)/.installed

.PHONY: run test lint setup clean bench chromium

setup: $(INSTALLED)

.bootstrap/bin/uv:
	$(PYTHON) -m venv .bootstrap
	.bootstrap/bin/python -m pip install --quiet 'uv>=0.13'

# Bytecode is compiled once at install (about 10 s): every command then starts in a third of the
# time where Python may not write its caches (PYTHONDONTWRITEBYTECODE, read-only installs).
$(INSTALLED): pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 $(UV) sync --frozen --extra dev --python $(PYTHON)
	$(BIN)/python -m compileall -q pollwatch schemas flows >/dev/null
	touch $@

# Copy the bundled sample drops into the inbox, ingest them and write the report. The copy has
# finished when `cp` returns, so the "still being written" wait is switched off for this run.
# With no Prefect server running this costs the work and the imports, nothing more; with one
# (`pollwatch serve`, PREFECT_API_URL) both commands are flow runs in its UI.
run: setup
	mkdir -p data/inbox
	cp data/samples/*.csv data/inbox/
	POLLWATCH_SETTLE_SECONDS=0 $(BIN)/pollwatch ingest
	$(BIN)/pollwatch report
	$(BIN)/pollwatch status

# Figures, not asserts: each benchmark prints its ratio against a plain baseline (bench/RESULTS.md).
bench: setup
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/ingest_speed.py
	$(BIN)/python bench/report_speed.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/encoding_guess.py

# ruff, and the architecture: the import contracts in pyproject.toml ([tool.importlinter]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Two workers (the machine's two cores); tests that serve the one Prefect server's deployments
# take turns by a lock file (tests/conftest.py).
test: lint chromium
	$(BIN)/pytest -n 2

# The browser tests of the report need Debian's chromium. Installed here when missing and this
# is root with apt-get (as on CI); otherwise said in one line before anything runs.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make test: installing Debian's chromium for the browser tests (apt-get, about 80 MB)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null 2>&1 \
	      || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	  else \
	    echo "make test: chromium is missing and cannot be installed here (needs root and apt-get): the browser tests will fail; install Debian's chromium, then run make test again"; \
	  fi; \
	fi

clean:
	rm -rf data/inbox data/archive data/quarantine data/polls.duckdb data/polls.duckdb.wal \
		data/polls.duckdb.lock reports
