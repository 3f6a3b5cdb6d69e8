/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_iscsi: declarations shared by the files of the iSCSI target driver.
 *
 * Objects and lifetimes
 * =====================
 *
 * struct kis_tgt    one per configfs target (->target_create() to
 *                   ->target_destroy()), in kis_targets. Refcounted
 *                   (@ref): netlink lookups and sessions hold references.
 * struct kis_portal portals/<addr>:<port>, mkdir to rmdir, in tgt->portals.
 * struct kis_sess   an iSCSI session: a ktgt session, a TSIH, one or more
 *                   connections. From the first CONN_ADD to its teardown
 *                   (kis_sess_teardown_work(), on kis_wq); freed when
 *                   the last reference goes. On tgt->sessions until its
 *                   teardown starts, then on tgt->dying until its
 *                   commands have ended (kis_sess.gone).
 * struct kis_conn   a TCP connection of a session, from CONN_ADD; its
 *                   receive thread and transmit thread run from
 *                   CONN_START to its teardown. Refcounted: the session's
 *                   list holds one, every task, TMF and kis_req one.
 * struct kis_text   a connection's Text exchange (text.c): from its first
 *                   Text Request to kis_conn_stop(); under
 *                   conn->text_mutex.
 * struct kis_req    a NOP-Out (with an ITT), Task Management Function,
 *                   Text or Logout Request with its data segment: made
 *                   by the receive thread as the PDU comes in, freed
 *                   once it has run or been dropped; it holds a
 *                   reference to its connection. While it waits for its
 *                   CmdSN it is on sess->held_reqs, and kis_conn_stop()
 *                   frees the connection's (see "Command numbering" in
 *                   conn.c).
 * struct kis_task   a SCSI command: embeds the struct ktgt_cmd. Taken
 *                   from its connection's @task_cache (else allocated
 *                   from kis_task_cache) by the receive thread; released
 *                   by ->free_cmd() (or directly if it never reached the
 *                   core) back to that cache, which keeps up to
 *                   queue_depth of them until the connection is freed,
 *                   so that a session in steady state allocates no task
 *                   (a task holds a connection reference while in use,
 *                   none while cached). A write's buffer is the
 *                   core's (ktgt_cmd_alloc_buf() at arrival): valid until
 *                   ktgt_cmd_xmit_done(), which waits for the receive
 *                   thread to be out of it (@rx_busy, @released).
 *                   Its ITT is in its connection's itt_hash (@hashed)
 *                   from its SCSI Command PDU until the PDU carrying
 *                   its status is handed to the socket (the initiator
 *                   may reuse the ITT as soon as it has the status), or
 *                   until its release if no status is sent.
 *
 * Locking
 * =======
 *
 * kis_mutex       kis_targets (and kis_targets_gen), every tgt's portals,
 *                 sessions and attributes, the TSIH table, session
 *                 connection lists.
 *                 Taken in configfs callbacks, netlink handlers and
 *                 teardown; never on the data path.
 * kis_auth_lock   spinlock: the CHAP strings of targets and groups (read
 *                 under the core's ktgt_cfg_mutex by ktgt_target_access())
 *                 and kis_disc_auth, the discovery sessions' (copied out
 *                 by the DISCOVERY_AUTH_GET netlink command).
 * sess->sn_lock   spinlock (irq-safe): ExpCmdSN, the highest MaxCmdSN
 *                 advertised, the CmdSN hold queues (commands, other
 *                 requests), the count of outstanding commands, the
 *                 CmdSNs aborted before they arrived, the gap timer. Irq-safe because
 *                 a command's release decrements the count, and the
 *                 core may release it from any context
 *                 (callbacks_atomic).
 * conn->lock      spinlock (irq-safe): the ITT hash, the transmit queue,
 *                 the data-out state of the connection's tasks, @dead.
 *                 Taken with irqsave in the core's callbacks, which may
 *                 run in hard interrupt context; with _irq elsewhere
 *                 (process context). Neither lock is held when calling
 *                 into the core: with callbacks_atomic, the core may
 *                 call back into ->xmit_response() before it returns.
 *
 * conn->tx_mutex  mutex: writing to the connection's socket and taking
 *                 StatSNs (see struct kis_conn).
 * conn->text_mutex mutex: the connection's Text exchange (conn->text),
 *                 and its socket's life for it (kis_conn_stop()). A
 *                 held Text Request may run in another connection's
 *                 receive thread (MC/S) while this one's takes another.
 *
 * Lock order: conn->text_mutex -> kis_mutex -> ktgt_cfg_mutex ->
 * kis_auth_lock; conn->tx_mutex -> sess->sn_lock -> conn->lock.
 */
