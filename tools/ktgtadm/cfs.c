// SPDX-License-Identifier: GPL-2.0
/*
 * ktgtadm: reading the running configuration from configfs and carrying
 * out a plan, with undo.
 *
 * An object directory's regular files are its attributes: mode without
 * read permission means write-only, without write permission read-only.
 * Its subdirectories are either the collections ktgtadm models (luns,
 * groups, initiators, portals) or groups of attributes, read as
 * "sub/name". Everything else (device links) is handled by name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfs.h"

const char *cfs_root(void)
{
	const char *r = getenv("KTGTADM_CONFIGFS");

	return r && *r ? r : "/sys/kernel/config/ktgt";
}

const char *sysfs_root(void)
{
	const char *r = getenv("KTGTADM_SYSFS");

	return r && *r ? r : "/sys/kernel/ktgt";
}

int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		buf[--n] = '\0';
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The entries of @dir (without . and ..), NULL-terminated: sorted, or
 * with @creation_order, oldest first. configfs adds each new directory
 * at the head of its parent's list, so readdir() returns the newest
 * first; the group order matters (the first matching group wins).
 */
static char **list_dir_order(const char *dir, int creation_order)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, **nv;
	size_t n = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(e->d_name);
		if (!v[n])
			break;
		v[++n] = NULL;
	}
	closedir(d);
	if (!v) {
		v = calloc(1, sizeof(*v));
		return v;
	}
	if (!creation_order) {
		qsort(v, n, sizeof(*v), cmp_name);
	} else {
		size_t i;

		for (i = 0; i < n / 2; i++) {
			char *t = v[i];

			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
	}
	return v;
}

static char **list_dir(const char *dir)
{
	return list_dir_order(dir, 0);
}

static void free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int is_in(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(*skip, name))
			return 1;
	return 0;
}

/*
 * Read the attribute files of @dir into @a, prefixed with @prefix;
 * subdirectories not in @skip are read recursively as "sub/name".
 * "enable" goes to *@enable when @enable is given.
 */
static int read_attrs(const char *dir, const char *prefix, struct kattrs *a,
		      const char *const *skip, int *enable)
{
	char **v = list_dir(dir);
	char path[PATH_MAX], name[512], val[4096];
	struct stat st;
	size_t i;
	int ret = 0;

	if (!v)
		return -1;
	for (i = 0; v[i] && !ret; i++) {
		int flags = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, v[i]);
		snprintf(name, sizeof(name), "%s%s", prefix, v[i]);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			char sub[512];

			if (is_in(v[i], skip))
				continue;
			snprintf(sub, sizeof(sub), "%s/", name);
			ret = read_attrs(path, sub, a, NULL, NULL);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (!(st.st_mode & 0444))
			flags |= KATTR_WO;
		if (!(st.st_mode & 0222))
			flags |= KATTR_RO;
		if (!(flags & KATTR_WO) && read_small(path, val, sizeof(val)))
			flags |= KATTR_WO | KATTR_UNREAD;	/* no value */
		if (enable && !prefix[0] && !strcmp(v[i], "enable")) {
			*enable = !(flags & KATTR_WO) && val[0] == '1';
			continue;
		}
		ret = kattrs_add(a, name, (flags & KATTR_WO) ? NULL : val,
				 flags, 0);
	}
	free_list(v);
	return ret;
}

static int read_luns(const char *dir, struct kluns *luns)
{
	static const char *const skip[] = { NULL };
	char **v = list_dir(dir);
	char path[PATH_MAX], link[PATH_MAX];
	size_t i;

	if (!v)
		return 0;	/* no luns/ */
	for (i = 0; v[i]; i++) {
		struct klun *l;
		const char *dev = NULL;
		char *e;
		unsigned long n = strtoul(v[i], &e, 10);
		ssize_t k;

		if (*e || n > KCONF_MAX_LUN)
			continue;
		snprintf(path, sizeof(path), "%s/%s/device", dir, v[i]);
		k = readlink(path, link, sizeof(link) - 1);
		if (k > 0) {
			link[k] = '\0';
			while (k > 0 && link[k - 1] == '/')
				link[--k] = '\0';
			dev = strrchr(link, '/');
			dev = dev ? dev + 1 : link;
		}
		l = kluns_add(luns, (unsigned int)n, dev);
		if (!l)
			goto fail;
		snprintf(path, sizeof(path), "%s/%s", dir, v[i]);
		if (read_attrs(path, "", &l->attrs, skip, NULL))
			goto fail;
	}
	free_list(v);
	return 0;
fail:
	free_list(v);
	return -1;
}

