// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_test_srp_raw: a raw SRP initiator for tests/vm/tests/srp.sh, to
 * send ktgt_srp what ib_srp never sends: logins it must reject and
 * malformed information units. Loading it runs every case against the
 * target port id @tpid at @dest:@port (RDMA CM) and logs one line per
 * case; the load fails with -EIO if any case did not get the expected
 * answer. It does nothing else: rmmod it right after.
 *
 * Cases: a login asking for a 1 MiB I_T IU (LOGIN REJECT 0x00010002);
 * a login offering no descriptor format (0x00010004); then on a good
 * channel: a bidirectional SRP_CMD and an SRP_CMD with an indirect
 * table not in the IU (SRP_RSP, CHECK CONDITION, ILLEGAL REQUEST,
 * INVALID FIELD IN COMMAND INFORMATION UNIT), an SRP_CMD whose indirect
 * lengths do not add up (the same), an SRP_TSK_MGMT of an unknown
 * function (RSPVALID, RESPONSE CODE 04h), a LOGICAL UNIT RESET (00h),
 * every response carrying a credit back; then an IU of an unknown
 * opcode, on a second channel an SRP_CMD of 8 bytes, and on a third an
 * SRP_I_LOGOUT: the target disconnects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>
#include <asm/unaligned.h>

static char *dest = "10.251.0.1";
module_param(dest, charp, 0444);
static ushort port = 5555;
module_param(port, ushort, 0444);
static char *tpid = "0002c9030000aa010002c9030000aa02";
module_param(tpid, charp, 0444);

#define RAW_TIMEOUT	(10 * HZ)
#define RAW_BUF		512

struct raw {
	struct rdma_cm_id	*id;
	struct completion	cm_done;
	int			cm_status;
	u8			rej[64];
	bool			disconnected;
	struct completion	disc;
	struct ib_pd		*pd;
	struct ib_cq		*cq;
	u8			*rbuf;
	u64			rdma;
	u8			*sbuf;
	u64			sdma;
	struct ib_cqe		rcqe;
	struct ib_cqe		scqe;
	struct completion	rdone;
	u32			rlen;
	int			rstatus;
};

static int raw_cm(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct raw *r = id->context;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		r->cm_status = rdma_resolve_route(id, 2000);
		if (r->cm_status)
			complete(&r->cm_done);
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
	case RDMA_CM_EVENT_ESTABLISHED:
		r->cm_status = 0;
		complete(&r->cm_done);
		break;
	case RDMA_CM_EVENT_REJECTED:
		if (ev->param.conn.private_data)
			memcpy(r->rej, ev->param.conn.private_data,
			       min_t(u32, ev->param.conn.private_data_len,
				     sizeof(r->rej)));
		r->cm_status = -ECONNREFUSED;
		complete(&r->cm_done);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
		r->disconnected = true;
		complete(&r->disc);
		break;
	default:
		r->cm_status = -EIO;
		complete(&r->cm_done);
		break;
	}
	return 0;
}

static void raw_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct raw *r = cq->cq_context;

	r->rstatus = wc->status;
	r->rlen = wc->byte_len;
	complete(&r->rdone);
}

static void raw_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
}

static int raw_post_recv(struct raw *r)
{
	struct ib_sge sge = {
		.addr = r->rdma, .length = RAW_BUF, .lkey = r->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe = &r->rcqe, .sg_list = &sge, .num_sge = 1,
	};

	reinit_completion(&r->rdone);
	return ib_post_recv(r->id->qp, &wr, NULL);
}

static int raw_send(struct raw *r, u32 len)
{
	struct ib_sge sge = {
		.addr = r->sdma, .length = len, .lkey = r->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe = &r->scqe, .sg_list = &sge, .num_sge = 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};

	ib_dma_sync_single_for_device(r->id->device, r->sdma, RAW_BUF,
				      DMA_TO_DEVICE);
	return ib_post_send(r->id->qp, &wr, NULL);
}

