// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts the guest kernel's executed
 * instructions by translation block, for `make bench` (BENCH_INSNPROF=1).
 *
 * Under TCG the guest has no PMU and perf's cpu-clock samples land where
 * the vCPU happens to take its timer interrupt, so a flat profile of a
 * target's hot path cannot be had from inside the guest. QEMU itself sees
 * every block it runs: this plugin gives each translated block of kernel
 * code (guest address in the upper half) a counter that QEMU's generated
 * code increments inline each time the block runs, and adds the length of
 * every user-space block to one counter.
 *
 * The guest asks for a snapshot by creating DIR/insnprof.req.N (N = 1, 2,
 * ... in order; DIR is the VM's results share, the plugin's "dir="
 * argument). A thread of the plugin polls for it every 20 ms and writes
 * DIR/insnprof.N: one line "user INSNS CYCLES", then one line "VADDR
 * NINSNS COUNT CALLEE CYCLES" (hex, decimal, decimal, hex, decimal) per
 * translation whose count is not 0; CALLEE is the target of the direct
 * call that ends the block, 0 if it ends otherwise, so that the analysis
 * can name callers; CYCLES are host TSC cycles with time=1 (below), else
 * 0.
 * The file appears complete (written under another name, then renamed).
 * The difference of two snapshots, with the guest's /proc/kallsyms, is a
 * profile of what ran between them: tests/bench/insnprof.py.
 *
 * A block is counted as a whole: its instructions all go to the symbol
 * its first instruction is in, and a block that begins at a function's
 * address counts the calls of that function (a call ends the caller's
 * block). The counters are plain 64-bit additions from every vCPU, so
 * two vCPUs running the same block at once may lose an increment: a
 * profile's figures are estimates to a fraction of a percent, which is
 * what they are for.
 *
 * The QEMU plugin API (version 1, QEMU 7.2 in Debian 12) is declared in
 * qemu-plugin-api.h, as Debian ships no header for it: only the
 * few calls and types used, with the ABI of that version.
 *
 * Build (run-bench does it): gcc -O2 -shared -fPIC -pthread -o insnprof.so
 * insnprof.c
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-plugin-api.h"

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* The x86-64 kernel's half of the address space. */
#define KERNEL_BASE 0xffff800000000000ULL

/*
 * One translation of a kernel block. Records are never freed or moved: the
 * generated code holds &count. A block translated again (after a TB flush,
 * or on another vCPU's cache miss) gets a new record; the analysis adds
 * the records of one address.
 */
struct rec {
	unsigned long long vaddr;
	unsigned long long count;
	unsigned long long callee;
	unsigned long long cycles;
	unsigned int ninsns;
};

#define CHUNK_RECS 65536

struct chunk {
	struct chunk *next;
	unsigned int used;
	struct rec recs[CHUNK_RECS];
};

/*
 * lock guards the chunk list and each chunk's used: taken by the
 * translation callback (any vCPU thread) to take a record and by the
 * snapshot thread to walk them. The counts themselves are written by the
 * generated code without it.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *head;
static unsigned long long user_insns;

/*
 * time=1: each block's execution also runs tb_exec(), which reads the
 * host's TSC and charges the cycles since the vCPU's previous block to
 * that block (user space to user_rec): where the host's time goes,
 * QEMU's own work for a block (helpers, MMIO, TLB fills) included, at the
 * price of a callback per block, whose cost the analysis subtracts.
 * vcpus[] is written only by its vCPU's thread.
 */
#define MAX_VCPUS 64

struct vcpu_state {
	struct rec *last;
	unsigned long long tsc;
	char pad[48];		/* a cache line each */
};

static bool timing;
static struct vcpu_state vcpus[MAX_VCPUS];
static struct rec user_rec;
static char *dir;
static pthread_t poller;
static bool stopping;	/* __atomic: set at exit, read by the poller */

static struct rec *rec_new(unsigned long long vaddr, unsigned int ninsns,
			   unsigned long long callee)
{
	struct rec *r = NULL;
	struct chunk *c;

	pthread_mutex_lock(&lock);
	if (!head || head->used == CHUNK_RECS) {
		c = calloc(1, sizeof(*c));
		if (!c)
			goto out;
		c->next = head;
		head = c;
	}
	r = &head->recs[head->used++];
	r->vaddr = vaddr;
	r->ninsns = ninsns;
	r->callee = callee;
out:
	pthread_mutex_unlock(&lock);
	return r;
}