static int read_target(struct ktarget *t, const char *dir)
{
	static const char *const skip[] = { "luns", "groups", "portals", NULL };
	static const char *const gskip[] = { "luns", "initiators", NULL };
	char path[PATH_MAX], gdir[PATH_MAX];
	char **v;
	size_t i, j;

	if (read_attrs(dir, "", &t->attrs, skip, &t->enabled))
		return -1;
	snprintf(path, sizeof(path), "%s/luns", dir);
	if (read_luns(path, &t->luns))
		return -1;

	snprintf(path, sizeof(path), "%s/portals", dir);
	v = list_dir(path);
	for (i = 0; v && v[i]; i++) {
		struct kportal *p = ktarget_add_portal(t, v[i]);

		snprintf(gdir, sizeof(gdir), "%s/%s", path, v[i]);
		if (!p || read_attrs(gdir, "", &p->attrs, NULL, NULL))
			goto fail;
	}
	free_list(v);

	snprintf(path, sizeof(path), "%s/groups", dir);
	v = list_dir_order(path, 1);
	for (i = 0; v && v[i]; i++) {
		struct kgroup *g = ktarget_add_group(t, v[i]);
		char **inits;

		if (!g)
			goto fail;
		snprintf(gdir, sizeof(gdir), "%s/%s", path, v[i]);
		if (read_attrs(gdir, "", &g->attrs, gskip, NULL))
			goto fail;
		snprintf(gdir, sizeof(gdir), "%s/%s/initiators", path, v[i]);
		inits = list_dir(gdir);
		for (j = 0; inits && inits[j]; j++)
			if (kgroup_add_init(g, inits[j])) {
				free_list(inits);
				goto fail;
			}
		free_list(inits);
		snprintf(gdir, sizeof(gdir), "%s/%s/luns", path, v[i]);
		if (read_luns(gdir, &g->luns))
			goto fail;
	}
	free_list(v);
	return 0;
fail:
	free_list(v);
	return -1;
}

/*
 * The sessions (sysfs sessions/<id>/{driver,target,initiator}), as the
 * initiator names of their targets'. No sessions directory: none.
 */
static int read_sessions(struct kconf *conf)
{
	char path[PATH_MAX], f[PATH_MAX], drv[256], tgt[512], ini[512];
	char **v;
	size_t i;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/sessions", sysfs_root());
	v = list_dir(path);
	for (i = 0; v && v[i] && !ret; i++) {
		struct ktarget *t;

		snprintf(f, sizeof(f), "%s/%s/driver", path, v[i]);
		if (read_small(f, drv, sizeof(drv)))
			continue;	/* gone meanwhile */
		snprintf(f, sizeof(f), "%s/%s/target", path, v[i]);
		if (read_small(f, tgt, sizeof(tgt)))
			continue;
		snprintf(f, sizeof(f), "%s/%s/initiator", path, v[i]);
		if (read_small(f, ini, sizeof(ini)))
			continue;
		t = kconf_target(conf, drv, tgt);
		if (t)
			ret = ktarget_add_session(t, ini);
	}
	free_list(v);
	return ret;
}

/*
 * alua/<dg>/{devices/<dev>, target_groups/<tg>/{attrs, targets/<t>}}:
 * the links are named after the device or target they point at (ktgtadm
 * creates them so). No alua/: a core without ALUA, has_alua stays 0.
 */
static int read_alua(struct kconf *conf)
{
	static const char *const dgskip[] = { "devices", "target_groups", NULL };
	static const char *const tgskip[] = { "targets", NULL };
	char path[PATH_MAX], dpath[PATH_MAX], sub[PATH_MAX], tpath[PATH_MAX];
	char **v, **w = NULL, **x = NULL;
	struct stat st;
	size_t i, j, k;

	snprintf(path, sizeof(path), "%s/alua", cfs_root());
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return 0;
	conf->has_alua = 1;
	v = list_dir(path);
	for (i = 0; v && v[i]; i++) {
		struct kdgroup *dg = kconf_add_dgroup(conf, v[i]);

		snprintf(dpath, sizeof(dpath), "%s/%s", path, v[i]);
		if (!dg || read_attrs(dpath, "", &dg->attrs, dgskip, NULL))
			goto fail;
		snprintf(sub, sizeof(sub), "%s/devices", dpath);
		w = list_dir(sub);
		for (j = 0; w && w[j]; j++)
			if (kinits_add(&dg->devs, &dg->ndevs, w[j], 0))
				goto fail;
		free_list(w);
		snprintf(sub, sizeof(sub), "%s/target_groups", dpath);
		w = list_dir(sub);
		for (j = 0; w && w[j]; j++) {
			struct ktgroup *tg = kdgroup_add_tgroup(dg, w[j]);

			snprintf(tpath, sizeof(tpath), "%s/%s", sub, w[j]);
			if (!tg || read_attrs(tpath, "", &tg->attrs, tgskip, NULL))
				goto fail;
			snprintf(tpath, sizeof(tpath), "%s/%s/targets", sub, w[j]);
			x = list_dir(tpath);
			for (k = 0; x && x[k]; k++)
				if (kinits_add(&tg->tgts, &tg->ntgts, x[k], 0))
					goto fail;
			free_list(x);
			x = NULL;
		}
		free_list(w);
		w = NULL;
	}
	free_list(v);
	return 0;
fail:
	free_list(x);
	free_list(w);
	free_list(v);
	return -1;
}

