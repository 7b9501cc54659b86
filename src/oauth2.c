/*
 * OAuth 2.0 access tokens for XOAUTH2: the token request (libcurl, HTTPS
 * only, certificate always verified, no redirects), the answer's parsing,
 * and the state file that caches the access token and keeps a rotated
 * refresh token.  Every buffer that held a secret is overwritten before it
 * is freed; no message ever holds one.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "atomicfile.h"
#include "bounds.h"
#include "hash.h"
#include "log.h"
#include "oauth2.h"
#include "tls.h"

#define OAUTH2_STATE_VERSION 1
#define OAUTH2_DEF_TIMEOUT 60L		/* seconds, when none is configured */
#define OAUTH2_MAX_EXPIRES 2147483647.0 /* expires_in accepted, seconds */
#define OAUTH2_MAX_EXPIRES_AT 9007199254740991.0 /* 2^53 - 1 */
#define OAUTH2_MAX_DIGITS 10			 /* expires_in as a string */
#define OAUTH2_SHOW_MAX 256 /* the token URL in messages, bytes */
#define OAUTH2_USER_AGENT "tq-conn-intel-mailbox-reports/" TQ_VERSION

/* The answer of the token endpoint, in one buffer allocated up front. */
struct resp {
	char *p;
	size_t len;
	int toobig;
};

static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (p != NULL && n-- > 0)
		*v++ = 0;
}

void
oauth2_free_secret(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

/* Overwrite every string in a parsed document (it held tokens). */
static void
json_wipe(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->valuestring != NULL)
			wipe(j->valuestring, strlen(j->valuestring));
		json_wipe(j->child);
	}
}

static void
json_free(cJSON *j)
{
	json_wipe(j);
	cJSON_Delete(j);
}

void
oauth2_token_free(struct oauth2_token *t)
{
	oauth2_free_secret(t->access);
	oauth2_free_secret(t->refresh);
	memset(t, 0, sizeof(*t));
}

void
oauth2_state_free(struct oauth2_state *st)
{
	oauth2_free_secret(st->access);
	oauth2_free_secret(st->refresh);
	memset(st, 0, sizeof(*st));
}

int
oauth2_token_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e ||
		    n >= OAUTH2_MAX_TOKEN)
			return 0;
	return n > 0;
}

/* Bytes of s form-encoded (RFC 6749 appendix B). */
static size_t
form_len(const char *s)
{
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		n += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '-' ||
			     *p == '.' || *p == '_' || *p == '*' || *p == ' '
			 ? 1
			 : 3;
	return n;
}

static char *
form_put(char *o, const char *name, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	while (*name != '\0')
		*o++ = *name++;
	*o++ = '=';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '*')
			*o++ = (char)*p;
		else if (*p == ' ')
			*o++ = '+';
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	return o;
}

/*
 * Built in one allocation of the exact size, so no copy of a secret is
 * left behind by a growing buffer.
 */
char *
oauth2_form(const struct oauth2_opts *o, const char *refresh)
{
	const char *names[5], *vals[5];
	size_t i, n = 0, len = 0;
	char *out, *p;

	names[n] = "grant_type";
	vals[n++] = refresh != NULL ? "refresh_token" : "client_credentials";
	if (refresh != NULL) {
		names[n] = "refresh_token";
		vals[n++] = refresh;
	}
	names[n] = "client_id";
	vals[n++] = o->client_id != NULL ? o->client_id : "";
	if (o->client_secret != NULL) {
		names[n] = "client_secret";
		vals[n++] = o->client_secret;
	}
	if (o->scope != NULL) {
		names[n] = "scope";
		vals[n++] = o->scope;
	}
	for (i = 0; i < n; i++) {
		if (strlen(vals[i]) > OAUTH2_MAX_BODY)
			return NULL;
		len += strlen(names[i]) + 2 + form_len(vals[i]);
	}
	if (len > OAUTH2_MAX_BODY || (out = malloc(len)) == NULL)
		return NULL;
	for (i = 0, p = out; i < n; i++) {
		if (i > 0)
			*p++ = '&';
		p = form_put(p, names[i], vals[i]);
	}
	*p = '\0';
	return out;
}

