/*
 * Unit tests: oauth2 (request body, token and error answers, the state
 * file and its binding, expiry, and the cached path of
 * oauth2_access_token() without a token endpoint).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "log.h"
#include "oauth2.h"

#define ACCESS "ya29.a0AfH6SMBx-Acc_ess~Tok+en/1="
#define REFRESH "1//0gRefresh-Tok_en~Zz"
#define SECRET "GOCSPX-cl ient/se+cret&="

static char dir[64];
static char state[128];

static int
setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/test_oauth2.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(state, sizeof(state), "%s/inst.oauth2", dir);
	return 0;
}

static int
teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
opts_init(struct oauth2_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->token_url = "https://oauth2.example.com/token";
	o->client_id = "client-1.apps";
	o->client_secret = SECRET;
	o->refresh_token = REFRESH;
	o->state_path = state;
	o->timeout = 5;
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
t_form(void **st)
{
	struct oauth2_opts o;
	char *b;

	(void)st;
	opts_init(&o);
	assert_non_null(b = oauth2_form(&o, REFRESH));
	assert_string_equal(b,
			    "grant_type=refresh_token"
			    "&refresh_token=1%2F%2F0gRefresh-Tok_en%7EZz"
			    "&client_id=client-1.apps"
			    "&client_secret=GOCSPX-cl+ient%2Fse%2Bcret%26%3D");
	oauth2_free_secret(b);

	/* A public client sends no secret; a scope goes with a refresh. */
	o.client_secret = NULL;
	o.scope = "https://outlook.office365.com/IMAP.AccessAsUser.All "
		  "offline_access";
	assert_non_null(b = oauth2_form(&o, "r"));
	assert_string_equal(
	    b, "grant_type=refresh_token&refresh_token=r&client_id=client-1."
	       "apps&scope=https%3A%2F%2Foutlook.office365.com%2FIMAP."
	       "AccessAsUser.All+offline_access");
	oauth2_free_secret(b);

	/* No refresh token: client credentials, M365 app-only. */
	o.client_secret = "s";
	o.scope = "https://outlook.office365.com/.default";
	assert_non_null(b = oauth2_form(&o, NULL));
	assert_string_equal(b, "grant_type=client_credentials"
			       "&client_id=client-1.apps&client_secret=s"
			       "&scope=https%3A%2F%2Foutlook.office365.com%2F."
			       "default");
	oauth2_free_secret(b);

	/* UTF-8 and controls are percent-encoded byte by byte. */
	o.scope = "\xc3\xa9\r\n";
	assert_non_null(b = oauth2_form(&o, NULL));
	assert_non_null(strstr(b, "&scope=%C3%A9%0D%0A"));
	oauth2_free_secret(b);
}

static void
t_form_too_long(void **st)
{
	struct oauth2_opts o;
	char *big;

	(void)st;
	opts_init(&o);
	assert_non_null(big = malloc(OAUTH2_MAX_BODY / 2));
	memset(big, '/', OAUTH2_MAX_BODY / 2 - 1); /* 3 bytes each encoded */
	big[OAUTH2_MAX_BODY / 2 - 1] = '\0';
	assert_null(oauth2_form(&o, big));
	free(big);
}

static void
t_token_ok(void **st)
{
	char *big;

	(void)st;
	assert_true(oauth2_token_ok(ACCESS));
	assert_true(oauth2_token_ok("a"));
	assert_false(oauth2_token_ok(""));
	assert_false(oauth2_token_ok(NULL));
	assert_false(oauth2_token_ok("a b"));
	assert_false(oauth2_token_ok("a\001b"));
	assert_false(oauth2_token_ok("a\r\nb"));
	assert_false(oauth2_token_ok("\xc3\xa9"));
	assert_non_null(big = malloc(OAUTH2_MAX_TOKEN + 2));
	memset(big, 'x', OAUTH2_MAX_TOKEN);
	big[OAUTH2_MAX_TOKEN] = '\0';
	assert_true(oauth2_token_ok(big));
	big[OAUTH2_MAX_TOKEN] = 'x';
	big[OAUTH2_MAX_TOKEN + 1] = '\0';
	assert_false(oauth2_token_ok(big));
	free(big);
}

/* Parse s; returns the status and leaves the result in *t. */
static int
parse(const char *s, struct oauth2_token *t, char *err, size_t errsz)
{
	err[0] = '\0';
	return oauth2_parse_token(s, strlen(s), t, err, errsz);
}

