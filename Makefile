# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test check fmt install install-test test-slow bench audit clean run-postgres \
	test-web-postgres test-backup test-fuzz test-faults lock

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

## Dependencies come from the lock files, every file checked against its SHA-256
## (requirements/*.txt, made by `make lock`); the project itself is installed without
## letting pip resolve anything further.
install: $(BIN)/activate
	$(PY) -m pip install -q --require-hashes -r requirements/runtime.txt
	$(PY) -m pip install -q --no-deps -e .

install-test: $(BIN)/activate
	$(PY) -m pip install -q --require-hashes -r requirements/dev.txt
	$(PY) -m pip install -q --no-deps -e .

## Re-resolve the lock files from pyproject.toml (after adding or bumping a dependency).
## pip-tools runs in its own venv and uses pip's configuration, so the CPU build of torch
## that lies on this machine's disk is the one locked (docs/operations.md, "Lock files").
LOCK_FLAGS := -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links
lock:
	test -x .venv-lock/bin/pip-compile || ($(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install -q pip-tools)
	.venv-lock/bin/pip-compile $(LOCK_FLAGS) -o requirements/runtime.txt pyproject.toml
	.venv-lock/bin/pip-compile $(LOCK_FLAGS) --extra test --extra train -o requirements/dev.txt \
	  pyproject.toml

## Install, create the SQLite database with the demo case, and serve the app on localhost.
run: install
	$(BIN)/marrowscope demo --serve

## The same on a local PostgreSQL (Debian's packages, as CI): start the cluster, create
## the database, migrate, seed the demo and serve (README, "PostgreSQL").
PG_URL ?= postgresql+psycopg://marrowscope:marrowscope@127.0.0.1:5432/marrowscope
run-postgres: install
	bash .ci/postgres-start marrowscope
	MARROWSCOPE_DATABASE_URL=$(PG_URL) $(BIN)/marrowscope demo --serve

## Fuzz (issue 17): parsers and imports with hypothesis, the API with schemathesis as each role.
FUZZ_EXAMPLES ?= 1000
test-fuzz: install-test
	$(PY) -m pip install -q -e '.[test,fuzz]'
	MARROWSCOPE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s -p no:cacheprovider \
	  --hypothesis-show-statistics tests/fuzz

## Install the test dependencies and run style, types, layering and the default suite.
test: install-test check

check:
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	# the official FHIR R4 JSON schema for tests/integration/test_fhir_schema.py (npm, pinned)
	bash .ci/fhir-schema >/dev/null
	$(BIN)/pytest -q -m "not slow and not gpu"

fmt:
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test-slow: install-test
	$(BIN)/pytest -q -m "slow"

## Every web and API test on PostgreSQL (the default job runs one module there).
PG_TEST_URL ?= postgresql+psycopg://marrowscope:marrowscope@127.0.0.1:5432/marrowscope_test
test-web-postgres: install-test
	bash .ci/postgres-start
	MARROWSCOPE_TEST_POSTGRES_URL=$(PG_TEST_URL) MARROWSCOPE_TEST_WEB_BACKEND=postgresql \
	  $(BIN)/pytest -q -m "not slow and not gpu" tests/integration/test_web_*.py \
	  tests/integration/test_api_*.py

## Backup and restore on SQLite and PostgreSQL (also part of the default suite).
test-backup: install-test
	bash .ci/postgres-start
	MARROWSCOPE_TEST_POSTGRES_URL=$(PG_TEST_URL) $(BIN)/pytest -q tests/integration/test_backup_restore.py

## Fault tests (slow): SIGKILL of the web server and an immediate stop of PostgreSQL
## mid-write; every acknowledged write present and whole (tests/faults; -s prints the tally).
test-faults: install-test
	bash .ci/postgres-start
	MARROWSCOPE_TEST_POSTGRES_URL=$(PG_TEST_URL) $(BIN)/pytest -q -s -m slow tests/faults

## Audit installed dependencies with pip-audit (own venv); prints "not audited: <reason>"
## instead of a clean bill when no advisory database could be reached (see .ci/audit.py).
audit: install-test
	test -x .venv-audit/bin/pip-audit || ($(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install -q pip-audit)
	$(PY) .ci/audit.py --pip-audit .venv-audit/bin/pip-audit --python $(PY)

bench: install-test
	for f in benchmarks/*.py; do $(PY) $$f; done

clean:
	rm -rf $(VENV) .venv-audit .venv-lock var artefacts .mypy_cache .ruff_cache .pytest_cache
