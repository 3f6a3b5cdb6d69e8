/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt core: declarations shared between the core's own files only.
 * Nothing here is part of the public API in include/ktgt/.
 *
 * Object model and lifetimes
 * ==========================
 *
 * ktgt_device  handlers/<type>/<name>   created by mkdir, freed on rmdir.
 *              Enabled/disabled by its enable attribute. A LUN may map
 *              only an enabled device; a mapped device cannot be disabled
 *              or removed (-EBUSY).
 * ktgt_target  targets/<driver>/<name>  created by mkdir, freed on rmdir.
 * ktgt_group   an initiator group of a target: groups/<name>, with its
 *              own LUN set and initiator name patterns.
 * ktgt_lun     a LUN number in a LUN set (the target's default set or a
 *              group's) mapping a device. Commands hold lun->ref (a
 *              percpu_ref) from lookup to ktgt_cmd_xmit_done(); removing
 *              a LUN kills the ref and waits for it to drain.
 * ktgt_session an I_T nexus, created by the target driver. It sees one
 *              LUN set, chosen from its initiator name when it is created
 *              and re-chosen when the target's groups change.
 * ktgt_tgt_dev the state of one I_T_L nexus (session x LUN): its unit
 *              attention queue. Lives in session->tgt_devs.
 *
 * Locking
 * =======
 *
 * ktgt_cfg_mutex   serialises every configuration change: configfs
 *                  mkdir/rmdir/symlink/attribute stores, template and dev
 *                  type (un)registration, session creation/destruction's
 *                  LUN set choice. May be held while sleeping; never taken
 *                  on the command path. A holder never waits for commands
 *                  to end (unmapping a LUN drops it for that, see
 *                  core/lun.c): target drivers take it under their own
 *                  locks (ktgt_target_access()), which their commands may
 *                  need to end.
 * LUN sets         readers: RCU (xa_load() under rcu_read_lock(), then
 *                  percpu_ref_tryget_live(&lun->ref)); writers: under
 *                  ktgt_cfg_mutex, freeing LUNs after a grace period.
 * session->lun_set RCU pointer; written under ktgt_cfg_mutex.
 * tgt->sess_lock   spinlock: tgt->sessions list.
 * sess->lock       spinlock: sess->cmds list, sess->nr_cmds and
 *                  sess->cmd_sn.
 * tgt_dev->ua_lock spinlock: the UA queue (td->ua_pending).
 * dev->order_lock  spinlock: the device's task ordering state.
 *
 * Device/target state mutexes (private to device.c/target.c) serialise
 * enable/disable/removal; dev handler and target driver callbacks run
 * under them but never under ktgt_cfg_mutex.
 *
 * Lock order: configfs locks -> device/target state mutex ->
 * ktgt_cfg_mutex -> tgt->sess_lock -> sess->lock -> tgt_dev->ua_lock;
 * dev->order_lock is never held with another.
 */
#ifndef KTGT_INTERNAL_H
#define KTGT_INTERNAL_H

#include <linux/configfs.h>
#include <linux/kobject.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <linux/completion.h>

#include <ktgt/ktgt.h>

/* Serialises configuration changes; see the top of this file. */
extern struct mutex ktgt_cfg_mutex;

/*
 * ktgt_cfg_lock_cmd() - take ktgt_cfg_mutex on the command path
 *
 * No holder of the mutex waits for commands, but a command should not
 * wait behind configuration changes for long either, so it is only tried
 * for a bounded time (about 50-100 ms). Process context.
 *
 * Return: true with the mutex held, false if a configuration change
 * kept it.
 */
bool ktgt_cfg_lock_cmd(void);

/*
 * ---------------------------------------------------------------------
 * Devices (core/device.c)
 * ---------------------------------------------------------------------
 */

/**
 * struct ktgt_io_stats - I/O counters of a device or a session, one set
 *	per CPU (added to with this_cpu_*() by ktgt_io_stats_add(), summed
 *	by ktgt_io_stats_emit())
 * @reads: READ-type commands completed
 * @writes: WRITE-type commands completed
 * @other: other commands completed
 * @read_bytes: bytes read
 * @write_bytes: bytes written
 * @errors: commands completed with a status other than GOOD
 * @latency_ns: sum of command latencies (submit to xmit_response)
 */
struct ktgt_io_stats {
	u64	reads;
	u64	writes;
	u64	other;
	u64	read_bytes;
	u64	write_bytes;
	u64	errors;
	u64	latency_ns;
};

/**
 * struct ktgt_device - a logical unit's device, created by a dev handler
 * @group: configfs group handlers/<type>/<name>
 * @type: the dev handler
 * @params: generic parameters (changed only while disabled, under
 *	ktgt_cfg_mutex)
 * @nr_blocks: capacity in logical blocks (READ_ONCE/WRITE_ONCE)
 * @enabled: under ktgt_cfg_mutex; read locklessly with READ_ONCE
 * @nr_luns: LUNs mapping the device, a LUN being unmapped included until
 *	its commands are done; written under ktgt_cfg_mutex (WRITE_ONCE)
 * @dropping: rmdir of the device has begun: no LUN may map it any more;
 *	under ktgt_cfg_mutex
 * @priv: the handler's state
 * @order_lock: protects the ordering state below
 * @nr_active: commands of this device past ordering and not yet done
 * @nr_ordered: ORDERED commands admitted and not done (0 or 1 running)
 * @nr_hoq: HEAD OF QUEUE commands admitted and not done
 * @deferred: commands waiting for an ORDERED or HEAD OF QUEUE command or
 *	an overlapping write, in arrival order
 * @active: commands past ordering, for overlap checks
 * @caw_rwsem: excludes the writes the engine does not order (EXTENDED
 *	COPY's internal writes to this device, taken shared around each)
 *	from COMPARE AND WRITE and ORWRITE (taken exclusive around their
 *	read, compare or OR, and write). Process context only. The engine's
 *	ordering excludes every other command (core/order.h), and no
 *	plain READ/WRITE ever takes it. Lock order: after everything; a
 *	holder only waits for its own internal I/O.
 * @spc_flags: the SPC emulation's runtime mode state (KTGT_SPC_* bits,
 *	changed by MODE SELECT); atomic bitops, no lock
 * @phys_block_size: the backing store's physical block size in bytes, set
 *	by the handler (ktgt_device_set_phys_block_size()); 0: unknown
 *	(READ_ONCE/WRITE_ONCE)
 * @nowait: the handler's I/O never waits for a backing store
 *	(ktgt_device_set_nowait()); READ_ONCE/WRITE_ONCE
 * @stats: per-CPU counters
 * @kobj: /sys/kernel/ktgt/devices/<name>
 * @node: in ktgt_devices, under ktgt_cfg_mutex
 */
struct ktgt_device {
	struct config_group	group;
	struct ktgt_dev_type	*type;
	struct ktgt_dev_params	params;
	u64			nr_blocks;
	u32			phys_block_size;
	bool			nowait;
	bool			enabled;
	bool			dropping;
	unsigned int		nr_luns;
	void			*priv;

	spinlock_t		order_lock; /* the ordering state below */
	unsigned int		nr_active;
	unsigned int		nr_ordered;
	unsigned int		nr_hoq;
	struct list_head	deferred;
	struct list_head	active;
	struct rw_semaphore	caw_rwsem; /* COMPARE AND WRITE vs XCOPY */
	unsigned long		spc_flags;
	/*
	 * aborts_released: how many of the device's commands were released
	 * aborted or fenced (ktgt_cmd_xmit_done()); a parked abort whose
	 * scope is the device is evaluated again only once it changed
	 * (core/cmd.c, "Functions that wait").
	 */
	atomic_t		aborts_released;
	/*
	 * semantics (core/reserve.c, core/pr.c): the SPC-2 reservation
	 * holder (identity only) or NULL, and the persistent reservation
	 * state; resv_lock protects them, pr_mutex serialises PR OUT.
	 */
	spinlock_t		resv_lock; /* reservations */
	struct ktgt_session	*resv_holder;
	struct mutex		pr_mutex; /* PERSISTENT RESERVE OUT */
	struct list_head	pr_regs;
	u32			pr_gen;
	u8			pr_type;
	struct ktgt_pr_reg	*pr_holder;
	/*
	 * pr_fence: EXTENDED COPY (core/xcopy.c) holds it shared from the
	 * reservation check of a write to this device until the write is
	 * done; a PREEMPT AND ABORT takes it exclusively, once its
	 * registrations are gone, to wait for such writes (core/pr.c).
	 * Taken before caw_rwsem, in process context.
	 */
	struct rw_semaphore	pr_fence;
	/*
	 * alua (core/alua.c): the device group the device is linked into,
	 * or NULL. Written under ktgt_cfg_mutex and the ALUA mutex, read
	 * under rcu_read_lock(); the group is freed after a grace period.
	 */
	struct ktgt_alua_dg __rcu *alua_dg;
	bool			pr_aptpl; /* pr (APTPL): under pr_mutex */

