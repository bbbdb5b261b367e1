# Nexus Workstation. `make run` builds and opens a training profile;
# `make test` builds everything under ASan+UBSan and runs every test.
# Sources are found by directory, so a new module needs no edit here.

CC      ?= gcc
# The sanitized test build uses clang: GCC's UBSan runtime, when linked with
# ASan, ignores log_path and prints only to stderr, where a test's child
# process output is lost; clang's honours it (see scripts/sancheck.sh).
TEST_CC ?= clang
# core/ and its tests link no curses; only the nexus binary adds ncursesw.
CORE_PKGS := sqlite3 libsodium libssh inih icu-i18n icu-uc
PKGS    := $(CORE_PKGS) ncursesw
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
INC     := -I. -Icore
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
DEFS    := -DNX_VERSION='"$(VERSION)"' -DNX_ASSETS_DIR='"$(CURDIR)/assets"'

REL_CFLAGS  := $(CSTD) $(WARN) $(INC) $(DEFS) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
SAN         := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_CFLAGS := $(CSTD) $(WARN) $(INC) $(DEFS) -O1 -g $(SAN) -DNX_TEST_BUILD=1

CORE_SRC   := $(shell find core -name '*.c' | sort)
CLI_SRC    := $(sort $(wildcard cli/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
PROG_SRC   := $(sort $(wildcard tests/progs/*.c))
BENCH_SRC  := $(sort $(wildcard tests/bench/*.c))

REL := build/rel
# Quiet by default; `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif
TST := build/test

LIBS = $(shell pkg-config --libs $(PKGS)) -lpthread
CORE_LIBS = $(shell pkg-config --libs $(CORE_PKGS)) -lpthread

.PHONY: all run test bench deps deps-test clean check-sanlog
all: $(REL)/nexus

deps: build/.deps-build
deps-test: build/.deps-test
build/.deps-build: scripts/deps.sh
	@scripts/deps.sh build && mkdir -p build && touch $@
build/.deps-test: scripts/deps.sh
	@scripts/deps.sh test && mkdir -p build && touch $@ build/.deps-build

# ---- release build ----------------------------------------------------------
REL_OBJ := $(patsubst %.c,$(REL)/%.o,$(CORE_SRC) $(CLI_SRC))
$(REL)/%.o: %.c | build/.deps-build
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(REL_CFLAGS) $(shell pkg-config --cflags $(PKGS)) -MMD -MP -c $< -o $@
$(REL)/nexus: $(REL_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(REL_CFLAGS) $^ -o $@ $(LIBS)

# ---- sanitized test build -----------------------------------------------------
TST_CORE := $(patsubst %.c,$(TST)/%.o,$(CORE_SRC))
TST_CLI  := $(patsubst %.c,$(TST)/%.o,$(CLI_SRC))
TST_UNIT := $(patsubst %.c,$(TST)/%.o,$(UNIT_SRC) $(HELPER_SRC))
TST_PROGS := $(patsubst tests/progs/%.c,$(TST)/progs/%,$(PROG_SRC))
$(TST)/%.o: %.c | build/.deps-test
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [san] $<")
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $(shell pkg-config --cflags $(PKGS) criterion) -MMD -MP -c $< -o $@
$(TST)/nexus: $(TST_CORE) $(TST_CLI)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $^ -o $@ $(LIBS)
$(TST)/unit_tests: $(TST_UNIT) $(TST_CORE)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $^ -o $@ $(CORE_LIBS) $(shell pkg-config --libs criterion)
$(TST)/progs/%: tests/progs/%.c $(TST_CORE) $(patsubst %.c,$(TST)/%.o,$(HELPER_SRC))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $(shell pkg-config --cflags $(CORE_PKGS)) $^ -o $@ $(CORE_LIBS)

test: build/.deps-test $(TST)/unit_tests $(TST)/nexus $(TST_PROGS)
	@scripts/run-tests.sh $(TST)

# ---- benchmarks -----------------------------------------------------------------
bench: build/.deps-test
	@$(MAKE) --no-print-directory -f tests/bench/bench.mk

# ---- run --------------------------------------------------------------------------
run: $(REL)/nexus
	@scripts/run-training.sh $(REL)/nexus

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
