// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_vdisk: module setup and the helpers the four dev types share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "vdisk.h"

/**
 * vdisk_dev_alloc() - &ktgt_dev_type.dev_alloc of every vdisk type
 * @dev: the new device
 *
 * Return: 0 or -ENOMEM.
 */
int vdisk_dev_alloc(struct ktgt_device *dev)
{
	struct vdisk_dev *vd;

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return -ENOMEM;
	vd->dev = dev;
	mutex_init(&vd->lock);
	spin_lock_init(&vd->cd.lock);
	spin_lock_init(&vd->sync_err_lock);
	ktgt_device_set_priv(dev, vd);
	return 0;
}

/**
 * vdisk_dev_free() - &ktgt_dev_type.dev_free of every vdisk type
 * @dev: the device; disabled, so its backing store is closed
 */
void vdisk_dev_free(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);

	if (!vd)
		return;
	WARN_ON(vd->file || vd->bdev || vd->cd.file);
	ktgt_device_set_priv(dev, NULL);
	mutex_destroy(&vd->lock);
	kfree(vd->filename);
	kfree(vd);
}

/**
 * vdisk_parse_path() - parse a path written to a filename attribute
 * @page: what was written
 * @count: its length
 * @path: the path (kmalloc'ed; the caller frees it), or NULL if @page is
 *	empty or a lone newline
 *
 * Return: 0, -EINVAL if the path is not absolute or too long, -ENOMEM.
 */
int vdisk_parse_path(const char *page, size_t count, char **path)
{
	size_t len = strnlen(page, count);

	if (len && page[len - 1] == '\n')
		len--;
	*path = NULL;
	if (!len)
		return 0;
	if (page[0] != '/' || len >= PATH_MAX)
		return -EINVAL;
	*path = kstrndup(page, len, GFP_KERNEL);
	return *path ? 0 : -ENOMEM;
}

/**
 * vdisk_file_size() - the size of an open file or block device
 * @file: the file
 *
 * Return: its size in bytes. For a block device node f_mapping->host is
 * the block device's inode, whose size the block layer keeps current.
 */
u64 vdisk_file_size(struct file *file)
{
	return i_size_read(file->f_mapping->host);
}

/**
 * vdisk_file_phys_block() - the physical block size behind an open file
 * @file: a regular file or block device node
 *
 * A regular file's is its st_blksize, the file system's block size as
 * stat(2) gives it (tgt reports the same). vfs_getattr() rather than
 * i_blocksize(): a stacking file system (overlayfs) answers stat with
 * the real file's block size but leaves its own inode's unset. Sizes
 * above PAGE_SIZE are transfer hints of network file systems (NFS, 9p),
 * not blocks that a smaller write must read and rewrite: unknown.
 *
 * Context: process context; may sleep.
 * Return: a block device's physical block size, a regular file's block
 * size, or 0 when unknown.
 */
u32 vdisk_file_phys_block(struct file *file)
{
	struct inode *inode = file->f_mapping->host;
	struct kstat st;

	if (S_ISBLK(inode->i_mode))
		return bdev_physical_block_size(I_BDEV(inode));
	if (vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS,
			AT_STATX_SYNC_AS_STAT))
		return 0;
	return st.blksize <= PAGE_SIZE ? st.blksize : 0;
}

/**
 * vdisk_file_open() - open a backing file for fileio or vcdrom
 * @path: absolute path of a regular file or block device node
 * @read_only: open read-only instead of read-write
 * @filp: the open file
 * @size: its size in bytes
 *
 * May sleep. Close the file with filp_close().
 *
 * Return: 0, a negative errno from filp_open(), or -EINVAL if @path is
 * neither a regular file nor a block device.
 */
