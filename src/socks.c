/*
 * TCP connections with a deadline: direct, or through a SOCKS4/4a proxy
 * (classic protocol; 4a when the target is a name) or a SOCKS5 proxy
 * (RFC 1928, no auth or RFC 1929 username/password).  When proxied the
 * target name is never resolved here: the proxy resolves it.
 *
 * Every read and write of the handshake is bounded by poll(2) against the
 * one overall deadline; replies are read exactly (never past the reply)
 * and parsed by pure functions that take (buf, len).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "socks.h"

#define DEFAULT_TIMEOUT 30  /* seconds, when timeout <= 0 */
#define MAX_POLL_MS 3600000 /* longest single poll(2) */
#define MAX_PORT 65535
#define MAX_NAME 255		    /* SOCKS5 host name, RFC 1929 fields */
#define HOSTPORT_SZ (MAX_NAME + 16) /* "[host]:port" */
#define WHY_SZ 256

#define SOCKS4_VERSION 0x04
#define SOCKS4_CMD_CONNECT 0x01
#define SOCKS4_REPLY_VERSION 0x00
#define SOCKS4_REPLY_LEN 8
#define SOCKS4_GRANTED 90
#define SOCKS4_REJECTED 91
#define SOCKS4_NO_IDENTD 92
#define SOCKS4_BAD_IDENT 93
/* header + userid NUL + host NUL */
#define SOCKS4_REQ_MAX (8 + MAX_NAME + 1 + MAX_NAME + 1)

#define SOCKS5_VERSION 0x05
#define SOCKS5_AUTH_NONE 0x00
#define SOCKS5_AUTH_USERPASS 0x02
#define SOCKS5_AUTH_NOACCEPT 0xff
#define SOCKS5_UP_VERSION 0x01 /* RFC 1929 sub-negotiation */
#define SOCKS5_CMD_CONNECT 0x01
#define SOCKS5_ATYP_IPV4 0x01
#define SOCKS5_ATYP_NAME 0x03
#define SOCKS5_ATYP_IPV6 0x04
#define SOCKS5_REP_OK 0x00
#define SOCKS5_METHOD_REPLY_LEN 2
#define SOCKS5_AUTH_REPLY_LEN 2
#define SOCKS5_REPLY_HEAD 4 /* VER REP RSV ATYP */
#define SOCKS5_REPLY_PEEK 5 /* ... and the name length byte */
#define SOCKS5_PORT_LEN 2
#define IPV4_LEN 4
#define IPV6_LEN 16
/* VER NMETHODS METHODS... */
#define SOCKS5_GREET_MAX 4
/* VER ULEN UNAME PLEN PASSWD */
#define SOCKS5_AUTH_MAX (3 + MAX_NAME + MAX_NAME)
/* VER CMD RSV ATYP (len) ADDR PORT */
#define SOCKS5_REQ_MAX (5 + MAX_NAME + SOCKS5_PORT_LEN)
/* the longest valid CONNECT reply: a 255-byte name */
#define SOCKS5_REPLY_MAX (SOCKS5_REPLY_PEEK + MAX_NAME + SOCKS5_PORT_LEN)

/* What the handshake needs to know, kept together for messages. */
struct proxy_ctx {
	const struct socks_opts *p;
	const char *proto; /* SOCKS4, SOCKS4a or SOCKS5 */
	char proxy[HOSTPORT_SZ];
	char target[HOSTPORT_SZ];
	const struct timespec *deadline;
	int fd;
	char *err;
	size_t errsz;
};

/* Milliseconds left until deadline, at most MAX_POLL_MS. */
static int
ms_left(const struct timespec *deadline)
{
	int ms = deadline_left(deadline);

	return ms > MAX_POLL_MS ? MAX_POLL_MS : ms;
}

/*
 * Connect to host:port before deadline; ST_OK with *fd (blocking).  On
 * failure why holds the reason alone and *gai tells whether the name did
 * not resolve.
 */
