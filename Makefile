PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml sandbox/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ./sandbox -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hubsync demo

# The engine's every branch is exercised by the unit tests alone, on in-memory ports.
ENGINE_COVERAGE := --cov=hubsync.engine --cov-branch --cov-report=term --cov-fail-under=90

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hubsync tests sandbox/tests benchmarks
	$(BIN)/pytest tests/unit -q $(ENGINE_COVERAGE)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hubsync tests sandbox/tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .coverage
