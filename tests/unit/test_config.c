/* Tests for config.c: loading, validation, secrets, first run. */
#define _XOPEN_SOURCE 700 /* posix_openpt(3) */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bounds.h"
#include "config.h"
#include "log.h"

#define SECRET "s3cr3t;#\" pass word"

static char tmpdir[64];
static char ini[128];
static char warnings[8][256];
static int nwarn;
static char secrets[8][256];
static int nsecret;

/*
 * Record registered secrets.  Weak, so the real log_add_secret() wins
 * should log.o ever be linked into this program for another reason.
 */
__attribute__((weak)) void
log_add_secret(const char *s)
{
	if (nsecret < 8)
		snprintf(secrets[nsecret++], sizeof(secrets[0]), "%s", s);
}

static int
was_registered(const char *s)
{
	int i;

	for (i = 0; i < nsecret; i++)
		if (strcmp(secrets[i], s) == 0)
			return 1;
	return 0;
}

static void
on_warn(const char *msg)
{
	if (nwarn < 8)
		snprintf(warnings[nwarn++], sizeof(warnings[0]), "%s", msg);
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(ini, sizeof(ini), "%s/conn.ini", tmpdir);
	nwarn = 0;
	nsecret = 0;
	unsetenv("TQ_TEST_PW");
	return 0;
}

static int
teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	if ((d = opendir(tmpdir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	unsetenv("TQ_TEST_PW");
	return 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Load text written as ini with mode; err receives the message. */
static enum status
load(struct config *c, const char *text, mode_t mode, char *err, size_t errsz)
{
	write_file(ini, text, mode);
	return config_load(c, ini, on_warn, err, errsz);
}

static size_t
count_entries(void)
{
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d = opendir(tmpdir));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
t_defaults(void **state)
{
	struct config c;

	config_defaults(&c);
	assert_null(c.path);
	assert_null(c.tq.host);
	assert_null(c.tq.password);
	assert_string_equal(c.tq.status, "Review");
	assert_int_equal(c.tq.verify_tls, 1);
	assert_int_equal(c.mbox.port, 0);
	assert_string_equal(c.mbox.folder, "INBOX");
	assert_null(c.mbox.proxy_type);
	assert_int_equal(c.mbox.verify_tls, 1);
	assert_int_equal(c.mbox.allow_plaintext, 0);
	assert_string_equal(c.conn.source, "Intel Mailbox");
	assert_string_equal(c.conn.default_tlp, "AMBER");
	assert_string_equal(c.conn.email_file_type, "Generic Text");
	assert_int_equal(c.conn.max_message_size, (long)MAX_MESSAGE_SIZE);
	assert_int_equal(c.conn.max_attachment_size, (long)MAX_ATTACHMENT_SIZE);
	assert_int_equal(c.conn.max_attempts, 3);
	assert_int_equal(c.conn.max_in_flight, 4);
	config_free(&c);
	assert_null(c.tq.status);
	config_free(&c); /* a zeroed struct is fine */
}

static void
t_path(void **state)
{
	char *p;

	p = config_path("/etc/tq", "conn");
	assert_string_equal(p, "/etc/tq/conn.ini");
	free(p);
	p = config_path("cfg/", "x");
	assert_string_equal(p, "cfg/x.ini");
	free(p);
	p = config_path(".", "tq-conn-intel-mailbox-reports");
	assert_string_equal(p, "./tq-conn-intel-mailbox-reports.ini");
	free(p);
}

static void
t_missing(void **state)
{
	struct config c;
	char err[512];

	errno = 0;
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_IO);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, ini));
	config_free(&c);
}

static void
t_empty_file(void **state)
{
	struct config c;
	char err[512];

	assert_int_equal(load(&c, "", 0600, err, sizeof(err)), ST_OK);
	assert_string_equal(c.path, ini);
	assert_string_equal(c.tq.status, "Review");
	assert_int_equal(config_check_online(&c, 1, err, sizeof(err)),
			 ST_CONFIG);
	config_free(&c);
}

