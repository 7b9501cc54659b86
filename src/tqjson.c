/*
 * ThreatQ request bodies and response parsing.  Pure: the HTTP side lives
 * in tq.c.  Responses are untrusted: every body is bounded in size and
 * nesting before cJSON sees it, every id is range-checked, every array
 * is checked against what was sent.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "tqjson.h"

#define MAX_ID_DIGITS 15 /* an id sent as a decimal string */
#define MAX_ERR_DEPTH 4	 /* nesting followed inside "errors" */
#define INDS_MIN_SLOTS 64

static const char *
s_or_empty(const char *s)
{
	return s == NULL ? "" : s;
}

/* Is the JSON in buf nested at most TQJSON_MAX_DEPTH deep?  Strings skipped. */
static int
depth_ok(const char *buf, size_t len)
{
	size_t i;
	int depth = 0, instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				instr = 0;
			continue;
		}
		switch (buf[i]) {
		case '"':
			instr = 1;
			break;
		case '[':
		case '{':
			if (++depth > TQJSON_MAX_DEPTH)
				return 0;
			break;
		case ']':
		case '}':
			depth--;
			break;
		default:
			break;
		}
	}
	return 1;
}

/* Parse a bounded body; NULL with err filled in. */
static cJSON *
parse(const char *buf, size_t len, char *err, size_t errsz)
{
	cJSON *j = NULL;
	char *copy = NULL;

	if (buf == NULL || len == 0) {
		snprintf(err, errsz, "empty body");
		goto out;
	}
	if (len > TQJSON_MAX_BODY) {
		snprintf(err, errsz, "body too large (%zu > %u bytes)", len,
			 TQJSON_MAX_BODY);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errsz, "body is not JSON (NUL byte)");
		goto out;
	}
	if (!depth_ok(buf, len)) {
		snprintf(err, errsz, "JSON nested deeper than %d levels",
			 TQJSON_MAX_DEPTH);
		goto out;
	}
	/* A terminated copy: cJSON then never reads past the body. */
	if ((copy = malloc(len + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if ((j = cJSON_ParseWithOpts(copy, NULL, 1)) == NULL)
		snprintf(err, errsz, "body is not JSON");
out:
	free(copy);
	return j;
}

/* An id: an integral number in [1, TQJSON_MAX_ID] or such a decimal string. */
static int
to_id(const cJSON *v, long *id)
{
	const char *s;
	double d;
	long long ll;
	size_t i, n;

	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		/* Also false for NaN. */
		if (!(d >= 1.0 && d <= TQJSON_MAX_ID && d <= (double)LONG_MAX))
			return -1;
		ll = (long long)d;
		if ((double)ll != d)
			return -1;
		*id = (long)ll;
		return 0;
	}
	if (cJSON_IsString(v) && (s = v->valuestring) != NULL) {
		n = strlen(s);
		if (n == 0 || n > MAX_ID_DIGITS || s[0] == '0')
			return -1;
		for (i = 0; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
		ll = strtoll(s, NULL, 10);
		if (ll < 1 || (double)ll > TQJSON_MAX_ID || ll > LONG_MAX)
			return -1;
		*id = (long)ll;
		return 0;
	}
	return -1;
}

static int
obj_id(const cJSON *o, long *id)
{
	if (!cJSON_IsObject(o))
		return -1;
	return to_id(cJSON_GetObjectItemCaseSensitive(o, "id"), id);
}

/* The string member k of o, or NULL. */
static const char *
obj_str(const cJSON *o, const char *k)
{
	const cJSON *v;

	if (!cJSON_IsObject(o))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
ascii_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

/* The "data" array of a parsed object, or NULL with err filled in. */
static const cJSON *
data_array(const cJSON *root, char *err, size_t errsz)
{
	const cJSON *d;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errsz, "body is not a JSON object");
		return NULL;
	}
	d = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsArray(d)) {
		snprintf(err, errsz, "no \"data\" array");
		return NULL;
	}
	return d;
}

