/*
 * The IMAP side with libetpan.  The TCP connection comes from
 * socks_connect() (direct or through a proxy); libetpan runs TLS over that
 * descriptor, IMAPS or STARTTLS.  libetpan's GnuTLS build does not verify
 * the server's certificate, so after every handshake and before any
 * credentials we verify the peer chain ourselves (tls.c).
 *
 * AUTHENTICATE PLAIN goes out as one line with an initial response when the
 * server has SASL-IR (RFC 4959), through mailimap_custom_command(); without
 * SASL-IR we use mailimap_authenticate(), which needs Cyrus SASL's PLAIN
 * module at run time.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "bounds.h"
#include "buf.h"
#include "imap.h"
#include "imapguard.h"
#include "log.h"
#include "tls.h"

#define IMAP_PORT_TLS 993     /* IMAPS */
#define IMAP_PORT_PLAIN 143   /* IMAP, STARTTLS */
#define IMAP_DEF_TIMEOUT 60   /* seconds, when none is configured */
#define IMAP_MAX_TIMEOUT 3600 /* seconds */
#define IMAP_MAX_MAILBOX 1024 /* encoded mailbox name, bytes */
#define IMAP_MAX_FLAG 256     /* a keyword, bytes */
#define IMAP_MAX_CRED 1024    /* username or password, bytes */
#define IMAP_MAX_TOKEN 16384  /* XOAUTH2 access token, bytes */
#define IMAP_MAX_AUTH_LINE (4 * IMAP_MAX_CRED + 64) /* AUTHENTICATE */
#define IMAP_MAX_SERVER 1024			    /* host name */
#define IMAP_MUTF7_RUN 256		/* UTF-16 units encoded in one go */
#define IMAP_MAX_CHUNK (UINT32_MAX / 2) /* fetch_chunk ceiling, bytes */

struct imap {
	mailimap *imap;
	mailstream_low *guard; /* under libetpan's parser (imapguard.h) */
	char *server;	       /* for messages and SNI */
	uint32_t uidvalidity;
	size_t chunk; /* body bytes per partial fetch */
	int dead;     /* connection lost or never trusted */
	int preauth;  /* greeting was PREAUTH: no login */
};

static const char b64_mutf7[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Decode one UTF-8 sequence at s (len bytes left): the code point, or -1
 * for an invalid, overlong, surrogate or out-of-range sequence.
 */
static long
utf8_next(const unsigned char *s, size_t len, size_t *used)
{
	long cp;
	size_t n, i;

	if (s[0] < 0x80) {
		*used = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return -1;
	if (len < n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*used = n;
	return cp;
}

/* Base64 (modified alphabet, no padding) of UTF-16BE units, into b. */
static int
mutf7_flush(struct buf *b, const uint16_t *u, size_t n)
{
	unsigned char bytes[2 * IMAP_MUTF7_RUN];
	size_t nb = 0, i;
	uint32_t v;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		bytes[nb++] = u[i] >> 8;
		bytes[nb++] = u[i] & 0xff;
	}
	if (buf_addc(b, '&') == -1)
		return -1;
	for (i = 0; i < nb; i += 3) {
		v = (uint32_t)bytes[i] << 16;
		if (i + 1 < nb)
			v |= (uint32_t)bytes[i + 1] << 8;
		if (i + 2 < nb)
			v |= bytes[i + 2];
		if (buf_addc(b, b64_mutf7[(v >> 18) & 63]) == -1 ||
		    buf_addc(b, b64_mutf7[(v >> 12) & 63]) == -1)
			return -1;
		if (i + 1 < nb && buf_addc(b, b64_mutf7[(v >> 6) & 63]) == -1)
			return -1;
		if (i + 2 < nb && buf_addc(b, b64_mutf7[v & 63]) == -1)
			return -1;
	}
	return buf_addc(b, '-');
}

/*
 * A UTF-8 mailbox name in RFC 3501 section 5.1.3 modified UTF-7: printable
 * US-ASCII as is ("&" as "&-"), every other run as UTF-16BE in base64 with
 * "," for "/" between "&" and "-".  0, or -1 for invalid UTF-8 or a name
 * longer than the buffer's ceiling.
 */
static int
mutf7_encode(const char *name, struct buf *b)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name), used, nu = 0;
	uint16_t u[IMAP_MUTF7_RUN];
	long cp;

	if (buf_add(b, "", 0) == -1)
		return -1;
	while (len > 0) {
		if ((cp = utf8_next(s, len, &used)) == -1)
			return -1;
		s += used;
		len -= used;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (mutf7_flush(b, u, nu) == -1)
				return -1;
			nu = 0;
			if (cp == '&' ? buf_adds(b, "&-") == -1
				      : buf_addc(b, (char)cp) == -1)
				return -1;
			continue;
		}
		if (nu + 2 > IMAP_MUTF7_RUN) {
			/* Split between whole characters: still valid. */
			if (mutf7_flush(b, u, nu) == -1)
				return -1;
			nu = 0;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[nu++] = 0xd800 | (uint16_t)(cp >> 10);
			u[nu++] = 0xdc00 | (uint16_t)(cp & 0x3ff);
		} else
			u[nu++] = (uint16_t)cp;
	}
	return mutf7_flush(b, u, nu);
}

/* Standard base64 with padding, for AUTHENTICATE PLAIN. */
static int
b64_encode(const unsigned char *p, size_t n, struct buf *b)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		if (buf_addc(b, b64_std[(v >> 18) & 63]) == -1 ||
		    buf_addc(b, b64_std[(v >> 12) & 63]) == -1 ||
		    buf_addc(b, i + 1 < n ? b64_std[(v >> 6) & 63] : '=') ==
			-1 ||
		    buf_addc(b, i + 2 < n ? b64_std[v & 63] : '=') == -1)
			return -1;
	}
	return 0;
}

/* Wipe and release a buffer that held a secret. */
static void
buf_wipe(struct buf *b)
{
	volatile char *p = b->p;
	size_t i;

	for (i = 0; p != NULL && i < b->cap; i++)
		p[i] = 0;
	buf_free(b);
}

static int
is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

/* The server's last response text, escaped, or a placeholder. */
static const char *
resp_text(const struct imap *im, char *out, size_t outsz)
{
	const char *t = im->imap != NULL ? im->imap->imap_response : NULL;

	if (t == NULL || *t == '\0')
		return "(no text)";
	return log_esc(out, outsz, t, strlen(t));
}

static int
conn_error(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_BAD_STATE:
		return 1;
	default:
		return 0;
	}
}

/*
 * A libetpan error from cmd as a status and a message naming the server.
 * Connection-level errors are ST_TEMP and end the session; a refusal by
 * the server (NO/BAD) is refused_st.
 */
