# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Install the service and run it on the embedded default (SQLite in ./instance).
run: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/vouch init
	$(BIN)/vouch serve

# Install the test dependencies, lint, type-check (mypy --strict), and run the whole test suite.
test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: $(BIN)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy

# wrk (the HTTP load generator) is a Debian package: installed only when missing (with a
# package-list update when the first attempt finds none).
bench: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	command -v wrk >/dev/null || apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py --postgres
