/* Unit tests: cli (seed-compatible flags, offline modes, bad usage). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

#define PARSE(c, err, ...) parse(c, err, (char *[]){"prog", __VA_ARGS__, NULL})

static int
parse(struct cli *c, char *err, char *argv[])
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return cli_parse(c, argc, argv, err, 256);
}

static void
t_defaults(void **state)
{
	struct cli c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, err, (char *[]){"prog", NULL}), 0);
	assert_null(c.loglocation);
	assert_string_equal(c.configdir, ".");
	assert_int_equal(c.verbosity, 1);
	assert_string_equal(c.name, CLI_DEFAULT_NAME);
	assert_false(c.dry_run || c.extract || c.no_differential ||
		     c.disable_ssl || c.help || c.version);
	cli_free(&c);
}

static void
t_seed_flags(void **state)
{
	struct cli c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "-ll", "/var/log/tq", "-c", "/etc/tq",
			       "-v", "3", "-n", "box2", "-ep",
			       "http://proxy:3128", "-d", "-f", "/srv/files",
			       "-ds"),
			 0);
	assert_string_equal(c.loglocation, "/var/log/tq");
	assert_string_equal(c.configdir, "/etc/tq");
	assert_int_equal(c.verbosity, 3);
	assert_string_equal(c.name, "box2");
	assert_string_equal(c.ext_proxy, "http://proxy:3128");
	assert_true(c.no_differential);
	assert_string_equal(c.files_dir, "/srv/files");
	assert_true(c.disable_ssl);
	cli_free(&c);

	assert_int_equal(PARSE(&c, err, "--loglocation=stdout", "--config",
			       "cfg", "--verbosity=2", "--name", "n",
			       "--external-proxy", "socks5h://[::1]:1080",
			       "--no-differential", "--files", "F",
			       "--disable_ssl"),
			 0);
	assert_string_equal(c.loglocation, "stdout");
	assert_string_equal(c.configdir, "cfg");
	assert_int_equal(c.verbosity, 2);
	assert_true(c.no_differential && c.disable_ssl);
	cli_free(&c);
}

static void
t_attached_and_prefix(void **state)
{
	struct cli c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "-v3", "-cdir", "--verb", "2"), 0);
	assert_int_equal(c.verbosity, 2); /* the last one wins */
	assert_string_equal(c.configdir, "dir");
	cli_free(&c);
	/* "--e" could be --eml, --external-proxy or --extract. */
	assert_int_equal(PARSE(&c, err, "--e", "x"), -1);
	assert_non_null(strstr(err, "ambiguous option: --e"));
}

static void
t_offline_modes(void **state)
{
	struct cli c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "--eml", "a.eml", "--eml", "b.eml",
			       "--maildir", "md", "--dry-run"),
			 0);
	assert_int_equal(c.neml, 2);
	assert_string_equal(c.eml[0], "a.eml");
	assert_string_equal(c.eml[1], "b.eml");
	assert_string_equal(c.maildir, "md");
	assert_true(c.dry_run);
	cli_free(&c);

	assert_int_equal(PARSE(&c, err, "--extract"), 0);
	assert_true(c.extract);
	assert_null(c.extract_file);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "--extract", "f.txt", "-v", "2"), 0);
	assert_string_equal(c.extract_file, "f.txt");
	assert_int_equal(c.verbosity, 2);
	cli_free(&c);
	/* An option after --extract is not its file. */
	assert_int_equal(PARSE(&c, err, "--extract", "-v", "2"), 0);
	assert_null(c.extract_file);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "--extract", "-"), 0);
	assert_string_equal(c.extract_file, "-");
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "--extract", "--eml", "x"), -1);
	assert_non_null(strstr(err, "--extract"));
}