	struct ktgt_io_stats __percpu *stats;
	struct kobject		kobj;
	struct list_head	node;
};

/* Every device, under ktgt_cfg_mutex. */
extern struct list_head ktgt_devices;

/*
 * ktgt_device_unmapped() - a LUN no longer maps @dev (nr_luns--), and a
 * dropping device's rmdir waiting for that is woken. ktgt_cfg_mutex held.
 */
void ktgt_device_unmapped(struct ktgt_device *dev);

/*
 * ---------------------------------------------------------------------
 * LUN sets, groups and targets (core/target.c, core/lun.c)
 * ---------------------------------------------------------------------
 */

/**
 * struct ktgt_lun - a LUN in a LUN set
 * @lun: the LUN number
 * @dev: the device it maps; holds dev->nr_luns
 * @read_only: writes get DATA PROTECT / WRITE PROTECTED
 * @ref: held by every command addressed to the LUN
 * @drained: completed when @ref drops to zero after being killed
 * @set: the LUN set it belongs to
 * @group: configfs group luns/<N>
 * @rcu: for freeing after readers are gone
 */
struct ktgt_lun {
	u64			lun;
	struct ktgt_device	*dev;
	bool			read_only;
	struct percpu_ref	ref;
	struct completion	drained;
	struct ktgt_lun_set	*set;
	struct config_group	group;
	struct rcu_head		rcu;
};

/**
 * struct ktgt_lun_set - LUN number -> struct ktgt_lun
 * @luns: the map; RCU readers, writers under ktgt_cfg_mutex
 * @tgt: the target it belongs to
 */
struct ktgt_lun_set {
	struct xarray		luns;
	struct ktgt_target	*tgt;
};

/**
 * struct ktgt_initiator - an initiator name or shell-style pattern
 * @group: configfs group groups/<g>/initiators/<pattern>
 * @pattern: the name or pattern (ktgt_pattern_match(), pattern.h)
 * @node: in ktgt_group.initiators, under ktgt_cfg_mutex
 */
struct ktgt_initiator {
	struct config_group	group;
	const char		*pattern;
	struct list_head	node;
};

/**
 * struct ktgt_group - an initiator group of a target
 * @group: configfs group targets/<drv>/<tgt>/groups/<name>
 * @initiators_group: configfs group .../initiators
 * @luns_group: configfs group .../luns
 * @tgt: its target
 * @luns: its LUN set
 * @initiators: its struct ktgt_initiator list, under ktgt_cfg_mutex
 * @node: in ktgt_target.groups, under ktgt_cfg_mutex
 * @priv: the driver's state (&ktgt_tgt_template.group_priv_size bytes),
 *	freed with the group
 */
struct ktgt_group {
	struct config_group	group;
	struct config_group	initiators_group;
	struct config_group	luns_group;
	struct ktgt_target	*tgt;
	struct ktgt_lun_set	luns;
	struct list_head	initiators;
	struct list_head	node;
	void			*priv;
};

/**
 * struct ktgt_target - a target (SCSI target port) of a target driver
 * @group: configfs group targets/<drv>/<name>
 * @luns_group: configfs group .../luns
 * @groups_group: configfs group .../groups
 * @tt: the target driver
 * @priv: the driver's state
 * @enabled: under ktgt_cfg_mutex
 * @luns: the default LUN set, seen by initiators no group matches
 * @groups: struct ktgt_group list, in creation order, under ktgt_cfg_mutex
 * @sess_lock: protects @sessions
 * @sessions: struct ktgt_session list
 * @node: in ktgt_targets (every target of every driver), under
 *	ktgt_cfg_mutex
 */
struct ktgt_target {
	struct config_group	group;
	struct config_group	luns_group;
	struct config_group	groups_group;
	struct ktgt_tgt_template *tt;
	void			*priv;
	bool			enabled;
	struct ktgt_lun_set	luns;
	struct list_head	groups;
	spinlock_t		sess_lock; /* @sessions */
	struct list_head	sessions;
	struct list_head	node;
	/*
	 * alua (core/alua.c): RELATIVE TARGET PORT IDENTIFIER, 1..65535,
	 * unique; written under ktgt_cfg_mutex while disabled, read with
	 * READ_ONCE().
	 */
	u16			rel_tgt_id;
};

/**
 * ktgt_lun_get() - look up a LUN for a command and hold it
 * @set: the session's LUN set (may be NULL: no LUNs)
 * @lun: the LUN number
 *
 * Any context; the caller holds rcu_read_lock(), under which it read
 * @set. Pair with ktgt_lun_put().
 *
 * Return: the LUN with a reference on lun->ref, or NULL if the set has no
 * such LUN or it is being removed.
 */
struct ktgt_lun *ktgt_lun_get(struct ktgt_lun_set *set, u64 lun);

/**
 * ktgt_lun_put() - drop a reference taken by ktgt_lun_get()
 * @lun: the LUN
 */
void ktgt_lun_put(struct ktgt_lun *lun);

/**
 * ktgt_lun_set_for_target() - the LUN set an initiator sees
 * @tgt: the target
 * @initiator: the initiator port name
 *
 * The first group (in creation order) one of whose patterns matches
 * @initiator, else the target's default set. Caller holds ktgt_cfg_mutex.
 *
 * Return: the set; never NULL.
 */
struct ktgt_lun_set *ktgt_lun_set_for_target(struct ktgt_target *tgt,
					     const char *initiator);

/*
 * ---------------------------------------------------------------------
 * Sessions, I_T_L nexuses and unit attentions (core/session.c, core/ua.c)
 * ---------------------------------------------------------------------
 */

/*
 * Bits of ktgt_tgt_dev.prevent: PREVENT ALLOW MEDIUM REMOVAL of the nexus
 * (SPC-4 6.13, SBC-3 5.11, MMC-6 6.12). PREVENT is set by PREVENT 01b and
 * cleared by 00b; PERSISTENT (MMC's persistent prevention) is set by 11b
 * and cleared by 10b only. Both go with the nexus: session end, I_T
 * nexus loss and logical unit reset (every 29h condition, see
 * ktgt_ua_queue_code()).
 */
#define KTGT_TD_PREVENT			BIT(0)
#define KTGT_TD_PREVENT_PERSISTENT	BIT(1)

/**
 * struct ktgt_tgt_dev - per I_T_L nexus state
 * @lun: the LUN number
 * @ua_lock: protects @ua_pending, @prevent and @media_event
 * @ua_pending: pending conditions, a core/ua_queue.h bit set
 * @prevent: medium removal prevented by this nexus: KTGT_TD_PREVENT*
 * @media_event: the media event of GET EVENT STATUS NOTIFICATION pending
 *	for this nexus (enum ktgt_media_event), recorded by
 *	ktgt_device_medium_changed() and taken by ktgt_cmd_media_event()
 *
 * Lifetime (core/ua.c): in its session's tgt_devs while its LUN is
 * visible to the session, freed after an RCU grace period once removed
 * (ktgt_tgt_dev_free()). Nothing holds a reference to it past
 * rcu_read_unlock(), commands included, so its address names it only
 * inside one RCU read-side section: to name a nexus longer (to skip it in
 * a walk), use its session and @lun (ktgt_ua_raise_dev_except_cmd()).
 */
struct ktgt_tgt_dev {
	u64			lun;
	spinlock_t		ua_lock; /* see above */
	u32			ua_pending;
	u8			prevent;
	u8			media_event;
};

