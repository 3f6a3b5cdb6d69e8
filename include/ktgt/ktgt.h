/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: the public API for target drivers and dev handlers.
 *
 * This header is what target drivers (transports: local, iSCSI, SRP, FC)
 * and dev handlers (virtual disks, CD-ROM, tape, pass-through) are written
 * against, in tree or out of tree. It is kept small and stable; see
 * Documentation/api.rst for the command life cycle it describes.
 *
 * The life of a command, as a target driver sees it::
 *
 *   driver                         core                      dev handler
 *   ------                         ----                      -----------
 *   ktgt_cmd_init()
 *   ktgt_cmd_submit()  ---------> parse, LUN lookup, checks,
 *                                 allocate the data buffer
 *   ->rdy_to_xfer()  <----------- (data-out commands only)
 *   ktgt_cmd_rx_done() ---------> ordering, UA, exec  ------> ->exec()
 *                                                    <------ ktgt_cmd_done()
 *   ->xmit_response() <---------- status, sense, data-in
 *   ktgt_cmd_xmit_done() -------> release buffers and LUN
 *   ->free_cmd()      <---------- last reference dropped
 */
#ifndef _KTGT_KTGT_H
#define _KTGT_KTGT_H

#include <linux/configfs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <ktgt/ktgt_proto.h>

/**
 * define KTGT_VERSION - the ktgt release this API belongs to
 */
#define KTGT_VERSION "0.1.0"

/**
 * define KTGT_MAX_CDB_LEN - longest CDB a command can carry
 */
#define KTGT_MAX_CDB_LEN	32

/**
 * define KTGT_SENSE_LEN - size of a command's sense buffer
 */
#define KTGT_SENSE_LEN		96

struct file;
struct ktgt_cmd;
struct ktgt_device;
struct ktgt_session;
struct ktgt_target;
struct ktgt_tmf;

/*
 * ===================================================================
 * Target drivers
 * ===================================================================
 */

/**
 * enum ktgt_ctx - the context a driver calls the core from
 * @KTGT_CTX_THREAD: process context that may sleep; the core may execute
 *	the command right there (no context switch)
 * @KTGT_CTX_ATOMIC: atomic context (softirq, spinlock held, blk-mq
 *	->queue_rq without BLK_MQ_F_BLOCKING); the core never sleeps and
 *	hands what may sleep to its worker threads
 * @KTGT_CTX_NOWAIT: a thread that may sleep briefly (an allocation, a
 *	page lock) but must not wait for a backing store, such as a
 *	transport's receive thread; the core executes inline what an
 *	exec_atomic device or a device set nowait
 *	(ktgt_device_set_nowait()) can do, and hands the rest to its workers
 */
enum ktgt_ctx {
	KTGT_CTX_THREAD,
	KTGT_CTX_ATOMIC,
	KTGT_CTX_NOWAIT,
};

/**
 * struct ktgt_tgt_template - a target driver
 * @name: the driver's name; its targets live in
 *	/sys/kernel/config/ktgt/targets/<name>/
 * @owner: the module; held while any of its targets exists
 * @target_create: optional; a target was created by mkdir. Set up the
 *	driver's state (ktgt_target_set_priv()). May sleep.
 * @target_destroy: optional; undo @target_create. Called after the target
 *	was disabled and every session of it destroyed. May sleep.
 * @target_enable: optional; start (@enable true) or stop serving the
 *	target, from a write to its enable attribute. Stopping must end the
 *	target's sessions (ktgt_session_destroy()) before it returns. May
 *	sleep.
 * @target_attrs: optional NULL-terminated configfs attributes added to
 *	every target directory of this driver
 * @rdy_to_xfer: fetch the data-out of a write-type command into
 *	cmd->sg (cmd->bufflen bytes) and call ktgt_cmd_rx_done(). Return 0,
 *	or a negative errno if the transfer cannot be started (the core then
 *	fails the command).
 * @xmit_response: send cmd->data_len bytes of data-in (if any) from
 *	cmd->sg, then the status, sense and residual, and call
 *	ktgt_cmd_xmit_done() once the buffers may be released. Return 0 or a
 *	negative errno (the core then releases the command as if sent).
 * @tmf_done: a task management function finished; send tmf->response.
 * @data_out_aborted: optional; @cmd, whose data-out the driver was asked
 *	for (->rdy_to_xfer() was or is about to be called), was aborted by
 *	the core: a task management function or PREEMPT AND ABORT, of
 *	this I_T nexus or another, waits for its release. The driver
 *	stops fetching the data (the initiator may never send it) and
 *	ends the command with ktgt_cmd_rx_done(-ECONNABORTED), at once
 *	or, if ->rdy_to_xfer() has not been called yet, from there; or,
 *	if all its data is in already, lets it complete. Called once per
 *	command, in process context (the core's TMF worker or the thread
 *	of the abort), with no core lock held and a reference on @cmd
 *	for the call; possibly before or while ->rdy_to_xfer() runs. May
 *	not sleep for long: other aborts wait for it. Without it, such a
 *	command is released only when its data or connection ends.
 * @free_cmd: the core dropped its last reference to a command; the driver
 *	may free the memory the command is embedded in.
 * @callbacks_atomic: the driver's @rdy_to_xfer, @xmit_response and
 *	@free_cmd may be called in any context, hard interrupts included
 *	(a bio's completion), and from within the driver's own calls to
 *	ktgt_cmd_submit(), ktgt_cmd_rx_done() and ktgt_cmd_xmit_done(): the
 *	driver must not hold a lock its callbacks take across those calls.
 *	If false the core calls them from process context only, bouncing
 *	them to its workers when the command is in atomic context (a
 *	context switch per command). @tmf_done is always called in process
 *	context.
 * @sg_tablesize: the most scatterlist entries the driver can handle in
 *	one command, 0 for no limit
 * @group_attrs: optional NULL-terminated configfs attributes added to
 *	every initiator group (targets/<drv>/<tgt>/groups/<g>/) of this
 *	driver's targets; their callbacks find the group's driver state
 *	with ktgt_group_priv_from_item()
 * @group_priv_size: bytes of zeroed driver state the core allocates with
 *	every initiator group and frees with it
 * @driver_attrs: optional NULL-terminated configfs attributes of the
 *	driver itself, in /sys/kernel/config/ktgt/targets/<name>/ next to
 *	its targets' directories (settings that belong to no one target,
 *	such as iSCSI discovery authentication). They exist from
 *	ktgt_register_template() until ktgt_unregister_template() returns;
 *	configfs holds &configfs_attribute.ca_owner while one is open. Their
 *	callbacks run in process context with no lock of the core held: the
 *	driver serialises them with its own state.
 * @list: private to the core
 *
 * Callbacks other than those noted are called in process context.
 * @target_create, @target_enable and @target_destroy are serialised per
 * target and are not called under the core's configuration mutex.
 */
struct ktgt_tgt_template {
	const char *name;
	struct module *owner;

	int (*target_create)(struct ktgt_target *tgt);
	void (*target_destroy)(struct ktgt_target *tgt);
	int (*target_enable)(struct ktgt_target *tgt, bool enable);
	struct configfs_attribute **target_attrs;