static enum status
imap_fail(struct imap *im, int r, const char *cmd, enum status refused_st,
	  char *err, size_t errsz)
{
	char esc[LOG_ESC_SIZE];

	if (r == MAILIMAP_ERROR_MEMORY) {
		snprintf(err, errsz, "server %s: %s: out of memory", im->server,
			 cmd);
		return ST_NOMEM;
	}
	if (conn_error(r)) {
		im->dead = 1;
		if (im->guard != NULL && imapguard_error(im->guard) != NULL) {
			snprintf(err, errsz, "server %s: %s: %s", im->server,
				 cmd, imapguard_error(im->guard));
			return ST_TEMP;
		}
		if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION ||
		    r == MAILIMAP_ERROR_FATAL)
			snprintf(err, errsz,
				 "server %s: connection closed by "
				 "the server during %s: %s",
				 im->server, cmd,
				 resp_text(im, esc, sizeof(esc)));
		else
			snprintf(err, errsz,
				 "server %s: connection lost "
				 "during %s (closed, timed out or unreadable "
				 "reply, libetpan error %d)",
				 im->server, cmd, r);
		return ST_TEMP;
	}
	snprintf(err, errsz, "server %s: %s refused: %s", im->server, cmd,
		 resp_text(im, esc, sizeof(esc)));
	return refused_st;
}

static enum status
imap_dead(const struct imap *im, const char *cmd, char *err, size_t errsz)
{
	snprintf(err, errsz, "server %s: %s: the connection was lost earlier",
		 im->server, cmd);
	return ST_TEMP;
}

/* SNI for host names (RFC 6066 forbids addresses). */
static void
sni_cb(struct mailstream_ssl_context *ctx, void *arg)
{
	struct imap *im = arg;

	if (!is_ip_literal(im->server))
		mailstream_ssl_set_server_name(ctx, im->server);
}

static void
set_sock_timeouts(int fd, int timeout)
{
	struct timeval tv;

	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		log_debug("IMAP: cannot set socket timeouts");
}

/*
 * Verify the peer certificate chain of a TLS stream before anything else
 * is sent over it.  ST_CONFIG with the reason when it does not verify.
 */
static enum status
verify_peer(struct imap *im, const struct imap_opts *o, mailstream *s,
	    char *err, size_t errsz)
{
	struct tls_der der[TLS_MAX_CHAIN];
	carray *chain = NULL;
	unsigned char *leaf = NULL;
	MMAPString *str;
	ssize_t leaflen;
	size_t i, n;
	enum status st = ST_CONFIG;

	if (!o->verify_tls) {
		log_warn("server %s: TLS certificate NOT VERIFIED "
			 "(verify_tls = 0): anyone on the path can read the "
			 "password and the mail",
			 im->server);
		return ST_OK;
	}
	/* Safe probe first: libetpan's chain call assumes a certificate. */
	leaflen = mailstream_ssl_get_certificate(s, &leaf);
	free(leaf);
	if (leaflen <= 0) {
		snprintf(err, errsz, "server %s: sent no certificate",
			 im->server);
		goto out;
	}
	if ((chain = mailstream_get_certificate_chain(s)) == NULL ||
	    (n = carray_count(chain)) == 0) {
		snprintf(err, errsz, "server %s: no certificate chain",
			 im->server);
		goto out;
	}
	if (n > TLS_MAX_CHAIN) {
		snprintf(err, errsz,
			 "server %s: certificate chain of %zu "
			 "exceeds %d",
			 im->server, n, TLS_MAX_CHAIN);
		goto out;
	}
	for (i = 0; i < n; i++) {
		str = carray_get(chain, (unsigned int)i);
		der[i].data = (const unsigned char *)str->str;
		der[i].len = str->len;
	}
	if (tls_verify_chain(der, n, im->server, o->ca_file, err, errsz) == -1)
		goto out;
	log_debug("server %s: certificate verified", im->server);
	st = ST_OK;
out:
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return st;
}