static void
t_parse_token(void **st)
{
	struct oauth2_token t;
	char err[256];

	(void)st;
	assert_int_equal(parse("{\"access_token\":\"" ACCESS "\","
			       "\"expires_in\":3599,\"token_type\":\"Bearer\","
			       "\"scope\":\"https://mail.google.com/\","
			       "\"refresh_token\":\"" REFRESH "\"}",
			       &t, err, sizeof(err)),
			 0);
	assert_string_equal(t.access, ACCESS);
	assert_string_equal(t.refresh, REFRESH);
	assert_int_equal(t.expires_in, 3599);
	oauth2_token_free(&t);
	assert_null(t.access);

	/* expires_in as a string (older Microsoft), token_type any case. */
	assert_int_equal(
	    parse("{\"access_token\":\"a\",\"expires_in\":\"3600\","
		  "\"token_type\":\"bearer\"}",
		  &t, err, sizeof(err)),
	    0);
	assert_int_equal(t.expires_in, 3600);
	assert_null(t.refresh);
	oauth2_token_free(&t);

	/* Capped, absent, nonsense: a life we cannot trust is 0. */
	assert_int_equal(parse("{\"access_token\":\"a\",\"expires_in\":1e9}",
			       &t, err, sizeof(err)),
			 0);
	assert_int_equal(t.expires_in, OAUTH2_MAX_LIFE);
	oauth2_token_free(&t);
	assert_int_equal(
	    parse("{\"access_token\":\"a\"}", &t, err, sizeof(err)), 0);
	assert_int_equal(t.expires_in, 0);
	oauth2_token_free(&t);
	assert_int_equal(parse("{\"access_token\":\"a\",\"expires_in\":-5}", &t,
			       err, sizeof(err)),
			 0);
	assert_int_equal(t.expires_in, 0);
	oauth2_token_free(&t);
	assert_int_equal(parse("{\"access_token\":\"a\",\"expires_in\":\"1h\"}",
			       &t, err, sizeof(err)),
			 0);
	assert_int_equal(t.expires_in, 0);
	oauth2_token_free(&t);
	assert_int_equal(
	    parse("{\"access_token\":\"a\",\"expires_in\":\"99999999999\"}", &t,
		  err, sizeof(err)),
	    0);
	assert_int_equal(t.expires_in, 0);
	oauth2_token_free(&t);
	assert_int_equal(
	    parse("{\"access_token\":\"a\",\"refresh_token\":null}", &t, err,
		  sizeof(err)),
	    0);
	assert_null(t.refresh);
	oauth2_token_free(&t);
}

static void
t_parse_token_bad(void **st)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
	    {"", "empty answer"},
	    {"<html>no</html>", "not JSON"},
	    {"[\"" ACCESS "\"]", "not a JSON object"},
	    {"{\"access_token\":\"" ACCESS "\"} trailing", "not JSON"},
	    {"{\"token_type\":\"Bearer\"}", "no usable \"access_token\""},
	    {"{\"access_token\":42}", "no usable \"access_token\""},
	    {"{\"access_token\":\"a b\"}", "no usable \"access_token\""},
	    {"{\"access_token\":\"a\\u0001b\"}", "no usable \"access_token\""},
	    {"{\"access_token\":\"" ACCESS "\",\"token_type\":\"mac\"}",
	     "\"token_type\" is not Bearer"},
	    {"{\"access_token\":\"" ACCESS "\",\"refresh_token\":\"a b\"}",
	     "unusable \"refresh_token\""},
	    {"{\"access_token\":\"" ACCESS "\",\"refresh_token\":7}",
	     "unusable \"refresh_token\""},
	};
	struct oauth2_token t;
	char err[256], *big;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].body, &t, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
		assert_null(t.access);
		assert_null(t.refresh);
	}
	assert_int_equal(
	    oauth2_parse_token("{\"a\0\":1}", 8, &t, err, sizeof(err)), -1);
	assert_string_equal(err, "not JSON (NUL byte)");
	assert_non_null(big = malloc(OAUTH2_MAX_RESPONSE + 2));
	memset(big, ' ', OAUTH2_MAX_RESPONSE + 1);
	big[0] = '{';
	big[OAUTH2_MAX_RESPONSE] = '}';
	assert_int_equal(oauth2_parse_token(big, OAUTH2_MAX_RESPONSE + 1, &t,
					    err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "larger than"));
	free(big);
}