/*
 * Parse a bounded body into a document; NULL with err set.  The copy made
 * to terminate it is wiped.
 */
static cJSON *
parse(const char *buf, size_t len, size_t max, char *err, size_t errsz)
{
	cJSON *j = NULL;
	char *copy;

	if (buf == NULL || len == 0) {
		snprintf(err, errsz, "empty answer");
		return NULL;
	}
	if (len > max) {
		snprintf(err, errsz, "larger than %zu bytes", max);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errsz, "not JSON (NUL byte)");
		return NULL;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if ((j = cJSON_ParseWithOpts(copy, NULL, 1)) == NULL)
		snprintf(err, errsz, "not JSON");
	else if (!cJSON_IsObject(j)) {
		snprintf(err, errsz, "not a JSON object");
		json_free(j);
		j = NULL;
	}
	wipe(copy, len);
	free(copy);
	return j;
}

static int
ascii_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* expires_in: a number, or (older Microsoft endpoints) a digit string. */
static long
expires_in(const cJSON *v)
{
	double d = -1;
	size_t i;

	if (cJSON_IsNumber(v))
		d = v->valuedouble;
	else if (cJSON_IsString(v)) {
		for (i = 0; v->valuestring[i] != '\0'; i++)
			if (v->valuestring[i] < '0' ||
			    v->valuestring[i] > '9' || i >= OAUTH2_MAX_DIGITS)
				return 0;
		if (i > 0)
			d = strtod(v->valuestring, NULL);
	}
	if (!(d >= 1 && d <= OAUTH2_MAX_EXPIRES))
		return 0;
	return d > (double)OAUTH2_MAX_LIFE ? OAUTH2_MAX_LIFE : (long)d;
}

int
oauth2_parse_token(const char *buf, size_t len, struct oauth2_token *tok,
		   char *err, size_t errsz)
{
	const cJSON *v;
	cJSON *root;
	int rc = -1;

	memset(tok, 0, sizeof(*tok));
	if ((root = parse(buf, len, OAUTH2_MAX_RESPONSE, err, errsz)) == NULL)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	if (!cJSON_IsString(v) || !oauth2_token_ok(v->valuestring)) {
		snprintf(err, errsz, "no usable \"access_token\"");
		goto out;
	}
	if ((tok->access = strdup(v->valuestring)) == NULL)
		goto nomem;
	v = cJSON_GetObjectItemCaseSensitive(root, "token_type");
	if (v != NULL &&
	    (!cJSON_IsString(v) || !ascii_caseeq(v->valuestring, "bearer"))) {
		snprintf(err, errsz, "\"token_type\" is not Bearer");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "refresh_token");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || !oauth2_token_ok(v->valuestring)) {
			snprintf(err, errsz, "unusable \"refresh_token\"");
			goto out;
		}
		if ((tok->refresh = strdup(v->valuestring)) == NULL)
			goto nomem;
	}
	tok->expires_in =
	    expires_in(cJSON_GetObjectItemCaseSensitive(root, "expires_in"));
	rc = 0;
	goto out;
nomem:
	snprintf(err, errsz, "out of memory");
out:
	if (rc == -1)
		oauth2_token_free(tok);
	json_free(root);
	return rc;
}

void
oauth2_parse_error(const char *buf, size_t len, char *out, size_t outsz)
{
	char e[64], raw[MAX_LOG_FIELD + 1];
	const cJSON *code, *desc;
	cJSON *root;

	if (outsz > 0)
		out[0] = '\0';
	if ((root = parse(buf, len, OAUTH2_MAX_RESPONSE, e, sizeof(e))) == NULL)
		return;
	code = cJSON_GetObjectItemCaseSensitive(root, "error");
	desc = cJSON_GetObjectItemCaseSensitive(root, "error_description");
	if (cJSON_IsString(code) && cJSON_IsString(desc))
		snprintf(raw, sizeof(raw), "%s: %s", code->valuestring,
			 desc->valuestring);
	else if (cJSON_IsString(code))
		snprintf(raw, sizeof(raw), "%s", code->valuestring);
	else if (cJSON_IsString(desc))
		snprintf(raw, sizeof(raw), "%s", desc->valuestring);
	else
		raw[0] = '\0';
	if (raw[0] != '\0')
		log_esc(out, outsz, raw, strlen(raw));
	json_free(root);
}