int cfs_read(struct kconf *conf, char *err, size_t errlen)
{
	const char *root = cfs_root();
	char path[PATH_MAX], sub[PATH_MAX];
	char **hv = NULL, **dv = NULL;
	size_t i, j;
	struct stat st;

	memset(conf, 0, sizeof(*conf));
	conf->from_system = 1;
	conf->file = "configfs";
	snprintf(path, sizeof(path), "%s/handlers", root);
	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s (is ktgt_core loaded?)", path,
			 strerror(errno));
		return -1;
	}
	hv = list_dir(path);
	for (i = 0; hv && hv[i]; i++) {
		struct kcontainer *h = kconf_add_container(&conf->handlers,
							   &conf->nhandlers,
							   hv[i]);

		snprintf(sub, sizeof(sub), "%s/handlers/%s", root, hv[i]);
		if (!h)
			goto nomem;
		dv = list_dir(sub);
		for (j = 0; dv && dv[j]; j++) {
			char dpath[PATH_MAX];
			struct kdevice *d;

			snprintf(dpath, sizeof(dpath), "%s/%s", sub, dv[j]);
			if (lstat(dpath, &st) || !S_ISDIR(st.st_mode))
				continue;
			d = kconf_add_device(conf, hv[i], dv[j]);
			if (!d || read_attrs(dpath, "", &d->attrs, NULL,
					     &d->enabled))
				goto nomem;
		}
		free_list(dv);
		dv = NULL;
		/* The handler's own attributes (files only). */
		h = &conf->handlers[conf->nhandlers - 1];
		{
			char **fv = list_dir(sub);
			char fp[PATH_MAX], val[4096];
			int flags;

			for (j = 0; fv && fv[j]; j++) {
				snprintf(fp, sizeof(fp), "%s/%s", sub, fv[j]);
				if (lstat(fp, &st) || !S_ISREG(st.st_mode))
					continue;
				flags = !(st.st_mode & 0222) ? KATTR_RO : 0;
				if (!(st.st_mode & 0444) ||
				    read_small(fp, val, sizeof(val)))
					flags |= KATTR_WO;
				if (kattrs_add(&h->attrs, fv[j],
					       (flags & KATTR_WO) ? NULL : val,
					       flags, 0)) {
					free_list(fv);
					goto nomem;
				}
			}
			free_list(fv);
		}
	}
	free_list(hv);
	hv = NULL;

	snprintf(path, sizeof(path), "%s/targets", root);
	hv = list_dir(path);
	for (i = 0; hv && hv[i]; i++) {
		struct kcontainer *drv = kconf_add_container(&conf->drivers,
							     &conf->ndrivers,
							     hv[i]);
		char val[4096];

		if (!drv)
			goto nomem;
		snprintf(sub, sizeof(sub), "%s/targets/%s", root, hv[i]);
		dv = list_dir(sub);
		for (j = 0; dv && dv[j]; j++) {
			char tpath[PATH_MAX];
			struct ktarget *t;
			int flags;

			snprintf(tpath, sizeof(tpath), "%s/%s", sub, dv[j]);
			if (lstat(tpath, &st))
				continue;
			if (S_ISREG(st.st_mode)) {
				drv = &conf->drivers[conf->ndrivers - 1];
				flags = !(st.st_mode & 0222) ? KATTR_RO : 0;
				if (!(st.st_mode & 0444) ||
				    read_small(tpath, val, sizeof(val)))
					flags |= KATTR_WO;
				if (kattrs_add(&drv->attrs, dv[j],
					       (flags & KATTR_WO) ? NULL : val,
					       flags, 0))
					goto nomem;
				continue;
			}
			if (!S_ISDIR(st.st_mode))
				continue;
			t = kconf_add_target(conf, hv[i], dv[j]);
			if (!t || read_target(t, tpath))
				goto nomem;
		}
		free_list(dv);
		dv = NULL;
	}
	free_list(hv);
	hv = NULL;
	if (read_sessions(conf) || read_alua(conf))
		goto nomem;
	return 0;
