# sluice: eBPF virtual switch and NAT for container hosts.
# `make` builds, `make test` tests, `make demo` shows it; `make deps` installs packages.

OUT      := build
CLANG    ?= clang
CC       ?= gcc
BPFTOOL  ?= bpftool
V        ?= 0

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages the build, the tests and the demo need.
DEPS_BUILD := clang llvm libbpf-dev bpftool libmnl-dev libelf-dev zlib1g-dev libjson-c-dev \
	make gcc pkg-config scdoc libmicrohttpd-dev
DEPS_TEST  := iproute2 iperf3 tcpdump python3-scapy socat ncat iputils-ping iputils-tracepath \
	curl nftables iptables ethtool util-linux procps libclang-rt-14-dev jq \
	podman containernetworking-plugins crun conmon busybox-static prometheus
DEPS_BENCH := gnuplot-nox netsniff-ng

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -I$(OUT) -Iuserspace
LDLIBS   := -lbpf -lelf -lz -lmnl -ljson-c -lmicrohttpd

# clang -target bpf lacks the distro's multiarch include dirs (asm/types.h): add them.
CLANG_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
# bpf_tracing.h's register names follow the build machine's architecture (uname -m).
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/arm.*/arm/' \
	-e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/' -e 's/loongarch64/loongarch/')
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -Ibpf $(CLANG_SYS_INCLUDES)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
BPF_LIB    := $(wildcard bpf/lib/*.h) $(wildcard include/*.h)

US_SRCS    := $(wildcard userspace/*.c)
US_OBJS    := $(patsubst userspace/%.c,$(OUT)/us/%.o,$(US_SRCS))
US_LIB_OBJS := $(filter-out $(OUT)/us/main.o,$(US_OBJS))

UNIT_SRCS  := $(wildcard selftests/unit/*.c)
UNIT_OBJS  := $(patsubst selftests/unit/%.c,$(OUT)/unit/%.o,$(UNIT_SRCS))

TOOL_BPF_SRCS := $(wildcard tools/*/*.bpf.c)
TOOL_SKELS := $(foreach s,$(TOOL_BPF_SRCS),$(OUT)/$(notdir $(s:.bpf.c=.skel.h)))
TOOLS      := $(foreach d,$(sort $(dir $(wildcard tools/*/main.c))),$(OUT)/$(notdir $(d:/=)))
TOOL_LIB   := $(wildcard tools/lib/*.c tools/lib/*.h)

# libFuzzer harnesses (selftests/fuzz/fuzz_NAME.c), the sources each links besides itself
FUZZ_SECS    ?= 60
FUZZ_NAMES   := $(patsubst selftests/fuzz/fuzz_%.c,%,$(wildcard selftests/fuzz/fuzz_*.c))
FUZZ_REPLAYS := $(foreach n,$(FUZZ_NAMES),$(OUT)/fuzz/$(n)_replay)
FUZZ_SRCS_datapath := selftests/unit/fixture.c selftests/unit/packet.c \
	selftests/fuzz/stub_runner.c $(wildcard userspace/netlink*.c) userspace/output.c userspace/percpu.c
FUZZ_SRCS_parse := userspace/parse.c
FUZZ_SRCS_edge := selftests/unit/mv_fixture.c selftests/unit/fixture.c selftests/unit/packet.c \
	selftests/fuzz/stub_runner.c $(wildcard userspace/netlink*.c) userspace/output.c userspace/percpu.c
FUZZ_SRCS_nat := selftests/unit/nat_fixture.c selftests/unit/fixture.c selftests/unit/packet.c \
	selftests/fuzz/stub_runner.c $(wildcard userspace/netlink*.c) userspace/output.c userspace/percpu.c
FUZZ_CFLAGS := -g -O1 -Iinclude -I$(OUT) -Iuserspace -Iselftests/unit

# The version and commit baked into every binary (sluice --version); the header is rewritten
# only when they change, so that a commit relinks without rebuilding everything.
SLUICE_VERSION ?= 0.3.0
SLUICE_COMMIT  := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
BUILD_ID_H := \#define SLUICE_VERSION "$(SLUICE_VERSION)"\n\#define SLUICE_COMMIT "$(SLUICE_COMMIT)"
$(OUT)/build_id.h: FORCE | $(OUT)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = "$$(printf '$(BUILD_ID_H)')" ] || printf '$(BUILD_ID_H)\n' >$@
$(OUT)/us/build_info.o: $(OUT)/build_id.h
.PHONY: FORCE
FORCE:

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps install uninstall man test test-unit test-net test-vm test-guest demo bench fuzz clean

all: $(OUT)/sluice $(OUT)/sluice-cni $(OUT)/unit_tests $(TOOLS) $(FUZZ_REPLAYS)

deps:
	$(Q)tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

$(OUT) $(OUT)/us $(OUT)/unit:
	$(Q)mkdir -p $@

vpath %.bpf.c bpf $(sort $(dir $(TOOL_BPF_SRCS)))

$(OUT)/%.bpf.o: %.bpf.c $(BPF_LIB) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*) > $@

$(OUT)/us/%.o: userspace/%.c $(wildcard userspace/*.h) $(wildcard include/*.h) $(SKELS) | $(OUT)/us
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# /metrics names the build it serves.
$(OUT)/us/metrics_render.o: CFLAGS += -DSLUICE_GIT=\"$(shell git describe --always --dirty 2>/dev/null || echo unknown)\"

$(OUT)/sluice: $(US_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# The CNI plugin: userspace/cni/*.c over the controller library (every userspace object
# but main.o).
CNI_OBJS := $(patsubst userspace/cni/%.c,$(OUT)/cni/%.o,$(wildcard userspace/cni/*.c))
$(OUT)/cni:
	$(Q)mkdir -p $@

$(OUT)/cni/%.o: userspace/cni/%.c $(wildcard userspace/cni/*.h) $(wildcard userspace/*.h) $(wildcard include/*.h) $(SKELS) | $(OUT)/cni
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace/cni -c $< -o $@

$(OUT)/sluice-cni: $(CNI_OBJS) $(US_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/unit/%.o: selftests/unit/%.c $(wildcard selftests/unit/*.h) $(wildcard include/*.h) $(SKELS) | $(OUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/unit -c $< -o $@

$(OUT)/unit_tests: $(UNIT_OBJS) $(US_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# tools/NAME/main.c (+ tools/NAME/*.c, tools/NAME/*.bpf.c, tools/lib/*.c) -> build/NAME
.SECONDEXPANSION:
$(TOOLS): $(OUT)/%: $$(wildcard tools/%/*.c) $$(wildcard tools/%/*.h) $(TOOL_LIB) $(TOOL_SKELS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/$* -Itools/lib $(filter-out %.bpf.c,$(filter %.c,$^)) -o $@ $(LDLIBS)

# Fuzzing: selftests/fuzz/fuzz_NAME.c is a libFuzzer harness (clang) and, linked with
# replay.c instead of libFuzzer (gcc), build/fuzz/NAME_replay, which `make test` runs on
# the saved inputs of selftests/fuzz/regress/NAME/. `make fuzz` fuzzes each FUZZ_SECS.
$(OUT)/fuzz:
	$(Q)mkdir -p $@

$(OUT)/fuzz/%_replay: selftests/fuzz/fuzz_%.c selftests/fuzz/replay.c $$(FUZZ_SRCS_$$*) $(SKELS) | $(OUT)/fuzz
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/unit $(filter %.c,$^) -o $@ $(LDLIBS)

$(OUT)/fuzz/%_fuzz: selftests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $(SKELS) | $(OUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@ $(LDLIBS)

fuzz: $(foreach n,$(FUZZ_NAMES),$(OUT)/fuzz/$(n)_fuzz)
	$(Q)selftests/fuzz/run.sh $(FUZZ_SECS) $(FUZZ_NAMES)

# T=NAME runs only those tests: a namespace file (test_nat, test_nat:xdp), named tests in it
# (test_switch:xdp:mac_move*, test_vlan::trunk*), unit:NAME, a suite; T=list lists them.
T ?=
# Install: `make install [PREFIX=/usr/local] [DESTDIR=]`; the CNI plugin goes where runtimes
# look for it whatever PREFIX is. Man pages are scdoc sources.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
COMPLDIR   ?= $(PREFIX)/share/bash-completion/completions
CNIDIR     ?= /usr/lib/cni
SYSCONFDIR ?= /etc
MANS       := $(OUT)/man/sluice.8 $(OUT)/man/sluice-cni.8
INSTALLED  := $(SBINDIR)/sluice $(CNIDIR)/sluice $(MANDIR)/man8/sluice.8 \
	$(MANDIR)/man8/sluice-cni.8 $(UNITDIR)/sluice@.service $(COMPLDIR)/sluice

$(OUT)/man/%.8: docs/man/%.8.scd
	$(Q)mkdir -p $(dir $@)
	$(call msg,SCDOC,$@)
	$(Q)scdoc <$< >$@

man: $(MANS)

install: $(OUT)/sluice $(OUT)/sluice-cni $(MANS)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX) $(DESTDIR)$(CNIDIR))
	$(Q)install -D -m 0755 $(OUT)/sluice $(DESTDIR)$(SBINDIR)/sluice
	$(Q)install -D -m 0755 $(OUT)/sluice-cni $(DESTDIR)$(CNIDIR)/sluice
	$(Q)install -D -m 0644 $(OUT)/man/sluice.8 $(DESTDIR)$(MANDIR)/man8/sluice.8
	$(Q)install -D -m 0644 $(OUT)/man/sluice-cni.8 $(DESTDIR)$(MANDIR)/man8/sluice-cni.8
	$(Q)install -d -m 0755 $(DESTDIR)$(UNITDIR)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/sluice@.service.in >$(DESTDIR)$(UNITDIR)/sluice@.service
	$(Q)install -D -m 0644 dist/sluice.bash-completion $(DESTDIR)$(COMPLDIR)/sluice
	$(Q)install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/sluice

# Removes what install put there; /etc/sluice stays when it holds saved configurations.
uninstall:
	$(call msg,UNINST,$(DESTDIR)$(PREFIX) $(DESTDIR)$(CNIDIR))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/sluice 2>/dev/null || true

test: deps all
	$(Q)selftests/run.sh $(T)

test-unit: all
	$(Q)selftests/run.sh unit

test-net: all
	$(Q)selftests/run.sh net

test-vm: all
	$(Q)selftests/run.sh netdevsim

# The unit and namespace suites inside the test VM on Debian's 6.1 kernel (~10 min under TCG).
test-guest: all
	$(Q)selftests/run.sh guest

demo: deps all
	$(Q)tools/demo.sh

bench: deps all
	$(Q)tools/deps.sh $(DEPS_BENCH)
	$(Q)tools/bench/run.sh

clean:
	$(Q)rm -rf $(OUT)
