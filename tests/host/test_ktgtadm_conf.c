// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of ktgtadm's parser of ktgt.conf (tools/ktgtadm/conf.c):
 * every syntax and validation error is reported as "FILE:LINE: message"
 * with the right line; valid files give the right model; the writer's
 * output parses back to the same text.
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

static int parse(struct kconf *c, const char *text, char *err, size_t len)
{
	return kconf_parse(c, "t.conf", text, strlen(text), err, len);
}

struct bad {
	const char *text;
	const char *where;	/* "t.conf:N: " */
	const char *msg;	/* a part of the message */
};

static const struct bad bad_files[] = {
	{ "HANDLER x {\n\tDEVICE d {\n\t\ta \"b\n", "t.conf:3: ",
	  "unterminated quoted string" },
	{ "}\n", "t.conf:1: ", "no block is open" },
	{ "HANDLER x {\n", "t.conf:1: ", "HANDLER block is not closed" },
	{ "HANDLER x {\n\tDEVICE d {\n\t\tsize 1\n}\n", "t.conf:1: ",
	  "HANDLER block is not closed" },
	{ "HANDLER x {\n\tDEVICE d {\n\t\tsize 1\n", "t.conf:2: ",
	  "DEVICE block is not closed" },
	{ "\n\nDEVICE d\n", "t.conf:3: ", "DEVICE is only allowed inside HANDLER" },
	{ "TARGET_DRIVER l {\n\tDEVICE d\n}\n", "t.conf:2: ",
	  "DEVICE is only allowed inside HANDLER or DEVICE_GROUP, not in TARGET_DRIVER" },
	{ "HANDLER h {\n\tTARGET t\n}\n", "t.conf:2: ",
	  "TARGET is only allowed inside TARGET_DRIVER" },
	{ "HANDLER h {\n\tLUN 0 d\n}\n", "t.conf:2: ",
	  "LUN is only allowed inside TARGET or GROUP" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tINITIATOR x\n\t}\n}\n",
	  "t.conf:3: ", "INITIATOR is only allowed inside GROUP" },
	{ "TARGET_DRIVER l {\n\tPORTAL 1.2.3.4:3260\n}\n", "t.conf:2: ",
	  "PORTAL is only allowed inside TARGET" },
	{ "HANDLER h {\n\tHANDLER g\n}\n", "t.conf:2: ",
	  "HANDLER is only allowed at the top level" },
	{ "HANDLER\n", "t.conf:1: ", "HANDLER needs a name" },
	{ "HANDLER h {\n\tDEVICE\n}\n", "t.conf:2: ", "DEVICE needs a name" },
	{ "HANDLER h x {\n}\n", "t.conf:1: ", "unexpected 'x' after HANDLER h" },
	{ "HANDLER h { x\n}\n", "t.conf:1: ", "unexpected 'x' after '{'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t}\n\tDEVICE d\n}\n", "t.conf:4: ",
	  "device 'd' already defined at line 2" },
	{ "HANDLER h {\n\tDEVICE d\n}\nHANDLER g {\n\tDEVICE d\n}\n",
	  "t.conf:5: ", "device 'd' already defined at line 2" },
	{ "TARGET_DRIVER l {\n\tTARGET t\n\tTARGET t\n}\n", "t.conf:3: ",
	  "target 't' already defined at line 2" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET iqn.x:T\n\tTARGET iqn.x:t\n}\n", "t.conf:3: ",
	  "target 'iqn.x:t' already defined at line 2 as 'iqn.x:T' (iSCSI names ignore case)" },
	{ "HANDLER h {\n\tDEVICE d\n}\nTARGET_DRIVER l {\n\tTARGET t {\n"
	  "\t\tLUN 0 d\n\t\tLUN 0 d\n\t}\n}\n", "t.conf:7: ",
	  "LUN 0 already defined at line 6" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tGROUP g\n\t\tGROUP g\n\t}\n}\n",
	  "t.conf:4: ", "group 'g' already defined at line 3" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tINITIATOR a\n"
	  "\t\t\tINITIATOR a\n\t\t}\n\t}\n}\n", "t.conf:5: ",
	  "initiator 'a' already listed at line 4" },
	{ "TARGET_DRIVER i {\n\tTARGET t {\n\t\tPORTAL 1.2.3.4:3260\n"
	  "\t\tPORTAL 1.2.3.4:3260\n\t}\n}\n", "t.conf:4: ",
	  "portal '1.2.3.4:3260' already defined at line 3" },
	{ "TARGET_DRIVER i {\n\tTARGET t {\n\t\tPORTAL nocolon\n\t}\n}\n",
	  "t.conf:3: ", "invalid portal 'nocolon'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tLUN 16384 d\n\t}\n}\n",
	  "t.conf:3: ", "invalid LUN number '16384'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tLUN 01 d\n\t}\n}\n",
	  "t.conf:3: ", "invalid LUN number '01'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tLUN -1 d\n\t}\n}\n",
	  "t.conf:3: ", "invalid LUN number '-1'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tLUN 0\n\t}\n}\n",
	  "t.conf:3: ", "LUN needs a number and a device name" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tLUN 0 nodev\n\t}\n}\n",
	  "t.conf:3: ", "LUN 0: no DEVICE 'nodev' in this file" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tenable 0\n\t}\n}\nTARGET_DRIVER l {\n"
	  "\tTARGET t {\n\t\tGROUP g {\n\t\t\tLUN 4 d\n\t\t}\n\t}\n}\n",
	  "t.conf:9: ", "LUN 4: device 'd' is disabled" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tsize\n\t}\n}\n", "t.conf:3: ",
	  "attribute 'size' has no value" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tsize 1\n\t\tsize 2\n\t}\n}\n",
	  "t.conf:4: ", "attribute 'size' set twice (first at line 3)" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\t../x 1\n\t}\n}\n", "t.conf:3: ",
	  "invalid attribute name '../x'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\ta/ 1\n\t}\n}\n", "t.conf:3: ",
	  "invalid attribute name 'a/'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tenable 2\n\t}\n}\n", "t.conf:3: ",
	  "enable takes 0 or 1, not '2'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tenabled yes\n\t}\n}\n",
	  "t.conf:3: ", "enabled takes 0 or 1, not 'yes'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tenabled 1\n\t\tenable 1\n"
	  "\t}\n}\n", "t.conf:4: ", "attribute 'enable' set twice (first at line 3)" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tx a { b\n\t}\n}\n", "t.conf:3: ",
	  "unexpected '{' in the value of 'x'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tx \"a\\q\"\n\t}\n}\n", "t.conf:3: ",
	  "unknown escape '\\q'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tx a\"b\"\n\t}\n}\n", "t.conf:3: ",
	  "stray '\"' inside a word" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tx \"a\"b\n\t}\n}\n", "t.conf:3: ",
	  "missing space after quoted string" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\t\"x\" 1\n\t}\n}\n", "t.conf:3: ",
	  "not a quoted string" },
	{ "HANDLER h {\n\tDEVICE d\n\t{\n}\n", "t.conf:3: ",
	  "'{' must end the line" },
	{ "HANDLER h {\n\tDEVICE d {\n\t} x\n}\n", "t.conf:3: ",
	  "unexpected 'x' after '}'" },
	{ "HANDLER h {\n\tDEVICE d { }\n}\n", "t.conf:2: ",
	  "unexpected '}' after '{'" },
	{ "HANDLER h {\n\tDEVICE d\n\tDEVCE e\n}\n", "t.conf:3: ",
	  "unknown keyword 'DEVCE'" },
	{ "size 1\n", "t.conf:1: ", "expected HANDLER or TARGET_DRIVER" },
	{ "HANDLER h/x {\n}\n", "t.conf:1: ", "invalid HANDLER name 'h/x'" },
	{ "HANDLER h {\n\tDEVICE ..\n}\n", "t.conf:2: ",
	  "invalid device name '..'" },
	{ "HANDLER h {\n\tDEVICE .lu\n}\n", "t.conf:2: ",
	  "invalid device name '.lu': it may not begin with '.'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tINITIATOR a/b\n"
	  "\t\t}\n\t}\n}\n", "t.conf:4: ", "invalid initiator name or pattern" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tINITIATOR x {\n\t}\n}\n",
	  "t.conf:3: ", "INITIATOR is only allowed inside GROUP" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tINITIATOR x {\n"
	  "\t\t}\n\t}\n}\n", "t.conf:4: ", "INITIATOR does not take a block" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tx a\001b\n\t}\n}\n", "t.conf:3: ",
	  "control character" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tx \"a\\nb\"\n\t}\n}\n", "t.conf:3: ",
	  "contains a control character" },
	{ "# c\n\n  # c\nHANDLER h {\n\tDEVICE d {\n\t\tx 1\n\t}\n}\n}\n",
	  "t.conf:9: ", "no block is open" },
	/* Values of the attributes whose kind ktgtadm knows. */
	{ "HANDLER h {\n\tDEVICE d {\n\t\twrite_through 2\n\t}\n}\n",
	  "t.conf:3: ", "write_through takes 0 or 1 (or yes/no), not '2'" },
	{ "TARGET_DRIVER l {\n\tTARGET t {\n\t\tLUN 0 d {\n"
	  "\t\t\tread_only maybe\n\t\t}\n\t}\n}\n", "t.conf:4: ",
	  "read_only takes 0 or 1 (or yes/no), not 'maybe'" },
	{ "TARGET_DRIVER i {\n\tTARGET t {\n\t\tInitialR2T Si\n\t}\n}\n",
	  "t.conf:3: ", "InitialR2T takes 0 or 1 (or yes/no), not 'Si'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tblocksize 4k\n\t}\n}\n",
	  "t.conf:3: ", "blocksize takes a number, not '4k'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tsize yes\n\t}\n}\n",
	  "t.conf:3: ", "size takes a number, not 'yes'" },
	{ "TARGET_DRIVER i {\n\tTARGET t {\n\t\tMaxBurstLength 010\n\t}\n}\n",
	  "t.conf:3: ", "MaxBurstLength takes a number, not '010'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tnaa_id 6001405abcdef0123456789abcdef01\n"
	  "\t}\n}\n", "t.conf:3: ", "naa_id takes 32 hex digits, the first 6" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tnaa_id 5001405abcdef0123456789abcdef012\n"
	  "\t}\n}\n", "t.conf:3: ", "naa_id takes 32 hex digits, the first 6" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tnaa_id 6001405abcdef0123456789abcdef01g\n"
	  "\t}\n}\n", "t.conf:3: ", "naa_id takes 32 hex digits, the first 6" },
	{ "TARGET_DRIVER i {\n\tTARGET t {\n\t\tHeaderDigest crc32c\n\t}\n}\n",
	  "t.conf:3: ", "HeaderDigest takes None, CRC32C or both" },
	{ "TARGET_DRIVER i {\n\tTARGET t {\n\t\tDataDigest None,None\n\t}\n}\n",
	  "t.conf:3: ", "DataDigest takes None, CRC32C or both" },
};

