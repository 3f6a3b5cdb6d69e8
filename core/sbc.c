// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: SBC-3 emulation for direct-access devices on top of a dev
 * handler's struct ktgt_sbc_ops.
 *
 * READ and WRITE go straight to ->rw (the hot path: no allocation, no
 * lock; FUA is forced while the write cache is disabled). Everything else
 * a disk needs is built here: SYNCHRONIZE CACHE, READ CAPACITY, VERIFY,
 * WRITE AND VERIFY, WRITE SAME, UNMAP, GET LBA STATUS, COMPARE AND WRITE,
 * ORWRITE, PRE-FETCH;
 * EXTENDED COPY and RECEIVE COPY RESULTS go to core/xcopy.c (which moves
 * data with ktgt_sbc_io_dev(), core/sbc_io.h); the SPC commands go to
 * ktgt_spc_exec().
 *
 * Internal I/O
 * ============
 * VERIFY, WRITE AND VERIFY, WRITE SAME, COMPARE AND WRITE and ORWRITE
 * read or write the medium more than once per command. They do it
 * through the handler's own ->rw, on an internal struct ktgt_cmd (struct
 * sbc_io, from sbc_io_pool) that describes one transfer: the same
 * device, LUN and session as the initiator's command, the LBA range, and
 * a buffer from the sgv pool or the initiator's data. It is flagged
 * KTGT_CF_SBC_INTERNAL; the engine never queues, orders or answers it,
 * and its ktgt_cmd_done() only wakes the waiter here
 * (ktgt_sbc_internal_done()), so a handler completing it asynchronously
 * (blockio) works as for any command. The waiting needs process context:
 * ktgt_spc_needs_thread() lists these commands, and the engine never
 * runs them in an atomic submitter's context.
 *
 * COMPARE AND WRITE
 * =================
 * Its read, compare and write must be an uninterrupted series of actions
 * with respect to every other command accessing the same blocks, from
 * any I_T nexus (SBC-3 5.2; so must ORWRITE's read, OR and write). Two
 * mechanisms make it so:
 *
 * - the engine's ordering (core/order.h, core/cmd.c): their descriptors
 *   have KTGT_CDB_F_ATOMIC, so a COMPARE AND WRITE is admitted only once
 *   every overlapping write admitted before it (WRITE, WRITE SAME,
 *   UNMAP, WRITE AND VERIFY, another COMPARE AND WRITE..., of any I_T
 *   nexus) has finished, and every command reading or writing its
 *   blocks that arrives while it runs is deferred until it finishes;
 * - dev->caw_rwsem, for the only writes the engine does not see, the
 *   internal writes of EXTENDED COPY to this device (which may come from
 *   a command sent to another LU): COMPARE AND WRITE and ORWRITE hold it
 *   exclusive while they read and write, EXTENDED COPY shared around
 *   each write (core/xcopy.c). It also serialises COMPARE AND WRITE and
 *   ORWRITE of a device among themselves.
 *
 * Neither costs a plain READ or WRITE anything: no new lock, and the
 * ordering's walk of dev->active it already did.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/mempool.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"
#include "sense.h"
#include "spc_data.h"
#include "sbc_io.h"
#include "xcopy.h"

/* Bytes of medium one internal transfer moves at most. */
#define SBC_CHUNK_BYTES		SZ_1M

/*
 * The internal commands of the composite commands (VERIFY, WRITE SAME,
 * COMPARE AND WRITE...) come from a slab cache behind a mempool, not
 * from kmalloc() per command, so that such a command never fails for
 * want of memory (the LU may be its initiator's swap device, and
 * ktgt_exec_wq is WQ_MEM_RECLAIM for that reason): when the slab cannot
 * give one, mempool_alloc() takes one of the SBC_IO_RESERVE reserved,
 * or sleeps until another command gives its own back (each holds one
 * for its duration and waits on nothing that needs another). Set up at
 * module load, before any device exists; freed at unload, after the
 * last.
 */
#define SBC_IO_RESERVE		4
static struct kmem_cache *sbc_io_cache;
static mempool_t *sbc_io_pool;

mempool_t *ktgt_slab_pool_create(const char *name, size_t size, size_t align,
				 int min_nr, struct kmem_cache **cachep)
{
	mempool_t *pool;

	*cachep = kmem_cache_create(name, size, align, 0, NULL);
	if (!*cachep)
		return NULL;
	pool = mempool_create_slab_pool(min_nr, *cachep);
	if (!pool)
		kmem_cache_destroy(*cachep);
	return pool;
}

void ktgt_slab_pool_destroy(mempool_t *pool, struct kmem_cache *cache)
{
	mempool_destroy(pool);
	kmem_cache_destroy(cache);
}

int ktgt_sbc_init(void)
{
	/* Named for /proc/slabinfo, where "sbc_io" would not say whose. */
	sbc_io_pool = ktgt_slab_pool_create("ktgt_sbc_io", sizeof(struct sbc_io),
					    __alignof__(struct sbc_io),
					    SBC_IO_RESERVE, &sbc_io_cache);
	if (!sbc_io_pool)
		return -ENOMEM;
	if (ktgt_xcopy_init()) {
		ktgt_slab_pool_destroy(sbc_io_pool, sbc_io_cache);
		return -ENOMEM;
	}
	return 0;
}

void ktgt_sbc_exit(void)
{
	ktgt_xcopy_exit();
	ktgt_slab_pool_destroy(sbc_io_pool, sbc_io_cache);
}

void ktgt_sbc_internal_done(struct ktgt_cmd *cmd)
{
	struct sbc_io *io = container_of(cmd, struct sbc_io, cmd);

	complete(&io->done);
}

/* Give @cmd the outcome (status and sense) of a failed internal transfer. */
static void sbc_fail_from(struct ktgt_cmd *cmd, const struct ktgt_cmd *ic)
{
	ktgt_cmd_copy_status(cmd, ic);
}

/*
 * Read or write @nr blocks at @lba between the medium and @sg (@nents
 * entries) through the handler, synchronously, on behalf of @parent.
 * Returns 0, or -EIO with @parent completed with the transfer's status.
 */
static int sbc_io_sync(struct ktgt_cmd *parent, struct sbc_io *io,
		       enum ktgt_data_dir dir, u64 lba, u32 nr,
		       struct scatterlist *sg, unsigned int nents, u32 flags)
{
	return ktgt_sbc_io_dev(parent, io, NULL, 0, dir, lba, nr, sg, nents,
			       flags);
}

int ktgt_sbc_io_dev(struct ktgt_cmd *parent, struct sbc_io *io,
		    struct ktgt_device *dev, u64 lun, enum ktgt_data_dir dir,
		    u64 lba, u32 nr, struct scatterlist *sg,
		    unsigned int nents, u32 flags)
{
	struct ktgt_cmd *ic = &io->cmd;
	u32 len;

	might_sleep();
	ktgt_cmd_init_internal(ic, parent);
	if (dev) {
		/* Another LUN of the same I_T nexus (EXTENDED COPY). */
		ic->core.dev = dev;
		ic->lun = lun;
		ic->core.tgt_dev = NULL;
	}
	dev = ic->core.dev;
	len = nr * dev->params.block_size;
	init_completion(&io->done);
	ic->exp_dir = dir;
	ic->exp_len = len;
	ic->sg = sg;
	ic->sg_cnt = nents;
	ic->bufflen = len;
	ic->core.lba = lba;
	ic->core.nr_blocks = nr;
	ic->core.xfer_len = len;
	ic->core.dir = dir;
	ic->core.cdb_flags = flags;

	if (dev->type->sbc->rw(ic) == KTGT_EXEC_ASYNC)
		wait_for_completion(&io->done);
	if (ic->status == KTGT_SAM_GOOD)
		return 0;
	sbc_fail_from(parent, ic);
	return -EIO;
}

/* FUA for writes of @cmd: asked for, or the write cache is off. */
static u32 sbc_write_flags(const struct ktgt_cmd *cmd)
{
	u32 flags = cmd->core.cdb_flags & KTGT_CDB_FUA;

	if (!ktgt_spc_wce(cmd->core.dev))
		flags |= KTGT_CDB_FUA;
	return flags;
}

/* Blocks per internal transfer of at most @nr blocks. */
static u32 sbc_chunk_blocks(const struct ktgt_device *dev, u64 nr)
{
	u32 max = SBC_CHUNK_BYTES / dev->params.block_size;

	return (u32)min_t(u64, nr, max ? max : 1);
}

/*
 * ---------------------------------------------------------------------
 * Scatterlist helpers (process context)
 * ---------------------------------------------------------------------
 */

/**
 * struct sbc_cursor - a position in a scatterlist, mapped chunk by chunk
 * @it: the mapping iterator
 * @p: the current chunk's next byte
 * @left: bytes left in the current chunk
 */
struct sbc_cursor {
	struct sg_mapping_iter	it;
	u8			*p;
	size_t			left;
};

static bool sbc_cursor_start(struct sbc_cursor *c, struct scatterlist *sg,
			     unsigned int nents, u32 off, unsigned int flags)
{
	sg_miter_start(&c->it, sg, nents, flags);
	c->p = NULL;
	c->left = 0;
	return !off || sg_miter_skip(&c->it, off);
}

/* Map the next chunk if the current one is used up. */
static bool sbc_cursor_fill(struct sbc_cursor *c)
{
	if (c->left)
		return true;
	if (!sg_miter_next(&c->it))
		return false;
	c->p = c->it.addr;
	c->left = c->it.length;
	return true;
}

static void sbc_cursor_advance(struct sbc_cursor *c, size_t n)
{
	c->p += n;
	c->left -= n;
}

/*
 * Compare @len bytes of @a from @aoff with @b from @boff. Returns the
 * offset of the first difference, or @len if equal (a list ending early
 * counts as a difference there).
 */
static u32 sbc_sg_cmp(struct scatterlist *a, unsigned int na, u32 aoff,
		      struct scatterlist *b, unsigned int nb, u32 boff,
		      u32 len)
{
	struct sbc_cursor ca, cb;
	u32 done = 0;

	if (!sbc_cursor_start(&ca, a, na, aoff, SG_MITER_FROM_SG) ||
	    !sbc_cursor_start(&cb, b, nb, boff, SG_MITER_FROM_SG))
		goto out;
	while (done < len) {
		size_t n;

		if (!sbc_cursor_fill(&ca) || !sbc_cursor_fill(&cb))
			break;
		n = min3(ca.left, cb.left, (size_t)(len - done));
		if (memcmp(ca.p, cb.p, n)) {
			done += ktgt_spc_mismatch(ca.p, cb.p, n);
			break;
		}
		sbc_cursor_advance(&ca, n);
		sbc_cursor_advance(&cb, n);
		done += n;
	}
out:
	sg_miter_stop(&cb.it);
	sg_miter_stop(&ca.it);
	return done;
}

/*
 * Fill @len bytes of @dst with the first @plen bytes of @pat, repeated,
 * or with zeroes if @pat is NULL. Returns the bytes written (short if
 * @pat holds fewer than @plen bytes).
 */
static u32 sbc_sg_fill(struct scatterlist *dst, unsigned int nd,
		       struct scatterlist *pat, unsigned int np, u32 plen,
		       u32 len)
{
	struct sbc_cursor cd, cp;
	u32 done = 0, poff = 0;

	sbc_cursor_start(&cd, dst, nd, 0, SG_MITER_TO_SG);
	if (pat)
		sbc_cursor_start(&cp, pat, np, 0, SG_MITER_FROM_SG);
	while (done < len && sbc_cursor_fill(&cd)) {
		size_t n = min_t(size_t, cd.left, len - done);

		if (!pat) {
			memset(cd.p, 0, n);
		} else {
			if (!sbc_cursor_fill(&cp))
				break;
			n = min3(n, cp.left, (size_t)(plen - poff));
			memcpy(cd.p, cp.p, n);
			sbc_cursor_advance(&cp, n);
			poff += n;
			if (poff == plen) {
				/* The pattern again, from its start. */
				sg_miter_stop(&cp.it);
				sbc_cursor_start(&cp, pat, np, 0,
						 SG_MITER_FROM_SG);
				poff = 0;
			}
		}
		sbc_cursor_advance(&cd, n);
		done += n;
	}
	if (pat)
		sg_miter_stop(&cp.it);
	sg_miter_stop(&cd.it);
	return done;
}

/* Whether the first @len bytes of @sg are all zero. */
static bool sbc_sg_is_zero(struct scatterlist *sg, unsigned int nents,
			   u32 len)
{
	struct sbc_cursor c;
	bool zero = true;
	u32 done = 0;

	sbc_cursor_start(&c, sg, nents, 0, SG_MITER_FROM_SG);
	while (zero && done < len && sbc_cursor_fill(&c)) {
		size_t n = min_t(size_t, c.left, len - done);

		zero = ktgt_spc_is_zero(c.p, n);
		sbc_cursor_advance(&c, n);
		done += n;
	}
	sg_miter_stop(&c.it);
	return zero && done == len;
}

/*
 * Copy @len bytes of @src from @soff to the start of @dst, or with @or
 * OR them into what @dst holds. Returns the bytes done.
 */
static u32 sbc_sg_copy(struct scatterlist *dst, unsigned int nd,
		       struct scatterlist *src, unsigned int ns, u32 soff,
		       u32 len, bool or)
{
	struct sbc_cursor cd, cs;
	u32 done = 0;

	sbc_cursor_start(&cd, dst, nd, 0,
			 SG_MITER_TO_SG | (or ? SG_MITER_FROM_SG : 0));
	if (!sbc_cursor_start(&cs, src, ns, soff, SG_MITER_FROM_SG))
		goto out;
	while (done < len) {
		size_t n, i;

		if (!sbc_cursor_fill(&cd) || !sbc_cursor_fill(&cs))
			break;
		n = min3(cd.left, cs.left, (size_t)(len - done));
		if (or) {
			for (i = 0; i < n; i++)
				cd.p[i] |= cs.p[i];
		} else {
			memcpy(cd.p, cs.p, n);
		}
		sbc_cursor_advance(&cd, n);
		sbc_cursor_advance(&cs, n);
		done += n;
	}
out:
	sg_miter_stop(&cs.it);
	sg_miter_stop(&cd.it);
	return done;
}

/**
 * struct sbc_bounce - a buffer from the sgv pool for internal transfers
 * @handle: the pool's handle
 * @sg: its scatterlist
 * @nents: its number of entries
 */
struct sbc_bounce {
	void			*handle;
	struct scatterlist	*sg;
	unsigned int		nents;
};

static int sbc_bounce_get(struct sbc_bounce *b, u32 len)
{
	b->handle = ktgt_sgv_alloc(len, GFP_KERNEL, &b->sg, &b->nents);
	return b->handle ? 0 : -ENOMEM;
}

static void sbc_bounce_put(struct sbc_bounce *b)
{
	ktgt_sgv_free(b->handle);
	b->handle = NULL;
}

/*
 * The internal command every composite command needs. Process context:
 * it may sleep, and never fails (see sbc_io_pool).
 */
static struct sbc_io *sbc_io_get(void)
{
	/* With GFP_KERNEL, mempool_alloc() is might_sleep() itself. */
	return mempool_alloc(sbc_io_pool, GFP_KERNEL);
}

static void sbc_io_put(struct sbc_io *io)
{
	mempool_free(io, sbc_io_pool);
}

static void sbc_miscompare(struct ktgt_cmd *cmd, u64 offset)
{
	struct ktgt_sense_info err;

	ktgt_spc_miscompare(&err, offset);
	ktgt_spc_fail(cmd, &err);
}

/*
 * ---------------------------------------------------------------------
 * VERIFY, WRITE AND VERIFY (SBC-3 5.26, 5.27, 5.40, 5.41)
 * ---------------------------------------------------------------------
 */

/*
 * Read the command's range back and, with BYTCHK, compare it with the
 * data-out: all of it, or (VERIFY with BYTCHK 11b) its one block against
 * every block. On a difference: MISCOMPARE with the byte offset into the
 * range in the INFORMATION field.
 */
static void sbc_verify_range(struct ktgt_cmd *cmd, struct sbc_io *io)
{
	struct ktgt_device *dev = cmd->core.dev;
	u32 bs = dev->params.block_size, nr = cmd->core.nr_blocks;
	bool bytchk = cmd->core.cdb_flags & KTGT_CDB_BYTCHK;
	const struct ktgt_cdb_desc *desc = cmd->core.desc;
	bool one_block = bytchk && desc->rule == KTGT_RULE_VERIFY &&
			 ((cmd->cdb[1] >> 1) & 0x3) == 0x3;
	u32 chunk = sbc_chunk_blocks(dev, nr), done, n, i, off;
	struct sbc_bounce b;

	if (bytchk && (!cmd->sg || cmd->bufflen < (one_block ? bs : nr * bs))) {
		ktgt_cmd_io_error(cmd, -EINVAL);
		return;
	}
	if (sbc_bounce_get(&b, chunk * bs)) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return;
	}
	for (done = 0; done < nr; done += n) {
		n = min(nr - done, chunk);
		if (sbc_io_sync(cmd, io, KTGT_DIR_READ, cmd->core.lba + done, n,
				b.sg, b.nents, 0))
			goto out;
		if (!bytchk)
			continue;
		if (!one_block) {
			off = sbc_sg_cmp(b.sg, b.nents, 0, cmd->sg, cmd->sg_cnt,
					 done * bs, n * bs);
			if (off < n * bs) {
				sbc_miscompare(cmd, (u64)done * bs + off);
				goto out;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			off = sbc_sg_cmp(b.sg, b.nents, i * bs, cmd->sg,
					 cmd->sg_cnt, 0, bs);
			if (off < bs) {
				sbc_miscompare(cmd, (u64)(done + i) * bs + off);
				goto out;
			}
		}
	}
	ktgt_cmd_good(cmd, 0);
out:
	sbc_bounce_put(&b);
}

static void sbc_verify(struct ktgt_cmd *cmd, bool write)
{
	struct sbc_io *io;

	if (!cmd->core.nr_blocks) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	io = sbc_io_get();
	/* WRITE AND VERIFY: the write reaches the medium before the read. */
	if (!write ||
	    !sbc_io_sync(cmd, io, KTGT_DIR_WRITE, cmd->core.lba,
			 cmd->core.nr_blocks, cmd->sg, cmd->sg_cnt,
			 KTGT_CDB_FUA))
		sbc_verify_range(cmd, io);
	sbc_io_put(io);
}

/*
 * ---------------------------------------------------------------------
 * WRITE SAME (SBC-3 5.42, 5.43) and UNMAP (SBC-3 5.28)
 * ---------------------------------------------------------------------
 */

static void sbc_write_same(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	const struct ktgt_sbc_ops *ops = dev->type->sbc;
	u32 bs = dev->params.block_size, chunk, n;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	struct ktgt_cdb c;
	struct sbc_bounce b;
	struct sbc_io *io;
	bool zero = true;
	u64 nr, done;
	int ret;

	/* The decoded command, as ktgt_spc_write_same_check() wants it. */
	memset(&c, 0, sizeof(c));
	c.desc = cmd->core.desc;
	c.lba = cmd->core.lba;
	c.nr_blocks = cmd->core.nr_blocks;
	c.flags = cmd->core.cdb_flags;
	ktgt_spc_describe(cmd, &d);
	if (ktgt_spc_write_same_check(&d, &c, &nr, &err)) {
		ktgt_spc_fail(cmd, &err);
		return;
	}
	if (!nr) {
		ktgt_cmd_good(cmd, 0);
		return;
	}

	/* The pattern is the data-out's first block, unless NDOB. */
	if (!(c.flags & KTGT_CDB_NDOB)) {
		if (!cmd->sg || cmd->bufflen < bs) {
			ktgt_cmd_io_error(cmd, -EINVAL);
			return;
		}
		zero = sbc_sg_is_zero(cmd->sg, cmd->sg_cnt, bs);
	}

	/*
	 * UNMAP = 1: deallocate if the blocks would then read as what was
	 * asked for (zeroes, from a handler whose deallocated blocks read
	 * as zeroes); SBC-3 lets the device write instead, which it does
	 * for non-zero data, for a backing store whose deallocated blocks
	 * may read as anything (a discard), and when it cannot deallocate.
	 */
	if ((c.flags & KTGT_CDB_UNMAP) && zero && ops->unmap_zeroes) {
		ret = ops->unmap(dev, c.lba, nr);
		if (!ret) {
			ktgt_cmd_good(cmd, 0);
			return;
		}
		if (ret != -EOPNOTSUPP) {
			ktgt_cmd_io_error(cmd, ret);
			return;
		}
	}

	chunk = sbc_chunk_blocks(dev, nr);
	io = sbc_io_get();
	if (sbc_bounce_get(&b, chunk * bs)) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		goto out_io;
	}
	if (sbc_sg_fill(b.sg, b.nents, zero ? NULL : cmd->sg, cmd->sg_cnt,
			bs, chunk * bs) != chunk * bs) {
		ktgt_cmd_io_error(cmd, -EINVAL);
		goto out_bounce;
	}
	for (done = 0; done < nr; done += n) {
		n = (u32)min_t(u64, nr - done, chunk);
		if (sbc_io_sync(cmd, io, KTGT_DIR_WRITE, c.lba + done, n, b.sg,
				b.nents, sbc_write_flags(cmd)))
			goto out_bounce;
	}
	ktgt_cmd_good(cmd, 0);
out_bounce:
	sbc_bounce_put(&b);
out_io:
	sbc_io_put(io);
}

