# A thin front over Meson: `make run` and `make test` set up, build and go.
BUILD ?= build
MESON_SETUP_ARGS ?=

.PHONY: all setup setup-test configure build run test unit system docs bench fuzz clean

all: build

setup:
	@scripts/setup-deps.sh run

setup-test:
	@scripts/setup-deps.sh test

configure:
	@if [ ! -f $(BUILD)/build.ninja ]; then meson setup $(BUILD) $(MESON_SETUP_ARGS); fi

build: setup configure
	@ninja -C $(BUILD)

## run: set up, build and start ddid on its embedded defaults (data in ./var)
run: build
	$(BUILD)/app/ddid $(ARGS)

## test: set up, build, run every unit and system test; the last line is "N passed, N failed"
test: setup-test configure
	@ninja -C $(BUILD)
	@/usr/bin/python3 tests/run_all.py --build $(BUILD)

unit: configure
	@ninja -C $(BUILD)
	@/usr/bin/python3 tests/run_all.py --build $(BUILD) --only unit

system: configure
	@ninja -C $(BUILD)
	@/usr/bin/python3 tests/run_all.py --build $(BUILD) --only system

## docs: regenerate docs/config.md from the config key table
docs: build
	$(BUILD)/app/ddid --config-reference > docs/config.md

## bench: run every benchmark beside its reference servers (not part of `make test`)
bench: build
	@scripts/setup-deps.sh bench
	@for b in bench/*.sh; do BUILD=$(BUILD) bash $$b || exit 1; done

## fuzz: build the fuzz targets with clang (libFuzzer) and run each for FUZZ_SECONDS (default 60)
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

clean:
	rm -rf $(BUILD)
