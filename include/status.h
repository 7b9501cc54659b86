/*
 * The status vocabulary every fallible function returns, graded by scope
 * and retryability.  Code branches on these, never on message text; only
 * main() turns them into an exit code.
 */
#ifndef STATUS_H
#define STATUS_H

enum status {
	ST_OK = 0,
	ST_MSG_BAD, /* this message can never succeed: quarantine it */
	ST_TEMP,    /* remote or local trouble that may pass: retry next run */
	ST_AUTH,    /* credentials refused: stop the run */
	ST_CONFIG,  /* configuration unusable: stop the run */
	ST_USAGE,   /* bad command line */
	ST_NOMEM,   /* out of memory or a bound exceeded in our own state */
	ST_IO	    /* local file or directory error */
};

/* Exit codes (documented in the man page, EXIT STATUS). */
#define EXIT_OK 0
#define EXIT_PARTIAL 1	 /* some messages failed */
#define EXIT_USAGE 64	 /* EX_USAGE */
#define EXIT_TEMPFAIL 75 /* EX_TEMPFAIL: server unreachable, lock held */
#define EXIT_NOPERM 77	 /* EX_NOPERM: authentication refused */
#define EXIT_CONFIG 78	 /* EX_CONFIG */

const char *status_str(enum status);

#endif
