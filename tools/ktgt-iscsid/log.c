// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt-iscsid: logging. Every message is made printable before it is
 * written: initiator and target names, keys and values come from the
 * network, and a newline or an escape sequence in one of them must not
 * forge a log line or hide one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "iscsid.h"

bool iscsid_debug;
bool iscsid_use_syslog;

/**
 * iscsid_escape() - a printable copy of a string, for the log
 * @dst: the copy, always terminated
 * @cap: its size
 * @src: the string
 *
 * Printable ASCII (0x20-0x7e) is copied, a backslash doubled and every
 * other byte written as \xNN; an escape never is cut in two.
 *
 * Return: the length of @dst.
 */
size_t iscsid_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!cap)
		return 0;
	for (; *src; src++) {
		u8 c = (u8)*src;
		size_t need = c == '\\' ? 2 : c >= 0x20 && c <= 0x7e ? 1 : 4;

		if (n + need >= cap)
			break;
		if (need == 1) {
			dst[n++] = (char)c;
		} else if (need == 2) {
			dst[n++] = '\\';
			dst[n++] = '\\';
		} else {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	dst[n] = '\0';
	return n;
}

void iscsid_log(int prio, const char *fmt, ...)
{
	char raw[1024], msg[4 * sizeof(raw)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	iscsid_escape(msg, sizeof(msg), raw);
	if (iscsid_use_syslog) {
		syslog(prio, "%s", msg);
	} else {
		flockfile(stderr);
		fputs("ktgt-iscsid: ", stderr);
		fputs(msg, stderr);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
}
