// SPDX-License-Identifier: GPL-2.0
/*
 * ktgtadm: the diff planner (see plan.h for the order of the steps).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "../../core/pattern.h"

/*
 * Device attributes that may change while the device is enabled: the
 * core's list (Documentation/configfs.rst, "Live device parameters"),
 * and the handlers' own: a vcdrom's filename is a medium change (the
 * initiators get NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED); a
 * vtape's size_mb only sizes tapes it creates later. (A vtape's filename
 * changes while enabled only with the tape unloaded, which ktgtadm does
 * not know: it disables the device for that, as for a disk.)
 */
static const struct {
	const char *handler;	/* NULL: every handler */
	const char *attr;
	const char *only_to;	/* live only when set to this; NULL: any */
} live_dev_attrs[] = {
	{ NULL, "read_only", "1" },
	{ NULL, "write_through", NULL },
	{ NULL, "nv_cache", NULL },
	{ NULL, "rotational", NULL },
	{ NULL, "vendor_id", NULL },
	{ NULL, "product_id", NULL },
	{ NULL, "revision", NULL },
	{ "vdisk_nullio", "delay_ms", NULL },
	{ "vdisk_nullio", "zero_reads", NULL },
	{ "vcdrom", "filename", NULL },
	{ "vtape", "size_mb", NULL },
};

/* Target attributes that can only change while the target is disabled. */
static const struct {
	const char *driver;	/* NULL: every driver */
	const char *attr;
} offline_tgt_attrs[] = {
	{ "local", "initiator_name" },
	{ NULL, "rel_tgt_id" },
};

/*
 * Attributes written before the others of their object when they are
 * cleared: ktgt_iscsi refuses an empty secret while its user is set, so
 * turning CHAP off clears the user first.
 */
static const char *const clear_first_attrs[] = {
	"auth_user",
	"auth_mutual_user",
};

struct pctx {
	const struct kconf	*old;
	const struct kconf	*new;
	struct kplan		*plan;
	char			*err;
	size_t			errlen;
	unsigned int		flags;
	int			failed;
};

static int perr(struct pctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s",
		 c->new->file ? c->new->file : "-", line, msg);
	c->failed = 1;
	return -1;
}

static int step(struct pctx *c, enum kop op, const char *arg,
		const char *fmt, ...)
{
	struct kstep *v;
	char path[2048];
	va_list ap;

	if (c->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	v = realloc(c->plan->v, (c->plan->n + 1) * sizeof(*v));
	if (!v)
		return perr(c, 0, "out of memory");
	c->plan->v = v;
	v = &v[c->plan->n];
	v->op = op;
	v->path = strdup(path);
	v->arg = arg ? strdup(arg) : NULL;
	if (!v->path || (arg && !v->arg)) {
		free(v->path);
		free(v->arg);
		return perr(c, 0, "out of memory");
	}
	c->plan->n++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attribute comparison and validation                                 */
/* ------------------------------------------------------------------ */

/*
 * Check the attributes @a of a new object against @tmpl, the attributes
 * of the same object (or one of its kind) in the running system: each
 * must exist and be writable. Only when the old configuration was read
 * from the system and there is such an object.
 */
static int check_attrs(struct pctx *c, const struct kattrs *a,
		       const struct kattrs *tmpl, const char *what)
{
	size_t i;

	if (!c->old->from_system || !tmpl)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct kattr *t = kattrs_get(tmpl, a->v[i].name);

		if (!t)
			return perr(c, a->v[i].line, "%s has no attribute '%s'",
				    what, a->v[i].name);
		if (t->flags & KATTR_RO)
			return perr(c, a->v[i].line,
				    "attribute '%s' of %s is read-only",
				    a->v[i].name, what);
	}
	return 0;
}

/* Whether @na must be written over the running @old set. */
static int attr_changed(const struct kattr *na, const struct kattrs *old)
{
	const struct kattr *oa = old ? kattrs_get(old, na->name) : NULL;

	if (!oa)
		return 1;
	if (oa->flags & KATTR_WO)
		return 0;	/* an action, not state: only on creation */
	return !oa->value || !kattr_equal(na->name, oa->value, na->value);
}

static int attr_clear_first(const struct kattr *a)
{
	size_t i;

	if (a->value && a->value[0])
		return 0;
	for (i = 0; i < ARRAY_SIZE(clear_first_attrs); i++)
		if (!strcmp(a->name, clear_first_attrs[i]))
			return 1;
	return 0;
}

/*
 * SET every attribute of @a; @old: only those that differ from it, in
 * the form the kernel takes (kattr_for_write()), new objects' too. Those
 * of clear_first_attrs[] that are cleared go first.
 */
static int set_attrs(struct pctx *c, const char *dir, const struct kattrs *a,
		     const struct kattrs *old)
{
	int pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < a->n; i++) {
			const struct kattr *oa = old ?
				kattrs_get(old, a->v[i].name) : NULL;
			char buf[64];

			if (attr_clear_first(&a->v[i]) != !pass)
				continue;
			if (old && !attr_changed(&a->v[i], old))
				continue;
			if (step(c, KOP_SET,
				 kattr_for_write(a->v[i].name, a->v[i].value,
						 oa ? oa->value : NULL,
						 buf, sizeof(buf)),
				 "%s/%s", dir, a->v[i].name))
				return -1;
		}
	}
	return 0;
}

/*
 * An object the file keeps is re-created (a LUN whose device must be
 * disabled, a group re-created for the group order): SET on the new one,
 * before the file's attributes, the running values @old of the one it
 * replaces for every writable attribute the file (@named) does not name,
 * so they keep their running value (auth_secret, a LUN's read_only set by
 * hand...). Write-only ones are actions, not state. A value that could
 * not be read refuses the plan: it would be lost.
 */