static void
t_full(void **state)
{
	struct config c;
	char err[512], want[256];

	assert_int_equal(load(&c,
			      "; comment\n"
			      "# another\n"
			      "[ThreatQ]\n"
			      "Host = tq.example.com\n"
			      "client_id = abc123\n"
			      "client_secret = \"cs;#x\"\n"
			      "username = analyst\n"
			      "password = '" SECRET "'\n"
			      "status = Active\n"
			      "ca_file = tq-ca.pem\n"
			      "verify_tls = no\n"
			      "\n"
			      "  [ mailbox ]  \n"
			      "server = imap.example.com:1993\n"
			      "username = reports@example.com\n"
			      "password_env = TQ_TEST_PW\n"
			      "folder = Threat Intel\n"
			      "proxy_address = proxy.local\n"
			      "proxy_port = 1080\n"
			      "proxy_type = SOCKS4\n"
			      "ca_file = /etc/ssl/imap.pem\n"
			      "verify_tls = off\n"
			      "allow_plaintext = yes\n"
			      "auth = XOAUTH2\n"
			      "oauth2_token_url = https://login.example.com/t\n"
			      "oauth2_client_id = app-7\n"
			      "oauth2_client_secret = \"oa;#cs\"\n"
			      "oauth2_refresh_token = 1//0gRt-x_y~z\n"
			      "oauth2_scope = https://mail.google.com/\n"
			      "oauth2_ca_file = oauth-ca.pem\n"
			      "[connector]\n"
			      "source = My Source  ; trailing comment\n"
			      "default_tlp = tlp:amber+strict\n"
			      "email_file_type = Email\n"
			      "exclusions_file = /etc/tq/exclusions.txt\n"
			      "max_message_size = 1048576\n"
			      "max_attachment_size = 4096\n"
			      "max_attempts = 7\n"
			      "max_in_flight = 32\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	/* password_env names an unset variable. */
	assert_non_null(strstr(err, "TQ_TEST_PW"));
	assert_non_null(strstr(err, "not set"));
	assert_null(c.tq.host);

	setenv("TQ_TEST_PW", "imap-pw", 1);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(nwarn, 0);
	assert_string_equal(c.tq.host, "tq.example.com");
	assert_string_equal(c.tq.client_id, "abc123");
	assert_string_equal(c.tq.client_secret, "cs;#x");
	assert_string_equal(c.tq.username, "analyst");
	assert_string_equal(c.tq.password, SECRET);
	assert_string_equal(c.tq.status, "Active");
	snprintf(want, sizeof(want), "%s/tq-ca.pem", tmpdir);
	assert_string_equal(c.tq.ca_file, want);
	assert_int_equal(c.tq.verify_tls, 0);
	assert_string_equal(c.mbox.server, "imap.example.com");
	assert_int_equal(c.mbox.port, 1993);
	assert_string_equal(c.mbox.username, "reports@example.com");
	assert_string_equal(c.mbox.password, "imap-pw");
	assert_string_equal(c.mbox.folder, "Threat Intel");
	assert_string_equal(c.mbox.proxy_address, "proxy.local");
	assert_int_equal(c.mbox.proxy_port, 1080);
	assert_string_equal(c.mbox.proxy_type, "socks4");
	assert_string_equal(c.mbox.ca_file, "/etc/ssl/imap.pem");
	assert_int_equal(c.mbox.verify_tls, 0);
	assert_int_equal(c.mbox.allow_plaintext, 1);
	assert_string_equal(c.mbox.auth, "xoauth2");
	assert_string_equal(c.mbox.oauth2_token_url,
			    "https://login.example.com/t");
	assert_string_equal(c.mbox.oauth2_client_id, "app-7");
	assert_string_equal(c.mbox.oauth2_client_secret, "oa;#cs");
	assert_string_equal(c.mbox.oauth2_refresh_token, "1//0gRt-x_y~z");
	assert_string_equal(c.mbox.oauth2_scope, "https://mail.google.com/");
	snprintf(want, sizeof(want), "%s/oauth-ca.pem", tmpdir);
	assert_string_equal(c.mbox.oauth2_ca_file, want);
	assert_string_equal(c.conn.source, "My Source");
	assert_string_equal(c.conn.default_tlp, "AMBER+STRICT");
	assert_string_equal(c.conn.email_file_type, "Email");
	assert_string_equal(c.conn.exclusions_file, "/etc/tq/exclusions.txt");
	assert_int_equal(c.conn.max_message_size, 1048576);
	assert_int_equal(c.conn.max_attachment_size, 4096);
	assert_int_equal(c.conn.max_attempts, 7);
	assert_int_equal(c.conn.max_in_flight, 32);
	assert_true(was_registered(SECRET));
	assert_true(was_registered("imap-pw"));
	assert_true(was_registered("cs;#x"));
	assert_true(was_registered("oa;#cs"));
	assert_true(was_registered("1//0gRt-x_y~z"));
	assert_int_equal(config_check_online(&c, 1, err, sizeof(err)), ST_OK);
	config_free(&c);
}

static void
t_warnings(void **state)
{
	struct config c;
	char err[512], want[256];

	assert_int_equal(load(&c,
			      "top = 1\n"
			      "[threatq]\n"
			      "host = h\n"
			      "hots = typo\n"
			      "\n"
			      "[extra]\n"
			      "anything = goes\n"
			      "[connector]\n"
			      "max_attempts = 2\n"
			      "max_attempts = 4\n",
			      0644, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(nwarn, 4);
	snprintf(want, sizeof(want), "%s:1: key 'top' is outside any section",
		 ini);
	assert_string_equal(warnings[0], want);
	snprintf(want, sizeof(want), "%s:4: unknown key 'hots' in [threatq]",
		 ini);
	assert_string_equal(warnings[1], want);
	snprintf(want, sizeof(want), "%s:6: unknown section [extra]", ini);
	assert_string_equal(warnings[2], want);
	assert_non_null(strstr(warnings[3], ":10: [connector] max_attempts"));
	assert_string_equal(c.tq.host, "h");
	assert_int_equal(c.conn.max_attempts, 4);
	config_free(&c);

	/* No callback: warnings are dropped, nothing printed. */
	write_file(ini, "[nope]\n", 0600);
	assert_int_equal(config_load(&c, ini, NULL, err, sizeof(err)), ST_OK);
	config_free(&c);
}

/* Load text and expect ST_CONFIG with exactly msg after "PATH:". */
static void
expect_error(const char *text, const char *msg)
{
	struct config c;
	char err[512], want[512];

	assert_int_equal(load(&c, text, 0600, err, sizeof(err)), ST_CONFIG);
	snprintf(want, sizeof(want), "%s:%s", ini, msg);
	assert_string_equal(err, want);
	assert_null(c.path); /* freed on failure */
	config_free(&c);
}

static void
t_bad_values(void **state)
{
	expect_error("[mailbox]\n\nport = 99999\n",
		     "3: [mailbox] port: '99999' is not a port (1-65535)");
	expect_error("[mailbox]\nport = 99x\n",
		     "2: [mailbox] port: '99x' is not a port (1-65535)");
	expect_error("[mailbox]\nport = -1\n",
		     "2: [mailbox] port: '-1' is not a port (1-65535)");
	expect_error(
	    "[mailbox]\nport = 99999999999999999999999\n",
	    "2: [mailbox] port: '99999999999999999999999' is not a port "
	    "(1-65535)");
	expect_error("[mailbox]\nproxy_type = http\n",
		     "2: [mailbox] proxy_type: 'http' is not a proxy type "
		     "(socks4, socks5)");
	expect_error(
	    "[threatq]\nverify_tls = maybe\n",
	    "2: [threatq] verify_tls: 'maybe' is not a boolean (true, false, "
	    "yes, no, on, off, 1, 0)");
	expect_error(
	    "[threatq]\ntimeout = 0\n",
	    "2: [threatq] timeout: '0' is not a number of seconds (1-3600)");
	expect_error("[threatq]\nmax_retries = 21\n",
		     "2: [threatq] max_retries: '21' is not a number (0-20)");
	expect_error(
	    "[connector]\nmax_attempts = 0\n",
	    "2: [connector] max_attempts: '0' is not a number (1-100)");
	expect_error("[connector]\nmax_in_flight = 0\n",
		     "2: [connector] max_in_flight: '0' is not a number of "
		     "messages (1-32)");
	expect_error("[connector]\nmax_in_flight = 33\n",
		     "2: [connector] max_in_flight: '33' is not a number of "
		     "messages (1-32)");
	expect_error(
	    "[connector]\nmax_attempts = 101\n",
	    "2: [connector] max_attempts: '101' is not a number (1-100)");
	expect_error(
	    "[connector]\nmax_message_size = 1073741825\n",
	    "2: [connector] max_message_size: '1073741825' is not a size in "
	    "bytes (1-1073741824)");
	expect_error("[connector]\nmax_attachment_size = 0\n",
		     "2: [connector] max_attachment_size: '0' is not a size in "
		     "bytes (1-1073741824)");
	expect_error(
	    "[connector]\ndefault_tlp = PURPLE\n",
	    "2: [connector] default_tlp: 'PURPLE' is not a TLP label (CLEAR, "
	    "GREEN, AMBER, AMBER+STRICT, RED)");
	expect_error(
	    "[mailbox]\nauth = kerberos\n",
	    "2: [mailbox] auth: 'kerberos' is not an authentication method "
	    "(login, plain, xoauth2)");
	expect_error(
	    "[mailbox]\nproxy_address = p\n",
	    "2: [mailbox] proxy_port is required when proxy_address is set");
	expect_error("[mailbox]\nproxy_address = user@p/x\nproxy_port = 1\n",
		     "2: [mailbox] proxy_address: 'user@p/x' is not a host "
		     "name or IP address");
	expect_error("[mailbox]\nproxy_address = [::1]\nproxy_port = 1\n",
		     "2: [mailbox] proxy_address: '[::1]' is not a host "
		     "name or IP address");
	expect_error("[mailbox]\nproxy_address = p\nproxy_port = 0\n",
		     "3: [mailbox] proxy_port: '0' is not a port (1-65535)");
	expect_error(
	    "[mailbox]\nserver = host:99999\n",
	    "2: [mailbox] server: 'host:99999' is not host or host:port "
	    "(port 1-65535)");
	expect_error("[mailbox]\nport = 143\nserver = host:993\n",
		     "3: [mailbox] server: port in 'host:993' conflicts with "
		     "port = 143");
}

static void
t_syntax(void **state)
{
	expect_error("[threatq]\nhost = a\njust some words\n",
		     "3: expected 'key = value', '[section]' or a comment");
	expect_error("[threatq]\n= value\n", "2: no key name before '='");
	expect_error("[]\n", "1: bad section name");
	expect_error("[a]b]\n", "1: bad section name");
	expect_error(
	    "[threatq]\nhost = a\\\nusername = b\n",
	    "2: line ends with '\\' (continuation lines are not supported; "
	    "quote the value)");
}

static void
t_syntax_long_nul(void **state)
{
	struct config c;
	char err[512], text[1200];
	int fd;

	memset(text, 'a', sizeof(text) - 2);
	memcpy(text, "[threatq]\nhost = ", 17);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(load(&c, text, 0600, err, sizeof(err)), ST_CONFIG);
	assert_non_null(strstr(err, ":2: line longer than"));
	config_free(&c);

	fd = open(ini, O_WRONLY | O_TRUNC);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "[threatq]\nhost = a\0b\n", 21), 21);
	close(fd);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":2: NUL byte"));
	config_free(&c);
}

