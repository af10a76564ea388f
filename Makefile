# Two commands do all the set-up: `make run` starts the app, `make test` passes the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run cli test lint typecheck contract pytest package fakes bench clean system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $@ $(VENV)/.installed-run

system-deps:
	@bash .ci/system-deps.sh

run: system-deps $(VENV)/.installed-run
	$(BIN)/e2b-agent

cli: $(VENV)/.installed-run
	$(BIN)/e2b-agent --cli

lint: $(VENV)/.installed-test
	$(BIN)/ruff check desktop tests
	$(BIN)/ruff format --check desktop tests

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

contract: $(VENV)/.installed-test
	$(BIN)/lint-imports

pytest: system-deps $(VENV)/.installed-test
	bash .ci/pytest-session.sh $(PY) -m pytest

test: lint typecheck contract pytest

package: system-deps $(VENV)/.installed-test
	$(BIN)/pyinstaller --noconfirm --clean build.spec

fakes: $(VENV)/.installed-test
	$(PY) -m tests.fakes

bench: system-deps $(VENV)/.installed-test
	bash .ci/pytest-session.sh $(PY) tests/benchmarks/run_all.py  # with a real Secret Service

clean:
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache
