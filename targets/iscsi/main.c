// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_iscsi: the iSCSI target driver's full-feature phase.
 *
 * Login, discovery and CHAP run in user space (ktgt-iscsid); this module
 * holds the targets' iSCSI configuration (configfs), answers the daemon's
 * questions over generic netlink (nl.c) and runs the full-feature phase of
 * the connections the daemon hands over (conn.c). See iscsi.h for the
 * objects and their locking and Documentation/iscsi.rst for the design.
 *
 * configfs, under /sys/kernel/config/ktgt/targets/iscsi/:
 *
 *   auth_user, auth_secret            CHAP a discovery session's
 *   auth_mutual_user, auth_mutual_secret  initiator and the target answer
 *                                     (unset: discovery without CHAP)
 *
 * and under targets/iscsi/<iqn>/:
 *
 *   tpgt, alias                       the target portal group tag, alias
 *   auth_user, auth_secret            CHAP the initiator answers
 *   auth_mutual_user, auth_mutual_secret  CHAP the target answers
 *   MaxRecvDataSegmentLength ... queue_depth  negotiable defaults
 *   portals/<addr>:<port>/            mkdir: a network portal
 *   groups/<g>/auth_*                 the same CHAP attributes for the
 *                                     initiators of one group
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/ctype.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "iscsi.h"

/* Targets, portals, sessions, attributes: see iscsi.h. */
DEFINE_MUTEX(kis_mutex);
/* The CHAP strings of targets and groups, and kis_disc_auth. */
DEFINE_SPINLOCK(kis_auth_lock);
/* The CHAP credentials of discovery sessions (targets/iscsi/auth_*). */
struct kis_auth kis_disc_auth;
LIST_HEAD(kis_targets);
unsigned int kis_targets_gen = 1;
struct workqueue_struct *kis_wq;
struct kmem_cache *kis_task_cache;
static struct kobject *kis_sysfs_root;
struct kobject *kis_sysfs_sessions;

unsigned int kis_nop_interval = 15;
module_param_named(nop_interval, kis_nop_interval, uint, 0644);
MODULE_PARM_DESC(nop_interval,
		 "Seconds of silence before the target pings with NOP-In (0: never)");
unsigned int kis_nop_timeout = 30;
module_param_named(nop_timeout, kis_nop_timeout, uint, 0644);
MODULE_PARM_DESC(nop_timeout,
		 "Seconds without an answer to a NOP-In ping, or without the initiator taking any data sent (read when a connection is added), before the connection is dropped");
unsigned int kis_dataout_timeout = 30;
module_param_named(dataout_timeout, kis_dataout_timeout, uint, 0644);
MODULE_PARM_DESC(dataout_timeout,
		 "Seconds a write may wait for a Data-Out the target asked for before the connection is dropped (0: never)");
unsigned int kis_cmdsn_gap_timeout = 60;
module_param_named(cmdsn_gap_timeout, kis_cmdsn_gap_timeout, uint, 0644);
MODULE_PARM_DESC(cmdsn_gap_timeout,
		 "Seconds commands may wait, held past a CmdSN gap that is not filled, before the session is dropped (0: never)");

/*
 * ---------------------------------------------------------------------
 * Targets: lookup and access
 * ---------------------------------------------------------------------
 */

static void kis_tgt_release(struct kref *ref)
{
	kfree(container_of(ref, struct kis_tgt, ref));
}

void kis_tgt_put(struct kis_tgt *t)
{
	kref_put(&t->ref, kis_tgt_release);
}

/**
 * kis_tgt_find() - a target by name, with a reference
 * @name: the IQN
 *
 * iSCSI names compare case-insensitively (RFC 3722 maps upper case to
 * lower case before comparing): a target made as "iqn...:T1" is found by
 * "iqn...:t1", and kis_target_create() refuses a second target whose name
 * differs from one's only in case. Caller holds kis_mutex.
 *
 * Return: the target (kis_tgt_put() it), or NULL.
 */
struct kis_tgt *kis_tgt_find(const char *name)
{
	struct kis_tgt *t;

	lockdep_assert_held(&kis_mutex);
	list_for_each_entry(t, &kis_targets, node) {
		if (!strcasecmp(t->name, name)) {
			kref_get(&t->ref);
			return t;
		}
	}
	return NULL;
}

struct kis_access_ctx {
	struct kis_tgt	*t;
	struct kis_auth	*auth;
};

