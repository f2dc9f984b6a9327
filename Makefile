# The two README commands: `make run` and `make test`. Both build .venv from the hash-pinned
# lock files on first use, so a fresh machine needs only python3 (3.11+) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test lint eval bench lock clean

$(RUNTIME): requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

$(DEV): $(RUNTIME) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

run: $(RUNTIME)
	$(BIN)/python -m bot start

test: $(DEV)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: $(DEV)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy

eval: $(RUNTIME)
	$(BIN)/python -m bot eval

bench: $(RUNTIME)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/commands.py

# Re-pin after editing requirements*.in (needs uv on the PATH; not needed to install).
lock:
	uv pip compile --python-version 3.11 --generate-hashes requirements.in -o requirements.lock
	uv pip compile --python-version 3.11 --generate-hashes requirements-dev.in -o requirements-dev.lock

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
