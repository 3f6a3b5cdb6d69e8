// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_srp: the SCSI RDMA Protocol (SRP) target driver of ktgt.
 *
 * Initiators (Linux's ib_srp) log in through the RDMA connection manager
 * on one TCP-like port (module parameter rdma_cm_port, 5555 by default)
 * of every IPv6 and IPv4 address of every RDMA device: the login request
 * travels in the private data of the connection request and names the
 * target by its 16-byte TARGET PORT IDENTIFIER, which is the name of the
 * target's configfs directory (targets/srp/<32 hex digits>). Each
 * accepted connection is an RDMA channel with its own queue pair and its
 * own ktgt session named by the 16-byte INITIATOR PORT IDENTIFIER (32
 * lowercase hex digits).
 *
 * Objects and lifetimes
 * =====================
 *
 * struct ksrp_tgt   one per configfs target, from ->target_create() to
 *                   ->target_destroy(). While enabled it is on
 *                   ksrp_targets, where connection requests look it up.
 *                   ksrp_mutex protects that list, every target's
 *                   @enabled and @chans, the channels' @node, and
 *                   ksrp_chans, the list of every channel.
 * struct ksrp_ch    one per RDMA channel (connection): created by the
 *                   connection request, refcounted (@ref): the channel's
 *                   own reference, dropped by its release work, plus one
 *                   per command and TMF structure alive. The release work
 *                   tears down the QP, the session and the CM id.
 * struct ksrp_cmd   a received SRP_CMD: embeds the ktgt_cmd; allocated
 *                   per command, freed by ->free_cmd().
 * struct ksrp_tmf   a received SRP_TSK_MGMT: embeds the ktgt_tmf.
 *
 * Channel states and teardown
 * ===========================
 *
 * A channel is LIVE from the accept until ksrp_ch_close() makes it
 * CLOSING (a DREQ, SRP_I_LOGOUT, a fatal completion error, a malformed
 * IU, target disable, RDMA device removal, module unload). Only a LIVE
 * channel takes new IUs and posts work requests; the state is changed,
 * and every ib_post_send() is made, under @lock, so that once it is
 * CLOSING nothing new is posted. The release work then, in order:
 * disconnects; drains the QP (ib_drain_qp(): every posted work request
 * has completed, flushed, and its handler has run); destroys the
 * session (ktgt_session_destroy() waits for every command and TMF,
 * whose callbacks meanwhile see a closed channel and complete at once
 * without posting); destroys the QP, CQ, receive ring, PD and CM id;
 * and drops the channel's reference. Whoever waits for a channel to be
 * gone (target disable, device removal, module unload) waits on
 * ksrp_wq for the channel to leave its target's list, which the release
 * work does last.
 *
 * Credits
 * =======
 *
 * The login response grants KSRP_REQ_LIM requests; KSRP_RQ_EXTRA more
 * receive buffers are posted for IUs sent without a credit. A receive
 * buffer is reposted as soon as its IU is parsed (everything a command
 * needs is copied), which earns the initiator one credit back; the
 * credits earned ride on the next SRP_RSP as REQUEST LIMIT DELTA. So the
 * initiator never has more IUs on the way than buffers are posted.
 * Send queue slots are counted in @sq_avail: a command whose work
 * requests do not fit waits on @sq_wait until completions free slots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <rdma/ib_cm.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>
#include <rdma/rw.h>

#include <ktgt/ktgt.h>

#include "srp_proto.h"

/* Requests the initiator may have outstanding (REQUEST LIMIT). */
#define KSRP_REQ_LIM		128
/* Receive buffers beyond the credits, for IUs without one. */
#define KSRP_RQ_EXTRA		2
#define KSRP_RQ_SIZE		(KSRP_REQ_LIM + KSRP_RQ_EXTRA)
/*
 * Send queue slots for commands' RDMA work requests and responses
 * (@sq_avail); the QP gets one more per receive buffer (TMF responses and
 * refusals, posted outside @sq_avail) and one for the drain.
 */
#define KSRP_SQ_SIZE		(4 * KSRP_REQ_LIM)
/*
 * The longest I_T IU a channel takes: a CDB of 16 + 252 bytes and an
 * indirect table of 255 descriptors. A login may ask for more (ib_srp
 * asks for room for immediate data, which is not supported); it is then
 * told this. Requests above KSRP_LOGIN_MAX_IT are refused.
 */
#define KSRP_MAX_IT_IU		4608
#define KSRP_LOGIN_MAX_IT	65536
/* The longest T_I IU sent: SRP_RSP with 4 bytes response, full sense. */
#define KSRP_MAX_TI_IU		256
/* How long a closing channel waits for its connection to be established. */
#define KSRP_SETTLE_TIMEOUT	(10 * HZ)

static unsigned short rdma_cm_port = 5555;
module_param(rdma_cm_port, ushort, 0444);
MODULE_PARM_DESC(rdma_cm_port, "RDMA CM port to listen on (default 5555)");

enum ksrp_ch_state {
	KSRP_CH_LIVE,
	KSRP_CH_CLOSING,
};

/**
 * struct ksrp_tgt - the driver's state of one configfs target
 * @tgt: the ktgt target
 * @port_id: the target port identifier (the target's name)
 * @node: on ksrp_targets while enabled (ksrp_mutex)
 * @enabled: serving logins (ksrp_mutex)
 * @chans: its channels (ksrp_mutex)
 */
struct ksrp_tgt {
	struct ktgt_target	*tgt;
	u8			port_id[SRP_PORT_ID_LEN];
	struct list_head	node;
	bool			enabled;
	struct list_head	chans;
};

/**
 * struct ksrp_recv - a receive buffer of a channel
 * @cqe: its completion entry
 * @ch: the channel
 * @buf: @len bytes
 * @dma: its DMA address
 * @len: its size (the channel's I_T IU length)
 */
struct ksrp_recv {
	struct ib_cqe		cqe;
	struct ksrp_ch		*ch;
	u8			*buf;
	u64			dma;
	u32			len;
};

/**
 * struct ksrp_ch - an RDMA channel (one connection, one ktgt session)
 * @cm_id: its RDMA CM id
 * @ibdev: the RDMA device it runs on
 * @port_num: the device's port
 * @pd: protection domain
 * @cq: completion queue of both work queues (IB_POLL_WORKQUEUE)
 * @qp: the queue pair
 * @st: its target
 * @sess: the ktgt session
 * @ini_name: the initiator port identifier, 32 hex digits
 * @it_iu_len: the longest IU the initiator may send
 * @recv: KSRP_RQ_SIZE receive buffers
 * @lock: protects @state, @credits, @sq_wait and the posting of sends
 * @state: enum ksrp_ch_state
 * @credits: credits earned and not yet returned
 * @sq_avail: free send queue slots
 * @sq_wait: commands waiting for send queue slots
 * @ref: references: the channel's own and one per command or TMF
 * @release_work: the teardown (see the top of the file)
 * @release_queued: @release_work was queued (under @lock)
 * @cm_settled: the CM id is established, or will never be (an error,
 *	a disconnect, device removal): a disconnect can now send a DREQ
 * @node: on its target's @chans (ksrp_mutex)
 * @gnode: on ksrp_chans (ksrp_mutex)
 */
struct ksrp_ch {
	struct rdma_cm_id	*cm_id;
	struct ib_device	*ibdev;
	u32			port_num;
	struct ib_pd		*pd;
	struct ib_cq		*cq;
	struct ib_qp		*qp;
	struct ksrp_tgt		*st;
	struct ktgt_session	*sess;
	char			ini_name[2 * SRP_PORT_ID_LEN + 1];
	u32			it_iu_len;
	struct ksrp_recv	*recv;
	spinlock_t		lock;	/* see above */
	enum ksrp_ch_state	state;
	u32			credits;
	int			sq_avail;
	struct list_head	sq_wait;
	struct kref		ref;
	struct work_struct	release_work;
	bool			release_queued;
	bool			cm_settled;
	struct list_head	node;
	struct list_head	gnode;
};

/**
 * struct ksrp_tx - a response buffer and its send
 * @cqe: the completion entry of the send (or of the last RDMA READ)
 * @wr: the send work request
 * @sge: its gather entry
 * @buf: the response IU
 * @dma: its DMA address while posted, else 0
 * @len: its length
 */
struct ksrp_tx {
	struct ib_cqe		cqe;
	struct ib_send_wr	wr;
	struct ib_sge		sge;
	u64			dma;
	u32			len;
	u8			buf[KSRP_MAX_TI_IU] ____cacheline_aligned;
};

/**
 * struct ksrp_cmd - a received SRP_CMD
 * @cmd: the ktgt command
 * @ch: its channel (holds a reference)
 * @tx: the response
 * @descs: the data descriptors (copied from the IU)
 * @nr_desc: their number
 * @total: the sum of their lengths
 * @write: data-out
 * @aborted: ->data_out_aborted() was called
 * @rw: one RDMA R/W context per descriptor that moves data
 * @nr_rw: their number
 * @rw_sg: the scatterlist of each context, parts of cmd.sg
 * @rw_sg_cnt: the entries of each
 * @nr_wrs: send queue slots the posted work requests take
 * @wait_node: on the channel's @sq_wait
 * @posting_rsp: what waits on @sq_wait: the response (else data-out)
 */
struct ksrp_cmd {
	struct ktgt_cmd		cmd;
	struct ksrp_ch		*ch;
	struct ksrp_tx		tx;
	struct srp_desc		*descs;
	u32			nr_desc;
	u32			total;
	bool			write;
	bool			aborted;
	struct rdma_rw_ctx	*rw;
	u32			nr_rw;
	struct scatterlist	*rw_sg;
	u32			*rw_sg_cnt;
	int			nr_wrs;
	struct list_head	wait_node;
	bool			posting_rsp;
};

/**
 * struct ksrp_tmf - a received SRP_TSK_MGMT
 * @tmf: the ktgt task management function
 * @ch: its channel (holds a reference)
 * @tx: the response
 */
struct ksrp_tmf {
	struct ktgt_tmf		tmf;
	struct ksrp_ch		*ch;
	struct ksrp_tx		tx;
};

static DEFINE_MUTEX(ksrp_mutex);
static LIST_HEAD(ksrp_targets);
static LIST_HEAD(ksrp_chans);
static DECLARE_WAIT_QUEUE_HEAD(ksrp_wq);
static struct workqueue_struct *ksrp_release_wq;
static struct rdma_cm_id *ksrp_listen_id;
static struct ktgt_tgt_template ksrp_template;

static void ksrp_ch_free(struct kref *ref)
{
	struct ksrp_ch *ch = container_of(ref, struct ksrp_ch, ref);

	kfree(ch);
}

static void ksrp_ch_put(struct ksrp_ch *ch)
{
	kref_put(&ch->ref, ksrp_ch_free);
}

/*
 * ksrp_ch_close() - stop a channel and queue its teardown. Any context;
 * idempotent.
 */
static void ksrp_ch_close(struct ksrp_ch *ch)
{
	unsigned long flags;
	bool queue;

	spin_lock_irqsave(&ch->lock, flags);
	ch->state = KSRP_CH_CLOSING;
	queue = !ch->release_queued;
	ch->release_queued = true;
	spin_unlock_irqrestore(&ch->lock, flags);
	if (queue)
		queue_work(ksrp_release_wq, &ch->release_work);
}

/* Take the credits earned so far, for a response. */
static u32 ksrp_take_credits(struct ksrp_ch *ch)
{
	unsigned long flags;
	u32 c;

	spin_lock_irqsave(&ch->lock, flags);
	c = ch->credits;
	ch->credits = 0;
	spin_unlock_irqrestore(&ch->lock, flags);
	return c;
}

static int ksrp_post_recv(struct ksrp_ch *ch, struct ksrp_recv *r)
{
	struct ib_sge sge = {
		.addr	= r->dma,
		.length	= r->len,
		.lkey	= ch->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe		= &r->cqe,
		.sg_list	= &sge,
		.num_sge	= 1,
	};

	return ib_post_recv(ch->qp, &wr, NULL);
}

/* ---------------------------------------------------------------------
 * Data transfer: RDMA READ (data-out) and RDMA WRITE (data-in)
 */

static enum dma_data_direction ksrp_dma_dir(struct ksrp_cmd *kc)
{
	return kc->write ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
}

static void ksrp_rw_destroy(struct ksrp_cmd *kc)
{
	struct ksrp_ch *ch = kc->ch;
	u32 i, base = 0;

	for (i = 0; i < kc->nr_rw; i++) {
		rdma_rw_ctx_destroy(&kc->rw[i], ch->qp, ch->port_num,
				    kc->rw_sg + base, kc->rw_sg_cnt[i],
				    ksrp_dma_dir(kc));
		base += kc->rw_sg_cnt[i];
	}
	kc->nr_rw = 0;
	kfree(kc->rw);
	kc->rw = NULL;
	kfree(kc->rw_sg);
	kc->rw_sg = NULL;
	kfree(kc->rw_sg_cnt);
	kc->rw_sg_cnt = NULL;
}

/*
 * Set up one RDMA R/W context per descriptor for the first @len bytes of
 * cmd.sg: descriptor i moves the bytes that follow those of descriptor
 * i - 1. Each context gets a scatterlist of its own that points into the
 * pages of cmd.sg, cut at the descriptor's bounds.
 */
static int ksrp_rw_init(struct ksrp_cmd *kc, u32 len)
{
	struct ksrp_ch *ch = kc->ch;
	struct scatterlist *sg = kc->cmd.sg, *out;
	u32 off = 0, base = 0, i, n, ents;
	int ret;

	kc->nr_wrs = 0;
	if (!len)
		return 0;
	ents = kc->cmd.sg_cnt + kc->nr_desc;
	kc->rw = kcalloc(kc->nr_desc, sizeof(*kc->rw), GFP_NOIO);
	kc->rw_sg = kcalloc(ents, sizeof(*kc->rw_sg), GFP_NOIO);
	kc->rw_sg_cnt = kcalloc(kc->nr_desc, sizeof(u32), GFP_NOIO);
	if (!kc->rw || !kc->rw_sg || !kc->rw_sg_cnt) {
		ret = -ENOMEM;
		goto err;
	}
	sg_init_table(kc->rw_sg, ents);
	for (i = 0; i < kc->nr_desc && len; i++) {
		u32 dlen = min(kc->descs[i].len, len);

		if (!dlen)
			continue;
		len -= dlen;
		n = 0;
		while (dlen) {
			u32 chunk;

			if (!sg || base + n >= ents) {
				ret = -EINVAL;
				goto err;
			}
			chunk = min(sg->length - off, dlen);
			out = &kc->rw_sg[base + n];
			sg_set_page(out, sg_page(sg), chunk, sg->offset + off);
			n++;
			dlen -= chunk;
			off += chunk;
			if (off == sg->length) {
				sg = sg_next(sg);
				off = 0;
			}
		}
		sg_mark_end(&kc->rw_sg[base + n - 1]);
		ret = rdma_rw_ctx_init(&kc->rw[kc->nr_rw], ch->qp, ch->port_num,
				       kc->rw_sg + base, n, 0, kc->descs[i].va,
				       kc->descs[i].key, ksrp_dma_dir(kc));
		if (ret < 0)
			goto err;
		kc->rw_sg_cnt[kc->nr_rw++] = n;
		kc->nr_wrs += ret;
		base += n;
	}
	if (len) {
		ret = -EINVAL;
		goto err;
	}
	return 0;
err:
	ksrp_rw_destroy(kc);
	return ret;
}

/*
 * Chain the contexts' work requests, then @tail (the response send, or
 * NULL: the last context completes on @kc->tx.cqe).
 */
static struct ib_send_wr *ksrp_rw_chain(struct ksrp_cmd *kc,
					struct ib_send_wr *tail)
{
	struct ksrp_ch *ch = kc->ch;
	struct ib_send_wr *first = tail;
	int i;

	for (i = kc->nr_rw - 1; i >= 0; i--)
		first = rdma_rw_ctx_wrs(&kc->rw[i], ch->qp, ch->port_num,
					first ? NULL : &kc->tx.cqe, first);
	return first;
}

/*
 * Post the work requests of @kc: its RDMA READs (data-out), or its RDMA
 * WRITEs and response (@kc->posting_rsp). They take @kc->nr_wrs send
 * queue slots, which @reserved says were taken already (a command
 * leaving @sq_wait). Return 0 posted, 1 queued on @sq_wait,
 * -ECONNABORTED if the channel is closing, or the error of
 * ib_post_send().
 */
static int ksrp_post(struct ksrp_cmd *kc, bool reserved)
{
	struct ksrp_ch *ch = kc->ch;
	struct ib_send_wr *wr;
	unsigned long flags;
	int ret;

	wr = ksrp_rw_chain(kc, kc->posting_rsp ? &kc->tx.wr : NULL);
	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state != KSRP_CH_LIVE) {
		ret = -ECONNABORTED;
		if (reserved)
			ch->sq_avail += kc->nr_wrs;
	} else if (!reserved && (ch->sq_avail < kc->nr_wrs ||
				 !list_empty(&ch->sq_wait))) {
		list_add_tail(&kc->wait_node, &ch->sq_wait);
		ret = 1;
	} else {
		ret = ib_post_send(ch->qp, wr, NULL);
		if (!ret && !reserved)
			ch->sq_avail -= kc->nr_wrs;
		else if (ret && reserved)
			ch->sq_avail += kc->nr_wrs;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	return ret;
}

static void ksrp_tx_unmap(struct ksrp_ch *ch, struct ksrp_tx *tx);

/*
 * A command's work requests were not posted (@err from ksrp_post()):
 * end its data-out with an error, or release it without a response.
 */
static void ksrp_post_failed(struct ksrp_cmd *kc, int err, enum ktgt_ctx ctx)
{
	struct ksrp_ch *ch = kc->ch;

	if (err != -ECONNABORTED) {
		pr_err_ratelimited("%s: cannot post work requests: %d\n",
				   ch->ini_name, err);
		ksrp_ch_close(ch);
	}
	ksrp_rw_destroy(kc);
	if (kc->posting_rsp) {
		ksrp_tx_unmap(ch, &kc->tx);
		ktgt_cmd_xmit_done(&kc->cmd);
	} else {
		ktgt_cmd_rx_done(&kc->cmd, -ECONNABORTED, ctx);
	}
}

/*
 * Give send queue slots back and post the commands waiting for them, in
 * order. From completion handlers (process context).
 */
static void ksrp_sq_put(struct ksrp_ch *ch, int n)
{
	struct ksrp_cmd *kc;
	unsigned long flags;
	LIST_HEAD(ready);
	int ret;

	spin_lock_irqsave(&ch->lock, flags);
	ch->sq_avail += n;
	while ((kc = list_first_entry_or_null(&ch->sq_wait, struct ksrp_cmd,
					      wait_node))) {
		if (ch->state != KSRP_CH_LIVE || ch->sq_avail < kc->nr_wrs)
			break;
		list_move_tail(&kc->wait_node, &ready);
		ch->sq_avail -= kc->nr_wrs;
	}
	spin_unlock_irqrestore(&ch->lock, flags);

	/*
	 * Those left on @sq_wait of a closing channel are ended by its
	 * release work, after the drain.
	 */
	while ((kc = list_first_entry_or_null(&ready, struct ksrp_cmd,
					      wait_node))) {
		list_del_init(&kc->wait_node);
		ret = ksrp_post(kc, true);
		if (ret)
			ksrp_post_failed(kc, ret, KTGT_CTX_NOWAIT);
	}
}

static void ksrp_data_out_done(struct ib_cq *cq, struct ib_wc *wc);
static void ksrp_send_done(struct ib_cq *cq, struct ib_wc *wc);

static int ksrp_rdy_to_xfer(struct ktgt_cmd *cmd)
{
	struct ksrp_cmd *kc = container_of(cmd, struct ksrp_cmd, cmd);
	int ret;

	if (READ_ONCE(kc->aborted) || READ_ONCE(kc->ch->state) != KSRP_CH_LIVE) {
		ktgt_cmd_rx_done(cmd, -ECONNABORTED, KTGT_CTX_THREAD);
		return 0;
	}
	ret = ksrp_rw_init(kc, min(cmd->bufflen, kc->total));
	if (ret)
		return ret;
	if (!kc->nr_rw) {
		ktgt_cmd_rx_done(cmd, 0, KTGT_CTX_THREAD);
		return 0;
	}
	kc->posting_rsp = false;
	kc->tx.cqe.done = ksrp_data_out_done;
	ret = ksrp_post(kc, false);
	if (ret < 0)
		ksrp_post_failed(kc, ret, KTGT_CTX_THREAD);
	return 0;
}

static void ksrp_data_out_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ksrp_cmd *kc = container_of(wc->wr_cqe, struct ksrp_cmd, tx.cqe);
	struct ksrp_ch *ch = kc->ch;
	int err = 0;

	ksrp_rw_destroy(kc);
	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_err_ratelimited("%s: RDMA READ failed: %s\n",
					   ch->ini_name,
					   ib_wc_status_msg(wc->status));
		ksrp_ch_close(ch);
		err = -ECONNABORTED;
	} else if (READ_ONCE(kc->aborted)) {
		err = -ECONNABORTED;
	}
	ksrp_sq_put(ch, kc->nr_wrs);
	ktgt_cmd_rx_done(&kc->cmd, err, KTGT_CTX_NOWAIT);
}