#ifndef KTGT_ISCSI_H
#define KTGT_ISCSI_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <ktgt/ktgt.h>
#include <uapi/ktgt/ktgt_iscsi.h>

#include "proto/pdu.h"

#define KIS_NAME_LEN		223
#define KIS_AUTH_LEN		255
#define KIS_ALIAS_LEN		255

/**
 * struct kis_params - operational parameters (RFC 7143 13)
 *
 * As target defaults the digests are bitmasks (1 << enum ktgt_iscsi_digest)
 * of what the target accepts; negotiated, they are the enum value.
 * A connection's @max_xmit_dsl (the initiator's MaxRecvDataSegmentLength)
 * may be declared anew in the full-feature phase: its receive thread
 * writes it with WRITE_ONCE(), other threads read it with READ_ONCE().
 */
struct kis_params {
	u32	max_recv_dsl;
	u32	max_xmit_dsl;
	u32	max_burst;
	u32	first_burst;
	u8	initial_r2t;
	u8	immediate_data;
	u32	max_r2t;
	u32	max_conns;
	u8	hdigest;
	u8	ddigest;
	u32	t2wait;
	u32	t2retain;
	u32	erl;
	u8	dpio;
	u8	dsio;
	u32	queue_depth;
};

/**
 * struct kis_auth - CHAP credentials (under kis_auth_lock)
 * @user: incoming user name; empty: no CHAP
 * @secret: incoming secret
 * @mutual_user: mutual user name
 * @mutual_secret: mutual secret
 */
struct kis_auth {
	char	user[KIS_AUTH_LEN + 1];
	char	secret[KIS_AUTH_LEN + 1];
	char	mutual_user[KIS_AUTH_LEN + 1];
	char	mutual_secret[KIS_AUTH_LEN + 1];
};

struct kis_tgt {
	struct ktgt_target	*tgt;
	struct kref		ref;
	struct list_head	node;
	struct config_group	portals_group;
	struct list_head	portals;
	struct list_head	sessions;	/* kis_sess.node, kis_mutex */
	/*
	 * Sessions being torn down (kis_sess_teardown_work()), from the
	 * moment they leave @sessions until their commands have ended and
	 * their TSIH is free (kis_sess.gone about to complete); kis_mutex.
	 * Each holds a reference to this target, so the list outlives them.
	 */
	struct list_head	dying;
	bool			enabled;
	bool			gone;
	u16			tpgt;
	char			alias[KIS_ALIAS_LEN + 1];
	struct kis_auth		auth;
	struct kis_params	defaults;
	char			name[KIS_NAME_LEN + 1];
};

struct kis_portal {
	struct config_group	group;
	struct kis_tgt		*t;
	struct list_head	node;
	char			addr[48];
	u16			port;
};

/* The largest queue_depth (the CmdSN window is at most that wide). */
#define KIS_MAX_QUEUE_DEPTH	4096
/*
 * The session's map of CmdSNs received with nothing to run (@gone_map):
 * one bit per CmdSN modulo this, which covers any CmdSN window.
 */
#define KIS_GONE_MAP		KIS_MAX_QUEUE_DEPTH
/*
 * The most task management functions of one session outstanding in the
 * core (@tmfs); more are answered Function rejected (kis_rx_tmf()).
 */
#define KIS_MAX_TMFS		8
/*
 * The most buffer bytes a session's writes with unsolicited data may take
 * while they wait for their CmdSN (@held_buf); more get no buffer and end
 * in their turn with CHECK CONDITION, ABORTED COMMAND, DATA PHASE ERROR
 * (kis_held_buf_take()).
 */
#define KIS_HELD_BUF_MAX	(32U << 20)

struct kis_sess {
	struct kis_tgt		*t;
	struct ktgt_session	*sess;
	/* t->sessions, then t->dying while torn down; kis_mutex */
	struct list_head	node;
	struct list_head	conns;		/* kis_mutex */
	u16			tsih;
	u64			isid;
	char			initiator[KIS_NAME_LEN + 1];
	struct kis_params	p;
	u8			type;

