/*
 * Direct TCP connections with a deadline.  SOCKS support is added by the
 * socks issue; until then a proxy setting is refused clearly.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "socks.h"

/* Milliseconds left until deadline (CLOCK_MONOTONIC), at least 0. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec	 now;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

/* Connect to host:port before deadline; ST_OK with *fd (blocking). */
static enum status
tcp_connect(const char *host, int port, const struct timespec *deadline,
    int *fd, char *err, size_t errsz)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 serv[16];
	int		 s = -1, rc, soerr, flags;
	socklen_t	 sl;
	struct pollfd	 pfd;
	const char	*why = "no address";

	*fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s: %s", host, gai_strerror(rc));
		return ST_TEMP;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1) {
			why = strerror(errno);
			continue;
		}
		flags = fcntl(s, F_GETFL);
		fcntl(s, F_SETFL, flags | O_NONBLOCK);
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    errno != EINPROGRESS) {
			why = strerror(errno);
			goto next;
		}
		pfd.fd = s;
		pfd.events = POLLOUT;
		if ((rc = poll(&pfd, 1, ms_left(deadline))) <= 0) {
			why = rc == 0 ? "connection timed out" : strerror(errno);
			goto next;
		}
		sl = sizeof(soerr);
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
		    soerr != 0) {
			why = strerror(soerr ? soerr : errno);
			goto next;
		}
		fcntl(s, F_SETFL, flags);
		*fd = s;
		freeaddrinfo(res);
		return ST_OK;
next:
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	snprintf(err, errsz, "%s port %d: %s", host, port, why);
	return ST_TEMP;
}

enum status
socks_connect(const struct socks_opts *p, const char *host, int port,
    int timeout, int *fd, char *err, size_t errsz)
{
	struct timespec	 deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout > 0 ? timeout : 30;
	if (p != NULL && p->type != SOCKS_NONE) {
		snprintf(err, errsz, "SOCKS proxy %s: not supported yet",
		    p->host ? p->host : "(unset)");
		return ST_CONFIG;
	}
	return tcp_connect(host, port, &deadline, fd, err, errsz);
}

int
socks4_reply(const unsigned char *buf, size_t len, char *err, size_t errsz)
{
	snprintf(err, errsz, "SOCKS4 not supported yet");
	return -1;
}

int
socks5_reply(const unsigned char *buf, size_t len, size_t *need, char *err,
    size_t errsz)
{
	snprintf(err, errsz, "SOCKS5 not supported yet");
	return -1;
}
