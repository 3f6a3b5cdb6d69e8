// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the initiator pattern matcher (core/pattern.c),
 * which both the core (a session's LUN set) and ktgtadm (which group a
 * running session is in) use: the kernel glob_match() semantics it
 * replaced in the core, where they differ from fnmatch(3), which
 * ktgtadm used before: '^' is an ordinary character in a class, '!'
 * complements it; and ASCII letters match either case (iSCSI names are
 * not case sensitive).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "pattern.h"

static const struct {
	const char *pat;
	const char *name;
	bool match;
} vec[] = {
	/* Plain names and the wildcards. */
	{ "iqn.a:x", "iqn.a:x", true },
	{ "iqn.a:x", "iqn.a:xy", false },
	{ "iqn.a:x", "iqn.a:", false },
	{ "*", "", true },
	{ "*", "anything", true },
	{ "?", "", false },
	{ "?", "a", true },
	{ "??", "a", false },
	{ "iqn.*:host-?", "iqn.1993-08.org:host-7", true },
	{ "a*b*c", "aXbYbZc", true },
	{ "a*b*c", "aXbYbZ", false },
	{ "*a", "bbb", false },
	{ "*ab", "aab", true },
	{ "**a", "xa", true },
	{ "*?", "", false },
	{ "*?", "x", true },
	/* '/' and a leading '.' are ordinary. */
	{ "a*c", "a/b/c", true },
	{ "*x", ".x", true },
	/* Classes: '!' complements, '^' is an ordinary member. */
	{ "iqn.host:[^a]*", "iqn.host:b", false },
	{ "iqn.host:[^a]*", "iqn.host:^b", true },
	{ "iqn.host:[^a]*", "iqn.host:ab", true },
	{ "iqn.host:[!a]*", "iqn.host:b", true },
	{ "iqn.host:[!a]*", "iqn.host:a", false },
	{ "[!a]", "", false },
	{ "*[!x]", "ax", false },
	{ "*[!x]", "xa", true },
	{ "[a-c]x", "bx", true },
	{ "[a-c]x", "dx", false },
	{ "[!a-c]x", "dx", true },
	{ "[z-a]", "m", false },
	{ "[ab-]", "-", true },
	{ "[a-]", "-", true },
	{ "[a-]", "b", false },
	{ "[]]", "]", true },
	{ "[]a]", "a", true },
	{ "[!]]", "]", false },
	{ "[!]]", "a", true },
	{ "[\\]", "\\", true },	/* no escapes in a class */
	/* An unclosed '[' is an ordinary character. */
	{ "[", "[", true },
	{ "[ab", "[ab", true },
	{ "[ab", "a", false },
	{ "[a-", "[a-", true },
	{ "x[!", "x[!", true },
	/* '\' makes the next character ordinary; trailing, it ends. */
	{ "a\\*b", "a*b", true },
	{ "a\\*b", "axb", false },
	{ "\\[x]", "[x]", true },
	{ "\\?", "?", true },
	{ "\\?", "a", false },
	{ "a\\", "a", true },
	{ "a\\", "a\\", false },
	/* ASCII letters match either case, in classes too; nothing else. */
	{ "iqn.2004-01.com.example:host", "iqn.2004-01.com.Example:HOST",
	  true },
	{ "iqn.2004-01.com.Example:*", "iqn.2004-01.com.example:h", true },
	{ "eui.02004567A425678D", "eui.02004567a425678d", true },
	{ "naa.*a", "NAA.6001405A", true },
	{ "?B", "ab", true },
	{ "\\A", "a", true },
	{ "[A-C]x", "bX", true },
	{ "[a-c]x", "Bx", true },
	{ "[a-c]x", "Dx", false },
	{ "[!a]", "A", false },
	{ "[!A-Z]", "q", false },
	{ "[!A-Z]", "5", true },
	{ "[Z]", "z", true },
	{ "[Z-a]", "_", true },	/* Z [ \ ] ^ _ ` a */
	{ "[Z-a]", "B", false },
	{ "x[", "X[", true },
	{ "@", "`", false },	/* not letters: 40h vs 60h */
	{ "[", "{", false },
	{ "*\xc3\xa9", "\xc3\x89", false },	/* no folding beyond ASCII */
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vec); i++)
		if (ktgt_pattern_match(vec[i].pat, vec[i].name) !=
		    vec[i].match)
			fail_msg("'%s' vs '%s': want %s", vec[i].pat,
				 vec[i].name,
				 vec[i].match ? "match" : "no match");
}

/* The worst case stays quadratic: no exponential backtracking. */
static void test_long(void **state)
{
	char name[4001], pat[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name) - 1; i++)
		name[i] = 'a';
	name[sizeof(name) - 1] = '\0';
	for (i = 0; i + 2 < sizeof(pat); i += 2) {
		pat[i] = '*';
		pat[i + 1] = 'a';
	}
	pat[i] = 'b';
	pat[i + 1] = '\0';
	assert_false(ktgt_pattern_match(pat, name));
	pat[i] = '\0';
	assert_true(ktgt_pattern_match(pat, name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