static int carry_attrs(struct pctx *c, const char *dir,
		       const struct kattrs *named, const struct kattrs *old,
		       const char *what, int line)
{
	struct kattrs carried = { NULL, 0 };
	size_t i;
	int ret;

	if (!old || !old->n)
		return 0;
	carried.v = calloc(old->n, sizeof(*carried.v));
	if (!carried.v)
		return perr(c, 0, "out of memory");
	for (i = 0; i < old->n; i++) {
		const struct kattr *oa = &old->v[i];

		if ((oa->flags & KATTR_RO) || kattrs_get(named, oa->name))
			continue;
		if (oa->flags & KATTR_UNREAD) {
			free(carried.v);
			return perr(c, line,
				    "%s (%s) must be re-created, and the running value of its attribute '%s' cannot be read; refused (name '%s' in the file)",
				    what, dir, oa->name, oa->name);
		}
		if ((oa->flags & KATTR_WO) || !oa->value)
			continue;
		carried.v[carried.n++] = *oa;
	}
	ret = set_attrs(c, dir, &carried, NULL);
	free(carried.v);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

static int dev_attr_live(const char *handler, const struct kattr *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(live_dev_attrs); i++)
		if ((!live_dev_attrs[i].handler ||
		     !strcmp(live_dev_attrs[i].handler, handler)) &&
		    !strcmp(live_dev_attrs[i].attr, a->name))
			return !live_dev_attrs[i].only_to ||
			       kattr_equal(a->name, live_dev_attrs[i].only_to,
					   a->value);
	return 0;
}

/*
 * The first attribute of @nd whose change needs the device disabled, or
 * NULL.
 */
static const struct kattr *dev_offline_change(const struct kdevice *nd,
					      const struct kdevice *od)
{
	size_t i;

	for (i = 0; i < nd->attrs.n; i++)
		if (attr_changed(&nd->attrs.v[i], &od->attrs) &&
		    !dev_attr_live(nd->handler, &nd->attrs.v[i]))
			return &nd->attrs.v[i];
	return NULL;
}

static int dev_destructive(const struct kdevice *nd, const struct kdevice *od)
{
	return !!dev_offline_change(nd, od);
}

/*
 * Whether the running device @name goes away or gets disabled: every
 * LUN that maps it must be removed first.
 */
static int dev_dropped(struct pctx *c, const char *name)
{
	const struct kdevice *od = kconf_device(c->old, name);
	const struct kdevice *nd = kconf_device(c->new, name);

	if (!od)
		return 0;
	if (!nd || strcmp(nd->handler, od->handler))
		return 1;
	return od->enabled && (!nd->enabled || dev_destructive(nd, od));
}

static const struct kattrs *dev_template(struct pctx *c,
					 const struct kdevice *nd)
{
	const struct kdevice *od = kconf_device(c->old, nd->name);
	size_t i;

	if (od && !strcmp(od->handler, nd->handler))
		return &od->attrs;
	for (i = 0; i < c->old->ndevs; i++)
		if (!strcmp(c->old->devs[i].handler, nd->handler))
			return &c->old->devs[i].attrs;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Targets                                                             */
/* ------------------------------------------------------------------ */

static int tgt_attr_offline(const char *driver, const char *attr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offline_tgt_attrs);
	     i++)
		if ((!offline_tgt_attrs[i].driver ||
		     !strcmp(offline_tgt_attrs[i].driver, driver)) &&
		    !strcmp(offline_tgt_attrs[i].attr, attr))
			return 1;
	return 0;
}

/*
 * Whether the running target @ot must be disabled during the change;
 * *@why gets the attribute that needs it, NULL if the file disables or
 * removes the target.
 */
static int tgt_needs_disable(struct pctx *c, const struct ktarget *ot,
			     const struct kattr **why)
{
	const struct ktarget *nt = kconf_target(c->new, ot->driver, ot->name);
	size_t i;

	*why = NULL;
	if (!ot->enabled)
		return 0;
	if (!nt || !nt->enabled)
		return 1;
	for (i = 0; i < nt->attrs.n; i++)
		if (attr_changed(&nt->attrs.v[i], &ot->attrs) &&
		    tgt_attr_offline(nt->driver, nt->attrs.v[i].name)) {
			*why = &nt->attrs.v[i];
			return 1;
		}
	return 0;
}

static const struct ktarget *tgt_template(struct pctx *c,
					  const struct ktarget *nt)
{
	const struct ktarget *ot = kconf_target(c->old, nt->driver, nt->name);
	size_t i;

	if (ot)
		return ot;
	for (i = 0; i < c->old->ntgts; i++)
		if (!strcmp(c->old->tgts[i].driver, nt->driver))
			return &c->old->tgts[i];
	return NULL;
}

/* Any running LUN's attributes, to validate new LUNs' against. */
static const struct kattrs *lun_template(struct pctx *c)
{
	size_t i, j;

	for (i = 0; i < c->old->ntgts; i++) {
		const struct ktarget *t = &c->old->tgts[i];

		if (t->luns.n)
			return &t->luns.v[0].attrs;
		for (j = 0; j < t->ngroups; j++)
			if (t->groups[j].luns.n)
				return &t->groups[j].luns.v[0].attrs;
	}
	return NULL;
}

static const struct kattrs *group_template(struct pctx *c, const char *driver)
{
	size_t i;

	for (i = 0; i < c->old->ntgts; i++)
		if (!strcmp(c->old->tgts[i].driver, driver) &&
		    c->old->tgts[i].ngroups)
			return &c->old->tgts[i].groups[0].attrs;
	return NULL;
}

static const struct kattrs *portal_template(struct pctx *c, const char *driver)
{
	size_t i;

	for (i = 0; i < c->old->ntgts; i++)
		if (!strcmp(c->old->tgts[i].driver, driver) &&
		    c->old->tgts[i].nportals)
			return &c->old->tgts[i].portals[0].attrs;
	return NULL;
}