/*
 * The target of the direct call (E8 rel32) that ends a block, or 0: a call
 * always ends a block, so each execution of the block is one call.
 */
static unsigned long long tb_callee(struct qemu_plugin_tb *tb, size_t n)
{
	const struct qemu_plugin_insn *insn;
	const unsigned char *b;
	int rel;

	if (!n)
		return 0;
	insn = qemu_plugin_tb_get_insn(tb, n - 1);
	if (qemu_plugin_insn_size(insn) != 5)
		return 0;
	b = qemu_plugin_insn_data(insn);
	if (b[0] != 0xe8)
		return 0;
	rel = (int)((unsigned int)b[1] | (unsigned int)b[2] << 8 |
		    (unsigned int)b[3] << 16 | (unsigned int)b[4] << 24);
	return qemu_plugin_insn_vaddr(insn) + 5 + (long long)rel;
}

static void tb_exec(unsigned int vcpu, void *udata)
{
	struct vcpu_state *st = &vcpus[vcpu % MAX_VCPUS];
	unsigned long long now = __builtin_ia32_rdtsc();

	if (st->last)
		__atomic_fetch_add(&st->last->cycles, now - st->tsc,
				   __ATOMIC_RELAXED);
	st->last = udata;
	st->tsc = now;
}

static void tb_trans(unsigned long long id, struct qemu_plugin_tb *tb)
{
	unsigned long long vaddr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct rec *r;

	if (vaddr < KERNEL_BASE) {
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &user_insns, n);
		if (timing)
			qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
							     QEMU_PLUGIN_CB_NO_REGS,
							     &user_rec);
		return;
	}
	r = rec_new(vaddr, n, tb_callee(tb, n));
	if (!r)
		return;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &r->count, 1);
	if (timing)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
						     QEMU_PLUGIN_CB_NO_REGS, r);
}

static int snapshot(unsigned int n)
{
	char path[4096], tmp[4200];
	struct chunk *c;
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/insnprof.%u", dir, n);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "user %llu %llu\n",
		__atomic_load_n(&user_insns, __ATOMIC_RELAXED),
		__atomic_load_n(&user_rec.cycles, __ATOMIC_RELAXED));
	pthread_mutex_lock(&lock);
	for (c = head; c; c = c->next) {
		for (i = 0; i < c->used; i++) {
			struct rec *r = &c->recs[i];
			unsigned long long cnt = __atomic_load_n(&r->count,
						       __ATOMIC_RELAXED);

			if (cnt)
				fprintf(f, "%llx %u %llu %llx %llu\n", r->vaddr,
					r->ninsns, cnt, r->callee,
					__atomic_load_n(&r->cycles,
							__ATOMIC_RELAXED));
		}
	}
	pthread_mutex_unlock(&lock);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

static void *poll_requests(void *arg)
{
	unsigned int next = 1;
	char req[4096];

	(void)arg;
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED)) {
		snprintf(req, sizeof(req), "%s/insnprof.req.%u", dir, next);
		if (access(req, F_OK) == 0) {
			int err = snapshot(next);

			if (err)
				fprintf(stderr, "insnprof: snapshot %u: %s\n",
					next, strerror(-err));
			next++;
			continue;
		}
		usleep(20000);
	}
	return NULL;
}

static void at_exit(unsigned long long id, void *userdata)
{
	__atomic_store_n(&stopping, true, __ATOMIC_RELAXED);
	pthread_join(poller, NULL);
}

int qemu_plugin_install(unsigned long long id,
			const struct qemu_plugin_info *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "dir=", 4))
			dir = strdup(argv[i] + 4);
		else if (!strcmp(argv[i], "time=1"))
			timing = true;
	}
	if (!dir || !*dir) {
		fprintf(stderr, "insnprof: needs dir=DIR\n");
		return -1;
	}
	if (pthread_create(&poller, NULL, poll_requests, NULL)) {
		fprintf(stderr, "insnprof: cannot start its thread\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
