/*
 * The plan of one message: what becomes a File, which Reports, which
 * indicators and how they relate.  Plain data, built from the outputs of the
 * analysis modules; printed by plan_json() for --dry-run.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "bounds.h"
#include "buf.h"
#include "plan.h"
#include "utf8.h"

#define FILE_NAME_MAX 100  /* bytes of subject kept in the .eml name */
#define DATE_MIN 315532800 /* 1980-01-01: older is absurd */
#define DATE_FUTURE_SLACK (2 * 86400) /* clocks and zones differ */

static char *
clean_str(const char *s)
{
	return s == NULL ? NULL : utf8_clean(s, strlen(s));
}

/* The Message-ID in its usual written form, with angle brackets. */
static char *
message_id(const char *id)
{
	char *c, *s;
	size_t n;

	if ((c = clean_str(id)) == NULL || c[0] == '<')
		return c;
	n = strlen(c) + 3;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "<%s>", c);
	free(c);
	return s;
}

/* A file name for the email: the subject made safe, else the hash. */
static char *
email_file_name(const char *subject, const char *sha256)
{
	char name[FILE_NAME_MAX + 16];
	size_t i, o = 0;
	int space = 0;

	for (i = 0; subject != NULL && subject[i] != '\0'; i++) {
		unsigned char c = (unsigned char)subject[i];
		size_t n = 1;

		/* Letters of any script are kept whole; ASCII is filtered. */
		if (c >= 0x80)
			n = utf8_len((const unsigned char *)subject + i,
				     strlen(subject + i));
		if (n > 1 || isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '(' || c == ')' || c == ',') {
			if (o + n + 1 > FILE_NAME_MAX)
				break;
			if (space && o > 0)
				name[o++] = '_';
			space = 0;
			memcpy(name + o, subject + i, n);
			o += n;
			i += n - 1;
		} else
			space = 1;
	}
	/* No leading dots: never a hidden or relative name. */
	while (o > 0 && name[0] == '.') {
		memmove(name, name + 1, o - 1);
		o--;
	}
	if (o == 0)
		snprintf(name, sizeof(name), "message-%.16s", sha256);
	else
		name[o] = '\0';
	return strdup(strcat(name, ".eml"));
}

static const char *
attachment_type(const struct mime_att *a)
{
	size_t n;

	if (a->is_message)
		return "Spearphish Attachment";
	n = a->name ? strlen(a->name) : 0;
	if ((a->content_type &&
	     strcmp(a->content_type, "application/pdf") == 0) ||
	    (n > 4 && strcasecmp(a->name + n - 4, ".pdf") == 0))
		return "PDF";
	return "Generic Text";
}

