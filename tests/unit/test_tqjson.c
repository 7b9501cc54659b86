/* Unit tests for tqjson.c: request bodies and hostile response bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cJSON.h>

#include "tqjson.h"

#define S(x) (x), strlen(x)

/* A hand-made plan: owns its sets; strings are literals. */
struct tplan {
	struct plan p;
	struct plan_report r[2];
	struct plan_att a[1];
};

static void
tplan_init(struct tplan *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->p.uid = 7;
	t->p.subject = (char *)"Weekly digest";
	t->p.from = (char *)"intel@example.org";
	t->p.message_id = (char *)"<m1@example.org>";
	snprintf(t->p.published_at, sizeof(t->p.published_at),
		 "2026-11-20 10:00:00");
	t->p.tlp = TLP_AMBER;
	t->p.reports = t->r;
	t->p.nreports = 2;
	t->p.atts = t->a;
	t->p.natts = 1;
	t->r[0].title = (char *)"First \"article\"";
	t->r[0].description = (char *)"<p>one</p>";
	t->r[0].url = (char *)"https://example.org/1";
	t->r[0].tlp = TLP_GREEN;
	t->r[1].title = (char *)"Second";
	t->r[1].description = (char *)"<p>two</p>";
	t->r[1].url = NULL;
	t->r[1].tlp = TLP_RED;
	t->a[0].name = (char *)"iocs.csv";
	t->a[0].type = "Generic Text";
	for (i = 0; i < 2; i++)
		ioc_set_init(&t->r[i].iocs);
	ioc_set_init(&t->a[0].iocs);
	ioc_set_init(&t->p.iocs);
}

static void
tplan_free(struct tplan *t)
{
	size_t i;

	for (i = 0; i < 2; i++)
		ioc_set_free(&t->r[i].iocs);
	ioc_set_free(&t->a[0].iocs);
	ioc_set_free(&t->p.iocs);
}

static cJSON *
parse_ok(const char *s)
{
	cJSON *j;

	assert_non_null(s);
	j = cJSON_Parse(s);
	assert_non_null(j);
	return j;
}

static const char *
str_at(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static double
num_at(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* The id list under key k as a string "1,2,3" (or "-" when absent). */
static void
ids_of(const cJSON *o, const char *k, char *out, size_t outsz)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, k), *e;
	size_t len = 0;

	if (arr == NULL) {
		snprintf(out, outsz, "-");
		return;
	}
	assert_true(cJSON_IsArray(arr));
	assert_true(cJSON_GetArraySize(arr) > 0); /* never empty */
	out[0] = '\0';
	cJSON_ArrayForEach(e, arr)
	{
		len += (size_t)snprintf(out + len, outsz - len, "%s%.0f",
					len ? "," : "", num_at(e, "id"));
		assert_true(len < outsz);
	}
}

static void
t_reports(void **state)
{
	struct tplan t;
	cJSON *j, *o, *a;
	char *s;

	(void)state;
	tplan_init(&t);
	s = tqjson_reports(&t.p, 0, 2, "Mailbox", 42);
	j = parse_ok(s);
	assert_int_equal(cJSON_GetArraySize(j), 2);
	o = cJSON_GetArrayItem(j, 0);
	assert_string_equal(str_at(o, "value"), "First \"article\"");
	assert_string_equal(str_at(o, "description"), "<p>one</p>");
	assert_string_equal(str_at(o, "published_at"), "2026-11-20 10:00:00");
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sources"), 0);
	assert_string_equal(str_at(a, "name"), "Mailbox");
	assert_string_equal(str_at(cJSON_GetObjectItem(a, "tlp"), "name"),
			    "GREEN");
	a = cJSON_GetObjectItem(o, "attributes");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(str_at(cJSON_GetArrayItem(a, 0), "name"), "TLP");
	assert_string_equal(str_at(cJSON_GetArrayItem(a, 0), "value"), "GREEN");
	assert_string_equal(str_at(cJSON_GetArrayItem(a, 1), "name"),
			    "Article URL");
	assert_string_equal(str_at(cJSON_GetArrayItem(a, 1), "value"),
			    "https://example.org/1");
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "attachments"), 0);
	assert_int_equal((long)num_at(a, "id"), 42);
	/* No URL: no Article URL attribute. */
	o = cJSON_GetArrayItem(j, 1);
	a = cJSON_GetObjectItem(o, "attributes");
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_string_equal(str_at(cJSON_GetArrayItem(a, 0), "value"), "RED");
	cJSON_Delete(j);
	free(s);

	/* A slice, and a bad range. */
	s = tqjson_reports(&t.p, 1, 1, "Mailbox", 42);
	j = parse_ok(s);
	assert_int_equal(cJSON_GetArraySize(j), 1);
	cJSON_Delete(j);
	free(s);
	assert_null(tqjson_reports(&t.p, 1, 2, "Mailbox", 42));
	assert_null(tqjson_reports(&t.p, 3, 0, "Mailbox", 42));
	tplan_free(&t);
}

