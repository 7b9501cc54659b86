/*
 * ThreatQ client: one libcurl easy handle for the run (connections kept
 * alive), OAuth tokens, the catalogues, and pushing a plan in a number of
 * requests that grows only with its attachments and with 500-indicator
 * batches.  Bodies are built and parsed by tqjson.c; this file does the
 * HTTP, the retries and the sequencing.  Shapes: docs/threatq-api.md.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>

#include "bounds.h"
#include "buf.h"
#include "log.h"
#include "tls.h"
#include "tq.h"
#include "tqjson.h"

#define TQ_DEF_CONNECT_TIMEOUT 10L /* seconds */
#define TQ_DEF_TIMEOUT 60L	   /* seconds per request */
#define TQ_DEF_MAX_RETRIES 4
#define TQ_DEF_MAX_RETRY_TIME 60L /* seconds spent on one request */
#define TQ_BACKOFF_FIRST_MS 500L
#define TQ_BACKOFF_MAX_MS 8000L
#define TQ_JITTER_PCT 25 /* +- on every backoff */
#define TQ_MAX_RESPONSE TQJSON_MAX_BODY
#define TQ_TOKEN_MARGIN 60L	 /* seconds: renew a token this early */
#define TQ_TOKEN_MAX_LIFE 86400L /* seconds: longer expires_in is cut */
#define TQ_PAGE_LIMIT 500	 /* catalogue page size */
#define TQ_MAX_CATALOGUE 10000	 /* entries kept per catalogue */
#define TQ_SKIPPED_ATTRS 16	 /* oversized attachments named on the file */
#define TQ_MAX_PAGES 1000	 /* pages read per catalogue */
#define TQ_MAX_HOST 1024	 /* configured host string */
#define TQ_MAX_PATH 8192	 /* path and query after the base URL */
#define TQ_MAX_BODY_OUT (256u * 1024 * 1024) /* request body built */
#define TQ_CTYPE_MAX 128
#define TQ_FALLBACK_TYPE "Generic Text"
#define TQ_USER_AGENT "tq-conn-intel-mailbox-reports/" TQ_VERSION

enum tq_auth {
	AUTH_NONE,  /* token calls: credentials in the body */
	AUTH_BASIC, /* client_credentials grant */
	AUTH_BEARER /* every API call */
};

enum tq_grant {
	GRANT_LOGIN, /* password or client_credentials */
	GRANT_REFRESH
};

struct tq {
	CURL *curl;
	char *base; /* "https://host[:port]/api" */
	char *host; /* "host[:port]", for messages */
	char *client_id;
	char *client_secret;
	char *username;
	char *password;
	char *status; /* the instance's spelling */
	char *source;
	char *ca_file;
	int verify_tls;
	long connect_timeout;
	long timeout;
	int max_retries;
	long max_retry_time;
	char *access;
	char *refresh;
	long access_until; /* now_ms() when the access token runs out; 0: ? */
	struct tqjson_cat itypes;
	struct tqjson_cat statuses;
	struct tqjson_cat atypes;
	const char *type_names[IOC_NTYPES];
	int type_warned[IOC_NTYPES];
	long type_ids[IOC_NTYPES];
	size_t requests;
	int curl_global; /* curl_global_init done */
	int borrowed;	 /* tq_clone: strings and catalogues are the parent's */
	uint32_t rng;
	char curlerr[CURL_ERROR_SIZE];
};

/* An upload's file part, read from the caller's buffer (see upload()). */
struct memsrc {
	const char *p;
	size_t len;
	size_t off;
};

/* One request.  what names it in messages; path may hold a secret. */
struct tq_req {
	const char *what; /* "POST /api/report/consume" */
	const char *path; /* after the base URL */
	int post;
	const char *ctype; /* request body type */
	const char *body;
	size_t bodylen;
	/* A multipart body, built afresh for each attempt (libcurl does not
	 * send a used one again: a retried upload waited for its body). */
	curl_mime *(*mime_make)(struct tq *, void *arg);
	void *mime_arg;
	enum tq_auth auth;
	const char *dedup_md5; /* upload: look up before a retry */
	long *dedup_id;	       /* ... and stop when found */
};

struct tq_resp {
	long code;
	struct buf body;
	char ctype[TQ_CTYPE_MAX];
	long retry_after; /* seconds, 0 when none */
	int toobig;
};

/* Replaceable for tests; the default sleeps. */
static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		continue;
}
static void (*tq_sleep)(long) = sleep_ms;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static uint32_t
rng_next(struct tq *tq)
{
	/* xorshift32: jitter only, nothing secret. */
	tq->rng ^= tq->rng << 13;
	tq->rng ^= tq->rng >> 17;
	tq->rng ^= tq->rng << 5;
	return tq->rng;
}

/* Backoff before retry n (1-based): 0.5 s doubling to 8 s, +-25 %. */
static long
backoff_ms(struct tq *tq, int n)
{
	long d = TQ_BACKOFF_FIRST_MS;
	long span;

	while (--n > 0 && d < TQ_BACKOFF_MAX_MS)
		d *= 2;
	if (d > TQ_BACKOFF_MAX_MS)
		d = TQ_BACKOFF_MAX_MS;
	span = d * TQ_JITTER_PCT / 100;
	return d - span + (long)(rng_next(tq) % (uint32_t)(2 * span + 1));
}

/* Overwrite a secret before it is freed. */
static void
wipe(char *s)
{
	volatile char *p = s;

	if (s == NULL)
		return;
	while (*p != '\0')
		*p++ = '\0';
}

static void
free_secret(char *s)
{
	wipe(s);
	free(s);
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
ascii_ncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]) ||
		    a[i] == '\0')
			return 0;
	return 1;
}

static int
is_json_ctype(const char *ct)
{
	static const char aj[] = "application/json";
	size_t n;
	const char *semi;

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	if ((semi = strchr(ct, ';')) == NULL)
		semi = ct + strlen(ct);
	while (semi > ct && semi[-1] == ' ')
		semi--;
	n = (size_t)(semi - ct);
	if (n == sizeof(aj) - 1 && ascii_ncaseeq(ct, aj, n))
		return 1;
	/* application/vnd.foo+json */
	return n > 5 && ascii_ncaseeq(semi - 5, "+json", 5);
}