/* Values of known kinds in every form the modules take: accepted. */
static void test_known_values(void **state)
{
	static const char text[] =
		"HANDLER h {\n\tDEVICE d {\n"
		"\t\twrite_through yes\n\t\tnv_cache 0\n\t\trotational Off\n"
		"\t\tblocksize 0x1000\n\t\tsize 0\n\t\tdelay_ms 1\n"
		"\t\tnaa_id 6001405ABCDEF0123456789abcdef012\n"
		"\t\tproduct_id \"any 2 text\"\n\t\tx anything\n\t}\n}\n"
		"TARGET_DRIVER i {\n\tTARGET t {\n"
		"\t\tHeaderDigest CRC32C,None\n\t\tDataDigest None\n"
		"\t\tInitialR2T No\n\t\tImmediateData 1\n"
		"\t\tMaxBurstLength 1048576\n\t\tLUN 0 d {\n"
		"\t\t\tread_only TRUE\n\t\t}\n\t}\n}\n";
	struct kconf c;
	char err[512];

	(void)state;
	if (parse(&c, text, err, sizeof(err)))
		fail_msg("refused: %s", err);
	kconf_free(&c);
}

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_files); i++) {
		struct kconf c;
		char err[512];
		int ret = parse(&c, bad_files[i].text, err, sizeof(err));

		if (ret == 0 || strncmp(err, bad_files[i].where,
					strlen(bad_files[i].where)) ||
		    !strstr(err, bad_files[i].msg))
			fail_msg("case %zu: got %d '%s', want '%s...%s'", i, ret,
				 err, bad_files[i].where, bad_files[i].msg);
		kconf_free(&c);
	}
}