static const cJSON *
find_item(const cJSON *arr, const char *type, const char *value)
{
	const cJSON *e;

	cJSON_ArrayForEach(
	    e, arr) if (strcmp(str_at(cJSON_GetObjectItem(e, "type"), "name"),
			       type) == 0 &&
			strcmp(str_at(e, "value"), value) == 0) return e;
	fail_msg("no item %s %s", type, value);
	return NULL;
}

static void
check_item(const cJSON *arr, const char *type, const char *value,
	   const char *tlp, const char *reports, const char *atts,
	   const char *reserved)
{
	const cJSON *e = find_item(arr, type, value), *x;
	char got[256];

	assert_string_equal(str_at(cJSON_GetObjectItem(e, "status"), "name"),
			    "Review");
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "sources"), 0);
	assert_string_equal(str_at(x, "name"), "Mailbox");
	assert_string_equal(str_at(cJSON_GetObjectItem(x, "tlp"), "name"), tlp);
	x = cJSON_GetObjectItem(e, "attributes");
	assert_int_equal(cJSON_GetArraySize(x), reserved ? 2 : 1);
	assert_string_equal(str_at(cJSON_GetArrayItem(x, 0), "name"), "TLP");
	assert_string_equal(str_at(cJSON_GetArrayItem(x, 0), "value"), tlp);
	if (reserved) {
		assert_string_equal(str_at(cJSON_GetArrayItem(x, 1), "name"),
				    "Reserved");
		assert_string_equal(str_at(cJSON_GetArrayItem(x, 1), "value"),
				    reserved);
	}
	ids_of(e, "report", got, sizeof(got));
	assert_string_equal(got, reports);
	ids_of(e, "attachments", got, sizeof(got));
	assert_string_equal(got, atts);
}

static void
t_indicators_merge(void **state)
{
	static const long rep[2] = {11, 12}, att[1] = {21};
	struct tplan t;
	struct tqjson_inds in;
	cJSON *j;
	char *s;

	(void)state;
	tplan_init(&t);
	ioc_set_add(&t.r[0].iocs, IOC_FQDN, "evil.example");
	ioc_set_add(&t.r[0].iocs, IOC_IPV4, "203.0.113.7");
	ioc_set_add(&t.r[1].iocs, IOC_FQDN, "evil.example");
	ioc_set_add(&t.a[0].iocs, IOC_IPV4, "203.0.113.7");
	ioc_set_add(&t.a[0].iocs, IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e");
	ioc_set_add(&t.p.iocs, IOC_FQDN, "evil.example");
	ioc_set_add(&t.p.iocs, IOC_URL, "http://evil.example/x");
	/* Same value, other type: another item. */
	ioc_set_add(&t.p.iocs, IOC_FILENAME, "evil.example");

	assert_int_equal(tqjson_inds_build(&t.p, rep, att, 5, &in), 0);
	assert_int_equal(in.n, 5);
	s = tqjson_inds_json(&in, 0, in.n, NULL, "Review", "Mailbox");
	j = parse_ok(s);
	assert_int_equal(cJSON_GetArraySize(j), 5);
	/* GREEN report, RED report, AMBER message: RED. */
	check_item(j, "FQDN", "evil.example", "RED", "11,12", "5", NULL);
	/* GREEN report and the AMBER message's attachment: AMBER. */
	/* A documentation address is marked, not dropped (the default). */
	check_item(j, "IP Address", "203.0.113.7", "AMBER", "11", "21",
		   "private or reserved address range");
	check_item(j, "MD5", "d41d8cd98f00b204e9800998ecf8427e", "AMBER", "-",
		   "21", NULL);
	check_item(j, "URL", "http://evil.example/x", "AMBER", "-", "5", NULL);
	check_item(j, "Filename", "evil.example", "AMBER", "-", "5", NULL);
	/* First appearance order: reports first. */
	assert_string_equal(str_at(cJSON_GetArrayItem(j, 0), "value"),
			    "evil.example");
	cJSON_Delete(j);
	free(s);
	tqjson_inds_free(&in);

	/* Without relations (no ids yet): no relation arrays at all. */
	assert_int_equal(tqjson_inds_build(&t.p, NULL, NULL, 0, &in), 0);
	s = tqjson_inds_json(&in, 0, in.n, NULL, "Review", "Mailbox");
	j = parse_ok(s);
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "report"));
	assert_null(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "attachments"));
	cJSON_Delete(j);
	free(s);
	tqjson_inds_free(&in);
	tplan_free(&t);
}

