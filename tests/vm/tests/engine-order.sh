#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Task ordering: a READ never overtakes an earlier, overlapping WRITE of
# the same I_T nexus, and nothing else is held back.
#
# - timing, on a vdisk_nullio LUN whose commands take DELAY ms
#   (delay_ms): a write is submitted, then a read. A read overlapping the
#   write finishes a full DELAY after the write; a read of other blocks,
#   and an overlapping read from another I_T nexus (a second target on
#   the same device), finish with the write;
# - data, on a vdisk_fileio LUN: many rounds of "write a pattern, read
#   the write's last block back" submitted back to back (libaio,
#   O_DIRECT, no I/O scheduler), every read returns the new pattern.
#
# The I/O is done by a small C program built here with the host's
# compiler, so both commands are in flight at once. It submits the read
# only once the session's nr_cmds shows the write in the target (the
# block layer does not promise to dispatch requests in submission order).
# Without the overlap rule both parts fail (the read finishes with the
# write; tens of stale reads in 400 rounds).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

command -v cc >/dev/null || skip "no C compiler"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

bin=/tmp/engine-order
cat > $bin.c <<'EOF'
/*
 * engine-order helper.
 *   lat NR WDEV WOFF WLEN RDEV ROFF RLEN: submit a write, then a read;
 *	print "write_ms read_ms", each from the write's submission
 *   data NR DEV ROUNDS WLEN: per round write a pattern of WLEN bytes and
 *	read its last 4 KiB back; print the number of stale reads
 * NR is the nr_cmds file of the write's session: the read is submitted
 * only once the write has reached the target (or completed), since the
 * block layer may dispatch requests out of order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static aio_context_t ctx;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *buf(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("posix_memalign");
	return p;
}

static void submit(int fd, int op, void *p, size_t len, off_t off,
		   struct iocb *cb, uint64_t id)
{
	struct iocb *cbs[1] = { cb };

	memset(cb, 0, sizeof(*cb));
	cb->aio_lio_opcode = op;
	cb->aio_fildes = fd;
	cb->aio_buf = (uintptr_t)p;
	cb->aio_nbytes = len;
	cb->aio_offset = off;
	cb->aio_data = id;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		die("io_submit");
}

/* Reap one completion; return its id, check its size. */
static uint64_t reap(void)
{
	struct io_event ev;

	if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		die("io_getevents");
	if (ev.res < 0) {
		errno = -ev.res;
		die("I/O");
	}
	return ev.data;
}

static long nr_cmds(const char *path)
{
	char b[32] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	if (!fgets(b, sizeof(b), f))
		die(path);
	fclose(f);
	return atol(b);
}

/*
 * Wait until the target holds more than @base commands of the session,
 * or the write (id 0) completed; return 1 if it completed (reaped).
 */
static int wait_arrival(const char *nr, long base)
{
	struct timespec zero = { 0, 0 };
	struct io_event ev;
	int i;

	for (i = 0; i < 100000; i++) {
		if (nr_cmds(nr) > base)
			return 0;
		if (syscall(SYS_io_getevents, ctx, 0, 1, &ev, &zero) == 1) {
			if (ev.res < 0) {
				errno = -ev.res;
				die("write");
			}
			return 1;
		}
	}
	fprintf(stderr, "the write never reached the target\n");
	exit(2);
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_DIRECT);

	if (fd < 0)
		die(path);
	return fd;
}