static void sbc_unmap(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u32 len = ktgt_spc_dout_len(cmd), nr_descs, i, nr;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 *param = NULL;
	u64 lba;
	int ret = 0;

	/* SBC-3 5.28: without LBPU the command is not supported. */
	if (!ktgt_spc_thin(dev)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 KTGT_ASC_INVALID_OPCODE, 0);
		return;
	}
	if (len) {
		param = ktgt_cmd_param(cmd, len);
		if (!param) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
	}
	ktgt_spc_describe(cmd, &d);
	if (ktgt_spc_unmap_parse(&d, param, len, &nr_descs, &err)) {
		ktgt_cmd_buf_put(cmd, param);
		ktgt_spc_fail(cmd, &err);
		return;
	}
	for (i = 0; i < nr_descs && !ret; i++) {
		ktgt_spc_unmap_desc(param, i, &lba, &nr);
		if (nr)
			ret = dev->type->sbc->unmap(dev, lba, nr);
	}
	ktgt_cmd_buf_put(cmd, param);
	if (ret == -EOPNOTSUPP)
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 KTGT_ASC_INVALID_OPCODE, 0);
	else if (ret)
		ktgt_cmd_io_error(cmd, ret);
	else
		ktgt_cmd_good(cmd, 0);
}

/*
 * ---------------------------------------------------------------------
 * COMPARE AND WRITE (SBC-3 5.2)
 * ---------------------------------------------------------------------
 */