static enum status
tcp_open(const char *host, int port, const struct timespec *deadline, int *fd,
	 char *why, size_t whysz, int *gai)
{
	struct addrinfo hints, *res = NULL, *ai;
	char serv[16];
	int s, rc, soerr, flags;
	socklen_t sl;
	struct pollfd pfd;

	*fd = -1;
	*gai = 0;
	snprintf(why, whysz, "no address");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(why, whysz, "%s", gai_strerror(rc));
		*gai = 1;
		return ST_TEMP;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				ai->ai_protocol)) == -1) {
			snprintf(why, whysz, "%s", strerror(errno));
			continue;
		}
		flags = fcntl(s, F_GETFL);
		fcntl(s, F_SETFL, flags | O_NONBLOCK);
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    errno != EINPROGRESS) {
			snprintf(why, whysz, "%s", strerror(errno));
			goto next;
		}
		pfd.fd = s;
		pfd.events = POLLOUT;
		while ((rc = poll(&pfd, 1, ms_left(deadline))) == -1 &&
		       errno == EINTR)
			;
		if (rc <= 0) {
			snprintf(why, whysz, "%s",
				 rc == 0 ? "connection timed out"
					 : strerror(errno));
			goto next;
		}
		sl = sizeof(soerr);
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
		    soerr != 0) {
			snprintf(why, whysz, "%s",
				 strerror(soerr ? soerr : errno));
			goto next;
		}
		fcntl(s, F_SETFL, flags);
		*fd = s;
		freeaddrinfo(res);
		return ST_OK;
	next:
		close(s);
	}
	freeaddrinfo(res);
	return ST_TEMP;
}

/* Direct connection: the original messages. */
static enum status
tcp_connect(const char *host, int port, const struct timespec *deadline,
	    int *fd, char *err, size_t errsz)
{
	char why[WHY_SZ];
	int gai;
	enum status st;

	if ((st = tcp_open(host, port, deadline, fd, why, sizeof(why), &gai)) ==
	    ST_OK)
		return ST_OK;
	if (gai)
		snprintf(err, errsz, "%s: %s", host, why);
	else
		snprintf(err, errsz, "%s port %d: %s", host, port, why);
	return st;
}

/* "host:port", or "[host]:port" for an IPv6 literal. */
static void
hostport(char *dst, size_t dstsz, const char *host, int port)
{
	if (strchr(host, ':') != NULL && host[0] != '[')
		snprintf(dst, dstsz, "[%s]:%d", host, port);
	else
		snprintf(dst, dstsz, "%s:%d", host, port);
}

/* Clear a buffer that held the password; not optimised away. */
static void
wipe(void *buf, size_t len)
{
	volatile unsigned char *v = buf;

	while (len-- > 0)
		*v++ = 0;
}

/* Fill err as "<proto> proxy <proxy>: connect to <target> <what>". */
static void
fail(struct proxy_ctx *c, const char *what)
{
	snprintf(c->err, c->errsz, "%s proxy %s: connect to %s %s", c->proto,
		 c->proxy, c->target, what);
}

