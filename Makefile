# Two commands set everything up on a fresh machine:
#   make demo   - create .venv, install rackline, run the baseline scenario end to end
#   make test   - create .venv, install rackline with test tools, run ruff, mypy and the test suite
# Both install the exact versions in requirements/lock.txt (the versions the suite was last
# green with); pyproject.toml keeps the ranges for people who `pip install rackline`. Installing also
# compiles the engine's hot modules with mypyc (sim/build_engine.py, ~15 s; again when an engine file
# changes); without a C compiler it notes so and the pure-Python engine runs (RACKLINE_PURE=1 forces it).
# `make test` runs the suite on the compiled engine, then the engine tests again on the pure one.
#   make lock         - after changing dependencies in pyproject.toml: add them to the lock,
#                       keeping every other pin (UPGRADE=1 moves every pin to the newest allowed)
#   make test-latest  - the suite against the newest versions the ranges allow (.venv-latest;
#                       not in CI): run it before `make lock UPGRADE=1`
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements/lock.txt
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
LATEST := .venv-latest
TOOLS  := .venv-lock
ENGINE := $(wildcard sim/rackline/engine/*.py)
# written only by a build that compiled, so a failed one (no compiler yet) is tried again
NATIVE := sim/rackline/engine/_native/MANIFEST
# the tests that run again on the pure-Python engine (same pinned digests, bit for bit)
PURE_TESTS := tests/test_native.py tests/test_engine.py tests/test_engine_correctness.py tests/test_lots.py \
	tests/test_golden.py

.PHONY: demo test lint install bench clean lock test-latest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(NATIVE): sim/build_engine.py $(ENGINE) $(STAMP)
	$(BIN)/python sim/build_engine.py

# rackline's bytecode, as pip writes it for an installed package: with PYTHONDONTWRITEBYTECODE
# set (as on the project's machines) every command would compile the package from source
# again (~0.05-0.1 s CPU each); a stale file is recompiled in memory, never used
install: $(STAMP) $(NATIVE)
	@$(BIN)/python -m compileall -q sim/rackline

demo: install
	$(BIN)/rackline validate scenarios/*.yaml
	$(BIN)/rackline run scenarios/baseline.yaml

lint: install
	$(BIN)/ruff check sim tests bench
	$(BIN)/mypy

test: lint
	@$(BIN)/python -c "from rackline.engine import native; print('engine:', native.STATUS)"
	$(BIN)/python -m pytest
	RACKLINE_PURE=1 $(BIN)/python -m pytest $(PURE_TESTS)

bench: install
	$(BIN)/python bench/run.py

$(TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet pip-tools

lock: $(TOOLS)/bin/pip-compile
	$(TOOLS)/bin/pip-compile --quiet $(if $(UPGRADE),--upgrade) --extra test --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host -o $(LOCK) pyproject.toml

test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[test]"
	$(LATEST)/bin/python -m pip freeze --exclude-editable > $(LATEST)/versions.txt
	$(LATEST)/bin/ruff check sim tests bench
	$(LATEST)/bin/mypy
	$(LATEST)/bin/python -m pytest

clean:
	rm -rf $(VENV) $(LATEST) $(TOOLS) build *.egg-info $(dir $(NATIVE))