static int
is_port(const char *s, size_t n)
{
	size_t i;
	long v = 0;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* Is h[0..n) "name", "name:port" or "[v6]" / "[v6]:port"? */
static int
authority_ok(const char *h, size_t n)
{
	const char *close, *colon;
	size_t i, hn;

	if (n > 0 && h[0] == '[') {
		if ((close = memchr(h, ']', n)) == NULL || close == h + 1)
			return 0;
		for (i = 1; h + i < close; i++)
			if (!is_name_char(h[i]) && h[i] != ':' && h[i] != '%')
				return 0;
		hn = (size_t)(close - h) + 1;
		if (hn == n)
			return 1;
		return h[hn] == ':' && is_port(h + hn + 1, n - hn - 1);
	}
	colon = memchr(h, ':', n);
	hn = colon != NULL ? (size_t)(colon - h) : n;
	if (hn == 0)
		return 0;
	for (i = 0; i < hn; i++)
		if (!is_name_char(h[i]))
			return 0;
	return colon == NULL || is_port(colon + 1, n - hn - 1);
}

/*
 * The base URL "https://host[:port]/api" from the configured host: "name",
 * "name:port", "[v6]:port" or "https://name[:port]" (a trailing '/'
 * tolerated).  http:// is refused: ThreatQ is always reached over TLS.
 */
static enum status
make_base(struct tq *tq, const char *host, char *err, size_t errsz)
{
	char esc[LOG_ESC_SIZE];
	const char *h = host;
	size_t n;
	struct buf b;

	if (host == NULL || *host == '\0') {
		snprintf(err, errsz, "[threatq] host is not set");
		return ST_CONFIG;
	}
	n = strlen(host);
	log_esc(esc, sizeof(esc), host, n);
	if (n > TQ_MAX_HOST) {
		snprintf(err, errsz,
			 "[threatq] host '%s': longer than %d bytes", esc,
			 TQ_MAX_HOST);
		return ST_CONFIG;
	}
	if (ascii_ncaseeq(h, "http://", 7)) {
		snprintf(err, errsz,
			 "[threatq] host '%s': http:// is refused; "
			 "ThreatQ is always reached over TLS (https://)",
			 esc);
		return ST_CONFIG;
	}
	if (ascii_ncaseeq(h, "https://", 8))
		h += 8;
	n = strlen(h);
	while (n > 0 && h[n - 1] == '/')
		n--;
	if (!authority_ok(h, n)) {
		snprintf(err, errsz,
			 "[threatq] host '%s': expected name, "
			 "name:port, [IPv6]:port or https://name[:port]",
			 esc);
		return ST_CONFIG;
	}
	buf_init(&b, TQ_MAX_HOST + 32);
	if (buf_add(&b, h, n) == -1 || (tq->host = buf_steal(&b)) == NULL) {
		buf_free(&b);
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	if (buf_addf(&b, "https://%s/api", tq->host) == -1 ||
	    (tq->base = buf_steal(&b)) == NULL) {
		buf_free(&b);
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	return ST_OK;
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct tq_resp *rs = arg;

	if (nmemb != 0 && size > SIZE_MAX / nmemb)
		return 0;
	if (buf_add(&rs->body, p, size * nmemb) == -1) {
		rs->toobig = rs->body.len + size * nmemb > TQ_MAX_RESPONSE;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return size * nmemb;
}

static void
resp_init(struct tq_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	buf_init(&rs->body, TQ_MAX_RESPONSE);
}

static void
resp_free(struct tq_resp *rs)
{
	buf_free(&rs->body);
}

/*
 * One HTTP exchange on the shared handle.  Returns the libcurl result;
 * rs holds the status, body and headers of interest.  The handle is reset
 * first (connections and TLS sessions survive a reset).
 */
static CURLcode
perform(struct tq *tq, const struct tq_req *rq, struct tq_resp *rs)
{
	struct curl_slist *hdrs = NULL, *nh;
	struct buf url, hb;
	curl_mime *mime = NULL;
	CURL *c = tq->curl;
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	curl_off_t ra = 0;
	char *ct = NULL;
	int bad = 0;

	buf_free(&rs->body);
	rs->code = 0;
	rs->ctype[0] = '\0';
	rs->retry_after = 0;
	rs->toobig = 0;
	tq->curlerr[0] = '\0';
	buf_init(&url, strlen(tq->base) + TQ_MAX_PATH);
	buf_init(&hb, TQJSON_MAX_TOKEN + TQ_CTYPE_MAX);
	if (buf_adds(&url, tq->base) == -1 || buf_adds(&url, rq->path) == -1)
		goto out;

#define ADDH(...)                                                              \
	do {                                                                   \
		hb.len = 0;                                                    \
		if (buf_addf(&hb, __VA_ARGS__) == -1 ||                        \
		    (nh = curl_slist_append(hdrs, hb.p)) == NULL)              \
			goto out;                                              \
		hdrs = nh;                                                     \
	} while (0)
	ADDH("Accept: application/json");
	ADDH("Expect:");
	if (rq->ctype != NULL)
		ADDH("Content-Type: %s", rq->ctype);
	if (rq->auth == AUTH_BEARER)
		ADDH("Authorization: Bearer %s", tq->access);
#undef ADDH

	curl_easy_reset(c);
#define SET(o, v)                                                              \
	do {                                                                   \
		if (curl_easy_setopt(c, o, v) != CURLE_OK)                     \
			bad = 1;                                               \
	} while (0)
	SET(CURLOPT_URL, url.p);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_CONNECTTIMEOUT, tq->connect_timeout);
	SET(CURLOPT_TIMEOUT, tq->timeout);
	SET(CURLOPT_SSL_VERIFYPEER, tq->verify_tls ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, tq->verify_tls ? 2L : 0L);
	if (tls_curl_trust(c, tq->ca_file) == -1)
		bad = 1;
	SET(CURLOPT_USERAGENT, TQ_USER_AGENT);
	SET(CURLOPT_ERRORBUFFER, tq->curlerr);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, rs);
	SET(CURLOPT_HTTPHEADER, hdrs);
	if (rq->auth == AUTH_BASIC) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, tq->client_id);
		SET(CURLOPT_PASSWORD, tq->client_secret);
	}
	if (!rq->post)
		SET(CURLOPT_HTTPGET, 1L);
	else if (rq->mime_make != NULL) {
		if ((mime = rq->mime_make(tq, rq->mime_arg)) == NULL) {
			snprintf(tq->curlerr, sizeof(tq->curlerr),
				 "out of memory for the request body");
			goto out;
		}
		SET(CURLOPT_MIMEPOST, mime);
	} else {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->bodylen);
		SET(CURLOPT_POSTFIELDS, rq->body);
	}
#undef SET
	if (bad) {
		snprintf(
		    tq->curlerr, sizeof(tq->curlerr),
		    "libcurl refused an option (TLS or protocol support?)");
		cc = CURLE_FAILED_INIT;
		goto out;
	}
	cc = curl_easy_perform(c);
	tq->requests++;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->code);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		snprintf(rs->ctype, sizeof(rs->ctype), "%s", ct);
	if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
	    ra > 0)
		rs->retry_after =
		    ra > LONG_MAX / 1000 ? LONG_MAX / 1000 : (long)ra;
