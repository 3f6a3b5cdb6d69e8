// SPDX-License-Identifier: GPL-2.0
/*
 * ktgtadm: parser and writer of ktgt.conf (see conf.h).
 *
 * The syntax is scst.conf's: one statement per line, "{" ends the line
 * that opens a block and "}" stands on a line of its own. A statement is
 * a keyword (HANDLER, DEVICE, TARGET_DRIVER, TARGET, LUN, GROUP,
 * INITIATOR, PORTAL) with its arguments, or an attribute "name value";
 * a value is the rest of the line, words joined by one space. "#" starts
 * a comment outside quotes; "..." quotes a word, in which a backslash
 * escapes a quote, a backslash, "n" (newline) or "t" (tab).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static void *grow(void *v, size_t n, size_t size)
{
	/* Room for element n (0-based), zeroed. */
	char *p = realloc(v, (n + 1) * size);

	if (!p)
		return NULL;
	memset(p + n * size, 0, size);
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

int kconf_valid_name(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > KCONF_MAX_NAME)
		return 0;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || c == '/' || c == '"' ||
		    c == '\\' || c == '{' || c == '}' || c == '#')
			return 0;
	}
	return 1;
}

int kconf_valid_attr_name(const char *s)
{
	const char *p, *seg = s;

	if (!*s || strlen(s) > 255)
		return 0;
	for (p = s;; p++) {
		if (*p == '/' || !*p) {
			size_t len = (size_t)(p - seg);

			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return 0;
			if (!*p)
				return 1;
			seg = p + 1;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			return 0;
	}
}

static int valid_value(const char *s)
{
	const unsigned char *p;

	if (strlen(s) > KCONF_MAX_VALUE)
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if ((*p < ' ' && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Model                                                               */
/* ------------------------------------------------------------------ */

int kattrs_add(struct kattrs *a, const char *name, const char *value,
	       int flags, int line)
{
	struct kattr *v = grow(a->v, a->n, sizeof(*v));

	if (!v)
		return -1;
	a->v = v;
	v[a->n].name = xstrdup(name);
	v[a->n].value = value ? xstrdup(value) : NULL;
	if (!v[a->n].name || (value && !v[a->n].value)) {
		free(v[a->n].name);
		free(v[a->n].value);
		return -1;
	}
	v[a->n].flags = flags;
	v[a->n].line = line;
	a->n++;
	return 0;
}

static void kattrs_free(struct kattrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].value);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

struct kattr *kattrs_get(const struct kattrs *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}

struct klun *kluns_add(struct kluns *l, unsigned int lun, const char *dev)
{
	struct klun *v = grow(l->v, l->n, sizeof(*v));

	if (!v)
		return NULL;
	l->v = v;
	v[l->n].lun = lun;
	if (dev) {
		v[l->n].dev = xstrdup(dev);
		if (!v[l->n].dev)
			return NULL;
	}
	return &v[l->n++];
}

struct klun *kluns_get(const struct kluns *l, unsigned int lun)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].lun == lun)
			return &l->v[i];
	return NULL;
}

static void kluns_free(struct kluns *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].dev);
		kattrs_free(&l->v[i].attrs);
	}
	free(l->v);
}

struct kcontainer *kconf_add_container(struct kcontainer **v, size_t *n,
				       const char *name)
{
	struct kcontainer *p = grow(*v, *n, sizeof(*p));

	if (!p)
		return NULL;
	*v = p;
	p[*n].name = xstrdup(name);
	if (!p[*n].name)
		return NULL;
	return &p[(*n)++];
}

struct kcontainer *kconf_container(struct kcontainer *v, size_t n,
				   const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

struct kdevice *kconf_add_device(struct kconf *conf, const char *handler,
				 const char *name)
{
	struct kdevice *p = grow(conf->devs, conf->ndevs, sizeof(*p));

	if (!p)
		return NULL;
	conf->devs = p;
	p = &p[conf->ndevs];
	p->handler = xstrdup(handler);
	p->name = xstrdup(name);
	p->enabled = 1;
	if (!p->handler || !p->name) {
		free(p->handler);
		free(p->name);
		return NULL;
	}
	conf->ndevs++;
	return p;
}

struct kdevice *kconf_device(const struct kconf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->ndevs; i++)
		if (!strcmp(conf->devs[i].name, name))
			return &conf->devs[i];
	return NULL;
}

struct ktarget *kconf_add_target(struct kconf *conf, const char *driver,
				 const char *name)
{
	struct ktarget *p = grow(conf->tgts, conf->ntgts, sizeof(*p));

	if (!p)
		return NULL;
	conf->tgts = p;
	p = &p[conf->ntgts];
	p->driver = xstrdup(driver);
	p->name = xstrdup(name);
	if (!p->driver || !p->name) {
		free(p->driver);
		free(p->name);
		return NULL;
	}
	conf->ntgts++;
	return p;
}

struct ktarget *kconf_target(const struct kconf *conf, const char *driver,
			     const char *name)
{
	size_t i;

	for (i = 0; i < conf->ntgts; i++)
		if (!strcmp(conf->tgts[i].driver, driver) &&
		    !strcmp(conf->tgts[i].name, name))
			return &conf->tgts[i];
	return NULL;
}

/* The first target of @driver whose name equals @name but for ASCII case. */
static struct ktarget *kconf_target_nocase(const struct kconf *conf,
					   const char *driver,
					   const char *name)
{
	size_t i;

	for (i = 0; i < conf->ntgts; i++)
		if (!strcmp(conf->tgts[i].driver, driver) &&
		    !strcasecmp(conf->tgts[i].name, name))
			return &conf->tgts[i];
	return NULL;
}

struct kgroup *ktarget_add_group(struct ktarget *t, const char *name)
{
	struct kgroup *p = grow(t->groups, t->ngroups, sizeof(*p));

	if (!p)
		return NULL;
	t->groups = p;
	p[t->ngroups].name = xstrdup(name);
	if (!p[t->ngroups].name)
		return NULL;
	return &p[t->ngroups++];
}

struct kgroup *ktarget_group(const struct ktarget *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ngroups; i++)
		if (!strcmp(t->groups[i].name, name))
			return &t->groups[i];
	return NULL;
}

struct kportal *ktarget_add_portal(struct ktarget *t, const char *addr)
{
	struct kportal *p = grow(t->portals, t->nportals, sizeof(*p));

	if (!p)
		return NULL;
	t->portals = p;
	p[t->nportals].addr = xstrdup(addr);
	if (!p[t->nportals].addr)
		return NULL;
	return &p[t->nportals++];
}

int kinits_add(struct kinit **v, size_t *n, const char *name, int line)
{
	struct kinit *p = grow(*v, *n, sizeof(*p));

	if (!p)
		return -1;
	*v = p;
	p[*n].pattern = xstrdup(name);
	if (!p[*n].pattern)
		return -1;
	p[*n].line = line;
	(*n)++;
	return 0;
}

struct kdgroup *kconf_add_dgroup(struct kconf *conf, const char *name)
{
	struct kdgroup *p = grow(conf->dgs, conf->ndgs, sizeof(*p));

	if (!p)
		return NULL;
	conf->dgs = p;
	p[conf->ndgs].name = xstrdup(name);
	if (!p[conf->ndgs].name)
		return NULL;
	return &p[conf->ndgs++];
}

struct ktgroup *kdgroup_add_tgroup(struct kdgroup *dg, const char *name)
{
	struct ktgroup *p = grow(dg->tgs, dg->ntgs, sizeof(*p));

	if (!p)
		return NULL;
	dg->tgs = p;
	p[dg->ntgs].name = xstrdup(name);
	if (!p[dg->ntgs].name)
		return NULL;
	return &p[dg->ntgs++];
}

struct kdgroup *kconf_dgroup(const struct kconf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->ndgs; i++)
		if (!strcmp(conf->dgs[i].name, name))
			return &conf->dgs[i];
	return NULL;
}

