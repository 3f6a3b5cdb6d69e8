/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgtadm: the configuration model, the parser of ktgt.conf (scst.conf
 * syntax) and its writer. Portable C: no configfs access here, so the
 * host tests link it as is.
 *
 * The model mirrors the configfs tree (Documentation/configfs.rst):
 *
 *   handler  HANDLER name { attrs  DEVICE name { attrs } }
 *   driver   TARGET_DRIVER name { attrs  TARGET name { tbody } }
 *   tbody    attrs, LUN n dev [{ attrs }], PORTAL addr [{ attrs }],
 *            GROUP name { attrs  INITIATOR pattern  LUN n dev [{ attrs }] }
 *
 * Attributes are kept generic (name, value): any attribute file of the
 * object's configfs directory may be named, "sub/name" addresses one in
 * a subdirectory. Only "enable" of devices and targets is modelled.
 *
 * Lifetime: everything hangs off struct kconf and is freed by
 * kconf_free(). Strings are owned (malloc'ed) by the structure holding
 * them.
 */
#ifndef KTGTADM_CONF_H
#define KTGTADM_CONF_H

#include <stddef.h>
#include <stdio.h>

#define KCONF_MAX_LUN		16383
#define KCONF_MAX_VALUE		4000	/* fits a configfs page */
#define KCONF_MAX_NAME		223	/* the iSCSI name limit */

/* Attribute flags, set when read from configfs. */
#define KATTR_RO	0x1	/* read-only: never written, not in write */
#define KATTR_WO	0x2	/* write-only: no value to compare */
#define KATTR_UNREAD	0x4	/* with KATTR_WO: readable, but reading failed */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct kattr {
	char	*name;
	char	*value;		/* NULL for write-only attributes */
	int	line;
	int	flags;
};

struct kattrs {
	struct kattr	*v;
	size_t		n;
};

struct klun {
	unsigned int	lun;
	char		*dev;		/* device name, NULL: unmapped */
	struct kattrs	attrs;
	int		line;
};

struct kluns {
	struct klun	*v;
	size_t		n;
};

struct kinit {
	char	*pattern;
	int	line;
};

struct kgroup {
	char		*name;
	struct kattrs	attrs;
	struct kinit	*inits;
	size_t		ninits;
	struct kluns	luns;
	int		line;
};

struct kportal {
	char		*addr;
	struct kattrs	attrs;
	int		line;
};

struct ktarget {
	char		*driver;
	char		*name;
	int		enabled;	/* 0 or 1 */
	struct kattrs	attrs;
	struct kluns	luns;
	struct kgroup	*groups;
	size_t		ngroups;
	struct kportal	*portals;
	size_t		nportals;
	char		**sessions;	/* initiator names of its sessions */
	size_t		nsessions;	/* (the running system only) */
	int		line;
};

struct kdevice {
	char		*handler;
	char		*name;
	int		enabled;	/* default 1 */
	struct kattrs	attrs;
	int		line;
};

/*
 * ALUA (configfs alua/, Documentation/configfs.rst):
 *   DEVICE_GROUP dg { attrs  DEVICE dev
 *                     TARGET_GROUP tg { attrs  TARGET target } }
 * A device is in at most one device group; a TARGET names a target of
 * any driver (target names are unique over the drivers it is used with).
 */
struct ktgroup {
	char		*name;
	struct kattrs	attrs;		/* group_id, state, preferred */
	struct kinit	*tgts;		/* target names */
	size_t		ntgts;
	int		line;
};

struct kdgroup {
	char		*name;
	struct kattrs	attrs;
	struct kinit	*devs;		/* device names */
	size_t		ndevs;
	struct ktgroup	*tgs;
	size_t		ntgs;
	int		line;
};

/*
 * A HANDLER or TARGET_DRIVER block: its own attributes. @unread: in a
 * running configuration, a handler or driver whose module is not loaded
 * yet, standing in for it while apply plans before loading it (or for a
 * dry run): its attributes are unknown, not absent.
 */
struct kcontainer {
	char		*name;
	struct kattrs	attrs;
	int		line;
	int		unread;
};

struct kconf {
	const char		*file;	/* for messages, not owned */
	int			from_system;	/* read from configfs */
	struct kcontainer	*handlers;
	size_t			nhandlers;
	struct kcontainer	*drivers;
	size_t			ndrivers;
	struct kdevice		*devs;
	size_t			ndevs;
	struct ktarget		*tgts;
	size_t			ntgts;
	struct kdgroup		*dgs;
	size_t			ndgs;
	int			has_alua;	/* configfs has alua/ */
};

/**
 * kconf_parse() - parse and validate a configuration text
 * @conf: filled in (zeroed first); free with kconf_free() even on error
 * @file: the name used in messages
 * @text: the text, @len bytes (need not be NUL terminated)
 * @err: gets "FILE:LINE: message" on error, @errlen bytes
 *
 * Return: 0, or -1 with @err set. Validation covers the syntax, names,
 * duplicates, LUN numbers and that every LUN names a device of the file.
 */
int kconf_parse(struct kconf *conf, const char *file, const char *text,
		size_t len, char *err, size_t errlen);

/*
 * kconf_parse() of a file's contents. Return: 0; -1 when the file is
 * invalid (or larger than 64 MiB); -2 when it could not be read (missing,
 * unreadable, out of memory). Read errors are "FILE: reason".
 */