int
oauth2_binding(const struct oauth2_opts *o, char out[HASH_SHA256_HEX])
{
	const char *parts[4];
	size_t i, len = 0;
	char *s, *p;
	int rc;

	parts[0] = o->token_url;
	parts[1] = o->client_id;
	parts[2] = o->scope;
	parts[3] = o->refresh_token;
	for (i = 0; i < 4; i++)
		len += (parts[i] != NULL ? strlen(parts[i]) : 0) + 1;
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0, p = s; i < 4; i++) {
		if (parts[i] != NULL) {
			memcpy(p, parts[i], strlen(parts[i]));
			p += strlen(parts[i]);
		}
		*p++ = '\n'; /* never inside a value: the INI has lines */
	}
	*p = '\0';
	rc = hash_sha256_hex(s, len, out);
	wipe(s, len);
	free(s);
	return rc;
}

int
oauth2_state_parse(const char *buf, size_t len, const char *binding,
		   struct oauth2_state *st, char *err, size_t errsz)
{
	const cJSON *v, *a, *e;
	cJSON *root;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if ((root = parse(buf, len, OAUTH2_MAX_STATE, err, errsz)) == NULL)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(v) || v->valuedouble != OAUTH2_STATE_VERSION) {
		snprintf(err, errsz, "not a version %d state file",
			 OAUTH2_STATE_VERSION);
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "binding");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, binding) != 0) {
		snprintf(err, errsz,
			 "made for other OAuth settings (token URL, client "
			 "id, scope or refresh token)");
		goto out;
	}
	a = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	e = cJSON_GetObjectItemCaseSensitive(root, "expires_at");
	if (cJSON_IsString(a) && oauth2_token_ok(a->valuestring) &&
	    cJSON_IsNumber(e) && e->valuedouble >= 0 &&
	    e->valuedouble <= OAUTH2_MAX_EXPIRES_AT) {
		if ((st->access = strdup(a->valuestring)) == NULL)
			goto nomem;
		st->expires_at = (long long)e->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "refresh_token");
	if (cJSON_IsString(v) && oauth2_token_ok(v->valuestring) &&
	    (st->refresh = strdup(v->valuestring)) == NULL)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errsz, "out of memory");
out:
	if (rc == -1)
		oauth2_state_free(st);
	json_free(root);
	return rc;
}

char *
oauth2_state_format(const char *binding, const struct oauth2_state *st)
{
	cJSON *o;
	char *text = NULL;
	size_t n;
	int bad;

	/*
	 * Printed into one buffer large enough for any escaping (6 bytes a
	 * byte at most), so cJSON leaves no copy of a token behind as it
	 * would growing its own.
	 */
	n = strlen(binding) + (st->access != NULL ? strlen(st->access) : 0) +
	    (st->refresh != NULL ? strlen(st->refresh) : 0);
	if (n > OAUTH2_MAX_STATE || (o = cJSON_CreateObject()) == NULL)
		return NULL;
	n = 6 * n + 512;
	bad = cJSON_AddNumberToObject(o, "version", OAUTH2_STATE_VERSION) ==
		  NULL ||
	      cJSON_AddStringToObject(o, "binding", binding) == NULL;
	if (!bad && st->access != NULL)
		bad = cJSON_AddStringToObject(o, "access_token", st->access) ==
			  NULL ||
		      cJSON_AddNumberToObject(o, "expires_at",
					      (double)st->expires_at) == NULL;
	if (!bad && st->refresh != NULL)
		bad = cJSON_AddStringToObject(o, "refresh_token",
					      st->refresh) == NULL;
	if (!bad && (text = malloc(n)) != NULL &&
	    !cJSON_PrintPreallocated(o, text, (int)n, 1)) {
		wipe(text, n);
		free(text);
		text = NULL;
	}
	json_free(o);
	return text;
}