/* CAPABILITY, so mailimap_has_extension() sees the current list. */
static enum status
refresh_caps(struct imap *im, char *err, size_t errsz)
{
	struct mailimap_connection_info *ci = im->imap->imap_connection_info;
	struct mailimap_capability_data *cap = NULL;
	clist *empty;
	int r;

	/*
	 * libetpan 1.9.4 copies the stored list on a tagged OK without
	 * checking it: a server that never sent a CAPABILITY (response or
	 * code), or sent an empty one ("OK [CAPABILITY ]" to LOGIN), would
	 * crash us there (NULL dereference, found by fuzz_imap).  Start
	 * from an empty list instead.
	 */
	if (ci != NULL && (ci->imap_capability == NULL ||
			   ci->imap_capability->cap_list == NULL)) {
		if ((empty = clist_new()) == NULL)
			return imap_fail(im, MAILIMAP_ERROR_MEMORY,
					 "CAPABILITY", ST_TEMP, err, errsz);
		if (ci->imap_capability != NULL)
			ci->imap_capability->cap_list = empty;
		else if ((ci->imap_capability =
			      mailimap_capability_data_new(empty)) == NULL) {
			clist_free(empty);
			return imap_fail(im, MAILIMAP_ERROR_MEMORY,
					 "CAPABILITY", ST_TEMP, err, errsz);
		}
	}
	if ((r = mailimap_capability(im->imap, &cap)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "CAPABILITY", ST_TEMP, err, errsz);
	mailimap_capability_data_free(cap);
	return ST_OK;
}

/*
 * Put the guard (imapguard.h) between s's transport and libetpan, after
 * the certificate checks (libetpan reads the certificate from the TLS
 * layer directly below the stream).
 */
static enum status
guard_stream(struct imap *im, mailstream *s, int greeting, char *err,
	     size_t errsz)
{
	mailstream_low *g;

	if ((g = imapguard_wrap(mailstream_get_low(s), greeting)) == NULL) {
		im->dead = 1;
		snprintf(err, errsz, "server %s: out of memory", im->server);
		return ST_NOMEM;
	}
	mailstream_set_low(s, g);
	im->guard = g;
	return ST_OK;
}

/* IMAPS: TLS from the first byte, verify, read the greeting. */
static enum status
open_tls(struct imap *im, const struct imap_opts *o, int fd, int timeout,
	 char *err, size_t errsz)
{
	mailstream *s;
	int r;
	enum status st;

	s = mailstream_ssl_open_with_callback_timeout(fd, timeout, sni_cb, im);
	if (s == NULL) {
		close(fd);
		im->dead = 1;
		snprintf(err, errsz,
			 "server %s: TLS handshake failed "
			 "(connection closed, timed out, or not an IMAPS port)",
			 im->server);
		return ST_TEMP;
	}
	if ((st = verify_peer(im, o, s, err, errsz)) != ST_OK) {
		mailstream_close(s);
		im->dead = 1;
		return st;
	}
	if ((st = guard_stream(im, s, 1, err, errsz)) != ST_OK) {
		mailstream_close(s);
		return st;
	}
	r = mailimap_connect(im->imap, s); /* owns s from here */
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return imap_fail(im, r, "greeting", ST_TEMP, err, errsz);
	im->preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	return refresh_caps(im, err, errsz);
}

/* Port 143: greeting, STARTTLS when offered, then verify. */
static enum status
open_starttls(struct imap *im, const struct imap_opts *o, int fd, int timeout,
	      char *err, size_t errsz)
{
	mailstream *s;
	mailstream_low *low, *tlow;
	int r;
	enum status st;

	if ((s = mailstream_socket_open_timeout(fd, timeout)) == NULL) {
		close(fd);
		im->dead = 1;
		snprintf(err, errsz, "server %s: out of memory", im->server);
		return ST_NOMEM;
	}
	if ((st = guard_stream(im, s, 1, err, errsz)) != ST_OK) {
		mailstream_close(s);
		return st;
	}
	r = mailimap_connect(im->imap, s); /* owns s from here */
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return imap_fail(im, r, "greeting", ST_TEMP, err, errsz);
	im->preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	if ((st = refresh_caps(im, err, errsz)) != ST_OK)
		return st;
	/* PREAUTH rules out STARTTLS (RFC 3501 6.2.1). */
	if (im->preauth || !mailimap_has_extension(im->imap, "STARTTLS")) {
		log_warn("server %s offers no STARTTLS: the session is NOT "
			 "encrypted",
			 im->server);
		if (!o->allow_plaintext) {
			snprintf(err, errsz,
				 "server %s offers no STARTTLS: "
				 "refusing to send the password in clear (only "
				 "with allow_plaintext)",
				 im->server);
			return ST_CONFIG;
		}
		return ST_OK;
	}
	if ((r = mailimap_starttls(im->imap)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "STARTTLS", ST_TEMP, err, errsz);
	/* Anything buffered now was sent in clear after the OK: injected. */
	if (s->read_buffer_len != 0 || imapguard_pending(im->guard) != 0) {
		im->dead = 1;
		snprintf(err, errsz,
			 "server %s: data after the STARTTLS reply "
			 "(injection?); giving up",
			 im->server);
		return ST_TEMP;
	}
	low = mailstream_get_low(s);
	tlow = mailstream_low_tls_open_with_callback_timeout(
	    mailstream_low_get_fd(low), timeout, sni_cb, im);
	if (tlow == NULL) {
		im->dead = 1;
		snprintf(err, errsz,
			 "server %s: TLS handshake after STARTTLS "
			 "failed",
			 im->server);
		return ST_TEMP;
	}
	mailstream_low_free(low); /* the guard; the descriptor stays open */
	im->guard = NULL;
	mailstream_set_low(s, tlow);
	if ((st = verify_peer(im, o, s, err, errsz)) != ST_OK) {
		im->dead = 1;
		return st;
	}
	if ((st = guard_stream(im, s, 0, err, errsz)) != ST_OK) {
		im->dead = 1;
		return st;
	}
	/* Capabilities from before TLS are not to be trusted. */
	return refresh_caps(im, err, errsz);
}

/* AUTHENTICATE PLAIN; SASL-IR in one line, else through Cyrus SASL. */
static int
auth_plain(struct imap *im, const char *user, const char *pass)
{
	struct buf raw, line;
	int r = MAILIMAP_ERROR_MEMORY;

	if (!mailimap_has_extension(im->imap, "SASL-IR"))
		return mailimap_authenticate(im->imap, "PLAIN", im->server,
					     NULL, NULL, user, user, pass,
					     NULL);
	buf_init(&raw, 2 * IMAP_MAX_CRED + 2);
	buf_init(&line, IMAP_MAX_AUTH_LINE);
	/* authzid NUL authcid NUL password (RFC 4616); authzid empty */
	if (buf_addc(&raw, '\0') == -1 || buf_adds(&raw, user) == -1 ||
	    buf_addc(&raw, '\0') == -1 || buf_adds(&raw, pass) == -1)
		goto out;
	if (buf_adds(&line, "AUTHENTICATE PLAIN ") == -1 ||
	    b64_encode((unsigned char *)raw.p, raw.len, &line) == -1)
		goto out;
	r = mailimap_custom_command(im->imap, line.p);
	if (r == MAILIMAP_NO_ERROR)
		im->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
out:
	buf_wipe(&raw);
	buf_wipe(&line);
	return r;
}

static enum status
do_login(struct imap *im, const struct imap_opts *o, char *err, size_t errsz)
{
	char esc[LOG_ESC_SIZE], esc2[LOG_ESC_SIZE];
	const char *cmd;
	int plain, xoauth2, r;
	enum status st;

	plain = o->auth != NULL && strcasecmp(o->auth, "plain") == 0;
	xoauth2 = o->auth != NULL && strcasecmp(o->auth, "xoauth2") == 0;
	cmd = plain	? "AUTHENTICATE PLAIN"
	      : xoauth2 ? "AUTHENTICATE XOAUTH2"
			: "LOGIN";
	if (plain && !mailimap_has_authentication(im->imap, "PLAIN")) {
		snprintf(err, errsz,
			 "server %s does not offer AUTH=PLAIN; use "
			 "auth = login",
			 im->server);
		return ST_CONFIG;
	}
	if (xoauth2 && !mailimap_has_authentication(im->imap, "XOAUTH2")) {
		snprintf(err, errsz, "server %s does not offer AUTH=XOAUTH2",
			 im->server);
		return ST_CONFIG;
	}
	if (!plain && !xoauth2 &&
	    mailimap_has_extension(im->imap, "LOGINDISABLED")) {
		snprintf(err, errsz,
			 "server %s: LOGIN is disabled on this "
			 "connection (LOGINDISABLED)",
			 im->server);
		return ST_CONFIG;
	}
	log_debug("server %s: %s as \"%s\"", im->server, cmd,
		  log_esc(esc, sizeof(esc), o->username, strlen(o->username)));
	/*
	 * XOAUTH2 (the access token as the password): libetpan sends it with
	 * the command, answers the server's error challenge with the empty
	 * line the mechanism wants, and reads the tagged NO.
	 */
	r = plain     ? auth_plain(im, o->username, o->password)
	    : xoauth2 ? mailimap_oauth2_authenticate(im->imap, o->username,
						     o->password)
		      : mailimap_login(im->imap, o->username, o->password);
	if (r == MAILIMAP_NO_ERROR)
		return refresh_caps(im, err, errsz);
	st = imap_fail(im, r, cmd, ST_AUTH, err, errsz);
	if (st == ST_AUTH)
		snprintf(
		    err, errsz,
		    "server %s: login refused for user \"%s\" "
		    "(%s): %s",
		    im->server,
		    log_esc(esc, sizeof(esc), o->username, strlen(o->username)),
		    cmd, resp_text(im, esc2, sizeof(esc2)));
	return st;
}

static int
opts_ok(const struct imap_opts *o, char *err, size_t errsz)
{
	const char *p;
	int xoauth2;

	xoauth2 = o->auth != NULL && strcasecmp(o->auth, "xoauth2") == 0;
	if (o->server == NULL || *o->server == '\0' ||
	    strlen(o->server) > IMAP_MAX_SERVER) {
		snprintf(err, errsz, "IMAP: no usable server name");
		return 0;
	}
	if (xoauth2 && (o->username == NULL || o->password == NULL ||
			strlen(o->username) > IMAP_MAX_CRED ||
			strlen(o->password) > IMAP_MAX_TOKEN)) {
		snprintf(err, errsz,
			 "server %s: username and access token needed (at "
			 "most %d and %d bytes)",
			 o->server, IMAP_MAX_CRED, IMAP_MAX_TOKEN);
		return 0;
	}
	if (!xoauth2 && (o->username == NULL || o->password == NULL ||
			 strlen(o->username) > IMAP_MAX_CRED ||
			 strlen(o->password) > IMAP_MAX_CRED)) {
		snprintf(err, errsz,
			 "server %s: username and password "
			 "needed (at most %d bytes each)",
			 o->server, IMAP_MAX_CRED);
		return 0;
	}
	/* XOAUTH2 separates its fields with ^A: no control characters. */
	for (p = o->username; xoauth2 && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errsz,
				 "server %s: a username with control "
				 "characters cannot be sent with XOAUTH2",
				 o->server);
			return 0;
		}
	if (o->auth != NULL && strcasecmp(o->auth, "login") != 0 &&
	    strcasecmp(o->auth, "plain") != 0 && !xoauth2) {
		snprintf(err, errsz,
			 "server %s: unknown auth \"%s\" (login, "
			 "plain or xoauth2)",
			 o->server, o->auth);
		return 0;
	}
	if (o->port < 0 || o->port > 65535) {
		snprintf(err, errsz, "server %s: bad port %d", o->server,
			 o->port);
		return 0;
	}
	return 1;
}

/* Encode a UTF-8 folder name for the wire into b, or ST_CONFIG. */
static enum status
folder_name(const char *server, const char *folder, struct buf *b, char *err,
	    size_t errsz)
{
	char esc[LOG_ESC_SIZE];

	if (*folder != '\0' && mutf7_encode(folder, b) == 0)
		return ST_OK;
	snprintf(err, errsz,
		 "server %s: folder \"%s\": empty, not UTF-8 or "
		 "longer than %d bytes encoded",
		 server, log_esc(esc, sizeof(esc), folder, strlen(folder)),
		 IMAP_MAX_MAILBOX);
	return ST_CONFIG;
}

enum status
imap_open(const struct imap_opts *o, struct imap **out, char *err, size_t errsz)
{
	struct imap *im = NULL;
	struct buf mbox;
	const char *folder;
	char esc[LOG_ESC_SIZE], esc2[LOG_ESC_SIZE];
	int fd = -1, port, timeout, r;
	enum status st = ST_CONFIG;

	*out = NULL;
	buf_init(&mbox, IMAP_MAX_MAILBOX);
	if (!opts_ok(o, err, errsz))
		goto out;
	folder = o->folder != NULL ? o->folder : "INBOX";
	if ((st = folder_name(o->server, folder, &mbox, err, errsz)) != ST_OK)
		goto out;
	st = ST_NOMEM;
	if ((im = calloc(1, sizeof(*im))) == NULL ||
	    (im->server = strdup(o->server)) == NULL) {
		snprintf(err, errsz, "IMAP: out of memory");
		goto out;
	}
	log_add_secret(o->password);
	im->chunk = o->fetch_chunk == 0		      ? IMAP_FETCH_CHUNK
		    : o->fetch_chunk > IMAP_MAX_CHUNK ? IMAP_MAX_CHUNK
						      : o->fetch_chunk;
	port = o->port != 0  ? o->port
	       : o->starttls ? IMAP_PORT_PLAIN
			     : IMAP_PORT_TLS;
	timeout = o->timeout <= 0		  ? IMAP_DEF_TIMEOUT
		  : o->timeout > IMAP_MAX_TIMEOUT ? IMAP_MAX_TIMEOUT
						  : o->timeout;

	if ((st = socks_connect(&o->proxy, o->server, port, timeout, &fd, err,
				errsz)) != ST_OK)
		goto out;
	set_sock_timeouts(fd, timeout);
	if ((im->imap = mailimap_new(0, NULL)) == NULL) {
		snprintf(err, errsz, "IMAP: out of memory");
		st = ST_NOMEM;
		goto out;
	}
	mailimap_set_timeout(im->imap, timeout);
	log_debug("server %s: connected to port %d, %s", im->server, port,
		  o->starttls ? "STARTTLS" : "IMAPS");
	st = o->starttls ? open_starttls(im, o, fd, timeout, err, errsz)
			 : open_tls(im, o, fd, timeout, err, errsz);
	fd = -1; /* closed or owned by the session now */
	if (st != ST_OK)
		goto out;
	if (im->preauth)
		log_info("server %s: pre-authenticated (PREAUTH), no login",
			 im->server);
	else if ((st = do_login(im, o, err, errsz)) != ST_OK)
		goto out;

	if ((r = mailimap_select(im->imap, mbox.p)) != MAILIMAP_NO_ERROR) {
		st = imap_fail(im, r, "SELECT", ST_CONFIG, err, errsz);
		if (st == ST_CONFIG)
			snprintf(
			    err, errsz,
			    "server %s: folder \"%s\" cannot "
			    "be selected: %s",
			    im->server,
			    log_esc(esc, sizeof(esc), folder, strlen(folder)),
			    resp_text(im, esc2, sizeof(esc2)));
		goto out;
	}
	if (im->imap->imap_selection_info != NULL)
		im->uidvalidity =
		    im->imap->imap_selection_info->sel_uidvalidity;
	if (im->uidvalidity == 0)
		log_warn("server %s: folder \"%s\" has no UIDVALIDITY",
			 im->server,
			 log_esc(esc, sizeof(esc), folder, strlen(folder)));
	log_debug("server %s: selected \"%s\", UIDVALIDITY %u", im->server,
		  log_esc(esc, sizeof(esc), folder, strlen(folder)),
		  (unsigned int)im->uidvalidity);
	st = ST_OK;
out:
	if (fd != -1)
		close(fd);
	buf_free(&mbox);
	if (st == ST_OK)
		*out = im;
	else
		imap_close(im);
	return st;
}

uint32_t
imap_uidvalidity(const struct imap *im)
{
	return im->uidvalidity;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A search key without arguments (UNSEEN, UNDELETED, ...). */
static struct mailimap_search_key *
simple_key(int type)
{
	return mailimap_search_key_new(type, NULL, NULL, NULL, NULL, NULL, NULL,
				       NULL, NULL, NULL, NULL, NULL, NULL, NULL,
				       NULL, 0, NULL, NULL, NULL, NULL, NULL,
				       NULL, 0, NULL, NULL, NULL);
}

/*
 * UID SEARCH UNSEEN UNDELETED: a message marked \Deleted is on its way
 * out (e.g. copied away on a server without UIDPLUS) and is not read.
 */
enum status
imap_unseen(struct imap *im, size_t max, uint32_t **uids, size_t *n, char *err,
	    size_t errsz)
{
	struct mailimap_search_key *key = NULL, *k;
	clist *res = NULL;
	clistiter *it;
	uint32_t *v = NULL;
	size_t cnt = 0, i, j;
	int r;
	enum status st = ST_NOMEM;

	*uids = NULL;
	*n = 0;
	if (im->dead)
		return imap_dead(im, "UID SEARCH", err, errsz);
	if ((key = mailimap_search_key_new_multiple_empty()) == NULL)
		goto nomem;
	if ((k = simple_key(MAILIMAP_SEARCH_KEY_UNSEEN)) == NULL)
		goto nomem;
	if (mailimap_search_key_multiple_add(key, k) != MAILIMAP_NO_ERROR) {
		mailimap_search_key_free(k);
		goto nomem;
	}
	if ((k = simple_key(MAILIMAP_SEARCH_KEY_UNDELETED)) == NULL)
		goto nomem;
	if (mailimap_search_key_multiple_add(key, k) != MAILIMAP_NO_ERROR) {
		mailimap_search_key_free(k);
		goto nomem;
	}
	r = mailimap_uid_search(im->imap, NULL, key, &res);
	if (r != MAILIMAP_NO_ERROR) {
		st = imap_fail(im, r, "UID SEARCH UNSEEN", ST_TEMP, err, errsz);
		goto out;
	}
	cnt = clist_count(res);
	if (cnt > 0 && (v = calloc(cnt, sizeof(*v))) == NULL)
		goto nomem;
	i = 0;
	for (it = clist_begin(res); it != NULL && i < cnt; it = clist_next(it))
		if (clist_content(it) != NULL)
			v[i++] = *(uint32_t *)clist_content(it);
	cnt = i;
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_u32);
	for (i = j = 0; i < cnt; i++) /* drop duplicates and zero */
		if (v[i] != 0 && (j == 0 || v[j - 1] != v[i]))
			v[j++] = v[i];
	if (j > max) {
		log_info("server %s: %zu unread messages, taking the oldest "
			 "%zu this run",
			 im->server, j, max);
		j = max;
	}
	if (j == 0) {
		free(v);
		v = NULL;
	}
	*uids = v;
	*n = j;
	v = NULL;
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "server %s: UID SEARCH: out of memory",
		 im->server);
	st = ST_NOMEM;
out:
	free(v);
	if (res != NULL)
		mailimap_search_result_free(res);
	if (key != NULL)
		mailimap_search_key_free(key);
	return st;
}

