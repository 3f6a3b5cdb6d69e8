// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt-iscsid: options, the listeners on every portal of every enabled
 * target, the connection limits at accept and the main poll() loop. See
 * ktgt-iscsid.8.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsid.h"

#define RETRY_SECS	5	/* reconnect to the kernel / re-listen */

struct iscsid_config iscsid_cfg = {
	.login_timeout = ISCSID_LOGIN_TIMEOUT,
	.discovery_idle = ISCSID_DISCOVERY_IDLE,
	.limits = {
		.max_logins = ISCSID_MAX_LOGINS,
		.max_discovery = ISCSID_MAX_DISCOVERY,
		.max_per_host = ISCSID_MAX_PER_HOST,
	},
};

struct iscsid_slots iscsid_slots;
static int sig_pipe[2] = { -1, -1 };

struct listener {
	char addr[ISCSID_ADDR_LEN];
	u16 port;
	int fd;
	bool keep;
};

static struct listener listeners[ISCSID_MAX_PORTALS];
static unsigned int nlisteners;

static void on_signal(int sig)
{
	int saved = errno;
	u8 c = (u8)sig;

	/* If the pipe is full, a signal is pending anyway. */
	if (write(sig_pipe[1], &c, 1) < 0)
		errno = saved;
	errno = saved;
}

static int listen_on(const char *addr, u16 port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t sl;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		log_err("portal %s:%u: not an IP address", addr, port);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64))
		goto fail;
	log_info("listening on %s%s%s:%u", ss.ss_family == AF_INET6 ? "[" : "",
		 addr, ss.ss_family == AF_INET6 ? "]" : "", port);
	return fd;
fail:
	log_err("portal %s:%u: %s", addr, port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static bool covered_by_wildcard(const struct iscsid_target_list *l,
				const char *addr, u16 port)
{
	const char *wild = strchr(addr, ':') ? "::" : "0.0.0.0";
	unsigned int i, j;

	if (!strcmp(addr, wild))
		return false;
	for (i = 0; i < l->n; i++)
		for (j = 0; j < l->t[i].nportals; j++)
			if (l->t[i].portals[j].port == port &&
			    !strcmp(l->t[i].portals[j].addr, wild))
				return true;
	return false;
}

/* Listen on every portal of @l and nowhere else. */
static void update_listeners(const struct iscsid_target_list *l)
{
	unsigned int i, j, k;

	for (k = 0; k < nlisteners; k++)
		listeners[k].keep = false;
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < l->t[i].nportals; j++) {
			const struct iscsid_portal *p = &l->t[i].portals[j];

			if (covered_by_wildcard(l, p->addr, p->port))
				continue;
			for (k = 0; k < nlisteners; k++)
				if (listeners[k].port == p->port &&
				    !strcmp(listeners[k].addr, p->addr))
					break;
			if (k < nlisteners) {
				listeners[k].keep = true;
				continue;
			}
			if (nlisteners == ISCSID_MAX_PORTALS) {
				log_err("too many portals");
				continue;
			}
			listeners[k].fd = -1;
			snprintf(listeners[k].addr, sizeof(listeners[k].addr),
				 "%s", p->addr);
			listeners[k].port = p->port;
			listeners[k].keep = true;
			nlisteners++;
		}
	}
	for (k = 0; k < nlisteners; ) {
		if (!listeners[k].keep) {
			if (listeners[k].fd >= 0) {
				log_info("no longer listening on %s:%u",
					 listeners[k].addr, listeners[k].port);
				close(listeners[k].fd);
			}
			listeners[k] = listeners[--nlisteners];
			continue;
		}
		k++;
	}
}

/* Open the listeners that are not (yet) open; false if one failed. */
static bool open_listeners(void)
{
	bool ok = true;
	unsigned int k;

	for (k = 0; k < nlisteners; k++) {
		if (listeners[k].fd >= 0)
			continue;
		listeners[k].fd = listen_on(listeners[k].addr,
					    listeners[k].port);
		if (listeners[k].fd < 0)
			ok = false;
	}
	return ok;
}

static int refresh(struct iscsid_nl *nl)
{
	struct iscsid_target_list l;
	int ret = iscsid_nl_target_list(nl, NULL, &l);
	unsigned int i;

	if (ret) {
		log_err("TARGET_LIST: %s", strerror(-ret));
		return ret;
	}
	log_dbg("%u enabled target(s)", l.n);
	for (i = 0; i < l.n; i++)
		if (l.t[i].nportals_dropped)
			log_warn("target %s: %u portals, only the first %u are listed and logged in through",
				 l.t[i].name,
				 l.t[i].nportals + l.t[i].nportals_dropped,
				 ISCSID_MAX_PORTALS);
	update_listeners(&l);
	iscsid_target_list_free(&l);
	return 0;
}