static void ksrp_data_out_aborted(struct ktgt_cmd *cmd)
{
	struct ksrp_cmd *kc = container_of(cmd, struct ksrp_cmd, cmd);

	/* An RDMA READ under way cannot be stopped; its end sees this. */
	WRITE_ONCE(kc->aborted, true);
}

/* ---------------------------------------------------------------------
 * Responses
 */

/* Map @tx (tx->len bytes built) and set up its send. */
static int ksrp_tx_prep(struct ksrp_ch *ch, struct ksrp_tx *tx,
			void (*done)(struct ib_cq *cq, struct ib_wc *wc))
{
	tx->dma = ib_dma_map_single(ch->ibdev, tx->buf, tx->len,
				    DMA_TO_DEVICE);
	if (ib_dma_mapping_error(ch->ibdev, tx->dma)) {
		tx->dma = 0;
		return -ENOMEM;
	}
	tx->sge.addr = tx->dma;
	tx->sge.length = tx->len;
	tx->sge.lkey = ch->pd->local_dma_lkey;
	tx->cqe.done = done;
	memset(&tx->wr, 0, sizeof(tx->wr));
	tx->wr.wr_cqe = &tx->cqe;
	tx->wr.sg_list = &tx->sge;
	tx->wr.num_sge = 1;
	tx->wr.opcode = IB_WR_SEND;
	tx->wr.send_flags = IB_SEND_SIGNALED;
	return 0;
}

