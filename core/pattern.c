// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: initiator name patterns, shared by the core and ktgtadm (see
 * pattern.h for the syntax).
 */
#include "pattern.h"

/* ASCII letters to lower case, every other byte as it is. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* @c with an ASCII letter's case swapped. */
static unsigned char other_case(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	return c;
}

/*
 * The class that starts at @p (just past its '[') against the character
 * @c (not NUL): *@hit gets whether @c, or a letter's other case, is in
 * it. Returns the pattern past the class's ']', or NULL if the class is
 * not closed.
 */
static const char *class_match(const char *p, unsigned char c, bool *hit)
{
	unsigned char oc = other_case(c);
	bool neg = *p == '!', in = false;
	unsigned char lo, hi;

	if (neg)
		p++;
	lo = (unsigned char)*p++;	/* the first may be ']' */
	do {
		if (!lo)
			return NULL;
		hi = lo;
		if (p[0] == '-' && p[1] != ']') {
			hi = (unsigned char)p[1];
			if (!hi)
				return NULL;
			p += 2;
		}
		if ((lo <= c && c <= hi) || (lo <= oc && oc <= hi))
			in = true;
		lo = (unsigned char)*p++;
	} while (lo != ']');
	*hit = in != neg;
	return p;
}

bool ktgt_pattern_match(const char *pat, const char *name)
{
	/* After a '*': where the pattern goes on, and where its match ends. */
	const char *star_pat = NULL, *star_name = NULL;

	for (;;) {
		unsigned char c = (unsigned char)*name;
		const char *next = pat + 1;
		bool hit;

		switch (*pat) {
		case '*':
			star_pat = pat + 1;
			star_name = name;
			pat++;
			continue;
		case '?':
			hit = c != '\0';
			break;
		case '[':
			hit = false;
			if (!c)
				break;
			next = class_match(pat + 1, c, &hit);
			if (!next) {	/* not closed: an ordinary '[' */
				next = pat + 1;
				hit = c == '[';
			}
			break;
		case '\\':
			if (!pat[1]) {	/* trailing: the end of the pattern */
				if (!c)
					return true;
				hit = false;
				break;
			}
			hit = fold(c) == fold((unsigned char)pat[1]);
			next = pat + 2;
			break;
		case '\0':
			if (!c)
				return true;
			hit = false;
			break;
		default:
			hit = fold(c) == fold((unsigned char)*pat);
			break;
		}
		if (hit) {
			pat = next;
			name++;
			continue;
		}
		/* Let the last '*' take one more character, if there is one. */
		if (!star_pat || !*star_name)
			return false;
		pat = star_pat;
		name = ++star_name;
	}
}