long long
oauth2_expires_at(long life, long long now)
{
	if (life <= 0)
		return 0;
	return now + (life > OAUTH2_MAX_LIFE ? OAUTH2_MAX_LIFE : life);
}

int
oauth2_fresh(long long expires_at, long long now)
{
	return expires_at > 0 && expires_at - now > OAUTH2_MARGIN &&
	       expires_at - now <= OAUTH2_MAX_LIFE;
}

char *
oauth2_state_path(const char *dir, const char *name)
{
	size_t n;
	char *p;

	if (dir == NULL || *dir == '\0')
		dir = ".";
	n = strlen(dir) + 1 + strlen(name) + sizeof(OAUTH2_STATE_EXT);
	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%s%s%s" OAUTH2_STATE_EXT, dir,
		 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return p;
}

enum status
oauth2_state_read(const char *path, const char *binding,
		  struct oauth2_state *st, char *err, size_t errsz)
{
	char esc[LOG_ESC_SIZE], why[128];
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	int fd;
	enum status rv = ST_IO;

	memset(st, 0, sizeof(*st));
	log_esc(esc, sizeof(esc), path, strlen(path));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			return ST_OK;
		snprintf(err, errsz, "OAuth state '%s': %s", esc,
			 strerror(errno));
		return ST_IO;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errsz, "OAuth state '%s': %s", esc,
			 strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "OAuth state '%s': not a regular file",
			 esc);
		rv = ST_CONFIG;
		goto out;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errsz,
			 "OAuth state '%s': holds tokens but is readable by "
			 "others (mode %04o); run: chmod 600 %s",
			 esc, (unsigned)(sb.st_mode & 07777), esc);
		rv = ST_CONFIG;
		goto out;
	}
	rv = ST_OK;
	if (sb.st_size > OAUTH2_MAX_STATE) {
		log_warn("OAuth state '%s': larger than %d bytes; ignored", esc,
			 OAUTH2_MAX_STATE);
		goto out;
	}
	if ((text = malloc(OAUTH2_MAX_STATE + 1)) == NULL) {
		snprintf(err, errsz, "OAuth state '%s': out of memory", esc);
		rv = ST_NOMEM;
		goto out;
	}
	for (;;) {
		r = read(fd, text + len, OAUTH2_MAX_STATE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errsz, "OAuth state '%s': %s", esc,
				 strerror(errno));
			rv = ST_IO;
			goto out;
		}
		if (r == 0 || (len += (size_t)r) > OAUTH2_MAX_STATE)
			break;
	}
	if (len > OAUTH2_MAX_STATE)
		log_warn("OAuth state '%s': larger than %d bytes; ignored", esc,
			 OAUTH2_MAX_STATE);
	else if (oauth2_state_parse(text, len, binding, st, why, sizeof(why)) ==
		 -1)
		log_warn("OAuth state '%s': %s; ignored", esc, why);
	log_add_secret(st->access);
	log_add_secret(st->refresh);
out:
	if (text != NULL) {
		wipe(text, OAUTH2_MAX_STATE + 1);
		free(text);
	}
	close(fd);
	return rv;
}

