/*
 * The crash-safe journal of message steps, and the instance lock.
 *
 * File format, one record a line:
 *	tqjournal 1
 *	B <uidvalidity> <uid> <sha256>			attempt begun
 *	D <uidvalidity> <uid> <sha256> <file id>	ThreatQ has it all
 *	Q <uidvalidity> <uid> <sha256>			given up
 *	S <uidvalidity> <uid> <sha256>			flag set: finished
 * Appends are fsync'ed one by one.  Opening replays the file and rewrites
 * it without finished entries (temporary file, fsync, rename, fsync of the
 * directory), so it stays as small as the work in flight.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "journal.h"
#include "log.h"

#define JOURNAL_MAGIC "tqjournal 1"
#define JOURNAL_MAX_SIZE (64u * 1024 * 1024)
#define JOURNAL_MAX_ENTRIES 200000
#define JOURNAL_LINE_MAX 256

struct journal {
	char *path;
	char *dir;
	int fd; /* open for appending */
	struct jentry *v;
	size_t n;
	size_t cap;
};

static struct jentry *
find(const struct journal *j, uint32_t uv, uint32_t uid)
{
	size_t i;

	/* Newest first: the entry of the message in hand is usually last. */
	for (i = j->n; i > 0; i--)
		if (j->v[i - 1].uidvalidity == uv && j->v[i - 1].uid == uid)
			return &j->v[i - 1];
	return NULL;
}

const struct jentry *
journal_find(const struct journal *j, uint32_t uv, uint32_t uid)
{
	return find(j, uv, uid);
}

const struct jentry *
journal_find_hash(const struct journal *j, const char *sha256)
{
	size_t i;

	for (i = j->n; i > 0; i--)
		if (strcmp(j->v[i - 1].sha256, sha256) == 0)
			return &j->v[i - 1];
	return NULL;
}

