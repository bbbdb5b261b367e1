# Nexus Workstation. `make run` builds and opens a training profile;
# `make test` builds everything under ASan+UBSan and runs every test.
# Sources are found by directory, so a new module needs no edit here.

CC      ?= gcc
# The sanitized test build uses clang: GCC's UBSan runtime, when linked with
# ASan, ignores log_path and prints only to stderr, where a test's child
# process output is lost; clang's honours it (see scripts/sancheck.sh).
TEST_CC ?= clang
# core/ and its tests link no curses; only the nexus binary adds ncursesw.
CORE_PKGS := sqlite3 libsodium libcrypto libssh inih icu-i18n icu-uc jansson
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
# nexus-hub: hub/main.c and the hub's modules (linked into unit_tests too).
HUB_MAIN   := hub/main.c
HUB_SRC    := $(filter-out $(HUB_MAIN),$(sort $(wildcard hub/*.c)))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ       := build/fuzz
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(FUZZ_SRC))
# The full-screen client: tui/ (shell, widgets) and screens/, linked into
# nexus only; the default keymaps are compiled in from keymaps/*.keys.
TUI_SRC    := $(sort $(wildcard tui/*.c screens/*.c))
KEYMAP_GEN := build/gen/keymaps.c
TUI_TEST_SRC := $(sort $(wildcard tests/tui/*.c))
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

.PHONY: all run test bench deps deps-test clean check-sanlog golden fuzz
all: $(REL)/nexus $(REL)/nexus-hub

deps: build/.deps-build
deps-test: build/.deps-test
build/.deps-build: scripts/deps.sh
	@scripts/deps.sh build && mkdir -p build && touch $@
build/.deps-test: scripts/deps.sh
	@scripts/deps.sh test && mkdir -p build && touch $@ build/.deps-build

# ---- release build ----------------------------------------------------------
REL_OBJ := $(patsubst %.c,$(REL)/%.o,$(CORE_SRC) $(CLI_SRC) $(TUI_SRC) $(KEYMAP_GEN))
$(REL)/%.o: %.c | build/.deps-build
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(REL_CFLAGS) $(shell pkg-config --cflags $(PKGS)) -MMD -MP -c $< -o $@
$(REL)/nexus: $(REL_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(REL_CFLAGS) $^ -o $@ $(LIBS)
REL_HUB := $(patsubst %.c,$(REL)/%.o,$(CORE_SRC) $(HUB_SRC) $(HUB_MAIN))
$(REL)/nexus-hub: $(REL_HUB)
	@echo "  LD      $@"
	$(Q)$(CC) $(REL_CFLAGS) $^ -o $@ $(CORE_LIBS)

# ---- sanitized test build -----------------------------------------------------
TST_CORE := $(patsubst %.c,$(TST)/%.o,$(CORE_SRC))
TST_CLI  := $(patsubst %.c,$(TST)/%.o,$(CLI_SRC))
TST_TUI  := $(patsubst %.c,$(TST)/%.o,$(TUI_SRC) $(KEYMAP_GEN))
TST_TUIT := $(patsubst %.c,$(TST)/%.o,$(TUI_TEST_SRC) $(HELPER_SRC))
TST_UNIT := $(patsubst %.c,$(TST)/%.o,$(UNIT_SRC) $(HELPER_SRC))
TST_PROGS := $(patsubst tests/progs/%.c,$(TST)/progs/%,$(PROG_SRC))
TST_HUB  := $(patsubst %.c,$(TST)/%.o,$(HUB_SRC))
$(TST)/%.o: %.c | build/.deps-test
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [san] $<")
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $(shell pkg-config --cflags $(PKGS) criterion) -MMD -MP -c $< -o $@
$(TST)/nexus: $(TST_CORE) $(TST_CLI) $(TST_TUI)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $^ -o $@ $(LIBS)
# Curses-linked tests of tui/ (keymap, text widths, layout, table) and the
# headless golden screens; unit_tests stays free of curses. The hub's
# objects too: headless screens fed by a real hub (tests/helpers/hubfix).
$(TST)/tui_tests: $(TST_TUIT) $(TST_TUI) $(TST_CORE) $(TST_HUB)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $^ -o $@ $(LIBS) $(shell pkg-config --libs criterion)
$(TST)/nexus-hub: $(TST_CORE) $(TST_HUB) $(TST)/$(HUB_MAIN:.c=.o)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $^ -o $@ $(CORE_LIBS)
$(TST)/unit_tests: $(TST_UNIT) $(TST_CORE) $(TST_HUB)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $^ -o $@ $(CORE_LIBS) $(shell pkg-config --libs criterion)
$(TST)/progs/%: tests/progs/%.c $(TST_CORE) $(TST_HUB) $(patsubst %.c,$(TST)/%.o,$(HELPER_SRC))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(TEST_CFLAGS) $(shell pkg-config --cflags $(CORE_PKGS)) $^ -o $@ $(CORE_LIBS)

test: build/.deps-test $(TST)/unit_tests $(TST)/nexus $(TST)/nexus-hub $(TST_PROGS) $(if $(TUI_TEST_SRC),$(TST)/tui_tests) $(FUZZ_BINS)
	@scripts/run-tests.sh $(TST)

# ---- fuzzing (libFuzzer, clang) -------------------------------------------------
# tests/fuzz/fuzz_NAME.c is a harness, tests/fuzz/corpus/NAME/ its committed
# corpus. `make test` runs every corpus input once (scripts/run-tests.sh);
# `make fuzz` fuzzes each harness for FUZZ_SECONDS (default 60) more.
FUZZ_BASE := $(CSTD) $(WARN) $(INC) $(DEFS) -O1 -g -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -DNX_TEST_BUILD=1 -DNX_FUZZ=1
# core and the hub's modules go into an archive, so a harness links only the
# objects it uses (an unfinished module elsewhere does not break its link),
# and the objects, named by an explicit rule, are not deleted as intermediates.
FUZZ_OBJ := $(patsubst %.c,$(FUZZ)/%.o,$(CORE_SRC) $(HUB_SRC))
FUZZ_LIB := $(FUZZ)/libnexus.a
$(FUZZ)/%.o: %.c | build/.deps-test
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [fuzz] $<")
	$(Q)$(TEST_CC) $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined $(shell pkg-config --cflags $(CORE_PKGS)) -MMD -MP -c $< -o $@
$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^
$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(TEST_CC) $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined $(shell pkg-config --cflags $(CORE_PKGS)) $^ -o $@ $(CORE_LIBS)
fuzz: build/.deps-test $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$${f##*/fuzz_}; mkdir -p $(FUZZ)/work/$$n; \
	  echo "fuzz $$n for $${FUZZ_SECONDS:-60} s"; \
	  $$f -max_total_time=$${FUZZ_SECONDS:-60} $(FUZZ)/work/$$n tests/fuzz/corpus/$$n || exit 1; done

# The keymaps as C strings: one parser reads the compiled-in defaults and a
# user's file alike (tig's way).
$(KEYMAP_GEN): keymaps/default.keys keymaps/vi.keys
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q){ echo '/* Generated by the Makefile from keymaps/default.keys and vi.keys: do not edit. */'; \
	  for k in default vi; do \
	    echo "const char nx_keymap_$$k[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' keymaps/$$k.keys; \
	    echo '    "";'; \
	  done; } > $@.tmp && mv $@.tmp $@

# The golden screens of the headless tests, rewritten on purpose only.
golden: build/.deps-test $(TST)/nexus $(TST_PROGS)
	@tests/tui/golden.sh $(TST)

# ---- benchmarks -----------------------------------------------------------------
# BENCH_ONLY=queue|sync runs that section alone (tests/bench/run.sh), no TUI
# bench; the sync bench (issue 5) runs the release nexus-hub.
bench: build/.deps-test $(REL)/nexus $(REL)/nexus-hub $(TST)/progs/tui_fixture
	@NX_BENCH_HUB=$(REL)/nexus-hub $(MAKE) --no-print-directory -f tests/bench/bench.mk
	@if [ "$${BENCH_TUI:-1}" != 0 ] && [ -z "$${BENCH_ONLY:-}" ]; then \
	  echo; echo "Full-screen client, headless, 100 000 items (tests/tui/bench.sh; BENCH_TUI=0 skips):"; \
	  tests/tui/bench.sh $(REL) $(TST); fi

# ---- run --------------------------------------------------------------------------
run: $(REL)/nexus $(REL)/nexus-hub
	@scripts/run-training.sh $(REL)/nexus $(ROLE)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
