// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: whole-file I/O for the core and the handlers (ktgt_file_*(),
 * include/ktgt/ktgt.h), and the APTPL state files on it (see pr_file.h).
 *
 * Every access runs in a kernel thread (ktgt_file_call()), so a path
 * resolves in init's mount namespace and root whoever asks: a save from
 * the command engine's workqueue and a load from the process that
 * enables the device (a configfs write, perhaps from another mount
 * namespace) find the same file. A replace is durable: a temporary
 * file, .<name>.tmp in the same directory, written, synced and renamed
 * over <name>, then the directory synced. Nothing here locks: callers
 * serialise the I/O of one file (core/pr.c holds dev->pr_mutex, vchanger
 * its vtape_lib_mutex).
 *
 * The APTPL files: the directory comes from the pr_dir module parameter,
 * an absolute path (pr_dir_set() refuses another), read under
 * kernel_param_lock() so a concurrent write to
 * /sys/module/ktgt_core/parameters/pr_dir cannot tear it.
 * <pr_dir>/<device> is the state file, <pr_dir>/.<device>.tmp the
 * temporary file a save writes and renames over it. Device names never
 * start with '.' and have at most KTGT_PR_DEV_NAME_MAX bytes
 * (ktgt_pr_file_check_name()), so a temporary file is never another
 * device's state file and its name fits in NAME_MAX.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel_read_file.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <ktgt/ktgt.h>

#include "pr_data.h"
#include "pr_file.h"

static char pr_dir[256] = "/var/lib/ktgt/pr";