/**
 * struct ktgt_session - an I_T nexus
 * @tgt: its target
 * @initiator: the initiator port name
 * @priv: the driver's pointer
 * @lun_set: RCU pointer to the LUN set it sees; written under
 *	ktgt_cfg_mutex
 * @tgt_devs: LUN number -> struct ktgt_tgt_dev; created for every LUN of
 *	@lun_set when the session is created or a LUN is added
 * @lock: protects @cmds, @nr_cmds, @nr_tmfs, @cmd_sn and @dying
 * @cmds: the session's commands from submit to xmit_done
 * @nr_cmds: their number
 * @nr_tmfs: TMFs submitted whose ->tmf_done() has not returned yet, those
 *	parked while they wait for aborted tasks included (core/cmd.c)
 * @cmd_sn: how many commands were submitted; cmd->core.sn is its value
 *	then, and a TMF's sn its value at ktgt_tmf_submit()
 * @queue_depth: the most commands the session may have; more get TASK SET
 *	FULL
 * @dying: ktgt_session_destroy() has begun; new commands are refused
 * @all_done: completed when @dying and @nr_cmds reaches 0
 * @tmfs_done: woken when @dying and @nr_tmfs reaches 0
 * @kobj: /sys/kernel/ktgt/sessions/<id>
 * @id: unique id, names @kobj
 * @node: in tgt->sessions, under tgt->sess_lock
 * @tpgt: the iSCSI TARGET PORTAL GROUP TAG, if @has_tpgt; both set by
 *	ktgt_session_set_tpgt() before the first command is submitted
 *	(whose submission, under @lock, orders them before its reads)
 * @has_tpgt: @tpgt is set: the session is an iSCSI one with a TPGT
 * @stats: its I/O counters, or NULL; allocated before
 *	ktgt_session_create() returns and freed when the session has no
 *	command left, so its commands read it without a lock (core/stats.c)
 */
struct ktgt_session {
	struct ktgt_target	*tgt;
	char			*initiator;
	void			*priv;
	struct ktgt_lun_set __rcu *lun_set;
	struct xarray		tgt_devs;
	spinlock_t		lock; /* @cmds, @nr_cmds, @nr_tmfs, @cmd_sn, @dying */
	struct list_head	cmds;
	unsigned int		nr_cmds;
	unsigned int		nr_tmfs;
	u64			cmd_sn;
	unsigned int		queue_depth;
	bool			dying;
	/* As struct ktgt_device's, for the session's commands. */
	atomic_t		aborts_released;
	struct completion	all_done;
	wait_queue_head_t	tmfs_done;
	struct kobject		kobj;
	u64			id;
	struct list_head	node;
	u16			tpgt;
	bool			has_tpgt;
	struct ktgt_io_stats __percpu *stats;
};

/* Unit attention conditions, in SPC-4 priority order (lower is higher). */
enum ktgt_ua_kind {
	KTGT_UA_POWER_ON,		/* 29h/00h POWER ON, RESET, OR BDR */
	KTGT_UA_CAPACITY_CHANGED,	/* 2Ah/09h CAPACITY DATA HAS CHANGED */
	KTGT_UA_REPORTED_LUNS_CHANGED,	/* 3Fh/0Eh REPORTED LUNS DATA CHANGED */
	KTGT_UA_INQUIRY_CHANGED,	/* 3Fh/03h INQUIRY DATA HAS CHANGED */
	KTGT_UA_MODE_CHANGED,		/* 2Ah/01h MODE PARAMETERS CHANGED */
};

/**
 * ktgt_ua_raise_lun_set() - raise a unit attention on every I_T_L nexus
 *	of every session that sees a LUN set
 * @set: the LUN set
 * @kind: the condition
 *
 * Caller holds ktgt_cfg_mutex. Each nexus gets it at most once (a
 * condition already pending is not queued twice).
 */
void ktgt_ua_raise_lun_set(struct ktgt_lun_set *set, enum ktgt_ua_kind kind);

/**
 * ktgt_ua_raise_device() - raise a unit attention on every I_T_L nexus
 *	that sees a device, through any LUN of any target
 * @dev: the device
 * @kind: the condition
 *
 * Process context (ktgt_dev_walk_nexuses()).
 */
void ktgt_ua_raise_device(struct ktgt_device *dev, enum ktgt_ua_kind kind);

/**
 * ktgt_sessions_lun_nexus() - create or free the nexuses of a new LUN
 * @set: the set
 * @lun: the LUN number, not in @set->luns
 * @add: create them, each starting with a POWER ON UA; else free them
 *
 * For every session seeing @set. Called before the LUN is published in
 * @set, so that the first command to find the LUN finds its nexus and
 * unit attention too, and to undo that if publishing fails. Caller holds
 * ktgt_cfg_mutex.
 */
void ktgt_sessions_lun_nexus(struct ktgt_lun_set *set, u64 lun, bool add);

/**
 * ktgt_sessions_lun_added() - a LUN was added to a set
 * @set: the set
 * @lun: the new LUN, published, its nexuses created
 *	(ktgt_sessions_lun_nexus())
 *
 * Raises REPORTED LUNS DATA HAS CHANGED on every I_T_L nexus of every
 * session seeing @set, the new LUN's (behind its POWER ON) included.
 * Caller holds ktgt_cfg_mutex.
 */
void ktgt_sessions_lun_added(struct ktgt_lun_set *set, struct ktgt_lun *lun);

/**
 * ktgt_sessions_lun_removed() - a LUN was removed from a set
 * @set: the set
 * @lun: the LUN number
 *
 * Frees the I_T_L nexus of every session seeing @set and raises REPORTED
 * LUNS DATA HAS CHANGED on the others. Caller holds ktgt_cfg_mutex.
 */
void ktgt_sessions_lun_removed(struct ktgt_lun_set *set, u64 lun);

/**
 * ktgt_sessions_lun_ua() - raise a unit attention on one LUN of a set
 * @set: the set
 * @lun: the LUN number
 * @kind: the condition
 *
 * On the I_T_L nexus for @lun of every session seeing @set (those that
 * have one). Caller holds ktgt_cfg_mutex.
 */
void ktgt_sessions_lun_ua(struct ktgt_lun_set *set, u64 lun,
			  enum ktgt_ua_kind kind);

/**
 * ktgt_sessions_regroup() - re-choose the LUN set of a target's sessions
 * @tgt: the target whose groups or initiator patterns changed
 *
 * A session whose set changes gets fresh I_T_L nexuses and a REPORTED
 * LUNS DATA HAS CHANGED UA. Caller holds ktgt_cfg_mutex.
 */
void ktgt_sessions_regroup(struct ktgt_target *tgt);

/**
 * ktgt_report_luns() - build REPORT LUNS parameter data for a session
 * @sess: the session
 * @buf: the buffer
 * @len: its size
 *
 * Return: the full length of the data (which may exceed @len; only @len
 * bytes are written).
 */
u32 ktgt_report_luns(struct ktgt_session *sess, u8 *buf, u32 len);

/*
 * ---------------------------------------------------------------------
 * Command execution (core/cmd.c, core/spc.c, core/sbc.c)
 * ---------------------------------------------------------------------
 */

/**
 * ktgt_spc_exec() - execute the emulated commands every device type shares
 * @cmd: a decoded command
 *
 * INQUIRY (standard data and the VPD pages of the device type), TEST UNIT
 * READY, MODE SENSE/SELECT (the pages of the device type), REPORT
 * SUPPORTED OPERATION CODES, START STOP UNIT and PREVENT ALLOW MEDIUM
 * REMOVAL. REPORT LUNS and REQUEST SENSE never reach it: core/cmd.c
 * answers them, since they need the session's LUN set and UA queue.
 *
 * Return: true if it completed the command (status set), false if the
 * command is not one of them.
 */
bool ktgt_spc_exec(struct ktgt_cmd *cmd);

/**
 * ktgt_sbc_exec() - execute a command on a direct-access device
 * @cmd: a decoded command whose device has &ktgt_dev_type.sbc
 *
 * Return: as &ktgt_dev_type.exec.
 */
enum ktgt_exec_status ktgt_sbc_exec(struct ktgt_cmd *cmd);

/**
 * ktgt_sbc_init() - set up the SBC emulation's pools: its internal
 * commands' and the EXTENDED COPY operations' (ktgt_xcopy_init())
 *
 * Called once at module load, before any device exists.
 *
 * Return: 0 or -ENOMEM.
 */
int ktgt_sbc_init(void);

/**
 * ktgt_sbc_exit() - free those pools; at module unload, after the last
 * device
 */
void ktgt_sbc_exit(void);