struct ktgroup *kdgroup_tgroup(const struct kdgroup *dg, const char *name)
{
	size_t i;

	for (i = 0; i < dg->ntgs; i++)
		if (!strcmp(dg->tgs[i].name, name))
			return &dg->tgs[i];
	return NULL;
}

struct ktarget *kconf_target_by_name(const struct kconf *conf,
				     const char *name)
{
	struct ktarget *found = NULL;
	size_t i;

	for (i = 0; i < conf->ntgts; i++) {
		if (strcmp(conf->tgts[i].name, name))
			continue;
		if (found)
			return NULL;
		found = &conf->tgts[i];
	}
	return found;
}

static void kinits_free(struct kinit *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].pattern);
	free(v);
}

int ktarget_add_session(struct ktarget *t, const char *initiator)
{
	char **p = grow(t->sessions, t->nsessions, sizeof(*p));

	if (!p)
		return -1;
	t->sessions = p;
	p[t->nsessions] = xstrdup(initiator);
	if (!p[t->nsessions])
		return -1;
	t->nsessions++;
	return 0;
}

int kgroup_add_init(struct kgroup *g, const char *pattern)
{
	struct kinit *p = grow(g->inits, g->ninits, sizeof(*p));

	if (!p)
		return -1;
	g->inits = p;
	p[g->ninits].pattern = xstrdup(pattern);
	if (!p[g->ninits].pattern)
		return -1;
	g->ninits++;
	return 0;
}

void kconf_free(struct kconf *conf)
{
	size_t i, j;

	for (i = 0; i < conf->nhandlers; i++) {
		free(conf->handlers[i].name);
		kattrs_free(&conf->handlers[i].attrs);
	}
	free(conf->handlers);
	for (i = 0; i < conf->ndrivers; i++) {
		free(conf->drivers[i].name);
		kattrs_free(&conf->drivers[i].attrs);
	}
	free(conf->drivers);
	for (i = 0; i < conf->ndevs; i++) {
		free(conf->devs[i].handler);
		free(conf->devs[i].name);
		kattrs_free(&conf->devs[i].attrs);
	}
	free(conf->devs);
	for (i = 0; i < conf->ntgts; i++) {
		struct ktarget *t = &conf->tgts[i];

		free(t->driver);
		free(t->name);
		kattrs_free(&t->attrs);
		kluns_free(&t->luns);
		for (j = 0; j < t->ngroups; j++) {
			struct kgroup *g = &t->groups[j];
			size_t k;

			free(g->name);
			kattrs_free(&g->attrs);
			for (k = 0; k < g->ninits; k++)
				free(g->inits[k].pattern);
			free(g->inits);
			kluns_free(&g->luns);
		}
		free(t->groups);
		for (j = 0; j < t->nportals; j++) {
			free(t->portals[j].addr);
			kattrs_free(&t->portals[j].attrs);
		}
		free(t->portals);
		for (j = 0; j < t->nsessions; j++)
			free(t->sessions[j]);
		free(t->sessions);
	}
	free(conf->tgts);
	for (i = 0; i < conf->ndgs; i++) {
		struct kdgroup *dg = &conf->dgs[i];

		free(dg->name);
		kattrs_free(&dg->attrs);
		kinits_free(dg->devs, dg->ndevs);
		for (j = 0; j < dg->ntgs; j++) {
			free(dg->tgs[j].name);
			kattrs_free(&dg->tgs[j].attrs);
			kinits_free(dg->tgs[j].tgts, dg->tgs[j].ntgts);
		}
		free(dg->tgs);
	}
	free(conf->dgs);
	memset(conf, 0, sizeof(*conf));
}

/* ------------------------------------------------------------------ */
/* Tokenizer                                                           */
/* ------------------------------------------------------------------ */

enum tok_type { T_WORD, T_STRING, T_LBRACE, T_RBRACE };

struct tok {
	enum tok_type	type;
	char		*text;
};

#define MAX_TOKS	64

struct line {
	struct tok	t[MAX_TOKS];
	int		n;
	int		lineno;
};

struct parser {
	struct kconf	*conf;
	const char	*file;
	char		*err;
	size_t		errlen;
	int		failed;
};

static int perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->file, line, msg);
	p->failed = 1;
	return -1;
}

static void line_free(struct line *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->t[i].text);
	l->n = 0;
}

static int line_add(struct parser *p, struct line *l, enum tok_type type,
		    const char *s, size_t n)
{
	char *text;

	if (l->n == MAX_TOKS)
		return perr(p, l->lineno, "too many words on one line");
	text = malloc(n + 1);
	if (!text)
		return perr(p, l->lineno, "out of memory");
	memcpy(text, s, n);
	text[n] = '\0';
	l->t[l->n].type = type;
	l->t[l->n].text = text;
	l->n++;
	return 0;
}

/* Split text[0..len) (one line, without its newline) into tokens. */
static int tokenize(struct parser *p, struct line *l, const char *s,
		    size_t len)
{
	size_t i = 0;

	while (i < len) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
		} else if (c == '#') {
			break;
		} else if (c == '{' || c == '}') {
			if (line_add(p, l, c == '{' ? T_LBRACE : T_RBRACE,
				     &s[i], 1))
				return -1;
			i++;
		} else if (c == '"') {
			char *buf = malloc(len - i + 1);
			size_t n = 0;
			int closed = 0, ret;

			if (!buf)
				return perr(p, l->lineno, "out of memory");
			for (i++; i < len; i++) {
				c = s[i];
				if (c == '"') {
					closed = 1;
					i++;
					break;
				}
				if (c == '\\') {
					if (++i == len)
						break;
					switch (s[i]) {
					case 'n':
						c = '\n';
						break;
					case 't':
						c = '\t';
						break;
					case '"':
					case '\\':
						c = s[i];
						break;
					default:
						free(buf);
						return perr(p, l->lineno,
							    "unknown escape '\\%c' in quoted string",
							    isprint((unsigned char)s[i]) ?
							    s[i] : '?');
					}
				}
				buf[n++] = c;
			}
			if (!closed) {
				free(buf);
				return perr(p, l->lineno,
					    "unterminated quoted string");
			}
			if (i < len && s[i] != ' ' && s[i] != '\t' &&
			    s[i] != '\r' && s[i] != '{' && s[i] != '}' &&
			    s[i] != '#') {
				free(buf);
				return perr(p, l->lineno,
					    "missing space after quoted string");
			}
			ret = line_add(p, l, T_STRING, buf, n);
			free(buf);
			if (ret)
				return -1;
		} else {
			size_t st = i;

			while (i < len && s[i] != ' ' && s[i] != '\t' &&
			       s[i] != '\r' && s[i] != '{' && s[i] != '}' &&
			       s[i] != '#') {
				if (s[i] == '"')
					return perr(p, l->lineno,
						    "stray '\"' inside a word");
				if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
					return perr(p, l->lineno,
						    "control character in the file");
				i++;
			}
			if (line_add(p, l, T_WORD, &s[st], i - st))
				return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

enum ctx {
	C_TOP, C_HANDLER, C_DEVICE, C_DRIVER, C_TARGET, C_GROUP, C_LUN,
	C_PORTAL, C_DGROUP, C_TGROUP,
};

static const char *const ctx_name[] = {
	[C_TOP] = "the top level",
	[C_HANDLER] = "HANDLER",
	[C_DEVICE] = "DEVICE",
	[C_DRIVER] = "TARGET_DRIVER",
	[C_TARGET] = "TARGET",
	[C_GROUP] = "GROUP",
	[C_LUN] = "LUN",
	[C_PORTAL] = "PORTAL",
	[C_DGROUP] = "DEVICE_GROUP",
	[C_TGROUP] = "TARGET_GROUP",
};

#define MAX_DEPTH	8

struct frame {
	enum ctx	ctx;
	int		line;
	/* Indexes, not pointers: the arrays move as they grow. */
	size_t		handler, driver, dev, tgt, group, portal, dg, tg;
	int		in_group;
	unsigned int	lun;
};

struct state {
	struct frame	st[MAX_DEPTH];
	int		depth;		/* st[depth - 1] is current */
};

static struct frame *cur(struct state *s)
{
	return &s->st[s->depth - 1];
}

static struct ktarget *frame_tgt(struct parser *p, struct frame *f)
{
	return &p->conf->tgts[f->tgt];
}

static struct kgroup *frame_group(struct parser *p, struct frame *f)
{
	return &frame_tgt(p, f)->groups[f->group];
}

static struct kluns *frame_luns(struct parser *p, struct frame *f)
{
	return f->in_group ? &frame_group(p, f)->luns : &frame_tgt(p, f)->luns;
}

/* The attribute set a statement in frame @f adds to. */
static struct kattrs *frame_attrs(struct parser *p, struct frame *f)
{
	switch (f->ctx) {
	case C_HANDLER:
		return &p->conf->handlers[f->handler].attrs;
	case C_DRIVER:
		return &p->conf->drivers[f->driver].attrs;
	case C_DEVICE:
		return &p->conf->devs[f->dev].attrs;
	case C_TARGET:
		return &frame_tgt(p, f)->attrs;
	case C_GROUP:
		return &frame_group(p, f)->attrs;
	case C_PORTAL:
		return &frame_tgt(p, f)->portals[f->portal].attrs;
	case C_LUN:
		return &kluns_get(frame_luns(p, f), f->lun)->attrs;
	case C_DGROUP:
		return &p->conf->dgs[f->dg].attrs;
	case C_TGROUP:
		return &p->conf->dgs[f->dg].tgs[f->tg].attrs;
	default:
		return NULL;
	}
}

static const char *tok_desc(const struct tok *t)
{
	switch (t->type) {
	case T_LBRACE:
		return "{";
	case T_RBRACE:
		return "}";
	default:
		return t->text;
	}
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "0") || !strcmp(v, "1")) {
		*out = v[0] == '1';
		return 0;
	}
	return -1;
}

