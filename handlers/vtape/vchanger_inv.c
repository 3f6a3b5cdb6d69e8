// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt vchanger: the inventory, the state file and READ ELEMENT STATUS
 * data (see vchanger_inv.h for the layout and the format).
 *
 * Portable: compiled into ktgt_vtape.ko and into the host unit test and
 * fuzzer. The state file parser reads only within the length it is
 * given, checks every field before it believes it and refuses anything
 * else with a message naming the line.
 */
#include "vchanger_inv.h"

int vch_inv_init(struct vch_inv *inv, u32 nr_st, u32 nr_dt, u32 nr_ie)
{
	if (nr_st < 1 || nr_st > VCH_MAX_SLOTS || nr_dt < 1 ||
	    nr_dt > VCH_MAX_DRIVES || nr_ie > VCH_MAX_IE)
		return -EINVAL;
	memset(inv, 0, sizeof(*inv));
	inv->nr_st = nr_st;
	inv->nr_dt = nr_dt;
	inv->nr_ie = nr_ie;
	return 0;
}

static bool tag_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool vch_tag_valid(const char *s, size_t len)
{
	size_t i;

	if (!len || len > VCH_TAG_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!tag_char(s[i]))
			return false;
	return true;
}

/* The first address and the count of a type's elements. */
static void type_range(const struct vch_inv *inv, u8 type, u16 *first,
		       u16 *nr)
{
	switch (type) {
	case VCH_TYPE_MT:
		*first = VCH_ADDR_MT;
		*nr = 1;
		break;
	case VCH_TYPE_IE:
		*first = VCH_ADDR_IE;
		*nr = inv->nr_ie;
		break;
	case VCH_TYPE_DT:
		*first = VCH_ADDR_DT;
		*nr = inv->nr_dt;
		break;
	case VCH_TYPE_ST:
		*first = VCH_ADDR_ST;
		*nr = inv->nr_st;
		break;
	default:
		*first = 0;
		*nr = 0;
		break;
	}
}

static struct vch_elem *type_elems(struct vch_inv *inv, u8 type)
{
	switch (type) {
	case VCH_TYPE_IE:
		return inv->ie;
	case VCH_TYPE_DT:
		return inv->dt;
	case VCH_TYPE_ST:
		return inv->st;
	default:
		return NULL;
	}
}

struct vch_elem *vch_elem_at(struct vch_inv *inv, u16 addr, u8 *type)
{
	static const u8 types[] = { VCH_TYPE_MT, VCH_TYPE_IE, VCH_TYPE_DT,
				    VCH_TYPE_ST };
	unsigned int i;
	u16 first, nr;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		type_range(inv, types[i], &first, &nr);
		if (addr >= first && addr - first < nr) {
			struct vch_elem *e = type_elems(inv, types[i]);

			*type = types[i];
			return e ? &e[addr - first] : NULL;
		}
	}
	*type = 0;
	return NULL;
}

u16 vch_find_tag(struct vch_inv *inv, const char *tag)
{
	static const u8 types[] = { VCH_TYPE_IE, VCH_TYPE_DT, VCH_TYPE_ST };
	unsigned int i, j;
	u16 first, nr;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct vch_elem *e = type_elems(inv, types[i]);

		type_range(inv, types[i], &first, &nr);
		for (j = 0; j < nr; j++)
			if (e[j].tag[0] && !strcmp(e[j].tag, tag))
				return first + j;
	}
	return 0;
}

u16 vch_first_empty_slot(struct vch_inv *inv)
{
	unsigned int i;

	for (i = 0; i < inv->nr_st; i++)
		if (!inv->st[i].tag[0])
			return VCH_ADDR_ST + i;
	return 0;
}

enum vch_move_err vch_move_check(struct vch_inv *inv, u16 mt, u16 src,
				 u16 dst)
{
	struct vch_elem *s, *d;
	u8 type;

	if (mt != 0 && mt != VCH_ADDR_MT)
		return VCH_MOVE_BAD_MT;
	s = vch_elem_at(inv, src, &type);
	if (!s)
		return VCH_MOVE_BAD_SRC;
	d = vch_elem_at(inv, dst, &type);
	if (!d)
		return VCH_MOVE_BAD_DST;
	if (!s->tag[0])
		return VCH_MOVE_SRC_EMPTY;
	if (d != s && d->tag[0])
		return VCH_MOVE_DST_FULL;
	return VCH_MOVE_OK;
}

