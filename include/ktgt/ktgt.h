/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: the public API for target drivers and dev handlers.
 *
 * This header is what out-of-tree target drivers and dev handlers are
 * written against. Everything in it is documented with kernel-doc and
 * kept stable; see Documentation/api.rst.
 */
#ifndef _KTGT_KTGT_H
#define _KTGT_KTGT_H

/**
 * define KTGT_VERSION - the ktgt release this API belongs to
 */
#define KTGT_VERSION "0.1.0"

#endif /* _KTGT_KTGT_H */