static int parse_lun(const char *s, unsigned int *out)
{
	unsigned long v = 0;
	const char *q;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 5)
		return -1;
	for (q = s; *q; q++) {
		if (*q < '0' || *q > '9')
			return -1;
		v = v * 10 + (unsigned long)(*q - '0');
	}
	if (v > KCONF_MAX_LUN)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int stmt_attr(struct parser *p, struct state *s, struct line *l)
{
	struct frame *f = cur(s);
	struct kattrs *a;
	struct kattr *old;
	char value[KCONF_MAX_VALUE + 2], why[KCONF_MAX_VALUE + 128];
	size_t len = 0;
	const char *name = l->t[0].text;
	int i, b;

	if (f->ctx == C_TOP)
		return perr(p, l->lineno,
			    "'%s': expected HANDLER or TARGET_DRIVER", name);
	if (!kconf_valid_attr_name(name))
		return perr(p, l->lineno, "invalid attribute name '%s'", name);
	if (l->n < 2)
		return perr(p, l->lineno, "attribute '%s' has no value", name);
	value[0] = '\0';
	for (i = 1; i < l->n; i++) {
		size_t n;

		if (l->t[i].type == T_LBRACE || l->t[i].type == T_RBRACE)
			return perr(p, l->lineno,
				    "unexpected '%s' in the value of '%s' (quote it)",
				    tok_desc(&l->t[i]), name);
		n = strlen(l->t[i].text);
		if (len + n + 1 > KCONF_MAX_VALUE)
			return perr(p, l->lineno,
				    "value of '%s' is longer than %d bytes",
				    name, KCONF_MAX_VALUE);
		if (i > 1)
			value[len++] = ' ';
		memcpy(value + len, l->t[i].text, n);
		len += n;
		value[len] = '\0';
	}
	if (!valid_value(value))
		return perr(p, l->lineno,
			    "value of '%s' contains a control character", name);

	/* The modelled ones. */
	if (f->ctx == C_DEVICE && !strcmp(name, "enable")) {
		if (parse_bool(value, &b))
			return perr(p, l->lineno, "enable takes 0 or 1, not '%s'",
				    value);
		p->conf->devs[f->dev].enabled = b;
		name = "\001enable";	/* duplicate detection only */
	} else if (f->ctx == C_TARGET &&
		   (!strcmp(name, "enable") || !strcmp(name, "enabled"))) {
		if (parse_bool(value, &b))
			return perr(p, l->lineno, "%s takes 0 or 1, not '%s'",
				    name, value);
		frame_tgt(p, f)->enabled = b;
		name = "\001enable";
	} else if (kattr_check(name, value, why, sizeof(why))) {
		return perr(p, l->lineno, "%s", why);
	}

	a = frame_attrs(p, f);
	old = kattrs_get(a, name);
	if (old)
		return perr(p, l->lineno,
			    "attribute '%s' set twice (first at line %d)",
			    l->t[0].text, old->line);
	if (kattrs_add(a, name, name[0] == '\001' ? "" : value, 0, l->lineno))
		return perr(p, l->lineno, "out of memory");
	return 0;
}

/* Remove the "\001enable" markers once parsing is done. */
static void strip_markers(struct kattrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (a->v[i].name[0] != '\001')
			continue;
		free(a->v[i].name);
		free(a->v[i].value);
		memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof(a->v[0]));
		a->n--;
		i--;
	}
}

struct kw {
	const char	*name;
	enum ctx	parent;		/* where it may appear */
	enum ctx	parent2;	/* a second place, or C_TOP for none */
	int		nargs;
	int		block;		/* 1: may open a block */
};

static const struct kw keywords[] = {
	{ "HANDLER",	   C_TOP,     C_TOP,   1, 1 },
	{ "TARGET_DRIVER", C_TOP,     C_TOP,   1, 1 },
	{ "DEVICE",	   C_HANDLER, C_DGROUP, 1, 1 },
	{ "TARGET",	   C_DRIVER,  C_TGROUP, 1, 1 },
	{ "LUN",	   C_TARGET,  C_GROUP, 2, 1 },
	{ "GROUP",	   C_TARGET,  C_TOP,   1, 1 },
	{ "INITIATOR",	   C_GROUP,   C_TOP,   1, 0 },
	{ "PORTAL",	   C_TARGET,  C_TOP,   1, 1 },
	{ "DEVICE_GROUP",  C_TOP,     C_TOP,   1, 1 },
	{ "TARGET_GROUP",  C_DGROUP,  C_TOP,   1, 1 },
};

static const struct kw *find_kw(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (!strcmp(keywords[i].name, s))
			return &keywords[i];
	return NULL;
}

/*
 * DEVICE @name of device group @dg (in at most one device group), or
 * TARGET @name (@tgt) of its target group @tg (in at most one target
 * group of the device group).
 */
static int alua_member(struct parser *p, int ln, const char *name, int opens,
		       int tgt, struct kdgroup *dg, size_t tg)
{
	struct kconf *c = p->conf;
	const struct kinit *v;
	size_t i, j, n;

	if (opens)
		return perr(p, ln, "%s does not take a block",
			    tgt ? "TARGET in TARGET_GROUP" :
			    "DEVICE in DEVICE_GROUP");
	for (i = 0; i < (tgt ? dg->ntgs : c->ndgs); i++) {
		v = tgt ? dg->tgs[i].tgts : c->dgs[i].devs;
		n = tgt ? dg->tgs[i].ntgts : c->dgs[i].ndevs;
		for (j = 0; j < n; j++) {
			if (strcmp(v[j].pattern, name))
				continue;
			return perr(p, ln, "%s '%s' is already in %s group '%s' (line %d)",
				    tgt ? "target" : "device", name,
				    tgt ? "target" : "device",
				    tgt ? dg->tgs[i].name : c->dgs[i].name,
				    v[j].line);
		}
	}
	if (tgt ? kinits_add(&dg->tgs[tg].tgts, &dg->tgs[tg].ntgts, name, ln) :
	    kinits_add(&dg->devs, &dg->ndevs, name, ln))
		return perr(p, ln, "out of memory");
	return 0;
}

