# bpfcc's developer entry points; every target sets up .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BPFCCFLAGS ?= -O2 -g
# e.g. make bench BENCH_ARGS="-n 10 prog.c"
BENCH_ARGS ?=
SAMPLES := $(shell find samples -name '*.c' 2>/dev/null)
SAMPLE_OBJS := $(patsubst samples/%.c,build/samples/%.o,$(SAMPLES))
SAMPLE_HEADERS := $(shell find samples -name '*.h' 2>/dev/null)
# One target per sample directory: `make sample-xdp_lb` builds build/samples/xdp_lb/*.o.
SAMPLE_NAMES := $(notdir $(patsubst %/,%,$(sort $(dir $(SAMPLES)))))
# Rebuild the samples when the compiler or its headers change.
COMPILER := $(shell find bpfcc include include-fallback -name '*.py' -o -name '*.h' 2>/dev/null)

.PHONY: samples venv test bench clean $(addprefix sample-,$(SAMPLE_NAMES))

samples: venv $(SAMPLE_OBJS) build/samples/endpoint_template/endpoints
	@echo "$(words $(SAMPLE_OBJS)) sample object(s) and the per-endpoint objects compiled into build/samples"

$(addprefix sample-,$(SAMPLE_NAMES)): sample-%: venv
	$(MAKE) $(filter build/samples/$*/%,$(SAMPLE_OBJS)) $(if $(filter endpoint_template,$*),build/samples/endpoint_template/endpoints)

# The templating sample compiles one source per endpoint through bpfcc's Python API.
build/samples/endpoint_template/endpoints: samples/endpoint_template/build.py samples/endpoint_template/endpoint.c $(COMPILER) $(VENV)/.installed
	$(BIN)/python samples/endpoint_template/build.py -o $@
	touch $@

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

build/samples/%.o: samples/%.c $(SAMPLE_HEADERS) $(COMPILER) $(VENV)/.installed
	@mkdir -p $(@D)
	$(BIN)/bpfcc $(BPFCCFLAGS) -c $< -o $@

clean:
	rm -rf build .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
