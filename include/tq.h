/*
 * ThreatQ client: OAuth, the per-run catalogue lookups, and pushing one plan
 * with a number of requests that does not grow with its IoCs or articles.
 * The calls and shapes follow docs/threatq-api.md (the wire contract).
 */
#ifndef TQ_H
#define TQ_H

#include <stddef.h>

#include "plan.h"
#include "status.h"

struct tq_opts {
	const char *host; /* "tq.example.com", "host:port" or a https:// URL */
	const char *client_id;	   /* the user's API client id */
	const char *client_secret; /* set: client_credentials grant (Basic) */
	const char *username;	   /* password grant: email */
	const char *password;
	const char *status;   /* indicator status name, e.g. "Review" */
	const char *source;   /* source name on everything created */
	const char *ca_file;  /* NULL: the system trust store */
	int verify_tls;	      /* 0 only by explicit configuration */
	long connect_timeout; /* seconds; 0 = default */
	long timeout;	      /* seconds per request; 0 = default */
	int max_retries; /* per request, for 5xx/429/network; <0 = default */
	long max_retry_time; /* seconds spent retrying one request; 0 = default
			      */
};

/* What one push created or found, for the journal and the summary. */
struct tq_result {
	long file_id;
	int file_existed; /* found by MD5: not uploaded again */
	size_t attachments;
	size_t reports;
	size_t indicators;
	size_t requests; /* HTTP requests made for this plan */
};

struct tq;

/*
 * Log in and resolve the catalogues (indicator types, statuses, attachment
 * types).  ST_OK with *out; ST_AUTH when the credentials are refused;
 * ST_TEMP when ThreatQ is unreachable or keeps failing; ST_CONFIG for a
 * status name the instance lacks or unusable TLS settings.  err names the
 * thing and the value involved, never a secret.
 */
enum status tq_open(const struct tq_opts *, struct tq **out, char *err,
		    size_t errsz);

/*
 * Push one plan (DESIGN §5) as in docs/threatq-api.md.  Idempotent: a
 * plan pushed again creates no second file, report or indicator.  ST_OK;
 * ST_TEMP (retry next run; ThreatQ unreachable); ST_AUTH; ST_MSG_BAD when
 * ThreatQ finally refuses this message (4xx) - err holds the server's
 * message, escaped; ST_CONFIG when the plan needs a type the instance lacks
 * and there is no fallback.
 */
enum status tq_push(struct tq *, const struct plan *, struct tq_result *,
		    char *err, size_t errsz);

/*
 * A second handle for another thread: its own connection and tokens (it
 * logs in again by itself when they run out), the parent's settings and
 * catalogues.  Each handle is used by one thread at a time; close every
 * clone before its parent.  ST_OK with *out, or ST_NOMEM.
 */
enum status tq_clone(const struct tq *parent, struct tq **out, char *err,
		     size_t errsz);

/* Requests made since tq_open (including login and catalogues), or since
 * tq_clone. */
size_t tq_requests(const struct tq *);

void tq_close(struct tq *);

#endif