/* DEVICE_GROUP at the top level, and what is inside one. */
static int stmt_alua(struct parser *p, struct state *s, struct line *l,
		     const struct kw *kw, int opens)
{
	struct frame *f = cur(s), nf = *f;
	struct kconf *c = p->conf;
	const char *a1 = l->t[1].text;
	int ln = l->lineno;

	nf.line = ln;
	if (!kconf_valid_name(a1))
		return perr(p, ln, "invalid %s name '%s'", kw->name, a1);
	if (!strcmp(kw->name, "DEVICE_GROUP")) {
		struct kdgroup *dg = kconf_dgroup(c, a1);

		if (dg)
			return perr(p, ln, "device group '%s' already defined at line %d",
				    a1, dg->line);
		dg = kconf_add_dgroup(c, a1);
		if (!dg)
			return perr(p, ln, "out of memory");
		dg->line = ln;
		nf.ctx = C_DGROUP;
		nf.dg = (size_t)(dg - c->dgs);
	} else if (!strcmp(kw->name, "TARGET_GROUP")) {
		struct kdgroup *dg = &c->dgs[f->dg];
		struct ktgroup *tg = kdgroup_tgroup(dg, a1);

		if (tg)
			return perr(p, ln, "target group '%s' already defined at line %d",
				    a1, tg->line);
		tg = kdgroup_add_tgroup(dg, a1);
		if (!tg)
			return perr(p, ln, "out of memory");
		tg->line = ln;
		nf.ctx = C_TGROUP;
		nf.tg = (size_t)(tg - dg->tgs);
	} else {
		/* DEVICE in a device group, TARGET in a target group */
		return alua_member(p, ln, a1, opens, f->ctx == C_TGROUP,
				   &c->dgs[f->dg], f->tg);
	}
	if (!opens)
		return 0;
	if (s->depth == MAX_DEPTH)
		return perr(p, ln, "blocks nested too deeply");
	s->st[s->depth++] = nf;
	return 0;
}

static int stmt_keyword(struct parser *p, struct state *s, struct line *l,
			const struct kw *kw)
{
	struct frame *f = cur(s), nf;
	struct kconf *c = p->conf;
	int nargs = 0, opens = 0, i, ln = l->lineno;
	const char *a1, *a2;

	if (kw->parent != f->ctx &&
	    !(kw->parent2 != C_TOP && kw->parent2 == f->ctx)) {
		if (kw->parent2 != C_TOP)
			return perr(p, ln, "%s is only allowed inside %s or %s, not in %s",
				    kw->name, ctx_name[kw->parent],
				    ctx_name[kw->parent2], ctx_name[f->ctx]);
		if (kw->parent == C_TOP)
			return perr(p, ln, "%s is only allowed at the top level, not in %s",
				    kw->name, ctx_name[f->ctx]);
		return perr(p, ln, "%s is only allowed inside %s, not in %s",
			    kw->name, ctx_name[kw->parent], ctx_name[f->ctx]);
	}
	for (i = 1; i < l->n; i++) {
		if (l->t[i].type == T_LBRACE) {
			if (i != l->n - 1)
				return perr(p, ln, "unexpected '%s' after '{'",
					    tok_desc(&l->t[i + 1]));
			if (!kw->block)
				return perr(p, ln, "%s does not take a block",
					    kw->name);
			opens = 1;
			break;
		}
		if (l->t[i].type == T_RBRACE)
			return perr(p, ln, "unexpected '}' (it must be on a line of its own)");
		nargs++;
	}
	if (nargs < kw->nargs) {
		if (kw->nargs == 2)
			return perr(p, ln, "%s needs a number and a device name",
				    kw->name);
		return perr(p, ln, "%s needs a name", kw->name);
	}
	if (nargs > kw->nargs)
		return perr(p, ln, "unexpected '%s' after %s %s",
			    l->t[kw->nargs + 1].text, kw->name, l->t[1].text);
	a1 = l->t[1].text;
	a2 = kw->nargs > 1 ? l->t[2].text : NULL;

	nf = *f;
	nf.line = ln;
	if (f->ctx == C_DGROUP || f->ctx == C_TGROUP ||
	    !strcmp(kw->name, "DEVICE_GROUP"))
		return stmt_alua(p, s, l, kw, opens);
	if (!strcmp(kw->name, "HANDLER") || !strcmp(kw->name, "TARGET_DRIVER")) {
		int h = kw->name[0] == 'H';
		struct kcontainer **v = h ? &c->handlers : &c->drivers;
		size_t *n = h ? &c->nhandlers : &c->ndrivers;
		struct kcontainer *k;

		if (!kconf_valid_name(a1))
			return perr(p, ln, "invalid %s name '%s'", kw->name, a1);
		/* A second block of the same name continues the first. */
		k = kconf_container(*v, *n, a1);
		if (!k) {
			k = kconf_add_container(v, n, a1);
			if (!k)
				return perr(p, ln, "out of memory");
			k->line = ln;
		}
		nf.ctx = h ? C_HANDLER : C_DRIVER;
		if (h)
			nf.handler = (size_t)(k - *v);
		else
			nf.driver = (size_t)(k - *v);
	} else if (!strcmp(kw->name, "DEVICE")) {
		struct kdevice *d;

		if (!kconf_valid_name(a1))
			return perr(p, ln, "invalid device name '%s'", a1);
		/* The core keeps names with a leading '.' for its own files. */
		if (a1[0] == '.')
			return perr(p, ln, "invalid device name '%s': it may not begin with '.'",
				    a1);
		d = kconf_device(c, a1);
		if (d)
			return perr(p, ln, "device '%s' already defined at line %d",
				    a1, d->line);
		d = kconf_add_device(c, c->handlers[f->handler].name, a1);
		if (!d)
			return perr(p, ln, "out of memory");
		d->line = ln;
		nf.ctx = C_DEVICE;
		nf.dev = (size_t)(d - c->devs);
	} else if (!strcmp(kw->name, "TARGET")) {
		struct ktarget *t;
		const char *drv = c->drivers[f->driver].name;

		if (!kconf_valid_name(a1))
			return perr(p, ln, "invalid target name '%s'", a1);
		t = kconf_target(c, drv, a1);
		if (t)
			return perr(p, ln, "target '%s' already defined at line %d",
				    a1, t->line);
		t = kconf_target_nocase(c, drv, a1);
		if (t && !strcmp(drv, "iscsi"))
			return perr(p, ln,
				    "target '%s' already defined at line %d as '%s' (iSCSI names ignore case)",
				    a1, t->line, t->name);
		t = kconf_add_target(c, drv, a1);
		if (!t)
			return perr(p, ln, "out of memory");
		t->line = ln;
		nf.ctx = C_TARGET;
		nf.tgt = (size_t)(t - c->tgts);
		nf.in_group = 0;
	} else if (!strcmp(kw->name, "GROUP")) {
		struct ktarget *t = frame_tgt(p, f);
		struct kgroup *g;

		if (!kconf_valid_name(a1))
			return perr(p, ln, "invalid group name '%s'", a1);
		g = ktarget_group(t, a1);
		if (g)
			return perr(p, ln, "group '%s' already defined at line %d",
				    a1, g->line);
		g = ktarget_add_group(t, a1);
		if (!g)
			return perr(p, ln, "out of memory");
		g->line = ln;
		nf.ctx = C_GROUP;
		nf.group = (size_t)(g - t->groups);
		nf.in_group = 1;
	} else if (!strcmp(kw->name, "PORTAL")) {
		struct ktarget *t = frame_tgt(p, f);
		struct kportal *po;
		size_t j;

		if (!kconf_valid_name(a1) || !strchr(a1, ':'))
			return perr(p, ln, "invalid portal '%s' (expected address:port)",
				    a1);
		for (j = 0; j < t->nportals; j++)
			if (!strcmp(t->portals[j].addr, a1))
				return perr(p, ln, "portal '%s' already defined at line %d",
					    a1, t->portals[j].line);
		po = ktarget_add_portal(t, a1);
		if (!po)
			return perr(p, ln, "out of memory");
		po->line = ln;
		nf.ctx = C_PORTAL;
		nf.portal = (size_t)(po - t->portals);
	} else if (!strcmp(kw->name, "INITIATOR")) {
		struct kgroup *g = frame_group(p, f);
		size_t j;

		if (!kconf_valid_name(a1))
			return perr(p, ln, "invalid initiator name or pattern '%s'",
				    a1);
		for (j = 0; j < g->ninits; j++)
			if (!strcmp(g->inits[j].pattern, a1))
				return perr(p, ln, "initiator '%s' already listed at line %d",
					    a1, g->inits[j].line);
		if (kgroup_add_init(g, a1))
			return perr(p, ln, "out of memory");
		g->inits[g->ninits - 1].line = ln;
	} else {
		/* LUN */
		struct kluns *luns = frame_luns(p, f);
		struct klun *lu;
		unsigned int n;

		if (parse_lun(a1, &n))
			return perr(p, ln, "invalid LUN number '%s' (0 to %d, no leading zeros)",
				    a1, KCONF_MAX_LUN);
		if (!kconf_valid_name(a2))
			return perr(p, ln, "invalid device name '%s'", a2);
		lu = kluns_get(luns, n);
		if (lu)
			return perr(p, ln, "LUN %u already defined at line %d",
				    n, lu->line);
		lu = kluns_add(luns, n, a2);
		if (!lu)
			return perr(p, ln, "out of memory");
		lu->line = ln;
		nf.ctx = C_LUN;
		nf.lun = n;
	}

	if (!opens)
		return 0;
	if (s->depth == MAX_DEPTH)
		return perr(p, ln, "blocks nested too deeply");
	s->st[s->depth++] = nf;
	return 0;
}

