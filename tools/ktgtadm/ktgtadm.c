// SPDX-License-Identifier: GPL-2.0
/*
 * ktgtadm: the ktgt admin tool. One configuration file
 * (/etc/ktgt/ktgt.conf, scst.conf syntax) applied live, written back,
 * listed, counted and watched. See ktgtadm.8.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfs.h"
#include "conf.h"
#include "ktgtadm.h"
#include "plan.h"

#define DEFAULT_CONF	"/etc/ktgt/ktgt.conf"

static const char *prog = "ktgtadm";

/* ------------------------------------------------------------------ */
/* Help                                                                */
/* ------------------------------------------------------------------ */

static const struct help {
	const char *cmd;
	const char *text;
} helps[] = {
	{ "apply",
	  "Usage: ktgtadm apply [FILE] [--dry-run] [--force] [--verbose]\n"
	  "Make the running configuration what FILE (default " DEFAULT_CONF ")\n"
	  "says. The whole file is parsed and validated first; on any error it\n"
	  "prints FILE:LINE: message and changes nothing. Then it loads the\n"
	  "modules the file needs, starts ktgt-iscsid if the file has iSCSI\n"
	  "targets, reads the running configuration from configfs and applies\n"
	  "only the difference. LUNs whose device and attributes did not change\n"
	  "are never touched; live device attributes (read_only 0->1,\n"
	  "write_through, nv_cache, rotational, vendor_id, product_id,\n"
	  "revision) change in place. A device change that needs the device\n"
	  "disabled, on a device whose LUNs sessions use, is refused (exit 2)\n"
	  "unless --force. If a step fails, the steps done are undone.\n"
	  "  -n, --dry-run   print the steps instead (loads nothing, changes nothing)\n"
	  "  -f, --force     remove and re-add LUNs that sessions use when their\n"
	  "                  device must be disabled to change\n"
	  "  -v, --verbose   print each step as it is done\n" },
	{ "write",
	  "Usage: ktgtadm write [FILE]\n"
	  "Write the running configuration in the ktgt.conf syntax to FILE\n"
	  "(replaced atomically) or to standard output. Applying what it writes\n"
	  "changes nothing.\n" },
	{ "check",
	  "Usage: ktgtadm check [FILE]\n"
	  "Validate FILE (default " DEFAULT_CONF "): syntax, names, duplicates,\n"
	  "LUN numbers and devices; when ktgt is loaded, also that every\n"
	  "attribute exists and is writable. Changes nothing.\n" },
	{ "list",
	  "Usage: ktgtadm list\n"
	  "List devices, targets with their LUNs, groups, initiators and portals,\n"
	  "and the sessions with their initiator names and every value the\n"
	  "driver shows for them (negotiated iSCSI parameters).\n" },
	{ "stats",
	  "Usage: ktgtadm stats [-i SECONDS] [-c COUNT]\n"
	  "Per device and per session: IOPS, bytes per second and mean latency\n"
	  "over each interval, and the totals since creation.\n"
	  "  -i, --interval SECONDS  the interval (default 1; 0: totals only)\n"
	  "  -c, --count COUNT       how many intervals (default 1)\n" },
	{ "monitor",
	  "Usage: ktgtadm monitor [-c COUNT] [-t SECONDS]\n"
	  "Print the events of the ktgt core as they happen (session login and\n"
	  "logout, task management functions, unit attentions queued, commands\n"
	  "that failed) and those of ktgt_iscsi when it is loaded.\n"
	  "  -c, --count COUNT      exit after COUNT events\n"
	  "  -t, --timeout SECONDS  exit (status 6) after SECONDS\n" },
};

