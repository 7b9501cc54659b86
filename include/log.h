/*
 * Logging in the seed's line format:
 *   YYYY-MM-DD HH:MM:SS - <name> LEVEL: message
 * to LOGLOCATION/<name>.log or to stdout.  Registered secrets are replaced by
 * "********" in every line at every level.  Untrusted text goes through
 * log_esc() first.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level {
	LL_ERROR = 0,  /* always written */
	LL_WARN = 1,   /* -v1 (default) */
	LL_INFO = 2,   /* -v2 */
	LL_DEBUG = 3,  /* -v3 */
	LL_SUMMARY = 4 /* the end-of-run line: always written, as INFO */
};

/*
 * Open the log.  dir NULL or "stdout" means standard output, "stderr"
 * standard error (used when stdout carries JSON).  Returns 0, or
 * -1 with err filled in (naming the path) when the file cannot be opened.
 */
int log_open(const char *dir, const char *name, int verbosity, char *err,
	     size_t errsz);
void log_close(void);
int log_verbosity(void);

/* Remember a secret so no log line ever shows it (short values ignored). */
void log_add_secret(const char *);

void log_msg(enum log_level, const char *, ...)
    __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LL_DEBUG, __VA_ARGS__)

/*
 * Escape untrusted bytes for a log line: printable ASCII kept, quotes and
 * backslash escaped, controls and invalid bytes as \xNN, valid UTF-8 kept;
 * truncated to MAX_LOG_FIELD with "..." appended.  Writes into out (size
 * outsz, at least 16) and returns out.
 */
const char *log_esc(char *out, size_t outsz, const char *s, size_t len);
#define LOG_ESC_SIZE (4 * 200 + 8)

/* Redact registered secrets in s in place; exposed for tests and sinks. */
void log_redact(char *s);

#endif
