# hako: build the allocator (a variant), the experiments and the tests.
#   make                       the default variant: build/<hash12>/libhako.{so,a}, linked as build/libhako.{so,a}
#   make VARIANT=baseline      another variant: a file in variants/, or default+HAKO_X, default-HAKO_X
#   make FLAGS="HAKO_A HAKO_B" an explicit flag set
#   make experiments tests     the benchmark programs and the C tests
#   make check                 installs what is missing (tools/setup), builds, runs every test (tests/run)
#   make install PREFIX=/usr/local
# The build directory is named by the build hash (tools/build-hash): identical inputs are never rebuilt.

CC       ?= cc
OPT      ?= -O2
VARIANT  ?= default
PREFIX   ?= /usr/local
HAKO_VERSION := 0.1.0
comma    := ,
empty    :=
space    := $(empty) $(empty)

WARN     := -Wall -Wextra -Werror -Wundef -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= $(OPT) -g
LIBFLAGS := -std=gnu11 -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-plt \
            -fno-semantic-interposition -pthread $(WARN) $(CFLAGS)

# The flag set: FLAGS from the command line, else the variant's file.
ifeq ($(origin FLAGS),undefined)
  BUILD_FLAGS := $(shell tools/variant-flags '$(VARIANT)')
  ifneq ($(.SHELLSTATUS),0)
    $(error variant '$(VARIANT)' cannot be built (see the message above))
  endif
  SET_LINKS := $(filter default,$(VARIANT))
else
  BUILD_FLAGS := $(FLAGS)
  SET_LINKS :=
endif
BUILD_FLAGS := $(sort $(BUILD_FLAGS))
# boxes/pgo: PGO_GENERATE=dir builds an instrumented library (boxes/pgo/train); the HAKO_PGO flag
# builds with the profile committed in boxes/pgo/profile (part of the build hash as box files).
ifneq ($(PGO_GENERATE),)
  LIBFLAGS += -fprofile-generate=$(PGO_GENERATE) -fprofile-update=atomic
endif
ifneq ($(filter HAKO_PGO,$(BUILD_FLAGS)),)
  # gcc reports the static functions it had inlined before instrumenting as "missing counts",
  # a message with no switch of its own: this build alone does not make warnings errors.
  LIBFLAGS += -fprofile-use=$(CURDIR)/boxes/pgo/profile -fprofile-partial-training \
              -Wno-missing-profile -Wno-coverage-mismatch -Wno-error
endif
HASH     := $(shell tools/build-hash --cc '$(CC)' --cflags '$(LIBFLAGS)' $(BUILD_FLAGS))
ifneq ($(.SHELLSTATUS),0)
  $(error cannot compute the build hash (see the message above))
endif
OUT      := build/$(shell printf %.12s '$(HASH)')
BOXMAP   := $(shell tools/box-flags)
ALLFLAGS := $(filter HAKO_%,$(BOXMAP))
BOXDIRS  := $(shell tools/box-flags | awk -F'\t' 'index(" $(BUILD_FLAGS) ", " " $$1 " ") { print $$2 }')
FLAGLIST := $(subst $(space),$(comma),$(strip $(BUILD_FLAGS)))

# Every declared flag is defined, 0 or 1, so -Wundef catches a flag nobody declared.
DEFS     := $(foreach f,$(ALLFLAGS),-D$(f)=$(if $(filter $(f),$(BUILD_FLAGS)),1,0)) \
            -DHAKO_BUILD_HASH='"$(HASH)"' -DHAKO_VERSION_STR='"$(HAKO_VERSION)"' \
            -DHAKO_BUILD_FLAGS='"$(FLAGLIST)"'