static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* INTERNALDATE to time_t; -1 when out of range. */
static time_t
imap_date(const struct mailimap_date_time *dt)
{
	long long t, zone;

	if (dt->dt_month < 1 || dt->dt_month > 12 || dt->dt_day < 1 ||
	    dt->dt_day > 31 || dt->dt_year < 1970 || dt->dt_year > 9999 ||
	    dt->dt_hour < 0 || dt->dt_hour > 23 || dt->dt_min < 0 ||
	    dt->dt_min > 59 || dt->dt_sec < 0 || dt->dt_sec > 60)
		return -1;
	zone = dt->dt_zone; /* e.g. -0130 as -130 */
	zone = (zone / 100) * 3600 + (zone % 100) * 60;
	t = days_from_civil(dt->dt_year, (unsigned)dt->dt_month,
			    (unsigned)dt->dt_day) *
		86400 +
	    dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec - zone;
	return (time_t)t;
}

/* What one UID FETCH returned for our UID. */
struct fetched {
	int found;
	uint32_t size;
	int has_size;
	const char *body;
	size_t bodylen;
	int has_body;
	time_t date;
};

static void
scan_fetch(clist *res, uint32_t uid, struct fetched *f)
{
	struct mailimap_msg_att *ma;
	struct mailimap_msg_att_item *it;
	struct mailimap_msg_att_static *sa;
	struct mailimap_msg_att_body_section *bs;
	struct fetched one;
	clistiter *c, *d;

	memset(f, 0, sizeof(*f));
	f->date = -1;
	for (c = clist_begin(res); c != NULL; c = clist_next(c)) {
		ma = clist_content(c);
		memset(&one, 0, sizeof(one));
		one.date = -1;
		for (d = clist_begin(ma->att_list); d != NULL;
		     d = clist_next(d)) {
			it = clist_content(d);
			if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			sa = it->att_data.att_static;
			switch (sa->att_type) {
			case MAILIMAP_MSG_ATT_UID:
				one.found = sa->att_data.att_uid == uid;
				break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE:
				one.size = sa->att_data.att_rfc822_size;
				one.has_size = 1;
				break;
			case MAILIMAP_MSG_ATT_INTERNALDATE:
				one.date =
				    imap_date(sa->att_data.att_internal_date);
				break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				bs = sa->att_data.att_body_section;
				one.body = bs->sec_body_part;
				one.bodylen = bs->sec_length;
				one.has_body = 1;
				break;
			default:
				break;
			}
		}
		/* Unsolicited FETCH responses for other messages: skip. */
		if (one.found) {
			*f = one;
			return;
		}
	}
}