/*
 * Under the core's ktgt_cfg_mutex: copy the credentials that apply. They
 * start as the target's; a group's initiator credentials (auth_user and
 * auth_secret) replace the target's if the group's auth_user is set, its
 * mutual ones if its auth_mutual_user is set, each pair on its own. So a
 * group may change the credentials of its initiators but never turn off
 * the CHAP the target requires (a group with mutual credentials only
 * keeps the target's auth_user).
 */
static void kis_access_cb(void *grp_priv, void *arg)
{
	struct kis_access_ctx *ctx = arg;
	struct kis_auth *ga = grp_priv;
	struct kis_auth *a = ctx->auth;

	if (!a)
		return;
	spin_lock(&kis_auth_lock);
	*a = ctx->t->auth;
	if (ga && ga->user[0]) {
		memcpy(a->user, ga->user, sizeof(a->user));
		memcpy(a->secret, ga->secret, sizeof(a->secret));
	}
	if (ga && ga->mutual_user[0]) {
		memcpy(a->mutual_user, ga->mutual_user, sizeof(a->mutual_user));
		memcpy(a->mutual_secret, ga->mutual_secret,
		       sizeof(a->mutual_secret));
	}
	spin_unlock(&kis_auth_lock);
}

/**
 * kis_tgt_access() - may @initiator log in to @t, and with which CHAP
 * @t: the target; caller holds kis_mutex and @t is not gone
 * @initiator: the initiator name
 * @auth: optional; the CHAP credentials for the initiator: the target's,
 *	with those its group sets instead (see kis_access_cb())
 *
 * Return: true if the initiator sees the target's LUNs.
 */
bool kis_tgt_access(struct kis_tgt *t, const char *initiator,
		    struct kis_auth *auth)
{
	struct kis_access_ctx ctx = { .t = t, .auth = auth };

	lockdep_assert_held(&kis_mutex);
	return ktgt_target_access(t->tgt, initiator, kis_access_cb, &ctx);
}

static void kis_config_changed(struct kis_tgt *t)
{
	kis_nl_event(KTGT_ISCSI_EV_CONFIG, NULL, NULL, t->name, 0);
}

/*
 * ---------------------------------------------------------------------
 * Portals: targets/iscsi/<iqn>/portals/<addr>:<port>
 * ---------------------------------------------------------------------
 */

static struct kis_portal *to_portal(struct config_item *item)
{
	return container_of(to_config_group(item), struct kis_portal, group);
}

static void kis_portal_release(struct config_item *item)
{
	kfree(to_portal(item));
}

static struct configfs_item_operations kis_portal_item_ops = {
	.release	= kis_portal_release,
};

static const struct config_item_type kis_portal_type = {
	.ct_item_ops	= &kis_portal_item_ops,
	.ct_owner	= THIS_MODULE,
};

