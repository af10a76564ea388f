# Two commands do all the set-up: `make run` starts the app, `make test` passes the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# Every install takes its versions, and its build environment's, from the one constraints file.
PIP_INSTALL := $(PY) -m pip install --quiet -c constraints.txt --build-constraint constraints.txt
# The tooling a venv gets at once (the pip and setuptools a new venv bundles can be years old:
# setuptools 65.5 has CVE-2022-40897, CVE-2024-6345 and CVE-2025-47273), within these bounds
# when constraints.txt is re-resolved; pyproject.toml bounds setuptools for builds the same way.
TOOLING := 'pip>=25.3,<27' 'setuptools>=78.1.1,<85'
LOCK_VENV := .venv-constraints

.PHONY: run cli test lint typecheck contract pytest package fakes bench clean system-deps constraints

$(PY):
	$(PYTHON) -m venv $(VENV)

# Current pip and setuptools, exactly as pinned, before anything else is installed (and again
# whenever the pins change, in a venv made before).
$(VENV)/.tooling: constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade -c constraints.txt pip setuptools
	touch $@

$(VENV)/.installed-run: pyproject.toml constraints.txt $(VENV)/.tooling
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.tooling
	$(PIP_INSTALL) -e '.[test,dev]'
	touch $@ $(VENV)/.installed-run

# Re-resolve constraints.txt: the newest versions pyproject.toml's bounds allow, in a scratch
# venv, all pinned (then `make test` installs and tests exactly those).
constraints:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade $(TOOLING)
	$(LOCK_VENV)/bin/python -m pip install --quiet '.[test,dev]'
	{ sed -n '/^#/p' constraints.txt; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude e2b-agent; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(LOCK_VENV)

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

# A worker per core and one more (the tests wait on subprocesses and sockets as much as they
# compute: 2:18 with 3 workers on the 2-core machine, 2:43 with 2), at most 4; a test file
# stays on one worker, so the frozen build is made once (its module's fixture).
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); n=$$((n + 1)); [ $$n -gt 4 ] && n=4; echo $$n)

pytest: system-deps $(VENV)/.installed-test
	bash .ci/pytest-session.sh $(PY) -m pytest -n $(WORKERS) --dist loadfile

test: lint typecheck contract pytest

package: system-deps $(VENV)/.installed-test
	$(BIN)/pyinstaller --noconfirm --clean build.spec

fakes: $(VENV)/.installed-test
	$(PY) -m tests.fakes

bench: system-deps $(VENV)/.installed-test
	bash .ci/pytest-session.sh $(PY) tests/benchmarks/run_all.py  # with a real Secret Service

clean:
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache $(LOCK_VENV)