static int
valid_sha(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* Apply one record to the table in memory; -1 on a table overflow. */
static int
apply(struct journal *j, char op, uint32_t uv, uint32_t uid, const char *sha,
      long file_id)
{
	struct jentry *e, *nv;

	if ((e = find(j, uv, uid)) == NULL || strcmp(e->sha256, sha) != 0) {
		if (e != NULL) {
			/* Same UID, other content: a new message; start over.
			 */
			memset(e, 0, sizeof(*e));
		} else {
			if (j->n >= JOURNAL_MAX_ENTRIES)
				return -1;
			if (j->n == j->cap) {
				size_t nc = j->cap ? j->cap * 2 : 64;

				if (nc > SIZE_MAX / sizeof(*nv) ||
				    (nv = realloc(j->v, nc * sizeof(*nv))) ==
					NULL)
					return -1;
				j->v = nv;
				j->cap = nc;
			}
			e = &j->v[j->n++];
			memset(e, 0, sizeof(*e));
		}
		e->uidvalidity = uv;
		e->uid = uid;
		memcpy(e->sha256, sha, HASH_SHA256_HEX);
	}
	switch (op) {
	case 'B':
		e->attempts++;
		if (e->state != J_DONE)
			e->state = J_BEGUN;
		break;
	case 'D':
		e->state = J_DONE;
		e->file_id = file_id;
		break;
	case 'Q':
		e->state = J_QUARANTINED;
		break;
	case 'S':
		e->state = J_SEEN;
		break;
	}
	return 0;
}

/* Parse one complete line; 0 applied, -1 malformed, -2 overflow. */
static int
parse_line(struct journal *j, const char *line)
{
	char op, sha[80];
	unsigned long uv, uid;
	long file_id = 0;
	int n;

	if (strcmp(line, JOURNAL_MAGIC) == 0)
		return 0;
	/* Our own file; out-of-range numbers are refused just below. */
	/* NOLINTNEXTLINE(cert-err34-c) */
	n = sscanf(line, "%c %lu %lu %70s %ld", &op, &uv, &uid, sha, &file_id);
	if (n < 4 || strchr("BDQS", op) == NULL || uv > UINT32_MAX ||
	    uid > UINT32_MAX || strlen(sha) != 64 || !valid_sha(sha) ||
	    (op == 'D' && n != 5))
		return -1;
	return apply(j, op, (uint32_t)uv, (uint32_t)uid, sha, file_id) == 0
		   ? 0
		   : -2;
}

static enum status
replay(struct journal *j, char *err, size_t errsz)
{
	struct buf b;
	char chunk[8192], *p, *nl;
	ssize_t r;
	size_t lineno = 0;
	int fd, rc;
	enum status st = ST_IO;

	buf_init(&b, JOURNAL_MAX_SIZE);
	if ((fd = open(j->path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return ST_OK;
		snprintf(err, errsz, "journal '%s': %s", j->path,
			 strerror(errno));
		return ST_IO;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "journal '%s': %s", j->path,
				 strerror(errno));
			goto out;
		}
		if (buf_add(&b, chunk, (size_t)r) == -1) {
			snprintf(err, errsz,
				 "journal '%s': larger than %u "
				 "bytes",
				 j->path, JOURNAL_MAX_SIZE);
			goto out;
		}
	}
	/* Only complete lines count: a torn last line is a crash mid-write. */
	for (p = b.p;
	     p != NULL && (nl = memchr(p, '\n', b.len - (size_t)(p - b.p)));
	     p = nl + 1) {
		*nl = '\0';
		lineno++;
		if (strlen(p) > JOURNAL_LINE_MAX ||
		    (rc = parse_line(j, p)) == -1) {
			log_warn("journal '%s':%zu: malformed line ignored",
				 j->path, lineno);
			continue;
		}
		if (rc == -2) {
			snprintf(err, errsz,
				 "journal '%s': more than %d "
				 "entries",
				 j->path, JOURNAL_MAX_ENTRIES);
			goto out;
		}
	}
	st = ST_OK;
out:
	close(fd);
	buf_free(&b);
	return st;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *s, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
format_entry(const struct jentry *e, char *line, size_t sz)
{
	switch (e->state) {
	case J_DONE:
		return snprintf(line, sz, "D %" PRIu32 " %" PRIu32 " %s %ld\n",
				e->uidvalidity, e->uid, e->sha256, e->file_id);
	case J_QUARANTINED:
		return snprintf(line, sz, "Q %" PRIu32 " %" PRIu32 " %s\n",
				e->uidvalidity, e->uid, e->sha256);
	default:
		return 0;
	}
}

/* Rewrite the journal with the unfinished entries only. */
static enum status
compact(struct journal *j, char *err, size_t errsz)
{
	struct buf b;
	char *tmp = NULL, line[JOURNAL_LINE_MAX];
	size_t i, k, tl;
	int fd = -1, n;
	enum status st = ST_IO;

	buf_init(&b, JOURNAL_MAX_SIZE);
	if (buf_adds(&b, JOURNAL_MAGIC "\n") == -1)
		goto nomem;
	for (i = 0, k = 0; i < j->n; i++) {
		struct jentry *e = &j->v[i];

		if (e->state == J_SEEN)
			continue;
		/* attempts are kept as that many B records. */
		for (n = 0; n < e->attempts; n++) {
			snprintf(line, sizeof(line),
				 "B %" PRIu32 " %" PRIu32 " %s\n",
				 e->uidvalidity, e->uid, e->sha256);
			if (buf_adds(&b, line) == -1)
				goto nomem;
		}
		if (format_entry(e, line, sizeof(line)) > 0 &&
		    buf_adds(&b, line) == -1)
			goto nomem;
		j->v[k++] = *e;
	}
	j->n = k;
	tl = strlen(j->path) + 8;
	if ((tmp = malloc(tl)) == NULL)
		goto nomem;
	snprintf(tmp, tl, "%s.tmp", j->path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
		-1 ||
	    write_all(fd, b.p, b.len) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1) {
		snprintf(err, errsz, "journal '%s': %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, j->path) == -1 || fsync_dir(j->dir) == -1) {
		snprintf(err, errsz, "journal '%s': %s", j->path,
			 strerror(errno));
		unlink(tmp);
		goto out;
	}
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "journal '%s': out of memory", j->path);
	st = ST_NOMEM;
out:
	free(tmp);
	buf_free(&b);
	return st;
}

static char *
join(const char *dir, const char *name, const char *ext)
{
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
	char *p;

	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s%s", dir, name, ext);
	return p;
}

enum status
journal_open(const char *dir, const char *name, struct journal **out, char *err,
	     size_t errsz)
{
	struct journal *j;
	enum status st;

	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		snprintf(err, errsz, "journal: out of memory");
		return ST_NOMEM;
	}
	j->fd = -1;
	if ((j->path = join(dir, name, ".journal")) == NULL ||
	    (j->dir = strdup(dir)) == NULL) {
		snprintf(err, errsz, "journal: out of memory");
		st = ST_NOMEM;
		goto fail;
	}
	if ((st = replay(j, err, errsz)) != ST_OK ||
	    (st = compact(j, err, errsz)) != ST_OK)
		goto fail;
	if ((j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "journal '%s': %s", j->path,
			 strerror(errno));
		st = ST_IO;
		goto fail;
	}
	*out = j;
	return ST_OK;
fail:
	journal_close(j);
	return st;
}

static enum status
record(struct journal *j, char op, uint32_t uv, uint32_t uid, const char *sha,
       long file_id, char *err, size_t errsz)
{
	char line[JOURNAL_LINE_MAX];
	int n;

	if (!valid_sha(sha)) {
		snprintf(err, errsz, "journal: bad message hash");
		return ST_IO;
	}
	if (op == 'D')
		n = snprintf(line, sizeof(line),
			     "D %" PRIu32 " %" PRIu32 " %s %ld\n", uv, uid, sha,
			     file_id);
	else
		n = snprintf(line, sizeof(line),
			     "%c %" PRIu32 " %" PRIu32 " %s\n", op, uv, uid,
			     sha);
	if (write_all(j->fd, line, (size_t)n) == -1 || fsync(j->fd) == -1) {
		snprintf(err, errsz, "journal '%s': %s", j->path,
			 strerror(errno));
		return ST_IO;
	}
	if (apply(j, op, uv, uid, sha, file_id) == -1) {
		snprintf(err, errsz, "journal '%s': more than %d entries",
			 j->path, JOURNAL_MAX_ENTRIES);
		return ST_NOMEM;
	}
	return ST_OK;
}

enum status
journal_begin(struct journal *j, uint32_t uv, uint32_t uid, const char *sha,
	      char *err, size_t errsz)
{
	return record(j, 'B', uv, uid, sha, 0, err, errsz);
}

enum status
journal_done(struct journal *j, uint32_t uv, uint32_t uid, const char *sha,
	     long file_id, char *err, size_t errsz)
{
	return record(j, 'D', uv, uid, sha, file_id, err, errsz);
}

enum status
journal_seen(struct journal *j, uint32_t uv, uint32_t uid, const char *sha,
	     char *err, size_t errsz)
{
	return record(j, 'S', uv, uid, sha, 0, err, errsz);
}

enum status
journal_quarantine(struct journal *j, uint32_t uv, uint32_t uid,
		   const char *sha, char *err, size_t errsz)
{
	return record(j, 'Q', uv, uid, sha, 0, err, errsz);
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd != -1)
		close(j->fd);
	free(j->path);
	free(j->dir);
	free(j->v);
	free(j);
}

enum status
journal_lock(const char *dir, const char *name, int *fd, char *err,
	     size_t errsz)
{
	char *path;
	int f;

	*fd = -1;
	if ((path = join(dir, name, ".lock")) == NULL) {
		snprintf(err, errsz, "lock: out of memory");
		return ST_NOMEM;
	}
	if ((f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errsz, "lock '%s': %s", path, strerror(errno));
		free(path);
		return ST_IO;
	}
	if (flock(f, LOCK_EX | LOCK_NB) == -1) {
		int held = errno == EWOULDBLOCK;

		if (held)
			snprintf(err, errsz,
				 "lock '%s': another run of this "
				 "instance is in progress",
				 path);
		else
			snprintf(err, errsz, "lock '%s': %s", path,
				 strerror(errno));
		close(f);
		free(path);
		return held ? ST_TEMP : ST_IO;
	}
	free(path);
	*fd = f;
	return ST_OK;
}