int vdisk_file_open(const char *path, bool read_only, struct file **filp,
		    u64 *size)
{
	struct file *file;
	umode_t mode;

	file = filp_open(path, (read_only ? O_RDONLY : O_RDWR) | O_LARGEFILE,
			 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	mode = file_inode(file)->i_mode;
	if (!S_ISREG(mode) && !S_ISBLK(mode)) {
		filp_close(file, NULL);
		return -EINVAL;
	}
	*filp = file;
	*size = vdisk_file_size(file);
	return 0;
}

/*
 * Bio vectors built on the stack per vfs call. The data buffer's
 * scatterlist is turned into an ITER_BVEC iterator in batches of this many
 * entries, so the I/O path allocates nothing; a command with more entries
 * takes one vfs call per batch. 16 entries cost 256 bytes of stack and
 * cover at least 64 KiB with order-0 pages.
 */
#define VDISK_BVEC_BATCH	16

/**
 * vdisk_file_rw() - read or write a command's data buffer from/to a file
 * @file: the file, opened for reading (and writing if @write)
 * @cmd: the command; its data is in cmd->sg (cmd->bufflen bytes)
 * @pos: byte offset in @file; advanced past what was transferred, so
 *	after an error it is where the transfer stopped (the first byte
 *	not read or written: the start of the page that failed, or the
 *	end of a file that shrank)
 * @len: bytes to transfer, at most cmd->bufflen
 * @write: write @file instead of reading it
 * @flags: 0, or RWF_NOWAIT for a read that takes only what is in the page
 *	cache (@file must have FMODE_NOWAIT)
 *
 * Goes through the page cache with vfs_iter_read()/vfs_iter_write(). A
 * read or write that ends early (end of file) is an error. Process
 * context; sleeps, unless @flags has RWF_NOWAIT: then the read starts no
 * I/O, does not wait for a page lock, and fails with -EAGAIN (part of
 * the buffer may be filled already) if a page is not cached and up to
 * date.
 *
 * Return: 0 or a negative errno.
 */
int vdisk_file_rw(struct file *file, struct ktgt_cmd *cmd, loff_t *pos,
		  u64 len, bool write, rwf_t flags)
{
	struct bio_vec bvec[VDISK_BVEC_BATCH];
	struct scatterlist *sg = cmd->sg;
	unsigned int left = cmd->sg_cnt;
	struct iov_iter iter;
	ssize_t ret;

	if (len > cmd->bufflen)
		return -EINVAL;

	while (len) {
		unsigned int n = 0;
		size_t chunk = 0;

		for (; sg && left && n < VDISK_BVEC_BATCH && chunk < len;
		     sg = sg_next(sg), left--) {
			size_t l = min_t(u64, sg->length, len - chunk);

			if (!l)
				continue;
			bvec[n].bv_page = sg_page(sg);
			bvec[n].bv_offset = sg->offset;
			bvec[n].bv_len = l;
			chunk += l;
			n++;
		}
		if (!n)
			return -EINVAL;	/* the buffer is shorter than it says */

		iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, bvec, n,
			      chunk);
		while (iov_iter_count(&iter)) {
			if (write)
				ret = vfs_iter_write(file, &iter, pos, flags);
			else
				ret = vfs_iter_read(file, &iter, pos, flags);
			if (ret < 0)
				return ret;
			if (!ret)
				return -EIO;	/* end of file: it shrank */
		}
		len -= chunk;
	}
	return 0;
}

/**
 * vdisk_copy_to_cmd() - complete an emulated data-in command with GOOD
 * @cmd: the command
 * @buf: the parameter data
 * @len: its full length; what does not fit the allocation length
 *	(cmd->bufflen) is dropped
 *
 * Any context.
 *
 * Return: the number of bytes sent.
 */
int vdisk_copy_to_cmd(struct ktgt_cmd *cmd, const void *buf, u32 len)
{
	u32 n = min(len, cmd->bufflen);

	if (n && cmd->sg)
		n = sg_copy_from_buffer(cmd->sg, cmd->sg_cnt, buf, n);
	else
		n = 0;
	ktgt_cmd_good(cmd, n);
	return n;
}

/*
 * The filename attribute of fileio and blockio: it cannot change while
 * the backing store is open. vcdrom has its own (cdrom.c): there a change
 * while enabled is a medium change.
 */
static ssize_t vdisk_filename_show(struct config_item *item, char *page)
{
	struct vdisk_dev *vd = vdisk_from_item(item);
	ssize_t ret;

	mutex_lock(&vd->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", vd->filename ?: "");
	mutex_unlock(&vd->lock);
	return ret;
}

static ssize_t vdisk_filename_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct vdisk_dev *vd = vdisk_from_item(item);
	char *path;
	int ret;

	ret = vdisk_parse_path(page, count, &path);
	if (ret)
		return ret;
	mutex_lock(&vd->lock);
	if (vd->file || vd->bdev || ktgt_device_enabled(vd->dev)) {
		ret = -EBUSY;
	} else {
		swap(vd->filename, path);
		ret = count;
	}
	mutex_unlock(&vd->lock);
	kfree(path);
	return ret;
}

struct configfs_attribute vdisk_attr_filename = {
	.ca_name	= "filename",
	.ca_owner	= THIS_MODULE,
	.ca_mode	= 0644,
	.show		= vdisk_filename_show,
	.store		= vdisk_filename_store,
};

static struct ktgt_dev_type *vdisk_types[] = {
	&vdisk_fileio_type,
	&vdisk_blockio_type,
	&vdisk_nullio_type,
	&vdisk_cdrom_type,
};

static int __init vdisk_init(void)
{
	int i, ret;

	ret = vdisk_blockio_init();
	if (ret)
		return ret;
	ret = vdisk_nullio_init();
	if (ret)
		goto out_blockio;

	for (i = 0; i < ARRAY_SIZE(vdisk_types); i++) {
		ret = ktgt_register_dev_type(vdisk_types[i]);
		if (ret) {
			pr_err("cannot register %s: %d\n",
			       vdisk_types[i]->name, ret);
			goto out_unregister;
		}
	}
	return 0;

out_unregister:
	while (--i >= 0)
		ktgt_unregister_dev_type(vdisk_types[i]);
	vdisk_nullio_exit();
out_blockio:
	vdisk_blockio_exit();
	return ret;
}

static void __exit vdisk_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(vdisk_types) - 1; i >= 0; i--)
		ktgt_unregister_dev_type(vdisk_types[i]);
	vdisk_nullio_exit();
	vdisk_blockio_exit();
}

module_init(vdisk_init);
module_exit(vdisk_exit);

MODULE_DESCRIPTION("ktgt virtual disk and CD-ROM dev handlers");
MODULE_AUTHOR("The ktgt developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KTGT_VERSION);
