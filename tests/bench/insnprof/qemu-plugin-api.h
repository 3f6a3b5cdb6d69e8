/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of QEMU's TCG plugin API (version 1, as in QEMU 7.2, Debian
 * 12's) that tests/bench/insnprof/insnprof.c uses: the calls and types it
 * needs, with that version's ABI. Debian ships no header for it.
 */
#ifndef INSNPROF_QEMU_PLUGIN_API_H
#define INSNPROF_QEMU_PLUGIN_API_H

#include <stdbool.h>
#include <stddef.h>

/* A plugin's id (qemu_plugin_id_t) is an unsigned 64-bit integer. */
struct qemu_plugin_tb;
struct qemu_plugin_insn;

struct qemu_plugin_info {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
};

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
};

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

void qemu_plugin_register_vcpu_tb_trans_cb(unsigned long long id,
					   void (*cb)(unsigned long long id,
						      struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, unsigned long long imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  void (*cb)(unsigned int vcpu_index,
						     void *userdata),
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(unsigned long long id,
				    void (*cb)(unsigned long long id,
					       void *userdata),
				    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
unsigned long long qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
unsigned long long qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

/* Defined by the plugin: the API version it was written for, its entry. */
extern int qemu_plugin_version;
int qemu_plugin_install(unsigned long long id,
			const struct qemu_plugin_info *info,
			int argc, char **argv);

#endif