static void sbc_compare_and_write(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u32 bs = dev->params.block_size, nr = cmd->core.nr_blocks, len, off;
	struct ktgt_sense_info err;
	struct sbc_bounce b;
	struct sbc_io *io;

	if (!nr) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (nr > KTGT_SBC_MAX_CAW_BLOCKS) {
		ktgt_sense_invalid_cdb(&err, 13, 7);
		ktgt_spc_fail(cmd, &err);
		return;
	}
	len = nr * bs;
	if (!cmd->sg || cmd->bufflen < 2 * len) {
		ktgt_cmd_io_error(cmd, -EINVAL);
		return;
	}
	io = sbc_io_get();
	if (sbc_bounce_get(&b, len)) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		goto out_io;
	}

	down_write(&dev->caw_rwsem);
	if (sbc_io_sync(cmd, io, KTGT_DIR_READ, cmd->core.lba, nr, b.sg,
			b.nents, 0))
		goto out_unlock;
	off = sbc_sg_cmp(b.sg, b.nents, 0, cmd->sg, cmd->sg_cnt, 0, len);
	if (off < len) {
		/* INFORMATION: offset of the first difference in the data-out */
		sbc_miscompare(cmd, off);
		goto out_unlock;
	}
	/* The second half of the data-out is the write data. */
	if (sbc_sg_copy(b.sg, b.nents, cmd->sg, cmd->sg_cnt, len, len,
			false) != len) {
		ktgt_cmd_io_error(cmd, -EINVAL);
		goto out_unlock;
	}
	if (!sbc_io_sync(cmd, io, KTGT_DIR_WRITE, cmd->core.lba, nr, b.sg,
			 b.nents, sbc_write_flags(cmd)))
		ktgt_cmd_good(cmd, 0);