static void print_usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: ktgtadm COMMAND [ARGS]\n"
		"Commands:\n"
		"  apply [FILE] [--dry-run]  apply a configuration file\n"
		"  write [FILE]              write the running configuration\n"
		"  check [FILE]              validate a configuration file\n"
		"  list                      targets, LUNs, groups, sessions\n"
		"  stats                     I/O statistics\n"
		"  monitor                   events as they happen\n"
		"  help [COMMAND]            this text, or COMMAND's\n"
		"  --version                 the version\n"
		"ktgtadm COMMAND --help describes each. FILE defaults to %s.\n"
		"Exit status: 0 success, 1 usage, 2 invalid configuration (nothing\n"
		"changed), 3 a step failed and was undone, 4 a step failed and the\n"
		"undo failed, 5 system error, 6 monitor timeout.\n",
		DEFAULT_CONF);
	(void)i;
}

static int help(const char *cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(helps); i++)
		if (!strcmp(helps[i].cmd, cmd)) {
			fputs(helps[i].text, stdout);
			return KTGTADM_EXIT_OK;
		}
	if (*cmd) {
		fprintf(stderr, "ktgtadm: unknown command '%s'\n", cmd);
		print_usage(stderr);
		return KTGTADM_EXIT_USAGE;
	}
	print_usage(stdout);
	return KTGTADM_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Modules and the iSCSI daemon                                        */
/* ------------------------------------------------------------------ */

static const char *module_of_handler(const char *h, char *buf, size_t len)
{
	if (!strncmp(h, "vdisk_", 6) || !strcmp(h, "vcdrom"))
		return "ktgt_vdisk";
	if (!strcmp(h, "pt_disk") || !strcmp(h, "pt_tape") ||
	    !strcmp(h, "pt_changer"))
		return "ktgt_pt";
	if (!strcmp(h, "vchanger"))	/* the tape library, with vtape */
		return "ktgt_vtape";
	snprintf(buf, len, "ktgt_%s", h);
	return buf;
}

static int module_loaded(const char *m)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", m);
	return !stat(path, &st);
}

static int run_cmd(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The modules @conf needs, not loaded yet, into @v (at most @max). */
static size_t needed_modules(const struct kconf *conf, char v[][64],
			     size_t max)
{
	size_t i, j, n = 0;
	char buf[64];
	const char *m;

	for (i = 0; i < conf->ndevs + conf->nhandlers + conf->ntgts +
		    conf->ndrivers + 1 && n < max; i++) {
		if (i == 0) {
			m = "ktgt_core";
		} else if (i <= conf->ndevs) {
			m = module_of_handler(conf->devs[i - 1].handler, buf,
					      sizeof(buf));
		} else if (i <= conf->ndevs + conf->nhandlers) {
			m = module_of_handler(conf->handlers[i - 1 - conf->ndevs].name,
					      buf, sizeof(buf));
		} else {
			size_t k = i - 1 - conf->ndevs - conf->nhandlers;
			const char *d = k < conf->ntgts ? conf->tgts[k].driver :
				conf->drivers[k - conf->ntgts].name;

			snprintf(buf, sizeof(buf), "ktgt_%s", d);
			m = buf;
		}
		if (module_loaded(m))
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(v[j], m))
				break;
		if (j == n)
			snprintf(v[n++], 64, "%s", m);
	}
	return n;
}

static int load_modules(char mods[][64], size_t n)
{
	const char *mp = getenv("KTGTADM_MODPROBE");
	size_t i;

	for (i = 0; i < n; i++) {
		char *argv[3];
		int r;

		argv[0] = (char *)(mp && *mp ? mp : "modprobe");
		argv[1] = mods[i];
		argv[2] = NULL;
		r = run_cmd(argv);

		if (r != 0) {
			fprintf(stderr, "%s: modprobe %s failed (status %d)\n",
				prog, mods[i], r);
			return -1;
		}
	}
	return 0;
}

static int iscsid_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[PATH_MAX], comm[64];
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (!read_small(path, comm, sizeof(comm)) &&
		    !strcmp(comm, "ktgt-iscsid"))
			found = 1;
	}
	closedir(d);
	return found;
}

static int conf_has_iscsi(const struct kconf *conf)
{
	size_t i;

	for (i = 0; i < conf->ntgts; i++)
		if (!strcmp(conf->tgts[i].driver, "iscsi"))
			return 1;
	return 0;
}

