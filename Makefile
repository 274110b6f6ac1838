# The two commands of the README. Each sets itself up from nothing (a fresh clone is enough).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean system-packages

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

# The Debian packages some tests use (redis-server, chromium, wrk, npm), installed when missing.
system-packages:
	scripts/system-packages

test: lint system-packages
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# --- Distributions (docs/install.md) -------------------------------------------------------
.PHONY: dist

# The wheel and the sdist, built by PyPA's build frontend into dist/.
dist: setup
	rm -f dist/*.whl dist/*.tar.gz
	$(BIN)/python -m build --outdir dist .

# --- Claude Desktop bundle (docs/install.md) -----------------------------------------------
# The official mcpb tool (npm @anthropic-ai/mcpb, runs on Node 20+) validates bundle/manifest.json
# and packs bundle/ into $(BUNDLE). It is installed into .tools/mcpb on first use.
.PHONY: bundle
NPM ?= npm
MCPB_VERSION := 2.1.2
MCPB := .tools/mcpb/node_modules/.bin/mcpb
BUNDLE ?= dist/kp-tools.mcpb

$(MCPB):
	$(NPM) install --silent --no-audit --no-fund --prefix .tools/mcpb @anthropic-ai/mcpb@$(MCPB_VERSION)

bundle: $(MCPB)
	$(MCPB) validate bundle/manifest.json
	mkdir -p $(dir $(BUNDLE))
	$(MCPB) pack bundle $(BUNDLE)

# --- Dead code (issue 12, item 9) ----------------------------------------------------------
# Vulture over kp_tools/, configured in pyproject.toml [tool.vulture] (what frameworks call by
# name is listed there); it exits non-zero on any finding.
.PHONY: deadcode
deadcode: setup
	$(BIN)/vulture

# --- MCP conformance (docs/mcp.md) ---------------------------------------------------------
# The official suite (@modelcontextprotocol/conformance, needs Node 22, both installed into
# .tools/node22 on first use) against `kp-mcp --transport http --sandbox`, for the 2026-07-28
# and the 2025-11-25 requirements; fails on any check outside conformance/expected-failures-*.yml.
.PHONY: conformance
conformance: setup
	VENV_BIN=$(BIN) conformance/run.sh