/* A NUL byte in the middle of the file. */
static void test_nul(void **state)
{
	static const char text[] = "HANDLER h {\n\tDEVICE d\0\n}\n";
	struct kconf c;
	char err[256];

	(void)state;
	assert_int_equal(kconf_parse(&c, "t.conf", text, sizeof(text) - 1, err,
				     sizeof(err)), -1);
	assert_string_equal(err, "t.conf:2: NUL byte in the file");
	kconf_free(&c);
}

static const char example[] =
	"# scst.conf style\n"
	"HANDLER vdisk_fileio {\n"
	"\tDEVICE disk01 {\n"
	"\t\tfilename /srv/disk01.img   # trailing comment\n"
	"\t\tblocksize 4096\n"
	"\t\tvendor_id \"A \\\"B\\\" C\"\n"
	"\t\tproduct_id two words\n"
	"\t}\n"
	"}\n"
	"HANDLER vdisk_nullio {\n"
	"\tDEVICE n0\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"\tTARGET iqn.2026-11.org.example:disk01 {\n"
	"\t\tenabled 1\n"
	"\t\tauth/userid joe\n"
	"\t\tPORTAL 0.0.0.0:3260\n"
	"\t\tPORTAL [::]:3260 {\n"
	"\t\t\ttpgt 2\n"
	"\t\t}\n"
	"\t\tLUN 0 disk01\n"
	"\t\tGROUP hosts {\n"
	"\t\t\tINITIATOR iqn.1993-08.org.debian:01:*\n"
	"\t\t\tLUN 0 disk01 {\n"
	"\t\t\t\tread_only 1\n"
	"\t\t\t}\n"
	"\t\t\tLUN 1 n0\n"
	"\t\t}\n"
	"\t\tGROUP first {\n"
	"\t\t}\n"
	"\t}\n"
	"}\n";

static void test_model(void **state)
{
	struct kconf c;
	struct kdevice *d;
	struct ktarget *t;
	struct kgroup *g;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, example, err, sizeof(err)), 0);
	assert_int_equal(c.ndevs, 2);
	d = kconf_device(&c, "disk01");
	assert_non_null(d);
	assert_string_equal(d->handler, "vdisk_fileio");
	assert_int_equal(d->enabled, 1);
	assert_int_equal(d->attrs.n, 4);
	assert_string_equal(kattrs_get(&d->attrs, "filename")->value,
			    "/srv/disk01.img");
	assert_string_equal(kattrs_get(&d->attrs, "vendor_id")->value,
			    "A \"B\" C");
	assert_string_equal(kattrs_get(&d->attrs, "product_id")->value,
			    "two words");
	assert_int_equal(kattrs_get(&d->attrs, "blocksize")->line, 5);
	t = kconf_target(&c, "iscsi", "iqn.2026-11.org.example:disk01");
	assert_non_null(t);
	assert_int_equal(t->enabled, 1);
	assert_int_equal(t->attrs.n, 1);	/* enabled is not an attribute */
	assert_string_equal(t->attrs.v[0].name, "auth/userid");
	assert_int_equal(t->nportals, 2);
	assert_string_equal(t->portals[1].addr, "[::]:3260");
	assert_string_equal(t->portals[1].attrs.v[0].value, "2");
	assert_int_equal(t->luns.n, 1);
	assert_int_equal(t->ngroups, 2);
	g = ktarget_group(t, "hosts");
	assert_non_null(g);
	assert_int_equal(g->ninits, 1);
	assert_string_equal(g->inits[0].pattern, "iqn.1993-08.org.debian:01:*");
	assert_int_equal(g->luns.n, 2);
	assert_string_equal(kluns_get(&g->luns, 0)->attrs.v[0].name,
			    "read_only");
	assert_string_equal(kluns_get(&g->luns, 1)->dev, "n0");
	/* Groups keep their order. */
	assert_string_equal(t->groups[1].name, "first");
	kconf_free(&c);
}

