// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: per-session I/O counters, and the hooks ktgtadm needs in
 * the session and command paths.
 *
 * /sys/kernel/ktgt/sessions/<id>/stats has the same keys as a device's
 * stats (Documentation/configfs.rst): reads, writes, other, read_bytes,
 * write_bytes, errors, avg_latency_ns, counted for the commands of that
 * session.
 *
 * Storage: one struct ktgt_sess_stats per session, in an xarray by
 * session id, created by ktgt_adm_session_created() and erased by
 * ktgt_adm_session_destroyed() once the session has no command left.
 * The command path and the sysfs reader look it up under RCU; it is
 * freed after a grace period. A session whose counters could not be
 * allocated just has none (its stats file is absent).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"

/**
 * struct ktgt_sess_stats - I/O counters of one session
 * @rcu: for freeing after readers are done
 * @reads: READ commands completed
 * @writes: WRITE commands completed
 * @other: other commands completed
 * @read_bytes: bytes read
 * @write_bytes: bytes written (GOOD status only)
 * @errors: commands that did not end with GOOD status
 * @latency_ns: sum of command latencies (submit to response)
 */
struct ktgt_sess_stats {
	struct rcu_head	rcu;
	atomic64_t	reads;
	atomic64_t	writes;
	atomic64_t	other;
	atomic64_t	read_bytes;
	atomic64_t	write_bytes;
	atomic64_t	errors;
	atomic64_t	latency_ns;
};

static DEFINE_XARRAY(ktgt_sess_stats_xa);

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ktgt_session *sess = container_of(kobj, struct ktgt_session,
						 kobj);
	struct ktgt_sess_stats *st;
	u64 v[7], cmds;
	int n = 0;

	rcu_read_lock();
	st = xa_load(&ktgt_sess_stats_xa, (unsigned long)sess->id);
	if (!st) {
		rcu_read_unlock();
		return -ENODEV;
	}
	v[0] = atomic64_read(&st->reads);
	v[1] = atomic64_read(&st->writes);
	v[2] = atomic64_read(&st->other);
	v[3] = atomic64_read(&st->read_bytes);
	v[4] = atomic64_read(&st->write_bytes);
	v[5] = atomic64_read(&st->errors);
	v[6] = atomic64_read(&st->latency_ns);
	rcu_read_unlock();

	cmds = v[0] + v[1] + v[2];
	n += sysfs_emit_at(buf, n, "reads %llu\n", v[0]);
	n += sysfs_emit_at(buf, n, "writes %llu\n", v[1]);
	n += sysfs_emit_at(buf, n, "other %llu\n", v[2]);
	n += sysfs_emit_at(buf, n, "read_bytes %llu\n", v[3]);
	n += sysfs_emit_at(buf, n, "write_bytes %llu\n", v[4]);
	n += sysfs_emit_at(buf, n, "errors %llu\n", v[5]);
	n += sysfs_emit_at(buf, n, "avg_latency_ns %llu\n",
			   cmds ? div64_u64(v[6], cmds) : 0);
	return n;
}

static struct kobj_attribute ktgt_sess_stats_attr = __ATTR_RO(stats);

void ktgt_adm_session_created(struct ktgt_session *sess)
{
	struct ktgt_sess_stats *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (st && xa_err(xa_store(&ktgt_sess_stats_xa, (unsigned long)sess->id,
				  st, GFP_KERNEL))) {
		kfree(st);
		st = NULL;
	}
	if (st && sysfs_create_file(&sess->kobj, &ktgt_sess_stats_attr.attr))
		pr_debug("session %llu: no stats file\n", sess->id);
	ktgt_nl_session(sess, true);
}

void ktgt_adm_session_destroyed(struct ktgt_session *sess)
{
	struct ktgt_sess_stats *st;

	ktgt_nl_session(sess, false);
	sysfs_remove_file(&sess->kobj, &ktgt_sess_stats_attr.attr);
	st = xa_erase(&ktgt_sess_stats_xa, (unsigned long)sess->id);
	if (st)
		kfree_rcu(st, rcu);
}

void ktgt_stats_cmd_done(struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *d = cmd->core.desc;
	struct ktgt_sess_stats *st;

	if (cmd->status != KTGT_SAM_GOOD)
		ktgt_nl_cmd_error(cmd);

	rcu_read_lock();
	st = xa_load(&ktgt_sess_stats_xa, (unsigned long)cmd->sess->id);
	if (!st)
		goto out;
	if (d && (d->flags & KTGT_CDB_F_MEDIUM_WRITE)) {
		atomic64_inc(&st->writes);
		if (cmd->status == KTGT_SAM_GOOD)
			atomic64_add(min_t(u64, cmd->bufflen,
					   cmd->core.xfer_len),
				     &st->write_bytes);
	} else if (d && (d->flags & KTGT_CDB_F_MEDIUM_READ) &&
		   cmd->core.dir == KTGT_DIR_READ) {
		atomic64_inc(&st->reads);
		atomic64_add(cmd->data_len, &st->read_bytes);
	} else {
		atomic64_inc(&st->other);
	}
	if (cmd->status != KTGT_SAM_GOOD)
		atomic64_inc(&st->errors);
	atomic64_add(jiffies_to_nsecs(jiffies - cmd->core.start_jiffies),
		     &st->latency_ns);
out:
	rcu_read_unlock();
}
