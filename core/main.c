// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: module initialisation.
 *
 * Order: sysfs root, sgv pool, the SBC emulation's internal commands,
 * the command engine, then configfs last, so nothing can be configured
 * before the engine can run commands; exit in reverse.
 * configfs_unregister_subsystem() cannot fail, and the module cannot be
 * unloaded while a handler or driver module (which depend on it) is
 * loaded, so every device and target is gone by then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <linux/rcupdate.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"

static int __init ktgt_core_init(void)
{
	int ret;

	ret = ktgt_sysfs_init();
	if (ret)
		return ret;

	ktgt_cdb_init();

	ret = ktgt_sgv_init();
	if (ret)
		goto out_sysfs;

	ret = ktgt_sbc_init();
	if (ret)
		goto out_sgv;

	ret = ktgt_cmd_init_module();
	if (ret)
		goto out_sbc;

	ret = ktgt_nl_init();
	if (ret)
		goto out_cmd;

	ret = ktgt_configfs_init();
	if (ret)
		goto out_nl;

	pr_info("ktgt %s loaded\n", KTGT_VERSION);
	return 0;

out_nl:
	ktgt_nl_exit();
out_cmd:
	ktgt_cmd_exit_module();
out_sbc:
	ktgt_sbc_exit();
out_sgv:
	ktgt_sgv_exit();
out_sysfs:
	ktgt_sysfs_exit();
	return ret;
}

static void __exit ktgt_core_exit(void)
{
	ktgt_configfs_exit();
	ktgt_nl_exit();
	ktgt_cmd_exit_module();
	ktgt_sbc_exit();
	ktgt_sgv_exit();
	ktgt_sysfs_exit();
	/* Sessions' counters freed by call_rcu() (core/stats.c). */
	rcu_barrier();
	pr_info("ktgt unloaded\n");
}

module_init(ktgt_core_init);
module_exit(ktgt_core_exit);

MODULE_DESCRIPTION("ktgt SCSI target framework core");
MODULE_AUTHOR("The ktgt developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KTGT_VERSION);