/* Is s a header-safe token (visible ASCII, bounded)? */
static int
token_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > TQJSON_MAX_TOKEN)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int
tqjson_token(const char *buf, size_t len, char **access, char **refresh,
	     long *expires_in, char *err, size_t errsz)
{
	cJSON *root;
	const cJSON *v;
	const char *a, *r, *t;
	int rc = -1;

	*access = *refresh = NULL;
	*expires_in = 0;
	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errsz, "body is not a JSON object");
		goto out;
	}
	if (cJSON_HasObjectItem(root, "errors") ||
	    cJSON_HasObjectItem(root, "error")) {
		snprintf(err, errsz, "token response carries an error");
		goto out;
	}
	a = obj_str(root, "access_token");
	if (!token_ok(a)) {
		snprintf(err, errsz, "no usable \"access_token\"");
		goto out;
	}
	t = obj_str(root, "token_type");
	if (cJSON_HasObjectItem(root, "token_type") &&
	    (t == NULL || ascii_casecmp(t, "bearer") != 0)) {
		snprintf(err, errsz, "token_type is not bearer");
		goto out;
	}
	r = obj_str(root, "refresh_token");
	if (r != NULL && !token_ok(r))
		r = NULL; /* unusable: log in again instead of refreshing */
	v = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= (double)INT32_MAX)
		*expires_in = (long)v->valuedouble;
	if ((*access = strdup(a)) == NULL ||
	    (r != NULL && (*refresh = strdup(r)) == NULL)) {
		snprintf(err, errsz, "out of memory");
		free(*access);
		*access = NULL;
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int
tqjson_cat_page(const char *buf, size_t len, struct tqjson_cat *cat, size_t max,
		long *total, size_t *npage, char *err, size_t errsz)
{
	cJSON *root;
	const cJSON *d, *el, *t;
	const char *name;
	struct tqjson_entry *nv;
	size_t ncap, i = 0;
	long id;
	int rc = -1;

	*total = -1;
	*npage = 0;
	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	if ((d = data_array(root, err, errsz)) == NULL)
		goto out;
	t = cJSON_GetObjectItemCaseSensitive(root, "total");
	if (t != NULL) {
		if (!cJSON_IsNumber(t) ||
		    !(t->valuedouble >= 0 && t->valuedouble <= TQJSON_MAX_ID)) {
			snprintf(err, errsz, "bad \"total\"");
			goto out;
		}
		*total = (long)t->valuedouble;
	}
	cJSON_ArrayForEach(el, d)
	{
		name = obj_str(el, "name");
		if (obj_id(el, &id) == -1 || name == NULL || *name == '\0' ||
		    strlen(name) > TQJSON_MAX_NAME) {
			snprintf(err, errsz, "data[%zu]: no valid id and name",
				 i);
			goto out;
		}
		if (cat->n >= max) {
			snprintf(err, errsz, "more than %zu entries", max);
			goto out;
		}
		if (cat->n == cat->cap) {
			ncap = cat->cap ? cat->cap * 2 : 64;
			if (ncap > SIZE_MAX / sizeof(*cat->v) ||
			    (nv = realloc(cat->v, ncap * sizeof(*nv))) ==
				NULL) {
				snprintf(err, errsz, "out of memory");
				goto out;
			}
			cat->v = nv;
			cat->cap = ncap;
		}
		if ((cat->v[cat->n].name = strdup(name)) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto out;
		}
		cat->v[cat->n++].id = id;
		i++;
	}
	*npage = i;
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

const struct tqjson_entry *
tqjson_cat_find(const struct tqjson_cat *cat, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->v[i].name, name) == 0)
			return &cat->v[i];
	for (i = 0; i < cat->n; i++)
		if (ascii_casecmp(cat->v[i].name, name) == 0)
			return &cat->v[i];
	return NULL;
}

void
tqjson_cat_free(struct tqjson_cat *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++)
		free(cat->v[i].name);
	free(cat->v);
	cat->v = NULL;
	cat->n = cat->cap = 0;
}

int
tqjson_lookup(const char *buf, size_t len, const char *md5, long *id, char *err,
	      size_t errsz)
{
	cJSON *root;
	const cJSON *d, *el;
	const char *h;
	size_t i = 0;
	int rc = -1;

	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	if ((d = data_array(root, err, errsz)) == NULL)
		goto out;
	rc = 0;
	cJSON_ArrayForEach(el, d)
	{
		/* A server ignoring ?hash= must not hand us another file. */
		h = obj_str(el, "hash");
		if (cJSON_IsObject(el) && cJSON_HasObjectItem(el, "hash") &&
		    (h == NULL || md5 == NULL || ascii_casecmp(h, md5) != 0)) {
			i++;
			continue;
		}
		if (obj_id(el, id) == -1) {
			snprintf(err, errsz, "data[%zu]: no valid id", i);
			rc = -1;
			goto out;
		}
		rc = 1;
		goto out;
	}
out:
	cJSON_Delete(root);
	return rc;
}

