/*
 * TCP connections for IMAP: direct, or through a SOCKS4, SOCKS4a or SOCKS5
 * proxy (no auth or username/password; the proxy resolves the name).  The
 * connected descriptor is handed to libetpan.
 */
#ifndef SOCKS_H
#define SOCKS_H

#include <stddef.h>

#include "status.h"

enum socks_type {
	SOCKS_NONE = 0, /* direct connection */
	SOCKS_4,	/* SOCKS4; 4a when the host is a name */
	SOCKS_5
};

struct socks_opts {
	enum socks_type type;
	const char *host; /* the proxy */
	int port;
	const char *username; /* SOCKS5 username/password, or NULL */
	const char *password;
};

/*
 * Connect to host:port (directly when p is NULL or p->type is SOCKS_NONE),
 * within timeout seconds in all.  ST_OK with *fd a connected, blocking
 * socket (close(2) it); ST_TEMP when the server or the proxy cannot be
 * reached or the proxy refuses (err names which and why); ST_AUTH when the
 * proxy refuses the username/password; ST_CONFIG for an unusable proxy
 * setting.
 */
enum status socks_connect(const struct socks_opts *p, const char *host,
			  int port, int timeout, int *fd, char *err,
			  size_t errsz);

/*
 * Parse a SOCKS reply (pure, for tests and fuzzing).  Return 0 for success,
 * -1 with err filled in ("refused: <reason> (reply N)" or "failed: ...").
 * socks4_reply: the 8-byte SOCKS4/4a reply, exactly len == 8.
 * socks5_reply: the SOCKS5 CONNECT reply, fed the bytes read so far: 0 with
 * *need the bytes still missing (0: complete, len is the whole reply), or
 * -1 as soon as the bytes show a bad or refusing reply.  *need never takes
 * the reader past the reply.  (The 2-byte method and RFC 1929 replies are
 * checked inside socks_connect().)  (Declared here so the parsers can be
 * tested without a network.)
 */
int socks4_reply(const unsigned char *buf, size_t len, char *err, size_t errsz);
int socks5_reply(const unsigned char *buf, size_t len, size_t *need, char *err,
		 size_t errsz);

#endif