static void
t_indicators_type_names(void **state)
{
	const char *names[IOC_NTYPES] = {NULL};
	struct tplan t;
	struct tqjson_inds in;
	cJSON *j;
	char *s;

	(void)state;
	tplan_init(&t);
	ioc_set_add(&t.p.iocs, IOC_FQDN, "evil.example");
	names[IOC_FQDN] = "fqdn"; /* the instance's spelling */
	assert_int_equal(tqjson_inds_build(&t.p, NULL, NULL, 9, &in), 0);
	s = tqjson_inds_json(&in, 0, 1, names, NULL, NULL);
	j = parse_ok(s);
	assert_string_equal(
	    str_at(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "type"),
		   "name"),
	    "fqdn");
	/* No status, no source: omitted. */
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "status"));
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "sources"));
	cJSON_Delete(j);
	free(s);
	tqjson_inds_free(&in);
	tplan_free(&t);
}

static void
t_indicators_batches(void **state)
{
	struct tplan t;
	struct tqjson_inds in;
	char v[64], *s;
	size_t i, sizes[3], nb = 0;
	cJSON *j;

	(void)state;
	tplan_init(&t);
	for (i = 0; i < 1201; i++) {
		snprintf(v, sizeof(v), "host%zu.example", i);
		assert_int_equal(
		    ioc_set_add(i % 2 ? &t.r[0].iocs : &t.p.iocs, IOC_FQDN, v),
		    1);
	}
	assert_int_equal(tqjson_inds_build(&t.p, (const long[]){1, 2},
					   (const long[]){3}, 4, &in),
			 0);
	assert_int_equal(in.n, 1201);
	for (i = 0; i < in.n; i += sizes[nb++]) {
		sizes[nb] = in.n - i > TQJSON_BATCH ? TQJSON_BATCH : in.n - i;
		s = tqjson_inds_json(&in, i, sizes[nb], NULL, "Review", "M");
		j = parse_ok(s);
		assert_int_equal(cJSON_GetArraySize(j), (int)sizes[nb]);
		cJSON_Delete(j);
		free(s);
	}
	assert_int_equal(nb, 3);
	assert_int_equal(sizes[0], 500);
	assert_int_equal(sizes[1], 500);
	assert_int_equal(sizes[2], 201);
	/* Never more than a batch, never past the end. */
	assert_null(tqjson_inds_json(&in, 0, 501, NULL, "Review", "M"));
	assert_null(tqjson_inds_json(&in, 1000, 202, NULL, "Review", "M"));
	tqjson_inds_free(&in);
	tplan_free(&t);
}

static void
t_id_list(void **state)
{
	static const long ids[] = {3, 4, 3, 5};
	char *s;

	(void)state;
	s = tqjson_id_list(ids, 4);
	assert_string_equal(s, "[{\"id\":3},{\"id\":4},{\"id\":5}]");
	free(s);
	s = tqjson_id_list((const long[]){3000000000L}, 1);
	assert_string_equal(s, "[{\"id\":3000000000}]");
	free(s);
}