static int parse_line(struct parser *p, struct state *s, struct line *l)
{
	const struct kw *kw;

	if (l->n == 0)
		return 0;
	if (l->t[0].type == T_RBRACE) {
		if (l->n > 1)
			return perr(p, l->lineno, "unexpected '%s' after '}'",
				    tok_desc(&l->t[1]));
		if (s->depth == 1)
			return perr(p, l->lineno, "unexpected '}' (no block is open)");
		s->depth--;
		return 0;
	}
	if (l->t[0].type == T_LBRACE)
		return perr(p, l->lineno,
			    "'{' must end the line of the statement that opens the block");
	if (l->t[0].type == T_STRING)
		return perr(p, l->lineno,
			    "expected a keyword or an attribute name, not a quoted string");
	kw = find_kw(l->t[0].text);
	if (kw)
		return stmt_keyword(p, s, l, kw);
	if (cur(s)->ctx != C_TOP && isupper((unsigned char)l->t[0].text[0])) {
		/*
		 * scst.conf attributes are lower case; catch typos of
		 * keywords, which are all upper case.
		 */
		const char *q = l->t[0].text;

		while (*q && (isupper((unsigned char)*q) || *q == '_'))
			q++;
		if (!*q)
			return perr(p, l->lineno, "unknown keyword '%s'",
				    l->t[0].text);
	}
	return stmt_attr(p, s, l);
}

static int check_luns(struct parser *p, const struct kluns *luns)
{
	size_t i;

	for (i = 0; i < luns->n; i++) {
		const struct klun *l = &luns->v[i];
		const struct kdevice *d = kconf_device(p->conf, l->dev);

		if (!d)
			return perr(p, l->line, "LUN %u: no DEVICE '%s' in this file",
				    l->lun, l->dev);
		if (!d->enabled)
			return perr(p, l->line,
				    "LUN %u: device '%s' is disabled (enable 0 at line %d)",
				    l->lun, l->dev, d->line);
	}
	return 0;
}

/*
 * A device group's devices and targets must be in the file, a target
 * name must name one target only, and group_id (but 0, unset) must be
 * unique within the device group.
 */
static int check_dgroup(struct parser *p, const struct kdgroup *dg)
{
	struct kconf *c = p->conf;
	size_t i, j, k;

	for (i = 0; i < dg->ndevs; i++)
		if (!kconf_device(c, dg->devs[i].pattern))
			return perr(p, dg->devs[i].line,
				    "DEVICE_GROUP %s: no DEVICE '%s' in this file",
				    dg->name, dg->devs[i].pattern);
	for (i = 0; i < dg->ntgs; i++) {
		const struct ktgroup *tg = &dg->tgs[i];
		const struct kattr *id = kattrs_get(&tg->attrs, "group_id");

		for (j = 0; j < tg->ntgts; j++) {
			const char *n = tg->tgts[j].pattern;

			for (k = 0; k < c->ntgts; k++)
				if (!strcmp(c->tgts[k].name, n))
					break;
			if (k == c->ntgts)
				return perr(p, tg->tgts[j].line,
					    "TARGET_GROUP %s: no TARGET '%s' in this file",
					    tg->name, n);
			if (!kconf_target_by_name(c, n))
				return perr(p, tg->tgts[j].line,
					    "TARGET_GROUP %s: more than one driver has a TARGET '%s'",
					    tg->name, n);
		}
		if (!id || kval_equal(id->value, "0"))
			continue;
		for (j = 0; j < i; j++) {
			const struct kattr *o = kattrs_get(&dg->tgs[j].attrs,
							   "group_id");

			if (o && kval_equal(o->value, id->value))
				return perr(p, id->line,
					    "group_id %s of target group '%s' is also that of '%s' (line %d)",
					    id->value, tg->name, dg->tgs[j].name,
					    o->line);
		}
	}
	return 0;
}

static int validate(struct parser *p)
{
	struct kconf *c = p->conf;
	size_t i, j;

	for (i = 0; i < c->ndgs; i++)
		if (check_dgroup(p, &c->dgs[i]))
			return -1;

	for (i = 0; i < c->ndevs; i++)
		strip_markers(&c->devs[i].attrs);
	for (i = 0; i < c->ntgts; i++) {
		struct ktarget *t = &c->tgts[i];

		strip_markers(&t->attrs);
		if (check_luns(p, &t->luns))
			return -1;
		for (j = 0; j < t->ngroups; j++)
			if (check_luns(p, &t->groups[j].luns))
				return -1;
	}
	return 0;
}

int kconf_parse(struct kconf *conf, const char *file, const char *text,
		size_t len, char *err, size_t errlen)
{
	struct parser p = { conf, file, err, errlen, 0 };
	struct state s;
	struct line l;
	size_t pos = 0;
	int lineno = 0;

	memset(conf, 0, sizeof(*conf));
	conf->file = file;
	memset(&s, 0, sizeof(s));
	s.depth = 1;
	s.st[0].ctx = C_TOP;
	if (err && errlen)
		err[0] = '\0';

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		lineno++;
		memset(&l, 0, sizeof(l));
		l.lineno = lineno;
		if (memchr(text + pos, '\0', end - pos))
			return perr(&p, lineno, "NUL byte in the file");
		if (end - pos > 65536)
			return perr(&p, lineno, "line too long");
		if (tokenize(&p, &l, text + pos, end - pos) ||
		    parse_line(&p, &s, &l)) {
			line_free(&l);
			return -1;
		}
		line_free(&l);
		pos = nl ? end + 1 : len;
	}
	if (s.depth > 1) {
		struct frame *f = cur(&s);

		return perr(&p, f->line, "%s block is not closed (missing '}')",
			    ctx_name[f->ctx]);
	}
	return validate(&p);
}

int kconf_parse_file(struct kconf *conf, const char *file, char *err,
		     size_t errlen)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int ret = -2;

	memset(conf, 0, sizeof(*conf));
	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -2;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > 64u << 20) {
				snprintf(err, errlen, "%s: file too large", file);
				ret = -1;
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", file);
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", file);
		goto fail;
	}
	fclose(f);
	ret = kconf_parse(conf, file, buf ? buf : "", len, err, errlen);
	free(buf);
	return ret;