/* "192.0.2.1:3260" or "[2001:db8::1]:3260" into address and port. */
static int kis_parse_portal(const char *name, char *addr, size_t size,
			    u16 *port)
{
	const char *colon, *a = name;
	size_t alen;
	u8 buf[16];
	bool v6 = false;
	int ret;

	if (name[0] == '[') {
		const char *end = strchr(name, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		a = name + 1;
		alen = end - a;
		colon = end + 1;
		v6 = true;
	} else {
		colon = strrchr(name, ':');
		if (!colon)
			return -EINVAL;
		alen = colon - name;
	}
	if (!alen || alen >= size)
		return -EINVAL;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	if (v6 ? !in6_pton(addr, -1, buf, -1, NULL) :
		 !in4_pton(addr, -1, buf, -1, NULL))
		return -EINVAL;
	if (!isdigit(colon[1]))
		return -EINVAL;
	ret = kstrtou16(colon + 1, 10, port);
	if (ret || !*port)
		return -EINVAL;
	return 0;
}

static struct config_group *kis_portal_make(struct config_group *group,
					    const char *name)
{
	struct kis_tgt *t = container_of(group, struct kis_tgt, portals_group);
	struct kis_portal *p;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	ret = kis_parse_portal(name, p->addr, sizeof(p->addr), &p->port);
	if (ret) {
		kfree(p);
		return ERR_PTR(ret);
	}
	p->t = t;
	config_group_init_type_name(&p->group, name, &kis_portal_type);
	mutex_lock(&kis_mutex);
	list_add_tail(&p->node, &t->portals);
	kis_targets_changed();
	mutex_unlock(&kis_mutex);
	kis_config_changed(t);
	return &p->group;
}

static void kis_portal_drop(struct config_group *group,
			    struct config_item *item)
{
	struct kis_tgt *t = container_of(group, struct kis_tgt, portals_group);

	mutex_lock(&kis_mutex);
	list_del(&to_portal(item)->node);
	kis_targets_changed();
	mutex_unlock(&kis_mutex);
	kis_config_changed(t);
	config_item_put(item);
}

static struct configfs_group_operations kis_portals_group_ops = {
	.make_group	= kis_portal_make,
	.drop_item	= kis_portal_drop,
};

static const struct config_item_type kis_portals_type = {
	.ct_group_ops	= &kis_portals_group_ops,
	.ct_owner	= THIS_MODULE,
};

/*
 * ---------------------------------------------------------------------
 * Target attributes
 * ---------------------------------------------------------------------
 */

static struct kis_tgt *item_tgt(struct config_item *item)
{
	return ktgt_target_priv(ktgt_target_from_item(item));
}

/* Copy a configfs write without its trailing newline; -EINVAL if too long. */
static int kis_copy_str(char *dst, size_t size, const char *page,
			size_t count)
{
	size_t len = strnlen(page, count);

	if (len && page[len - 1] == '\n')
		len--;
	if (len >= size)
		return -EINVAL;
	memcpy(dst, page, len);
	dst[len] = '\0';
	return 0;
}

static int kis_parse_u32(const char *page, u32 min, u32 max, u32 *val)
{
	u32 v;

	if (kstrtou32(page, 0, &v) || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

static int kis_parse_bool(const char *page, size_t count, u8 *val)
{
	char buf[8];

	if (kis_copy_str(buf, sizeof(buf), page, count))
		return -EINVAL;
	if (!strcasecmp(buf, "Yes") || !strcmp(buf, "1"))
		*val = 1;
	else if (!strcasecmp(buf, "No") || !strcmp(buf, "0"))
		*val = 0;
	else
		return -EINVAL;
	return 0;
}

static int kis_parse_digest(const char *page, size_t count, u8 *mask)
{
	char buf[32];

	if (kis_copy_str(buf, sizeof(buf), page, count))
		return -EINVAL;
	if (!strcmp(buf, "None"))
		*mask = BIT(KTGT_ISCSI_DIGEST_NONE);
	else if (!strcmp(buf, "CRC32C"))
		*mask = BIT(KTGT_ISCSI_DIGEST_CRC32C);
	else if (!strcmp(buf, "CRC32C,None") || !strcmp(buf, "None,CRC32C"))
		*mask = BIT(KTGT_ISCSI_DIGEST_NONE) |
			BIT(KTGT_ISCSI_DIGEST_CRC32C);
	else
		return -EINVAL;
	return 0;
}

static ssize_t kis_show_digest(u8 mask, char *page)
{
	if (mask == (BIT(KTGT_ISCSI_DIGEST_NONE) | BIT(KTGT_ISCSI_DIGEST_CRC32C)))
		return sprintf(page, "CRC32C,None\n");
	if (mask == BIT(KTGT_ISCSI_DIGEST_CRC32C))
		return sprintf(page, "CRC32C\n");
	return sprintf(page, "None\n");
}

/*
 * The negotiable defaults: one table row per attribute, one generic show
 * and store; the attribute itself names its row.
 */
enum kis_param_kind {
	KIS_PK_U32,
	KIS_PK_BOOL,
	KIS_PK_DIGEST,
};

enum kis_param_id {
	KIS_P_MAX_RECV_DSL,
	KIS_P_MAX_BURST,
	KIS_P_FIRST_BURST,
	KIS_P_INITIAL_R2T,
	KIS_P_IMMEDIATE_DATA,
	KIS_P_MAX_R2T,
	KIS_P_MAX_CONNS,
	KIS_P_HDIGEST,
	KIS_P_DDIGEST,
	KIS_P_T2WAIT,
	KIS_P_T2RETAIN,
	KIS_P_QUEUE_DEPTH,
};

struct kis_param_desc {
	enum kis_param_kind	kind;
	size_t			off;
	u32			min;
	u32			max;
};

#define KIS_PD(_kind, _field, _min, _max) {				\
	.kind = (_kind), .off = offsetof(struct kis_params, _field),	\
	.min = (_min), .max = (_max) }

/* RFC 7143 chapter 13 ranges; queue_depth is ktgt's own. */
static const struct kis_param_desc kis_param_descs[] = {
	[KIS_P_MAX_RECV_DSL]	= KIS_PD(KIS_PK_U32, max_recv_dsl,
					 ISCSI_MIN_RECV_DSL,
					 ISCSI_MAX_RECV_DSL),
	[KIS_P_MAX_BURST]	= KIS_PD(KIS_PK_U32, max_burst, 512, 16777215),
	[KIS_P_FIRST_BURST]	= KIS_PD(KIS_PK_U32, first_burst, 512,
					 16777215),
	[KIS_P_INITIAL_R2T]	= KIS_PD(KIS_PK_BOOL, initial_r2t, 0, 1),
	[KIS_P_IMMEDIATE_DATA]	= KIS_PD(KIS_PK_BOOL, immediate_data, 0, 1),
	[KIS_P_MAX_R2T]		= KIS_PD(KIS_PK_U32, max_r2t, 1, 65535),
	[KIS_P_MAX_CONNS]	= KIS_PD(KIS_PK_U32, max_conns, 1, 65535),
	[KIS_P_HDIGEST]		= KIS_PD(KIS_PK_DIGEST, hdigest, 0, 0),
	[KIS_P_DDIGEST]		= KIS_PD(KIS_PK_DIGEST, ddigest, 0, 0),
	[KIS_P_T2WAIT]		= KIS_PD(KIS_PK_U32, t2wait, 0, 3600),
	[KIS_P_T2RETAIN]	= KIS_PD(KIS_PK_U32, t2retain, 0, 3600),
	[KIS_P_QUEUE_DEPTH]	= KIS_PD(KIS_PK_U32, queue_depth, 1,
					 KIS_MAX_QUEUE_DEPTH),
};

static ssize_t kis_param_show(struct config_item *item, char *page,
			      enum kis_param_id id)
{
	const struct kis_param_desc *d = &kis_param_descs[id];
	struct kis_tgt *t = item_tgt(item);
	void *field = (u8 *)&t->defaults + d->off;
	ssize_t ret;

	mutex_lock(&kis_mutex);
	switch (d->kind) {
	case KIS_PK_U32:
		ret = sprintf(page, "%u\n", *(u32 *)field);
		break;
	case KIS_PK_BOOL:
		ret = sprintf(page, "%s\n", *(u8 *)field ? "Yes" : "No");
		break;
	default:
		ret = kis_show_digest(*(u8 *)field, page);
		break;
	}
	mutex_unlock(&kis_mutex);
	return ret;
}

static ssize_t kis_param_store(struct config_item *item, const char *page,
			       size_t count, enum kis_param_id id)
{
	const struct kis_param_desc *d = &kis_param_descs[id];
	struct kis_tgt *t = item_tgt(item);
	void *field = (u8 *)&t->defaults + d->off;
	u32 v32 = 0;
	u8 v8 = 0;
	int ret;

	switch (d->kind) {
	case KIS_PK_U32:
		ret = kis_parse_u32(page, d->min, d->max, &v32);
		break;
	case KIS_PK_BOOL:
		ret = kis_parse_bool(page, count, &v8);
		break;
	default:
		ret = kis_parse_digest(page, count, &v8);
		break;
	}
	if (ret)
		return ret;

	mutex_lock(&kis_mutex);
	/* FirstBurstLength must not exceed MaxBurstLength (RFC 7143 13.14). */
	if ((id == KIS_P_FIRST_BURST && v32 > t->defaults.max_burst) ||
	    (id == KIS_P_MAX_BURST && v32 < t->defaults.first_burst))
		ret = -EINVAL;
	else if (d->kind == KIS_PK_U32)
		*(u32 *)field = v32;
	else
		*(u8 *)field = v8;
	mutex_unlock(&kis_mutex);
	if (ret)
		return ret;
	kis_config_changed(t);
	return count;
}

#define KIS_PARAM_ATTR(_id, _name)					\
static ssize_t kis_p_##_id##_show(struct config_item *item, char *page)	\
{									\
	return kis_param_show(item, page, KIS_P_##_id);			\
}									\
static ssize_t kis_p_##_id##_store(struct config_item *item,		\
				   const char *page, size_t count)	\
{									\
	return kis_param_store(item, page, count, KIS_P_##_id);		\
}									\
static struct configfs_attribute kis_p_attr_##_id = {			\
	.ca_name	= _name,					\
	.ca_owner	= THIS_MODULE,					\
	.ca_mode	= 0644,						\
	.show		= kis_p_##_id##_show,				\
	.store		= kis_p_##_id##_store,				\
}

KIS_PARAM_ATTR(MAX_RECV_DSL, "MaxRecvDataSegmentLength");
KIS_PARAM_ATTR(MAX_BURST, "MaxBurstLength");
KIS_PARAM_ATTR(FIRST_BURST, "FirstBurstLength");
KIS_PARAM_ATTR(INITIAL_R2T, "InitialR2T");
KIS_PARAM_ATTR(IMMEDIATE_DATA, "ImmediateData");
KIS_PARAM_ATTR(MAX_R2T, "MaxOutstandingR2T");
KIS_PARAM_ATTR(MAX_CONNS, "MaxConnections");
KIS_PARAM_ATTR(HDIGEST, "HeaderDigest");
KIS_PARAM_ATTR(DDIGEST, "DataDigest");
KIS_PARAM_ATTR(T2WAIT, "DefaultTime2Wait");
KIS_PARAM_ATTR(T2RETAIN, "DefaultTime2Retain");
KIS_PARAM_ATTR(QUEUE_DEPTH, "queue_depth");

static ssize_t kis_tgt_tpgt_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n", READ_ONCE(item_tgt(item)->tpgt));
}

static ssize_t kis_tgt_tpgt_store(struct config_item *item, const char *page,
				  size_t count)
{
	struct kis_tgt *t = item_tgt(item);
	u32 v;

	if (kis_parse_u32(page, 1, 65535, &v))
		return -EINVAL;
	mutex_lock(&kis_mutex);
	WRITE_ONCE(t->tpgt, v);
	mutex_unlock(&kis_mutex);
	kis_config_changed(t);
	return count;
}
CONFIGFS_ATTR(kis_tgt_, tpgt);

static ssize_t kis_tgt_alias_show(struct config_item *item, char *page)
{
	struct kis_tgt *t = item_tgt(item);
	ssize_t ret;

	mutex_lock(&kis_mutex);
	ret = sprintf(page, "%s\n", t->alias);
	mutex_unlock(&kis_mutex);
	return ret;
}

static ssize_t kis_tgt_alias_store(struct config_item *item,
				   const char *page, size_t count)
{
	struct kis_tgt *t = item_tgt(item);
	char buf[KIS_ALIAS_LEN + 1];
	size_t i;

	if (kis_copy_str(buf, sizeof(buf), page, count))
		return -EINVAL;
	for (i = 0; buf[i]; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return -EINVAL;
	mutex_lock(&kis_mutex);
	strscpy(t->alias, buf, sizeof(t->alias));
	mutex_unlock(&kis_mutex);
	kis_config_changed(t);
	return count;
}
CONFIGFS_ATTR(kis_tgt_, alias);

/*
 * CHAP attributes, the same for targets (tauth), initiator groups (gauth)
 * and discovery sessions (dauth, the driver's own attributes). Secrets
 * are readable by root only.
 */
enum kis_auth_id {
	KIS_A_user,
	KIS_A_secret,
	KIS_A_mutual_user,
	KIS_A_mutual_secret,
};

static char *kis_auth_field(struct kis_auth *a, enum kis_auth_id id)
{
	switch (id) {
	case KIS_A_user:
		return a->user;
	case KIS_A_secret:
		return a->secret;
	case KIS_A_mutual_user:
		return a->mutual_user;
	default:
		return a->mutual_secret;
	}
}

static ssize_t kis_auth_show(struct kis_auth *a, enum kis_auth_id id,
			     char *page)
{
	ssize_t ret;

	spin_lock(&kis_auth_lock);
	ret = sprintf(page, "%s\n", kis_auth_field(a, id));
	spin_unlock(&kis_auth_lock);
	return ret;
}

/*
 * A secret shorter than this is accepted with a warning: RFC 7143 12.1.3
 * asks for at least 96 bits unless IPsec protects the connections.
 */
#define KIS_SECRET_MIN		12

static const char *const kis_auth_names[] = {
	[KIS_A_user]		= "auth_user",
	[KIS_A_secret]		= "auth_secret",
	[KIS_A_mutual_user]	= "auth_mutual_user",
	[KIS_A_mutual_secret]	= "auth_mutual_secret",
};

/*
 * An empty secret is refused while its user is set (clear the user
 * first); a short secret, or a mutual secret equal to the initiator's
 * (which ktgt-iscsid refuses at login), only warns: the other attribute
 * of the pair may be written next.
 */
static ssize_t kis_auth_store(struct kis_auth *a, enum kis_auth_id id,
			      const char *what, const char *owner,
			      const char *page, size_t count)
{
	bool is_secret = id == KIS_A_secret || id == KIS_A_mutual_secret;
	const char *uname = kis_auth_names[id == KIS_A_secret ? KIS_A_user :
					   KIS_A_mutual_user];
	char buf[KIS_AUTH_LEN + 1];
	bool refuse = false, same = false;
	size_t i, len;

	if (kis_copy_str(buf, sizeof(buf), page, count))
		return -EINVAL;
	for (i = 0; buf[i]; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			goto inval;
	len = i;
	spin_lock(&kis_auth_lock);
	if (is_secret) {
		refuse = !len && (id == KIS_A_secret ? a->user[0] :
				  a->mutual_user[0]);
		same = len && !strcmp(buf, id == KIS_A_secret ?
				      a->mutual_secret : a->secret);
	}
	if (!refuse)
		strscpy(kis_auth_field(a, id), buf, KIS_AUTH_LEN + 1);
	spin_unlock(&kis_auth_lock);
	memzero_explicit(buf, sizeof(buf));
	if (refuse) {
		pr_warn("%s %s: an empty %s while %s is set is refused; clear %s first\n",
			what, owner, kis_auth_names[id], uname, uname);
		return -EINVAL;
	}
	if (is_secret && len && len < KIS_SECRET_MIN)
		pr_warn("%s %s: %s of %zu bytes; RFC 7143 12.1.3 wants at least %d (96 bits) unless IPsec protects the connections\n",
			what, owner, kis_auth_names[id], len, KIS_SECRET_MIN);
	if (same)
		pr_warn("%s %s: auth_secret and auth_mutual_secret are equal: logins with CHAP will be refused (RFC 7143 12.1.3)\n",
			what, owner);
	kis_nl_event(KTGT_ISCSI_EV_CONFIG, NULL, NULL, NULL, 0);
	return count;
inval:
	memzero_explicit(buf, sizeof(buf));
	return -EINVAL;
}

static struct kis_auth *kis_tauth_auth(struct config_item *item)
{
	return &item_tgt(item)->auth;
}

static struct kis_auth *kis_gauth_auth(struct config_item *item)
{
	return ktgt_group_priv_from_item(item);
}

static struct kis_auth *kis_dauth_auth(struct config_item *item)
{
	return &kis_disc_auth;
}

#define kis_tauth_what	"target"
#define kis_gauth_what	"group"
#define kis_dauth_what	"discovery authentication of driver"

#define KIS_AUTH_ATTR(_owner, _id, _mode)				\
static ssize_t kis_##_owner##_##_id##_show(struct config_item *item,	\
					   char *page)			\
{									\
	return kis_auth_show(kis_##_owner##_auth(item), KIS_A_##_id,	\
			     page);					\
}									\
static ssize_t kis_##_owner##_##_id##_store(struct config_item *item,	\
					    const char *page,		\
					    size_t count)		\
{									\
	return kis_auth_store(kis_##_owner##_auth(item), KIS_A_##_id,	\
			      kis_##_owner##_what,			\
			      config_item_name(item), page, count);	\
}									\
static struct configfs_attribute kis_##_owner##_attr_##_id = {		\
	.ca_name	= "auth_" #_id,					\
	.ca_owner	= THIS_MODULE,					\
	.ca_mode	= _mode,					\
	.show		= kis_##_owner##_##_id##_show,			\
	.store		= kis_##_owner##_##_id##_store,			\
}