out_unlock:
	up_write(&dev->caw_rwsem);
	sbc_bounce_put(&b);
out_io:
	sbc_io_put(io);
}

/*
 * ---------------------------------------------------------------------
 * ORWRITE(16) (SBC-3 5.9)
 * ---------------------------------------------------------------------
 */

/*
 * Each block becomes the bitwise OR of what it held and the data-out,
 * read, ORed and written back a chunk at a time. Like COMPARE AND WRITE
 * it holds dev->caw_rwsem, and the engine's ordering keeps overlapping
 * commands of every I_T nexus out (KTGT_CDB_F_ATOMIC). Only
 * BMOP 000b exists in ORWRITE(16): no ORPROTECT (not in the usage mask,
 * ktgt has no protection information).
 */
static void sbc_orwrite(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u32 bs = dev->params.block_size, nr = cmd->core.nr_blocks;
	u32 chunk, done, n;
	struct sbc_bounce b;
	struct sbc_io *io;

	if (!nr) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (!cmd->sg || cmd->bufflen < nr * bs) {
		ktgt_cmd_io_error(cmd, -EINVAL);
		return;
	}
	chunk = sbc_chunk_blocks(dev, nr);
	io = sbc_io_get();
	if (sbc_bounce_get(&b, chunk * bs)) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		goto out_io;
	}

	down_write(&dev->caw_rwsem);
	for (done = 0; done < nr; done += n) {
		n = min(nr - done, chunk);
		if (sbc_io_sync(cmd, io, KTGT_DIR_READ, cmd->core.lba + done, n,
				b.sg, b.nents, 0))
			goto out_unlock;
		if (sbc_sg_copy(b.sg, b.nents, cmd->sg, cmd->sg_cnt, done * bs,
				n * bs, true) != n * bs) {
			ktgt_cmd_io_error(cmd, -EINVAL);
			goto out_unlock;
		}
		if (sbc_io_sync(cmd, io, KTGT_DIR_WRITE, cmd->core.lba + done,
				n, b.sg, b.nents, sbc_write_flags(cmd)))
			goto out_unlock;
	}
	ktgt_cmd_good(cmd, 0);
