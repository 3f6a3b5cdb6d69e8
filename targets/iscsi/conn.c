// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_iscsi: sessions, connections and the full-feature phase.
 *
 * Threads
 * =======
 *
 * Each started connection has a receive thread and a transmit thread.
 * The receive thread reads one PDU at a time (BHS, AHS, digests, data)
 * and acts on it: a SCSI Command becomes a struct kis_task whose write
 * data goes straight into the task's own scatterlist; Data-Out PDUs are
 * received into that scatterlist at their buffer offset. The transmit
 * thread sends what other contexts queue on the connection, task
 * responses and R2Ts (conn->tx_tasks, a task is queued at most once,
 * kis_task.tx says what to send) and control PDUs (conn->tx_ctl: NOP-In,
 * TMF, Text and Logout responses, Reject, Async Message), each list in
 * order, control PDUs first, except that a TMF or Logout response waits
 * for the tasks queued before it (kis_ctl.fence): the responses of tasks
 * that completed before the TMF do not come after its response, nor are
 * they lost to the close after a Logout Response. The receive
 * thread sends one kind of PDU itself: the response of a command the
 * core completed while the receive thread was in it (direct_send), when
 * it is small and nothing is queued. Whoever writes to the socket holds
 * conn->tx_mutex, and StatSN is assigned under it, in sending order.
 *
 * Commands reach the core with KTGT_CTX_NOWAIT, so the receive thread
 * never waits for a backing store: it executes only the commands of a
 * device that never waits for one (nullio; fileio on tmpfs), the core's
 * workers the rest. ->rdy_to_xfer(), ->xmit_response() and ->free_cmd()
 * only update state under irq-safe locks and queue work for the
 * transmit thread, so they are safe in any context and callbacks_atomic
 * is set: the core calls them inline wherever the command happens to
 * be. A command of such a device then goes from its PDU to its response
 * in the receive thread, and one completed from a bio's end_io is
 * queued for sending from there, neither through the core's workers.
 *
 * Command numbering
 * =================
 *
 * CmdSN is per session. A non-immediate command with CmdSN == ExpCmdSN
 * is submitted at once and ExpCmdSN advances; one later in the window
 * waits in sess->held (its data is already received) until the gap is
 * filled, by whichever connection fills it (MC/S); one outside the window
 * is dropped silently (RFC 7143 4.2.2.1). The window runs from ExpCmdSN
 * to the highest MaxCmdSN sent on the session (sess->max_cmdsn): the
 * initiator ignores a lower MaxCmdSN than it has (4.2.2.1), so it may
 * send any CmdSN up to that one. An ABORT TASK whose RefCmdSN is
 * in the window but has not run makes that CmdSN count as received
 * (11.5.1 b): a command held for it is discarded when its turn comes, one
 * that has not come yet is dropped when it does (sess->gone_map).
 * Each PDU sent carries MaxCmdSN = ExpCmdSN + queue_depth - the
 * session's commands in the core - 1 (kis_max_cmdsn_adv()); held
 * commands are not subtracted, they already lie between ExpCmdSN and
 * MaxCmdSN. It never decreases: a command entering the core (at
 * ExpCmdSN, or from sess->held) moves ExpCmdSN by one, one leaving it
 * raises MaxCmdSN by one, a CmdSN passed over (ABORT TASK) raises it
 * too; and it is kept at the highest value sent in any case. Then the
 * commands in the core plus the CmdSNs the initiator may still send
 * never exceed queue_depth, so every command in the window, held or
 * not, has its place and the core never sees more than queue_depth
 * non-immediate commands of a session.
 *
 * The other PDUs that carry a CmdSN (RFC 7143 3.2.2.1: NOP-Out with an
 * ITT, Task Management Function, Text and Logout Requests) take their
 * turn the same way when they are not immediate. The receive thread
 * reads such a PDU with its data segment into a struct kis_req, which
 * runs at once at ExpCmdSN, waits in sess->held_reqs when it is later in
 * the window, and is dropped outside it. sess->held and sess->held_reqs
 * are each sorted by CmdSN and hold a CmdSN at most once between them:
 * a PDU whose CmdSN is already held is a duplicate, dropped.
 * kis_sess_run_held() takes from both lists, in CmdSN order, whatever
 * ExpCmdSN reaches, so a LUN RESET or a Logout never overtakes the
 * commands before it, and ExpCmdSN moves past each request it takes.
 * The receive thread that moved ExpCmdSN calls it, in process context
 * with no lock held, and runs there the requests it takes: its own
 * connection's, or on an MC/S session another's. Their responses go on
 * the connection they came on (kis_req.conn). None of them needs that
 * connection's receive thread: NOP-Out and Logout queue a response
 * (Logout takes kis_mutex), a TMF ends the data phase of its
 * connection's writes under conn->lock (kis_tmf_end_data()) and goes to
 * the core's workqueue, a Text Request works on conn->text under
 * conn->text_mutex. Before it runs one, the thread sends the responses
 * it holds on its rx_direct, as kis_rx_pdu() does before such a PDU. A
 * request whose connection is stopping does not run (its CmdSN still
 * counts); kis_conn_stop() frees those still held, as it does the
 * connection's held commands. An ABORT TASK whose RefCmdSN names a held
 * request leaves it alone: that CmdSN has come, and it names no task
 * (the TMF answers "Function complete", 11.5.1 b).
 *
 * A gap the initiator never fills (it skipped a CmdSN, or does not plug
 * the gap of a command the target rejected, RFC 7143 7.3) would hold
 * what waits past it for ever: after cmdsn_gap_timeout seconds in which
 * PDUs are held and ExpCmdSN does not move, the session is closed
 * (kis_nop_work()). The timer starts again each time ExpCmdSN moves.
 *
 * The core sees the session's commands and TMFs in CmdSN order, across
 * its connections (RFC 7143 3.2.2.1; a TMF covers the commands submitted
 * before it, ktgt_tmf_submit()): taking the PDU at ExpCmdSN and handing
 * it on are one step. One receive thread at a time, the deliverer
 * (sess->delivering, under sn_lock), does both: the one that finds its
 * PDU at ExpCmdSN while there is none becomes it, hands that PDU on,
 * then in kis_sess_run_held() whatever ExpCmdSN reaches, and stops being
 * the deliverer under sn_lock when nothing is left there. Another
 * thread that finds its PDU at ExpCmdSN meanwhile holds it like one
 * later in the window, and goes back to its socket: the deliverer takes
 * it in its turn. On one connection (or when connections do not
 * overlap) the thread is always the deliverer: setting and clearing the
 * flag take no lock beyond the two sn_lock sections a command already
 * had (kis_cmdsn_accept(), kis_sess_run_held()). A connection that stops
 * leaves its PDUs from ExpCmdSN on without a gap to the deliverer, which
 * drops them in their turn (kis_conn_stop()): they came, their CmdSNs
 * count.
 *
 * Data-Out
 * ========
 *
 * A write with immediate or unsolicited data takes its buffer from the
 * core's sgv pool as soon as its CDB is parsed (ktgt_cmd_alloc_buf()),
 * so that data is received straight into the buffer the command
 * executes from, before the core asks for it (->rdy_to_xfer()), with no
 * allocation per PDU. A write without (no immediate data, and the F bit
 * or InitialR2T=Yes) takes it only when it is handed to the core
 * (kis_task.buf_later, kis_task_submit()): one held for a CmdSN gap
 * does not keep its EDTL from the global max_buffer_mb budget, which an
 * initiator could otherwise fill, and so make every other session's
 * writes BUSY, by sending writes past a gap it never fills. Its data all
 * comes after R2Ts, sent once the core asks for it. A held write with
 * unsolicited data still holds its buffer, which is where that data
 * goes; a session's held writes hold at most KIS_HELD_BUF_MAX bytes
 * between them (kis_held_buf_take()), and one past that takes none and
 * fails in its turn. The core frees that buffer at ktgt_cmd_xmit_done(),
 * which may be due (an early error, an abort) while the receive thread
 * is still writing a Data-Out into it: the receive thread marks the task
 * @rx_busy while it does, and kis_task_release() then leaves the
 * ktgt_cmd_xmit_done() to it (@released). A write without a buffer
 * (over max_buffer_mb: the core answers BUSY) drops its data. Under
 * conn->lock:
 * @received counts the bytes in; @unsol_done says the unsolicited burst
 * (immediate data + Data-Out with the reserved TTT, up to
 * FirstBurstLength) is over; @xfer_ready says the core asked. Once both
 * hold, R2Ts are sent for the rest, from where the unsolicited data
 * ended, at most MaxOutstandingR2T at a time, each for at most
 * MaxBurstLength; when all EDTL bytes are in, ktgt_cmd_rx_done().
 * DataPDUInOrder and DataSequenceInOrder are Yes, so the data comes in
 * order, without gaps or overlays: each PDU must start at @received
 * (the bytes in are then exactly the buffer's first @received bytes),
 * and one answering an R2T must lie in the oldest R2T still out
 * (@r2t_first), with the F bit exactly at its end. @data_sn is the
 * DataSN the next Data-Out of the current sequence must carry. A PDU out
 * of place or without that DataSN sets @data_err: it is rejected, no
 * more R2Ts are sent, the data that still comes is dropped, and when
 * the sequences begun are over the command ends with
 * ktgt_cmd_rx_done(-EBADMSG), so a write never executes with bytes of
 * its buffer (pages of the pool, not zeroed) that no PDU filled.
 *
 * A TMF that aborts a write waiting for Data-Out (ABORT TASK of its ITT;
 * ABORT/CLEAR TASK SET, LUN RESET of its LUN; a target or I_T nexus
 * reset) ends its data phase when the TMF runs, before it is submitted
 * (kis_tmf_end_data()): the initiator may send no more data for it (RFC
 * 7143 11.5.1; Linux stops), and the core's abort waits for its release.
 * @tmf_ended stops the R2Ts and drops its Data-Out, and it ends with
 * ktgt_cmd_rx_done(-ECONNABORTED), at once if the core asked for the
 * data, else at ->rdy_to_xfer(); no response is sent for it. The
 * receive thread is the only one that writes the buffer, so no receive
 * is in progress when the TMF runs there; one held for its CmdSN on an
 * MC/S session may run in another connection's receive thread, while
 * a Data-Out is being received, and then @rx_busy leaves the buffer's
 * release to the receive thread, as for any early end. Only this
 * connection's tasks are covered here. Any other write the core aborts
 * while it waits for Data-Out (another connection's, another session's
 * TMF or PREEMPT AND ABORT) is ended the same way when the core says so
 * (kis_data_out_aborted()), and its status is the core's: TASK ABORTED
 * for another session's abort with TAS = 1 (@xs_ended).
 *
 * A write the core asked data for that gets no Data-Out for
 * dataout_timeout seconds (@data_at: the request, its last R2T, its last
 * Data-Out) while no receive is in progress for it ends its connection,
 * and so its session (kis_nop_work()): otherwise an initiator that keeps
 * the connection alive could hold its buffer for ever. So does one
 * whose data phase, receiving or not, has lasted dataout_timeout for
 * each started 64 KiB of its EDTL, and two more (@data_start,
 * kis_dataout_limit()): a Data-Out trickled in now and then, or one
 * long PDU received a byte at a time, would hold it for ever too.
 *
 * Teardown
 * ========
 *
 * Error recovery level 0: any connection error (socket closed, digest
 * error, protocol error, NOP-In timeout, Data-Out timeout) ends the whole
 * session. A logout
 * of one connection of a multi-connection session (reason 1) ends that
 * connection only; a logout of the session (reason 0), on whichever of
 * its connections it comes, ends the session once its response is sent:
 * every connection is closed, as if it were the session's last.
 * kis_conn_stop() marks the connection dead, shuts the socket down
 * and stops both threads; then the commands and requests it has held
 * for their CmdSN are freed, tasks waiting for data get
 * ktgt_cmd_rx_done(-ECONNABORTED), queued responses are released, and
 * from then on ->rdy_to_xfer() fails and ->xmit_response() releases the
 * command at once. The session teardown (kis_wq) stops every connection,
 * waits for its TMFs, destroys the ktgt session (which waits for every
 * command to be released) and only then drops the connections.
 *
 * The responses the receive thread holds on conn->rx_direct
 * (direct_send, direct_batch) are its own, and nothing else looks at
 * that list: whichever way its loop ends (an error; or
 * kthread_should_stop() seen after a PDU while it holds some because
 * more PDUs were waiting; or a release in the last kis_rx_flush() that
 * completed more commands in this thread), it releases them, unsent,
 * once kthread_stop() has come and before it returns. kthread_stop()
 * comes only from kis_conn_stop(), after the connection is marked dead,
 * and on a dead connection kis_queue_rsp() leaves nothing on rx_direct;
 * a thread stopped before it ever ran (kis_conn_start() failing) never
 * held any. Without that, those commands would never reach
 * ktgt_cmd_xmit_done() and the session's destruction would wait for
 * them forever.
 *
 * Receive and transmit buffers are accessed with sg_virt(): the core's
 * sgv pool uses GFP_KERNEL pages, which are always mapped on the 64-bit
 * kernels ktgt supports. Data-In is sent with kernel_sendpage(): TCP
 * takes references to the buffer's pages instead of copying them, and
 * the sgv pool does not reuse a page until those references are put
 * (core/sgv.c), so the buffer may go back to the pool at
 * ktgt_cmd_xmit_done() while TCP still holds its pages. The data digest
 * is computed over the same pages before they are queued, and nothing
 * writes them until the pool hands them out again. The zero_copy module
 * parameter (0) falls back to copying with sock_sendmsg(), for
 * comparison; /sys/kernel/ktgt_iscsi/{zc_pages,zc_bytes,copy_bytes}
 * count what each path sent.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/idr.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uio.h>
#include <linux/xarray.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "iscsi.h"

/* The largest EDTL a write may announce (the core's own limit is lower). */
#define KIS_MAX_WRITE		(16U << 20)
/* How long a disabled target waits for initiators to log out. */
#define KIS_LOGOUT_WAIT		(3 * HZ)
/* How long a connection added may wait for CONN_START. */
#define KIS_START_TIMEOUT	(15 * HZ)
/* kis_rx_pdu(): stop reading, the transmit thread closes the connection. */
#define KIS_RX_CLOSING		1
/* R2Ts built per round of the transmit thread. */
#define KIS_R2T_BATCH		8
/*
 * Control PDU bytes a connection may have queued for the transmit thread
 * before its receive thread stops reading (kis_rx_wait_tx()).
 */
#define KIS_TX_CTL_MAX		SZ_1M

static bool kis_zero_copy = true;
module_param_named(zero_copy, kis_zero_copy, bool, 0644);
MODULE_PARM_DESC(zero_copy,
		 "send Data-In with sendpage, without copying (default 1)");

/*
 * A connection's two threads hand every command over to each other (the
 * receive thread submits, the transmit thread sends the response): on
 * one CPU the wakeup is a context switch, not an IPI to another, possibly
 * idle, CPU. Connections are spread over the CPUs round robin.
 */
static bool kis_bind_threads = true;
module_param_named(bind_threads, kis_bind_threads, bool, 0644);
MODULE_PARM_DESC(bind_threads,
		 "run each connection's receive and transmit threads on one CPU, connections spread over the CPUs (default 1; read at connection start)");
static atomic_t kis_next_cpu = ATOMIC_INIT(-1);

/*
 * A response the core produces inside the receive thread (a command it
 * executed inline: nullio, REPORT LUNS, an early error) is sent by that
 * thread itself once it is out of the core, if the transmit thread has
 * nothing queued and the socket has room: no hand-over, no two context
 * switches per command. Larger responses still go to the transmit
 * thread, so that the receive thread keeps reading.
 */
static bool kis_direct_send = true;
module_param_named(direct_send, kis_direct_send, bool, 0644);
MODULE_PARM_DESC(direct_send,
		 "let the receive thread send the small responses of commands it executed (default 1)");
#define KIS_DIRECT_MAX		(64U << 10)

/*
 * While more PDUs wait in the socket, the receive thread reads and
 * executes them before it sends the responses it already has, up to
 * this many, and then sends them together (MSG_MORE on all but the
 * last): fewer TCP segments, and fewer wakeups of the initiator's
 * receive path, per command. It never waits for the socket with a
 * response held: one it would wait for (kis_recv()) sends them first.
 */
static unsigned int kis_direct_batch = 16;
module_param_named(direct_batch, kis_direct_batch, uint, 0644);
MODULE_PARM_DESC(direct_batch,
		 "responses the receive thread holds while more PDUs are waiting, to send them together (default 16; 0 or 1: none)");
/*
 * ... but not across a PDU with a data segment longer than this: copying
 * it in costs far more than the sends a batch saves, and the initiator
 * cannot reuse the held commands' tags meanwhile.
 */
#define KIS_HOLD_DLEN_MAX	(8U << 10)

/*
 * The transmit thread sends a response with MSG_MORE when a response or
 * control PDU is queued behind it (kis_tx_more_locked()): they go out
 * together, in fewer segments, and the next send, which comes at once,
 * pushes both.
 */
static bool kis_tx_batch = true;
module_param_named(tx_batch, kis_tx_batch, bool, 0644);
MODULE_PARM_DESC(tx_batch,
		 "let the transmit thread send a response together with the PDUs queued behind it (default 1)");

/*
 * The counters of /sys/kernel/ktgt_iscsi/ (kis_stats_group below), one
 * per CPU: added to with this_cpu_add() (kis_stat_add()) from any
 * context, so that the data path writes no cache line shared with other
 * CPUs' connections; a reader sums them, and may see a command's counts
 * in part.
 */
static DEFINE_PER_CPU(unsigned long, kis_zc_pages);
static DEFINE_PER_CPU(unsigned long, kis_zc_bytes);
static DEFINE_PER_CPU(unsigned long, kis_copy_bytes);
static DEFINE_PER_CPU(unsigned long, kis_direct_rsps);
static DEFINE_PER_CPU(unsigned long, kis_direct_batched);
static DEFINE_PER_CPU(unsigned long, kis_direct_held);
static DEFINE_PER_CPU(unsigned long, kis_tx_batched);
static DEFINE_PER_CPU(unsigned long, kis_rx_throttled);
static DEFINE_PER_CPU(unsigned long, kis_imm_rejected);

#define kis_stat_add(name, n)	this_cpu_add(kis_##name, (n))

#define KIS_STAT(name)							\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	unsigned long sum = 0;						\
	int cpu;							\
									\
	for_each_possible_cpu(cpu)					\
		sum += per_cpu(kis_##name, cpu);			\
	return sysfs_emit(buf, "%lu\n", sum);				\
}									\
static struct kobj_attribute kis_##name##_attr = __ATTR_RO(name)

KIS_STAT(zc_pages);
KIS_STAT(zc_bytes);
KIS_STAT(copy_bytes);
KIS_STAT(direct_rsps);
KIS_STAT(direct_batched);
KIS_STAT(direct_held);
KIS_STAT(tx_batched);
KIS_STAT(rx_throttled);
KIS_STAT(imm_rejected);

static struct attribute *kis_stats_attrs[] = {
	&kis_zc_pages_attr.attr,
	&kis_zc_bytes_attr.attr,
	&kis_copy_bytes_attr.attr,
	&kis_direct_rsps_attr.attr,
	&kis_direct_batched_attr.attr,
	&kis_direct_held_attr.attr,
	&kis_tx_batched_attr.attr,
	&kis_rx_throttled_attr.attr,
	&kis_imm_rejected_attr.attr,
	NULL,
};

/*
 * /sys/kernel/ktgt_iscsi/: what Data-In sent by reference or copied;
 * the responses the receive thread sent itself, those of them it sent
 * together with the next one (direct_batch), the responses it held
 * while it read another PDU, and the responses the transmit thread sent
 * with more PDUs queued behind them (tx_batch); the times a receive
 * thread stopped reading because too many control PDUs waited to be sent
 * (rx_throttled, kis_rx_wait_tx()), and the immediate commands rejected
 * over queue_depth (imm_rejected, kis_imm_accept()).
 */
const struct attribute_group kis_stats_group = {
	.attrs = kis_stats_attrs,
};

/*
 * TSIH -> struct kis_sess, under kis_mutex. An entry stays until its
 * session's sysfs directory is gone; lookups skip KIS_SF_TEARDOWN ones.
 */
static DEFINE_XARRAY_ALLOC(kis_sessions);

static void kis_sess_close(struct kis_sess *s, int reason);
static void kis_conn_close(struct kis_conn *conn, int reason);
static void kis_sess_logout(struct kis_conn *conn);

static inline struct kis_task *to_task(struct ktgt_cmd *cmd)
{
	return container_of(cmd, struct kis_task, cmd);
}

/*
 * ---------------------------------------------------------------------
 * Objects
 * ---------------------------------------------------------------------
 */

static void kis_conn_release(struct kref *ref)
{
	struct kis_conn *conn = container_of(ref, struct kis_conn, ref);
	struct kis_task *task, *next;

	/* Every task is back: each in use held a reference. */
	llist_for_each_entry_safe(task, next, llist_del_all(&conn->task_cache),
				  free_node)
		kmem_cache_free(kis_task_cache, task);
	kfree(conn);
}

static void kis_conn_put(struct kis_conn *conn)
{
	kref_put(&conn->ref, kis_conn_release);
}

/*
 * A zeroed task for a new command; receive thread only. From the
 * connection's cache of released tasks, so that a session in steady
 * state allocates none; from kis_task_cache while the cache is empty
 * (the first commands, a new peak of commands in flight).
 */
static struct kis_task *kis_task_alloc(struct kis_conn *conn)
{
	struct llist_node *node = llist_del_first(&conn->task_cache);
	struct kis_task *task;

	if (!node)
		return kmem_cache_zalloc(kis_task_cache, GFP_KERNEL);
	atomic_dec(&conn->task_cached);
	task = llist_entry(node, struct kis_task, free_node);
	memset(task, 0, sizeof(*task));
	return task;
}

/*
 * @task no longer waits for its CmdSN with a buffer taken on arrival
 * (kis_held_buf_take()): submitted, or freed. Any context.
 */
static void kis_held_buf_put(struct kis_task *task)
{
	struct kis_sess *s = task->conn->s;
	unsigned long flags;

	if (!task->held_buf)
		return;
	spin_lock_irqsave(&s->sn_lock, flags);
	s->held_buf -= task->edtl;
	task->held_buf = false;
	spin_unlock_irqrestore(&s->sn_lock, flags);
}

static void kis_task_free(struct kis_task *task)
{
	struct kis_conn *conn = task->conn;

	/* Never submitted: the buffer is still ours to give back. */
	if (!task->submitted) {
		kis_held_buf_put(task);
		ktgt_cmd_free_buf(&task->cmd);
	}
	/* Any context: llist_add() and atomics only. */
	if (atomic_inc_return(&conn->task_cached) <= conn->p.queue_depth) {
		llist_add(&task->free_node, &conn->task_cache);
	} else {
		atomic_dec(&conn->task_cached);
		kmem_cache_free(kis_task_cache, task);
	}
	kis_conn_put(conn);
}

static void kis_task_put(struct kis_task *task)
{
	if (refcount_dec_and_test(&task->ref))
		kis_task_free(task);
}

static void kis_unhash(struct kis_conn *conn, struct kis_task *task)
{
	lockdep_assert_held(&conn->lock);
	if (task->hashed) {
		hash_del(&task->hnode);
		task->hashed = false;
	}
}

/* Find a task by ITT, with a reference. */
static struct kis_task *kis_task_lookup(struct kis_conn *conn, u32 itt)
{
	struct kis_task *task;

	spin_lock_irq(&conn->lock);
	hash_for_each_possible(conn->itt_hash, task, hnode, itt) {
		if (task->itt == itt) {
			refcount_inc(&task->ref);
			spin_unlock_irq(&conn->lock);
			return task;
		}
	}
	spin_unlock_irq(&conn->lock);
	return NULL;
}

/*
 * The MaxCmdSN to send, which becomes the window's upper end
 * (s->max_cmdsn); under sn_lock. Only the commands in the core (counted,
 * not held) take room from queue_depth: those held for a CmdSN gap are
 * inside the window already. See "Command numbering".
 */
static u32 kis_max_cmdsn_adv(struct kis_sess *s)
{
	u32 in_core = s->outstanding - s->nr_held;
	u32 qd = s->p.queue_depth;
	u32 max = s->exp_cmdsn - 1;

	lockdep_assert_held(&s->sn_lock);
	if (in_core < qd)
		max += qd - in_core;
	/* Never lower: the initiator would ignore it anyway (4.2.2.1). */
	if (iscsi_sn_gt(max, s->max_cmdsn))
		s->max_cmdsn = max;
	return s->max_cmdsn;
}

static void kis_sn_fill(struct kis_sess *s, struct iscsi_tx_hdr *h)
{
	spin_lock_irq(&s->sn_lock);
	h->exp_cmdsn = s->exp_cmdsn;
	h->max_cmdsn = kis_max_cmdsn_adv(s);
	spin_unlock_irq(&s->sn_lock);
}

/*
 * ---------------------------------------------------------------------
 * Socket I/O
 * ---------------------------------------------------------------------
 */

/*
 * CRC32C (iSCSI digests) through the crypto API's "crc32c" shash, as
 * lib/libcrc32c.c's crc32c() does; that library is not built into every
 * kernel ktgt supports (the debug kernel lacks CONFIG_LIBCRC32C), the
 * crypto driver (crc32c-intel where available) is.
 */
static struct crypto_shash *kis_crc_tfm;

int kis_crc_init(void)
{
	kis_crc_tfm = crypto_alloc_shash("crc32c", 0, 0);
	return PTR_ERR_OR_ZERO(kis_crc_tfm);
}

void kis_crc_exit(void)
{
	crypto_free_shash(kis_crc_tfm);
}

static u32 kis_crc(u32 crc, const void *buf, size_t len)
{
	SHASH_DESC_ON_STACK(desc, kis_crc_tfm);
	int ret;

	desc->tfm = kis_crc_tfm;
	*(u32 *)shash_desc_ctx(desc) = crc;
	ret = crypto_shash_update(desc, buf, len);
	WARN_ON_ONCE(ret);
	return *(u32 *)shash_desc_ctx(desc);
}

static int kis_rx_flush(struct kis_conn *conn, int ret);

/* Receive thread only: fill all of @it, whatever it takes. */
static int kis_recv_iter(struct kis_conn *conn, struct iov_iter *it)
{
	while (iov_iter_count(it)) {
		struct msghdr msg = { .msg_flags = MSG_WAITALL | MSG_NOSIGNAL };
		int ret;

		/* Never wait for the initiator with its responses held. */
		while (unlikely(!list_empty(&conn->rx_direct)) &&
		       tcp_inq(conn->sock->sk) < iov_iter_count(it)) {
			ret = kis_rx_flush(conn, 0);
			if (ret)
				return ret;
		}
		msg.msg_iter = *it;
		ret = sock_recvmsg(conn->sock, &msg, msg.msg_flags);
		if (ret <= 0)
			return ret ? ret : -ECONNRESET;
		iov_iter_advance(it, ret);
		if (kthread_should_stop())
			return -ESHUTDOWN;
	}
	return 0;
}

/* Receive thread only. */
static int kis_recv(struct kis_conn *conn, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct iov_iter it;

	iov_iter_kvec(&it, READ, &iov, 1, len);
	return kis_recv_iter(conn, &it);
}

/* Receive and throw away @len bytes. */
static int kis_drain(struct kis_conn *conn, u32 len)
{
	while (len) {
		u32 n = min_t(u32, len, sizeof(conn->scratch));
		int ret = kis_recv(conn, conn->scratch, n);

		if (ret)
			return ret;
		len -= n;
	}
	return 0;
}

/* The data segment of a PDU we discard: data, padding, digest. */
static int kis_drain_data(struct kis_conn *conn, u32 dlen)
{
	if (!dlen)
		return 0;
	return kis_drain(conn, dlen + iscsi_pad4(dlen) +
			 (conn->p.ddigest ? ISCSI_DIGEST_LEN : 0));
}

/* Padding and data digest after a data segment; -EBADMSG on mismatch. */
static int kis_recv_trailer(struct kis_conn *conn, u32 dlen, u32 crc)
{
	u8 pad[4] = { 0 };
	__le32 digest;
	u32 npad = iscsi_pad4(dlen);
	int ret;

	if (npad) {
		ret = kis_recv(conn, pad, npad);
		if (ret)
			return ret;
	}
	if (!conn->p.ddigest)
		return 0;
	if (npad)
		crc = kis_crc(crc, pad, npad);
	ret = kis_recv(conn, &digest, sizeof(digest));
	if (ret)
		return ret;
	return le32_to_cpu(digest) == ~crc ? 0 : -EBADMSG;
}

/* A whole data segment into @buf (dlen bytes). */
static int kis_recv_data(struct kis_conn *conn, void *buf, u32 dlen)
{
	int ret;

	if (!dlen)
		return 0;
	ret = kis_recv(conn, buf, dlen);
	if (ret)
		return ret;
	return kis_recv_trailer(conn, dlen, conn->p.ddigest ?
				kis_crc(~0U, buf, dlen) : 0);
}

/*
 * Pages of a data segment received by one sock_recvmsg(): a 1 MiB
 * burst of single pages takes 16 calls, not 256 (each takes and
 * releases the socket lock, and may send a window update).
 */
#define KIS_RX_BVECS	16

/*
 * @len bytes at @off of a scatterlist. The data digest is accumulated in
 * @crc only if the connection negotiated one: without it, a second pass
 * over every byte of write data would be wasted work.
 */
static int kis_recv_sg(struct kis_conn *conn, struct scatterlist *sgl,
		       u32 off, u32 len, u32 *crc)
{
	struct bio_vec bv[KIS_RX_BVECS];
	struct scatterlist *sg = sgl;

	while (len) {
		struct iov_iter it;
		u32 n = 0, chunk = 0, i;
		int ret;

		for (; sg && n < KIS_RX_BVECS && chunk < len; sg = sg_next(sg)) {
			u32 l;

			if (off >= sg->length) {
				off -= sg->length;
				continue;
			}
			l = min(len - chunk, sg->length - off);
			bv[n].bv_page = sg_page(sg);
			bv[n].bv_offset = sg->offset + off;
			bv[n].bv_len = l;
			n++;
			chunk += l;
			off = 0;
		}
		if (!n)
			return -EINVAL;
		iov_iter_bvec(&it, READ, bv, n, chunk);
		ret = kis_recv_iter(conn, &it);
		if (ret)
			return ret;
		if (conn->p.ddigest)
			for (i = 0; i < n; i++)
				*crc = kis_crc(*crc, page_address(bv[i].bv_page) +
					       bv[i].bv_offset, bv[i].bv_len);
		len -= chunk;
	}
	return 0;
}

static int kis_send(struct kis_conn *conn, struct kvec *vec, size_t nr,
		    size_t len, bool more)
{
	struct msghdr msg = {
		.msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};

	iov_iter_kvec(&msg.msg_iter, WRITE, vec, nr, len);
	while (msg_data_left(&msg)) {
		int ret = sock_sendmsg(conn->sock, &msg);

		if (ret <= 0)
			return ret ? ret : -EPIPE;
	}
	return 0;
}

/* @len bytes of @page at @off by reference; partial sends are resumed. */
static int kis_sendpage(struct kis_conn *conn, struct page *page, u32 off,
			u32 len, bool more)
{
	int flags = MSG_NOSIGNAL | (more ? MSG_MORE | MSG_SENDPAGE_NOTLAST : 0);

	while (len) {
		int ret = kernel_sendpage(conn->sock, page, off, len, flags);

		if (ret <= 0)
			return ret ? ret : -EPIPE;
		off += ret;
		len -= ret;
	}
	return 0;
}

/*
 * @len bytes at @off of a scatterlist, by reference (zero_copy) or
 * copied; the data digest, if @crc, is computed over the pages sent.
 * @more: more of the PDU follows.
 */
static int kis_send_sg(struct kis_conn *conn, struct scatterlist *sgl,
		       u32 off, u32 len, bool more, u32 *crc)
{
	bool zc = READ_ONCE(kis_zero_copy);
	struct scatterlist *sg;
	u32 left = len;
	int ret;

	for (sg = sgl; sg && left; sg = sg_next(sg)) {
		u32 n, poff;

		if (off >= sg->length) {
			off -= sg->length;
			continue;
		}
		n = min(left, sg->length - off);
		if (crc)
			*crc = kis_crc(*crc, sg_virt(sg) + off, n);
		if (zc && sendpage_ok(sg_page(sg))) {
			poff = sg->offset + off;
			ret = kis_sendpage(conn, sg_page(sg), poff, n,
					   more || n < left);
			kis_stat_add(zc_pages,
				     DIV_ROUND_UP(offset_in_page(poff) + n,
						  PAGE_SIZE));
			kis_stat_add(zc_bytes, n);
		} else {
			struct kvec vec = {
				.iov_base = sg_virt(sg) + off,
				.iov_len = n,
			};

			ret = kis_send(conn, &vec, 1, n, more || n < left);
			kis_stat_add(copy_bytes, n);
		}
		if (ret)
			return ret;
		left -= n;
		off = 0;
	}
	return left ? -EINVAL : 0;
}

/*
 * Send one PDU: the BHS (with header digest) and @dlen bytes of data taken
 * from @data or, if NULL, from @sgl at @off. @more: another PDU follows
 * at once, so TCP may hold this one's tail back (MSG_MORE).
 */
static int kis_send_pdu(struct kis_conn *conn, u8 *bhs, const void *data,
			struct scatterlist *sgl, u32 off, u32 dlen, bool more)
{
	struct kvec vec[2];
	__le32 hd, dd;
	u8 pad[4] = { 0 };
	u32 crc = ~0U, npad = iscsi_pad4(dlen);
	bool trailer = npad || conn->p.ddigest;
	size_t nr = 0;
	int ret;

	vec[nr].iov_base = bhs;
	vec[nr++].iov_len = ISCSI_BHS_LEN;
	if (conn->p.hdigest) {
		hd = cpu_to_le32(~kis_crc(~0U, bhs, ISCSI_BHS_LEN));
		vec[nr].iov_base = &hd;
		vec[nr++].iov_len = sizeof(hd);
	}
	ret = kis_send(conn, vec, nr, ISCSI_BHS_LEN +
		       (conn->p.hdigest ? ISCSI_DIGEST_LEN : 0), dlen || more);
	if (ret || !dlen)
		return ret;

	if (data) {
		vec[0].iov_base = (void *)data;
		vec[0].iov_len = dlen;
		if (conn->p.ddigest)
			crc = kis_crc(crc, data, dlen);
		ret = kis_send(conn, vec, 1, dlen, trailer || more);
		if (ret)
			return ret;
	} else {
		ret = kis_send_sg(conn, sgl, off, dlen, trailer || more,
				  conn->p.ddigest ? &crc : NULL);
		if (ret)
			return ret;
	}
	nr = 0;
	if (npad) {
		vec[nr].iov_base = pad;
		vec[nr++].iov_len = npad;
		crc = kis_crc(crc, pad, npad);
	}
	if (conn->p.ddigest) {
		dd = cpu_to_le32(~crc);
		vec[nr].iov_base = &dd;
		vec[nr++].iov_len = sizeof(dd);
	}
	if (!nr)
		return 0;
	return kis_send(conn, vec, nr,
			npad + (conn->p.ddigest ? ISCSI_DIGEST_LEN : 0), more);
}

/*
 * ---------------------------------------------------------------------
 * Transmit queue
 * ---------------------------------------------------------------------
 */

struct kis_ctl *kis_ctl_alloc(u32 dlen, gfp_t gfp)
{
	struct kis_ctl *c = kzalloc(struct_size(c, data, dlen), gfp);

	if (c)
		c->dlen = dlen;
	return c;
}

/* What @c takes from conn->tx_ctl_bytes. */
static u32 kis_ctl_bytes(const struct kis_ctl *c)
{
	return sizeof(*c) + c->dlen;
}

/*
 * Queue a control PDU; frees it if the connection is dead. Control PDUs
 * go out in the order they are queued, ahead of the tasks queued for the
 * transmit thread, except that one with @fence (and so those behind it)
 * waits for the tasks queued before it (kis_ctl_waits()).
 *
 * Backpressure: an initiator that sends but does not read would make the
 * receive thread queue control PDUs without bound (a Reject per bad PDU,
 * the NOP-In echoing each NOP-Out ping's data). conn->tx_ctl_bytes counts
 * what is queued; above KIS_TX_CTL_MAX the receive thread stops reading
 * until the transmit thread has sent enough (kis_rx_wait_tx()), so TCP's
 * window closes on the initiator. The transmit thread never waits for
 * the receive thread, only for the socket; an initiator that reads
 * nothing stops answering NOP-In pings too, and the NOP-In timeout
 * closes the connection (kis_conn_stop() wakes the receive thread with
 * kthread_stop()). Tasks need no such count: one that waits on
 * tx_tasks is a command the core holds, and those are bounded by the
 * CmdSN window and, for immediate ones, kis_imm_accept().
 */
void kis_queue_ctl(struct kis_conn *conn, struct kis_ctl *c)
{
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->dead) {
		spin_unlock_irqrestore(&conn->lock, flags);
		kfree(c);
		return;
	}
	c->seq = conn->tx_seq;
	list_add_tail(&c->node, &conn->tx_ctl);
	conn->tx_ctl_bytes += kis_ctl_bytes(c);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->tx_wq);
}