KIS_AUTH_ATTR(tauth, user, 0644);
KIS_AUTH_ATTR(tauth, secret, 0600);
KIS_AUTH_ATTR(tauth, mutual_user, 0644);
KIS_AUTH_ATTR(tauth, mutual_secret, 0600);
KIS_AUTH_ATTR(gauth, user, 0644);
KIS_AUTH_ATTR(gauth, secret, 0600);
KIS_AUTH_ATTR(gauth, mutual_user, 0644);
KIS_AUTH_ATTR(gauth, mutual_secret, 0600);
KIS_AUTH_ATTR(dauth, user, 0644);
KIS_AUTH_ATTR(dauth, secret, 0600);
KIS_AUTH_ATTR(dauth, mutual_user, 0644);
KIS_AUTH_ATTR(dauth, mutual_secret, 0600);

static struct configfs_attribute *kis_tgt_attrs[] = {
	&kis_tgt_attr_tpgt,
	&kis_tgt_attr_alias,
	&kis_tauth_attr_user,
	&kis_tauth_attr_secret,
	&kis_tauth_attr_mutual_user,
	&kis_tauth_attr_mutual_secret,
	&kis_p_attr_MAX_RECV_DSL,
	&kis_p_attr_MAX_BURST,
	&kis_p_attr_FIRST_BURST,
	&kis_p_attr_INITIAL_R2T,
	&kis_p_attr_IMMEDIATE_DATA,
	&kis_p_attr_MAX_R2T,
	&kis_p_attr_MAX_CONNS,
	&kis_p_attr_HDIGEST,
	&kis_p_attr_DDIGEST,
	&kis_p_attr_T2WAIT,
	&kis_p_attr_T2RETAIN,
	&kis_p_attr_QUEUE_DEPTH,
	NULL,
};