	int (*rdy_to_xfer)(struct ktgt_cmd *cmd);
	int (*xmit_response)(struct ktgt_cmd *cmd);
	void (*tmf_done)(struct ktgt_tmf *tmf);
	void (*data_out_aborted)(struct ktgt_cmd *cmd);
	void (*free_cmd)(struct ktgt_cmd *cmd);

	bool callbacks_atomic;
	unsigned int sg_tablesize;

	/* iscsi-kern: per initiator group attributes */
	struct configfs_attribute **group_attrs;
	size_t group_priv_size;

	struct configfs_attribute **driver_attrs;

	struct list_head list;
};

int ktgt_register_template(struct ktgt_tgt_template *tt);
void ktgt_unregister_template(struct ktgt_tgt_template *tt);

/**
 * ktgt_target_name() - a target's name (its configfs directory name)
 * @tgt: the target
 *
 * Return: the name; valid for the target's lifetime.
 */
const char *ktgt_target_name(const struct ktgt_target *tgt);

/**
 * ktgt_target_set_priv() - attach the driver's state to a target
 * @tgt: the target
 * @priv: the driver's pointer
 */
void ktgt_target_set_priv(struct ktgt_target *tgt, void *priv);

/**
 * ktgt_target_priv() - the driver's state attached to a target
 * @tgt: the target
 *
 * Return: what ktgt_target_set_priv() stored, or NULL.
 */
void *ktgt_target_priv(const struct ktgt_target *tgt);

/**
 * ktgt_target_from_item() - the target a configfs item belongs to
 * @item: the item passed to a &ktgt_tgt_template.target_attrs callback
 *
 * Return: the target.
 */
struct ktgt_target *ktgt_target_from_item(struct config_item *item);

/* --- iscsi-kern: target driver hooks for configfs and access checks --- */

/**
 * ktgt_target_cfs_group() - a target's configfs group
 * @tgt: the target
 *
 * For &ktgt_tgt_template.target_create: a driver may add its own default
 * groups (configfs_add_default_group()) to the target directory there.
 *
 * Return: the group targets/<drv>/<tgt>.
 */
struct config_group *ktgt_target_cfs_group(struct ktgt_target *tgt);

/**
 * ktgt_group_priv_from_item() - the driver state of an initiator group
 * @item: the item passed to a &ktgt_tgt_template.group_attrs callback
 *
 * Return: the &ktgt_tgt_template.group_priv_size bytes the core allocated
 * with the group (NULL if that size is 0); valid while the item is.
 */
void *ktgt_group_priv_from_item(struct config_item *item);

/**
 * ktgt_target_access() - may an initiator reach a target's LUNs
 * @tgt: the target
 * @initiator: the initiator port name
 * @fn: optional; called once, under the core's configuration mutex (so
 *	it must not sleep for long nor take locks the configuration paths
 *	hold), with the driver state of the first initiator group whose
 *	patterns match @initiator, or NULL when none does
 * @arg: passed to @fn
 *
 * The rule is the one sessions use to choose their LUN set: an initiator
 * matching one of the target's groups sees that group's LUNs; any other
 * sees the target's default LUN set, and has access only if that set is
 * not empty. May sleep.
 *
 * Return: true if the initiator matches a group or the default LUN set
 * has at least one LUN.
 */
bool ktgt_target_access(struct ktgt_target *tgt, const char *initiator,
			void (*fn)(void *grp_priv, void *arg), void *arg);

/*
 * ===================================================================
 * Sessions (I_T nexuses)
 * ===================================================================
 */

/**
 * ktgt_session_create() - register an I_T nexus with a target
 * @tgt: an enabled target
 * @initiator: the initiator port name (iSCSI name, WWPN, ...); it picks
 *	the LUNs the session sees (the target's initiator groups)
 * @priv: the driver's per-session pointer (ktgt_session_priv())
 *
 * Every logical unit the session sees starts with a POWER ON, RESET, OR
 * BUS DEVICE RESET OCCURRED unit attention. May sleep.
 *
 * Return: the session, or an ERR_PTR(): -ENODEV if @tgt is not enabled,
 * -ENOMEM.
 */
struct ktgt_session *ktgt_session_create(struct ktgt_target *tgt,
					 const char *initiator, void *priv);

/**
 * ktgt_session_create_port() - register an I_T nexus with a target,
 *	named for persistent reservations by its initiator port
 * @tgt: an enabled target
 * @initiator: as for ktgt_session_create()
 * @proto: the PROTOCOL IDENTIFIER of @port (KTGT_PROTO_*)
 * @port: the initiator port's name as its TransportID carries it (see
 *	ktgt_session_set_transport_id()); NULL: as ktgt_session_create()
 * @priv: the driver's per-session pointer (ktgt_session_priv())
 *
 * ktgt_session_create() and ktgt_session_set_transport_id() in one: the
 * session becomes visible to other sessions' commands (persistent
 * reservation walks, unit attentions and aborts for registrants) already
 * named by @port, never by its initiator name first. May sleep.
 *
 * Return: the session, or an ERR_PTR(): -EINVAL if @port is empty or
 * longer than 255 bytes, -ENODEV if @tgt is not enabled, -ENOMEM.
 */
struct ktgt_session *ktgt_session_create_port(struct ktgt_target *tgt,
					      const char *initiator, u8 proto,
					      const char *port, void *priv);

/**
 * ktgt_session_destroy() - end an I_T nexus
 * @sess: the session
 *
 * Aborts the session's commands that have not started executing, waits
 * for the others to complete and for the driver to release every command
 * (ktgt_cmd_xmit_done()), waits for every task management function
 * submitted on @sess to have had its ->tmf_done(), then frees the
 * session. The driver must not submit new commands or task management
 * functions on @sess once this is called (it may still be waiting for
 * some, so it must keep completing them). May sleep.
 */
void ktgt_session_destroy(struct ktgt_session *sess);

/**
 * ktgt_session_priv() - the driver's per-session pointer
 * @sess: the session
 *
 * Return: the @priv given to ktgt_session_create().
 */
void *ktgt_session_priv(const struct ktgt_session *sess);

/**
 * ktgt_session_initiator() - the session's initiator port name
 * @sess: the session
 *
 * Return: the name given to ktgt_session_create().
 */
const char *ktgt_session_initiator(const struct ktgt_session *sess);

/* --- the initiator port for reservations --- */

/* KTGT_PROTO_*: the PROTOCOL IDENTIFIER values, in <ktgt/ktgt_proto.h>. */