/* Wait until fd is ready for events before the deadline; 0, or -1 (why). */
static int
wait_fd(struct proxy_ctx *c, short events, char *why, size_t whysz)
{
	struct pollfd pfd;
	int rc;

	pfd.fd = c->fd;
	pfd.events = events;
	pfd.revents = 0;
	while ((rc = poll(&pfd, 1, ms_left(c->deadline))) == -1 &&
	       errno == EINTR)
		;
	if (rc == 0) {
		snprintf(why, whysz, "timed out");
		return -1;
	}
	if (rc == -1) {
		snprintf(why, whysz, "poll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Write all of buf before the deadline; ST_OK or ST_TEMP with err. */
static enum status
send_all(struct proxy_ctx *c, const unsigned char *buf, size_t len,
	 const char *what)
{
	char why[WHY_SZ], msg[2 * WHY_SZ];
	size_t off = 0;
	ssize_t n;
	enum status st = ST_TEMP;

	while (off < len) {
		if (wait_fd(c, POLLOUT, why, sizeof(why)) == -1)
			goto out;
		n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			snprintf(why, sizeof(why), "%s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	st = ST_OK;
out:
	if (st != ST_OK) {
		snprintf(msg, sizeof(msg), "failed: sending the %s: %s", what,
			 why);
		fail(c, msg);
	}
	return st;
}

/*
 * Read exactly len bytes into buf before the deadline, handling short
 * reads.  ST_OK, or ST_TEMP with *got the bytes read and why filled.
 */
static enum status
recv_exact(struct proxy_ctx *c, unsigned char *buf, size_t len, size_t *got,
	   char *why, size_t whysz)
{
	ssize_t n;

	*got = 0;
	while (*got < len) {
		if (wait_fd(c, POLLIN, why, whysz) == -1)
			return ST_TEMP;
		n = recv(c->fd, buf + *got, len - *got, 0);
		if (n == 0) {
			snprintf(why, whysz, "connection closed by the proxy");
			return ST_TEMP;
		}
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			snprintf(why, whysz, "%s", strerror(errno));
			return ST_TEMP;
		}
		*got += (size_t)n;
	}
	return ST_OK;
}

/* Read a fixed-size reply; on trouble fill err (naming what) and fail. */
static enum status
recv_reply(struct proxy_ctx *c, unsigned char *buf, size_t len,
	   const char *what)
{
	char why[WHY_SZ], msg[2 * WHY_SZ];
	size_t got;

	if (recv_exact(c, buf, len, &got, why, sizeof(why)) == ST_OK)
		return ST_OK;
	snprintf(msg, sizeof(msg), "failed: reading the %s: %s", what, why);
	fail(c, msg);
	return ST_TEMP;
}

static const char *
socks4_reason(int cd)
{
	switch (cd) {
	case SOCKS4_REJECTED:
		return "request rejected or failed";
	case SOCKS4_NO_IDENTD:
		return "proxy cannot reach the client's identd";
	case SOCKS4_BAD_IDENT:
		return "identd reports a different user id";
	default:
		return "unknown reply code";
	}
}

int
socks4_reply(const unsigned char *buf, size_t len, char *err, size_t errsz)
{
	if (buf == NULL || len < SOCKS4_REPLY_LEN) {
		snprintf(err, errsz, "failed: short reply (%zu of %d bytes)",
			 buf == NULL ? 0 : len, SOCKS4_REPLY_LEN);
		return -1;
	}
	if (len > SOCKS4_REPLY_LEN) {
		snprintf(err, errsz, "failed: reply too long (%zu bytes)", len);
		return -1;
	}
	if (buf[0] != SOCKS4_REPLY_VERSION) {
		snprintf(err, errsz, "failed: bad reply version %d", buf[0]);
		return -1;
	}
	if (buf[1] != SOCKS4_GRANTED) {
		snprintf(err, errsz, "refused: %s (reply %d)",
			 socks4_reason(buf[1]), buf[1]);
		return -1;
	}
	return 0;
}

static const char *
socks5_reason(int rep)
{
	static const char *const reasons[] = {
	    "succeeded",
	    "general SOCKS server failure",
	    "connection not allowed by ruleset",
	    "network unreachable",
	    "host unreachable",
	    "connection refused",
	    "TTL expired",
	    "command not supported",
	    "address type not supported"};

	if (rep >= 0 && (size_t)rep < sizeof(reasons) / sizeof(reasons[0]))
		return reasons[rep];
	return "unknown reply code";
}

/*
 * The SOCKS5 CONNECT reply, VER REP RSV ATYP BND.ADDR BND.PORT.  Feed it
 * the bytes read so far: -1 with err for a bad or refusing reply (found
 * as early as possible), else 0 with *need the bytes still missing (0:
 * complete, and len is exactly the reply's length).  *need never takes
 * the caller past the end of the reply.
 */
int
socks5_reply(const unsigned char *buf, size_t len, size_t *need, char *err,
	     size_t errsz)
{
	size_t total;

	*need = 0;
	if (buf == NULL)
		len = 0;
	if (len >= 1 && buf[0] != SOCKS5_VERSION) {
		snprintf(err, errsz, "failed: bad reply version %d", buf[0]);
		return -1;
	}
	if (len >= 2 && buf[1] != SOCKS5_REP_OK) {
		snprintf(err, errsz, "refused: %s (reply %d)",
			 socks5_reason(buf[1]), buf[1]);
		return -1;
	}
	if (len < SOCKS5_REPLY_PEEK) {
		/* Stop at REP first so a refusal needs no more bytes. */
		*need = (len < 2 ? 2 : SOCKS5_REPLY_PEEK) - len;
		return 0;
	}
	switch (buf[3]) {
	case SOCKS5_ATYP_IPV4:
		total = SOCKS5_REPLY_HEAD + IPV4_LEN + SOCKS5_PORT_LEN;
		break;
	case SOCKS5_ATYP_IPV6:
		total = SOCKS5_REPLY_HEAD + IPV6_LEN + SOCKS5_PORT_LEN;
		break;
	case SOCKS5_ATYP_NAME:
		if (buf[4] == 0) {
			snprintf(err, errsz,
				 "failed: empty bound name in "
				 "reply");
			return -1;
		}
		total = SOCKS5_REPLY_PEEK + buf[4] + SOCKS5_PORT_LEN;
		break;
	default:
		snprintf(err, errsz, "failed: bad address type %d in reply",
			 buf[3]);
		return -1;
	}
	if (len > total) {
		snprintf(err, errsz,
			 "failed: reply too long (%zu of %zu "
			 "bytes)",
			 len, total);
		return -1;
	}
	*need = total - len;
	return 0;
}

/* The proxy type's name for messages: SOCKS4a when the target is a name. */
static const char *
proto_name(enum socks_type type, int name)
{
	if (type == SOCKS_5)
		return "SOCKS5";
	return name ? "SOCKS4a" : "SOCKS4";
}

static enum status
socks4_handshake(struct proxy_ctx *c, const char *host, int port)
{
	unsigned char req[SOCKS4_REQ_MAX], rep[SOCKS4_REPLY_LEN];
	struct in_addr a4;
	const char *user;
	size_t len = 0, ulen, hlen;
	char why[WHY_SZ];
	enum status st;

	user = c->p->username != NULL ? c->p->username : "";
	ulen = strlen(user);
	req[len++] = SOCKS4_VERSION;
	req[len++] = SOCKS4_CMD_CONNECT;
	req[len++] = (port >> 8) & 0xff;
	req[len++] = port & 0xff;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		memcpy(req + len, &a4, IPV4_LEN);
		len += IPV4_LEN;
		hlen = 0;
	} else {
		/* SOCKS4a: 0.0.0.x, x != 0, then the name after userid. */
		req[len++] = 0;
		req[len++] = 0;
		req[len++] = 0;
		req[len++] = 1;
		hlen = strlen(host);
	}
	memcpy(req + len, user, ulen);
	len += ulen;
	req[len++] = '\0';
	if (hlen > 0) {
		memcpy(req + len, host, hlen);
		len += hlen;
		req[len++] = '\0';
	}
	if ((st = send_all(c, req, len, "request")) != ST_OK)
		goto out;
	if ((st = recv_reply(c, rep, sizeof(rep), "reply")) != ST_OK)
		goto out;
	if (socks4_reply(rep, sizeof(rep), why, sizeof(why)) == -1) {
		fail(c, why);
		st = ST_TEMP;
		goto out;
	}
	st = ST_OK;
out:
	return st;
}

/* Method negotiation and, when chosen, RFC 1929 username/password. */
static enum status
socks5_auth(struct proxy_ctx *c)
{
	unsigned char req[SOCKS5_AUTH_MAX], rep[SOCKS5_METHOD_REPLY_LEN];
	const char *pass;
	size_t len = 0, ulen, plen;
	char msg[WHY_SZ];
	int userpass;
	enum status st;

	userpass = c->p->username != NULL && c->p->username[0] != '\0';
	req[len++] = SOCKS5_VERSION;
	req[len++] = userpass ? 2 : 1;
	req[len++] = SOCKS5_AUTH_NONE;
	if (userpass)
		req[len++] = SOCKS5_AUTH_USERPASS;
	if ((st = send_all(c, req, len, "greeting")) != ST_OK)
		goto out;
	if ((st = recv_reply(c, rep, sizeof(rep), "method reply")) != ST_OK)
		goto out;
	if (rep[0] != SOCKS5_VERSION) {
		snprintf(msg, sizeof(msg),
			 "failed: bad method reply version "
			 "%d",
			 rep[0]);
		fail(c, msg);
		st = ST_TEMP;
		goto out;
	}
	if (rep[1] == SOCKS5_AUTH_NONE) {
		st = ST_OK;
		goto out;
	}
	if (rep[1] == SOCKS5_AUTH_NOACCEPT) {
		fail(c, userpass ? "refused: no acceptable authentication "
				   "method"
				 : "refused: the proxy requires authentication "
				   "and no username is set");
		st = ST_AUTH;
		goto out;
	}
	if (rep[1] != SOCKS5_AUTH_USERPASS || !userpass) {
		snprintf(msg, sizeof(msg),
			 "failed: proxy chose method %d, "
			 "which was not offered",
			 rep[1]);
		fail(c, msg);
		st = ST_TEMP;
		goto out;
	}

	/* RFC 1929; lengths were checked by socks_connect(). */
	pass = c->p->password != NULL ? c->p->password : "";
	ulen = strlen(c->p->username);
	plen = strlen(pass);
	len = 0;
	req[len++] = SOCKS5_UP_VERSION;
	req[len++] = (unsigned char)ulen;
	memcpy(req + len, c->p->username, ulen);
	len += ulen;
	req[len++] = (unsigned char)plen;
	memcpy(req + len, pass, plen);
	len += plen;
	st = send_all(c, req, len, "username/password");
	wipe(req, sizeof(req));
	if (st != ST_OK)
		goto out;
	if ((st = recv_reply(c, rep, SOCKS5_AUTH_REPLY_LEN,
			     "authentication reply")) != ST_OK)
		goto out;
	/* RFC 1929 says version 1; some proxies answer 5. */
	if (rep[0] != SOCKS5_UP_VERSION && rep[0] != SOCKS5_VERSION) {
		snprintf(msg, sizeof(msg),
			 "failed: bad authentication reply "
			 "version %d",
			 rep[0]);
		fail(c, msg);
		st = ST_TEMP;
		goto out;
	}
	if (rep[1] != 0) {
		snprintf(msg, sizeof(msg),
			 "refused: username/password for "
			 "user \"%s\" rejected (status %d)",
			 c->p->username, rep[1]);
		fail(c, msg);
		st = ST_AUTH;
		goto out;
	}
	st = ST_OK;
out:
	return st;
}

static enum status
socks5_handshake(struct proxy_ctx *c, const char *host, int port)
{
	unsigned char req[SOCKS5_REQ_MAX], rep[SOCKS5_REPLY_MAX];
	unsigned char a6[IPV6_LEN];
	char bare[HOSTPORT_SZ], why[WHY_SZ], msg[2 * WHY_SZ];
	size_t len = 0, hlen, have = 0, need, got;
	enum status st;

	if ((st = socks5_auth(c)) != ST_OK)
		goto out;

	/* "[::1]" is an IPv6 literal too. */
	hlen = strlen(host);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']' &&
	    hlen - 2 < sizeof(bare)) {
		memcpy(bare, host + 1, hlen - 2);
		bare[hlen - 2] = '\0';
	} else
		snprintf(bare, sizeof(bare), "%s", host);

	req[len++] = SOCKS5_VERSION;
	req[len++] = SOCKS5_CMD_CONNECT;
	req[len++] = 0;
	if (inet_pton(AF_INET, bare, a6) == 1) {
		req[len++] = SOCKS5_ATYP_IPV4;
		memcpy(req + len, a6, IPV4_LEN);
		len += IPV4_LEN;
	} else if (inet_pton(AF_INET6, bare, a6) == 1) {
		req[len++] = SOCKS5_ATYP_IPV6;
		memcpy(req + len, a6, IPV6_LEN);
		len += IPV6_LEN;
	} else {
		req[len++] = SOCKS5_ATYP_NAME;
		req[len++] = (unsigned char)hlen;
		memcpy(req + len, host, hlen);
		len += hlen;
	}
	req[len++] = (port >> 8) & 0xff;
	req[len++] = port & 0xff;
	if ((st = send_all(c, req, len, "request")) != ST_OK)
		goto out;

	/* Read the reply piece by piece, exactly as far as it goes. */
	for (;;) {
		if (socks5_reply(rep, have, &need, why, sizeof(why)) == -1) {
			fail(c, why);
			st = ST_TEMP;
			goto out;
		}
		if (need == 0)
			break;
		if (need > sizeof(rep) - have) {
			/* Cannot happen: the parser bounds the reply. */
			fail(c, "failed: reply too long");
			st = ST_TEMP;
			goto out;
		}
		st = recv_exact(c, rep + have, need, &got, why, sizeof(why));
		have += got;
		if (st != ST_OK) {
			snprintf(msg, sizeof(msg),
				 "failed: reading the reply: "
				 "%s",
				 why);
			fail(c, msg);
			goto out;
		}
	}
	st = ST_OK;
out:
	return st;
}

/* Settings the protocol cannot carry: ST_CONFIG with err. */
static enum status
check_settings(const struct socks_opts *p, const char *host, int port,
	       const char *proto, char *err, size_t errsz)
{
	const char *ph = p->host != NULL ? p->host : "(unset)";
	struct in6_addr a6;
	size_t hlen;

	if (p->type != SOCKS_4 && p->type != SOCKS_5) {
		snprintf(err, errsz, "SOCKS proxy %s: unknown proxy type %d",
			 ph, (int)p->type);
		return ST_CONFIG;
	}
	if (p->host == NULL || p->host[0] == '\0') {
		snprintf(err, errsz, "%s proxy: no proxy host set", proto);
		return ST_CONFIG;
	}
	if (p->port < 1 || p->port > MAX_PORT) {
		snprintf(err, errsz, "%s proxy %s: bad proxy port %d", proto,
			 ph, p->port);
		return ST_CONFIG;
	}
	if (host == NULL || host[0] == '\0') {
		snprintf(err, errsz, "%s proxy %s: no target host", proto, ph);
		return ST_CONFIG;
	}
	hlen = strlen(host);
	if (hlen > MAX_NAME) {
		snprintf(err, errsz,
			 "%s proxy %s: target host name too long "
			 "(%zu bytes, at most %d)",
			 proto, ph, hlen, MAX_NAME);
		return ST_CONFIG;
	}
	if (port < 1 || port > MAX_PORT) {
		snprintf(err, errsz, "%s proxy %s: bad target port %d", proto,
			 ph, port);
		return ST_CONFIG;
	}
	if (p->username != NULL && strlen(p->username) > MAX_NAME) {
		snprintf(err, errsz,
			 "%s proxy %s: username too long (at "
			 "most %d bytes)",
			 proto, ph, MAX_NAME);
		return ST_CONFIG;
	}
	if (p->type == SOCKS_5 && p->password != NULL &&
	    strlen(p->password) > MAX_NAME) {
		snprintf(err, errsz,
			 "%s proxy %s: password too long (at "
			 "most %d bytes)",
			 proto, ph, MAX_NAME);
		return ST_CONFIG;
	}
	if (p->type == SOCKS_4 && (strchr(host, ':') != NULL ||
				   inet_pton(AF_INET6, host, &a6) == 1)) {
		snprintf(err, errsz,
			 "%s proxy %s: cannot reach IPv6 address "
			 "%s (use SOCKS5)",
			 proto, ph, host);
		return ST_CONFIG;
	}
	return ST_OK;
}

static enum status
proxy_connect(const struct socks_opts *p, const char *host, int port,
	      const struct timespec *deadline, int *fd, char *err, size_t errsz)
{
	struct proxy_ctx c;
	struct in_addr a4;
	char why[WHY_SZ], msg[2 * WHY_SZ];
	int gai, flags = -1;
	enum status st;

	*fd = -1;
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.fd = -1;
	c.deadline = deadline;
	c.err = err;
	c.errsz = errsz;
	c.proto = proto_name(p->type, host != NULL &&
					  inet_pton(AF_INET, host, &a4) != 1);
	if ((st = check_settings(p, host, port, c.proto, err, errsz)) != ST_OK)
		goto out;
	hostport(c.proxy, sizeof(c.proxy), p->host, p->port);
	hostport(c.target, sizeof(c.target), host, port);

	if ((st = tcp_open(p->host, p->port, deadline, &c.fd, why, sizeof(why),
			   &gai)) != ST_OK) {
		snprintf(msg, sizeof(msg), "failed: proxy unreachable: %s",
			 why);
		fail(&c, msg);
		goto out;
	}
	/* Non-blocking for the handshake: poll bounds every step. */
	if ((flags = fcntl(c.fd, F_GETFL)) == -1 ||
	    fcntl(c.fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		snprintf(msg, sizeof(msg), "failed: fcntl: %s",
			 strerror(errno));
		fail(&c, msg);
		st = ST_TEMP;
		goto out;
	}
	if (p->type == SOCKS_5)
		st = socks5_handshake(&c, host, port);
	else
		st = socks4_handshake(&c, host, port);
	if (st != ST_OK)
		goto out;
	if (fcntl(c.fd, F_SETFL, flags) == -1) {
		snprintf(msg, sizeof(msg), "failed: fcntl: %s",
			 strerror(errno));
		fail(&c, msg);
		st = ST_TEMP;
		goto out;
	}
	*fd = c.fd;
	c.fd = -1;
out:
	if (c.fd != -1)
		close(c.fd);
	return st;
}

enum status
socks_connect(const struct socks_opts *p, const char *host, int port,
	      int timeout, int *fd, char *err, size_t errsz)
{
	struct timespec deadline;

	*fd = -1;
	deadline_in(&deadline,
		    1000L * (timeout > 0 ? timeout : DEFAULT_TIMEOUT));
	if (p != NULL && p->type != SOCKS_NONE)
		return proxy_connect(p, host, port, &deadline, fd, err, errsz);
	return tcp_connect(host, port, &deadline, fd, err, errsz);
}
