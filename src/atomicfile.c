/*
 * Atomic replacement of a small file (atomicfile.h), after the habit of
 * OpenBSD's tools: write a temporary file, fsync, rename, fsync the
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"

#define TMP_TRIES 100 /* temporary names tried */

char *
atomicfile_dir_of(const char *path)
{
	const char *sl;
	char *d;

	if ((sl = strrchr(path, '/')) == NULL)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	if ((d = malloc((size_t)(sl - path) + 1)) == NULL)
		return NULL;
	memcpy(d, path, (size_t)(sl - path));
	d[sl - path] = '\0';
	return d;
}

enum status
atomicfile_write(const char *path, const char *data, size_t len, char *err,
		 size_t errsz)
{
	char *tmp = NULL, *dir = NULL;
	size_t tmpsz, off = 0;
	ssize_t w;
	unsigned i;
	int fd = -1, dfd = -1, made = 0;
	enum status rv = ST_IO;

	tmpsz = strlen(path) + 32;
	if ((tmp = malloc(tmpsz)) == NULL ||
	    (dir = atomicfile_dir_of(path)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		rv = ST_NOMEM;
		goto out;
	}
	for (i = 0; i < TMP_TRIES; i++) {
		snprintf(tmp, tmpsz, "%s.tmp%ld.%u", path, (long)getpid(), i);
		fd = open(tmp,
			  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			  0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	made = 1;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errsz, "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errsz, "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	made = 0;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1) {
		snprintf(err, errsz, "%s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	rv = ST_OK;
out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (made)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rv;
}
