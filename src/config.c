/*
 * INI configuration: load and validate CONFIG/<name>.ini, and write it on
 * the interactive first run.
 *
 * Values are read with iniparser.  Because iniparser knows no line numbers,
 * the file is also read here and scanned line by line, with the same rules
 * iniparser applies, to find the line of every key (for messages), to warn
 * about unknown sections and keys, and to reject lines iniparser would
 * misread (continuation lines, overlong lines, NUL bytes, "[]").
 */
#define _DEFAULT_SOURCE /* explicit_bzero(3) */

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <iniparser.h>

#include "atomicfile.h"
#include "bounds.h"
#include "config.h"
#include "log.h"
#include "pdf.h"

#define CONFIG_LINE_MAX 1000 /* iniparser reads lines of < 1024 */
#define SHOW_MAX 64	     /* value shown in a message */
#define ANSWER_MAX 512	     /* one first-run answer */
#define FIRST_RUN_MAX 8192   /* the file first_run writes */
#define SIZE_CEILING (1024L * 1024 * 1024)

enum sec {
	S_TQ,
	S_MBOX,
	S_CONN,
	S_NSEC,
	S_NONE,	  /* before the first section header */
	S_UNKNOWN /* inside a section we do not know */
};

static const char *const secnames[S_NSEC] = {
    [S_TQ] = "threatq", [S_MBOX] = "mailbox", [S_CONN] = "connector"};

enum key {
	K_TQ_HOST,
	K_TQ_CLIENT_ID,
	K_TQ_CLIENT_SECRET,
	K_TQ_USERNAME,
	K_TQ_PASSWORD,
	K_TQ_PASSWORD_FILE,
	K_TQ_PASSWORD_ENV,
	K_TQ_STATUS,
	K_TQ_CA_FILE,
	K_TQ_VERIFY_TLS,
	K_TQ_TIMEOUT,
	K_TQ_CONNECT_TIMEOUT,
	K_TQ_MAX_RETRIES,
	K_MB_SERVER,
	K_MB_PORT,
	K_MB_USERNAME,
	K_MB_PASSWORD,
	K_MB_PASSWORD_FILE,
	K_MB_PASSWORD_ENV,
	K_MB_FOLDER,
	K_MB_PROXY_ADDRESS,
	K_MB_PROXY_PORT,
	K_MB_PROXY_TYPE,
	K_MB_CA_FILE,
	K_MB_VERIFY_TLS,
	K_MB_ALLOW_PLAINTEXT,
	K_MB_AUTH,
	K_MB_FAILED_FOLDER,
	K_MB_PROXY_USERNAME,
	K_MB_PROXY_PASSWORD,
	K_MB_TIMEOUT,
	K_MB_OAUTH2_TOKEN_URL,
	K_MB_OAUTH2_CLIENT_ID,
	K_MB_OAUTH2_CLIENT_SECRET,
	K_MB_OAUTH2_CLIENT_SECRET_FILE,
	K_MB_OAUTH2_CLIENT_SECRET_ENV,
	K_MB_OAUTH2_REFRESH_TOKEN,
	K_MB_OAUTH2_REFRESH_TOKEN_FILE,
	K_MB_OAUTH2_REFRESH_TOKEN_ENV,
	K_MB_OAUTH2_SCOPE,
	K_MB_OAUTH2_CA_FILE,
	K_CO_SOURCE,
	K_CO_DEFAULT_TLP,
	K_CO_EMAIL_FILE_TYPE,
	K_CO_EXCLUSIONS_FILE,
	K_CO_MAX_MESSAGE_SIZE,
	K_CO_MAX_ATTACHMENT_SIZE,
	K_CO_MAX_ATTEMPTS,
	K_CO_MAX_RUNTIME,
	K_CO_MAX_MESSAGES,
	K_CO_MAX_IN_FLIGHT,
	K_CO_RESERVED,
	K_CO_INLINE_IMAGES,
	K_CO_PDFTOTEXT,
	K_NKEYS
};

static const struct {
	enum sec sec;
	const char *name;
} keytab[K_NKEYS] = {
    [K_TQ_HOST] = {S_TQ, "host"},
    [K_TQ_CLIENT_ID] = {S_TQ, "client_id"},
    [K_TQ_CLIENT_SECRET] = {S_TQ, "client_secret"},
    [K_TQ_USERNAME] = {S_TQ, "username"},
    [K_TQ_PASSWORD] = {S_TQ, "password"},
    [K_TQ_PASSWORD_FILE] = {S_TQ, "password_file"},
    [K_TQ_PASSWORD_ENV] = {S_TQ, "password_env"},
    [K_TQ_STATUS] = {S_TQ, "status"},
    [K_TQ_CA_FILE] = {S_TQ, "ca_file"},
    [K_TQ_VERIFY_TLS] = {S_TQ, "verify_tls"},
    [K_TQ_TIMEOUT] = {S_TQ, "timeout"},
    [K_TQ_CONNECT_TIMEOUT] = {S_TQ, "connect_timeout"},
    [K_TQ_MAX_RETRIES] = {S_TQ, "max_retries"},
    [K_MB_SERVER] = {S_MBOX, "server"},
    [K_MB_PORT] = {S_MBOX, "port"},
    [K_MB_USERNAME] = {S_MBOX, "username"},
    [K_MB_PASSWORD] = {S_MBOX, "password"},
    [K_MB_PASSWORD_FILE] = {S_MBOX, "password_file"},
    [K_MB_PASSWORD_ENV] = {S_MBOX, "password_env"},
    [K_MB_FOLDER] = {S_MBOX, "folder"},
    [K_MB_PROXY_ADDRESS] = {S_MBOX, "proxy_address"},
    [K_MB_PROXY_PORT] = {S_MBOX, "proxy_port"},
    [K_MB_PROXY_TYPE] = {S_MBOX, "proxy_type"},
    [K_MB_CA_FILE] = {S_MBOX, "ca_file"},
    [K_MB_VERIFY_TLS] = {S_MBOX, "verify_tls"},
    [K_MB_ALLOW_PLAINTEXT] = {S_MBOX, "allow_plaintext"},
    [K_MB_AUTH] = {S_MBOX, "auth"},
    [K_MB_FAILED_FOLDER] = {S_MBOX, "failed_folder"},
    [K_MB_PROXY_USERNAME] = {S_MBOX, "proxy_username"},
    [K_MB_PROXY_PASSWORD] = {S_MBOX, "proxy_password"},
    [K_MB_TIMEOUT] = {S_MBOX, "timeout"},
    [K_MB_OAUTH2_TOKEN_URL] = {S_MBOX, "oauth2_token_url"},
    [K_MB_OAUTH2_CLIENT_ID] = {S_MBOX, "oauth2_client_id"},
    [K_MB_OAUTH2_CLIENT_SECRET] = {S_MBOX, "oauth2_client_secret"},
    [K_MB_OAUTH2_CLIENT_SECRET_FILE] = {S_MBOX, "oauth2_client_secret_file"},
    [K_MB_OAUTH2_CLIENT_SECRET_ENV] = {S_MBOX, "oauth2_client_secret_env"},
    [K_MB_OAUTH2_REFRESH_TOKEN] = {S_MBOX, "oauth2_refresh_token"},
    [K_MB_OAUTH2_REFRESH_TOKEN_FILE] = {S_MBOX, "oauth2_refresh_token_file"},
    [K_MB_OAUTH2_REFRESH_TOKEN_ENV] = {S_MBOX, "oauth2_refresh_token_env"},
    [K_MB_OAUTH2_SCOPE] = {S_MBOX, "oauth2_scope"},
    [K_MB_OAUTH2_CA_FILE] = {S_MBOX, "oauth2_ca_file"},
    [K_CO_SOURCE] = {S_CONN, "source"},
    [K_CO_DEFAULT_TLP] = {S_CONN, "default_tlp"},
    [K_CO_EMAIL_FILE_TYPE] = {S_CONN, "email_file_type"},
    [K_CO_EXCLUSIONS_FILE] = {S_CONN, "exclusions_file"},
    [K_CO_MAX_MESSAGE_SIZE] = {S_CONN, "max_message_size"},
    [K_CO_MAX_ATTACHMENT_SIZE] = {S_CONN, "max_attachment_size"},
    [K_CO_MAX_ATTEMPTS] = {S_CONN, "max_attempts"},
    [K_CO_MAX_RUNTIME] = {S_CONN, "max_runtime"},
    [K_CO_MAX_MESSAGES] = {S_CONN, "max_messages"},
    [K_CO_MAX_IN_FLIGHT] = {S_CONN, "max_in_flight"},
    [K_CO_RESERVED] = {S_CONN, "reserved_indicators"},
    [K_CO_INLINE_IMAGES] = {S_CONN, "upload_inline_images"},
    [K_CO_PDFTOTEXT] = {S_CONN, "pdftotext"}};