/* Start ktgt-iscsid ($KTGTADM_ISCSID or from PATH), not waiting for it. */
static int start_iscsid(void)
{
	const char *bin = getenv("KTGTADM_ISCSID");
	pid_t pid;

	if (!bin || !*bin)
		bin = "ktgt-iscsid";
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		setsid();
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		execlp(bin, bin, (char *)NULL);
		fprintf(stderr, "%s: cannot start %s: %s\n", prog, bin,
			strerror(errno));
		_exit(127);
	}
	printf("started %s (pid %d)\n", bin, (int)pid);
	return 0;
}

/* ------------------------------------------------------------------ */
/* apply, check, write                                                 */
/* ------------------------------------------------------------------ */

/* pretend_loaded()'s stand-in for the container @name of @v, if absent. */
static int pretend_container(struct kcontainer **v, size_t *n,
			     const char *name)
{
	struct kcontainer *k;

	if (kconf_container(*v, *n, name))
		return 0;
	k = kconf_add_container(v, n, name);
	if (!k)
		return -1;
	k->unread = 1;
	return 0;
}

/*
 * For a dry run: the handlers and drivers of @new whose modules are not
 * loaded yet appear in @old as loaded, without objects, and with their
 * attributes unknown (so that those @new sets are not refused).
 */
static int pretend_loaded(struct kconf *old, const struct kconf *new)
{
	size_t i;

	for (i = 0; i < new->ndevs; i++)
		if (pretend_container(&old->handlers, &old->nhandlers,
				      new->devs[i].handler))
			return -1;
	for (i = 0; i < new->nhandlers; i++)
		if (pretend_container(&old->handlers, &old->nhandlers,
				      new->handlers[i].name))
			return -1;
	for (i = 0; i < new->ndrivers; i++)
		if (pretend_container(&old->drivers, &old->ndrivers,
				      new->drivers[i].name))
			return -1;
	return 0;
}

/*
 * Plan @new against the running system. @pretend: the modules @new
 * needs may not be loaded yet; plan as if they were, without objects
 * (and against nothing if ktgt_core is not loaded either). Returns 0
 * or an exit status, with the message printed.
 */
static int plan_apply(const struct kconf *new, int pretend, int force,
		      struct kplan *plan)
{
	struct kconf old;
	char err[1024];
	int ret;

	if (cfs_read(&old, err, sizeof(err))) {
		kconf_free(&old);
		if (!pretend) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return KTGTADM_EXIT_SYSTEM;
		}
		memset(&old, 0, sizeof(old));
	}
	if (pretend && old.from_system && pretend_loaded(&old, new)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		kconf_free(&old);
		return KTGTADM_EXIT_SYSTEM;
	}
	ret = kplan_make(&old, new, plan, force ? KPLAN_FORCE : 0, err,
			 sizeof(err));
	kconf_free(&old);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return KTGTADM_EXIT_CONFIG;
	}
	return 0;
}

