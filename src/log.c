/*
 * Seed-format log lines with secret redaction.  One process-wide log: the
 * connector is a single-threaded cron job and every module logs through here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "log.h"
#include "utf8.h"

#define LOG_LINE_MAX 8192
#define SECRET_MIN 4 /* shorter values would redact ordinary text */

static FILE *log_fp;
static int log_own; /* log_fp is a file we opened */
static int log_level = LL_WARN;
static char log_name[128] = "tq-conn-intel-mailbox-reports";
static char *secrets[MAX_SECRETS];
static size_t nsecrets;

int
log_open(const char *dir, const char *name, int verbosity, char *err,
	 size_t errsz)
{
	char path[4096];
	FILE *fp;
	int n;

	log_close();
	if (name != NULL)
		snprintf(log_name, sizeof(log_name), "%s", name);
	log_level = verbosity;
	if (dir == NULL || strcmp(dir, "stdout") == 0) {
		log_fp = stdout;
		return 0;
	}
	if (strcmp(dir, "stderr") == 0) {
		log_fp = stderr;
		return 0;
	}
	n = snprintf(path, sizeof(path), "%s/%s.log", dir, log_name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errsz, "log directory '%s': path too long", dir);
		return -1;
	}
	if ((fp = fopen(path, "a")) == NULL) {
		snprintf(err, errsz, "log file '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	log_fp = fp;
	log_own = 1;
	return 0;
}

void
log_close(void)
{
	if (log_own && log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
	log_own = 0;
}

int
log_verbosity(void)
{
	return log_level;
}

void
log_add_secret(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) < SECRET_MIN || nsecrets >= MAX_SECRETS)
		return;
	for (i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], s) == 0)
			return;
	if ((secrets[nsecrets] = strdup(s)) != NULL)
		nsecrets++;
}

void
log_redact(char *s)
{
	static const char mask[] = "********";
	size_t i, slen, mlen = sizeof(mask) - 1;
	char *p;

	for (i = 0; i < nsecrets; i++) {
		slen = strlen(secrets[i]);
		p = s;
		while ((p = strstr(p, secrets[i])) != NULL) {
			if (slen >= mlen) {
				memcpy(p, mask, mlen);
				memmove(p + mlen, p + slen,
					strlen(p + slen) + 1);
				p += mlen;
			} else {
				/* Never lengthen the string: mask in place. */
				memset(p, '*', slen);
				p += slen;
			}
		}
	}
}

static const char *
level_name(enum log_level l)
{
	switch (l) {
	case LL_ERROR:
		return "ERROR";
	case LL_WARN:
		return "WARNING";
	case LL_INFO:
		return "INFO";
	case LL_DEBUG:
		return "DEBUG";
	case LL_SUMMARY:
		return "INFO";
	}
	return "LOG";
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX], ts[32];
	struct tm tm;
	time_t now;
	va_list ap;
	FILE *fp;

	if (level != LL_SUMMARY && (int)level > log_level)
		return;
	fp = log_fp != NULL ? log_fp : stderr;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_redact(line);
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(ts, sizeof(ts), "0000-00-00 00:00:00");
	fprintf(fp, "%s - %s %s: %s\n", ts, log_name, level_name(level), line);
	fflush(fp);
}

/* Length of a valid UTF-8 sequence at s that is safe in a log line, or 0. */
static size_t
safe_utf8(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if ((len = utf8_decode(s, n, &cp)) == 0)
		return 0;
	/* C1 controls and the bidi overrides could rewrite a log line. */
	if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

const char *
log_esc(char *out, size_t outsz, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n, fields = 0;
	int cut = 0;

	if (outsz < 16) {
		if (outsz > 0)
			out[0] = '\0';
		return out;
	}
	if (s == NULL) {
		snprintf(out, outsz, "(null)");
		return out;
	}
	while (i < len) {
		char tmp[8];
		size_t tl;

		if (fields >= MAX_LOG_FIELD) {
			cut = 1;
			break;
		}
		if (u[i] == '\\' || u[i] == '"') {
			tmp[0] = '\\';
			tmp[1] = (char)u[i];
			tl = 2, n = 1;
		} else if (u[i] == '\n') {
			memcpy(tmp, "\\n", 2), tl = 2, n = 1;
		} else if (u[i] == '\r') {
			memcpy(tmp, "\\r", 2), tl = 2, n = 1;
		} else if (u[i] == '\t') {
			memcpy(tmp, "\\t", 2), tl = 2, n = 1;
		} else if (u[i] >= 0x20 && u[i] < 0x7f) {
			tmp[0] = (char)u[i], tl = 1, n = 1;
		} else if ((n = safe_utf8(u + i, len - i)) > 1) {
			memcpy(tmp, u + i, n), tl = n;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", u[i]);
			tl = 4, n = 1;
		}
		if (o + tl + 4 > outsz) {
			cut = 1;
			break;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
		i += n;
		fields++;
	}
	if (cut)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
	return out;
}