static void
fmt_dates(struct plan *p, time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(p->date, sizeof(p->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(p->published_at, sizeof(p->published_at), "%Y-%m-%d %H:%M:%S",
		 &tm);
}

static enum status
extract(const struct plan_opts *o, const char *text, size_t len,
	struct ioc_set *set, char *err, size_t errsz, const char *what)
{
	enum status st;

	if (text == NULL || len == 0)
		return ST_OK;
	if ((st = ioc_extract(o->ioc, text, len, set)) != ST_OK)
		snprintf(err, errsz, "%s: indicator extraction failed: %s",
			 what, status_str(st));
	return st;
}

#define INNER_HEADER_MAX (256u * 1024) /* header block of a forwarded mail */

/* Case-insensitive: does line (len n) start with the header name h? */
static int
is_header(const char *line, size_t n, const char *h)
{
	size_t hl = strlen(h);

	return n > hl && strncasecmp(line, h, hl) == 0 && line[hl] == ':';
}

/*
 * A forwarded message (message/rfc822 or an attached .eml), the phish an
 * analyst passes on: its sender addresses (Return-Path, From, Reply-To,
 * Sender), the sending hosts of its Received chain (the "from" clause:
 * name and public IP, never the receiving side, which is our own
 * infrastructure), its subject and body, and the hashes of its own
 * attachments, all as indicators of that file.  One level deep.
 */
static enum status
inner_message(const struct plan_opts *o, const struct mime_att *m,
	      struct ioc_set *set, char *err, size_t errsz)
{
	const char *d = (const char *)m->data, *end, *p, *nl;
	struct buf hdr;
	struct ioc_set recv;
	struct mime_msg *inner = NULL;
	char e2[256], hex[HASH_SHA256_HEX];
	size_t hl = 0, i, n;
	enum status st = ST_OK;

	ioc_set_init(&recv);
	buf_init(&hdr, INNER_HEADER_MAX);
	/* The header block, unfolded one field at a time. */
	for (i = 0; i + 1 < m->len && hl < INNER_HEADER_MAX; i++) {
		if (d[i] == '\n' &&
		    (d[i + 1] == '\n' ||
		     (d[i + 1] == '\r' && i + 2 < m->len && d[i + 2] == '\n')))
			break;
		hl = i + 1;
	}
	end = d + (hl < m->len ? hl + 1 : m->len);
	for (p = d; p < end; p = nl) {
		const char *v;

		hdr.len = 0;
		for (nl = p; nl < end; nl++) {
			if (*nl == '\n' && (nl + 1 >= end ||
					    (nl[1] != ' ' && nl[1] != '\t'))) {
				nl++;
				break;
			}
			if (*nl != '\r' && *nl != '\n' &&
			    buf_addc(&hdr, *nl) == -1)
				break;
		}
		if (hdr.len == 0)
			continue;
		if (is_header(hdr.p, hdr.len, "Received")) {
			/* "from HOST (... [IP]) by OURS ...": the part before
			 * "by". */
			v = hdr.p + 9;
			n = hdr.len - 9;
			for (i = 0; i + 4 <= n; i++)
				if (strncasecmp(v + i, " by ", 4) == 0)
					break;
			if ((st = ioc_extract(o->ioc, v, i + 4 <= n ? i : n,
					      &recv)) != ST_OK)
				goto out;
		} else if (is_header(hdr.p, hdr.len, "Return-Path") ||
			   is_header(hdr.p, hdr.len, "From") ||
			   is_header(hdr.p, hdr.len, "Reply-To") ||
			   is_header(hdr.p, hdr.len, "Sender")) {
			v = (const char *)memchr(hdr.p, ':', hdr.len) + 1;
			if ((st = ioc_extract(o->ioc, v,
					      hdr.len - (size_t)(v - hdr.p),
					      set)) != ST_OK)
				goto out;
		}
	}
	for (i = 0; i < recv.n; i++) {
		if ((recv.v[i].type != IOC_IPV4 && recv.v[i].type != IOC_IPV6 &&
		     recv.v[i].type != IOC_FQDN) ||
		    ioc_is_reserved(&recv.v[i]))
			continue;
		if (ioc_set_add(set, recv.v[i].type, recv.v[i].value) == -1) {
			st = ST_NOMEM;
			goto out;
		}
	}
	/* Subject, body and the hashes of its attachments. */
	if (mime_parse("forwarded message", d, m->len, &inner, e2,
		       sizeof(e2)) != ST_OK)
		goto out; /* unreadable inside: its headers were enough */
	if (inner->subject != NULL &&
	    (st = ioc_extract(o->ioc, inner->subject, strlen(inner->subject),
			      set)) != ST_OK)
		goto out;
	if (inner->html != NULL) {
		char *t;
		size_t tl = 0;

		if ((t = html_to_text(inner->html, inner->html_len, &tl)) !=
		    NULL) {
			st = ioc_extract(o->ioc, t, tl, set);
			free(t);
			if (st != ST_OK)
				goto out;
		}
	} else if (inner->text != NULL &&
		   (st = ioc_extract(o->ioc, inner->text, inner->text_len,
				     set)) != ST_OK)
		goto out;
	for (i = 0; i < inner->natts; i++) {
		const struct mime_att *ia = &inner->atts[i];

		if (ia->data == NULL || ia->is_inline_image)
			continue;
		if (hash_md5_hex(ia->data, ia->len, hex) == 0 &&
		    ioc_set_add(set, IOC_MD5, hex) == -1) {
			st = ST_NOMEM;
			goto out;
		}
		if (hash_sha256_hex(ia->data, ia->len, hex) == 0 &&
		    ioc_set_add(set, IOC_SHA256, hex) == -1) {
			st = ST_NOMEM;
			goto out;
		}
	}
out:
	if (st != ST_OK)
		snprintf(err, errsz, "forwarded message '%s': %s",
			 m->name ? m->name : "", status_str(st));
	mime_free(inner);
	ioc_set_free(&recv);
	buf_free(&hdr);
	return st;
}

enum status
plan_build(const struct plan_opts *o, long uid, const char *raw, size_t rawlen,
	   const struct mime_msg *msg, const struct article_list *arts,
	   struct plan **out, char *err, size_t errsz)
{
	struct plan *p;
	enum status st = ST_NOMEM;
	enum tlp outer, t;
	time_t now = time(NULL), date;
	size_t i;
	char what[64];

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	ioc_set_init(&p->iocs);
	p->uid = uid;
	p->raw = raw;
	p->size = rawlen;
	if (hash_sha256_hex(raw, rawlen, p->sha256) == -1 ||
	    hash_md5_hex(raw, rawlen, p->md5) == -1) {
		snprintf(err, errsz, "cannot hash the message");
		st = ST_NOMEM;
		goto fail;
	}
	if ((msg->message_id &&
	     (p->message_id = message_id(msg->message_id)) == NULL) ||
	    (msg->subject && (p->subject = clean_str(msg->subject)) == NULL) ||
	    (msg->from && (p->from = clean_str(msg->from)) == NULL))
		goto nomem;

	/* published_at: the Date header unless missing or absurd. */
	date = msg->date;
	if (date == (time_t)-1 || date < DATE_MIN ||
	    date > now + DATE_FUTURE_SLACK)
		date = o->fallback_date > 0 ? o->fallback_date : now;
	fmt_dates(p, date);

	/* TLP outside the articles: subject and the text around them. */
	outer = TLP_NONE;
	if (p->subject)
		outer =
		    tlp_max(outer, tlp_find(p->subject, strlen(p->subject)));
	if (arts->rest)
		outer = tlp_max(outer, tlp_find(arts->rest, arts->rest_len));
	p->tlp = outer;

	if (arts->n > 0 &&
	    (p->reports = calloc(arts->n, sizeof(*p->reports))) == NULL)
		goto nomem;
	for (i = 0; i < arts->n; i++) {
		const struct article *a = &arts->v[i];
		struct plan_report *r = &p->reports[i];

		ioc_set_init(&r->iocs);
		p->nreports++;
		if ((r->title = clean_str(a->title ? a->title
						   : "(no title)")) == NULL ||
		    (r->description = clean_str(a->description ? a->description
							       : "")) == NULL ||
		    (a->url && (r->url = clean_str(a->url)) == NULL))
			goto nomem;
		t = a->text ? tlp_find(a->text, a->text_len) : TLP_NONE;
		r->tlp =
		    tlp_max(t, outer); /* on a tie the article's own label */
		p->tlp = tlp_max(p->tlp, t);
		snprintf(what, sizeof(what), "article %zu", i + 1);
		if ((st = extract(o, a->text, a->text_len, &r->iocs, err, errsz,
				  what)) != ST_OK)
			goto fail;
	}
	/*
	 * An article's own marking applies to that article (and makes the
	 * email that carries it as restrictive); an unmarked article gets the
	 * message-wide marking, else the configured default.
	 */
	if (p->tlp == TLP_NONE)
		p->tlp = o->default_tlp;
	for (i = 0; i < p->nreports; i++)
		if (p->reports[i].tlp == TLP_NONE)
			p->reports[i].tlp = o->default_tlp;

	/* Top-level indicators: the subject and the body outside articles. */
	if (p->subject &&
	    (st = extract(o, p->subject, strlen(p->subject), &p->iocs, err,
			  errsz, "subject")) != ST_OK)
		goto fail;
	if ((st = extract(o, arts->rest, arts->rest_len, &p->iocs, err, errsz,
			  "body")) != ST_OK)
		goto fail;

	if (msg->natts > 0 &&
	    (p->atts = calloc(msg->natts, sizeof(*p->atts))) == NULL)
		goto nomem;
	for (i = 0; i < msg->natts; i++) {
		const struct mime_att *m = &msg->atts[i];
		struct plan_att *a;

		/* Inline images are layout, not evidence (DESIGN §5). */
		if (m->is_inline_image)
			continue;
		a = &p->atts[p->natts++];
		ioc_set_init(&a->iocs);
		if ((a->name = clean_str(m->name ? m->name
						 : "attachment.bin")) == NULL)
			goto nomem;
		a->type = attachment_type(m);
		a->size = m->len;
		a->data = m->data;
		if (hash_sha256_hex(m->data, m->len, a->sha256) == -1 ||
		    hash_md5_hex(m->data, m->len, a->md5) == -1) {
			snprintf(err, errsz, "cannot hash attachment %zu",
				 i + 1);
			st = ST_NOMEM;
			goto fail;
		}
		snprintf(what, sizeof(what), "attachment %zu", i + 1);
		if (m->is_text &&
		    (st = extract(o, m->text, m->text_len, &a->iocs, err, errsz,
				  what)) != ST_OK)
			goto fail;
		if (m->is_message && m->data != NULL &&
		    (st = inner_message(o, m, &a->iocs, err, errsz)) != ST_OK)
			goto fail;
	}

	if ((p->file_name = email_file_name(p->subject, p->sha256)) == NULL ||
	    (p->file_title =
		 strdup(p->subject && p->subject[0] ? p->subject
						    : "(no subject)")) == NULL)
		goto nomem;
	p->file_type = o->email_file_type ? o->email_file_type : "Generic Text";
	*out = p;
	return ST_OK;
nomem:
	snprintf(err, errsz, "out of memory building the plan");
	st = ST_NOMEM;
fail:
	plan_free(p);
	return st;
}

void
plan_free(struct plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->message_id);
	free(p->subject);
	free(p->from);
	free(p->file_name);
	free(p->file_title);
	for (i = 0; i < p->nreports; i++) {
		free(p->reports[i].title);
		free(p->reports[i].description);
		free(p->reports[i].url);
		ioc_set_free(&p->reports[i].iocs);
	}
	free(p->reports);
	for (i = 0; i < p->natts; i++) {
		free(p->atts[i].name);
		ioc_set_free(&p->atts[i].iocs);
	}
	free(p->atts);
	ioc_set_free(&p->iocs);
	free(p);
}

/* JSON helpers: each returns 0, or -1 when cJSON ran out of memory. */
static int
add_str(cJSON *o, const char *k, const char *v)
{
	if (v == NULL)
		return cJSON_AddNullToObject(o, k) ? 0 : -1;
	return cJSON_AddStringToObject(o, k, v) ? 0 : -1;
}

static int
add_attr(cJSON *arr, const char *name, const char *value)
{
	cJSON *a;

	if (value == NULL || value[0] == '\0')
		return 0;
	if ((a = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(arr, a);
	return add_str(a, "name", name) == 0 && add_str(a, "value", value) == 0
		   ? 0
		   : -1;
}

static cJSON *
iocs_json(const struct ioc_set *s)
{
	cJSON *arr, *o;
	size_t i;

	if ((arr = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = 0; i < s->n; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, o);
		if (add_str(o, "type", ioc_type_name(s->v[i].type)) == -1 ||
		    add_str(o, "value", s->v[i].value) == -1)
			goto fail;
	}
	return arr;
fail:
	cJSON_Delete(arr);
	return NULL;
}

char *
plan_json(const struct plan *p)
{
	cJSON *root, *m, *f, *attrs, *arr, *o, *x;
	char *s = NULL;
	size_t i;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;

	if ((m = cJSON_AddObjectToObject(root, "message")) == NULL)
		goto out;
	if ((p->uid >= 0 ? cJSON_AddNumberToObject(m, "uid", (double)p->uid)
			 : cJSON_AddNullToObject(m, "uid")) == NULL ||
	    add_str(m, "message_id", p->message_id) == -1 ||
	    add_str(m, "subject", p->subject) == -1 ||
	    add_str(m, "from", p->from) == -1 ||
	    add_str(m, "date", p->date) == -1 ||
	    add_str(m, "tlp", tlp_name(p->tlp)) == -1 ||
	    add_str(m, "sha256", p->sha256) == -1 ||
	    add_str(m, "md5", p->md5) == -1 ||
	    cJSON_AddNumberToObject(m, "size", (double)p->size) == NULL)
		goto out;

	if ((f = cJSON_AddObjectToObject(root, "file")) == NULL ||
	    add_str(f, "name", p->file_name) == -1 ||
	    add_str(f, "type", p->file_type) == -1 ||
	    add_str(f, "title", p->file_title) == -1 ||
	    (attrs = cJSON_AddArrayToObject(f, "attributes")) == NULL ||
	    add_attr(attrs, "TLP", tlp_name(p->tlp)) == -1 ||
	    add_attr(attrs, "Email Subject", p->subject) == -1 ||
	    add_attr(attrs, "Email From", p->from) == -1 ||
	    add_attr(attrs, "Message-ID", p->message_id) == -1 ||
	    add_attr(attrs, "Received Date", p->published_at) == -1)
		goto out;

	if ((arr = cJSON_AddArrayToObject(root, "reports")) == NULL)
		goto out;
	for (i = 0; i < p->nreports; i++) {
		const struct plan_report *r = &p->reports[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(arr, o);
		if (add_str(o, "title", r->title) == -1 ||
		    add_str(o, "description", r->description) == -1 ||
		    add_str(o, "published_at", p->published_at) == -1 ||
		    (attrs = cJSON_AddArrayToObject(o, "attributes")) == NULL ||
		    add_attr(attrs, "TLP", tlp_name(r->tlp)) == -1 ||
		    add_attr(attrs, "Article URL", r->url) == -1 ||
		    (x = iocs_json(&r->iocs)) == NULL)
			goto out;
		cJSON_AddItemToObject(o, "indicators", x);
	}

	if ((arr = cJSON_AddArrayToObject(root, "attachments")) == NULL)
		goto out;
	for (i = 0; i < p->natts; i++) {
		const struct plan_att *a = &p->atts[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(arr, o);
		if (add_str(o, "name", a->name) == -1 ||
		    add_str(o, "type", a->type) == -1 ||
		    add_str(o, "sha256", a->sha256) == -1 ||
		    add_str(o, "md5", a->md5) == -1 ||
		    cJSON_AddNumberToObject(o, "size", (double)a->size) ==
			NULL ||
		    (x = iocs_json(&a->iocs)) == NULL)
			goto out;
		cJSON_AddItemToObject(o, "indicators", x);
	}

	if ((x = iocs_json(&p->iocs)) == NULL)
		goto out;
	cJSON_AddItemToObject(root, "indicators", x);
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}