static void raw_close(struct raw *r)
{
	if (!r->id)
		return;
	if (r->id->qp) {
		rdma_disconnect(r->id);
		ib_drain_qp(r->id->qp);
		rdma_destroy_qp(r->id);
	}
	if (r->cq)
		ib_free_cq(r->cq);
	if (r->rdma)
		ib_dma_unmap_single(r->id->device, r->rdma, RAW_BUF,
				    DMA_FROM_DEVICE);
	if (r->sdma)
		ib_dma_unmap_single(r->id->device, r->sdma, RAW_BUF,
				    DMA_TO_DEVICE);
	if (r->pd)
		ib_dealloc_pd(r->pd);
	rdma_destroy_id(r->id);
	kfree(r->rbuf);
	kfree(r->sbuf);
	memset(r, 0, sizeof(*r));
}

/*
 * Connect with a login request of @it_iu_len and @buf_fmt; returns 0
 * (connected), -ECONNREFUSED (r->rej has the reject) or an error.
 */
static int raw_connect(struct raw *r, u32 it_iu_len, u16 buf_fmt)
{
	struct ib_qp_init_attr qa = {};
	struct rdma_conn_param cp = {};
	struct sockaddr_in sin = {};
	u8 login[56] = {};
	int ret, i;

	memset(r, 0, sizeof(*r));
	init_completion(&r->cm_done);
	init_completion(&r->disc);
	init_completion(&r->rdone);
	r->rcqe.done = raw_recv_done;
	r->scqe.done = raw_send_done;
	r->id = rdma_create_id(&init_net, raw_cm, r, RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(r->id)) {
		ret = PTR_ERR(r->id);
		r->id = NULL;
		return ret;
	}
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (!in4_pton(dest, -1, (u8 *)&sin.sin_addr.s_addr, -1, NULL))
		return -EINVAL;
	r->cm_status = -ETIMEDOUT;
	ret = rdma_resolve_addr(r->id, NULL, (struct sockaddr *)&sin, 2000);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&r->cm_done, RAW_TIMEOUT))
		return -ETIMEDOUT;
	if (r->cm_status)
		return r->cm_status;
	reinit_completion(&r->cm_done);

	r->pd = ib_alloc_pd(r->id->device, 0);
	if (IS_ERR(r->pd)) {
		ret = PTR_ERR(r->pd);
		r->pd = NULL;
		return ret;
	}
	r->cq = ib_alloc_cq(r->id->device, r, 16, 0, IB_POLL_SOFTIRQ);
	if (IS_ERR(r->cq)) {
		ret = PTR_ERR(r->cq);
		r->cq = NULL;
		return ret;
	}
	r->rbuf = kzalloc(RAW_BUF, GFP_KERNEL);
	r->sbuf = kzalloc(RAW_BUF, GFP_KERNEL);
	if (!r->rbuf || !r->sbuf)
		return -ENOMEM;
	r->rdma = ib_dma_map_single(r->id->device, r->rbuf, RAW_BUF,
				    DMA_FROM_DEVICE);
	r->sdma = ib_dma_map_single(r->id->device, r->sbuf, RAW_BUF,
				    DMA_TO_DEVICE);
	qa.send_cq = r->cq;
	qa.recv_cq = r->cq;
	qa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qa.qp_type = IB_QPT_RC;
	qa.cap.max_send_wr = 8;
	qa.cap.max_recv_wr = 8;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	ret = rdma_create_qp(r->id, r->pd, &qa);
	if (ret)
		return ret;
	ret = raw_post_recv(r);
	if (ret)
		return ret;

	/* struct srp_login_req_rdma */
	login[11] = 0x00;			/* SRP_LOGIN_REQ */
	put_unaligned_be16(buf_fmt, login + 8);
	put_unaligned_be32(it_iu_len, login + 12);
	login[23] = 0x42;			/* initiator port id */
	for (i = 0; i < 16; i++)
		login[32 + i] = hex_to_bin(tpid[2 * i]) << 4 |
				hex_to_bin(tpid[2 * i + 1]);
	cp.private_data = login;
	cp.private_data_len = sizeof(login);
	cp.responder_resources = 4;
	cp.initiator_depth = 4;
	cp.retry_count = 7;
	cp.rnr_retry_count = 7;
	cp.flow_control = 1;
	r->cm_status = -ETIMEDOUT;
	ret = rdma_connect(r->id, &cp);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&r->cm_done, RAW_TIMEOUT))
		return -ETIMEDOUT;
	return r->cm_status;
}