/**
 * ktgt_session_set_transport_id() - name the session's initiator port for
 *	persistent reservations (SPC-4 TransportID)
 * @sess: the session; call before its first command is submitted, and at
 *	most once (ktgt_session_create_port() names it before the session
 *	is even visible: prefer it)
 * @proto: the PROTOCOL IDENTIFIER (KTGT_PROTO_*)
 * @port: the initiator port's name as its TransportID carries it. iSCSI
 *	(FORMAT CODE 01b): "<iSCSI name>,i,0x<ISID as 12 hex digits>", e.g.
 *	"iqn.1994-05.com.redhat:host1,i,0x23d000000001". Other transports:
 *	the name their TransportID format carries (a WWPN as 16 hex digits).
 *
 * Persistent reservation registrations, SPEC_I_PT and REGISTER AND MOVE
 * name I_T nexuses by this port name (and the target port); READ FULL
 * STATUS reports it. A session that never calls it is named by the
 * initiator name given to ktgt_session_create() with KTGT_PROTO_NONE,
 * which is what the local target does. The name is published whole
 * (other sessions' reservation walks read it without this session's
 * locks) and never changes after: until then those walks see the
 * initiator name. May sleep.
 *
 * Return: 0, -EINVAL if @port is empty or longer than 255 bytes, -EBUSY
 * if the session already has its port name, or -ENOMEM.
 */
int ktgt_session_set_transport_id(struct ktgt_session *sess, u8 proto,
				  const char *port);

/**
 * ktgt_session_set_tpgt() - the iSCSI target portal group of a session
 * @sess: a session created with KTGT_PROTO_ISCSI; call before its first
 *	command is submitted
 * @tpgt: the TARGET PORTAL GROUP TAG the session logged in through
 *
 * The Device Identification VPD page (83h) then names the target port
 * "<target name>,t,0x<@tpgt>" and the SCSI target device "<target
 * name>" with SCSI name string designators (SPC-4 7.8.6.11), the target
 * name being ktgt_target_name(), an iSCSI name. Sessions without a TPGT
 * (other transports) report neither.
 */
void ktgt_session_set_tpgt(struct ktgt_session *sess, u16 tpgt);

/*
 * ===================================================================
 * Commands
 * ===================================================================
 */

/* Command flags (ktgt_cmd.flags), set by the driver before submit. */
/* The driver supplies the data buffer in cmd->sg / sg_cnt / bufflen. */
#define KTGT_CMD_DRIVER_SG	BIT(0)

/**
 * struct ktgt_cmd - a SCSI command (task)
 *
 * A target driver embeds this in its own per-command structure, so the
 * core allocates nothing for the command itself, and fills it with
 * ktgt_cmd_init(). The fields marked "driver" may be read by the driver at
 * any time; the fields marked "result" are valid from ->xmit_response()
 * on; everything after @core is private to the core.
 *
 * @sess: driver: the I_T nexus the command arrived on
 * @lun: driver: the logical unit number (SAM-5 single level, decoded)
 * @tag: driver: the transport's task tag, for TMFs and logging
 * @cdb: driver: the CDB
 * @cdb_len: driver: its length
 * @attr: driver: the task attribute
 * @exp_dir: driver: the data direction the transport announced; a CDB
 *	that needs data-out when @exp_dir is not KTGT_DIR_WRITE, or moves
 *	data-in when it is, is refused (CHECK CONDITION, INVALID FIELD IN
 *	COMMAND INFORMATION UNIT); with KTGT_CMD_DRIVER_SG and a buffer,
 *	any CDB moving data the other way is refused (INVALID FIELD IN
 *	CDB)
 * @exp_len: driver: the expected data transfer length the transport
 *	announced (iSCSI EDTL, FCP_DL)
 * @flags: driver: KTGT_CMD_* flags
 * @sg: the data buffer (allocated by the core unless KTGT_CMD_DRIVER_SG;
 *	see ktgt_cmd_alloc_buf() for taking it before submit)
 * @sg_cnt: its number of entries
 * @bufflen: its size in bytes
 * @data_len: result: bytes of data-in to send from @sg
 * @data_with_cc: result, set by the handler: @data_len bytes of data-in
 *	are valid although the status is CHECK CONDITION (SSC: the data of
 *	a block shorter than asked for, with ILI, or of the blocks before a
 *	filemark). Set it after the status and sense, with @data_len:
 *	setting a status clears both. The transport then sends the data
 *	before the status (iSCSI: Data-In PDUs, then a SCSI Response with
 *	the sense, RFC 7143 11.7.4), and the residual counts it as moved.
 *	Without it, no status but GOOD and CONDITION MET has data-in.
 * @resid: result: the residual count; see @resid_over
 * @resid_over: result: true if @resid is an overflow (the command wanted
 *	more than @exp_len), false for an underflow
 * @status: result: SAM status (enum ktgt_sam_status)
 * @sense_len: result: bytes of sense data in @sense, 0 if none
 * @sense: result: sense data (fixed or descriptor format)
 * @core: private to the core
 */
struct ktgt_cmd {
	struct ktgt_session	*sess;
	u64			lun;
	u64			tag;
	u8			cdb[KTGT_MAX_CDB_LEN];
	u8			cdb_len;
	enum ktgt_task_attr	attr;
	enum ktgt_data_dir	exp_dir;
	u32			exp_len;
	u32			flags;

	struct scatterlist	*sg;
	unsigned int		sg_cnt;
	u32			bufflen;

	u32			data_len;
	bool			data_with_cc;
	u32			resid;
	bool			resid_over;
	u8			status;
	u8			sense_len;
	u8			sense[KTGT_SENSE_LEN];

	/* private to the core from here on */
	struct {
		struct kref		ref;
		unsigned int		state;
		unsigned long		cflags;
		struct ktgt_device	*dev;
		void			*lun_ref;
		void			*tgt_dev;
		void			*sgv;
		struct list_head	sess_node;
		struct list_head	dev_node;
		struct work_struct	work;
		u64			lba;
		u32			nr_blocks;
		u64			xfer_len;
		u32			cdb_flags;
		enum ktgt_data_dir	dir;
		const void		*desc;
		/* its place among its session's submits (sess->lock) */
		u64			sn;
		unsigned long		start_jiffies;
		void			*handler_priv;
	} core;
};

/**
 * ktgt_cmd_init() - fill in a received command
 * @cmd: the command, embedded in the driver's structure
 * @sess: the session it arrived on
 * @lun: the LUN it addresses
 * @tag: the transport's tag
 * @cdb: the CDB
 * @cdb_len: its length; longer than KTGT_MAX_CDB_LEN is refused with
 *	INVALID FIELD IN CDB at submit time
 * @attr: the task attribute
 * @dir: the data direction the transport announced
 * @exp_len: the expected data transfer length the transport announced
 *
 * Clears everything else; takes the first reference, which
 * ktgt_cmd_xmit_done() drops. Never sleeps.
 */
void ktgt_cmd_init(struct ktgt_cmd *cmd, struct ktgt_session *sess, u64 lun,
		   u64 tag, const u8 *cdb, unsigned int cdb_len,
		   enum ktgt_task_attr attr, enum ktgt_data_dir dir,
		   u32 exp_len);

/**
 * ktgt_cmd_submit() - hand a command to the core
 * @cmd: a command filled by ktgt_cmd_init()
 * @ctx: the caller's context
 *
 * The core takes it from here; every outcome, including errors (CHECK
 * CONDITION, TASK SET FULL, BUSY), reaches the driver as
 * ->xmit_response(). With %KTGT_CTX_THREAD the command may be executed
 * and even answered before this returns.
 */