static int cmd_apply(const char *file, int dry_run, int verbose, int force)
{
	struct kconf new;
	struct kplan plan;
	char err[1024], mods[16][64];
	size_t nmods, i;
	int iscsid, ret;

	ret = kconf_parse_file(&new, file, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		kconf_free(&new);
		return ret == -2 ? KTGTADM_EXIT_SYSTEM : KTGTADM_EXIT_CONFIG;
	}

	nmods = needed_modules(&new, mods, 16);
	iscsid = conf_has_iscsi(&new) && !iscsid_running();
	if (dry_run) {
		for (i = 0; i < nmods; i++)
			printf("modprobe %s\n", mods[i]);
		if (iscsid)
			printf("start ktgt-iscsid\n");
	} else if (nmods || iscsid) {
		/*
		 * Refuse before loading or starting anything: what is refused
		 * concerns running objects, which the modules not loaded yet
		 * do not have, so this plan refuses what the real one would.
		 */
		ret = plan_apply(&new, 1, force, &plan);
		if (ret) {
			kconf_free(&new);
			return ret;
		}
		kplan_free(&plan);
		if (load_modules(mods, nmods)) {
			kconf_free(&new);
			return KTGTADM_EXIT_SYSTEM;
		}
		if (iscsid && start_iscsid()) {
			fprintf(stderr, "%s: cannot start ktgt-iscsid\n", prog);
			kconf_free(&new);
			return KTGTADM_EXIT_SYSTEM;
		}
	}

	/* A dry run before ktgt is loaded plans against nothing. */
	ret = plan_apply(&new, dry_run && nmods, force, &plan);
	if (ret) {
		kconf_free(&new);
		return ret;
	}
	kconf_free(&new);

	if (dry_run) {
		kplan_print(&plan, stdout);
		if (!plan.n)
			printf("nothing to do\n");
		kplan_free(&plan);
		return KTGTADM_EXIT_OK;
	}
	if (!plan.n) {
		printf("%s: nothing to do\n", file);
		kplan_free(&plan);
		return KTGTADM_EXIT_OK;
	}
	ret = cfs_execute(&plan, verbose);
	if (!ret)
		printf("%s: applied (%zu steps)\n", file, plan.n);
	kplan_free(&plan);
	return ret == 0 ? KTGTADM_EXIT_OK :
	       ret == 1 ? KTGTADM_EXIT_UNDONE : KTGTADM_EXIT_PARTIAL;
}

static int cmd_check(const char *file)
{
	struct kconf new, old;
	struct kplan plan;
	char err[1024];
	int ret;

	ret = kconf_parse_file(&new, file, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		kconf_free(&new);
		return ret == -2 ? KTGTADM_EXIT_SYSTEM : KTGTADM_EXIT_CONFIG;
	}
	/* Against the running system when there is one. */
	if (!cfs_read(&old, err, sizeof(err))) {
		struct kconf probe = old;
		size_t i;
		int missing = 0;

		/* Modules not loaded yet: their objects cannot be checked. */
		for (i = 0; i < new.ndevs; i++)
			if (!kconf_container(probe.handlers, probe.nhandlers,
					     new.devs[i].handler))
				missing = 1;
		for (i = 0; i < new.ntgts; i++)
			if (!kconf_container(probe.drivers, probe.ndrivers,
					     new.tgts[i].driver))
				missing = 1;
		if (missing)
			old.from_system = 0;
		if (kplan_make(&old, &new, &plan, KPLAN_FORCE, err,
			       sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			kconf_free(&old);
			kconf_free(&new);
			return KTGTADM_EXIT_CONFIG;
		}
		kplan_free(&plan);
	}
	kconf_free(&old);
	kconf_free(&new);
	printf("%s: OK\n", file);
	return KTGTADM_EXIT_OK;
}

static int cmd_write(const char *file)
{
	struct kconf conf;
	char err[1024], tmp[PATH_MAX];
	FILE *out = stdout;
	int ret;

	if (cfs_read(&conf, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		kconf_free(&conf);
		return KTGTADM_EXIT_SYSTEM;
	}
	if (file && strcmp(file, "-")) {
		struct stat st;
		int fd;

		snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file);
		/* mkstemp() makes it 0600, for the CHAP secrets it gets. */
		fd = mkstemp(tmp);
		out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out) {
			fprintf(stderr, "%s: %s: %s\n", prog, file,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			kconf_free(&conf);
			return KTGTADM_EXIT_SYSTEM;
		}
		/*
		 * A file replaced keeps its owner and group, and what they
		 * may do with it, but is never left readable by others.
		 */
		if (!stat(file, &st) &&
		    (fchown(fd, st.st_uid, st.st_gid) ||
		     fchmod(fd, st.st_mode & 0770)))
			fprintf(stderr, "%s: %s: keeping its owner and mode: %s\n",
				prog, file, strerror(errno));
	}
	ret = kconf_write(&conf, out);
	kconf_free(&conf);
	if (out != stdout) {
		if (fclose(out) || ret) {
			fprintf(stderr, "%s: writing %s failed\n", prog, tmp);
			unlink(tmp);
			return KTGTADM_EXIT_SYSTEM;
		}
		if (rename(tmp, file)) {
			fprintf(stderr, "%s: %s: %s\n", prog, file,
				strerror(errno));
			unlink(tmp);
			return KTGTADM_EXIT_SYSTEM;
		}
		return KTGTADM_EXIT_OK;
	}
	if (fflush(stdout) || ret)
		return KTGTADM_EXIT_SYSTEM;
	return KTGTADM_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* list                                                                */
/* ------------------------------------------------------------------ */

static void list_luns(const struct kluns *l, const char *indent)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct kattr *ro = kattrs_get(&l->v[i].attrs, "read_only");

		printf("%sLUN %u -> %s%s\n", indent, l->v[i].lun,
		       l->v[i].dev ? l->v[i].dev : "(unmapped)",
		       ro && ro->value && !strcmp(ro->value, "1") ?
		       " (read-only)" : "");
	}
}