	spinlock_t		sn_lock;	/* below */
	u32			exp_cmdsn;
	/* The highest MaxCmdSN advertised: the window's upper end. */
	u32			max_cmdsn;
	u32			outstanding;	/* held or in the core */
	struct list_head	held;		/* tasks waiting for CmdSN */
	unsigned int		nr_held;	/* tasks on @held */
	/*
	 * Bytes of the buffers taken on arrival by writes that wait for
	 * their CmdSN (kis_task.held_buf), at most KIS_HELD_BUF_MAX.
	 */
	u32			held_buf;
	/* kis_req waiting for CmdSN: not commands, not counted above */
	struct list_head	held_reqs;
	/*
	 * kis_nop_work()'s view of a CmdSN gap: PDUs were held while
	 * ExpCmdSN was @gap_sn, first seen at jiffies @gap_at (0: none
	 * held when last looked).
	 */
	u32			gap_sn;
	unsigned long		gap_at;
	/*
	 * A receive thread is handing the session's PDUs to the core in
	 * CmdSN order (the deliverer, kis_sess_run_held()): only it takes
	 * the PDU at ExpCmdSN and moves ExpCmdSN on, the others hold theirs.
	 */
	bool			delivering;
	/*
	 * CmdSNs above exp_cmdsn that count as received although nothing
	 * is to run for them: ABORT TASK of a command still on its way
	 * (RFC 7143 11.5.1 b), whose command is dropped if it comes later;
	 * PDUs held past a gap on a connection that closed
	 * (kis_conn_stop()). Bit (CmdSN % KIS_GONE_MAP): they all lie in
	 * the window, after ExpCmdSN and at most at MaxCmdSN, which is
	 * never wider than queue_depth, so no two share a bit; a bit is
	 * cleared as ExpCmdSN reaches its CmdSN (kis_exp_cmdsn_next()).
	 * @nr_gone counts them.
	 */
	DECLARE_BITMAP(gone_map, KIS_GONE_MAP);
	unsigned int		nr_gone;

	atomic_t		tmfs;		/* outstanding, KIS_MAX_TMFS */
	wait_queue_head_t	tmf_wq;
	unsigned long		flags;		/* KIS_SF_* bits */
	int			reason;
	struct work_struct	teardown_work;
	struct completion	gone;
	struct kobject		kobj;		/* owns the memory */
};

/* kis_sess.flags */
#define KIS_SF_TEARDOWN		0	/* teardown queued */
#define KIS_SF_SYSFS		1	/* kobject added */

struct kis_ctl {
	struct list_head	node;
	u8			bhs[ISCSI_BHS_LEN];
	struct iscsi_tx_hdr	h;
	bool			advance_statsn;
	bool			close_after;
	int			close_reason;
	/* With @close_after: close the session, not just the connection. */
	bool			close_sess;
	/*
	 * @fence: sent only after the tasks that were on conn->tx_tasks
	 * when it was queued (a TMF or Logout response); @seq: conn->tx_seq
	 * then.
	 */
	bool			fence;
	u32			seq;
	u32			dlen;
	u8			data[];
};

struct kis_conn {
	struct kis_sess		*s;
	struct kref		ref;
	struct list_head	node;		/* s->conns, kis_mutex */
	u16			cid;
	struct socket		*sock;
	struct kis_params	p;
	u32			portid;
	/*
	 * nop_timeout when the connection was added: the seconds a send
	 * may wait for the initiator to take any data (sk_sndtimeo), 0
	 * for ever.
	 */
	unsigned int		snd_timeout;

	struct task_struct	*rx_thread;
	struct task_struct	*tx_thread;
	wait_queue_head_t	tx_wq;
	/*
	 * Backpressure (see "Transmit queue" in conn.c): the receive
	 * thread waits here, before it reads the next PDU header, while
	 * @tx_ctl_bytes is above KIS_TX_CTL_MAX; the transmit thread
	 * wakes it as it takes control PDUs off @tx_ctl, kthread_stop()
	 * when the connection stops.
	 */
	wait_queue_head_t	rx_wq;
	/*
	 * Held while writing a PDU to the socket, and across taking its
	 * StatSN: by the transmit thread, and by the receive thread when
	 * it sends a response itself (direct_send). Never with a spinlock.
	 */
	struct mutex		tx_mutex;
	/*
	 * Responses the core produced inside the receive thread, sent or
	 * queued by it before it reads the next PDU or, if that PDU is
	 * already in the socket, after up to direct_batch of them
	 * (@rx_direct_nr); never while it waits for the socket or reads a
	 * long data segment. Receive thread only (task context, so no
	 * lock), through kis_task.tx_node.
	 * @rx_held_nr: how many of them have waited for another PDU.
	 * @rx_hold: the last PDU was a SCSI Command or a Data-Out with a
	 * short data segment.
	 */
	struct list_head	rx_direct;
	unsigned int		rx_direct_nr;
	unsigned int		rx_held_nr;
	bool			rx_hold;

