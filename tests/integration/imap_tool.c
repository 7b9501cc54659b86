/*
 * A small driver for src/imap.c, for tests/integration/test_imap.py:
 *
 *   imap_tool [--starttls] [--allow-plaintext] [--ca FILE] [--no-verify]
 *       [--auth login|plain] [--timeout S] [--max BYTES] [--limit N] [-v]
 *       --server H --port P --user U --pass P [--folder F]
 *       unseen | fetch UID | seen UID | flag UID KW | move UID FOLDER |
 *       uidvalidity
 *
 * Results on standard output (fetch writes the raw message bytes and the
 * INTERNALDATE on standard error), the log on standard error.  Exit codes:
 * 0 ok, 75 ST_TEMP, 77 ST_AUTH, 78 ST_CONFIG, 1 any other failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "imap.h"
#include "log.h"
#include "status.h"

#define TOOL_ERR_MAX 1024
#define TOOL_MAX_UNSEEN 100000 /* UIDs listed by "unseen" */

static void
usage(void)
{
	fprintf(stderr,
		"usage: imap_tool [--starttls] [--allow-plaintext] "
		"[--ca FILE] [--no-verify] [--auth login|plain] [--timeout S] "
		"[--max BYTES] [--limit N] [-v] --server H --port P --user U "
		"--pass P [--folder F] unseen|fetch UID|seen UID|flag UID KW|"
		"move UID FOLDER|uidvalidity\n");
	exit(2);
}

static int
exit_code(enum status st)
{
	switch (st) {
	case ST_OK:
		return 0;
	case ST_TEMP:
		return EXIT_TEMPFAIL;
	case ST_AUTH:
		return EXIT_NOPERM;
	case ST_CONFIG:
		return EXIT_CONFIG;
	default:
		return 1;
	}
}

static uint32_t
parse_uid(const char *s)
{
	char *end;
	unsigned long v;

	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v == 0 || v > UINT32_MAX)
		usage();
	return (uint32_t)v;
}

int
main(int argc, char *argv[])
{
	struct imap_opts o;
	struct imap *im = NULL;
	uint32_t *uids = NULL;
	size_t n, i, len, max = MAX_MESSAGE_SIZE;
	size_t limit = TOOL_MAX_UNSEEN;
	char err[TOOL_ERR_MAX] = "", lerr[TOOL_ERR_MAX];
	char *raw = NULL;
	const char *cmd;
	time_t idate;
	int a, verbose = LL_WARN;
	enum status st;

	memset(&o, 0, sizeof(o));
	o.verify_tls = 1;
	o.proxy.type = SOCKS_NONE;
	o.timeout = 10;
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *opt = argv[a];

		if (strcmp(opt, "--starttls") == 0)
			o.starttls = 1;
		else if (strcmp(opt, "--allow-plaintext") == 0)
			o.allow_plaintext = 1;
		else if (strcmp(opt, "--no-verify") == 0)
			o.verify_tls = 0;
		else if (strcmp(opt, "-v") == 0)
			verbose = LL_DEBUG;
		else if (a + 1 >= argc)
			usage();
		else if (strcmp(opt, "--ca") == 0)
			o.ca_file = argv[++a];
		else if (strcmp(opt, "--auth") == 0)
			o.auth = argv[++a];
		else if (strcmp(opt, "--server") == 0)
			o.server = argv[++a];
		else if (strcmp(opt, "--port") == 0)
			o.port = atoi(argv[++a]);
		else if (strcmp(opt, "--user") == 0)
			o.username = argv[++a];
		else if (strcmp(opt, "--pass") == 0)
			o.password = argv[++a];
		else if (strcmp(opt, "--folder") == 0)
			o.folder = argv[++a];
		else if (strcmp(opt, "--timeout") == 0)
			o.timeout = atoi(argv[++a]);
		else if (strcmp(opt, "--max") == 0)
			max = strtoul(argv[++a], NULL, 10);
		else if (strcmp(opt, "--limit") == 0)
			limit = strtoul(argv[++a], NULL, 10);
		else
			usage();
	}
	if (a >= argc || o.server == NULL)
		usage();
	cmd = argv[a++];
	if (log_open("stderr", "imap_tool", verbose, lerr, sizeof(lerr)) == -1)
		return 1;

	if ((st = imap_open(&o, &im, err, sizeof(err))) != ST_OK)
		goto out;
	if (strcmp(cmd, "uidvalidity") == 0 && a == argc) {
		printf("%" PRIu32 "\n", imap_uidvalidity(im));
	} else if (strcmp(cmd, "unseen") == 0 && a == argc) {
		if ((st = imap_unseen(im, limit, &uids, &n, err,
				      sizeof(err))) == ST_OK)
			for (i = 0; i < n; i++)
				printf("%" PRIu32 "\n", uids[i]);
	} else if (strcmp(cmd, "fetch") == 0 && a + 1 == argc) {
		if ((st = imap_fetch(im, parse_uid(argv[a]), max, &raw, &len,
				     &idate, err, sizeof(err))) == ST_OK) {
			fwrite(raw, 1, len, stdout);
			fprintf(stderr, "internaldate %lld\n",
				(long long)idate);
		}
	} else if (strcmp(cmd, "seen") == 0 && a + 1 == argc) {
		st = imap_add_flag(im, parse_uid(argv[a]), "\\Seen", err,
				   sizeof(err));
	} else if (strcmp(cmd, "flag") == 0 && a + 2 == argc) {
		st = imap_add_flag(im, parse_uid(argv[a]), argv[a + 1], err,
				   sizeof(err));
	} else if (strcmp(cmd, "move") == 0 && a + 2 == argc) {
		st = imap_move(im, parse_uid(argv[a]), argv[a + 1], err,
			       sizeof(err));
	} else {
		imap_close(im);
		usage();
	}
out:
	if (st != ST_OK)
		fprintf(stderr, "imap_tool: %s: %s\n", status_str(st), err);
	free(raw);
	free(uids);
	imap_close(im);
	log_close();
	fflush(stdout);
	return exit_code(st);
}
