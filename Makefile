# The two quick-start commands (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= newsclaims.db

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Set up and run the batch job on the bundled corpus with the embedded defaults.
demo: $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/newsclaims run corpus/ --db $(DB)

# Set up and run the tests (installs Chromium for the browser tests when it can).
test: $(BIN)/python
	bash scripts/system-deps.sh
	$(BIN)/pip install -q -e '.[dev,live,train,ray]'
	$(BIN)/pytest

lint: $(BIN)/python
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm report/
