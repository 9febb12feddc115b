# SPDX-License-Identifier: BSD-2-Clause
# The commands people type. CMake does the building underneath.
#   make           build build/wirecat
#   make demo      install missing Debian packages, build, run the loopback demo
#   make check     install missing Debian packages, build (-Werror), run every
#                  test, then once more under ASan+UBSan
#   make install PREFIX=/usr/local
#   make fuzz      libFuzzer targets with clang (FUZZ_SECONDS per target)
#   make bench     benchmarks against the peers (bench/RESULTS.md)

BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all build deps-build deps-demo deps-check demo check check-fast install fuzz bench clean format

all: build

build:
	@command -v cmake >/dev/null || { echo "cmake is missing: run 'make demo' or 'make check' to install it" >&2; exit 1; }
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps-build deps-demo deps-check:
	@scripts/deps.sh $(subst deps-,,$@)

demo: deps-demo
	@$(MAKE) --no-print-directory build >/dev/null
	@scripts/demo.sh $(BUILD)/wirecat

check: deps-check
	@scripts/check.sh

# One pass without the sanitizer build (for quick local runs).
check-fast: deps-check
	@CHECK_SANITIZE=0 scripts/check.sh

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

fuzz: deps-check
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: deps-check build
	@bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