static char *write_str(const struct kconf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(kconf_write(c, f), 0);
	fclose(f);
	return buf;
}

/* write(parse(x)) parses back to the same model and the same text. */
static void test_roundtrip(void **state)
{
	struct kconf a, b;
	char err[256], *t1, *t2;

	(void)state;
	assert_int_equal(parse(&a, example, err, sizeof(err)), 0);
	t1 = write_str(&a);
	if (parse(&b, t1, err, sizeof(err)))
		fail_msg("written text does not parse: %s\n%s", err, t1);
	t2 = write_str(&b);
	assert_string_equal(t1, t2);
	assert_non_null(strstr(t1, "vendor_id \"A \\\"B\\\" C\""));
	assert_non_null(strstr(t1, "product_id \"two words\""));
	/* "hosts" before "first": the file's order, not sorted. */
	assert_true(strstr(t1, "GROUP hosts") < strstr(t1, "GROUP first"));
	kconf_free(&a);
	kconf_free(&b);
	free(t1);
	free(t2);
}

/* Read-only and write-only attributes are not written. */
static void test_write_flags(void **state)
{
	struct kconf c;
	struct kdevice *d;
	char *t;

	(void)state;
	memset(&c, 0, sizeof(c));
	d = kconf_add_device(&c, "vdisk_fileio", "d0");
	assert_non_null(d);
	assert_int_equal(kattrs_add(&d->attrs, "size", "4096", KATTR_RO, 0), 0);
	assert_int_equal(kattrs_add(&d->attrs, "resync_size", NULL, KATTR_WO,
				    0), 0);
	assert_int_equal(kattrs_add(&d->attrs, "filename", "/x y", 0, 0), 0);
	d->enabled = 0;
	t = write_str(&c);
	assert_null(strstr(t, "size"));
	assert_non_null(strstr(t, "\t\tenable 0\n"));
	assert_non_null(strstr(t, "\t\tfilename \"/x y\"\n"));
	free(t);
	kconf_free(&c);
}

