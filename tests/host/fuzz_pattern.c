// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the initiator pattern matcher (core/pattern.c),
 * which the core runs on initiator names from the network.
 *
 * The input is a pattern and a name, split at the first NUL byte (the
 * name is the rest, up to its own NUL if any). Besides crashing under
 * ASan/UBSan, the harness aborts when a property of shell patterns does
 * not hold: "*" matches every name; the name with every character
 * escaped matches the name, and a name one character longer does not;
 * if the pattern matches, so do "*" + pattern and pattern + "*"; and a
 * pattern without '*' matches no name longer than itself; and the
 * name with the case of its ASCII letters swapped matches as the name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)
#define MAX		256

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static char pat[MAX + 1], name[MAX + 2], buf[2 * MAX + 4];
	const u8 *nul = memchr(data, 0, size);
	size_t np, nn, i;
	bool m;

	if (!nul)
		return 0;
	np = (size_t)(nul - data);
	nn = strnlen((const char *)nul + 1, size - np - 1);
	if (np > MAX || nn > MAX)
		return 0;
	memcpy(pat, data, np);
	pat[np] = '\0';
	memcpy(name, nul + 1, nn);
	name[nn] = '\0';

	m = ktgt_pattern_match(pat, name);
	check(ktgt_pattern_match("*", name));

	for (i = 0; i < nn; i++) {
		buf[2 * i] = '\\';
		buf[2 * i + 1] = name[i];
	}
	buf[2 * nn] = '\0';
	check(ktgt_pattern_match(buf, name));
	name[nn] = 'x';
	name[nn + 1] = '\0';
	check(!ktgt_pattern_match(buf, name));
	name[nn] = '\0';

	buf[0] = '*';
	memcpy(buf + 1, pat, np + 1);
	check(!m || ktgt_pattern_match(buf, name));
	memcpy(buf, pat, np);
	/* A trailing '\' ends the pattern: "\*" would be a literal '*'. */
	if (!np || pat[np - 1] != '\\') {
		buf[np] = '*';
		buf[np + 1] = '\0';
		check(!m || ktgt_pattern_match(buf, name));
	}
	if (!memchr(pat, '*', np))
		check(!m || nn <= np);

	for (i = 0; i < nn; i++) {
		buf[i] = name[i];
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 'a' + 'A');
		else if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	}
	buf[nn] = '\0';
	check(ktgt_pattern_match(pat, buf) == m);
	return 0;
}
