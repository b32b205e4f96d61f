# Rastro — the whole build in one file.
#   make            build/rastro (optimised, -Werror)
#   make run        install deps, build, start on SQLite with demo data
#   make test       install deps, build with ASan+UBSan, run every test
#   make fuzz       build the libFuzzer targets (clang) into build/fuzz/
#   make bench      run the bench/ scripts (ratios against references)
# Every .c under src/<dir>/ is part of the program; src/cli/main.c holds main().

PKGS      := libmicrohttpd jansson sqlite3 libcurl libcrypto icu-uc icu-i18n gmime-3.0 libxml-2.0 libargon2
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC       ?= cc
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CSTD     := -std=gnu17 -D_GNU_SOURCE -Isrc -Ibuild/gen
CFLAGS   ?= -O2 -g
ASANFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDLIBS   = $(PKG_LIBS) -lpthread -lm

SRC      := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/cli/main.c,$(SRC))
HDR      := $(wildcard src/*/*.h)
ASSETS   := $(sort docs/openapi.json $(wildcard web/*.* data/*.tsv data/*.txt data/*.csv src/store/sql/*.sql))
GEN      := build/gen/assets.c

REL_OBJ  := $(patsubst %.c,build/rel/%.o,$(SRC)) build/rel/gen/assets.o
ASAN_OBJ := $(patsubst %.c,build/asan/%.o,$(LIB_SRC)) build/asan/gen/assets.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/obj/gen/assets.o

.PHONY: all run test unit e2e fuzz bench deps deps-test clean check-layering
.SECONDARY:
all: build/rastro

deps:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

$(GEN): $(ASSETS) scripts/embed.sh
	@mkdir -p $(dir $@)
	@echo '  EMBED   $@'
	@scripts/embed.sh $(ASSETS) > $@

build/rel/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	@$(CC) $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@
build/rel/gen/assets.o: $(GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) -c $< -o $@
build/rastro: $(REL_OBJ)
	@echo '  LD      $@'
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	@echo '  CC asan $<'
	@$(CC) $(CSTD) $(WARN) $(ASANFLAGS) $(PKG_CFLAGS) -c $< -o $@
build/asan/gen/assets.o: $(GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(ASANFLAGS) -c $< -o $@
build/asan/rastro: $(ASAN_OBJ) build/asan/src/cli/main.o
	@echo '  LD asan $@'
	@$(CC) $(ASANFLAGS) -o $@ $^ $(LDLIBS)
build/asan/tests/%: tests/unit/%.c tests/unit/unit.h $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD test $@'
	@$(CC) $(CSTD) -Itests/unit $(WARN) $(ASANFLAGS) $(PKG_CFLAGS) -o $@ $< $(ASAN_OBJ) $(LDLIBS) -lcmocka

build/fuzz/obj/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	@echo '  CC fuzz $<'
	@clang $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) -c $< -o $@
build/fuzz/obj/gen/assets.o: $(GEN)
	@mkdir -p $(dir $@)
	clang $(CSTD) -O1 -c $< -o $@
build/fuzz/%: fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD fuzz $@'
	@clang $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

fuzz: deps-test $(FUZZ_BIN)

run: deps
	@$(MAKE) -j$(JOBS) --no-print-directory build/rastro
	@scripts/run.sh

# The one test command: unit tests (cmocka, ASan+UBSan), end-to-end tests against the real
# binary built with ASan+UBSan, and a short run of every fuzz target. Ends with "N passed, N failed".
test: deps-test
	@$(MAKE) -j$(JOBS) --no-print-directory build/rastro build/asan/rastro $(UNIT_BIN) $(FUZZ_BIN)
	@tests/run.sh

bench: deps-test build/rastro
	@for b in bench/*.sh; do echo "== $$b"; $$b; done

check-layering:
	@scripts/check-layering.sh

clean:
	rm -rf build
