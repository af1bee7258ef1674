# aigate — top-level build. `make help` lists the targets.
#
# Variables: BUILD (output dir, default build), SAN=1 (ASan+UBSan build),
# PREFIX/DESTDIR (install), CC, WERROR (defaults to -Werror when CI is set).

CC	?= cc
BUILD	?= build
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
LIBDIR	?= $(PREFIX)/lib/aigate
DOCDIR	?= $(PREFIX)/share/doc/aigate
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS		:= yaml-0.1 libseccomp libpcre2-8 libacl
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_CFLAGS	:= $(shell pkg-config --cflags criterion 2>/dev/null)
CRIT_LIBS	:= $(shell pkg-config --libs criterion 2>/dev/null)
# libyaml and pcre2 are linked statically into aigate when their archives
# exist (Debian ships them in the -dev packages): loading two fewer shared
# libraries saves ~0.5 ms on every `aigate run`. STATIC_DEPS=0 links them
# dynamically.
# libacl.a (libacl1-dev ships it) needs nothing but libc.
STATIC_DEPS	?= $(if $(and $(wildcard $(shell $(CC) -print-file-name=libyaml.a)),$(wildcard $(shell $(CC) -print-file-name=libpcre2-8.a)),$(wildcard $(shell $(CC) -print-file-name=libseccomp.a)),$(wildcard $(shell $(CC) -print-file-name=libacl.a))),1,0)
ifeq ($(STATIC_DEPS),1)
AIGATE_LIBS	:= -Wl,-Bstatic $(shell pkg-config --libs yaml-0.1 libpcre2-8 libseccomp libacl 2>/dev/null) -Wl,-Bdynamic
else
AIGATE_LIBS	:= $(shell pkg-config --libs yaml-0.1 libpcre2-8 libseccomp libacl 2>/dev/null)
endif

WERROR	?= $(if $(CI),-Werror,)
WARN	:= -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	   -Wswitch-default -Wno-unused-parameter
CFLAGS	?= -O2 -g
BASE_CFLAGS := -std=gnu17 -D_GNU_SOURCE -DAIGATE_VERSION=\"$(VERSION)\" -I. \
	   -fno-strict-aliasing -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   $(WARN) $(WERROR) $(PKG_CFLAGS)
LDFLAGS	?=
BASE_LDFLAGS := -Wl,-z,relro -Wl,-z,now

SAN_CFLAGS  :=
SAN_LDFLAGS :=
ifeq ($(SAN),1)
SAN_CFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE
SAN_LDFLAGS := -fsanitize=address,undefined
endif