static struct configfs_attribute *kis_grp_attrs[] = {
	&kis_gauth_attr_user,
	&kis_gauth_attr_secret,
	&kis_gauth_attr_mutual_user,
	&kis_gauth_attr_mutual_secret,
	NULL,
};

/*
 * targets/iscsi/auth_*: discovery sessions must pass CHAP with these
 * when auth_user is set (ktgt-iscsid reads them at each discovery login).
 */
static struct configfs_attribute *kis_drv_attrs[] = {
	&kis_dauth_attr_user,
	&kis_dauth_attr_secret,
	&kis_dauth_attr_mutual_user,
	&kis_dauth_attr_mutual_secret,
	NULL,
};

/*
 * ---------------------------------------------------------------------
 * Target life cycle
 * ---------------------------------------------------------------------
 */

/* An iSCSI name (RFC 3720 3.2.6): iqn./eui./naa., printable, no spaces. */
static bool kis_valid_name(const char *name)
{
	size_t i, len = strlen(name);

	if (len < 5 || len > KIS_NAME_LEN)
		return false;
	if (strncmp(name, "iqn.", 4) && strncmp(name, "eui.", 4) &&
	    strncmp(name, "naa.", 4))
		return false;
	for (i = 0; i < len; i++)
		if (name[i] <= 0x20 || name[i] > 0x7e)
			return false;
	return true;
}

