# `make run` and `make test` each set the project up from nothing: a machine with python3 is
# enough. uv is bootstrapped with pip when it is not on PATH, and the environment is installed
# from the lock file, never re-resolved.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .bootstrap/bin/uv)
INSTALLED := $(VENV)/.installed

.PHONY: run test lint setup clean bench

setup: $(INSTALLED)

.bootstrap/bin/uv:
	$(PYTHON) -m venv .bootstrap
	.bootstrap/bin/python -m pip install --quiet 'uv>=0.13'

$(INSTALLED): pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

# Copy the bundled sample drops into the inbox, ingest them and write the report, in one run of
# the ingest-and-report flow. The copy has finished when `cp` returns, so the "still being
# written" wait is switched off for this run.
run: setup
	mkdir -p data/inbox
	cp data/samples/*.csv data/inbox/
	POLLWATCH_SETTLE_SECONDS=0 $(BIN)/python flows/pipeline.py
	$(BIN)/pollwatch status

# Figures, not asserts: each benchmark prints its ratio against a plain baseline (bench/RESULTS.md).
bench: setup
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/ingest_speed.py
	$(BIN)/python bench/report_speed.py
	$(BIN)/python bench/latency.py



lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest

clean:
	rm -rf data/inbox data/archive data/quarantine data/polls.duckdb data/polls.duckdb.wal reports