/* State of one config_load(). */
struct ld {
	const char *path;
	char *dir; /* directory of path: relative files */
	dictionary *d;
	size_t line[K_NKEYS]; /* last line of each key, 0 if absent */
	config_warn_fn warn;
	char *err;
	size_t errsz;
};

static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void kerr(struct ld *, enum key, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void lwarn(struct ld *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* "PATH:LINE: [section] key: <message>" */
static void
kerr(struct ld *ld, enum key k, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seterr(ld->err, ld->errsz, "%s:%zu: [%s] %s: %s", ld->path, ld->line[k],
	       secnames[keytab[k].sec], keytab[k].name, msg);
}

static void
lwarn(struct ld *ld, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ld->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->warn(msg);
}

/* Copy s for a message: printable ASCII only, at most SHOW_MAX bytes. */
static const char *
show(char *out, size_t outsz, const char *s)
{
	size_t i, n;

	for (i = n = 0; s[i] != '\0' && n + 4 < outsz; i++) {
		if (i == SHOW_MAX) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		out[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	}
	out[n] = '\0';
	return out;
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\v' || ch == '\f';
}

static char
lower(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* Strip s[0..*len) of surrounding white space; returns the new start. */
static char *
strip(char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	s[n] = '\0';
	*len = n;
	return s;
}

static void
free_secret(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

static void
set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/* Free every string and zero c; accepts a zeroed or defaulted struct. */
void
config_free(struct config *c)
{
	free_secret(&c->tq.client_secret);
	free_secret(&c->tq.password);
	free_secret(&c->mbox.password);
	free(c->path);
	free(c->tq.host);
	free(c->tq.client_id);
	free(c->tq.username);
	free(c->tq.status);
	free(c->tq.ca_file);
	free(c->mbox.server);
	free(c->mbox.username);
	free(c->mbox.folder);
	free(c->mbox.proxy_address);
	free(c->mbox.proxy_type);
	free(c->mbox.ca_file);
	free(c->mbox.auth);
	free(c->mbox.failed_folder);
	free(c->mbox.proxy_username);
	free_secret(&c->mbox.proxy_password);
	free(c->mbox.oauth2_token_url);
	free(c->mbox.oauth2_client_id);
	free_secret(&c->mbox.oauth2_client_secret);
	free_secret(&c->mbox.oauth2_refresh_token);
	free(c->mbox.oauth2_scope);
	free(c->mbox.oauth2_ca_file);
	free(c->conn.source);
	free(c->conn.default_tlp);
	free(c->conn.email_file_type);
	free(c->conn.exclusions_file);
	free(c->conn.reserved);
	free(c->conn.pdftotext);
	memset(c, 0, sizeof(*c));
}

/*
 * The default strings are allocated so config_free() can free every
 * string; a failed allocation leaves that field NULL, which config_load()
 * reports as ST_NOMEM.
 */
void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->tq.status = strdup("Review");
	c->tq.verify_tls = 1;
	c->tq.timeout = 60;
	c->tq.connect_timeout = 10;
	c->tq.max_retries = 4;
	c->mbox.port = 0;
	c->mbox.folder = strdup("INBOX");
	c->mbox.verify_tls = 1;
	c->mbox.allow_plaintext = 0;
	c->conn.source = strdup("Intel Mailbox");
	c->conn.default_tlp = strdup("AMBER");
	c->conn.email_file_type = strdup("Generic Text");
	c->conn.max_message_size = (long)MAX_MESSAGE_SIZE;
	c->conn.max_attachment_size = (long)MAX_ATTACHMENT_SIZE;
	c->conn.max_attempts = 3;
	c->conn.max_runtime = 6600; /* 1 h 50 min: below the cron period */
	c->conn.max_messages = 1000;
	c->conn.max_in_flight = 4;
	c->conn.reserved = strdup("mark");
	c->conn.pdftotext = strdup(PDF_TEXT_PROGRAM);
	c->mbox.timeout = 60;
}

char *
config_path(const char *dir, const char *name)
{
	size_t n;
	char *p;

	if (dir == NULL || *dir == '\0')
		dir = ".";
	n = strlen(dir) + 1 + strlen(name) + sizeof(".ini");
	if ((p = malloc(n)) == NULL)
		return NULL;
	if (dir[strlen(dir) - 1] == '/')
		snprintf(p, n, "%s%s.ini", dir, name);
	else
		snprintf(p, n, "%s/%s.ini", dir, name);
	return p;
}

/* A file named in the config, relative to the config's directory. */
static char *
resolve(const struct ld *ld, const char *file)
{
	size_t n;
	char *p;

	if (file[0] == '/' || strcmp(ld->dir, ".") == 0)
		return strdup(file);
	n = strlen(ld->dir) + 1 + strlen(file) + 1;
	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%s/%s", ld->dir, file);
	return p;
}

/*
 * Read a whole regular file of at most max bytes into a NUL-terminated
 * malloc'd buffer; st receives its fstat.  -1 with errno set (EFBIG when
 * larger than max, EINVAL when not a regular file).
 */
static int
read_file(const char *path, size_t max, char **out, size_t *outlen,
	  struct stat *st)
{
	char *p = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, rv = -1, saved = 0;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		saved = errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		saved = EINVAL;
		goto out;
	}
	if (st->st_size < 0 || (unsigned long long)st->st_size > max) {
		saved = EFBIG;
		goto out;
	}
	/* One byte more than max to notice a file that grew meanwhile. */
	if ((p = malloc(max + 2)) == NULL) {
		saved = errno;
		goto out;
	}
	for (;;) {
		r = read(fd, p + len, max + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			saved = EFBIG;
			goto out;
		}
	}
	p[len] = '\0';
	*out = p;
	*outlen = len;
	p = NULL;
	rv = 0;
out:
	if (p != NULL) {
		explicit_bzero(p, max + 2);
		free(p);
	}
	close(fd);
	if (rv == -1)
		errno = saved;
	return rv;
}

/*
 * The line scan.  Mirrors iniparser 4.1: lines are stripped; '#' and ';'
 * start comments; "[name]" is a section (lower-cased); anything else needs
 * an '=' and the key is what precedes it (stripped, lower-cased).
 */
static enum status
scan(struct ld *ld, const char *text, size_t len)
{
	char buf[CONFIG_LINE_MAX + 1], shown[SHOW_MAX + 8];
	const char *nl;
	char *s, *eq, *name;
	size_t pos = 0, lineno = 0, n, i, k;
	enum sec sec = S_NONE;

	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = (nl != NULL ? (size_t)(nl - text) : len) - pos;
		if (n > CONFIG_LINE_MAX) {
			seterr(ld->err, ld->errsz,
			       "%s:%zu: line longer than "
			       "%d bytes",
			       ld->path, lineno, CONFIG_LINE_MAX);
			return ST_CONFIG;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			seterr(ld->err, ld->errsz, "%s:%zu: NUL byte in line",
			       ld->path, lineno);
			return ST_CONFIG;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + (nl != NULL);
		s = strip(buf, &n);
		if (n == 0 || s[0] == '#' || s[0] == ';') {
			/* iniparser joins a comment ending in '\' too. */
			if (n > 0 && s[n - 1] == '\\')
				goto backslash;
			continue;
		}
		if (s[n - 1] == '\\')
			goto backslash;
		if (s[0] == '[' && s[n - 1] == ']') {
			n -= 2;
			name = strip(s + 1, &n);
			if (n == 0 || strpbrk(name, "[]") != NULL) {
				seterr(ld->err, ld->errsz,
				       "%s:%zu: bad "
				       "section name",
				       ld->path, lineno);
				return ST_CONFIG;
			}
			for (i = 0; i < n; i++)
				name[i] = lower(name[i]);
			for (sec = S_TQ; sec < S_NSEC; sec++)
				if (strcmp(name, secnames[sec]) == 0)
					break;
			if (sec == S_NSEC) {
				sec = S_UNKNOWN;
				lwarn(ld, "%s:%zu: unknown section [%s]",
				      ld->path, lineno,
				      show(shown, sizeof(shown), name));
			}
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			seterr(ld->err, ld->errsz,
			       "%s:%zu: expected "
			       "'key = value', '[section]' or a comment",
			       ld->path, lineno);
			return ST_CONFIG;
		}
		*eq = '\0';
		n = (size_t)(eq - s);
		name = strip(s, &n);
		if (n == 0) {
			seterr(ld->err, ld->errsz,
			       "%s:%zu: no key name before "
			       "'='",
			       ld->path, lineno);
			return ST_CONFIG;
		}
		for (i = 0; i < n; i++)
			name[i] = lower(name[i]);
		if (sec == S_UNKNOWN)
			continue;
		/*
		 * Not a key name ("password: s3cret=x" split at its '='):
		 * show only the name-like start, never what may be a secret.
		 */
		for (i = 0; i < n && (isalnum((unsigned char)name[i]) ||
				      name[i] == '_' || name[i] == '-');
		     i++)
			;
		if (i < n) {
			name[i] = '\0';
			lwarn(ld,
			      "%s:%zu: '%s...' is not a key name (letters, "
			      "digits and '_'); the line is ignored",
			      ld->path, lineno,
			      show(shown, sizeof(shown), name));
			continue;
		}
		if (sec == S_NONE) {
			lwarn(ld, "%s:%zu: key '%s' is outside any section",
			      ld->path, lineno,
			      show(shown, sizeof(shown), name));
			continue;
		}
		for (k = 0; k < K_NKEYS; k++)
			if (keytab[k].sec == sec &&
			    strcmp(keytab[k].name, name) == 0)
				break;
		if (k == K_NKEYS) {
			lwarn(ld, "%s:%zu: unknown key '%s' in [%s]", ld->path,
			      lineno, show(shown, sizeof(shown), name),
			      secnames[sec]);
			continue;
		}
		if (ld->line[k] != 0)
			lwarn(ld,
			      "%s:%zu: [%s] %s is set again; line %zu is "
			      "ignored",
			      ld->path, lineno, secnames[sec], keytab[k].name,
			      ld->line[k]);
		ld->line[k] = lineno;
	}
	return ST_OK;
backslash:
	seterr(ld->err, ld->errsz,
	       "%s:%zu: line ends with '\\' (continuation "
	       "lines are not supported; quote the value)",
	       ld->path, lineno);
	return ST_CONFIG;
}

/* iniparser reports through this; keep it off stderr. */
static int
ini_swallow(const char *fmt, ...)
{
	return 0;
}

/* The value of key k, or NULL when absent or empty. */
static const char *
val(const struct ld *ld, enum key k)
{
	char name[64];
	const char *v;

	if (ld->line[k] == 0)
		return NULL;
	snprintf(name, sizeof(name), "%s:%s", secnames[keytab[k].sec],
		 keytab[k].name);
	v = iniparser_getstring(ld->d, name, NULL);
	if (v == NULL || *v == '\0')
		return NULL;
	return v;
}

/* Set *dst to a copy of key k when it is set (a file name: resolved). */
static enum status
take_str(struct ld *ld, enum key k, int is_file, char **dst)
{
	const char *v;
	char *s;

	if ((v = val(ld, k)) == NULL)
		return ST_OK;
	s = is_file ? resolve(ld, v) : strdup(v);
	if (s == NULL)
		return ST_NOMEM;
	set_str(dst, s);
	return ST_OK;
}

/* Only digits, no sign, no space; 0 and *out, or -1. */
static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long l;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	l = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || l < min || l > max)
		return -1;
	*out = l;
	return 0;
}

static enum status
take_long(struct ld *ld, enum key k, long min, long max, const char *what,
	  long *dst)
{
	char shown[SHOW_MAX + 8];
	const char *v;
	long l;

	if ((v = val(ld, k)) == NULL)
		return ST_OK;
	if (parse_long(v, min, max, &l) == -1) {
		kerr(ld, k, "'%s' is not %s (%ld-%ld)",
		     show(shown, sizeof(shown), v), what, min, max);
		return ST_CONFIG;
	}
	*dst = l;
	return ST_OK;
}

static enum status
take_int(struct ld *ld, enum key k, long min, long max, const char *what,
	 int *dst)
{
	enum status st;
	long l = *dst;

	if ((st = take_long(ld, k, min, max, what, &l)) == ST_OK)
		*dst = (int)l;
	return st;
}

static enum status
take_bool(struct ld *ld, enum key k, int *dst)
{
	static const char *const yes[] = {"true", "yes", "1", "on"};
	static const char *const no[] = {"false", "no", "0", "off"};
	char shown[SHOW_MAX + 8];
	const char *v;
	size_t i;

	if ((v = val(ld, k)) == NULL)
		return ST_OK;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*dst = 1;
			return ST_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*dst = 0;
			return ST_OK;
		}
	}
	kerr(ld, k,
	     "'%s' is not a boolean (true, false, yes, no, on, off, "
	     "1, 0)",
	     show(shown, sizeof(shown), v));
	return ST_CONFIG;
}