/* Same-named HANDLER blocks are one handler; SCST's "enabled" works. */
static void test_misc(void **state)
{
	static const char text[] =
		"HANDLER h {\n\tDEVICE a\n}\nHANDLER h {\n\tDEVICE b\n}\n"
		"TARGET_DRIVER l {\n\tTARGET t {\n\t\tenable 1\n\t}\n"
		"\tTARGET u\n\tTARGET U\n}\n";
	struct kconf c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_int_equal(c.nhandlers, 1);
	assert_int_equal(c.ndevs, 2);
	assert_int_equal(kconf_target(&c, "l", "t")->enabled, 1);
	assert_int_equal(kconf_target(&c, "l", "u")->enabled, 0);
	/* Only iSCSI names are case-insensitive. */
	assert_non_null(kconf_target(&c, "l", "U"));
	kconf_free(&c);
	assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
	assert_int_equal(c.ndevs + c.ntgts, 0);
	kconf_free(&c);
}

/* ALUA: the plan's syntax, its model, errors and round trip. */
#define ALUA_BASE \
	"# ALUA\n" \
	"HANDLER vdisk_fileio {\n\tDEVICE d0\n\tDEVICE d1\n}\n" \
	"TARGET_DRIVER iscsi {\n\tTARGET iqn.x:a {\n\t\trel_tgt_id 1\n\t}\n" \
	"\tTARGET iqn.x:b\n}\n"

