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
 * allocated just has none (its stats file is absent). The counters
 * themselves are per CPU, as a device's (struct ktgt_io_stats): a
 * command writes only its CPU's, and the file sums them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"

/**
 * struct ktgt_sess_stats - I/O counters of one session
 * @rcu: for freeing after readers are done
 * @io: the counters
 */
struct ktgt_sess_stats {
	struct rcu_head			rcu;
	struct ktgt_io_stats __percpu	*io;
};

static DEFINE_XARRAY(ktgt_sess_stats_xa);

void ktgt_io_stats_add(struct ktgt_io_stats __percpu *st,
		       const struct ktgt_cmd *cmd, u64 lat_ns)
{
	const struct ktgt_cdb_desc *d = cmd->core.desc;

	if (d && (d->flags & KTGT_CDB_F_MEDIUM_WRITE)) {
		this_cpu_inc(st->writes);
		if (cmd->status == KTGT_SAM_GOOD)
			this_cpu_add(st->write_bytes,
				     min_t(u64, cmd->bufflen,
					   cmd->core.xfer_len));
	} else if (d && (d->flags & KTGT_CDB_F_MEDIUM_READ) &&
		   cmd->core.dir == KTGT_DIR_READ) {
		this_cpu_inc(st->reads);
		this_cpu_add(st->read_bytes, cmd->data_len);
	} else {
		this_cpu_inc(st->other);
	}
	if (cmd->status != KTGT_SAM_GOOD)
		this_cpu_inc(st->errors);
	this_cpu_add(st->latency_ns, lat_ns);
}

int ktgt_io_stats_emit(struct ktgt_io_stats __percpu *st, char *buf)
{
	struct ktgt_io_stats sum = {};
	u64 cmds;
	int cpu;
	int n;

	for_each_possible_cpu(cpu) {
		const struct ktgt_io_stats *s = per_cpu_ptr(st, cpu);

		sum.reads += READ_ONCE(s->reads);
		sum.writes += READ_ONCE(s->writes);
		sum.other += READ_ONCE(s->other);
		sum.read_bytes += READ_ONCE(s->read_bytes);
		sum.write_bytes += READ_ONCE(s->write_bytes);
		sum.errors += READ_ONCE(s->errors);
		sum.latency_ns += READ_ONCE(s->latency_ns);
	}
	cmds = sum.reads + sum.writes + sum.other;

	n = sysfs_emit(buf, "reads %llu\n", sum.reads);
	n += sysfs_emit_at(buf, n, "writes %llu\n", sum.writes);
	n += sysfs_emit_at(buf, n, "other %llu\n", sum.other);
	n += sysfs_emit_at(buf, n, "read_bytes %llu\n", sum.read_bytes);
	n += sysfs_emit_at(buf, n, "write_bytes %llu\n", sum.write_bytes);
	n += sysfs_emit_at(buf, n, "errors %llu\n", sum.errors);
	n += sysfs_emit_at(buf, n, "avg_latency_ns %llu\n",
			   cmds ? div64_u64(sum.latency_ns, cmds) : 0);
	return n;
}

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ktgt_session *sess = container_of(kobj, struct ktgt_session,
						 kobj);
	struct ktgt_sess_stats *st;
	int n;

	rcu_read_lock();
	st = xa_load(&ktgt_sess_stats_xa, (unsigned long)sess->id);
	n = st ? ktgt_io_stats_emit(st->io, buf) : -ENODEV;
	rcu_read_unlock();
	return n;
}

static void ktgt_sess_stats_free(struct ktgt_sess_stats *st)
{
	free_percpu(st->io);
	kfree(st);
}

static void ktgt_sess_stats_free_rcu(struct rcu_head *rcu)
{
	ktgt_sess_stats_free(container_of(rcu, struct ktgt_sess_stats, rcu));
}

static struct kobj_attribute ktgt_sess_stats_attr = __ATTR_RO(stats);

void ktgt_adm_session_created(struct ktgt_session *sess)
{
	struct ktgt_sess_stats *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (st) {
		st->io = alloc_percpu(struct ktgt_io_stats);
		if (!st->io ||
		    xa_err(xa_store(&ktgt_sess_stats_xa,
				    (unsigned long)sess->id, st, GFP_KERNEL))) {
			ktgt_sess_stats_free(st);
			st = NULL;
		}
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
		call_rcu(&st->rcu, ktgt_sess_stats_free_rcu);
}

void ktgt_stats_cmd_done(struct ktgt_cmd *cmd, u64 lat_ns)
{
	struct ktgt_sess_stats *st;

	if (cmd->status != KTGT_SAM_GOOD)
		ktgt_nl_cmd_error(cmd);

	rcu_read_lock();
	st = xa_load(&ktgt_sess_stats_xa, (unsigned long)cmd->sess->id);
	if (st)
		ktgt_io_stats_add(st->io, cmd, lat_ns);
	rcu_read_unlock();
}