static int kis_target_create(struct ktgt_target *tgt)
{
	const char *name = ktgt_target_name(tgt);
	struct kis_tgt *t, *dup;

	if (!kis_valid_name(name))
		return -EINVAL;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	/*
	 * One target per normal form of a name (kis_tgt_find()): checked
	 * and inserted under one hold of kis_mutex.
	 */
	mutex_lock(&kis_mutex);
	dup = kis_tgt_find(name);
	if (dup) {
		mutex_unlock(&kis_mutex);
		pr_warn("target %s: iSCSI names are case-insensitive, target %s exists\n",
			name, dup->name);
		kis_tgt_put(dup);
		kfree(t);
		return -EEXIST;
	}
	t->tgt = tgt;
	kref_init(&t->ref);
	INIT_LIST_HEAD(&t->portals);
	INIT_LIST_HEAD(&t->sessions);
	INIT_LIST_HEAD(&t->dying);
	strscpy(t->name, name, sizeof(t->name));
	t->tpgt = 1;
	t->defaults = (struct kis_params) {
		.max_recv_dsl = 262144,
		.max_xmit_dsl = 8192,
		.max_burst = 262144,
		.first_burst = 65536,
		.initial_r2t = 1,
		.immediate_data = 1,
		.max_r2t = 1,
		.max_conns = 1,
		.hdigest = BIT(KTGT_ISCSI_DIGEST_NONE) |
			   BIT(KTGT_ISCSI_DIGEST_CRC32C),
		.ddigest = BIT(KTGT_ISCSI_DIGEST_NONE) |
			   BIT(KTGT_ISCSI_DIGEST_CRC32C),
		.t2wait = 2,
		.t2retain = 20,
		.erl = 0,
		.dpio = 1,
		.dsio = 1,
		.queue_depth = 64,
	};
	config_group_init_type_name(&t->portals_group, "portals",
				    &kis_portals_type);
	configfs_add_default_group(&t->portals_group,
				   ktgt_target_cfs_group(tgt));
	ktgt_target_set_priv(tgt, t);

	list_add_tail(&t->node, &kis_targets);
	kis_targets_changed();
	mutex_unlock(&kis_mutex);
	return 0;
}

