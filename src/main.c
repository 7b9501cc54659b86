/*
 * tq-conn-intel-mailbox-reports: the only place that decides exit codes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <libpsl.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "run.h"
#include "status.h"

#ifndef TQ_GUMBO_VERSION
#define TQ_GUMBO_VERSION "unknown"
#endif

static const char *progname = "tq-conn-intel-mailbox-reports";

static void
print_version(void)
{
	char pcre[64];

	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
		snprintf(pcre, sizeof(pcre), "unknown");
	printf("%s %s\n", progname, TQ_VERSION);
	printf("libetpan %d.%d\n", libetpan_get_version_major(),
	       libetpan_get_version_minor());
	printf("gumbo %s\n", TQ_GUMBO_VERSION);
	printf("cJSON %s\n", cJSON_Version());
	printf("PCRE2 %s (JIT %s)\n", pcre,
	       pcre2_config(PCRE2_CONFIG_JIT, &(uint32_t){0}) >= 0
		   ? "available"
		   : "unavailable");
	printf("%s\n", curl_version());
	printf("GnuTLS %s\n", gnutls_check_version(NULL));
	printf("libpsl %s\n", psl_get_version());
	printf("iniparser %s\n", TQ_INIPARSER_VERSION);
}

static void
config_warning(const char *msg)
{
	log_warn("%s", msg);
}

static int
exit_for(enum status st)
{
	switch (st) {
	case ST_OK:
		return EXIT_OK;
	case ST_USAGE:
		return EXIT_USAGE;
	case ST_TEMP:
		return EXIT_TEMPFAIL;
	case ST_AUTH:
		return EXIT_NOPERM;
	case ST_CONFIG:
		return EXIT_CONFIG;
	case ST_MSG_BAD:
	case ST_NOMEM:
	case ST_IO:
		break;
	}
	return EXIT_PARTIAL;
}

/*
 * Load CONFIG/<name>.ini.  Offline modes accept a missing file (defaults);
 * *missing tells the caller so the online mode can run the first-run dialog.
 */
static enum status
load_config(const char *path, struct config *cfg, int *missing)
{
	char err[1024];
	enum status st;

	*missing = 0;
	/* config_load starts from the defaults; it leaves cfg empty on failure.
	 */
	st = config_load(cfg, path, config_warning, err, sizeof(err));
	if (st == ST_IO && errno == ENOENT) {
		*missing = 1;
		config_defaults(cfg);
		return ST_OK;
	}
	if (st != ST_OK)
		log_err("%s", err);
	return st;
}

static int
first_run(const char *path)
{
	char err[1024];
	enum status st;

	if (!isatty(STDIN_FILENO)) {
		log_err("%s: no configuration file.  Run %s once on a terminal "
			"to create it, or write it by hand (see "
			"tq-conn-intel-mailbox-reports.conf(5))",
			path, progname);
		return EXIT_CONFIG;
	}
	st = config_first_run(path, stdin, stdout, err, sizeof(err));
	if (st != ST_OK) {
		log_err("first run: %s", err);
		return exit_for(st) == EXIT_PARTIAL ? EXIT_CONFIG
						    : exit_for(st);
	}
	printf("Connector configured.\n"
	       "Now fill in the [mailbox] section of %s (server, username,\n"
	       "password or password_file, folder) and run %s again.\n",
	       path, progname);
	return EXIT_OK;
}

/*
 * A mailbox run as root in a directory that belongs to another user (the
 * packages' /etc/tq_labs and /var/log/tq_labs belong to tq_labs) is
 * refused: the journal, lock, token state and log it made would belong to
 * root, so that the scheduled runs as that user could no longer use them,
 * and that user could have planted links for root to write through.
 * 0, or -1 with the message printed.
 */
