# tern: build, test, fuzz, bench. GNU make; see README.md "Building".
#
#   make            build build/ternd and build/tern
#   make run        install missing packages (as root), build, run ternd on built-in defaults
#                   (with a self-signed certificate made in var/tls/ for STARTTLS)
#   make install    install ternd, tern and the sendmail/mailq links under PREFIX (DESTDIR too)
#   make check      install missing packages (as root), then unit + e2e tests, the same
#                   under ASan+UBSan, a short fuzz run, and the lint; ends "N passed, N failed"
#   make asan       build into build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       build and run every libFuzzer target for FUZZ_SECONDS each
#   make bench      run ../shared/bench against a fresh build (root)

CC      ?= gcc
BUILD   ?= build
FUZZ_SECONDS ?= 20
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wpointer-arith \
           -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wimplicit-fallthrough -Wno-format-truncation
# OPT is what a build variant changes (make asan); the rest always applies
OPT     ?= -O2 -g
CFLAGS  := $(OPT) -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -MMD -MP
LDLIBS  := -lcares -lssl -lcrypto -lcrypt -lpthread

LIB_SRC   := $(wildcard src/lib/*.c src/conf/*.c src/explain/*.c src/queue/*.c src/deliver/*.c)
SMTPD_SRC := $(filter-out src/smtpd/ternd.c,$(wildcard src/smtpd/*.c))
TOOL_SRC  := $(filter-out src/tools/tern.c,$(wildcard src/tools/*.c))
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
FUZZ_SRC  := $(wildcard fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ   := $(call obj,$(LIB_SRC))
SMTPD_OBJ := $(call obj,$(SMTPD_SRC))
TOOL_OBJ  := $(call obj,$(TOOL_SRC))
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

PREFIX  ?= /usr/local
DESTDIR ?=

.PHONY: all run check test unit e2e asan fuzz lint bench callgrind clean deps deps-test install
all: $(BUILD)/ternd $(BUILD)/tern

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libtern.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libternd.a: $(SMTPD_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libterntool.a: $(TOOL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ternd: $(call obj,src/smtpd/ternd.c) $(BUILD)/libternd.a $(BUILD)/libtern.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tern: $(call obj,src/tools/tern.c) $(BUILD)/libterntool.a $(BUILD)/libternd.a $(BUILD)/libtern.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(BUILD)/libterntool.a $(BUILD)/libternd.a $(BUILD)/libtern.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

deps:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

run: deps all
	@scripts/run.sh $(BUILD)

# sendmail(1) and mailq(1) are the names cron, PHP and scripts call; tern dispatches on argv[0]
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/ternd $(DESTDIR)$(PREFIX)/sbin/ternd
	install -m 0755 $(BUILD)/tern $(DESTDIR)$(PREFIX)/bin/tern
	ln -sf ../bin/tern $(DESTDIR)$(PREFIX)/sbin/sendmail
	ln -sf tern $(DESTDIR)$(PREFIX)/bin/mailq

unit: $(UNIT_BIN)
e2e: all

# The README's test command. Runs everything CI runs and prints one summary line.
check: deps-test
	@scripts/check.sh

test: all $(UNIT_BIN)
	@scripts/run-tests.sh $(BUILD)

asan:
	$(MAKE) BUILD=build-asan CC=gcc OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" all $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN))

fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

lint:
	@scripts/lint.sh

bench: all
	@scripts/bench.sh

callgrind: all
	sh scripts/callgrind.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