static void
t_parse_error(void **st)
{
	char out[LOG_ESC_SIZE];
	const char *b;

	(void)st;
	b = "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"Token has been expired or revoked.\"}";
	oauth2_parse_error(b, strlen(b), out, sizeof(out));
	assert_string_equal(
	    out, "invalid_grant: Token has been expired or revoked.");
	b = "{\"error\":\"invalid_client\"}";
	oauth2_parse_error(b, strlen(b), out, sizeof(out));
	assert_string_equal(out, "invalid_client");
	/* Untrusted text is escaped for the log line. */
	b = "{\"error\":\"x\\r\\nFAKE LOG LINE\"}";
	oauth2_parse_error(b, strlen(b), out, sizeof(out));
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\r'));
	b = "<html>Bad Request</html>";
	oauth2_parse_error(b, strlen(b), out, sizeof(out));
	assert_string_equal(out, "");
	oauth2_parse_error("", 0, out, sizeof(out));
	assert_string_equal(out, "");
	b = "{\"error\":{\"code\":1}}";
	oauth2_parse_error(b, strlen(b), out, sizeof(out));
	assert_string_equal(out, "");
}

static void
t_binding(void **st)
{
	struct oauth2_opts o;
	char a[HASH_SHA256_HEX], b[HASH_SHA256_HEX];

	(void)st;
	opts_init(&o);
	assert_int_equal(oauth2_binding(&o, a), 0);
	assert_int_equal(strlen(a), 64);
	assert_null(strstr(a, REFRESH));
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_equal(a, b);
	/* The client secret may change without losing the tokens. */
	o.client_secret = "other";
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_equal(a, b);
	o.refresh_token = "1//another";
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_not_equal(a, b);
	opts_init(&o);
	o.client_id = "client-2";
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_not_equal(a, b);
	opts_init(&o);
	o.token_url = "https://oauth2.example.org/token";
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_not_equal(a, b);
	opts_init(&o);
	o.scope = "https://mail.google.com/";
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_not_equal(a, b);
	/* Fields cannot be shifted into one another. */
	opts_init(&o);
	o.client_id = "client-1.appsX";
	o.scope = NULL;
	o.refresh_token = "Y";
	assert_int_equal(oauth2_binding(&o, a), 0);
	o.client_id = "client-1.apps";
	o.scope = "X";
	assert_int_equal(oauth2_binding(&o, b), 0);
	assert_string_not_equal(a, b);
}

static void
t_state_roundtrip(void **st)
{
	struct oauth2_state in, out;
	char *text, err[256];
	const char *bind =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)st;
	memset(&in, 0, sizeof(in));
	in.access = ACCESS;
	in.expires_at = 1796000000LL;
	in.refresh = REFRESH;
	assert_non_null(text = oauth2_state_format(bind, &in));
	assert_int_equal(oauth2_state_parse(text, strlen(text), bind, &out, err,
					    sizeof(err)),
			 0);
	assert_string_equal(out.access, ACCESS);
	assert_string_equal(out.refresh, REFRESH);
	assert_true(out.expires_at == 1796000000LL);
	oauth2_state_free(&out);

	/* Bound to other settings: ignored whole. */
	assert_int_equal(oauth2_state_parse(text, strlen(text), "ffff", &out,
					    err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "other OAuth settings"));
	assert_null(out.access);
	assert_null(out.refresh);
	oauth2_free_secret(text);

	/* No access token: only the refresh token comes back. */
	in.access = NULL;
	assert_non_null(text = oauth2_state_format(bind, &in));
	assert_null(strstr(text, "access_token"));
	assert_null(strstr(text, "expires_at"));
	assert_int_equal(oauth2_state_parse(text, strlen(text), bind, &out, err,
					    sizeof(err)),
			 0);
	assert_null(out.access);
	assert_string_equal(out.refresh, REFRESH);
	oauth2_state_free(&out);
	oauth2_free_secret(text);

	/* No refresh token (client credentials). */
	in.access = ACCESS;
	in.refresh = NULL;
	assert_non_null(text = oauth2_state_format(bind, &in));
	assert_int_equal(oauth2_state_parse(text, strlen(text), bind, &out, err,
					    sizeof(err)),
			 0);
	assert_string_equal(out.access, ACCESS);
	assert_null(out.refresh);
	oauth2_state_free(&out);
	oauth2_free_secret(text);
}