/* UID FETCH uid with the attributes in ft (consumed). */
static int
uid_fetch(struct imap *im, uint32_t uid, struct mailimap_fetch_type *ft,
	  clist **res)
{
	struct mailimap_set *set;
	int r;

	*res = NULL;
	if ((set = mailimap_set_new_single(uid)) == NULL) {
		mailimap_fetch_type_free(ft);
		return MAILIMAP_ERROR_MEMORY;
	}
	r = mailimap_uid_fetch(im->imap, set, ft, res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	return r;
}

/* Add fa (NULL: out of memory) to ft, or free it: 0 or -1. */
static int
ft_add(struct mailimap_fetch_type *ft, struct mailimap_fetch_att *fa)
{
	if (fa == NULL)
		return -1;
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0) {
		mailimap_fetch_att_free(fa);
		return -1;
	}
	return 0;
}

/*
 * RFC822.SIZE alone; or BODY.PEEK[] (never sets \Seen), whole or from off
 * for n bytes (partial), with INTERNALDATE when date.
 */
static struct mailimap_fetch_type *
fetch_type_of(int body, int partial, uint32_t off, uint32_t n, int date)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_fetch_att *fa;
	struct mailimap_section *sec;

	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL)
		return NULL;
	if (!body) {
		if (ft_add(ft, mailimap_fetch_att_new_rfc822_size()) == -1)
			goto fail;
		return ft;
	}
	if ((sec = mailimap_section_new(NULL)) == NULL)
		goto fail;
	fa = partial
		 ? mailimap_fetch_att_new_body_peek_section_partial(sec, off, n)
		 : mailimap_fetch_att_new_body_peek_section(sec);
	if (fa == NULL) {
		mailimap_section_free(sec);
		goto fail;
	}
	if (ft_add(ft, fa) == -1 ||
	    (date && ft_add(ft, mailimap_fetch_att_new_internaldate()) == -1))
		goto fail;
	return ft;
