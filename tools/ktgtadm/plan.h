/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgtadm: the diff planner. From the running configuration (as read
 * from configfs, attributes flagged read-only/write-only) and the wanted
 * one (from the file) it computes the configfs operations that turn one
 * into the other, in an order that is safe for the I/O that runs:
 *
 *  1. disable the targets that are removed, switched off, or whose
 *     changed attributes need a disabled target (local initiator_name,
 *     rel_tgt_id);
 *  2. unlink and remove what goes from ALUA device and target groups;
 *     remove LUNs, initiators, groups, portals and targets that go away
 *     (a LUN whose device is removed or reconfigured goes too; groups
 *     after the file's order are re-created);
 *  3. disable and remove devices that go away; disable devices whose
 *     changed attributes need it (all but a few "live" ones);
 *  4. create and reconfigure devices, then enable them (medium changers,
 *     vchanger, after the others: they claim their drives);
 *  5. handler and driver attributes; create targets, portals, groups
 *     (their LUNs before their initiators), LUNs (attributes before the
 *     link, so a LUN is never briefly writable); attribute changes;
 *     ALUA device groups, their devices and target groups;
 *  6. enable targets.
 *
 * LUNs whose device and attributes did not change are never touched;
 * live device attributes change in place. A change that would drop a LUN
 * the file keeps (a device change that needs it disabled, a group
 * re-created for the order) or end sessions (a target attribute that
 * needs it disabled) is refused while sessions use it, unless
 * KPLAN_FORCE.
 * Portable C (host tests link it).
 */
#ifndef KTGTADM_PLAN_H
#define KTGTADM_PLAN_H

#include "conf.h"

enum kop {
	KOP_MKDIR,	/* path */
	KOP_RMDIR,	/* path */
	KOP_SET,	/* path (attribute file), arg (value) */
	KOP_LINK,	/* path (the link), arg (what it points at) */
	KOP_UNLINK,	/* path */
};

/* Paths are relative to the ktgt configfs root. */
struct kstep {
	enum kop	op;
	char		*path;
	char		*arg;
};

struct kplan {
	struct kstep	*v;
	size_t		n;
};

/*
 * KPLAN_FORCE: a device change that needs the device disabled may drop
 * (remove and re-add) LUNs that sessions use; without it such a change
 * is refused.
 */
#define KPLAN_FORCE	0x1

/**
 * kplan_make() - plan the change from @old to @new
 * @old: the running configuration (with its targets' sessions)
 * @new: the wanted configuration
 * @plan: gets the steps (zeroed first); free with kplan_free()
 * @flags: KPLAN_FORCE or 0
 * @err: "FILE:LINE: message" for an attribute the running system does
 *	not have or that is read-only, or for a refused change of a device
 *	whose LUNs sessions use, @errlen bytes
 *
 * Return: 0, or -1 with @err set (and @plan empty).
 */
int kplan_make(const struct kconf *old, const struct kconf *new,
	       struct kplan *plan, unsigned int flags, char *err,
	       size_t errlen);

void kplan_free(struct kplan *plan);

/*
 * One line per step: "mkdir P", "rmdir P", "set P V", "link P T",
 * "unlink P". The value of a CHAP secret (an attribute whose name ends in
 * "secret") is printed as KSTEP_HIDDEN unless empty, here and in
 * kstep_format(): both are for the terminal and logs (--dry-run,
 * --verbose, errors), and secrets belong only in the 0600 config file.
 */
#define KSTEP_HIDDEN	"<secret>"
void kplan_print(const struct kplan *plan, FILE *out);
/*
 * Whether some initiator name may match both patterns @a and @b
 * (core/pattern.h). Exact when one of them is a plain name; otherwise 0
 * only when their plain beginnings, or their plain ends, differ (a* and
 * b*, *:x and *:y), and 1 ("maybe") for the rest. Never 0 for two
 * patterns a name matches both of.
 */
int kplan_patterns_overlap(const char *a, const char *b);

int kstep_format(const struct kstep *s, char *buf, size_t len);

#endif /* KTGTADM_PLAN_H */
