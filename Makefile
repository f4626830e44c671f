PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench lock iam-policy clean

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

# The container image's pinned, hashed runtime requirements. Pins that still satisfy
# pyproject.toml are kept; `make lock LOCK_FLAGS=--upgrade` takes the newest that do.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--quiet --custom-compile-command "make lock" $(LOCK_FLAGS) -o deploy/requirements.lock

# The least-privilege IAM policy, derived from the contact property table, for an example
# account (AWS's documentation one): pass your own to `python -m hubsync.iam_policy`.
IAM_EXAMPLE := --region eu-west-1 --account 123456789012
iam-policy: $(STAMP)
	$(BIN)/python -m hubsync.iam_policy $(IAM_EXAMPLE) > deploy/aws/iam-policy.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .coverage