out:
	/* The handle keeps pointers to these: drop them before freeing. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	if (mime != NULL) {
		curl_easy_setopt(c, CURLOPT_MIMEPOST, (curl_mime *)NULL);
		curl_mime_free(mime);
	}
	if (hb.p != NULL)
		wipe(hb.p);
	buf_free(&hb);
	buf_free(&url);
	curl_slist_free_all(hdrs);
	return cc;
}

/*
 * Why the server's certificate was refused, in words (untrusted issuer,
 * expired, wrong host...): libcurl's GnuTLS backend only says "verification
 * failed".  A second handshake without verification and without sending
 * anything (CONNECT_ONLY) fetches the chain, which tls.c then judges the
 * way the IMAP side does.  0 with why filled, or -1.
 */
static int
tls_reason(struct tq *tq, char *why, size_t whysz)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *e;
	struct tls_der der[TLS_MAX_CHAIN];
	gnutls_datum_t pem, out[TLS_MAX_CHAIN];
	char url[300], name[256];
	const char *h = tq->host, *end;
	CURL *c;
	int i, n = 0, rc = -1;

	memset(out, 0, sizeof(out));
	/* The name to check: host without port, IPv6 without brackets. */
	if (*h == '[' && (end = strchr(h, ']')) != NULL)
		h++;
	else if ((end = strchr(h, ':')) == NULL || strchr(end + 1, ':'))
		end = h + strlen(h);
	snprintf(name, sizeof(name), "%.*s", (int)(end - h), h);
	snprintf(url, sizeof(url), "https://%s/", tq->host);
	if ((c = curl_easy_init()) == NULL)
		return -1;
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, tq->connect_timeout) !=
		CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, tq->connect_timeout) !=
		CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L) != CURLE_OK ||
	    curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs <= 0)
		goto out;
	for (i = 0; i < ci->num_of_certs && n < TLS_MAX_CHAIN; i++)
		for (e = ci->certinfo[i]; e != NULL; e = e->next) {
			if (strncmp(e->data, "Cert:", 5) != 0)
				continue;
			pem.data = (unsigned char *)e->data + 5;
			pem.size = (unsigned int)strlen(e->data + 5);
			if (gnutls_pem_base64_decode2("CERTIFICATE", &pem,
						      &out[n]) < 0)
				goto out;
			der[n].data = out[n].data;
			der[n].len = out[n].size;
			n++;
			break;
		}
	if (n > 0 && tls_verify_chain(der, (size_t)n, name, tq->ca_file, why,
				      whysz) == -1)
		rc = 0; /* refused, and why says why */
out:
	for (i = 0; i < n; i++)
		gnutls_free(out[i].data);
	curl_easy_cleanup(c);
	return rc;
}

/* Failures that a retry cannot fix. */
static int
curl_final(CURLcode cc)
{
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_FAILED_INIT:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR:
		return 1;
	default:
		return tls_curl_cert_error(cc);
	}
}

/* The server's message of rs, escaped and bounded, into out. */
static void
server_msg(const struct tq_resp *rs, char *out, size_t outsz)
{
	char raw[TQJSON_MAX_ERRMSG + 1];
	size_t n;

	n = tqjson_error_msg(rs->body.p, rs->body.len, raw, sizeof(raw));
	if (n > 0)
		log_esc(out, outsz, raw, n);
	else if (rs->body.len > 0)
		log_esc(out, outsz, rs->body.p,
			rs->body.len > MAX_LOG_FIELD ? MAX_LOG_FIELD
						     : rs->body.len);
	else
		snprintf(out, outsz, "(no body)");
}

static enum status tq_token(struct tq *, enum tq_grant, char *, size_t);
static enum status lookup_md5(struct tq *, const char *, long *, char *,
			      size_t);

/*
 * One call with the retry policy: network errors, timeouts, 429 and 5xx
 * are retried with backoff (Retry-After honoured) within max_retries and
 * max_retry_time, then ST_TEMP; a 401 on a bearer call refreshes the token
 * once, then logs in again once, then is ST_AUTH; other 4xx are ST_MSG_BAD
 * with the server's message.  ST_OK means a 2xx with a JSON body free of
 * "errors" (or, for an upload, the file found by MD5 before a retry:
 * *rq->dedup_id set).
 */
