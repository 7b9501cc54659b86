/*
 * Command line, compatible with the seed connector's flags plus the offline
 * modes.  Parsing is pure: no I/O, no exit.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>
#include <stddef.h>

#define CLI_DEFAULT_NAME "tq-conn-intel-mailbox-reports"
#define CLI_MAX_EML 10000

struct cli {
	const char *loglocation; /* NULL = stdout */
	const char *configdir;	 /* default "." */
	int verbosity;		 /* 1..3, default 1 */
	const char *name;
	const char *ext_proxy;
	int no_differential;
	const char *files_dir;
	int disable_ssl;
	const char **eml; /* --eml FILE..., owned array */
	size_t neml;
	const char *maildir;
	int dry_run;
	int extract;		  /* --extract given */
	const char *extract_file; /* NULL or "-" = stdin */
	int version;
	int help;
};

/*
 * Parse argv into c.  Returns 0, or -1 with a one-line reason in err.
 * Strings point into argv; cli_free() releases the eml array.
 */
int cli_parse(struct cli *c, int argc, char *argv[], char *err, size_t errsz);
void cli_free(struct cli *c);
void cli_usage(FILE *); /* the one-paragraph usage */
void cli_help(FILE *);	/* usage plus a line per option */

#endif