static void kis_target_destroy(struct ktgt_target *tgt)
{
	struct kis_tgt *t = ktgt_target_priv(tgt);

	mutex_lock(&kis_mutex);
	t->gone = true;
	list_del_init(&t->node);
	kis_targets_changed();
	mutex_unlock(&kis_mutex);
	kis_config_changed(t);
	kis_tgt_put(t);
}

static int kis_target_enable(struct ktgt_target *tgt, bool enable)
{
	struct kis_tgt *t = ktgt_target_priv(tgt);

	mutex_lock(&kis_mutex);
	t->enabled = enable;
	kis_targets_changed();
	mutex_unlock(&kis_mutex);
	if (!enable)
		kis_tgt_close_sessions(t, true);
	kis_config_changed(t);
	return 0;
}

struct ktgt_tgt_template kis_template = {
	.name		= "iscsi",
	.owner		= THIS_MODULE,
	.target_create	= kis_target_create,
	.target_destroy	= kis_target_destroy,
	.target_enable	= kis_target_enable,
	.target_attrs	= kis_tgt_attrs,
	.rdy_to_xfer	= kis_rdy_to_xfer,
	.xmit_response	= kis_xmit_response,
	.tmf_done	= kis_tmf_done,
	.data_out_aborted = kis_data_out_aborted,
	.free_cmd	= kis_free_cmd,
	.callbacks_atomic = true,
	.group_attrs	= kis_grp_attrs,
	.group_priv_size = sizeof(struct kis_auth),
	.driver_attrs	= kis_drv_attrs,
};