fail:
	mailimap_fetch_type_free(ft);
	return NULL;
}

static struct mailimap_fetch_type *
fetch_type(int body)
{
	return fetch_type_of(body, 0, 0, 0, 1);
}

/* BODY.PEEK[]<off.n>, with INTERNALDATE when date. */
static struct mailimap_fetch_type *
fetch_type_partial(uint32_t off, uint32_t n, int date)
{
	return fetch_type_of(1, 1, off, n, date);
}

/* What one partial fetch returned for our UID, over all its responses. */
struct part {
	int found;	  /* a FETCH response for the UID */
	int nbody;	  /* body sections in those */
	int whole;	  /* the first is BODY[] (no section part) */
	uint32_t origin;  /* its origin octet */
	const char *body; /* its bytes (may be NULL for NIL) */
	size_t bodylen;
	time_t date;
};

static int
att_uid_is(clist *atts, uint32_t uid)
{
	struct mailimap_msg_att_item *it;
	clistiter *d;

	for (d = clist_begin(atts); d != NULL; d = clist_next(d)) {
		it = clist_content(d);
		if (it->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    it->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
			return it->att_data.att_static->att_data.att_uid == uid;
	}
	return 0;
}

static void
scan_part(clist *res, uint32_t uid, struct part *p)
{
	struct mailimap_msg_att *ma;
	struct mailimap_msg_att_item *it;
	struct mailimap_msg_att_static *sa;
	struct mailimap_msg_att_body_section *bs;
	clistiter *c, *d;

	memset(p, 0, sizeof(*p));
	p->date = -1;
	for (c = clist_begin(res); c != NULL; c = clist_next(c)) {
		ma = clist_content(c);
		if (!att_uid_is(ma->att_list, uid))
			continue; /* unsolicited, for another message */
		p->found = 1;
		for (d = clist_begin(ma->att_list); d != NULL;
		     d = clist_next(d)) {
			it = clist_content(d);
			if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			sa = it->att_data.att_static;
			if (sa->att_type == MAILIMAP_MSG_ATT_INTERNALDATE &&
			    sa->att_data.att_internal_date != NULL)
				p->date =
				    imap_date(sa->att_data.att_internal_date);
			if (sa->att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
				continue;
			if (p->nbody++ > 0)
				continue;
			bs = sa->att_data.att_body_section;
			p->whole = bs->sec_section == NULL ||
				   bs->sec_section->sec_spec == NULL;
			p->origin = bs->sec_origin_octet;
			p->body = bs->sec_body_part;
			p->bodylen =
			    bs->sec_body_part != NULL ? bs->sec_length : 0;
		}
	}
}

/*
 * A message of size bytes (RFC822.SIZE, over im->chunk) in partial fetches
 * of im->chunk bytes, each copied straight into one buffer of size + 1
 * bytes: libetpan holds one part at a time, never the whole message beside
 * ours.  The last fetch asks for one byte more than the size leaves, so
 * that a longer message shows.  Every answer must be what the size
 * promised: one BODY[] at the origin asked for, with as many bytes as
 * asked (the last: as many as were left), and the guard holds every
 * literal to the bytes asked for.  Anything else (a wrong RFC822.SIZE, a
 * server without partial fetches, a message that changed or went away in
 * between) sets *fallback with the reason in why, and the caller fetches
 * the message whole.  A lost connection or no memory is the status.
 */
static enum status
fetch_parts(struct imap *im, uint32_t uid, uint32_t size, char **raw,
	    size_t *len, time_t *date, int *fallback, char *why, size_t whysz,
	    char *err, size_t errsz)
{
	struct mailimap_fetch_type *ft;
	struct part p;
	clist *res = NULL;
	char *buf;
	char cmd[96], esc[LOG_ESC_SIZE];
	size_t off = 0, want, ask, expect;
	unsigned long long cut;
	unsigned int n = 0;
	int r;
	enum status st = ST_NOMEM;

	*fallback = 0;
	if ((buf = malloc((size_t)size + 1)) == NULL)
		goto nomem;
	for (;;) {
		want = (size_t)size - off;
		ask = want < im->chunk ? want + 1 : im->chunk;
		expect = want < im->chunk ? want : im->chunk;
		snprintf(
		    cmd, sizeof(cmd), "UID FETCH %u (BODY.PEEK[]<%zu.%zu>%s)",
		    (unsigned int)uid, off, ask, n == 0 ? " INTERNALDATE" : "");
		if ((ft = fetch_type_partial((uint32_t)off, (uint32_t)ask,
					     n == 0)) == NULL)
			goto nomem;
		imapguard_body_begin(im->guard, ask);
		r = uid_fetch(im, uid, ft, &res);
		cut = imapguard_body_end(im->guard);
		n++;
		if (r == MAILIMAP_ERROR_MEMORY || conn_error(r)) {
			st = imap_fail(im, r, cmd, ST_MSG_BAD, err, errsz);
			goto out;
		}
		if (r != MAILIMAP_NO_ERROR) {
			snprintf(why, whysz, "%s refused: %s", cmd,
				 resp_text(im, esc, sizeof(esc)));
			goto fallback;
		}
		scan_part(res, uid, &p);
		if (cut > 0)
			snprintf(why, whysz,
				 "%s: a literal of %llu bytes (RFC822.SIZE %u)",
				 cmd, cut, (unsigned int)size);
		else if (!p.found || p.nbody != 1 || !p.whole)
			snprintf(why, whysz, "%s: %s", cmd,
				 !p.found ? "no answer for that UID"
				 : p.nbody != 1
				     ? "not one body in the answer"
				     : "another section in the answer");
		else if (p.origin != off)
			snprintf(why, whysz, "%s: the answer starts at %u", cmd,
				 (unsigned int)p.origin);
		else if (p.bodylen != expect)
			snprintf(why, whysz,
				 "%s: %zu bytes where RFC822.SIZE %u left %zu",
				 cmd, p.bodylen, (unsigned int)size, want);
		else
			why[0] = '\0';
		if (why[0] != '\0')
			goto fallback;
		if (p.bodylen > 0) /* never more than size - off: checked */
			memcpy(buf + off, p.body, p.bodylen);
		off += p.bodylen;
		if (n == 1)
			*date = p.date;
		mailimap_fetch_list_free(res);
		res = NULL;
		if (want < im->chunk) /* the last part: asked for one more */
			break;
	}
	buf[size] = '\0';
	*raw = buf;
	*len = size;
	buf = NULL;
	log_debug("server %s: fetched UID %u, %u bytes in %u parts", im->server,
		  (unsigned int)uid, (unsigned int)size, n);
	st = ST_OK;
	goto out;
fallback:
	*fallback = 1;
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "server %s: UID FETCH: out of memory", im->server);
	st = ST_NOMEM;
out:
	free(buf);
	if (res != NULL)
		mailimap_fetch_list_free(res);
	return st;
}

enum status
imap_fetch(struct imap *im, uint32_t uid, size_t max, char **raw, size_t *len,
	   time_t *internaldate, char *err, size_t errsz)
{
	struct mailimap_fetch_type *ft;
	struct fetched f;
	clist *res = NULL;
	char cmd[64], why[512];
	time_t date = -1;
	unsigned long long cut;
	int r, fallback = 0;
	enum status st = ST_NOMEM;

	*raw = NULL;
	*len = 0;
	if (internaldate != NULL)
		*internaldate = -1;
	if (im->dead)
		return imap_dead(im, "UID FETCH", err, errsz);

	/* The size first: libetpan would read any literal into memory. */
	snprintf(cmd, sizeof(cmd), "UID FETCH %u (RFC822.SIZE)",
		 (unsigned int)uid);
	if ((ft = fetch_type(0)) == NULL)
		goto nomem;
	if ((r = uid_fetch(im, uid, ft, &res)) != MAILIMAP_NO_ERROR) {
		st = imap_fail(im, r, cmd, ST_MSG_BAD, err, errsz);
		goto out;
	}
	scan_fetch(res, uid, &f);
	if (!f.found) {
		snprintf(err, errsz,
			 "server %s: message UID %u no longer "
			 "exists",
			 im->server, (unsigned int)uid);
		st = ST_TEMP;
		goto out;
	}
	if (f.has_size && f.size > max) {
		snprintf(err, errsz,
			 "server %s: message UID %u is %u bytes, "
			 "over the limit of %zu",
			 im->server, (unsigned int)uid, (unsigned int)f.size,
			 max);
		st = ST_MSG_BAD;
		goto out;
	}
	mailimap_fetch_list_free(res);
	res = NULL;

	if (f.has_size && f.size > im->chunk) {
		st = fetch_parts(im, uid, f.size, raw, len, &date, &fallback,
				 why, sizeof(why), err, errsz);
		if (st == ST_OK && !fallback && internaldate != NULL)
			*internaldate = date;
		if (st != ST_OK || !fallback)
			return st;
		log_warn("server %s: message UID %u: partial fetch: %s; "
			 "fetching it whole",
			 im->server, (unsigned int)uid, why);
	}

	snprintf(cmd, sizeof(cmd), "UID FETCH %u (BODY.PEEK[] INTERNALDATE)",
		 (unsigned int)uid);
	if ((ft = fetch_type(1)) == NULL)
		goto nomem;
	/*
	 * libetpan allocates a literal's announced size before reading it:
	 * the guard holds it to max, cutting a larger body (RFC822.SIZE
	 * said less) so the message can be set aside like any other too big.
	 */
	imapguard_body_begin(im->guard, max);
	r = uid_fetch(im, uid, ft, &res);
	cut = imapguard_body_end(im->guard);
	if (r == MAILIMAP_NO_ERROR && cut > 0) {
		snprintf(err, errsz,
			 "server %s: message UID %u is %llu bytes, "
			 "over the limit of %zu (RFC822.SIZE said less)",
			 im->server, (unsigned int)uid, cut, max);
		st = ST_MSG_BAD;
		goto out;
	}
	if (r != MAILIMAP_NO_ERROR) {
		st = imap_fail(im, r, cmd, ST_MSG_BAD, err, errsz);
		goto out;
	}
	scan_fetch(res, uid, &f);
	if (!f.found || !f.has_body) {
		snprintf(err, errsz, "server %s: %s: no body for that UID",
			 im->server, cmd);
		st = f.found ? ST_MSG_BAD : ST_TEMP;
		goto out;
	}
	if (f.bodylen > max) {
		snprintf(err, errsz,
			 "server %s: message UID %u is %zu bytes, "
			 "over the limit of %zu",
			 im->server, (unsigned int)uid, f.bodylen, max);
		st = ST_MSG_BAD;
		goto out;
	}
	if ((*raw = malloc(f.bodylen + 1)) == NULL)
		goto nomem;
	if (f.bodylen > 0)
		memcpy(*raw, f.body, f.bodylen);
	(*raw)[f.bodylen] = '\0';
	*len = f.bodylen;
	if (internaldate != NULL)
		*internaldate = f.date;
	log_debug("server %s: fetched UID %u, %zu bytes", im->server,
		  (unsigned int)uid, f.bodylen);
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "server %s: UID FETCH: out of memory", im->server);
	st = ST_NOMEM;
out:
	if (res != NULL)
		mailimap_fetch_list_free(res);
	return st;
}