	spinlock_t		lock;		/* below */
	DECLARE_HASHTABLE(itt_hash, 7);
	struct list_head	tx_tasks;
	struct list_head	tx_ctl;
	/* Bytes of the control PDUs on @tx_ctl (kis_ctl_bytes()). */
	u32			tx_ctl_bytes;
	u32			tx_seq;		/* tasks put on tx_tasks */
	bool			dead;
	bool			started;
	u32			statsn;
	u32			next_ttt;

	unsigned long		last_rx;
	u32			nop_ttt;
	unsigned long		nop_sent;
	struct delayed_work	nop_work;
	struct delayed_work	start_timeout;
	struct work_struct	teardown_work;
	unsigned long		flags;		/* KIS_CF_* bits */
	/* CONN_DOWN's reason, set with KIS_CF_CLOSE (kis_conn_drop()). */
	int			close_reason;
	struct mutex		stop_mutex;	/* serialises kis_conn_stop() */
	bool			stopped;	/* stop_mutex */
	bool			listed;		/* in s->conns: kis_mutex, kis_conn_close() */
	struct mutex		text_mutex;	/* @text */
	struct kis_text		*text;		/* text.c */
	/*
	 * A Logout Request closing this connection was taken (only Data-Out
	 * and NOP-Out are accepted after it), and @logout_sess: it closes
	 * the whole session (reason 0), whichever of the session's
	 * connections carried it. Written by the receive thread that runs
	 * the request (another connection's, for one held for its CmdSN on
	 * an MC/S session), read by this connection's: WRITE_ONCE(),
	 * READ_ONCE().
	 */
	bool			logout;
	bool			logout_sess;
	/*
	 * Immediate commands of this connection in the core (counted in
	 * s->outstanding, kis_imm_accept()); under s->sn_lock.
	 */
	unsigned int		imm_nr;
	u8			scratch[1024];	/* rx: AHS, discarded data */

	/*
	 * Released tasks kept for reuse: any context adds (llist_add()),
	 * only the receive thread takes (llist_del_first(), one consumer).
	 * @task_cached counts them, at most p.queue_depth.
	 */
	struct llist_head	task_cache;
	atomic_t		task_cached;
};

/* kis_conn.flags */
#define KIS_CF_CLOSE		0	/* connection teardown queued */

/* kis_task.tx: what the transmit thread has to send for a task. */
#define KIS_TX_R2T		BIT(0)
#define KIS_TX_RSP		BIT(1)

struct kis_task {
	struct ktgt_cmd		cmd;
	struct kis_conn		*conn;
	struct hlist_node	hnode;		/* conn->itt_hash, @hashed */
	struct list_head	tx_node;	/* conn->tx_tasks */
	struct list_head	held_node;	/* sess->held */
	struct llist_node	free_node;	/* conn->task_cache */
	refcount_t		ref;
	bool			hashed;
	bool			queued;
	bool			counted;
	bool			submitted;
	bool			sn_aborted;	/* held, then aborted; sn_lock */
	/* An immediate command counted in conn->imm_nr; sn_lock. */
	bool			imm;
	/*
	 * A write without unsolicited data: its buffer is taken only when
	 * it is handed to the core (kis_task_submit()), not while it is
	 * held for its CmdSN. Receive threads; the deliverer clears it.
	 */
	bool			buf_later;
	/*
	 * Its buffer (EDTL bytes) was taken on arrival for a CmdSN not yet
	 * due, and is counted in sess->held_buf until it is submitted or
	 * freed; sn_lock.
	 */
	bool			held_buf;
	u8			tx;
	u8			attr;
	u32			tx_seq;		/* conn->tx_seq when queued, conn->lock */
	u8			cdb[KTGT_MAX_CDB_LEN];
	u8			cdb_len;
	enum ktgt_data_dir	dir;
	u32			itt;
	u32			cmdsn;
	u32			edtl;
	u64			raw_lun;

	/* data-out state, under conn->lock */
	struct scatterlist	*wsg;		/* the core's buffer, or NULL */
	bool			nobuf;		/* no buffer: drop data-out */
	bool			rx_busy;	/* rx thread writing @wsg */
	bool			released;	/* xmit_done due (after rx) */
	u32			received;	/* in order: the next offset */
	u32			unsol_len;
	u32			unsol_rcvd;
	bool			unsol_done;
	bool			xfer_ready;
	bool			rx_complete;
	u32			r2t_next;
	u32			r2t_first;	/* offset of the oldest R2T out */
	u32			r2t_out;
	u32			r2tsn;
	u32			ttt;
	u32			data_sn;	/* next Data-Out's, in its sequence */
	bool			data_err;	/* DataSN/offset error: it fails */
	bool			tmf_ended;	/* a TMF covers it: no more data */
	bool			xs_ended;	/* ... by the core's abort */
	/*
	 * jiffies when the core asked for the data, an R2T went out or a
	 * Data-Out came: kis_nop_work() closes the connection when a task
	 * waits for data longer than dataout_timeout from then.
	 */
	unsigned long		data_at;
	/*
	 * jiffies when the core asked for the data: the whole data phase
	 * may last dataout_timeout x (2 + its 64 KiB units) from then
	 * (kis_dataout_late()).
	 */
	unsigned long		data_start;
};

