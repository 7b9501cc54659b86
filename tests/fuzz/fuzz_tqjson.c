/*
 * libFuzzer: the ThreatQ response parsers (tqjson.c) over arbitrary bodies.
 * The first byte picks the parser, the second is a small parameter (how
 * many items were sent, a buffer size, a limit), the rest is the body:
 *
 *   t  tqjson_token             c  tqjson_cat_page (+ _find, two pages)
 *   l  tqjson_lookup            d  tqjson_data_id
 *   a  tqjson_data_array        v  tqjson_ids_by_value
 *   e  tqjson_error_msg         h  tqjson_has_errors
 *   i  tqjson_inds_ids
 *
 * (any other first byte: the parser of that byte modulo 9).  Results are
 * checked against the contracts in tqjson.h where that is cheap: ids in
 * range, tokens visible ASCII, messages within their bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ioc.h"
#include "plan.h"
#include "tqjson.h"

#define ERRSZ 256
#define NVALS 6
#define MD5 "d41d8cd98f00b204e9800998ecf8427e"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What the "sent" side of a consume call held. */
static const char *const vals[NVALS] = {
    "evil.example", "evil.example", "203.0.113.7", "http://evil.example/x", MD5,
    "a.example"};
static const enum ioc_type types[NVALS] = {IOC_FQDN, IOC_FILENAME, IOC_IPV4,
					   IOC_URL,  IOC_MD5,	   IOC_FQDN};

static struct plan plan;
static struct tqjson_inds inds;
static long type_ids[IOC_NTYPES];

static void
setup(void)
{
	size_t i;

	for (i = 0; i < IOC_NTYPES; i++)
		type_ids[i] = -1;
	type_ids[IOC_FQDN] = 10;
	type_ids[IOC_FILENAME] = 20;
	type_ids[IOC_IPV4] = 30;
	type_ids[IOC_URL] = 40;
	ioc_set_init(&plan.iocs);
	for (i = 0; i < NVALS; i++)
		if (ioc_set_add(&plan.iocs, types[i], vals[i]) != 1)
			abort();
	if (tqjson_inds_build(&plan, NULL, NULL, 1, &inds) != 0 ||
	    inds.n != NVALS)
		abort();
}

static void
check_id(long id)
{
	if (id < 1 || (double)id > TQJSON_MAX_ID)
		abort();
}

static void
check_token(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > TQJSON_MAX_TOKEN)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static void
token(const char *b, size_t len)
{
	char err[ERRSZ], *access, *refresh;
	long exp;

	if (tqjson_token(b, len, &access, &refresh, &exp, err, sizeof(err)) ==
	    0) {
		check_token(access);
		if (refresh != NULL)
			check_token(refresh);
		if (exp < 0)
			abort();
	} else if (access != NULL || refresh != NULL)
		abort();
	free(access);
	free(refresh);
}

static void
cat(const char *b, size_t len, unsigned p)
{
	static const char *const names[] = {"FQDN",   "fqdn", "IP Address",
					    "Review", "",     "Generic Text"};
	struct tqjson_cat c = {0};
	char err[ERRSZ];
	long total;
	size_t npage, i, max = p, before;

	/* Two pages of the same body: the second one appends. */
	for (i = 0; i < 2; i++) {
		before = c.n;
		if (tqjson_cat_page(b, len, &c, max, &total, &npage, err,
				    sizeof(err)) != 0)
			break;
		if (c.n > max || c.n != before + npage)
			abort();
	}
	for (i = 0; i < c.n; i++) {
		check_id(c.v[i].id);
		if (tqjson_cat_find(&c, c.v[i].name) == NULL)
			abort();
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)tqjson_cat_find(&c, names[i]);
	tqjson_cat_free(&c);
}

static void
ids_by_value(const char *b, size_t len, unsigned p)
{
	long ids[NVALS];
	char err[ERRSZ];
	size_t n = p % (NVALS + 1), i;

	if (tqjson_ids_by_value(b, len, vals, n, ids, err, sizeof(err)) == 0)
		for (i = 0; i < n; i++)
			check_id(ids[i]);
}

static void
inds_ids(const char *b, size_t len, unsigned p)
{
	long ids[NVALS];
	char err[ERRSZ];
	size_t start = (p >> 4) % NVALS, n = (p & 15) % (NVALS - start + 1), i;

	if (tqjson_inds_ids(b, len, &inds, start, n,
			    (p & 0x80) ? NULL : type_ids, ids, err,
			    sizeof(err)) == 0)
		for (i = 0; i < n; i++)
			check_id(ids[i]);
}

static void
error_msg(const char *b, size_t len, unsigned p)
{
	char out[TQJSON_MAX_ERRMSG + 64];
	size_t sz = p + 1, n;

	n = tqjson_error_msg(b, len, out, sz);
	if (n >= sz || strlen(out) != n)
		abort();
	n = tqjson_error_msg(b, len, out, sizeof(out));
	if (n > TQJSON_MAX_ERRMSG || strlen(out) != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char sel[] = "tcldavehi";
	const char *b, *s;
	char err[ERRSZ];
	unsigned which, p;
	size_t n;
	long id;
	int r;

	if (inds.n == 0)
		setup();
	if (len < 2)
		return 0;
	s = data[0] != '\0' ? strchr(sel, data[0]) : NULL;
	which = s != NULL ? (unsigned)(s - sel) : data[0] % 9u;
	p = data[1];
	b = (const char *)data + 2;
	len -= 2;
	switch (which) {
	case 0:
		token(b, len);
		break;
	case 1:
		cat(b, len, p);
		break;
	case 2:
		r = tqjson_lookup(b, len, (p & 1) ? NULL : MD5, &id, err,
				  sizeof(err));
		if (r == 1)
			check_id(id);
		else if (r != 0 && r != -1)
			abort();
		break;
	case 3:
		if (tqjson_data_id(b, len, &id, err, sizeof(err)) == 0)
			check_id(id);
		break;
	case 4:
		if (tqjson_data_array(b, len, &n, err, sizeof(err)) != 0 &&
		    n != 0)
			abort();
		break;
	case 5:
		ids_by_value(b, len, p);
		break;
	case 6:
		error_msg(b, len, p);
		break;
	case 7:
		r = tqjson_has_errors(b, len);
		if (r != 0 && r != 1)
			abort();
		break;
	default:
		inds_ids(b, len, p);
		break;
	}
	return 0;
}
