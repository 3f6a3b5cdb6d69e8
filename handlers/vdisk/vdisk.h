/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_vdisk: virtual disk and CD-ROM dev handlers, shared declarations.
 *
 * One module registers four dev types:
 *
 *   vdisk_fileio   a regular file or block device through the page cache
 *   vdisk_blockio  a block device through bios (no page cache)
 *   vdisk_nullio   no backing store: reads return zeros, writes vanish
 *   vcdrom         an ISO 9660 image as a read-only MMC CD-ROM drive
 *
 * Lifetimes and locking
 * =====================
 *
 * A struct vdisk_dev is allocated by ->dev_alloc (mkdir) and freed by
 * ->dev_free (rmdir). The core serialises ->enable, ->disable and
 * ->resync_size per device (not under its configuration mutex), and calls
 * ->disable only when no LUN maps the device and every command has
 * completed; the handler's configfs attributes (filename, size,
 * delay_ms) are called by configfs directly, without that serialisation,
 * so vdisk_dev.lock serialises them against enable/disable.
 *
 * The backing store of fileio and blockio (vdisk_dev.file, .bdev) is
 * opened in ->enable and closed in ->disable, so commands, which only run
 * in between, read those pointers without a lock. vcdrom's medium can
 * change while commands run: see cdrom.c (each command takes a file
 * reference under vdisk_dev.cd.lock).
 */
#ifndef KTGT_VDISK_H
#define KTGT_VDISK_H

#include <linux/blk_types.h>
#include <linux/errseq.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <ktgt/ktgt.h>

/**
 * struct vdisk_cd - vcdrom state that changes while commands run
 * @lock: spinlock protecting every other member; never held while
 *	sleeping. Changes are also serialised by vdisk_dev.lock.
 * @file: the configured ISO image (the disc in the drive), open while
 *	enabled; NULL when the drive is empty. A command takes a reference
 *	(get_file()) under @lock and drops it when done; a medium change
 *	swaps the pointer under @lock and drops the old reference outside
 *	it.
 * @nr_blocks: capacity of @file in 2048-byte blocks; 0 if it shrank below
 *	one block (no readable medium)
 * @tray_open: START STOP UNIT opened the tray: @file stays, but there is
 *	no medium to read until the tray closes
 *
 * Unit attentions, media events and medium removal prevention are the
 * core's, per I_T_L nexus (see cdrom.c).
 */
struct vdisk_cd {
	spinlock_t	lock;		/* protects the members below */
	struct file	*file;
	u64		nr_blocks;
	bool		tray_open;
};

/**
 * struct vdisk_dev - the handler state of one device
 * @dev: the core's device
 * @lock: serialises @filename, @size and the opening and closing of the
 *	backing store: enable, disable, resync_size and the attribute
 *	stores; for vcdrom also every medium and tray change, START STOP
 *	UNIT's included. May be held while sleeping.
 * @filename: fileio, blockio, vcdrom: absolute path of the backing file
 *	or block device (kmalloc'ed), NULL if unset; under @lock
 * @file: fileio: the open backing file while enabled, else NULL; written
 *	under @lock
 * @in_memory: fileio: @file lives in memory (a regular file whose mapping
 *	has no writeback: tmpfs, ramfs); set by ->enable before any
 *	command runs, like @file
 * @sync_err: fileio: SYNCHRONIZE CACHE's own cursor in the write-back
 *	error sequence of @file's mapping (see fileio_sync()); sampled by
 *	->enable, then under @sync_err_lock
 * @sync_err_lock: protects @sync_err; never held while sleeping
 * @bdev: blockio: the open block device while enabled, else NULL;
 *	written under @lock
 * @bdev_mode: blockio: the mode @bdev was opened with
 * @size: nullio: capacity in bytes; under @lock
 * @delay_ms: nullio test hook: complete every command asynchronously
 *	after this many milliseconds (READ_ONCE/WRITE_ONCE)
 * @no_zero_reads: nullio: reads leave the data buffer as it is instead of
 *	zeroing it (the zero_reads attribute, inverted so that a zeroed
 *	allocation means zeroing; READ_ONCE/WRITE_ONCE)
 * @cd: vcdrom: the medium state
 * @active: vcdrom: enabled (between ->enable and ->disable), so a new
 *	filename is a medium change; under @lock
 */
struct vdisk_dev {
	struct ktgt_device	*dev;
	struct mutex		lock;	/* see the kernel-doc above */
	char			*filename;
	struct file		*file;
	bool			in_memory;
	errseq_t		sync_err;
	spinlock_t		sync_err_lock;	/* protects sync_err */
	struct block_device	*bdev;
	fmode_t			bdev_mode;
	u64			size;
	unsigned int		delay_ms;
	bool			no_zero_reads;
	struct vdisk_cd		cd;
	bool			active;
};

/*
 * Not in the public headers yet: the decoded FUA flag lives in
 * core/cdb.h and the declaration of ktgt_spc_exec() (exported by the
 * core) in core/ktgt_internal.h. These match them exactly, until they
 * move to include/ktgt/.
 */
#ifndef KTGT_CDB_FUA
#define KTGT_CDB_FUA	BIT(0)
#endif
bool ktgt_spc_exec(struct ktgt_cmd *cmd);

/*
 * The device a command addresses. The public API has no accessor for it
 * yet; cmd->core.dev is set by the core before any handler callback.
 */
static inline struct ktgt_device *vdisk_cmd_dev(const struct ktgt_cmd *cmd)
{
	return cmd->core.dev;
}

static inline struct vdisk_dev *vdisk_cmd_vdev(const struct ktgt_cmd *cmd)
{
	return ktgt_device_priv(vdisk_cmd_dev(cmd));
}

static inline struct vdisk_dev *vdisk_from_item(struct config_item *item)
{
	return ktgt_device_priv(ktgt_device_from_item(item));
}

/* vdisk.c: shared helpers. */
int vdisk_dev_alloc(struct ktgt_device *dev);
void vdisk_dev_free(struct ktgt_device *dev);
int vdisk_parse_path(const char *page, size_t count, char **path);
int vdisk_file_open(const char *path, bool read_only, struct file **filp,
		    u64 *size);
u64 vdisk_file_size(struct file *file);
u32 vdisk_file_phys_block(struct file *file);
int vdisk_file_rw(struct file *file, struct ktgt_cmd *cmd, loff_t *pos,
		  u64 len, bool write, rwf_t flags);
int vdisk_copy_to_cmd(struct ktgt_cmd *cmd, const void *buf, u32 len);
extern struct configfs_attribute vdisk_attr_filename;

/* The dev types (fileio.c, blockio.c, nullio.c, cdrom.c). */
extern struct ktgt_dev_type vdisk_fileio_type;
extern struct ktgt_dev_type vdisk_blockio_type;
extern struct ktgt_dev_type vdisk_nullio_type;
extern struct ktgt_dev_type vdisk_cdrom_type;

int vdisk_blockio_init(void);
void vdisk_blockio_exit(void);
int vdisk_nullio_init(void);
void vdisk_nullio_exit(void);

#endif /* KTGT_VDISK_H */
