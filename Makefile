# Two commands matter on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs by itself.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint proto bench sim clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: the building blocks, then the three chains and the relay with seeded data: an
## invoice reimbursed once, and one consent carried to a loan decision (embedded default).
## The consortium stays up for the dashboards until Ctrl-C; DEMO_ARGS=--exit stops at once.
DEMO_ARGS ?=
demo: $(STAMP)
	$(BIN)/consortium demo $(DEMO_ARGS)

## test: lint, then the whole test suite
test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

## proto: regenerate the committed Python code from proto/
proto: $(STAMP)
	$(BIN)/python -m chains.protogen

## bench: run every benchmark (figures, never pass/fail)
bench: $(STAMP)
	for name in bls merkle state consensus chain invoices transfer; do $(BIN)/python -m bench $$name; done

## sim: search more consensus scenarios than CI does (make sim SEEDS=5000)
SEEDS ?= 2000
sim: $(STAMP)
	$(BIN)/python -m chains.sim --seeds $(SEEDS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
