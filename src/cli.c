/*
 * Command-line parsing compatible with the seed connector (Python argparse):
 * single-dash multi-letter options (-ll, -ep, -ds), long options with a
 * space or '=' before the value, unique prefixes of long options, and the
 * value attached to a one-letter option (-v3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

enum opt_id {
	O_HELP,
	O_LOG,
	O_CONFIG,
	O_VERB,
	O_NAME,
	O_PROXY,
	O_NODIFF,
	O_FILES,
	O_NOSSL,
	O_EML,
	O_MAILDIR,
	O_DRYRUN,
	O_EXTRACT,
	O_VERSION
};

enum opt_arg { ARG_NONE, ARG_REQ, ARG_OPT };

struct opt {
	enum opt_id id;
	const char *shrt; /* "-ll" or NULL */
	const char *lng;  /* "--loglocation" */
	enum opt_arg arg;
	const char *metavar;
	const char *help;
};

static const struct opt opts[] = {
    {O_HELP, "-h", "--help", ARG_NONE, NULL, "show this help message and exit"},
    {O_LOG, "-ll", "--loglocation", ARG_REQ, "LOGLOCATION",
     "directory for <name>.log, or 'stdout' (default: stdout)"},
    {O_CONFIG, "-c", "--config", ARG_REQ, "CONFIG",
     "directory holding <name>.ini and the state (default: .)"},
    {O_VERB, "-v", "--verbosity", ARG_REQ, "{1,2,3}",
     "1 warnings (default), 2 info, 3 debug"},
    {O_NAME, "-n", "--name", ARG_REQ, "NAME",
     "instance name: own config, journal and lock "
     "(default: " CLI_DEFAULT_NAME ")"},
    {O_PROXY, "-ep", "--external-proxy", ARG_REQ, "PROXY",
     "proxy of the OAuth token request, http|https|socks4[a]|socks5[h]://"
     "HOST[:PORT]"},
    {O_NODIFF, "-d", "--no-differential", ARG_NONE, NULL,
     "debugging: record no progress and set no \\Seen flag"},
    {O_FILES, "-f", "--files", ARG_REQ, "FILES",
     "directory where fetched messages and attachments are kept"},
    {O_NOSSL, "-ds", "--disable_ssl", ARG_NONE, NULL,
     "IMAP on port 143 (STARTTLS still used when offered)"},
    {O_EML, NULL, "--eml", ARG_REQ, "FILE",
     "read a message from FILE instead of IMAP (repeatable)"},
    {O_MAILDIR, NULL, "--maildir", ARG_REQ, "DIR",
     "read the messages of a Maildir (cur/ and new/) instead of IMAP"},
    {O_DRYRUN, NULL, "--dry-run", ARG_NONE, NULL,
     "send nothing to ThreatQ; print each plan as a JSON line"},
    {O_EXTRACT, NULL, "--extract", ARG_OPT, "FILE",
     "print the IoCs in FILE (default: stdin) as JSON lines"},
    {O_VERSION, NULL, "--version", ARG_NONE, NULL,
     "print the version and the linked library versions"},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

void
cli_usage(FILE *fp)
{
	fputs("usage: tq-conn-intel-mailbox-reports [-h] [-ll LOGLOCATION] "
	      "[-c CONFIG] [-v {1,2,3}]\n"
	      "                                     [-n NAME] [-ep PROXY] [-d] "
	      "[-f FILES] [-ds]\n"
	      "                                     [--eml FILE]... "
	      "[--maildir DIR] [--dry-run]\n"
	      "                                     [--extract [FILE]] "
	      "[--version]\n",
	      fp);
}

void
cli_help(FILE *fp)
{
	size_t i;
	char left[64];

	cli_usage(fp);
	fputs("\nRead unread threat-intelligence mail over IMAPS and turn it "
	      "into ThreatQ\nfiles, reports and indicators.\n\noptions:\n",
	      fp);
	for (i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		const char *mv = o->metavar;

		if (o->arg == ARG_NONE)
			snprintf(left, sizeof(left), "%s%s%s",
				 o->shrt ? o->shrt : "", o->shrt ? ", " : "",
				 o->lng);
		else if (o->arg == ARG_OPT)
			snprintf(left, sizeof(left), "%s [%s]", o->lng, mv);
		else if (o->shrt)
			snprintf(left, sizeof(left), "%s %s, %s %s", o->shrt,
				 mv, o->lng, mv);
		else
			snprintf(left, sizeof(left), "%s %s", o->lng, mv);
		if (strlen(left) > 30)
			fprintf(fp, "  %s\n  %-30s %s\n", left, "", o->help);
		else
			fprintf(fp, "  %-30s %s\n", left, o->help);
	}
	fputs(
	    "\nExit status: 0 ok, 1 some messages failed, 64 usage, "
	    "75 temporary failure,\n77 authentication refused, "
	    "78 configuration error.  See tq-conn-intel-mailbox-reports(1).\n",
	    fp);
}

/*
 * Find the option for argument a.  *val is set to an attached value
 * ("--config=x", "-v3") or NULL.  Returns NULL for an unknown or ambiguous
 * option, with err filled in.
 */
static const struct opt *
find_opt(const char *a, const char **val, char *err, size_t errsz)
{
	const struct opt *hit = NULL;
	const char *eq;
	size_t i, n;
	int nhit = 0;

	*val = NULL;
	if (strncmp(a, "--", 2) == 0) {
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		for (i = 0; i < NOPTS; i++) {
			if (strlen(opts[i].lng) == n &&
			    strncmp(opts[i].lng, a, n) == 0) {
				hit = &opts[i];
				nhit = 1;
				break;
			}
			if (strncmp(opts[i].lng, a, n) == 0) {
				hit = &opts[i];
				nhit++;
			}
		}
		if (nhit > 1) {
			snprintf(err, errsz, "ambiguous option: %.*s", (int)n,
				 a);
			return NULL;
		}
		if (hit != NULL && eq != NULL)
			*val = eq + 1;
	} else {
		for (i = 0; i < NOPTS; i++)
			if (opts[i].shrt && strcmp(opts[i].shrt, a) == 0)
				return &opts[i];
		/* "-v3": a one-letter option with its value attached. */
		for (i = 0; i < NOPTS; i++)
			if (opts[i].shrt && strlen(opts[i].shrt) == 2 &&
			    opts[i].arg == ARG_REQ &&
			    strncmp(opts[i].shrt, a, 2) == 0) {
				hit = &opts[i];
				*val = a[2] == '=' ? a + 3 : a + 2;
				break;
			}
	}
	if (hit == NULL)
		snprintf(err, errsz, "unrecognized arguments: %s", a);
	else if (hit->arg == ARG_NONE && *val != NULL) {
		snprintf(err, errsz,
			 "argument %s: ignored explicit argument "
			 "'%s'",
			 hit->lng, *val);
		return NULL;
	}
	return hit;
}

/* Printable ASCII only: a value safe to quote in a message. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/*
 * A libcurl proxy URL, checked here so that a typo is a usage error and
 * not a failed token request: SCHEME://HOST[:PORT][/], HOST a name, an
 * IPv4 address or a bracketed IPv6 one.  Credentials are refused: the
 * command line is visible to every local user (ps).
 */
static int
proxy_url_check(const char *v, char *err, size_t errsz)
{
	static const char *const schemes[] = {"http",	 "https",  "socks4",
					      "socks4a", "socks5", "socks5h"};
	const char *p, *host;
	size_t i, n, hlen;
	long port;
	char *end;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (strncasecmp(v, schemes[i], n) == 0 &&
		    strncmp(v + n, "://", 3) == 0)
			break;
	}
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		snprintf(err, errsz,
			 "argument -ep/--external-proxy: '%.64s' does not "
			 "start with http://, https://, socks4://, "
			 "socks4a://, socks5:// or socks5h://",
			 printable(v) ? v : "(unprintable)");
		return -1;
	}
	host = v + n + 3;
	if (strcspn(host, "@") < strcspn(host, "/")) {
		snprintf(
		    err, errsz,
		    "argument -ep/--external-proxy: a proxy URL with "
		    "credentials would be visible to every local user (ps); "
		    "use a proxy without authentication, or leave -ep out "
		    "and set the [mailbox] proxy_* keys");
		return -1;
	}
	if (host[0] == '[') {
		p = strchr(host, ']');
		hlen = p != NULL ? (size_t)(p - host) + 1 : 0;
		if (p != NULL &&
		    (hlen < 4 ||
		     strspn(host + 1, "0123456789abcdefABCDEF:.") != hlen - 2))
			hlen = 0;
	} else
		hlen = strspn(host, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
	p = host + hlen;
	port = 1;
	if (hlen > 0 && hlen <= 255 && *p == ':') {
		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (p[1] < '0' || p[1] > '9' || errno != 0)
			port = 0;
		p = end;
	}
	if (hlen == 0 || hlen > 255 || port < 1 || port > 65535 ||
	    (p[0] != '\0' && strcmp(p, "/") != 0)) {
		snprintf(err, errsz,
			 "argument -ep/--external-proxy: '%.64s' is not "
			 "SCHEME://HOST[:PORT] (port 1-65535)",
			 printable(v) ? v : "(unprintable)");
		return -1;
	}
	return 0;
}