/**
 * struct kis_req - a request other than a SCSI Command, with its data
 * @node: sess->held_reqs while it waits for its CmdSN (sn_lock)
 * @conn: the connection it came on, which its response goes on (RFC
 *	7143: a response goes on the connection of its request); a
 *	reference
 * @discard: its data digest failed: it was rejected, only its CmdSN
 *	counts
 * @pdu: its parsed BHS (@pdu.cdb is NULL)
 * @bhs: its BHS, for a Reject
 * @data: its data segment, @pdu.dlen bytes
 */
struct kis_req {
	struct list_head	node;
	struct kis_conn		*conn;
	bool			discard;
	struct iscsi_pdu	pdu;
	u8			bhs[ISCSI_BHS_LEN];
	u8			data[];
};

struct kis_tmf {
	struct ktgt_tmf		tmf;
	struct kis_conn		*conn;
	u32			itt;
	u8			function;
	/* RefCmdSN was sent but has not arrived (RFC 7143 11.5.1 b). */
	bool			ref_pending;
	/* ABORT TASK: the receive thread ended the task's data phase. */
	bool			data_ended;
};

extern struct mutex kis_mutex;
extern spinlock_t kis_auth_lock;
extern struct kis_auth kis_disc_auth;
extern struct list_head kis_targets;
extern unsigned int kis_targets_gen;
extern struct workqueue_struct *kis_wq;
extern struct kmem_cache *kis_task_cache;
extern struct ktgt_tgt_template kis_template;
extern struct kobject *kis_sysfs_sessions;
extern unsigned int kis_nop_interval;
extern unsigned int kis_nop_timeout;
extern unsigned int kis_dataout_timeout;
extern unsigned int kis_cmdsn_gap_timeout;
extern const struct attribute_group kis_stats_group;

/* main.c */
struct kis_tgt *kis_tgt_find(const char *name);
void kis_tgt_put(struct kis_tgt *t);
bool kis_tgt_access(struct kis_tgt *t, const char *initiator,
		    struct kis_auth *auth);

/**
 * kis_targets_changed() - a target came or went, or its enable or portals
 * changed: a TARGET_LIST dump that spans it is flagged NLM_F_DUMP_INTR
 * (nl.c). Under kis_mutex. Never 0: netlink takes a zero as "unset".
 */
static inline void kis_targets_changed(void)
{
	lockdep_assert_held(&kis_mutex);
	if (!++kis_targets_gen)
		kis_targets_gen = 1;
}

/* nl.c */
void kis_params_join(struct kis_params *conn, const struct kis_params *sess);
int kis_nl_init(void);
void kis_nl_exit(void);
void kis_nl_event(int type, struct kis_sess *s, struct kis_conn *conn,
		  const char *target, int reason);

/* conn.c */
int kis_conn_add(struct kis_tgt *t, const char *initiator, u64 isid,
		 u16 tsih, u16 cid, struct socket *sock,
		 const struct kis_params *p, u32 statsn, u32 exp_cmdsn,
		 u8 type, u32 portid, u16 *tsih_out);
int kis_conn_start(u16 tsih, u16 cid, u32 portid);
void kis_portid_release(u32 portid);
void kis_tgt_close_sessions(struct kis_tgt *t, bool async_logout);
int kis_rdy_to_xfer(struct ktgt_cmd *cmd);
int kis_xmit_response(struct ktgt_cmd *cmd);
void kis_tmf_done(struct ktgt_tmf *tmf);
void kis_data_out_aborted(struct ktgt_cmd *cmd);
void kis_free_cmd(struct ktgt_cmd *cmd);
int kis_crc_init(void);
void kis_crc_exit(void);
/* conn.c, for text.c */
bool kis_conn_dead(struct kis_conn *conn);
struct kis_ctl *kis_ctl_alloc(u32 dlen, gfp_t gfp);
void kis_queue_ctl(struct kis_conn *conn, struct kis_ctl *c);
void kis_reject(struct kis_conn *conn, const u8 *bhs, u8 reason);

/* text.c */
int kis_rx_text(struct kis_conn *conn, const struct kis_req *r);
void kis_text_free(struct kis_conn *conn);

#endif /* KTGT_ISCSI_H */