static enum status
tq_call(struct tq *tq, const struct tq_req *rq, struct tq_resp *rs, char *err,
	size_t errsz)
{
	char msg[LOG_ESC_SIZE], why[512];
	CURLcode cc;
	long t0 = now_ms(), delay, budget;
	int tries = 0, refreshed = 0, relogged = 0;
	enum status st;

	budget = tq->max_retry_time * 1000L;
	/*
	 * A token known to have run out (expires_in) is renewed before the
	 * request rather than after its 401.
	 */
	if (rq->auth == AUTH_BEARER && tq->access_until != 0 &&
	    now_ms() >= tq->access_until) {
		log_debug("%s: the token has run out, renewing it first",
			  rq->what);
		st = tq->refresh != NULL
			 ? tq_token(tq, GRANT_REFRESH, err, errsz)
			 : ST_AUTH;
		if (st == ST_AUTH) {
			refreshed = 1;
			st = tq_token(tq, GRANT_LOGIN, err, errsz);
		}
		if (st != ST_OK)
			return st;
	}
	for (;;) {
		cc = perform(tq, rq, rs);
		log_debug("%s: %s, HTTP %ld, %zu bytes", rq->what,
			  cc == CURLE_OK ? "done" : curl_easy_strerror(cc),
			  rs->code, rs->body.len);
		if (cc != CURLE_OK) {
			if (rs->toobig) {
				snprintf(err, errsz,
					 "%s: response larger than "
					 "%u bytes",
					 rq->what, TQ_MAX_RESPONSE);
				return ST_TEMP;
			}
			log_esc(msg, sizeof(msg),
				tq->curlerr[0] ? tq->curlerr
					       : curl_easy_strerror(cc),
				strlen(tq->curlerr[0]
					   ? tq->curlerr
					   : curl_easy_strerror(cc)));
			snprintf(err, errsz, "%s: %s (%s)", rq->what, msg,
				 tq->host);
			if (cc == CURLE_PEER_FAILED_VERIFICATION &&
			    tls_reason(tq, why, sizeof(why)) == 0)
				snprintf(err, errsz, "%s: %s (%s)", rq->what,
					 why, tq->host);
			if (curl_final(cc))
				return cc == CURLE_OUT_OF_MEMORY ? ST_NOMEM
								 : ST_CONFIG;
		} else if (rs->code >= 200 && rs->code <= 299) {
			if (!is_json_ctype(rs->ctype)) {
				log_esc(msg, sizeof(msg), rs->ctype,
					strlen(rs->ctype));
				snprintf(err, errsz,
					 "%s: HTTP %ld with "
					 "Content-Type '%s', not JSON",
					 rq->what, rs->code, msg);
				return ST_TEMP;
			}
			if (tqjson_has_errors(rs->body.p, rs->body.len)) {
				server_msg(rs, msg, sizeof(msg));
				snprintf(err, errsz,
					 "%s: HTTP %ld with errors: "
					 "%s",
					 rq->what, rs->code, msg);
				log_warn("%s", err);
				return ST_MSG_BAD;
			}
			return ST_OK;
		} else if (rs->code == 401 && rq->auth == AUTH_BEARER) {
			/* Refresh once, else (or then) log in once, else stop.
			 */
			if (!refreshed && tq->refresh != NULL) {
				refreshed = 1;
				log_info("%s: HTTP 401, refreshing the token",
					 rq->what);
				st = tq_token(tq, GRANT_REFRESH, err, errsz);
				if (st == ST_OK)
					continue;
				if (st != ST_AUTH)
					return st;
				log_warn("%s; logging in again", err);
			}
			if (relogged) {
				snprintf(err, errsz,
					 "%s: HTTP 401 with a fresh "
					 "token from %s",
					 rq->what, tq->host);
				return ST_AUTH;
			}
			relogged = 1;
			log_info("%s: HTTP 401, logging in again", rq->what);
			if ((st = tq_token(tq, GRANT_LOGIN, err, errsz)) !=
			    ST_OK)
				return st;
			continue;
		} else if (rs->code == 429 || rs->code >= 500) {
			server_msg(rs, msg, sizeof(msg));
			snprintf(err, errsz, "%s: HTTP %ld: %s", rq->what,
				 rs->code, msg);
		} else {
			server_msg(rs, msg, sizeof(msg));
			snprintf(err, errsz, "%s: HTTP %ld: %s", rq->what,
				 rs->code, msg);
			if (rs->code >= 400 && rs->code <= 499) {
				log_warn("%s", err);
				return ST_MSG_BAD;
			}
			return ST_TEMP; /* 1xx, 3xx: not what we asked for */
		}

		/* Retryable. */
		if (++tries > tq->max_retries) {
			log_warn("%s; giving up after %d attempt(s)", err,
				 tries);
			return ST_TEMP;
		}
		delay = backoff_ms(tq, tries);
		if (rs->code == 429 && rs->retry_after > 0) {
			if (rs->retry_after >
			    (budget - (now_ms() - t0)) / 1000) {
				log_warn("%s; Retry-After %ld s is past the "
					 "retry budget",
					 err, rs->retry_after);
				return ST_TEMP;
			}
			delay = rs->retry_after * 1000L;
		}
		if (now_ms() - t0 + delay > budget) {
			log_warn("%s; giving up after %d attempt(s) in %ld ms",
				 err, tries, now_ms() - t0);
			return ST_TEMP;
		}
		log_warn("%s; retry %d/%d in %ld ms", err, tries,
			 tq->max_retries, delay);
		tq_sleep(delay);
		if (rq->dedup_md5 != NULL && rq->dedup_id != NULL) {
			/* The lost response may have been a success. */
			if ((st = lookup_md5(tq, rq->dedup_md5, rq->dedup_id,
					     err, errsz)) != ST_OK)
				return st;
			if (*rq->dedup_id > 0)
				return ST_OK;
		}
	}
}

/* The escaped account name for messages: the email, or "client credentials". */
static const char *
who(const struct tq *tq, char *out, size_t outsz)
{
	if (tq->client_secret != NULL || tq->username == NULL) {
		snprintf(out, outsz, "API client credentials");
		return out;
	}
	out[0] = '\'';
	log_esc(out + 1, outsz - 2, tq->username, strlen(tq->username));
	strncat(out, "'", outsz - strlen(out) - 1);
	return out;
}

/*
 * Get a token: the configured grant, or a refresh.  ST_AUTH when it is
 * refused (400/401/403), ST_TEMP when ThreatQ cannot be reached.
 */
static enum status
tq_token(struct tq *tq, enum tq_grant g, char *err, size_t errsz)
{
	struct tq_req rq;
	struct tq_resp rs;
	struct buf path;
	cJSON *o = NULL;
	char *body = NULL, *esc_rt = NULL, *acc, *ref;
	char e2[256], name[LOG_ESC_SIZE + 4], msg[LOG_ESC_SIZE];
	long exp;
	enum status st = ST_NOMEM;

	memset(&rq, 0, sizeof(rq));
	resp_init(&rs);
	buf_init(&path, TQ_MAX_PATH);
	rq.what = "POST /api/token";
	rq.post = 1;
	if (g == GRANT_REFRESH) {
		if ((esc_rt = curl_easy_escape(tq->curl, tq->refresh, 0)) ==
			NULL ||
		    buf_addf(&path,
			     "/token?grant_type=refresh_token"
			     "&refresh_token=%s",
			     esc_rt) == -1)
			goto nomem;
		rq.ctype = "application/json";
		rq.body = "{}";
		rq.what = "POST /api/token (refresh)";
	} else if (tq->client_secret != NULL) {
		if (buf_adds(&path, "/token?grant_type=client_credentials") ==
		    -1)
			goto nomem;
		rq.ctype = "application/x-www-form-urlencoded";
		rq.body = "grant_type=client_credentials";
		rq.auth = AUTH_BASIC;
	} else {
		/* References: no copy of the password is left behind. */
		if (buf_adds(&path, "/token") == -1 ||
		    (o = cJSON_CreateObject()) == NULL ||
		    cJSON_AddStringToObject(o, "grant_type", "password") ==
			NULL)
			goto nomem;
		cJSON_AddItemToObject(
		    o, "client_id", cJSON_CreateStringReference(tq->client_id));
		cJSON_AddItemToObject(
		    o, "email", cJSON_CreateStringReference(tq->username));
		cJSON_AddItemToObject(
		    o, "password", cJSON_CreateStringReference(tq->password));
		if (cJSON_GetArraySize(o) != 4 ||
		    (body = cJSON_PrintUnformatted(o)) == NULL)
			goto nomem;
		rq.ctype = "application/json";
		rq.body = body;
	}
	rq.path = path.p;
	rq.bodylen = strlen(rq.body);

	st = tq_call(tq, &rq, &rs, err, errsz);
	if (st == ST_MSG_BAD) {
		server_msg(&rs, msg, sizeof(msg));
		if (rs.code == 400 || rs.code == 401 || rs.code == 403) {
			if (g == GRANT_REFRESH)
				snprintf(err, errsz,
					 "token refresh on %s "
					 "refused (HTTP %ld: %s)",
					 tq->host, rs.code, msg);
			else
				snprintf(err, errsz,
					 "[threatq] login as %s "
					 "on %s refused (HTTP %ld: %s)",
					 who(tq, name, sizeof(name)), tq->host,
					 rs.code, msg);
			st = ST_AUTH;
		} else {
			snprintf(err, errsz, "%s on %s: HTTP %ld: %s", rq.what,
				 tq->host, rs.code, msg);
			st = ST_CONFIG;
		}
		goto out;
	}
	if (st != ST_OK)
		goto out;
	if (tqjson_token(rs.body.p, rs.body.len, &acc, &ref, &exp, e2,
			 sizeof(e2)) == -1) {
		snprintf(err, errsz, "%s on %s: %s", rq.what, tq->host, e2);
		st = ST_TEMP;
		goto out;
	}
	log_add_secret(acc);
	log_add_secret(ref);
	free_secret(tq->access);
	tq->access = acc;
	if (ref != NULL || g == GRANT_LOGIN) {
		free_secret(tq->refresh);
		tq->refresh = ref;
	}
	/* Renewed a little early: a tenth of its life, at most a minute. */
	if (exp > TQ_TOKEN_MAX_LIFE)
		exp = TQ_TOKEN_MAX_LIFE;
	tq->access_until =
	    exp > 0 ? now_ms() + exp * 1000L -
			  (exp / 10 < TQ_TOKEN_MARGIN ? exp / 10
						      : TQ_TOKEN_MARGIN) *
			      1000L
		    : 0;
	log_debug("%s: token valid for %ld s", rq.what, exp);
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "out of memory");
	st = ST_NOMEM;
