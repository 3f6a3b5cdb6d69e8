// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of ktgtadm's diff planner (tools/ktgtadm/plan.c): running
 * configuration x wanted configuration -> the ordered configfs steps.
 * Devices are created before the LUNs that map them and removed after;
 * unchanged LUNs are never touched; attributes are set only when they
 * changed; a target is disabled only when a change needs it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tools/ktgtadm/conf.h"
#include "tools/ktgtadm/plan.h"
#include "core/pattern.h"

static void load(struct kconf *c, const char *text)
{
	char err[256];

	if (kconf_parse(c, "t.conf", text, strlen(text), err, sizeof(err)))
		fail_msg("parse: %s", err);
}

/* The plan from @old to @new as text, one step per line. */
static char *plan_text(const struct kconf *old, const struct kconf *new)
{
	struct kplan p;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (kplan_make(old, new, &p, 0, err, sizeof(err)))
		fail_msg("plan: %s", err);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	kplan_print(&p, f);
	fclose(f);
	kplan_free(&p);
	return buf;
}

static void check_plan(const char *old_text, const char *new_text,
		       const char *want)
{
	struct kconf old, new;
	char *got;

	load(&old, old_text);
	load(&new, new_text);
	got = plan_text(&old, &new);
	if (strcmp(got, want))
		fail_msg("plan differs.\n--- got:\n%s--- want:\n%s", got, want);
	free(got);
	kconf_free(&old);
	kconf_free(&new);
}

#define DEVS \
	"HANDLER vdisk_fileio {\n" \
	"\tDEVICE d0 {\n\t\tfilename /a\n\t}\n" \
	"\tDEVICE d1 {\n\t\tfilename /b\n\t}\n" \
	"}\n"

static const char base[] =
	DEVS
	"TARGET_DRIVER local {\n"
	"\tTARGET t0 {\n"
	"\t\tenabled 1\n"
	"\t\tinitiator_name me\n"
	"\t\tLUN 0 d0\n"
	"\t\tLUN 1 d1 {\n\t\t\tread_only 0\n\t\t}\n"
	"\t}\n"
	"}\n";

static void test_create(void **state)
{
	(void)state;
	check_plan("", base,
		   "mkdir handlers/vdisk_fileio/d0\n"
		   "set handlers/vdisk_fileio/d0/filename /a\n"
		   "set handlers/vdisk_fileio/d0/enable 1\n"
		   "mkdir handlers/vdisk_fileio/d1\n"
		   "set handlers/vdisk_fileio/d1/filename /b\n"
		   "set handlers/vdisk_fileio/d1/enable 1\n"
		   "mkdir targets/local/t0\n"
		   "set targets/local/t0/initiator_name me\n"
		   "mkdir targets/local/t0/luns/0\n"
		   "link targets/local/t0/luns/0/device handlers/vdisk_fileio/d0\n"
		   "mkdir targets/local/t0/luns/1\n"
		   "set targets/local/t0/luns/1/read_only 0\n"
		   "link targets/local/t0/luns/1/device handlers/vdisk_fileio/d1\n"
		   "set targets/local/t0/enable 1\n");
}

static void test_remove_all(void **state)
{
	(void)state;
	check_plan(base, "",
		   "set targets/local/t0/enable 0\n"
		   "unlink targets/local/t0/luns/0/device\n"
		   "rmdir targets/local/t0/luns/0\n"
		   "unlink targets/local/t0/luns/1/device\n"
		   "rmdir targets/local/t0/luns/1\n"
		   "rmdir targets/local/t0\n"
		   "set handlers/vdisk_fileio/d0/enable 0\n"
		   "rmdir handlers/vdisk_fileio/d0\n"
		   "set handlers/vdisk_fileio/d1/enable 0\n"
		   "rmdir handlers/vdisk_fileio/d1\n");
}

static void test_unchanged(void **state)
{
	(void)state;
	check_plan(base, base, "");
}

/*
 * LUN 1 gets another device, LUN 2 is new: LUN 0 is not touched, the
 * target stays enabled.
 */
/* LUN 1 maps another device: re-created, keeping its read_only. */
static void test_lun_change(void **state)
{
	static const char new[] =
		DEVS
		"HANDLER vdisk_nullio {\n\tDEVICE n0\n}\n"
		"TARGET_DRIVER local {\n"
		"\tTARGET t0 {\n"
		"\t\tenabled 1\n"
		"\t\tinitiator_name me\n"
		"\t\tLUN 0 d0\n"
		"\t\tLUN 1 n0\n"
		"\t\tLUN 2 d1\n"
		"\t}\n"
		"}\n";

	(void)state;
	check_plan(base, new,
		   "unlink targets/local/t0/luns/1/device\n"
		   "rmdir targets/local/t0/luns/1\n"
		   "mkdir handlers/vdisk_nullio/n0\n"
		   "set handlers/vdisk_nullio/n0/enable 1\n"
		   "mkdir targets/local/t0/luns/1\n"
		   "set targets/local/t0/luns/1/read_only 0\n"
		   "link targets/local/t0/luns/1/device handlers/vdisk_nullio/n0\n"
		   "mkdir targets/local/t0/luns/2\n"
		   "link targets/local/t0/luns/2/device handlers/vdisk_fileio/d1\n");
}

/*
 * A device parameter changes: only the LUNs of that device are remapped,
 * around a disable/enable of the device.
 */
static void test_device_reconf(void **state)
{
	static const char new[] =
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d0 {\n\t\tfilename /a\n\t}\n"
		"\tDEVICE d1 {\n\t\tfilename /c\n\t}\n"
		"}\n"
		"TARGET_DRIVER local {\n"
		"\tTARGET t0 {\n"
		"\t\tenabled 1\n"
		"\t\tinitiator_name me\n"
		"\t\tLUN 0 d0\n"
		"\t\tLUN 1 d1 {\n\t\t\tread_only 0\n\t\t}\n"
		"\t}\n"
		"}\n";

	(void)state;
	check_plan(base, new,
		   "unlink targets/local/t0/luns/1/device\n"
		   "rmdir targets/local/t0/luns/1\n"
		   "set handlers/vdisk_fileio/d1/enable 0\n"
		   "set handlers/vdisk_fileio/d1/filename /c\n"
		   "set handlers/vdisk_fileio/d1/enable 1\n"
		   "mkdir targets/local/t0/luns/1\n"
		   "set targets/local/t0/luns/1/read_only 0\n"
		   "link targets/local/t0/luns/1/device handlers/vdisk_fileio/d1\n");
}

/* A live device attribute and a LUN attribute: set, nothing else. */
static void test_live_attrs(void **state)
{
	static const char old[] =
		"HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t\tdelay_ms 0\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 n0 {\n\t\t\tread_only 0\n\t\t}\n\t}\n}\n";
	static const char new[] =
		"HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t\tdelay_ms 5\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 n0 {\n\t\t\tread_only 1\n\t\t}\n\t}\n}\n";

	(void)state;
	check_plan(old, new,
		   "set handlers/vdisk_nullio/n0/delay_ms 5\n"
		   "set targets/local/t0/luns/0/read_only 1\n");
}

/* local's initiator_name needs the target disabled; auto_rescan not. */
static void test_target_offline_attr(void **state)
{
	static const char new[] =
		DEVS
		"TARGET_DRIVER local {\n"
		"\tTARGET t0 {\n"
		"\t\tenabled 1\n"
		"\t\tinitiator_name you\n"
		"\t\tLUN 0 d0\n"
		"\t\tLUN 1 d1 {\n\t\t\tread_only 0\n\t\t}\n"
		"\t}\n"
		"}\n";
	static const char old2[] =
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tauto_rescan 1\n\t}\n}\n";
	static const char new2[] =
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tauto_rescan 0\n\t}\n}\n";

	(void)state;
	check_plan(base, new,
		   "set targets/local/t0/enable 0\n"
		   "set targets/local/t0/initiator_name you\n"
		   "set targets/local/t0/enable 1\n");
	check_plan(old2, new2, "set targets/local/t0/auto_rescan 0\n");
}