void ktgt_cmd_submit(struct ktgt_cmd *cmd, enum ktgt_ctx ctx);

/**
 * ktgt_cmd_rx_done() - the data-out of a command has arrived
 * @cmd: the command ->rdy_to_xfer() was called for
 * @error: 0, or a negative errno if the transfer failed: the command is
 *	not executed and ends with CHECK CONDITION, ABORTED COMMAND, sense
 *	PROTOCOL SERVICE CRC ERROR for -EBADMSG (data that failed a digest,
 *	or a sequence error implying one: iSCSI, RFC 7143 7.8), DATA PHASE
 *	ERROR for any other errno; but -ECONNABORTED (the driver gave the
 *	data up because the task was aborted by a task management function
 *	it received, or its connection is gone) ends it as aborted, with
 *	TASK ABORTED and ktgt_cmd_aborted_silently() true: no status to
 *	send, and no CHECK CONDITION for QErr to act on; for a command the
 *	core aborted already (->data_out_aborted()), as that abort said:
 *	TASK ABORTED to send if another I_T nexus aborted it with TAS = 1
 * @ctx: the caller's context
 */
void ktgt_cmd_rx_done(struct ktgt_cmd *cmd, int error, enum ktgt_ctx ctx);

/* Taking the data buffer before submit */

/**
 * ktgt_cmd_alloc_buf() - take a command's data buffer before submitting it
 * @cmd: a command filled by ktgt_cmd_init() and not submitted yet
 * @len: the buffer size in bytes: the transport's expected data transfer
 *	length (at most the core's transfer limit, 8 MiB)
 * @gfp: allocation flags; without __GFP_DIRECT_RECLAIM only the pool's
 *	cache can serve it
 *
 * For transports whose data-out arrives with or right after the command
 * (iSCSI immediate and unsolicited data): the buffer comes from the core's
 * sgv pool and is counted against max_buffer_mb exactly as the one the
 * core allocates at submit, and the core uses it as the command's buffer
 * (cmd->sg, sg_cnt and bufflen are set here) instead of allocating one.
 * The driver may write data-out into it from now on, and must stop
 * before it calls ktgt_cmd_xmit_done(), which returns it to the pool as
 * for any command. A command that is never submitted must give it back
 * with ktgt_cmd_free_buf().
 *
 * Like every buffer the core allocates, its pages may be passed to the
 * network stack by reference (sendpage): the pool does not reuse a page
 * while someone else holds a reference to it (core/sgv.c).
 *
 * On -EBUSY or -ENOMEM the command stays valid: submitted, it ends with
 * BUSY status before any data-out is requested, and the driver discards
 * the data-out it could not store. On -EINVAL (@len too large) nothing
 * is taken and the core plans the buffer at submit as usual. Never sleeps
 * unless @gfp allows it.
 *
 * Return: 0, -EBUSY (over max_buffer_mb), -ENOMEM or -EINVAL.
 */
int ktgt_cmd_alloc_buf(struct ktgt_cmd *cmd, u32 len, gfp_t gfp);

/**
 * ktgt_cmd_free_buf() - give back the buffer of a command not submitted
 * @cmd: a command ktgt_cmd_alloc_buf() was called for and that will never
 *	be passed to ktgt_cmd_submit()
 *
 * Any context.
 */
void ktgt_cmd_free_buf(struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_aborted_silently() - whether a command's status must not be sent
 * @cmd: a command passed to ->xmit_response() with status TASK ABORTED
 *
 * True when SAM-5 sends no status for it: a task management function of
 * its own I_T nexus aborted it (the TMF response covers it), or one of
 * another I_T nexus (CLEAR TASK SET, LOGICAL UNIT RESET, ...) or a QErr
 * abort while the control mode page's TAS is 0 (the initiator learns of
 * it from the COMMANDS CLEARED BY ANOTHER INITIATOR unit attention), or
 * QErr for a CHECK CONDITION of its own I_T nexus, or the session is
 * going away. False for a task of another I_T nexus aborted with TAS = 1:
 * its TASK ABORTED status must be sent. A driver that can (iSCSI) sends
 * nothing when true and only calls ktgt_cmd_xmit_done().
 *
 * Return: true if the status must not be sent.
 */