/* Key k must be one of words (case-insensitive); *dst gets the word. */
static enum status
take_word(struct ld *ld, enum key k, const char *const *words, size_t nwords,
	  const char *what, char **dst)
{
	char shown[SHOW_MAX + 8], list[128] = "";
	const char *v;
	char *s;
	size_t i;

	if ((v = val(ld, k)) == NULL)
		return ST_OK;
	for (i = 0; i < nwords; i++) {
		if (strcasecmp(v, words[i]) != 0)
			continue;
		if (dst == NULL)
			return ST_OK;
		if ((s = strdup(words[i])) == NULL)
			return ST_NOMEM;
		set_str(dst, s);
		return ST_OK;
	}
	for (i = 0; i < nwords; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, words[i], sizeof(list) - strlen(list) - 1);
	}
	kerr(ld, k, "'%s' is not %s (%s)", show(shown, sizeof(shown), v), what,
	     list);
	return ST_CONFIG;
}

/* TLP name: case-insensitive, optional "TLP:" prefix, WHITE means CLEAR. */
static enum status
take_tlp(struct ld *ld, enum key k, char **dst)
{
	static const char *const names[] = {"CLEAR", "GREEN", "AMBER",
					    "AMBER+STRICT", "RED"};
	char shown[SHOW_MAX + 8];
	const char *v, *p, *name = NULL;
	char *s;
	size_t i;

	if ((v = val(ld, k)) == NULL)
		return ST_OK;
	p = v;
	if (strncasecmp(p, "TLP:", 4) == 0)
		for (p += 4; *p == ' ' || *p == '\t'; p++)
			continue;
	if (strcasecmp(p, "WHITE") == 0)
		name = "CLEAR";
	for (i = 0; name == NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(p, names[i]) == 0)
			name = names[i];
	if (name == NULL) {
		kerr(ld, k,
		     "'%s' is not a TLP label (CLEAR, GREEN, AMBER, "
		     "AMBER+STRICT, RED)",
		     show(shown, sizeof(shown), v));
		return ST_CONFIG;
	}
	if ((s = strdup(name)) == NULL)
		return ST_NOMEM;
	set_str(dst, s);
	return ST_OK;
}

