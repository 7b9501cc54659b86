/*
 * Unit tests: pdf (pdftotext in a bounded child).  Real PDFs from
 * tests/data/pdf (written by make_pdfs.py); limits, environment and
 * descriptors checked with small shell scripts standing in for pdftotext.
 * pdftotext must be installed: without it these tests fail, never skip.
 */
#define _GNU_SOURCE /* setenv(3), strsignal(3) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "pdf.h"
#include "utf8.h"

#define SHA256                                                                 \
	"204656daae92f433febf6b3170b2721d18a9405aab18b3b1aaf5275ab52f17a7"
#define MD5 "da6c76b632e198bae6b5addcdbe1233e"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_pdf.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned char *
load(const char *name, size_t *len)
{
	char path[512];
	unsigned char *p;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/pdf/%s", TQ_DATA_DIR, name);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) > 0);
	rewind(fp);
	assert_non_null(p = malloc((size_t)n));
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

/* An executable /bin/sh script standing in for pdftotext. */
static const char *
script(const char *name, const char *body)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0700), 0);
	return path;
}

static enum status
run(const struct pdf_opts *o, const unsigned char *data, size_t len,
    char **text, size_t *textlen, char *err, size_t errsz)
{
	enum status st;

	err[0] = '\0';
	st = pdf_text(o, data, len, text, textlen, err, errsz);
	if (st == ST_OK) {
		assert_non_null(*text);
		assert_int_equal(strlen(*text), *textlen);
	} else
		assert_null(*text);
	return st;
}

/* Text of the named file with the default options; ST_OK expected. */
static char *
text_of(const char *name, size_t *textlen)
{
	struct pdf_opts o;
	unsigned char *data;
	size_t len;
	char *text, err[512];

	pdf_opts_default(&o);
	data = load(name, &len);
	if (run(&o, data, len, &text, textlen, err, sizeof(err)) != ST_OK)
		fail_msg("%s: %s", name, err);
	free(data);
	return text;
}

/* The whole text is well-formed UTF-8 without NUL, CR or form feed. */
static void
assert_clean(const char *t, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		assert_true(t[i] != '\0' && t[i] != '\f' && t[i] != '\r');
		assert_true(
		    (k = utf8_len((const unsigned char *)t + i, n - i)) > 0);
		i += k;
	}
}

static void
t_program_present(void **state)
{
	(void)state;
	if (access(PDF_TEXT_PROGRAM, X_OK) != 0)
		fail_msg("%s: %s (install poppler-utils)", PDF_TEXT_PROGRAM,
			 strerror(errno));
}

static void
t_defaults(void **state)
{
	struct pdf_opts o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	pdf_opts_default(&o);
	assert_string_equal(o.pdftotext, "/usr/bin/pdftotext");
	assert_int_equal(o.cpu_seconds, 10);
	assert_int_equal(o.mem_bytes, 512u * 1024 * 1024);
	assert_int_equal(o.timeout_ms, 20000);
	assert_int_equal(o.max_text, MAX_TEXT_SIZE);
}

static void
t_one_page(void **state)
{
	size_t n;
	char *t;

	(void)state;
	t = text_of("one-page.pdf", &n);
	assert_non_null(strstr(t, "Threat report: C2 server at "
				  "185.220.101.47\n"));
	assert_non_null(strstr(t, "hxxp://evil-update[.]com/a.exe"));
	assert_non_null(strstr(t, "SHA-256 " SHA256 "\n"));
	/* WinAnsi 0xe9 comes out as UTF-8 U+00E9. */
	assert_non_null(strstr(t, "Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9"));
	assert_clean(t, n);
	/* The page's closing form feed and blank line are gone. */
	assert_true(n > 0 && t[n - 1] != '\n' && t[n - 1] != ' ');
	free(t);
}

static void
t_two_pages_flate(void **state)
{
	size_t n;
	char *t, *p1, *p2;

	(void)state;
	t = text_of("two-pages-flate.pdf", &n);
	assert_non_null(p1 = strstr(t, "dropper beacons to 45.153.160.2"));
	assert_non_null(p2 = strstr(t, "hxxps://cdn-sync[.]net/u"));
	assert_non_null(strstr(t, "MD5 " MD5));
	assert_true(p1 < p2);
	/* The page break between them is a newline now. */
	assert_null(memchr(p1, '\f', (size_t)(p2 - p1)));
	assert_non_null(memchr(p1, '\n', (size_t)(p2 - p1)));
	assert_clean(t, n);
	free(t);
}

static void
t_image_only(void **state)
{
	size_t n;
	char *t;

	(void)state;
	t = text_of("image-only.pdf", &n);
	assert_int_equal(n, 0);
	assert_string_equal(t, "");
	free(t);
}

