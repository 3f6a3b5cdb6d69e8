/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt core: the EXTENDED COPY copy manager of direct-access devices
 * (core/xcopy.c), called from ktgt_sbc_exec().
 */
#ifndef KTGT_XCOPY_H
#define KTGT_XCOPY_H

#include <ktgt/ktgt.h>

/**
 * ktgt_xcopy_init() - set up the pool of copy operations
 *
 * Called once at module load by ktgt_sbc_init(), before any device
 * exists.
 *
 * Return: 0 or -ENOMEM.
 */
int ktgt_xcopy_init(void);

/**
 * ktgt_xcopy_exit() - free that pool; at module unload, after the last
 * device
 */
void ktgt_xcopy_exit(void);

/**
 * ktgt_xcopy_exec() - execute EXTENDED COPY(LID1) (83h/00h)
 * @cmd: the command; completed before this returns
 *
 * Process context: the engine runs it on a worker
 * (ktgt_spc_needs_thread()).
 */
void ktgt_xcopy_exec(struct ktgt_cmd *cmd);

/**
 * ktgt_xcopy_results() - execute RECEIVE COPY RESULTS (84h)
 * @cmd: the command; completed before this returns
 *
 * Any context: never sleeps.
 */
void ktgt_xcopy_results(struct ktgt_cmd *cmd);

#endif /* KTGT_XCOPY_H */