static void
t_oversize(void **state)
{
	struct config c;
	char err[512], *text;
	size_t n = MAX_CONFIG_SIZE + 1, i;

	assert_non_null(text = malloc(n + 1));
	for (i = 0; i < n; i++)
		text[i] = (i % 64 == 63) ? '\n' : ';';
	text[n] = '\0';
	assert_int_equal(load(&c, text, 0600, err, sizeof(err)), ST_CONFIG);
	assert_non_null(strstr(err, "larger than"));
	config_free(&c);

	/* Exactly the limit is fine. */
	text[n - 1] = '\0';
	assert_int_equal(load(&c, text, 0600, err, sizeof(err)), ST_OK);
	config_free(&c);
	free(text);
}

static void
t_tlp(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {{"white", "CLEAR"},
		 {"TLP:WHITE", "CLEAR"},
		 {"clear", "CLEAR"},
		 {"Green", "GREEN"},
		 {"TLP: red", "RED"},
		 {"amber", "AMBER"},
		 {"Amber+Strict", "AMBER+STRICT"}};
	struct config c;
	char err[512], text[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[connector]\ndefault_tlp = %s\n",
			 t[i].in);
		assert_int_equal(load(&c, text, 0600, err, sizeof(err)), ST_OK);
		assert_string_equal(c.conn.default_tlp, t[i].out);
		config_free(&c);
	}
}