static void
t_garbage(void **state)
{
	struct pdf_opts o;
	unsigned char *data;
	size_t len, n;
	char *t, err[512];

	(void)state;
	pdf_opts_default(&o);
	data = load("garbage.pdf", &len);
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)),
			 ST_MSG_BAD);
	/* Program, exit status, its meaning, pdftotext's first and last. */
	assert_non_null(strstr(err, "pdftotext '/usr/bin/pdftotext': exit "
				    "status 1 (error opening the PDF): "));
	assert_non_null(strstr(err, "May not be a PDF file"));
	assert_non_null(strstr(err, "Couldn't read xref table"));
	/* Hostile bytes echoed on stderr are not passed on raw. */
	for (n = 0; err[n] != '\0'; n++)
		assert_true(isprint((unsigned char)err[n]));
	free(data);
}

static void
t_truncated(void **state)
{
	struct pdf_opts o;
	unsigned char *data;
	size_t len, n;
	char *t, err[512];

	(void)state;
	pdf_opts_default(&o);
	data = load("truncated.pdf", &len);
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_non_null(strstr(err, "exit status 1"));
	assert_non_null(strstr(err, "Couldn't read xref table"));
	/* Nothing at all. */
	assert_int_equal(run(&o, data, 0, &t, &n, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_non_null(strstr(err, "exit status 1"));
	free(data);
}

static void
t_missing_program(void **state)
{
	struct pdf_opts o;
	unsigned char *data;
	size_t len, n;
	char *t, err[512];
	const char *path;

	(void)state;
	pdf_opts_default(&o);
	data = load("one-page.pdf", &len);
	o.pdftotext = "/nonexistent/bin/pdftotext";
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)), ST_IO);
	assert_string_equal(err, "pdftotext '/nonexistent/bin/pdftotext': "
				 "cannot run: No such file or directory");
	/* There, but not executable. */
	path = script("noexec", "exit 0");
	assert_int_equal(chmod(path, 0600), 0);
	o.pdftotext = path;
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)), ST_IO);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(EACCES)));
	free(data);
}

static void
t_off(void **state)
{
	struct pdf_opts o;
	size_t n = 99;
	char *t, err[64];

	(void)state;
	pdf_opts_default(&o);
	o.pdftotext = NULL;
	assert_int_equal(
	    run(&o, (const unsigned char *)"x", 1, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_int_equal(n, 0);
	free(t);
	o.pdftotext = "";
	assert_int_equal(
	    run(&o, (const unsigned char *)"x", 1, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(t, "");
	free(t);
}

/* A stand-in that never ends is killed at timeout_ms, promptly. */
static void
check_timeout(const char *name, const char *body)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512];
	long t0, ms;

	pdf_opts_default(&o);
	o.pdftotext = script(name, body);
	o.timeout_ms = 300;
	t0 = now_ms();
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_MSG_BAD);
	ms = now_ms() - t0;
	assert_true(ms >= 290);
	assert_true(ms < 3000);
	assert_non_null(strstr(err, "killed after 300 ms"));
	assert_non_null(strstr(err, o.pdftotext));
}

static void
t_timeout(void **state)
{
	(void)state;
	check_timeout("sleeper", "exec sleep 30");
	/* Pipes closed first: the wait for the exit is bounded too. */
	check_timeout("closer", "exec sleep 30 >&- 2>&-");
}

/* Whether a live (not zombie) process runs "sleep <arg>". */
static int
sleeping(const char *arg)
{
	char path[300], buf[256], want[64];
	DIR *d;
	struct dirent *de;
	FILE *fp;
	size_t n, wn;
	int found = 0;

	wn = (size_t)snprintf(want, sizeof(want), "sleep%c%s", '\0', arg) + 1;
	assert_non_null(d = opendir("/proc"));
	while (!found && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		/* A zombie's cmdline is empty. */
		found = n >= wn && memcmp(buf, want, wn) == 0;
	}
	closedir(d);
	return found;
}

static void
t_timeout_kills_group(void **state)
{
	char arg[32], body[96];
	int i;

	(void)state;
	/* Ours alone, should another run of these tests be going on. */
	snprintf(arg, sizeof(arg), "30.%d", (int)getpid());
	snprintf(body, sizeof(body), "sleep %s & exec sleep 31", arg);
	/*
	 * A process of its own keeps the pipes open (when it may fork: root
	 * is not bound by RLIMIT_NPROC); the whole group is killed.
	 */
	if (geteuid() == 0)
		check_timeout("forker", body);
	else {
		struct pdf_opts o;
		size_t n;
		char *t, err[512];

		/* RLIMIT_NPROC 0: the shell cannot fork at all. */
		pdf_opts_default(&o);
		o.pdftotext = script("forker", body);
		o.timeout_ms = 300;
		assert_int_equal(run(&o, (const unsigned char *)"%PDF", 4, &t,
				     &n, err, sizeof(err)),
				 ST_MSG_BAD);
	}
	for (i = 0; i < 100 && sleeping(arg); i++)
		usleep(10000);
	assert_false(sleeping(arg));
}

static void
t_cpu_limit(void **state)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512];
	long t0, ms;

	(void)state;
	pdf_opts_default(&o);
	o.pdftotext = script("spinner", "while :; do :; done");
	o.cpu_seconds = 1;
	t0 = now_ms();
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_MSG_BAD);
	ms = now_ms() - t0;
	assert_non_null(strstr(err, "CPU limit of 1 s reached"));
	assert_true(ms >= 900 && ms < 10000);
}

