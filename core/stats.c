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
 * Storage: one set of counters per session, at sess->stats, allocated
 * by ktgt_adm_session_created() before ktgt_session_create() returns the
 * session to its driver, and freed by ktgt_adm_session_destroyed() once
 * the session has no command left and its stats file is removed
 * (sysfs_remove_file() waits for a reader in stats_show()). Its two
 * readers, the session's commands and that file, so only run while it
 * exists: neither takes a lock or RCU to read it. A session whose
 * counters could not be allocated just has none (its stats file is
 * absent). The counters are per CPU, as a device's (struct
 * ktgt_io_stats): a command writes only its CPU's, and the file sums
 * them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"

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

	return sess->stats ? ktgt_io_stats_emit(sess->stats, buf) : -ENODEV;
}

static struct kobj_attribute ktgt_sess_stats_attr = __ATTR_RO(stats);

void ktgt_adm_session_created(struct ktgt_session *sess)
{
	sess->stats = alloc_percpu(struct ktgt_io_stats);
	if (sess->stats &&
	    sysfs_create_file(&sess->kobj, &ktgt_sess_stats_attr.attr))
		pr_debug("session %llu: no stats file\n", sess->id);
	ktgt_nl_session(sess, true);
}

void ktgt_adm_session_destroyed(struct ktgt_session *sess)
{
	ktgt_nl_session(sess, false);
	sysfs_remove_file(&sess->kobj, &ktgt_sess_stats_attr.attr);
	free_percpu(sess->stats);
	sess->stats = NULL;
}

void ktgt_stats_cmd_done(struct ktgt_cmd *cmd, u64 lat_ns)
{
	if (cmd->status != KTGT_SAM_GOOD)
		ktgt_nl_cmd_error(cmd);
	if (cmd->sess->stats)
		ktgt_io_stats_add(cmd->sess->stats, cmd, lat_ns);
}