/* Too many control PDUs wait for the transmit thread (kis_queue_ctl()). */
static bool kis_tx_full(struct kis_conn *conn)
{
	return READ_ONCE(conn->tx_ctl_bytes) > KIS_TX_CTL_MAX;
}

/* Whether @conn is stopping (kis_conn_stop()). Any context. */
bool kis_conn_dead(struct kis_conn *conn)
{
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&conn->lock, flags);
	dead = conn->dead;
	spin_unlock_irqrestore(&conn->lock, flags);
	return dead;
}

/* Queue what @what says for @task; under conn->lock. False if dead. */
static bool kis_queue_task_locked(struct kis_conn *conn, struct kis_task *task,
				  u8 what)
{
	lockdep_assert_held(&conn->lock);
	if (conn->dead)
		return false;
	task->tx |= what;
	if (!task->queued) {
		task->queued = true;
		task->tx_seq = conn->tx_seq++;
		refcount_inc(&task->ref);
		list_add_tail(&task->tx_node, &conn->tx_tasks);
	}
	return true;
}

/*
 * Must control PDU @c, first on conn->tx_ctl, wait for @task, first on
 * conn->tx_tasks (or NULL)? Only a @fence one, and only for a task queued
 * before it: tx_tasks is in the order tasks were queued, so all of those
 * are sent first. Under conn->lock.
 */