int main(int argc, char **argv)
{
	if (syscall(SYS_io_setup, 8, &ctx))
		die("io_setup");

	if (argc == 9 && !strcmp(argv[1], "lat")) {
		const char *nr = argv[2];
		int wfd = open_dev(argv[3]), rfd = open_dev(argv[6]);
		size_t wlen = atol(argv[5]), rlen = atol(argv[8]);
		void *w = buf(wlen), *r = buf(rlen);
		long base = nr_cmds(nr);
		double t0, t[2];
		struct iocb cw, cr;
		int i = 0;

		memset(w, 0x5a, wlen);
		t0 = now_ms();
		submit(wfd, IOCB_CMD_PWRITE, w, wlen, atol(argv[4]), &cw, 0);
		if (wait_arrival(nr, base)) {
			t[0] = now_ms() - t0;
			i = 1;
		}
		submit(rfd, IOCB_CMD_PREAD, r, rlen, atol(argv[7]), &cr, 1);
		for (; i < 2; i++) {
			uint64_t id = reap();

			t[id] = now_ms() - t0;
		}
		printf("%.0f %.0f\n", t[0], t[1]);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "data")) {
		const char *nr = argv[2];
		int fd = open_dev(argv[3]), rounds = atoi(argv[4]), stale = 0;
		size_t wlen = atol(argv[5]), i;
		uint32_t *w = buf(wlen), *r = buf(4096);
		struct iocb cw, cr;
		int n;

		for (n = 1; n <= rounds; n++) {
			off_t off = (off_t)(n % 32) * wlen;

			for (i = 0; i < wlen / 4; i++)
				w[i] = n;
			long base = nr_cmds(nr);
			int reaped;

			memset(r, 0, 4096);
			submit(fd, IOCB_CMD_PWRITE, w, wlen, off, &cw, 0);
			reaped = wait_arrival(nr, base);
			submit(fd, IOCB_CMD_PREAD, r, 4096, off + wlen - 4096,
			       &cr, 1);
			while (reaped++ < 2)
				reap();
			for (i = 0; i < 1024; i++)
				if (r[i] != (uint32_t)n)
					break;
			stale += i < 1024;
		}
		printf("%d\n", stale);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top\n");
	return 2;
}
EOF
cc -O2 -Wall -o $bin $bin.c || fail "cannot build the I/O helper"

# noqueue DEV: no I/O scheduler, so requests reach the target in order.
noqueue() {
	local q=/sys/block/${1#/dev/}/queue/scheduler
	[ -w "$q" ] && echo none > "$q"
}

delay=2000
ktgt_mkdev vdisk_nullio/slow size=$((64 << 20)) serial=ORD-SLOW
ktgt_mktarget local/a
ktgt_maplun local/a 0 vdisk_nullio/slow
ktgt_enable local/a
ktgt_mktarget local/b
ktgt_maplun local/b 0 vdisk_nullio/slow
ktgt_enable local/b
da=$(ktgt_wait_disk host="$(ktgt_local_host a)" lun=0)
db=$(ktgt_wait_disk host="$(ktgt_local_host b)" lun=0)
noqueue "$da"
noqueue "$db"
log "nullio disk through two I_T nexuses: $da, $db; delay $delay ms"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/slow/delay_ms" $delay

nr_a=$(ktgt_session_of local:a)/nr_cmds

# lat WDEV RDEV ROFF WHAT: run the helper for a 64 KiB write at 1 MiB on
# WDEV (session a) and a 4 KiB read at ROFF on RDEV; sets w and r (ms).
lat() {
	local out
	out=$($bin lat "$nr_a" "$1" $((1 << 20)) 65536 "$2" "$3" 4096) ||
		fail "I/O helper failed"
	read -r w r <<< "$out"
	log "write $w ms, read $r ms ($4)"
}

lat "$da" "$da" $(((1 << 20) + 61440)) "overlapping, same nexus"
[ "$w" -ge $((delay * 9 / 10)) ] || fail "write took only $w ms"
[ "$r" -ge $((w + delay * 9 / 10)) ] ||
	fail "overlapping read of the same nexus finished at $r ms, before write + delay ($w + $delay)"

lat "$da" "$da" $((4 << 20)) "disjoint, same nexus"
[ "$r" -lt $((w + delay / 2)) ] ||
	fail "disjoint read waited for the write ($r ms vs $w ms)"

lat "$da" "$da" $(((1 << 20) + 65536)) "adjacent, same nexus"
[ "$r" -lt $((w + delay / 2)) ] ||
	fail "adjacent read waited for the write ($r ms vs $w ms)"

lat "$da" "$db" $(((1 << 20) + 4096)) "overlapping, other nexus"
[ "$r" -lt $((w + delay / 2)) ] ||
	fail "read of another I_T nexus waited for the write ($r ms vs $w ms)"

ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/slow/delay_ms" 0

log "data: write then overlapping read, back to back, on vdisk_fileio"
img=/tmp/order.img
truncate -s 64M "$img" || fail "truncate $img"
ktgt_mkdev vdisk_fileio/f0 filename="$img" serial=ORD-DATA
ktgt_mktarget local/c
ktgt_maplun local/c 0 vdisk_fileio/f0
ktgt_enable local/c
dc=$(ktgt_wait_disk host="$(ktgt_local_host c)" serial=ORD-DATA)
noqueue "$dc"
stale=$($bin data "$(ktgt_session_of local:c)/nr_cmds" "$dc" 400 $((256 << 10))) ||
	fail "I/O helper failed"
expect_eq "$stale" 0 "reads that returned data older than the write before them"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
