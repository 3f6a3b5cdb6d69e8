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

	if (kplan_make(old, new, &p, err, sizeof(err)))
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
	assert_int_equal(kplan_make(&old, &new, &p, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:4: device d0 (vdisk_fileio) has no attribute 'bogus'");
	kconf_free(&new);

	/* A new device is checked against one of the same handler. */
	load(&new, "HANDLER vdisk_fileio {\n\tDEVICE d0 {\n\t\tfilename /a\n"
		   "\t}\n\tDEVICE d9 {\n\t\tsize 4096\n\t}\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "t.conf:6: attribute 'size' of device d9 (vdisk_fileio) is read-only");
	kconf_free(&new);

	load(&new, "HANDLER vdisk_blockio {\n\tDEVICE b\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:2: no handler 'vdisk_blockio' (is its module loaded?)");
	kconf_free(&new);

	load(&new, "TARGET_DRIVER iscsi {\n\tTARGET t\n}\n");
	assert_int_equal(kplan_make(&old, &new, &p, err, sizeof(err)), -1);
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
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_handler_move),
		cmocka_unit_test(test_portals),
		cmocka_unit_test(test_system_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
