/* Unit tests: log (format, levels, redaction, escaping). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bounds.h"
#include "log.h"

static char dir[] = "/tmp/test_log.XXXXXX";
static char path[256];

/* The whole log file as a string (caller frees). */
static char *
slurp(void)
{
	FILE *fp;
	char *s;
	long n;

	assert_non_null(fp = fopen(path, "r"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return s;
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/inst1.log", dir);
	assert_int_equal(log_open(dir, "inst1", LL_DEBUG, err, sizeof(err)), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_close();
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
t_format(void **state)
{
	regex_t re;
	char *s;

	(void)state;
	assert_int_equal(truncate(path, 0), 0);
	log_warn("hello %d", 7);
	s = slurp();
	assert_int_equal(
	    regcomp(&re,
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2} "
		    "[0-9]{2}:[0-9]{2}:[0-9]{2} - inst1 WARNING: hello 7\n$",
		    REG_EXTENDED),
	    0);
	assert_int_equal(regexec(&re, s, 0, NULL, 0), 0);
	regfree(&re);
	free(s);
}

static void
t_levels(void **state)
{
	char err[256], *s;

	(void)state;
	log_close();
	unlink(path);
	assert_int_equal(log_open(dir, "inst1", LL_WARN, err, sizeof(err)), 0);
	log_debug("dbg-line");
	log_info("info-line");
	log_warn("warn-line");
	log_err("err-line");
	s = slurp();
	assert_null(strstr(s, "dbg-line"));
	assert_null(strstr(s, "info-line"));
	assert_non_null(strstr(s, "WARNING: warn-line"));
	assert_non_null(strstr(s, "ERROR: err-line"));
	free(s);
	log_close();
	assert_int_equal(log_open(dir, "inst1", LL_DEBUG, err, sizeof(err)), 0);
}

static void
t_redaction(void **state)
{
	char *s;

	(void)state;
	assert_int_equal(truncate(path, 0), 0);
	log_add_secret("S3cr3t-Pa55");
	log_add_secret("abc"); /* too short to redact: ignored */
	log_debug("login with S3cr3t-Pa55 and again S3cr3t-Pa55!");
	log_err("abc is fine");
	s = slurp();
	assert_null(strstr(s, "S3cr3t-Pa55"));
	assert_non_null(strstr(s, "login with ******** and again ********!"));
	assert_non_null(strstr(s, "abc is fine"));
	free(s);
}

static void
t_redact_mask_lookalike(void **state)
{
	char line[64];

	(void)state;
	/* A secret equal to the mask must not loop forever. */
	log_add_secret("********");
	snprintf(line, sizeof(line), "x ******** y");
	log_redact(line);
	assert_string_equal(line, "x ******** y");
}

static void
t_escape(void **state)
{
	char out[LOG_ESC_SIZE];
	char big[5000];

	(void)state;
	assert_string_equal(log_esc(out, sizeof(out), "a\nb\"c\\", 6),
			    "a\\nb\\\"c\\\\");
	assert_string_equal(log_esc(out, sizeof(out), "\x01\xff", 2),
			    "\\x01\\xff");
	/* Valid UTF-8 is kept; a bidi override is not. */
	assert_string_equal(log_esc(out, sizeof(out), "caf\xc3\xa9", 5),
			    "caf\xc3\xa9");
	assert_string_equal(log_esc(out, sizeof(out), "\xe2\x80\xae", 3),
			    "\\xe2\\x80\\xae");
	/* An embedded NUL does not end the field. */
	assert_string_equal(log_esc(out, sizeof(out), "a\0b", 3), "a\\x00b");
	memset(big, 'x', sizeof(big));
	log_esc(out, sizeof(out), big, sizeof(big));
	assert_int_equal(strlen(out), MAX_LOG_FIELD + 3);
	assert_string_equal(out + MAX_LOG_FIELD, "...");
	/* A small buffer still gets a terminated, truncated string. */
	log_esc(out, 16, big, sizeof(big));
	assert_true(strlen(out) < 16);
}

static void
t_open_failure(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(log_open("/nonexistent/dir", "x", 1, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.log"));
	assert_int_equal(log_open(dir, "inst1", LL_DEBUG, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_format),
	    cmocka_unit_test(t_levels),
	    cmocka_unit_test(t_redaction),
	    cmocka_unit_test(t_redact_mask_lookalike),
	    cmocka_unit_test(t_escape),
	    cmocka_unit_test(t_open_failure),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