static const char *
optname(const struct opt *o, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s%s%s", o->shrt ? o->shrt : "", o->shrt ? "/" : "",
		 o->lng);
	return buf;
}

int
cli_parse(struct cli *c, int argc, char *argv[], char *err, size_t errsz)
{
	const struct opt *o;
	const char *val;
	char nb[64];
	int i;

	memset(c, 0, sizeof(*c));
	c->configdir = ".";
	c->verbosity = 1;
	c->name = CLI_DEFAULT_NAME;
	err[0] = '\0';

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0') {
			snprintf(err, errsz, "unrecognized arguments: %s", a);
			goto fail;
		}
		if ((o = find_opt(a, &val, err, errsz)) == NULL)
			goto fail;
		if (o->arg == ARG_REQ && val == NULL) {
			if (i + 1 >= argc) {
				snprintf(err, errsz,
					 "argument %s: expected one "
					 "argument",
					 optname(o, nb, sizeof(nb)));
				goto fail;
			}
			val = argv[++i];
		} else if (o->arg == ARG_OPT && val == NULL && i + 1 < argc &&
			   (argv[i + 1][0] != '-' ||
			    strcmp(argv[i + 1], "-") == 0))
			val = argv[++i];
		if (o->arg == ARG_REQ && val[0] == '\0') {
			snprintf(err, errsz, "argument %s: empty value",
				 optname(o, nb, sizeof(nb)));
			goto fail;
		}

		switch (o->id) {
		case O_HELP:
			c->help = 1;
			break;
		case O_LOG:
			c->loglocation = val;
			break;
		case O_CONFIG:
			c->configdir = val;
			break;
		case O_VERB:
			if (val == NULL) /* never: -v takes a value */
				goto fail;
			if (strcmp(val, "1") != 0 && strcmp(val, "2") != 0 &&
			    strcmp(val, "3") != 0) {
				snprintf(err, errsz,
					 "argument -v/--verbosity: "
					 "invalid choice: '%.32s' (choose from "
					 "1, 2, 3)",
					 val);
				goto fail;
			}
			c->verbosity = val[0] - '0';
			break;
		case O_NAME:
			/* The name becomes file names: keep it tame. */
			if (val == NULL) /* never: -n takes a value */
				goto fail;
			if (strlen(val) > 64 || val[0] == '.' ||
			    val[strspn(
				val,
				"abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] !=
				'\0') {
				snprintf(err, errsz,
					 "argument -n/--name: '%.64s' "
					 "is not a valid name (letters, "
					 "digits, '.', "
					 "'_', '-'; at most 64; not starting "
					 "with '.')",
					 val);
				goto fail;
			}
			c->name = val;
			break;
		case O_PROXY:
			if (val == NULL || /* never: -ep takes a value */
			    proxy_url_check(val, err, errsz) == -1)
				goto fail;
			c->ext_proxy = val;
			break;
		case O_NODIFF:
			c->no_differential = 1;
			break;
		case O_FILES:
			c->files_dir = val;
			break;
		case O_NOSSL:
			c->disable_ssl = 1;
			break;
		case O_EML: {
			const char **ne;

			if (c->neml >= CLI_MAX_EML) {
				snprintf(err, errsz,
					 "argument --eml: more than "
					 "%d files",
					 CLI_MAX_EML);
				goto fail;
			}
			ne = realloc(c->eml, (c->neml + 1) * sizeof(*ne));
			if (ne == NULL) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			c->eml = ne;
			c->eml[c->neml++] = val;
			break;
		}
		case O_MAILDIR:
			c->maildir = val;
			break;
		case O_DRYRUN:
			c->dry_run = 1;
			break;
		case O_EXTRACT:
			c->extract = 1;
			c->extract_file = val;
			break;
		case O_VERSION:
			c->version = 1;
			break;
		}
	}

	if (c->extract && (c->neml > 0 || c->maildir != NULL)) {
		snprintf(err, errsz,
			 "argument --extract: not allowed with "
			 "--eml or --maildir");
		goto fail;
	}
	return 0;
fail:
	cli_free(c);
	return -1;
}

void
cli_free(struct cli *c)
{
	free(c->eml);
	c->eml = NULL;
	c->neml = 0;
}