static void
t_token(void **state)
{
	char *a, *r, err[128];
	long exp;

	(void)state;
	assert_int_equal(
	    tqjson_token(S("{\"access_token\":\"abc.def\","
			   "\"token_type\":\"bearer\",\"expires_in\":3600,"
			   "\"refresh_token\":\"rt1\"}"),
			 &a, &r, &exp, err, sizeof(err)),
	    0);
	assert_string_equal(a, "abc.def");
	assert_string_equal(r, "rt1");
	assert_int_equal(exp, 3600);
	free(a);
	free(r);
	/* No refresh token, "Bearer", huge expires_in ignored. */
	assert_int_equal(
	    tqjson_token(S("{\"access_token\":\"x\","
			   "\"token_type\":\"Bearer\",\"expires_in\":1e300}"),
			 &a, &r, &exp, err, sizeof(err)),
	    0);
	assert_null(r);
	assert_int_equal(exp, 0);
	free(a);
	/* Refused. */
	assert_int_equal(
	    tqjson_token(S("{\"access_token\":\"x\\r\\nX-Evil: 1\"}"), &a, &r,
			 &exp, err, sizeof(err)),
	    -1);
	assert_null(a);
	assert_int_equal(tqjson_token(S("{\"access_token\":\"\"}"), &a, &r,
				      &exp, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_token(S("{\"access_token\":42}"), &a, &r, &exp,
				      err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_token(S("{\"access_token\":\"x\","
					"\"token_type\":\"mac\"}"),
				      &a, &r, &exp, err, sizeof(err)),
			 -1);
	assert_int_equal(
	    tqjson_token(S("{\"error\":\"invalid_grant\","
			   "\"message\":\"no\",\"access_token\":\"x\"}"),
			 &a, &r, &exp, err, sizeof(err)),
	    -1);
	assert_int_equal(tqjson_token(S("<html>login</html>"), &a, &r, &exp,
				      err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_token(S("[\"access_token\"]"), &a, &r, &exp,
				      err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_token("", 0, &a, &r, &exp, err, sizeof(err)),
			 -1);
}

static void
t_catalogue(void **state)
{
	struct tqjson_cat c;
	const struct tqjson_entry *e;
	char err[128];
	long total;
	size_t n;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    tqjson_cat_page(
		S("{\"total\":3,\"limit\":2,"
		  "\"offset\":0,\"data\":[{\"id\":1,\"name\":\"Active\"},"
		  "{\"id\":4,\"name\":\"Review\"}]}"),
		&c, 100, &total, &n, err, sizeof(err)),
	    0);
	assert_int_equal(total, 3);
	assert_int_equal(n, 2);
	assert_int_equal(tqjson_cat_page(S("{\"total\":3,\"data\":[{\"id\":"
					   "\"5\",\"name\":\"Whitelisted\"}]}"),
					 &c, 100, &total, &n, err, sizeof(err)),
			 0);
	assert_int_equal(c.n, 3);
	e = tqjson_cat_find(&c, "Review");
	assert_non_null(e);
	assert_int_equal(e->id, 4);
	e = tqjson_cat_find(&c, "whitelisted");
	assert_non_null(e);
	assert_string_equal(e->name, "Whitelisted");
	assert_null(tqjson_cat_find(&c, "Expired"));
	assert_null(tqjson_cat_find(&c, NULL));
	/* The bound on entries. */
	assert_int_equal(tqjson_cat_page(S("{\"data\":[{\"id\":9,\"name\":"
					   "\"X\"}]}"),
					 &c, 3, &total, &n, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "more than 3"));
	/* No total: unknown. */
	assert_int_equal(tqjson_cat_page(S("{\"data\":[]}"), &c, 100, &total,
					 &n, err, sizeof(err)),
			 0);
	assert_int_equal(total, -1);
	assert_int_equal(n, 0);
	/* Malformed. */
	assert_int_equal(tqjson_cat_page(S("{\"total\":1,\"data\":{}}"), &c,
					 100, &total, &n, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_cat_page(S("{\"total\":-1,\"data\":[]}"), &c,
					 100, &total, &n, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_cat_page(S("{\"total\":1e400,\"data\":[]}"), &c,
					 100, &total, &n, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_cat_page(S("{\"data\":[{\"id\":1}]}"), &c, 100,
					 &total, &n, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_cat_page(S("{\"data\":[{\"id\":0,\"name\":"
					   "\"Z\"}]}"),
					 &c, 100, &total, &n, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_cat_page(S("{\"data\":[{\"id\":1,\"name\":"
					   "\"\"}]}"),
					 &c, 100, &total, &n, err, sizeof(err)),
			 -1);
	assert_int_equal(tqjson_cat_page(S("{\"data\":[7]}"), &c, 100, &total,
					 &n, err, sizeof(err)),
			 -1);
	assert_int_equal(c.n, 3);
	tqjson_cat_free(&c);
	tqjson_cat_free(&c); /* idempotent */
}

static int
ids(const char *body, const char *const *vals, size_t n, long *out)
{
	char err[128];

	return tqjson_ids_by_value(body, strlen(body), vals, n, out, err,
				   sizeof(err));
}

static void
t_ids_by_value(void **state)
{
	const char *v[3] = {"A", "B", "A"};
	long got[3];

	(void)state;
	assert_int_equal(
	    ids("{\"total\":3,\"data\":[{\"id\":1,\"value\":\"A\"},"
		"{\"id\":2,\"value\":\"B\"},{\"id\":1,\"value\":\"A\"}]}",
		v, 3, got),
	    0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 2);
	assert_int_equal(got[2], 1);
	/* Out of order: matched back by value. */
	assert_int_equal(
	    ids("{\"data\":[{\"id\":2,\"value\":\"B\"},"
		"{\"id\":1,\"value\":\"A\"},{\"id\":1,\"value\":\"A\"}]}",
		v, 3, got),
	    0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 2);
	/* No values: by position.  Ids as decimal strings are accepted. */
	assert_int_equal(ids("{\"data\":[{\"id\":\"7\"},{\"id\":8},"
			     "{\"id\":9}]}",
			     v, 3, got),
			 0);
	assert_int_equal(got[0], 7);
	assert_int_equal(got[2], 9);
	/* Large but exact. */
	assert_int_equal(
	    ids("{\"data\":[{\"id\":9007199254740991}]}", v, 1, got), 0);
	assert_int_equal(got[0], 9007199254740991L);
	/* Wrong counts, missing or bad ids, a value nobody sent. */
	assert_int_equal(
	    ids("{\"data\":[{\"id\":1,\"value\":\"A\"}]}", v, 3, got), -1);
	assert_int_equal(ids("{\"data\":[]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":1},{\"id\":2}]}", v, 1, got),
			 -1);
	assert_int_equal(ids("{\"data\":[{\"value\":\"A\"}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":\"12a\"}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":\"\"}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":\"007\"}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":-3}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":0}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":1.5}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":1e300}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":-1e300}]}", v, 1, got), -1);
	assert_int_equal(
	    ids("{\"data\":[{\"id\":9007199254740993}]}", v, 1, got), -1);
	assert_int_equal(
	    ids("{\"data\":[{\"id\":\"99999999999999999999\"}]}", v, 1, got),
	    -1);
	assert_int_equal(ids("{\"data\":[{\"id\":null}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":true}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[[1]]}", v, 1, got), -1);
	assert_int_equal(
	    ids("{\"data\":[{\"id\":1,\"value\":\"C\"}]}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":1,\"value\":5}]}", v, 1, got),
			 -1);
	assert_int_equal(ids("{\"data\":{\"id\":1}}", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":\"x\"}", v, 1, got), -1);
	assert_int_equal(ids("[{\"id\":1}]", v, 1, got), -1);
	assert_int_equal(ids("null", v, 1, got), -1);
	assert_int_equal(ids("{\"data\":[{\"id\":1}]} trailing", v, 1, got),
			 -1);
	/* Nothing sent, nothing back. */
	assert_int_equal(ids("{\"data\":[]}", v, 0, got), 0);
}

static void
t_inds_ids(void **state)
{
	struct tplan t;
	struct tqjson_inds in;
	long tids[IOC_NTYPES], got[2];
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < IOC_NTYPES; i++)
		tids[i] = -1;
	tids[IOC_FQDN] = 10;
	tids[IOC_FILENAME] = 20;
	tplan_init(&t);
	ioc_set_add(&t.p.iocs, IOC_FQDN, "a.example");
	ioc_set_add(&t.p.iocs, IOC_FILENAME, "a.example");
	assert_int_equal(tqjson_inds_build(&t.p, NULL, NULL, 1, &in), 0);
#define B(s) (s), strlen(s), &in, 0, 2, tids, got, err, sizeof(err)
	/* In order. */
	assert_int_equal(tqjson_inds_ids(B("{\"data\":[{\"id\":1,\"value\":"
					   "\"a.example\",\"type_id\":10},{"
					   "\"id\":2,\"value\":\"a.example\","
					   "\"type_id\":20}]}")),
			 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 2);
	/* Swapped: the same value, told apart by type_id. */
	assert_int_equal(tqjson_inds_ids(B("{\"data\":[{\"id\":2,\"value\":"
					   "\"a.example\",\"type_id\":20},{"
					   "\"id\":1,\"value\":\"a.example\","
					   "\"type_id\":10}]}")),
			 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 2);
	/* Position when the elements say nothing. */
	assert_int_equal(tqjson_inds_ids(B("{\"data\":[{\"id\":5},"
					   "{\"id\":6}]}")),
			 0);
	assert_int_equal(got[1], 6);
	/* A type nobody sent. */
	assert_int_equal(tqjson_inds_ids(B("{\"data\":[{\"id\":2,\"value\":"
					   "\"a.example\",\"type_id\":30},{"
					   "\"id\":1,\"value\":\"a.example\","
					   "\"type_id\":10}]}")),
			 -1);
	assert_int_equal(tqjson_inds_ids(B("{\"data\":[{\"id\":5}]}")), -1);
	assert_int_equal(tqjson_inds_ids(B("{\"data\":[{\"id\":5},{}]}")), -1);
#undef B
	assert_int_equal(tqjson_inds_ids(S("{\"data\":[]}"), &in, 2, 1, tids,
					 got, err, sizeof(err)),
			 -1);
	tqjson_inds_free(&in);
	tplan_free(&t);
}

static void
t_lookup_and_data(void **state)
{
	static const char md5[] = "0123456789abcdef0123456789abcdef";
	char err[128];
	long id = -5;
	size_t n;

	(void)state;
	assert_int_equal(tqjson_lookup(S("{\"total\":0,\"data\":[]}"), md5, &id,
				       err, sizeof(err)),
			 0);
	assert_int_equal(
	    tqjson_lookup(S("{\"total\":1,\"data\":[{\"id\":12,"
			    "\"hash\":\"0123456789ABCDEF0123456789abcdef\"}]}"),
			  md5, &id, err, sizeof(err)),
	    1);
	assert_int_equal(id, 12);
	/* A server that ignored ?hash=: other files are skipped. */
	assert_int_equal(
	    tqjson_lookup(
		S("{\"data\":[{\"id\":3,\"hash\":"
		  "\"ffff\"},{\"id\":4,\"hash\":null},{\"id\":13,\"hash\":"
		  "\"0123456789abcdef0123456789abcdef\"}]}"),
		md5, &id, err, sizeof(err)),
	    1);
	assert_int_equal(id, 13);
	assert_int_equal(tqjson_lookup(S("{\"data\":[{\"id\":3,\"hash\":"
					 "\"ffff\"}]}"),
				       md5, &id, err, sizeof(err)),
			 0);
	/* No hash field: first id. */
	assert_int_equal(tqjson_lookup(S("{\"data\":[{\"id\":14}]}"), md5, &id,
				       err, sizeof(err)),
			 1);
	assert_int_equal(id, 14);
	assert_int_equal(tqjson_lookup(S("{\"data\":[{\"id\":\"x\"}]}"), md5,
				       &id, err, sizeof(err)),
			 -1);
	assert_int_equal(
	    tqjson_lookup(S("{\"data\":null}"), md5, &id, err, sizeof(err)),
	    -1);
	assert_int_equal(tqjson_lookup(S("{}"), md5, &id, err, sizeof(err)),
			 -1);

	assert_int_equal(tqjson_data_id(S("{\"data\":{\"id\":77,\"hash\":"
					  "\"x\"}}"),
					&id, err, sizeof(err)),
			 0);
	assert_int_equal(id, 77);
	assert_int_equal(tqjson_data_id(S("{\"data\":[{\"id\":78}]}"), &id, err,
					sizeof(err)),
			 0);
	assert_int_equal(id, 78);
	assert_int_equal(
	    tqjson_data_id(S("{\"data\":[]}"), &id, err, sizeof(err)), -1);
	assert_int_equal(
	    tqjson_data_id(S("{\"data\":{\"id\":-1}}"), &id, err, sizeof(err)),
	    -1);
	assert_int_equal(tqjson_data_id(S("{\"id\":1}"), &id, err, sizeof(err)),
			 -1);

	assert_int_equal(tqjson_data_array(S("{\"data\":[{\"id\":1,\"pivot\":"
					     "{\"id\":9}}]}"),
					   &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    tqjson_data_array(S("{\"data\":{}}"), &n, err, sizeof(err)), -1);
}

static const char *
emsg(const char *body)
{
	static char out[TQJSON_MAX_ERRMSG + 1];

	tqjson_error_msg(body, strlen(body), out, sizeof(out));
	return out;
}

static void
t_error_msg(void **state)
{
	char small[8], *big;
	size_t n, i;

	(void)state;
	assert_string_equal(emsg("{\"errors\":[\"Unauthenticated.\"]}"),
			    "Unauthenticated.");
	assert_string_equal(emsg("{\"errors\":[\"a\",[\"b\",\"c\"]]}"),
			    "a; b; c");
	assert_string_equal(emsg("{\"errors\":{\"type\":[\"Unknown type "
				 "'X'.\"]}}"),
			    "type: Unknown type 'X'.");
	assert_string_equal(emsg("{\"data\":{\"errors\":{\"name\":[\"The name "
				 "has already been taken.\"]}}}"),
			    "name: The name has already been taken.");
	assert_string_equal(emsg("{\"message\":\"Server Error\"}"),
			    "Server Error");
	assert_string_equal(
	    emsg("{\"error\":\"invalid_grant\",\"message\":"
		 "\"The user credentials were incorrect.\"}"),
	    "invalid_grant: The user credentials were incorrect.");
	assert_string_equal(emsg("{\"error\":\"invalid_client\"}"),
			    "invalid_client");
	assert_string_equal(emsg("{\"errors\":[1,null,{}]}"), "");
	assert_string_equal(emsg("<html>502</html>"), "");
	assert_string_equal(emsg("{\"data\":[]}"), "");
	assert_int_equal(tqjson_error_msg(NULL, 0, small, sizeof(small)), 0);

	/* A 100 KB message is bounded. */
	big = malloc(100 * 1024 + 32);
	assert_non_null(big);
	n = (size_t)sprintf(big, "{\"errors\":[\"");
	for (i = 0; i < 100 * 1024; i++)
		big[n++] = 'x';
	strcpy(big + n, "\"]}");
	assert_int_equal(strlen(emsg(big)), TQJSON_MAX_ERRMSG);
	/* ... also by the caller's buffer. */
	assert_int_equal(
	    tqjson_error_msg(big, strlen(big), small, sizeof(small)), 7);
	assert_int_equal(strlen(small), 7);
	free(big);
	/* Cut on a UTF-8 boundary: "é" is two bytes. */
	assert_int_equal(
	    tqjson_error_msg(S("{\"errors\":[\"aaaaaa\xc3\xa9\"]}"), small,
			     sizeof(small)),
	    6);
	assert_string_equal(small, "aaaaaa");
}

static void
t_has_errors(void **state)
{
	(void)state;
	assert_true(tqjson_has_errors(S("{\"data\":[],\"errors\":[\"x\"]}")));
	assert_true(tqjson_has_errors(S("{\"errors\":[]}")));
	assert_true(tqjson_has_errors(S("{\"data\":{\"errors\":{}}}")));
	assert_false(tqjson_has_errors(S("{\"data\":[{\"errors\":1}]}")));
	assert_false(tqjson_has_errors(S("{\"data\":[]}")));
	assert_false(tqjson_has_errors(S("not json")));
	assert_false(tqjson_has_errors(S("[]")));
}

/* Every parser on one body: must not crash, leak or accept nonsense. */
static void
all_parsers(const char *b, size_t len)
{
	static const char *v[2] = {"a", "b"};
	struct tqjson_cat c;
	struct tqjson_inds in;
	char *a, *r, err[64], msg[128];
	long exp, id, got[2];
	size_t n;

	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	if (tqjson_token(b, len, &a, &r, &exp, err, sizeof(err)) == 0) {
		free(a);
		free(r);
	}
	(void)tqjson_cat_page(b, len, &c, 10, &exp, &n, err, sizeof(err));
	tqjson_cat_free(&c);
	(void)tqjson_lookup(b, len, "0123456789abcdef0123456789abcdef", &id,
			    err, sizeof(err));
	(void)tqjson_data_id(b, len, &id, err, sizeof(err));
	(void)tqjson_data_array(b, len, &n, err, sizeof(err));
	(void)tqjson_ids_by_value(b, len, v, 2, got, err, sizeof(err));
	(void)tqjson_inds_ids(b, len, &in, 0, 0, NULL, got, err, sizeof(err));
	(void)tqjson_error_msg(b, len, msg, sizeof(msg));
	(void)tqjson_has_errors(b, len);
}

static void
t_deep_nesting(void **state)
{
	const size_t depth = 10000;
	char *b, err[128];
	size_t i;
	long got[1];

	(void)state;
	b = malloc(2 * depth + 64);
	assert_non_null(b);
	for (i = 0; i < depth; i++)
		b[i] = '[';
	for (i = 0; i < depth; i++)
		b[depth + i] = ']';
	all_parsers(b, 2 * depth);
	/* Inside a valid-looking envelope too. */
	i = (size_t)sprintf(b, "{\"data\":[{\"id\":1,\"x\":");
	memset(b + i, '{', depth);
	all_parsers(b, i + depth);
	assert_int_equal(tqjson_ids_by_value(b, i + depth,
					     (const char *[]){"a"}, 1, got, err,
					     sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "nested"));
	free(b);
	/* Brackets inside strings do not count. */
	{
		char val[128], body[512];
		const char *vp = val;

		memset(val, '[', 100);
		strcpy(val + 100, "\"{{{");
		snprintf(body, sizeof(body),
			 "{\"data\":[{\"id\":3,"
			 "\"value\":\"%.100s\\\"{{{\"}]}",
			 val);
		assert_int_equal(tqjson_ids_by_value(body, strlen(body), &vp, 1,
						     got, err, sizeof(err)),
				 0);
		assert_int_equal(got[0], 3);
	}
}

static void
t_hostile(void **state)
{
	static const char *bodies[] = {
	    "",
	    " ",
	    "{",
	    "}",
	    "[",
	    "\"",
	    "nul",
	    "{\"data\":",
	    "{\"data\":[{\"id\":1,\"value\":\"\\ud800\"}]}",
	    "{\"data\":[{\"id\":1e999999}]}",
	    "{\"total\":99999999999999999999999,\"data\":[]}",
	    "{\"errors\":\"\\u0000hidden\"}",
	    "{\"access_token\":\"\\u0000\"}",
	    "\xff\xfe{}",
	};
	static const char valid[] =
	    "{\"total\":2,\"data\":[{\"id\":1,"
	    "\"name\":\"a\",\"value\":\"a\",\"hash\":"
	    "\"0123456789abcdef0123456789abcdef\"},{\"id\":\"2\",\"name\":"
	    "\"b\","
	    "\"value\":\"b\"}],\"errors\":{\"x\":[\"y\"]},\"access_token\":"
	    "\"t\",\"refresh_token\":\"r\",\"message\":\"m\"}";
	char b[512], with_nul[] = "{\"data\":[]}\0{\"errors\":1}";
	uint32_t x = 12345;
	size_t i, j, len;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		all_parsers(bodies[i], strlen(bodies[i]));
	all_parsers(NULL, 0);
	/* Every truncation of a valid body. */
	for (i = 0; i <= sizeof(valid) - 1; i++)
		all_parsers(valid, i);
	/* An embedded NUL is not JSON. */
	assert_false(tqjson_has_errors(with_nul, sizeof(with_nul) - 1));
	/* Random mutations of the valid body. */
	for (i = 0; i < 2000; i++) {
		len = sizeof(valid) - 1;
		memcpy(b, valid, len);
		for (j = 0; j < 4; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[x % len] = (char)(x >> 8);
		}
		all_parsers(b, len);
	}
	/* Over the size bound: refused without parsing. */
	all_parsers(valid, (size_t)TQJSON_MAX_BODY + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_reports),
	    cmocka_unit_test(t_indicators_merge),
	    cmocka_unit_test(t_indicators_type_names),
	    cmocka_unit_test(t_indicators_batches),
	    cmocka_unit_test(t_id_list),
	    cmocka_unit_test(t_token),
	    cmocka_unit_test(t_catalogue),
	    cmocka_unit_test(t_ids_by_value),
	    cmocka_unit_test(t_inds_ids),
	    cmocka_unit_test(t_lookup_and_data),
	    cmocka_unit_test(t_error_msg),
	    cmocka_unit_test(t_has_errors),
	    cmocka_unit_test(t_deep_nesting),
	    cmocka_unit_test(t_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
