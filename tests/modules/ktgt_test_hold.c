// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_test_hold: a test-only target driver that holds ktgt_cfg_mutex on
 * demand, so that VM tests can line configuration changes up behind it
 * in a chosen order and release them together.
 *
 * mkdir targets/test_hold/<t> creates a target (it never has sessions);
 * "echo SECS > <t>/hold" then holds the mutex, from inside
 * ktgt_target_access()'s callback, until "echo 1 > <t>/release" or SECS
 * seconds (1-60) pass; the write returns when the mutex is released.
 * <t>/holding reads 1 while it is held. One hold at a time.
 *
 * Never load it on a production system.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include <ktgt/ktgt.h>

static DECLARE_COMPLETION(hold_release);
static atomic_t hold_state = ATOMIC_INIT(0);	/* 1: held */

/* Called by ktgt_target_access() under ktgt_cfg_mutex. */
static void hold_fn(void *grp_priv, void *arg)
{
	unsigned long secs = *(unsigned long *)arg;

	atomic_set(&hold_state, 1);
	wait_for_completion_killable_timeout(&hold_release, secs * HZ);
	atomic_set(&hold_state, 0);
}

static ssize_t hold_store(struct config_item *item, const char *page,
			  size_t count)
{
	unsigned long secs;

	if (kstrtoul(page, 10, &secs) || !secs || secs > 60)
		return -EINVAL;
	if (atomic_read(&hold_state))
		return -EBUSY;
	reinit_completion(&hold_release);
	ktgt_target_access(ktgt_target_from_item(item), "ktgt-test-hold",
			   hold_fn, &secs);
	return count;
}

static ssize_t release_store(struct config_item *item, const char *page,
			     size_t count)
{
	complete_all(&hold_release);
	return count;
}

static ssize_t holding_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", atomic_read(&hold_state));
}

CONFIGFS_ATTR_WO(, hold);
CONFIGFS_ATTR_WO(, release);
CONFIGFS_ATTR_RO(, holding);

static struct configfs_attribute *hold_attrs[] = {
	&attr_hold,
	&attr_release,
	&attr_holding,
	NULL,
};

static int hold_xmit_response(struct ktgt_cmd *cmd)
{
	return 0;
}

static void hold_free_cmd(struct ktgt_cmd *cmd)
{
}

static struct ktgt_tgt_template hold_template = {
	.name		= "test_hold",
	.owner		= THIS_MODULE,
	.target_attrs	= hold_attrs,
	.xmit_response	= hold_xmit_response,
	.free_cmd	= hold_free_cmd,
};

static int __init ktgt_test_hold_init(void)
{
	return ktgt_register_template(&hold_template);
}

static void __exit ktgt_test_hold_exit(void)
{
	ktgt_unregister_template(&hold_template);
}

module_init(ktgt_test_hold_init);
module_exit(ktgt_test_hold_exit);

MODULE_DESCRIPTION("ktgt test-only target driver: holds ktgt_cfg_mutex on demand");
MODULE_LICENSE("GPL");