bool ktgt_cmd_aborted_silently(const struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_xmit_done() - the driver is done with a command
 * @cmd: the command ->xmit_response() was called for
 *
 * Releases the data buffer and the command's hold on its logical unit,
 * and drops the driver's reference; ->free_cmd() follows when the last
 * reference is gone. Any context.
 */
void ktgt_cmd_xmit_done(struct ktgt_cmd *cmd);

/*
 * ===================================================================
 * Task management
 * ===================================================================
 */

/**
 * struct ktgt_abort_wait - private to the core: an abort parked until the
 *	tasks it aborted are gone, holding no worker meanwhile (core/cmd.c,
 *	"Functions that wait")
 * @node: on the core's list of parked aborts, under its lock
 * @warn_at: when the next warning of a long wait is due (jiffies)
 * @kind: what it is part of: a task management function or a PREEMPT
 *	AND ABORT
 * @gen: the count of aborted commands released of its scope (its session
 *	or device) when it was last found waiting, if @gen_valid
 * @gen_valid: @gen is set
 */
struct ktgt_abort_wait {
	struct list_head	node;
	unsigned long		warn_at;
	unsigned int		kind;
	unsigned int		gen;
	bool			gen_valid;
};

/**
 * struct ktgt_tmf - a task management request
 * @sess: driver: the I_T nexus it arrived on
 * @fn: driver: the function
 * @lun: driver: the LUN, for functions addressed to a logical unit
 * @tag: driver: the transport's tag of the TMF itself
 * @ref_tag: driver: the tag of the task it refers to (ABORT TASK,
 *	QUERY TASK)
 * @response: result: the service response
 * @task_found: result, ABORT TASK and QUERY TASK: whether the task it
 *	refers to was in the task set. SAM-5 answers FUNCTION COMPLETE
 *	either way; a protocol that tells the two apart (iSCSI's "Task does
 *	not exist") reads this.
 * @priv: the driver's pointer, untouched by the core
 * @sn: private to the core
 * @work: private to the core
 * @core: private to the core: the state of a function waiting for the
 *	tasks it aborted (core/cmd.c, "Task management")
 */
struct ktgt_tmf {
	struct ktgt_session	*sess;
	enum ktgt_tmf_fn	fn;
	u64			lun;
	u64			tag;
	u64			ref_tag;
	enum ktgt_tmf_response	response;
	bool			task_found;
	void			*priv;
	u64			sn;
	struct work_struct	work;
	struct {
		struct ktgt_abort_wait	park;
		unsigned int		wait;
		void			*lun_ref;
		struct ktgt_device	*dev;
		struct ktgt_device	**devs;
		size_t			nr_devs;
		unsigned long		*mapped;
		struct ktgt_cmd		*task;
	} core;
};

/**
 * ktgt_tmf_submit() - execute a task management function
 * @tmf: the request, filled by the driver
 *
 * The outcome arrives as ->tmf_done(). Any context. Not on a session
 * whose ktgt_session_destroy() has begun; that waits for the functions
 * submitted before it, so the session stays until their ->tmf_done()
 * has returned. The function applies to
 * the commands of @tmf->sess submitted before this call, never to those
 * submitted after it, even before it has run: a driver hands commands
 * and task management functions over in the order the initiator sent
 * them (iSCSI: CmdSN order). Its response comes after the status of
 * every task it covers that was on its way when it ran: it waits for
 * them to be released (ktgt_cmd_xmit_done()).
 */
void ktgt_tmf_submit(struct ktgt_tmf *tmf);

/*
 * ===================================================================
 * Dev handlers
 * ===================================================================
 */

/**
 * enum ktgt_exec_status - what a dev handler's ->exec() did
 * @KTGT_EXEC_DONE: finished; status and sense are set (ktgt_cmd_good(),
 *	ktgt_cmd_check_condition())
 * @KTGT_EXEC_ASYNC: under way; the handler calls ktgt_cmd_done() later,
 *	from any context
 */
enum ktgt_exec_status {
	KTGT_EXEC_DONE,
	KTGT_EXEC_ASYNC,
};

/**
 * struct ktgt_sbc_ops - medium access of a direct-access (SBC) device
 *
 * A disk handler provides these and the core emulates everything else of
 * SPC-4/SBC-3 (INQUIRY and its VPD pages, MODE SENSE/SELECT, READ
 * CAPACITY, VERIFY, WRITE AND VERIFY, WRITE SAME, COMPARE AND WRITE, GET
 * LBA STATUS, REPORT SUPPORTED OPERATION CODES, ...) on top of them.
 * Each is called in process context and may sleep unless
 * &ktgt_dev_type.exec_atomic is set.
 *
 * @rw: read (cmd->core.dir == KTGT_DIR_READ) or write cmd->core.nr_blocks
 *	blocks at cmd->core.lba from/to cmd->sg; honour KTGT_CDB_FUA in
 *	cmd->core.cdb_flags. Return as ->exec() does.
 * @sync: make everything written durable (SYNCHRONIZE CACHE). Always
 *	called in process context, from a worker unless the submitter is
 *	a thread, whatever exec_atomic and ktgt_device_set_nowait() say:
 *	it may wait for the medium. Return 0 or a negative errno.
 * @unmap: optional; deallocate @nr blocks at @lba (thin provisioning).
 *	Return 0 or a negative errno.
 * @unmap_zeroes: blocks @unmap deallocated are guaranteed to read as
 *	zeroes (a hole punched in a file). The core then reports LBPRZ,
 *	and deallocates for a WRITE SAME of zeroes with UNMAP = 1; without
 *	it (a block device's discard guarantees nothing) such a WRITE SAME
 *	writes the zeroes.
 * @mapped: optional; for GET LBA STATUS: whether @lba is mapped, and in
 *	@len how many blocks from @lba share that state. Return 0 or a
 *	negative errno. Without it every block reads as mapped.
 */
struct ktgt_sbc_ops {
	enum ktgt_exec_status (*rw)(struct ktgt_cmd *cmd);
	int (*sync)(struct ktgt_device *dev);
	int (*unmap)(struct ktgt_device *dev, u64 lba, u64 nr);
	bool unmap_zeroes;
	int (*mapped)(struct ktgt_device *dev, u64 lba, bool *mapped,
		      u64 *len);
};

/**
 * struct ktgt_dev_type - a dev handler
 * @name: the handler's name; its devices live in
 *	/sys/kernel/config/ktgt/handlers/<name>/
 * @owner: the module; held while any of its devices exists
 * @pdt: the PERIPHERAL DEVICE TYPE of its devices (TYPE_DISK, TYPE_ROM,
 *	...)
 * @dev_alloc: optional; a device was created by mkdir: allocate its
 *	private state (ktgt_device_set_priv()). May sleep.
 * @dev_free: optional; undo @dev_alloc. May sleep.
 * @enable: open the backing store and set the device's capacity
 *	(ktgt_device_set_capacity()); called on "echo 1 > enable". May sleep.
 * @disable: close it; called when the device is disabled or removed, and
 *	only when no LUN maps it. May sleep.
 * @resync_size: optional; re-read the backing store's size and set it
 *	(ktgt_device_set_capacity()), from a write to resync_size. May
 *	sleep.
 * @dev_attrs: optional NULL-terminated handler-specific configfs
 *	attributes (e.g. filename)
 * @sbc: for direct-access handlers: the medium operations; the core
 *	then executes every command
 * @exec: for other handlers: execute a command. cmd->core.desc is the
 *	decoded descriptor. Runs in process context unless @exec_atomic.
 * @exec_atomic: @exec (or @sbc) never sleeps, so the core may call it in
 *	the submitter's context even when that is atomic
 * @xfer_block_size: optional; the block length in which the decoder
 *	counts a CDB's TRANSFER LENGTH of blocks (the expected data length)
 *	for this device's commands now, instead of its blocksize: a
 *	pass-through tape drive's current fixed block length, 0 in
 *	variable-block mode. Called at each command's submit, in any
 *	context: must not sleep.
 * @exec_buf: optional; whether the handler takes @cmd's data-in buffer
 *	itself in @exec, with ktgt_cmd_exec_buf(), once it knows how much
 *	data there is: for a CDB whose transfer length is only an upper
 *	bound (a variable-block tape READ(6) reads one block of whatever
 *	length is on the tape), so that asking for the most makes the core
 *	reserve and allocate nothing. Then nothing is reserved against
 *	max_buffer_mb nor allocated for @cmd before @exec (cmd->sg NULL,
 *	bufflen 0). Called at submit, after decoding, for a data-in command
 *	the core would allocate the buffer of (not with KTGT_CMD_DRIVER_SG
 *	nor a buffer taken before submit), in any context: must not sleep.
 * @list: private to the core
 *
 * @enable, @disable and @resync_size are serialised per device and are not
 * called under the core's configuration mutex.
 */
struct ktgt_dev_type {
	const char *name;
	struct module *owner;
	u8 pdt;

	int (*dev_alloc)(struct ktgt_device *dev);
	void (*dev_free)(struct ktgt_device *dev);
	int (*enable)(struct ktgt_device *dev);
	void (*disable)(struct ktgt_device *dev);
	int (*resync_size)(struct ktgt_device *dev);
	struct configfs_attribute **dev_attrs;

	const struct ktgt_sbc_ops *sbc;
	enum ktgt_exec_status (*exec)(struct ktgt_cmd *cmd);
	bool exec_atomic;
	u32 (*xfer_block_size)(const struct ktgt_device *dev);
	bool (*exec_buf)(const struct ktgt_cmd *cmd);

	struct list_head list;
};

int ktgt_register_dev_type(struct ktgt_dev_type *dt);
void ktgt_unregister_dev_type(struct ktgt_dev_type *dt);

/**
 * struct ktgt_dev_params - a device's generic, configfs-settable identity
 * and behaviour; the core's SPC/SBC emulation answers from it
 * @block_size: logical block size in bytes (512, 4096; 2048 for CD-ROM)
 * @read_only: the device is write protected
 * @write_through: WCE=0: every write is forced to the medium (FUA)
 * @nv_cache: the cache is non-volatile: SYNCHRONIZE CACHE does nothing
 * @thin_provisioned: UNMAP and WRITE SAME with UNMAP deallocate
 * @rotational: report a rotating medium (VPD B1h) instead of solid state
 * @removable: RMB=1 in standard INQUIRY data
 * @vendor_id: T10 VENDOR IDENTIFICATION (8 characters)
 * @product_id: PRODUCT IDENTIFICATION (16 characters)
 * @revision: PRODUCT REVISION LEVEL (4 characters)
 * @serial: UNIT SERIAL NUMBER (VPD 80h)
 * @naa_id: the NAA IEEE Registered Extended identifier (VPD 83h), 16
 *	bytes, derived from the device name unless set
 */
struct ktgt_dev_params {
	u32	block_size;
	bool	read_only;
	bool	write_through;
	bool	nv_cache;
	bool	thin_provisioned;
	bool	rotational;
	bool	removable;
	char	vendor_id[9];
	char	product_id[17];
	char	revision[5];
	char	serial[33];
	u8	naa_id[16];
};

/**
 * ktgt_device_name() - a device's name (its configfs directory name)
 * @dev: the device
 *
 * Return: the name; valid for the device's lifetime.
 */
const char *ktgt_device_name(const struct ktgt_device *dev);

/**
 * ktgt_device_params() - a device's generic parameters
 * @dev: the device
 *
 * Handlers may read them at any time; they change only while the device
 * is disabled.
 *
 * Return: the parameters.
 */
const struct ktgt_dev_params *ktgt_device_params(const struct ktgt_device *dev);

/**
 * ktgt_device_set_priv() - attach the handler's state to a device
 * @dev: the device
 * @priv: the handler's pointer
 */
void ktgt_device_set_priv(struct ktgt_device *dev, void *priv);

/**
 * ktgt_device_priv() - the handler's state attached to a device
 * @dev: the device
 *
 * Return: what ktgt_device_set_priv() stored, or NULL.
 */
void *ktgt_device_priv(const struct ktgt_device *dev);

/**
 * ktgt_device_from_item() - the device a configfs item belongs to
 * @item: the item passed to a &ktgt_dev_type.dev_attrs callback
 *
 * Return: the device.
 */
struct ktgt_device *ktgt_device_from_item(struct config_item *item);

/**
 * ktgt_device_enabled() - whether a device is enabled
 * @dev: the device
 *
 * Handler attributes that cannot change while enabled return -EBUSY when
 * this is true.
 *
 * Return: true if enabled.
 */
bool ktgt_device_enabled(const struct ktgt_device *dev);

/**
 * ktgt_device_set_capacity() - set a device's size in logical blocks
 * @dev: the device
 * @nr_blocks: the number of logical blocks
 *
 * On a change while enabled, every I_T nexus that sees the device gets a
 * CAPACITY DATA HAS CHANGED unit attention. May sleep. Takes the core's
 * configuration mutex, whose holders may wait for commands to finish:
 * never call it from the command path (->exec, ->rw) or with a lock a
 * command may wait for.
 */
void ktgt_device_set_capacity(struct ktgt_device *dev, u64 nr_blocks);

/**
 * ktgt_device_set_phys_block_size() - tell the core the physical block size
 * @dev: the device
 * @bytes: the backing store's physical block size (a file system's block,
 *	a disk's physical sector); 0 or a size that is not a power-of-two
 *	multiple of the logical block size: unknown
 *
 * READ CAPACITY(16) reports it as LOGICAL BLOCKS PER PHYSICAL BLOCK
 * EXPONENT, so that initiators align their I/O to it. Call it from
 * ->enable. Does not sleep.
 */
void ktgt_device_set_phys_block_size(struct ktgt_device *dev, u32 bytes);

/**
 * ktgt_device_set_nowait() - say whether the device's I/O waits for a store
 * @dev: the device
 * @nowait: true if @dev's medium access (&ktgt_sbc_ops.rw and .mapped,
 *	or ->exec; never ->sync nor ->unmap, which run on workers), when
 *	ktgt_cmd_exec_nowait() says so, never waits for a backing store's
 *	I/O, only briefly for memory or a lock: it reads or writes memory
 *	(a file in tmpfs or ramfs), submits its I/O asynchronously without
 *	waiting for a free slot (a bio with REQ_NOWAIT), or gives the
 *	command back with ktgt_cmd_requeue()
 *
 * A command submitted with %KTGT_CTX_NOWAIT to such a device is executed
 * in the submitter's context instead of a worker's: one context switch
 * less per command. Call it from ->enable; the default is false. Does
 * not sleep.
 */
void ktgt_device_set_nowait(struct ktgt_device *dev, bool nowait);

/**
 * ktgt_device_capacity() - a device's size in logical blocks
 * @dev: the device
 *
 * Return: the number of logical blocks.
 */
u64 ktgt_device_capacity(const struct ktgt_device *dev);

/*
 * --- removable media (MMC devices: vcdrom) ---
 */

/**
 * enum ktgt_media_event - a media event for GET EVENT STATUS NOTIFICATION
 * @KTGT_MEDIA_EV_NONE: none pending (NoChg)
 * @KTGT_MEDIA_EV_NEW: a medium was loaded (NewMedia)
 * @KTGT_MEDIA_EV_REMOVAL: the medium was removed, or its tray opened
 *	(MediaRemoval)
 *
 * The values are MMC-6's media event codes.
 */
enum ktgt_media_event {
	KTGT_MEDIA_EV_NONE	= 0,
	KTGT_MEDIA_EV_NEW	= 2,
	KTGT_MEDIA_EV_REMOVAL	= 3,
};

/**
 * ktgt_device_medium_changed() - a removable medium was loaded or removed
 * @dev: the device
 * @nr_blocks: the capacity in logical blocks of the medium now ready for
 *	access; 0 if there is none (removed, or its tray open)
 *
 * For handlers of removable media, in place of ktgt_device_set_capacity():
 * sets the capacity to @nr_blocks without CAPACITY DATA HAS CHANGED, and
 * tells every I_T_L nexus that sees @dev. With @nr_blocks (a medium
 * loaded or swapped, of the same size or not) each gets NOT READY TO
 * READY CHANGE, MEDIUM MAY HAVE CHANGED (28h/00h), the nexus of a command
 * that loaded it included, and the media event NewMedia; with 0 each
 * gets the media event MediaRemoval and no unit attention (the handler
 * answers NOT READY, MEDIUM NOT PRESENT meanwhile). A later event
 * replaces one not yet taken (ktgt_cmd_media_event()). Call it from
 * ->enable too, for the medium there: no nexus sees the device yet, so
 * it only sets the capacity.
 *
 * Does not sleep and takes none of the core's configuration mutexes, so
 * a handler may call it from ->exec (a START STOP UNIT closing the tray)
 * with its own locks held; it serialises its calls for one device, so
 * that the capacity of the last change stays. Process context.
 */
void ktgt_device_medium_changed(struct ktgt_device *dev, u64 nr_blocks);

/**
 * ktgt_device_ua() - establish a unit attention condition a device reported
 * @dev: the device
 * @asc: the ADDITIONAL SENSE CODE of the condition
 * @ascq: its ADDITIONAL SENSE CODE QUALIFIER
 * @except: the command whose initiator was told already (the device
 *	answered that command with it), whose I_T_L nexus (its session and
 *	LUN) is skipped; NULL for none. Not yet completed with
 *	ktgt_cmd_done(), so that its session stays for the call
 *
 * For pass-through handlers, whose device reports unit attentions to its
 * one I_T nexus, ktgt's: the condition is established on every I_T_L
 * nexus that sees @dev, but @except's, with the same ASC/ASCQ, so that
 * each initiator is told. The core's queue holds the conditions it
 * reports itself (see core/ua_queue.h); a 29h code it does not hold
 * (29h/04h DEVICE INTERNAL RESET, ...) is established as 29h/00h POWER ON,
 * RESET, OR BUS DEVICE RESET OCCURRED, which covers them all; any other
 * one is not established. A 29h condition (any ASCQ) means the device was
 * reset: as with a LOGICAL UNIT RESET, the SPC-2 reservation (RESERVE(6)
 * and RESERVE(10)) the core holds for @dev is released, before the
 * condition is established, and each nexus' medium removal prevention
 * ends. Persistent reservations stay, as a reset leaves them (SPC-4).
 *
 * Does not sleep and takes none of the core's configuration mutexes, so
 * that a handler may call it with its own locks held. Process context.
 *
 * Return: true if the condition was established, false if the core has
 * no condition of that ASC/ASCQ.
 */
bool ktgt_device_ua(struct ktgt_device *dev, u8 asc, u8 ascq,
		    struct ktgt_cmd *except);

/**
 * ktgt_device_removal_prevented() - whether medium removal is prevented
 * @dev: the device
 *
 * The core executes PREVENT ALLOW MEDIUM REMOVAL (ktgt_spc_exec()) per
 * I_T_L nexus: removal is prevented while any nexus that sees @dev has
 * prevented it (PREVENT 01b, or MMC's persistent prevention, 11b) and
 * not allowed it again (00b, 10b respectively), and the nexus has not
 * ended or been reset (session end, I_T NEXUS RESET, LOGICAL UNIT RESET,
 * TARGET RESET). Process context; does not sleep.
 *
 * Return: true if some nexus prevents removal.
 */
bool ktgt_device_removal_prevented(struct ktgt_device *dev);

/**
 * ktgt_cmd_media_event() - the media event pending for a command's I_T_L
 *	nexus
 * @cmd: a command being executed (GET EVENT STATUS NOTIFICATION)
 * @take: clear it, because the initiator is told
 *
 * Media events are per I_T_L nexus, like unit attentions: each initiator
 * gets the last one ktgt_device_medium_changed() recorded since it took
 * one. Any context.
 *
 * Return: the event, %KTGT_MEDIA_EV_NONE if none is pending.
 */
enum ktgt_media_event ktgt_cmd_media_event(struct ktgt_cmd *cmd, bool take);

/**
 * ktgt_cmd_done() - a dev handler finished an asynchronous command
 * @cmd: the command ->exec() or ->rw() returned %KTGT_EXEC_ASYNC for
 *
 * Status and sense must be set. Any context.
 */
void ktgt_cmd_done(struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_exec_nowait() - whether a handler must not wait for its store
 * @cmd: the command being executed
 *
 * True while the core executes @cmd in a %KTGT_CTX_NOWAIT submitter's
 * thread (a device set nowait, see ktgt_device_set_nowait()): the handler
 * must not wait for the backing store, and calls ktgt_cmd_requeue()
 * instead. Always false for commands the core executes in its workers.
 *
 * Return: true if the handler must not wait for I/O.
 */
bool ktgt_cmd_exec_nowait(const struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_requeue() - execute a command again from a core worker
 * @cmd: the command ->exec() or ->rw() was called for while
 *	ktgt_cmd_exec_nowait() was true, and that it returned (or will
 *	return) %KTGT_EXEC_ASYNC for
 *
 * For a handler that would have to wait (no free request slot on a
 * block device: a bio ended with BLK_STS_AGAIN; a request the block
 * layer would split): the core calls ->exec() or ->rw() again, from a
 * worker thread where it may wait. Whatever the first attempt did is
 * done again: a read fills the buffer anew, a write writes the same data.
 * Status and sense are not set. Called on a command that was not
 * executed nowait, it WARNs and fails the command. Any context.
 */
void ktgt_cmd_requeue(struct ktgt_cmd *cmd);

/**
 * ktgt_cmd_exec_buf() - take a command's data-in buffer in ->exec()
 * @cmd: a command its handler's ->exec() is executing
 * @len: the bytes of data-in the handler is going to return, at most the
 *	CDB's transfer length (cmd->core.xfer_len)
 *
 * For a command that &ktgt_dev_type.exec_buf claimed: takes a buffer of
 * @len bytes from the core's sgv pool, counted against max_buffer_mb as
 * the one the core allocates at submit, and sets cmd->sg, sg_cnt and
 * bufflen; the core frees it at ktgt_cmd_xmit_done() as any buffer. At
 * most once per command; nothing is taken for @len 0. Any other command
 * has its buffer already (the core's, the driver's with
 * KTGT_CMD_DRIVER_SG) or none: nothing is done and 0 returned. Either
 * way the handler moves at most cmd->bufflen bytes into cmd->sg, and the
 * residual is computed from the CDB's transfer length as always.
 * Process context: may sleep (GFP_KERNEL).
 *
 * Return: 0; -EBUSY past max_buffer_mb or -ENOMEM (ktgt_cmd_io_error()
 * answers both with BUSY); -EINVAL for @len above the transfer length, a
 * second call, or a call outside ->exec().
 */
int ktgt_cmd_exec_buf(struct ktgt_cmd *cmd, u32 len);

/**
 * ktgt_cmd_good() - complete a command with GOOD status
 * @cmd: the command
 * @data_len: bytes of data-in in cmd->sg (truncated to the allocation
 *	length); the residual is computed from it
 */
void ktgt_cmd_good(struct ktgt_cmd *cmd, u32 data_len);

/**
 * ktgt_cmd_check_condition() - complete a command with CHECK CONDITION
 * @cmd: the command
 * @key: sense key
 * @asc: additional sense code
 * @ascq: additional sense code qualifier
 */
void ktgt_cmd_check_condition(struct ktgt_cmd *cmd, u8 key, u8 asc, u8 ascq);

/**
 * ktgt_cmd_set_status() - complete a command with a status and sense data
 *	a device returned
 * @cmd: the command
 * @status: the SAM status (enum ktgt_sam_status)
 * @sense: the sense data, fixed or descriptor format, as the device
 *	returned it; NULL if none
 * @sense_len: its length in bytes; what exceeds %KTGT_SENSE_LEN is cut
 * @data_len: for GOOD and CONDITION MET: bytes of data-in in cmd->sg, as
 *	for ktgt_cmd_good(); ignored for other statuses, which send no data
 *
 * For pass-through handlers, whose commands end with what a real logical
 * unit answered rather than a sense key the handler chose. Does not
 * sleep; any context.
 */
void ktgt_cmd_set_status(struct ktgt_cmd *cmd, u8 status, const u8 *sense,
			 unsigned int sense_len, u32 data_len);

/**
 * ktgt_cmd_io_error() - complete a command after a backing store error
 * @cmd: the command
 * @err: the negative errno the backing store returned
 *
 * Maps @err to a status and sense data: -ENOSPC to DATA PROTECT, SPACE
 * ALLOCATION FAILED WRITE PROTECT; -EROFS to DATA PROTECT, WRITE
 * PROTECTED; -ENOMEM, -EBUSY and -EAGAIN to BUSY status; the errors of a
 * failed transfer (-EIO, and what blk_status_to_errno() makes of
 * BLK_STS_MEDIUM, _PROTECTION, _TARGET, _TIMEOUT, _TRANSPORT, _NEXUS and
 * _OFFLINE) to MEDIUM ERROR, UNRECOVERED READ ERROR (data-in commands)
 * or WRITE ERROR (others), without an INFORMATION field (use
 * ktgt_cmd_io_error_lba() when the failing block is known); every other
 * errno (-EINVAL, -EFAULT, -EOPNOTSUPP...: the target's own failure, not
 * the medium's) to HARDWARE ERROR, INTERNAL TARGET FAILURE. Any context.
 */
void ktgt_cmd_io_error(struct ktgt_cmd *cmd, int err);

/**
 * ktgt_cmd_io_error_lba() - complete a command after a backing store error
 *	at a known logical block
 * @cmd: the command
 * @err: the negative errno the backing store returned
 * @lba: the first logical block in error (the lowest LBA of the command
 *	that could not be read or written)
 *
 * As ktgt_cmd_io_error(); a MEDIUM ERROR also carries @lba in its
 * INFORMATION field with VALID set (SBC-4 4.18.1), in fixed format only
 * if @lba fits its 32 bits (descriptor format always). Other sense keys
 * ignore @lba. Any context.
 */
void ktgt_cmd_io_error_lba(struct ktgt_cmd *cmd, int err, u64 lba);

/**
 * ktgt_io_error_medium() - whether a backing store error is a MEDIUM ERROR
 * @err: a negative errno
 *
 * For a handler that would look for the block in error only when it
 * matters. Any context.
 *
 * Return: true if ktgt_cmd_io_error() reports @err as a MEDIUM ERROR.
 */
bool ktgt_io_error_medium(int err);

/**
 * ktgt_sgv_alloc() - a scratch buffer from the core's sgv pool
 * @len: bytes needed (not 0)
 * @gfp: allocation flags; without __GFP_DIRECT_RECLAIM only the pool's
 *	cached vectors can serve it
 * @sg: set to the buffer's scatterlist, trimmed to @len bytes (the last
 *	entry shortened, the end marked): page-aligned chunks of whole
 *	pages, lowmem, but for the last entry's length
 * @nents: set to its number of entries
 *
 * For a dev handler that needs a buffer besides cmd->sg, such as bounce
 * pages for a device that refuses cmd->sg's layout: the pool's cached
 * vectors serve it without the page allocator (see "The sgv pool" in
 * Documentation/api.rst); it is not counted against max_buffer_mb. Never
 * sleeps unless @gfp allows it.
 *
 * Return: an opaque handle for ktgt_sgv_free(), or NULL.
 */
void *ktgt_sgv_alloc(u32 len, gfp_t gfp, struct scatterlist **sg,
		     unsigned int *nents);

/**
 * ktgt_sgv_free() - give a buffer back to the sgv pool
 * @handle: what ktgt_sgv_alloc() returned, or NULL
 *
 * The buffer must no longer be in use (no I/O on it). Any context.
 */
void ktgt_sgv_free(void *handle);

/**
 * ktgt_file_replace() - replace a whole file, durably, as the core does
 * @dir: the directory, an absolute path
 * @name: the file's name in @dir: one component, not "." or "..", of at
 *	most NAME_MAX - 5 bytes
 * @buf: the new contents
 * @len: their length
 *
 * For a handler's own state (vchanger's inventory), as the core keeps
 * the APTPL files: removes whatever is at @dir/.@name.tmp, creates it
 * anew (O_EXCL, mode 0600), writes and fsyncs it, renames it over
 * @dir/@name and fsyncs @dir, so that after a crash @name holds its old
 * or its new contents, never a mix.
 *
 * Namespace: every access runs in a kernel thread (the caller itself if
 * it is one, a command worker; else a work item it waits for), so @dir
 * resolves in init's mount namespace, root and cwd, with the kernel's
 * credentials, whichever process calls: a configfs write from a process
 * in another mount namespace (a container, ``unshare -m``) finds the
 * same file as a command. ktgt_file_read() likewise.
 *
 * Locking: takes none of the core's locks, so the caller may hold its
 * own (a work item on system_unbound_wq takes none); the caller
 * serialises the calls for one file, which share its temporary file.
 *
 * Context: process context; sleeps.
 *
 * Return: 0 once the new file is in place (a failed fsync of @dir is
 * only logged); -EINVAL for a relative @dir or a bad @name,
 * -ENAMETOOLONG, or the error of the first step that failed: the old
 * file, if any, is then unchanged and no temporary file is left.
 */
int ktgt_file_replace(const char *dir, const char *name, const void *buf,
		      size_t len);

/**
 * ktgt_file_read() - read a whole file
 * @path: its absolute path
 * @max: the largest size accepted
 * @buf: set to the contents, to be freed with vfree(); NULL on error
 *
 * Opens only a regular file, and does not follow a symbolic link as the
 * last component of @path (ktgt_file_replace() replaces one). Namespace
 * and locking as for ktgt_file_replace(): @path resolves in init's mount
 * namespace whoever calls.
 *
 * Context: process context; sleeps.
 *
 * Return: the length; -ENOENT if there is no file, -EINVAL for a relative
 * @path, a file that is not a regular file or is empty, -EFBIG for one
 * larger than @max, or another negative errno.
 */
ssize_t ktgt_file_read(const char *path, size_t max, void **buf);

/**
 * ktgt_file_open() - open a file where ktgt_file_read() would find it
 * @path: its absolute path
 * @flags: as for filp_open()
 * @mode: as for filp_open(), for O_CREAT
 *
 * filp_open() in a kernel thread: @path resolves in init's mount
 * namespace, root and cwd whoever calls, as for ktgt_file_replace(); for
 * a handler's files that live beside its state file (vchanger's
 * cartridge images in its library_dir), so that the process that
 * enables a device and the command workers open the same file. The
 * file is the caller's, to close with filp_close() or fput(). Locking
 * and context as for ktgt_file_replace().
 *
 * Return: the file, or ERR_PTR(): -EINVAL for a relative @path, else
 * filp_open()'s error.
 */
struct file *ktgt_file_open(const char *path, int flags, umode_t mode);

#endif /* _KTGT_KTGT_H */