void vch_move(struct vch_inv *inv, u16 src, u16 dst)
{
	struct vch_elem *s, *d;
	u8 stype, dtype;
	u16 from;

	s = vch_elem_at(inv, src, &stype);
	d = vch_elem_at(inv, dst, &dtype);
	if (!s || !d || s == d)
		return;
	from = stype == VCH_TYPE_DT ? s->src : src;
	memcpy(d->tag, s->tag, sizeof(d->tag));
	d->src = from;
	d->imported = false;
	memset(s, 0, sizeof(*s));
}

enum vch_move_err vch_exchange_check(struct vch_inv *inv, u16 mt, u16 src,
				     u16 dst1, u16 dst2)
{
	struct vch_elem *s, *d1, *d2;
	u8 type;

	if (mt != 0 && mt != VCH_ADDR_MT)
		return VCH_MOVE_BAD_MT;
	s = vch_elem_at(inv, src, &type);
	if (!s)
		return VCH_MOVE_BAD_SRC;
	d1 = vch_elem_at(inv, dst1, &type);
	d2 = vch_elem_at(inv, dst2, &type);
	if (!d1 || !d2)
		return VCH_MOVE_BAD_DST;
	if (!s->tag[0] || !d1->tag[0])
		return VCH_MOVE_SRC_EMPTY;
	if (d2 != s && d2->tag[0])
		return VCH_MOVE_DST_FULL;
	return VCH_MOVE_OK;
}

/* The element @e at @addr (of @type) as a move takes it out of there. */
static void moved_out(const struct vch_elem *e, u8 type, u16 addr,
		      struct vch_elem *out)
{
	*out = *e;
	out->src = type == VCH_TYPE_DT ? e->src : addr;
	out->imported = false;
}

void vch_exchange(struct vch_inv *inv, u16 src, u16 dst1, u16 dst2)
{
	struct vch_elem *s, *d1, *d2, a, b;
	u8 st, d1t, d2t;

	s = vch_elem_at(inv, src, &st);
	d1 = vch_elem_at(inv, dst1, &d1t);
	d2 = vch_elem_at(inv, dst2, &d2t);
	if (!s || !d1 || !d2)
		return;
	if (s == d1) {
		/* The cartridge goes to the first destination, itself. */
		vch_move(inv, src, dst2);
		return;
	}
	moved_out(s, st, src, &a);
	moved_out(d1, d1t, dst1, &b);
	if (d2 != s)
		memset(s, 0, sizeof(*s));
	*d2 = b;
	*d1 = a;
}

/*
 * ---------------------------------------------------------------------
 * The state file
 * ---------------------------------------------------------------------
 */

/* A bounded writer: counts everything, stores what fits. */
struct vch_out {
	char *buf;
	size_t len;
	size_t pos;
};

static void out_str(struct vch_out *o, const char *s)
{
	for (; *s; s++, o->pos++)
		if (o->pos < o->len)
			o->buf[o->pos] = *s;
}