static int __init ktgt_iscsi_init(void)
{
	int ret = -ENOMEM;

	ret = kis_crc_init();
	if (ret)
		return ret;
	ret = -ENOMEM;
	kis_task_cache = KMEM_CACHE(kis_task, 0);
	if (!kis_task_cache)
		goto err_crc;
	kis_wq = alloc_workqueue("ktgt_iscsi", WQ_MEM_RECLAIM, 0);
	if (!kis_wq)
		goto err_cache;
	kis_sysfs_root = kobject_create_and_add("ktgt_iscsi", kernel_kobj);
	if (!kis_sysfs_root)
		goto err_wq;
	ret = sysfs_create_group(kis_sysfs_root, &kis_stats_group);
	if (ret)
		goto err_root;
	ret = -ENOMEM;
	kis_sysfs_sessions = kobject_create_and_add("sessions",
						    kis_sysfs_root);
	if (!kis_sysfs_sessions)
		goto err_root;
	ret = kis_nl_init();
	if (ret)
		goto err_sess;
	ret = ktgt_register_template(&kis_template);
	if (ret)
		goto err_nl;
	return 0;

err_nl:
	kis_nl_exit();
err_sess:
	kobject_put(kis_sysfs_sessions);
err_root:
	kobject_put(kis_sysfs_root);
err_wq:
	destroy_workqueue(kis_wq);
err_cache:
	kmem_cache_destroy(kis_task_cache);
err_crc:
	kis_crc_exit();
	return ret;
}

static void __exit ktgt_iscsi_exit(void)
{
	ktgt_unregister_template(&kis_template);
	kis_nl_exit();
	/* Every target, so every session, is gone: nothing is queued. */
	flush_workqueue(kis_wq);
	kobject_put(kis_sysfs_sessions);
	kobject_put(kis_sysfs_root);
	destroy_workqueue(kis_wq);
	kmem_cache_destroy(kis_task_cache);
	kis_crc_exit();
	memzero_explicit(&kis_disc_auth, sizeof(kis_disc_auth));
}

module_init(ktgt_iscsi_init);
module_exit(ktgt_iscsi_exit);

MODULE_DESCRIPTION("ktgt iSCSI target driver");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: crc32c");