out:
	if (rs.body.p != NULL)
		wipe(rs.body.p);
	resp_free(&rs);
	if (path.p != NULL)
		wipe(path.p);
	buf_free(&path);
	if (body != NULL)
		wipe(body);
	free(body);
	cJSON_Delete(o);
	if (esc_rt != NULL)
		wipe(esc_rt);
	curl_free(esc_rt);
	return st;
}

/* GET path and parse pages into cat, following "total". */
static enum status
tq_catalogue(struct tq *tq, const char *path, const char *what,
	     struct tqjson_cat *cat, char *err, size_t errsz)
{
	struct tq_req rq;
	struct tq_resp rs;
	char p[TQ_MAX_PATH], e2[256];
	long offset = 0, total;
	size_t npage;
	int pages;
	enum status st = ST_OK;

	memset(&rq, 0, sizeof(rq));
	resp_init(&rs);
	rq.what = what;
	rq.path = p;
	rq.auth = AUTH_BEARER;
	for (pages = 0;; pages++) {
		if (pages >= TQ_MAX_PAGES) {
			snprintf(err, errsz, "%s: more than %d pages", what,
				 TQ_MAX_PAGES);
			st = ST_TEMP;
			break;
		}
		snprintf(p, sizeof(p), "%s?limit=%d&offset=%ld", path,
			 TQ_PAGE_LIMIT, offset);
		if ((st = tq_call(tq, &rq, &rs, err, errsz)) != ST_OK)
			break;
		if (tqjson_cat_page(rs.body.p, rs.body.len, cat,
				    TQ_MAX_CATALOGUE, &total, &npage, e2,
				    sizeof(e2)) == -1) {
			snprintf(err, errsz, "%s: %s", what, e2);
			st = ST_TEMP;
			break;
		}
		offset += (long)npage;
		if (npage == 0 || total < 0 || offset >= total)
			break;
	}
	resp_free(&rs);
	return st;
}

/* "Active, Review, ..." for a message, bounded. */
static void
cat_names(const struct tqjson_cat *cat, char *out, size_t outsz)
{
	char esc[LOG_ESC_SIZE];
	size_t i, len;

	out[0] = '\0';
	for (i = 0; i < cat->n; i++) {
		log_esc(esc, sizeof(esc), cat->v[i].name,
			strlen(cat->v[i].name));
		len = strlen(out);
		if (len + strlen(esc) + 8 >= outsz) {
			strncat(out, ", ...", outsz - len - 1);
			break;
		}
		snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", esc);
	}
}