static const char alua_example[] =
	ALUA_BASE					/* lines 1-11 */
	"DEVICE_GROUP dg1 {\n"				/* 12 */
	"\tDEVICE d1\n"
	"\tDEVICE d0\n"
	"\tTARGET_GROUP tg2 {\n"			/* 15 */
	"\t\tgroup_id 2\n"
	"\t\tstate standby\n"
	"\t\tTARGET iqn.x:b\n"
	"\t}\n"
	"\tTARGET_GROUP tg1 {\n"			/* 20 */
	"\t\tgroup_id 1\n"
	"\t\tstate active\n"
	"\t\tpreferred 1\n"
	"\t\tTARGET iqn.x:a\n"
	"\t}\n"
	"}\n";

static const struct bad alua_bad[] = {
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tDEVICE d9\n}\n", "t.conf:13: ",
	  "DEVICE_GROUP dg1: no DEVICE 'd9' in this file" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tDEVICE d0\n}\n"
	  "DEVICE_GROUP dg2 {\n\tDEVICE d0\n}\n", "t.conf:16: ",
	  "device 'd0' is already in device group 'dg1' (line 13)" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n}\nDEVICE_GROUP dg1 {\n}\n",
	  "t.conf:14: ", "device group 'dg1' already defined at line 12" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tTARGET_GROUP t {\n\t}\n"
	  "\tTARGET_GROUP t {\n\t}\n}\n", "t.conf:15: ",
	  "target group 't' already defined at line 13" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tTARGET_GROUP t {\n"
	  "\t\tTARGET iqn.x:z\n\t}\n}\n", "t.conf:14: ",
	  "TARGET_GROUP t: no TARGET 'iqn.x:z' in this file" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tTARGET_GROUP t {\n"
	  "\t\tTARGET iqn.x:a\n\t}\n\tTARGET_GROUP u {\n"
	  "\t\tTARGET iqn.x:a\n\t}\n}\n", "t.conf:17: ",
	  "target 'iqn.x:a' is already in target group 't' (line 14)" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tTARGET_GROUP t {\n"
	  "\t\tgroup_id 3\n\t}\n\tTARGET_GROUP u {\n"
	  "\t\tgroup_id 0x3\n\t}\n}\n", "t.conf:17: ",
	  "group_id 0x3 of target group 'u' is also that of 't' (line 14)" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tDEVICE d0 {\n\t}\n}\n",
	  "t.conf:13: ", "DEVICE in DEVICE_GROUP does not take a block" },
	{ ALUA_BASE "DEVICE_GROUP dg1 {\n\tTARGET_GROUP t {\n"
	  "\t\tTARGET iqn.x:a {\n\t\t}\n\t}\n}\n", "t.conf:14: ",
	  "TARGET in TARGET_GROUP does not take a block" },
	{ "DEVICE_GROUP dg1 {\n\tLUN 0 d0\n}\n", "t.conf:2: ",
	  "LUN is only allowed inside TARGET or GROUP, not in DEVICE_GROUP" },
	{ "DEVICE_GROUP dg1 {\n\tTARGET t\n}\n", "t.conf:2: ",
	  "TARGET is only allowed inside TARGET_DRIVER or TARGET_GROUP, not in DEVICE_GROUP" },
	{ "HANDLER h {\n\tTARGET_GROUP t\n}\n", "t.conf:2: ",
	  "TARGET_GROUP is only allowed inside DEVICE_GROUP, not in HANDLER" },
	{ "HANDLER h {\n\tDEVICE_GROUP g\n}\n", "t.conf:2: ",
	  "DEVICE_GROUP is only allowed at the top level" },
	{ "DEVICE_GROUP a/b {\n}\n", "t.conf:1: ",
	  "invalid DEVICE_GROUP name 'a/b'" },
	{ "DEVICE_GROUP g {\n", "t.conf:1: ",
	  "DEVICE_GROUP block is not closed" },
	{ "HANDLER h {\n\tDEVICE d\n}\nTARGET_DRIVER l {\n\tTARGET t\n}\n"
	  "TARGET_DRIVER m {\n\tTARGET t\n}\n"
	  "DEVICE_GROUP g {\n\tTARGET_GROUP x {\n\t\tTARGET t\n\t}\n}\n",
	  "t.conf:12: ", "TARGET_GROUP x: more than one driver has a TARGET 't'" },
};

