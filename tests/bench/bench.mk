# tests/bench/bench.mk — `make bench` (the top Makefile runs
# `$(MAKE) -f tests/bench/bench.mk` from the project root).
#
# Builds the core as the release does (-O2, same flags) into build/bench/,
# links it with tests/bench/nxbench.c into build/bench/nxbench (engines
# "plain" and "ours"), builds the same source against Debian's libsqlcipher
# into build/bench/nxbench-sqlcipher (a separate binary: libsqlcipher exports
# the same sqlite3_* symbols), then runs tests/bench/run.sh, which prints the
# table and the goals. Knobs (environment): BENCH_REPS, BENCH_CG=0 (skip
# cachegrind), BENCH_JOBS, BENCH_APP_FIT, BENCH_APP_BIG, BENCH_SPEED_FIT,
# BENCH_SPEED_BIG — see run.sh. build/bench/queuebench (the work-queue
# model, issue 4) runs after them: BENCH_QUEUE=0 skips it, BENCH_ONLY=queue
# runs it alone, BENCH_QUEUE_ITEMS / BENCH_QUEUE_REPS size it.
# build/bench/syncbench (the sync over loopback SSH, issue 5;
# tests/bench/sync.sh) runs last: BENCH_SYNC=0 skips it, BENCH_ONLY=sync
# runs it alone, BENCH_SYNC_ITEMS / BENCH_SYNC_REPS size it. It links the
# hub's modules and the sshd test harness, built here with the same flags,
# and runs the release nexus-hub (NX_BENCH_HUB, default build/rel/nexus-hub,
# which the top Makefile's bench target builds first).

CC      ?= gcc
# The release build's flags and the core's packages, read from the top
# Makefile by make itself, so the core is built here exactly as there.
topvar = $(shell MAKEFLAGS= $(MAKE) -s --no-print-directory -f Makefile \
           --eval='nx-bench-var-%: ; @: $$(info $$($$*))' nx-bench-var-$(1) 2>/dev/null)
BENCH_CFLAGS := $(call topvar,REL_CFLAGS)
PKGS         := $(call topvar,CORE_PKGS)
ifeq ($(strip $(PKGS)),)
PKGS         := $(call topvar,PKGS)
endif
# Fallbacks (the top Makefile's values when this was written).
ifeq ($(strip $(BENCH_CFLAGS)),)
BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -Wformat=2 -Wvla -I. -Icore -DNX_VERSION='"$(shell cat VERSION 2>/dev/null)"' \
                -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
endif
ifeq ($(strip $(PKGS)),)
PKGS         := sqlite3 libsodium libcrypto libssh inih icu-i18n icu-uc jansson
endif
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla

B         := build/bench
CORE_SRC  := $(shell find core -name '*.c' | sort)
CORE_OBJ  := $(patsubst %.c,$(B)/%.o,$(CORE_SRC))
# syncbench: the hub's modules (not its main) and the sshd test harness
HUB_SRC   := $(filter-out hub/main.c,$(sort $(wildcard hub/*.c)))
HUB_OBJ   := $(patsubst %.c,$(B)/%.o,$(HUB_SRC))
SYNC_HELPER_OBJ := $(B)/tests/helpers/sshd.o $(B)/tests/helpers/run.o
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
LIBS      := $(shell pkg-config --libs $(PKGS)) -lpthread
SQLCIPHER_LIBS := $(shell pkg-config --libs sqlcipher 2>/dev/null || echo -lsqlcipher)

# Objects follow the flags: a changed flag set rebuilds them.
FLAGS_FILE := $(B)/cflags.txt
BENCH_FLAGS_NOW := $(BENCH_CFLAGS) $(PKG_CFLAGS)
ifneq ($(BENCH_FLAGS_NOW),$(file <$(FLAGS_FILE)))
$(shell mkdir -p $(B))
$(file >$(FLAGS_FILE),$(BENCH_FLAGS_NOW))
endif

.PHONY: bench binaries
# One benchmark at a time per build directory (flock): a second `make bench`
# waits instead of relinking the binaries and truncating the records under
# a running one. run.sh runs from a copy: sh reads a script as it goes, so an
# edit saved while the benchmark runs would otherwise garble the rest of it.
bench:
	@mkdir -p $(B)
	@flock $(B)/.bench.lock sh -c '$(MAKE) --no-print-directory -f tests/bench/bench.mk binaries && \
	  cp tests/bench/run.sh $(B)/run.sh && cp tests/bench/sync.sh $(B)/sync.sh && \
	  sh $(B)/run.sh $(B)'


binaries: $(B)/nxbench $(B)/nxbench-plain $(B)/nxbench-sqlcipher $(B)/queuebench $(B)/syncbench

$(B)/core/%.o: core/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC (bench, -O2) $<"
	@$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(B)/nxbench: tests/bench/nxbench.c $(CORE_OBJ) $(FLAGS_FILE)
	@mkdir -p $(B)
	@echo "  LD $@"
	@$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) $< $(CORE_OBJ) -o $@ $(LIBS)

# The work-queue model's benchmark (issue 4): the core as released, through
# the real profile, VFS and session (tests/bench/queue_bench.c).
$(B)/queuebench: tests/bench/queue_bench.c $(CORE_OBJ) $(FLAGS_FILE)
	@mkdir -p $(B)
	@echo "  LD $@"
	@$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) $< $(CORE_OBJ) -o $@ $(LIBS)

# The sync benchmark (issue 5): the client's core, the hub's modules (for
# changing items on the hub in-process) and the sshd harness, all -O2 as
# released (tests/bench/sync_bench.c).
$(B)/hub/%.o: hub/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC (bench, -O2) $<"
	@$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@
$(B)/tests/helpers/%.o: tests/helpers/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC (bench, -O2) $<"
	@$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@
$(B)/syncbench: tests/bench/sync_bench.c $(CORE_OBJ) $(HUB_OBJ) $(SYNC_HELPER_OBJ) $(FLAGS_FILE)
	@mkdir -p $(B)
	@echo "  LD $@"
	@$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) $< $(CORE_OBJ) $(HUB_OBJ) $(SYNC_HELPER_OBJ) -o $@ $(LIBS)

# Stock SQLite alone, no core objects: the "plain" engine. (The core puts
# things under every connection of its process, e.g. a zeroing allocator;
# plain must not carry them.)
$(B)/nxbench-plain: tests/bench/nxbench.c $(FLAGS_FILE)
	@mkdir -p $(B)
	@echo "  LD $@"
	@$(CC) $(CSTD) $(WARN) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	  -DNXBENCH_STOCK $< -o $@ $(shell pkg-config --libs sqlite3)

# No core and no -I for stock sqlite3.h here: <sqlcipher/sqlite3.h> only.
$(B)/nxbench-sqlcipher: tests/bench/nxbench.c $(FLAGS_FILE)
	@mkdir -p $(B)
	@echo "  LD $@"
	@$(CC) $(CSTD) $(WARN) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	  -DNXBENCH_SQLCIPHER $< -o $@ $(SQLCIPHER_LIBS)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