int
tqjson_data_id(const char *buf, size_t len, long *id, char *err, size_t errsz)
{
	cJSON *root;
	const cJSON *d;
	int rc = -1;

	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	d = cJSON_IsObject(root)
		? cJSON_GetObjectItemCaseSensitive(root, "data")
		: NULL;
	if (cJSON_IsArray(d))
		d = cJSON_GetArrayItem(d, 0);
	if (!cJSON_IsObject(d)) {
		snprintf(err, errsz, "no \"data\" object");
		goto out;
	}
	if (obj_id(d, id) == -1) {
		snprintf(err, errsz, "data: no valid id");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int
tqjson_data_array(const char *buf, size_t len, size_t *n, char *err,
		  size_t errsz)
{
	cJSON *root;
	const cJSON *d;
	int rc = -1;

	*n = 0;
	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	if ((d = data_array(root, err, errsz)) == NULL)
		goto out;
	*n = (size_t)cJSON_GetArraySize(d);
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/*
 * Does element el fit the item (val, tid)?  An element without a value fits
 * only by position; a tid < 0, or an element without a type_id, matches
 * any type.
 */
static int
fits(const cJSON *el, const char *val, long tid, int positional)
{
	const cJSON *vv, *tv;
	long t;

	vv = cJSON_GetObjectItemCaseSensitive(el, "value");
	tv = cJSON_GetObjectItemCaseSensitive(el, "type_id");
	if (vv != NULL) {
		if (!cJSON_IsString(vv) || val == NULL ||
		    strcmp(vv->valuestring, val) != 0)
			return 0;
	} else if (!positional)
		return 0;
	if (tid >= 0 && tv != NULL && (to_id(tv, &t) == -1 || t != tid))
		return 0;
	return 1;
}

/*
 * Match the n elements of data back to the request: element i when it
 * fits item i, else the first element that fits it.  tids may be NULL.
 */
static int
match_ids(const cJSON *data, size_t n, const char *const *vals,
	  const long *tids, long *ids, char *err, size_t errsz)
{
	const cJSON **els = NULL;
	const cJSON *el;
	long *elids = NULL, tid;
	size_t i, j, cnt = 0;
	int rc = -1;

	cJSON_ArrayForEach(el, data) cnt++;
	if (cnt != n) {
		snprintf(err, errsz, "%zu elements for %zu items sent", cnt, n);
		goto out;
	}
	if (n == 0)
		return 0;
	/* An array of pointers: sizeof(*els) is a pointer's size. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	if ((els = calloc(n, sizeof(*els))) == NULL ||
	    (elids = calloc(n, sizeof(*elids))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(el, data)
	{
		if (obj_id(el, &elids[i]) == -1) {
			snprintf(err, errsz, "data[%zu]: no valid id", i);
			goto out;
		}
		els[i++] = el;
	}
	for (i = 0; i < n; i++) {
		tid = tids != NULL ? tids[i] : -1;
		if (fits(els[i], vals[i], tid, 1)) {
			ids[i] = elids[i];
			continue;
		}
		for (j = 0; j < n; j++)
			if (j != i && fits(els[j], vals[i], tid, 0))
				break;
		if (j == n) {
			snprintf(err, errsz,
				 "item %zu: no element with its "
				 "value and type",
				 i);
			goto out;
		}
		ids[i] = elids[j];
	}
	rc = 0;
out:
	free(els);
	free(elids);
	return rc;
}

int
tqjson_ids_by_value(const char *buf, size_t len, const char *const *values,
		    size_t n, long *ids, char *err, size_t errsz)
{
	cJSON *root;
	const cJSON *d;
	int rc = -1;

	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	if ((d = data_array(root, err, errsz)) == NULL)
		goto out;
	rc = match_ids(d, n, values, NULL, ids, err, errsz);
out:
	cJSON_Delete(root);
	return rc;
}

/* Bounded message assembly for tqjson_error_msg. */
struct emsg {
	char *out;
	size_t cap; /* bytes usable, without the NUL */
	size_t len;
};

/* Append s, cut on a UTF-8 boundary where the room ends. */
static void
em_put(struct emsg *m, const char *s)
{
	size_t n = strlen(s), room = m->cap - m->len;

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(m->out + m->len, s, n);
	m->len += n;
	m->out[m->len] = '\0';
}

static void
em_add(struct emsg *m, const char *key, const char *s)
{
	if (m->len > 0)
		em_put(m, "; ");
	if (key != NULL && *key != '\0') {
		em_put(m, key);
		em_put(m, ": ");
	}
	em_put(m, s);
}

static void
em_collect(struct emsg *m, const char *key, const cJSON *v, int depth)
{
	const cJSON *c;

	if (depth > MAX_ERR_DEPTH || m->len >= m->cap)
		return;
	if (cJSON_IsString(v) && v->valuestring != NULL &&
	    v->valuestring[0] != '\0')
		em_add(m, key, v->valuestring);
	else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(c, v) em_collect(m, key, c, depth + 1);
	} else if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(c, v) em_collect(m, c->string, c, depth + 1);
	}
}

size_t
tqjson_error_msg(const char *buf, size_t len, char *out, size_t outsz)
{
	struct emsg m;
	cJSON *root;
	const cJSON *d;
	const char *e, *msg;
	char err[64];

	if (out == NULL || outsz == 0)
		return 0;
	out[0] = '\0';
	m.out = out;
	m.cap = outsz - 1 < TQJSON_MAX_ERRMSG ? outsz - 1 : TQJSON_MAX_ERRMSG;
	m.len = 0;
	if ((root = parse(buf, len, err, sizeof(err))) == NULL)
		return 0;
	if (cJSON_IsObject(root)) {
		em_collect(&m, NULL,
			   cJSON_GetObjectItemCaseSensitive(root, "errors"), 0);
		d = cJSON_GetObjectItemCaseSensitive(root, "data");
		if (cJSON_IsObject(d))
			em_collect(
			    &m, NULL,
			    cJSON_GetObjectItemCaseSensitive(d, "errors"), 0);
		e = obj_str(root, "error");
		if ((msg = obj_str(root, "message")) == NULL)
			msg = obj_str(root, "error_description");
		if (msg != NULL && *msg != '\0')
			em_add(&m, e != NULL && *e != '\0' ? e : NULL, msg);
		else if (e != NULL && *e != '\0')
			em_add(&m, NULL, e);
	}
	cJSON_Delete(root);
	return m.len;
}

int
tqjson_has_errors(const char *buf, size_t len)
{
	cJSON *root;
	const cJSON *d;
	char err[64];
	int rc = 0;

	if ((root = parse(buf, len, err, sizeof(err))) == NULL)
		return 0;
	if (cJSON_IsObject(root)) {
		d = cJSON_GetObjectItemCaseSensitive(root, "data");
		rc = cJSON_HasObjectItem(root, "errors") ||
		     (cJSON_IsObject(d) && cJSON_HasObjectItem(d, "errors"));
	}
	cJSON_Delete(root);
	return rc;
}

/*
 * Builders.  Strings are added as references to the caller's memory (the
 * plan outlives the call), so large descriptions are not copied twice.
 */
static int
add_ref(cJSON *o, const char *k, const char *v)
{
	cJSON *s;

	if ((s = cJSON_CreateStringReference(v)) == NULL)
		return -1;
	cJSON_AddItemToObject(o, k, s);
	return 0;
}

/* {"name": v} under key k. */
static int
add_named(cJSON *o, const char *k, const char *v)
{
	cJSON *n;

	if ((n = cJSON_AddObjectToObject(o, k)) == NULL)
		return -1;
	return add_ref(n, "name", v);
}

static int
add_attr(cJSON *arr, const char *name, const char *value)
{
	cJSON *a;

	if (value == NULL || *value == '\0')
		return 0;
	if ((a = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(arr, a);
	return add_ref(a, "name", name) == 0 && add_ref(a, "value", value) == 0
		   ? 0
		   : -1;
}

/* "sources":[{"name": source, "tlp": {"name": TLP}}], when source is set. */
static int
add_sources(cJSON *o, const char *source, enum tlp tlp)
{
	cJSON *arr, *s;
	const char *tn = tlp_name(tlp);

	if (source == NULL || *source == '\0')
		return 0;
	if ((arr = cJSON_AddArrayToObject(o, "sources")) == NULL ||
	    (s = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(arr, s);
	if (add_ref(s, "name", source) == -1)
		return -1;
	return tn == NULL ? 0 : add_named(s, "tlp", tn);
}

/* An array of {"id"} objects under key k (nothing when n is 0). */
static int
add_ids(cJSON *o, const char *k, const long *ids, size_t n)
{
	cJSON *arr, *e;
	size_t i;

	if (n == 0)
		return 0;
	if ((arr = cJSON_AddArrayToObject(o, k)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((e = cJSON_CreateObject()) == NULL)
			return -1;
		cJSON_AddItemToArray(arr, e);
		if (cJSON_AddNumberToObject(e, "id", (double)ids[i]) == NULL)
			return -1;
	}
	return 0;
}

char *
tqjson_reports(const struct plan *p, size_t start, size_t n, const char *source,
	       long file_id)
{
	cJSON *root, *o, *attrs;
	char *s = NULL;
	size_t i;

	if (start > p->nreports || n > p->nreports - start)
		return NULL;
	if ((root = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = start; i < start + n; i++) {
		const struct plan_report *r = &p->reports[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(root, o);
		if (add_ref(o, "value", s_or_empty(r->title)) == -1 ||
		    (r->description != NULL &&
		     add_ref(o, "description", r->description) == -1) ||
		    (p->published_at[0] != '\0' &&
		     add_ref(o, "published_at", p->published_at) == -1) ||
		    add_sources(o, source, r->tlp) == -1 ||
		    (attrs = cJSON_AddArrayToObject(o, "attributes")) == NULL ||
		    add_attr(attrs, "TLP", tlp_name(r->tlp)) == -1 ||
		    add_attr(attrs, "Article URL", r->url) == -1 ||
		    (file_id > 0 &&
		     add_ids(o, "attachments", &file_id, 1) == -1))
			goto out;
	}
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

char *
tqjson_id_list(const long *ids, size_t n)
{
	cJSON *root, *e;
	char *s = NULL;
	size_t i, j;

	if ((root = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (ids[j] == ids[i])
				break;
		if (j < i)
			continue;
		if ((e = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(root, e);
		if (cJSON_AddNumberToObject(e, "id", (double)ids[i]) == NULL)
			goto out;
	}
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

/* Indicator merging: an open-addressing index over (type, value). */
static size_t
ind_hash(enum ioc_type t, const char *v)
{
	uint64_t h = 1469598103934665603ULL;

	h ^= (uint64_t)t;
	h *= 1099511628211ULL;
	for (; *v != '\0'; v++) {
		h ^= (unsigned char)*v;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static int
inds_rehash(struct tqjson_inds *s, size_t nslots)
{
	size_t *ns, i, k;

	if ((ns = calloc(nslots, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < s->n; i++) {
		k = ind_hash(s->v[i].type, s->v[i].value) & (nslots - 1);
		while (ns[k] != 0)
			k = (k + 1) & (nslots - 1);
		ns[k] = i + 1;
	}
	free(s->slots);
	s->slots = ns;
	s->nslots = nslots;
	return 0;
}

/* Append id to a relation list unless present. */
static int
rel_add(long **v, size_t *n, long id)
{
	long *nv;
	size_t i;

	if (id <= 0)
		return 0;
	for (i = 0; i < *n; i++)
		if ((*v)[i] == id)
			return 0;
	/* Grow in powers of two: realloc exactly at 0, 1, 2, 4, ... */
	if ((*n & (*n - 1)) == 0) {
		if (*n > SIZE_MAX / 2 / sizeof(**v))
			return -1;
		if ((nv = realloc(*v, (*n ? *n * 2 : 1) * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = id;
	return 0;
}

/* Find or add (t, value); relate it to a report (rep) or a file (att). */
static int
inds_add(struct tqjson_inds *s, enum ioc_type t, const char *value,
	 enum tlp tlp, long rep, long att)
{
	struct tqjson_ind *it, *nv;
	size_t k, ncap;

	if (value == NULL)
		return 0;
	if (s->n * 2 >= s->nslots &&
	    inds_rehash(s, s->nslots ? s->nslots * 2 : INDS_MIN_SLOTS) == -1)
		return -1;
	k = ind_hash(t, value) & (s->nslots - 1);
	while (s->slots[k] != 0) {
		it = &s->v[s->slots[k] - 1];
		if (it->type == t && strcmp(it->value, value) == 0)
			goto found;
		k = (k + 1) & (s->nslots - 1);
	}
	if (s->n >= TQJSON_MAX_INDICATORS)
		return -1;
	if (s->n == s->cap) {
		ncap = s->cap ? s->cap * 2 : 64;
		if (ncap > SIZE_MAX / sizeof(*nv) ||
		    (nv = realloc(s->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	it = &s->v[s->n];
	memset(it, 0, sizeof(*it));
	it->type = t;
	it->value = value;
	it->tlp = tlp;
	s->slots[k] = ++s->n;
found:
	it->tlp = tlp_max(it->tlp, tlp);
	if (rel_add(&it->reports, &it->nreports, rep) == -1 ||
	    rel_add(&it->atts, &it->natts, att) == -1)
		return -1;
	return 0;
}

static int
inds_add_set(struct tqjson_inds *s, const struct ioc_set *set, enum tlp tlp,
	     long rep, long att)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (inds_add(s, set->v[i].type, set->v[i].value, tlp, rep,
			     att) == -1)
			return -1;
	return 0;
}

int
tqjson_inds_build(const struct plan *p, const long *report_ids,
		  const long *att_ids, long file_id, struct tqjson_inds *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < p->nreports; i++)
		if (inds_add_set(out, &p->reports[i].iocs, p->reports[i].tlp,
				 report_ids ? report_ids[i] : 0, 0) == -1)
			goto fail;
	for (i = 0; i < p->natts; i++)
		if (inds_add_set(out, &p->atts[i].iocs, p->tlp, 0,
				 att_ids ? att_ids[i] : 0) == -1)
			goto fail;
	if (inds_add_set(out, &p->iocs, p->tlp, 0, file_id) == -1)
		goto fail;
	return 0;
fail:
	tqjson_inds_free(out);
	return -1;
}

void
tqjson_inds_free(struct tqjson_inds *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].reports);
		free(s->v[i].atts);
	}
	free(s->v);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static const char *
reserved_note(const struct tqjson_ind *it)
{
	struct ioc i;

	i.type = it->type;
	i.value = (char *)(uintptr_t)it->value;
	return plan_reserved_note(&i);
}

char *
tqjson_inds_json(const struct tqjson_inds *s, size_t start, size_t n,
		 const char *const *type_names, const char *status,
		 const char *source)
{
	cJSON *root, *o, *attrs;
	char *js = NULL;
	const char *tn;
	size_t i;

	if (start > s->n || n > s->n - start || n > TQJSON_BATCH)
		return NULL;
	if ((root = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = start; i < start + n; i++) {
		const struct tqjson_ind *it = &s->v[i];

		tn = NULL;
		if (type_names != NULL && (int)it->type >= 0 &&
		    it->type < IOC_NTYPES)
			tn = type_names[it->type];
		if (tn == NULL)
			tn = ioc_type_name(it->type);
		if ((o = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(root, o);
		if (add_ref(o, "value", it->value) == -1 ||
		    add_named(o, "type", tn) == -1 ||
		    (status != NULL && add_named(o, "status", status) == -1) ||
		    add_sources(o, source, it->tlp) == -1 ||
		    (attrs = cJSON_AddArrayToObject(o, "attributes")) == NULL ||
		    add_attr(attrs, "TLP", tlp_name(it->tlp)) == -1 ||
		    add_attr(attrs, "Reserved", reserved_note(it)) == -1 ||
		    add_ids(o, "report", it->reports, it->nreports) == -1 ||
		    add_ids(o, "attachments", it->atts, it->natts) == -1)
			goto out;
	}
	js = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return js;
}

int
tqjson_inds_ids(const char *buf, size_t len, const struct tqjson_inds *s,
		size_t start, size_t n, const long *type_ids, long *ids,
		char *err, size_t errsz)
{
	cJSON *root = NULL;
	const cJSON *d;
	const char **vals = NULL;
	long *tids = NULL;
	size_t i;
	int rc = -1;

	if (start > s->n || n > s->n - start) {
		snprintf(err, errsz, "bad item range");
		goto out;
	}
	if (n > 0 && ((vals = calloc(n, sizeof(*vals))) == NULL ||
		      (tids = calloc(n, sizeof(*tids))) == NULL)) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		vals[i] = s->v[start + i].value;
		tids[i] =
		    type_ids != NULL ? type_ids[s->v[start + i].type] : -1;
	}
	if ((root = parse(buf, len, err, errsz)) == NULL)
		goto out;
	if ((d = data_array(root, err, errsz)) == NULL)
		goto out;
	rc = match_ids(d, n, vals, tids, ids, err, errsz);
out:
	cJSON_Delete(root);
	free(vals);
	free(tids);
	return rc;
}