/*
 * The password of a section: from password, password_file or password_env,
 * at most one of them (and the same for the oauth2 client secret and
 * refresh token).  The value never appears in a message.
 */
static enum status
take_secret(struct ld *ld, enum key kpw, enum key kfile, enum key kenv,
	    char **dst)
{
	const char *sec = secnames[keytab[kpw].sec];
	const char *pw, *file, *env, *e;
	char shown[SHOW_MAX + 8];
	char *fpath = NULL, *text = NULL, *s = NULL;
	size_t len;
	struct stat st;
	enum status rv = ST_CONFIG;

	pw = val(ld, kpw);
	file = val(ld, kfile);
	env = val(ld, kenv);
	if ((pw != NULL) + (file != NULL) + (env != NULL) > 1) {
		seterr(
		    ld->err, ld->errsz,
		    "%s:%zu: [%s] set only one of %s, %s and %s", ld->path,
		    ld->line[pw != NULL ? (file != NULL ? kfile : kenv) : kenv],
		    sec, keytab[kpw].name, keytab[kfile].name,
		    keytab[kenv].name);
		goto out;
	}
	if (pw != NULL) {
		if ((s = strdup(pw)) == NULL) {
			rv = ST_NOMEM;
			goto out;
		}
	} else if (file != NULL) {
		if ((fpath = resolve(ld, file)) == NULL) {
			rv = ST_NOMEM;
			goto out;
		}
		show(shown, sizeof(shown), fpath);
		if (read_file(fpath, MAX_SECRET_FILE_SIZE, &text, &len, &st) ==
		    -1) {
			if (errno == EFBIG)
				kerr(ld, kfile, "'%s' is larger than %d bytes",
				     shown, MAX_SECRET_FILE_SIZE);
			else if (errno == EINVAL)
				kerr(ld, kfile, "'%s' is not a regular file",
				     shown);
			else
				kerr(ld, kfile, "'%s': %s", shown,
				     strerror(errno));
			goto out;
		}
		if (st.st_mode & 077) {
			kerr(ld, kfile,
			     "'%s' is readable by others (mode "
			     "%04o); run: chmod 600 %s",
			     shown, (unsigned)(st.st_mode & 07777), shown);
			goto out;
		}
		if (len > 0 && text[len - 1] == '\n')
			text[--len] = '\0';
		if (len > 0 && text[len - 1] == '\r')
			text[--len] = '\0';
		if (len == 0 || strlen(text) != len) {
			kerr(ld, kfile, "'%s' is empty or holds a NUL byte",
			     shown);
			goto out;
		}
		s = text;
		text = NULL;
	} else if (env != NULL) {
		show(shown, sizeof(shown), env);
		if ((e = getenv(env)) == NULL || *e == '\0') {
			kerr(ld, kenv, "environment variable '%s' is %s", shown,
			     e == NULL ? "not set" : "empty");
			goto out;
		}
		if ((s = strdup(e)) == NULL) {
			rv = ST_NOMEM;
			goto out;
		}
	} else {
		rv = ST_OK;
		goto out;
	}
	log_add_secret(s);
	free_secret(dst);
	*dst = s;
	s = NULL;
	rv = ST_OK;
out:
	if (text != NULL) {
		explicit_bzero(text, MAX_SECRET_FILE_SIZE);
		free(text);
	}
	free_secret(&s);
	free(fpath);
	return rv;
}

