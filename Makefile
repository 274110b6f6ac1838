# The two commands of the README. Each sets itself up from nothing (a fresh clone is enough).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/kp-tools demo

lint: setup
	$(BIN)/ruff check kp_tools tests bench notebooks
	$(BIN)/ruff format --check kp_tools tests bench notebooks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# --- Distributions (docs/install.md) -------------------------------------------------------
.PHONY: dist

# The wheel and the sdist, built by PyPA's build frontend into dist/.
dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
