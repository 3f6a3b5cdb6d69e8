// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: I/O of the APTPL state files (see pr_file.h).
 *
 * The directory comes from the pr_dir module parameter, read under
 * kernel_param_lock() so a concurrent write to
 * /sys/module/ktgt_core/parameters/pr_dir cannot tear it. Callers
 * serialise the writes of one device (core/pr.c holds dev->pr_mutex).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel_read_file.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pr_data.h"
#include "pr_file.h"

static char pr_dir[256] = "/var/lib/ktgt/pr";
module_param_string(pr_dir, pr_dir, sizeof(pr_dir), 0644);
MODULE_PARM_DESC(pr_dir,
		 "directory of the persistent reservation (APTPL) state files; must exist (default /var/lib/ktgt/pr)");

/*
 * A kmalloc'd copy of pr_dir, without the trailing newline that
 * `echo DIR > /sys/module/ktgt_core/parameters/pr_dir` leaves.
 */
static char *pr_dir_get(void)
{
	char *d;

	kernel_param_lock(THIS_MODULE);
	d = kstrdup(pr_dir, GFP_KERNEL);
	kernel_param_unlock(THIS_MODULE);
	if (d)
		d[strcspn(d, "\n")] = '\0';
	return d;
}

int ktgt_pr_file_check_name(const char *name)
{
	if (name[0] == '.')
		return -EINVAL;
	if (strlen(name) > KTGT_PR_DEV_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

char *ktgt_pr_file_path(const char *name)
{
	char *d = pr_dir_get(), *p;

	if (!d)
		return NULL;
	p = kasprintf(GFP_KERNEL, "%s/%s", d, name);
	kfree(d);
	return p;
}

/* Rename @from over @to, both in directory @dir. */
static int pr_rename(const char *dir, const char *from, const char *to)
{
	struct renamedata rd = {};
	struct dentry *old, *new;
	struct path parent;
	int ret;

	ret = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &parent);
	if (ret)
		return ret;
	ret = mnt_want_write(parent.mnt);
	if (ret)
		goto out_path;
	lock_rename(parent.dentry, parent.dentry);
	old = lookup_one_len(from, parent.dentry, strlen(from));
	if (IS_ERR(old)) {
		ret = PTR_ERR(old);
		goto out_unlock;
	}
	if (d_is_negative(old)) {
		ret = -ENOENT;
		goto out_old;
	}
	new = lookup_one_len(to, parent.dentry, strlen(to));
	if (IS_ERR(new)) {
		ret = PTR_ERR(new);
		goto out_old;
	}
	rd.old_mnt_userns = mnt_user_ns(parent.mnt);
	rd.old_dir = d_inode(parent.dentry);
	rd.old_dentry = old;
	rd.new_mnt_userns = mnt_user_ns(parent.mnt);
	rd.new_dir = d_inode(parent.dentry);
	rd.new_dentry = new;
	ret = vfs_rename(&rd);
	dput(new);
out_old:
	dput(old);
out_unlock:
	unlock_rename(parent.dentry, parent.dentry);
	mnt_drop_write(parent.mnt);
out_path:
	path_put(&parent);
	return ret;
}

static int pr_fsync_path(const char *path, int flags)
{
	struct file *f = filp_open(path, flags, 0);
	int ret;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = vfs_fsync(f, 0);
	filp_close(f, NULL);
	return ret;
}

int ktgt_pr_file_write(const char *name, const void *buf, size_t len)
{
	char *dir = pr_dir_get(), *tmp = NULL, *tmp_name = NULL;
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	int ret = -ENOMEM;

	might_sleep();
	if (!dir)
		return -ENOMEM;
	tmp_name = kasprintf(GFP_KERNEL, ".%s.tmp", name);
	tmp = kasprintf(GFP_KERNEL, "%s/%s", dir, tmp_name);
	if (!tmp || !tmp_name)
		goto out;
	f = filp_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (IS_ERR(f)) {
		ret = PTR_ERR(f);
		goto out;
	}
	while (pos < len) {
		n = kernel_write(f, buf + pos, len - pos, &pos);
		if (n <= 0) {
			ret = n ? n : -EIO;
			filp_close(f, NULL);
			goto out_tmp;
		}
	}
	ret = vfs_fsync(f, 0);
	filp_close(f, NULL);
	if (ret)
		goto out_tmp;
	ret = pr_rename(dir, tmp_name, name);
	if (ret)
		goto out_tmp;
	/*
	 * The new file is in place, so the caller's state and the file
	 * agree: a failed directory fsync is only logged.
	 */
	n = pr_fsync_path(dir, O_RDONLY | O_DIRECTORY);
	if (n)
		pr_warn_ratelimited("cannot fsync %s: %zd\n", dir, n);
	goto out;
out_tmp:
	/* A failed write leaves the old file alone, and no .tmp behind. */
	ktgt_pr_file_remove(tmp_name);
out:
	kfree(tmp_name);
	kfree(tmp);
	kfree(dir);
	return ret;
}

ssize_t ktgt_pr_file_read(const char *name, void **buf, char **path)
{
	char *p = ktgt_pr_file_path(name);
	ssize_t ret;

	might_sleep();
	*buf = NULL;
	if (path)
		*path = p;
	if (!p)
		return -ENOMEM;
	ret = kernel_read_file_from_path(p, 0, buf, KTGT_PR_FILE_MAX, NULL,
					 READING_UNKNOWN);
	if (!path)
		kfree(p);
	if (ret < 0)
		*buf = NULL;
	return ret;
}

int ktgt_pr_file_remove(const char *name)
{
	char *dir = pr_dir_get();
	struct dentry *d;
	struct path parent;
	struct inode *di;
	int ret;

	might_sleep();
	if (!dir)
		return -ENOMEM;
	ret = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &parent);
	kfree(dir);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	ret = mnt_want_write(parent.mnt);
	if (ret)
		goto out_path;
	di = d_inode(parent.dentry);
	inode_lock_nested(di, I_MUTEX_PARENT);
	d = lookup_one_len(name, parent.dentry, strlen(name));
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
	} else {
		if (d_is_positive(d))
			ret = vfs_unlink(mnt_user_ns(parent.mnt), di, d, NULL);
		dput(d);
	}
	inode_unlock(di);
	mnt_drop_write(parent.mnt);
out_path:
	path_put(&parent);
	return ret;
}
