# bpfcc's developer entry points; every target sets up .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BPFCCFLAGS ?= -O2 -g
# e.g. make bench BENCH_ARGS="-n 10 prog.c"
BENCH_ARGS ?=
SAMPLES := $(shell find samples -name '*.c' 2>/dev/null)
SAMPLE_OBJS := $(patsubst samples/%.c,build/samples/%.o,$(SAMPLES))
# Rebuild the samples when the compiler or its headers change.
COMPILER := $(shell find bpfcc include -name '*.py' -o -name '*.h' 2>/dev/null)

.PHONY: samples venv test bench clean

samples: venv $(SAMPLE_OBJS)
	@echo "$(words $(SAMPLE_OBJS)) sample(s) compiled into build/samples"

venv: $(VENV)/.installed

# The stamp records an install from this pyproject.toml; editing it reinstalls.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

test: venv
	$(BIN)/python -m pytest -q tests

bench: venv
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

build/samples/%.o: samples/%.c $(COMPILER) $(VENV)/.installed
	@mkdir -p $(@D)
	$(BIN)/bpfcc $(BPFCCFLAGS) -c $< -o $@

clean:
	rm -rf build .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
