/*
 * libFuzzer: the INI configuration loader (config_load), which only takes
 * a path.  Each input is written, mode 0600, to fuzz.ini in a private
 * directory made once with mkdtemp(3) and loaded from there; a load that
 * succeeds is repeated with the file at mode 0644 (the permission check)
 * and followed by config_check_online.
 *
 * An input starting with '?' is instead the answers of the interactive
 * first run (config_first_run from a memory stream; its file goes to the
 * same directory) and the file it writes must load back with every answer
 * unchanged: a mismatch aborts.
 *
 * Nothing is written outside the directory: password_file is the only
 * key that opens a file, so in an input naming it every '/' becomes '_'
 * and the files it can reach are the few made here (pw, pw-open,
 * pw-empty, pw-big, dir).  The directory is removed at exit.
 */
#define _DEFAULT_SOURCE /* mkdtemp(3), fmemopen(3), strncasecmp(3) */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

#define ERRSZ 512
#define NANSWERS 5
#define ANSWER_MAX 512 /* as config.c: longer answers are refused */

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char dir[64];
static char ini[96];   /* the input as a config file */
static char first[96]; /* what config_first_run writes */
static const char *const extra[] = {"pw", "pw-open", "pw-empty", "pw-big"};

static void
cleanup(void)
{
	char p[128];
	size_t i;

	if (dir[0] == '\0')
		return;
	unlink(ini);
	unlink(first);
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, extra[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/dir", dir);
	rmdir(p);
	rmdir(dir);
}

static void
put(const char *name, const char *text, size_t len, mode_t mode)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
		-1 ||
	    fchmod(fd, mode) == -1 ||
	    (len > 0 && write(fd, text, len) != (ssize_t)len) ||
	    close(fd) == -1)
		abort();
}

static void
setup(void)
{
	static char big[5000];
	const char *base;
	char p[128];

	base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	if (base == NULL || *base == '\0' || strlen(base) > 40)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_config.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(ini, sizeof(ini), "%s/fuzz.ini", dir);
	snprintf(first, sizeof(first), "%s/first.ini", dir);
	atexit(cleanup);
	put("pw", "file-secret\n", 12, 0600);
	put("pw-open", "open-secret\n", 12, 0644);
	put("pw-empty", "", 0, 0600);
	memset(big, 'x', sizeof(big));
	put("pw-big", big, sizeof(big), 0600);
	snprintf(p, sizeof(p), "%s/dir", dir);
	if (mkdir(p, 0700) == -1)
		abort();
	/* For password_env. */
	setenv("TQ_FUZZ_PW", "env-secret", 1);
	setenv("TQ_FUZZ_EMPTY", "", 1);
}

static void
warn_cb(const char *msg)
{
	if (strlen(msg) == (size_t)-1) /* read every byte of it */
		abort();
}

static int
has_ci(const uint8_t *d, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (strncasecmp((const char *)d + i, s, n) == 0)
			return 1;
	return 0;
}

static void
load(const uint8_t *data, size_t len)
{
	struct config c;
	char err[ERRSZ];
	uint8_t *copy;
	size_t i;

	if ((copy = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	/* Keep password_file inside the directory. */
	if (has_ci(data, len, "password_file"))
		for (i = 0; i < len; i++)
			if (copy[i] == '/')
				copy[i] = '_';
	put("fuzz.ini", (const char *)copy, len, 0600);
	free(copy);

	if (config_load(&c, ini, warn_cb, err, sizeof(err)) != ST_OK) {
		config_free(&c);
		return;
	}
	(void)config_check_online(&c, 0, err, sizeof(err));
	(void)config_check_online(&c, 1, err, sizeof(err));
	config_free(&c);
	if (chmod(ini, 0644) == -1)
		abort();
	(void)config_load(&c, ini, warn_cb, err, sizeof(err));
	config_free(&c);
}

/* The answer config_first_run takes from line i of in[0..len). */
static int
answer(const char *in, size_t len, int i, char *out, size_t outsz)
{
	const char *p = in, *end = in + len, *nl;
	size_t n;
	int k;

	for (k = 0; k <= i; k++) {
		if (p >= end)
			return -1;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		if (k == i)
			break;
		p += n + 1;
	}
	if (n > ANSWER_MAX || n >= outsz)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	n = strlen(out); /* fgets then strlen: a NUL ends it */
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	if (i != 3) { /* not the password: trimmed */
		while (n > 0 && strchr(" \t\r\n\v\f", out[n - 1]) != NULL)
			out[--n] = '\0';
		p = out;
		while (*p != '\0' && strchr(" \t\r\n\v\f", *p) != NULL)
			p++;
		memmove(out, p, strlen(p) + 1);
	}
	if (i == 4 && out[0] == '\0')
		snprintf(out, outsz, "Review");
	return 0;
}

static void
check(const char *what, const char *want, const char *got)
{
	if (got == NULL || strcmp(want, got) != 0) {
		fprintf(stderr,
			"first run: %s written as \"%s\", read back as "
			"\"%s\"\n",
			what, want, got == NULL ? "(null)" : got);
		abort();
	}
}

static void
first_run(const uint8_t *data, size_t len)
{
	char ans[NANSWERS][ANSWER_MAX + 2], err[ERRSZ], *out = NULL;
	struct config c;
	size_t outlen = 0;
	FILE *in, *fout;
	int i, known = 1;

	unlink(first);
	if ((fout = open_memstream(&out, &outlen)) == NULL)
		abort();
	if (len == 0)
		in = fopen("/dev/null", "r");
	else
		in = fmemopen((void *)(uintptr_t)data, len, "r");
	if (in == NULL)
		abort();
	if (config_first_run(first, in, fout, err, sizeof(err)) != ST_OK) {
		fclose(in);
		fclose(fout);
		free(out);
		return;
	}
	fclose(in);
	fclose(fout);
	free(out);

	for (i = 0; i < NANSWERS; i++)
		if (answer((const char *)data, len, i, ans[i],
			   sizeof(ans[i])) == -1)
			known = 0;
	if (config_load(&c, first, warn_cb, err, sizeof(err)) != ST_OK) {
		fprintf(stderr, "first run: its file does not load: %s\n", err);
		abort();
	}
	if (known) {
		check("host", ans[0], c.tq.host);
		check("client_id", ans[1], c.tq.client_id);
		check("username", ans[2], c.tq.username);
		check("password", ans[3], c.tq.password);
		check("status", ans[4], c.tq.status);
	}
	config_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (dir[0] == '\0')
		setup();
	if (len > 0 && data[0] == '?')
		first_run(data + 1, len - 1);
	else
		load(data, len);
	return 0;
}