enum status
oauth2_state_write(const char *path, const char *binding,
		   const struct oauth2_state *st, char *err, size_t errsz)
{
	char esc[LOG_ESC_SIZE], why[512];
	char *text, *line;
	size_t n;
	enum status rv;

	log_esc(esc, sizeof(esc), path, strlen(path));
	if ((text = oauth2_state_format(binding, st)) == NULL) {
		snprintf(err, errsz, "OAuth state '%s': out of memory", esc);
		return ST_NOMEM;
	}
	n = strlen(text);
	if ((line = malloc(n + 2)) == NULL) {
		oauth2_free_secret(text);
		snprintf(err, errsz, "OAuth state '%s': out of memory", esc);
		return ST_NOMEM;
	}
	memcpy(line, text, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	oauth2_free_secret(text);
	if ((rv = atomicfile_write(path, line, n + 1, why, sizeof(why))) !=
	    ST_OK)
		snprintf(err, errsz, "OAuth state: %s", why);
	oauth2_free_secret(line);
	return rv;
}

/* The token URL for messages: no user information, query or fragment. */
static const char *
url_show(const char *url, char *out, size_t outsz)
{
	char buf[OAUTH2_SHOW_MAX];
	const char *auth, *end, *at;
	size_t n;

	auth = strstr(url, "://");
	auth = auth != NULL ? auth + 3 : url;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	n = (size_t)(auth - url);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, url, n);
	snprintf(buf + n, sizeof(buf) - n, "%.*s",
		 (int)strcspn(at != NULL ? at + 1 : auth, "?#"),
		 at != NULL ? at + 1 : auth);
	return log_esc(out, outsz, buf, strlen(buf));
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct resp *rs = arg;
	size_t n;

	if (nmemb != 0 && size > OAUTH2_MAX_RESPONSE / nmemb) {
		rs->toobig = 1;
		return 0;
	}
	n = size * nmemb;
	if (n > OAUTH2_MAX_RESPONSE - rs->len) {
		rs->toobig = 1;
		return 0; /* CURLE_WRITE_ERROR */
	}
	memcpy(rs->p + rs->len, p, n);
	rs->len += n;
	return n;
}

/* A libcurl failure a later run cannot fix by itself. */
static enum status
curl_status(CURLcode cc)
{
	switch (cc) {
	case CURLE_OUT_OF_MEMORY:
		return ST_NOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return ST_CONFIG;
	default:
		return tls_curl_cert_error(cc) ? ST_CONFIG : ST_TEMP;
	}
}

/*
 * POST body to the token endpoint; on a 2xx, *tok.  what names the grant
 * in a refusal ("refresh token", ...); show is the escaped URL.
 */
static enum status
request(const struct oauth2_opts *o, const char *show, const char *what,
	const char *body, struct oauth2_token *tok, char *err, size_t errsz)
{
	char curlerr[CURL_ERROR_SIZE], msg[LOG_ESC_SIZE], e2[128];
	char via[LOG_ESC_SIZE];
	struct curl_slist *hdrs = NULL, *nh;
	struct resp rs;
	CURL *c = NULL;
	CURLcode cc;
	long code = 0, timeout;
	int bad = 0, global = 0;
	enum status rv = ST_NOMEM;

	memset(&rs, 0, sizeof(rs));
	curlerr[0] = '\0';
	timeout = o->timeout > 0 ? o->timeout : OAUTH2_DEF_TIMEOUT;
	if ((rs.p = malloc(OAUTH2_MAX_RESPONSE + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsz, "libcurl initialisation failed");
		rv = ST_CONFIG;
		goto out;
	}
	global = 1;
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "libcurl: no handle");
		goto out;
	}
#define ADDH(h)                                                                \
	do {                                                                   \
		if ((nh = curl_slist_append(hdrs, h)) == NULL) {               \
			snprintf(err, errsz, "out of memory");                 \
			goto out;                                              \
		}                                                              \
		hdrs = nh;                                                     \
	} while (0)
	ADDH("Content-Type: application/x-www-form-urlencoded");
	ADDH("Accept: application/json");
	ADDH("Expect:");
#undef ADDH
#define SET(opt, v)                                                            \
	do {                                                                   \
		if (curl_easy_setopt(c, opt, v) != CURLE_OK)                   \
			bad = 1;                                               \
	} while (0)
	SET(CURLOPT_URL, o->token_url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, timeout < OAUTH2_CONNECT_TIMEOUT
					? timeout
					: OAUTH2_CONNECT_TIMEOUT);
	SET(CURLOPT_TIMEOUT, timeout);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (tls_curl_trust(c, o->ca_file) == -1)
		bad = 1;
	if (o->proxy != NULL) {
		SET(CURLOPT_PROXY, o->proxy);
		if (o->proxy_username != NULL)
			SET(CURLOPT_PROXYUSERNAME, o->proxy_username);
		if (o->proxy_password != NULL)
			SET(CURLOPT_PROXYPASSWORD, o->proxy_password);
	}
	SET(CURLOPT_USERAGENT, OAUTH2_USER_AGENT);
	SET(CURLOPT_ERRORBUFFER, curlerr);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, &rs);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	SET(CURLOPT_POSTFIELDS, body);
