# sx - stream analytics for the Unix shell.  See README.md.
#
#   make            build bin/sx-*            make check    all tests (+ ASan/UBSan)
#   make demo       pipeline on sample data   make bench    throughput vs jq and mlr
#   make install PREFIX=/usr/local
#
# Missing Debian packages are installed with apt-get (as root, or through
# sudo -n), or named in one message.

PREFIX ?= /usr/local
CC ?= cc
BUILD ?= build
BIN ?= bin
OPT ?= -O2
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

WARN = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icommon
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS)
# --as-needed: a tool records only the libraries its objects use
LDLIBS = -Wl,--as-needed -ljansson -lcsv -lz -lm
# libcurl only where sx_http (Power BI's REST API) is linked in
CURL_LIBS = -lcurl
# Each object depends on the headers it includes: the compiler lists them in
# a .d file beside it (-MP: a deleted header is no error).
DEPFLAGS = -MMD -MP

# Debian packages: to build, and (in addition) to run the tests and benchmarks.
DEB_BUILD = gcc make pkg-config libc6-dev libjansson-dev libcsv-dev zlib1g-dev libcurl4-openssl-dev
DEB_TEST = check sqlite3 jq miller python3 postgresql groff-base man-db gzip procps time bc openssl \
	parallel mosquitto mosquitto-clients kcat