nomem:
	free_list(hv);
	free_list(dv);
	snprintf(err, errlen, "reading %s failed", root);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Execution                                                           */
/* ------------------------------------------------------------------ */

static int write_attr(const char *path, const char *value)
{
	size_t n = strlen(value);
	char *buf = malloc(n + 2);
	ssize_t w;
	int fd, e;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, value, n);
	buf[n] = '\n';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		free(buf);
		return e;
	}
	w = write(fd, buf, n + 1);
	e = w < 0 ? -errno : 0;
	if (close(fd) && !e)
		e = -errno;
	free(buf);
	return e;
}

/* What undoes one step done. */
struct undo {
	enum kop	op;
	char		*path;		/* absolute */
	char		*arg;
	struct kattrs	attrs;		/* for an undone rmdir */
	char		desc[1024];
};

static int do_op(enum kop op, const char *path, const char *arg)
{
	switch (op) {
	case KOP_MKDIR:
		return mkdir(path, 0755) ? -errno : 0;
	case KOP_RMDIR:
		return rmdir(path) ? -errno : 0;
	case KOP_SET:
		return write_attr(path, arg);
	case KOP_LINK:
		return symlink(arg, path) ? -errno : 0;
	case KOP_UNLINK:
		return unlink(path) ? -errno : 0;
	}
	return -EINVAL;
}

/* Restore one attribute of a re-created directory if it differs. */
static int restore_attr(const char *dir, const struct kattr *a)
{
	char path[PATH_MAX], val[4096];

	if (!a->value || (a->flags & (KATTR_RO | KATTR_WO)) ||
	    !strcmp(a->name, "enable"))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, a->name);
	if (!read_small(path, val, sizeof(val)) && !strcmp(val, a->value))
		return 0;
	return write_attr(path, a->value) ? -1 : 0;
}

/*
 * Restore the attributes of a re-created directory that differ; of a
 * pair the kernel keeps ordered (kattr_partner()), the one the other's
 * current value would refuse goes second.
 */
