/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt core: the files that persist a logical unit's persistent
 * reservation state across power loss (APTPL, SPC-4 5.13.5), one per
 * device: <pr_dir>/<device name>, pr_dir being the ktgt_core module
 * parameter (an absolute path, default /var/lib/ktgt/pr; the directory
 * must exist); a save writes <pr_dir>/.<device name>.tmp first.
 * core/pr.c encodes and decodes them with core/pr_data.c; this file only
 * does the I/O, with the kernel's own VFS calls, always from a kernel
 * thread (the caller's, or a work item it waits for), so the path
 * resolves the same for every caller; the functions sleep.
 */
#ifndef KTGT_PR_FILE_H
#define KTGT_PR_FILE_H

#include <linux/limits.h>
#include <linux/types.h>

/* The longest device name: ".<name>.tmp" fits in NAME_MAX. */
#define KTGT_PR_DEV_NAME_MAX	(NAME_MAX - 5)

/**
 * ktgt_pr_file_check_name() - whether a device may have this name
 * @name: the name of a device being created
 *
 * A device's temporary file, .<name>.tmp, must never be another device's
 * state file, and must fit in NAME_MAX.
 *
 * Return: 0; -EINVAL if @name starts with '.'; -ENAMETOOLONG if it is
 * longer than KTGT_PR_DEV_NAME_MAX bytes.
 */
int ktgt_pr_file_check_name(const char *name);

/**
 * ktgt_pr_file_write() - replace a device's state file atomically
 * @name: the device name
 * @buf: the new contents
 * @len: their length
 *
 * Removes whatever is at .<name>.tmp, creates it anew (O_EXCL), writes
 * and fsyncs it, renames it over <name> and fsyncs the directory, so the
 * file holds either the old or the new state after a crash. Process
 * context.
 *
 * Return: 0 once the new file is in place (a failed fsync of the
 * directory is only logged), or a negative errno: the old file, if any,
 * is unchanged and no .<name>.tmp is left.
 */
int ktgt_pr_file_write(const char *name, const void *buf, size_t len);

/**
 * ktgt_pr_file_read() - read a device's state file
 * @name: the device name
 * @buf: set to the contents, to be freed with vfree()
 * @path: set to the file's path (kfree()) for messages; may be NULL
 *
 * Opens only a regular file, without following a symbolic link.
 * Process context.
 *
 * Return: the length, -ENOENT if there is no file, -EINVAL if it is not
 * a regular file, or another negative errno (-EFBIG if larger than any
 * valid file).
 */
ssize_t ktgt_pr_file_read(const char *name, void **buf, char **path);

/**
 * ktgt_pr_file_remove() - remove a device's state file
 * @name: the device name
 *
 * Process context.
 *
 * Return: 0 (also if there was none) or a negative errno.
 */
int ktgt_pr_file_remove(const char *name);

/**
 * ktgt_pr_file_path() - the path of a device's state file
 * @name: the device name
 *
 * Return: a kmalloc'd path, or NULL.
 */
char *ktgt_pr_file_path(const char *name);

#endif /* KTGT_PR_FILE_H */