SRCS     := $(wildcard src/*.c) $(foreach d,$(BOXDIRS),$(wildcard $(d)/*.c))
OBJS     := $(patsubst %.c,$(OUT)/obj/%.o,$(SRCS))
INCS     := -Isrc -Iinclude $(foreach d,$(BOXDIRS),-I$(d))

.PHONY: all lib tools experiments tests check install hash clean help syntax
all: lib

lib: $(OUT)/libhako.so $(OUT)/libhako.a $(OUT)/build.json
ifneq ($(SET_LINKS),)
	@ln -sfn $(notdir $(OUT))/libhako.so build/libhako.so
	@ln -sfn $(notdir $(OUT))/libhako.a build/libhako.a
endif
	@echo "$(HASH) $(OUT)/libhako.so"

# The library's sources under this flag set, compiled for errors and warnings only, no objects
# (tests/runner/box-variants.t: every box in every variant that can hold it).
syntax:
	$(CC) $(LIBFLAGS) $(DEFS) $(INCS) -fsyntax-only $(SRCS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAGS) $(if $(PGO_GENERATE)$(filter HAKO_PGO,$(BUILD_FLAGS)),-fprofile-prefix-path=$(CURDIR)/$(OUT)/obj) \
	  $(DEFS) $(INCS) -c $< -o $@

$(OUT)/libhako.so: $(OBJS) src/hako.map
	$(CC) -shared -pthread $(if $(PGO_GENERATE),-fprofile-generate=$(PGO_GENERATE)) -Wl,-z,now -Wl,-soname,libhako.so -Wl,--version-script=src/hako.map \
	  -o $@.tmp $(OBJS) && mv $@.tmp $@

$(OUT)/libhako.a: $(OBJS)
	rm -f $@.tmp && ar rcs $@.tmp $(OBJS) && mv $@.tmp $@

$(OUT)/build.json: $(OUT)/libhako.so
	@printf '{"hash":"%s","flags":[%s],"cc":"%s","cflags":"%s","so":"%s","a":"%s"}\n' \
	  '$(HASH)' '$(subst $(space),$(comma),$(patsubst %,"%",$(BUILD_FLAGS)))' \
	  "$$($(CC) --version | head -n1)" '$(strip $(LIBFLAGS))' '$(OUT)/libhako.so' '$(OUT)/libhako.a' >$@

# ---- programs around the library: tools, experiments, tests ---------------------------------
# tools/*.c           -> build/tools/<name>        (small programs the runner calls)
# experiments/<e>/*.c -> build/experiments/<e>     (one benchmark binary; plain malloc, a variant is preloaded)
# tests/<area>/*.c    -> build/tests/<area>/<name> (one binary each, linked with build/libhako.so)
PROGFLAGS  := -std=gnu11 -O2 -g -pthread $(WARN)
TOOL_BINS  := $(patsubst tools/%.c,build/tools/%,$(wildcard tools/*.c))
EXP_DIRS   := $(patsubst %/,%,$(sort $(dir $(wildcard experiments/*/*.c))))
EXP_BINS   := $(patsubst experiments/%,build/experiments/%,$(EXP_DIRS))
TEST_BINS  := $(patsubst tests/%.c,build/tests/%,$(wildcard tests/*/*.c))

build/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -o $@ $< -lm

.SECONDEXPANSION:
build/experiments/%: $$(wildcard experiments/%/*.c) $$(wildcard experiments/%/*.h) $(wildcard experiments/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -o $@ $(filter %.c,$^) -lm

build/tests/%: tests/%.c tests/lib/tap.h include/hako.h lib
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -Wno-missing-prototypes -Iinclude -Itests/lib -o $@ $< \
	  -L$(OUT) -lhako -Wl,-rpath,$(CURDIR)/build -lm

tools: $(TOOL_BINS)
experiments: $(EXP_BINS)
tests: lib tools experiments $(TEST_BINS)

check:
	tools/setup
	$(MAKE) lib tools experiments
	tests/run

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(OUT)/libhako.so $(DESTDIR)$(PREFIX)/lib/libhako.so
	install -m 644 $(OUT)/libhako.a $(DESTDIR)$(PREFIX)/lib/libhako.a
	install -m 644 include/hako.h $(DESTDIR)$(PREFIX)/include/hako.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(HAKO_VERSION)|g' tools/hako.pc.in \
	  >$(DESTDIR)$(PREFIX)/lib/pkgconfig/hako.pc

hash:
	@echo $(HASH)

help:
	@sed -n '2,9s/^# \{0,1\}//p' Makefile

clean:
	rm -rf build

# ==== the allocator's tests under sanitizers and against glibc (owned by tests/) ==================
# build/san/tsan/<test>   src/ compiled into tests/alloc/<test>.c with -fsanitize=thread
# build/san/asan/<test>   the same with -fsanitize=address,undefined
#   Both with -DHAKO_NO_OVERRIDE=1 (src/ exports only the hako_* names, which these tests call) and
#   -DHAKO_TEST_SAN=1 (lighter runs, no RSS bounds).  SAN_CC is gcc by default: clang 14 does not
#   define __SANITIZE_THREAD__, which src/ reads.  tests/sanitizers/*.t build and run them.
# build/san/glibc/<test>  the test on glibc's malloc (tests/lib/glibc_shim.h): the reference that
#   checks the tests themselves (tests/alloc/reference.t).
SAN_CC       ?= gcc
SAN_KINDS    := tsan asan
SAN_TESTS    := threads random
SAN_tsan     := -fsanitize=thread
SAN_asan     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
TEST_HEADERS := $(wildcard tests/lib/*.h) include/hako.h
SAN_DEPS     := $(SRCS) $(wildcard src/*.h) $(foreach d,$(BOXDIRS),$(wildcard $(d)/*.h)) $(TEST_HEADERS)

$(TEST_BINS): $(TEST_HEADERS)

define SAN_RULE
build/san/$(1)/%: tests/alloc/%.c $$(SAN_DEPS)
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(LIBFLAGS) -Wno-missing-prototypes $$(SAN_$(1)) -DHAKO_NO_OVERRIDE=1 -DHAKO_TEST_SAN=1 \
	  $$(DEFS) $$(INCS) -Itests/lib -o $$@ $$(SRCS) $$< -lm
endef
$(foreach k,$(SAN_KINDS),$(eval $(call SAN_RULE,$(k))))

build/san/glibc/%: tests/alloc/%.c $(TEST_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -Wno-missing-prototypes -DHAKO_TEST_GLIBC=1 -Iinclude -Itests/lib -o $@ $< -lm

.PHONY: san
san: $(foreach k,$(SAN_KINDS),$(patsubst %,build/san/$(k)/%,$(SAN_TESTS)))

# ==== real programs, lifecycle, fail-fast, OOM and the fuzzer (owned by tests/: lifecycle, ======
# ==== failfast, oom, fuzz, long) ==================================================================
# build/tests/lifecycle/libtlsmod-{gd,ld,ie}.so  a module with __thread data, one per TLS model,
#                                                 dlopened by tests/lifecycle (built by `make tests`)
# build/glibc/<area>/<test>  a test of these areas on glibc's malloc: the reference run
# build/fuzz/api             the API fuzzer (tests/fuzz/api.c): libFuzzer (clang-14, FUZZ_CC) with
#                            src/ compiled in (-DHAKO_NO_OVERRIDE=1); `make fuzz` builds it
#   make check-long          the long set (tests/long: python's regression tests, redis, memcached,
#                            sqlite, git, a gcc build of src/, longer lifecycle and fuzz runs)
#   make fuzz-long FUZZ_SECONDS=N   the fuzzer for N seconds (default 3600), both cores
LIFECYCLE_MODS := $(patsubst %,build/tests/lifecycle/libtlsmod-%.so,gd ld ie)
TLS_gd       := -ftls-model=global-dynamic
TLS_ld       := -ftls-model=local-dynamic
TLS_ie       := -ftls-model=initial-exec -DTLSMOD_BIG=64
build/tests/lifecycle/libtlsmod-%.so: tests/lifecycle/mod/tlsmod.c
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -fPIC -shared $(TLS_$*) -o $@ $<
tests: $(LIFECYCLE_MODS)

build/glibc/%: tests/%.c $(TEST_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -Wno-missing-prototypes -DHAKO_TEST_GLIBC=1 -Iinclude -Itests/lib -o $@ $< -lm

FUZZ_CC      ?= clang-14
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer -DHAKO_FUZZ_LIBFUZZER=1
build/fuzz/api: tests/fuzz/api.c $(SAN_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(LIBFLAGS) -Wno-missing-prototypes $(FUZZ_FLAGS) -DHAKO_NO_OVERRIDE=1 \
	  $(DEFS) $(INCS) -Itests/lib -o $@ $(SRCS) $< -lm
# the same with a planted fault (HAKO_FUZZ_PLANT): tests/fuzz/fuzz.t checks the fuzzer finds it
build/fuzz/api-planted: tests/fuzz/api.c $(SAN_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(LIBFLAGS) -Wno-missing-prototypes $(FUZZ_FLAGS) -DHAKO_FUZZ_PLANT=1 -DHAKO_NO_OVERRIDE=1 \
	  $(DEFS) $(INCS) -Itests/lib -o $@ $(SRCS) $< -lm
FUZZ_SECONDS ?= 3600
.PHONY: fuzz fuzz-long check-long
fuzz: build/fuzz/api build/fuzz/api-planted
fuzz-long: build/fuzz/api
	tests/fuzz/run $(FUZZ_SECONDS)
check-long: lib tools experiments
	HAKO_TEST_TIMEOUT=3600 tests/run tests/long