/* A flag for STORE: a system flag by name, or a keyword atom. */
static struct mailimap_flag *
make_flag(const char *flag)
{
	static const char specials[] = "(){%*\"\\]";
	struct mailimap_flag *f;
	char *kw;
	const char *p;

	if (strcasecmp(flag, "\\Seen") == 0)
		return mailimap_flag_new_seen();
	if (strcasecmp(flag, "\\Flagged") == 0)
		return mailimap_flag_new_flagged();
	if (strcasecmp(flag, "\\Answered") == 0)
		return mailimap_flag_new_answered();
	if (strcasecmp(flag, "\\Deleted") == 0)
		return mailimap_flag_new_deleted();
	if (strcasecmp(flag, "\\Draft") == 0)
		return mailimap_flag_new_draft();
	if (*flag == '\0' || strlen(flag) > IMAP_MAX_FLAG)
		return NULL;
	for (p = flag; *p != '\0'; p++) /* atom (RFC 3501 flag-keyword) */
		if (*p <= 0x20 || *p >= 0x7f || strchr(specials, *p) != NULL)
			return NULL;
	if ((kw = strdup(flag)) == NULL)
		return NULL;
	if ((f = mailimap_flag_new_flag_keyword(kw)) == NULL)
		free(kw); /* owned by f only once f exists */
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): f owns kw */
	return f;
}