static void test_target_disable(void **state)
{
	static const char off[] =
		DEVS
		"TARGET_DRIVER local {\n"
		"\tTARGET t0 {\n"
		"\t\tenabled 0\n"
		"\t\tinitiator_name me\n"
		"\t\tLUN 0 d0\n"
		"\t\tLUN 1 d1 {\n\t\t\tread_only 0\n\t\t}\n"
		"\t}\n"
		"}\n";

	(void)state;
	check_plan(base, off, "set targets/local/t0/enable 0\n");
	check_plan(off, base, "set targets/local/t0/enable 1\n");
}

/* The position of the step that sets @path in @plan; fails if none. */
static size_t step_at(const char *plan, const char *path)
{
	char want[256];
	const char *p;

	snprintf(want, sizeof(want), "set targets/iscsi/iqn.2026-11.x:t/%s ",
		 path);
	p = strstr(plan, want);
	if (!p)
		fail_msg("no step for %s in:\n%s", path, plan);
	return p - plan;
}

/*
 * Turning CHAP off: ktgt_iscsi refuses an empty auth_secret while
 * auth_user is set, so the users are cleared before the secrets, even
 * when the file lists the secrets first (as ktgtadm write does); setting
 * credentials keeps the file's order. The printed plan hides the secrets.
 */