static const struct kportal *find_portal(const struct ktarget *t,
					 const char *addr)
{
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < t->nportals; i++)
		if (!strcmp(t->portals[i].addr, addr))
			return &t->portals[i];
	return NULL;
}

static int has_init(const struct kgroup *g, const char *pattern)
{
	size_t i;

	if (!g)
		return 0;
	for (i = 0; i < g->ninits; i++)
		if (!strcmp(g->inits[i].pattern, pattern))
			return 1;
	return 0;
}

/* Whether running LUN @ol stays as it is (its device too). */
static int lun_kept(struct pctx *c, const struct klun *ol,
		    const struct kluns *nluns)
{
	const struct klun *nl = nluns ? kluns_get(nluns, ol->lun) : NULL;

	return nl && ol->dev && !strcmp(nl->dev, ol->dev) &&
	       !dev_dropped(c, ol->dev);
}

/*
 * How many sessions of the running target @ot see the LUN set of its
 * group @og (NULL: the default set): as the core does, the first group
 * (in order) with a matching initiator pattern gives a session its set,
 * matched with the core's own code (core/pattern.c).
 */
static size_t set_sessions(const struct ktarget *ot, const struct kgroup *og)
{
	size_t i, j, k, n = 0;

	for (i = 0; i < ot->nsessions; i++) {
		const struct kgroup *g = NULL;

		for (j = 0; j < ot->ngroups && !g; j++)
			for (k = 0; k < ot->groups[j].ninits && !g; k++)
				if (ktgt_pattern_match(ot->groups[j].inits[k].pattern,
						       ot->sessions[i]))
					g = &ot->groups[j];
		if (g == og)
			n++;
	}
	return n;
}

/*
 * LUN @ol of @ot (group @og) must go although the file keeps it, as its
 * device changes in a way that needs it disabled. Refused while sessions
 * see the LUN, unless KPLAN_FORCE.
 */