fail:
	fclose(f);
	free(buf);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

static int needs_quotes(const char *v)
{
	const char *p;

	if (!*v)
		return 1;
	for (p = v; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '"' || *p == '\\' ||
		    *p == '#' || *p == '{' || *p == '}' ||
		    (unsigned char)*p < ' ')
			return 1;
	return 0;
}

static void put_value(FILE *out, const char *v)
{
	const char *p;

	if (!needs_quotes(v)) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static int cmp_attr(const void *a, const void *b)
{
	return strcmp((*(const struct kattr *const *)a)->name,
		      (*(const struct kattr *const *)b)->name);
}

static int writable(const struct kattr *a)
{
	return !(a->flags & (KATTR_RO | KATTR_WO)) && a->value;
}

static size_t count_writable(const struct kattrs *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->n; i++)
		n += writable(&a->v[i]);
	return n;
}

static void put_attrs(FILE *out, const struct kattrs *a, int indent)
{
	const struct kattr **v;
	size_t i, n = 0;

	if (!a->n)
		return;
	v = calloc(a->n, sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < a->n; i++)
		if (writable(&a->v[i]))
			v[n++] = &a->v[i];
	qsort(v, n, sizeof(*v), cmp_attr);
	for (i = 0; i < n; i++) {
		fprintf(out, "%.*s%s ", indent, "\t\t\t\t\t\t\t\t", v[i]->name);
		put_value(out, v[i]->value);
		fputc('\n', out);
	}
	free(v);
}

static int cmp_lun(const void *a, const void *b)
{
	unsigned int x = (*(const struct klun *const *)a)->lun;
	unsigned int y = (*(const struct klun *const *)b)->lun;

	return x < y ? -1 : x > y;
}

static void put_luns(FILE *out, const struct kluns *luns, int indent)
{
	const struct klun **v;
	size_t i, n = 0;

	if (!luns->n)
		return;
	v = calloc(luns->n, sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < luns->n; i++)
		if (luns->v[i].dev)
			v[n++] = &luns->v[i];
	qsort(v, n, sizeof(*v), cmp_lun);
	for (i = 0; i < n; i++) {
		fprintf(out, "%.*sLUN %u %s", indent, "\t\t\t\t\t\t\t\t",
			v[i]->lun, v[i]->dev);
		if (count_writable(&v[i]->attrs)) {
			fputs(" {\n", out);
			put_attrs(out, &v[i]->attrs, indent + 1);
			fprintf(out, "%.*s}", indent, "\t\t\t\t\t\t\t\t");
		}
		fputc('\n', out);
	}
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp((*(const struct kdevice *const *)a)->name,
		      (*(const struct kdevice *const *)b)->name);
}

static int cmp_tgt(const void *a, const void *b)
{
	return strcmp((*(const struct ktarget *const *)a)->name,
		      (*(const struct ktarget *const *)b)->name);
}

static int cmp_portal(const void *a, const void *b)
{
	return strcmp((*(const struct kportal *const *)a)->addr,
		      (*(const struct kportal *const *)b)->addr);
}

static void put_target(FILE *out, const struct ktarget *t)
{
	size_t i;

	fprintf(out, "\tTARGET %s {\n", t->name);
	fprintf(out, "\t\tenabled %d\n", t->enabled);
	put_attrs(out, &t->attrs, 2);
	if (t->nportals) {
		const struct kportal **v = calloc(t->nportals, sizeof(*v));

		if (v) {
			for (i = 0; i < t->nportals; i++)
				v[i] = &t->portals[i];
			qsort(v, t->nportals, sizeof(*v), cmp_portal);
			fputc('\n', out);
			for (i = 0; i < t->nportals; i++) {
				fprintf(out, "\t\tPORTAL %s", v[i]->addr);
				if (count_writable(&v[i]->attrs)) {
					fputs(" {\n", out);
					put_attrs(out, &v[i]->attrs, 3);
					fputs("\t\t}", out);
				}
				fputc('\n', out);
			}
			free(v);
		}
	}
	if (t->luns.n) {
		fputc('\n', out);
		put_luns(out, &t->luns, 2);
	}
	/* Groups keep their order: the first match wins. */
	for (i = 0; i < t->ngroups; i++) {
		const struct kgroup *g = &t->groups[i];
		const char **pats = calloc(g->ninits + 1, sizeof(*pats));
		size_t j;

		fprintf(out, "\n\t\tGROUP %s {\n", g->name);
		put_attrs(out, &g->attrs, 3);
		if (pats) {
			for (j = 0; j < g->ninits; j++)
				pats[j] = g->inits[j].pattern;
			qsort(pats, g->ninits, sizeof(*pats), cmp_str);
			for (j = 0; j < g->ninits; j++)
				fprintf(out, "\t\t\tINITIATOR %s\n", pats[j]);
			free(pats);
		}
		put_luns(out, &g->luns, 3);
		fputs("\t\t}\n", out);
	}
	fputs("\t}\n", out);
}

static int cmp_kinit(const void *a, const void *b)
{
	return strcmp(((const struct kinit *)a)->pattern,
		      ((const struct kinit *)b)->pattern);
}

static int cmp_dgroup(const void *a, const void *b)
{
	return strcmp((*(const struct kdgroup *const *)a)->name,
		      (*(const struct kdgroup *const *)b)->name);
}

static int cmp_tgroup(const void *a, const void *b)
{
	return strcmp((*(const struct ktgroup *const *)a)->name,
		      (*(const struct ktgroup *const *)b)->name);
}

/* @n names of @v, sorted, one "KEYWORD name" line each. */
static void put_names(FILE *out, const struct kinit *v, size_t n,
		      const char *keyword, int indent)
{
	struct kinit *s = n ? malloc(n * sizeof(*s)) : NULL;
	size_t i;

	if (!s)
		return;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_kinit);
	for (i = 0; i < n; i++)
		fprintf(out, "%.*s%s %s\n", indent, "\t\t\t\t", keyword,
			s[i].pattern);
	free(s);
}

/* The device groups, sorted by name, their target groups too. */
static void put_dgroups(FILE *out, const struct kconf *conf)
{
	const struct kdgroup **v = calloc(conf->ndgs + 1, sizeof(*v));
	size_t i, j;

	if (!v)
		return;
	for (i = 0; i < conf->ndgs; i++)
		v[i] = &conf->dgs[i];
	qsort(v, conf->ndgs, sizeof(*v), cmp_dgroup);
	for (i = 0; i < conf->ndgs; i++) {
		const struct ktgroup **t = calloc(v[i]->ntgs + 1, sizeof(*t));

		fprintf(out, "\nDEVICE_GROUP %s {\n", v[i]->name);
		put_attrs(out, &v[i]->attrs, 1);
		put_names(out, v[i]->devs, v[i]->ndevs, "DEVICE", 1);
		for (j = 0; t && j < v[i]->ntgs; j++)
			t[j] = &v[i]->tgs[j];
		if (t)
			qsort(t, v[i]->ntgs, sizeof(*t), cmp_tgroup);
		for (j = 0; t && j < v[i]->ntgs; j++) {
			fprintf(out, "\tTARGET_GROUP %s {\n", t[j]->name);
			put_attrs(out, &t[j]->attrs, 2);
			put_names(out, t[j]->tgts, t[j]->ntgts, "TARGET", 2);
			fputs("\t}\n", out);
		}
		free(t);
		fputs("}\n", out);
	}
	free(v);
}

/* Append @name to the @nn names of @names unless it is there already. */
static void add_name(const char **names, size_t *nn, const char *name)
{
	size_t i;

	for (i = 0; i < *nn; i++)
		if (!strcmp(names[i], name))
			return;
	names[(*nn)++] = name;
}

