/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt-iscsid: the iSCSI login daemon of ktgt. It accepts connections on
 * every portal of every enabled target, runs the login phase (security
 * negotiation with CHAP, operational negotiation), answers discovery
 * sessions itself and hands normal sessions' connections to
 * ktgt_iscsi.ko through the generic netlink family of
 * include/uapi/ktgt/ktgt_iscsi.h.
 *
 * Threads: the main thread owns the listeners, the event socket and the
 * portal list; every accepted connection gets a detached thread with its
 * own netlink socket (libnl sockets are not shared between threads),
 * which ends with the login (normal sessions) or the discovery session.
 */
#ifndef KTGT_ISCSID_H
#define KTGT_ISCSID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>
#include <netinet/in.h>

#include "../../targets/iscsi/proto/text.h"
#include "limits.h"

#define ISCSID_MAX_PORTALS	64
#define ISCSID_ADDR_LEN		64
#define ISCSID_AUTH_LEN		256

/* Defaults of the options (ktgt-iscsid.8, LIMITS). */
#define ISCSID_LOGIN_TIMEOUT	15	/* seconds for the whole login phase */
#define ISCSID_DISCOVERY_IDLE	60	/* discovery session without a request */
#define ISCSID_MAX_LOGINS	64	/* connections in their login phase */
#define ISCSID_MAX_DISCOVERY	16	/* discovery sessions */
#define ISCSID_MAX_PER_HOST	16	/* both, from one address */

/* The daemon's options (main.c). */
struct iscsid_config {
	unsigned int login_timeout;	/* seconds */
	unsigned int discovery_idle;	/* seconds */
	struct iscsid_limits limits;
};

extern struct iscsid_config iscsid_cfg;
extern struct iscsid_slots iscsid_slots;

/* Milliseconds of CLOCK_MONOTONIC: deadlines do not move with the date. */
static inline u64 iscsid_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

struct iscsid_portal {
	char addr[ISCSID_ADDR_LEN];	/* "192.0.2.1", "::", ... */
	u16 port;
	u16 tpgt;
};

struct iscsid_target {
	char name[ISCSI_NAME_MAX + 1];
	char alias[ISCSI_ALIAS_MAX + 1];
	u16 tpgt;
	unsigned int nportals;
	unsigned int nportals_dropped;	/* beyond ISCSID_MAX_PORTALS */
	struct iscsid_portal portals[ISCSID_MAX_PORTALS];
};

struct iscsid_target_list {
	unsigned int n;
	struct iscsid_target *t;	/* malloc'ed array of n */
};

/*
 * TARGET_GET: the target as one initiator sees it; DISCOVERY_AUTH_GET
 * fills in only the CHAP credentials, those of discovery sessions.
 */
struct iscsid_target_info {
	struct iscsid_target tgt;
	bool access;
	char user[ISCSID_AUTH_LEN];		/* empty: no CHAP required */
	char secret[ISCSID_AUTH_LEN];
	size_t secret_len;
	char mutual_user[ISCSID_AUTH_LEN];
	char mutual_secret[ISCSID_AUTH_LEN];
	size_t mutual_secret_len;
	struct iscsi_params params;		/* digests as bitmasks */
	u32 queue_depth;
};

struct iscsid_conn_add {
	const char *target;
	const char *initiator;
	u64 isid;
	u16 tsih;
	u16 cid;
	int fd;
	u32 statsn;
	u32 exp_cmdsn;
	const struct iscsi_params *params;	/* negotiated */
	u32 queue_depth;
};

/* Netlink (nl.c). Return values are 0 or a negative errno. */
struct iscsid_nl;

struct iscsid_nl *iscsid_nl_open(bool events);
void iscsid_nl_close(struct iscsid_nl *nl);
int iscsid_nl_fd(struct iscsid_nl *nl);
int iscsid_nl_target_list(struct iscsid_nl *nl, const char *initiator,
			  struct iscsid_target_list *out);
void iscsid_target_list_free(struct iscsid_target_list *l);
int iscsid_nl_target_get(struct iscsid_nl *nl, const char *target,
			 const char *initiator,
			 struct iscsid_target_info *out);
int iscsid_nl_discovery_auth_get(struct iscsid_nl *nl,
				 struct iscsid_target_info *out);
int iscsid_nl_conn_add(struct iscsid_nl *nl, const struct iscsid_conn_add *a,
		       u16 *tsih);
int iscsid_nl_conn_start(struct iscsid_nl *nl, u16 tsih, u16 cid);
int iscsid_nl_events(struct iscsid_nl *nl, bool *config_changed);

/* One connection (login.c); closes slot->fd, not the slot. */
void iscsid_serve(struct iscsid_slot *slot);

/* Logging (log.c): every message is escaped to printable ASCII. */
extern bool iscsid_debug;
extern bool iscsid_use_syslog;
void iscsid_log(int prio, const char *fmt, ...);
size_t iscsid_escape(char *dst, size_t cap, const char *src);

#define log_err(...)	iscsid_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	iscsid_log(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	iscsid_log(LOG_INFO, __VA_ARGS__)
#define log_dbg(...)						\
	do {							\
		if (iscsid_debug)				\
			iscsid_log(LOG_DEBUG, __VA_ARGS__);	\
	} while (0)

#endif /* KTGT_ISCSID_H */