static bool kis_ctl_waits(const struct kis_ctl *c, const struct kis_task *task)
{
	return c->fence && task && (s32)(task->tx_seq - c->seq) < 0;
}

/*
 * Queue a Reject carrying the offending BHS. With @close_reason non-zero
 * the transmit thread closes the connection once the Reject is sent.
 * Returns false if nothing was queued.
 */
static bool kis_reject_close(struct kis_conn *conn, const u8 *bhs, u8 reason,
			     int close_reason)
{
	struct kis_ctl *c = kis_ctl_alloc(ISCSI_BHS_LEN, GFP_KERNEL);

	if (!c)
		return false;
	c->h.opcode = ISCSI_OP_REJECT;
	c->h.response = reason;
	c->h.dlen = ISCSI_BHS_LEN;
	c->advance_statsn = true;
	c->close_after = close_reason != 0;
	c->close_reason = close_reason;
	memcpy(c->data, bhs, ISCSI_BHS_LEN);
	kis_queue_ctl(conn, c);
	return true;
}

void kis_reject(struct kis_conn *conn, const u8 *bhs, u8 reason)
{
	kis_reject_close(conn, bhs, reason, 0);
}

/*
 * ---------------------------------------------------------------------
 * Sending task PDUs (transmit thread)
 * ---------------------------------------------------------------------
 */

/* The length of @task's R2T at @off: R2Ts follow each other from there. */
static u32 kis_r2t_len(const struct kis_conn *conn, const struct kis_task *task,
		       u32 off)
{
	return min(conn->p.max_burst, task->edtl - off);
}

static int kis_send_r2ts(struct kis_conn *conn, struct kis_task *task)
{
	struct iscsi_tx_hdr h[KIS_R2T_BATCH];
	unsigned int i, nr;
	u8 bhs[ISCSI_BHS_LEN];
	int ret;

	do {
		nr = 0;
		spin_lock_irq(&conn->lock);
		while (nr < KIS_R2T_BATCH && !task->rx_complete &&
		       !task->data_err && !task->tmf_ended && task->r2t_out < conn->p.max_r2t &&
		       task->r2t_next < task->edtl) {
			u32 len = kis_r2t_len(conn, task, task->r2t_next);

			memset(&h[nr], 0, sizeof(h[nr]));
			h[nr].opcode = ISCSI_OP_R2T;
			h[nr].lun = task->raw_lun;
			h[nr].itt = task->itt;
			h[nr].ttt = task->ttt;
			h[nr].statsn = conn->statsn;
			h[nr].sn = task->r2tsn++;
			h[nr].offset = task->r2t_next;
			h[nr].count = len;
			task->r2t_next += len;
			task->r2t_out++;
			nr++;
		}
		if (nr)
			task->data_at = jiffies;
		spin_unlock_irq(&conn->lock);
		for (i = 0; i < nr; i++) {
			kis_sn_fill(conn->s, &h[i]);
			iscsi_pdu_build(bhs, &h[i]);
			ret = kis_send_pdu(conn, bhs, NULL, NULL, 0, 0, false);
			if (ret)
				return ret;
		}
	} while (nr == KIS_R2T_BATCH);
	return 0;
}

static u32 kis_next_statsn(struct kis_conn *conn)
{
	u32 sn;

	spin_lock_irq(&conn->lock);
	sn = conn->statsn++;
	spin_unlock_irq(&conn->lock);
	return sn;
}

/*
 * The StatSN of the PDU that carries @task's status, which frees its
 * ITT: the initiator may reuse the tag as soon as it has the status, so
 * the task leaves conn->itt_hash before that PDU is handed to the
 * socket, not at kis_task_release() after it, and the command that
 * reuses the tag is not rejected as a task in progress. The task itself
 * lives on until it is released; a Data-Out with its ITT now finds no
 * task (or the new command's) and the data is dropped.
 */
static u32 kis_status_statsn(struct kis_conn *conn, struct kis_task *task)
{
	u32 sn;

	spin_lock_irq(&conn->lock);
	kis_unhash(conn, task);
	sn = conn->statsn++;
	spin_unlock_irq(&conn->lock);
	return sn;
}

/*
 * Data-In (status in the last one when possible), then SCSI Response.
 * A CHECK CONDITION may come with data (ktgt_cmd.data_with_cc): its
 * Data-In PDUs, then the SCSI Response with the sense; the status is
 * never in a Data-In then (RFC 7143 11.7.4: S = 1 only without an
 * exception).
 * @more: another response follows at once (kis_send_pdu()). Every PDU
 * but the last of the response is sent with MSG_MORE too: the next one
 * follows at once, so TCP fills its segments across PDU boundaries
 * instead of pushing out each Data-In's tail on its own.
 */
static int kis_send_response(struct kis_conn *conn, struct kis_task *task,
			     bool more)
{
	struct ktgt_cmd *cmd = &task->cmd;
	struct iscsi_tx_hdr h;
	u8 resid_flags = 0;
	u8 bhs[ISCSI_BHS_LEN];
	u8 sense[2 + KTGT_SENSE_LEN];
	u32 data_len = 0, off, datasn = 0;
	int ret = 0;

	if (cmd->resid)
		resid_flags = cmd->resid_over ? ISCSI_FLAG_RSP_OVERFLOW :
						ISCSI_FLAG_RSP_UNDERFLOW;
	if (task->dir == KTGT_DIR_READ && cmd->sg)
		data_len = min3(cmd->data_len, task->edtl, cmd->bufflen);

	for (off = 0; off < data_len; ) {
		u32 seg = min(READ_ONCE(conn->p.max_xmit_dsl), data_len - off);
		bool last = off + seg == data_len;
		bool collapse = last && !cmd->sense_len &&
				(cmd->status == KTGT_SAM_GOOD ||
				 cmd->status == KTGT_SAM_CONDITION_MET);

		memset(&h, 0, sizeof(h));
		h.opcode = ISCSI_OP_DATA_IN;
		h.flags = last ? ISCSI_FLAG_FINAL : 0;
		if (collapse) {
			h.flags |= ISCSI_FLAG_DATA_STATUS | resid_flags;
			h.status = cmd->status;
			h.count = cmd->resid;
			h.statsn = kis_status_statsn(conn, task);
		}
		h.dlen = seg;
		h.itt = task->itt;
		h.ttt = ISCSI_RSVD_TAG;
		h.sn = datasn++;
		h.offset = off;
		kis_sn_fill(conn->s, &h);
		iscsi_pdu_build(bhs, &h);
		ret = kis_send_pdu(conn, bhs, NULL, cmd->sg, off, seg,
				   !collapse || more);
		if (ret)
			return ret;
		off += seg;
		if (collapse)
			return 0;
	}

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_SCSI_RSP;
	h.flags = resid_flags;
	h.response = ISCSI_RSP_COMPLETED;
	h.status = cmd->status;
	h.itt = task->itt;
	h.sn = datasn;
	h.count = cmd->resid;
	if (cmd->sense_len) {
		put_unaligned_be16(cmd->sense_len, sense);
		memcpy(sense + 2, cmd->sense, cmd->sense_len);
		h.dlen = 2 + cmd->sense_len;
	}
	h.statsn = kis_status_statsn(conn, task);
	kis_sn_fill(conn->s, &h);
	iscsi_pdu_build(bhs, &h);
	return kis_send_pdu(conn, bhs, h.dlen ? sense : NULL, NULL, 0, h.dlen,
			    more);
}

/* The core is done with @task's outcome: release it. Any context. */
static void kis_task_release(struct kis_conn *conn, struct kis_task *task)
{
	struct kis_sess *s = conn->s;
	unsigned long flags;
	bool rx_busy;

	spin_lock_irqsave(&conn->lock, flags);
	kis_unhash(conn, task);
	task->released = true;
	rx_busy = task->rx_busy;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (task->counted) {
		spin_lock_irqsave(&s->sn_lock, flags);
		s->outstanding--;
		if (task->imm)
			conn->imm_nr--;
		spin_unlock_irqrestore(&s->sn_lock, flags);
		task->counted = false;
		task->imm = false;
	}
	/* The receive thread calls it once out of the buffer. */
	if (!rx_busy)
		ktgt_cmd_xmit_done(&task->cmd);
}

static int kis_send_ctl(struct kis_conn *conn, struct kis_ctl *c)
{
	if (c->advance_statsn)
		c->h.statsn = kis_next_statsn(conn);
	else
		c->h.statsn = conn->statsn;
	kis_sn_fill(conn->s, &c->h);
	iscsi_pdu_build(c->bhs, &c->h);
	return kis_send_pdu(conn, c->bhs, c->dlen ? c->data : NULL, NULL, 0,
			    c->dlen, false);
}

/*
 * May the response being sent end with MSG_MORE (tx_batch)? Only if the
 * PDU this thread sends next is sure to push it: a control PDU that need
 * not wait (kis_ctl_waits()), or the response of the first queued task.
 * Only this thread and kis_conn_stop() take from the lists, and a task's
 * tx bits only grow while it is queued, so what is first now is sent
 * next (a control PDU queued meanwhile either goes next or waits for
 * every task queued now). Not an R2T: kis_send_r2ts() may find none to
 * send. Under conn->lock.
 */
static bool kis_tx_more_locked(struct kis_conn *conn)
{
	struct kis_task *next;
	struct kis_ctl *c;

	lockdep_assert_held(&conn->lock);
	if (!READ_ONCE(kis_tx_batch))
		return false;
	next = list_first_entry_or_null(&conn->tx_tasks, struct kis_task,
					tx_node);
	c = list_first_entry_or_null(&conn->tx_ctl, struct kis_ctl, node);
	if (c && !kis_ctl_waits(c, next))
		return true;
	return next && (next->tx & KIS_TX_RSP);
}

/*
 * Log why a send on @conn failed with @ret: -EAGAIN is the send timeout
 * (conn->snd_timeout, sk_sndtimeo), the initiator taking no data.
 */
static void kis_send_failed(struct kis_conn *conn, int ret)
{
	if (ret == -EAGAIN)
		pr_info("%s: CID %u: the initiator took no data for %u s (nop_timeout %u), closing\n",
			conn->s->initiator, conn->cid, conn->snd_timeout,
			conn->snd_timeout);
	else
		pr_info_ratelimited("%s: CID %u: send failed: %d\n",
				    conn->s->initiator, conn->cid, ret);
}