static int restore_attrs(const char *dir, const struct kattrs *a)
{
	char path[PATH_MAX], val[4096], *done = calloc(a->n + 1, 1);
	size_t i;
	int ret = 0;

	if (!done)
		return -1;
	for (i = 0; i < a->n; i++) {
		const char *partner = kattr_partner(a->v[i].name);
		const struct kattr *p = partner ? kattrs_get(a, partner) : NULL;

		if (done[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, partner ? partner : "");
		if (p && a->v[i].value && !done[p - a->v] &&
		    !read_small(path, val, sizeof(val)) &&
		    kattr_conflicts(a->v[i].name, a->v[i].value, val)) {
			ret |= restore_attr(dir, p);
			done[p - a->v] = 1;
		}
		ret |= restore_attr(dir, &a->v[i]);
		done[i] = 1;
	}
	free(done);
	return ret;
}

/*
 * Step @order[@i] sets an attribute the kernel checks against a partner
 * (kattr_partner()) that a later step of the plan sets too: when the
 * partner's running value would refuse this value, the partner's step
 * goes first (raising both: the high one first; lowering: the low one).
 */
static void order_bound(const struct kplan *plan, size_t *order, size_t i,
			const char *root)
{
	const struct kstep *s = &plan->v[order[i]];
	const char *partner = kattr_partner(s->path);
	const char *slash = strrchr(s->path, '/');
	char path[PATH_MAX], val[4096];
	size_t j, dlen, t;

	if (s->op != KOP_SET || !s->arg || !partner || !slash)
		return;
	dlen = (size_t)(slash - s->path) + 1;
	for (j = i + 1; j < plan->n; j++) {
		const struct kstep *o = &plan->v[order[j]];

		if (o->op == KOP_SET && !strncmp(o->path, s->path, dlen) &&
		    !strcmp(o->path + dlen, partner))
			break;
	}
	if (j == plan->n)
		return;
	snprintf(path, sizeof(path), "%s/%.*s%s", root, (int)dlen, s->path,
		 partner);
	if (read_small(path, val, sizeof(val)) ||
	    !kattr_conflicts(s->path, s->arg, val))
		return;
	t = order[i];
	order[i] = order[j];
	order[j] = t;
}

static void undo_free(struct undo *u)
{
	size_t i;

	free(u->path);
	free(u->arg);
	for (i = 0; i < u->attrs.n; i++) {
		free(u->attrs.v[i].name);
		free(u->attrs.v[i].value);
	}
	free(u->attrs.v);
}

int cfs_execute(const struct kplan *plan, int verbose)
{
	const char *root = cfs_root();
	struct undo *undo = calloc(plan->n + 1, sizeof(*undo));
	size_t *order = calloc(plan->n + 1, sizeof(*order));
	size_t i, nundo = 0;
	int ret = 0;

	if (!undo || !order) {
		fprintf(stderr, "ktgtadm: out of memory\n");
		free(undo);
		free(order);
		return 2;
	}
	for (i = 0; i < plan->n; i++)
		order[i] = i;
	for (i = 0; i < plan->n; i++) {
		const struct kstep *s;
		char path[PATH_MAX], arg[PATH_MAX], old[4096], desc[8192];
		struct undo *u = &undo[nundo];
		int e, have_old = 0;

		order_bound(plan, order, i, root);
		s = &plan->v[order[i]];
		kstep_format(s, desc, sizeof(desc));
		snprintf(path, sizeof(path), "%s/%s", root, s->path);
		arg[0] = '\0';
		if (s->op == KOP_LINK)
			snprintf(arg, sizeof(arg), "%s/%s", root, s->arg);
		else if (s->arg)
			snprintf(arg, sizeof(arg), "%s", s->arg);

		/* Capture what the undo needs. */
		memset(u, 0, sizeof(*u));
		if (s->op == KOP_SET) {
			have_old = !read_small(path, old, sizeof(old));
			if (have_old && !strcmp(old, arg)) {
				if (verbose)
					printf("  %s (unchanged)\n", desc);
				continue;
			}
		} else if (s->op == KOP_UNLINK) {
			/*
			 * configfs resolves a link's target from the cwd,
			 * not from the link: keep it absolute.
			 */
			char abs[PATH_MAX];

			have_old = !!realpath(path, abs);
			if (have_old)
				snprintf(old, sizeof(old), "%s", abs);
		} else if (s->op == KOP_RMDIR) {
			read_attrs(path, "", &u->attrs, NULL, NULL);
		}

		if (verbose)
			printf("  %s\n", desc);
		e = do_op(s->op, path, arg);
		if (e) {
			fprintf(stderr, "ktgtadm: step %zu failed: %s: %s\n",
				i + 1, desc, strerror(-e));
			ret = 1;
			undo_free(u);
			memset(u, 0, sizeof(*u));
			break;
		}
		snprintf(u->desc, sizeof(u->desc), "%s", desc);
		u->path = strdup(path);
		switch (s->op) {
		case KOP_MKDIR:
			u->op = KOP_RMDIR;
			break;
		case KOP_RMDIR:
			u->op = KOP_MKDIR;
			break;
		case KOP_SET:
			u->op = KOP_SET;
			u->arg = have_old ? strdup(old) : NULL;
			break;
		case KOP_LINK:
			u->op = KOP_UNLINK;
			break;
		case KOP_UNLINK:
			u->op = KOP_LINK;
			u->arg = have_old ? strdup(old) : NULL;
			break;
		}
		nundo++;
	}

	if (ret) {
		size_t bad = 0, n = nundo;

		while (nundo > 0) {
			struct undo *u = &undo[--nundo];
			int e = 0;

			if ((u->op == KOP_SET || u->op == KOP_LINK) && !u->arg)
				e = -ENODATA;	/* nothing known to restore */
			else
				e = do_op(u->op, u->path, u->arg);
			if (!e && u->op == KOP_MKDIR)
				e = restore_attrs(u->path, &u->attrs) ? -EIO : 0;
			if (e) {
				fprintf(stderr, "ktgtadm: could not undo '%s': %s\n",
					u->desc, strerror(-e));
				bad++;
			}
		}
		if (bad) {
			fprintf(stderr,
				"ktgtadm: undid %zu of %zu steps; the running configuration is partly changed\n",
				n - bad, n);
			ret = 2;
		} else {
			fprintf(stderr,
				"ktgtadm: undid the %zu steps done; the running configuration is unchanged\n",
				n);
		}
	}
	for (i = 0; i < plan->n; i++)
		undo_free(&undo[i]);
	free(undo);
	free(order);
	return ret;
}