static int check_drop(struct pctx *c, const struct ktarget *ot,
		      const struct kgroup *og, const struct klun *ol)
{
	const struct kdevice *od = kconf_device(c->old, ol->dev);
	const struct kdevice *nd = kconf_device(c->new, ol->dev);
	const struct kattr *a = NULL;
	size_t n = set_sessions(ot, og);
	char why[512], where[512];
	int line = nd ? nd->line : 0;

	if (!n || (c->flags & KPLAN_FORCE))
		return 0;
	if (od && nd && !strcmp(od->handler, nd->handler))
		a = dev_offline_change(nd, od);
	if (a) {
		line = a->line;
		snprintf(why, sizeof(why),
			 "changing '%s' of device %s needs the device disabled",
			 a->name, ol->dev);
	} else if (od && nd && strcmp(od->handler, nd->handler)) {
		snprintf(why, sizeof(why),
			 "device %s moves from handler %s to %s", ol->dev,
			 od->handler, nd->handler);
	} else {
		snprintf(why, sizeof(why), "device %s must be re-created",
			 ol->dev);
	}
	if (og)
		snprintf(where, sizeof(where), "LUN %u of group %s of target %s/%s",
			 ol->lun, og->name, ot->driver, ot->name);
	else
		snprintf(where, sizeof(where), "LUN %u of target %s/%s",
			 ol->lun, ot->driver, ot->name);
	return perr(c, line,
		    "%s, which drops %s that %zu session%s use%s; refused (--force removes and re-adds the LUN)",
		    why, where, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
}

/* Whether @c is special in an initiator pattern (core/pattern.h). */
static int pattern_special(char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

int kplan_patterns_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;

	for (i = 0; i < la && !pattern_special(a[i]); i++)
		;
	if (i == la)
		return ktgt_pattern_match(b, a);
	for (j = 0; j < lb && !pattern_special(b[j]); j++)
		;
	if (j == lb)
		return ktgt_pattern_match(a, b);
	if (strncmp(a, b, i < j ? i : j))
		return 0;
	/*
	 * The plain ends: after the last special character of each, or
	 * ']', which ends a class ("[ab]1" ends in a or b, then 1).
	 */
	for (i = la; i > 0 && !pattern_special(a[i - 1]) && a[i - 1] != ']';
	     i--)
		;
	for (j = lb; j > 0 && !pattern_special(b[j - 1]) && b[j - 1] != ']';
	     j--)
		;
	/* A '\\' escapes what follows it: that end is not plain. */
	if ((i && a[i - 1] == '\\') || (j && b[j - 1] == '\\'))
		return 1;
	la -= i;
	lb -= j;
	return !strcmp(a + i + (la > lb ? la - lb : 0),
		       b + j + (lb > la ? lb - la : 0));
}

/* Whether some initiator name may be in both groups. */
static int groups_overlap(const struct kgroup *x, const struct kgroup *y)
{
	size_t i, j;

	for (i = 0; i < x->ninits; i++)
		for (j = 0; j < y->ninits; j++)
			if (kplan_patterns_overlap(x->inits[i].pattern,
						   y->inits[j].pattern))
				return 1;
	return 0;
}

/*
 * Groups keep their creation order and a session gets the LUN set of the
 * first one whose pattern matches, so of two groups that a name may
 * match both of, the one first in the file must run first; the order of
 * groups no name can be in together does not matter. apply creates new
 * groups, and re-creates groups, in the file's order after those that
 * stay. Going through the file's groups in order, a running group stays
 * unless it may share a name with an earlier group that is new or
 * re-created, or with an earlier one that stays but runs after it.
 * Returns whether @nt->groups[@k], running in @ot, stays; re-created
 * if memory runs out.
 */
static int group_stays(const struct ktarget *ot, const struct ktarget *nt,
		       size_t k)
{
	const struct kgroup *og, *oj;
	unsigned char *stays;
	size_t i, j;
	int ret;

	stays = calloc(k + 1, 1);
	if (!stays)
		return 0;
	for (i = 0; i <= k; i++) {
		og = ktarget_group(ot, nt->groups[i].name);
		stays[i] = !!og;
		for (j = 0; j < i && stays[i]; j++) {
			if (!groups_overlap(&nt->groups[j], &nt->groups[i]))
				continue;
			oj = ktarget_group(ot, nt->groups[j].name);
			if (!stays[j] || oj > og)
				stays[i] = 0;
		}
	}
	ret = stays[k];
	free(stays);
	return ret;
}

/* Whether running group @og of @ot is re-created for the new order. */
static int group_recreated(const struct ktarget *ot, const struct ktarget *nt,
			   const struct kgroup *og)
{
	const struct kgroup *ng = nt ? ktarget_group(nt, og->name) : NULL;

	return ng && !group_stays(ot, nt, (size_t)(ng - nt->groups));
}

static int remove_lun(struct pctx *c, const char *set, const struct klun *ol)
{
	if (ol->dev && step(c, KOP_UNLINK, NULL, "%s/luns/%u/device", set,
			    ol->lun))
		return -1;
	return step(c, KOP_RMDIR, NULL, "%s/luns/%u", set, ol->lun);
}

/*
 * Phase 2 for one LUN set (of @ot, group @og or the default set): remove
 * the LUNs that go or change.
 */
static int remove_luns(struct pctx *c, const struct ktarget *ot,
		       const struct kgroup *og, const char *set,
		       const struct kluns *old, const struct kluns *new)
{
	size_t i;

	for (i = 0; i < old->n; i++) {
		const struct klun *ol = &old->v[i];
		const struct klun *nl = new ? kluns_get(new, ol->lun) : NULL;

		if (lun_kept(c, ol, new))
			continue;
		/* The file keeps the LUN: only its device's change drops it. */
		if (nl && ol->dev && !strcmp(nl->dev, ol->dev) &&
		    check_drop(c, ot, og, ol))
			return -1;
		if (remove_lun(c, set, ol))
			return -1;
	}
	return 0;
}

/*
 * Phase 5 for one LUN set: create LUNs, change attributes of kept ones.
 * @carry: the running LUNs that LUNs created here replace (@old, or those
 * of a group re-created for the order), whose attributes they keep.
 */
static int add_luns(struct pctx *c, const char *set, const struct kluns *old,
		    const struct kluns *new, const struct kluns *carry)
{
	const struct kattrs *tmpl = lun_template(c);
	size_t i;

	for (i = 0; i < new->n; i++) {
		const struct klun *nl = &new->v[i];
		const struct klun *ol = old ? kluns_get(old, nl->lun) : NULL;
		const struct kdevice *d = kconf_device(c->new, nl->dev);
		const struct klun *cl;
		char what[64], dir[2048], link[1024];

		snprintf(what, sizeof(what), "LUN %u", nl->lun);
		snprintf(dir, sizeof(dir), "%s/luns/%u", set, nl->lun);
		if (check_attrs(c, &nl->attrs, ol ? &ol->attrs : tmpl, what))
			return -1;
		if (ol && lun_kept(c, ol, new)) {
			if (set_attrs(c, dir, &nl->attrs, &ol->attrs))
				return -1;
			continue;
		}
		cl = carry ? kluns_get(carry, nl->lun) : NULL;
		if (step(c, KOP_MKDIR, NULL, "%s", dir) ||
		    (cl && carry_attrs(c, dir, &nl->attrs, &cl->attrs, what,
				       nl->line)) ||
		    set_attrs(c, dir, &nl->attrs, NULL))
			return -1;
		if (!d)
			return perr(c, nl->line, "no device '%s'", nl->dev);
		snprintf(link, sizeof(link), "handlers/%s/%s", d->handler,
			 d->name);
		if (step(c, KOP_LINK, link, "%s/device", dir))
			return -1;
	}
	return 0;
}

static void tpath(char *buf, size_t len, const struct ktarget *t)
{
	snprintf(buf, len, "targets/%s/%s", t->driver, t->name);
}

/* Phase 2 for one running target. */
static int remove_target_parts(struct pctx *c, const struct ktarget *ot)
{
	const struct ktarget *nt = kconf_target(c->new, ot->driver, ot->name);
	char tp[1024], gp[2048];
	size_t i, j;

	tpath(tp, sizeof(tp), ot);
	for (i = 0; i < ot->ngroups; i++) {
		const struct kgroup *og = &ot->groups[i];
		const struct kgroup *ng = nt ? ktarget_group(nt, og->name) : NULL;
		size_t n;

		if (ng && group_recreated(ot, nt, og)) {
			n = set_sessions(ot, og);
			if (n && og->luns.n && !(c->flags & KPLAN_FORCE))
				return perr(c, ng->line,
					    "the new group order re-creates group %s, which drops the LUNs that %zu session%s use%s; refused (--force re-creates it)",
					    og->name, n, n == 1 ? "" : "s",
					    n == 1 ? "s" : "");
			ng = NULL;	/* removed here, created in phase 5 */
		}
		snprintf(gp, sizeof(gp), "%s/groups/%s", tp, og->name);
		if (remove_luns(c, ot, og, gp, &og->luns,
				ng ? &ng->luns : NULL))
			return -1;
		for (j = 0; j < og->ninits; j++)
			if (!has_init(ng, og->inits[j].pattern) &&
			    step(c, KOP_RMDIR, NULL, "%s/initiators/%s", gp,
				 og->inits[j].pattern))
				return -1;
		if (!ng && step(c, KOP_RMDIR, NULL, "%s", gp))
			return -1;
	}
	if (remove_luns(c, ot, NULL, tp, &ot->luns, nt ? &nt->luns : NULL))
		return -1;
	for (i = 0; i < ot->nportals; i++)
		if (!find_portal(nt, ot->portals[i].addr) &&
		    step(c, KOP_RMDIR, NULL, "%s/portals/%s", tp,
			 ot->portals[i].addr))
			return -1;
	if (!nt && step(c, KOP_RMDIR, NULL, "%s", tp))
		return -1;
	return 0;
}

/* Phase 5 for one wanted target. */
static int add_target_parts(struct pctx *c, const struct ktarget *nt)
{
	const struct ktarget *ot = kconf_target(c->old, nt->driver, nt->name);
	const struct ktarget *tmpl = tgt_template(c, nt);
	char tp[1024], gp[2048], pp[2048], what[1024];
	size_t i, j;

	tpath(tp, sizeof(tp), nt);
	snprintf(what, sizeof(what), "target %s/%s", nt->driver, nt->name);
	if (c->old->from_system &&
	    !kconf_container(c->old->drivers, c->old->ndrivers, nt->driver))
		return perr(c, nt->line, "no target driver '%s' (is its module loaded?)",
			    nt->driver);
	if (check_attrs(c, &nt->attrs, tmpl ? &tmpl->attrs : NULL, what))
		return -1;
	if (!ot) {
		if (step(c, KOP_MKDIR, NULL, "%s", tp) ||
		    set_attrs(c, tp, &nt->attrs, NULL))
			return -1;
	} else if (set_attrs(c, tp, &nt->attrs, &ot->attrs)) {
		return -1;
	}

	for (i = 0; i < nt->nportals; i++) {
		const struct kportal *np = &nt->portals[i];
		const struct kportal *op = find_portal(ot, np->addr);

		snprintf(pp, sizeof(pp), "%s/portals/%s", tp, np->addr);
		snprintf(what, sizeof(what), "portal %s", np->addr);
		if (check_attrs(c, &np->attrs, op ? &op->attrs :
				portal_template(c, nt->driver), what))
			return -1;
		if (!op && step(c, KOP_MKDIR, NULL, "%s", pp))
			return -1;
		if (set_attrs(c, pp, &np->attrs, op ? &op->attrs : NULL))
			return -1;
	}

	for (i = 0; i < nt->ngroups; i++) {
		const struct kgroup *ng = &nt->groups[i];
		const struct kgroup *og = ot ? ktarget_group(ot, ng->name) : NULL;
		const struct kgroup *tmpl_g = og;

		if (og && group_recreated(ot, nt, og))
			og = NULL;
		snprintf(gp, sizeof(gp), "%s/groups/%s", tp, ng->name);
		snprintf(what, sizeof(what), "group %s", ng->name);
		if (check_attrs(c, &ng->attrs, tmpl_g ? &tmpl_g->attrs :
				group_template(c, nt->driver), what))
			return -1;
		if (!og && step(c, KOP_MKDIR, NULL, "%s", gp))
			return -1;
		/* A re-created group keeps what the file does not name. */
		if (!og && tmpl_g &&
		    carry_attrs(c, gp, &ng->attrs, &tmpl_g->attrs, what,
				ng->line))
			return -1;
		if (set_attrs(c, gp, &ng->attrs, og ? &og->attrs : NULL))
			return -1;
		/*
		 * LUNs before initiators: a session that joins the group
		 * finds its LUNs there.
		 */
		if (add_luns(c, gp, og ? &og->luns : NULL, &ng->luns,
			     tmpl_g ? &tmpl_g->luns : NULL))
			return -1;
		for (j = 0; j < ng->ninits; j++)
			if (!has_init(og, ng->inits[j].pattern) &&
			    step(c, KOP_MKDIR, NULL, "%s/initiators/%s", gp,
				 ng->inits[j].pattern))
				return -1;
	}
	return add_luns(c, tp, ot ? &ot->luns : NULL, &nt->luns,
			ot ? &ot->luns : NULL);
}

/* Handler and driver attributes. */
static int containers(struct pctx *c, const struct kcontainer *nv, size_t nn,
		      const struct kcontainer *ov, size_t on, const char *dir,
		      const char *kind)
{
	size_t i;

	for (i = 0; i < nn; i++) {
		const struct kcontainer *o = kconf_container((struct kcontainer *)ov,
							     on, nv[i].name);
		char path[1024], what[512];

		if (c->old->from_system && !o)
			return perr(c, nv[i].line, "no %s '%s' (is its module loaded?)",
				    kind, nv[i].name);
		snprintf(path, sizeof(path), "%s/%s", dir, nv[i].name);
		snprintf(what, sizeof(what), "%s %s", kind, nv[i].name);
		/* A module not loaded yet: its attributes are not known. */
		if (check_attrs(c, &nv[i].attrs,
				o && !o->unread ? &o->attrs : NULL, what) ||
		    set_attrs(c, path, &nv[i].attrs, o ? &o->attrs : NULL))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Unique values: rel_tgt_id over the targets, group_id in a dev group */
/* ------------------------------------------------------------------ */

/*
 * One object of a set whose attribute values must differ (the kernel
 * refuses a value another object has with EEXIST).
 */
struct uslot {
	long		old;	/* running value; -1: new object */
	long		want;	/* the file's; -1: not named */
	const char	*dir;	/* the object's directory */
};

/* An attribute's value as the kernel parses it (kstrtou16(, 0)), or -1. */
static long uval(const struct kattrs *a, const char *name)
{
	const struct kattr *v = a ? kattrs_get(a, name) : NULL;
	unsigned long n;
	char *e;

	if (!v || !v->value || !v->value[0])
		return -1;
	n = strtoul(v->value, &e, 0);
	while (*e == ' ' || *e == '\t' || *e == '\n')
		e++;
	return *e || n > 65535 ? -1 : (long)n;
}

/*
 * The values change one SET at a time, so a swap (or a chain) would meet
 * a value its holder gives up only later: first move every running value
 * another object wants to a temporary one that nobody has or wants (from
 * 65535 down), then the objects' own steps set the file's values. An
 * undo restores them in reverse, through the same free values.
 */
static int park_unique(struct pctx *c, const struct uslot *v, size_t n,
		       const char *attr)
{
	long tmp = 65535;
	size_t i, j;
	char buf[24];

	for (i = 0; i < n; i++) {
		int wanted = 0;

		if (v[i].old < 1 || v[i].want < 0 || v[i].want == v[i].old)
			continue;
		for (j = 0; j < n && !wanted; j++)
			wanted = j != i && v[j].want == v[i].old;
		if (!wanted)
			continue;
		for (; tmp > 0; tmp--) {
			for (j = 0; j < n; j++)
				if (v[j].old == tmp || v[j].want == tmp)
					break;
			if (j == n)
				break;
		}
		if (tmp < 1)
			return perr(c, 0, "no free value of '%s' to swap through",
				    attr);
		snprintf(buf, sizeof(buf), "%ld", tmp--);
		if (step(c, KOP_SET, buf, "%s/%s", v[i].dir, attr))
			return -1;
	}
	return 0;
}

/* Before targets are created or changed: park rel_tgt_ids others want. */
static int park_rel_tgt_ids(struct pctx *c)
{
	struct uslot *v;
	char (*dirs)[1024];
	size_t i;
	int ret;

	if (!c->new->ntgts)
		return 0;
	v = calloc(c->new->ntgts, sizeof(*v));
	dirs = calloc(c->new->ntgts, sizeof(*dirs));
	if (!v || !dirs) {
		free(v);
		free(dirs);
		return perr(c, 0, "out of memory");
	}
	for (i = 0; i < c->new->ntgts; i++) {
		const struct ktarget *nt = &c->new->tgts[i];
		const struct ktarget *ot = kconf_target(c->old, nt->driver,
							nt->name);

		tpath(dirs[i], sizeof(dirs[i]), nt);
		v[i].old = ot ? uval(&ot->attrs, "rel_tgt_id") : -1;
		v[i].want = uval(&nt->attrs, "rel_tgt_id");
		v[i].dir = dirs[i];
	}
	ret = park_unique(c, v, c->new->ntgts, "rel_tgt_id");
	free(v);
	free(dirs);
	return ret;
}

/*
 * Whether the new target @nt gets its rel_tgt_id from the kernel (the
 * lowest free one, when it is created): such targets are created after
 * the others have their ids, so that none takes an id the file names.
 */
static int tgt_auto_id(struct pctx *c, const struct ktarget *nt)
{
	return !kconf_target(c->old, nt->driver, nt->name) &&
	       !kattrs_get(&nt->attrs, "rel_tgt_id");
}

/* Before a device group's target groups change: park group_ids. */
static int park_group_ids(struct pctx *c, const struct kdgroup *nd,
			  const struct kdgroup *od)
{
	struct uslot *v;
	char (*dirs)[1024];
	size_t i;
	int ret;

	if (!od || !nd->ntgs)
		return 0;
	v = calloc(nd->ntgs, sizeof(*v));
	dirs = calloc(nd->ntgs, sizeof(*dirs));
	if (!v || !dirs) {
		free(v);
		free(dirs);
		return perr(c, 0, "out of memory");
	}
	for (i = 0; i < nd->ntgs; i++) {
		const struct ktgroup *nt = &nd->tgs[i];
		const struct ktgroup *ot = kdgroup_tgroup(od, nt->name);

		snprintf(dirs[i], sizeof(dirs[i]), "alua/%s/target_groups/%s",
			 nd->name, nt->name);
		v[i].old = ot ? uval(&ot->attrs, "group_id") : -1;
		v[i].want = uval(&nt->attrs, "group_id");
		v[i].dir = dirs[i];
	}
	ret = park_unique(c, v, nd->ntgs, "group_id");
	free(v);
	free(dirs);
	return ret;
}

/* ------------------------------------------------------------------ */
/* ALUA: alua/<dg>/{devices/<dev>, target_groups/<tg>/targets/<t>}     */
/* ------------------------------------------------------------------ */

/* What a device group's link @name points at in @conf (0), or -1. */
static int alua_link(const struct kconf *conf, const char *name, int tgt,
		     char *buf, size_t len)
{
	const struct kdevice *d;
	const struct ktarget *t;

	if (tgt) {
		t = kconf_target_by_name(conf, name);
		if (!t)
			return -1;
		snprintf(buf, len, "targets/%s/%s", t->driver, t->name);
		return 0;
	}
	d = kconf_device(conf, name);
	if (!d)
		return -1;
	snprintf(buf, len, "handlers/%s/%s", d->handler, d->name);
	return 0;
}

/*
 * Whether the link to @name (a target if @tgt, else a device) is in both
 * @ov and @nv and points at the same object: else it is (un)linked.
 */
static int alua_kept(struct pctx *c, const struct kinit *ov, size_t on,
		     const struct kinit *nv, size_t nn, const char *name,
		     int tgt)
{
	char a[1024], b[1024];
	size_t i;

	for (i = 0; i < on && strcmp(ov[i].pattern, name); i++)
		;
	if (i == on)
		return 0;
	for (i = 0; i < nn && strcmp(nv[i].pattern, name); i++)
		;
	if (i == nn)
		return 0;
	return !alua_link(c->old, name, tgt, a, sizeof(a)) &&
	       !alua_link(c->new, name, tgt, b, sizeof(b)) && !strcmp(a, b);
}

/* Before targets and devices go: unlink and remove what goes. */
static int alua_remove(struct pctx *c)
{
	size_t i, j, k;

	for (i = 0; i < c->old->ndgs; i++) {
		const struct kdgroup *od = &c->old->dgs[i];
		const struct kdgroup *nd = kconf_dgroup(c->new, od->name);

		for (j = 0; j < od->ntgs; j++) {
			const struct ktgroup *ot = &od->tgs[j];
			const struct ktgroup *nt = nd ? kdgroup_tgroup(nd, ot->name) :
						   NULL;

			for (k = 0; k < ot->ntgts; k++)
				if (!alua_kept(c, ot->tgts, ot->ntgts,
					       nt ? nt->tgts : NULL,
					       nt ? nt->ntgts : 0,
					       ot->tgts[k].pattern, 1) &&
				    step(c, KOP_UNLINK, NULL,
					 "alua/%s/target_groups/%s/targets/%s",
					 od->name, ot->name, ot->tgts[k].pattern))
					return -1;
			if (!nt && step(c, KOP_RMDIR, NULL,
					"alua/%s/target_groups/%s", od->name,
					ot->name))
				return -1;
		}
		for (k = 0; k < od->ndevs; k++)
			if (!alua_kept(c, od->devs, od->ndevs,
				       nd ? nd->devs : NULL, nd ? nd->ndevs : 0,
				       od->devs[k].pattern, 0) &&
			    step(c, KOP_UNLINK, NULL, "alua/%s/devices/%s",
				 od->name, od->devs[k].pattern))
				return -1;
		if (!nd && step(c, KOP_RMDIR, NULL, "alua/%s", od->name))
			return -1;
	}
	return 0;
}

/* After devices and targets exist (before targets are enabled). */
static int alua_add(struct pctx *c)
{
	char dp[1024], tp[2048], what[1024], link[1024];
	size_t i, j, k;

	for (i = 0; i < c->new->ndgs; i++) {
		const struct kdgroup *nd = &c->new->dgs[i];
		const struct kdgroup *od = kconf_dgroup(c->old, nd->name);

		if (c->old->from_system && !c->old->has_alua)
			return perr(c, nd->line,
				    "DEVICE_GROUP %s: the running ktgt has no ALUA (no alua/ in configfs)",
				    nd->name);
		snprintf(dp, sizeof(dp), "alua/%s", nd->name);
		snprintf(what, sizeof(what), "device group %s", nd->name);
		if (check_attrs(c, &nd->attrs, od ? &od->attrs :
				c->old->ndgs ? &c->old->dgs[0].attrs : NULL,
				what))
			return -1;
		if (!od && step(c, KOP_MKDIR, NULL, "%s", dp))
			return -1;
		if (set_attrs(c, dp, &nd->attrs, od ? &od->attrs : NULL) ||
		    park_group_ids(c, nd, od))
			return -1;
		for (k = 0; k < nd->ndevs; k++) {
			if (alua_kept(c, od ? od->devs : NULL, od ? od->ndevs : 0,
				      nd->devs, nd->ndevs, nd->devs[k].pattern,
				      0))
				continue;
			if (alua_link(c->new, nd->devs[k].pattern, 0, link,
				      sizeof(link)))
				return perr(c, nd->devs[k].line, "no device '%s'",
					    nd->devs[k].pattern);
			if (step(c, KOP_LINK, link, "%s/devices/%s", dp,
				 nd->devs[k].pattern))
				return -1;
		}
		for (j = 0; j < nd->ntgs; j++) {
			const struct ktgroup *nt = &nd->tgs[j];
			const struct ktgroup *ot = od ? kdgroup_tgroup(od, nt->name) :
						   NULL;
			const struct ktgroup *tmpl = ot;

			if (!tmpl && c->old->ndgs && c->old->dgs[0].ntgs)
				tmpl = &c->old->dgs[0].tgs[0];
			snprintf(tp, sizeof(tp), "%s/target_groups/%s", dp,
				 nt->name);
			snprintf(what, sizeof(what), "target group %s", nt->name);
			if (check_attrs(c, &nt->attrs, tmpl ? &tmpl->attrs : NULL,
					what))
				return -1;
			if (!ot && step(c, KOP_MKDIR, NULL, "%s", tp))
				return -1;
			if (set_attrs(c, tp, &nt->attrs, ot ? &ot->attrs : NULL))
				return -1;
			for (k = 0; k < nt->ntgts; k++) {
				if (alua_kept(c, ot ? ot->tgts : NULL,
					      ot ? ot->ntgts : 0, nt->tgts,
					      nt->ntgts, nt->tgts[k].pattern, 1))
					continue;
				if (alua_link(c->new, nt->tgts[k].pattern, 1,
					      link, sizeof(link)))
					return perr(c, nt->tgts[k].line,
						    "no target '%s'",
						    nt->tgts[k].pattern);
				if (step(c, KOP_LINK, link, "%s/targets/%s", tp,
					 nt->tgts[k].pattern))
					return -1;
			}
		}
	}
	return 0;
}

int kplan_make(const struct kconf *old, const struct kconf *new,
	       struct kplan *plan, unsigned int flags, char *err,
	       size_t errlen)
{
	struct pctx c = { old, new, plan, err, errlen, flags, 0 };
	char *disabled;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	if (errlen)
		err[0] = '\0';
	disabled = calloc(old->ntgts + 1, 1);
	if (!disabled)
		return perr(&c, 0, "out of memory");

	/* Validate the devices before any step. */
	for (i = 0; i < new->ndevs; i++) {
		const struct kdevice *nd = &new->devs[i];
		char what[512];

		if (old->from_system &&
		    !kconf_container(old->handlers, old->nhandlers, nd->handler)) {
			perr(&c, nd->line, "no handler '%s' (is its module loaded?)",
			     nd->handler);
			goto fail;
		}
		snprintf(what, sizeof(what), "device %s (%s)", nd->name,
			 nd->handler);
		if (check_attrs(&c, &nd->attrs, dev_template(&c, nd), what))
			goto fail;
	}

	/* 1. Disable targets. */
	for (i = 0; i < old->ntgts; i++) {
		const struct ktarget *ot = &old->tgts[i];
		const struct kattr *why;
		char tp[1024];

		if (!tgt_needs_disable(&c, ot, &why))
			continue;
		/* Disabling ends the sessions: only if the file says so. */
		if (why && ot->nsessions && !(flags & KPLAN_FORCE)) {
			perr(&c, why->line,
			     "changing '%s' of target %s/%s needs the target disabled, which ends its %zu session%s; refused (--force does it)",
			     why->name, ot->driver, ot->name, ot->nsessions,
			     ot->nsessions == 1 ? "" : "s");
			goto fail;
		}
		tpath(tp, sizeof(tp), ot);
		disabled[i] = 1;
		if (step(&c, KOP_SET, "0", "%s/enable", tp))
			goto fail;
	}

	/* 2. Remove what goes from ALUA groups, then from the targets. */
	if (alua_remove(&c))
		goto fail;
	for (i = 0; i < old->ntgts; i++)
		if (remove_target_parts(&c, &old->tgts[i]))
			goto fail;

	/* 3. Disable and remove devices. */
	for (i = 0; i < old->ndevs; i++) {
		const struct kdevice *od = &old->devs[i];
		const struct kdevice *nd = kconf_device(new, od->name);
		int gone = !nd || strcmp(nd->handler, od->handler);

		if (od->enabled && dev_dropped(&c, od->name) &&
		    step(&c, KOP_SET, "0", "handlers/%s/%s/enable",
			 od->handler, od->name))
			goto fail;
		if (gone && step(&c, KOP_RMDIR, NULL, "handlers/%s/%s",
				 od->handler, od->name))
			goto fail;
	}

	/*
	 * 4. Create and reconfigure devices; medium changers (vchanger)
	 * last, as their enable claims their drives, which must exist.
	 */
	for (i = 0; i < 2 * new->ndevs; i++) {
		const struct kdevice *nd = &new->devs[i % new->ndevs];
		const struct kdevice *od = kconf_device(old, nd->name);
		char dp[1024];
		int was_on, changer, later;

		/* the first pass: all but changers; the second: changers */
		changer = !strcmp(nd->handler, "vchanger");
		later = i >= new->ndevs;
		if (changer != later)
			continue;
		if (od && strcmp(od->handler, nd->handler))
			od = NULL;
		snprintf(dp, sizeof(dp), "handlers/%s/%s", nd->handler,
			 nd->name);
		if (!od && step(&c, KOP_MKDIR, NULL, "%s", dp))
			goto fail;
		if (set_attrs(&c, dp, &nd->attrs, od ? &od->attrs : NULL))
			goto fail;
		was_on = od && od->enabled && !dev_dropped(&c, od->name);
		if (nd->enabled && !was_on &&
		    step(&c, KOP_SET, "1", "%s/enable", dp))
			goto fail;
	}

	/* 5. Handler and driver attributes, then targets. */
	if (containers(&c, new->handlers, new->nhandlers, old->handlers,
		       old->nhandlers, "handlers", "handler") ||
	    containers(&c, new->drivers, new->ndrivers, old->drivers,
		       old->ndrivers, "targets", "target driver"))
		goto fail;
	/*
	 * Targets with a rel_tgt_id first (swaps through free ones), then
	 * those that get one from the kernel.
	 */
	if (park_rel_tgt_ids(&c))
		goto fail;
	for (i = 0; i < new->ntgts; i++)
		if (!tgt_auto_id(&c, &new->tgts[i]) &&
		    add_target_parts(&c, &new->tgts[i]))
			goto fail;
	for (i = 0; i < new->ntgts; i++)
		if (tgt_auto_id(&c, &new->tgts[i]) &&
		    add_target_parts(&c, &new->tgts[i]))
			goto fail;
	/* ALUA groups, before the targets are enabled. */
	if (alua_add(&c))
		goto fail;

	/* 6. Enable targets. */
	for (i = 0; i < new->ntgts; i++) {
		const struct ktarget *nt = &new->tgts[i];
		const struct ktarget *ot = kconf_target(old, nt->driver,
							nt->name);
		char tp[1024];

		if (!nt->enabled)
			continue;
		if (ot && ot->enabled && !disabled[ot - old->tgts])
			continue;
		tpath(tp, sizeof(tp), nt);
		if (step(&c, KOP_SET, "1", "%s/enable", tp))
			goto fail;
	}
	free(disabled);
	return 0;
fail:
	free(disabled);
	kplan_free(plan);
	return -1;
}

void kplan_free(struct kplan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		free(plan->v[i].path);
		free(plan->v[i].arg);
	}
	free(plan->v);
	plan->v = NULL;
	plan->n = 0;
}

/* An attribute whose value is a CHAP secret (auth_secret, ...). */
static int kstep_is_secret(const struct kstep *s)
{
	const char *name = strrchr(s->path, '/');
	size_t n;

	name = name ? name + 1 : s->path;
	n = strlen(name);
	return s->op == KOP_SET && n >= 6 && !strcmp(name + n - 6, "secret");
}

int kstep_format(const struct kstep *s, char *buf, size_t len)
{
	static const char *const names[] = {
		[KOP_MKDIR] = "mkdir", [KOP_RMDIR] = "rmdir",
		[KOP_SET] = "set", [KOP_LINK] = "link",
		[KOP_UNLINK] = "unlink",
	};

	if (s->arg && s->arg[0] && kstep_is_secret(s))
		return snprintf(buf, len, "%s %s %s", names[s->op], s->path,
				KSTEP_HIDDEN);
	if (s->arg)
		return snprintf(buf, len, "%s %s %s", names[s->op], s->path,
				s->arg);
	return snprintf(buf, len, "%s %s", names[s->op], s->path);
}

void kplan_print(const struct kplan *plan, FILE *out)
{
	char buf[8192];
	size_t i;

	for (i = 0; i < plan->n; i++) {
		kstep_format(&plan->v[i], buf, sizeof(buf));
		fprintf(out, "%s\n", buf);
	}
}