static void ksrp_tx_unmap(struct ksrp_ch *ch, struct ksrp_tx *tx)
{
	if (tx->dma)
		ib_dma_unmap_single(ch->ibdev, tx->dma, tx->len, DMA_TO_DEVICE);
	tx->dma = 0;
}

/* Build the SRP_RSP of a command in kc->tx. */
static void ksrp_build_cmd_rsp(struct ksrp_cmd *kc)
{
	struct ktgt_cmd *cmd = &kc->cmd;
	struct srp_rsp_info info = {
		.tag		= cmd->tag,
		.req_lim_delta	= ksrp_take_credits(kc->ch),
		.status		= cmd->status,
		.sense		= cmd->sense_len ? cmd->sense : NULL,
		.sense_len	= cmd->sense_len,
	};

	if (cmd->resid) {
		if (kc->write) {
			info.flags = cmd->resid_over ? SRP_RSP_DOOVER :
						       SRP_RSP_DOUNDER;
			info.do_resid = cmd->resid;
		} else {
			info.flags = cmd->resid_over ? SRP_RSP_DIOVER :
						       SRP_RSP_DIUNDER;
			info.di_resid = cmd->resid;
		}
	}
	kc->tx.len = srp_build_rsp(kc->tx.buf, sizeof(kc->tx.buf), &info);
}

