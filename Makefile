# Two commands on a fresh machine:
#   make run    — create .venv, install nnlab, train the default model on bundled data
#   make test   — create .venv, install nnlab with its test extras, run the whole suite
#   make bench  — nnlab against PyTorch CPU, interleaved in one run (BENCH_ARGS="--quick a g" to narrow)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/nnlab train

# One BLAS/OpenMP thread per test worker: two workers on two cores, no oversubscription.
test: $(VENV)/.installed-test
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q

# Speed is measured, never tested: results in benchmarks/results/latest.{md,json}, see docs/performance.md.
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) runs .pytest_cache