out_unlock:
	up_write(&dev->caw_rwsem);
	sbc_bounce_put(&b);
out_io:
	sbc_io_put(io);
}

/*
 * ---------------------------------------------------------------------
 * GET LBA STATUS (SBC-3 5.5), READ CAPACITY, SYNCHRONIZE CACHE
 * ---------------------------------------------------------------------
 */

/*
 * One descriptor per extent of blocks in the same state, from the
 * starting LBA, as many as the allocation length holds (at least one:
 * the truncated data still says how many there would be).
 */
static void sbc_get_lba_status(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	const struct ktgt_sbc_ops *ops = dev->type->sbc;
	u64 cap = ktgt_device_capacity(dev), lba = cmd->core.lba, len;
	u32 room = (u32)min_t(u64, cmd->bufflen, cmd->core.xfer_len);
	u8 desc[KTGT_SPC_LBA_STATUS_DESC_LEN];
	u8 hdr[KTGT_SPC_LBA_STATUS_HDR_LEN];
	u32 i, max_descs, off, full;
	bool mapped;
	int ret;

	if (!cmd->sg)
		room = 0;
	max_descs = room > KTGT_SPC_LBA_STATUS_HDR_LEN ?
		    (room - KTGT_SPC_LBA_STATUS_HDR_LEN) /
		    KTGT_SPC_LBA_STATUS_DESC_LEN : 0;
	max_descs = clamp_t(u32, max_descs, 1, KTGT_SBC_MAX_LBA_STATUS_DESCS);

	off = KTGT_SPC_LBA_STATUS_HDR_LEN;
	for (i = 0; i < max_descs && lba < cap; i++) {
		mapped = true;
		len = cap - lba;
		if (ops->mapped && ktgt_spc_thin(dev)) {
			ret = ops->mapped(dev, lba, &mapped, &len);
			if (ret) {
				ktgt_cmd_io_error(cmd, ret);
				return;
			}
		}
		len = clamp_t(u64, len, 1, min_t(u64, cap - lba, U32_MAX));
		ktgt_spc_lba_status_desc(desc, lba, (u32)len,
					 mapped ? KTGT_LBA_MAPPED :
						  KTGT_LBA_DEALLOCATED);
		if (off < room)
			sg_pcopy_from_buffer(cmd->sg, cmd->sg_cnt, desc,
					     min_t(u32, sizeof(desc), room - off),
					     off);
		off += sizeof(desc);
		lba += len;
	}
	full = ktgt_spc_lba_status_hdr(hdr, sizeof(hdr), i);
	if (room)
		sg_pcopy_from_buffer(cmd->sg, cmd->sg_cnt, hdr,
				     min_t(u32, sizeof(hdr), room), 0);
	ktgt_cmd_good(cmd, min(full, room));
}