static int cmp_num(const void *a, const void *b)
{
	long x = atol(*(char *const *)a), y = atol(*(char *const *)b);

	return x < y ? -1 : x > y;
}

/*
 * The names in directory @path (session ids), sorted as numbers, into
 * *@ids; the caller frees each and the array. None if it cannot be read.
 */
static size_t read_ids(const char *path, char ***ids)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **v = NULL, **nv;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(e->d_name);
		if (v[n])
			n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_num);
	*ids = v;
	return n;
}

/* Every readable value of a session directory, "key=value". */
static void list_values(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX], val[4096], sub[512];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "stats") ||
		    !strcmp(e->d_name, "initiator") ||
		    !strcmp(e->d_name, "target") ||
		    !strcmp(e->d_name, "driver"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			snprintf(sub, sizeof(sub), "%s%s/", prefix, e->d_name);
			list_values(path, sub);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !(st.st_mode & 0444) ||
		    read_small(path, val, sizeof(val)) || strchr(val, '\n'))
			continue;
		printf("    %s%s=%s\n", prefix, e->d_name, val);
	}
	closedir(d);
}

/*
 * A target driver's own view of its sessions, /sys/kernel/ktgt_<driver>/
 * sessions/<id>/ (beside the core's sysfs root; ktgt_iscsi has one, by
 * TSIH, with the negotiated parameters): every readable file, one
 * "name=value" line, or "name: line" for each line of a longer one.
 */
