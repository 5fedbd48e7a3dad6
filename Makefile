# Entry points for people and CI: `make demo` (main job) and `make test` (all tests).
# CMake + Ninja do the real work; this file only names the steps.

BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= 2
SPEC_DIR   ?= $(abspath ../shared/wasm-spec)
CMAKE_ARGS ?=
# LeakSanitizer's exit-time scan of dynamic TLS crashes ("Tracer caught signal 11", a bogus DTLS
# range) in a program that dlopened the codegen plugin and ran a thread that used it; GCC 12's
# runtime then reports a fatal error instead of leaks. Not intercepting __tls_get_addr avoids
# the bogus range; leaks are still checked.
ASAN_TEST_OPTIONS ?= intercept_tls_get_addr=0
SPEC_RUNNER = $(BUILD_DIR)/test/spec/ws_spec_runner
WASMRUN     = $(BUILD_DIR)/tools/wasmrun/wasmrun
EXAMPLE     = $(BUILD_DIR)/examples/capabilities.wasm

CONFIGURE = cmake -S . -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

.PHONY: all deps configure build test demo docker-demo run run-local spec asan format format-check tidy clean bench bench-containers fuzz

all: build

deps:
	@bash support/scripts/install-deps.sh

# Configure once; afterwards Ninja re-runs CMake by itself when a CMakeLists.txt changes.
configure: deps
	@test -f $(BUILD_DIR)/build.ninja || $(CONFIGURE) -B $(BUILD_DIR)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

# The main job: the examples (hello, capabilities, docroot bind mount, sqlite3 with a script from a
# mount) packed by wasm-oci and run as containers through a private containerd and our shim.
demo: build
	examples/demo.sh $(BUILD_DIR)

# The usual Docker + Wasm commands (docker run, -v a docroot, -p to the httpd example, logs,
# stats, stop) against a private dockerd 26 on a private containerd (examples/docker/README.md).
docker-demo: build
	examples/docker/demo.sh $(BUILD_DIR)

# The capability demo (examples/) alone as a container: a private containerd runs it
# through our shim (ctr run --runtime io.containerd.wasm.v1); examples/README.md explains it.
run: build
	examples/run-in-containerd.sh $(BUILD_DIR) $(EXAMPLE)

# The same demo run directly by the runner CLI with a granted docroot and two variables.
run-local: build
	@test -x $(WASMRUN) || { echo "run-local: $(WASMRUN) was not built" >&2; exit 1; }
	$(WASMRUN) --dir /docroot:examples/docroot:ro --env GREETING=hello --env USER=demo $(EXAMPLE)

# The spec-test runner over the core test suite (per-file counts and a total line).
spec: build
	@test -x $(SPEC_RUNNER) || { echo "spec: $(SPEC_RUNNER) was not built" >&2; exit 1; }
	$(SPEC_RUNNER) --spec-dir $(SPEC_DIR) --jobs $(JOBS)

asan: deps
	@test -f $(ASAN_DIR)/build.ninja || $(CONFIGURE) -B $(ASAN_DIR) -DWS_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j$(JOBS)
	ASAN_OPTIONS=$(ASAN_TEST_OPTIONS) ctest --test-dir $(ASAN_DIR) --output-on-failure -j$(JOBS)

format:
	@support/scripts/check-format.sh --fix

format-check:
	@support/scripts/check-format.sh --check

tidy: build
	@JOBS=$(JOBS) support/scripts/run-tidy.sh $(BUILD_DIR)

# Decode+validate throughput vs wasm-validate, CPU kernels native vs ours vs node, then whole
# WASI programs (kernels as commands, start-up, CRuby) native vs wasmrun vs node, cold starts
# (hello, SQLite, CRuby) on the eager vs the lazy JIT tier, and start-up with the code cache
# (cold, warm, none).
bench: build
	@BUILD_DIR=$(BUILD_DIR) bench/decode/run.sh
	@BUILD_DIR=$(BUILD_DIR) bench/kernels/run.sh
	$(BUILD_DIR)/bench/simd/ws_simd_bench --runs 15
	@BUILD_DIR=$(BUILD_DIR) bench/wasi/run.sh
	@BUILD_DIR=$(BUILD_DIR) bench/cache/run.sh

# Containers (as root): `ctr run --rm` latency, throughput and idle density, our shim against
# runc (busybox-static) through a private containerd, plus sqlite3 with a warm cache and a CRI pod;
# writes bench/containers/results/ (results.md, PNG plots). Sizes: WS_BENCH_RUNS (30),
# WS_BENCH_CONTAINERS (1000), WS_BENCH_CONCURRENCY ("1 4 16"), WS_BENCH_K ("10 100 1000").
bench-containers: build
	cmake --build $(BUILD_DIR) -j$(JOBS) --target containerd-shim-wasm-v1 ws_it_guests
	@if ninja -C $(BUILD_DIR) -t query ws_real_sqlite3 >/dev/null 2>&1; then \
	  cmake --build $(BUILD_DIR) -j$(JOBS) --target ws_real_sqlite3; fi
	bench/containers/run.sh $(BUILD_DIR)
	@BUILD_DIR=$(BUILD_DIR) bench/lazy/run.sh

FUZZ_DIR  ?= build-fuzz
FUZZ_TIME ?= 600
# libFuzzer over decode+validate (clang-14, ASan/UBSan), seeded from the spec suite.
fuzz: deps
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_TIME=$(FUZZ_TIME) SPEC_DIR=$(SPEC_DIR) JOBS=$(JOBS) engine/decode/run_fuzz.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