static void sbc_read_capacity(struct ktgt_cmd *cmd, bool sixteen)
{
	u8 buf[KTGT_SPC_RCAP16_LEN];
	struct ktgt_spc_dev d;
	u32 n;

	ktgt_spc_describe(cmd, &d);
	if (sixteen)
		n = ktgt_spc_read_capacity16(&d, buf, sizeof(buf));
	else
		n = ktgt_spc_read_capacity10(&d, buf, sizeof(buf));
	ktgt_spc_send(cmd, buf, n);
}

/*
 * SYNCHRONIZE CACHE(10)/(16): the whole cache, whatever the range.
 *
 * IMMED = 1 (SBC-4 5.26/5.27: status as soon as the CDB is validated, the
 * flush after it) is accepted and treated as IMMED = 0: the status comes
 * after the flush. Returning GOOD first would leave a failed flush
 * nowhere to go but a deferred error (SPC-4 4.5.5, response code 71h),
 * which ktgt does not report (LIO, which returns first, only logs it):
 * here the flush's failure is the command's own CHECK CONDITION,
 * MEDIUM ERROR, WRITE ERROR, so no lost write is ever acknowledged. The
 * initiator sees the same outcome as from an immediate return followed
 * by a flush, later; SBC's alternative for a device server that does
 * not return early, refusing IMMED = 1 with INVALID FIELD IN CDB, would
 * break initiators that always set it. PRE-FETCH has no IMMED issue:
 * it loads nothing (see ktgt_sbc_exec()).
 */