static int
root_in_foreign_dir(const char *dir, const char *what)
{
	struct passwd *pw;
	struct stat sb;
	char user[64];

	if (geteuid() != 0 || dir == NULL || stat(dir, &sb) == -1 ||
	    sb.st_uid == 0)
		return 0;
	if ((pw = getpwuid(sb.st_uid)) != NULL && strlen(pw->pw_name) < 40 &&
	    strspn(pw->pw_name, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		strlen(pw->pw_name))
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "#%lu", (unsigned long)sb.st_uid);
	fprintf(stderr,
		"%s: refusing to run as root with the %s directory '%s', "
		"which belongs to %s: what this run wrote there would belong "
		"to root, and the runs as %s (the cron.d file, the systemd "
		"unit) could not use it.  Run it as that user: "
		"sudo -u %s %s ...\n",
		progname, what, dir, user, user, user, progname);
	return -1;
}

int
main(int argc, char *argv[])
{
	struct cli cli;
	struct config cfg;
	struct run_stats stats;
	char err[1024], line[256];
	char *path = NULL;
	const char *logdir;
	enum status st;
	int rc = EXIT_CONFIG, missing, offline;

	/*
	 * A peer that drops the connection must be an error return from
	 * write(2), not SIGPIPE killing the run half way through a message.
	 */
	signal(SIGPIPE, SIG_IGN);
	memset(&cfg, 0, sizeof(cfg));
	if (cli_parse(&cli, argc, argv, err, sizeof(err)) == -1) {
		cli_usage(stderr);
		fprintf(stderr, "%s: error: %s\n", progname, err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cli_help(stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (cli.version) {
		print_version();
		rc = EXIT_OK;
		goto out;
	}
	offline = cli.extract || cli.neml > 0 || cli.maildir != NULL;

	/* stdout carries JSON in the offline modes: log to stderr there. */
	logdir = cli.loglocation;
	if (!offline &&
	    (root_in_foreign_dir(cli.configdir, "configuration") == -1 ||
	     (logdir != NULL && strcmp(logdir, "stdout") != 0 &&
	      root_in_foreign_dir(logdir, "log") == -1))) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (offline && (logdir == NULL || strcmp(logdir, "stdout") == 0))
		logdir = "stderr";
	if (log_open(logdir, cli.name, cli.verbosity, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err);
		rc = EXIT_CONFIG;
		goto out;
	}
	if ((path = config_path(cli.configdir, cli.name)) == NULL) {
		log_err("out of memory");
		rc = EXIT_PARTIAL;
		goto out;
	}
	if ((st = load_config(path, &cfg, &missing)) != ST_OK) {
		rc = exit_for(st) == EXIT_PARTIAL ? EXIT_CONFIG : exit_for(st);
		goto out;
	}
	log_debug("configuration: %s%s", path,
		  missing ? " (absent: defaults)" : "");

	if (cli.extract) {
		st = run_extract(cli.extract_file, &cfg, stdout);
		rc = exit_for(st);
		goto out;
	}
	if (offline) {
		/* Without --dry-run the plans go to ThreatQ. */
		if (!cli.dry_run && missing) {
			log_err(
			    "%s: no configuration file; pushing --eml or "
			    "--maildir messages to ThreatQ needs its [threatq] "
			    "settings (or add --dry-run)",
			    path);
			rc = EXIT_CONFIG;
			goto out;
		}
		st = run_offline(&cli, &cfg, stdout, &stats);
		run_summary(&stats, line, sizeof(line));
		log_msg(stats.failed ? LL_WARN : LL_INFO, "%s", line);
		rc = st != ST_OK    ? exit_for(st)
		     : stats.failed ? EXIT_PARTIAL
				    : EXIT_OK;
		goto out;
	}

	/* The mailbox run. */
	if (access(cli.configdir, R_OK | W_OK | X_OK) == -1) {
		log_err("config directory '%s': %s (it must be readable and "
			"writable)",
			cli.configdir, strerror(errno));
		rc = EXIT_CONFIG;
		goto out;
	}
	if (missing) {
		rc = first_run(path);
		goto out;
	}
	st = run_mailbox(&cli, &cfg, &stats);
	run_summary(&stats, line, sizeof(line));
	/* One line at the end, at every verbosity, for cron mail and logs. */
	log_msg(LL_SUMMARY, "%s", line);
	rc = st != ST_OK ? exit_for(st) : stats.failed ? EXIT_PARTIAL : EXIT_OK;
out:
	free(path);
	config_free(&cfg);
	cli_free(&cli);
	log_close();
	return rc;
}