/* Send @len bytes of r->sbuf and wait for the response in r->rbuf. */
static int raw_exchange(struct raw *r, u32 len)
{
	int ret;

	ret = raw_send(r, len);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&r->rdone, RAW_TIMEOUT))
		return -ETIMEDOUT;
	if (r->rstatus != IB_WC_SUCCESS)
		return -EIO;
	ib_dma_sync_single_for_cpu(r->id->device, r->rdma, RAW_BUF,
				   DMA_FROM_DEVICE);
	return raw_post_recv(r);
}

static int failures;

static void check(bool ok, const char *what, const u8 *b)
{
	if (ok) {
		pr_info("ok: %s\n", what);
		return;
	}
	failures++;
	pr_err("FAIL: %s: %*ph\n", what, 40, b);
}

static void mk_cmd(u8 *b, u64 tag, u8 buf_fmt, u8 out_cnt, u8 in_cnt)
{
	memset(b, 0, RAW_BUF);
	b[0] = 0x02;			/* SRP_CMD */
	b[5] = buf_fmt;
	b[6] = out_cnt;
	b[7] = in_cnt;
	put_unaligned_be64(tag, b + 8);
	b[32] = 0x28;			/* READ(10) of 1 block */
	b[40] = 1;
}

/* An SRP_RSP to @tag with CHECK CONDITION, INVALID FIELD IN CIU. */
static bool rsp_invalid_ciu(const u8 *b, u64 tag)
{
	return b[0] == 0xc1 && get_unaligned_be64(b + 8) == tag &&
	       get_unaligned_be32(b + 4) >= 1 && b[19] == 0x02 &&
	       (b[18] & 0x02) && get_unaligned_be32(b + 28) >= 14 &&
	       (b[36 + 2] & 0xf) == 0x05 && b[36 + 12] == 0x0e &&
	       b[36 + 13] == 0x03;
}

static bool rsp_code(const u8 *b, u64 tag, u8 code)
{
	return b[0] == 0xc1 && get_unaligned_be64(b + 8) == tag &&
	       get_unaligned_be32(b + 4) >= 1 && (b[18] & 0x01) &&
	       get_unaligned_be32(b + 32) == 4 && b[36 + 3] == code;
}

static bool wait_disconnect(struct raw *r)
{
	return wait_for_completion_timeout(&r->disc, RAW_TIMEOUT) &&
	       r->disconnected;
}