static void *conn_thread(void *arg)
{
	struct iscsid_slot *slot = arg;

	iscsid_serve(slot);
	free(slot);
	return NULL;
}

/*
 * At most one warning a second about connections refused or ended for
 * the limits: a flood must not flood the log too.
 */
static void limit_warn(const char *fmt, const char *host)
{
	static u64 last;
	static unsigned int quiet;
	u64 now = iscsid_now_ms();

	if (last && now - last < 1000) {
		quiet++;
		return;
	}
	if (quiet)
		log_warn("%u more connection(s) refused or ended for the limits",
			 quiet);
	quiet = 0;
	last = now;
	log_warn(fmt, host);
}

static void accept_one(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct iscsid_slot *slot;
	char evicted[ISCSID_HOST_LEN];
	pthread_attr_t attr;
	pthread_t th;
	int fd, ret;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	slot = calloc(1, sizeof(*slot));
	if (!slot) {
		close(fd);
		return;
	}
	slot->fd = fd;
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  slot->host, sizeof(slot->host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			  slot->host, sizeof(slot->host));
	ret = iscsid_slot_admit(&iscsid_slots, slot, iscsid_now_ms(), evicted,
				sizeof(evicted));
	if (ret < 0) {
		limit_warn("%s: too many connections from this address: refused",
			   slot->host);
		close(fd);
		free(slot);
		return;
	}
	if (ret > 0)
		limit_warn("too many logins in progress: ended the oldest, from %s",
			   evicted);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, conn_thread, slot)) {
		iscsid_slot_release(&iscsid_slots, slot);
		close(fd);
		free(slot);
	}
	pthread_attr_destroy(&attr);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		log_err("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

enum {
	OPT_LOGIN_TIMEOUT = 256,
	OPT_DISCOVERY_IDLE,
	OPT_MAX_LOGINS,
	OPT_MAX_DISCOVERY,
	OPT_MAX_PER_HOST,
};

static int parse_uint(const char *arg, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "ktgt-iscsid: '%s': not a number in %u-%u\n",
			arg, min, max);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ktgt-iscsid [OPTION]...\n"
		"The iSCSI login daemon of ktgt: listens on the portals of the\n"
		"enabled iSCSI targets of ktgt_iscsi.ko, authenticates\n"
		"initiators (CHAP), negotiates, answers discovery sessions and\n"
		"hands logged-in connections to the kernel.\n"
		"\n"
		"  -f, --foreground     do not detach; log to stderr\n"
		"  -d, --debug          log debug messages\n"
		"  -p, --pidfile=FILE   write the process id to FILE\n"
		"  -s, --syslog         log to syslog even in the foreground\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Limits (see ktgt-iscsid(8)):\n"
		"      --login-timeout=SECS   the whole login phase (%u)\n"
		"      --discovery-idle=SECS  a discovery session without a\n"
		"                             request (%u)\n"
		"      --max-logins=N         connections in their login phase;\n"
		"                             one more ends the oldest (%u)\n"
		"      --max-discovery=N      discovery sessions; one more ends\n"
		"                             the most idle (%u)\n"
		"      --max-per-host=N       both, from one address; one more\n"
		"                             is refused, 0: no limit (%u)\n"
		"\n"
		"Signals: SIGHUP re-reads the portal list, SIGTERM and SIGINT\n"
		"stop the daemon.\n", ISCSID_LOGIN_TIMEOUT, ISCSID_DISCOVERY_IDLE,
		ISCSID_MAX_LOGINS, ISCSID_MAX_DISCOVERY, ISCSID_MAX_PER_HOST);
}

/*
 * Two netlink sockets: @ev only receives events (non-blocking), @req
 * sends TARGET_LIST and waits for its answer.
 */