/* UID STORE uid +FLAGS.SILENT (flag). */
static enum status
store_flag(struct imap *im, uint32_t uid, const char *flag, char *err,
	   size_t errsz)
{
	struct mailimap_flag_list *fl = NULL;
	struct mailimap_store_att_flags *sf = NULL;
	struct mailimap_set *set = NULL;
	struct mailimap_flag *f;
	char cmd[64 + LOG_ESC_SIZE];
	char esc[LOG_ESC_SIZE];
	int r;
	enum status st = ST_NOMEM;

	snprintf(cmd, sizeof(cmd), "UID STORE %u +FLAGS.SILENT (%s)",
		 (unsigned int)uid,
		 log_esc(esc, sizeof(esc), flag, strlen(flag)));
	if ((f = make_flag(flag)) == NULL) {
		snprintf(err, errsz, "server %s: %s: not a valid flag",
			 im->server, cmd);
		return ST_CONFIG;
	}
	if ((fl = mailimap_flag_list_new_empty()) == NULL) {
		mailimap_flag_free(f);
		goto nomem;
	}
	if (mailimap_flag_list_add(fl, f) != MAILIMAP_NO_ERROR) {
		mailimap_flag_free(f);
		goto nomem;
	}
	if ((sf = mailimap_store_att_flags_new_add_flags_silent(fl)) == NULL)
		goto nomem;
	fl = NULL; /* owned by sf */
	if ((set = mailimap_set_new_single(uid)) == NULL)
		goto nomem;
	if ((r = mailimap_uid_store(im->imap, set, sf)) != MAILIMAP_NO_ERROR) {
		st = imap_fail(im, r, cmd, ST_TEMP, err, errsz);
		goto out;
	}
	log_debug("server %s: %s", im->server, cmd);
	st = ST_OK;
	goto out;
nomem:
	snprintf(err, errsz, "server %s: %s: out of memory", im->server, cmd);
	st = ST_NOMEM;
out:
	if (set != NULL)
		mailimap_set_free(set);
	if (sf != NULL)
		mailimap_store_att_flags_free(sf);
	if (fl != NULL)
		mailimap_flag_list_free(fl);
	return st;
}

enum status
imap_add_flag(struct imap *im, uint32_t uid, const char *flag, char *err,
	      size_t errsz)
{
	if (im->dead)
		return imap_dead(im, "UID STORE", err, errsz);
	return store_flag(im, uid, flag, err, errsz);
}

enum status
imap_move(struct imap *im, uint32_t uid, const char *folder, char *err,
	  size_t errsz)
{
	struct mailimap_set *set = NULL;
	struct buf mbox;
	char cmd[64 + LOG_ESC_SIZE], esc[LOG_ESC_SIZE];
	int r, move;
	enum status st;

	buf_init(&mbox, IMAP_MAX_MAILBOX);
	if (im->dead) {
		st = imap_dead(im, "UID MOVE", err, errsz);
		goto out;
	}
	if ((st = folder_name(im->server, folder, &mbox, err, errsz)) != ST_OK)
		goto out;
	move = mailimap_has_extension(im->imap, "MOVE");
	snprintf(cmd, sizeof(cmd), "UID %s %u \"%s\"", move ? "MOVE" : "COPY",
		 (unsigned int)uid,
		 log_esc(esc, sizeof(esc), folder, strlen(folder)));
	if ((set = mailimap_set_new_single(uid)) == NULL) {
		snprintf(err, errsz, "server %s: out of memory", im->server);
		st = ST_NOMEM;
		goto out;
	}
	r = move ? mailimap_uid_move(im->imap, set, mbox.p)
		 : mailimap_uid_copy(im->imap, set, mbox.p);
	if (r != MAILIMAP_NO_ERROR) {
		/* [TRYCREATE]: the folder does not exist. */
		st = imap_fail(
		    im, r, cmd,
		    im->imap->imap_response_info != NULL &&
			    im->imap->imap_response_info->rsp_trycreate
			? ST_CONFIG
			: ST_TEMP,
		    err, errsz);
		goto out;
	}
	if (!move) {
		if ((st = store_flag(im, uid, "\\Deleted", err, errsz)) !=
		    ST_OK)
			goto out;
		if (!mailimap_has_extension(im->imap, "UIDPLUS")) {
			log_warn(
			    "server %s has neither MOVE nor UIDPLUS: UID "
			    "%u copied to \"%s\" and marked \\Deleted, left "
			    "for the server to expunge",
			    im->server, (unsigned int)uid, esc);
			st = ST_OK;
			goto out;
		}
		/* UID EXPUNGE of this UID only, never a plain EXPUNGE. */
		if ((r = mailimap_uid_expunge(im->imap, set)) !=
		    MAILIMAP_NO_ERROR) {
			st = imap_fail(im, r, "UID EXPUNGE", ST_TEMP, err,
				       errsz);
			goto out;
		}
	}
	log_debug("server %s: %s", im->server, cmd);
	st = ST_OK;
out:
	if (set != NULL)
		mailimap_set_free(set);
	buf_free(&mbox);
	return st;
}

void
imap_close(struct imap *im)
{
	if (im == NULL)
		return;
	if (im->imap != NULL) {
		if (!im->dead && im->imap->imap_stream != NULL)
			(void)mailimap_logout(im->imap);
		/*
		 * mailimap_free() sends its own LOGOUT on an open stream and
		 * parses the reply: after a parse error the guard's idea of
		 * lines and literals may no longer be libetpan's, so nothing
		 * more is read (the fuzzer got an unchecked "[ALERT]" in).
		 */
		if (im->imap->imap_stream != NULL) {
			mailstream_close(im->imap->imap_stream);
			im->imap->imap_stream = NULL;
		}
		mailimap_free(im->imap);
	}
	free(im->server);
	free(im);
}
