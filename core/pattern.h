/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: initiator name patterns (groups/<group>/initiators/<pattern>,
 * Documentation/configfs.rst). Portable C: the core matches a session's
 * initiator name with it to choose the session's LUN set, and ktgtadm
 * (tools/ktgtadm/plan.c) with the same code to tell which group a
 * running session is in, so the two cannot disagree.
 */
#ifndef KTGT_PATTERN_H
#define KTGT_PATTERN_H

#include "portable.h"

/**
 * ktgt_pattern_match() - whether @name matches the whole of @pat
 * @pat: a shell-style pattern, NUL terminated
 * @name: the name, NUL terminated
 *
 * '*' matches any run of characters (also none), '?' any one character,
 * '[...]' one character of the class: single characters and ranges
 * "a-z", complemented by a leading '!' ('^' is an ordinary character), a
 * ']' right after the '[' (or "[!") is a member, a '[' without a closing
 * ']' is an ordinary character; '\' makes the next character ordinary
 * (outside classes; a trailing '\' ends the pattern). '/' and a leading
 * '.' are not special. The semantics of the kernel's glob_match(),
 * which the core used before, but for case: ASCII letters match either
 * case (a letter is in a class if it or its other case is), as iSCSI
 * names are not case sensitive (RFC 7143 4.2.7.1; the stringprep
 * profile of RFC 3722 folds them to lower case), and an initiator that
 * sends "iqn.2004-01.com.Example:host" must not fall out of the group
 * configured for "iqn.2004-01.com.example:host". Other bytes compare
 * as they are.
 *
 * Context: any; no allocation, no recursion, time at most
 * strlen(@pat) * strlen(@name).
 */
bool ktgt_pattern_match(const char *pat, const char *name);

#endif /* KTGT_PATTERN_H */