static int main_loop(void)
{
	struct iscsid_nl *ev = NULL, *req = NULL;
	struct pollfd pfds[ISCSID_MAX_PORTALS + 2];
	bool stale = true;

	for (;;) {
		unsigned int k, np = 0;
		int timeout = -1, ret;

		if (!ev || !req) {
			iscsid_nl_close(ev);
			iscsid_nl_close(req);
			ev = iscsid_nl_open(true);
			req = ev ? iscsid_nl_open(false) : NULL;
			if (!req) {
				log_dbg("ktgt_iscsi netlink: %s (retrying)",
					strerror(errno));
				iscsid_nl_close(ev);
				ev = NULL;
				stale = true;
			}
		}
		if (req && stale && !refresh(req))
			stale = false;
		if (!open_listeners() || !ev || stale)
			timeout = RETRY_SECS * 1000;

		pfds[np].fd = sig_pipe[0];
		pfds[np++].events = POLLIN;
		if (ev) {
			pfds[np].fd = iscsid_nl_fd(ev);
			pfds[np++].events = POLLIN;
		}
		for (k = 0; k < nlisteners; k++) {
			pfds[np].fd = listeners[k].fd;
			pfds[np++].events = POLLIN;
		}
		ret = poll(pfds, np, timeout);
		if (ret < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		if (ret <= 0)
			continue;
		if (pfds[0].revents & POLLIN) {
			u8 sigs[16];
			ssize_t n = read(sig_pipe[0], sigs, sizeof(sigs));
			ssize_t i;

			for (i = 0; i < n; i++) {
				if (sigs[i] == SIGHUP) {
					log_info("SIGHUP: re-reading portals");
					stale = true;
				} else {
					log_info("signal %d: exiting", sigs[i]);
					iscsid_nl_close(ev);
					iscsid_nl_close(req);
					return 0;
				}
			}
		}
		if (ev && (pfds[1].revents & (POLLIN | POLLERR))) {
			bool changed = false;

			if (iscsid_nl_events(ev, &changed)) {
				/* Lost events (or module gone): start over. */
				iscsid_nl_close(ev);
				iscsid_nl_close(req);
				ev = NULL;
				req = NULL;
				stale = true;
			} else if (changed) {
				stale = true;
			}
		}
		for (k = 0; k < np; k++) {
			unsigned int j;

			if (!(pfds[k].revents & POLLIN))
				continue;
			for (j = 0; j < nlisteners; j++)
				if (listeners[j].fd == pfds[k].fd)
					accept_one(pfds[k].fd);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "syslog", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "login-timeout", required_argument, NULL, OPT_LOGIN_TIMEOUT },
		{ "discovery-idle", required_argument, NULL,
		  OPT_DISCOVERY_IDLE },
		{ "max-logins", required_argument, NULL, OPT_MAX_LOGINS },
		{ "max-discovery", required_argument, NULL, OPT_MAX_DISCOVERY },
		{ "max-per-host", required_argument, NULL, OPT_MAX_PER_HOST },
		{ NULL, 0, NULL, 0 },
	};
	const char *pidfile = NULL;
	bool foreground = false, force_syslog = false;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, ret;
	unsigned int k;

	while ((c = getopt_long(argc, argv, "fdp:shV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'd':
			iscsid_debug = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 's':
			force_syslog = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ktgt-iscsid 1\n");
			return 0;
		case OPT_LOGIN_TIMEOUT:
			if (parse_uint(optarg, 1, 3600,
				       &iscsid_cfg.login_timeout))
				return 2;
			break;
		case OPT_DISCOVERY_IDLE:
			if (parse_uint(optarg, 1, 86400,
				       &iscsid_cfg.discovery_idle))
				return 2;
			break;
		case OPT_MAX_LOGINS:
			if (parse_uint(optarg, 1, 65536,
				       &iscsid_cfg.limits.max_logins))
				return 2;
			break;
		case OPT_MAX_DISCOVERY:
			if (parse_uint(optarg, 1, 65536,
				       &iscsid_cfg.limits.max_discovery))
				return 2;
			break;
		case OPT_MAX_PER_HOST:
			if (parse_uint(optarg, 0, 65536,
				       &iscsid_cfg.limits.max_per_host))
				return 2;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ktgt-iscsid: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	iscsid_slots_init(&iscsid_slots, &iscsid_cfg.limits);
	iscsid_use_syslog = !foreground || force_syslog;
	if (iscsid_use_syslog)
		openlog("ktgt-iscsid", LOG_PID, LOG_DAEMON);
	if (!iscsid_debug)
		setlogmask(LOG_UPTO(LOG_INFO));
	if (!foreground && daemon(0, 0)) {
		fprintf(stderr, "ktgt-iscsid: daemon: %s\n", strerror(errno));
		return 1;
	}
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
		log_err("pipe: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pidfile && write_pidfile(pidfile))
		return 1;
	log_info("started");
	ret = main_loop();
	for (k = 0; k < nlisteners; k++)
		if (listeners[k].fd >= 0)
			close(listeners[k].fd);
	if (pidfile)
		unlink(pidfile);
	log_info("stopped");
	return ret;
}