int kconf_write(const struct kconf *conf, FILE *out)
{
	const char **names;
	size_t i, j, nn = 0, nall;
	const struct kdevice **devs = NULL;
	const struct ktarget **tgts = NULL;

	nall = conf->nhandlers + conf->ndrivers + conf->ndevs + conf->ntgts + 1;
	names = calloc(nall, sizeof(*names));
	devs = calloc(conf->ndevs + 1, sizeof(*devs));
	tgts = calloc(conf->ntgts + 1, sizeof(*tgts));
	if (!names || !devs || !tgts)
		goto fail;

	fputs("# ktgt configuration, written by ktgtadm\n", out);

	/* Handlers: those with devices or writable attributes. */
	for (i = 0; i < conf->ndevs; i++)
		devs[i] = &conf->devs[i];
	qsort(devs, conf->ndevs, sizeof(*devs), cmp_dev);
	for (i = 0; i < conf->nhandlers; i++)
		if (count_writable(&conf->handlers[i].attrs))
			add_name(names, &nn, conf->handlers[i].name);
	for (i = 0; i < conf->ndevs; i++)
		add_name(names, &nn, devs[i]->handler);
	qsort(names, nn, sizeof(*names), cmp_str);
	for (i = 0; i < nn; i++) {
		const struct kcontainer *h =
			kconf_container(conf->handlers, conf->nhandlers, names[i]);

		fprintf(out, "\nHANDLER %s {\n", names[i]);
		if (h)
			put_attrs(out, &h->attrs, 1);
		for (j = 0; j < conf->ndevs; j++) {
			const struct kdevice *d = devs[j];

			if (strcmp(d->handler, names[i]))
				continue;
			fprintf(out, "\tDEVICE %s", d->name);
			if (count_writable(&d->attrs) || !d->enabled) {
				fputs(" {\n", out);
				if (!d->enabled)
					fputs("\t\tenable 0\n", out);
				put_attrs(out, &d->attrs, 2);
				fputs("\t}", out);
			}
			fputc('\n', out);
		}
		fputs("}\n", out);
	}

	/* Target drivers. */
	nn = 0;
	for (i = 0; i < conf->ntgts; i++)
		tgts[i] = &conf->tgts[i];
	qsort(tgts, conf->ntgts, sizeof(*tgts), cmp_tgt);
	for (i = 0; i < conf->ndrivers; i++)
		if (count_writable(&conf->drivers[i].attrs))
			add_name(names, &nn, conf->drivers[i].name);
	for (i = 0; i < conf->ntgts; i++)
		add_name(names, &nn, tgts[i]->driver);
	qsort(names, nn, sizeof(*names), cmp_str);
	for (i = 0; i < nn; i++) {
		const struct kcontainer *d =
			kconf_container(conf->drivers, conf->ndrivers, names[i]);

		fprintf(out, "\nTARGET_DRIVER %s {\n", names[i]);
		if (d)
			put_attrs(out, &d->attrs, 1);
		for (j = 0; j < conf->ntgts; j++) {
			if (strcmp(tgts[j]->driver, names[i]))
				continue;
			put_target(out, tgts[j]);
		}
		fputs("}\n", out);
	}
	put_dgroups(out, conf);
	free(names);
	free(devs);
	free(tgts);
	return ferror(out) ? -1 : 0;
fail:
	free(names);
	free(devs);
	free(tgts);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Values by meaning                                                   */
/* ------------------------------------------------------------------ */

enum kval_kind { KV_TEXT, KV_BOOL, KV_DEC, KV_HEX };

static const char *const kv_no[] = { "0", "no", "off", "false", "n" };
static const char *const kv_yes[] = { "1", "yes", "on", "true", "y" };

/* The length of @s without trailing white space. */
static size_t kval_len(const char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* Which boolean word the @n bytes at @s are: its index, or -1. */
static int kval_word(const char *s, size_t n, int *val)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_no); i++) {
		if (strlen(kv_no[i]) == n && !strncasecmp(s, kv_no[i], n)) {
			*val = 0;
			return (int)i;
		}
		if (strlen(kv_yes[i]) == n && !strncasecmp(s, kv_yes[i], n)) {
			*val = 1;
			return (int)i;
		}
	}
	return -1;
}

/* Classify the first @n bytes of @s; @num gets a number's value. */
static enum kval_kind kval_kind(const char *s, size_t n,
				unsigned long long *num)
{
	unsigned long long v = 0;
	size_t i, start = 0;
	int b, hex = 0;

	if (kval_word(s, n, &b) >= 0) {
		*num = (unsigned long long)b;
		return KV_BOOL;
	}
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = 1;
		start = 2;
		if (n - start > 16)
			return KV_TEXT;
	} else if (!n || (s[0] == '0' && n > 1)) {
		return KV_TEXT;	/* leading zeros */
	}
	for (i = start; i < n; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return KV_TEXT;
		if (v > (ULLONG_MAX - (unsigned long long)d) / (hex ? 16 : 10))
			return KV_TEXT;	/* too large to be one */
		v = v * (hex ? 16 : 10) + (unsigned long long)d;
	}
	*num = v;
	return hex ? KV_HEX : KV_DEC;
}

int kval_equal(const char *a, const char *b)
{
	size_t na = kval_len(a), nb = kval_len(b);
	unsigned long long x = 0, y = 0;

	if (kval_kind(a, na, &x) != KV_TEXT &&
	    kval_kind(b, nb, &y) != KV_TEXT)
		return x == y;
	return na == nb && !memcmp(a, b, na);
}

const char *kval_for_write(const char *want, const char *shown, char *buf,
			   size_t len)
{
	unsigned long long w = 0, s = 0;
	size_t ns, i;
	enum kval_kind ks;
	int idx, b;

	if (!shown || kval_kind(want, kval_len(want), &w) == KV_TEXT)
		return want;
	ns = kval_len(shown);
	ks = kval_kind(shown, ns, &s);
	switch (ks) {
	case KV_BOOL:
		idx = kval_word(shown, ns, &b);
		if (idx == 0) {		/* shown as 0 or 1: a number */
			snprintf(buf, len, "%llu", w);
			return buf;
		}
		if (w > 1)
			return want;
		snprintf(buf, len, "%s", w ? kv_yes[idx] : kv_no[idx]);
		/* In the case the word is shown in: yes, Yes or YES. */
		if (isupper((unsigned char)shown[0]))
			buf[0] = (char)toupper((unsigned char)buf[0]);
		if (ns > 1 && isupper((unsigned char)shown[ns - 1]))
			for (i = 1; buf[i]; i++)
				buf[i] = (char)toupper((unsigned char)buf[i]);
		return buf;
	case KV_DEC:
		snprintf(buf, len, "%llu", w);
		return buf;
	case KV_HEX:
		snprintf(buf, len, strpbrk(shown, "ABCDEF") ? "0x%llX" : "0x%llx",
			 w);
		return buf;
	default:
		return want;
	}
}

/* ------------------------------------------------------------------ */
/* Values by what the kernel makes of them                             */
/* ------------------------------------------------------------------ */

/*
 * How the ktgt modules parse and show the attributes they have (core
 * device, LUN, target and ALUA attributes; vdisk, local and iSCSI ones):
 *
 *  KA_BOOL01	shown 0/1; the core takes only 0 or 1 (kstrtobool()
 *		users take more, 0/1 too)
 *  KA_YESNO	shown Yes/No; ktgt_iscsi takes yes/no (any case) or 1/0
 *  KA_NUM	shown in decimal; kstrtou*() (blocksize: base 10 only)
 *  KA_HEXID	hex digits in any case, shown in lower case (naa_id)
 *  KA_LIST	a comma-separated set, shown in the module's own order
 *		(the iSCSI digests)
 *  KA_TEXT	a string, kept as written
 *
 * An attribute not listed (a new module's) is compared by kval_equal().
 */
enum kattr_kind { KA_ANY, KA_BOOL01, KA_YESNO, KA_NUM, KA_HEXID, KA_LIST,
		  KA_TEXT };