static void
t_server_forms(void **state)
{
	struct config c;
	char err[512];

	assert_int_equal(
	    load(&c, "[mailbox]\nserver = [::1]:143\n", 0600, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(c.mbox.server, "::1");
	assert_int_equal(c.mbox.port, 143);
	config_free(&c);
	assert_int_equal(
	    load(&c, "[mailbox]\nserver = fe80::1\n", 0600, err, sizeof(err)),
	    ST_OK);
	assert_string_equal(c.mbox.server, "fe80::1");
	assert_int_equal(c.mbox.port, 0);
	config_free(&c);
	assert_int_equal(load(&c, "[mailbox]\nserver = h\nport = 143\n", 0600,
			      err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.mbox.server, "h");
	assert_int_equal(c.mbox.port, 143);
	config_free(&c);
	/* proxy_type without proxy_address: warned and dropped. */
	assert_int_equal(load(&c, "[mailbox]\nproxy_type = socks4\n", 0600, err,
			      sizeof(err)),
			 ST_OK);
	assert_null(c.mbox.proxy_type);
	assert_int_equal(nwarn, 1);
	config_free(&c);
	/* proxy_type defaults to socks5 with an address. */
	assert_int_equal(load(&c,
			      "[mailbox]\nproxy_address = p\n"
			      "proxy_port = 9050\n",
			      0600, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.mbox.proxy_type, "socks5");
	config_free(&c);
}

static void
t_permissions(void **state)
{
	struct config c;
	char err[512], want[512];

	assert_int_equal(load(&c, "[threatq]\npassword = '" SECRET "x'\n", 0644,
			      err, sizeof(err)),
			 ST_CONFIG);
	snprintf(want, sizeof(want),
		 "%s: holds a password but is readable "
		 "by others (mode 0644); run: chmod 600 %s",
		 ini, ini);
	assert_string_equal(err, want);
	config_free(&c);

	assert_int_equal(load(&c, "[threatq]\nclient_secret = abcdefgh\n", 0640,
			      err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "(mode 0640)"));
	assert_null(strstr(err, "abcdefgh"));
	config_free(&c);

	assert_int_equal(
	    load(&c, "[mailbox]\npassword = mbpass\n", 0604, err, sizeof(err)),
	    ST_CONFIG);
	config_free(&c);

	assert_int_equal(load(&c, "[threatq]\npassword = '" SECRET "x'\n", 0600,
			      err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.tq.password, SECRET "x");
	config_free(&c);

	/* No secret in the file: 0644 is fine. */
	setenv("TQ_TEST_PW", "from-env", 1);
	assert_int_equal(load(&c, "[threatq]\npassword_env = TQ_TEST_PW\n",
			      0644, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.tq.password, "from-env");
	assert_true(was_registered("from-env"));
	config_free(&c);

	/* An empty password key holds nothing. */
	assert_int_equal(
	    load(&c, "[threatq]\npassword =\n", 0644, err, sizeof(err)), ST_OK);
	assert_null(c.tq.password);
	config_free(&c);
}

static void
t_password_file(void **state)
{
	struct config c;
	char err[512], pwf[256];

	snprintf(pwf, sizeof(pwf), "%s/mb.pw", tmpdir);
	write_file(pwf, SECRET "\n", 0600);
	/* Relative to the config file's directory. */
	assert_int_equal(load(&c, "[mailbox]\npassword_file = mb.pw\n", 0644,
			      err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.mbox.password, SECRET);
	assert_true(was_registered(SECRET));
	config_free(&c);

	/* Only one trailing newline is removed. */
	write_file(pwf, "pw\n\n", 0400);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.mbox.password, "pw\n");
	config_free(&c);

	write_file(pwf, SECRET "\n", 0640);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "[mailbox] password_file:"));
	assert_non_null(strstr(err, "(mode 0640); run: chmod 600"));
	assert_null(strstr(err, "s3cr3t"));
	config_free(&c);

	write_file(pwf, "\n", 0600);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "empty"));
	config_free(&c);

	unlink(pwf);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":2: [mailbox] password_file: '"));
	assert_non_null(strstr(err, "mb.pw': No such file or directory"));
	config_free(&c);
}