/**
 * ktgt_slab_pool_create() - a mempool over a slab cache of its own
 * @name: the cache's name, as /proc/slabinfo shows it
 * @size: the size of an element
 * @align: its alignment
 * @min_nr: the elements the pool keeps in reserve
 * @cachep: set to the cache, for ktgt_slab_pool_destroy()
 *
 * For the core's per-command structures that must not fail for want of
 * memory (the SBC emulation's internal commands, EXTENDED COPY's
 * operations). At module load; may sleep.
 *
 * Return: the pool, or NULL (nothing is left allocated).
 */
mempool_t *ktgt_slab_pool_create(const char *name, size_t size, size_t align,
				 int min_nr, struct kmem_cache **cachep);

/**
 * ktgt_slab_pool_destroy() - free a pool of ktgt_slab_pool_create() and
 *	its cache, every element having been given back
 * @pool: the pool
 * @cache: its cache
 */
void ktgt_slab_pool_destroy(mempool_t *pool, struct kmem_cache *cache);

/**
 * ktgt_cmd_buf() - map a command's data buffer for the CPU
 * @cmd: the command
 * @len: bytes needed from the start of the buffer
 *
 * For emulated commands, whose data is small: returns a linear kernel
 * mapping of the first @len bytes of cmd->sg when they lie in its first
 * (low memory) entry and within bufflen; otherwise a bounce buffer
 * (kvzalloc(), GFP_ATOMIC when the engine executes in atomic context)
 * holding a copy of them, which ktgt_cmd_buf_put() copies back to
 * cmd->sg (except for a KTGT_DIR_WRITE command) and frees. @len may
 * exceed bufflen: the command may build its full data and let
 * ktgt_cmd_good() truncate. Pair with ktgt_cmd_buf_put().
 *
 * Return: the mapping, or NULL if @len is 0 or over
 * KTGT_MAX_XFER_BYTES, or the bounce buffer could not be allocated.
 */
void *ktgt_cmd_buf(struct ktgt_cmd *cmd, u32 len);

/**
 * ktgt_cmd_param() - a private copy of a command's parameter list
 * @cmd: the command (data-out)
 * @len: bytes needed from the start of the buffer
 *
 * As ktgt_cmd_buf(), except that a driver's own buffer
 * (KTGT_CMD_DRIVER_SG) is always copied: it may be user pages another
 * thread rewrites while the command runs (SG_IO through ktgt_local), so
 * a parameter list that is checked, then read again to be applied
 * (SET TARGET PORT GROUPS, UNMAP, MODE SELECT), must come from here. A
 * parser that reads each byte once into its own structures (EXTENDED
 * COPY) may use ktgt_cmd_buf(). Pair with ktgt_cmd_buf_put().
 *
 * Return: as ktgt_cmd_buf().
 */
void *ktgt_cmd_param(struct ktgt_cmd *cmd, u32 len);
void ktgt_cmd_buf_put(struct ktgt_cmd *cmd, void *buf);

/*
 * ---------------------------------------------------------------------
 * The sgv pool (core/sgv.c)
 * ---------------------------------------------------------------------
 */

/* ktgt_sgv_alloc() and ktgt_sgv_free() are public: include/ktgt/ktgt.h */
int ktgt_sgv_init(void);
void ktgt_sgv_exit(void);

/*
 * ---------------------------------------------------------------------
 * Module-wide setup
 * ---------------------------------------------------------------------
 */

/*
 * The configfs root, /sys/kernel/config/ktgt, and its two fixed groups.
 * They live from ktgt_configfs_init() to ktgt_configfs_exit(); handlers
 * and target drivers register their groups below them while registered.
 */
int ktgt_configfs_init(void);
void ktgt_configfs_exit(void);
extern struct config_group ktgt_handlers_group;
extern struct config_group ktgt_targets_group;

/**
 * struct ktgt_registry_entry - a registered dev handler or target driver
 *	as its registry lists it
 * @name: the handler's or driver's name; owned by its module
 * @key: the module's &struct ktgt_dev_type or &struct ktgt_tgt_template
 * @what: "dev handler" or "target driver", for log messages
 * @group: handlers/<name> or targets/<name>. Its reference owns the
 *	structure the entry is embedded in: the group's release frees it.
 * @nr_children: devices or targets created under @group, under
 *	ktgt_cfg_mutex
 * @node: on the registry list, under ktgt_cfg_mutex
 */
struct ktgt_registry_entry {
	const char		*name;
	const void		*key;
	const char		*what;
	struct config_group	group;
	unsigned int		nr_children;
	struct list_head	node;
};

int ktgt_registry_add(struct list_head *registry,
		      struct ktgt_registry_entry *e,
		      struct config_group *parent);
void ktgt_registry_del(struct list_head *registry, const void *key);

/*
 * The sysfs root, /sys/kernel/ktgt, for runtime state the kernel creates
 * (sessions, statistics). Valid from ktgt_sysfs_init() to
 * ktgt_sysfs_exit().
 */
extern struct kobject *ktgt_sysfs_root;
/* /sys/kernel/ktgt/sessions and /sys/kernel/ktgt/devices, same lifetime. */
extern struct kobject *ktgt_sysfs_sessions;
extern struct kobject *ktgt_sysfs_devices;
int ktgt_sysfs_init(void);
void ktgt_sysfs_exit(void);

/* The command engine's worker threads and caches (core/cmd.c). */
int ktgt_cmd_init_module(void);
void ktgt_cmd_exit_module(void);

/* --- engine: interfaces between cmd.c, session.c, ua.c and sgv.c --- */

struct ktgt_sense_info;

/*
 * The largest data transfer of one command. The CDB decoder refuses
 * larger medium transfers (KTGT_CDB_F_MAX_XFER: INVALID FIELD IN CDB) and
 * the core caps the buffer of other commands at it; the BLOCK LIMITS VPD
 * page reports it as MAXIMUM TRANSFER LENGTH.
 */
#define KTGT_MAX_XFER_BYTES	(8U << 20)

/*
 * Every session, by id (core/session.c). Walked under its xa_lock by code
 * that holds no configuration mutex (task management); sessions are added
 * and removed under ktgt_cfg_mutex and xa_lock. Lock order: ktgt_cfg_mutex
 * -> xa_lock(&ktgt_sessions) -> sess->lock.
 */
extern struct xarray ktgt_sessions;

/**
 * ktgt_tgt_dev_alloc() - a new I_T_L nexus with an empty UA queue
 * @lun: its LUN number
 * @gfp: allocation flags
 *
 * Return: the nexus, or NULL.
 */
struct ktgt_tgt_dev *ktgt_tgt_dev_alloc(u64 lun, gfp_t gfp);

/**
 * ktgt_tgt_dev_free() - free an I_T_L nexus and its pending UAs
 * @td: the nexus, already unreachable for new lookups
 *
 * The memory is freed after an RCU grace period, so a command that found
 * @td under rcu_read_lock() may still use it until rcu_read_unlock().
 */
void ktgt_tgt_dev_free(struct ktgt_tgt_dev *td);

/**
 * ktgt_ua_queue() - queue a unit attention on one I_T_L nexus
 * @sess: the session (I_T nexus) whose tgt_devs holds @td, named by
 *	the netlink UA event
 * @td: the nexus
 * @kind: the condition; not queued if already pending
 *
 * Any context.
 */
void ktgt_ua_queue(struct ktgt_session *sess, struct ktgt_tgt_dev *td,
		   enum ktgt_ua_kind kind);

/**
 * ktgt_ua_raise_lu_reset() - BUS DEVICE RESET FUNCTION OCCURRED (29h/03h)
 *	on every I_T_L nexus that sees a device, after a LOGICAL UNIT RESET
 * @dev: the device
 *
 * Process context (ktgt_dev_walk_nexuses()).
 */
void ktgt_ua_raise_lu_reset(struct ktgt_device *dev);

/**
 * ktgt_ua_take() - dequeue the highest priority pending unit attention
 * @td: the nexus
 * @sense: filled with UNIT ATTENTION and its ASC/ASCQ
 *
 * Any context; call under rcu_read_lock() if @td was looked up under it.
 *
 * Return: true if one was pending.
 */
bool ktgt_ua_take(struct ktgt_tgt_dev *td, struct ktgt_sense_info *sense);

/**
 * ktgt_ua_pending() - whether an I_T_L nexus has a pending unit attention
 * @td: the nexus
 *
 * A racy peek, for every command: ktgt_ua_report() and ktgt_ua_take()
 * decide under td->ua_lock.
 *
 * Return: true if one is pending.
 */