static int ksrp_xmit_response(struct ktgt_cmd *cmd)
{
	struct ksrp_cmd *kc = container_of(cmd, struct ksrp_cmd, cmd);
	struct ksrp_ch *ch = kc->ch;
	int ret;

	if (ktgt_cmd_aborted_silently(cmd) ||
	    READ_ONCE(ch->state) != KSRP_CH_LIVE)
		goto done;
	kc->nr_wrs = 0;
	if (!kc->write && cmd->data_len) {
		ret = ksrp_rw_init(kc, min(cmd->data_len, kc->total));
		if (ret) {
			pr_err_ratelimited("%s: cannot map data-in: %d\n",
					   ch->ini_name, ret);
			ksrp_ch_close(ch);
			goto done;
		}
	}
	kc->nr_wrs += 1;
	if (kc->nr_wrs > KSRP_SQ_SIZE) {
		pr_err_ratelimited("%s: data-in of %u descriptors needs too many work requests\n",
				   ch->ini_name, kc->nr_desc);
		ksrp_ch_close(ch);
		goto done_rw;
	}
	ksrp_build_cmd_rsp(kc);
	if (ksrp_tx_prep(ch, &kc->tx, ksrp_send_done))
		goto done_rw;
	kc->posting_rsp = true;
	ret = ksrp_post(kc, false);
	if (ret < 0)
		ksrp_post_failed(kc, ret, KTGT_CTX_THREAD);
	return 0;

done_rw:
	ksrp_rw_destroy(kc);
done:
	ktgt_cmd_xmit_done(cmd);
	return 0;
}

static void ksrp_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ksrp_cmd *kc = container_of(wc->wr_cqe, struct ksrp_cmd, tx.cqe);
	struct ksrp_ch *ch = kc->ch;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_err_ratelimited("%s: send failed: %s\n", ch->ini_name,
					   ib_wc_status_msg(wc->status));
		ksrp_ch_close(ch);
	}
	ksrp_tx_unmap(ch, &kc->tx);
	ksrp_rw_destroy(kc);
	ksrp_sq_put(ch, kc->nr_wrs);
	ktgt_cmd_xmit_done(&kc->cmd);
}

static void ksrp_free_cmd(struct ktgt_cmd *cmd)
{
	struct ksrp_cmd *kc = container_of(cmd, struct ksrp_cmd, cmd);
	struct ksrp_ch *ch = kc->ch;

	kfree(kc->descs);
	kfree(kc);
	ksrp_ch_put(ch);
}

/* --- task management, and commands refused by the driver --- */

static void ksrp_tmf_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ksrp_tmf *t = container_of(wc->wr_cqe, struct ksrp_tmf, tx.cqe);
	struct ksrp_ch *ch = t->ch;

	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR) {
		pr_err_ratelimited("%s: send failed: %s\n", ch->ini_name,
				   ib_wc_status_msg(wc->status));
		ksrp_ch_close(ch);
	}
	ksrp_tx_unmap(ch, &t->tx);
	ksrp_sq_put(ch, 1);
	kfree(t);
	ksrp_ch_put(ch);
}

/*
 * Send the SRP_RSP @info (its credits filled in here) with @t's buffer;
 * frees @t once sent, or at once if the channel is closing. It skips
 * the queue of commands waiting for send slots: the send queue has a
 * slot for every receive buffer besides KSRP_SQ_SIZE.
 */
static void ksrp_tmf_send(struct ksrp_tmf *t, struct srp_rsp_info *info)
{
	struct ksrp_ch *ch = t->ch;
	unsigned long flags;
	int ret = -ECONNABORTED;

	info->req_lim_delta = ksrp_take_credits(ch);
	t->tx.len = srp_build_rsp(t->tx.buf, sizeof(t->tx.buf), info);
	if (ksrp_tx_prep(ch, &t->tx, ksrp_tmf_send_done))
		goto free;
	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state == KSRP_CH_LIVE) {
		ret = ib_post_send(ch->qp, &t->tx.wr, NULL);
		if (!ret)
			ch->sq_avail--;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (!ret)
		return;
	ksrp_tx_unmap(ch, &t->tx);
free:
	kfree(t);
	ksrp_ch_put(ch);
}

static void ksrp_tmf_respond(struct ksrp_tmf *t, u8 code)
{
	struct srp_rsp_info info = {
		.tag		= t->tmf.tag,
		.rsp_valid	= true,
		.rsp_code	= code,
	};

	ksrp_tmf_send(t, &info);
}

static struct ksrp_tmf *ksrp_tmf_alloc(struct ksrp_ch *ch)
{
	struct ksrp_tmf *t;

