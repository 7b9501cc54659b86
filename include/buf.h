/*
 * A growable byte buffer with a ceiling.  Always NUL-terminated after a
 * successful append, so text can be used as a C string.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max; /* ceiling on len; appends past it fail */
};

/* Start an empty buffer that may grow to max bytes. */
void buf_init(struct buf *, size_t max);
/* Append; return 0, or -1 (nothing appended) past the ceiling or on ENOMEM. */
int buf_add(struct buf *, const void *, size_t);
int buf_addc(struct buf *, char);
int buf_adds(struct buf *, const char *);
int buf_addf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the NUL-terminated contents to the caller (free(3) it); buffer is reset.
 */
char *buf_steal(struct buf *);
/* Release the storage; accepts a zeroed buffer. */
void buf_free(struct buf *);

#endif