ALL_CFLAGS  = $(BASE_CFLAGS) $(SAN_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(SAN_LDFLAGS) $(LDFLAGS)

POLICY_SRC	:= $(sort $(wildcard policy/*.c))
LAUNCHER_SRC	:= $(sort $(wildcard launcher/*.c))
SHIM_SRC	:= $(sort $(wildcard shim/*.c))
UNIT_SRC	:= $(sort $(wildcard tests/unit/*.c))

POLICY_OBJ	:= $(POLICY_SRC:%.c=$(BUILD)/obj/%.o)
LAUNCHER_OBJ	:= $(LAUNCHER_SRC:%.c=$(BUILD)/obj/%.o)
SHIM_OBJ	:= $(SHIM_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ	:= $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)

POLICY_LIB	:= $(BUILD)/libaigate_policy.a
AIGATE		:= $(BUILD)/aigate
AIGATE_RUN	:= $(BUILD)/aigate-run
SHIM		:= $(BUILD)/libaigate_shim.so
SHIM_HARNESS	:= $(BUILD)/shim-harness
UNIT_TESTS	:= $(BUILD)/unit-tests
DENY_STUB	:= $(BUILD)/aigate-stub

all: | check-pkgconfig

.PHONY: ensure-deps run-tests run-demo check-pkgconfig all clean test unit integration check format format-check cppcheck asan \
	deps install uninstall bench fuzz demo help

all: $(AIGATE) $(AIGATE_RUN) $(SHIM) $(POLICY_LIB) $(SHIM_HARNESS)

help:
	@echo "make            build build/aigate, build/aigate-run, build/libaigate_shim.so, the policy library"
	@echo "make demo       build, then show the sandbox at work in a throw-away project"
	@echo "make test       build and run every test (unit + integration)"
	@echo "make check      clang-format check, cppcheck, and the test suite under ASan+UBSan"
	@echo "make bench      side-by-side benchmarks (installs bubblewrap for comparison when root)"
	@echo "make fuzz       run the fuzz targets (YAML loader, egress parsers) for FUZZ_SECONDS (default 60)"
	@echo "make deps       install the Debian packages (as root) or print the apt command"
	@echo "make install    PREFIX=/usr/local DESTDIR=..."

check-pkgconfig:
	@pkg-config --exists $(PKGS) || { echo "aigate: missing build dependencies ($(PKGS)); run 'make deps'" >&2; exit 1; }

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Position-independent everywhere: the shim links the policy library.
$(BUILD)/obj/%.o: BASE_CFLAGS += -fPIC

$(BUILD)/obj/shim/%.o: BASE_CFLAGS += -fvisibility=hidden

$(BUILD)/obj/tests/%.o: BASE_CFLAGS += $(CRIT_CFLAGS) -Wno-missing-prototypes

# The embedded default policy is pulled in with .incbin; rebuild when it changes.
$(BUILD)/obj/policy/default_policy.o: policy/default-policy.yaml

$(POLICY_LIB): $(POLICY_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# The deny stub: a small dynamic PIE (so `ld.so /usr/bin/curl` runs it too),
# embedded into aigate with .incbin and patched per deny_exec rule at run time.
$(DENY_STUB): launcher/stub/deny_stub.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -Os -fPIE -pie -Wall -Wextra -Werror -s -Wl,-z,noseparate-code \
		-Wl,--build-id=none -o $@ $<

$(BUILD)/obj/launcher/stub_image.o: $(DENY_STUB)
$(BUILD)/obj/launcher/stub_image.o: BASE_CFLAGS += -DAIGATE_STUB_BIN=\"$(DENY_STUB)\"

$(AIGATE): $(LAUNCHER_OBJ) $(POLICY_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(LAUNCHER_OBJ) $(POLICY_LIB) $(AIGATE_LIBS)

$(AIGATE_RUN): $(AIGATE)
	ln -sf aigate $@

# The shim exports nothing but its hooks (version script, hidden visibility),
# binds every symbol at load (-z now), leaves none undefined (-z defs: a
# missing function would otherwise show only when a program loads it, as a
# "symbol lookup error") and never links libyaml.
# The shim is loaded into every dynamic program in the sandbox, none of which
# carries the ASan runtime (it must come first): the shim and the policy code
# it links are built apart, never sanitized, even in `make asan`. An archive,
# so only what the shim uses is linked (never the YAML loader, never libyaml);
# one section per function and data object, and the linker drops those
# nothing reaches: fewer pages and imports to load into every process
# (about 10 µs of each process start, tools/bench/bench_shim.sh).
SHIM_LIB_OBJ	:= $(SHIM_SRC:%.c=$(BUILD)/obj-shim/%.o)
SHIM_POLICY_LIB	:= $(BUILD)/libaigate_policy_shim.a

$(BUILD)/obj-shim/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -fPIC -fvisibility=hidden -ffunction-sections -fdata-sections $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj-shim/policy/default_policy.o: policy/default-policy.yaml

$(SHIM_POLICY_LIB): $(POLICY_SRC:%.c=$(BUILD)/obj-shim/%.o)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SHIM): $(SHIM_LIB_OBJ) $(SHIM_POLICY_LIB) shim/shim.map
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -shared -Wl,-z,defs -Wl,--version-script=shim/shim.map -Wl,--exclude-libs,ALL \
		-Wl,--gc-sections -Wl,-z,noseparate-code -o $@ $(SHIM_LIB_OBJ) $(SHIM_POLICY_LIB) -ldl

# The shim's test harness (tools/shim_harness.c): runs a command with the
# shim loaded as the launcher loads it and records the audit messages.
SHIM_HARNESS_LAUNCHER_OBJ := $(patsubst %,$(BUILD)/obj/launcher/%.o,config log policy_memfd)

$(SHIM_HARNESS): $(BUILD)/obj/tools/shim_harness.o $(SHIM_HARNESS_LAUNCHER_OBJ) $(POLICY_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AIGATE_LIBS)

# The launcher's pure parts the unit tests reach (no namespaces, no main()).
UNIT_LAUNCHER_OBJ := $(patsubst %,$(BUILD)/obj/launcher/%.o,sha256 json_read audit_summary \
	audit audit_limit audit_session audit_syslog log dns_msg http_head tls_sni mask_values mask_stream seatbelt seatbelt_rx rc_files limits)

# The shim's pure parts (no hooks, no platform calls).
UNIT_SHIM_OBJ := $(patsubst %,$(BUILD)/obj/shim/%.o,fmt msg envp decide decide_net)

$(UNIT_TESTS): $(UNIT_OBJ) $(UNIT_LAUNCHER_OBJ) $(UNIT_SHIM_OBJ) $(POLICY_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJ) $(UNIT_LAUNCHER_OBJ) $(UNIT_SHIM_OBJ) $(POLICY_LIB) $(PKG_LIBS) $(CRIT_LIBS)

# make test / make demo work on a fresh clone: they install missing Debian
# packages first (as root; otherwise they print the apt command), then
# re-enter make so pkg-config sees the newly installed libraries.
ensure-deps:
	@tools/deps.sh --auto

# make test: every test, ending with one summary line ("N passed, N failed").
test: ensure-deps
	@$(MAKE) --no-print-directory run-tests

run-tests: all $(UNIT_TESTS)
	@BUILD=$(BUILD) tests/run-all.sh

unit: $(UNIT_TESTS)
	$(UNIT_TESTS)

integration: all
	@BUILD=$(BUILD) tests/integration/run.sh

FORMAT_FILES = $(POLICY_SRC) $(LAUNCHER_SRC) $(SHIM_SRC) $(wildcard policy/*.h launcher/*.h shim/*.h)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

cppcheck:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -DAIGATE_STUB_BIN=\"build/aigate-stub\" -I. policy launcher shim

asan:
	$(MAKE) BUILD=build-asan SAN=1 WERROR=-Werror run-tests

check: format-check cppcheck asan

deps:
	@tools/deps.sh

fuzz:
	@tools/fuzz.sh

bench: all
	@BUILD=$(BUILD) tools/bench/bench.sh

demo: ensure-deps
	@$(MAKE) --no-print-directory run-demo

run-demo: all
	@BUILD=$(BUILD) tools/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(AIGATE) $(DESTDIR)$(BINDIR)/aigate
	ln -sf aigate $(DESTDIR)$(BINDIR)/aigate-run
	install -m 0644 $(SHIM) $(DESTDIR)$(LIBDIR)/libaigate_shim.so
	install -m 0644 README.md docs/*.md docs/audit.schema.json $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/aigate $(DESTDIR)$(BINDIR)/aigate-run
	rm -rf $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-asan build-fuzz

-include $(POLICY_OBJ:.o=.d) $(LAUNCHER_OBJ:.o=.d) $(SHIM_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(SHIM_LIB_OBJ:.o=.d) $(POLICY_SRC:%.c=$(BUILD)/obj-shim/%.d)