static void
t_bad_usage(void **state)
{
	struct cli c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "-v", "7"), -1);
	assert_string_equal(err, "argument -v/--verbosity: invalid choice: "
				 "'7' (choose from 1, 2, 3)");
	assert_int_equal(PARSE(&c, err, "-v"), -1);
	assert_non_null(strstr(err, "expected one argument"));
	assert_int_equal(PARSE(&c, err, "--bogus"), -1);
	assert_string_equal(err, "unrecognized arguments: --bogus");
	assert_int_equal(PARSE(&c, err, "stray"), -1);
	assert_string_equal(err, "unrecognized arguments: stray");
	assert_int_equal(PARSE(&c, err, "--dry-run=yes"), -1);
	assert_non_null(strstr(err, "ignored explicit argument"));
	assert_int_equal(PARSE(&c, err, "-n", "../etc"), -1);
	assert_non_null(strstr(err, "-n/--name"));
	assert_int_equal(PARSE(&c, err, "-n", "a/b"), -1);
	assert_int_equal(PARSE(&c, err, "-c", ""), -1);
	assert_non_null(strstr(err, "empty value"));
}

static void
t_external_proxy(void **state)
{
	static const char *const good[] = {
	    "http://proxy.corp:3128",	   "HTTPS://proxy.corp",
	    "socks4://10.0.0.1:1080",	   "socks4a://p:1080/",
	    "socks5://[2001:db8::1]:1080", "socks5h://my_proxy-1.corp:65535",
	};
	static const char *const bad[] = {
	    "proxy:3128",	"ftp://proxy:21",   "http://",
	    "http://:3128",	"http://proxy:0",   "http://proxy:65536",
	    "http://proxy:+80", "http://proxy:80x", "http://proxy:80/path",
	    "http://pro xy:80", "http://[::1:80",   "http://[zz]:80",
	    "http://proxy?a=1", "socks5h://a\nb:1", "http://[]:80",
	    "http://[:]:80",
	};
	struct cli c;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(PARSE(&c, err, "-ep", (char *)good[i]), 0);
		assert_string_equal(c.ext_proxy, good[i]);
		cli_free(&c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(&c, err, "-ep", (char *)bad[i]), -1);
		assert_non_null(strstr(err, "-ep/--external-proxy"));
	}
	assert_int_equal(PARSE(&c, err, "-ep", "ftp://x:21"), -1);
	assert_non_null(strstr(err, "'ftp://x:21' does not start with"));
	assert_int_equal(PARSE(&c, err, "-ep", "http://x:99999"), -1);
	assert_non_null(strstr(err, "(port 1-65535)"));
	/* Credentials are refused, and not repeated in the message. */
	assert_int_equal(PARSE(&c, err, "-ep", "http://user:S3cret@proxy:80"),
			 -1);
	assert_non_null(strstr(err, "visible to every local user"));
	assert_null(strstr(err, "S3cret"));
	/* Unprintable bytes are not repeated either. */
	assert_int_equal(PARSE(&c, err, "-ep", "gopher://\x1b[2J"), -1);
	assert_null(strchr(err, '\x1b'));
}

static void
t_help_lists_every_flag(void **state)
{
	static const char *const flags[] = {"-h",	 "--help",
					    "-ll",	 "--loglocation",
					    "-c",	 "--config",
					    "-v",	 "--verbosity",
					    "-n",	 "--name",
					    "-ep",	 "--external-proxy",
					    "-d",	 "--no-differential",
					    "-f",	 "--files",
					    "-ds",	 "--disable_ssl",
					    "--eml",	 "--maildir",
					    "--dry-run", "--extract",
					    "--version"};
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&text, &len));
	cli_help(fp);
	fclose(fp);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		assert_non_null(strstr(text, flags[i]));
	assert_non_null(strstr(text, "usage: tq-conn-intel-mailbox-reports"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_defaults),
	    cmocka_unit_test(t_seed_flags),
	    cmocka_unit_test(t_attached_and_prefix),
	    cmocka_unit_test(t_offline_modes),
	    cmocka_unit_test(t_bad_usage),
	    cmocka_unit_test(t_external_proxy),
	    cmocka_unit_test(t_help_lists_every_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
