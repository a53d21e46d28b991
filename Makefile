# One entry point that mirrors CI: `make demo`, `make test`, `make lint`, `make bench`.
CACHE ?= $(HOME)/.cache/credmint
PYTHON := $(CACHE)/venv/bin/python
CARGO := cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
export CREDMINT_CACHE := $(CACHE)

.PHONY: demo demo-offline setup test lint test-rust test-wasm test-vectors test-interop test-demo test-python test-js test-kotlin test-swift bench bench-python bench-js bench-kotlin load vectors fuzz fuzz-long deny dist test-dist

demo:
	$(CARGO) run --locked --release -q -p credmint-cli -- demo

demo-offline:
	@scripts/demo.sh

setup:
	@scripts/setup.sh

test: setup lint test-rust test-wasm test-vectors test-interop test-demo test-python test-js test-kotlin test-swift deny fuzz test-dist
	@echo "all checks passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets --all-features -- -D warnings
	$(CARGO) clippy --locked -p credmint --all-targets -- -D warnings
	# The emulator and CLI with their own features (aws-lc + rsa), as users build them.
	$(CARGO) clippy --locked -p credmint-emulator -p credmint-cli --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps -p credmint --all-features

test-rust:
	$(CARGO) test --locked --workspace --all-features

test-wasm:
	$(CARGO) clippy --locked -p credmint --no-default-features --features rsa --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) clippy --locked -p credmint-wasm --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) clippy --locked -p credmint-wasm --features conformance --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) build --locked -p credmint --no-default-features --features rsa --target wasm32-unknown-unknown --release

# What a registry would serve (wheel, sdist, npm tarball, Kotlin jar, CLI) into
# target/dist with SHA256SUMS; test-dist installs each without Rust on PATH.
dist: setup
	scripts/dist.sh

test-dist: dist
	scripts/dist-test.sh

# Advisories (offline RustSec snapshot), licences, duplicates and sources: deny.toml.
deny:
	scripts/deny.sh

# Every fuzz target from the committed corpus, a fixed number of inputs with a
# fixed seed (about 2 min in all; nightly + cargo-fuzz; skipped with a message
# where nightly is missing).
fuzz:
	scripts/fuzz.sh smoke

# One target, long: make fuzz-long TARGET=jws SECONDS=3600
fuzz-long:
	scripts/fuzz.sh long $(TARGET) $(SECONDS)

test-vectors:
	$(PYTHON) tests/vectors/tools/generate.py --check

test-demo:
	$(CARGO) run --locked -q -p credmint-cli -- demo

test-interop:
	$(CARGO) build --locked -p credmint-cli
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint $(PYTHON) -m unittest discover -s tests/interop -v

# Every backend (aws-lc, ring, rsa) in one run, then openssl speed, then the ratios.
bench:
	$(CARGO) bench --locked -p credmint --features ring,rsa --bench core -- --output-format bencher | tee $(TARGET_DIR)/bench-core.txt
	openssl speed -seconds 3 rsa2048 2>/dev/null | tee $(TARGET_DIR)/bench-openssl.txt
	python3 scripts/bench_ratios.py $(TARGET_DIR)/bench-core.txt $(TARGET_DIR)/bench-openssl.txt

# The test suites' wheel: built and installed as the README tells users (pip install
# ./bindings-python), plus the conformance vectors' flows (feature `conformance`), which
# the wheel users get (and `make dist`, and bench-python's size) leaves out.
python-wheel:
	MATURIN_PEP517_ARGS="--features conformance" $(PYTHON) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings-python

test-python: python-wheel
	$(CARGO) build --locked -p credmint-cli
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint $(PYTHON) -m pytest -q -p no:cacheprovider bindings-python/tests
	cd bindings-python && $(PYTHON) -m mypy --strict --no-incremental python/credmint tests/typecheck_usage.py

# The npm package, built as the README tells users (bindings-wasm/build.sh), tested under node:test.
js-package:
	cd bindings-wasm && npm ci --no-audit --no-fund --silent
	bindings-wasm/build.sh

JS_SUITES = $(filter-out bindings-wasm/test/browser.test.js,$(wildcard bindings-wasm/test/*.test.js))

test-js: js-package
	$(CARGO) build --locked -p credmint-cli
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint node --test bindings-wasm/test/
	# Every suite but the Chromium one under Deno and Bun too (npm packages deno, bun);
	# under Deno with only read and env permissions, and through the web loader
	# (Deno's own file and env APIs).
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint bindings-wasm/node_modules/.bin/deno test --quiet --no-check -A $(JS_SUITES)
	bindings-wasm/node_modules/.bin/deno test --quiet --no-check --allow-read --allow-env bindings-wasm/test/credentials.test.js
	CREDMINT_ENTRY=../dist/web.js CREDMINT_BIN=$(TARGET_DIR)/debug/credmint bindings-wasm/node_modules/.bin/deno test --quiet --no-check -A bindings-wasm/test/credentials.test.js bindings-wasm/test/default.test.js bindings-wasm/test/verifiers.test.js
	# Bun stops a test at 5 s by default; the refused-connection case waits out the core's retry back-off (about 4 s).
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint bindings-wasm/node_modules/.bin/bun test --timeout 60000 $(addprefix ./,$(JS_SUITES))
	bindings-wasm/node_modules/.bin/tsc -p bindings-wasm/test/tsconfig.json
	cd bindings-wasm/dist && npm pack --dry-run --silent >/dev/null

# Kotlin on the JVM: the generated bindings and the thin layer compiled with
# kotlinc, the JUnit suite run against libcredmint_ffi.so through JNA.
test-kotlin:
	bindings-swift/kotlin/build.sh --test

# Swift: the committed sources must be what the crate generates, and they are
# checked without a Swift toolchain (bindings-swift/swift/check_swift.py).
test-swift:
	PYTHON=$(PYTHON) bindings-swift/check-generated.sh

bench-kotlin:
	bindings-swift/kotlin/build.sh --bench

bench-js: js-package
	$(CARGO) build --locked -p credmint-cli
	node bindings-wasm/bench.js
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint node bindings-wasm/bench-workerd.js
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint node bindings-wasm/bench-durable.js

bench-python:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings-python
	$(CARGO) build --locked -p credmint-cli
	$(PYTHON) bindings-python/bench.py
	CREDMINT_BIN=$(TARGET_DIR)/debug/credmint $(PYTHON) bindings-python/bench_shared.py

load:
	$(CARGO) run --locked --release -q -p credmint-emulator --example load -- 64 10

vectors: setup
	$(PYTHON) tests/vectors/tools/generate.py