/*
 * server may be "host", "host:port", "[v6]" or "[v6]:port"; a bare IPv6
 * address (two colons or more) is taken whole.
 */
static enum status
take_server(struct ld *ld, struct config *c)
{
	char shown[SHOW_MAX + 8];
	const char *v, *host, *port = NULL, *p;
	size_t hlen;
	long l;
	char *s;

	if ((v = val(ld, K_MB_SERVER)) == NULL)
		return ST_OK;
	show(shown, sizeof(shown), v);
	host = v;
	hlen = strlen(v);
	if (v[0] == '[') {
		if ((p = strchr(v, ']')) == NULL ||
		    (p[1] != '\0' && p[1] != ':'))
			goto bad;
		host = v + 1;
		hlen = (size_t)(p - host);
		if (p[1] == ':')
			port = p + 2;
	} else if ((p = strchr(v, ':')) != NULL && strchr(p + 1, ':') == NULL) {
		hlen = (size_t)(p - v);
		port = p + 1;
	}
	if (hlen == 0)
		goto bad;
	if (port != NULL) {
		if (parse_long(port, 1, 65535, &l) == -1)
			goto bad;
		if (c->mbox.port != 0 && c->mbox.port != (int)l) {
			kerr(ld, K_MB_SERVER,
			     "port in '%s' conflicts with "
			     "port = %d",
			     shown, c->mbox.port);
			return ST_CONFIG;
		}
		c->mbox.port = (int)l;
	}
	if ((s = strndup(host, hlen)) == NULL)
		return ST_NOMEM;
	set_str(&c->mbox.server, s);
	return ST_OK;
bad:
	kerr(ld, K_MB_SERVER, "'%s' is not host or host:port (port 1-65535)",
	     shown);
	return ST_CONFIG;
}

/*
 * A host name or an IP address (IPv6 without brackets): letters, digits,
 * '.', '-', '_' and ':', at most 253.  Nothing that would change the
 * meaning of the proxy URL libcurl is given for the OAuth token request.
 */
static int
host_chars_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:");

	return n > 0 && n <= 253 && s[n] == '\0';
}

/* A token as a token endpoint issues it: printable ASCII, no space. */
static int
token_chars_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/*
 * The [mailbox] keys of auth = xoauth2.  Whether the needed ones are all
 * there is config_check_online()'s business; here, the values.
 */
static enum status
load_oauth2(struct ld *ld, struct config *c)
{
	char shown[SHOW_MAX + 8];
	const char *v;
	size_t i;
	enum status st;
	int xoauth2, k;

	xoauth2 = c->mbox.auth != NULL && strcmp(c->mbox.auth, "xoauth2") == 0;
	/* The oauth2_ keys are contiguous in enum key. */
	for (k = K_MB_OAUTH2_TOKEN_URL; !xoauth2 && k <= K_MB_OAUTH2_CA_FILE;
	     k++)
		if (ld->line[k] != 0) {
			lwarn(ld,
			      "%s:%zu: [mailbox] %s is ignored unless auth = "
			      "xoauth2",
			      ld->path, ld->line[k], keytab[k].name);
			break;
		}
	if ((v = val(ld, K_MB_OAUTH2_TOKEN_URL)) != NULL &&
	    (strncasecmp(v, "https://", 8) != 0 || v[8] == '\0' ||
	     v[8] == '/' || !token_chars_ok(v))) {
		kerr(ld, K_MB_OAUTH2_TOKEN_URL, "'%s' is not an https:// URL",
		     show(shown, sizeof(shown), v));
		return ST_CONFIG;
	}
	/* RFC 6749 3.3: scope tokens are %x21 / %x23-5B / %x5D-7E. */
	if ((v = val(ld, K_MB_OAUTH2_SCOPE)) != NULL)
		for (i = 0; v[i] != '\0'; i++)
			if (v[i] != ' ' && ((unsigned char)v[i] < 0x21 ||
					    (unsigned char)v[i] > 0x7e ||
					    v[i] == '"' || v[i] == '\\')) {
				kerr(ld, K_MB_OAUTH2_SCOPE,
				     "'%s' is not a list of scopes (printable "
				     "ASCII but '\"' and '\\', separated by "
				     "spaces)",
				     show(shown, sizeof(shown), v));
				return ST_CONFIG;
			}
	if ((st = take_str(ld, K_MB_OAUTH2_TOKEN_URL, 0,
			   &c->mbox.oauth2_token_url)) != ST_OK ||
	    (st = take_str(ld, K_MB_OAUTH2_CLIENT_ID, 0,
			   &c->mbox.oauth2_client_id)) != ST_OK ||
	    (st = take_str(ld, K_MB_OAUTH2_SCOPE, 0, &c->mbox.oauth2_scope)) !=
		ST_OK ||
	    (st = take_str(ld, K_MB_OAUTH2_CA_FILE, 1,
			   &c->mbox.oauth2_ca_file)) != ST_OK ||
	    (st = take_secret(ld, K_MB_OAUTH2_CLIENT_SECRET,
			      K_MB_OAUTH2_CLIENT_SECRET_FILE,
			      K_MB_OAUTH2_CLIENT_SECRET_ENV,
			      &c->mbox.oauth2_client_secret)) != ST_OK ||
	    (st = take_secret(ld, K_MB_OAUTH2_REFRESH_TOKEN,
			      K_MB_OAUTH2_REFRESH_TOKEN_FILE,
			      K_MB_OAUTH2_REFRESH_TOKEN_ENV,
			      &c->mbox.oauth2_refresh_token)) != ST_OK)
		return st;
	if (c->mbox.oauth2_refresh_token != NULL &&
	    !token_chars_ok(c->mbox.oauth2_refresh_token)) {
		kerr(ld,
		     val(ld, K_MB_OAUTH2_REFRESH_TOKEN) != NULL
			 ? K_MB_OAUTH2_REFRESH_TOKEN
		     : val(ld, K_MB_OAUTH2_REFRESH_TOKEN_FILE) != NULL
			 ? K_MB_OAUTH2_REFRESH_TOKEN_FILE
			 : K_MB_OAUTH2_REFRESH_TOKEN_ENV,
		     "the refresh token holds a space or a character that "
		     "is not printable ASCII");
		return ST_CONFIG;
	}
	return ST_OK;
}

