# filnet developer entry points. `make run` and `make test` set everything up from scratch.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Reinstall when packaging or native code changes (Python sources are live in the editable install).
SOURCES := pyproject.toml setup.py $(shell find src -name "*.c" -o -name "*.h")

.PHONY: all run test test-all bench lint typecheck format clean install system-deps

all: test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel

# Installs the package in editable mode, which also compiles the native extensions in place.
$(STAMP): $(PY) $(SOURCES)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Real programs that interop tests talk to, installed when missing: Go (the math/rand streams behind the
# go-fil-commp-hashhash vectors) and Node.js from Debian's packages, then the pinned JavaScript packages of
# interop/package.json (Helia's UnixFS importer, data-segment, @ipld/car, ipfs-car, Zondax and Glif).
# Tests fail (not skip) under CI when these are absent.
INTEROP_STAMP := interop/node_modules/.installed
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

$(INTEROP_STAMP): interop/package.json interop/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing Node.js (Debian nodejs, npm) for the interop tests"; \
		apt-get update -qq && $(APT_INSTALL) nodejs npm >/dev/null; }
	cd interop && npm install --no-audit --no-fund --loglevel=error
	@touch $@

system-deps: $(INTEROP_STAMP)
	@command -v go >/dev/null 2>&1 || { \
		echo "installing Go (Debian golang-go) for the CommP vector test"; \
		(apt-get update -qq && $(APT_INSTALL) golang-go >/dev/null) \
		|| echo "warning: could not install golang-go; the go-rand CommP test will not pass"; }

run: $(STAMP)
	$(VENV)/bin/python -m filnet.demo

test: $(STAMP) system-deps
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy
	$(PY) -m pytest -q -n 2 --dist loadfile

test-all: $(STAMP) system-deps
	$(PY) -m pytest -q -n 2 --dist loadfile -m ""

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format src tests bench
	$(PY) -m ruff check --fix src tests bench

clean:
	rm -rf $(VENV) build src/*.egg-info
	find src -name '*.so' -delete
