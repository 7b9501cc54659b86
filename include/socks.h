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
	SOCKS_NONE = 0,		/* direct connection */
	SOCKS_4,		/* SOCKS4; 4a when the host is a name */
	SOCKS_5
};

struct socks_opts {
	enum socks_type	 type;
	const char	*host;		/* the proxy */
	int		 port;
	const char	*username;	/* SOCKS5 username/password, or NULL */
	const char	*password;
};

/*
 * Connect to host:port (directly when p is NULL or p->type is SOCKS_NONE),
 * within timeout seconds in all.  ST_OK with *fd a connected, blocking
 * socket (close(2) it); ST_TEMP when the server or the proxy cannot be
 * reached or the proxy refuses (err names which and why); ST_AUTH when the
 * proxy refuses the username/password; ST_CONFIG for an unusable proxy
 * setting.
 */
enum status	 socks_connect(const struct socks_opts *p, const char *host,
		    int port, int timeout, int *fd, char *err, size_t errsz);

/*
 * Parse a SOCKS reply (pure, for tests and fuzzing): SOCKS4 8-byte replies
 * and SOCKS5 method/auth/connect replies.  Return 0 for success, -1 with
 * err filled in.  (Declared here so the parser can be tested without a
 * network.)
 */
int		 socks4_reply(const unsigned char *buf, size_t len, char *err,
		    size_t errsz);
int		 socks5_reply(const unsigned char *buf, size_t len,
		    size_t *need, char *err, size_t errsz);

#endif