	t = kzalloc(sizeof(*t), GFP_NOIO);
	if (!t) {
		ksrp_ch_close(ch);
		return NULL;
	}
	kref_get(&ch->ref);
	t->ch = ch;
	return t;
}

/*
 * Answer a command refused before it reaches the core: CHECK CONDITION,
 * ILLEGAL REQUEST with @asc/@ascq.
 */
static void ksrp_refuse_cmd(struct ksrp_ch *ch, u64 tag, u8 asc, u8 ascq)
{
	u8 sense[18] = { 0x70, 0, KTGT_KEY_ILLEGAL_REQUEST, 0, 0, 0, 0, 10,
			 0, 0, 0, 0, asc, ascq };
	struct srp_rsp_info info = {
		.tag		= tag,
		.status		= 0x02,	/* CHECK CONDITION */
		.sense		= sense,
		.sense_len	= sizeof(sense),
	};
	struct ksrp_tmf *t = ksrp_tmf_alloc(ch);

	if (t)
		ksrp_tmf_send(t, &info);
}

static u8 ksrp_tmf_code(enum ktgt_tmf_response r)
{
	switch (r) {
	case KTGT_TMF_COMPLETE:
		return SRP_RC_COMPLETE;
	case KTGT_TMF_SUCCEEDED:
		return SRP_RC_SUCCEEDED;
	case KTGT_TMF_INCORRECT_LUN:
		return SRP_RC_INCORRECT_LUN;
	case KTGT_TMF_NOT_SUPPORTED:
		return SRP_RC_NOT_SUPPORTED;
	default:
		return SRP_RC_FAILED;
	}
}

static void ksrp_tmf_done(struct ktgt_tmf *tmf)
{
	struct ksrp_tmf *t = container_of(tmf, struct ksrp_tmf, tmf);

	ksrp_tmf_respond(t, ksrp_tmf_code(tmf->response));
}

static void ksrp_handle_tmf(struct ksrp_ch *ch, const u8 *iu, u32 len)
{
	struct ksrp_tmf *t;
	struct srp_tmf p;
	int fn;

	t = ksrp_tmf_alloc(ch);
	if (!t)
		return;
	srp_tmf_parse(iu, len, &p);	/* len >= SRP_TSK_MGMT_LEN: checked */
	t->tmf.tag = p.tag;
	switch (p.fn) {
	case SRP_TMF_ABORT_TASK:
		fn = KTGT_TMF_ABORT_TASK;
		break;
	case SRP_TMF_ABORT_TASK_SET:
		fn = KTGT_TMF_ABORT_TASK_SET;
		break;
	case SRP_TMF_CLEAR_TASK_SET:
		fn = KTGT_TMF_CLEAR_TASK_SET;
		break;
	case SRP_TMF_LUN_RESET:
		fn = KTGT_TMF_LUN_RESET;
		break;
	case SRP_TMF_CLEAR_ACA:
		fn = KTGT_TMF_CLEAR_ACA;
		break;
	default:
		ksrp_tmf_respond(t, SRP_RC_NOT_SUPPORTED);
		return;
	}
	t->tmf.lun = srp_lun_decode(p.lun);
	if (t->tmf.lun == SRP_BAD_LUN) {
		ksrp_tmf_respond(t, SRP_RC_INCORRECT_LUN);
		return;
	}
	t->tmf.sess = ch->sess;
	t->tmf.fn = fn;
	t->tmf.ref_tag = p.task_tag;
	ktgt_tmf_submit(&t->tmf);
}

/* --- commands --- */

static const enum ktgt_task_attr ksrp_attrs[8] = {
	[0] = KTGT_TASK_SIMPLE,
	[1] = KTGT_TASK_HEAD_OF_QUEUE,
	[2] = KTGT_TASK_ORDERED,
	[4] = KTGT_TASK_ACA,
};

static void ksrp_handle_cmd(struct ksrp_ch *ch, const u8 *iu, u32 len)
{
	struct ksrp_cmd *kc;
	struct srp_cmd p;
	enum srp_iu_err err;
	u64 lun;
	u32 i;

	err = srp_cmd_parse(iu, len, &p);
	if (err == SRP_IU_SHORT && len < 16) {
		ksrp_ch_close(ch);
		return;
	}
	if (err) {
		pr_warn_ratelimited("%s: SRP_CMD refused: error %d\n",
				    ch->ini_name, err);
		/* INVALID FIELD IN COMMAND INFORMATION UNIT */
		ksrp_refuse_cmd(ch, p.tag, 0x0e, 0x03);
		return;
	}
	if (p.attr == 3 || p.attr > 4) {
		ksrp_refuse_cmd(ch, p.tag, 0x0e, 0x03);
		return;
	}
	kc = kzalloc(sizeof(*kc), GFP_NOIO);
	if (!kc) {
		ksrp_ch_close(ch);
		return;
	}
	if (p.nr_desc) {
		kc->descs = kmalloc_array(p.nr_desc, sizeof(*kc->descs),
					  GFP_NOIO);
		if (!kc->descs) {
			kfree(kc);
			ksrp_ch_close(ch);
			return;
		}
		for (i = 0; i < p.nr_desc; i++)
			srp_cmd_desc(iu, &p, i, &kc->descs[i]);
		if (p.nr_desc > 1)
			pr_debug("%s: tag 0x%llx: %u descriptors, %u bytes\n",
				 ch->ini_name, p.tag, p.nr_desc, p.total_len);
	}
	kref_get(&ch->ref);
	kc->ch = ch;
	kc->nr_desc = p.nr_desc;
	kc->total = p.total_len;
	kc->write = p.write;
	INIT_LIST_HEAD(&kc->wait_node);
	lun = srp_lun_decode(p.lun);
	/* A LUN that cannot be decoded is one the core never maps. */
	ktgt_cmd_init(&kc->cmd, ch->sess, lun, p.tag, p.cdb, p.cdb_len,
		      ksrp_attrs[p.attr],
		      !p.nr_desc ? KTGT_DIR_NONE :
		      p.write ? KTGT_DIR_WRITE : KTGT_DIR_READ, p.total_len);
	ktgt_cmd_submit(&kc->cmd, KTGT_CTX_NOWAIT);
}

/* ---------------------------------------------------------------------
 * Receiving
 */

