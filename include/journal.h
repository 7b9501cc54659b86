/*
 * The per-instance journal, after isync's sync state: what each message has
 * done, so that a run killed at any point is finished by the next one
 * without losing or doubling anything.  It lives in CONFIG/<name>.journal
 * as append-only lines, each step fsync'ed; it is compacted (written to a
 * temporary name, fsync'ed, renamed) when opened.
 *
 * A message is keyed by UIDVALIDITY+UID and by the SHA-256 of its bytes,
 * so that after a UIDVALIDITY change a message already pushed is
 * recognised by its content and only marked \Seen.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "status.h"

enum jstate {
	J_BEGUN = 1,  /* a push was started (attempts counts them) */
	J_DONE,	      /* ThreatQ accepted the whole plan; \Seen pending */
	J_SEEN,	      /* \Seen (or the quarantine keyword) is set: finished */
	J_QUARANTINED /* gave up after max_attempts; flag pending */
};

struct jentry {
	uint32_t uidvalidity;
	uint32_t uid;
	char sha256[HASH_SHA256_HEX];
	int attempts;
	enum jstate state;
	long file_id;
};

struct journal;

/*
 * Open (creating) CONFIG/<name>.journal and compact it.  A torn last line
 * (a crash while writing it) is ignored; a malformed line is skipped with a
 * warning through log.h.  ST_OK with *out; ST_IO naming the file.
 */
enum status journal_open(const char *dir, const char *name,
			 struct journal **out, char *err, size_t errsz);

/* The entry of uidvalidity/uid, or of a message with this hash; or NULL. */
const struct jentry *journal_find(const struct journal *, uint32_t uidvalidity,
				  uint32_t uid);
const struct jentry *journal_find_hash(const struct journal *,
				       const char *sha256);

/*
 * Record a step durably (written and fsync'ed before returning).  begin
 * counts an attempt; done records the ThreatQ file id; seen ends the entry;
 * quarantine marks a message given up.  ST_OK or ST_IO.
 */
enum status journal_begin(struct journal *, uint32_t uidvalidity, uint32_t uid,
			  const char *sha256, char *err, size_t errsz);
enum status journal_done(struct journal *, uint32_t uidvalidity, uint32_t uid,
			 const char *sha256, long file_id, char *err,
			 size_t errsz);
enum status journal_seen(struct journal *, uint32_t uidvalidity, uint32_t uid,
			 const char *sha256, char *err, size_t errsz);
enum status journal_quarantine(struct journal *, uint32_t uidvalidity,
			       uint32_t uid, const char *sha256, char *err,
			       size_t errsz);

void journal_close(struct journal *);

/*
 * Take the instance lock CONFIG/<name>.lock (flock, non-blocking).  ST_OK
 * with *fd (keep it open for the run); ST_TEMP when another run holds it;
 * ST_IO.
 */
enum status journal_lock(const char *dir, const char *name, int *fd, char *err,
			 size_t errsz);

#endif