static int kis_tx_thread(void *arg)
{
	struct kis_conn *conn = arg;
	int ret = 0;

	while (!kthread_should_stop()) {
		struct kis_ctl *c = NULL;
		struct kis_task *task = NULL;
		bool more = false;
		u8 what = 0;

		wait_event_interruptible(conn->tx_wq, kthread_should_stop() ||
					 !list_empty_careful(&conn->tx_ctl) ||
					 !list_empty_careful(&conn->tx_tasks));

		spin_lock_irq(&conn->lock);
		c = list_first_entry_or_null(&conn->tx_ctl, struct kis_ctl,
					     node);
		task = list_first_entry_or_null(&conn->tx_tasks,
						struct kis_task, tx_node);
		if (c && !kis_ctl_waits(c, task)) {
			list_del(&c->node);
			conn->tx_ctl_bytes -= kis_ctl_bytes(c);
			task = NULL;
		} else if (task) {
			c = NULL;
			list_del_init(&task->tx_node);
			task->queued = false;
			what = task->tx;
			task->tx = 0;
			more = kis_tx_more_locked(conn);
		}
		spin_unlock_irq(&conn->lock);

		if (c) {
			if (READ_ONCE(conn->tx_ctl_bytes) <= KIS_TX_CTL_MAX)
				wake_up(&conn->rx_wq);
			mutex_lock(&conn->tx_mutex);
			ret = kis_send_ctl(conn, c);
			mutex_unlock(&conn->tx_mutex);
			if (!ret && c->close_sess)
				kis_sess_logout(conn);
			else if (!ret && c->close_after)
				kis_conn_close(conn, c->close_reason);
			kfree(c);
		} else if (task) {
			mutex_lock(&conn->tx_mutex);
			if (what & KIS_TX_R2T)
				ret = kis_send_r2ts(conn, task);
			if (!ret && (what & KIS_TX_RSP)) {
				ret = kis_send_response(conn, task, more);
				if (!ret && more)
					kis_stat_add(tx_batched, 1);
			}
			mutex_unlock(&conn->tx_mutex);
			if (what & KIS_TX_RSP)
				kis_task_release(conn, task);
			kis_task_put(task);
		}
		if (ret) {
			kis_send_failed(conn, ret);
			kis_conn_close(conn, ret);
			break;
		}
	}
	/* Failed: what is queued is released by kis_conn_stop(). */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * Core callbacks
 * ---------------------------------------------------------------------
 */

/*
 * No more Data-Out is coming for @task: all its bytes are in or, after a
 * sequence error, every sequence begun has ended and no R2T is sent.
 * Under conn->lock.
 */
static bool kis_data_over(const struct kis_task *task)
{
	return task->received >= task->edtl || task->tmf_ended ||
	       (task->data_err && task->unsol_done && !task->r2t_out);
}

/* The error a write whose data is over ends with. Under conn->lock. */
static int kis_data_error(const struct kis_task *task)
{
	if (task->received >= task->edtl && !task->data_err)
		return 0;
	return task->tmf_ended ? -ECONNABORTED : -EBADMSG;
}

/*
 * Any context: the receive thread submitting the command (usually), a
 * core worker (a command that was deferred). Data that is already in is
 * handed on with KTGT_CTX_NOWAIT from the receive thread, which holds no
 * lock across ktgt_cmd_submit() (so a write of immediate data to a
 * nowait device executes there), with KTGT_CTX_ATOMIC from anywhere else.
 */
int kis_rdy_to_xfer(struct ktgt_cmd *cmd)
{
	struct kis_task *task = to_task(cmd);
	struct kis_conn *conn = task->conn;
	unsigned long flags;
	bool complete = false;
	bool dead;
	int err = 0;

	/* The core refuses data-out the W bit did not announce. */
	if (WARN_ON_ONCE(task->dir != KTGT_DIR_WRITE))
		return -EINVAL;
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->dead || task->nobuf) {
		dead = conn->dead;
		spin_unlock_irqrestore(&conn->lock, flags);
		return dead ? -ECONNABORTED : -ENOMEM;
	}
	task->xfer_ready = true;
	task->data_at = jiffies;
	task->data_start = task->data_at;
	if (kis_data_over(task)) {
		task->rx_complete = true;
		complete = true;
		err = kis_data_error(task);
	} else if (task->unsol_done && !task->data_err) {
		kis_queue_task_locked(conn, task, KIS_TX_R2T);
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (complete)
		ktgt_cmd_rx_done(cmd, err, current == conn->rx_thread ?
				 KTGT_CTX_NOWAIT : KTGT_CTX_ATOMIC);
	else
		wake_up(&conn->tx_wq);
	return 0;
}

/* The most bytes @task's response may take on the wire. */
static u32 kis_direct_len(const struct kis_task *task)
{
	u32 len = ISCSI_BHS_LEN + 2 * ISCSI_DIGEST_LEN + 4 + 2 +
		  KTGT_SENSE_LEN;

	if (task->dir == KTGT_DIR_READ && task->cmd.sg)
		len += min(task->cmd.data_len, task->edtl);
	return len;
}

/*
 * Queue @task's response for the transmit thread, or release the task if
 * the connection is dead. With @defer (the caller is the receive thread,
 * inside the core) and no R2T of the task still queued, leave it on
 * conn->rx_direct instead: the receive thread sends or queues it in
 * kis_rx_flush(), out of the core's call chain, before it reads the next
 * PDU. Any context.
 */
static void kis_queue_rsp(struct kis_conn *conn, struct kis_task *task,
			  bool defer)
{
	unsigned long flags;
	bool queued;

	spin_lock_irqsave(&conn->lock, flags);
	if (defer && !conn->dead && !task->queued) {
		refcount_inc(&task->ref);
		list_add_tail(&task->tx_node, &conn->rx_direct);
		spin_unlock_irqrestore(&conn->lock, flags);
		conn->rx_direct_nr++;
		return;
	}
	queued = kis_queue_task_locked(conn, task, KIS_TX_RSP);
	spin_unlock_irqrestore(&conn->lock, flags);
	if (queued)
		wake_up(&conn->tx_wq);
	else
		kis_task_release(conn, task);
}

/* Any context, hard interrupts included (a bio's end_io). */
int kis_xmit_response(struct ktgt_cmd *cmd)
{
	struct kis_task *task = to_task(cmd);
	struct kis_conn *conn = task->conn;
	bool defer;

	/*
	 * A task aborted by its own session (TMF, QErr, teardown) or by
	 * another with TAS = 0 gets no response: the TMF response covers
	 * it. One of another session aborted with TAS = 1 gets its TASK
	 * ABORTED status (SAM-5 5.6).
	 */
	if (ktgt_cmd_aborted_silently(cmd) ||
	    (task->tmf_ended && !task->xs_ended)) {
		kis_task_release(conn, task);
		return 0;
	}
	/*
	 * in_task(): the receive thread, not an interrupt that came in it.
	 * A response too large to send directly goes to the transmit
	 * thread now, not after the next PDU (kis_rx_flush()).
	 */
	defer = in_task() && current == conn->rx_thread &&
		READ_ONCE(kis_direct_send) &&
		kis_direct_len(task) <= KIS_DIRECT_MAX;
	kis_queue_rsp(conn, task, defer);
	return 0;
}

/* Any context. */
void kis_free_cmd(struct ktgt_cmd *cmd)
{
	struct kis_task *task = to_task(cmd);
	struct kis_conn *conn = task->conn;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	kis_unhash(conn, task);
	spin_unlock_irqrestore(&conn->lock, flags);
	kis_task_put(task);
}

static u8 kis_tmf_response(const struct kis_tmf *t)
{
	switch (t->tmf.response) {
	case KTGT_TMF_COMPLETE:
		if (t->function == ISCSI_TMF_QUERY_TASK)
			return ISCSI_TMF_RSP_NO_TASK;
		/*
		 * RFC 7143 11.5.1: ABORT TASK of a task that is not there is
		 * "Function complete" only if its RefCmdSN is still on its
		 * way (b); a task that has finished is "Task does not exist".
		 * One whose data phase this TMF ended may have finished
		 * before the core saw the TMF: it was aborted all the same.
		 */
		if (t->function == ISCSI_TMF_ABORT_TASK &&
		    !t->tmf.task_found && !t->ref_pending && !t->data_ended)
			return ISCSI_TMF_RSP_NO_TASK;
		return ISCSI_TMF_RSP_COMPLETE;
	case KTGT_TMF_SUCCEEDED:
		return ISCSI_TMF_RSP_COMPLETE;
	case KTGT_TMF_INCORRECT_LUN:
		return ISCSI_TMF_RSP_NO_LUN;
	case KTGT_TMF_NOT_SUPPORTED:
		return ISCSI_TMF_RSP_NOT_SUPPORTED;
	default:
		return ISCSI_TMF_RSP_REJECTED;
	}
}

/* Process context: the receive thread, or ->tmf_done() (ktgt.h). */
static void kis_queue_tmf_rsp(struct kis_conn *conn, u32 itt, u8 response)
{
	struct kis_ctl *c = kis_ctl_alloc(0, GFP_KERNEL);

	if (!c) {
		kis_conn_close(conn, -ENOMEM);
		return;
	}
	c->h.opcode = ISCSI_OP_TMF_RSP;
	c->h.itt = itt;
	c->h.response = response;
	c->advance_statsn = true;
	/*
	 * After the responses already queued: those of tasks that completed
	 * before the TMF got to them, which may be tasks it covers (ABORT
	 * TASK of one whose status is on its way, "Task does not exist";
	 * RFC 7143 4.2.3.3, 4.2.2.3: the TMF response comes after the
	 * responses of the affected tasks).
	 */
	c->fence = true;
	kis_queue_ctl(conn, c);
}

void kis_tmf_done(struct ktgt_tmf *tmf)
{
	struct kis_tmf *t = container_of(tmf, struct kis_tmf, tmf);
	struct kis_conn *conn = t->conn;
	struct kis_sess *s = conn->s;

	kis_queue_tmf_rsp(conn, t->itt, kis_tmf_response(t));
	kfree(t);
	kis_conn_put(conn);
	if (atomic_dec_and_test(&s->tmfs))
		wake_up(&s->tmf_wq);
}

/*
 * ---------------------------------------------------------------------
 * Receiving (receive thread)
 * ---------------------------------------------------------------------
 */

/* Fill in the core's command as soon as the SCSI Command PDU is parsed. */
static void kis_task_init_cmd(struct kis_task *task)
{
	struct ktgt_cmd *cmd = &task->cmd;
	static const enum ktgt_task_attr attrs[] = {
		[ISCSI_ATTR_UNTAGGED]		= KTGT_TASK_SIMPLE,
		[ISCSI_ATTR_SIMPLE]		= KTGT_TASK_SIMPLE,
		[ISCSI_ATTR_ORDERED]		= KTGT_TASK_ORDERED,
		[ISCSI_ATTR_HEAD_OF_QUEUE]	= KTGT_TASK_HEAD_OF_QUEUE,
		[ISCSI_ATTR_ACA]		= KTGT_TASK_ACA,
	};

	ktgt_cmd_init(cmd, task->conn->s->sess,
		      iscsi_lun_decode(task->raw_lun), task->itt, task->cdb,
		      task->cdb_len, attrs[task->attr], task->dir, task->edtl);
}

/*
 * @task's buffer, taken when it is handed to the core (@buf_later, see
 * Data-Out above): a receive thread, no lock held. Without one, as when
 * taken on arrival, the core answers BUSY.
 */
static void kis_task_take_buf(struct kis_task *task)
{
	struct kis_conn *conn = task->conn;
	int err = ktgt_cmd_alloc_buf(&task->cmd, task->edtl, GFP_KERNEL);

	spin_lock_irq(&conn->lock);
	if (err)
		task->nobuf = true;
	else
		task->wsg = task->cmd.sg;
	task->buf_later = false;
	spin_unlock_irq(&conn->lock);
}

static void kis_task_submit(struct kis_task *task)
{
	kis_held_buf_put(task);
	if (task->buf_later)
		kis_task_take_buf(task);
	task->submitted = true;
	ktgt_cmd_submit(&task->cmd, KTGT_CTX_NOWAIT);
}

/*
 * A write with unsolicited data (@task, non-immediate) is about to take
 * its buffer on arrival, where that data goes. If its CmdSN is not
 * ExpCmdSN it will wait for its turn with that buffer, taken from the
 * core's global max_buffer_mb budget: the session's writes waiting so
 * may hold at most KIS_HELD_BUF_MAX bytes between them, which bounds
 * what an initiator sending writes past a CmdSN gap it never fills can
 * keep from every other session (the CmdSN window alone allows
 * queue_depth writes of up to 8 MiB, the core's largest buffer: 512 MiB
 * with the default queue_depth). False: over that, the write takes no
 * buffer and its data is dropped; in its turn ->rdy_to_xfer() fails it
 * (CHECK CONDITION, ABORTED COMMAND, DATA PHASE ERROR, which initiators
 * retry), as it fails a write whose buffer max_buffer_mb refused (BUSY,
 * from the core). One at ExpCmdSN that another
 * connection's receive thread delivers (MC/S) is not counted: it is
 * submitted at once. Receive thread, no lock held.
 */
static bool kis_held_buf_take(struct kis_sess *s, struct kis_task *task)
{
	bool ok = true;

	spin_lock_irq(&s->sn_lock);
	if (task->cmdsn != s->exp_cmdsn) {
		if (task->edtl > KIS_HELD_BUF_MAX - s->held_buf) {
			ok = false;
		} else {
			s->held_buf += task->edtl;
			task->held_buf = true;
		}
	}
	spin_unlock_irq(&s->sn_lock);
	return ok;
}

/* A task that never reached the core. */
static void kis_task_discard(struct kis_task *task)
{
	struct kis_conn *conn = task->conn;

	spin_lock_irq(&conn->lock);
	kis_unhash(conn, task);
	spin_unlock_irq(&conn->lock);
	kis_task_put(task);
}

/* Whether @sn counts as received with nothing to run. sn_lock held. */
static bool kis_sn_gone(struct kis_sess *s, u32 sn)
{
	lockdep_assert_held(&s->sn_lock);
	return s->nr_gone && test_bit(sn % KIS_GONE_MAP, s->gone_map);
}

/* Forget @sn in s->gone_map; true if it was there. sn_lock held. */
static bool kis_gone_take(struct kis_sess *s, u32 sn)
{
	lockdep_assert_held(&s->sn_lock);
	if (!__test_and_clear_bit(sn % KIS_GONE_MAP, s->gone_map))
		return false;
	s->nr_gone--;
	return true;
}

/*
 * Count @sn, in the window after ExpCmdSN, as received with nothing to
 * run for it. sn_lock held.
 */
static void kis_gone_add(struct kis_sess *s, u32 sn)
{
	lockdep_assert_held(&s->sn_lock);
	if (WARN_ON_ONCE(!iscsi_sn_gt(sn, s->exp_cmdsn) ||
			 iscsi_sn_gt(sn, s->max_cmdsn)))
		return;
	if (!__test_and_set_bit(sn % KIS_GONE_MAP, s->gone_map))
		s->nr_gone++;
}

/* ExpCmdSN past the CmdSN just taken and any aborted before arriving. */
static void kis_exp_cmdsn_next(struct kis_sess *s)
{
	lockdep_assert_held(&s->sn_lock);
	do
		s->exp_cmdsn++;
	while (s->nr_gone && kis_gone_take(s, s->exp_cmdsn));
}

/* Whether a held command or request has CmdSN @sn. sn_lock held. */
static bool kis_sn_held(struct kis_sess *s, u32 sn)
{
	struct kis_task *task;
	struct kis_req *r;

	lockdep_assert_held(&s->sn_lock);
	/* Both sorted by CmdSN: stop past @sn. */
	list_for_each_entry(task, &s->held, held_node) {
		if (task->cmdsn == sn)
			return true;
		if (iscsi_sn_gt(task->cmdsn, sn))
			break;
	}
	list_for_each_entry(r, &s->held_reqs, node) {
		if (r->pdu.cmdsn == sn)
			return true;
		if (iscsi_sn_gt(r->pdu.cmdsn, sn))
			break;
	}
	return false;
}

/*
 * RFC 7143 11.5.1 (b): ABORT TASK of task @itt whose RefCmdSN @sn is in
 * the window but has not run. The target considers @sn received: a
 * command held for it (its ITT matching) is discarded when its turn
 * comes instead of running; if none came yet, ExpCmdSN passes @sn and
 * the command is dropped should it come later. A request held for @sn
 * (NOP-Out, TMF, Text, Logout) has come and is no task: it runs in its
 * turn. sn_lock held; call kis_sess_run_held() after unlocking.
 */
static void kis_sn_abort(struct kis_sess *s, u32 sn, u32 itt)
{
	struct kis_task *task;
	struct kis_req *r;

	lockdep_assert_held(&s->sn_lock);
	list_for_each_entry(task, &s->held, held_node) {
		if (task->cmdsn == sn) {
			if (task->itt == itt)
				task->sn_aborted = true;
			return;
		}
	}
	list_for_each_entry(r, &s->held_reqs, node)
		if (r->pdu.cmdsn == sn)
			return;
	if (sn == s->exp_cmdsn)
		kis_exp_cmdsn_next(s);
	else
		kis_gone_add(s, sn);
}

static void kis_req_run_held(struct kis_conn *conn, struct kis_req *r);

/*
 * Submit the held commands and run the held requests whose turn has
 * come, in CmdSN order. @conn's receive thread (process context, no lock
 * held); the requests may be of another connection of the session
 * (MC/S). With @own, the thread is the session's deliverer
 * (kis_cmdsn_check() made it one, and it has just handed the PDU at the
 * old ExpCmdSN on); else it becomes the deliverer unless another thread
 * is, which then does the work. The deliverer stops being one, under
 * sn_lock, when nothing is left at ExpCmdSN. See "Command numbering".
 */
static void kis_sess_run_held(struct kis_conn *conn, bool own)
{
	struct kis_sess *s = conn->s;

	if (!own) {
		spin_lock_irq(&s->sn_lock);
		if (s->delivering) {
			spin_unlock_irq(&s->sn_lock);
			return;
		}
		s->delivering = true;
		spin_unlock_irq(&s->sn_lock);
	}
	for (;;) {
		struct kis_task *task;
		struct kis_req *r;

		spin_lock_irq(&s->sn_lock);
		task = list_first_entry_or_null(&s->held, struct kis_task,
						held_node);
		if (task && task->cmdsn == s->exp_cmdsn) {
			list_del_init(&task->held_node);
			s->nr_held--;
			kis_exp_cmdsn_next(s);
			if (unlikely(task->sn_aborted)) {
				s->outstanding--;
				task->counted = false;
				spin_unlock_irq(&s->sn_lock);
				kis_task_discard(task);
				continue;
			}
			spin_unlock_irq(&s->sn_lock);
			kis_task_submit(task);
			continue;
		}
		r = list_first_entry_or_null(&s->held_reqs, struct kis_req,
					     node);
		if (!r || r->pdu.cmdsn != s->exp_cmdsn) {
			s->delivering = false;
			spin_unlock_irq(&s->sn_lock);
			return;
		}
		list_del_init(&r->node);
		kis_exp_cmdsn_next(s);
		spin_unlock_irq(&s->sn_lock);
		kis_req_run_held(conn, r);
	}
}

/*
 * Where a non-immediate PDU's CmdSN falls; sn_lock held. 0: it runs now,
 * ExpCmdSN moves past it, and the caller is the session's deliverer: it
 * hands the PDU on, then calls kis_sess_run_held(conn, true); 1: later in
 * the window, or at ExpCmdSN while another thread is the deliverer (which
 * takes it in its turn), the caller holds it; -1: drop it (outside the
 * window, or a CmdSN already held); -2: drop it (aborted before it came,
 * 11.5.1 b).
 */
static int kis_cmdsn_check(struct kis_sess *s, u32 cmdsn)
{
	int r;

	lockdep_assert_held(&s->sn_lock);
	r = iscsi_cmdsn_check(cmdsn, s->exp_cmdsn, s->max_cmdsn);
	if (r < 0 || kis_sn_held(s, cmdsn))
		return -1;
	if (r == 0 && !s->delivering) {
		s->delivering = true;
		kis_exp_cmdsn_next(s);
		return 0;
	}
	if (kis_sn_gone(s, cmdsn))
		return -2;
	return 1;
}

/*
 * CmdSN bookkeeping of a non-immediate command (kis_cmdsn_check()): 0
 * submit it now, 1 held on s->held, < 0 drop it.
 */
static int kis_cmdsn_accept(struct kis_sess *s, struct kis_task *task)
{
	struct kis_task *pos;
	int r;

	spin_lock_irq(&s->sn_lock);
	r = kis_cmdsn_check(s, task->cmdsn);
	if (r > 0) {
		/* Keep s->held sorted by CmdSN. */
		list_for_each_entry(pos, &s->held, held_node)
			if (iscsi_sn_gt(pos->cmdsn, task->cmdsn))
				break;
		list_add_tail(&task->held_node, &pos->held_node);
		s->nr_held++;
	}
	if (r >= 0) {
		s->outstanding++;
		task->counted = true;
	}
	spin_unlock_irq(&s->sn_lock);
	return r;
}

/*
 * An immediate command takes no CmdSN, so the window does not bound
 * them: count them in s->outstanding like the others, which keeps
 * MaxCmdSN down while they are in the core, and accept one only while
 * the session has fewer than queue_depth commands in the core, or when
 * its connection has none (RFC 7143 4.2.2.1: a target must accept at
 * least one immediate non-TMF command per connection). The others get a
 * Reject "Immediate command reject - too many immediate commands"
 * (11.17.1), the reason the RFC has for just this; nothing of them
 * reaches the core. Linux initiators send no immediate SCSI commands.
 */
static bool kis_imm_accept(struct kis_sess *s, struct kis_task *task)
{
	struct kis_conn *conn = task->conn;
	bool ok;

	spin_lock_irq(&s->sn_lock);
	ok = s->outstanding - s->nr_held < s->p.queue_depth || !conn->imm_nr;
	if (ok) {
		s->outstanding++;
		conn->imm_nr++;
		task->counted = true;
		task->imm = true;
	}
	spin_unlock_irq(&s->sn_lock);
	return ok;
}

/*
 * The same for a non-immediate request: 0 run it now, 1 held on
 * s->held_reqs (kis_sess_run_held() runs or kis_conn_stop() frees it),
 * < 0 drop it.
 */
static int kis_cmdsn_accept_req(struct kis_sess *s, struct kis_req *req)
{
	struct kis_req *pos;
	int r;

	spin_lock_irq(&s->sn_lock);
	r = kis_cmdsn_check(s, req->pdu.cmdsn);
	if (r > 0) {
		list_for_each_entry(pos, &s->held_reqs, node)
			if (iscsi_sn_gt(pos->pdu.cmdsn, req->pdu.cmdsn))
				break;
		list_add_tail(&req->node, &pos->node);
	}
	spin_unlock_irq(&s->sn_lock);
	return r;
}

static int kis_rx_scsi_cmd(struct kis_conn *conn, const u8 *bhs,
			   const struct iscsi_pdu *pdu)
{
	struct kis_sess *s = conn->s;
	struct kis_task *task, *other;
	bool write = pdu->flags & ISCSI_FLAG_CMD_WRITE;
	u8 cdb[KTGT_MAX_CDB_LEN];
	u32 crc = ~0U, cdb_len;
	int ret, r;

	/* The AHS is in conn->scratch, which draining data overwrites. */
	memcpy(cdb, pdu->cdb, ISCSI_CDB_LEN);
	if (iscsi_ahs_parse(conn->scratch, pdu->ahs_len, cdb, sizeof(cdb),
			    &cdb_len)) {
		pr_info_ratelimited("%s: ITT 0x%x: bad AHS\n", s->initiator,
				    pdu->itt);
		kis_reject(conn, bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
		return kis_drain_data(conn, pdu->dlen);
	}

	if (write && pdu->edtl > KIS_MAX_WRITE) {
		pr_info_ratelimited("%s: ITT 0x%x: EDTL %u too large\n",
				    s->initiator, pdu->itt, pdu->edtl);
		kis_reject(conn, bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
		return kis_drain_data(conn, pdu->dlen);
	}
	if (pdu->dlen && (!conn->p.immediate_data ||
			  pdu->dlen > conn->p.first_burst)) {
		pr_info_ratelimited("%s: ITT 0x%x: unexpected immediate data\n",
				    s->initiator, pdu->itt);
		kis_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return kis_drain_data(conn, pdu->dlen);
	}

	task = kis_task_alloc(conn);
	if (!task) {
		kis_reject(conn, bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
		return kis_drain_data(conn, pdu->dlen);
	}
	kref_get(&conn->ref);
	task->conn = conn;
	refcount_set(&task->ref, 1);
	INIT_LIST_HEAD(&task->tx_node);
	INIT_LIST_HEAD(&task->held_node);
	task->itt = pdu->itt;
	task->cmdsn = pdu->cmdsn;
	task->edtl = pdu->edtl;
	task->raw_lun = pdu->lun;
	task->attr = pdu->attr;
	memcpy(task->cdb, cdb, sizeof(task->cdb));
	/* Longer than KTGT_MAX_CDB_LEN: the core answers INVALID FIELD. */
	task->cdb_len = min_t(u32, cdb_len, U8_MAX);
	if (write)
		task->dir = KTGT_DIR_WRITE;
	else if (pdu->flags & ISCSI_FLAG_CMD_READ)
		task->dir = KTGT_DIR_READ;
	else
		task->dir = KTGT_DIR_NONE;

	kis_task_init_cmd(task);

	if (write && pdu->edtl && !pdu->dlen &&
	    (pdu->final || conn->p.initial_r2t)) {
		/*
		 * No unsolicited data: the buffer waits for the command's
		 * turn (kis_task_submit()), not held past a CmdSN gap. The
		 * unsolicited burst is over (all zero); a Data-Out before
		 * then finds no @wsg and is refused.
		 */
		task->buf_later = true;
		task->unsol_done = true;
	} else if (write && pdu->edtl &&
		   ((!pdu->immediate && !kis_held_buf_take(s, task)) ||
		    ktgt_cmd_alloc_buf(&task->cmd, pdu->edtl, GFP_KERNEL))) {
		/*
		 * Submitted, it ends with BUSY (or a data phase error; over
		 * KIS_HELD_BUF_MAX, with one).
		 */
		kis_held_buf_put(task);
		task->nobuf = true;
		ret = kis_drain_data(conn, pdu->dlen);
		if (ret) {
			kis_task_put(task);
			return ret;
		}
	} else if (write && pdu->edtl) {
		task->wsg = task->cmd.sg;
		if (pdu->dlen) {
			ret = kis_recv_sg(conn, task->wsg, 0, pdu->dlen, &crc);
			if (!ret)
				ret = kis_recv_trailer(conn, pdu->dlen, crc);
			if (ret) {
				kis_task_put(task);
				if (ret == -EBADMSG)
					kis_reject(conn, bhs,
						   ISCSI_REJECT_DIGEST_ERROR);
				return ret;
			}
		}
		task->received = pdu->dlen;
		task->unsol_rcvd = pdu->dlen;
		if (pdu->final || conn->p.initial_r2t)
			task->unsol_len = pdu->dlen;
		else
			task->unsol_len = min(conn->p.first_burst, pdu->edtl);
		task->unsol_done = pdu->final ||
				   task->unsol_rcvd >= task->unsol_len;
		/* Set again when the unsolicited burst ends early. */
		task->r2t_next = task->unsol_rcvd;
		task->r2t_first = task->r2t_next;
	} else {
		ret = kis_drain_data(conn, pdu->dlen);
		if (ret) {
			kis_task_put(task);
			return ret;
		}
	}

	spin_lock_irq(&conn->lock);
	hash_for_each_possible(conn->itt_hash, other, hnode, pdu->itt) {
		if (other->itt == pdu->itt) {
			spin_unlock_irq(&conn->lock);
			pr_info_ratelimited("%s: ITT 0x%x already in use\n",
					    s->initiator, pdu->itt);
			kis_task_put(task);
			kis_reject(conn, bhs, ISCSI_REJECT_TASK_IN_PROGRESS);
			return 0;
		}
	}
	task->ttt = conn->next_ttt++;
	if (task->ttt == ISCSI_RSVD_TAG)
		task->ttt = conn->next_ttt++;
	hash_add(conn->itt_hash, &task->hnode, task->itt);
	task->hashed = true;
	spin_unlock_irq(&conn->lock);

	if (pdu->immediate) {
		if (!kis_imm_accept(s, task)) {
			pr_info_ratelimited("%s: ITT 0x%x: too many immediate commands\n",
					    s->initiator, pdu->itt);
			kis_stat_add(imm_rejected, 1);
			kis_task_discard(task);
			kis_reject(conn, bhs, ISCSI_REJECT_IMM_CMD_REJECT);
			return 0;
		}
		kis_task_submit(task);
		return 0;
	}
	r = kis_cmdsn_accept(s, task);
	if (r < 0) {
		pr_info_ratelimited("%s: CmdSN %u %s, dropped\n", s->initiator,
				    pdu->cmdsn, r == -2 ?
				    "aborted by ABORT TASK before it came" :
				    "outside the window or already held");
		kis_task_discard(task);
	} else if (r == 0) {
		kis_task_submit(task);
		kis_sess_run_held(conn, true);
	}
	return 0;
}

/*
 * DataPDUInOrder and DataSequenceInOrder are Yes (kis_get_params()
 * refuses a connection without them), so a write's data comes at
 * continuously increasing offsets, with no gap and no overlay (RFC 7143
 * 13.19, 13.20): immediate data at 0, the unsolicited Data-Out after it, then
 * the data of each R2T in the order they were sent, the last PDU of each
 * sequence with the F bit (11.7.1). @received is then the offset the
 * next PDU must carry. What @pdu breaks of that, or NULL; @pdu's range
 * is within EDTL, and within FirstBurstLength if unsolicited. Under
 * conn->lock.
 */
static const char *kis_data_out_misplaced(const struct kis_conn *conn,
					  const struct kis_task *task,
					  const struct iscsi_pdu *pdu,
					  bool unsol)
{
	u32 end = pdu->offset + pdu->dlen;
	u32 r2t_end;

	if (pdu->offset != task->received)
		return "not at the next offset";
	if (unsol)
		return NULL;
	/* The oldest R2T out: the sequence this PDU belongs to. */
	if (!task->r2t_out)
		return "without an R2T";
	r2t_end = task->r2t_first + kis_r2t_len(conn, task, task->r2t_first);
	if (end > r2t_end)
		return "past the end of its R2T";
	if (pdu->final && end != r2t_end)
		return "with the F bit before the end of its R2T";
	if (!pdu->final && end == r2t_end)
		return "without the F bit at the end of its R2T";
	return NULL;
}

static int kis_rx_data_out(struct kis_conn *conn, const u8 *bhs,
			   const struct iscsi_pdu *pdu)
{
	struct kis_task *task;
	bool unsol = pdu->ttt == ISCSI_RSVD_TAG;
	bool complete = false, r2t = false;
	bool seq_err = false, discard, seq_end;
	const char *misplaced = NULL;
	u32 crc = ~0U, exp_sn = 0, exp_off = 0;
	int ret, err = 0;

	task = kis_task_lookup(conn, pdu->itt);
	if (!task) {
		/* The command may have ended early: just drop its data. */
		return kis_drain_data(conn, pdu->dlen);
	}
	spin_lock_irq(&conn->lock);
	if (task->nobuf || task->released || task->tmf_ended) {
		/*
		 * No buffer, the command already ended, or a TMF ended its
		 * data phase (kis_tmf_end_data()): drop the data.
		 */
		spin_unlock_irq(&conn->lock);
		kis_task_put(task);
		return kis_drain_data(conn, pdu->dlen);
	}
	if (!task->wsg || task->rx_complete ||
	    pdu->offset > task->edtl || pdu->dlen > task->edtl - pdu->offset ||
	    (unsol ? task->unsol_done ||
		     pdu->offset + pdu->dlen > task->unsol_len :
		     pdu->ttt != task->ttt || !task->unsol_done ||
		     pdu->offset < task->unsol_rcvd)) {
		spin_unlock_irq(&conn->lock);
		kis_task_put(task);
		pr_info_ratelimited("%s: ITT 0x%x: bad Data-Out (offset %u length %u TTT 0x%x)\n",
				    conn->s->initiator, pdu->itt, pdu->offset,
				    pdu->dlen, pdu->ttt);
		kis_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return kis_drain_data(conn, pdu->dlen);
	}
	/*
	 * DataSN counts the Data-Out PDUs of a sequence from 0: the
	 * unsolicited one, then one per R2T, in order (DataSequenceInOrder
	 * and DataPDUInOrder are Yes). A gap is an implied digest error
	 * (RFC 7143 7.9); at ErrorRecoveryLevel 0 the PDU is rejected and
	 * the task ends with CHECK CONDITION once the data of its R2Ts sent
	 * so far is in (7.8 b). Its data from then on is dropped.
	 *
	 * A PDU out of place (kis_data_out_misplaced()) is treated the
	 * same: its data is not written, and the write never executes with
	 * bytes of its buffer that no Data-Out filled (the sgv pool does
	 * not zero the pages it hands out).
	 */
	if (!task->data_err) {
		exp_sn = task->data_sn;
		exp_off = task->received;
		if (pdu->datasn != exp_sn)
			seq_err = true;
		else
			misplaced = kis_data_out_misplaced(conn, task, pdu,
							   unsol);
		if (seq_err || misplaced)
			task->data_err = true;
	}
	discard = task->data_err;
	if (!discard)
		task->rx_busy = true;
	spin_unlock_irq(&conn->lock);

	if (seq_err) {
		pr_info_ratelimited("%s: ITT 0x%x: Data-Out DataSN %u, expected %u: the command fails\n",
				    conn->s->initiator, pdu->itt, pdu->datasn,
				    exp_sn);
		kis_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	} else if (misplaced) {
		pr_info_ratelimited("%s: ITT 0x%x: Data-Out at offset %u length %u %s (next offset %u): the command fails\n",
				    conn->s->initiator, pdu->itt, pdu->offset,
				    pdu->dlen, misplaced, exp_off);
		kis_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	}
	if (discard) {
		ret = kis_drain_data(conn, pdu->dlen);
	} else {
		ret = kis_recv_sg(conn, task->wsg, pdu->offset, pdu->dlen,
				  &crc);
		if (!ret)
			ret = kis_recv_trailer(conn, pdu->dlen, crc);
	}

	spin_lock_irq(&conn->lock);
	if (!discard)
		task->rx_busy = false;
	task->data_at = jiffies;
	if (task->released && !discard) {
		/* Released meanwhile: kis_task_release() left this to us. */
		spin_unlock_irq(&conn->lock);
		ktgt_cmd_xmit_done(&task->cmd);
		kis_task_put(task);
		if (ret == -EBADMSG)
			kis_reject(conn, bhs, ISCSI_REJECT_DIGEST_ERROR);
		return ret;
	}
	if (ret || task->released) {
		spin_unlock_irq(&conn->lock);
		kis_task_put(task);
		if (ret == -EBADMSG)
			kis_reject(conn, bhs, ISCSI_REJECT_DIGEST_ERROR);
		return ret;
	}
	task->received += pdu->dlen;
	if (unsol) {
		task->unsol_rcvd += pdu->dlen;
		seq_end = pdu->final || task->unsol_rcvd >= task->unsol_len;
		if (seq_end) {
			/* Ended early (F): the R2Ts ask for the rest. */
			task->unsol_done = true;
			task->r2t_next = task->unsol_rcvd;
			task->r2t_first = task->r2t_next;
			r2t = true;
		}
	} else {
		seq_end = pdu->final;
		if (seq_end && task->r2t_out) {
			task->r2t_first += kis_r2t_len(conn, task,
						       task->r2t_first);
			task->r2t_out--;
			r2t = true;
		}
	}
	task->data_sn = seq_end ? 0 : task->data_sn + 1;
	if (!task->rx_complete && kis_data_over(task)) {
		if (task->xfer_ready) {
			task->rx_complete = true;
			complete = true;
			err = kis_data_error(task);
		}
		r2t = false;
	} else if (r2t && task->xfer_ready && task->unsol_done &&
		   !task->data_err && task->r2t_next < task->edtl) {
		r2t = kis_queue_task_locked(conn, task, KIS_TX_R2T);
	} else {
		r2t = false;
	}
	spin_unlock_irq(&conn->lock);

	if (complete)
		ktgt_cmd_rx_done(&task->cmd, err, KTGT_CTX_NOWAIT);
	else if (r2t)
		wake_up(&conn->tx_wq);
	kis_task_put(task);
	return 0;
}

/* A NOP-Out with the reserved ITT: the answer to our ping. */
static int kis_rx_nop_answer(struct kis_conn *conn,
			     const struct iscsi_pdu *pdu)
{
	spin_lock_irq(&conn->lock);
	if (conn->nop_sent && pdu->ttt == conn->nop_ttt)
		conn->nop_sent = 0;
	spin_unlock_irq(&conn->lock);
	return kis_drain_data(conn, pdu->dlen);
}

/* A NOP-Out ping whose turn has come (kis_req_run()). */
static int kis_rx_nop_out(struct kis_conn *conn, const struct kis_req *r)
{
	const struct iscsi_pdu *pdu = &r->pdu;
	struct kis_ctl *c;
	u32 dlen;

	/*
	 * The ping data comes back, but no more of it than the initiator's
	 * MaxRecvDataSegmentLength (RFC 7143 11.18.5): all of it was
	 * received for the data digest, the rest is not echoed.
	 */
	dlen = min(pdu->dlen, READ_ONCE(conn->p.max_xmit_dsl));
	c = kis_ctl_alloc(dlen, GFP_KERNEL);
	if (!c) {
		kis_reject(conn, r->bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
		return 0;
	}
	memcpy(c->data, r->data, dlen);
	c->h.opcode = ISCSI_OP_NOOP_IN;
	c->h.dlen = c->dlen;
	c->h.lun = pdu->lun;
	c->h.itt = pdu->itt;
	c->h.ttt = ISCSI_RSVD_TAG;
	c->advance_statsn = true;
	kis_queue_ctl(conn, c);
	return 0;
}

/* Whether TMF @t of @conn's session covers @task. */
static bool kis_tmf_covers(const struct kis_tmf *t, const struct kis_task *task)
{
	switch (t->function) {
	case ISCSI_TMF_ABORT_TASK:
		return task->itt == (u32)t->tmf.ref_tag &&
		       iscsi_lun_decode(task->raw_lun) == t->tmf.lun;
	case ISCSI_TMF_ABORT_TASK_SET:
	case ISCSI_TMF_CLEAR_TASK_SET:
	case ISCSI_TMF_LUN_RESET:
		return iscsi_lun_decode(task->raw_lun) == t->tmf.lun;
	case ISCSI_TMF_TARGET_WARM_RESET:
	case ISCSI_TMF_TARGET_COLD_RESET:
	case ISCSI_TMF_I_T_NEXUS_RESET:
		return true;
	default:
		return false;
	}
}

/*
 * Take over the end of @task's data phase, which the core asked for and
 * which has not ended: under conn->lock, @task->xfer_ready and not
 * @task->rx_complete. @task goes on @list, with a reference, for
 * kis_data_abort_list() once the lock is dropped.
 */
static void kis_data_claim(struct kis_task *task, struct list_head *list)
{
	task->rx_complete = true;
	refcount_inc(&task->ref);
	list_add_tail(&task->held_node, list);
}

/*
 * Under conn->lock: whether @task is a submitted write whose data phase
 * has not ended, so that an abort must end it (kis_task_end_data()) and
 * dataout_timeout applies to it (kis_dataout_late()).
 */
static bool kis_task_awaits_data(struct kis_task *task)
{
	return task->submitted && task->wsg && !task->nobuf &&
	       !task->released && !task->rx_complete && !kis_data_over(task);
}

/*
 * Under conn->lock: end @task's data phase for an abort: no more R2Ts,
 * its Data-Out dropped, and, if the core asked for the data already, the
 * task on @list for kis_data_abort_list() (else ->rdy_to_xfer() ends it).
 */
static void kis_task_end_data(struct kis_task *task, struct list_head *list)
{
	task->tmf_ended = true;
	if (task->xfer_ready)
		kis_data_claim(task, list);
}

/* End the data phase of every task kis_data_claim() put on @list. */
static void kis_data_abort_list(struct list_head *list, enum ktgt_ctx ctx)
{
	struct kis_task *task, *tmp;

	list_for_each_entry_safe(task, tmp, list, held_node) {
		list_del_init(&task->held_node);
		ktgt_cmd_rx_done(&task->cmd, -ECONNABORTED, ctx);
		kis_task_put(task);
	}
}

/*
 * A receive thread, @conn's or, for a held TMF of an MC/S session,
 * another's (kis_sess_run_held()): TMF @t aborts the tasks it covers,
 * and the initiator may send no more data for them (Linux stops as soon
 * as it sends the TMF), while the core waits for them to be released.
 * A write of @conn waiting for Data-Out would wait for ever: end its
 * data phase here. In @conn's receive thread, the one that writes its
 * buffer, no receive is in progress for it; in another, one may be, and
 * @rx_busy leaves the buffer's release to @conn's receive thread once
 * it is out of it (kis_task_release()). No more R2Ts go out, its
 * Data-Out is dropped, and it ends with ktgt_cmd_rx_done(-ECONNABORTED),
 * now if the core asked for the data, else at ->rdy_to_xfer(). It gets
 * no response (kis_xmit_response()) whether the core sees it aborted
 * or, having got there first, failed. A write whose data is all in
 * (handed to the core or about to be) and one held for a CmdSN gap (not
 * submitted: the core does not wait for it) are left alone.
 */
static void kis_tmf_end_data(struct kis_conn *conn, struct kis_tmf *t)
{
	struct kis_task *task;
	unsigned int bkt;
	LIST_HEAD(fail);

	spin_lock_irq(&conn->lock);
	hash_for_each(conn->itt_hash, bkt, task, hnode) {
		if (!kis_task_awaits_data(task) || task->tmf_ended ||
		    !kis_tmf_covers(t, task))
			continue;
		if (t->function == ISCSI_TMF_ABORT_TASK)
			t->data_ended = true;
		kis_task_end_data(task, &fail);
	}
	spin_unlock_irq(&conn->lock);
	kis_data_abort_list(&fail, KTGT_CTX_NOWAIT);
}

/*
 * ->data_out_aborted(): the core aborted @cmd, a write whose data-out it
 * asked for, for a TMF or PREEMPT AND ABORT, of this session or another
 * (whose TMF kis_tmf_end_data() does not see), and waits for its
 * release. End its data phase as kis_tmf_end_data() does; the core's
 * abort decides its status (TASK ABORTED for another session's with TAS
 * = 1), so @xs_ended lets kis_xmit_response() send it. Process context,
 * a core worker, with a reference on @cmd.
 */
void kis_data_out_aborted(struct ktgt_cmd *cmd)
{
	struct kis_task *task = to_task(cmd);
	struct kis_conn *conn = task->conn;
	LIST_HEAD(fail);

	spin_lock_irq(&conn->lock);
	if (kis_task_awaits_data(task)) {
		task->xs_ended = true;
		kis_task_end_data(task, &fail);
	}
	spin_unlock_irq(&conn->lock);
	kis_data_abort_list(&fail, KTGT_CTX_THREAD);
}

/* A TMF Request whose turn has come (kis_req_run()). */
static int kis_rx_tmf(struct kis_conn *conn, const struct kis_req *r)
{
	static const s8 fns[] = {
		[ISCSI_TMF_ABORT_TASK]		= KTGT_TMF_ABORT_TASK,
		[ISCSI_TMF_ABORT_TASK_SET]	= KTGT_TMF_ABORT_TASK_SET,
		[ISCSI_TMF_CLEAR_ACA]		= KTGT_TMF_CLEAR_ACA,
		[ISCSI_TMF_CLEAR_TASK_SET]	= KTGT_TMF_CLEAR_TASK_SET,
		[ISCSI_TMF_LUN_RESET]		= KTGT_TMF_LUN_RESET,
		[ISCSI_TMF_TARGET_WARM_RESET]	= KTGT_TMF_TARGET_RESET,
		[ISCSI_TMF_TARGET_COLD_RESET]	= KTGT_TMF_TARGET_RESET,
		[ISCSI_TMF_TASK_REASSIGN]	= -1,
		[ISCSI_TMF_QUERY_TASK]		= KTGT_TMF_QUERY_TASK,
		[ISCSI_TMF_QUERY_TASK_SET]	= KTGT_TMF_QUERY_TASK_SET,
		[ISCSI_TMF_I_T_NEXUS_RESET]	= KTGT_TMF_I_T_NEXUS_RESET,
		[ISCSI_TMF_QUERY_ASYNC_EVENT]	= KTGT_TMF_QUERY_ASYNC_EVENT,
	};
	const struct iscsi_pdu *pdu = &r->pdu;
	struct kis_sess *s = conn->s;
	struct kis_tmf *t;

	if (pdu->function == ISCSI_TMF_TASK_REASSIGN) {
		/* Task reassignment needs ERL 2. */
		kis_queue_tmf_rsp(conn, pdu->itt, ISCSI_TMF_RSP_NO_REASSIGN);
		return 0;
	}
	if (!pdu->function || pdu->function >= ARRAY_SIZE(fns)) {
		kis_queue_tmf_rsp(conn, pdu->itt, ISCSI_TMF_RSP_NOT_SUPPORTED);
		return 0;
	}
	/*
	 * Each TMF is memory and core work until it is answered, which may
	 * be long (it waits for the tasks it aborted, without holding a
	 * worker of the core): beyond KIS_MAX_TMFS of one session it is
	 * refused, so that an initiator repeating TMFs for a stuck task
	 * does not pile them up without bound.
	 */
	if (!atomic_add_unless(&s->tmfs, 1, KIS_MAX_TMFS)) {
		kis_queue_tmf_rsp(conn, pdu->itt, ISCSI_TMF_RSP_REJECTED);
		return 0;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		kis_queue_tmf_rsp(conn, pdu->itt, ISCSI_TMF_RSP_REJECTED);
		if (atomic_dec_and_test(&s->tmfs))
			wake_up(&s->tmf_wq);
		return 0;
	}
	kref_get(&conn->ref);
	t->conn = conn;
	t->itt = pdu->itt;
	t->function = pdu->function;
	t->tmf.sess = s->sess;
	t->tmf.fn = fns[pdu->function];
	t->tmf.lun = iscsi_lun_decode(pdu->lun);
	t->tmf.tag = pdu->itt;
	t->tmf.ref_tag = pdu->ttt;
	/*
	 * Within the window and below the TMF's own CmdSN: not arrived yet
	 * (only for an immediate TMF: a non-immediate one runs once ExpCmdSN
	 * has passed every CmdSN below its own). What kis_sn_abort() lets
	 * run, the caller's kis_sess_run_held() does.
	 */
	spin_lock_irq(&s->sn_lock);
	t->ref_pending = !iscsi_sn_lt(pdu->ref_cmdsn, s->exp_cmdsn) &&
			 !iscsi_sn_gt(pdu->ref_cmdsn, s->max_cmdsn) &&
			 iscsi_sn_lt(pdu->ref_cmdsn, pdu->cmdsn);
	if (t->ref_pending && pdu->function == ISCSI_TMF_ABORT_TASK)
		kis_sn_abort(s, pdu->ref_cmdsn, pdu->ttt);
	spin_unlock_irq(&s->sn_lock);
	kis_tmf_end_data(conn, t);
	ktgt_tmf_submit(&t->tmf);
	return 0;
}

static struct kis_conn *kis_conn_find(struct kis_sess *s, u16 cid)
{
	struct kis_conn *conn;

	lockdep_assert_held(&kis_mutex);
	list_for_each_entry(conn, &s->conns, node)
		if (conn->cid == cid)
			return conn;
	return NULL;
}

/* A Logout Request whose turn has come (kis_req_run()). */
static int kis_rx_logout(struct kis_conn *conn, const struct kis_req *r)
{
	const struct iscsi_pdu *pdu = &r->pdu;
	struct kis_sess *s = conn->s;
	struct kis_conn *other = NULL;
	struct kis_ctl *c;

	c = kis_ctl_alloc(0, GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->h.opcode = ISCSI_OP_LOGOUT_RSP;
	c->h.itt = pdu->itt;
	c->h.param[1] = s->p.t2wait;
	c->h.param[2] = s->p.t2retain;
	c->advance_statsn = true;
	/*
	 * After the responses of the commands that completed before it,
	 * already queued: the connection closes once this is sent, and
	 * they would be lost.
	 */
	c->fence = true;

	switch (pdu->function) {
	case ISCSI_LOGOUT_SESSION:
		/*
		 * RFC 7143 11.14.1: the whole session, on whichever of its
		 * connections the request came. Once the response is sent,
		 * kis_sess_logout() ends it, every connection with it.
		 */
		c->h.response = ISCSI_LOGOUT_RSP_OK;
		c->close_after = true;
		c->close_sess = true;
		WRITE_ONCE(conn->logout, true);
		WRITE_ONCE(conn->logout_sess, true);
		break;
	case ISCSI_LOGOUT_CONNECTION:
		mutex_lock(&kis_mutex);
		other = kis_conn_find(s, pdu->cid);
		if (other)
			kref_get(&other->ref);
		mutex_unlock(&kis_mutex);
		if (!other) {
			c->h.response = ISCSI_LOGOUT_RSP_NO_CID;
		} else if (other == conn) {
			c->h.response = ISCSI_LOGOUT_RSP_OK;
			c->close_after = true;
			WRITE_ONCE(conn->logout, true);
		} else {
			c->h.response = ISCSI_LOGOUT_RSP_OK;
			kis_conn_close(other, 0);
		}
		if (other)
			kis_conn_put(other);
		break;
	default:
		c->h.response = ISCSI_LOGOUT_RSP_NO_RECOVERY;
		break;
	}
	kis_queue_ctl(conn, c);
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * Requests other than SCSI Commands (struct kis_req)
 * ---------------------------------------------------------------------
 */

static void kis_req_free(struct kis_req *r)
{
	kis_conn_put(r->conn);
	kvfree(r);
}

/*
 * Act on @r, whose turn has come: in the receive thread of its
 * connection or, on an MC/S session, of the connection that filled the
 * CmdSN gap before it (kis_sess_run_held()); process context, no lock
 * held. Not on a connection that is stopping: its response could not go
 * out. An error closes @r's connection.
 */
static void kis_req_run(struct kis_req *r)
{
	struct kis_conn *conn = r->conn;
	int ret = 0;

	if (r->discard || kis_conn_dead(conn))
		return;
	switch (r->pdu.opcode) {
	case ISCSI_OP_NOOP_OUT:
		ret = kis_rx_nop_out(conn, r);
		break;
	case ISCSI_OP_TMF_REQ:
		ret = kis_rx_tmf(conn, r);
		break;
	case ISCSI_OP_TEXT_REQ:
		ret = kis_rx_text(conn, r);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		ret = kis_rx_logout(conn, r);
		break;
	}
	if (ret)
		kis_conn_close(conn, ret);
}

/*
 * kis_sess_run_held() took @r, held for its CmdSN: run it in @conn's
 * receive thread, after the responses this thread holds (those of the
 * commands before it, as kis_rx_pdu() sends them before a request), and
 * free it.
 */
static void kis_req_run_held(struct kis_conn *conn, struct kis_req *r)
{
	int ret;

	if (!list_empty(&conn->rx_direct)) {
		ret = kis_rx_flush(conn, 0);
		if (ret)
			kis_conn_close(conn, ret);
	}
	kis_req_run(r);
	kis_req_free(r);
}

/*
 * A NOP-Out with an ITT, a TMF, Text or Logout Request (receive thread):
 * read with its data segment into a struct kis_req, then run now (an
 * immediate one, or one at ExpCmdSN), held for its CmdSN (later in the
 * window) or dropped. A data digest error gets a Reject, and the PDU
 * counts only for its CmdSN.
 */
static int kis_rx_req(struct kis_conn *conn, const u8 *bhs,
		      const struct iscsi_pdu *pdu)
{
	struct kis_sess *s = conn->s;
	struct kis_req *r;
	int ret;

	r = kvmalloc(struct_size(r, data, pdu->dlen), GFP_KERNEL);
	if (!r) {
		/* Its CmdSN never taken, the session would stall. */
		if (!pdu->immediate)
			return -ENOMEM;
		kis_reject(conn, bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
		return kis_drain_data(conn, pdu->dlen);
	}
	kref_get(&conn->ref);
	r->conn = conn;
	INIT_LIST_HEAD(&r->node);
	r->discard = false;
	r->pdu = *pdu;
	r->pdu.cdb = NULL;
	memcpy(r->bhs, bhs, ISCSI_BHS_LEN);
	ret = kis_recv_data(conn, r->data, pdu->dlen);
	if (ret == -EBADMSG) {
		kis_reject(conn, bhs, ISCSI_REJECT_DIGEST_ERROR);
		r->discard = true;
	} else if (ret) {
		kis_req_free(r);
		return ret;
	}

	if (!pdu->immediate) {
		ret = kis_cmdsn_accept_req(s, r);
		if (ret > 0)
			return 0;	/* held: kis_sess_run_held() runs it */
		if (ret < 0) {
			pr_info_ratelimited("%s: CID %u: opcode 0x%02x CmdSN %u %s, dropped\n",
					    s->initiator, conn->cid,
					    pdu->opcode, pdu->cmdsn, ret == -2 ?
					    "aborted by ABORT TASK before it came" :
					    "outside the window or already held");
			kis_req_free(r);
			return 0;
		}
	}
	kis_req_run(r);
	kis_req_free(r);
	/*
	 * ExpCmdSN moved (this thread is the deliverer), or an immediate
	 * ABORT TASK passed over a CmdSN.
	 */
	kis_sess_run_held(conn, !pdu->immediate);
	return 0;
}

static const char *kis_pdu_err_str(enum iscsi_pdu_err err)
{
	switch (err) {
	case ISCSI_PDU_BAD_OPCODE:
		return "unsupported opcode";
	case ISCSI_PDU_BAD_FIELD:
		return "invalid field";
	case ISCSI_PDU_TOO_LONG:
		return "data segment too long";
	default:
		return "protocol error";
	}
}

static int kis_rx_pdu(struct kis_conn *conn)
{
	struct iscsi_pdu pdu;
	enum iscsi_pdu_err err;
	u8 bhs[ISCSI_BHS_LEN];
	u32 crc = ~0U;
	int ret;

	conn->rx_hold = false;
	ret = kis_recv(conn, bhs, sizeof(bhs));
	if (ret)
		return ret;
	WRITE_ONCE(conn->last_rx, jiffies);
	err = iscsi_pdu_parse(bhs, conn->p.max_recv_dsl, &pdu);
	if (conn->p.hdigest)
		crc = kis_crc(crc, bhs, sizeof(bhs));
	if (pdu.ahs_len) {
		if (pdu.ahs_len > sizeof(conn->scratch))
			return -EPROTO;
		ret = kis_recv(conn, conn->scratch, pdu.ahs_len);
		if (ret)
			return ret;
		if (conn->p.hdigest)
			crc = kis_crc(crc, conn->scratch, pdu.ahs_len);
	}
	if (conn->p.hdigest) {
		__le32 digest;

		ret = kis_recv(conn, &digest, sizeof(digest));
		if (ret)
			return ret;
		if (le32_to_cpu(digest) != ~crc) {
			/* The header cannot be trusted: ERL 0 drops it all. */
			pr_info_ratelimited("%s: CID %u: header digest error\n",
					    conn->s->initiator, conn->cid);
			return -EBADMSG;
		}
	}

	if (err) {
		pr_info_ratelimited("%s: CID %u: PDU opcode 0x%02x rejected: %s\n",
				    conn->s->initiator, conn->cid, pdu.opcode,
				    kis_pdu_err_str(err));
		/*
		 * A segment longer than we declared: we cannot resync. The
		 * transmit thread closes the connection after the Reject.
		 */
		if (err == ISCSI_PDU_TOO_LONG)
			return kis_reject_close(conn, bhs,
						ISCSI_REJECT_PROTOCOL_ERROR,
						-EPROTO) ? KIS_RX_CLOSING :
							   -EPROTO;
		if (err == ISCSI_PDU_BAD_OPCODE)
			kis_reject(conn, bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		else if (err == ISCSI_PDU_BAD_FIELD)
			kis_reject(conn, bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
		else
			kis_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return kis_drain_data(conn, pdu.dlen);
	}

	if (READ_ONCE(conn->logout) && pdu.opcode != ISCSI_OP_DATA_OUT &&
	    pdu.opcode != ISCSI_OP_NOOP_OUT) {
		kis_reject(conn, bhs, ISCSI_REJECT_WAITING_LOGOUT);
		return kis_drain_data(conn, pdu.dlen);
	}

	conn->rx_hold = (pdu.opcode == ISCSI_OP_SCSI_CMD ||
			 pdu.opcode == ISCSI_OP_DATA_OUT) &&
			pdu.dlen <= KIS_HOLD_DLEN_MAX;
	/*
	 * A TMF, Logout, ... comes after the responses already made; a
	 * long data segment is not read with responses held.
	 */
	if (!conn->rx_hold && !list_empty(&conn->rx_direct)) {
		ret = kis_rx_flush(conn, 0);
		if (ret)
			return ret;
	}
	switch (pdu.opcode) {
	case ISCSI_OP_SCSI_CMD:
		return kis_rx_scsi_cmd(conn, bhs, &pdu);
	case ISCSI_OP_DATA_OUT:
		return kis_rx_data_out(conn, bhs, &pdu);
	case ISCSI_OP_NOOP_OUT:
		if (pdu.itt == ISCSI_RSVD_TAG)
			return kis_rx_nop_answer(conn, &pdu);
		return kis_rx_req(conn, bhs, &pdu);
	case ISCSI_OP_TMF_REQ:
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_LOGOUT_REQ:
		return kis_rx_req(conn, bhs, &pdu);
	default:
		kis_reject(conn, bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		return kis_drain_data(conn, pdu.dlen);
	}
}

/*
 * Send or queue for the transmit thread the responses kis_queue_rsp()
 * left on conn->rx_direct while this thread was in the core. They are
 * sent here, together, if the transmit thread has nothing queued and
 * tx_mutex is free; those too large (KIS_DIRECT_MAX) or that do not fit
 * in the socket's free space are queued. @ret: kis_rx_pdu()'s result;
 * after an error everything is queued (and released by kis_conn_stop()).
 * Returns @ret or the send's error. Receive thread only.
 */
static int kis_rx_flush(struct kis_conn *conn, int ret)
{
	struct kis_task *task, *tmp;
	LIST_HEAD(send);
	LIST_HEAD(sent);
	LIST_HEAD(queue);
	long nr = 0, batched = 0;
	int room;

	if (conn->rx_held_nr) {
		kis_stat_add(direct_held, conn->rx_held_nr);
		conn->rx_held_nr = 0;
	}
	conn->rx_direct_nr = 0;
	if (list_empty(&conn->rx_direct))
		return ret;
	/* Hints: a race only sends through the transmit thread. */
	if (!ret && list_empty_careful(&conn->tx_ctl) &&
	    list_empty_careful(&conn->tx_tasks) &&
	    mutex_trylock(&conn->tx_mutex)) {
		room = sk_stream_wspace(conn->sock->sk);
		list_for_each_entry_safe(task, tmp, &conn->rx_direct, tx_node) {
			u32 len = kis_direct_len(task);

			if (len <= KIS_DIRECT_MAX && (int)len <= room) {
				room -= len;
				list_move_tail(&task->tx_node, &send);
			}
		}
		list_for_each_entry_safe(task, tmp, &send, tx_node) {
			bool more;

			list_move_tail(&task->tx_node, &sent);
			more = !list_empty(&send);
			ret = kis_send_response(conn, task, more);
			if (ret)
				break;
			nr++;
			batched += more;
		}
		mutex_unlock(&conn->tx_mutex);
		/* Not sent after a send error. */
		list_splice_tail_init(&send, &queue);
	}
	/* The rest, before a release below adds to rx_direct again. */
	list_splice_init(&conn->rx_direct, &queue);
	/* Out of tx_mutex: releasing may complete more commands here. */
	list_for_each_entry_safe(task, tmp, &sent, tx_node) {
		list_del_init(&task->tx_node);
		kis_task_release(conn, task);
		kis_task_put(task);
	}
	list_for_each_entry_safe(task, tmp, &queue, tx_node) {
		list_del_init(&task->tx_node);
		kis_queue_rsp(conn, task, false);
		kis_task_put(task);
	}
	if (nr) {
		kis_stat_add(direct_rsps, nr);
		kis_stat_add(direct_batched, batched);
	}
	return ret;
}

/*
 * After kis_rx_pdu(): may the responses on conn->rx_direct wait while
 * the next PDU is read and executed (kis_direct_batch)? Only after a
 * SCSI Command or Data-Out with a short data segment, with fewer than
 * kis_direct_batch held, and a BHS already in the socket. kis_recv()
 * sends them before it waits, kis_rx_pdu() before it acts on a PDU of
 * another kind or with a long data segment.
 */
static bool kis_rx_may_hold(struct kis_conn *conn)
{
	if (!conn->rx_hold || kis_tx_full(conn) ||
	    conn->rx_direct_nr >= READ_ONCE(kis_direct_batch) ||
	    tcp_inq(conn->sock->sk) < ISCSI_BHS_LEN)
		return false;
	conn->rx_held_nr = conn->rx_direct_nr;
	return true;
}

/*
 * Before the receive thread reads the next PDU header: wait while
 * kis_tx_full(), so that the socket's receive queue, then TCP's window,
 * fills and the initiator has to stop sending. Interruptible: it may last
 * until the NOP-In timeout closes the connection (kis_conn_stop():
 * kthread_stop() ends the wait); a dead connection does not wait.
 */
static void kis_rx_wait_tx(struct kis_conn *conn)
{
	if (!kis_tx_full(conn))
		return;
	kis_stat_add(rx_throttled, 1);
	wait_event_interruptible(conn->rx_wq, kthread_should_stop() ||
				 kis_conn_dead(conn) || !kis_tx_full(conn));
}

static int kis_rx_thread(void *arg)
{
	struct kis_conn *conn = arg;
	int ret = 0;

	while (!kthread_should_stop()) {
		kis_rx_wait_tx(conn);
		if (kthread_should_stop())
			break;
		ret = kis_rx_pdu(conn);
		if (ret || !kis_rx_may_hold(conn))
			ret = kis_rx_flush(conn, ret);
		if (ret)
			break;
	}
	if (!kthread_should_stop() && ret != KIS_RX_CLOSING) {
		if (ret == -ECONNRESET || ret == -EPIPE)
			pr_info("%s: CID %u: connection closed by the initiator\n",
				conn->s->initiator, conn->cid);
		else if (ret == -EAGAIN)	/* a direct send (kis_rx_flush()) */
			kis_send_failed(conn, ret);
		else if (ret != -ESHUTDOWN)
			pr_info_ratelimited("%s: CID %u: receive error %d, closing\n",
					    conn->s->initiator, conn->cid, ret);
		/* After a Logout: closed as it asked (its response sent or not). */
		if (READ_ONCE(conn->logout_sess))
			kis_sess_logout(conn);
		else
			kis_conn_close(conn, READ_ONCE(conn->logout) ? 0 : ret);
	}
	/* kthread_stop() may come later; the stopper holds the task. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	/*
	 * Responses may still be held on rx_direct: the loop saw
	 * kthread_should_stop() right after kis_rx_may_hold(), or a release
	 * in kis_rx_flush() completed more commands here after the last
	 * flush. Nothing else looks at rx_direct, so release them, unsent
	 * (see Teardown above): kis_conn_stop() marked the connection dead
	 * before kthread_stop(), so kis_queue_rsp() releases them, and any
	 * command that completes here meanwhile, at once.
	 */
	kis_rx_flush(conn, -ESHUTDOWN);
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * Keepalive and timeouts
 * ---------------------------------------------------------------------
 */

/* kis_dataout_late(): what a late write waited for. */
enum kis_late {
	KIS_LATE_NONE,
	KIS_LATE_IDLE,		/* any Data-Out, @timeout */
	KIS_LATE_PHASE,		/* the end of its data, its whole phase */
};

/*
 * The whole data phase of a write of @edtl bytes may last this long:
 * @timeout for each started 64 KiB, and two more. An initiator that
 * sends a little now and then (an empty Data-Out is enough to restart
 * the @timeout between two of them, and so is each byte of one long PDU
 * received slowly) would otherwise hold the buffer for as long as it
 * likes; one that sends on average 64 KiB per dataout_timeout (2 KiB/s
 * with the default 30 s) does not come near it.
 */
static unsigned long kis_dataout_limit(unsigned long timeout, u32 edtl)
{
	return timeout * (2 + DIV_ROUND_UP(edtl, SZ_64K));
}

/*
 * A task of @conn the core asked data for that has had none for
 * @timeout jiffies (no Data-Out came since the request, its last R2T or
 * its last Data-Out, and none is being received): KIS_LATE_IDLE; or
 * whose data phase has lasted kis_dataout_limit() since the request,
 * receiving or not: KIS_LATE_PHASE. Its ITT in @itt, its EDTL in @edtl,
 * how long it waited in @waited. Under conn->lock.
 */
static enum kis_late kis_dataout_late(struct kis_conn *conn,
				      unsigned long timeout, u32 *itt,
				      u32 *edtl, unsigned long *waited)
{
	struct kis_task *task;
	unsigned int bkt;

	lockdep_assert_held(&conn->lock);
	hash_for_each(conn->itt_hash, bkt, task, hnode) {
		if (!kis_task_awaits_data(task) || !task->xfer_ready)
			continue;
		*itt = task->itt;
		*edtl = task->edtl;
		if (time_after(jiffies, task->data_start +
			       kis_dataout_limit(timeout, task->edtl))) {
			*waited = jiffies - task->data_start;
			return KIS_LATE_PHASE;
		}
		if (!task->rx_busy &&
		    time_after(jiffies, task->data_at + timeout)) {
			*waited = jiffies - task->data_at;
			return KIS_LATE_IDLE;
		}
	}
	return KIS_LATE_NONE;
}

/*
 * PDUs held past a CmdSN gap that has not been filled for @timeout
 * jiffies: some are held and ExpCmdSN has not moved since this was
 * first seen, which is at most a check period late. ExpCmdSN in @sn,
 * what is held in @cmds and @reqs, how long in @waited.
 */
static bool kis_cmdsn_gap_late(struct kis_sess *s, unsigned long timeout,
			       u32 *sn, unsigned int *cmds, unsigned int *reqs,
			       unsigned long *waited)
{
	struct kis_req *r;
	bool late = false;

	spin_lock_irq(&s->sn_lock);
	if (!s->nr_held && list_empty(&s->held_reqs)) {
		s->gap_at = 0;
	} else if (!s->gap_at || s->gap_sn != s->exp_cmdsn) {
		s->gap_sn = s->exp_cmdsn;
		s->gap_at = jiffies | 1;
	} else if (time_after(jiffies, s->gap_at + timeout)) {
		late = true;
		*sn = s->exp_cmdsn;
		*cmds = s->nr_held;
		*reqs = 0;
		list_for_each_entry(r, &s->held_reqs, node)
			(*reqs)++;
		*waited = jiffies - s->gap_at;
	}
	spin_unlock_irq(&s->sn_lock);
	return late;
}

/*
 * Keepalive, Data-Out and CmdSN gap timeouts, every few seconds per
 * started connection (kis_wq). An initiator that never sends the data of a write
 * the target asked for (after an R2T, or the rest of its unsolicited
 * burst) while it keeps the connection alive would hold the write's
 * buffer, taken from the core's global max_buffer_mb budget, until the
 * connection ends: after dataout_timeout seconds without a Data-Out for
 * it the connection is dropped, which at ErrorRecoveryLevel 0 ends the
 * session and its tasks as any connection loss does (see Teardown).
 * Likewise commands held past a CmdSN gap the initiator does not fill
 * (it skipped a CmdSN, or never plugs the gap of a command the target
 * rejected, RFC 7143 7.3) would hold their tasks, and the buffers of
 * their unsolicited data (up to KIS_HELD_BUF_MAX), for ever: after
 * cmdsn_gap_timeout seconds without ExpCmdSN moving while PDUs are held
 * the session is dropped.
 */
static void kis_nop_work(struct work_struct *work)
{
	struct kis_conn *conn = container_of(to_delayed_work(work),
					     struct kis_conn, nop_work);
	struct kis_sess *s = conn->s;
	unsigned int interval = READ_ONCE(kis_nop_interval);
	unsigned int timeout = READ_ONCE(kis_nop_timeout);
	unsigned int dataout = READ_ONCE(kis_dataout_timeout);
	unsigned int gap = READ_ONCE(kis_cmdsn_gap_timeout);
	unsigned int cmds, reqs;
	unsigned long waited;
	enum kis_late late;
	unsigned int next;
	struct kis_ctl *c;
	bool ping = false;
	u32 itt, edtl, sn;

	if (gap && !kis_conn_dead(conn) &&
	    kis_cmdsn_gap_late(s, gap * HZ, &sn, &cmds, &reqs, &waited)) {
		if (!test_bit(KIS_SF_TEARDOWN, &s->flags))
			pr_info("%s: CmdSN %u not received for %u s, %u command(s) and %u request(s) held past it (cmdsn_gap_timeout %u), closing the session\n",
				s->initiator, sn, jiffies_to_msecs(waited) / 1000,
				cmds, reqs, gap);
		kis_conn_close(conn, -ETIMEDOUT);
		return;
	}
	spin_lock_irq(&conn->lock);
	if (conn->dead) {
		spin_unlock_irq(&conn->lock);
		return;
	}
	late = dataout ? kis_dataout_late(conn, dataout * HZ, &itt, &edtl,
					  &waited) : KIS_LATE_NONE;
	if (late != KIS_LATE_NONE) {
		spin_unlock_irq(&conn->lock);
		if (late == KIS_LATE_IDLE)
			pr_info("%s: CID %u: ITT 0x%x: no Data-Out for %u s (dataout_timeout %u), closing\n",
				conn->s->initiator, conn->cid, itt,
				jiffies_to_msecs(waited) / 1000, dataout);
		else
			pr_info("%s: CID %u: ITT 0x%x: data phase not over after %u s (dataout_timeout %u: at most %lu s for %u bytes), closing\n",
				conn->s->initiator, conn->cid, itt,
				jiffies_to_msecs(waited) / 1000, dataout,
				kis_dataout_limit(dataout, edtl), edtl);
		kis_conn_close(conn, -ETIMEDOUT);
		return;
	}
	if (interval && conn->nop_sent && timeout &&
	    time_after(jiffies, conn->nop_sent + timeout * HZ)) {
		spin_unlock_irq(&conn->lock);
		pr_info("%s: CID %u: no answer to NOP-In, closing\n",
			conn->s->initiator, conn->cid);
		kis_conn_close(conn, -ETIMEDOUT);
		return;
	}
	if (interval && !conn->nop_sent &&
	    time_after(jiffies, READ_ONCE(conn->last_rx) + interval * HZ)) {
		conn->nop_ttt = conn->next_ttt++;
		if (conn->nop_ttt == ISCSI_RSVD_TAG)
			conn->nop_ttt = conn->next_ttt++;
		conn->nop_sent = jiffies | 1;
		ping = true;
	}
	spin_unlock_irq(&conn->lock);

	if (ping) {
		c = kis_ctl_alloc(0, GFP_KERNEL);
		if (c) {
			c->h.opcode = ISCSI_OP_NOOP_IN;
			c->h.itt = ISCSI_RSVD_TAG;
			c->h.ttt = conn->nop_ttt;
			kis_queue_ctl(conn, c);
		}
	}
	/* A late Data-Out is seen a quarter of its timeout late at most, or 1 s. */
	next = interval ? min(interval, timeout ? timeout : interval) : 5;
	if (dataout)
		next = min(next, max(1U, dataout / 4));
	if (gap)
		next = min(next, max(1U, gap / 4));
	queue_delayed_work(kis_wq, &conn->nop_work, next * HZ);
}

/*
 * Close @conn alone, with @reason for its CONN_DOWN (0: a logout of this
 * connection; -ETIMEDOUT, -ECONNABORTED: added but never started, its
 * login having failed at its last step): its teardown work takes it from
 * its session, or ends the session if it is the last connection. Once;
 * any process context, under kis_mutex or not (the work takes it).
 *
 * Not for a started connection's failure, which ends the session
 * (kis_conn_close()): only a connection that never reached the
 * full-feature phase, or logged out, leaves a session alone.
 */
static void kis_conn_drop(struct kis_conn *conn, int reason)
{
	if (test_and_set_bit(KIS_CF_CLOSE, &conn->flags))
		return;
	conn->close_reason = reason;
	/* The work may outlive the session's teardown. */
	kref_get(&conn->ref);
	kobject_get(&conn->s->kobj);
	queue_work(kis_wq, &conn->teardown_work);
}

static void kis_start_timeout(struct work_struct *work)
{
	struct kis_conn *conn = container_of(to_delayed_work(work),
					     struct kis_conn, start_timeout);

	if (!READ_ONCE(conn->started)) {
		pr_info("%s: CID %u: not started in time, dropped\n",
			conn->s->initiator, conn->cid);
		kis_conn_drop(conn, -ETIMEDOUT);
	}
}

/*
 * ---------------------------------------------------------------------
 * Teardown
 * ---------------------------------------------------------------------
 */

/*
 * Stop a connection's threads and release what it holds for the core.
 * Idempotent; process context, no locks held.
 */
static void kis_conn_stop(struct kis_conn *conn)
{
	struct kis_sess *s = conn->s;
	struct kis_task *task, *tmp;
	struct kis_req *r, *rtmp;
	struct kis_ctl *c, *ctmp;
	LIST_HEAD(fail);
	LIST_HEAD(rsp);
	LIST_HEAD(ctl);
	LIST_HEAD(held);
	LIST_HEAD(reqs);
	unsigned int bkt;
	u32 run_end;

	mutex_lock(&conn->stop_mutex);
	if (conn->stopped) {
		mutex_unlock(&conn->stop_mutex);
		return;
	}
	conn->stopped = true;

	spin_lock_irq(&conn->lock);
	conn->dead = true;
	spin_unlock_irq(&conn->lock);

	cancel_delayed_work_sync(&conn->start_timeout);
	cancel_delayed_work_sync(&conn->nop_work);
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	if (conn->rx_thread) {
		kthread_stop(conn->rx_thread);
		put_task_struct(conn->rx_thread);
	}
	/* The receive thread released what it held (kis_rx_thread()). */
	WARN_ON_ONCE(!list_empty(&conn->rx_direct));
	if (conn->tx_thread) {
		kthread_stop(conn->tx_thread);
		put_task_struct(conn->tx_thread);
	}

	/*
	 * Held commands of this connection never reach the core, its held
	 * requests never run. One another receive thread has already
	 * taken from the list sees the connection dead (kis_req_run()).
	 * Those from ExpCmdSN on without a gap (CmdSNs held, or aborted
	 * before they came: kis_exp_cmdsn_next() steps over those) have
	 * come in their turn and count: another thread, the deliverer, is
	 * taking them (an item held at ExpCmdSN has one), and drops them
	 * (@sn_aborted; a request of a dead connection does not run).
	 * Those past a gap came too, and count as received when another
	 * connection fills the gap (sess->gone_map): their tasks end with
	 * the connection, and the initiator sends nothing else at their
	 * CmdSNs (only task reassignment, ErrorRecoveryLevel 2, would);
	 * else the session would stall at the first.
	 */
	spin_lock_irq(&s->sn_lock);
	run_end = s->exp_cmdsn;
	while (kis_sn_held(s, run_end) || kis_sn_gone(s, run_end))
		run_end++;
	list_for_each_entry_safe(task, tmp, &s->held, held_node) {
		if (task->conn != conn)
			continue;
		if (iscsi_sn_lt(task->cmdsn, run_end)) {
			task->sn_aborted = true;
			continue;
		}
		list_move_tail(&task->held_node, &held);
		s->nr_held--;
		s->outstanding--;
		task->counted = false;
		kis_gone_add(s, task->cmdsn);
	}
	list_for_each_entry_safe(r, rtmp, &s->held_reqs, node) {
		if (r->conn == conn && !iscsi_sn_lt(r->pdu.cmdsn, run_end)) {
			list_move_tail(&r->node, &reqs);
			kis_gone_add(s, r->pdu.cmdsn);
		}
	}
	spin_unlock_irq(&s->sn_lock);
	list_for_each_entry_safe(task, tmp, &held, held_node) {
		list_del_init(&task->held_node);
		kis_task_discard(task);
	}
	/* Never the last reference: the caller holds one. */
	list_for_each_entry_safe(r, rtmp, &reqs, node)
		kis_req_free(r);

	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->tx_ctl, &ctl);
	conn->tx_ctl_bytes = 0;
	list_for_each_entry_safe(task, tmp, &conn->tx_tasks, tx_node) {
		list_del_init(&task->tx_node);
		task->queued = false;
		if (task->tx & KIS_TX_RSP)
			list_add_tail(&task->tx_node, &rsp);
		else	/* the core still holds it: never the last */
			refcount_dec(&task->ref);
		task->tx = 0;
	}
	hash_for_each(conn->itt_hash, bkt, task, hnode) {
		if (task->xfer_ready && !task->rx_complete)
			kis_data_claim(task, &fail);
	}
	spin_unlock_irq(&conn->lock);

	list_for_each_entry_safe(c, ctmp, &ctl, node)
		kfree(c);
	list_for_each_entry_safe(task, tmp, &rsp, tx_node) {
		list_del_init(&task->tx_node);
		kis_task_release(conn, task);
		kis_task_put(task);
	}
	kis_data_abort_list(&fail, KTGT_CTX_THREAD);
	mutex_unlock(&conn->stop_mutex);

	/*
	 * A Text Request of this connection that another connection's
	 * receive thread answers uses its Text state and its socket under
	 * text_mutex, unless it sees the connection dead (kis_rx_text()):
	 * kis_text_free() waits for it, then the socket may go. Out of
	 * stop_mutex, which kis_conn_start() takes under kis_mutex: a Text
	 * Request takes kis_mutex under text_mutex (SendTargets). The
	 * stopper that got here first does it; the caller's reference
	 * keeps the connection.
	 */
	kis_text_free(conn);
	sockfd_put(conn->sock);
	conn->sock = NULL;
}

/*
 * The teardown of one connection (kis_conn_drop()). The session's last
 * connection is not taken from it: the session ends instead, and its
 * teardown stops and reports the connection, so that no session is left
 * without connections (two connections logged out at once, or a
 * session's only other one dropped meanwhile).
 */
static void kis_conn_teardown_work(struct work_struct *work)
{
	struct kis_conn *conn = container_of(work, struct kis_conn,
					     teardown_work);
	struct kis_sess *s = conn->s;
	bool listed;

	mutex_lock(&kis_mutex);
	listed = conn->listed;
	if (listed && list_is_singular(&s->conns)) {
		kis_sess_close(s, conn->close_reason);
		listed = false;
	} else if (listed) {
		list_del(&conn->node);
		WRITE_ONCE(conn->listed, false);
	}
	mutex_unlock(&kis_mutex);

	kis_conn_stop(conn);
	if (listed) {
		kis_nl_event(KTGT_ISCSI_EV_CONN_DOWN, s, conn, NULL,
			     conn->close_reason);
		kis_conn_put(conn);	/* the session's list */
	}
	kis_conn_put(conn);		/* the work's */
	kobject_put(&s->kobj);
}

/*
 * Close a connection: with @reason 0 (a logout of this connection) and
 * other connections left, only this one; otherwise (ERL 0) the whole
 * session. Any process context. (A connection never started is dropped
 * alone instead: kis_conn_drop().)
 *
 * A failure (@reason < 0) takes no lock: the connection's timer
 * (nop_work) calls this, and kis_conn_stop() waits for it under
 * stop_mutex, which kis_conn_start() takes under kis_mutex.
 * (That start never waits for a stopper of a started connection, so
 * taking kis_mutex here could not deadlock, but lockdep sees one class.)
 * Closing the session only sets a bit and queues its teardown, so
 * reading conn->listed unlocked acts as if this had taken kis_mutex
 * before or after the writer.
 */
static void kis_conn_close(struct kis_conn *conn, int reason)
{
	struct kis_sess *s = conn->s;

	if (reason) {
		/* Not listed: already leaving (see below). */
		if (READ_ONCE(conn->listed))
			kis_sess_close(s, reason);
		return;
	}
	mutex_lock(&kis_mutex);
	/*
	 * Not listed: already leaving (its own teardown or the session's);
	 * its threads' errors from here on are expected.
	 */
	if (!conn->listed) {
		mutex_unlock(&kis_mutex);
		return;
	}
	if (!list_is_singular(&s->conns)) {
		kis_conn_drop(conn, 0);
		mutex_unlock(&kis_mutex);
		return;
	}
	mutex_unlock(&kis_mutex);
	kis_sess_close(s, reason);
}

/*
 * @conn took a Logout Request closing the session (reason 0) and sent its
 * response, or the initiator closed the connection after sending it: the
 * session ends, with every connection it has, as a logout of the last
 * connection of a session would end it (RFC 7143 11.14.1: all its
 * connections are closed and its tasks terminated), not just @conn. Any
 * process context.
 */
static void kis_sess_logout(struct kis_conn *conn)
{
	mutex_lock(&kis_mutex);
	/* Not listed: already leaving (see kis_conn_close()). */
	if (conn->listed)
		kis_sess_close(conn->s, 0);
	mutex_unlock(&kis_mutex);
}

static void kis_sess_release(struct kobject *kobj)
{
	struct kis_sess *s = container_of(kobj, struct kis_sess, kobj);

	if (s->t)
		kis_tgt_put(s->t);
	kfree(s);
}

static void kis_sess_put(struct kis_sess *s)
{
	kobject_put(&s->kobj);
}

static void kis_sess_teardown_work(struct work_struct *work)
{
	struct kis_sess *s = container_of(work, struct kis_sess, teardown_work);
	struct kis_conn *conn, *tmp;
	LIST_HEAD(conns);

	mutex_lock(&kis_mutex);
	/* Until gone, a reinstatement of its I_T nexus waits for it. */
	list_move_tail(&s->node, &s->t->dying);
	list_for_each_entry(conn, &s->conns, node)
		WRITE_ONCE(conn->listed, false);
	list_splice_init(&s->conns, &conns);
	mutex_unlock(&kis_mutex);

	/* A connection's own teardown work may run too: stop is idempotent. */
	list_for_each_entry(conn, &conns, node)
		kis_conn_stop(conn);
	wait_event(s->tmf_wq, !atomic_read(&s->tmfs));
	ktgt_session_destroy(s->sess);

	list_for_each_entry_safe(conn, tmp, &conns, node) {
		list_del(&conn->node);
		kis_nl_event(KTGT_ISCSI_EV_CONN_DOWN, s, conn, NULL,
			     s->reason);
		kis_conn_put(conn);
	}
	kis_nl_event(KTGT_ISCSI_EV_SESSION_DOWN, s, NULL, NULL, s->reason);
	pr_info("session %u of %s to %s closed (%d)\n", s->tsih,
		s->initiator, s->t->name, s->reason);
	if (test_bit(KIS_SF_SYSFS, &s->flags))
		kobject_del(&s->kobj);
	/*
	 * Only now may a new session take the TSIH, and with it the sysfs
	 * name sessions/<TSIH>; lookups skip this one (KIS_SF_TEARDOWN).
	 * Its commands have ended (ktgt_session_destroy()): a new session
	 * of its I_T nexus may start (kis_sess_find_itn()).
	 */
	mutex_lock(&kis_mutex);
	list_del_init(&s->node);
	xa_erase(&kis_sessions, s->tsih);
	mutex_unlock(&kis_mutex);
	complete_all(&s->gone);
	kis_sess_put(s);
}

static void kis_sess_close(struct kis_sess *s, int reason)
{
	if (!test_and_set_bit(KIS_SF_TEARDOWN, &s->flags)) {
		s->reason = reason;
		queue_work(kis_wq, &s->teardown_work);
	}
}

/*
 * ---------------------------------------------------------------------
 * sysfs: /sys/kernel/ktgt_iscsi/sessions/<TSIH>/
 * ---------------------------------------------------------------------
 */

static struct kis_sess *kobj_to_sess(struct kobject *kobj)
{
	return container_of(kobj, struct kis_sess, kobj);
}

static ssize_t target_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_to_sess(kobj)->t->name);
}

static ssize_t initiator_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_to_sess(kobj)->initiator);
}

static ssize_t isid_show(struct kobject *kobj, struct kobj_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "0x%012llx\n", kobj_to_sess(kobj)->isid);
}

static ssize_t cmdsn_show(struct kobject *kobj, struct kobj_attribute *a,
			  char *buf)
{
	struct kis_sess *s = kobj_to_sess(kobj);
	u32 exp, max, out;

	spin_lock_irq(&s->sn_lock);
	exp = s->exp_cmdsn;
	max = s->max_cmdsn;
	out = s->outstanding;
	spin_unlock_irq(&s->sn_lock);
	return sysfs_emit(buf, "ExpCmdSN %u MaxCmdSN %u outstanding %u\n",
			  exp, max, out);
}

static ssize_t params_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	const struct kis_params *p = &kobj_to_sess(kobj)->p;

	return sysfs_emit(buf,
			  "MaxBurstLength=%u\nFirstBurstLength=%u\nInitialR2T=%s\nImmediateData=%s\nMaxOutstandingR2T=%u\nMaxConnections=%u\nDefaultTime2Wait=%u\nDefaultTime2Retain=%u\nErrorRecoveryLevel=%u\nqueue_depth=%u\n",
			  p->max_burst, p->first_burst,
			  p->initial_r2t ? "Yes" : "No",
			  p->immediate_data ? "Yes" : "No", p->max_r2t,
			  p->max_conns, p->t2wait, p->t2retain, p->erl,
			  p->queue_depth);
}

static ssize_t connections_show(struct kobject *kobj,
				struct kobj_attribute *a, char *buf)
{
	struct kis_sess *s = kobj_to_sess(kobj);
	struct kis_conn *conn;
	bool cut = false;
	char line[160];
	int len = 0, n;

	mutex_lock(&kis_mutex);
	list_for_each_entry(conn, &s->conns, node) {
		n = snprintf(line, sizeof(line),
			     "CID %u started %d HeaderDigest %s DataDigest %s MaxRecvDataSegmentLength %u MaxXmitDataSegmentLength %u\n",
			     conn->cid, READ_ONCE(conn->started),
			     conn->p.hdigest ? "CRC32C" : "None",
			     conn->p.ddigest ? "CRC32C" : "None",
			     conn->p.max_recv_dsl,
			     READ_ONCE(conn->p.max_xmit_dsl));
		/* Whole lines only, with room for "...\n" and the NUL. */
		if (len + n + 5 > PAGE_SIZE) {
			cut = true;
			break;
		}
		len += sysfs_emit_at(buf, len, "%s", line);
	}
	mutex_unlock(&kis_mutex);
	if (cut)
		len += sysfs_emit_at(buf, len, "...\n");
	return len;
}

static struct kobj_attribute kis_sess_target_attr = __ATTR_RO(target);
static struct kobj_attribute kis_sess_initiator_attr = __ATTR_RO(initiator);
static struct kobj_attribute kis_sess_isid_attr = __ATTR_RO(isid);
static struct kobj_attribute kis_sess_cmdsn_attr = __ATTR_RO(cmdsn);
static struct kobj_attribute kis_sess_params_attr = __ATTR_RO(params);
static struct kobj_attribute kis_sess_conns_attr = __ATTR_RO(connections);

static struct attribute *kis_sess_attrs[] = {
	&kis_sess_target_attr.attr,
	&kis_sess_initiator_attr.attr,
	&kis_sess_isid_attr.attr,
	&kis_sess_cmdsn_attr.attr,
	&kis_sess_params_attr.attr,
	&kis_sess_conns_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kis_sess);

static struct kobj_type kis_sess_ktype = {
	.release	= kis_sess_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= kis_sess_groups,
};

/*
 * ---------------------------------------------------------------------
 * CONN_ADD, CONN_START (nl.c) and target disable
 * ---------------------------------------------------------------------
 */

/* A new session; kis_mutex held. */
static struct kis_sess *kis_sess_create(struct kis_tgt *t,
					const char *initiator, u64 isid,
					const struct kis_params *p,
					u32 exp_cmdsn)
{
	struct kis_sess *s;
	char *port;
	u32 tsih;
	int ret;

	lockdep_assert_held(&kis_mutex);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	kobject_init(&s->kobj, &kis_sess_ktype);
	INIT_LIST_HEAD(&s->node);
	INIT_LIST_HEAD(&s->conns);
	INIT_LIST_HEAD(&s->held);
	INIT_LIST_HEAD(&s->held_reqs);
	spin_lock_init(&s->sn_lock);
	init_waitqueue_head(&s->tmf_wq);
	INIT_WORK(&s->teardown_work, kis_sess_teardown_work);
	init_completion(&s->gone);
	strscpy(s->initiator, initiator, sizeof(s->initiator));
	s->isid = isid;
	s->p = *p;
	s->exp_cmdsn = exp_cmdsn;
	/* What the login response advertised (ktgt-iscsid). */
	s->max_cmdsn = exp_cmdsn;

	ret = xa_alloc(&kis_sessions, &tsih, s, XA_LIMIT(1, 65535),
		       GFP_KERNEL);
	if (ret) {
		kis_sess_put(s);
		return ERR_PTR(ret == -EBUSY ? -ENOSPC : ret);
	}
	s->tsih = tsih;
	/*
	 * The I_T nexus for reservations: "<name>,i,0x<ISID>" (SPC-4
	 * 7.6.4.6), named before other sessions' reservation walks see it.
	 */
	port = kasprintf(GFP_KERNEL, "%s,i,0x%012llx", initiator, isid);
	s->sess = port ? ktgt_session_create_port(t->tgt, initiator,
						  KTGT_PROTO_ISCSI, port, s) :
			 ERR_PTR(-ENOMEM);
	kfree(port);
	if (IS_ERR(s->sess)) {
		ret = PTR_ERR(s->sess);
		xa_erase(&kis_sessions, tsih);
		kis_sess_put(s);
		return ERR_PTR(ret);
	}
	/* The TPGT the login response named (VPD 83h's port name). */
	ktgt_session_set_tpgt(s->sess, READ_ONCE(t->tpgt));
	kref_get(&t->ref);
	s->t = t;
	list_add_tail(&s->node, &t->sessions);
	if (!kobject_add(&s->kobj, kis_sysfs_sessions, "%u", s->tsih))
		set_bit(KIS_SF_SYSFS, &s->flags);
	return s;
}

static unsigned int kis_nr_conns(struct kis_sess *s)
{
	struct kis_conn *conn;
	unsigned int n = 0;

	list_for_each_entry(conn, &s->conns, node)
		n++;
	return n;
}

/*
 * A session of the I_T nexus (@t, @initiator, @isid) that is not gone:
 * live, closing, or already being torn down (on t->dying, its commands
 * possibly still running). kis_mutex held; the session stays valid only
 * while it is, unless the caller takes a reference. Initiator names compare
 * case-insensitively (RFC 3722; ktgt-iscsid hands them over lowered).
 */
static struct kis_sess *kis_sess_find_itn(struct kis_tgt *t,
					  const char *initiator, u64 isid)
{
	struct kis_sess *s;

	lockdep_assert_held(&kis_mutex);
	list_for_each_entry(s, &t->sessions, node)
		if (s->isid == isid && !strcasecmp(s->initiator, initiator))
			return s;
	list_for_each_entry(s, &t->dying, node)
		if (s->isid == isid && !strcasecmp(s->initiator, initiator))
			return s;
	return NULL;
}

int kis_conn_add(struct kis_tgt *t, const char *initiator, u64 isid,
		 u16 tsih, u16 cid, struct socket *sock,
		 const struct kis_params *p, u32 statsn, u32 exp_cmdsn,
		 u8 type, u32 portid, u16 *tsih_out)
{
	struct kis_conn *conn, *old_conn = NULL;
	struct kis_sess *s, *old;
	bool new_sess = false;
	int ret;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	kref_init(&conn->ref);
	INIT_LIST_HEAD(&conn->node);
	spin_lock_init(&conn->lock);
	hash_init(conn->itt_hash);
	INIT_LIST_HEAD(&conn->tx_tasks);
	INIT_LIST_HEAD(&conn->tx_ctl);
	init_llist_head(&conn->task_cache);
	init_waitqueue_head(&conn->tx_wq);
	init_waitqueue_head(&conn->rx_wq);
	mutex_init(&conn->tx_mutex);
	INIT_LIST_HEAD(&conn->rx_direct);
	INIT_DELAYED_WORK(&conn->nop_work, kis_nop_work);
	INIT_DELAYED_WORK(&conn->start_timeout, kis_start_timeout);
	INIT_WORK(&conn->teardown_work, kis_conn_teardown_work);
	mutex_init(&conn->stop_mutex);
	mutex_init(&conn->text_mutex);
	conn->cid = cid;
	conn->p = *p;
	conn->statsn = statsn + 1;
	conn->portid = portid;
	conn->last_rx = jiffies;
	conn->next_ttt = 1;

again:
	mutex_lock(&kis_mutex);
	ret = -ENODEV;
	if (t->gone || !t->enabled)
		goto out_unlock;
	ret = -EACCES;
	if (!kis_tgt_access(t, initiator, NULL))
		goto out_unlock;

	if (!tsih) {
		/*
		 * Session reinstatement: the old I_T nexus goes first, with
		 * every command it has, also when its teardown had already
		 * begun (its connection dropped before this login). Each
		 * old session is waited for in turn (goto again).
		 */
		old = kis_sess_find_itn(t, initiator, isid);
		if (old) {
			kobject_get(&old->kobj);
			kis_sess_close(old, -ECONNRESET);
			mutex_unlock(&kis_mutex);
			pr_info("session %u of %s reinstated\n", old->tsih,
				initiator);
			/*
			 * As long as its commands take (a stalled backing
			 * store): only this login waits (nl.c: parallel_ops),
			 * and a daemon being killed does not.
			 */
			ret = wait_for_completion_killable(&old->gone);
			kis_sess_put(old);
			if (ret) {
				kfree(conn);
				return ret;
			}
			goto again;
		}
		s = kis_sess_create(t, initiator, isid, p, exp_cmdsn);
		if (IS_ERR(s)) {
			ret = PTR_ERR(s);
			goto out_unlock;
		}
		new_sess = true;
	} else {
		s = xa_load(&kis_sessions, tsih);
		ret = -ENOENT;
		if (!s || s->t != t || s->isid != isid ||
		    strcasecmp(s->initiator, initiator) ||
		    test_bit(KIS_SF_TEARDOWN, &s->flags))
			goto out_unlock;
		/* The session's values, not the ones of this login. */
		kis_params_join(&conn->p, &s->p);
		old_conn = kis_conn_find(s, cid);
		if (old_conn) {
			/* Connection reinstatement. */
			WRITE_ONCE(old_conn->listed, false);
			list_del(&old_conn->node);
		} else if (kis_nr_conns(s) >= s->p.max_conns) {
			ret = -EBUSY;
			goto out_unlock;
		}
	}
	conn->s = s;
	conn->sock = sock;
	sock->sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	/*
	 * A send that moves no byte for nop_timeout seconds fails with
	 * -EAGAIN and the connection is closed (kis_send_failed()): an
	 * initiator that reads nothing would otherwise hold the transmit
	 * thread, and the session with its commands and their buffers, for
	 * ever when no NOP-In ping (nop_interval 0) notices it.
	 */
	conn->snd_timeout = READ_ONCE(kis_nop_timeout);
	sock->sk->sk_sndtimeo = conn->snd_timeout &&
				conn->snd_timeout < MAX_SCHEDULE_TIMEOUT / HZ ?
				conn->snd_timeout * HZ : MAX_SCHEDULE_TIMEOUT;
	list_add_tail(&conn->node, &s->conns);
	WRITE_ONCE(conn->listed, true);
	*tsih_out = s->tsih;
	queue_delayed_work(kis_wq, &conn->start_timeout, KIS_START_TIMEOUT);
	/*
	 * Under kis_mutex, like CONN_UP: the session's SESSION_DOWN and
	 * CONN_DOWNs are sent by whoever closes it, after taking kis_mutex
	 * (kis_sess_teardown_work(), kis_conn_teardown_work()), so none of
	 * them can be multicast before its SESSION_UP.
	 */
	if (new_sess)
		kis_nl_event(KTGT_ISCSI_EV_SESSION_UP, s, NULL, NULL, 0);
	mutex_unlock(&kis_mutex);

	if (old_conn) {
		pr_info("session %u: connection %u reinstated\n", s->tsih, cid);
		kis_conn_stop(old_conn);
		kis_nl_event(KTGT_ISCSI_EV_CONN_DOWN, s, old_conn, NULL,
			     -ECONNRESET);
		kis_conn_put(old_conn);
	}
	return 0;

out_unlock:
	mutex_unlock(&kis_mutex);
	kfree(conn);
	return ret;
}

/**
 * kis_conn_start() - CONN_START: the connection's threads take the socket
 * @tsih: the session
 * @cid: the connection
 * @portid: the netlink port of the caller
 *
 * Only the netlink socket that added the connection (CONN_ADD) may start
 * it, and once: the daemon writes the final Login Response between the
 * two, so a start from anyone else (another daemon thread, another
 * session's login) would have the kernel read and write the socket
 * before the daemon is done with it.
 *
 * Return: 0; -ENOENT: no such session or connection (or already being
 * torn down); -EPERM: added through another netlink socket; -EALREADY:
 * already started.
 */
int kis_conn_start(u16 tsih, u16 cid, u32 portid)
{
	struct task_struct *rx, *tx;
	struct kis_conn *conn;
	struct kis_sess *s;
	int ret = -ENOENT;

	mutex_lock(&kis_mutex);
	s = xa_load(&kis_sessions, tsih);
	if (!s || test_bit(KIS_SF_TEARDOWN, &s->flags))
		goto out;
	conn = kis_conn_find(s, cid);
	if (!conn)
		goto out;
	ret = -EPERM;
	if (conn->portid != portid)
		goto out;
	ret = -EALREADY;
	if (conn->started)
		goto out;
	mutex_lock(&conn->stop_mutex);
	if (conn->stopped) {
		mutex_unlock(&conn->stop_mutex);
		ret = -ENOENT;
		goto out;
	}

	rx = kthread_create(kis_rx_thread, conn, "kis_rx/%u.%u", tsih, cid);
	if (IS_ERR(rx)) {
		mutex_unlock(&conn->stop_mutex);
		ret = PTR_ERR(rx);
		goto out;
	}
	tx = kthread_create(kis_tx_thread, conn, "kis_tx/%u.%u", tsih, cid);
	if (IS_ERR(tx)) {
		mutex_unlock(&conn->stop_mutex);
		kthread_stop(rx);
		ret = PTR_ERR(tx);
		goto out;
	}
	if (READ_ONCE(kis_bind_threads)) {
		unsigned int cpu = cpumask_local_spread(atomic_inc_return(&kis_next_cpu),
							NUMA_NO_NODE);

		/* Not fatal: a CPU gone offline meanwhile leaves them free. */
		set_cpus_allowed_ptr(rx, cpumask_of(cpu));
		set_cpus_allowed_ptr(tx, cpumask_of(cpu));
	}
	get_task_struct(rx);
	get_task_struct(tx);
	conn->rx_thread = rx;
	conn->tx_thread = tx;
	WRITE_ONCE(conn->started, true);
	WRITE_ONCE(conn->last_rx, jiffies);
	wake_up_process(tx);
	wake_up_process(rx);
	mutex_unlock(&conn->stop_mutex);
	queue_delayed_work(kis_wq, &conn->nop_work,
			   max(1U, READ_ONCE(kis_nop_interval)) * HZ);
	ret = 0;
	kis_nl_event(KTGT_ISCSI_EV_CONN_UP, s, conn, NULL, 0);
	pr_info("session %u: %s connection %u started\n", tsih, s->initiator,
		cid);
out:
	mutex_unlock(&kis_mutex);
	return ret;
}

/*
 * The daemon that added connections closed its netlink socket: those it
 * has not started are dropped, each alone (a session's first one ends
 * the session with it, kis_conn_teardown_work()).
 */
void kis_portid_release(u32 portid)
{
	struct kis_conn *conn;
	struct kis_sess *s;
	unsigned long idx;

	mutex_lock(&kis_mutex);
	xa_for_each(&kis_sessions, idx, s) {
		list_for_each_entry(conn, &s->conns, node) {
			if (conn->portid == portid && !conn->started)
				kis_conn_drop(conn, -ECONNABORTED);
		}
	}
	mutex_unlock(&kis_mutex);
}

/*
 * End the sessions of a target: ask the initiators to log out (Async
 * Message, AsyncEvent 1), wait a little, then close what is left.
 */
void kis_tgt_close_sessions(struct kis_tgt *t, bool async_logout)
{
	struct kis_sess *s, **list = NULL;
	struct kis_conn *conn;
	unsigned int n = 0, i;
	unsigned long deadline = jiffies + KIS_LOGOUT_WAIT;

	mutex_lock(&kis_mutex);
	list_for_each_entry(s, &t->sessions, node)
		n++;
	list_for_each_entry(s, &t->dying, node)
		n++;
	if (n)
		list = kcalloc(n, sizeof(*list), GFP_KERNEL);
	n = 0;
	/* Those being torn down already: waited for as the others. */
	list_for_each_entry(s, &t->dying, node) {
		if (!list)
			break;
		kobject_get(&s->kobj);
		list[n++] = s;
	}
	list_for_each_entry(s, &t->sessions, node) {
		if (!list) {
			kis_sess_close(s, -ESHUTDOWN);
			continue;
		}
		kobject_get(&s->kobj);
		list[n++] = s;
		if (!async_logout)
			continue;
		list_for_each_entry(conn, &s->conns, node) {
			struct kis_ctl *c;

			if (!conn->started)
				continue;
			c = kis_ctl_alloc(0, GFP_KERNEL);
			if (!c)
				continue;
			c->h.opcode = ISCSI_OP_ASYNC_MSG;
			c->h.async_event = ISCSI_ASYNC_LOGOUT_REQUEST;
			c->h.param[2] = KIS_LOGOUT_WAIT / HZ;
			c->advance_statsn = true;
			kis_queue_ctl(conn, c);
		}
	}
	mutex_unlock(&kis_mutex);

	for (i = 0; i < n; i++) {
		long left = deadline - jiffies;

		if (left <= 0 ||
		    !wait_for_completion_timeout(&list[i]->gone, left))
			kis_sess_close(list[i], -ESHUTDOWN);
	}
	for (i = 0; i < n; i++) {
		wait_for_completion(&list[i]->gone);
		kis_sess_put(list[i]);
	}
	kfree(list);

	/* Without the list (no memory): poll until the sessions are gone. */
	for (;;) {
		bool empty;

		mutex_lock(&kis_mutex);
		empty = list_empty(&t->sessions) && list_empty(&t->dying);
		mutex_unlock(&kis_mutex);
		if (empty)
			break;
		msleep(100);
	}
}