static void out_num(struct vch_out *o, u32 v)
{
	char d[11];
	int n = 0;

	do {
		d[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n--) {
		if (o->pos < o->len)
			o->buf[o->pos] = d[n];
		o->pos++;
	}
}

static void err_set(char *err, size_t errlen, u32 line, const char *msg)
{
	struct vch_out o = { .buf = err, .len = errlen ? errlen - 1 : 0 };

	if (!errlen)
		return;
	out_str(&o, "line ");
	out_num(&o, line);
	out_str(&o, ": ");
	out_str(&o, msg);
	err[o.pos < o.len ? o.pos : o.len] = 0;
}

static const char *const type_names[] = {
	[VCH_TYPE_ST] = "slot",
	[VCH_TYPE_IE] = "ie",
	[VCH_TYPE_DT] = "drive",
};

/* The words of a line: at most @max, each a pointer and a length. */
static unsigned int split(const char *s, size_t len, const char **w,
			  size_t *wl, unsigned int max)
{
	unsigned int n = 0;
	size_t i = 0;

	while (i < len) {
		size_t b;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		b = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (n == max)
			return max + 1;
		w[n] = s + b;
		wl[n] = i - b;
		n++;
	}
	return n;
}

static bool word_is(const char *w, size_t wl, const char *s)
{
	return strlen(s) == wl && !memcmp(w, s, wl);
}

static u8 word_type(const char *w, size_t wl)
{
	u8 t;

	for (t = VCH_TYPE_ST; t <= VCH_TYPE_DT; t++)
		if (word_is(w, wl, type_names[t]))
			return t;
	return 0;
}

/* A decimal number 1 to @max without sign or leading zero. */
static bool word_num(const char *w, size_t wl, u32 max, u32 *v)
{
	size_t i;

	*v = 0;
	if (!wl || wl > 5 || w[0] == '0')
		return false;
	for (i = 0; i < wl; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		*v = *v * 10 + (w[i] - '0');
	}
	return *v >= 1 && *v <= max;
}

/* The element of a type and 1-based number, NULL if out of range. */
static struct vch_elem *elem_of(struct vch_inv *inv, u8 type, u32 n,
				u16 *addr)
{
	u16 first, nr;

	type_range(inv, type, &first, &nr);
	if (!type_elems(inv, type) || n < 1 || n > nr)
		return NULL;
	*addr = first + n - 1;
	return &type_elems(inv, type)[n - 1];
}

static int parse_line(struct vch_inv *inv, const char *s, size_t len,
		      u32 line, char *err, size_t errlen)
{
	const char *w[8];
	size_t wl[8];
	unsigned int n = split(s, len, w, wl, 7);
	bool exported = false;
	struct vch_elem *e;
	char tag[VCH_TAG_MAX + 1];
	u16 addr, from = 0;
	u8 type;
	u32 num;

	if ((n == 4 || n == 7) && word_is(w[n - 1], wl[n - 1], "exported")) {
		exported = true;
		n--;
	}
	if (n != 3 && n != 6) {
		err_set(err, errlen, line,
			"expected \"<type> <n> <barcode> [from <type> <n>] [exported]\"");
		return -EINVAL;
	}
	type = word_type(w[0], wl[0]);
	if (!type) {
		err_set(err, errlen, line,
			"element type is not slot, drive or ie");
		return -EINVAL;
	}
	if (exported && type != VCH_TYPE_IE) {
		err_set(err, errlen, line,
			"\"exported\" is only for an ie element");
		return -EINVAL;
	}
	e = NULL;
	if (word_num(w[1], wl[1], 0xffff, &num))
		e = elem_of(inv, type, num, &addr);
	if (!e) {
		err_set(err, errlen, line,
			"no such element (beyond slots, drives or ie_slots?)");
		return -EINVAL;
	}
	if (e->tag[0]) {
		err_set(err, errlen, line, "element listed twice");
		return -EINVAL;
	}
	if (!vch_tag_valid(w[2], wl[2])) {
		err_set(err, errlen, line,
			"barcode is not 1 to 32 of A-Z a-z 0-9 _ -");
		return -EINVAL;
	}
	/* All of it: the element gets every byte (no stack garbage). */
	memset(tag, 0, sizeof(tag));
	memcpy(tag, w[2], wl[2]);
	if (vch_find_tag(inv, tag)) {
		err_set(err, errlen, line, "barcode listed twice");
		return -EINVAL;
	}
	if (n == 6) {
		u8 ft = word_type(w[4], wl[4]);
		struct vch_elem *fe = NULL;

		if (word_is(w[3], wl[3], "from") &&
		    (ft == VCH_TYPE_ST || ft == VCH_TYPE_IE) &&
		    word_num(w[5], wl[5], 0xffff, &num))
			fe = elem_of(inv, ft, num, &from);
		if (!fe) {
			err_set(err, errlen, line,
				"bad \"from\": expected \"from slot <n>\" or \"from ie <n>\" of an existing element");
			return -EINVAL;
		}
	}
	memcpy(e->tag, tag, sizeof(e->tag));
	e->src = from;
	e->imported = type == VCH_TYPE_IE && !exported;
	return 0;
}

int vch_state_parse(struct vch_inv *inv, const char *buf, size_t len,
		    char *err, size_t errlen)
{
	bool version = false;
	size_t pos = 0;
	u32 line = 0;
	int ret;

	if (len > VCH_STATE_MAX) {
		err_set(err, errlen, 0, "state file too large");
		return -EINVAL;
	}
	while (pos < len) {
		size_t end = pos, l;

		while (end < len && buf[end] != '\n')
			end++;
		l = end - pos;
		line++;
		if (l && buf[pos + l - 1] == '\r')
			l--;
		if (l > VCH_LINE_MAX) {
			err_set(err, errlen, line, "line too long");
			return -EINVAL;
		}
		if (memchr(buf + pos, 0, l)) {
			err_set(err, errlen, line, "NUL byte");
			return -EINVAL;
		}
		if (l && buf[pos] != '#') {
			const char *w[3];
			size_t wl[3];
			unsigned int n = split(buf + pos, l, w, wl, 2);

			if (!n) {
				/* only blanks */
			} else if (!version) {
				if (n != 2 || !word_is(w[0], wl[0], "vchanger") ||
				    !word_is(w[1], wl[1], "1")) {
					err_set(err, errlen, line,
						"not a version 1 vchanger state file (\"vchanger 1\" first)");
					return -EINVAL;
				}
				version = true;
			} else {
				ret = parse_line(inv, buf + pos, l, line, err,
						 errlen);
				if (ret)
					return ret;
			}
		}
		pos = end + 1;
	}
	if (!version) {
		err_set(err, errlen, line, "empty state file (no \"vchanger 1\")");
		return -EINVAL;
	}
	return 0;
}

static void format_type(const struct vch_inv *inv, u8 type,
			struct vch_out *o)
{
	const struct vch_elem *e = type_elems((struct vch_inv *)inv, type);
	u16 first, nr, i;

	type_range(inv, type, &first, &nr);
	for (i = 0; i < nr; i++) {
		u8 ft = 0;
		u16 ff = 0, fn = 0;

		if (!e[i].tag[0])
			continue;
		out_str(o, type_names[type]);
		out_str(o, " ");
		out_num(o, i + 1);
		out_str(o, " ");
		out_str(o, e[i].tag);
		if (e[i].src) {
			vch_elem_at((struct vch_inv *)inv, e[i].src, &ft);
			type_range(inv, ft, &ff, &fn);
		}
		if (ft == VCH_TYPE_ST || ft == VCH_TYPE_IE) {
			out_str(o, " from ");
			out_str(o, type_names[ft]);
			out_str(o, " ");
			out_num(o, e[i].src - ff + 1);
		}
		if (type == VCH_TYPE_IE && !e[i].imported)
			out_str(o, " exported");
		out_str(o, "\n");
	}
}

size_t vch_state_format(const struct vch_inv *inv, char *buf, size_t buflen)
{
	struct vch_out o = { .buf = buf, .len = buflen };

	out_str(&o, "# ktgt vchanger state (Documentation/configfs.rst)\n");
	out_str(&o, "vchanger 1\n");
	format_type(inv, VCH_TYPE_ST, &o);
	format_type(inv, VCH_TYPE_DT, &o);
	format_type(inv, VCH_TYPE_IE, &o);
	return o.pos;
}

/*
 * ---------------------------------------------------------------------
 * READ ELEMENT STATUS (SMC-3 6.10)
 * ---------------------------------------------------------------------
 */

static void put8(u8 *buf, u32 buflen, u32 off, u8 v)
{
	if (off < buflen)
		buf[off] = v;
}

static void put_be(u8 *buf, u32 buflen, u32 off, u32 v, int n)
{
	while (n--) {
		put8(buf, buflen, off + n, v);
		v >>= 8;
	}
}

static void put_bytes(u8 *buf, u32 buflen, u32 off, const void *src, u32 n)
{
	const u8 *s = src;
	u32 i;

	for (i = 0; i < n; i++)
		put8(buf, buflen, off + i, s[i]);
}

/* Descriptor length of a type's page. */
static u32 desc_len(u8 type, const struct vch_res_req *req)
{
	u32 len = 12;

	if (req->voltag)
		len += 36;
	if (req->dvcid)
		len += 4 + (type == VCH_TYPE_DT ? VCH_DVCID_LEN : 0);
	return len;
}

/* One element descriptor at @off. */
static void put_desc(const struct vch_inv *inv, u8 type, u16 idx,
		     const struct vch_res_req *req,
		     const u8 dvcid[][VCH_DVCID_LEN], u8 *buf, u32 buflen,
		     u32 off)
{
	const struct vch_elem *e = NULL;
	u16 first, nr;
	u8 flags = 0;
	u32 i, p;

	type_range(inv, type, &first, &nr);
	if (type != VCH_TYPE_MT)
		e = &type_elems((struct vch_inv *)inv, type)[idx];
	for (i = 0; i < desc_len(type, req); i++)
		put8(buf, buflen, off + i, 0);
	put_be(buf, buflen, off, first + idx, 2);
	if (e && e->tag[0])
		flags |= 0x01;				/* FULL */
	if (type == VCH_TYPE_ST || type == VCH_TYPE_DT)
		flags |= 0x08;				/* ACCESS */
	if (type == VCH_TYPE_IE)	/* INENAB EXENAB ACCESS, IMPEXP */
		flags |= 0x30 | 0x08 | (e->imported ? 0x02 : 0);
	put8(buf, buflen, off + 2, flags);
	if (e && e->tag[0]) {
		put8(buf, buflen, off + 9,
		     (e->src ? 0x80 : 0) | 0x01);	/* SVALID, data */
		put_be(buf, buflen, off + 10, e->src, 2);
	}
	p = off + 12;
	if (req->voltag) {
		if (e && e->tag[0]) {
			/* VOLUME IDENTIFIER, space-padded; sequence 0 */
			size_t l = strlen(e->tag);

			put_bytes(buf, buflen, p, e->tag, l);
			for (i = l; i < 32; i++)
				put8(buf, buflen, p + i, ' ');
		}
		p += 36;
	}
	if (req->dvcid) {
		if (type == VCH_TYPE_DT) {
			put8(buf, buflen, p, 0x02);	/* CODE SET: ASCII */
			put8(buf, buflen, p + 1, 0x01);	/* T10 vendor ID */
			put8(buf, buflen, p + 3, VCH_DVCID_LEN);
			put_bytes(buf, buflen, p + 4, dvcid[idx],
				  VCH_DVCID_LEN);
		}
	}
}

int vch_read_element_status(const struct vch_inv *inv,
			    const struct vch_res_req *req,
			    const u8 dvcid[][VCH_DVCID_LEN], u8 *buf,
			    u32 buflen)
{
	/* In address order: the pages come out sorted. */
	static const u8 types[] = { VCH_TYPE_MT, VCH_TYPE_IE, VCH_TYPE_DT,
				    VCH_TYPE_ST };
	u32 off = 8, left = req->count, reported = 0;
	u16 first_reported = 0, first, nr;
	unsigned int t;

	type_range(inv, VCH_TYPE_ST, &first, &nr);
	if (req->start >= first + nr)
		return -EINVAL;
	for (t = 0; t < ARRAY_SIZE(types) && left; t++) {
		u32 dl = desc_len(types[t], req), page = off, i, n = 0;

		if (req->type && req->type != types[t])
			continue;
		type_range(inv, types[t], &first, &nr);
		for (i = 0; i < nr && left; i++) {
			if (first + i < req->start)
				continue;
			if (!n)
				off += 8;
			put_desc(inv, types[t], i, req, dvcid, buf, buflen,
				 off);
			if (!reported)
				first_reported = first + i;
			off += dl;
			n++;
			reported++;
			left--;
		}
		if (!n)
			continue;
		/* the element status page header */
		put8(buf, buflen, page, types[t]);
		put8(buf, buflen, page + 1, req->voltag ? 0x80 : 0); /* PVOLTAG */
		put_be(buf, buflen, page + 2, dl, 2);
		put8(buf, buflen, page + 4, 0);
		put_be(buf, buflen, page + 5, n * dl, 3);
	}
	/* the element status data header */
	put_be(buf, buflen, 0, reported ? first_reported : req->start, 2);
	put_be(buf, buflen, 2, reported, 2);
	put8(buf, buflen, 4, 0);
	put_be(buf, buflen, 5, off - 8, 3);
	return off;
}
