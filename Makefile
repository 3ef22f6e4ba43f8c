# iop: build, test, check, lint, bench.
#
#   make          build build/iop (installs missing Debian packages as root)
#   make demo     build and run the demo
#   make test     every test, against a real kube-apiserver and etcd
#   make check    the same suite under ASan+UBSan, in build/asan
#   make fmt | fmt-check | lint | bench | clean

BUILD ?= build
SANITIZE ?=
WERROR ?= -Werror
CC ?= cc

PKGS := libuv libcurl json-c yaml-0.1 libpcre2-8
# Linked: all but libcurl, which lib/curlload.c opens only when a command
# talks to a cluster (see lib/curlload.h).
LINK_PKGS := libuv json-c yaml-0.1 libpcre2-8
# The release this tree builds; images are tagged with it.
VERSION := 0.1.0
COMMIT := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wvla $(WERROR)
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(WARN)
ifeq ($(SANITIZE),1)
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=all
else ifeq ($(SANITIZE),fuzz)
OPT := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
else
OPT := -O2
endif

# Evaluated only inside the sub-make, after the packages are installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(LINK_PKGS))
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

CFLAGS_ALL = $(CFLAGS_BASE) $(OPT) -Ilib $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS)

LIB_SRC := $(wildcard lib/*.c)
CMD_SRC := $(wildcard cmd/iop/*.c)
UNIT_SRC := $(filter-out test/check_unit.c,$(wildcard test/check_*.c))
E2E_SRC := $(filter-out test/e2e/check_e2e.c,$(wildcard test/e2e/check_*.c))
SUPPORT_SRC := $(wildcard test/support/*.c)

# Data compiled into the binary: lib/data/*, the CRD and deploy/'s
# manifests. A file a/b-c.yaml becomes `const unsigned char
# iop_data_a_b_c_yaml[]` and `iop_data_a_b_c_yaml_len` (see lib/data.h).
DATA_SRC := $(wildcard lib/data/*) crds/istiooperator.yaml \
            $(filter-out deploy/kustomization.yaml,$(wildcard deploy/*.yaml))
DATA_OBJ := $(DATA_SRC:%=$(BUILD)/embed/%.o)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(DATA_OBJ)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
E2E_OBJ := $(E2E_SRC:%.c=$(BUILD)/%.o)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)

IOP := $(BUILD)/iop
LIBIOP := $(BUILD)/libiop.a
CHECK_UNIT := $(BUILD)/test/check_unit
CHECK_E2E := $(BUILD)/test/check_e2e

.PHONY: all binaries demo test test-run check deps-build deps-test fmt e2e-istio \
        fuzz fuzz-run \
        fmt-check lint bench clean conformance image-check

all: deps-build
	@$(MAKE) --no-print-directory binaries

binaries: $(IOP)

deps-build:
	@bash scripts/deps.sh build

deps-test:
	@bash scripts/deps.sh test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/lib/version.o: CFLAGS += -DIOP_VERSION='"$(VERSION)"' \
                                   -DIOP_COMMIT='"$(COMMIT)"'
# Rebuilt when the commit changes, so `iop version` never names an old one.
$(BUILD)/lib/version.o: $(BUILD)/commit
$(BUILD)/commit: FORCE
	@mkdir -p $(dir $@)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' >$@
FORCE:

$(BUILD)/embed/%.c: %
	@mkdir -p $(dir $@)
	@sym=iop_data_$$(echo '$<' | sed 's|^lib/data/||' | tr -c 'a-zA-Z0-9\n' '_'); \
	{ echo "const unsigned char $$sym[] = {"; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo "0x00};"; \
	  echo "const unsigned long $${sym}_len = sizeof $$sym - 1;"; } > $@

.SECONDARY: $(DATA_SRC:%=$(BUILD)/embed/%.c)

$(BUILD)/embed/%.o: $(BUILD)/embed/%.c
	$(CC) -c $< -o $@

$(LIBIOP): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(IOP): $(CMD_OBJ) $(LIBIOP)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJ) $(LIBIOP) $(PKG_LIBS) -lm

$(BUILD)/test/%.o: CFLAGS += $(CHECK_CFLAGS) -Itest/support

# Each runner runs every `Suite *<name>_suite(void)` its directory defines.
define suite_list
	@mkdir -p $(dir $@)
	@grep -ho '^Suite \*[a-z0-9_]*_suite(void)' $(1) /dev/null | \
	  sed 's/^Suite \*\(.*\)(void)/SUITE(\1)/' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
endef

$(BUILD)/test/suites.inc: $(UNIT_SRC)
	$(call suite_list,$(UNIT_SRC))

$(BUILD)/test/e2e/suites.inc: $(E2E_SRC)
	$(call suite_list,$(E2E_SRC))

$(BUILD)/test/check_unit.o: $(BUILD)/test/suites.inc
$(BUILD)/test/check_unit.o: CFLAGS += -I$(BUILD)/test
$(BUILD)/test/e2e/check_e2e.o: $(BUILD)/test/e2e/suites.inc
$(BUILD)/test/e2e/check_e2e.o: CFLAGS += -I$(BUILD)/test/e2e

$(CHECK_UNIT): $(BUILD)/test/check_unit.o $(UNIT_OBJ) $(SUPPORT_OBJ) $(LIBIOP)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) -lm

$(CHECK_E2E): $(BUILD)/test/e2e/check_e2e.o $(E2E_OBJ) $(SUPPORT_OBJ) $(LIBIOP)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) -lm

CONFORMANCE := $(BUILD)/test/check_conformance

$(CONFORMANCE): $(BUILD)/test/conformance/conformance.o $(SUPPORT_OBJ) $(LIBIOP)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) -lm

# istioctl's manifest-generate golden cases, from an istio/istio checkout:
#   make conformance ISTIO_SRC=/path/to/istio   [CASES="pilot_default ..."]
conformance: deps-test
	@if [ -z "$(ISTIO_SRC)" ]; then \
	  echo "conformance: skipped: set ISTIO_SRC to an istio/istio checkout"; \
	else \
	  $(MAKE) --no-print-directory $(IOP) $(CONFORMANCE) && \
	  $(CONFORMANCE) "$(ISTIO_SRC)" "$(IOP)" $(CASES); \
	fi

# The operator's end-to-end tests with Istio's own charts instead of ours:
#   make e2e-istio ISTIO_SRC=/path/to/istio [IOP_TEST_KUBE_APISERVER=...]
# Istio's charts need the Kubernetes versions Istio supports (policy/v1,
# autoscaling/v2): point IOP_TEST_KUBE_APISERVER at a recent kube-apiserver.
e2e-istio: deps-test
	@if [ -z "$(ISTIO_SRC)" ]; then \
	  echo "e2e-istio: skipped: set ISTIO_SRC to an istio/istio checkout"; \
	else \
	  $(MAKE) --no-print-directory $(IOP) $(CHECK_E2E) && \
	  IOP_TEST_MANIFESTS="$(ISTIO_SRC)/manifests" CK_RUN_SUITE=server \
	    BUILD=$(BUILD) bash scripts/run-tests.sh e2e; \
	fi

# libFuzzer, with clang and ASan+UBSan, on the template engine (parse and
# execute) and on kyaml's block-style scanner against libyaml. fuzz-run
# runs each for FUZZ_TIME seconds over fuzz/corpus/<target>, keeping what
# it finds in build/fuzz/corpus/<target>.
FUZZ_TIME ?= 60
FUZZ_TARGETS := tmpl kyaml

$(BUILD)/fuzz/%_fuzz: fuzz/%_fuzz.c $(LIBIOP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer $< $(LIBIOP) -o $@ $(PKG_LIBS) -lm

fuzz: deps-build
	@bash scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang SANITIZE=fuzz \
	  WERROR= $(FUZZ_TARGETS:%=build/fuzz/fuzz/%_fuzz)

fuzz-run: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  build/fuzz/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_TIME) \
	    -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	    build/fuzz/corpus/$$t fuzz/corpus/$$t; \
	done

demo: deps-build
	@$(MAKE) --no-print-directory binaries
	@bash scripts/demo.sh $(IOP)

# The whole suite: unit and differential tests (real Helm and kubectl), then
# end-to-end tests against a control plane started for this run.
test: deps-test
	@$(MAKE) --no-print-directory test-run

check: deps-test
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 test-run

test-run: $(IOP) $(CHECK_UNIT) $(CHECK_E2E)
	@BUILD=$(BUILD) bash scripts/run-tests.sh

fmt:
	clang-format -i $(LIB_SRC) $(wildcard lib/*.h) $(CMD_SRC) $(wildcard cmd/iop/*.h) \
	  $(UNIT_SRC) $(E2E_SRC) $(SUPPORT_SRC) $(wildcard test/support/*.h)

fmt-check:
	clang-format --dry-run --Werror $(LIB_SRC) $(wildcard lib/*.h) $(CMD_SRC) \
	  $(wildcard cmd/iop/*.h) $(UNIT_SRC) $(E2E_SRC) $(SUPPORT_SRC) \
	  $(wildcard test/support/*.h)

lint: deps-build
	@$(MAKE) --no-print-directory lint-run

lint-run:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --std=c11 --library=scripts/cppcheck.cfg -Ilib \
	  $(LIB_SRC) $(CMD_SRC)
	clang-tidy --quiet $(LIB_SRC) $(CMD_SRC) -- $(CFLAGS_BASE) $(PKG_CFLAGS) -Ilib

# The Dockerfile's runtime stage without a container engine (root): a
# debootstrapped Debian 12, its packages, the image's libcurl, iop.
image-check: all
	bash scripts/image-check.sh $(IOP)

bench: deps-test
	@$(MAKE) --no-print-directory binaries
	@bash bench/run.sh $(IOP)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(E2E_OBJ:.o=.d) \
         $(SUPPORT_OBJ:.o=.d)