static enum status
load_values(struct ld *ld, struct config *c)
{
	static const char *const proxies[] = {"socks4", "socks5"};
	static const char *const auths[] = {"login", "plain", "xoauth2"};
	static const char *const reserved_words[] = {"mark", "drop"};
	const char *v;
	enum status st;
	long l;

	/* [threatq] */
	if ((st = take_str(ld, K_TQ_HOST, 0, &c->tq.host)) != ST_OK ||
	    (st = take_str(ld, K_TQ_CLIENT_ID, 0, &c->tq.client_id)) != ST_OK ||
	    (st = take_str(ld, K_TQ_USERNAME, 0, &c->tq.username)) != ST_OK ||
	    (st = take_str(ld, K_TQ_STATUS, 0, &c->tq.status)) != ST_OK ||
	    (st = take_str(ld, K_TQ_CA_FILE, 1, &c->tq.ca_file)) != ST_OK ||
	    (st = take_bool(ld, K_TQ_VERIFY_TLS, &c->tq.verify_tls)) != ST_OK ||
	    (st = take_long(ld, K_TQ_TIMEOUT, 1, 3600, "a number of seconds",
			    &c->tq.timeout)) != ST_OK ||
	    (st = take_long(ld, K_TQ_CONNECT_TIMEOUT, 1, 600,
			    "a number of seconds", &c->tq.connect_timeout)) !=
		ST_OK ||
	    (st = take_long(ld, K_TQ_MAX_RETRIES, 0, 20, "a number",
			    &c->tq.max_retries)) != ST_OK)
		return st;
	if (val(ld, K_TQ_CLIENT_SECRET) != NULL) {
		if ((st = take_str(ld, K_TQ_CLIENT_SECRET, 0,
				   &c->tq.client_secret)) != ST_OK)
			return st;
		log_add_secret(c->tq.client_secret);
	}
	if ((st = take_secret(ld, K_TQ_PASSWORD, K_TQ_PASSWORD_FILE,
			      K_TQ_PASSWORD_ENV, &c->tq.password)) != ST_OK)
		return st;

	/* [mailbox] */
	if ((st = take_int(ld, K_MB_PORT, 1, 65535, "a port", &c->mbox.port)) !=
		ST_OK ||
	    (st = take_server(ld, c)) != ST_OK ||
	    (st = take_str(ld, K_MB_USERNAME, 0, &c->mbox.username)) != ST_OK ||
	    (st = take_str(ld, K_MB_FOLDER, 0, &c->mbox.folder)) != ST_OK ||
	    (st = take_str(ld, K_MB_PROXY_ADDRESS, 0,
			   &c->mbox.proxy_address)) != ST_OK ||
	    (st = take_int(ld, K_MB_PROXY_PORT, 1, 65535, "a port",
			   &c->mbox.proxy_port)) != ST_OK ||
	    (st = take_word(ld, K_MB_PROXY_TYPE, proxies, 2, "a proxy type",
			    &c->mbox.proxy_type)) != ST_OK ||
	    (st = take_str(ld, K_MB_CA_FILE, 1, &c->mbox.ca_file)) != ST_OK ||
	    (st = take_bool(ld, K_MB_VERIFY_TLS, &c->mbox.verify_tls)) !=
		ST_OK ||
	    (st = take_bool(ld, K_MB_ALLOW_PLAINTEXT,
			    &c->mbox.allow_plaintext)) != ST_OK ||
	    (st = take_word(ld, K_MB_AUTH, auths, 3, "an authentication method",
			    &c->mbox.auth)) != ST_OK ||
	    (st = take_str(ld, K_MB_FAILED_FOLDER, 0,
			   &c->mbox.failed_folder)) != ST_OK ||
	    (st = take_str(ld, K_MB_PROXY_USERNAME, 0,
			   &c->mbox.proxy_username)) != ST_OK ||
	    (st = take_str(ld, K_MB_PROXY_PASSWORD, 0,
			   &c->mbox.proxy_password)) != ST_OK ||
	    (st = take_long(ld, K_MB_TIMEOUT, 1, 3600, "a number of seconds",
			    &c->mbox.timeout)) != ST_OK)
		return st;
	if (c->mbox.proxy_password != NULL)
		log_add_secret(c->mbox.proxy_password);
	if (c->mbox.proxy_address != NULL) {
		if (!host_chars_ok(c->mbox.proxy_address)) {
			char shown[SHOW_MAX + 8];

			show(shown, sizeof(shown), c->mbox.proxy_address);
			kerr(ld, K_MB_PROXY_ADDRESS,
			     "'%s' is not a host name or IP address", shown);
			return ST_CONFIG;
		}
		if (c->mbox.proxy_port == 0) {
			seterr(
			    ld->err, ld->errsz,
			    "%s:%zu: [mailbox] "
			    "proxy_port is required when proxy_address is set",
			    ld->path, ld->line[K_MB_PROXY_ADDRESS]);
			return ST_CONFIG;
		}
		if (c->mbox.proxy_type == NULL &&
		    (c->mbox.proxy_type = strdup("socks5")) == NULL)
			return ST_NOMEM;
	} else if (c->mbox.proxy_port != 0 || c->mbox.proxy_type != NULL) {
		lwarn(ld,
		      "%s:%zu: [mailbox] proxy_port and proxy_type are "
		      "ignored without proxy_address",
		      ld->path,
		      ld->line[c->mbox.proxy_port != 0 ? K_MB_PROXY_PORT
						       : K_MB_PROXY_TYPE]);
		c->mbox.proxy_port = 0;
		free(c->mbox.proxy_type);
		c->mbox.proxy_type = NULL;
	}
	if ((st = take_secret(ld, K_MB_PASSWORD, K_MB_PASSWORD_FILE,
			      K_MB_PASSWORD_ENV, &c->mbox.password)) != ST_OK ||
	    (st = load_oauth2(ld, c)) != ST_OK)
		return st;

	/* [connector] */
	if ((st = take_str(ld, K_CO_SOURCE, 0, &c->conn.source)) != ST_OK ||
	    (st = take_tlp(ld, K_CO_DEFAULT_TLP, &c->conn.default_tlp)) !=
		ST_OK ||
	    (st = take_str(ld, K_CO_EMAIL_FILE_TYPE, 0,
			   &c->conn.email_file_type)) != ST_OK ||
	    (st = take_str(ld, K_CO_EXCLUSIONS_FILE, 1,
			   &c->conn.exclusions_file)) != ST_OK ||
	    (st = take_long(ld, K_CO_MAX_MESSAGE_SIZE, 1, SIZE_CEILING,
			    "a size in bytes", &c->conn.max_message_size)) !=
		ST_OK ||
	    (st = take_long(ld, K_CO_MAX_ATTACHMENT_SIZE, 1, SIZE_CEILING,
			    "a size in bytes", &c->conn.max_attachment_size)) !=
		ST_OK)
		return st;
	l = c->conn.max_attempts;
	if ((st = take_long(ld, K_CO_MAX_ATTEMPTS, 1, 100, "a number", &l)) !=
	    ST_OK)
		return st;
	c->conn.max_attempts = (int)l;
	if ((st = take_long(ld, K_CO_MAX_RUNTIME, 60, 86400,
			    "a number of seconds", &c->conn.max_runtime)) !=
		ST_OK ||
	    (st = take_long(ld, K_CO_MAX_MESSAGES, 1, 1000000, "a number",
			    &c->conn.max_messages)) != ST_OK ||
	    (st = take_long(ld, K_CO_MAX_IN_FLIGHT, 1, MAX_IN_FLIGHT,
			    "a number of messages", &c->conn.max_in_flight)) !=
		ST_OK ||
	    (st = take_word(ld, K_CO_RESERVED, reserved_words,
			    sizeof(reserved_words) / sizeof(reserved_words[0]),
			    "a way to treat reserved indicators",
			    &c->conn.reserved)) != ST_OK ||
	    (st = take_bool(ld, K_CO_INLINE_IMAGES,
			    &c->conn.upload_inline_images)) != ST_OK ||
	    (st = take_str(ld, K_CO_PDFTOTEXT, 1, &c->conn.pdftotext)) != ST_OK)
		return st;
	/* "none" turns PDF text extraction off. */
	if ((v = val(ld, K_CO_PDFTOTEXT)) != NULL &&
	    strcasecmp(v, "none") == 0) {
		free(c->conn.pdftotext);
		c->conn.pdftotext = NULL;
	}
	return ST_OK;
}

