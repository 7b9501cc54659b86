/*
 * The plan: everything one message will become in ThreatQ, as plain data.
 * Built from the outputs of mime, html, ioc and tlp; consumed by the dry-run
 * JSON sink (plan_json) and by the ThreatQ client.  Format: DESIGN §5 and
 * the man page, section PLAN FORMAT.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>
#include <time.h>

#include "hash.h"
#include "html.h"
#include "ioc.h"
#include "mime.h"
#include "status.h"
#include "tlp.h"

struct plan_report {
	char *title;
	char *description;
	char *url; /* "Article URL" attribute, or NULL */
	enum tlp tlp;
	struct ioc_set iocs;
};

struct plan_att {
	char *name;
	const char *type; /* ThreatQ attachment type name */
	char sha256[HASH_SHA256_HEX];
	char md5[HASH_MD5_HEX];
	size_t size;
	const unsigned char *data; /* borrowed from the mime_msg */
	struct ioc_set iocs;
};

/* An attachment over max_attachment_size: recorded, never uploaded. */
struct plan_skipped {
	char *name;
	size_t size;
	char sha256[HASH_SHA256_HEX];
	char md5[HASH_MD5_HEX];
};

struct plan {
	long uid; /* IMAP UID, or -1 offline */
	char *message_id;
	char *subject;
	char *from;
	char date[32];	       /* ISO 8601 UTC "2026-11-20T10:00:00Z" */
	char published_at[32]; /* ThreatQ form "2026-11-20 10:00:00" */
	enum tlp tlp;
	char sha256[HASH_SHA256_HEX];
	char md5[HASH_MD5_HEX];
	size_t size;
	const char *raw; /* borrowed raw message */
	char *file_name; /* "<sha256 prefix>.eml" style, safe */
	const char *file_type;
	char *file_title;
	struct plan_report *reports;
	size_t nreports;
	struct plan_att *atts;
	size_t natts;
	struct plan_skipped *skipped; /* too large to upload */
	size_t nskipped;
	char **warnings; /* what could not be done (a PDF not read, ...) */
	size_t nwarnings;
	struct ioc_set iocs; /* found outside every article */
};

#define PLAN_WARNINGS_MAX 32

struct pdf_opts;

struct plan_opts {
	const char *email_file_type; /* "Generic Text" */
	enum tlp default_tlp;
	struct ioc_ctx *ioc;
	time_t fallback_date; /* INTERNALDATE or file mtime */
	const char *sha256;   /* of the raw message when known, else NULL */
	int drop_reserved;    /* leave out ioc_is_reserved() values */
	int inline_images;    /* upload inline images (never IoC sources) */
	size_t max_attachment_size; /* larger ones are recorded only; 0: none */
	const struct pdf_opts *pdf; /* PDF text extraction, or NULL: off */
};

/* The email File's attribute recording an attachment not uploaded. */
#define PLAN_SKIPPED_ATTR "Attachment Not Uploaded"
/* Its value: "NAME (N bytes, SHA-256 X, MD5 Y)", malloc'd; NULL on ENOMEM. */
char *plan_skipped_note(const struct plan_skipped *);

/* The note of the "Reserved" attribute of an indicator, or NULL. */
const char *plan_reserved_note(const struct ioc *);

/*
 * Build the plan for one message.  raw and msg must outlive the plan (the
 * plan borrows attachment bytes and the raw message).  ST_OK with *out set
 * (free with plan_free), ST_MSG_BAD or ST_NOMEM with err filled in.
 */
enum status plan_build(const struct plan_opts *, long uid, const char *raw,
		       size_t rawlen, const struct mime_msg *msg,
		       const struct article_list *arts, struct plan **out,
		       char *err, size_t errsz);
void plan_free(struct plan *);

/* One-line JSON of the plan (no trailing newline), malloc'd; NULL on ENOMEM. */
char *plan_json(const struct plan *);

#endif