static void
t_memory_limit(void **state)
{
	struct pdf_opts o;
	unsigned char *data;
	size_t len, n;
	char *t, err[512];

	(void)state;
	pdf_opts_default(&o);
	/* 1 GiB under a 64 MiB RLIMIT_AS: Python's MemoryError, exit 1. */
	o.pdftotext = script("hog", "exec python3 -c 'b = bytearray(1 << 30)'");
	o.mem_bytes = 64u * 1024 * 1024;
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_MSG_BAD);
	assert_non_null(strstr(err, "memory limit of 67108864 bytes reached: "
				    "exit status 1: "));
	assert_non_null(strstr(err, "MemoryError"));
	/* The real pdftotext under 16 MiB cannot even map its libraries. */
	data = load("one-page.pdf", &len);
	pdf_opts_default(&o);
	o.mem_bytes = 16u * 1024 * 1024;
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_non_null(strstr(err, "memory limit of 16777216 bytes reached"));
	free(data);
}

static void
t_exit_status_and_stderr(void **state)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512];

	(void)state;
	pdf_opts_default(&o);
	o.pdftotext = script("perm", "echo 'Syntax Error: first' >&2\n"
				     "printf 'bad \\001\\377 bytes\\n' >&2\n"
				     "echo 'Last line' >&2\nexit 3");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_MSG_BAD);
	assert_non_null(strstr(err, "': exit status 3 (PDF permissions): "
				    "Syntax Error: first ... Last line"));
	o.pdftotext = script("segv", "kill -SEGV $$");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_MSG_BAD);
	assert_non_null(strstr(err, "killed by signal 11"));
	/* A clean exit with diagnostics is still text. */
	o.pdftotext = script("warn", "echo 'Syntax Warning: meh' >&2\n"
				     "echo text");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(t, "text");
	free(t);
}

static void
t_max_text(void **state)
{
	struct pdf_opts o;
	unsigned char *data;
	size_t len, n;
	char *t, err[512];

	(void)state;
	pdf_opts_default(&o);
	data = load("one-page.pdf", &len);
	o.max_text = 10;
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)), ST_OK);
	assert_string_equal(t, "Threat rep");
	free(t);
	free(data);

	/* Cut on a character boundary, never inside the e-acute. */
	o.pdftotext = script("utf8", "exec printf 'abc\\303\\251def'");
	o.max_text = 4;
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(t, "abc");
	free(t);
	o.max_text = 5;
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(t, "abc\xc3\xa9");
	free(t);
}

static void
t_endless_text(void **state)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512];
	long t0;

	(void)state;
	/* Past max_text the child is killed; what was kept is the text. */
	pdf_opts_default(&o);
	o.pdftotext = script("yes", "exec yes '\xe2\x82\xac 185.220.101.47'");
	o.max_text = 1000;
	t0 = now_ms();
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_true(now_ms() - t0 < 3000);
	assert_true(n <= 1000 && n >= 980);
	assert_memory_equal(t, "\xe2\x82\xac 185.220.101.47\n", 19);
	assert_clean(t, n);
	free(t);
}

static void
t_cleaning(void **state)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512];

	(void)state;
	pdf_opts_default(&o);
	/* NUL dropped, form feed a newline, a bad byte U+FFFD, CR a space. */
	o.pdftotext = script("dirty", "exec printf "
				      "'a\\000b\\014c\\377d\\re\\n\\014\\n'");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(t, "ab\nc\xef\xbf\xbd"
			       "d e");
	assert_int_equal(n, 10);
	free(t);
}

static void
t_environment(void **state)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512];

	(void)state;
	assert_int_equal(setenv("TQ_PDF_TEST_SECRET", "hunter2", 1), 0);
	pdf_opts_default(&o);
	o.pdftotext = script("env", "exec env");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_null(strstr(t, "TQ_PDF_TEST_SECRET"));
	assert_null(strstr(t, "hunter2"));
	assert_non_null(strstr(t, "PATH=/usr/bin:/bin"));
	assert_non_null(strstr(t, "LANG=C.UTF-8"));
	free(t);
	unsetenv("TQ_PDF_TEST_SECRET");
}