static int __init raw_init(void)
{
	struct raw *r;
	u8 *b;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;

	ret = raw_connect(r, 1 << 20, 6);
	check(ret == -ECONNREFUSED && r->rej[0] == 0xc2 &&
	      get_unaligned_be32(r->rej + 4) == 0x00010002,
	      "login with a 1 MiB I_T IU: LOGIN REJECT 0x00010002", r->rej);
	raw_close(r);

	ret = raw_connect(r, 512, 0);
	check(ret == -ECONNREFUSED && r->rej[0] == 0xc2 &&
	      get_unaligned_be32(r->rej + 4) == 0x00010004,
	      "login with no descriptor format: LOGIN REJECT 0x00010004",
	      r->rej);
	raw_close(r);

	ret = raw_connect(r, 512, 6);
	if (ret) {
		pr_err("FAIL: login: %d, reject %*ph\n", ret, 16, r->rej);
		failures++;
		goto out;
	}
	pr_info("ok: login\n");
	b = r->sbuf;

	/* Bidirectional: a direct descriptor each way. */
	mk_cmd(b, 1, 0x11, 0, 0);
	put_unaligned_be32(512, b + 48 + 12);
	put_unaligned_be32(512, b + 64 + 12);
	ret = raw_exchange(r, 80);
	check(!ret && rsp_invalid_ciu(r->rbuf, 1),
	      "bidirectional SRP_CMD: INVALID FIELD IN CIU", r->rbuf);

	/* Indirect data-in, 1 descriptor in the IU, 2 in the table. */
	mk_cmd(b, 2, 0x02, 0, 1);
	put_unaligned_be32(32, b + 48 + 12);
	put_unaligned_be32(1024, b + 64);
	put_unaligned_be32(512, b + 68 + 12);
	ret = raw_exchange(r, 84);
	check(!ret && rsp_invalid_ciu(r->rbuf, 2),
	      "external indirect table: INVALID FIELD IN CIU", r->rbuf);

	/* Indirect data-in whose total is not the sum. */
	mk_cmd(b, 3, 0x02, 0, 1);
	put_unaligned_be32(16, b + 48 + 12);
	put_unaligned_be32(4096, b + 64);
	put_unaligned_be32(512, b + 68 + 12);
	ret = raw_exchange(r, 84);
	check(!ret && rsp_invalid_ciu(r->rbuf, 3),
	      "indirect lengths that do not add up: INVALID FIELD IN CIU",
	      r->rbuf);

	/* An IU shorter than its descriptor. */
	mk_cmd(b, 4, 0x01, 0, 0);
	ret = raw_exchange(r, 52);
	check(!ret && rsp_invalid_ciu(r->rbuf, 4),
	      "truncated descriptor: INVALID FIELD IN CIU", r->rbuf);

	/* SRP_TSK_MGMT of function 0x80. */
	memset(b, 0, RAW_BUF);
	b[0] = 0x01;
	put_unaligned_be64(5, b + 8);
	b[30] = 0x80;
	ret = raw_exchange(r, 48);
	check(!ret && rsp_code(r->rbuf, 5, 0x04),
	      "unknown TMF: RESPONSE CODE 04h", r->rbuf);

	/* LOGICAL UNIT RESET of LUN 0. */
	b[30] = 0x08;
	put_unaligned_be64(6, b + 8);
	ret = raw_exchange(r, 48);
	check(!ret && rsp_code(r->rbuf, 6, 0x00),
	      "LOGICAL UNIT RESET: RESPONSE CODE 00h", r->rbuf);

	/* An unknown opcode: the target disconnects. */
	memset(b, 0, RAW_BUF);
	b[0] = 0x77;
	ret = raw_send(r, 48);
	check(!ret && wait_disconnect(r), "unknown opcode: disconnected", b);
	raw_close(r);

	/* An SRP_CMD of 8 bytes: no tag to answer, disconnected. */
	ret = raw_connect(r, 512, 6);
	if (ret) {
		pr_err("FAIL: second login: %d\n", ret);
		failures++;
		goto out;
	}
	mk_cmd(r->sbuf, 7, 0, 0, 0);
	ret = raw_send(r, 8);
	check(!ret && wait_disconnect(r), "8-byte SRP_CMD: disconnected",
	      r->sbuf);
	raw_close(r);

	/* SRP_I_LOGOUT: the target disconnects. */
	ret = raw_connect(r, 512, 6);
	if (ret) {
		pr_err("FAIL: third login: %d\n", ret);
		failures++;
		goto out;
	}
	memset(r->sbuf, 0, RAW_BUF);
	r->sbuf[0] = 0x03;
	ret = raw_send(r, 16);
	check(!ret && wait_disconnect(r), "SRP_I_LOGOUT: disconnected",
	      r->sbuf);
out:
	raw_close(r);
	kfree(r);
	pr_info("%d failures\n", failures);
	return failures ? -EIO : 0;
}

static void __exit raw_exit(void)
{
}

module_init(raw_init);
module_exit(raw_exit);

MODULE_DESCRIPTION("ktgt test: a raw SRP initiator sending malformed IUs");
MODULE_LICENSE("GPL");
