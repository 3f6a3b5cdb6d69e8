/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt iSCSI text exchanges spanning several PDUs (RFC 7143 6.1, 11.10,
 * 11.11): the state machine of one Text Request/Response exchange (a
 * request arriving in C-bit pieces, a response sent in C-bit pieces,
 * the Target Transfer Tag that links them) and where to cut a long
 * response.
 *
 * Portable (core/portable.h): compiled into ktgt_iscsi.ko (full-feature
 * phase), ktgt-iscsid (discovery sessions, login responses), the host
 * unit tests and the fuzzer. Nothing here allocates or copies: the
 * caller owns the request and response buffers and only learns from
 * these functions where to put or take bytes. No locking: a struct
 * iscsi_tseq belongs to one connection and is used by the one thread
 * that receives its PDUs.
 */
#ifndef KTGT_ISCSI_TEXTSEQ_H
#define KTGT_ISCSI_TEXTSEQ_H

#include "../../../core/portable.h"

/* The most request text one exchange may accumulate, over all its PDUs. */
#define ISCSI_TEXT_REQ_MAX	65536

/**
 * enum iscsi_tseq_state - where a Text exchange stands
 * @ISCSI_TSEQ_IDLE: none in progress
 * @ISCSI_TSEQ_RX: request text arriving: a C=1 piece was acknowledged
 * @ISCSI_TSEQ_TX: the response is being sent; pieces are left
 * @ISCSI_TSEQ_CONT: the request had F=0 and was answered with F=0: the
 *	initiator may go on with our TTT (a new set of keys)
 */
enum iscsi_tseq_state {
	ISCSI_TSEQ_IDLE,
	ISCSI_TSEQ_RX,
	ISCSI_TSEQ_TX,
	ISCSI_TSEQ_CONT,
};

/**
 * enum iscsi_tseq_act - what to do with a Text Request iscsi_tseq_rx()
 * accepted
 * @ISCSI_TSEQ_ACK: store its data at the offset given; more request text
 *	follows: answer with an empty Text Response, F=0, C=0, TTT @ttt of
 *	the state
 * @ISCSI_TSEQ_DONE: store its data at the offset given; the request
 *	(@req_len bytes) is complete: answer it, then iscsi_tseq_respond()
 *	and iscsi_tseq_next()
 * @ISCSI_TSEQ_NEXT: the initiator asks for the next piece of the
 *	response (iscsi_tseq_next())
 */
enum iscsi_tseq_act {
	ISCSI_TSEQ_ACK = 1,
	ISCSI_TSEQ_DONE,
	ISCSI_TSEQ_NEXT,
};

/**
 * struct iscsi_tseq - one connection's Text exchange
 * @itt: Initiator Task Tag of the exchange in progress
 * @ttt: Target Transfer Tag given to the initiator for it (never the
 *	reserved value once an exchange started)
 * @next_ttt: the next TTT to hand out
 * @req_len: request bytes accumulated
 * @req_max: the most request bytes accepted (at most the caller's
 *	buffer size)
 * @rsp_len: length of the response being sent
 * @rsp_off: bytes of it already sent
 * @state: an enum iscsi_tseq_state
 * @req_final: the F bit of the request's last PDU (the response's last
 *	piece carries it)
 */
struct iscsi_tseq {
	u32 itt;
	u32 ttt;
	u32 next_ttt;
	u32 req_len;
	u32 req_max;
	u32 rsp_len;
	u32 rsp_off;
	u8 state;
	bool req_final;
};

void iscsi_tseq_init(struct iscsi_tseq *ts, u32 req_max, u32 first_ttt);
void iscsi_tseq_reset(struct iscsi_tseq *ts);
int iscsi_tseq_rx(struct iscsi_tseq *ts, u32 itt, u32 ttt, u8 flags,
		  u32 dlen, u32 *off);
void iscsi_tseq_respond(struct iscsi_tseq *ts, u32 len);
u32 iscsi_tseq_next(struct iscsi_tseq *ts, const u8 *rsp, u32 max,
		    u32 *off, u8 *flags, u32 *ttt);
size_t iscsi_text_cut(const u8 *buf, size_t len, size_t max);

#endif /* KTGT_ISCSI_TEXTSEQ_H */
