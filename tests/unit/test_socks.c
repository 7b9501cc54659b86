/*
 * Unit tests for socks.c: the pure reply parsers, and the handshakes
 * against a scripted fake proxy (a forked child on a loopback port) that
 * checks every request byte for byte.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "socks.h"

#define ERRSZ 512
#define CHILD_MS 5000 /* the fake proxy gives up after this */
#define MAX_STEPS 8
#define BUFSZ 1024

/* ---- parsers ---- */

static void
t_socks4_good(void **state)
{
	const unsigned char ok[8] = {0, 90, 0, 0, 0, 0, 0, 0};
	char err[ERRSZ];

	(void)state;
	assert_int_equal(socks4_reply(ok, sizeof(ok), err, sizeof(err)), 0);
}

static void
t_socks4_short_long(void **state)
{
	unsigned char buf[16] = {0, 90};
	char err[ERRSZ];
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		assert_int_equal(socks4_reply(buf, i, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "short reply"));
	}
	assert_int_equal(socks4_reply(NULL, 8, err, sizeof(err)), -1);
	assert_int_equal(socks4_reply(buf, 9, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(socks4_reply(buf, SIZE_MAX, err, sizeof(err)), -1);
}

static void
t_socks4_version(void **state)
{
	unsigned char buf[8] = {4, 90};
	char err[ERRSZ];

	(void)state;
	assert_int_equal(socks4_reply(buf, 8, err, sizeof(err)), -1);
	assert_string_equal(err, "failed: bad reply version 4");
	buf[0] = 5;
	assert_int_equal(socks4_reply(buf, 8, err, sizeof(err)), -1);
}

static void
t_socks4_codes(void **state)
{
	unsigned char buf[8] = {0};
	char err[ERRSZ], want[64];
	int cd;

	(void)state;
	for (cd = 0; cd < 256; cd++) {
		if (cd == 90)
			continue;
		buf[1] = (unsigned char)cd;
		assert_int_equal(socks4_reply(buf, 8, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "(reply %d)", cd);
		assert_non_null(strstr(err, want));
		assert_non_null(strstr(err, "refused: "));
	}
	buf[1] = 91;
	socks4_reply(buf, 8, err, sizeof(err));
	assert_string_equal(err,
			    "refused: request rejected or failed (reply 91)");
	buf[1] = 92;
	socks4_reply(buf, 8, err, sizeof(err));
	assert_non_null(strstr(err, "identd"));
	buf[1] = 93;
	socks4_reply(buf, 8, err, sizeof(err));
	assert_non_null(strstr(err, "identd"));
	/* A tiny err buffer is truncated, never overrun. */
	err[1] = 'x';
	assert_int_equal(socks4_reply(buf, 8, err, 1), -1);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'x');
}

static void
t_socks5_progressive(void **state)
{
	unsigned char v4[10] = {5, 0, 0, 1, 10, 0, 0, 1, 0x12, 0x34};
	char err[ERRSZ];
	size_t need;

	(void)state;
	assert_int_equal(socks5_reply(v4, 0, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 2);
	assert_int_equal(socks5_reply(NULL, 0, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 2);
	assert_int_equal(socks5_reply(v4, 1, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 1);
	assert_int_equal(socks5_reply(v4, 2, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 3);
	assert_int_equal(socks5_reply(v4, 3, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 2);
	assert_int_equal(socks5_reply(v4, 4, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 1);
	assert_int_equal(socks5_reply(v4, 5, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 5);
	assert_int_equal(socks5_reply(v4, 9, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 1);
	assert_int_equal(socks5_reply(v4, 10, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 0);
}

static void
t_socks5_atyp(void **state)
{
	unsigned char buf[300];
	char err[ERRSZ];
	size_t need;
	int n;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = 5;
	buf[3] = 4; /* IPv6: 4 + 16 + 2 */
	assert_int_equal(socks5_reply(buf, 5, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 17);
	assert_int_equal(socks5_reply(buf, 22, &need, err, sizeof(err)), 0);
	assert_int_equal(need, 0);
	assert_int_equal(socks5_reply(buf, 23, &need, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));

	buf[3] = 3; /* name: 5 + n + 2 */
	for (n = 1; n <= 255; n++) {
		buf[4] = (unsigned char)n;
		assert_int_equal(socks5_reply(buf, 5, &need, err, sizeof(err)),
				 0);
		assert_int_equal(need, (size_t)n + 2);
		assert_int_equal(
		    socks5_reply(buf, 7 + (size_t)n, &need, err, sizeof(err)),
		    0);
		assert_int_equal(need, 0);
		assert_int_equal(
		    socks5_reply(buf, 8 + (size_t)n, &need, err, sizeof(err)),
		    -1);
	}
	buf[4] = 0;
	assert_int_equal(socks5_reply(buf, 5, &need, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));

	for (n = 0; n < 256; n++) {
		if (n == 1 || n == 3 || n == 4)
			continue;
		buf[3] = (unsigned char)n;
		assert_int_equal(socks5_reply(buf, 5, &need, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "bad address type"));
	}
	/* Huge len on a complete reply. */
	buf[3] = 1;
	assert_int_equal(socks5_reply(buf, SIZE_MAX, &need, err, sizeof(err)),
			 -1);
}

static void
t_socks5_version(void **state)
{
	unsigned char buf[10] = {4, 0, 0, 1};
	char err[ERRSZ];
	size_t need = 99;

	(void)state;
	assert_int_equal(socks5_reply(buf, 1, &need, err, sizeof(err)), -1);
	assert_string_equal(err, "failed: bad reply version 4");
	assert_int_equal(need, 0);
	buf[0] = 0;
	assert_int_equal(socks5_reply(buf, 10, &need, err, sizeof(err)), -1);
}

static void
t_socks5_codes(void **state)
{
	static const char *const reasons[] = {
	    NULL,
	    "general SOCKS server failure",
	    "connection not allowed by ruleset",
	    "network unreachable",
	    "host unreachable",
	    "connection refused",
	    "TTL expired",
	    "command not supported",
	    "address type not supported"};
	unsigned char buf[10] = {5, 0, 0, 1};
	char err[ERRSZ], want[128];
	size_t need;
	int rep;

	(void)state;
	for (rep = 1; rep < 256; rep++) {
		buf[1] = (unsigned char)rep;
		/* Found at two bytes: no need to read further. */
		assert_int_equal(socks5_reply(buf, 2, &need, err, sizeof(err)),
				 -1);
		if (rep <= 8)
			snprintf(want, sizeof(want), "refused: %s (reply %d)",
				 reasons[rep], rep);
		else
			snprintf(want, sizeof(want),
				 "refused: unknown reply "
				 "code (reply %d)",
				 rep);
		assert_string_equal(err, want);
		assert_int_equal(socks5_reply(buf, 10, &need, err, sizeof(err)),
				 -1);
	}
	err[3] = 'x';
	assert_int_equal(socks5_reply(buf, 10, &need, err, 3), -1);
	assert_int_equal(err[2], '\0');
	assert_int_equal(err[3], 'x');
}

/* ---- the fake proxy ---- */

enum op { OP_END = 0, OP_EXPECT, OP_SEND, OP_DRIBBLE, OP_HANG, OP_CLOSE };

struct step {
	enum op op;
	const void *data;
	size_t len;
};

struct fake {
	int port;
	pid_t pid;
};

static int
child_wait(int fd, short ev)
{
	struct pollfd pfd = {fd, ev, 0};

	return poll(&pfd, 1, CHILD_MS) == 1 ? 0 : -1;
}

static int
child_read(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (child_wait(fd, POLLIN) == -1 ||
		    (n = read(fd, buf + got, len - got)) <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The child: run the script, exit 0 if every expectation held. */
static void
child_run(int ls, const struct step *steps)
{
	unsigned char buf[BUFSZ];
	const unsigned char *d;
	size_t i;
	int fd;

	if (child_wait(ls, POLLIN) == -1 || (fd = accept(ls, NULL, NULL)) == -1)
		_exit(2);
	for (; steps->op != OP_END; steps++) {
		d = steps->data;
		switch (steps->op) {
		case OP_EXPECT:
			if (steps->len > sizeof(buf) ||
			    child_read(fd, buf, steps->len) == -1)
				_exit(3);
			if (steps->len > 0 && memcmp(buf, d, steps->len) != 0) {
				for (i = 0; i < steps->len; i++)
					fprintf(stderr, "%02x/%02x ", buf[i],
						d[i]);
				fprintf(stderr, "\n");
				_exit(4);
			}
			break;
		case OP_SEND:
			if (write(fd, d, steps->len) != (ssize_t)steps->len)
				_exit(5);
			break;
		case OP_DRIBBLE:
			for (i = 0; i < steps->len; i++) {
				struct timespec ts = {0, 2000000};

				if (write(fd, d + i, 1) != 1)
					_exit(5);
				nanosleep(&ts, NULL);
			}
			break;
		case OP_HANG:
			/* Until the client gives up and closes. */
			while (child_wait(fd, POLLIN) == 0 &&
			       read(fd, buf, sizeof(buf)) > 0)
				;
			break;
		case OP_CLOSE:
			close(fd);
			_exit(0);
		default:
			_exit(6);
		}
	}
	/* Then echo until EOF, for the data-path check. */
	for (;;) {
		ssize_t n;

		if (child_wait(fd, POLLIN) == -1 ||
		    (n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		if (write(fd, buf, (size_t)n) != n)
			break;
	}
	_exit(0);
}

static void
fake_start(struct fake *f, const struct step *steps)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int ls;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sin, &sl), 0);
	f->port = ntohs(sin.sin_port);
	f->pid = fork();
	assert_true(f->pid != -1);
	if (f->pid == 0)
		child_run(ls, steps);
	close(ls);
}

/* The child's exit status (0: every request byte was as expected). */
static int
fake_end(struct fake *f)
{
	int ws;

	assert_int_equal(waitpid(f->pid, &ws, 0), f->pid);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 100;
}

/* A free loopback port nobody listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int s, port;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(s);
	return port;
}

/* The data path after the handshake; also blocking and CLOEXEC. */
static void
check_echo(int fd)
{
	char buf[8];
	int fl;

	fl = fcntl(fd, F_GETFL);
	assert_int_equal(fl & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fd, "ping", 4), 4);
	assert_int_equal(read(fd, buf, 4), 4);
	assert_memory_equal(buf, "ping", 4);
}

static enum status
run(struct fake *f, const struct step *steps, enum socks_type type,
    const char *user, const char *pass, const char *host, int timeout, int *fd,
    char *err)
{
	struct socks_opts o;

	fake_start(f, steps);
	memset(&o, 0, sizeof(o));
	o.type = type;
	o.host = "127.0.0.1";
	o.port = f->port;
	o.username = user;
	o.password = pass;
	err[0] = '\0';
	return socks_connect(&o, host, 993, timeout, fd, err, ERRSZ);
}

static const unsigned char s5_greet[] = {5, 1, 0};
static const unsigned char s5_noauth[] = {5, 0};
static const unsigned char s5_name_req[] = {
    5,	 1,   0,   3,	16,  'i', 'm', 'a', 'p', '.',  'e', 'x',
    'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0x03, 0xe1};
static const unsigned char s5_ok4[] = {5, 0, 0, 1, 127, 0, 0, 1, 4, 0};

static void
t_s4_ipv4(void **state)
{
	static const unsigned char req[] = {4, 1, 0x03, 0xe1, 192, 0,
					    2, 7, 'b',	'o',  'b', 0};
	static const unsigned char rep[] = {0, 90, 0, 0, 0, 0, 0, 0};
	const struct step steps[] = {{OP_EXPECT, req, sizeof(req)},
				     {OP_DRIBBLE, rep, sizeof(rep)},
				     {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(
	    run(&f, steps, SOCKS_4, "bob", "ignored", "192.0.2.7", 5, &fd, err),
	    ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s4a_name(void **state)
{
	static const unsigned char req[] = {
	    4,	 1,   0x03, 0xe1, 0,   0,   0,	 1,   0,   'i', 'm', 'a', 'p',
	    '.', 'e', 'x',  'a',  'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0};
	static const unsigned char rep[] = {0, 90, 0, 0, 0, 0, 0, 0};
	const struct step steps[] = {{OP_EXPECT, req, sizeof(req)},
				     {OP_SEND, rep, sizeof(rep)},
				     {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_4, NULL, NULL, "imap.example.com",
			     5, &fd, err),
			 ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s4_rejected(void **state)
{
	static const unsigned char rep[] = {0, 91, 0, 0, 0, 0, 0, 0};
	const struct step steps[] = {{OP_EXPECT, NULL, 0},
				     {OP_SEND, rep, sizeof(rep)},
				     {OP_HANG, NULL, 0},
				     {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ], want[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_4, NULL, NULL, "imap.example.com",
			     5, &fd, err),
			 ST_TEMP);
	assert_int_equal(fd, -1);
	snprintf(want, sizeof(want),
		 "SOCKS4a proxy 127.0.0.1:%d: connect to "
		 "imap.example.com:993 refused: request rejected or failed "
		 "(reply 91)",
		 f.port);
	assert_string_equal(err, want);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_name(void **state)
{
	/* The reply and the server's first bytes arrive together. */
	static const unsigned char rep[] = {5,	 0,   0, 3,  4,	  'p', 'r',
					    'x', 'y', 0, 80, '+', 'O', 'K'};
	const struct step steps[] = {
	    {OP_EXPECT, s5_greet, 3},
	    {OP_DRIBBLE, s5_noauth, 2},
	    {OP_EXPECT, s5_name_req, sizeof(s5_name_req)},
	    {OP_SEND, rep, sizeof(rep)},
	    {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ], buf[4];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_5, NULL, NULL, "imap.example.com",
			     5, &fd, err),
			 ST_OK);
	/* Nothing past the reply was consumed. */
	assert_int_equal(read(fd, buf, 3), 3);
	assert_memory_equal(buf, "+OK", 3);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_ipv4_dribble(void **state)
{
	static const unsigned char req[] = {5, 1, 0, 1,	   10,
					    1, 2, 3, 0x03, 0xe1};
	const struct step steps[] = {{OP_EXPECT, s5_greet, 3},
				     {OP_SEND, s5_noauth, 2},
				     {OP_EXPECT, req, sizeof(req)},
				     {OP_DRIBBLE, s5_ok4, sizeof(s5_ok4)},
				     {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(
	    run(&f, steps, SOCKS_5, "", NULL, "10.1.2.3", 5, &fd, err), ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_ipv6(void **state)
{
	static const unsigned char req[] = {5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8,
					    0, 0, 0, 0, 0,    0,    0,	  0,
					    0, 0, 0, 1, 0x03, 0xe1};
	static const unsigned char rep[] = {5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
	const struct step steps[] = {{OP_EXPECT, s5_greet, 3},
				     {OP_SEND, s5_noauth, 2},
				     {OP_EXPECT, req, sizeof(req)},
				     {OP_DRIBBLE, rep, sizeof(rep)},
				     {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(
	    run(&f, steps, SOCKS_5, NULL, NULL, "2001:db8::1", 5, &fd, err),
	    ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);

	/* Bracketed too. */
	assert_int_equal(
	    run(&f, steps, SOCKS_5, NULL, NULL, "[2001:db8::1]", 5, &fd, err),
	    ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_userpass(void **state)
{
	static const unsigned char greet[] = {5, 2, 0, 2};
	static const unsigned char choose[] = {5, 2};
	static const unsigned char auth[] = {1, 5,   'a', 'l', 'i', 'c', 'e',
					     6, 's', '3', 'c', 'r', '3', 't'};
	static const unsigned char ok[] = {1, 0};
	const struct step steps[] = {
	    {OP_EXPECT, greet, sizeof(greet)},
	    {OP_SEND, choose, 2},
	    {OP_EXPECT, auth, sizeof(auth)},
	    {OP_SEND, ok, 2},
	    {OP_EXPECT, s5_name_req, sizeof(s5_name_req)},
	    {OP_SEND, s5_ok4, sizeof(s5_ok4)},
	    {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_5, "alice", "s3cr3t",
			     "imap.example.com", 5, &fd, err),
			 ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_auth_refused(void **state)
{
	static const unsigned char choose[] = {5, 2};
	static const unsigned char no[] = {1, 1};
	const struct step steps[] = {{OP_EXPECT, NULL, 0},
				     {OP_SEND, choose, 2},
				     {OP_SEND, no, 2},
				     {OP_HANG, NULL, 0},
				     {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_5, "alice", "s3cr3t",
			     "imap.example.com", 5, &fd, err),
			 ST_AUTH);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, "SOCKS5 proxy 127.0.0.1:"));
	assert_non_null(strstr(err, "imap.example.com:993 refused"));
	assert_non_null(strstr(err, "alice"));
	assert_null(strstr(err, "s3cr3t"));
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_method_refused(void **state)
{
	static const unsigned char none[] = {5, 0xff};
	static const unsigned char two[] = {5, 2};
	static const unsigned char bad[] = {4, 0};
	const struct step s1[] = {{OP_EXPECT, s5_greet, 3},
				  {OP_SEND, none, 2},
				  {OP_HANG, NULL, 0},
				  {OP_END, NULL, 0}};
	const struct step s2[] = {{OP_EXPECT, s5_greet, 3},
				  {OP_SEND, two, 2},
				  {OP_HANG, NULL, 0},
				  {OP_END, NULL, 0}};
	const struct step s3[] = {{OP_EXPECT, s5_greet, 3},
				  {OP_SEND, bad, 2},
				  {OP_HANG, NULL, 0},
				  {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(
	    run(&f, s1, SOCKS_5, NULL, NULL, "imap.example.com", 5, &fd, err),
	    ST_AUTH);
	assert_non_null(strstr(err, "requires authentication"));
	assert_int_equal(fake_end(&f), 0);
	/* A method that was not offered. */
	assert_int_equal(
	    run(&f, s2, SOCKS_5, NULL, NULL, "imap.example.com", 5, &fd, err),
	    ST_TEMP);
	assert_non_null(strstr(err, "not offered"));
	assert_int_equal(fake_end(&f), 0);
	assert_int_equal(
	    run(&f, s3, SOCKS_5, NULL, NULL, "imap.example.com", 5, &fd, err),
	    ST_TEMP);
	assert_non_null(strstr(err, "version 4"));
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_refused(void **state)
{
	static const unsigned char rep[] = {5, 4, 0, 1, 0, 0, 0, 0, 0, 0};
	const struct step steps[] = {
	    {OP_EXPECT, s5_greet, 3},
	    {OP_SEND, s5_noauth, 2},
	    {OP_EXPECT, s5_name_req, sizeof(s5_name_req)},
	    {OP_SEND, rep, sizeof(rep)},
	    {OP_HANG, NULL, 0},
	    {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ], want[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_5, NULL, NULL, "imap.example.com",
			     5, &fd, err),
			 ST_TEMP);
	snprintf(want, sizeof(want),
		 "SOCKS5 proxy 127.0.0.1:%d: connect to "
		 "imap.example.com:993 refused: host unreachable (reply 4)",
		 f.port);
	assert_string_equal(err, want);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_s5_truncated(void **state)
{
	static const unsigned char rep[] = {5, 0, 0, 3, 200, 'a', 'b'};
	const struct step steps[] = {
	    {OP_EXPECT, s5_greet, 3},
	    {OP_SEND, s5_noauth, 2},
	    {OP_EXPECT, s5_name_req, sizeof(s5_name_req)},
	    {OP_SEND, rep, sizeof(rep)},
	    {OP_CLOSE, NULL, 0},
	    {OP_END, NULL, 0}};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	assert_int_equal(run(&f, steps, SOCKS_5, NULL, NULL, "imap.example.com",
			     5, &fd, err),
			 ST_TEMP);
	assert_non_null(strstr(err, "connection closed by the proxy"));
	assert_int_equal(fake_end(&f), 0);
}

static void
t_timeout(void **state)
{
	const struct step steps[] = {
	    {OP_EXPECT, s5_greet, 3}, {OP_HANG, NULL, 0}, {OP_END, NULL, 0}};
	struct timespec t0, t1;
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run(&f, steps, SOCKS_5, NULL, NULL, "imap.example.com",
			     1, &fd, err),
			 ST_TEMP);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(err, "timed out"));
	assert_true(t1.tv_sec - t0.tv_sec <= 2);
	assert_int_equal(fake_end(&f), 0);
}

static void
t_proxy_closed(void **state)
{
	struct socks_opts o = {SOCKS_5, "127.0.0.1", 0, NULL, NULL};
	char err[ERRSZ];
	int fd;

	(void)state;
	o.port = closed_port();
	assert_int_equal(socks_connect(&o, "imap.example.com", 993, 5, &fd, err,
				       sizeof(err)),
			 ST_TEMP);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, "proxy unreachable"));
	assert_non_null(strstr(err, "imap.example.com:993"));
	o.type = SOCKS_4;
	assert_int_equal(
	    socks_connect(&o, "10.0.0.1", 993, 5, &fd, err, sizeof(err)),
	    ST_TEMP);
	assert_non_null(strstr(err, "SOCKS4 proxy 127.0.0.1:"));
}

static void
t_config(void **state)
{
	struct socks_opts o = {SOCKS_5, "127.0.0.1", 1080, NULL, NULL};
	char err[ERRSZ], name[300], big[300];
	int fd;

	(void)state;
	memset(name, 'a', 256);
	name[256] = '\0';
	assert_int_equal(socks_connect(&o, name, 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "too long"));
	name[255] = '\0'; /* 255 is fine: fails later, not ST_CONFIG */
	o.port = closed_port();
	assert_int_equal(socks_connect(&o, name, 993, 5, &fd, err, sizeof(err)),
			 ST_TEMP);
	o.port = 0;
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	o.port = 65536;
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	o.port = 1080;
	assert_int_equal(socks_connect(&o, "h", 0, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	assert_int_equal(socks_connect(&o, "", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	o.host = NULL;
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	o.host = "";
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	o.host = "127.0.0.1";
	memset(big, 'u', 256);
	big[256] = '\0';
	o.username = big;
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	o.username = "u";
	o.password = big;
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	assert_null(strstr(err, big));
	o.password = NULL;
	o.type = SOCKS_4;
	assert_int_equal(
	    socks_connect(&o, "2001:db8::1", 993, 5, &fd, err, sizeof(err)),
	    ST_CONFIG);
	assert_non_null(strstr(err, "IPv6"));
	o.type = (enum socks_type)42;
	assert_int_equal(socks_connect(&o, "h", 993, 5, &fd, err, sizeof(err)),
			 ST_CONFIG);
	assert_int_equal(fd, -1);
}

static void
t_direct(void **state)
{
	const struct step steps[] = {{OP_END, NULL, 0}};
	struct socks_opts o = {SOCKS_NONE, NULL, 0, NULL, NULL};
	struct fake f;
	char err[ERRSZ];
	int fd;

	(void)state;
	fake_start(&f, steps);
	assert_int_equal(
	    socks_connect(NULL, "127.0.0.1", f.port, 5, &fd, err, sizeof(err)),
	    ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
	fake_start(&f, steps);
	assert_int_equal(
	    socks_connect(&o, "127.0.0.1", f.port, 5, &fd, err, sizeof(err)),
	    ST_OK);
	check_echo(fd);
	close(fd);
	assert_int_equal(fake_end(&f), 0);
	assert_int_equal(socks_connect(NULL, "127.0.0.1", closed_port(), 5, &fd,
				       err, sizeof(err)),
			 ST_TEMP);
	assert_non_null(strstr(err, "127.0.0.1 port "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_socks4_good),
	    cmocka_unit_test(t_socks4_short_long),
	    cmocka_unit_test(t_socks4_version),
	    cmocka_unit_test(t_socks4_codes),
	    cmocka_unit_test(t_socks5_progressive),
	    cmocka_unit_test(t_socks5_atyp),
	    cmocka_unit_test(t_socks5_version),
	    cmocka_unit_test(t_socks5_codes),
	    cmocka_unit_test(t_s4_ipv4),
	    cmocka_unit_test(t_s4a_name),
	    cmocka_unit_test(t_s4_rejected),
	    cmocka_unit_test(t_s5_name),
	    cmocka_unit_test(t_s5_ipv4_dribble),
	    cmocka_unit_test(t_s5_ipv6),
	    cmocka_unit_test(t_s5_userpass),
	    cmocka_unit_test(t_s5_auth_refused),
	    cmocka_unit_test(t_s5_method_refused),
	    cmocka_unit_test(t_s5_refused),
	    cmocka_unit_test(t_s5_truncated),
	    cmocka_unit_test(t_timeout),
	    cmocka_unit_test(t_proxy_closed),
	    cmocka_unit_test(t_config),
	    cmocka_unit_test(t_direct),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
