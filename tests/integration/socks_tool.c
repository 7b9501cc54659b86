/*
 * Test driver for socks_connect(): connect to host port (through a proxy
 * when -4 or -5 is given), send a line, read it back.  Exit 0 when the
 * echo matches; otherwise the program's exit code for the status
 * (75 temporary, 77 authentication, 78 configuration) with the error on
 * stderr.  The password comes from the environment (SOCKS_PASSWORD) so
 * it never shows up in ps.
 *
 * usage: socks_tool [-4 | -5] [-x proxyhost:port] [-u user] [-t timeout]
 *            host port
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "socks.h"

#define ERRSZ 512
#define LINE "hello through the proxy\n"
#define LINE_MAX_LEN 128
#define EXIT_SOFTWARE 70 /* EX_SOFTWARE: unexpected */

static int
exit_for(enum status st)
{
	switch (st) {
	case ST_OK:
		return EXIT_OK;
	case ST_TEMP:
		return EXIT_TEMPFAIL;
	case ST_AUTH:
		return EXIT_NOPERM;
	case ST_CONFIG:
		return EXIT_CONFIG;
	default:
		return EXIT_SOFTWARE;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: socks_tool [-4 | -5] [-x proxyhost:port] "
			"[-u user] [-t timeout] host port\n");
	exit(EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	struct socks_opts o;
	char err[ERRSZ], buf[LINE_MAX_LEN], *colon;
	char *proxy = NULL;
	size_t got = 0;
	ssize_t n;
	int ch, fd, timeout = 10, rc;
	enum status st;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "45x:u:t:")) != -1) {
		switch (ch) {
		case '4':
			o.type = SOCKS_4;
			break;
		case '5':
			o.type = SOCKS_5;
			break;
		case 'x':
			proxy = optarg;
			break;
		case 'u':
			o.username = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	if (proxy != NULL) {
		if ((colon = strrchr(proxy, ':')) == NULL)
			usage();
		*colon = '\0';
		o.host = proxy;
		o.port = atoi(colon + 1);
	}
	o.password = getenv("SOCKS_PASSWORD");

	st = socks_connect(&o, argv[0], atoi(argv[1]), timeout, &fd, err,
			   sizeof(err));
	if (st != ST_OK) {
		fprintf(stderr, "socks_tool: %s\n", err);
		return exit_for(st);
	}
	if (write(fd, LINE, strlen(LINE)) != (ssize_t)strlen(LINE)) {
		fprintf(stderr, "socks_tool: write: %s\n", strerror(errno));
		rc = EXIT_TEMPFAIL;
		goto out;
	}
	while (got < strlen(LINE)) {
		if ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0) {
			fprintf(stderr, "socks_tool: read: %s\n",
				n == 0 ? "EOF" : strerror(errno));
			rc = EXIT_TEMPFAIL;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (strcmp(buf, LINE) != 0) {
		fprintf(stderr, "socks_tool: echo mismatch: %s", buf);
		rc = EXIT_SOFTWARE;
		goto out;
	}
	printf("ok\n");
	rc = EXIT_OK;
out:
	close(fd);
	return rc;
}