static void
t_child_descriptors_and_limits(void **state)
{
	struct pdf_opts o;
	size_t n;
	char *t, err[512], *line;
	unsigned long soft, hard;
	int fd;

	(void)state;
	pdf_opts_default(&o);
	/* 0-3 and ls's own directory: nothing else of ours. */
	o.pdftotext = script("fds", "exec ls -1 /proc/self/fd");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	for (line = strtok(t, "\n"), fd = 0; line != NULL;
	     line = strtok(NULL, "\n"), fd++)
		assert_int_equal(atoi(line), fd);
	assert_int_equal(fd, 5);
	free(t);
	o.pdftotext = script("links", "exec readlink /proc/self/fd/0 "
				      "/proc/self/fd/3");
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
	assert_non_null(strstr(t, "/dev/null\n/memfd:tq-pdf"));
	free(t);

	o.pdftotext = script("limits", "exec cat /proc/self/limits");
	o.cpu_seconds = 7;
	o.mem_bytes = 300u * 1024 * 1024;
	assert_int_equal(
	    run(&o, (const unsigned char *)"%PDF", 4, &t, &n, err, sizeof(err)),
	    ST_OK);
#define LIMIT(name, s, h)                                                      \
	do {                                                                   \
		assert_non_null(line = strstr(t, name));                       \
		assert_int_equal(                                              \
		    sscanf(line + strlen(name), "%lu %lu", &soft, &hard), 2);  \
		assert_int_equal(soft, (s));                                   \
		assert_int_equal(hard, (h));                                   \
	} while (0)
	LIMIT("Max cpu time", 7, 8);
	LIMIT("Max address space", 300ul * 1024 * 1024, 300ul * 1024 * 1024);
	LIMIT("Max file size", 0, 0);
	LIMIT("Max core file size", 0, 0);
	LIMIT("Max open files", 16, 16);
	LIMIT("Max processes", 0, 0);
#undef LIMIT
	free(t);
}

static int
count_fds(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
t_no_leaks(void **state)
{
	struct pdf_opts o;
	unsigned char *data, *junk;
	size_t len, jlen, n;
	char *t, err[512];
	int before, i;

	(void)state;
	pdf_opts_default(&o);
	data = load("one-page.pdf", &len);
	junk = load("garbage.pdf", &jlen);
	before = count_fds();
	for (i = 0; i < 50; i++) {
		assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)),
				 ST_OK);
		free(t);
	}
	assert_int_equal(run(&o, junk, jlen, &t, &n, err, sizeof(err)),
			 ST_MSG_BAD);
	o.pdftotext = "/nonexistent";
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)), ST_IO);
	assert_int_equal(count_fds(), before);
	/* Every child reaped: none left, zombie or not. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	free(data);
	free(junk);
}

static void
t_sigchld_ignored(void **state)
{
	struct pdf_opts o;
	struct sigaction ign, old, now;
	unsigned char *data;
	size_t len, n;
	char *t, err[512];

	(void)state;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	pdf_opts_default(&o);
	/* Exit statuses still seen, and the disposition given back. */
	data = load("garbage.pdf", &len);
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_non_null(strstr(err, "exit status 1"));
	free(data);
	data = load("one-page.pdf", &len);
	assert_int_equal(run(&o, data, len, &t, &n, err, sizeof(err)), ST_OK);
	free(t);
	free(data);
	assert_int_equal(sigaction(SIGCHLD, &old, &now), 0);
	assert_true(now.sa_handler == SIG_IGN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_program_present),
	    cmocka_unit_test(t_defaults),
	    cmocka_unit_test(t_one_page),
	    cmocka_unit_test(t_two_pages_flate),
	    cmocka_unit_test(t_image_only),
	    cmocka_unit_test(t_garbage),
	    cmocka_unit_test(t_truncated),
	    cmocka_unit_test(t_missing_program),
	    cmocka_unit_test(t_off),
	    cmocka_unit_test(t_timeout),
	    cmocka_unit_test(t_timeout_kills_group),
	    cmocka_unit_test(t_cpu_limit),
	    cmocka_unit_test(t_memory_limit),
	    cmocka_unit_test(t_exit_status_and_stderr),
	    cmocka_unit_test(t_max_text),
	    cmocka_unit_test(t_endless_text),
	    cmocka_unit_test(t_cleaning),
	    cmocka_unit_test(t_environment),
	    cmocka_unit_test(t_child_descriptors_and_limits),
	    cmocka_unit_test(t_no_leaks),
	    cmocka_unit_test(t_sigchld_ignored),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