static char *
must_dup(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

enum status
tq_open(const struct tq_opts *o, struct tq **out, char *err, size_t errsz)
{
	static const char *const cats[3][2] = {
	    {"/indicator/types", "GET /api/indicator/types"},
	    {"/indicator/statuses", "GET /api/indicator/statuses"},
	    {"/attachments/types", "GET /api/attachments/types"},
	};
	struct tqjson_cat *catp[3];
	const struct tqjson_entry *e;
	struct tq *tq;
	char esc[LOG_ESC_SIZE], known[512];
	int fail = 0, i;
	enum status st = ST_NOMEM;

	*out = NULL;
	err[0] = '\0';
	if ((tq = calloc(1, sizeof(*tq))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	if (o->client_id == NULL || *o->client_id == '\0' ||
	    o->status == NULL || *o->status == '\0' ||
	    (o->client_secret == NULL &&
	     (o->username == NULL || o->password == NULL))) {
		snprintf(err, errsz,
			 "[threatq] client_id, status and either "
			 "client_secret or username and password are required");
		st = ST_CONFIG;
		goto out;
	}
	if ((st = make_base(tq, o->host, err, errsz)) != ST_OK)
		goto out;
	tq->client_id = must_dup(o->client_id, &fail);
	tq->client_secret = must_dup(o->client_secret, &fail);
	tq->username = must_dup(o->username, &fail);
	tq->password = must_dup(o->password, &fail);
	tq->source = must_dup(o->source, &fail);
	tq->ca_file = must_dup(o->ca_file, &fail);
	if (fail) {
		snprintf(err, errsz, "out of memory");
		st = ST_NOMEM;
		goto out;
	}
	log_add_secret(tq->password);
	log_add_secret(tq->client_secret);
	tq->verify_tls = o->verify_tls;
	tq->connect_timeout = o->connect_timeout > 0 ? o->connect_timeout
						     : TQ_DEF_CONNECT_TIMEOUT;
	tq->timeout = o->timeout > 0 ? o->timeout : TQ_DEF_TIMEOUT;
	tq->max_retries =
	    o->max_retries >= 0 ? o->max_retries : TQ_DEF_MAX_RETRIES;
	tq->max_retry_time =
	    o->max_retry_time > 0 ? o->max_retry_time : TQ_DEF_MAX_RETRY_TIME;
	tq->rng = (uint32_t)now_ms() ^ (uint32_t)(uintptr_t)tq;
	if (tq->rng == 0)
		tq->rng = 1;
	for (i = 0; i < IOC_NTYPES; i++)
		tq->type_ids[i] = -1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsz, "libcurl initialisation failed");
		st = ST_CONFIG;
		goto out;
	}
	tq->curl_global = 1;
	if ((tq->curl = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "libcurl: no handle");
		st = ST_NOMEM;
		goto out;
	}
	if (!tq->verify_tls)
		log_warn("[threatq] verify_tls = 0: the TLS certificate of %s "
			 "is NOT verified; anyone on the path can read the "
			 "credentials and the data",
			 tq->host);

	if ((st = tq_token(tq, GRANT_LOGIN, err, errsz)) != ST_OK)
		goto out;
	catp[0] = &tq->itypes;
	catp[1] = &tq->statuses;
	catp[2] = &tq->atypes;
	for (i = 0; i < 3; i++) {
		st = tq_catalogue(tq, cats[i][0], cats[i][1], catp[i], err,
				  errsz);
		/* A 4xx on a catalogue: the account or the instance is
		 * unusable. */
		if (st == ST_MSG_BAD)
			st = ST_CONFIG;
		if (st != ST_OK)
			goto out;
	}

	if ((e = tqjson_cat_find(&tq->statuses, o->status)) == NULL) {
		log_esc(esc, sizeof(esc), o->status, strlen(o->status));
		cat_names(&tq->statuses, known, sizeof(known));
		snprintf(err, errsz,
			 "[threatq] status '%s' is not an "
			 "indicator status of %s (known: %s)",
			 esc, tq->host, known);
		st = ST_CONFIG;
		goto out;
	}
	if ((tq->status = strdup(e->name)) == NULL) {
		snprintf(err, errsz, "out of memory");
		st = ST_NOMEM;
		goto out;
	}
	for (i = 0; i < IOC_NTYPES; i++) {
		e = tqjson_cat_find(&tq->itypes,
				    ioc_type_name((enum ioc_type)i));
		if (e != NULL) {
			tq->type_names[i] = e->name;
			tq->type_ids[i] = e->id;
		}
	}
	log_info("[threatq] logged in to %s: %zu indicator types, %zu "
		 "statuses, %zu attachment types",
		 tq->host, tq->itypes.n, tq->statuses.n, tq->atypes.n);
	*out = tq;
	tq = NULL;
	err[0] = '\0';
	st = ST_OK;
out:
	tq_close(tq);
	return st;
}

/* Is s 32 lower- or upper-case hex digits? */
static int
is_md5(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return s[32] == '\0';
}

/* The file with this MD5: *id, or 0 when ThreatQ has none. */
static enum status
lookup_md5(struct tq *tq, const char *md5, long *id, char *err, size_t errsz)
{
	struct tq_req rq;
	struct tq_resp rs;
	char path[64], what[96], e2[256];
	enum status st;
	int r;

	*id = 0;
	if (md5 == NULL || !is_md5(md5)) {
		snprintf(err, errsz, "attachment lookup: bad MD5");
		return ST_MSG_BAD;
	}
	snprintf(path, sizeof(path), "/attachments?hash=%s", md5);
	snprintf(what, sizeof(what), "GET /api/attachments?hash=%s", md5);
	memset(&rq, 0, sizeof(rq));
	rq.what = what;
	rq.path = path;
	rq.auth = AUTH_BEARER;
	resp_init(&rs);
	if ((st = tq_call(tq, &rq, &rs, err, errsz)) == ST_OK) {
		r = tqjson_lookup(rs.body.p, rs.body.len, md5, id, e2,
				  sizeof(e2));
		if (r == -1) {
			snprintf(err, errsz, "%s: %s", what, e2);
			st = ST_TEMP;
		}
	}
	resp_free(&rs);
	return st;
}

struct tq_attr {
	const char *name;
	const char *value;
};

static int
mime_field(curl_mime *m, const char *name, const char *value)
{
	curl_mimepart *p;

	if (value == NULL)
		return 0;
	if ((p = curl_mime_addpart(m)) == NULL ||
	    curl_mime_name(p, name) != CURLE_OK ||
	    curl_mime_data(p, value, CURL_ZERO_TERMINATED) != CURLE_OK)
		return -1;
	return 0;
}

/*
 * The file part of an upload is read from the caller's buffer as libcurl
 * sends it (curl_mime_data() would copy it: a 34 MB message was held
 * twice).  The seek is for libcurl's own rewinds.
 */
static size_t
memsrc_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct memsrc *m = arg;
	size_t n = size * nitems;

	if (n > m->len - m->off)
		n = m->len - m->off;
	if (n > 0 && m->p != NULL)
		memcpy(buf, m->p + m->off, n);
	m->off += n;
	return n;
}

