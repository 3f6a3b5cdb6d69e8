// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt iSCSI text exchanges spanning several PDUs. Portable: see
 * textseq.h and core/portable.h.
 *
 * RFC 7143 rules applied here (6.1, 11.10, 11.11):
 * - a request with the C bit is not complete; the target answers each
 *   such PDU with an empty Text Response (F=0, so a TTT other than
 *   0xffffffff) and the initiator sends the rest with that TTT;
 * - a response with the C bit is not complete (F=0, a TTT); the
 *   initiator asks for the rest with an empty request carrying the TTT;
 * - the last piece answers the request's F bit: F=1 and TTT 0xffffffff,
 *   or F=0 with a TTT the initiator may continue the negotiation with;
 * - a request with TTT 0xffffffff is a new request: whatever the
 *   previous exchange left is dropped, whatever its ITT;
 * - a TTT that is not the one of the exchange in progress (stale, or of
 *   another ITT) is refused.
 * Every input is the initiator's: lengths are checked against the bound
 * before any offset is handed out.
 */
#include "textseq.h"
#include "iscsi_proto.h"

/**
 * iscsi_tseq_init() - set up a connection's text exchange state
 * @ts: the state
 * @req_max: the most request bytes one exchange may accumulate (the
 *	size of the caller's request buffer, at most ISCSI_TEXT_REQ_MAX)
 * @first_ttt: the first Target Transfer Tag to hand out
 */
void iscsi_tseq_init(struct iscsi_tseq *ts, u32 req_max, u32 first_ttt)
{
	memset(ts, 0, sizeof(*ts));
	ts->req_max = req_max;
	ts->next_ttt = first_ttt;
	ts->ttt = ISCSI_RSVD_TAG;
	ts->itt = ISCSI_RSVD_TAG;
}

/**
 * iscsi_tseq_reset() - drop the exchange in progress, if any
 * @ts: the state
 *
 * Its TTT is stale from now on.
 */
void iscsi_tseq_reset(struct iscsi_tseq *ts)
{
	ts->state = ISCSI_TSEQ_IDLE;
	ts->itt = ISCSI_RSVD_TAG;
	ts->ttt = ISCSI_RSVD_TAG;
	ts->req_len = 0;
	ts->rsp_len = 0;
	ts->rsp_off = 0;
	ts->req_final = false;
}

static u32 tseq_new_ttt(struct iscsi_tseq *ts)
{
	u32 ttt = ts->next_ttt++;

	if (ttt == ISCSI_RSVD_TAG)
		ttt = ts->next_ttt++;
	return ttt;
}

/**
 * iscsi_tseq_rx() - account for a received Text Request
 * @ts: the connection's state
 * @itt: its Initiator Task Tag
 * @ttt: its Target Transfer Tag
 * @flags: its byte 1 (F and C bits)
 * @dlen: its DataSegmentLength
 * @off: for ISCSI_TSEQ_ACK and ISCSI_TSEQ_DONE, where in the request
 *	buffer its @dlen data bytes go (@off + @dlen <= @req_max)
 *
 * Call it once the PDU's CmdSN is accepted, before its data is read.
 * If the data then cannot be read (digest error), iscsi_tseq_reset().
 *
 * Return: an enum iscsi_tseq_act; or, with the data to be discarded:
 * -EINVAL if @ttt is not the TTT of the exchange in progress or @itt not
 * its ITT (answer: Reject, Invalid PDU Field; the exchange in progress,
 * if any, stays), -EPROTO for a protocol error (both F and C, data or
 * the C bit in a request for the next response piece; answer: Reject,
 * Protocol Error), -E2BIG if the request would exceed @req_max (answer:
 * Reject, Out of Resources). The exchange is dropped on -EPROTO and
 * -E2BIG.
 */
