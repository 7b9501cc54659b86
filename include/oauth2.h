/*
 * OAuth 2.0 access tokens for IMAP AUTHENTICATE XOAUTH2 (Gmail, Microsoft
 * 365): a refresh_token grant (delegated access) or a client_credentials
 * grant (app-only access), RFC 6749 section 6 and 4.4, POSTed form-encoded
 * to the configured token endpoint over verified HTTPS.
 *
 * The tokens live in a state file beside the configuration,
 * CONFIG/<name>.oauth2 (mode 0600, replaced atomically): the last access
 * token with its expiry, so that runs within its life make no token
 * request, and a refresh token the server rotated, which is then used
 * instead of the configured one.  The file is bound to the settings that
 * issued its tokens (a digest of the token URL, client id, scope and
 * configured refresh token): other settings ignore it.
 *
 * Parsing and formatting are pure (no I/O) for the tests;
 * oauth2_access_token() does the file and network work.
 */
#ifndef OAUTH2_H
#define OAUTH2_H

#include <stddef.h>

#include "hash.h"
#include "status.h"

#define OAUTH2_MAX_TOKEN 16384		/* access or refresh token, bytes */
#define OAUTH2_MAX_RESPONSE (64 * 1024) /* token endpoint answer, bytes */
#define OAUTH2_MAX_STATE (128 * 1024)	/* the state file, bytes */
#define OAUTH2_MAX_BODY (64 * 1024)	/* request body built, bytes */
#define OAUTH2_MARGIN 60L	   /* s: a cached token is renewed this early */
#define OAUTH2_MAX_LIFE 86400L	   /* s: a longer expires_in is cut to this */
#define OAUTH2_CONNECT_TIMEOUT 10L /* s: at most, within the timeout */
#define OAUTH2_STATE_EXT ".oauth2"

struct oauth2_opts {
	const char *token_url;	   /* https:// */
	const char *client_id;	   /* required */
	const char *client_secret; /* NULL: none sent (public client) */
	const char *refresh_token; /* configured; NULL: client_credentials */
	const char *scope;	   /* NULL: none sent */
	const char *ca_file;	   /* NULL: the system trust store */
	long timeout;		   /* seconds for the request; 0: 60 */
	const char *state_path;	   /* CONFIG/<name>.oauth2, or NULL */
	/*
	 * The proxy for the token request, a libcurl proxy URL without
	 * credentials (socks5h://host:port, http://host:port, ...), with
	 * proxy_username and proxy_password (may be NULL) sent to it; NULL:
	 * libcurl's environment variables (https_proxy, no_proxy, ...).
	 */
	const char *proxy;
	const char *proxy_username;
	const char *proxy_password;
};

/* A successful token response. */
struct oauth2_token {
	char *access;
	char *refresh;	 /* NULL when the server sent none */
	long expires_in; /* seconds, at most OAUTH2_MAX_LIFE; 0: not said */
};

/* The state file's content. */
struct oauth2_state {
	char *access;	      /* NULL: none cached */
	long long expires_at; /* time(2) when access runs out; 0: unknown */
	char *refresh;	      /* rotated refresh token, or NULL */
};

/*
 * The request body, application/x-www-form-urlencoded: grant_type,
 * refresh_token (when refresh is not NULL; else client_credentials),
 * client_id, client_secret and scope when set.  Malloc'd, holding secrets
 * (oauth2_free_secret it); NULL on ENOMEM or past OAUTH2_MAX_BODY.
 */
char *oauth2_form(const struct oauth2_opts *, const char *refresh);

/*
 * Parse a 2xx answer of the token endpoint: a JSON object with a string
 * access_token (printable ASCII without spaces, at most OAUTH2_MAX_TOKEN),
 * token_type Bearer if present, expires_in as a number or a string of
 * digits if present, refresh_token if present.  0 with *tok filled
 * (free with oauth2_token_free), or -1 with err saying what is wrong
 * (never a token).
 */
int oauth2_parse_token(const char *buf, size_t len, struct oauth2_token *tok,
		       char *err, size_t errsz);

/*
 * The error of a refused request, RFC 6749 section 5.2: "error" and, when
 * present, ": error_description", escaped for a log line.  Writes "" when
 * the body holds neither.
 */
void oauth2_parse_error(const char *buf, size_t len, char *out, size_t outsz);

/* A token as a token endpoint may issue it: printable ASCII, no space. */
int oauth2_token_ok(const char *s);

/*
 * The state file's binding: SHA-256 of the token URL, client id, scope and
 * configured refresh token.  0, or -1.
 */
int oauth2_binding(const struct oauth2_opts *, char out[HASH_SHA256_HEX]);

/*
 * Parse a state file's text.  A file bound to other settings, or one that
 * does not parse, gives an empty state and -1 with err saying why (the
 * caller warns and goes on without it); 0 otherwise.
 */
int oauth2_state_parse(const char *buf, size_t len, const char *binding,
		       struct oauth2_state *st, char *err, size_t errsz);

/* The state file's text, malloc'd (wipe and free it); NULL on ENOMEM. */
char *oauth2_state_format(const char *binding, const struct oauth2_state *);

/*
 * When a token with expires_in seconds of life, obtained at now, runs out;
 * 0 when the life is unknown (such a token is never reused).
 */
long long oauth2_expires_at(long expires_in, long long now);

/*
 * Whether a cached token may still be used at now: more than OAUTH2_MARGIN
 * seconds left, and not more than OAUTH2_MAX_LIFE (a clock set back).
 */
int oauth2_fresh(long long expires_at, long long now);

/* CONFIG/<name>.oauth2, malloc'd; NULL on ENOMEM. */
char *oauth2_state_path(const char *dir, const char *name);

/*
 * Read the state file: ST_OK with *st filled (empty when the file does not
 * exist, is bound to other settings or is damaged: the last two with a
 * warning); ST_CONFIG when it is readable by others (err says the chmod to
 * run); ST_IO when it cannot be read.  Tokens read are registered with
 * log_add_secret().
 */
enum status oauth2_state_read(const char *path, const char *binding,
			      struct oauth2_state *st, char *err, size_t errsz);

/* Replace the state file: temporary file, fsync, rename, mode 0600. */
enum status oauth2_state_write(const char *path, const char *binding,
			       const struct oauth2_state *, char *err,
			       size_t errsz);

/*
 * An access token for XOAUTH2, malloc'd into *token (wipe and free it with
 * oauth2_free_secret).  Unless force is set, a fresh cached token is used
 * (*cached = 1, no request); otherwise the token endpoint is asked, with
 * the rotated refresh token of the state file, else the configured one,
 * else the client_credentials grant, and the state file is updated.
 *
 * ST_AUTH when the endpoint refuses (HTTP 400, 401, 403: err names the
 * endpoint and gives the server's error); ST_TEMP when it cannot be
 * reached, times out, answers 429 or 5xx, or sends no usable token;
 * ST_CONFIG for a certificate that does not verify, a redirect or a 404
 * (a wrong oauth2_token_url), or a state file readable by others.  err
 * never holds a secret.
 */
enum status oauth2_access_token(const struct oauth2_opts *, int force,
				char **token, int *cached, char *err,
				size_t errsz);

void oauth2_token_free(struct oauth2_token *);
void oauth2_state_free(struct oauth2_state *);
/* Overwrite a NUL-terminated secret, then free it; accepts NULL. */
void oauth2_free_secret(char *);

#endif