static inline bool ktgt_ua_pending(const struct ktgt_tgt_dev *td)
{
	return READ_ONCE(td->ua_pending) != 0;
}

/**
 * ktgt_ua_clear_session() - clear a condition on every I_T_L nexus of a
 *	session (REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED)
 * @sess: the session
 * @kind: the condition
 *
 * Any context.
 */
void ktgt_ua_clear_session(struct ktgt_session *sess, enum ktgt_ua_kind kind);

/**
 * ktgt_cmd_abort_session() - abort the commands of a dying session that
 *	have not started executing
 * @sess: the session, already marked dying
 *
 * They complete with TASK ABORTED. May sleep.
 */
void ktgt_cmd_abort_session(struct ktgt_session *sess);

/**
 * ktgt_session_queue_depth() - the queue depth new sessions get
 *
 * Return: the sess_queue_depth module parameter.
 */
unsigned int ktgt_session_queue_depth(void);

/**
 * ktgt_session_count_status() - count a TASK SET FULL or BUSY answer in
 *	the session's statistics (/sys/kernel/ktgt/sessions/<id>/)
 * @sess: the session
 * @status: the status sent
 *
 * Any context.
 */
void ktgt_session_count_status(struct ktgt_session *sess, u8 status);

/**
 * ktgt_cmd_sense() - complete a command with CHECK CONDITION
 * @cmd: the command
 * @s: the sense: key, ASC/ASCQ, and optionally a field pointer and the
 *	INFORMATION field
 *
 * The sense data is in descriptor format if the device's D_SENSE is set
 * (ktgt_spc_d_sense()), else in fixed format. Any context.
 */
void ktgt_cmd_sense(struct ktgt_cmd *cmd, const struct ktgt_sense_info *s);

/**
 * ktgt_cmd_lun_read_only() - whether the LUN a command addresses is write
 *	protected (its read_only attribute; the device's is in its params)
 * @cmd: a command past LUN lookup
 *
 * Return: true if the LUN is read-only.
 */