static void test_alua(void **state)
{
	static const char written[] =
		"\nDEVICE_GROUP dg1 {\n"
		"\tDEVICE d0\n"
		"\tDEVICE d1\n"
		"\tTARGET_GROUP tg1 {\n"
		"\t\tgroup_id 1\n"
		"\t\tpreferred 1\n"
		"\t\tstate active\n"
		"\t\tTARGET iqn.x:a\n"
		"\t}\n"
		"\tTARGET_GROUP tg2 {\n"
		"\t\tgroup_id 2\n"
		"\t\tstate standby\n"
		"\t\tTARGET iqn.x:b\n"
		"\t}\n"
		"}\n";
	struct kconf c, b;
	struct kdgroup *dg;
	struct ktgroup *tg;
	char err[512], *t1, *t2;
	size_t i;

	(void)state;
	assert_int_equal(parse(&c, alua_example, err, sizeof(err)), 0);
	assert_int_equal(c.ndgs, 1);
	dg = kconf_dgroup(&c, "dg1");
	assert_non_null(dg);
	assert_int_equal(dg->line, 12);
	assert_int_equal(dg->ndevs, 2);
	assert_string_equal(dg->devs[0].pattern, "d1");
	assert_int_equal(dg->devs[1].line, 14);
	assert_int_equal(dg->ntgs, 2);
	tg = kdgroup_tgroup(dg, "tg1");
	assert_non_null(tg);
	assert_int_equal(tg->line, 20);
	assert_string_equal(kattrs_get(&tg->attrs, "state")->value, "active");
	assert_string_equal(kattrs_get(&tg->attrs, "preferred")->value, "1");
	assert_int_equal(tg->ntgts, 1);
	assert_string_equal(tg->tgts[0].pattern, "iqn.x:a");
	assert_string_equal(kattrs_get(&kconf_target(&c, "iscsi", "iqn.x:a")->attrs,
				       "rel_tgt_id")->value, "1");

	/* Written sorted; parses back; writes the same. */
	t1 = write_str(&c);
	if (parse(&b, t1, err, sizeof(err)))
		fail_msg("written text does not parse: %s\n%s", err, t1);
	t2 = write_str(&b);
	assert_string_equal(t1, t2);
	assert_non_null(strstr(t1, written));
	assert_non_null(strstr(t1, "\t\trel_tgt_id 1\n"));
	free(t1);
	free(t2);
	kconf_free(&b);
	kconf_free(&c);

	for (i = 0; i < ARRAY_SIZE(alua_bad); i++) {
		int ret = parse(&c, alua_bad[i].text, err, sizeof(err));

		if (ret == 0 || strncmp(err, alua_bad[i].where,
					strlen(alua_bad[i].where)) ||
		    !strstr(err, alua_bad[i].msg))
			fail_msg("case %zu: got %d '%s', want '%s...%s'", i, ret,
				 err, alua_bad[i].where, alua_bad[i].msg);
		kconf_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_write_flags),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_alua),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