enum status
config_load(struct config *c, const char *path, config_warn_fn warn, char *err,
	    size_t errsz)
{
	struct ld ld;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t i;
	enum status rv = ST_NOMEM;
	int saved = 0;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.warn = warn;
	ld.err = err;
	ld.errsz = errsz;
	if (err != NULL && errsz > 0)
		err[0] = '\0';

	config_defaults(c);
	if (c->tq.status == NULL || c->mbox.folder == NULL ||
	    c->conn.source == NULL || c->conn.default_tlp == NULL ||
	    c->conn.email_file_type == NULL ||
	    (c->path = strdup(path)) == NULL ||
	    (ld.dir = atomicfile_dir_of(path)) == NULL) {
		seterr(err, errsz, "%s: out of memory", path);
		goto out;
	}

	if (read_file(path, MAX_CONFIG_SIZE, &text, &len, &st) == -1) {
		saved = errno;
		if (saved == EFBIG) {
			seterr(err, errsz, "%s: larger than %u bytes", path,
			       MAX_CONFIG_SIZE);
			rv = ST_CONFIG;
		} else if (saved == EINVAL) {
			seterr(err, errsz, "%s: not a regular file", path);
			rv = ST_CONFIG;
		} else {
			seterr(err, errsz, "%s: %s", path, strerror(saved));
			rv = ST_IO;
		}
		goto out;
	}
	if ((rv = scan(&ld, text, len)) != ST_OK)
		goto out;

	iniparser_set_error_callback(ini_swallow);
	if ((ld.d = iniparser_load(path)) == NULL) {
		seterr(err, errsz, "%s: iniparser could not read the file",
		       path);
		rv = ST_CONFIG;
		goto out;
	}

	if ((st.st_mode & 077) &&
	    (val(&ld, K_TQ_PASSWORD) != NULL ||
	     val(&ld, K_TQ_CLIENT_SECRET) != NULL ||
	     val(&ld, K_MB_PASSWORD) != NULL ||
	     val(&ld, K_MB_PROXY_PASSWORD) != NULL ||
	     val(&ld, K_MB_OAUTH2_CLIENT_SECRET) != NULL ||
	     val(&ld, K_MB_OAUTH2_REFRESH_TOKEN) != NULL)) {
		seterr(err, errsz,
		       "%s: holds a password but is readable by "
		       "others (mode %04o); run: chmod 600 %s",
		       path, (unsigned)(st.st_mode & 07777), path);
		rv = ST_CONFIG;
		goto out;
	}

	if ((rv = load_values(&ld, c)) == ST_NOMEM)
		seterr(err, errsz, "%s: out of memory", path);
out:
	if (ld.d != NULL) {
		/* The dictionary holds the secrets too. */
		for (i = 0; i < ld.d->size; i++)
			if (ld.d->val != NULL && ld.d->val[i] != NULL)
				explicit_bzero(ld.d->val[i],
					       strlen(ld.d->val[i]));
		iniparser_freedict(ld.d);
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	free(ld.dir);
	if (rv != ST_OK)
		config_free(c);
	if (saved != 0)
		errno = saved;
	return rv;
}

enum status
config_check_online(const struct config *c, int mailbox, char *err,
		    size_t errsz)
{
	const char *path = c->path != NULL ? c->path : "configuration";
	const char *missing = NULL, *why = "";
	int xoauth2;

	xoauth2 = c->mbox.auth != NULL && strcmp(c->mbox.auth, "xoauth2") == 0;
	/* With a client secret the client_credentials grant needs no user. */
	if (c->tq.host == NULL)
		missing = "[threatq] host";
	else if (c->tq.client_id == NULL)
		missing = "[threatq] client_id";
	else if (c->tq.client_secret == NULL && c->tq.username == NULL)
		missing = "[threatq] username";
	else if (c->tq.client_secret == NULL && c->tq.password == NULL)
		missing = "[threatq] password";
	else if (mailbox && c->mbox.server == NULL)
		missing = "[mailbox] server";
	else if (mailbox && c->mbox.username == NULL)
		missing = "[mailbox] username";
	else if (mailbox && !xoauth2 && c->mbox.password == NULL)
		missing = "[mailbox] password";
	else if (mailbox && xoauth2) {
		why = " (auth = xoauth2 needs it)";
		if (c->mbox.oauth2_token_url == NULL)
			missing = "[mailbox] oauth2_token_url";
		else if (c->mbox.oauth2_client_id == NULL)
			missing = "[mailbox] oauth2_client_id";
		else if (c->mbox.oauth2_refresh_token == NULL &&
			 c->mbox.oauth2_scope == NULL) {
			missing =
			    "[mailbox] oauth2_refresh_token or oauth2_scope";
			why = " (auth = xoauth2 needs one: the refresh_token "
			      "grant, or client_credentials with a scope)";
		} else if (c->mbox.oauth2_refresh_token == NULL &&
			   c->mbox.oauth2_client_secret == NULL) {
			missing = "[mailbox] oauth2_client_secret";
			why = " (the client_credentials grant, oauth2_scope "
			      "without oauth2_refresh_token, needs it)";
		}
	}
	if (missing == NULL)
		return ST_OK;
	seterr(err, errsz, "%s: %s is not set%s", path, missing, why);
	return ST_CONFIG;
}

/*
 * Ask one question.  The answer, without its line end, goes to ans; with
 * secret set and in a terminal, echo is off while it is typed.
 */
static enum status
ask(FILE *in, FILE *out, const char *prompt, const char *label, int secret,
    char *ans, size_t anssz, char *err, size_t errsz)
{
	struct termios old, quiet;
	size_t n;
	int fd, echo_off = 0;
	char *r;

	/* Echo goes off before the prompt shows, so nothing typed after it
	 * echoes. */
	fd = fileno(in);
	if (secret && fd != -1 && isatty(fd) && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		if (tcsetattr(fd, TCSANOW, &quiet) == 0)
			echo_off = 1;
	}
	fputs(prompt, out);
	fflush(out);
	r = fgets(ans, (int)anssz, in);
	if (echo_off) {
		tcsetattr(fd, TCSANOW, &old);
		fputs("\n", out);
		fflush(out);
	}
	if (r == NULL) {
		seterr(err, errsz, "input ended before %s was answered", label);
		return ST_CONFIG;
	}
	n = strlen(ans);
	if (n > 0 && ans[n - 1] == '\n')
		ans[--n] = '\0';
	else if (!feof(in)) {
		seterr(err, errsz, "%s: answer longer than %zu bytes", label,
		       anssz - 2);
		return ST_CONFIG;
	}
	if (n > 0 && ans[n - 1] == '\r')
		ans[--n] = '\0';
	return ST_OK;
}

/*
 * Append "key = value" quoted so iniparser 4.1 reads value back unchanged:
 * within double quotes anything but '"' survives, within single quotes
 * anything but '\''.  -1 when value cannot be written.
 */
static int
put_kv(char *text, size_t textsz, size_t *len, const char *key,
       const char *value)
{
	char q;
	int n;
	size_t i;

	for (i = 0; value[i] != '\0'; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') ||
		    value[i] == 0x7f)
			return -1;
	if (strchr(value, '"') == NULL)
		q = '"';
	else if (strchr(value, '\'') == NULL)
		q = '\'';
	else
		return -1;
	n = snprintf(text + *len, textsz - *len, "%s = %c%s%c\n", key, q, value,
		     q);
	if (n < 0 || (size_t)n >= textsz - *len || n > CONFIG_LINE_MAX)
		return -1;
	*len += (size_t)n;
	return 0;
}

static int
put_s(char *text, size_t textsz, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n >= textsz - *len)
		return -1;
	memcpy(text + *len, s, n + 1);
	*len += n;
	return 0;
}