static void test_chap_clear_order(void **state)
{
	static const char on[] =
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.2026-11.x:t {\n"
		"\t\tauth_mutual_secret \"mutual-secret-1\"\n"
		"\t\tauth_mutual_user tgt\n"
		"\t\tauth_secret \"joes-secret-12\"\n"
		"\t\tauth_user joe\n"
		"\t\tGROUP g {\n\t\t\tauth_secret \"anns-secret-12\"\n"
		"\t\t\tauth_user ann\n\t\t}\n\t}\n}\n";
	static const char off[] =
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.2026-11.x:t {\n"
		"\t\tauth_mutual_secret \"\"\n"
		"\t\tauth_mutual_user \"\"\n"
		"\t\tauth_secret \"\"\n"
		"\t\tauth_user \"\"\n"
		"\t\tGROUP g {\n\t\t\tauth_secret \"\"\n"
		"\t\t\tauth_user \"\"\n\t\t}\n\t}\n}\n";
	struct kconf c_on, c_off;
	char *plan;

	(void)state;
	load(&c_on, on);
	load(&c_off, off);
	plan = plan_text(&c_on, &c_off);
	assert_true(step_at(plan, "auth_user") < step_at(plan, "auth_secret"));
	assert_true(step_at(plan, "auth_mutual_user") <
		    step_at(plan, "auth_mutual_secret"));
	assert_true(step_at(plan, "groups/g/auth_user") <
		    step_at(plan, "groups/g/auth_secret"));
	free(plan);
	plan = plan_text(&c_off, &c_on);
	/* Printed plans (--dry-run, --verbose) do not show secrets. */
	if (strstr(plan, "secret-1"))
		fail_msg("a secret is shown in:\n%s", plan);
	assert_non_null(strstr(plan, "/groups/g/auth_secret " KSTEP_HIDDEN "\n"));
	assert_true(step_at(plan, "auth_secret") < step_at(plan, "auth_user"));
	assert_true(step_at(plan, "auth_mutual_secret") <
		    step_at(plan, "auth_mutual_user"));
	assert_true(step_at(plan, "groups/g/auth_secret") <
		    step_at(plan, "groups/g/auth_user"));
	free(plan);
	kconf_free(&c_on);
	kconf_free(&c_off);
}

/*
 * Groups: a removed group loses its LUNs and initiators first; a new
 * one gets its LUNs before its initiators.
 */
static void test_groups(void **state)
{
	static const char old[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP g1 {\n\t\t\tINITIATOR a\n\t\t\tINITIATOR b\n"
		"\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP keep {\n\t\t\tINITIATOR x\n\t\t\tINITIATOR y\n"
		"\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char new[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP keep {\n\t\t\tINITIATOR x\n\t\t\tINITIATOR z\n"
		"\t\t\tLUN 0 d1\n\t\t}\n"
		"\t\tGROUP g2 {\n\t\t\tINITIATOR c*\n\t\t\tLUN 3 d0 {\n"
		"\t\t\t\tread_only 1\n\t\t\t}\n\t\t}\n"
		"\t}\n}\n";

	(void)state;
	check_plan(old, new,
		   "unlink targets/local/t0/groups/g1/luns/0/device\n"
		   "rmdir targets/local/t0/groups/g1/luns/0\n"
		   "rmdir targets/local/t0/groups/g1/initiators/a\n"
		   "rmdir targets/local/t0/groups/g1/initiators/b\n"
		   "rmdir targets/local/t0/groups/g1\n"
		   "rmdir targets/local/t0/groups/keep/initiators/y\n"
		   "mkdir targets/local/t0/groups/keep/initiators/z\n"
		   "mkdir targets/local/t0/groups/g2\n"
		   "mkdir targets/local/t0/groups/g2/luns/3\n"
		   "set targets/local/t0/groups/g2/luns/3/read_only 1\n"
		   "link targets/local/t0/groups/g2/luns/3/device handlers/vdisk_fileio/d0\n"
		   "mkdir targets/local/t0/groups/g2/initiators/c*\n");
}

/*
 * A device that moves to another handler is removed and re-created,
 * with the LUNs that map it.
 */
static void test_handler_move(void **state)
{
	static const char old[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tLUN 0 d0\n\t}\n}\n";
	static const char new[] =
		"HANDLER vdisk_nullio {\n\tDEVICE d0\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tLUN 0 d0\n\t}\n}\n";

	(void)state;
	check_plan(old, new,
		   "unlink targets/local/t0/luns/0/device\n"
		   "rmdir targets/local/t0/luns/0\n"
		   "set handlers/vdisk_fileio/d0/enable 0\n"
		   "rmdir handlers/vdisk_fileio/d0\n"
		   "mkdir handlers/vdisk_nullio/d0\n"
		   "set handlers/vdisk_nullio/d0/enable 1\n"
		   "mkdir targets/local/t0/luns/0\n"
		   "link targets/local/t0/luns/0/device handlers/vdisk_nullio/d0\n");
}

/* iSCSI-style portals and sub-directory attributes are generic. */
static void test_portals(void **state)
{
	static const char old[] =
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:t {\n"
		"\t\tPORTAL 0.0.0.0:3260\n\t\tPORTAL 10.0.0.1:3260\n\t}\n}\n";
	static const char new[] =
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:t {\n"
		"\t\tauth/userid joe\n"
		"\t\tPORTAL 0.0.0.0:3260\n\t\tPORTAL [::]:3261 {\n"
		"\t\t\ttpgt 2\n\t\t}\n\t}\n}\n";

	(void)state;
	check_plan(old, new,
		   "rmdir targets/iscsi/iqn.x:t/portals/10.0.0.1:3260\n"
		   "set targets/iscsi/iqn.x:t/auth/userid joe\n"
		   "mkdir targets/iscsi/iqn.x:t/portals/[::]:3261\n"
		   "set targets/iscsi/iqn.x:t/portals/[::]:3261/tpgt 2\n");
}

/*
 * Against the running system: unknown and read-only attributes are
 * errors with the file's line; write-only ones are not re-written.
 */
static void test_system_validation(void **state)
{
	struct kconf old, new;
	struct kdevice *d;
	struct kplan p;
	char err[256], *got;

	(void)state;
	memset(&old, 0, sizeof(old));
	old.from_system = 1;
	assert_non_null(kconf_add_container(&old.handlers, &old.nhandlers,
					    "vdisk_fileio"));
	assert_non_null(kconf_add_container(&old.drivers, &old.ndrivers,
					    "local"));
	d = kconf_add_device(&old, "vdisk_fileio", "d0");
	assert_non_null(d);
	assert_int_equal(kattrs_add(&d->attrs, "filename", "/a", 0, 0), 0);
	assert_int_equal(kattrs_add(&d->attrs, "size", "0", KATTR_RO, 0), 0);
	assert_int_equal(kattrs_add(&d->attrs, "resync_size", NULL, KATTR_WO,
				    0), 0);

	load(&new, "HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		   "\t\tbogus 1\n\t}\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:4: device d0 (vdisk_fileio) has no attribute 'bogus'");
	kconf_free(&new);

	/* A new device is checked against one of the same handler. */
	load(&new, "HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		   "\t}\n\tDEVICE d9 {\n\t\tsize 4096\n\t}\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:6: attribute 'size' of device d9 (vdisk_fileio) is read-only");
	kconf_free(&new);

	load(&new, "HANDLER vdisk_blockio {\n\tDEVICE b\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:2: no handler 'vdisk_blockio' (is its module loaded?)");
	kconf_free(&new);

	load(&new, "TARGET_DRIVER iscsi {\n\tTARGET t\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: no target driver 'iscsi' (is its module loaded?)");
	kconf_free(&new);

	/* resync_size is an action: not repeated on an existing device. */
	load(&new, "HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		   "\t\tresync_size 1\n\t}\n}\n");
	d->enabled = 1;
	got = plan_text(&old, &new);
	assert_string_equal(got, "");
	free(got);
	kconf_free(&new);

	/*
	 * A driver whose module is not loaded yet (apply's plan before it
	 * loads it, a dry run): its attributes are unknown, not absent.
	 * A loaded driver's are checked as before.
	 */
	{
		struct kcontainer *k;

		k = kconf_add_container(&old.drivers, &old.ndrivers, "iscsi");
		assert_non_null(k);
		k->unread = 1;
	}
	load(&new, "TARGET_DRIVER iscsi {\n\tauth_user disco\n}\n"
		   "TARGET_DRIVER local {\n\tbogus 1\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:5: target driver local has no attribute 'bogus'");
	kconf_free(&new);
	load(&new, "TARGET_DRIVER iscsi {\n\tauth_user disco\n}\n");
	got = plan_text(&old, &new);
	assert_string_equal(got, "set handlers/vdisk_fileio/d0/enable 0\n"
				 "rmdir handlers/vdisk_fileio/d0\n"
				 "set targets/iscsi/auth_user disco\n");
	free(got);
	kconf_free(&new);
	kconf_free(&old);
}

/*
 * Live device attributes (Documentation/configfs.rst) change in place on
 * an enabled, mapped device; read_only only 0 -> 1.
 */
static void test_live_device_attrs(void **state)
{
	static const char old[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		"\t\tread_only 0\n\t\twrite_through 0\n\t\tnv_cache 0\n"
		"\t\trotational 0\n\t\tvendor_id KTGT\n\t\tproduct_id P\n"
		"\t\trevision 0.1\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 d0\n\t}\n}\n";
	static const char new[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		"\t\tread_only 1\n\t\twrite_through 1\n\t\tnv_cache 1\n"
		"\t\trotational 1\n\t\tvendor_id \"ACME CO\"\n"
		"\t\tproduct_id Q\n\t\trevision 2\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 d0\n\t}\n}\n";
	static const char rw[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		"\t\tread_only 0\n\t\twrite_through 1\n\t\tnv_cache 1\n"
		"\t\trotational 1\n\t\tvendor_id \"ACME CO\"\n"
		"\t\tproduct_id Q\n\t\trevision 2\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 d0\n\t}\n}\n";

	(void)state;
	check_plan(old, new,
		   "set handlers/vdisk_fileio/d0/read_only 1\n"
		   "set handlers/vdisk_fileio/d0/write_through 1\n"
		   "set handlers/vdisk_fileio/d0/nv_cache 1\n"
		   "set handlers/vdisk_fileio/d0/rotational 1\n"
		   "set handlers/vdisk_fileio/d0/vendor_id ACME CO\n"
		   "set handlers/vdisk_fileio/d0/product_id Q\n"
		   "set handlers/vdisk_fileio/d0/revision 2\n");
	/* Writable again: the backing file must be reopened. */
	check_plan(new, rw,
		   "unlink targets/local/t0/luns/0/device\n"
		   "rmdir targets/local/t0/luns/0\n"
		   "set handlers/vdisk_fileio/d0/enable 0\n"
		   "set handlers/vdisk_fileio/d0/read_only 0\n"
		   "set handlers/vdisk_fileio/d0/enable 1\n"
		   "mkdir targets/local/t0/luns/0\n"
		   "link targets/local/t0/luns/0/device handlers/vdisk_fileio/d0\n");
}

/* The plan from @old_text, whose t0 has sessions of @inits, to @new. */
static int plan_sessions(const char *old_text, const char *const *inits,
			 const char *new_text, unsigned int flags, char *err,
			 size_t errlen, char **text)
{
	struct kconf old, new;
	struct ktarget *t;
	struct kplan p;
	size_t len = 0;
	FILE *f;
	int ret;

	load(&old, old_text);
	load(&new, new_text);
	t = kconf_target(&old, "local", "t0");
	assert_non_null(t);
	for (; *inits; inits++)
		assert_int_equal(ktarget_add_session(t, *inits), 0);
	ret = kplan_make(&old, &new, &p, flags, err, errlen);
	*text = NULL;
	if (!ret) {
		f = open_memstream(text, &len);
		assert_non_null(f);
		kplan_print(&p, f);
		fclose(f);
		kplan_free(&p);
	}
	kconf_free(&old);
	kconf_free(&new);
	return ret;
}

/*
 * A vcdrom's filename is its medium: changed in place (a medium change
 * the initiators see), its LUN stays, whatever the sessions. A disk's
 * filename still needs the device disabled.
 */
static void test_live_vcdrom_filename(void **state)
{
	static const char *const inits[] = { "me", NULL };
	static const char old[] =
		"HANDLER vcdrom {\n\tDEVICE cd0 {\n\t\tfilename /a.iso\n"
		"\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 cd0\n\t}\n}\n";
	static const char new[] =
		"HANDLER vcdrom {\n\tDEVICE cd0 {\n\t\tfilename /b.iso\n"
		"\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 cd0\n\t}\n}\n";
	static const char none[] =
		"HANDLER vcdrom {\n\tDEVICE cd0 {\n\t\tfilename none\n"
		"\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 cd0\n\t}\n}\n";
	char err[256], *text = NULL;

	(void)state;
	check_plan(old, new, "set handlers/vcdrom/cd0/filename /b.iso\n");
	check_plan(new, none, "set handlers/vcdrom/cd0/filename none\n");
	/* A session using the LUN does not make it destructive. */
	assert_int_equal(plan_sessions(old, inits, new, 0, err, sizeof(err),
				       &text), 0);
	assert_string_equal(text, "set handlers/vcdrom/cd0/filename /b.iso\n");
	free(text);
}

/*
 * A vtape's size_mb changes in place (it sizes tapes created later); its
 * filename, the cartridge, needs the device disabled.
 */
static void test_live_vtape(void **state)
{
	static const char *const nobody[] = { NULL };
	static const char old[] =
		"HANDLER vtape {\n\tDEVICE tp0 {\n\t\tfilename /a.img\n"
		"\t\tsize_mb 64\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 tp0\n\t}\n}\n";
	static const char bigger[] =
		"HANDLER vtape {\n\tDEVICE tp0 {\n\t\tfilename /a.img\n"
		"\t\tsize_mb 128\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 tp0\n\t}\n}\n";
	static const char other[] =
		"HANDLER vtape {\n\tDEVICE tp0 {\n\t\tfilename /b.img\n"
		"\t\tsize_mb 64\n\t}\n}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 tp0\n\t}\n}\n";
	char err[256], *text = NULL;

	(void)state;
	check_plan(old, bigger, "set handlers/vtape/tp0/size_mb 128\n");
	assert_int_equal(plan_sessions(old, nobody, other, 0, err, sizeof(err),
				       &text), 0);
	assert_non_null(strstr(text, "set handlers/vtape/tp0/enable 0\n"));
	free(text);
}

/*
 * A vchanger's enable claims its vtape drives: they are created and
 * enabled first, whatever the order of the file.
 */
static void test_vchanger_after_drives(void **state)
{
	static const char new_text[] =
		"HANDLER vchanger {\n\tDEVICE ch0 {\n"
		"\t\tlibrary_dir /lib\n\t\tdrives d0\n\t}\n}\n"
		"HANDLER vtape {\n\tDEVICE d0 {\n\t\tsize_mb 16\n\t}\n}\n";
	struct kconf old, new;
	char *got, *drive, *changer;

	(void)state;
	load(&old, "");
	load(&new, new_text);
	got = plan_text(&old, &new);
	drive = strstr(got, "set handlers/vtape/d0/enable 1\n");
	changer = strstr(got, "mkdir handlers/vchanger/ch0\n");
	assert_non_null(drive);
	assert_non_null(changer);
	if (drive > changer)
		fail_msg("the changer comes before its drive:\n%s", got);
	assert_non_null(strstr(got, "set handlers/vchanger/ch0/enable 1\n"));
	free(got);
	kconf_free(&old);
	kconf_free(&new);
}

/*
 * A device change that needs the device disabled would drop a LUN the
 * file keeps: refused while a session sees the LUN, done with
 * KPLAN_FORCE. A session that sees a group's LUN set does not hold the
 * default set's LUNs, and a LUN the file removes goes regardless.
 */
static void test_sessions_refuse(void **state)
{
	static const char *const me[] = { "me", NULL };
	static const char *const grouped[] = { "host-a", NULL };
	static const char *const none[] = { NULL };
	static const char reconf[] =
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d0 {\n\t\tfilename /a\n\t}\n"
		"\tDEVICE d1 {\n\t\tfilename /c\n\t}\n"
		"}\n"
		"TARGET_DRIVER local {\n"
		"\tTARGET t0 {\n"
		"\t\tenabled 1\n"
		"\t\tinitiator_name me\n"
		"\t\tLUN 0 d0\n"
		"\t\tLUN 1 d1 {\n\t\t\tread_only 0\n\t\t}\n"
		"\t}\n"
		"}\n";
	static const char with_group[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 1 d1\n"
		"\t\tGROUP g {\n\t\t\tINITIATOR host-*\n\t\t\tLUN 0 d0\n"
		"\t\t}\n\t}\n}\n";
	static const char with_group2[] =
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d0 {\n\t\tfilename /z\n\t}\n"
		"\tDEVICE d1 {\n\t\tfilename /y\n\t}\n"
		"}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 1 d1\n"
		"\t\tGROUP g {\n\t\t\tINITIATOR host-*\n\t\t\tLUN 0 d0\n"
		"\t\t}\n\t}\n}\n";
	static const char unmapped[] =
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d0 {\n\t\tfilename /a\n\t}\n"
		"\tDEVICE d1 {\n\t\tfilename /c\n\t}\n"
		"}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tinitiator_name me\n\t\tLUN 0 d0\n\t}\n}\n";
	char err[512], *got;

	(void)state;
	assert_int_equal(plan_sessions(base, me, reconf, 0, err, sizeof(err),
				       &got), -1);
	assert_string_equal(err,
			    "t.conf:6: changing 'filename' of device d1 needs the device disabled, which drops LUN 1 of target local/t0 that 1 session uses; refused (--force removes and re-adds the LUN)");
	assert_int_equal(plan_sessions(base, me, reconf, KPLAN_FORCE, err,
				       sizeof(err), &got), 0);
	assert_string_equal(got,
			    "unlink targets/local/t0/luns/1/device\n"
			    "rmdir targets/local/t0/luns/1\n"
			    "set handlers/vdisk_fileio/d1/enable 0\n"
			    "set handlers/vdisk_fileio/d1/filename /c\n"
			    "set handlers/vdisk_fileio/d1/enable 1\n"
			    "mkdir targets/local/t0/luns/1\n"
			    "set targets/local/t0/luns/1/read_only 0\n"
			    "link targets/local/t0/luns/1/device handlers/vdisk_fileio/d1\n");
	free(got);
	/* No session: as before. */
	assert_int_equal(plan_sessions(base, none, reconf, 0, err,
				       sizeof(err), &got), 0);
	free(got);
	/* The file removes LUN 1 (and changes d1): no session holds it. */
	assert_int_equal(plan_sessions(base, me, unmapped, 0, err,
				       sizeof(err), &got), 0);
	free(got);
	/*
	 * host-a sees group g (LUN 0 -> d0), not the default set (LUN 1 ->
	 * d1): d1 may change, d0 may not.
	 */
	assert_int_equal(plan_sessions(with_group, grouped, with_group2, 0,
				       err, sizeof(err), &got), -1);
	assert_string_equal(err,
			    "t.conf:3: changing 'filename' of device d0 needs the device disabled, which drops LUN 0 of group g of target local/t0 that 1 session uses; refused (--force removes and re-adds the LUN)");
	assert_int_equal(plan_sessions(with_group, grouped, with_group2,
				       KPLAN_FORCE, err, sizeof(err), &got), 0);
	free(got);
}

/*
 * ktgtadm tells which group a session is in as the core does (its own
 * pattern code): '[^a]' is the class of '^' and 'a', so iqn.host:b sees
 * the default set (LUN 0 -> d0), whose device change is refused.
 */
static void test_session_pattern(void **state)
{
	static const char *const b[] = { "iqn.host:b", NULL };
	static const char *const caret[] = { "iqn.host:^b", NULL };
	static const char old[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 d0\n"
		"\t\tGROUP g {\n\t\t\tINITIATOR iqn.host:[^a]*\n"
		"\t\t\tLUN 5 d1\n\t\t}\n\t}\n}\n";
	static const char new[] =
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d0 {\n\t\tfilename /z\n\t}\n"
		"\tDEVICE d1 {\n\t\tfilename /b\n\t}\n"
		"}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n\t\tenabled 1\n"
		"\t\tLUN 0 d0\n"
		"\t\tGROUP g {\n\t\t\tINITIATOR iqn.host:[^a]*\n"
		"\t\t\tLUN 5 d1\n\t\t}\n\t}\n}\n";
	char err[512], *got;

	(void)state;
	assert_int_equal(plan_sessions(old, b, new, 0, err, sizeof(err),
				       &got), -1);
	assert_string_equal(err,
			    "t.conf:3: changing 'filename' of device d0 needs the device disabled, which drops LUN 0 of target local/t0 that 1 session uses; refused (--force removes and re-adds the LUN)");
	/* iqn.host:^b is the group's: the default LUN 0 may go. */
	assert_int_equal(plan_sessions(old, caret, new, 0, err, sizeof(err),
				       &got), 0);
	free(got);
}

/* Values are compared by meaning, and written in the kernel's form. */
static void test_values_by_meaning(void **state)
{
	static const char old[] =
		"HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t\tblocksize 4096\n"
		"\t\tdelay_ms 16\n\t\tvendor_id \"ACME\"\n\t\tread_only 0\n"
		"\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n\t\tInitialR2T Yes\n"
		"\t\tMaxBurstLength 0x40000\n\t}\n}\n";
	static const char same[] =
		"HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t\tblocksize 0x1000\n"
		"\t\tdelay_ms 0X10\n\t\tvendor_id \"ACME  \"\n\t\tread_only no\n"
		"\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n\t\tInitialR2T 1\n"
		"\t\tMaxBurstLength 262144\n\t}\n}\n";
	static const char other[] =
		"HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t\tblocksize 4096\n"
		"\t\tdelay_ms 17\n\t\tvendor_id ACME\n\t\tread_only yes\n"
		"\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n\t\tInitialR2T off\n"
		"\t\tMaxBurstLength 65536\n\t}\n}\n";
	char buf[64];

	(void)state;
	assert_true(kval_equal("1", "0x1"));
	assert_true(kval_equal("1", "yes"));
	assert_true(kval_equal("YES", "on"));
	assert_true(kval_equal("0", "False"));
	assert_true(kval_equal("4096", "0x1000"));
	assert_true(kval_equal("abc \t", "abc"));
	assert_true(kval_equal("18446744073709551615",
			       "0xffffffffffffffff"));
	assert_false(kval_equal("10", "010"));
	assert_false(kval_equal("1", "2"));
	assert_false(kval_equal("abc", "abd"));
	assert_false(kval_equal(" abc", "abc"));
	assert_false(kval_equal("0x", "0"));
	assert_false(kval_equal("99999999999999999999", "0"));

	assert_string_equal(kval_for_write("yes", "0", buf, sizeof(buf)), "1");
	assert_string_equal(kval_for_write("1", "No", buf, sizeof(buf)),
			    "Yes");
	assert_string_equal(kval_for_write("off", "YES", buf, sizeof(buf)),
			    "NO");
	assert_string_equal(kval_for_write("true", "off", buf, sizeof(buf)),
			    "on");
	assert_string_equal(kval_for_write("0x1000", "512", buf, sizeof(buf)),
			    "4096");
	assert_string_equal(kval_for_write("32", "0x0", buf, sizeof(buf)),
			    "0x20");
	assert_string_equal(kval_for_write("0x20", "0", buf, sizeof(buf)),
			    "32");
	assert_string_equal(kval_for_write("abc", "1", buf, sizeof(buf)),
			    "abc");
	assert_string_equal(kval_for_write("5", "abc", buf, sizeof(buf)),
			    "5");
	assert_string_equal(kval_for_write("5", NULL, buf, sizeof(buf)), "5");

	check_plan(old, same, "");
	check_plan(old, other,
		   "set handlers/vdisk_nullio/n0/delay_ms 17\n"
		   "set handlers/vdisk_nullio/n0/read_only 1\n"
		   "set targets/iscsi/t0/InitialR2T No\n"
		   "set targets/iscsi/t0/MaxBurstLength 0x10000\n");
}

/*
 * Values compared as the modules parse and show them: naa_id is shown
 * in lower case and the iSCSI digests in their own order, so a file
 * with naa_id in upper case or "None,CRC32C" is no change; a string that
 * looks like a boolean or a number is text.
 */
static void test_values_as_shown(void **state)
{
	static const char old[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n"
		"\t\tnaa_id 6001405abcdef0123456789abcdef012\n"
		"\t\tproduct_id YES\n\t\tserial 0x10\n\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n"
		"\t\tHeaderDigest CRC32C,None\n\t\tDataDigest None\n"
		"\t\talias on\n\t}\n}\n";
	static const char same[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n"
		"\t\tnaa_id 6001405ABCDEF0123456789ABCDEF012\n"
		"\t\tproduct_id YES\n\t\tserial 0x10\n\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n"
		"\t\tHeaderDigest None,CRC32C\n\t\tDataDigest None\n"
		"\t\talias on\n\t}\n}\n";
	static const char other[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d0 {\n"
		"\t\tnaa_id 6001405ABCDEF0123456789ABCDEF013\n"
		"\t\tproduct_id 1\n\t\tserial 16\n\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n"
		"\t\tHeaderDigest None\n\t\tDataDigest None,CRC32C\n"
		"\t\talias yes\n\t}\n}\n";
	char buf[64];

	(void)state;
	assert_true(kattr_equal("naa_id", "600aBC", "600Abc"));
	assert_true(kattr_equal("HeaderDigest", "None,CRC32C", "CRC32C,None"));
	assert_false(kattr_equal("HeaderDigest", "None,CRC32C", "None"));
	assert_false(kattr_equal("DataDigest", "CRC32C", "CRC32C,None"));
	assert_false(kattr_equal("product_id", "1", "YES"));
	assert_false(kattr_equal("serial", "16", "0x10"));
	assert_true(kattr_equal("write_through", "yes", "1"));
	assert_true(kattr_equal("MaxBurstLength", "0x40000", "262144"));
	assert_true(kattr_equal("some_new_attr", "on", "1"));
	assert_string_equal(kattr_for_write("product_id", "yes", "1", buf,
					    sizeof(buf)), "yes");
	assert_string_equal(kattr_for_write("naa_id", "600ABC", "600abd", buf,
					    sizeof(buf)), "600abc");
	assert_string_equal(kattr_for_write("read_only", "yes", "0", buf,
					    sizeof(buf)), "1");

	check_plan(old, same, "");
	check_plan(old, other,
		   "set handlers/vdisk_fileio/d0/enable 0\n"
		   "set handlers/vdisk_fileio/d0/naa_id 6001405abcdef0123456789abcdef013\n"
		   "set handlers/vdisk_fileio/d0/product_id 1\n"
		   "set handlers/vdisk_fileio/d0/serial 16\n"
		   "set handlers/vdisk_fileio/d0/enable 1\n"
		   "set targets/iscsi/t0/HeaderDigest None\n"
		   "set targets/iscsi/t0/DataDigest None,CRC32C\n"
		   "set targets/iscsi/t0/alias yes\n");
}

/*
 * A value written to a new object is in the form the attribute takes,
 * as on an existing one: the core's booleans take only 0/1, so a file
 * that updates a device fine also applies from nothing.
 */
static void test_new_object_values(void **state)
{
	static const char want[] =
		"HANDLER vdisk_fileio {\n\tDEVICE d1 {\n"
		"\t\tfilename /b\n\t\twrite_through yes\n\t\tblocksize 0x1000\n"
		"\t\tproduct_id yes\n\t}\n}\n"
		"TARGET_DRIVER iscsi {\n\tTARGET t0 {\n"
		"\t\tInitialR2T 1\n\t\tImmediateData off\n"
		"\t\tMaxBurstLength 0x100000\n\t\tLUN 0 d1 {\n"
		"\t\t\tread_only true\n\t\t}\n\t}\n}\n";
	char buf[64];

	(void)state;
	assert_string_equal(kattr_for_write("write_through", "yes", NULL, buf,
					    sizeof(buf)), "1");
	assert_string_equal(kattr_for_write("InitialR2T", "on", NULL, buf,
					    sizeof(buf)), "Yes");
	assert_string_equal(kattr_for_write("blocksize", "0x200", NULL, buf,
					    sizeof(buf)), "512");
	assert_string_equal(kattr_for_write("unknown_attr", "yes", NULL, buf,
					    sizeof(buf)), "yes");
	/* FirstBurstLength <= MaxBurstLength: who must go first. */
	assert_string_equal(kattr_partner("t/FirstBurstLength"),
			    "MaxBurstLength");
	assert_null(kattr_partner("blocksize"));
	assert_true(kattr_conflicts("FirstBurstLength", "524288", "262144"));
	assert_false(kattr_conflicts("FirstBurstLength", "4096", "262144"));
	assert_true(kattr_conflicts("t/MaxBurstLength", "8192", "65536"));
	assert_false(kattr_conflicts("MaxBurstLength", "1048576", "65536"));
	check_plan("", want,
		   "mkdir handlers/vdisk_fileio/d1\n"
		   "set handlers/vdisk_fileio/d1/filename /b\n"
		   "set handlers/vdisk_fileio/d1/write_through 1\n"
		   "set handlers/vdisk_fileio/d1/blocksize 4096\n"
		   "set handlers/vdisk_fileio/d1/product_id yes\n"
		   "set handlers/vdisk_fileio/d1/enable 1\n"
		   "mkdir targets/iscsi/t0\n"
		   "set targets/iscsi/t0/InitialR2T Yes\n"
		   "set targets/iscsi/t0/ImmediateData No\n"
		   "set targets/iscsi/t0/MaxBurstLength 1048576\n"
		   "mkdir targets/iscsi/t0/luns/0\n"
		   "set targets/iscsi/t0/luns/0/read_only 1\n"
		   "link targets/iscsi/t0/luns/0/device handlers/vdisk_fileio/d1\n");
}

/*
 * The file's group order is applied where it matters: a group that a
 * name may share with an earlier group of the file that is new or
 * re-created, or runs after it, is re-created; with sessions in one,
 * refused unless KPLAN_FORCE. Groups no name can be in together (iqn.a:*
 * and iqn.b:*, *:a1 and *:b1) stay whatever their order.
 */
/* A copy of @s with every @from replaced by @to. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t lf = strlen(from), lt = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = strstr(s, from); p; p = strstr(p + lf, from))
		n++;
	out = malloc(strlen(s) + n * lt + 1);
	assert_non_null(out);
	for (o = out; (p = strstr(s, from)); s = p + lf) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, lt);
		o += lt;
	}
	strcpy(o, s);
	return out;
}

/*
 * @ab and @ba with pattern @from replaced by @to: the swap re-creates
 * group a (a name may be in both groups).
 */
static void load_swap_check(const char *ab, const char *ba, const char *from,
			    const char *to)
{
	char *x = replace_all(ab, from, to), *y = replace_all(ba, from, to);
	struct kconf old, new;
	struct kplan p;
	char err[512];
	size_t i;
	int rmdir_a = 0;

	load(&old, x);
	load(&new, y);
	assert_int_equal(kplan_make(&old, &new, &p, KPLAN_FORCE, err,
				    sizeof(err)), 0);
	for (i = 0; i < p.n; i++)
		if (p.v[i].op == KOP_RMDIR &&
		    !strcmp(p.v[i].path, "targets/local/t0/groups/a"))
			rmdir_a = 1;
	assert_true(rmdir_a);
	kplan_free(&p);
	kconf_free(&old);
	kconf_free(&new);
	free(x);
	free(y);
}

/*
 * kplan_patterns_overlap() never says "no" for two patterns a name
 * matches both of: every pattern of up to three tokens of a small
 * alphabet (classes, escapes and a literal ']' included) against every
 * name of up to four characters of {a, b, ]}. And it says "no" for some.
 */
static void test_patterns_overlap_sound(void **state)
{
	static const char *const tok[] = {
		"a", "b", "*", "?", "[ab]", "[!a]", "]", "\\a",
	};
	static const char chars[] = "ab]";
	enum { NTOK = 8, MAXP = 8 + 64 + 512, MAXN = 1 + 3 + 9 + 27 + 81 };
	char (*pat)[16] = calloc(MAXP, 16), name[MAXN][5];
	unsigned long long (*m)[2] = calloc(MAXP, sizeof(*m));
	size_t np = 0, nn = 0, i, j, k, len, disjoint = 0;

	(void)state;
	assert_non_null(pat);
	assert_non_null(m);
	for (len = 1; len <= 3; len++) {
		size_t total = 1;

		for (k = 0; k < len; k++)
			total *= NTOK;
		for (i = 0; i < total; i++) {
			size_t x = i;

			pat[np][0] = '\0';
			for (k = 0; k < len; k++, x /= NTOK)
				strcat(pat[np], tok[x % NTOK]);
			np++;
		}
	}
	for (len = 0; len <= 4; len++) {
		size_t total = 1;

		for (k = 0; k < len; k++)
			total *= 3;
		for (i = 0; i < total; i++) {
			size_t x = i;

			for (k = 0; k < len; k++, x /= 3)
				name[nn][k] = chars[x % 3];
			name[nn++][len] = '\0';
		}
	}
	assert_int_equal(np, MAXP);
	assert_int_equal(nn, MAXN);
	for (i = 0; i < np; i++)
		for (j = 0; j < nn; j++)
			if (ktgt_pattern_match(pat[i], name[j]))
				m[i][j / 64] |= 1ULL << (j % 64);
	for (i = 0; i < np; i++)
		for (j = 0; j < np; j++) {
			int both = (m[i][0] & m[j][0]) || (m[i][1] & m[j][1]);

			if (kplan_patterns_overlap(pat[i], pat[j]))
				continue;
			disjoint++;
			if (both)
				fail_msg("'%s' and '%s' share a name, said apart",
					 pat[i], pat[j]);
		}
	assert_true(disjoint > 1000);
	free(pat);
	free(m);
}

static void test_group_order(void **state)
{
	static const char *const in_a[] = { "a1", NULL };
	static const char *const in_a_apart[] = { "iqn.a:h1", NULL };
	static const char *const none[] = { NULL };
	static const char ab[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR *a*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR b*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char ba[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR b*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR *a*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t}\n}\n";
	static const char cab[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP c {\n\t\t\tINITIATOR c*\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR *a*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR b*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char abc[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR *a*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR b*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t\tGROUP c {\n\t\t\tINITIATOR c*\n\t\t}\n"
		"\t}\n}\n";
	static const char ab_apart[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR iqn.a:*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR iqn.b:*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char ba_apart[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR iqn.b:*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR iqn.a:*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t}\n}\n";
	static const char cab_apart[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP c {\n\t\t\tINITIATOR iqn.c:*\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR iqn.a:*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR iqn.b:*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char xab[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP x {\n\t\t\tINITIATOR iqn.a:host1\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR iqn.a:*\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR iqn.b:*\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char ends_ab[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR *:a1\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR *:b1\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t}\n}\n";
	static const char ends_ba[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR *:b1\n\t\t\tLUN 0 d1\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tINITIATOR *:a1\n\t\t\tLUN 0 d0\n\t\t}\n"
		"\t}\n}\n";
	char err[512], *got;

	(void)state;
	check_plan(ab, ba,
		   "unlink targets/local/t0/groups/a/luns/0/device\n"
		   "rmdir targets/local/t0/groups/a/luns/0\n"
		   "rmdir targets/local/t0/groups/a/initiators/*a*\n"
		   "rmdir targets/local/t0/groups/a\n"
		   "mkdir targets/local/t0/groups/a\n"
		   "mkdir targets/local/t0/groups/a/luns/0\n"
		   "link targets/local/t0/groups/a/luns/0/device handlers/vdisk_fileio/d0\n"
		   "mkdir targets/local/t0/groups/a/initiators/*a*\n");
	/* A new group first: every existing one goes after it. */
	check_plan(ab, cab,
		   "unlink targets/local/t0/groups/a/luns/0/device\n"
		   "rmdir targets/local/t0/groups/a/luns/0\n"
		   "rmdir targets/local/t0/groups/a/initiators/*a*\n"
		   "rmdir targets/local/t0/groups/a\n"
		   "unlink targets/local/t0/groups/b/luns/0/device\n"
		   "rmdir targets/local/t0/groups/b/luns/0\n"
		   "rmdir targets/local/t0/groups/b/initiators/b*\n"
		   "rmdir targets/local/t0/groups/b\n"
		   "mkdir targets/local/t0/groups/c\n"
		   "mkdir targets/local/t0/groups/c/initiators/c*\n"
		   "mkdir targets/local/t0/groups/a\n"
		   "mkdir targets/local/t0/groups/a/luns/0\n"
		   "link targets/local/t0/groups/a/luns/0/device handlers/vdisk_fileio/d0\n"
		   "mkdir targets/local/t0/groups/a/initiators/*a*\n"
		   "mkdir targets/local/t0/groups/b\n"
		   "mkdir targets/local/t0/groups/b/luns/0\n"
		   "link targets/local/t0/groups/b/luns/0/device handlers/vdisk_fileio/d1\n"
		   "mkdir targets/local/t0/groups/b/initiators/b*\n");
	/* A new group last: nothing re-created. */
	check_plan(ab, abc,
		   "mkdir targets/local/t0/groups/c\n"
		   "mkdir targets/local/t0/groups/c/initiators/c*\n");
	/* Sessions: a's would lose their LUNs. */
	assert_int_equal(plan_sessions(ab, in_a, ba, 0, err, sizeof(err),
				       &got), -1);
	assert_string_equal(err,
			    "t.conf:15: the new group order re-creates group a, which drops the LUNs that 1 session uses; refused (--force re-creates it)");
	assert_int_equal(plan_sessions(ab, in_a, ba, KPLAN_FORCE, err,
				       sizeof(err), &got), 0);
	free(got);
	assert_int_equal(plan_sessions(ab, none, ba, 0, err, sizeof(err),
				       &got), 0);
	free(got);

	/*
	 * Groups no name can be in together keep running in any order:
	 * nothing re-created, so no session loses its LUNs.
	 */
	check_plan(ab_apart, ba_apart, "");
	assert_int_equal(plan_sessions(ab_apart, in_a_apart, ba_apart, 0, err,
				       sizeof(err), &got), 0);
	assert_string_equal(got, "");
	free(got);
	check_plan(ab_apart, cab_apart,
		   "mkdir targets/local/t0/groups/c\n"
		   "mkdir targets/local/t0/groups/c/initiators/iqn.c:*\n");
	/* A plain name is in a group if the group's pattern matches it. */
	check_plan(ab_apart, xab,
		   "unlink targets/local/t0/groups/a/luns/0/device\n"
		   "rmdir targets/local/t0/groups/a/luns/0\n"
		   "rmdir targets/local/t0/groups/a/initiators/iqn.a:*\n"
		   "rmdir targets/local/t0/groups/a\n"
		   "mkdir targets/local/t0/groups/x\n"
		   "mkdir targets/local/t0/groups/x/initiators/iqn.a:host1\n"
		   "mkdir targets/local/t0/groups/a\n"
		   "mkdir targets/local/t0/groups/a/luns/0\n"
		   "link targets/local/t0/groups/a/luns/0/device handlers/vdisk_fileio/d0\n"
		   "mkdir targets/local/t0/groups/a/initiators/iqn.a:*\n");
	/* The same ends apart: *:a1 and *:b1 share no name. */
	check_plan(ends_ab, ends_ba, "");
	/* But *:[ab]1 and *:b1 do (x:b1): a class is not a plain end. */
	load_swap_check(ends_ab, ends_ba, "*:a1", "*:[ab]1");
}

/*
 * A LUN or group re-created for a file that keeps it (a device change,
 * the group order) keeps the running values of the attributes the file
 * does not name: a LUN's read_only before its link, a group's CHAP.
 */
static void test_recreate_keeps_attrs(void **state)
{
	static const char old_lun[] =
		DEVS
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tLUN 0 d0 {\n\t\t\tread_only 1\n\t\t}\n"
		"\t}\n}\n";
	static const char new_lun[] =
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d0 {\n\t\tfilename /z\n\t}\n"
		"\tDEVICE d1 {\n\t\tfilename /b\n\t}\n"
		"}\n"
		"TARGET_DRIVER local {\n\tTARGET t0 {\n"
		"\t\tLUN 0 d0\n"
		"\t}\n}\n";
	static const char ab[] =
		DEVS
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:t {\n"
		"\t\tGROUP a {\n\t\t\tauth_secret s3cret\n"
		"\t\t\tauth_user ann\n\t\t\tINITIATOR iqn.a*\n"
		"\t\t\tLUN 0 d0 {\n\t\t\t\tread_only 1\n\t\t\t}\n\t\t}\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR iqn.*\n\t\t}\n"
		"\t}\n}\n";
	static const char ba[] =
		DEVS
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:t {\n"
		"\t\tGROUP b {\n\t\t\tINITIATOR iqn.*\n\t\t}\n"
		"\t\tGROUP a {\n\t\t\tauth_user bob\n\t\t\tINITIATOR iqn.a*\n"
		"\t\t\tLUN 0 d0\n\t\t}\n"
		"\t}\n}\n";
	struct kconf old, new;
	struct kgroup *g;
	struct kplan p;
	char err[512];

	(void)state;
	check_plan(old_lun, new_lun,
		   "unlink targets/local/t0/luns/0/device\n"
		   "rmdir targets/local/t0/luns/0\n"
		   "set handlers/vdisk_fileio/d0/enable 0\n"
		   "set handlers/vdisk_fileio/d0/filename /z\n"
		   "set handlers/vdisk_fileio/d0/enable 1\n"
		   "mkdir targets/local/t0/luns/0\n"
		   "set targets/local/t0/luns/0/read_only 1\n"
		   "link targets/local/t0/luns/0/device handlers/vdisk_fileio/d0\n");
	/* The file's auth_user wins; the rest is carried over. */
	check_plan(ab, ba,
		   "unlink targets/iscsi/iqn.x:t/groups/a/luns/0/device\n"
		   "rmdir targets/iscsi/iqn.x:t/groups/a/luns/0\n"
		   "rmdir targets/iscsi/iqn.x:t/groups/a/initiators/iqn.a*\n"
		   "rmdir targets/iscsi/iqn.x:t/groups/a\n"
		   "mkdir targets/iscsi/iqn.x:t/groups/a\n"
		   "set targets/iscsi/iqn.x:t/groups/a/auth_secret " KSTEP_HIDDEN "\n"
		   "set targets/iscsi/iqn.x:t/groups/a/auth_user bob\n"
		   "mkdir targets/iscsi/iqn.x:t/groups/a/luns/0\n"
		   "set targets/iscsi/iqn.x:t/groups/a/luns/0/read_only 1\n"
		   "link targets/iscsi/iqn.x:t/groups/a/luns/0/device handlers/vdisk_fileio/d0\n"
		   "mkdir targets/iscsi/iqn.x:t/groups/a/initiators/iqn.a*\n");

	/* A value that could not be read would be lost: refused. */
	load(&old, ab);
	load(&new, ba);
	g = ktarget_group(&old.tgts[0], "a");
	assert_non_null(g);
	assert_int_equal(kattrs_add(&g->attrs, "auth_mutual_secret", NULL,
				    KATTR_WO | KATTR_UNREAD, 0), 0);
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:14: group a (targets/iscsi/iqn.x:t/groups/a) must be re-created, and the running value of its attribute 'auth_mutual_secret' cannot be read; refused (name 'auth_mutual_secret' in the file)");
	/* A write-only attribute is an action: nothing to keep. */
	g->attrs.v[g->attrs.n - 1].flags = KATTR_WO;
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), 0);
	kplan_free(&p);
	kconf_free(&old);
	kconf_free(&new);
}

/*
 * Unique values change one SET at a time: a swap goes through free
 * values, and targets that get a rel_tgt_id from the kernel are created
 * after those that name one, so they cannot take it first.
 */
static void test_unique_swaps(void **state)
{
	static const char ids[] =
		"TARGET_DRIVER local {\n"
		"\tTARGET ta {\n\t\trel_tgt_id 11\n\t}\n"
		"\tTARGET tb {\n\t\trel_tgt_id 12\n\t}\n"
		"\tTARGET tc {\n\t\trel_tgt_id 13\n\t}\n"
		"}\n";
	static const char swapped[] =
		"TARGET_DRIVER local {\n"
		"\tTARGET ta {\n\t\trel_tgt_id 12\n\t}\n"
		"\tTARGET tb {\n\t\trel_tgt_id 11\n\t}\n"
		"\tTARGET tc {\n\t\trel_tgt_id 14\n\t}\n"
		"}\n";
	static const char later_id[] =
		"TARGET_DRIVER local {\n"
		"\tTARGET ta\n"
		"\tTARGET tb {\n\t\trel_tgt_id 1\n\t}\n"
		"}\n";
	static const char tgs[] =
		"DEVICE_GROUP dg {\n"
		"\tTARGET_GROUP tg1 {\n\t\tgroup_id 1\n\t}\n"
		"\tTARGET_GROUP tg2 {\n\t\tgroup_id 2\n\t}\n"
		"}\n";
	static const char tgs_swapped[] =
		"DEVICE_GROUP dg {\n"
		"\tTARGET_GROUP tg1 {\n\t\tgroup_id 2\n\t}\n"
		"\tTARGET_GROUP tg2 {\n\t\tgroup_id 0x1\n\t}\n"
		"}\n";

	(void)state;
	/* tc's change takes no one's value: set directly. */
	check_plan(ids, swapped,
		   "set targets/local/ta/rel_tgt_id 65535\n"
		   "set targets/local/tb/rel_tgt_id 65534\n"
		   "set targets/local/ta/rel_tgt_id 12\n"
		   "set targets/local/tb/rel_tgt_id 11\n"
		   "set targets/local/tc/rel_tgt_id 14\n");
	check_plan("", later_id,
		   "mkdir targets/local/tb\n"
		   "set targets/local/tb/rel_tgt_id 1\n"
		   "mkdir targets/local/ta\n");
	check_plan(tgs, tgs_swapped,
		   "set alua/dg/target_groups/tg1/group_id 65535\n"
		   "set alua/dg/target_groups/tg2/group_id 65534\n"
		   "set alua/dg/target_groups/tg1/group_id 2\n"
		   "set alua/dg/target_groups/tg2/group_id 1\n");
}

/* ALUA groups: created after the targets, before they are enabled. */
#define ALUA_DEVS_TGTS \
	DEVS \
	"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:a {\n\t\tenabled 1\n" \
	"\t\trel_tgt_id 1\n\t}\n" \
	"\tTARGET iqn.x:b {\n\t\tenabled 1\n\t\trel_tgt_id 2\n\t}\n}\n"

static void test_alua_plan(void **state)
{
	static const char *const one[] = { "ini", NULL };
	static const char a1[] =
		ALUA_DEVS_TGTS
		"DEVICE_GROUP dg {\n\tDEVICE d0\n"
		"\tTARGET_GROUP tg1 {\n\t\tgroup_id 1\n\t\tstate active\n"
		"\t\tTARGET iqn.x:a\n\t}\n"
		"\tTARGET_GROUP tg2 {\n\t\tgroup_id 2\n\t\tstate standby\n"
		"\t\tTARGET iqn.x:b\n\t}\n}\n";
	/* d1 joins, b moves to tg1, tg2 goes, tg1 becomes nonoptimized. */
	static const char a2[] =
		ALUA_DEVS_TGTS
		"DEVICE_GROUP dg {\n\tDEVICE d0\n\tDEVICE d1\n"
		"\tTARGET_GROUP tg1 {\n\t\tgroup_id 1\n"
		"\t\tstate nonoptimized\n"
		"\t\tTARGET iqn.x:a\n\t\tTARGET iqn.x:b\n\t}\n}\n";
	/* d0 moves to another device group. */
	static const char a3[] =
		ALUA_DEVS_TGTS
		"DEVICE_GROUP dg {\n\tDEVICE d1\n"
		"\tTARGET_GROUP tg1 {\n\t\tgroup_id 1\n"
		"\t\tstate nonoptimized\n"
		"\t\tTARGET iqn.x:a\n\t\tTARGET iqn.x:b\n\t}\n}\n"
		"DEVICE_GROUP dh {\n\tDEVICE d0\n}\n";
	static const char rel[] =
		DEVS
		"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:a {\n\t\tenabled 1\n"
		"\t\trel_tgt_id 7\n\t}\n"
		"\tTARGET iqn.x:b {\n\t\tenabled 1\n\t\trel_tgt_id 2\n\t}\n}\n";
	struct kconf old, new;
	struct kplan p;
	char err[512];

	(void)state;
	check_plan(DEVS, a1,
		   "mkdir targets/iscsi/iqn.x:a\n"
		   "set targets/iscsi/iqn.x:a/rel_tgt_id 1\n"
		   "mkdir targets/iscsi/iqn.x:b\n"
		   "set targets/iscsi/iqn.x:b/rel_tgt_id 2\n"
		   "mkdir alua/dg\n"
		   "link alua/dg/devices/d0 handlers/vdisk_fileio/d0\n"
		   "mkdir alua/dg/target_groups/tg1\n"
		   "set alua/dg/target_groups/tg1/group_id 1\n"
		   "set alua/dg/target_groups/tg1/state active\n"
		   "link alua/dg/target_groups/tg1/targets/iqn.x:a targets/iscsi/iqn.x:a\n"
		   "mkdir alua/dg/target_groups/tg2\n"
		   "set alua/dg/target_groups/tg2/group_id 2\n"
		   "set alua/dg/target_groups/tg2/state standby\n"
		   "link alua/dg/target_groups/tg2/targets/iqn.x:b targets/iscsi/iqn.x:b\n"
		   "set targets/iscsi/iqn.x:a/enable 1\n"
		   "set targets/iscsi/iqn.x:b/enable 1\n");
	check_plan(a1, a1, "");
	check_plan(a1, a2,
		   "unlink alua/dg/target_groups/tg2/targets/iqn.x:b\n"
		   "rmdir alua/dg/target_groups/tg2\n"
		   "link alua/dg/devices/d1 handlers/vdisk_fileio/d1\n"
		   "set alua/dg/target_groups/tg1/state nonoptimized\n"
		   "link alua/dg/target_groups/tg1/targets/iqn.x:b targets/iscsi/iqn.x:b\n");
	check_plan(a2, a3,
		   "unlink alua/dg/devices/d0\n"
		   "mkdir alua/dh\n"
		   "link alua/dh/devices/d0 handlers/vdisk_fileio/d0\n");
	/* Everything goes: links before the targets and devices. */
	check_plan(a3, "",
		   "set targets/iscsi/iqn.x:a/enable 0\n"
		   "set targets/iscsi/iqn.x:b/enable 0\n"
		   "unlink alua/dg/target_groups/tg1/targets/iqn.x:a\n"
		   "unlink alua/dg/target_groups/tg1/targets/iqn.x:b\n"
		   "rmdir alua/dg/target_groups/tg1\n"
		   "unlink alua/dg/devices/d1\n"
		   "rmdir alua/dg\n"
		   "unlink alua/dh/devices/d0\n"
		   "rmdir alua/dh\n"
		   "rmdir targets/iscsi/iqn.x:a\n"
		   "rmdir targets/iscsi/iqn.x:b\n"
		   "set handlers/vdisk_fileio/d0/enable 0\n"
		   "rmdir handlers/vdisk_fileio/d0\n"
		   "set handlers/vdisk_fileio/d1/enable 0\n"
		   "rmdir handlers/vdisk_fileio/d1\n");

	/* rel_tgt_id needs the target disabled: refused with a session. */
	check_plan(ALUA_DEVS_TGTS, rel,
		   "set targets/iscsi/iqn.x:a/enable 0\n"
		   "set targets/iscsi/iqn.x:a/rel_tgt_id 7\n"
		   "set targets/iscsi/iqn.x:a/enable 1\n");
	load(&old, ALUA_DEVS_TGTS);
	load(&new, rel);
	assert_int_equal(ktarget_add_session(kconf_target(&old, "iscsi",
							  "iqn.x:a"), one[0]), 0);
	assert_int_equal(kplan_make(&old, &new, &p, 0, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:12: changing 'rel_tgt_id' of target iscsi/iqn.x:a needs the target disabled, which ends its 1 session; refused (--force does it)");
	assert_int_equal(kplan_make(&old, &new, &p, KPLAN_FORCE, err,
				    sizeof(err)), 0);
	kplan_free(&p);
	kconf_free(&new);

	/* A running ktgt without alua/ in configfs. */
	old.from_system = 1;
	assert_non_null(kconf_add_container(&old.handlers, &old.nhandlers,
					    "vdisk_fileio"));
	assert_non_null(kconf_add_container(&old.drivers, &old.ndrivers,
					    "iscsi"));
	load(&new, a1);
	assert_int_equal(kplan_make(&old, &new, &p, KPLAN_FORCE, err,
				    sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:19: DEVICE_GROUP dg: the running ktgt has no ALUA (no alua/ in configfs)");
	old.has_alua = 1;
	assert_int_equal(kplan_make(&old, &new, &p, KPLAN_FORCE, err,
				    sizeof(err)), 0);
	kplan_free(&p);
	kconf_free(&new);
	kconf_free(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_remove_all),
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_lun_change),
		cmocka_unit_test(test_device_reconf),
		cmocka_unit_test(test_live_attrs),
		cmocka_unit_test(test_target_offline_attr),
		cmocka_unit_test(test_target_disable),
		cmocka_unit_test(test_chap_clear_order),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_handler_move),
		cmocka_unit_test(test_portals),
		cmocka_unit_test(test_system_validation),
		cmocka_unit_test(test_live_device_attrs),
		cmocka_unit_test(test_live_vcdrom_filename),
		cmocka_unit_test(test_live_vtape),
		cmocka_unit_test(test_vchanger_after_drives),
		cmocka_unit_test(test_sessions_refuse),
		cmocka_unit_test(test_session_pattern),
		cmocka_unit_test(test_values_by_meaning),
		cmocka_unit_test(test_values_as_shown),
		cmocka_unit_test(test_new_object_values),
		cmocka_unit_test(test_patterns_overlap_sound),
		cmocka_unit_test(test_group_order),
		cmocka_unit_test(test_recreate_keeps_attrs),
		cmocka_unit_test(test_alua_plan),
		cmocka_unit_test(test_unique_swaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