static int
memsrc_seek(void *arg, curl_off_t offset, int origin)
{
	struct memsrc *m = arg;

	if (origin != SEEK_SET || offset < 0 || (size_t)offset > m->len)
		return CURL_SEEKFUNC_CANTSEEK;
	m->off = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* What an upload sends; its multipart body is built per attempt. */
struct upload_args {
	const char *name;
	const char *title;
	const char *type;
	const char *tlp;
	const struct tq_attr *attrs;
	size_t nattrs;
	struct memsrc src;
};

static curl_mime *
upload_mime(struct tq *tq, void *arg)
{
	struct upload_args *u = arg;
	curl_mime *m;
	curl_mimepart *p;
	char f[64];
	size_t i, k;

	if ((m = curl_mime_init(tq->curl)) == NULL)
		return NULL;
	if (mime_field(m, "name", u->name) == -1 ||
	    mime_field(m, "title", u->title != NULL ? u->title : u->name) ==
		-1 ||
	    mime_field(m, "type", u->type) == -1 ||
	    mime_field(m, "malware_locked", "0") == -1)
		goto fail;
	if (tq->source != NULL && *tq->source != '\0' &&
	    (mime_field(m, "sources[0][name]", tq->source) == -1 ||
	     (u->tlp != NULL &&
	      mime_field(m, "sources[0][tlp][name]", u->tlp) == -1)))
		goto fail;
	for (i = k = 0; i < u->nattrs; i++) {
		if (u->attrs[i].value == NULL || *u->attrs[i].value == '\0')
			continue;
		snprintf(f, sizeof(f), "attributes[%zu][name]", k);
		if (mime_field(m, f, u->attrs[i].name) == -1)
			goto fail;
		snprintf(f, sizeof(f), "attributes[%zu][value]", k++);
		if (mime_field(m, f, u->attrs[i].value) == -1)
			goto fail;
	}
	u->src.off = 0;
	if ((p = curl_mime_addpart(m)) == NULL ||
	    curl_mime_name(p, "file") != CURLE_OK ||
	    curl_mime_filename(p, u->name) != CURLE_OK ||
	    curl_mime_type(p, "application/octet-stream") != CURLE_OK ||
	    curl_mime_data_cb(p, (curl_off_t)u->src.len, memsrc_read,
			      memsrc_seek, NULL, &u->src) != CURLE_OK)
		goto fail;
	return m;
fail:
	curl_mime_free(m);
	return NULL;
}

/*
 * Upload one file as multipart (fields of the wire contract).  Before a
 * retry the file is looked up by MD5: a lost 201 is not a second file.
 */
static enum status
upload(struct tq *tq, const char *name, const char *title, const char *type,
       const void *data, size_t size, const char *md5, enum tlp tlp,
       const struct tq_attr *attrs, size_t nattrs, long *id, char *err,
       size_t errsz)
{
	struct upload_args u = {name,  title,  type,	       tlp_name(tlp),
				attrs, nattrs, {data, size, 0}};
	struct tq_req rq;
	struct tq_resp rs;
	char esc[LOG_ESC_SIZE], what[LOG_ESC_SIZE + 64];
	char e2[256];
	long found = 0;
	enum status st;

	*id = 0;
	resp_init(&rs);
	log_esc(esc, sizeof(esc), name, strlen(name));
	snprintf(what, sizeof(what), "POST /api/attachments '%s'", esc);
	memset(&rq, 0, sizeof(rq));
	rq.what = what;
	rq.path = "/attachments";
	rq.post = 1;
	rq.mime_make = upload_mime;
	rq.mime_arg = &u;
	rq.auth = AUTH_BEARER;
	rq.dedup_md5 = md5;
	rq.dedup_id = &found;
	if ((st = tq_call(tq, &rq, &rs, err, errsz)) != ST_OK)
		goto out;
	if (found > 0) {
		log_info("%s: found by MD5 after a lost response (id %ld)",
			 what, found);
		*id = found;
		goto out;
	}
	if (tqjson_data_id(rs.body.p, rs.body.len, id, e2, sizeof(e2)) == -1) {
		snprintf(err, errsz, "%s: %s", what, e2);
		st = ST_TEMP;
	}
out:
	resp_free(&rs);
	return st;
}

/* POST a JSON body; ST_OK leaves the response in rs. */
static enum status
post_json(struct tq *tq, const char *what, const char *path, const char *body,
	  struct tq_resp *rs, char *err, size_t errsz)
{
	struct tq_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.what = what;
	rq.path = path;
	rq.post = 1;
	rq.ctype = "application/json";
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.auth = AUTH_BEARER;
	return tq_call(tq, &rq, rs, err, errsz);
}

/*
 * The instance's name for an attachment type.  A type the instance lacks
 * (the defaults have PDF, Spearphish Attachment and Generic Text, so it was
 * renamed or removed) falls back to Generic Text with a warning: the file
 * is kept rather than the message refused.  Without Generic Text either:
 * ST_CONFIG.
 */
static enum status
att_type(struct tq *tq, const char *want, const char **name, char *err,
	 size_t errsz)
{
	const struct tqjson_entry *e;
	char esc[LOG_ESC_SIZE];

	if (want == NULL)
		want = TQ_FALLBACK_TYPE;
	if ((e = tqjson_cat_find(&tq->atypes, want)) != NULL) {
		*name = e->name;
		return ST_OK;
	}
	log_esc(esc, sizeof(esc), want, strlen(want));
	if ((e = tqjson_cat_find(&tq->atypes, TQ_FALLBACK_TYPE)) == NULL) {
		snprintf(err, errsz,
			 "[threatq] neither '%s' nor '" TQ_FALLBACK_TYPE
			 "' is an attachment type of %s",
			 esc, tq->host);
		return ST_CONFIG;
	}
	log_warn("[threatq] attachment type '%s' is not known to %s; using "
		 "'%s'",
		 esc, tq->host, e->name);
	*name = e->name;
	return ST_OK;
}

/*
 * Indicators of a type the instance does not define are left out, said once
 * per run per type: quietly (info) for Bitcoin Address, which only some
 * instances add, as a warning for the others.
 */
static void
drop_unknown_types(struct tq *tq, struct tqjson_inds *inds)
{
	size_t i, k = 0;

	for (i = 0; i < inds->n; i++) {
		struct tqjson_ind *it = &inds->v[i];
		int t = (int)it->type;

		if (t >= 0 && t < IOC_NTYPES && tq->type_ids[t] >= 0) {
			inds->v[k++] = *it;
			continue;
		}
		if (t >= 0 && t < IOC_NTYPES && !tq->type_warned[t]) {
			tq->type_warned[t] = 1;
			log_msg(it->type == IOC_BTC ? LL_INFO : LL_WARN,
				"ThreatQ %s has no indicator type '%s': such "
				"indicators are left out",
				tq->host, ioc_type_name(it->type));
		}
		free(it->reports);
		free(it->atts);
	}
	inds->n = k;
}

enum status
tq_push(struct tq *tq, const struct plan *p, struct tq_result *res, char *err,
	size_t errsz)
{
	struct tq_attr fattrs[5 + TQ_SKIPPED_ATTRS];
	char *notes[TQ_SKIPPED_ATTRS] = {NULL};
	size_t nfa;
	struct tqjson_inds inds;
	struct tq_resp rs;
	const char *ftype, **atype = NULL, **vals = NULL;
	long *att_ids = NULL, *rep_ids = NULL, *ids = NULL;
	long fid = 0;
	char *body = NULL, path[64], what[96], e2[256];
	size_t i, j, n, req0 = tq->requests;
	enum status st = ST_NOMEM;

	memset(res, 0, sizeof(*res));
	memset(&inds, 0, sizeof(inds));
	resp_init(&rs);
	err[0] = '\0';

	/* Everything the instance must know, before the first write. */
	if ((st = att_type(tq, p->file_type, &ftype, err, errsz)) != ST_OK)
		goto out;
	if ((p->natts > 0 &&
	     ((atype = calloc(p->natts, sizeof(*atype))) == NULL ||
	      (att_ids = calloc(p->natts, sizeof(*att_ids))) == NULL)) ||
	    (p->nreports > 0 &&
	     ((rep_ids = calloc(p->nreports, sizeof(*rep_ids))) == NULL ||
	      (vals = calloc(p->nreports, sizeof(*vals))) == NULL)) ||
	    (ids = calloc(TQJSON_BATCH, sizeof(*ids))) == NULL)
		goto nomem;
	for (i = 0; i < p->natts; i++)
		if ((st = att_type(tq, p->atts[i].type, &atype[i], err,
				   errsz)) != ST_OK)
			goto out;

	/* 1-2. The email file: found by MD5, else uploaded. */
	if ((st = lookup_md5(tq, p->md5, &fid, err, errsz)) != ST_OK)
		goto out;
	if (fid > 0)
		res->file_existed = 1;
	else {
		fattrs[0].name = "TLP";
		fattrs[0].value = tlp_name(p->tlp);
		fattrs[1].name = "Email Subject";
		fattrs[1].value = p->subject;
		fattrs[2].name = "Email From";
		fattrs[2].value = p->from;
		fattrs[3].name = "Message-ID";
		fattrs[3].value = p->message_id;
		fattrs[4].name = "Received Date";
		fattrs[4].value = p->published_at;
		for (nfa = 5;
		     nfa - 5 < p->nskipped && nfa - 5 < TQ_SKIPPED_ATTRS;
		     nfa++) {
			if ((notes[nfa - 5] = plan_skipped_note(
				 &p->skipped[nfa - 5])) == NULL)
				goto nomem;
			fattrs[nfa].name = PLAN_SKIPPED_ATTR;
			fattrs[nfa].value = notes[nfa - 5];
		}
		if ((st = upload(tq, p->file_name, p->file_title, ftype, p->raw,
				 p->size, p->md5, p->tlp, fattrs, nfa, &fid,
				 err, errsz)) != ST_OK)
			goto out;
	}
	res->file_id = fid;

	/* 3. Attachments, then one call relating them to the email file. */
	for (i = 0; i < p->natts; i++) {
		const struct plan_att *a = &p->atts[i];

		for (j = 0; j < i; j++)
			if (strcmp(p->atts[j].md5, a->md5) == 0)
				break;
		if (j < i) {
			att_ids[i] = att_ids[j]; /* same bytes twice */
			continue;
		}
		if (res->file_existed &&
		    (st = lookup_md5(tq, a->md5, &att_ids[i], err, errsz)) !=
			ST_OK)
			goto out;
		if (att_ids[i] > 0)
			continue;
		fattrs[0].name = "TLP";
		fattrs[0].value = tlp_name(p->tlp);
		if ((st = upload(tq, a->name, a->name, atype[i], a->data,
				 a->size, a->md5, p->tlp, fattrs, 1,
				 &att_ids[i], err, errsz)) != ST_OK)
			goto out;
	}
	if (p->natts > 0) {
		snprintf(path, sizeof(path), "/attachments/%ld/attachments",
			 fid);
		snprintf(what, sizeof(what), "POST /api%s", path);
		if ((body = tqjson_id_list(att_ids, p->natts)) == NULL)
			goto nomem;
		if ((st = post_json(tq, what, path, body, &rs, err, errsz)) !=
		    ST_OK)
			goto out;
		if (tqjson_data_array(rs.body.p, rs.body.len, &n, e2,
				      sizeof(e2)) == -1) {
			snprintf(err, errsz, "%s: %s", what, e2);
			st = ST_TEMP;
			goto out;
		}
		free(body);
		body = NULL;
	}
	res->attachments = p->natts;

	/* 4. Reports, matched back by value. */
	for (i = 0; i < p->nreports; i += n) {
		n = p->nreports - i;
		if (n > TQJSON_BATCH)
			n = TQJSON_BATCH;
		if ((body = tqjson_reports(p, i, n, tq->source, fid)) == NULL)
			goto nomem;
		if ((st = post_json(tq, "POST /api/report/consume",
				    "/report/consume", body, &rs, err,
				    errsz)) != ST_OK)
			goto out;
		if (vals == NULL)
			goto nomem; /* allocated whenever there are reports */
		for (j = 0; j < n; j++)
			vals[j] = p->reports[i + j].title;
		if (tqjson_ids_by_value(rs.body.p, rs.body.len, vals, n,
					rep_ids + i, e2, sizeof(e2)) == -1) {
			snprintf(err, errsz, "POST /api/report/consume: %s",
				 e2);
			st = ST_TEMP;
			goto out;
		}
		free(body);
		body = NULL;
	}
	res->reports = p->nreports;

	/* 5. Indicators, one item per (type, value) with all its relations. */
	if (tqjson_inds_build(p, rep_ids, att_ids, fid, &inds) == -1) {
		snprintf(err, errsz,
			 "indicators: out of memory or more than "
			 "%d",
			 TQJSON_MAX_INDICATORS);
		st = ST_NOMEM;
		goto out;
	}
	drop_unknown_types(tq, &inds);
	for (i = 0; i < inds.n; i += n) {
		n = inds.n - i;
		if (n > TQJSON_BATCH)
			n = TQJSON_BATCH;
		if ((body = tqjson_inds_json(&inds, i, n, tq->type_names,
					     tq->status, tq->source)) == NULL)
			goto nomem;
		if ((st = post_json(tq, "POST /api/indicators/consume",
				    "/indicators/consume", body, &rs, err,
				    errsz)) != ST_OK)
			goto out;
		if (tqjson_inds_ids(rs.body.p, rs.body.len, &inds, i, n,
				    tq->type_ids, ids, e2, sizeof(e2)) == -1) {
			snprintf(err, errsz,
				 "POST /api/indicators/consume "
				 "(items %zu-%zu): %s",
				 i, i + n - 1, e2);
			st = ST_TEMP;
			goto out;
		}
		free(body);
		body = NULL;
	}
	res->indicators = inds.n;
	err[0] = '\0'; /* retries that ended well leave no message */
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "out of memory");
	st = ST_NOMEM;
out:
	res->requests = tq->requests - req0;
	for (i = 0; i < TQ_SKIPPED_ATTRS; i++)
		free(notes[i]);
	tqjson_inds_free(&inds);
	resp_free(&rs);
	free(body);
	free(atype);
	free(vals);
	free(att_ids);
	free(rep_ids);
	free(ids);
	return st;
}

