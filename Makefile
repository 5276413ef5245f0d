# One command to set up and run the project, one to set up and run the tests.
# A virtual environment is made in .venv on first use. TORCH pins the local CPU build of
# PyTorch (this workplace ships torch 2.13.0 CPU); override it, e.g. TORCH="torch" on a GPU box.
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
export KEDRO_DISABLE_TELEMETRY := 1
export HF_HUB_OFFLINE := 1

.PHONY: setup run test lint clean-venv

$(BIN)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

run: setup  ## kedro run on the built-in synthetic data
	$(BIN)/kedro run $(ARGS)

test: setup  ## the whole test suite
	$(BIN)/python -m pytest $(ARGS)

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

clean-venv:
	rm -rf $(VENV)
