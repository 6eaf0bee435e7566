# Two entry points (see README): `make serve` and `make test`.
# Each creates .venv from the committed lock file when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pbkit-installed
PORT ?= 8866

.PHONY: serve test lint lab bench env browser-deps clean-env roleplay-models

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	@$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

env: $(STAMP)

serve: $(STAMP)
	$(BIN)/pbkit serve --host 127.0.0.1 --port $(PORT)

lab: $(STAMP)
	$(BIN)/pbkit lab

browser-deps:
	@bash .ci/browser-deps.sh

test: $(STAMP) browser-deps
	$(BIN)/ruff check pbkit tests benchmarks
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/pbkit bench

# regenerate the precomputed role-play model parameters after exemplars or cues change
roleplay-models: $(STAMP)
	$(BIN)/pbkit scenarios --build-models

clean-env:
	rm -rf $(VENV)