int iscsi_tseq_rx(struct iscsi_tseq *ts, u32 itt, u32 ttt, u8 flags,
		  u32 dlen, u32 *off)
{
	bool cont = flags & ISCSI_FLAG_TEXT_CONTINUE;
	bool final = flags & ISCSI_FLAG_FINAL;

	if (cont && final) {
		iscsi_tseq_reset(ts);
		return -EPROTO;
	}
	if (ttt == ISCSI_RSVD_TAG) {
		/* A new request: the previous exchange, if any, is over. */
		iscsi_tseq_reset(ts);
		ts->itt = itt;
		ts->ttt = tseq_new_ttt(ts);
	} else if (ts->state == ISCSI_TSEQ_IDLE || ttt != ts->ttt ||
		   itt != ts->itt) {
		return -EINVAL;
	} else if (ts->state == ISCSI_TSEQ_TX) {
		/* RFC 7143 6.1: the answer to C=1 has no data segment. */
		if (dlen || cont) {
			iscsi_tseq_reset(ts);
			return -EPROTO;
		}
		return ISCSI_TSEQ_NEXT;
	} else if (ts->state == ISCSI_TSEQ_CONT) {
		/* The negotiation goes on: a new set of keys. */
		ts->req_len = 0;
	}

	if (dlen > ts->req_max - ts->req_len) {
		iscsi_tseq_reset(ts);
		return -E2BIG;
	}
	*off = ts->req_len;
	ts->req_len += dlen;
	if (cont) {
		ts->state = ISCSI_TSEQ_RX;
		return ISCSI_TSEQ_ACK;
	}
	ts->req_final = final;
	ts->state = ISCSI_TSEQ_IDLE;
	return ISCSI_TSEQ_DONE;
}

/**
 * iscsi_tseq_respond() - the answer to a complete request is ready
 * @ts: the state, after iscsi_tseq_rx() returned ISCSI_TSEQ_DONE
 * @len: the answer's length (0 for an empty answer)
 *
 * The caller keeps the answer's bytes until iscsi_tseq_next() has handed
 * out the last piece (the state is no longer ISCSI_TSEQ_TX) or the
 * exchange is reset.
 */
void iscsi_tseq_respond(struct iscsi_tseq *ts, u32 len)
{
	ts->state = ISCSI_TSEQ_TX;
	ts->rsp_len = len;
	ts->rsp_off = 0;
	ts->req_len = 0;
}

/**
 * iscsi_tseq_next() - the next piece of the response to send
 * @ts: the state, ISCSI_TSEQ_TX
 * @rsp: the whole response (@rsp_len bytes)
 * @max: the initiator's MaxRecvDataSegmentLength
 * @off: set to the piece's offset in @rsp
 * @flags: set to the Text Response's byte 1: C for all but the last
 *	piece, F on the last if the request had F
 * @ttt: set to the TTT to send: the exchange's, or 0xffffffff with F
 *
 * Pieces end after a key=value pair where one fits (iscsi_text_cut()).
 *
 * Return: the piece's length (0 for an empty response).
 */
u32 iscsi_tseq_next(struct iscsi_tseq *ts, const u8 *rsp, u32 max,
		    u32 *off, u8 *flags, u32 *ttt)
{
	u32 n = 0;

	*off = ts->rsp_off;
	if (ts->state == ISCSI_TSEQ_TX && ts->rsp_off < ts->rsp_len)
		n = (u32)iscsi_text_cut(rsp + ts->rsp_off,
					ts->rsp_len - ts->rsp_off, max);
	ts->rsp_off += n;
	if (ts->rsp_off < ts->rsp_len) {
		*flags = ISCSI_FLAG_TEXT_CONTINUE;
		*ttt = ts->ttt;
		return n;
	}
	if (ts->req_final) {
		*flags = ISCSI_FLAG_FINAL;
		*ttt = ISCSI_RSVD_TAG;
		iscsi_tseq_reset(ts);
	} else {
		*flags = 0;
		*ttt = ts->ttt;
		ts->state = ISCSI_TSEQ_CONT;
	}
	return n;
}

/**
 * iscsi_text_cut() - how much of a text data segment fits in one PDU
 * @buf: key=value pairs, each ending with a NUL
 * @len: bytes left in @buf
 * @max: the most one PDU may carry (0 is taken as 1)
 *
 * RFC 7143 6.1 allows a key=value pair to span PDUs; initiators are
 * kinder to when pieces end after a pair, so that is where the cut is
 * made if a whole pair fits, else after @max bytes.
 *
 * Return: the piece length: @len if it fits, else 1 to @max.
 */
size_t iscsi_text_cut(const u8 *buf, size_t len, size_t max)
{
	size_t i;

	if (!max)
		max = 1;
	if (len <= max)
		return len;
	for (i = max; i > 0; i--)
		if (!buf[i - 1])
			return i;
	return max;
}