#undef SET
	if (bad) {
		snprintf(err, errsz,
			 "OAuth token endpoint %s: libcurl refused an option "
			 "(HTTPS support?)",
			 show);
		rv = ST_CONFIG;
		goto out;
	}
	log_debug("OAuth token endpoint %s: asking for an access token", show);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK) {
		if (rs.toobig) {
			snprintf(err, errsz,
				 "OAuth token endpoint %s: answer larger "
				 "than %d bytes",
				 show, OAUTH2_MAX_RESPONSE);
			rv = ST_TEMP;
			goto out;
		}
		log_esc(msg, sizeof(msg),
			curlerr[0] ? curlerr : curl_easy_strerror(cc),
			strlen(curlerr[0] ? curlerr : curl_easy_strerror(cc)));
		rv = curl_status(cc);
		if (o->proxy != NULL)
			url_show(o->proxy, via, sizeof(via));
		snprintf(err, errsz, "OAuth token endpoint %s%s%s%s: %s%s",
			 show, o->proxy != NULL ? " (through the proxy " : "",
			 o->proxy != NULL ? via : "",
			 o->proxy != NULL ? ")" : "", msg,
			 rv == ST_CONFIG && cc != CURLE_UNSUPPORTED_PROTOCOL &&
				 cc != CURLE_URL_MALFORMAT
			     ? " (is its CA in oauth2_ca_file?)"
			     : "");
		goto out;
	}
	rs.p[rs.len] = '\0';
	log_debug("OAuth token endpoint %s: HTTP %ld, %zu bytes", show, code,
		  rs.len);
	if (code >= 200 && code <= 299) {
		if (oauth2_parse_token(rs.p, rs.len, tok, e2, sizeof(e2)) ==
		    -1) {
			snprintf(err, errsz,
				 "OAuth token endpoint %s: HTTP %ld, but %s",
				 show, code, e2);
			rv = ST_TEMP;
			goto out;
		}
		rv = ST_OK;
		goto out;
	}
	oauth2_parse_error(rs.p, rs.len, msg, sizeof(msg));
	if (code == 400 || code == 401 || code == 403) {
		/* invalid_grant: expired, revoked, or the consent withdrawn. */
		snprintf(err, errsz,
			 "OAuth token endpoint %s refused the %s (HTTP "
			 "%ld%s%s)%s",
			 show, what, code, msg[0] ? ": " : "", msg,
			 strncmp(msg, "invalid_grant", 13) == 0 &&
				 strstr(what, "refresh") != NULL
			     ? "; a new refresh token is needed in "
			       "oauth2_refresh_token"
			     : "");
		rv = ST_AUTH;
	} else if ((code >= 300 && code <= 399) || code == 404 || code == 405) {
		snprintf(err, errsz,
			 "OAuth token endpoint %s: HTTP %ld%s%s (%scheck "
			 "oauth2_token_url)",
			 show, code, msg[0] ? ": " : "", msg,
			 code <= 399 ? "redirects are not followed; " : "");
		rv = ST_CONFIG;
	} else {
		snprintf(err, errsz, "OAuth token endpoint %s: HTTP %ld%s%s",
			 show, code, msg[0] ? ": " : "", msg);
		rv = ST_TEMP;
	}
out:
	if (c != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER,
				 (struct curl_slist *)NULL);
		curl_easy_cleanup(c);
	}
	curl_slist_free_all(hdrs);
	if (global)
		curl_global_cleanup();
	if (rs.p != NULL) {
		wipe(rs.p, OAUTH2_MAX_RESPONSE + 1);
		free(rs.p);
	}
	return rv;
}