static void sbc_sync(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	int ret = 0;

	if (!dev->params.nv_cache)
		ret = dev->type->sbc->sync(dev);
	if (ret)
		ktgt_cmd_io_error(cmd, ret);
	else
		ktgt_cmd_good(cmd, 0);
}

/*
 * ---------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------
 */

enum ktgt_exec_status ktgt_sbc_exec(struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *desc = cmd->core.desc;
	struct ktgt_device *dev = cmd->core.dev;

	switch (desc ? desc->opcode : 0xff) {
	case 0x0a:		/* WRITE(6) */
	case 0x2a:		/* WRITE(10) */
	case 0x8a:		/* WRITE(16) */
	case 0xaa:		/* WRITE(12) */
		if (!ktgt_spc_wce(dev))
			cmd->core.cdb_flags |= KTGT_CDB_FUA;
		fallthrough;
	case 0x08:		/* READ(6) */
	case 0x28:		/* READ(10) */
	case 0x88:		/* READ(16) */
	case 0xa8:		/* READ(12) */
		return dev->type->sbc->rw(cmd);
	case 0x35:		/* SYNCHRONIZE CACHE(10) */
	case 0x91:		/* SYNCHRONIZE CACHE(16) */
		sbc_sync(cmd);
		break;
	case 0x25:		/* READ CAPACITY(10) */
		sbc_read_capacity(cmd, false);
		break;
	case 0x9e:		/* SERVICE ACTION IN(16) */
		if (desc->sa == 0x10)
			sbc_read_capacity(cmd, true);
		else if (desc->sa == 0x12)
			sbc_get_lba_status(cmd);
		else
			goto spc;
		break;
	case 0x2f:		/* VERIFY(10) */
	case 0x8f:		/* VERIFY(16) */
	case 0xaf:		/* VERIFY(12) */
		sbc_verify(cmd, false);
		break;
	case 0x2e:		/* WRITE AND VERIFY(10) */
	case 0x8e:		/* WRITE AND VERIFY(16) */
	case 0xae:		/* WRITE AND VERIFY(12) */
		sbc_verify(cmd, true);
		break;
	case 0x41:		/* WRITE SAME(10) */
	case 0x93:		/* WRITE SAME(16) */
		sbc_write_same(cmd);
		break;
	case 0x42:		/* UNMAP */
		sbc_unmap(cmd);
		break;
	case 0x89:		/* COMPARE AND WRITE */
		sbc_compare_and_write(cmd);
		break;
	case 0x8b:		/* ORWRITE(16) */
		sbc_orwrite(cmd);
		break;
	case 0x34:		/* PRE-FETCH(10) */
	case 0x90:		/* PRE-FETCH(16) */
		/*
		 * The range is checked; nothing is loaded ahead of time (the
		 * handlers' caches are the kernel's). SBC-3 5.11: GOOD, not
		 * CONDITION MET, says not every block may be in the cache.
		 */
		ktgt_cmd_good(cmd, 0);
		break;
	case 0x83:		/* EXTENDED COPY(LID1) */
		ktgt_xcopy_exec(cmd);
		break;
	case 0x84:		/* RECEIVE COPY RESULTS */
		ktgt_xcopy_results(cmd);
		break;
	default:
spc:
		if (!ktgt_spc_exec(cmd))
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 KTGT_ASC_INVALID_OPCODE, 0);
		break;
	}
	return KTGT_EXEC_DONE;
}