/* Trim surrounding white space of a non-secret answer in place. */
static void
trim(char *s)
{
	size_t n = strlen(s);
	char *p;

	p = strip(s, &n);
	memmove(s, p, n + 1);
}

enum status
config_first_run(const char *path, FILE *in, FILE *out, char *err, size_t errsz)
{
	static const struct {
		const char *prompt;
		const char *label;
		const char *key;
		int secret;
	} q[] = {{"ThreatQ Host: ", "ThreatQ Host", "host", 0},
		 {"ThreatQ Client ID: ", "ThreatQ Client ID", "client_id", 0},
		 {"ThreatQ Username: ", "ThreatQ Username", "username", 0},
		 {"ThreatQ Password: ", "ThreatQ Password", "password", 1},
		 {"Status [Review]: ", "Status", "status", 0}};
	char ans[5][ANSWER_MAX + 2];
	char text[FIRST_RUN_MAX], num[64];
	size_t len = 0, i;
	enum status rv = ST_CONFIG;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	memset(ans, 0, sizeof(ans));
	for (i = 0; i < 5; i++) {
		if ((rv = ask(in, out, q[i].prompt, q[i].label, q[i].secret,
			      ans[i], sizeof(ans[i]), err, errsz)) != ST_OK)
			goto out;
		if (!q[i].secret)
			trim(ans[i]);
		if (ans[i][0] == '\0' && i == 4)
			strncpy(ans[i], "Review", sizeof(ans[i]) - 1);
		if (ans[i][0] == '\0') {
			seterr(err, errsz, "%s: an answer is required",
			       q[i].label);
			rv = ST_CONFIG;
			goto out;
		}
		if (q[i].secret)
			log_add_secret(ans[i]);
	}

	rv = ST_CONFIG;
	if (put_s(
		text, sizeof(text), &len,
		"; tq-conn-intel-mailbox-reports configuration, written by the "
		"first run.\n"
		"; See tq-conn-intel-mailbox-reports.conf(5).  This file holds "
		"a "
		"password:\n"
		"; keep it mode 0600.\n"
		"\n"
		"[threatq]\n") == -1)
		goto toolong;
	for (i = 0; i < 5; i++) {
		if (put_kv(text, sizeof(text), &len, q[i].key, ans[i]) == -1) {
			seterr(err, errsz,
			       "%s: cannot be written to the "
			       "file (control characters, or both ' and \")",
			       q[i].label);
			goto out;
		}
	}
	if (put_s(text, sizeof(text), &len,
		  "; client_secret =\n"
		  "; ca_file =\n"
		  "; verify_tls = true\n"
		  "\n"
		  "[mailbox]\n"
		  "; The mailbox to read: set server, username and one of "
		  "password,\n"
		  "; password_file and password_env, then remove the leading "
		  "';'.\n"
		  "; server = imap.example.com\n"
		  "; port = 993\n"
		  "; username = reports@example.com\n"
		  "; password =\n"
		  "; password_file =\n"
		  "; password_env =\n"
		  "; folder = INBOX\n"
		  "; proxy_address =\n"
		  "; proxy_port = 1080\n"
		  "; proxy_type = socks5\n"
		  "; ca_file =\n"
		  "; verify_tls = true\n"
		  "; allow_plaintext = false\n"
		  "; auth = login\n"
		  "\n"
		  "[connector]\n"
		  "; source = Intel Mailbox\n"
		  "; default_tlp = AMBER\n"
		  "; email_file_type = Generic Text\n"
		  "; exclusions_file =\n"
		  "; reserved_indicators = mark\n"
		  "; upload_inline_images = false\n"
		  "; pdftotext = " PDF_TEXT_PROGRAM "\n") == -1)
		goto toolong;
	snprintf(num, sizeof(num), "; max_message_size = %lu\n",
		 (unsigned long)MAX_MESSAGE_SIZE);
	if (put_s(text, sizeof(text), &len, num) == -1)
		goto toolong;
	snprintf(num, sizeof(num), "; max_attachment_size = %lu\n",
		 (unsigned long)MAX_ATTACHMENT_SIZE);
	if (put_s(text, sizeof(text), &len, num) == -1 ||
	    put_s(text, sizeof(text), &len, "; max_attempts = 3\n") == -1 ||
	    put_s(text, sizeof(text), &len, "; max_in_flight = 4\n") == -1)
		goto toolong;

	rv = atomicfile_write(path, text, len, err, errsz);
	goto out;
toolong:
	seterr(err, errsz, "%s: configuration too long", path);
	rv = ST_CONFIG;
out:
	explicit_bzero(ans, sizeof(ans));
	explicit_bzero(text, sizeof(text));
	return rv;
}
