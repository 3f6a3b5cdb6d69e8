// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: Asymmetric Logical Unit Access data (SPC-4 5.15, 6.27, 6.43).
 * See alua_data.h. Portable: no kernel dependencies beyond portable.h.
 */
#include "alua_data.h"

static const struct {
	const char *name;
	u8 state;
} alua_names[] = {
	{ "active",		KTGT_ALUA_ACTIVE },
	{ "nonoptimized",	KTGT_ALUA_NONOPTIMIZED },
	{ "standby",		KTGT_ALUA_STANDBY },
	{ "unavailable",	KTGT_ALUA_UNAVAILABLE },
	{ "offline",		KTGT_ALUA_OFFLINE },
	{ "transitioning",	KTGT_ALUA_TRANSITIONING },
};

int ktgt_alua_state_parse(const char *s, size_t len)
{
	size_t i;

	if (len && s[len - 1] == '\n')
		len--;
	for (i = 0; i < ARRAY_SIZE(alua_names); i++) {
		if (strlen(alua_names[i].name) == len &&
		    !memcmp(alua_names[i].name, s, len))
			return alua_names[i].state;
	}
	return -EINVAL;
}

const char *ktgt_alua_state_name(u8 state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(alua_names); i++) {
		if (alua_names[i].state == state)
			return alua_names[i].name;
	}
	return "unknown";
}

/* Command classes for the per-state lists. */
enum {
	ALUA_C_OTHER,		/* everything else */
	ALUA_C_BASIC,		/* INQUIRY, REPORT LUNS, REQUEST SENSE */
	ALUA_C_RTPG,		/* REPORT TARGET PORT GROUPS */
	ALUA_C_STPG,		/* SET TARGET PORT GROUPS */
	ALUA_C_ECHO,		/* READ/WRITE BUFFER, echo buffer modes */
	ALUA_C_STANDBY,		/* the rest of the standby list */
};

static int alua_class(const u8 *cdb, u32 len)
{
	u8 sa = len > 1 ? cdb[1] & 0x1f : 0;

	switch (cdb[0]) {
	case 0x03:	/* REQUEST SENSE */
	case 0x12:	/* INQUIRY */
	case 0xa0:	/* REPORT LUNS */
		return ALUA_C_BASIC;
	case 0xa3:	/* MAINTENANCE IN */
		return sa == 0x0a ? ALUA_C_RTPG : ALUA_C_OTHER;
	case 0xa4:	/* MAINTENANCE OUT */
		return sa == 0x0a ? ALUA_C_STPG : ALUA_C_OTHER;
	case 0x3c:	/* READ BUFFER: echo buffer, echo buffer descriptor */
		return sa == 0x0a || sa == 0x0b ? ALUA_C_ECHO : ALUA_C_OTHER;
	case 0x3b:	/* WRITE BUFFER: echo buffer */
		return sa == 0x0a ? ALUA_C_ECHO : ALUA_C_OTHER;
	case 0x15:	/* MODE SELECT(6) */
	case 0x1a:	/* MODE SENSE(6) */
	case 0x1c:	/* RECEIVE DIAGNOSTIC RESULTS */
	case 0x1d:	/* SEND DIAGNOSTIC */
	case 0x25:	/* READ CAPACITY(10) */
	case 0x4c:	/* LOG SELECT */
	case 0x4d:	/* LOG SENSE */
	case 0x55:	/* MODE SELECT(10) */
	case 0x5a:	/* MODE SENSE(10) */
	case 0x5e:	/* PERSISTENT RESERVE IN */
	case 0x5f:	/* PERSISTENT RESERVE OUT */
		return ALUA_C_STANDBY;
	case 0x9e:	/* SERVICE ACTION IN(16): READ CAPACITY(16) */
		return sa == 0x10 ? ALUA_C_STANDBY : ALUA_C_OTHER;
	default:
		return ALUA_C_OTHER;
	}
}

int ktgt_alua_check(u8 state, const u8 *cdb, u32 len,
		    struct ktgt_sense_info *err)
{
	int c = len ? alua_class(cdb, len) : ALUA_C_OTHER;
	u8 ascq;

	switch (state) {
	case KTGT_ALUA_ACTIVE:
	case KTGT_ALUA_NONOPTIMIZED:
		return 0;
	case KTGT_ALUA_STANDBY:
		if (c != ALUA_C_OTHER)
			return 0;
		ascq = KTGT_ASCQ_ALUA_STANDBY;
		break;
	case KTGT_ALUA_UNAVAILABLE:
		if (c == ALUA_C_BASIC || c == ALUA_C_RTPG ||
		    c == ALUA_C_STPG || c == ALUA_C_ECHO)
			return 0;
		ascq = KTGT_ASCQ_ALUA_UNAVAILABLE;
		break;
	case KTGT_ALUA_TRANSITIONING:
		if (c == ALUA_C_BASIC || c == ALUA_C_RTPG || c == ALUA_C_ECHO)
			return 0;
		ascq = KTGT_ASCQ_ALUA_TRANSITION;
		break;
	case KTGT_ALUA_OFFLINE:
	default:
		if (c == ALUA_C_BASIC)
			return 0;
		ascq = KTGT_ASCQ_ALUA_OFFLINE;
		break;
	}
	ktgt_sense_set(err, KTGT_KEY_NOT_READY, KTGT_ASC_NOT_READY, ascq);
	return -EAGAIN;
}