static void
t_state_parse_bad(void **st)
{
	struct oauth2_state s;
	char err[256], text[512];
	const char *bind = "b1";

	(void)st;
	assert_int_equal(
	    oauth2_state_parse("garbage", 7, bind, &s, err, sizeof(err)), -1);
	assert_int_equal(
	    oauth2_state_parse("{\"version\":2,\"binding\":\"b1\"}", 28, bind,
			       &s, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "not a version 1 state file");
	/* An access token without its expiry, or a bad one, is dropped. */
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"binding\":\"b1\",\"access_token\":\"%s\","
		 "\"refresh_token\":\"bad token\"}",
		 ACCESS);
	assert_int_equal(
	    oauth2_state_parse(text, strlen(text), bind, &s, err, sizeof(err)),
	    0);
	assert_null(s.access);
	assert_null(s.refresh);
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"binding\":\"b1\",\"access_token\":\"%s\","
		 "\"expires_at\":-1}",
		 ACCESS);
	assert_int_equal(
	    oauth2_state_parse(text, strlen(text), bind, &s, err, sizeof(err)),
	    0);
	assert_null(s.access);
}

static void
t_expiry(void **st)
{
	(void)st;
	assert_true(oauth2_expires_at(3600, 1000) == 4600);
	assert_true(oauth2_expires_at(0, 1000) == 0);
	assert_true(oauth2_expires_at(-5, 1000) == 0);
	assert_true(oauth2_expires_at(OAUTH2_MAX_LIFE * 2, 1000) ==
		    1000 + OAUTH2_MAX_LIFE);

	assert_true(oauth2_fresh(4600, 1000));
	assert_true(oauth2_fresh(4600, 4600 - OAUTH2_MARGIN - 1));
	assert_false(oauth2_fresh(4600, 4600 - OAUTH2_MARGIN));
	assert_false(oauth2_fresh(4600, 4600));
	assert_false(oauth2_fresh(4600, 9000));
	assert_false(oauth2_fresh(0, 1000));
	/* Further away than any token lives: the clock went back. */
	assert_true(oauth2_fresh(1000 + OAUTH2_MAX_LIFE, 1000));
	assert_false(oauth2_fresh(1000 + OAUTH2_MAX_LIFE + 1, 1000));
	/* A token that lives no longer than the margin is never reused. */
	assert_false(
	    oauth2_fresh(oauth2_expires_at(OAUTH2_MARGIN, 1000), 1000));
}

static void
t_state_path(void **st)
{
	char *p;

	(void)st;
	assert_non_null(p = oauth2_state_path("/etc/tq", "conn"));
	assert_string_equal(p, "/etc/tq/conn.oauth2");
	free(p);
	assert_non_null(p = oauth2_state_path("cfg/", "x"));
	assert_string_equal(p, "cfg/x.oauth2");
	free(p);
	assert_non_null(p = oauth2_state_path(NULL, "x"));
	assert_string_equal(p, "./x.oauth2");
	free(p);
}