static void
t_password_file_big(void **state)
{
	struct config c;
	char err[512], pwf[256], big[MAX_SECRET_FILE_SIZE + 2];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(pwf, sizeof(pwf), "%s/big.pw", tmpdir);
	write_file(pwf, big, 0600);
	assert_int_equal(load(&c, "[threatq]\npassword_file = big.pw\n", 0600,
			      err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "larger than 4096 bytes"));
	config_free(&c);
}

static void
t_password_env(void **state)
{
	struct config c;
	char err[512];

	assert_int_equal(load(&c, "[mailbox]\npassword_env = TQ_TEST_PW\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":2: [mailbox] password_env: environment "
				    "variable 'TQ_TEST_PW' is not set"));
	config_free(&c);
	setenv("TQ_TEST_PW", "", 1);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "'TQ_TEST_PW' is empty"));
	config_free(&c);
}

static void
t_two_sources(void **state)
{
	struct config c;
	char err[512];

	setenv("TQ_TEST_PW", "x", 1);
	assert_int_equal(load(&c,
			      "[threatq]\npassword = " SECRET "\n"
			      "password_env = TQ_TEST_PW\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":3: [threatq] set only one of password, "
				    "password_file and password_env"));
	assert_null(strstr(err, "s3cr3t"));
	config_free(&c);
	assert_int_equal(load(&c,
			      "[mailbox]\npassword_file = f\n"
			      "password_env = TQ_TEST_PW\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "[mailbox] set only one of"));
	config_free(&c);
}

/* No error message shows a secret, whatever goes wrong after reading it. */
static void
t_no_secret_in_errors(void **state)
{
	static const char *const tails[] = {
	    "verify_tls = maybe\n", "password_env = TQ_TEST_PW\n",
	    "[mailbox]\nport = 0\n", "[mailbox]\nproxy_type = " SECRET "\n",
	    "[connector]\nmax_attempts = 1000\n"};
	struct config c;
	char err[512], text[512];
	size_t i;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(text, sizeof(text),
			 "[threatq]\nclient_secret = "
			 "clientsecretvalue\npassword = 'hunter2hunter2'\n%s",
			 tails[i]);
		assert_int_equal(load(&c, text, 0600, err, sizeof(err)),
				 ST_CONFIG);
		assert_null(strstr(err, "hunter2"));
		assert_null(strstr(err, "clientsecretvalue"));
		config_free(&c);
	}
}

static void
t_check_online(void **state)
{
	struct config c;
	char err[512], want[512];

	setenv("TQ_TEST_PW", "x", 1);
	assert_int_equal(
	    load(&c,
		 "[threatq]\nhost = h\nclient_id = i\n"
		 "username = u\npassword_env = TQ_TEST_PW\n[mailbox]\n"
		 "username = m\n",
		 0600, err, sizeof(err)),
	    ST_OK);
	assert_int_equal(config_check_online(&c, 1, err, sizeof(err)),
			 ST_CONFIG);
	snprintf(want, sizeof(want), "%s: [mailbox] server is not set", ini);
	assert_string_equal(err, want);
	/* Pushing --eml files needs only the ThreatQ side. */
	assert_int_equal(config_check_online(&c, 0, err, sizeof(err)), ST_OK);
	config_free(&c);

	/* client_credentials: a client secret replaces username/password. */
	assert_int_equal(load(&c,
			      "[threatq]\nhost = h\nclient_id = i\n"
			      "client_secret = s3cr3t-value\n",
			      0600, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(config_check_online(&c, 0, err, sizeof(err)), ST_OK);
	config_free(&c);
	assert_int_equal(load(&c,
			      "[threatq]\nhost = h\nclient_id = i\n"
			      "username = u\n",
			      0600, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(config_check_online(&c, 0, err, sizeof(err)),
			 ST_CONFIG);
	snprintf(want, sizeof(want), "%s: [threatq] password is not set", ini);
	assert_string_equal(err, want);
	config_free(&c);

	config_defaults(&c);
	assert_int_equal(config_check_online(&c, 1, err, sizeof(err)),
			 ST_CONFIG);
	assert_string_equal(err, "configuration: [threatq] host is not set");
	config_free(&c);
}

#define XO_BASE                                                                \
	"[threatq]\nhost = h\nclient_id = i\nclient_secret = s3cr3t-value\n"   \
	"[mailbox]\nserver = imap.example.com\nusername = u@example.com\n"     \
	"auth = xoauth2\n"
#define XO_URL "oauth2_token_url = https://login.example.com/tenant/token\n"

/* auth = xoauth2: no password, but the keys of one grant. */
static void
t_oauth2_check_online(void **state)
{
	static const struct {
		const char *extra, *missing;
	} steps[] = {
	    {"", "[mailbox] oauth2_token_url is not set (auth = xoauth2 needs "
		 "it)"},
	    {XO_URL, "[mailbox] oauth2_client_id is not set (auth = xoauth2 "
		     "needs it)"},
	    {XO_URL "oauth2_client_id = app\n",
	     "[mailbox] oauth2_refresh_token or oauth2_scope is not set "
	     "(auth = xoauth2 needs one: the refresh_token grant, or "
	     "client_credentials with a scope)"},
	    {XO_URL "oauth2_client_id = app\n"
		    "oauth2_scope = https://outlook.office365.com/.default\n",
	     "[mailbox] oauth2_client_secret is not set (the "
	     "client_credentials grant, oauth2_scope without "
	     "oauth2_refresh_token, needs it)"},
	};
	struct config c;
	char err[512], want[512], text[1024];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", XO_BASE, steps[i].extra);
		assert_int_equal(load(&c, text, 0600, err, sizeof(err)), ST_OK);
		assert_int_equal(config_check_online(&c, 1, err, sizeof(err)),
				 ST_CONFIG);
		snprintf(want, sizeof(want), "%s: %s", ini, steps[i].missing);
		assert_string_equal(err, want);
		/* --eml runs need only ThreatQ. */
		assert_int_equal(config_check_online(&c, 0, err, sizeof(err)),
				 ST_OK);
		config_free(&c);
	}
	/* Client credentials (Microsoft 365 app-only). */
	assert_int_equal(load(&c,
			      XO_BASE XO_URL
			      "oauth2_client_id = app\n"
			      "oauth2_client_secret = cl-s3cret\n"
			      "oauth2_scope = https://outlook.office365.com/"
			      ".default\n",
			      0600, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(config_check_online(&c, 1, err, sizeof(err)), ST_OK);
	assert_null(c.mbox.oauth2_refresh_token);
	assert_null(c.mbox.oauth2_ca_file);
	assert_true(was_registered("cl-s3cret"));
	config_free(&c);
	/* A refresh token, public client (no secret). */
	assert_int_equal(load(&c,
			      XO_BASE XO_URL
			      "oauth2_client_id = app\n"
			      "oauth2_refresh_token = 1//r-tok\n",
			      0600, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(config_check_online(&c, 1, err, sizeof(err)), ST_OK);
	assert_null(c.mbox.oauth2_client_secret);
	assert_true(was_registered("1//r-tok"));
	assert_int_equal(nwarn, 0);
	config_free(&c);
}

static void
t_oauth2_values(void **state)
{
	struct config c;
	char err[512], text[1024], path[256];

	assert_int_equal(load(&c,
			      "[mailbox]\nauth = xoauth2\n"
			      "oauth2_token_url = http://login.example.com/t\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":3: [mailbox] oauth2_token_url: "
				    "'http://login.example.com/t' is not an "
				    "https:// URL"));
	config_free(&c);
	assert_int_equal(load(&c, "[mailbox]\noauth2_token_url = https:///x\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	config_free(&c);
	assert_int_equal(
	    load(&c, "[mailbox]\noauth2_token_url = \"https://a b/\"\n", 0600,
		 err, sizeof(err)),
	    ST_CONFIG);
	config_free(&c);
	assert_int_equal(load(&c, "[mailbox]\noauth2_scope = a\\b c\n", 0600,
			      err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":2: [mailbox] oauth2_scope: 'a\\b c' is "
				    "not a list of scopes"));
	config_free(&c);

	/* A refresh token is a secret: not shown when refused. */
	assert_int_equal(load(&c,
			      "[mailbox]\n"
			      "oauth2_refresh_token = \"1//sp ace-tok\"\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":2: [mailbox] oauth2_refresh_token: the "
				    "refresh token holds a space"));
	assert_null(strstr(err, "sp ace"));
	config_free(&c);

	/* From a file (a Microsoft token is longer than an INI line)... */
	snprintf(path, sizeof(path), "%s/rt", tmpdir);
	write_file(path, "1//from-file\n", 0600);
	assert_int_equal(load(&c,
			      "[mailbox]\nauth = xoauth2\n"
			      "oauth2_refresh_token_file = rt\n"
			      "oauth2_client_secret_env = TQ_TEST_PW\n",
			      0644, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "oauth2_client_secret_env: environment "
				    "variable 'TQ_TEST_PW' is not set"));
	config_free(&c);
	/* ... or the environment; the file holds none: any mode. */
	setenv("TQ_TEST_PW", "env-cl-secret", 1);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.mbox.oauth2_refresh_token, "1//from-file");
	assert_string_equal(c.mbox.oauth2_client_secret, "env-cl-secret");
	assert_true(was_registered("1//from-file"));
	assert_true(was_registered("env-cl-secret"));
	config_free(&c);
	write_file(path, "1//from-file\n", 0644);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "oauth2_refresh_token_file: "));
	assert_non_null(strstr(err, "chmod 600"));
	config_free(&c);

	/* At most one source of each secret. */
	assert_int_equal(load(&c,
			      "[mailbox]\noauth2_refresh_token = 1//a\n"
			      "oauth2_refresh_token_env = TQ_TEST_PW\n",
			      0600, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, ":3: [mailbox] set only one of "
				    "oauth2_refresh_token, "
				    "oauth2_refresh_token_file and "
				    "oauth2_refresh_token_env"));
	config_free(&c);

	/* A file holding the client secret or token must be private. */
	snprintf(text, sizeof(text), "[mailbox]\noauth2_client_secret = x\n");
	assert_int_equal(load(&c, text, 0640, err, sizeof(err)), ST_CONFIG);
	assert_non_null(strstr(err, "chmod 600"));
	config_free(&c);
	snprintf(text, sizeof(text), "[mailbox]\noauth2_refresh_token = x\n");
	assert_int_equal(load(&c, text, 0604, err, sizeof(err)), ST_CONFIG);
	assert_non_null(strstr(err, "chmod 600"));
	config_free(&c);

	/* Without auth = xoauth2 the keys do nothing: say so once. */
	nwarn = 0;
	assert_int_equal(load(&c,
			      "[mailbox]\nauth = plain\n" XO_URL
			      "oauth2_client_id = app\n",
			      0600, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(warnings[0], ":3: [mailbox] oauth2_token_url "
					    "is ignored unless auth = "
					    "xoauth2"));
	config_free(&c);
}

/* Run config_first_run with answers as input; returns its status. */
static enum status
first_run(const char *answers, char *out, size_t outsz, char *err, size_t errsz)
{
	FILE *in, *o;
	enum status st;

	assert_non_null(
	    in = fmemopen((void *)(uintptr_t)answers, strlen(answers), "r"));
	memset(out, 0, outsz);
	assert_non_null(o = fmemopen(out, outsz, "w"));
	st = config_first_run(ini, in, o, err, errsz);
	fclose(in);
	fclose(o);
	return st;
}

static void
t_first_run(void **state)
{
	struct config c;
	struct stat sb;
	char out[512], err[512];

	assert_int_equal(
	    first_run("tq.example.com\n  client-1 \nanalyst\n" SECRET "\n\n",
		      out, sizeof(out), err, sizeof(err)),
	    ST_OK);
	assert_string_equal(
	    out, "ThreatQ Host: ThreatQ Client ID: "
		 "ThreatQ Username: ThreatQ Password: Status [Review]: ");
	assert_true(was_registered(SECRET));
	assert_int_equal(stat(ini, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(count_entries(), 1); /* no temporary left */

	nsecret = 0;
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(nwarn, 0);
	assert_string_equal(c.tq.host, "tq.example.com");
	assert_string_equal(c.tq.client_id, "client-1");
	assert_string_equal(c.tq.username, "analyst");
	assert_string_equal(c.tq.password, SECRET);
	assert_string_equal(c.tq.status, "Review");
	assert_null(c.mbox.server);
	assert_string_equal(c.conn.default_tlp, "AMBER");
	assert_true(was_registered(SECRET));
	config_free(&c);
}

static void
t_first_run_awkward(void **state)
{
	static const char *const pw[] = {
	    "it's \"quoted\"; # not a comment", /* both quotes */
	    " lead and trail \t",
	    "'single'",
	    "\"double\"",
	    "back\\slash\\",
	    "= equals =",
	    "\"\"",
	    "x"};
	struct config c;
	char in[1024], out[512], err[512];
	size_t i;

	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		snprintf(in, sizeof(in), "h\ni\nu\n%s\nActive Status\n", pw[i]);
		if (i == 0) {
			/* Both quote kinds cannot be written for iniparser. */
			assert_int_equal(
			    first_run(in, out, sizeof(out), err, sizeof(err)),
			    ST_CONFIG);
			assert_null(strstr(err, "quoted"));
			assert_int_equal(count_entries(), 0);
			continue;
		}
		assert_int_equal(
		    first_run(in, out, sizeof(out), err, sizeof(err)), ST_OK);
		assert_int_equal(
		    config_load(&c, ini, on_warn, err, sizeof(err)), ST_OK);
		assert_string_equal(c.tq.password, pw[i]);
		assert_string_equal(c.tq.status, "Active Status");
		config_free(&c);
	}
	assert_int_equal(nwarn, 0);
}

static void
t_first_run_eof(void **state)
{
	char out[512], err[512];

	assert_int_equal(
	    first_run("h\ni\n", out, sizeof(out), err, sizeof(err)), ST_CONFIG);
	assert_string_equal(err, "input ended before ThreatQ Username was "
				 "answered");
	assert_int_equal(count_entries(), 0);

	assert_int_equal(first_run("", out, sizeof(out), err, sizeof(err)),
			 ST_CONFIG);
	assert_int_equal(count_entries(), 0);

	/* Empty answers. */
	assert_int_equal(
	    first_run("h\n\nu\np\n\n", out, sizeof(out), err, sizeof(err)),
	    ST_CONFIG);
	assert_string_equal(err, "ThreatQ Client ID: an answer is required");
	assert_int_equal(
	    first_run("h\ni\nu\n\n\n", out, sizeof(out), err, sizeof(err)),
	    ST_CONFIG);
	assert_string_equal(err, "ThreatQ Password: an answer is required");
	assert_int_equal(count_entries(), 0);

	/* The last answer may end without a newline. */
	assert_int_equal(
	    first_run("h\ni\nu\np\nNew", out, sizeof(out), err, sizeof(err)),
	    ST_OK);
	assert_int_equal(count_entries(), 1);
}

static void
t_first_run_pipe(void **state)
{
	struct config c;
	FILE *in, *o;
	int fds[2];
	char err[512];
	const char *answers = "host.pipe\r\nid\r\nuser\r\npass word\r\n"
			      "Review\r\n";

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], answers, strlen(answers)),
			 (ssize_t)strlen(answers));
	close(fds[1]);
	assert_non_null(in = fdopen(fds[0], "r"));
	assert_non_null(o = fopen("/dev/null", "w"));
	assert_int_equal(config_first_run(ini, in, o, err, sizeof(err)), ST_OK);
	fclose(in);
	fclose(o);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.tq.host, "host.pipe");
	assert_string_equal(c.tq.password, "pass word");
	config_free(&c);
}

/* On a terminal: echo is off for the password, restored, newline printed. */
static void
t_first_run_tty(void **state)
{
	struct config c;
	struct termios t;
	FILE *in, *o;
	char out[512], err[512];
	const char *answers = "h\ni\nu\ntty pw\n\n";
	int m, sl;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1) {
		skip();
		return;
	}
	assert_true((sl = open(ptsname(m), O_RDWR | O_NOCTTY)) != -1);
	assert_int_equal(tcgetattr(sl, &t), 0);
	assert_true(t.c_lflag & ECHO);
	assert_int_equal(write(m, answers, strlen(answers)),
			 (ssize_t)strlen(answers));
	assert_non_null(in = fdopen(sl, "r"));
	memset(out, 0, sizeof(out));
	assert_non_null(o = fmemopen(out, sizeof(out), "w"));
	assert_int_equal(config_first_run(ini, in, o, err, sizeof(err)), ST_OK);
	fclose(o);
	assert_string_equal(
	    out, "ThreatQ Host: ThreatQ Client ID: "
		 "ThreatQ Username: ThreatQ Password: \nStatus [Review]: ");
	assert_int_equal(tcgetattr(sl, &t), 0);
	assert_true(t.c_lflag & ECHO);
	fclose(in);
	close(m);
	assert_int_equal(config_load(&c, ini, on_warn, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(c.tq.password, "tty pw");
	config_free(&c);
}

static void
t_first_run_bad_dir(void **state)
{
	FILE *in, *o;
	char err[512], path[256];

	snprintf(path, sizeof(path), "%s/missing/x.ini", tmpdir);
	assert_non_null(
	    in = fmemopen((void *)(uintptr_t) "h\ni\nu\np\n\n", 9, "r"));
	assert_non_null(o = fopen("/dev/null", "w"));
	assert_int_equal(config_first_run(path, in, o, err, sizeof(err)),
			 ST_IO);
	assert_non_null(strstr(err, "No such file or directory"));
	fclose(in);
	fclose(o);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test_setup_teardown(t_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_empty_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_warnings, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_bad_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_syntax, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_syntax_long_nul, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_oversize, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_tlp, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_server_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_permissions, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_password_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_password_file_big, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_password_env, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_two_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_no_secret_in_errors, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_check_online, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_oauth2_check_online, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_oauth2_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_first_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_first_run_awkward, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_first_run_eof, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_first_run_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_first_run_tty, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_first_run_bad_dir, setup,
					    teardown),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