static void ksrp_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ksrp_recv *r = container_of(wc->wr_cqe, struct ksrp_recv, cqe);
	struct ksrp_ch *ch = r->ch;
	u32 len = wc->byte_len;
	u8 *iu;
	u8 op;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_err_ratelimited("%s: receive failed: %s\n",
					   ch->ini_name,
					   ib_wc_status_msg(wc->status));
		ksrp_ch_close(ch);
		return;
	}
	if (READ_ONCE(ch->state) != KSRP_CH_LIVE)
		return;
	ib_dma_sync_single_for_cpu(ch->ibdev, r->dma, r->len, DMA_FROM_DEVICE);
	iu = r->buf;
	op = len ? iu[0] : 0xff;
	/*
	 * A request's credit is earned before it is handled, so that the
	 * response carries it: the buffer is reposted right after, and the
	 * KSRP_RQ_EXTRA spare buffers cover the one out of the ring now
	 * (completions are handled one at a time).
	 */
	if (op == SRP_OP_CMD || op == SRP_OP_TSK_MGMT) {
		unsigned long flags;

		spin_lock_irqsave(&ch->lock, flags);
		ch->credits++;
		spin_unlock_irqrestore(&ch->lock, flags);
	}
	switch (op) {
	case SRP_OP_CMD:
		ksrp_handle_cmd(ch, iu, len);
		break;
	case SRP_OP_TSK_MGMT:
		if (len < SRP_TSK_MGMT_LEN - 8) {
			pr_warn_ratelimited("%s: short SRP_TSK_MGMT (%u bytes)\n",
					    ch->ini_name, len);
			ksrp_ch_close(ch);
			return;
		}
		ksrp_handle_tmf(ch, iu, len);
		break;
	case SRP_OP_I_LOGOUT:
		pr_info("%s: logout\n", ch->ini_name);
		ksrp_ch_close(ch);
		return;
	case SRP_OP_CRED_RSP:
	case SRP_OP_AER_RSP:
		/* Answers to requests never sent: ignored, no credit used. */
		break;
	default:
		pr_warn_ratelimited("%s: unknown IU opcode 0x%02x (%u bytes), closing\n",
				    ch->ini_name, op, len);
		ksrp_ch_close(ch);
		return;
	}

	ib_dma_sync_single_for_device(ch->ibdev, r->dma, r->len,
				      DMA_FROM_DEVICE);
	if (READ_ONCE(ch->state) != KSRP_CH_LIVE)
		return;
	if (ksrp_post_recv(ch, r))
		ksrp_ch_close(ch);
}

/* ---------------------------------------------------------------------
 * Channels: login, teardown
 */

static void ksrp_free_ring(struct ksrp_ch *ch)
{
	u32 i;

	if (!ch->recv)
		return;
	for (i = 0; i < KSRP_RQ_SIZE; i++) {
		struct ksrp_recv *r = &ch->recv[i];

		if (r->dma)
			ib_dma_unmap_single(ch->ibdev, r->dma, r->len,
					    DMA_FROM_DEVICE);
		kfree(r->buf);
	}
	kfree(ch->recv);
	ch->recv = NULL;
}

static int ksrp_alloc_ring(struct ksrp_ch *ch)
{
	u32 i;

	ch->recv = kcalloc(KSRP_RQ_SIZE, sizeof(*ch->recv), GFP_KERNEL);
	if (!ch->recv)
		return -ENOMEM;
	for (i = 0; i < KSRP_RQ_SIZE; i++) {
		struct ksrp_recv *r = &ch->recv[i];

		r->ch = ch;
		r->len = ch->it_iu_len;
		r->cqe.done = ksrp_recv_done;
		r->buf = kmalloc(r->len, GFP_KERNEL);
		if (!r->buf)
			return -ENOMEM;
		r->dma = ib_dma_map_single(ch->ibdev, r->buf, r->len,
					   DMA_FROM_DEVICE);
		if (ib_dma_mapping_error(ch->ibdev, r->dma)) {
			r->dma = 0;
			return -ENOMEM;
		}
	}
	return 0;
}

/* Free the verbs resources; the CM id is the caller's. */
static void ksrp_ch_free_res(struct ksrp_ch *ch)
{
	if (ch->qp)
		rdma_destroy_qp(ch->cm_id);
	ch->qp = NULL;
	if (ch->cq)
		ib_free_cq(ch->cq);
	ch->cq = NULL;
	ksrp_free_ring(ch);
	if (ch->pd)
		ib_dealloc_pd(ch->pd);
	ch->pd = NULL;
}

static void ksrp_release_work(struct work_struct *work)
{
	struct ksrp_ch *ch = container_of(work, struct ksrp_ch, release_work);
	struct ksrp_cmd *kc;
	unsigned long flags;
	LIST_HEAD(waiting);

	/*
	 * A channel closed right after its accept (a malformed first IU)
	 * may not have had the initiator's RTU yet: the RDMA CM sends no
	 * DREQ before it, and the initiator would not learn of the end.
	 */
	if (!wait_event_timeout(ksrp_wq, READ_ONCE(ch->cm_settled),
				KSRP_SETTLE_TIMEOUT))
		pr_warn("%s: connection not established, disconnecting anyway\n",
			ch->ini_name);
	rdma_disconnect(ch->cm_id);
	ib_drain_qp(ch->qp);

	/* Commands that waited for send slots will never get them. */
	spin_lock_irqsave(&ch->lock, flags);
	list_splice_init(&ch->sq_wait, &waiting);
	spin_unlock_irqrestore(&ch->lock, flags);
	while ((kc = list_first_entry_or_null(&waiting, struct ksrp_cmd,
					      wait_node))) {
		list_del_init(&kc->wait_node);
		ksrp_post_failed(kc, -ECONNABORTED, KTGT_CTX_THREAD);
	}

	ktgt_session_destroy(ch->sess);
	ch->sess = NULL;
	ksrp_ch_free_res(ch);
	rdma_destroy_id(ch->cm_id);
	ch->cm_id = NULL;

	pr_info("%s: channel to %s closed\n", ch->ini_name,
		ktgt_target_name(ch->st->tgt));
	mutex_lock(&ksrp_mutex);
	list_del_init(&ch->node);
	list_del_init(&ch->gnode);
	mutex_unlock(&ksrp_mutex);
	wake_up_all(&ksrp_wq);
	ksrp_ch_put(ch);
}

static struct ksrp_tgt *ksrp_find_target(const u8 *port_id)
{
	struct ksrp_tgt *st;

	lockdep_assert_held(&ksrp_mutex);
	list_for_each_entry(st, &ksrp_targets, node)
		if (!memcmp(st->port_id, port_id, SRP_PORT_ID_LEN))
			return st;
	return NULL;
}

static int ksrp_reject(struct rdma_cm_id *id, u64 tag, u32 reason)
{
	u8 rej[SRP_LOGIN_REJ_LEN];

	srp_build_login_rej(rej, tag, reason);
	rdma_reject(id, rej, sizeof(rej), IB_CM_REJ_CONSUMER_DEFINED);
	/* Non-zero: the RDMA CM destroys the id. */
	return -ECONNREFUSED;
}

/* Close the channels of @st that the initiator @name has. */
static bool ksrp_close_nexus(struct ksrp_tgt *st, const char *name)
{
	struct ksrp_ch *ch;
	bool found = false;

	lockdep_assert_held(&ksrp_mutex);
	list_for_each_entry(ch, &st->chans, node) {
		if (!strcmp(ch->ini_name, name)) {
			ksrp_ch_close(ch);
			found = true;
		}
	}
	return found;
}

