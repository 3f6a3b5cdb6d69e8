# SPDX-License-Identifier: GPL-2.0
#
# ktgt top-level Makefile.
#
# The kernel modules are built out of tree with kbuild; the same Kbuild and
# Kconfig files work when this directory is dropped into a kernel source
# tree as drivers/ktgt (see Documentation/build.rst).
#
#   make                 modules + user-space tools (W=1, -Werror)
#   make check           host unit tests + the VM test suite
#   make check KERNEL=debug   the same suite on a KASAN/lockdep kernel
#   make demo            boot the VM and show ktgt serving LUNs
#   make shell           interactive shell in the test VM
#   make sparse          kbuild C=2 (sparse) over every module
#   make checkpatch      scripts/checkpatch.pl --strict over our sources
#   make deps            install everything the above need (apt-get)
#   make conformance     libiscsi's iscsi-test-cu, ktgt vs LIO and tgt
#   make bench           ktgt vs LIO, tgt and scsi_debug (~25 min)

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# Where cached, machine-wide artefacts live (debug kernel, checkpatch).
KTGT_CACHE ?= /var/cache/ktgt
export KTGT_CACHE

KERNEL ?= stock
ifeq ($(KERNEL),debug)
  KDIR ?= $(KTGT_CACHE)/debug/build
  KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
  # A second kbuild tree of our sources, so the stock and debug objects
  # never overwrite each other.
  MODSRC := $(KTGT_CACHE)/debug/ktgt-obj
else ifeq ($(KERNEL),stock)
  KVER ?= $(shell $(TOP)/scripts/kver.sh)
  KDIR ?= /lib/modules/$(KVER)/build
  MODSRC := $(TOP)
else
  $(error KERNEL must be 'stock' or 'debug')
endif
export KERNEL KVER KDIR MODSRC

# Out-of-tree builds enable every ktgt option as a module.
KTGT_KCONFIG := CONFIG_KTGT=m CONFIG_KTGT_VDISK=m CONFIG_KTGT_PT=m \
	CONFIG_KTGT_VTAPE=m \
	CONFIG_KTGT_LOCAL=m \
	CONFIG_KTGT_ISCSI=m CONFIG_KTGT_SRP=m CONFIG_KTGT_TEST_MODULES=m
KBUILD_ARGS := -C $(KDIR) M=$(MODSRC) $(KTGT_KCONFIG) W=1 KTGT_WERROR=1

.PHONY: all modules tools clean deps check check-host check-vm \
	check-harness demo shell sparse checkpatch debug-kernel fuzz help

all: modules tools

help:
	@sed -n '3,18p' $(TOP)/Makefile | sed 's/^# \{0,1\}//'

$(KDIR)/Makefile:
	@echo "ktgt: no kernel build tree at $(KDIR)." >&2
	@if [ "$(KERNEL)" = debug ]; then \
		echo "ktgt: run 'make debug-kernel' (or 'make check KERNEL=debug')." >&2; \
	else \
		echo "ktgt: run 'make deps' to install linux-headers-amd64." >&2; \
	fi
	@exit 1

modules: $(KDIR)/Makefile
ifeq ($(KERNEL),debug)
	@mkdir -p $(MODSRC)
	@rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
		--exclude '*.cmd' --exclude '*.mod*' --exclude tests/host/build \
		$(TOP)/ $(MODSRC)/
endif
	$(MAKE) $(KBUILD_ARGS) modules

tools:
	$(MAKE) -C $(TOP)/tools

sparse: $(KDIR)/Makefile
	@$(TOP)/scripts/sparse-check.sh $(MAKE) $(KBUILD_ARGS) C=2 modules

checkpatch:
	@$(TOP)/scripts/checkpatch.sh

deps:
	@$(TOP)/scripts/deps.sh

debug-kernel:
	@$(TOP)/scripts/debug-kernel.sh

check-host:
	$(MAKE) -C $(TOP)/tests/host check

# Tests to run in the VM (default: all of tests/vm/tests); e.g.
#   make check-vm TESTS=tests/vm/tests/core-load.sh
TESTS ?=
check-vm: modules tools
	@$(TOP)/tests/vm/run --kernel $(KERNEL) --results $(TOP)/tests/results \
		--summary $(TOP)/tests/results/vm.summary $(TESTS)

# Proves the dmesg splat detector: a test that WARNs must be reported failed.
check-harness: modules tools
	@$(TOP)/tests/vm/selftest/detector-selftest --kernel $(KERNEL) \
		--results $(TOP)/tests/results/selftest \
		--summary $(TOP)/tests/results/harness.summary

check:
	@$(TOP)/scripts/check.sh

demo:
	@$(TOP)/scripts/demo.sh

shell: modules
	@$(TOP)/tests/vm/run --kernel $(KERNEL) --shell

fuzz:
	$(MAKE) -C $(TOP)/tests/host fuzz

# libiscsi's conformance suite against ktgt, LIO and tgt in one VM,
# compared (not part of check: 30-60 min under TCG;
# Documentation/iscsi-conformance.rst).
.PHONY: conformance
conformance: modules tools
	@$(TOP)/tests/vm/run --kernel $(KERNEL) \
		--results $(TOP)/tests/results/conformance \
		$(TOP)/tests/vm/conformance/*.sh

# ktgt vs LIO, tgt and scsi_debug in one VM boot (not part of check; about
# 25 min under TCG, BENCH_QUICK=1 a few; see Documentation/performance.rst).
.PHONY: bench
bench: deps modules tools
	@$(TOP)/tests/bench/run-bench

clean:
	-[ -f $(KDIR)/Makefile ] && $(MAKE) $(KBUILD_ARGS) clean
	-$(MAKE) -C $(TOP)/tools clean
	-$(MAKE) -C $(TOP)/tests/host clean
	rm -rf $(TOP)/tests/results