enum status
oauth2_access_token(const struct oauth2_opts *o, int force, char **token,
		    int *cached, char *err, size_t errsz)
{
	struct oauth2_state st, nst;
	struct oauth2_token tok;
	char binding[HASH_SHA256_HEX], show[LOG_ESC_SIZE], e2[1024];
	const char *refresh, *what, *grant;
	char *body = NULL;
	long long now;
	int rotated;
	enum status rv;

	*token = NULL;
	*cached = 0;
	memset(&st, 0, sizeof(st));
	memset(&tok, 0, sizeof(tok));
	if (o->token_url == NULL || o->client_id == NULL) {
		snprintf(err, errsz,
			 "[mailbox] oauth2_token_url and oauth2_client_id are "
			 "required");
		return ST_CONFIG;
	}
	url_show(o->token_url, show, sizeof(show));
	if (oauth2_binding(o, binding) == -1) {
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	if (o->state_path != NULL &&
	    (rv = oauth2_state_read(o->state_path, binding, &st, err, errsz)) !=
		ST_OK)
		goto out;
	now = (long long)time(NULL);
	if (!force && st.access != NULL && oauth2_fresh(st.expires_at, now)) {
		if ((*token = strdup(st.access)) == NULL) {
			snprintf(err, errsz, "out of memory");
			rv = ST_NOMEM;
			goto out;
		}
		*cached = 1;
		log_debug("OAuth token endpoint %s: cached access token, "
			  "%lld s left",
			  show, st.expires_at - now);
		rv = ST_OK;
		goto out;
	}
	/* A refresh token the server rotated replaces the configured one. */
	refresh = st.refresh != NULL ? st.refresh : o->refresh_token;
	what = st.refresh != NULL	  ? "refresh token it rotated last time"
	       : o->refresh_token != NULL ? "configured refresh token"
					  : "client credentials";
	if (refresh == NULL && o->scope == NULL) {
		snprintf(err, errsz,
			 "[mailbox] oauth2_refresh_token or oauth2_scope is "
			 "required");
		rv = ST_CONFIG;
		goto out;
	}
	if ((body = oauth2_form(o, refresh)) == NULL) {
		snprintf(err, errsz,
			 "OAuth token request: out of memory or "
			 "too long");
		rv = ST_NOMEM;
		goto out;
	}
	if ((rv = request(o, show, what, body, &tok, err, errsz)) != ST_OK)
		goto out;
	log_add_secret(tok.access);
	log_add_secret(tok.refresh);
	grant = refresh != NULL ? "refresh_token" : "client_credentials";
	if (tok.expires_in > 0)
		log_info("OAuth token endpoint %s: new access token (%s), "
			 "valid %ld s",
			 show, grant, tok.expires_in);
	else
		log_info("OAuth token endpoint %s: new access token (%s), "
			 "life not given: used for this run only",
			 show, grant);
	if (o->state_path != NULL) {
		memset(&nst, 0, sizeof(nst));
		nst.expires_at = oauth2_expires_at(tok.expires_in, now);
		nst.access = nst.expires_at != 0 ? tok.access : NULL;
		/* The client_credentials grant has no refresh token. */
		nst.refresh = refresh == NULL	    ? NULL
			      : tok.refresh != NULL ? tok.refresh
						    : st.refresh;
		if (nst.refresh != NULL && o->refresh_token != NULL &&
		    strcmp(nst.refresh, o->refresh_token) == 0)
			nst.refresh = NULL;
		rotated = refresh != NULL && tok.refresh != NULL &&
			  strcmp(tok.refresh, refresh) != 0;
		if (oauth2_state_write(o->state_path, binding, &nst, e2,
				       sizeof(e2)) != ST_OK)
			log_err("%s: the new tokens are not saved%s", e2,
				rotated ? " (the token endpoint rotated the "
					  "refresh token: the next run may be "
					  "refused)"
					: "");
		else if (rotated)
			log_info("OAuth token endpoint %s: new refresh token, "
				 "saved for the next runs",
				 show);
	}
	*token = tok.access;
	tok.access = NULL;
out:
	oauth2_free_secret(body);
	oauth2_token_free(&tok);
	oauth2_state_free(&st);
	return rv;
}