static int ksrp_connect(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	const u8 *pd = ev->param.conn.private_data;
	struct rdma_conn_param cp = {};
	struct ib_qp_init_attr qa = {};
	u8 rsp[SRP_LOGIN_RSP_LEN];
	char ini[2 * SRP_PORT_ID_LEN + 1], tgt[2 * SRP_PORT_ID_LEN + 1];
	struct srp_login login;
	struct ksrp_tgt *st;
	struct ksrp_ch *ch;
	u8 rsp_flags = SRP_RSP_MULTICHAN_NO_CHAN;
	u32 reason, i;
	int ret;

	reason = srp_login_parse(pd, ev->param.conn.private_data_len,
				 KSRP_LOGIN_MAX_IT, &login);
	srp_port_id_hex(login.initiator_port_id, ini);
	srp_port_id_hex(login.target_port_id, tgt);
	if (reason) {
		pr_warn("login of %s to %s refused: reason 0x%x\n", ini, tgt,
			reason);
		return ksrp_reject(id, login.tag, reason);
	}

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return ksrp_reject(id, login.tag, SRP_REJ_INSUFFICIENT_RES);
	kref_init(&ch->ref);
	spin_lock_init(&ch->lock);
	INIT_LIST_HEAD(&ch->sq_wait);
	INIT_LIST_HEAD(&ch->node);
	INIT_LIST_HEAD(&ch->gnode);
	INIT_WORK(&ch->release_work, ksrp_release_work);
	ch->cm_id = id;
	ch->ibdev = id->device;
	ch->port_num = id->port_num;
	ch->state = KSRP_CH_LIVE;
	ch->sq_avail = KSRP_SQ_SIZE;
	ch->it_iu_len = min_t(u32, login.it_iu_len, KSRP_MAX_IT_IU);
	memcpy(ch->ini_name, ini, sizeof(ini));

	mutex_lock(&ksrp_mutex);
	st = ksrp_find_target(login.target_port_id);
	if (!st) {
		pr_warn("login of %s refused: no target %s\n", ini, tgt);
		reason = SRP_REJ_UNABLE_ESTABLISH;
		goto rej_unlock;
	}
	if (!ktgt_target_access(st->tgt, ini, NULL, NULL)) {
		pr_warn("login of %s to %s refused: no access\n", ini, tgt);
		reason = SRP_REJ_UNABLE_ESTABLISH;
		goto rej_unlock;
	}
	if ((login.flags & SRP_MULTICHAN_MASK) == SRP_MULTICHAN_SINGLE) {
		if (ksrp_close_nexus(st, ini))
			rsp_flags = SRP_RSP_MULTICHAN_TERMINATED;
	} else {
		struct ksrp_ch *o;

		list_for_each_entry(o, &st->chans, node) {
			if (!strcmp(o->ini_name, ini)) {
				pr_warn("login of %s to %s refused: one channel per I_T nexus\n",
					ini, tgt);
				reason = SRP_REJ_MULTI_UNSUPPORTED;
				goto rej_unlock;
			}
		}
	}
	ch->st = st;
	reason = SRP_REJ_INSUFFICIENT_RES;

	ch->pd = ib_alloc_pd(ch->ibdev, 0);
	if (IS_ERR(ch->pd)) {
		ch->pd = NULL;
		goto rej_unlock;
	}
	ch->cq = ib_alloc_cq_any(ch->ibdev, ch, KSRP_SQ_SIZE + KSRP_RQ_SIZE + 2,
				 IB_POLL_WORKQUEUE);
	if (IS_ERR(ch->cq)) {
		ch->cq = NULL;
		goto rej_unlock;
	}
	if (ksrp_alloc_ring(ch))
		goto rej_unlock;
	qa.qp_context = ch;
	qa.send_cq = ch->cq;
	qa.recv_cq = ch->cq;
	qa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qa.qp_type = IB_QPT_RC;
	qa.port_num = ch->port_num;
	/* Responses outside @sq_avail (TMFs, refusals), and the drain. */
	qa.cap.max_send_wr = KSRP_SQ_SIZE + KSRP_RQ_SIZE + 1;
	qa.cap.max_recv_wr = KSRP_RQ_SIZE + 1;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.cap.max_rdma_ctxs = KSRP_SQ_SIZE;
	ret = rdma_create_qp(id, ch->pd, &qa);
	if (ret) {
		pr_warn("%s: cannot create QP: %d\n", ini, ret);
		goto rej_unlock;
	}
	ch->qp = id->qp;
	for (i = 0; i < KSRP_RQ_SIZE; i++)
		if (ksrp_post_recv(ch, &ch->recv[i]))
			goto rej_unlock;

	ch->sess = ktgt_session_create(st->tgt, ini, ch);
	if (IS_ERR(ch->sess)) {
		ch->sess = NULL;
		goto rej_unlock;
	}
	ret = ktgt_session_set_transport_id(ch->sess, KTGT_PROTO_SRP, ini);
	if (ret)
		goto rej_sess;

	srp_build_login_rsp(rsp, login.tag, KSRP_REQ_LIM, ch->it_iu_len,
			    KSRP_MAX_TI_IU, rsp_flags);
	cp.private_data = rsp;
	cp.private_data_len = sizeof(rsp);
	/*
	 * The target issues the RDMA READs. The IB CM gives the passive
	 * side the request's values from its own point of view: its
	 * initiator depth is the initiator's responder resources.
	 */
	cp.initiator_depth = min_t(u32, ev->param.conn.initiator_depth,
				   ch->ibdev->attrs.max_qp_init_rd_atom);
	cp.responder_resources = min_t(u32, ev->param.conn.responder_resources,
				       ch->ibdev->attrs.max_qp_rd_atom);
	cp.rnr_retry_count = 7;
	cp.flow_control = 1;
	id->context = ch;
	list_add_tail(&ch->node, &st->chans);
	list_add_tail(&ch->gnode, &ksrp_chans);
	ret = rdma_accept(id, &cp);
	if (ret) {
		list_del_init(&ch->node);
		list_del_init(&ch->gnode);
		id->context = NULL;
		pr_warn("%s: accept failed: %d\n", ini, ret);
		goto rej_sess;
	}
	mutex_unlock(&ksrp_mutex);
	pr_info("%s: logged in to %s (I_T IU %u, credits %u)\n", ini, tgt,
		ch->it_iu_len, KSRP_REQ_LIM);
	return 0;

rej_sess:
	/* No command was received: the QP is not connected yet. */
	ktgt_session_destroy(ch->sess);
	ch->sess = NULL;
rej_unlock:
	mutex_unlock(&ksrp_mutex);
	ksrp_ch_free_res(ch);
	kfree(ch);
	return ksrp_reject(id, login.tag, reason);
}