u32 ktgt_alua_rtpg_hdr(bool ext, u8 itt, u32 desc_len, u8 *buf, u32 buflen)
{
	u32 hdr = ext ? KTGT_ALUA_RTPG_EXT_HDR_LEN : KTGT_ALUA_RTPG_HDR_LEN;

	/* RETURN DATA LENGTH: what follows the field (SPC-4 6.27.2). */
	ob_put_be(buf, buflen, 0, hdr - 4 + desc_len, 4);
	if (ext) {
		ob_put_be(buf, buflen, 4, 0x10, 1);	/* FORMAT TYPE 001b */
		ob_put_be(buf, buflen, 5, itt, 1);
		ob_put_be(buf, buflen, 6, 0, 2);
	}
	return hdr;
}

u32 ktgt_alua_rtpg_desc(const struct ktgt_alua_tpg *g, u8 *buf, u32 buflen,
			u32 off)
{
	unsigned int i, n = g->nr_ports;

	if (n > KTGT_ALUA_MAX_PORTS)
		n = KTGT_ALUA_MAX_PORTS;
	ob_put_be(buf, buflen, off, (g->pref ? 0x80 : 0) | (g->state & 0x0f), 1);
	/* T_SUP, O_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP; not LBD_SUP. */
	ob_put_be(buf, buflen, off + 1, 0xcf, 1);
	ob_put_be(buf, buflen, off + 2, g->group_id, 2);
	ob_put_be(buf, buflen, off + 4, 0, 1);
	ob_put_be(buf, buflen, off + 5, g->status, 1);
	ob_put_be(buf, buflen, off + 6, 0, 1);
	ob_put_be(buf, buflen, off + 7, n, 1);
	for (i = 0; i < n; i++) {
		u32 p = off + KTGT_ALUA_TPG_DESC_LEN +
			i * KTGT_ALUA_TPORT_DESC_LEN;

		ob_put_be(buf, buflen, p, 0, 2);
		ob_put_be(buf, buflen, p + 2, g->ports[i], 2);
	}
	return KTGT_ALUA_TPG_DESC_LEN + n * KTGT_ALUA_TPORT_DESC_LEN;
}

int ktgt_alua_stpg_parse(const u8 *param, u32 len, u32 *nr,
			 struct ktgt_sense_info *err)
{
	u32 i, j, n, off;
	u8 state;

	*nr = 0;
	if (!len)
		return 0;
	if (len < KTGT_ALUA_STPG_HDR_LEN ||
	    (len - KTGT_ALUA_STPG_HDR_LEN) % KTGT_ALUA_STPG_DESC_LEN) {
		ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_PARAM_LIST_LENGTH, 0);
		return -EINVAL;
	}
	n = (len - KTGT_ALUA_STPG_HDR_LEN) / KTGT_ALUA_STPG_DESC_LEN;
	if (n > KTGT_ALUA_MAX_TPGS) {
		/* It repeats a group or names one the device cannot have. */
		off = KTGT_ALUA_STPG_HDR_LEN +
		      KTGT_ALUA_MAX_TPGS * KTGT_ALUA_STPG_DESC_LEN;
		ktgt_sense_invalid_param(err, off + 2, 7);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		off = KTGT_ALUA_STPG_HDR_LEN + i * KTGT_ALUA_STPG_DESC_LEN;
		if (param[off] & 0xf0) {
			ktgt_sense_invalid_param(err, off, 7);
			return -EINVAL;
		}
		state = param[off] & 0x0f;
		if (state != KTGT_ALUA_ACTIVE &&
		    state != KTGT_ALUA_NONOPTIMIZED &&
		    state != KTGT_ALUA_STANDBY &&
		    state != KTGT_ALUA_UNAVAILABLE) {
			ktgt_sense_invalid_param(err, off, 3);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			u32 o = KTGT_ALUA_STPG_HDR_LEN +
				j * KTGT_ALUA_STPG_DESC_LEN;

			if (get_unaligned_be16(param + o + 2) ==
			    get_unaligned_be16(param + off + 2)) {
				ktgt_sense_invalid_param(err, off + 2, 7);
				return -EINVAL;
			}
		}
	}
	*nr = n;
	return 0;
}

u32 ktgt_alua_stpg_desc(const u8 *param, u32 idx, u8 *state, u16 *group_id)
{
	u32 off = KTGT_ALUA_STPG_HDR_LEN + idx * KTGT_ALUA_STPG_DESC_LEN;

	*state = param[off] & 0x0f;
	*group_id = get_unaligned_be16(param + off + 2);
	return off;
}