static const struct {
	const char	*name;
	enum kattr_kind	kind;
} kattr_kinds[] = {
	{ "enable", KA_BOOL01 },
	{ "read_only", KA_BOOL01 },
	{ "write_through", KA_BOOL01 },
	{ "nv_cache", KA_BOOL01 },
	{ "thin_provisioned", KA_BOOL01 },
	{ "rotational", KA_BOOL01 },
	{ "removable", KA_BOOL01 },
	{ "zero_reads", KA_BOOL01 },
	{ "auto_rescan", KA_BOOL01 },
	{ "preferred", KA_BOOL01 },
	{ "InitialR2T", KA_YESNO },
	{ "ImmediateData", KA_YESNO },
	{ "blocksize", KA_NUM },
	{ "size", KA_NUM },
	{ "delay_ms", KA_NUM },
	{ "rel_tgt_id", KA_NUM },
	{ "group_id", KA_NUM },
	{ "tpgt", KA_NUM },
	{ "MaxRecvDataSegmentLength", KA_NUM },
	{ "MaxBurstLength", KA_NUM },
	{ "FirstBurstLength", KA_NUM },
	{ "MaxOutstandingR2T", KA_NUM },
	{ "MaxConnections", KA_NUM },
	{ "DefaultTime2Wait", KA_NUM },
	{ "DefaultTime2Retain", KA_NUM },
	{ "queue_depth", KA_NUM },
	{ "naa_id", KA_HEXID },
	{ "HeaderDigest", KA_LIST },
	{ "DataDigest", KA_LIST },
	{ "vendor_id", KA_TEXT },
	{ "product_id", KA_TEXT },
	{ "revision", KA_TEXT },
	{ "serial", KA_TEXT },
	{ "filename", KA_TEXT },
	{ "initiator_name", KA_TEXT },
	{ "alias", KA_TEXT },
	{ "auth_user", KA_TEXT },
	{ "auth_secret", KA_TEXT },
	{ "auth_mutual_user", KA_TEXT },
	{ "auth_mutual_secret", KA_TEXT },
	{ "state", KA_TEXT },
};

static enum kattr_kind kattr_kind(const char *name)
{
	const char *base = strrchr(name, '/');
	size_t i;

	base = base ? base + 1 : name;
	for (i = 0; i < ARRAY_SIZE(kattr_kinds); i++)
		if (!strcmp(kattr_kinds[i].name, base))
			return kattr_kinds[i].kind;
	return KA_ANY;
}

/* Whether the @n-byte item at @s is one of the comma-separated @list. */
static int kval_in_list(const char *s, size_t n, const char *list,
			size_t len)
{
	size_t i = 0, j;

	while (i <= len) {
		for (j = i; j < len && list[j] != ','; j++)
			;
		if (j - i == n && !memcmp(list + i, s, n))
			return 1;
		i = j + 1;
	}
	return 0;
}

/* Whether every item of @a (@na bytes) is one of @b's. */
static int kval_subset(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, j;

	while (i <= na) {
		for (j = i; j < na && a[j] != ','; j++)
			;
		if (!kval_in_list(a + i, j - i, b, nb))
			return 0;
		i = j + 1;
	}
	return 1;
}

int kattr_equal(const char *name, const char *a, const char *b)
{
	size_t na = kval_len(a), nb = kval_len(b);

	switch (kattr_kind(name)) {
	case KA_TEXT:
		return na == nb && !memcmp(a, b, na);
	case KA_HEXID:
		return na == nb && !strncasecmp(a, b, na);
	case KA_LIST:
		return kval_subset(a, na, b, nb) && kval_subset(b, nb, a, na);
	default:
		return kval_equal(a, b);
	}
}

const char *kattr_for_write(const char *name, const char *want,
			    const char *shown, char *buf, size_t len)
{
	size_t i, n;

	switch (kattr_kind(name)) {
	case KA_TEXT:
	case KA_LIST:
		return want;
	case KA_HEXID:
		n = kval_len(want);
		if (n >= len)
			return want;
		for (i = 0; i < n; i++)
			buf[i] = (char)tolower((unsigned char)want[i]);
		buf[n] = '\0';
		return buf;
	/* On a new object: the form existing ones show. */
	case KA_BOOL01:
		return kval_for_write(want, shown ? shown : "0", buf, len);
	case KA_YESNO:
		return kval_for_write(want, shown ? shown : "No", buf, len);
	case KA_NUM:
		return kval_for_write(want, shown ? shown : "0", buf, len);
	default:
		return kval_for_write(want, shown, buf, len);
	}
}

/* Whether the @n bytes at @s are one of the iSCSI digests, each once. */
static int kval_digests(const char *s, size_t n)
{
	size_t i = 0, j;
	int seen = 0, bit;

	while (i <= n) {
		for (j = i; j < n && s[j] != ','; j++)
			;
		if (j - i == 4 && !memcmp(s + i, "None", 4))
			bit = 1;
		else if (j - i == 6 && !memcmp(s + i, "CRC32C", 6))
			bit = 2;
		else
			return 0;
		if (seen & bit)
			return 0;
		seen |= bit;
		i = j + 1;
	}
	return 1;
}

int kattr_check(const char *name, const char *value, char *why, size_t len)
{
	size_t n = kval_len(value), i;
	unsigned long long v = 0;
	enum kval_kind k = kval_kind(value, n, &v);

	switch (kattr_kind(name)) {
	case KA_BOOL01:
	case KA_YESNO:
		if (k == KV_BOOL || ((k == KV_DEC || k == KV_HEX) && v <= 1))
			return 0;
		snprintf(why, len, "%s takes 0 or 1 (or yes/no), not '%s'",
			 name, value);
		return -1;
	case KA_NUM:
		if (k == KV_DEC || k == KV_HEX ||
		    (k == KV_BOOL && isdigit((unsigned char)value[0])))
			return 0;
		snprintf(why, len, "%s takes a number, not '%s'", name, value);
		return -1;
	case KA_HEXID:
		for (i = 0; i < n && isxdigit((unsigned char)value[i]); i++)
			;
		if (n == 32 && i == n && value[0] == '6')
			return 0;
		snprintf(why, len,
			 "%s takes 32 hex digits, the first 6 (NAA 6), not '%s'",
			 name, value);
		return -1;
	case KA_LIST:
		if (kval_digests(value, n))
			return 0;
		snprintf(why, len,
			 "%s takes None, CRC32C or both (comma-separated), not '%s'",
			 name, value);
		return -1;
	default:
		return 0;
	}
}

/*
 * Attributes the kernel keeps ordered against another of the same
 * directory, low <= high: ktgt_iscsi refuses a FirstBurstLength above
 * the MaxBurstLength and a MaxBurstLength below the FirstBurstLength
 * (RFC 7143 13.14).
 */
static const struct {
	const char	*low;
	const char	*high;
} kattr_bounds[] = {
	{ "FirstBurstLength", "MaxBurstLength" },
};

const char *kattr_partner(const char *name)
{
	const char *base = strrchr(name, '/');
	size_t i;

	base = base ? base + 1 : name;
	for (i = 0; i < ARRAY_SIZE(kattr_bounds); i++) {
		if (!strcmp(base, kattr_bounds[i].low))
			return kattr_bounds[i].high;
		if (!strcmp(base, kattr_bounds[i].high))
			return kattr_bounds[i].low;
	}
	return NULL;
}

int kattr_conflicts(const char *name, const char *value,
		    const char *partner_value)
{
	const char *base = strrchr(name, '/');
	unsigned long long v, p;
	size_t i;

	base = base ? base + 1 : name;
	if (kval_kind(value, kval_len(value), &v) == KV_TEXT ||
	    kval_kind(partner_value, kval_len(partner_value), &p) == KV_TEXT)
		return 0;
	for (i = 0; i < ARRAY_SIZE(kattr_bounds); i++) {
		if (!strcmp(base, kattr_bounds[i].low))
			return v > p;
		if (!strcmp(base, kattr_bounds[i].high))
			return v < p;
	}
	return 0;
}
