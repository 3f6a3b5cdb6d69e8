// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_test_warn: a test-only module that triggers a WARN when loaded.
 *
 * tests/vm/selftest uses it to prove that the VM harness reports any
 * kernel splat as a failed test. It is never part of the default run.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init ktgt_test_warn_init(void)
{
	WARN(1, "ktgt_test_warn: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit ktgt_test_warn_exit(void)
{
}

module_init(ktgt_test_warn_init);
module_exit(ktgt_test_warn_exit);

MODULE_DESCRIPTION("ktgt test-only module: deliberately WARNs on load");
MODULE_LICENSE("GPL");