size_t
tq_requests(const struct tq *tq)
{
	return tq == NULL ? 0 : tq->requests;
}

enum status
tq_clone(const struct tq *parent, struct tq **out, char *err, size_t errsz)
{
	struct tq *tq;

	*out = NULL;
	if ((tq = malloc(sizeof(*tq))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	/*
	 * Everything tq_push only reads (the base URL, credentials, the
	 * catalogues and the type names pointing into them) is borrowed; what
	 * it changes (the curl handle, the tokens, the warnings given, the
	 * request count, the jitter) is the clone's own.
	 */
	*tq = *parent;
	tq->borrowed = 1;
	tq->curl_global = 0;
	tq->requests = 0;
	tq->curlerr[0] = '\0';
	tq->rng = parent->rng ^ (uint32_t)(uintptr_t)tq;
	if (tq->rng == 0)
		tq->rng = 1;
	tq->access = NULL;
	tq->refresh = NULL;
	if ((tq->curl = curl_easy_init()) == NULL ||
	    (parent->access != NULL &&
	     (tq->access = strdup(parent->access)) == NULL) ||
	    (parent->refresh != NULL &&
	     (tq->refresh = strdup(parent->refresh)) == NULL)) {
		tq_close(tq);
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	*out = tq;
	return ST_OK;
}

void
tq_close(struct tq *tq)
{
	if (tq == NULL)
		return;
	if (tq->curl != NULL)
		curl_easy_cleanup(tq->curl);
	if (tq->borrowed) {
		free_secret(tq->access);
		free_secret(tq->refresh);
		free(tq);
		return;
	}
	if (tq->curl_global)
		curl_global_cleanup();
	tqjson_cat_free(&tq->itypes);
	tqjson_cat_free(&tq->statuses);
	tqjson_cat_free(&tq->atypes);
	free(tq->base);
	free(tq->host);
	free(tq->client_id);
	free_secret(tq->client_secret);
	free(tq->username);
	free_secret(tq->password);
	free(tq->status);
	free(tq->source);
	free(tq->ca_file);
	free_secret(tq->access);
	free_secret(tq->refresh);
	free(tq);
}
