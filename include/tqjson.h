/*
 * ThreatQ request bodies and response parsing, as plain functions: no I/O,
 * no network, no logging.  Every parser takes (buf, len) of untrusted bytes
 * and rejects rather than repairs.  Shapes: docs/threatq-api.md.
 */
#ifndef TQJSON_H
#define TQJSON_H

#include <stddef.h>

#include "ioc.h"
#include "plan.h"
#include "tlp.h"

#define TQJSON_MAX_BODY (16u * 1024 * 1024) /* response bytes parsed */
#define TQJSON_MAX_DEPTH 64		    /* JSON nesting accepted */
#define TQJSON_MAX_ID 9007199254740991.0    /* 2^53 - 1 */
#define TQJSON_MAX_TOKEN 8192		    /* access/refresh token bytes */
#define TQJSON_MAX_NAME 256		    /* catalogue entry name */
#define TQJSON_MAX_ERRMSG 1024		    /* server message kept */
#define TQJSON_BATCH 500		    /* items per consume call */
#define TQJSON_MAX_INDICATORS 200000	    /* merged indicators per plan */

/*
 * Token response {"access_token","token_type","expires_in","refresh_token"}.
 * The access token must be a non-empty header-safe string (visible ASCII);
 * token_type, when present, must be "bearer" (any case).  0 with *access
 * (and *refresh, NULL when absent) malloc'd for the caller to free, and
 * *expires_in (0 when absent); -1 with err filled in.
 */
int tqjson_token(const char *buf, size_t len, char **access, char **refresh,
		 long *expires_in, char *err, size_t errsz);

/* A catalogue: indicator types, statuses or attachment types. */
struct tqjson_entry {
	long id;
	char *name;
};
struct tqjson_cat {
	struct tqjson_entry *v;
	size_t n;
	size_t cap;
};

/*
 * Append one page {"total":N,"data":[{"id","name"},...]} to cat, keeping at
 * most max entries in all.  0 with *total and *npage (entries on this page);
 * -1 with err filled in (not JSON, wrong shapes, bad ids, past max).
 */
int tqjson_cat_page(const char *buf, size_t len, struct tqjson_cat *cat,
		    size_t max, long *total, size_t *npage, char *err,
		    size_t errsz);
/* The entry named name (exact, then ASCII case-insensitive), or NULL. */
const struct tqjson_entry *tqjson_cat_find(const struct tqjson_cat *,
					   const char *name);
/* Release the entries; accepts a zeroed catalogue. */
void tqjson_cat_free(struct tqjson_cat *);

/*
 * The attachment lookup {"data":[{"id","hash"},...]}: the first element
 * whose "hash" (when it has one) equals md5.  1 with *id, 0 when there is
 * none, -1 with err filled in on a malformed body.
 */
int tqjson_lookup(const char *buf, size_t len, const char *md5, long *id,
		  char *err, size_t errsz);

/*
 * The id of a created object {"data":{"id":..}} (also {"data":[{"id"}]}).
 * 0 with *id; -1 with err filled in.
 */
int tqjson_data_id(const char *buf, size_t len, long *id, char *err,
		   size_t errsz);

/* {"data":[...]} with the array's length in *n: 0, or -1 with err filled in. */
int tqjson_data_array(const char *buf, size_t len, size_t *n, char *err,
		      size_t errsz);

/*
 * Ids of a consume response {"data":[{"id","value"},...]} matched back to
 * the n request values: the response must have exactly n elements, each
 * with an id; element i is taken when its value is values[i] (or it has no
 * value), else the first element carrying values[i].  0 with ids[0..n);
 * -1 with err filled in.
 */
int tqjson_ids_by_value(const char *buf, size_t len, const char *const *values,
			size_t n, long *ids, char *err, size_t errsz);

/*
 * The server's message from an error body: {"errors":[..]}, {"errors":{..}},
 * {"data":{"errors":{..}}}, {"message":..} or {"error":..,"message":..};
 * several messages are joined with "; ".  Raw (unescaped) text, at most
 * TQJSON_MAX_ERRMSG bytes and outsz - 1, cut on a UTF-8 boundary.  Returns
 * the length written, 0 when the body holds no message.
 */
size_t tqjson_error_msg(const char *buf, size_t len, char *out, size_t outsz);

/* 1 when a JSON object body has an "errors" key (top level or in "data"). */
int tqjson_has_errors(const char *buf, size_t len);

/*
 * The report consume array for plan->reports[start..start+n): value,
 * description, published_at, sources [{source, TLP}], attributes TLP and
 * Article URL, attachments [{"id": file_id}].  malloc'd; NULL on ENOMEM or
 * a bad range.
 */
char *tqjson_reports(const struct plan *, size_t start, size_t n,
		     const char *source, long file_id);

/* [{"id":..},...] with duplicate ids dropped; malloc'd, NULL on ENOMEM. */
char *tqjson_id_list(const long *ids, size_t n);

/*
 * The indicators of a plan merged into one item per (type, value), in order
 * of first appearance (reports, then attachments, then the top level).
 * Each carries its relations and the most restrictive TLP of the places it
 * appears; values are borrowed from the plan.
 */
struct tqjson_ind {
	enum ioc_type type;
	const char *value;
	enum tlp tlp;
	long *reports; /* report ids */
	size_t nreports;
	long *atts; /* attachment (file) ids */
	size_t natts;
};
struct tqjson_inds {
	struct tqjson_ind *v;
	size_t n;
	size_t cap;
	size_t *slots; /* private: hash index, entry + 1 */
	size_t nslots;
};

/*
 * Merge: report i's indicators relate to report_ids[i], attachment i's to
 * att_ids[i], the top level ones to file_id; TLP from the report, else the
 * message.  0, or -1 on ENOMEM or past TQJSON_MAX_INDICATORS (out is then
 * freed).  Free with tqjson_inds_free (accepts a zeroed set).
 */
int tqjson_inds_build(const struct plan *, const long *report_ids,
		      const long *att_ids, long file_id,
		      struct tqjson_inds *out);
void tqjson_inds_free(struct tqjson_inds *);

/*
 * The indicator consume array for items [start, start+n), n at most
 * TQJSON_BATCH; empty relation arrays are omitted.  type_names maps each
 * enum ioc_type to the instance's name (NULL: ioc_type_name()).  malloc'd;
 * NULL on ENOMEM or a bad range.
 */
char *tqjson_inds_json(const struct tqjson_inds *, size_t start, size_t n,
		       const char *const *type_names, const char *status,
		       const char *source);

/*
 * Ids of an indicator consume response for items [start, start+n): exactly
 * n elements, each with an id; element i is taken when its value (and its
 * type_id, when type_ids[type] >= 0) match item i or are absent, else the
 * first element matching (value, type_id).  type_ids: IOC_NTYPES ids, or
 * NULL.  0 with ids[0..n); -1 with err filled in.
 */
int tqjson_inds_ids(const char *buf, size_t len, const struct tqjson_inds *,
		    size_t start, size_t n, const long *type_ids, long *ids,
		    char *err, size_t errsz);

#endif