static int ksrp_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct ksrp_ch *ch = id->context;

	switch (ev->event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		return ksrp_connect(id, ev);
	case RDMA_CM_EVENT_ESTABLISHED:
		if (ch) {
			WRITE_ONCE(ch->cm_settled, true);
			wake_up_all(&ksrp_wq);
		}
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		if (id == ksrp_listen_id) {
			pr_warn("listener event %s\n", rdma_event_msg(ev->event));
			break;
		}
		/* The release work destroys the id; never return non-zero. */
		if (ch) {
			WRITE_ONCE(ch->cm_settled, true);
			wake_up_all(&ksrp_wq);
			ksrp_ch_close(ch);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Targets
 */

static int ksrp_target_create(struct ktgt_target *tgt)
{
	struct ksrp_tgt *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	if (srp_port_id_parse(ktgt_target_name(tgt), st->port_id)) {
		pr_warn("target name '%s' is not a port identifier of 32 hex digits\n",
			ktgt_target_name(tgt));
		kfree(st);
		return -EINVAL;
	}
	st->tgt = tgt;
	INIT_LIST_HEAD(&st->node);
	INIT_LIST_HEAD(&st->chans);
	ktgt_target_set_priv(tgt, st);
	return 0;
}

static void ksrp_target_destroy(struct ktgt_target *tgt)
{
	kfree(ktgt_target_priv(tgt));
}

/*
 * Wait on ksrp_wq until @done(@arg) is true. The conditions take
 * ksrp_mutex, which must not be taken in the !TASK_RUNNING state that
 * wait_event() evaluates its condition in; wait_woken() has it evaluated
 * running, and loses no wake_up_all() that comes between the check and
 * the sleep.
 */
static void ksrp_wait(bool (*done)(void *arg), void *arg)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(&ksrp_wq, &wait);
	while (!done(arg))
		wait_woken(&wait, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT);
	remove_wait_queue(&ksrp_wq, &wait);
}

static bool ksrp_chans_gone(void *arg)
{
	struct ksrp_tgt *st = arg;
	bool empty;

	mutex_lock(&ksrp_mutex);
	empty = list_empty(&st->chans);
	mutex_unlock(&ksrp_mutex);
	return empty;
}

static int ksrp_target_enable(struct ktgt_target *tgt, bool enable)
{
	struct ksrp_tgt *st = ktgt_target_priv(tgt);
	struct ksrp_ch *ch;
	int ret = 0;

	mutex_lock(&ksrp_mutex);
	if (enable && !st->enabled) {
		if (ksrp_find_target(st->port_id)) {
			ret = -EEXIST;
		} else {
			list_add_tail(&st->node, &ksrp_targets);
			st->enabled = true;
		}
	} else if (!enable && st->enabled) {
		list_del_init(&st->node);
		st->enabled = false;
	}
	if (!enable)
		list_for_each_entry(ch, &st->chans, node)
			ksrp_ch_close(ch);
	mutex_unlock(&ksrp_mutex);
	if (!enable)
		ksrp_wait(ksrp_chans_gone, st);
	return ret;
}

static struct ktgt_tgt_template ksrp_template = {
	.name			= "srp",
	.owner			= THIS_MODULE,
	.target_create		= ksrp_target_create,
	.target_destroy		= ksrp_target_destroy,
	.target_enable		= ksrp_target_enable,
	.rdy_to_xfer		= ksrp_rdy_to_xfer,
	.xmit_response		= ksrp_xmit_response,
	.tmf_done		= ksrp_tmf_done,
	.data_out_aborted	= ksrp_data_out_aborted,
	.free_cmd		= ksrp_free_cmd,
};

/* ---------------------------------------------------------------------
 * RDMA devices
 */

static int ksrp_add_one(struct ib_device *ibdev)
{
	return 0;
}

/*
 * An RDMA device goes away: close its channels and wait for them to be
 * gone, before the RDMA CM (registered before us, so removed after us)
 * tears down the device's CM ids.
 */
static bool ksrp_dev_chans_gone(struct ib_device *ibdev, bool close)
{
	struct ksrp_ch *ch;
	bool gone = true;

	mutex_lock(&ksrp_mutex);
	list_for_each_entry(ch, &ksrp_chans, gnode) {
		if (ch->ibdev != ibdev)
			continue;
		gone = false;
		if (close)
			ksrp_ch_close(ch);
	}
	mutex_unlock(&ksrp_mutex);
	return gone;
}

static bool ksrp_dev_chans_closed(void *arg)
{
	return ksrp_dev_chans_gone(arg, false);
}

static void ksrp_remove_one(struct ib_device *ibdev, void *client_data)
{
	ksrp_dev_chans_gone(ibdev, true);
	ksrp_wait(ksrp_dev_chans_closed, ibdev);
}

static struct ib_client ksrp_client = {
	.name	= "ktgt_srp",
	.add	= ksrp_add_one,
	.remove	= ksrp_remove_one,
};

/*
 * Bind the listener to the wildcard address of @family; for AF_INET6
 * with afonly off, so that it takes IPv4 logins too whatever
 * net.ipv6.bindv6only says (the RDMA CM maps them, as TCP does).
 */
static int ksrp_bind(struct rdma_cm_id *id, sa_family_t family)
{
	struct sockaddr_storage ss = { };	/* the wildcard address: zeroes */

	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		int ret = rdma_set_afonly(id, 0);

		if (ret)
			return ret;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(rdma_cm_port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons(rdma_cm_port);
	}
	return rdma_bind_addr(id, (struct sockaddr *)&ss);
}

/*
 * Listen on every address, IPv6 and IPv4, through one IPv6 wildcard
 * (which takes IPv4 logins even with ipv6.disable=1); on the IPv4
 * wildcard in a kernel without IPv6, or should binding [::] fail.
 */
static int ksrp_listen(void)
{
	struct rdma_cm_id *id = NULL;
	int ret = -EAFNOSUPPORT;

	if (IS_ENABLED(CONFIG_IPV6)) {
		id = rdma_create_id(&init_net, ksrp_cm_handler, NULL,
				    RDMA_PS_TCP, IB_QPT_RC);
		if (IS_ERR(id))
			return PTR_ERR(id);
		ret = ksrp_bind(id, AF_INET6);
		if (ret) {
			rdma_destroy_id(id);
			id = NULL;
		}
	}
	if (!id) {
		id = rdma_create_id(&init_net, ksrp_cm_handler, NULL,
				    RDMA_PS_TCP, IB_QPT_RC);
		if (IS_ERR(id))
			return PTR_ERR(id);
		ret = ksrp_bind(id, AF_INET);
		if (ret) {
			pr_err("cannot bind RDMA CM port %u: %d\n",
			       rdma_cm_port, ret);
			goto err;
		}
		pr_info("listening on IPv4 only\n");
	}
	ret = rdma_listen(id, 128);
	if (ret) {
		pr_err("cannot listen on RDMA CM port %u: %d\n", rdma_cm_port,
		       ret);
		goto err;
	}
	ksrp_listen_id = id;
	return 0;
err:
	rdma_destroy_id(id);
	return ret;
}

static int __init ksrp_init(void)
{
	int ret;

	ksrp_release_wq = alloc_workqueue("ktgt_srp", WQ_UNBOUND, 0);
	if (!ksrp_release_wq)
		return -ENOMEM;
	ret = ib_register_client(&ksrp_client);
	if (ret)
		goto err_wq;
	ret = ktgt_register_template(&ksrp_template);
	if (ret)
		goto err_client;
	ret = ksrp_listen();
	if (ret)
		goto err_tmpl;
	pr_info("listening on RDMA CM port %u\n", rdma_cm_port);
	return 0;

err_tmpl:
	ktgt_unregister_template(&ksrp_template);
err_client:
	ib_unregister_client(&ksrp_client);
err_wq:
	destroy_workqueue(ksrp_release_wq);
	return ret;
}

static void __exit ksrp_exit(void)
{
	/*
	 * No target exists (each holds the module), so no channel does:
	 * a connection request still in ksrp_connect() finds no target and
	 * is refused; rdma_destroy_id() waits for it to return.
	 */
	rdma_destroy_id(ksrp_listen_id);
	ktgt_unregister_template(&ksrp_template);
	ib_unregister_client(&ksrp_client);
	destroy_workqueue(ksrp_release_wq);
}

module_init(ksrp_init);
module_exit(ksrp_exit);

MODULE_DESCRIPTION("ktgt SRP (SCSI RDMA Protocol) target driver");
MODULE_LICENSE("GPL");