static void list_driver_sessions(const char *driver)
{
	char root[PATH_MAX], dir[PATH_MAX], f[PATH_MAX], val[8192];
	char *slash, *line, *save;
	struct dirent *fe;
	size_t i, n;
	char **ids;
	DIR *sd;

	snprintf(root, sizeof(root), "%s", sysfs_root());
	slash = strrchr(root, '/');
	if (!slash)
		return;
	snprintf(slash + 1, sizeof(root) - (size_t)(slash + 1 - root),
		 "ktgt_%s/sessions", driver);
	n = read_ids(root, &ids);
	for (i = 0; i < n; i++) {
		char tgt[512], ini[512];

		snprintf(dir, sizeof(dir), "%s/%s", root, ids[i]);
		snprintf(f, sizeof(f), "%s/target", dir);
		if (read_small(f, tgt, sizeof(tgt)))
			tgt[0] = '\0';
		snprintf(f, sizeof(f), "%s/initiator", dir);
		if (read_small(f, ini, sizeof(ini)))
			ini[0] = '\0';
		printf("%s SESSION %s %s initiator=%s\n", driver, ids[i], tgt,
		       ini);
		sd = opendir(dir);
		while (sd && (fe = readdir(sd))) {
			struct stat st;

			if (fe->d_name[0] == '.' ||
			    !strcmp(fe->d_name, "target") ||
			    !strcmp(fe->d_name, "initiator"))
				continue;
			snprintf(f, sizeof(f), "%s/%s", dir, fe->d_name);
			if (lstat(f, &st) || !S_ISREG(st.st_mode) ||
			    !(st.st_mode & 0444) ||
			    read_small(f, val, sizeof(val)))
				continue;
			if (!strchr(val, '\n')) {
				printf("    %s=%s\n", fe->d_name, val);
				continue;
			}
			for (line = strtok_r(val, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				printf("    %s: %s\n", fe->d_name, line);
		}
		if (sd)
			closedir(sd);
		free(ids[i]);
	}
	free(ids);
}

static int cmd_list(void)
{
	struct kconf c;
	char err[1024], path[PATH_MAX], a[512], b[512], i_[512];
	size_t i, j, k, n;
	char **ids;

	if (cfs_read(&c, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		kconf_free(&c);
		return KTGTADM_EXIT_SYSTEM;
	}
	for (i = 0; i < c.ndevs; i++) {
		const struct kattr *fn = kattrs_get(&c.devs[i].attrs, "filename");

		printf("DEVICE %s (%s)%s%s%s\n", c.devs[i].name,
		       c.devs[i].handler,
		       c.devs[i].enabled ? " enabled" : " disabled",
		       fn && fn->value && fn->value[0] ? " " : "",
		       fn && fn->value ? fn->value : "");
	}
	for (i = 0; i < c.ntgts; i++) {
		const struct ktarget *t = &c.tgts[i];

		printf("TARGET %s/%s %s\n", t->driver, t->name,
		       t->enabled ? "enabled" : "disabled");
		for (j = 0; j < t->nportals; j++)
			printf("  PORTAL %s\n", t->portals[j].addr);
		list_luns(&t->luns, "  ");
		for (j = 0; j < t->ngroups; j++) {
			printf("  GROUP %s\n", t->groups[j].name);
			for (k = 0; k < t->groups[j].ninits; k++)
				printf("    INITIATOR %s\n",
				       t->groups[j].inits[k].pattern);
			list_luns(&t->groups[j].luns, "    ");
		}
	}
	for (i = 0; i < c.ndgs; i++) {
		const struct kdgroup *dg = &c.dgs[i];

		printf("DEVICE_GROUP %s\n", dg->name);
		for (j = 0; j < dg->ndevs; j++)
			printf("  DEVICE %s\n", dg->devs[j].pattern);
		for (j = 0; j < dg->ntgs; j++) {
			const struct ktgroup *tg = &dg->tgs[j];
			const struct kattr *id = kattrs_get(&tg->attrs, "group_id");
			const struct kattr *st = kattrs_get(&tg->attrs, "state");
			const struct kattr *pr = kattrs_get(&tg->attrs, "preferred");

			printf("  TARGET_GROUP %s group_id=%s state=%s preferred=%s\n",
			       tg->name, id && id->value ? id->value : "?",
			       st && st->value ? st->value : "?",
			       pr && pr->value ? pr->value : "?");
			for (k = 0; k < tg->ntgts; k++)
				printf("    TARGET %s\n", tg->tgts[k].pattern);
		}
	}

	snprintf(path, sizeof(path), "%s/sessions", sysfs_root());
	n = read_ids(path, &ids);
	for (i = 0; i < n; i++) {
		char sdir[PATH_MAX], f[PATH_MAX];

		snprintf(sdir, sizeof(sdir), "%s/%s", path, ids[i]);
		snprintf(f, sizeof(f), "%s/driver", sdir);
		if (read_small(f, a, sizeof(a)))
			a[0] = '\0';
		snprintf(f, sizeof(f), "%s/target", sdir);
		if (read_small(f, b, sizeof(b)))
			b[0] = '\0';
		snprintf(f, sizeof(f), "%s/initiator", sdir);
		if (read_small(f, i_, sizeof(i_)))
			i_[0] = '\0';
		printf("SESSION %s %s/%s initiator=%s\n", ids[i], a, b, i_);
		list_values(sdir, "");
		free(ids[i]);
	}
	free(ids);
	for (i = 0; i < c.ndrivers; i++)
		list_driver_sessions(c.drivers[i].name);
	kconf_free(&c);
	return KTGTADM_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */
/* ------------------------------------------------------------------ */

struct sample {
	char		name[300];	/* "device d0" or "session 3" */
	unsigned long long reads, writes, other, rb, wb, errors, avg_lat;
	int		seen;
};

static int read_stats(const char *file, struct sample *s)
{
	char buf[4096], *line, *save = NULL;

	if (read_small(file, buf, sizeof(buf)))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		unsigned long long v;

		if (sscanf(line, "%63s %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "reads"))
			s->reads = v;
		else if (!strcmp(key, "writes"))
			s->writes = v;
		else if (!strcmp(key, "other"))
			s->other = v;
		else if (!strcmp(key, "read_bytes"))
			s->rb = v;
		else if (!strcmp(key, "write_bytes"))
			s->wb = v;
		else if (!strcmp(key, "errors"))
			s->errors = v;
		else if (!strcmp(key, "avg_latency_ns"))
			s->avg_lat = v;
	}
	return 0;
}

static size_t take_samples(struct sample *v, size_t max)
{
	static const char *const kinds[] = { "devices", "sessions" };
	char dir[PATH_MAX], f[PATH_MAX];
	size_t n = 0, k;

	for (k = 0; k < 2; k++) {
		DIR *d;
		struct dirent *e;

		snprintf(dir, sizeof(dir), "%s/%s", sysfs_root(), kinds[k]);
		d = opendir(dir);
		while (d && (e = readdir(d)) && n < max) {
			if (e->d_name[0] == '.')
				continue;
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].name, sizeof(v[n].name), "%s %s",
				 k ? "session" : "device", e->d_name);
			snprintf(f, sizeof(f), "%s/%s/stats", dir, e->d_name);
			if (!read_stats(f, &v[n]))
				n++;
		}
		if (d)
			closedir(d);
	}
	return n;
}

static int cmp_sample(const void *a, const void *b)
{
	return strcmp(((const struct sample *)a)->name,
		      ((const struct sample *)b)->name);
}

static int cmd_stats(double interval, long count)
{
	enum { MAXS = 4096 };
	struct sample *a = calloc(MAXS, sizeof(*a));
	struct sample *b = calloc(MAXS, sizeof(*b));
	char dir[PATH_MAX];
	size_t na, nb, i, j;
	long round;

	if (!a || !b) {
		free(a);
		free(b);
		return KTGTADM_EXIT_SYSTEM;
	}
	/* No ktgt: an error, as for list and write, not an empty table. */
	snprintf(dir, sizeof(dir), "%s/devices", sysfs_root());
	if (access(dir, F_OK)) {
		fprintf(stderr, "%s: %s: %s (is ktgt_core loaded?)\n", prog,
			dir, strerror(errno));
		free(a);
		free(b);
		return KTGTADM_EXIT_SYSTEM;
	}
	na = take_samples(a, MAXS);
	for (round = 0; round < (interval > 0 ? count : 1); round++) {
		if (interval > 0) {
			struct timespec ts = {
				(time_t)interval,
				(long)((interval - (double)(time_t)interval) * 1e9)
			};

			nanosleep(&ts, NULL);
			nb = take_samples(b, MAXS);
		} else {
			memcpy(b, a, na * sizeof(*a));
			nb = na;
		}
		qsort(b, nb, sizeof(*b), cmp_sample);
		for (i = 0; i < nb; i++) {
			const struct sample *s = &b[i], *p = NULL;
			unsigned long long c1 = s->reads + s->writes + s->other;

			for (j = 0; j < na; j++)
				if (!strcmp(a[j].name, s->name))
					p = &a[j];
			printf("%s", s->name);
			if (interval > 0) {
				unsigned long long c0 = p ? p->reads + p->writes + p->other : 0;
				double dc = (double)(c1 - c0);
				double lat = 0;

				if (c1 > c0)
					lat = ((double)s->avg_lat * (double)c1 -
					       (p ? (double)p->avg_lat * (double)c0 : 0)) /
					      dc / 1000.0;
				printf(" iops=%.1f read_Bps=%.0f write_Bps=%.0f lat_us=%.1f",
				       dc / interval,
				       (double)(s->rb - (p ? p->rb : 0)) / interval,
				       (double)(s->wb - (p ? p->wb : 0)) / interval,
				       lat < 0 ? 0 : lat);
			}
			printf(" reads=%llu writes=%llu other=%llu", s->reads,
			       s->writes, s->other);
			printf(" read_bytes=%llu write_bytes=%llu", s->rb, s->wb);
			printf(" errors=%llu avg_latency_us=%.1f\n", s->errors,
			       (double)s->avg_lat / 1000.0);
		}
		fflush(stdout);
		memcpy(a, b, nb * sizeof(*b));
		na = nb;
	}
	free(a);
	free(b);
	return KTGTADM_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static const struct option apply_opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option stats_opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int opt, dry = 0, verbose = 0, force = 0;
	double interval = 1, timeout = 0;
	long count = -1;
	char *end;

	if (argc < 2) {
		print_usage(stderr);
		return KTGTADM_EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help"))
		return help(argc > 2 ? argv[2] : "");
	if (!strcmp(cmd, "--version")) {
		printf("ktgtadm 0.1\n");
		return KTGTADM_EXIT_OK;
	}
	argc--;
	argv++;
	optind = 1;
	opterr = 1;

	if (!strcmp(cmd, "apply") || !strcmp(cmd, "check") ||
	    !strcmp(cmd, "write") || !strcmp(cmd, "list")) {
		while ((opt = getopt_long(argc, argv, "nfvh", apply_opts, NULL)) != -1) {
			switch (opt) {
			case 'n':
				dry = 1;
				break;
			case 'f':
				force = 1;
				break;
			case 'v':
				verbose = 1;
				break;
			case 'h':
				return help(cmd);
			default:
				return KTGTADM_EXIT_USAGE;
			}
		}
		if ((dry || verbose || force) && strcmp(cmd, "apply")) {
			fprintf(stderr, "%s: %s takes no such option\n", prog, cmd);
			return KTGTADM_EXIT_USAGE;
		}
		if (argc - optind > (strcmp(cmd, "list") ? 1 : 0)) {
			fprintf(stderr, "%s: %s: too many arguments\n", prog, cmd);
			return KTGTADM_EXIT_USAGE;
		}
		if (!strcmp(cmd, "apply"))
			return cmd_apply(optind < argc ? argv[optind] : DEFAULT_CONF,
					 dry, verbose, force);
		if (!strcmp(cmd, "check"))
			return cmd_check(optind < argc ? argv[optind] : DEFAULT_CONF);
		if (!strcmp(cmd, "write"))
			return cmd_write(optind < argc ? argv[optind] : NULL);
		return cmd_list();
	}
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "monitor")) {
		int is_stats = cmd[0] == 's';

		while ((opt = getopt_long(argc, argv, is_stats ? "i:c:h" : "c:t:h",
					  stats_opts, NULL)) != -1) {
			switch (opt) {
			case 'i':
				interval = strtod(optarg, &end);
				if (*end || interval < 0 || !is_stats)
					goto bad;
				break;
			case 'c':
				count = strtol(optarg, &end, 10);
				if (*end || count < 1)
					goto bad;
				break;
			case 't':
				timeout = strtod(optarg, &end);
				if (*end || timeout <= 0 || is_stats)
					goto bad;
				break;
			case 'h':
				return help(cmd);
			default:
				return KTGTADM_EXIT_USAGE;
			}
		}
		if (optind < argc) {
			fprintf(stderr, "%s: %s: too many arguments\n", prog, cmd);
			return KTGTADM_EXIT_USAGE;
		}
		if (is_stats)
			return cmd_stats(interval, count < 0 ? 1 : count);
		return cmd_monitor(count, timeout);
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
	print_usage(stderr);
	return KTGTADM_EXIT_USAGE;
bad:
	fprintf(stderr, "%s: %s: invalid value '%s'\n", prog, cmd, optarg);
	return KTGTADM_EXIT_USAGE;
}