/* Only an absolute path: a relative one would resolve against init's cwd. */
static int pr_dir_set(const char *val, const struct kernel_param *kp)
{
	if (val[0] != '/') {
		pr_err("pr_dir must be an absolute path, not '%.*s'\n",
		       (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	return param_set_copystring(val, kp);
}

static const struct kernel_param_ops pr_dir_ops = {
	.set	= pr_dir_set,
	.get	= param_get_string,
};

static struct kparam_string pr_dir_str = {
	.maxlen	= sizeof(pr_dir),
	.string	= pr_dir,
};
module_param_cb(pr_dir, &pr_dir_ops, &pr_dir_str, 0644);
__MODULE_PARM_TYPE(pr_dir, "string");
MODULE_PARM_DESC(pr_dir,
		 "absolute path of the directory of the persistent reservation (APTPL) state files; must exist (default /var/lib/ktgt/pr)");

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

/*
 * ---------------------------------------------------------------------
 * The context of the file accesses
 * ---------------------------------------------------------------------
 */

struct ktgt_file_call {
	struct work_struct	work;
	long			(*fn)(void *arg);
	void			*arg;
	long			ret;
};

static void ktgt_file_call_work(struct work_struct *work)
{
	struct ktgt_file_call *c = container_of(work, struct ktgt_file_call,
						work);

	c->ret = c->fn(c->arg);
}

/*
 * Return @fn(@arg), run in a kernel thread: kernel threads share init's
 * mount namespace, root and cwd, where a path resolves for every save
 * (the command engine runs PERSISTENT RESERVE OUT and MOVE MEDIUM in its
 * workqueues). A caller that is not one (a process writing configfs
 * "enable") waits for a work item on system_unbound_wq, which takes no
 * lock: the caller may hold any.
 */
static long ktgt_file_call(long (*fn)(void *arg), void *arg)
{
	struct ktgt_file_call c = { .fn = fn, .arg = arg };

	might_sleep();
	if (current->flags & PF_KTHREAD)
		return fn(arg);
	INIT_WORK_ONSTACK(&c.work, ktgt_file_call_work);
	queue_work(system_unbound_wq, &c.work);
	flush_work(&c.work);
	destroy_work_on_stack(&c.work);
	return c.ret;
}

/*
 * ---------------------------------------------------------------------
 * The accesses, in a kernel thread
 * ---------------------------------------------------------------------
 */

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

/* Remove @name (not a directory) from directory @dir, if there. */
static int pr_unlink(const char *dir, const char *name)
{
	struct dentry *d;
	struct path parent;
	struct inode *di;
	int ret;

	ret = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &parent);
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

struct ktgt_file_op {
	const char	*dir;
	const char	*name;
	const void	*wbuf;
	size_t		len;
	void		**rbuf;
	const char	*path;
	int		flags;
	umode_t		mode;
	struct file	*file;
};

static long ktgt_file_replace_fn(void *arg)
{
	struct ktgt_file_op *op = arg;
	const char *dir = op->dir;
	char *tmp = NULL, *tmp_name = NULL;
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	int ret = -ENOMEM;

	tmp_name = kasprintf(GFP_KERNEL, ".%s.tmp", op->name);
	tmp = kasprintf(GFP_KERNEL, "%s/%s", dir, tmp_name);
	if (!tmp || !tmp_name)
		goto out;
	/*
	 * A temporary file left by a crash, or anything else there (a
	 * FIFO would block the open), goes; the new one is created here.
	 */
	ret = pr_unlink(dir, tmp_name);
	if (ret)
		goto out;
	f = filp_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (IS_ERR(f)) {
		ret = PTR_ERR(f);
		goto out;
	}
	while (pos < op->len) {
		n = kernel_write(f, op->wbuf + pos, op->len - pos, &pos);
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
	ret = pr_rename(dir, tmp_name, op->name);
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
	pr_unlink(dir, tmp_name);
out:
	kfree(tmp_name);
	kfree(tmp);
	return ret;
}

/* @name is one component whose temporary name fits in NAME_MAX. */
static int ktgt_file_check(const char *dir, const char *name)
{
	if (dir[0] != '/' || !name[0] || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (strlen(name) + 5 > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int ktgt_file_replace(const char *dir, const char *name, const void *buf,
		      size_t len)
{
	struct ktgt_file_op op = { .dir = dir, .name = name, .wbuf = buf,
				   .len = len };
	int ret = ktgt_file_check(dir, name);

	if (ret)
		return ret;
	return ktgt_file_call(ktgt_file_replace_fn, &op);
}
EXPORT_SYMBOL_GPL(ktgt_file_replace);

int ktgt_pr_file_write(const char *name, const void *buf, size_t len)
{
	char *dir = pr_dir_get();
	int ret;

	if (!dir)
		return -ENOMEM;
	ret = ktgt_file_replace(dir, name, buf, len);
	kfree(dir);
	return ret;
}

static long ktgt_file_read_fn(void *arg)
{
	struct ktgt_file_op *op = arg;
	struct path path;
	struct file *f;
	ssize_t ret;

	/*
	 * Only a regular file is opened: a FIFO would block the open, a
	 * device node's open could do anything. No symbolic link is
	 * followed (a save replaces one).
	 */
	ret = kern_path(op->path, 0, &path);
	if (ret)
		return ret;
	if (!d_is_reg(path.dentry)) {
		path_put(&path);
		return -EINVAL;
	}
	f = dentry_open(&path, O_RDONLY, current_cred());
	path_put(&path);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_read_file(f, 0, op->rbuf, op->len, NULL,
			       READING_UNKNOWN);
	fput(f);
	return ret;
}

ssize_t ktgt_file_read(const char *path, size_t max, void **buf)
{
	struct ktgt_file_op op = { .path = path, .rbuf = buf, .len = max };
	ssize_t ret;

	*buf = NULL;
	if (path[0] != '/')
		return -EINVAL;
	ret = ktgt_file_call(ktgt_file_read_fn, &op);
	if (ret < 0) {
		vfree(*buf);
		*buf = NULL;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(ktgt_file_read);

static long ktgt_file_open_fn(void *arg)
{
	struct ktgt_file_op *op = arg;
	struct file *f = filp_open(op->path, op->flags, op->mode);

	op->file = f;
	return IS_ERR(f) ? PTR_ERR(f) : 0;
}

struct file *ktgt_file_open(const char *path, int flags, umode_t mode)
{
	struct ktgt_file_op op = { .path = path, .flags = flags,
				   .mode = mode };
	long ret;

	if (path[0] != '/')
		return ERR_PTR(-EINVAL);
	ret = ktgt_file_call(ktgt_file_open_fn, &op);
	return ret ? ERR_PTR(ret) : op.file;
}
EXPORT_SYMBOL_GPL(ktgt_file_open);

ssize_t ktgt_pr_file_read(const char *name, void **buf, char **path)
{
	char *p;
	ssize_t ret;

	*buf = NULL;
	p = ktgt_pr_file_path(name);
	if (path)
		*path = p;
	if (!p)
		return -ENOMEM;
	ret = ktgt_file_read(p, KTGT_PR_FILE_MAX, buf);
	if (!path)
		kfree(p);
	return ret;
}

static long ktgt_file_remove_fn(void *arg)
{
	struct ktgt_file_op *op = arg;

	return pr_unlink(op->dir, op->name);
}

int ktgt_pr_file_remove(const char *name)
{
	struct ktgt_file_op op = { .name = name };
	int ret;

	op.dir = pr_dir_get();
	if (!op.dir)
		return -ENOMEM;
	ret = ktgt_file_call(ktgt_file_remove_fn, &op);
	kfree(op.dir);
	return ret;
}