bool ktgt_cmd_lun_read_only(const struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_init_internal() - prepare an internal command of the SBC
 *	emulation (KTGT_CF_SBC_INTERNAL)
 * @ic: the internal command
 * @parent: the initiator's command it works for
 *
 * @ic gets @parent's session, LUN, tag, CDB, device and descriptor and
 * nothing else; the caller sets the buffer and the decoded fields. The
 * engine never queues, orders or releases it; a handler's
 * ktgt_cmd_done() on it calls ktgt_sbc_internal_done(). Process context.
 */
void ktgt_cmd_init_internal(struct ktgt_cmd *ic, struct ktgt_cmd *parent);

/**
 * ktgt_cmd_is_aborted() - whether a command was aborted
 * @cmd: a command the caller is executing
 *
 * True once a task management function, a PREEMPT AND ABORT, QErr or
 * the end of its session marked @cmd aborted (KTGT_CF_ABORTED): it will
 * be reported as TASK ABORTED (or not at all) whatever it completes
 * with, so a command that works in steps can stop early. Any context;
 * lockless, so a marking racing with the call may be seen only by the
 * next one.
 *
 * Return: true if @cmd is aborted.
 */
bool ktgt_cmd_is_aborted(const struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_copy_status() - give a command the outcome of another
 * @dst: the command to complete
 * @src: the command whose status and sense to copy (no data-in)
 */
void ktgt_cmd_copy_status(struct ktgt_cmd *dst, const struct ktgt_cmd *src);

/**
 * ktgt_spc_needs_thread() - whether a command must execute in process
 *	context even on an exec_atomic or nowait device (defined in
 *	core/spc.c)
 * @cmd: a decoded command
 *
 * Return: true if its emulation may sleep, or wait for the medium
 * (internal I/O, SYNCHRONIZE CACHE's ->sync).
 */
bool ktgt_spc_needs_thread(const struct ktgt_cmd *cmd);

/**
 * ktgt_spc_exec_long() - whether a command executes on the engine's
 *	workqueue without WQ_MEM_RECLAIM (defined in core/spc.c)
 * @cmd: a decoded command of a device
 *
 * The commands that wait in their worker for other commands or other
 * LUs' I/O, and that no initiator's writeback depends on: EXTENDED COPY
 * of a direct-access device, PERSISTENT RESERVE IN and OUT. See
 * ktgt_long_wq in core/cmd.c.
 *
 * Return: true to execute @cmd on ktgt_long_wq.
 */
bool ktgt_spc_exec_long(const struct ktgt_cmd *cmd);

/* --- mgmt: devices, targets, LUN sets (device.c, target.c, lun.c) --- */

/* The highest LUN number a LUN directory may have (luns/0 .. luns/16383). */
#define KTGT_MAX_LUN		16383

/*
 * Every target, linked by ktgt_target.node (of every driver, not only one
 * driver's), under ktgt_cfg_mutex.
 */
extern struct list_head ktgt_targets;

/* The types of targets/<drv>/<tgt>/luns and .../groups/<g>/luns (lun.c). */
extern const struct config_item_type ktgt_tgt_luns_type;
extern const struct config_item_type ktgt_grp_luns_type;

/**
 * ktgt_lun_set_init() - initialise an empty LUN set
 * @set: the set
 * @tgt: the target it belongs to
 */
void ktgt_lun_set_init(struct ktgt_lun_set *set, struct ktgt_target *tgt);

/**
 * ktgt_lun_set_destroy() - free an empty LUN set's map
 * @set: the set; every LUN in it must be unmapped
 */
void ktgt_lun_set_destroy(struct ktgt_lun_set *set);

/**
 * ktgt_device_from_link() - the device a configfs symlink points to
 * @item: the link's target item
 *
 * Return: the device, or NULL if @item is not a device directory.
 */
struct ktgt_device *ktgt_device_from_link(struct config_item *item);

/**
 * ktgt_attrs_merge() - combine the core's and a module's configfs
 *	attributes
 * @generic: the core's NULL-terminated attributes
 * @extra: the module's NULL-terminated attributes, or NULL
 *
 * A module attribute with the name of a generic one replaces it (a
 * handler's own size attribute replaces the read-only generic one).
 *
 * Return: a NULL-terminated array to kfree(), or NULL if out of memory.
 */
struct configfs_attribute **ktgt_attrs_merge(struct configfs_attribute **generic,
					     struct configfs_attribute **extra);

/**
 * ktgt_valid_module_name() - whether a handler or driver name can name a
 *	configfs directory
 * @name: the name
 *
 * Return: true if non-empty, shorter than 64 bytes, not "." or "..", and
 * without '/'.
 */
bool ktgt_valid_module_name(const char *name);

/* --- spc: SPC/SBC emulation (spc.c, sbc.c; spc_data.c is portable) --- */

struct ktgt_sense_info;
struct ktgt_spc_dev;

/*
 * Limits of the SBC emulation, reported in the Block Limits VPD page
 * (B0h) and enforced by core/sbc.c. MAXIMUM TRANSFER LENGTH is
 * KTGT_MAX_XFER_BYTES (engine). WRITE SAME writes through ->rw in chunks
 * of at most 1 MiB, so its limit bounds the time one command takes.
 */
/*
 * conformance: with 512-byte blocks, below 65536 blocks of WRITE SAME
 * (libiscsi then checks that 65536 is refused instead of writing 32 MiB
 * in one WRITE(16), beyond MAXIMUM TRANSFER LENGTH) and at most 1Mi
 * blocks of UNMAP (libiscsi's sanity limit).
 */
#define KTGT_SBC_MAX_WS_BYTES		SZ_16M	/* MAX WRITE SAME */
#define KTGT_SBC_MAX_UNMAP_BYTES	SZ_512M	/* per descriptor */
#define KTGT_SBC_MAX_UNMAP_DESCS	128	/* per UNMAP command */
#define KTGT_SBC_MAX_CAW_BLOCKS		16	/* COMPARE AND WRITE */
#define KTGT_SBC_MAX_LBA_STATUS_DESCS	256	/* per GET LBA STATUS */

/*
 * Bits of ktgt_device.spc_flags: the device's runtime mode state, set by
 * MODE SELECT, read anywhere with
 * test_bit(). All zero means "as the device's parameters say"; the state
 * is per device, shared by every I_T nexus, and never saved.
 *
 * KTGT_SPC_WCE_FLIP: the caching page's WCE is the opposite of what
 *	params.write_through implies (WCE = !write_through by default)
 * KTGT_SPC_D_SENSE: the control page's D_SENSE: sense data in descriptor
 *	format
 *
 * Bit 2 is free. (Medium removal prevention is per I_T nexus:
 * ktgt_tgt_dev.prevent.)
 */
#define KTGT_SPC_WCE_FLIP	0
#define KTGT_SPC_D_SENSE	1

/*
 * Bit of ktgt_cmd.core.cflags marking an internal command of the SBC
 * emulation (core/sbc.c): a transfer it sends to a handler's ->rw on
 * behalf of an initiator's command (VERIFY, WRITE SAME, COMPARE AND
 * WRITE, ...). The engine never queues, orders or answers such a
 * command: ktgt_cmd_done() on it only calls ktgt_sbc_internal_done().
 * The engine's own cflags bits are numbered from 0 up.
 */
#define KTGT_CF_SBC_INTERNAL	31

/**
 * ktgt_spc_d_sense() - whether a device reports sense in descriptor format
 * @dev: the device
 *
 * The control mode page's D_SENSE, as the last MODE SELECT set it. Any
 * context.
 *
 * Return: true for descriptor format, false for fixed format.
 */
bool ktgt_spc_d_sense(const struct ktgt_device *dev);

/**
 * ktgt_spc_wce() - whether a device's write cache is enabled
 * @dev: the device
 *
 * The caching mode page's WCE. While it is 0 core/sbc.c forces FUA on
 * every write. Any context.
 *
 * Return: true if writes may stay in a volatile cache.
 */
bool ktgt_spc_wce(const struct ktgt_device *dev);

/**
 * ktgt_spc_thin() - whether a device does thin provisioning
 * @dev: the device
 *
 * params.thin_provisioned and a handler with &ktgt_sbc_ops.unmap.
 *
 * Return: true if UNMAP and WRITE SAME with UNMAP are supported.
 */
bool ktgt_spc_thin(const struct ktgt_device *dev);

/**
 * ktgt_spc_fail() - complete a command with CHECK CONDITION and full sense
 * @cmd: the command
 * @s: the sense: key, ASC/ASCQ, field pointer, information
 *
 * Unlike ktgt_cmd_check_condition() this keeps the field pointer and the
 * INFORMATION field of @s, and honours D_SENSE. Any context.
 */
void ktgt_spc_fail(struct ktgt_cmd *cmd, const struct ktgt_sense_info *s);

/**
 * ktgt_spc_describe() - describe a command's logical unit for spc_data.c
 * @cmd: a command with its device (and LUN) set
 * @d: filled from the device's parameters, capacity and type, the LUN's
 *	write protection and the emulation's limits
 */
void ktgt_spc_describe(const struct ktgt_cmd *cmd, struct ktgt_spc_dev *d);

/**
 * ktgt_spc_send() - complete a command with data-in
 * @cmd: the command
 * @buf: the data
 * @len: its full length; what does not fit the buffer or the allocation
 *	length is dropped (and counted in the residual)
 *
 * Copies into cmd->sg and calls ktgt_cmd_good(). Any context.
 */
void ktgt_spc_send(struct ktgt_cmd *cmd, const void *buf, u32 len);

/**
 * ktgt_spc_dout_len() - the parameter list length a command can use
 * @cmd: a data-out command with a byte count (MODE SELECT, UNMAP)
 *
 * Return: the PARAMETER LIST LENGTH, capped by the data received.
 */
u32 ktgt_spc_dout_len(const struct ktgt_cmd *cmd);

/**
 * ktgt_sbc_internal_done() - an internal command of the SBC emulation
 *	completed asynchronously
 * @cmd: a command with KTGT_CF_SBC_INTERNAL set
 *
 * Called by ktgt_cmd_done() instead of its usual completion; wakes the
 * emulation waiting for the transfer. Any context.
 */
void ktgt_sbc_internal_done(struct ktgt_cmd *cmd);

/* --- semantics: TMF, UA, reservations (tmf/reserve/pr.c) --- */

/**
 * ktgt_session_port_id() - the initiator port name of a session for
 *	persistent reservations
 * @sess: the session
 * @proto: if not NULL, set to its PROTOCOL IDENTIFIER
 *
 * Return: what ktgt_session_set_transport_id() set, else the initiator
 * name; valid for the session's lifetime.
 */
const char *ktgt_session_port_id(const struct ktgt_session *sess, u8 *proto);

/**
 * ktgt_ua_queue_code() - establish a unit attention condition on one I_T_L
 *	nexus
 * @sess: the session (I_T nexus) whose tgt_devs holds @td, named by
 *	the netlink UA event
 * @td: the nexus
 * @code: a condition code of core/ua_queue.h (KTGT_UAC_*)
 *
 * Any context.
 */
void ktgt_ua_queue_code(struct ktgt_session *sess, struct ktgt_tgt_dev *td,
			unsigned int code);

/**
 * ktgt_ua_raise_session() - establish a condition on every I_T_L nexus of
 *	a session (I_T NEXUS LOSS after an I_T NEXUS RESET)
 * @sess: the session
 * @code: KTGT_UAC_*
 *
 * Any context.
 */
void ktgt_ua_raise_session(struct ktgt_session *sess, unsigned int code);

/**
 * ktgt_dev_walk_nexuses() - call a function on every I_T_L nexus
 *	through which a device is seen
 * @dev: the device
 * @fn: called with the session and its nexus until it returns true;
 *	under ktgt_sessions' xa_lock and rcu_read_lock(), so it must not
 *	sleep, and keeps neither past its return
 * @arg: passed to @fn
 *
 * Needs no ktgt_cfg_mutex: a session or LUN added meanwhile may be
 * missed, but its new nexus starts with POWER ON or REPORTED LUNS DATA
 * HAS CHANGED, which tells its initiator to look at the logical unit
 * anew anyway. Process context.
 *
 * Return: true if @fn did.
 */
bool ktgt_dev_walk_nexuses(struct ktgt_device *dev,
			   bool (*fn)(struct ktgt_session *sess,
				      struct ktgt_tgt_dev *td, void *arg),
			   void *arg);

/**
 * ktgt_ua_raise_dev_code() - establish a condition on every I_T_L nexus
 *	through which a device is seen
 * @dev: the device
 * @code: KTGT_UAC_*
 * @except: a session whose every nexus is skipped (the one that caused
 *	it), or NULL; compared by address, so it must stay allocated for
 *	the call (a session of the caller's command in flight)
 *
 * Process context (ktgt_dev_walk_nexuses()).
 */
void ktgt_ua_raise_dev_code(struct ktgt_device *dev, unsigned int code,
			    const struct ktgt_session *except);

/**
 * ktgt_ua_raise_dev_except_cmd() - establish a condition on every I_T_L
 *	nexus through which a device is seen but that of one command
 * @dev: the device
 * @code: KTGT_UAC_*
 * @cmd: the command whose I_T_L nexus is skipped (the one that caused
 *	it, or whose initiator was told), or NULL. The nexus is named by
 *	cmd->sess and cmd->lun, not by its struct ktgt_tgt_dev, which no
 *	command holds: it may be freed and its memory given to another
 *	nexus meanwhile. @cmd must be in flight (submitted, not released)
 *	for the call, which keeps cmd->sess allocated, so that no other
 *	session can have its address.
 *
 * Process context (ktgt_dev_walk_nexuses()).
 */
void ktgt_ua_raise_dev_except_cmd(struct ktgt_device *dev, unsigned int code,
				  const struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_set_prevent() - PREVENT ALLOW MEDIUM REMOVAL for the I_T_L
 *	nexus of a command
 * @cmd: the command
 * @set: KTGT_TD_PREVENT* bits to set
 * @clear: KTGT_TD_PREVENT* bits to clear
 *
 * Any context.
 *
 * Return: false if the nexus is gone (its session is ending).
 */
bool ktgt_cmd_set_prevent(struct ktgt_cmd *cmd, u8 set, u8 clear);

/**
 * ktgt_ua_report() - report the highest priority pending condition
 * @td: the nexus
 * @sense: filled with UNIT ATTENTION and its ASC/ASCQ
 * @clear: dequeue it (UA_INTLCK_CTRL 00b, REQUEST SENSE)
 *
 * Any context.
 *
 * Return: true if one was pending.
 */
bool ktgt_ua_report(struct ktgt_tgt_dev *td, struct ktgt_sense_info *sense,
		    bool clear);

/*
 * More bits of ktgt_device.spc_flags (see KTGT_SPC_WCE_FLIP), all zero
 * by default: KTGT_SPC_TAS_OFF: the control page's TAS is 0;
 * KTGT_SPC_UA_INTLCK_10 / _11: its UA_INTLCK_CTRL is 10b / 11b (both set
 * for 11b).
 */
#define KTGT_SPC_TAS_OFF	3
#define KTGT_SPC_UA_INTLCK_10	4
#define KTGT_SPC_UA_INTLCK_11	5

/**
 * ktgt_spc_tas() - the control mode page's TAS of a device
 * @dev: the device
 *
 * Return: true if tasks aborted by another I_T nexus end with TASK
 * ABORTED status, false if silently (with COMMANDS CLEARED BY ANOTHER
 * INITIATOR). Any context.
 */
bool ktgt_spc_tas(const struct ktgt_device *dev);

/**
 * ktgt_spc_ua_intlck() - the control mode page's UA_INTLCK_CTRL
 * @dev: the device
 *
 * Return: 0 (00b), 2 (10b) or 3 (11b). Any context.
 */
u8 ktgt_spc_ua_intlck(const struct ktgt_device *dev);

/*
 * The control page's QERR in two more bits of ktgt_device.spc_flags
 * (both zero: 00b): KTGT_SPC_QERR_01 alone is 01b, both are 11b.
 */
#define KTGT_SPC_QERR_01	6
#define KTGT_SPC_QERR_11	7

/**
 * ktgt_spc_qerr() - the control mode page's QERR of a device
 * @dev: the device
 *
 * Return: 0 (00b: a CHECK CONDITION affects no other task), 1 (01b: it
 * aborts every other task of the task set, as TAS says for other I_T
 * nexuses) or 3 (11b: every other task of its I_T nexus). Any context.
 */
u8 ktgt_spc_qerr(const struct ktgt_device *dev);

/**
 * struct ktgt_lu_abort - PREEMPT AND ABORT's abort of tasks of a logical
 *	unit, whose command completes once they are gone
 * @cmd: the command that aborts (PERSISTENT RESERVE OUT), executing: its
 *	device's tasks are aborted, those of its session (the issuer, for
 *	TAS) never; its LUN reference keeps the device, and the command
 *	its session, until @done calls ktgt_cmd_done()
 * @match: only the tasks of the sessions it returns true for; called
 *	under ktgt_sessions' xa_lock, must not sleep
 * @arg: its argument, kept by the caller until @done
 * @done: called once every aborted task was released by its driver, in
 *	process context (a worker of ktgt_tmf_wq), no lock held; may
 *	sleep, briefly (others wait behind it); completes @cmd with
 *	ktgt_cmd_done(), and may free the structure
 * @park: private to core/cmd.c: on the list of parked aborts while the
 *	tasks are not gone, the scan's meanwhile
 * @work: private to core/cmd.c: runs @done
 *
 * Owned by the caller, which fills the first four fields; from a
 * ktgt_abort_lu_tasks() that returned true until @done is called, the
 * core's.
 */
struct ktgt_lu_abort {
	struct ktgt_cmd		*cmd;
	bool			(*match)(struct ktgt_session *sess, void *arg);
	void			*arg;
	void			(*done)(struct ktgt_lu_abort *ab);
	struct ktgt_abort_wait	park;
	struct work_struct	work;
};

/**
 * ktgt_abort_lu_tasks() - abort tasks of a logical unit, and complete
 *	their abort once the driver released them (PREEMPT AND ABORT)
 * @ab: what to abort, filled by the caller
 *
 * The tasks are marked aborted before this returns. If some are not
 * released yet, @ab is parked like a task management function that waits
 * (core/cmd.c, "Functions that wait"), holding no worker, and @ab->done
 * is called once they are; otherwise nothing is called. Process context,
 * no lock held; takes ktgt_sessions' xa_lock.
 *
 * Return: true if @ab->done is to be called, false if nothing was left
 * to wait for.
 */
bool ktgt_abort_lu_tasks(struct ktgt_lu_abort *ab);

bool ktgt_reserve_conflicts(struct ktgt_cmd *cmd);

/**
 * ktgt_reserve_check() - the reservation check of a command
 * @cmd: a decoded command past the unit attention check
 *
 * Applies the persistent reservation of its device, if any, then the
 * SPC-2 one (core/reserve.c). While the device has neither, the usual
 * case, it is two loads and no call: the unlocked reads are those
 * ktgt_reserve_conflicts() begins with.
 *
 * Return: true if the command conflicts (RESERVATION CONFLICT).
 */
static inline bool ktgt_reserve_check(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;

	if (!dev ||
	    (!READ_ONCE(dev->resv_holder) && !READ_ONCE(dev->pr_type)))
		return false;
	return ktgt_reserve_conflicts(cmd);
}

/**
 * ktgt_reserve_check_nexus() - the reservation check (persistent, then
 *	SPC-2) of a CDB an I_T nexus would send to a logical unit
 * @dev: the logical unit's device
 * @sess: the I_T nexus
 * @cdb: the CDB (its operation code decides, as for a command)
 * @cdb_len: its length
 *
 * What ktgt_reserve_check() decides for a command, for one that is not
 * sent: the copy manager checks its accesses to the copy source and
 * destination logical units with it (core/xcopy.c). Any context.
 *
 * Return: true if such a command would get RESERVATION CONFLICT.
 */
bool ktgt_reserve_check_nexus(struct ktgt_device *dev,
			      struct ktgt_session *sess, const u8 *cdb,
			      unsigned int cdb_len);

/**
 * ktgt_reserve_exec() - execute RESERVE(6/10) and RELEASE(6/10), and
 *	PERSISTENT RESERVE IN and OUT (ktgt_pr_exec())
 * @cmd: the command
 * @st: set if @cmd was one of them: KTGT_EXEC_DONE (status set) or
 *	KTGT_EXEC_ASYNC (ktgt_cmd_done() is called later)
 *
 * Return: true if @cmd was one of them.
 */
bool ktgt_reserve_exec(struct ktgt_cmd *cmd, enum ktgt_exec_status *st);

/**
 * ktgt_reserve_reset() - a logical unit reset releases its SPC-2
 *	reservation
 * @dev: the device
 *
 * For a LOGICAL UNIT RESET or TARGET RESET of ktgt's, and for a reset the
 * device itself reports (ktgt_device_ua() with a 29h condition).
 * Persistent reservations are not touched. Any context; takes only
 * dev->resv_lock.
 */
void ktgt_reserve_reset(struct ktgt_device *dev);

/**
 * ktgt_reserve_nexus_loss() - release every SPC-2 reservation an I_T
 *	nexus holds (I_T nexus reset or loss)
 * @sess: the session
 *
 * Takes ktgt_cfg_mutex. May sleep.
 */
void ktgt_reserve_nexus_loss(struct ktgt_session *sess);

/* Persistent reservations (core/pr.c); see its top comment. */
struct ktgt_pr_reg;

/**
 * ktgt_pr_dev_init() - initialise a new device's persistent reservation
 *	state (no registrations)
 * @dev: the device
 */
void ktgt_pr_dev_init(struct ktgt_device *dev);

/**
 * ktgt_pr_dev_enable() - restore a device's persistent reservation state
 *	from its APTPL file (core/pr_file.h), if it has none in memory
 * @dev: the device, being enabled (not yet seen by commands)
 *
 * A missing file gives no state; an unreadable or invalid one is logged
 * and gives no state. Process context; may sleep.
 */
void ktgt_pr_dev_enable(struct ktgt_device *dev);

/**
 * ktgt_pr_dev_free() - free a device's registrations
 * @dev: the device, unreachable by commands
 */
void ktgt_pr_dev_free(struct ktgt_device *dev);

/**
 * ktgt_pr_check() - the persistent reservation check of a command
 * @cmd: a decoded command past the unit attention check
 *
 * Any context.
 *
 * Return: true if the command conflicts (RESERVATION CONFLICT).
 */
bool ktgt_pr_check(struct ktgt_cmd *cmd);

/**
 * ktgt_pr_check_nexus() - the persistent reservation check of a CDB an
 *	I_T nexus would send to a logical unit
 * @dev: the logical unit's device
 * @sess: the I_T nexus
 * @cdb: the CDB
 * @cdb_len: its length
 *
 * Any context.
 *
 * Return: true if such a command would get RESERVATION CONFLICT.
 */
bool ktgt_pr_check_nexus(struct ktgt_device *dev, struct ktgt_session *sess,
			 const u8 *cdb, unsigned int cdb_len);

/**
 * ktgt_pr_exec() - execute PERSISTENT RESERVE IN and OUT
 * @cmd: the command, in process context
 * @st: set if @cmd was one of them: KTGT_EXEC_DONE (status set), or
 *	KTGT_EXEC_ASYNC for a PREEMPT AND ABORT that waits for the tasks it
 *	aborted (ktgt_abort_lu_tasks()): ktgt_cmd_done() is called once
 *	they are gone
 *
 * Return: true if @cmd was one of them.
 */
bool ktgt_pr_exec(struct ktgt_cmd *cmd, enum ktgt_exec_status *st);

/* What registrations make of an SPC-2 RESERVE or RELEASE. */
enum ktgt_pr_spc2 {
	KTGT_PR_SPC2_NONE,	/* no registration: SPC-2 rules */
	KTGT_PR_SPC2_NOP,	/* GOOD, changing no reservation */
	KTGT_PR_SPC2_CONFLICT,	/* RESERVATION CONFLICT */
};

/**
 * ktgt_pr_spc2() - how a device's registrations affect an SPC-2 RESERVE
 *	or RELEASE from an I_T nexus (SPC-4 5.13.3, CRH = 1)
 * @dev: the device; caller holds dev->resv_lock
 * @sess: the I_T nexus
 *
 * While any I_T nexus is registered, a RESERVE or RELEASE completes
 * without effect from the persistent reservation holder and, under a
 * REGISTRANTS ONLY or ALL REGISTRANTS type, from any registrant; from
 * any other nexus it conflicts (SPC-2 5.5.1).
 *
 * Return: what the command gets.
 */
enum ktgt_pr_spc2 ktgt_pr_spc2(struct ktgt_device *dev,
			       struct ktgt_session *sess);

/*
 * ---------------------------------------------------------------------
 * ktgtadm: events over generic netlink (core/netlink.c) and
 * per-session counters (core/stats.c)
 * ---------------------------------------------------------------------
 */

/**
 * ktgt_nl_init() - register the "ktgt" generic netlink family
 *
 * Return: 0 or a negative errno. Module init only.
 */
int ktgt_nl_init(void);

/* ktgt_nl_exit() - unregister the family. Module exit only. */
void ktgt_nl_exit(void);

/**
 * ktgt_nl_session() - multicast a LOGIN or LOGOUT event
 * @sess: the session (created, or not yet freed)
 * @login: true for LOGIN
 *
 * Process context; may sleep.
 */
void ktgt_nl_session(struct ktgt_session *sess, bool login);

/* ktgt_nl_tmf() - a TMF was executed (before ->tmf_done()). Any context. */
void ktgt_nl_tmf(const struct ktgt_tmf *tmf);

/**
 * ktgt_nl_ua() - a unit attention was queued on an I_T_L nexus
 * @sess: its I_T nexus (id, driver, target and initiator go in the event)
 * @lun: its LUN
 * @asc_ascq: ASC << 8 | ASCQ
 *
 * Any context.
 */
void ktgt_nl_ua(const struct ktgt_session *sess, u64 lun, u16 asc_ascq);

/**
 * ktgt_nl_cmd_error() - a command ended without GOOD status
 * @cmd: the command
 *
 * Rate limited. Any context.
 */
void ktgt_nl_cmd_error(const struct ktgt_cmd *cmd);

/**
 * ktgt_adm_session_created() - a session was created and is in sysfs
 * @sess: the session
 *
 * Allocates its counters, adds sessions/<id>/stats, sends LOGIN.
 * Process context, no ktgt lock held.
 */
void ktgt_adm_session_created(struct ktgt_session *sess);

/**
 * ktgt_adm_session_destroyed() - a session has no command left and is
 *	about to leave sysfs
 * @sess: the session
 *
 * Sends LOGOUT, removes the stats file and frees the counters after a
 * grace period. Process context, no ktgt lock held.
 */
void ktgt_adm_session_destroyed(struct ktgt_session *sess);

/**
 * ktgt_stats_cmd_done() - count a completed command for its session
 * @cmd: the command, with its final status
 * @lat_ns: its latency
 *
 * Any context, no lock. Also sends an ERROR event when the status is not
 * GOOD.
 */
void ktgt_stats_cmd_done(struct ktgt_cmd *cmd, u64 lat_ns);

/**
 * ktgt_io_stats_add() - count a completed command in a set of counters
 * @st: a device's or a session's counters
 * @cmd: the command, with its final status
 * @lat_ns: its latency
 *
 * Any context; writes this CPU's counters only.
 */
void ktgt_io_stats_add(struct ktgt_io_stats __percpu *st,
		       const struct ktgt_cmd *cmd, u64 lat_ns);

/**
 * ktgt_io_stats_emit() - the text of a stats file
 * @st: the counters, summed over the CPUs
 * @buf: the sysfs buffer
 *
 * Return: the length written.
 */
int ktgt_io_stats_emit(struct ktgt_io_stats __percpu *st, char *buf);

/*
 * ---------------------------------------------------------------------
 * ALUA: Asymmetric Logical Unit Access (core/alua.c; the
 * portable data in core/alua_data.c). Locking: see core/alua.c.
 * ---------------------------------------------------------------------
 */
struct ktgt_alua_dg;
struct ktgt_spc_dev;

/* The fixed alua/ group of the configfs root (set up by the init). */
extern struct config_group ktgt_alua_group;
void ktgt_alua_configfs_init(void);

/* targets/<drv>/<tgt>/rel_tgt_id, listed by core/target.c. */
extern struct configfs_attribute ktgt_alua_attr_rel_tgt_id;

/**
 * ktgt_alua_free_rel_tgt_id() - the lowest RELATIVE TARGET PORT
 *	IDENTIFIER no target has
 *
 * Caller holds ktgt_cfg_mutex.
 *
 * Return: 1..65535, or 0 if every one is taken.
 */
u16 ktgt_alua_free_rel_tgt_id(void);

/**
 * ktgt_target_from_link() - the target a configfs symlink points to
 * @item: the link's target item
 *
 * Return: the target, or NULL if @item is not a target directory.
 */
struct ktgt_target *ktgt_target_from_link(struct config_item *item);

/**
 * ktgt_alua_check_cmd() - refuse a command its target port's asymmetric
 *	access state does not allow (SPC-4 5.15.2.4)
 * @cmd: a decoded command with its device and session
 * @s: set to NOT READY and the state's ASC/ASCQ when refused
 *
 * Any context; takes no lock but RCU.
 *
 * Return: true if the command must be refused.
 */
bool ktgt_alua_check_cmd(struct ktgt_cmd *cmd, struct ktgt_sense_info *s);

/**
 * ktgt_alua_check_nexus() - the same check for a CDB an I_T nexus would
 *	send to a logical unit
 * @dev: the logical unit's device
 * @sess: the I_T nexus (its target port picks the target port group)
 * @cdb: the CDB
 * @cdb_len: its length
 * @s: set to NOT READY and the state's ASC/ASCQ when refused
 *
 * Any context; takes no lock but RCU.
 *
 * Return: true if such a command would be refused.
 */
bool ktgt_alua_check_nexus(struct ktgt_device *dev, struct ktgt_session *sess,
			   const u8 *cdb, unsigned int cdb_len,
			   struct ktgt_sense_info *s);

/**
 * ktgt_alua_describe() - TPGS, and the VPD 83h target port group
 *	designator of the port a command came through, for a device in a
 *	device group
 * @cmd: the command
 * @d: its description; left alone for a device in no device group
 *
 * Any context.
 */
void ktgt_alua_describe(const struct ktgt_cmd *cmd, struct ktgt_spc_dev *d);

/**
 * ktgt_alua_exec() - execute REPORT and SET TARGET PORT GROUPS
 * @cmd: the command, in process context (ktgt_spc_needs_thread())
 *
 * For a device in no device group both end with INVALID COMMAND
 * OPERATION CODE (TPGS is 00b).
 *
 * Return: true if @cmd was one of them and is complete (status set).
 */
bool ktgt_alua_exec(struct ktgt_cmd *cmd);

#endif /* KTGT_INTERNAL_H */