LIB_SRC := $(sort $(wildcard common/*.c))
LIB_OBJ := $(LIB_SRC:common/%.c=$(BUILD)/common/%.o)
TOOLS := $(patsubst cmd/%.c,%,$(sort $(wildcard cmd/sx-*.c)))
TOOL_BINS := $(TOOLS:%=$(BIN)/%)
UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))

.PHONY: all deps deps-test deps-node deps-npm deps-demo check unit cli integration conformance asan demo bench install clean man-check doc-examples fault valgrind
.PHONY: deps-fuzz fuzz fuzz-build fuzz-smoke robust
.DELETE_ON_ERROR:

all: deps $(TOOL_BINS)

# Install what is missing, once per set of packages (the stamp remembers).
define ensure_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "sx: installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "sx: please install:$$missing (e.g. sudo apt-get install$$missing)" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } || \
	  { echo "sx: could not install:$$missing" >&2; exit 1; }; \
	fi
endef

deps:
	$(call ensure_debs,$(DEB_BUILD))

deps-test: deps
	$(call ensure_debs,$(DEB_TEST))

# make demo needs only sqlite3 on top of the build packages.
deps-demo: deps
	$(call ensure_debs,sqlite3)

# deps is order-only: with make -j, packages are installed before the first compile.
$(BUILD)/common/%.o: common/%.c | $(BUILD)/common deps
	@echo "CC $<"; $(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/libsx.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BIN)/%: cmd/%.c $(BUILD)/libsx.a | $(BIN) $(BUILD)/cmd
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -MF $(BUILD)/cmd/$*.d -MT $@ -o $@ $< \
		$(BUILD)/libsx.a $(LDFLAGS) $(LDLIBS) $(TOOL_LIBS)

$(BIN)/sx-emit-powerbi: TOOL_LIBS = $(CURL_LIBS)

$(BUILD)/common $(BUILD)/cmd $(BIN) $(BUILD)/unit:
	mkdir -p $@

-include $(LIB_OBJ:.o=.d) $(TOOLS:%=$(BUILD)/cmd/%.d)

# Unit tests: one Check suite per common/ module, all run by one runner.  The
# list of suites is generated, so adding tests/unit/check_x.c is enough.
$(BUILD)/unit/suites.h: $(UNIT_SRC) | $(BUILD)/unit
	sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void).*/X(\1)/p' $(UNIT_SRC) > $@

$(BUILD)/unit/check_sx: $(UNIT_SRC) tests/unit/main.c $(wildcard tests/unit/*.h) $(BUILD)/unit/suites.h $(BUILD)/libsx.a
	$(CC) $(CPPFLAGS) -I$(BUILD)/unit $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ \
		$(UNIT_SRC) tests/unit/main.c $(BUILD)/libsx.a $(LDFLAGS) $(LDLIBS) $(CURL_LIBS) $$(pkg-config --libs check)

unit: deps-test $(BUILD)/unit/check_sx
	cd tests/unit && ../../$(BUILD)/unit/check_sx

cli: all deps-test
	SX_BIN=$(CURDIR)/$(BIN) bash tests/cli/run.sh

# Third-party corpora (../shared/conformance): csv-spectrum, JSONTestSuite.
conformance: all deps-test
	SX_BIN=$(CURDIR)/$(BIN) bash tests/conformance.sh

# The T-SQL syntax test's parser (npm, into build/npm).  Soft: without npm or
# network the test prints SKIP instead.
NPM_DIR ?= $(CURDIR)/build/npm

# npm itself comes from Debian's nodejs and npm packages when there is no npm
# (a fresh Debian 12 has none); that is soft too.
deps-node:
	$(call ensure_debs,nodejs npm)

deps-npm:
	@{ command -v node && command -v npm; } >/dev/null 2>&1 || \
		$(MAKE) --no-print-directory deps-node || echo "sx: no npm; test_emit_sql_tsql.sh will SKIP"
	@bash tests/integration/tsql_deps.sh $(NPM_DIR) || \
		echo "sx: T-SQL parser not installed; test_emit_sql_tsql.sh will SKIP"

integration: all deps-test deps-npm
	SX_NPM=$(NPM_DIR) SX_BIN=$(CURDIR)/$(BIN) bash tests/integration/run.sh

# Fault injection: an LD_PRELOAD shim failing the Nth write, read, fsync,
# rename, malloc or connect, and a sweep over each tool's commands with it
# (tests/fault/sweep.sh, about two minutes).
$(BUILD)/fault.so: tests/fault/fault.c | $(BUILD)/common
	$(CC) $(WARN) -O1 -g -fPIC -ftls-model=initial-exec -shared -o $@ $< -ldl

fault: all deps-test $(BUILD)/fault.so
	SX_BIN=$(CURDIR)/$(BIN) SX_FAULT_SO=$(CURDIR)/$(BUILD)/fault.so bash tests/fault/sweep.sh

# The CLI cases with every tool under valgrind memcheck (slow: not in check).
valgrind: all deps-test
	$(call ensure_debs,valgrind)
	SX_BIN=$(CURDIR)/$(BIN) bash tests/valgrind.sh

# The live pipelines (a broker, a watched folder, shards, a Kafka mock
# cluster) run in the plain pass only: they add minutes of waiting, not code.
ASAN_INTEGRATION_SKIP = mqtt landing shard kafka

# The whole suite again under AddressSanitizer + UBSan, in its own tree: the
# real sqlite3/PostgreSQL runs included, so every input they hold also meets
# the sanitizers.  The third-party corpora meet them in make fuzz-smoke, which
# replays every JSONTestSuite and csv-spectrum document through the sanitized
# fuzz targets.  Sanitized code runs several
# times slower: Check's per-test timeouts scale.
asan: deps-test
	CK_TIMEOUT_MULTIPLIER=4 SX_INTEGRATION_SKIP="$(ASAN_INTEGRATION_SKIP)" $(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin \
		CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" unit cli integration

# Fuzzing (tests/fuzz/README): libFuzzer targets, one per input parser, built
# with clang under ASan+UBSan in their own tree.  make fuzz runs each for
# FUZZ_SECONDS on a corpus kept in $(FUZZ_BUILD)/corpus (seeded from
# tests/data and ../shared/conformance); make fuzz-smoke (part of check)
# replays the seeds and tests/fuzz/regress/ and fuzzes each briefly.
DEB_FUZZ = clang libclang-rt-14-dev
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

deps-fuzz: deps
	$(call ensure_debs,$(DEB_FUZZ))

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libsx.a
	clang $(CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libsx.a $(LDLIBS)

fuzz-build: deps-fuzz
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh fuzz $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	bash tests/fuzz/run.sh smoke $(FUZZ_BUILD) $(FUZZ_TARGETS)

# Random bytes and token soup into every tool: exit 0 or 1, records accounted for.
robust: all deps-test
	SX_BIN=$(CURDIR)/$(BIN) bash tests/robust/soup.sh

check: all deps-test
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory cli
	$(MAKE) --no-print-directory conformance
	$(MAKE) --no-print-directory integration
	$(MAKE) --no-print-directory man-check
	$(MAKE) --no-print-directory doc-examples
	$(MAKE) --no-print-directory robust
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory fault
	$(MAKE) --no-print-directory asan

man-check: all deps-test
	bash tests/man-check.sh

demo: all deps-demo
	bash tests/demo.sh

# The README's examples that show their output, run and compared.
doc-examples: all deps-test
	bash tests/doc-examples.sh

# BENCH_N events (make bench BENCH_N=20000 for a quick run while developing).
BENCH_N ?= 1000000
bench: all deps-test
	SX_BENCH_N=$(BENCH_N) bash tests/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf build build-asan build-fuzz bin