static void
t_state_file(void **st)
{
	struct oauth2_state in, out;
	struct stat sb;
	char err[512], line[256], other[160];

	(void)st;
	/* None yet: empty, no error. */
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_OK);
	assert_null(out.access);
	assert_null(out.refresh);

	memset(&in, 0, sizeof(in));
	in.access = ACCESS;
	in.expires_at = 1796000000LL;
	in.refresh = REFRESH;
	assert_int_equal(oauth2_state_write(state, "b", &in, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(stat(state, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(other, sizeof(other), "%s.tmp%ld", state, (long)getpid());
	assert_int_equal(access(other, F_OK), -1);
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(out.access, ACCESS);
	assert_string_equal(out.refresh, REFRESH);
	oauth2_state_free(&out);
	/* The tokens read are secrets from now on. */
	snprintf(line, sizeof(line), "x %s y %s z", ACCESS, REFRESH);
	log_redact(line);
	assert_null(strstr(line, ACCESS));
	assert_null(strstr(line, REFRESH));

	/* Replaced whole, mode kept at 0600 even over a wider file. */
	in.refresh = NULL;
	assert_int_equal(chmod(state, 0644), 0);
	assert_int_equal(oauth2_state_write(state, "b", &in, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(stat(state, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_OK);
	assert_null(out.refresh);
	oauth2_state_free(&out);

	/* Another binding: ignored, with a warning. */
	assert_int_equal(oauth2_state_read(state, "c", &out, err, sizeof(err)),
			 ST_OK);
	assert_null(out.access);

	/* Readable by others: refused, saying how to fix it. */
	assert_int_equal(chmod(state, 0640), 0);
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_CONFIG);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, ACCESS));

	/* Damaged: ignored. */
	write_text(state, "{\"version\":1,", 0600);
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_OK);
	assert_null(out.access);

	/* Not a regular file, or through a link: refused. */
	unlink(state);
	assert_int_equal(mkdir(state, 0700), 0);
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_CONFIG);
	assert_int_equal(rmdir(state), 0);
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	write_text(other, "{}", 0600);
	assert_int_equal(symlink(other, state), 0);
	assert_int_equal(oauth2_state_read(state, "b", &out, err, sizeof(err)),
			 ST_IO);
	unlink(state);

	/* A directory that is not there: an error naming the file. */
	snprintf(other, sizeof(other), "%s/missing/x.oauth2", dir);
	assert_int_equal(oauth2_state_write(other, "b", &in, err, sizeof(err)),
			 ST_IO);
	assert_non_null(strstr(err, "missing/x.oauth2"));
}

static void
t_access_cached(void **st)
{
	struct oauth2_opts o;
	struct oauth2_state s;
	char bind[HASH_SHA256_HEX], err[1024], *tok;
	int cached;

	(void)st;
	opts_init(&o);
	/* Nothing listens there: any request fails at once. */
	o.token_url = "https://127.0.0.1:1/token";
	assert_int_equal(oauth2_binding(&o, bind), 0);
	memset(&s, 0, sizeof(s));
	s.access = ACCESS;
	s.expires_at = (long long)time(NULL) + 3600;
	assert_int_equal(oauth2_state_write(state, bind, &s, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)), ST_OK);
	assert_int_equal(cached, 1);
	assert_string_equal(tok, ACCESS);
	oauth2_free_secret(tok);

	/* Forced (the IMAP server refused it): the endpoint is asked. */
	assert_int_equal(
	    oauth2_access_token(&o, 1, &tok, &cached, err, sizeof(err)),
	    ST_TEMP);
	assert_null(tok);
	assert_int_equal(cached, 0);
	assert_non_null(strstr(err, "OAuth token endpoint "
				    "https://127.0.0.1:1/token"));
	assert_null(strstr(err, REFRESH));
	assert_null(strstr(err, SECRET));

	/* About to expire: renewed rather than used. */
	s.expires_at = (long long)time(NULL) + OAUTH2_MARGIN / 2;
	assert_int_equal(oauth2_state_write(state, bind, &s, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)),
	    ST_TEMP);

	/* Written for other settings: not used. */
	s.expires_at = (long long)time(NULL) + 3600;
	assert_int_equal(
	    oauth2_state_write(state, "other", &s, err, sizeof(err)), ST_OK);
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)),
	    ST_TEMP);
}

static void
t_access_errors(void **st)
{
	struct oauth2_opts o;
	char err[1024], *tok;
	int cached;

	(void)st;
	opts_init(&o);
	/* The URL shown loses its user information and query. */
	o.token_url = "https://user:pw-Secret@127.0.0.1:1/token?key=q-Secret";
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)),
	    ST_TEMP);
	assert_non_null(strstr(err, "https://127.0.0.1:1/token:"));
	assert_null(strstr(err, "Secret"));

	/* Plain HTTP is never spoken. */
	o.token_url = "http://127.0.0.1:1/token";
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)),
	    ST_CONFIG);

	/* Neither grant possible. */
	opts_init(&o);
	o.refresh_token = NULL;
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)),
	    ST_CONFIG);
	assert_non_null(strstr(err, "oauth2_refresh_token or oauth2_scope"));
	o.token_url = NULL;
	assert_int_equal(
	    oauth2_access_token(&o, 0, &tok, &cached, err, sizeof(err)),
	    ST_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(t_form),
	    cmocka_unit_test(t_form_too_long),
	    cmocka_unit_test(t_token_ok),
	    cmocka_unit_test(t_parse_token),
	    cmocka_unit_test(t_parse_token_bad),
	    cmocka_unit_test(t_parse_error),
	    cmocka_unit_test(t_binding),
	    cmocka_unit_test(t_state_roundtrip),
	    cmocka_unit_test(t_state_parse_bad),
	    cmocka_unit_test(t_expiry),
	    cmocka_unit_test(t_state_path),
	    cmocka_unit_test_setup_teardown(t_state_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_access_cached, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_access_errors, setup, teardown),
	};

	log_open("stderr", "test_oauth2", LL_DEBUG, NULL, 0);
	return cmocka_run_group_tests(t, NULL, NULL);
}