int kconf_parse_file(struct kconf *conf, const char *file, char *err,
		     size_t errlen);

void kconf_free(struct kconf *conf);

/*
 * Write @conf in the file syntax; read-only and write-only attributes
 * are left out. Output is sorted (groups keep their order), so it is
 * stable. Returns 0 or -1 on an output error.
 */
int kconf_write(const struct kconf *conf, FILE *out);

/* Lookups; NULL when absent. */
struct kdevice *kconf_device(const struct kconf *conf, const char *name);
struct ktarget *kconf_target(const struct kconf *conf, const char *driver,
			     const char *name);
struct kcontainer *kconf_container(struct kcontainer *v, size_t n,
				   const char *name);
struct kattr *kattrs_get(const struct kattrs *a, const char *name);
struct klun *kluns_get(const struct kluns *l, unsigned int lun);
struct kgroup *ktarget_group(const struct ktarget *t, const char *name);
struct kdgroup *kconf_dgroup(const struct kconf *conf, const char *name);
struct ktgroup *kdgroup_tgroup(const struct kdgroup *dg, const char *name);
/* The only target named @name (of any driver); NULL if none or several. */
struct ktarget *kconf_target_by_name(const struct kconf *conf,
				     const char *name);

/* Building blocks for the configfs reader (return 0 or -1 on ENOMEM). */
int kattrs_add(struct kattrs *a, const char *name, const char *value,
	       int flags, int line);
struct kcontainer *kconf_add_container(struct kcontainer **v, size_t *n,
				       const char *name);
struct kdevice *kconf_add_device(struct kconf *conf, const char *handler,
				 const char *name);
struct ktarget *kconf_add_target(struct kconf *conf, const char *driver,
				 const char *name);
struct kgroup *ktarget_add_group(struct ktarget *t, const char *name);
struct kportal *ktarget_add_portal(struct ktarget *t, const char *addr);
int kgroup_add_init(struct kgroup *g, const char *pattern);
int ktarget_add_session(struct ktarget *t, const char *initiator);
struct kdgroup *kconf_add_dgroup(struct kconf *conf, const char *name);
struct ktgroup *kdgroup_add_tgroup(struct kdgroup *dg, const char *name);
/* Add a name to a DEVICE/TARGET list (struct kinit); 0 or -1. */
int kinits_add(struct kinit **v, size_t *n, const char *name, int line);
struct klun *kluns_add(struct kluns *l, unsigned int lun, const char *dev);

/*
 * kval_equal() - whether two attribute values mean the same
 *
 * Trailing white space does not count; "0x"-prefixed hexadecimal and
 * decimal numbers compare by value (a number with leading zeros is
 * text: the kernel's parsers disagree on it); 0/1, no/yes, off/on,
 * false/true and n/y (any case) compare as booleans. Anything else is
 * compared as text.
 */
int kval_equal(const char *a, const char *b);

/*
 * kval_for_write() - @want in the form the kernel shows @shown in: a
 * boolean as 0/1 or No/Yes, a number in decimal or "0x" hex, when
 * @shown is one; else @want itself. @buf (@len bytes) may hold the
 * result. @shown may be NULL (a new object: @want as written).
 */
const char *kval_for_write(const char *want, const char *shown, char *buf,
			   size_t len);

/*
 * kattr_equal() - whether @a and @b mean the same value of attribute
 * @name, as the ktgt modules parse and show it: a boolean or a number by
 * value (kval_equal()), naa_id's hex digits in any case, the iSCSI
 * digests as sets ("None,CRC32C" is "CRC32C,None"), a string (vendor_id,
 * product_id, serial, filename, auth_*, ...) as text, without trailing
 * white space. An attribute ktgtadm does not know: kval_equal().
 */
int kattr_equal(const char *name, const char *a, const char *b);

/*
 * kattr_check() - whether @value is one that attribute @name can take,
 * for the attributes whose kind ktgtadm knows (booleans, numbers,
 * naa_id, the iSCSI digests); any value for the others. On -1, @why
 * (@len bytes) says what the attribute takes. Return: 0 or -1.
 */
int kattr_check(const char *name, const char *value, char *why, size_t len);

/*
 * kattr_for_write() - @want in the form attribute @name takes: a
 * boolean or number as kval_for_write() makes it for @shown, or for a
 * new object (@shown NULL) in the form the attribute shows (0/1, Yes/No,
 * decimal: the core's booleans take only 0/1, blocksize only decimal);
 * naa_id in lower case; a string as written. An attribute ktgtadm does
 * not know: kval_for_write() (on a new object @want as written).
 */
const char *kattr_for_write(const char *name, const char *want,
			    const char *shown, char *buf, size_t len);

/*
 * Attributes the kernel checks against another of the same directory
 * (FirstBurstLength <= MaxBurstLength). kattr_partner(): the other of
 * @name's pair (@name may be a path), or NULL. kattr_conflicts(): 1 if
 * writing @value to @name is refused while its partner has
 * @partner_value; then the partner must be written first. When both are
 * written and the current values are in order, one of the two orders
 * always works: the executor picks it from the running values, both
 * when raising and when lowering them and when undoing.
 */
const char *kattr_partner(const char *name);
int kattr_conflicts(const char *name, const char *value,
		    const char *partner_value);

/* Name checks shared with the planner: 1 if valid. */
int kconf_valid_name(const char *s);
int kconf_valid_attr_name(const char *s);

#endif /* KTGTADM_CONF_H */
