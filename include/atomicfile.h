/*
 * Replacing a small file so that a crash leaves the old one or the new one,
 * never a mix: a new temporary file beside it (mode 0600, never through a
 * symlink), written, fsync'ed, renamed over the old name, and the
 * directory fsync'ed.  For the first-run configuration and the OAuth
 * state; the journal appends and compacts on its own.
 */
#ifndef ATOMICFILE_H
#define ATOMICFILE_H

#include <stddef.h>

#include "status.h"

/*
 * Replace path with len bytes of data.  ST_OK; ST_IO with err naming the
 * file and the failing step; ST_NOMEM.  The temporary file is removed on
 * failure.
 */
enum status atomicfile_write(const char *path, const char *data, size_t len,
			     char *err, size_t errsz);

/* The directory part of path ("." when there is none), malloc'd. */
char *atomicfile_dir_of(const char *path);

#endif
