// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for ktgtadm's ktgt.conf parser: any input either
 * fails with a "t.conf:LINE: " message or parses; what parses is written
 * back, and the written text must parse again and write identically.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ktgtadm/conf.h"

static char *write_str(const struct kconf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	if (kconf_write(c, f))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct kconf a, b;
	char err[512], *t1, *t2;

	if (kconf_parse(&a, "t.conf", (const char *)data, size, err,
			sizeof(err))) {
		if (strncmp(err, "t.conf:", 7))
			abort();
		kconf_free(&a);
		return 0;
	}
	t1 = write_str(&a);
	if (kconf_parse(&b, "t.conf", t1, strlen(t1), err, sizeof(err))) {
		fprintf(stderr, "written text does not parse: %s\n%s", err, t1);
		abort();
	}
	t2 = write_str(&b);
	if (strcmp(t1, t2)) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	kconf_free(&a);
	kconf_free(&b);
	return 0;
}
