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
#include "pdf.h"
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
		snprintf(name, sizeof(name), "message-%.16s.eml", sha256);
	else
		snprintf(name + o, sizeof(name) - o, ".eml");
	return strdup(name);
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

/*
 * What one message may cost beyond its own size.  MAX_IOCS bounds the
 * indicators of the whole message (reports, attachments and the message
 * together): past it nothing more is searched and the plan says so, and
 * the message is not failed (ioc_extract's "over a limit" is ST_NOMEM, which
 * would stop the run).  All the PDF children of one message together get
 * the wall clock one of them may take (pdf_opts.timeout_ms), so that many
 * PDF bombs in one message take no longer than one.
 */
struct budget {
	size_t used; /* indicators taken so far (removals not counted) */
	int full;    /* MAX_IOCS reached: some text was not searched */
	long pdf_ms; /* PDF wall clock left */
};

/* Keep the first keep values of set. */
static enum status
trim(struct ioc_set *set, size_t keep)
{
	struct ioc_set drop;
	enum status st = ST_OK;
	size_t i;

	ioc_set_init(&drop);
	for (i = keep; i < set->n && st == ST_OK; i++)
		if (ioc_set_add(&drop, set->v[i].type, set->v[i].value) == -1)
			st = ST_NOMEM;
	if (st == ST_OK)
		st = ioc_set_remove(set, &drop);
	ioc_set_free(&drop);
	return st;
}

/* ioc_extract() within the budget; a full set or budget is not an error. */
static enum status
take(const struct plan_opts *o, struct budget *b, const char *text, size_t len,
     struct ioc_set *set)
{
	size_t before = set->n, excess;
	enum status st;

	if (text == NULL || len == 0)
		return ST_OK;
	if (b->used >= MAX_IOCS) {
		b->full = 1;
		return ST_OK;
	}
	st = ioc_extract(o->ioc, text, len, set);
	if (st == ST_NOMEM && set->n >= MAX_IOCS) {
		b->full = 1; /* the set's own bound, not memory */
		st = ST_OK;
	}
	if (st != ST_OK)
		return st;
	b->used += set->n - before;
	if (b->used <= MAX_IOCS)
		return ST_OK;
	excess = b->used - MAX_IOCS;
	b->used = MAX_IOCS;
	b->full = 1;
	return trim(set, set->n - excess);
}

/* ioc_set_add() within the budget. */
static enum status
take_one(struct budget *b, struct ioc_set *set, enum ioc_type type,
	 const char *value)
{
	int r;

	if (b->used >= MAX_IOCS) {
		b->full = 1;
		return ST_OK;
	}
	if ((r = ioc_set_add(set, type, value)) == -1) {
		if (set->n < MAX_IOCS)
			return ST_NOMEM;
		b->full = 1;
		return ST_OK;
	}
	b->used += (size_t)r;
	return ST_OK;
}

static enum status
extract(const struct plan_opts *o, struct budget *b, const char *text,
	size_t len, struct ioc_set *set, char *err, size_t errsz,
	const char *what)
{
	enum status st;

	if ((st = take(o, b, text, len, set)) != ST_OK)
		snprintf(err, errsz, "%s: indicator extraction failed: %s",
			 what, status_str(st));
	return st;
}

#define INNER_HEADER_MAX (256u * 1024) /* header block of a forwarded mail */
#define FORWARD_DEPTH_MAX 8	       /* forwards of forwards followed */

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
 * attachments, all as indicators of that file.  Forwards inside it are
 * followed FORWARD_DEPTH_MAX deep.
 */
/*
 * A message that only passes another one on: it carries a message and its
 * subject says it is a forward ("Fwd:", "Fw:", "WG:", "TR:", "RV:", "VS:").
 */
static int
is_wrapper(const struct mime_msg *msg)
{
	static const char *const fwd[] = {
	    "fwd:", "fw:", "wg:", "tr:", "rv:", "vs:"};
	const char *s = msg->subject;
	size_t i, n;

	for (i = 0; i < msg->natts; i++)
		if (msg->atts[i].is_message)
			break;
	if (i == msg->natts || s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
		n = strlen(fwd[i]);
		if (strncasecmp(s, fwd[i], n) == 0)
			return 1;
	}
	return 0;
}

static enum status
inner_message(const struct plan_opts *o, struct budget *b,
	      const struct mime_att *m, struct ioc_set *set, int depth,
	      char *err, size_t errsz)
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
	/*
	 * A forward of a forward (a user's "Fwd:" passed on by the helpdesk):
	 * the wrapper's sender, relays and text are ours; only what it
	 * carries is evidence.
	 */
	if (mime_parse("forwarded message", d, m->len, &inner, e2,
		       sizeof(e2)) == ST_OK &&
	    is_wrapper(inner)) {
		for (i = 0; i < inner->natts; i++)
			if (inner->atts[i].is_message &&
			    inner->atts[i].data != NULL &&
			    depth + 1 < FORWARD_DEPTH_MAX &&
			    (st = inner_message(o, b, &inner->atts[i], set,
						depth + 1, e2, sizeof(e2))) !=
				ST_OK)
				break;
		goto out;
	}
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
			st = ioc_extract(o->ioc, v, i + 4 <= n ? i : n, &recv);
			if (st == ST_NOMEM && recv.n >= MAX_IOCS)
				st = ST_OK; /* full: the rest is not needed */
			if (st != ST_OK)
				goto out;
		} else if (is_header(hdr.p, hdr.len, "Return-Path") ||
			   is_header(hdr.p, hdr.len, "From") ||
			   is_header(hdr.p, hdr.len, "Reply-To") ||
			   is_header(hdr.p, hdr.len, "Sender")) {
			v = (const char *)memchr(hdr.p, ':', hdr.len) + 1;
			if ((st = take(o, b, v, hdr.len - (size_t)(v - hdr.p),
				       set)) != ST_OK)
				goto out;
		}
	}
	for (i = 0; i < recv.n; i++) {
		if ((recv.v[i].type != IOC_IPV4 && recv.v[i].type != IOC_IPV6 &&
		     recv.v[i].type != IOC_FQDN) ||
		    ioc_is_reserved(&recv.v[i]))
			continue;
		if ((st = take_one(b, set, recv.v[i].type, recv.v[i].value)) !=
		    ST_OK)
			goto out;
	}
	/* Subject, body and the hashes of its attachments. */
	if (inner == NULL)
		goto out; /* unreadable inside: its headers were enough */
	if (inner->subject != NULL &&
	    (st = take(o, b, inner->subject, strlen(inner->subject), set)) !=
		ST_OK)
		goto out;
	if (inner->html != NULL) {
		char *t;
		size_t tl = 0;

		if ((t = html_to_text(inner->html, inner->html_len, &tl)) !=
		    NULL) {
			st = take(o, b, t, tl, set);
			free(t);
			if (st != ST_OK)
				goto out;
		}
	} else if (inner->text != NULL &&
		   (st = take(o, b, inner->text, inner->text_len, set)) !=
		       ST_OK)
		goto out;
	for (i = 0; i < inner->natts; i++) {
		const struct mime_att *ia = &inner->atts[i];

		if (ia->data == NULL || ia->is_inline_image)
			continue;
		/* A forward inside the phish: its contents, not its hash. */
		if (ia->is_message) {
			if (depth + 1 < FORWARD_DEPTH_MAX &&
			    (st = inner_message(o, b, ia, set, depth + 1, e2,
						sizeof(e2))) != ST_OK)
				goto out;
			continue;
		}
		if (hash_md5_hex(ia->data, ia->len, hex) == 0 &&
		    (st = take_one(b, set, IOC_MD5, hex)) != ST_OK)
			goto out;
		if (hash_sha256_hex(ia->data, ia->len, hex) == 0 &&
		    (st = take_one(b, set, IOC_SHA256, hex)) != ST_OK)
			goto out;
	}
out:
	if (st != ST_OK && depth == 0)
		snprintf(err, errsz, "forwarded message '%s': %s",
			 m->name ? m->name : "", status_str(st));
	mime_free(inner);
	ioc_set_free(&recv);
	buf_free(&hdr);
	return st;
}

char *
plan_skipped_note(const struct plan_skipped *k)
{
	size_t n = strlen(k->name) + 160;
	char *s;

	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s (%zu bytes, SHA-256 %s, MD5 %s)", k->name,
			 k->size, k->sha256, k->md5);
	return s;
}

const char *
plan_reserved_note(const struct ioc *i)
{
	if (!ioc_is_reserved(i))
		return NULL;
	switch (i->type) {
	case IOC_IPV4:
	case IOC_IPV6:
	case IOC_CIDR:
		return "private or reserved address range";
	default:
		return "documentation domain (RFC 2606)";
	}
}

static enum status
drop_reserved(struct ioc_set *set)
{
	struct ioc_set r;
	enum status st = ST_OK;
	size_t i;

	ioc_set_init(&r);
	for (i = 0; i < set->n && st == ST_OK; i++)
		if (ioc_is_reserved(&set->v[i]) &&
		    ioc_set_add(&r, set->v[i].type, set->v[i].value) == -1)
			st = ST_NOMEM;
	if (st == ST_OK)
		st = ioc_set_remove(set, &r);
	ioc_set_free(&r);
	return st;
}

/* An article's own link (title or "read more") is a reference, not an IoC. */
static enum status
drop_link(const struct plan_opts *o, const char *url, struct ioc_set *set,
	  char *err, size_t errsz)
{
	struct ioc_set l;
	enum status st;

	if (url == NULL || set->n == 0)
		return ST_OK;
	ioc_set_init(&l);
	if ((st = ioc_extract(o->ioc, url, strlen(url), &l)) == ST_OK)
		st = ioc_set_remove(set, &l);
	ioc_set_free(&l);
	if (st != ST_OK)
		snprintf(err, errsz, "article link: %s", status_str(st));
	return st;
}

/* Add a warning to the plan (its text is copied); -1 on ENOMEM. */
static int
warn(struct plan *p, const char *text)
{
	char **nw;

	if (p->nwarnings >= PLAN_WARNINGS_MAX)
		return 0;
	if ((nw = realloc(p->warnings, (p->nwarnings + 1) * sizeof(*nw))) ==
	    NULL)
		return -1;
	p->warnings = nw;
	if ((nw[p->nwarnings] = clean_str(text)) == NULL)
		return -1;
	p->nwarnings++;
	return 0;
}

/* An attachment over the size limit: its name and hashes only. */
static enum status
skip_att(struct plan *p, const struct mime_att *m, char *err, size_t errsz)
{
	struct plan_skipped *k, *nk;
	char w[400];

	if ((nk = realloc(p->skipped, (p->nskipped + 1) * sizeof(*nk))) == NULL)
		goto nomem;
	p->skipped = nk;
	k = &nk[p->nskipped];
	memset(k, 0, sizeof(*k));
	if ((k->name = clean_str(m->name ? m->name : "attachment.bin")) == NULL)
		goto nomem;
	p->nskipped++;
	k->size = m->len;
	if (hash_sha256_hex(m->data, m->len, k->sha256) == -1 ||
	    hash_md5_hex(m->data, m->len, k->md5) == -1)
		goto nomem;
	snprintf(w, sizeof(w),
		 "attachment '%.200s' (%zu bytes) is over max_attachment_size: "
		 "recorded by name and hash, not uploaded or searched",
		 k->name, k->size);
	if (warn(p, w) == -1)
		goto nomem;
	return ST_OK;
nomem:
	snprintf(err, errsz, "out of memory recording a large attachment");
	return ST_NOMEM;
}

/*
 * The text of a PDF attachment, read by pdftotext in a bounded child.  A
 * PDF that cannot be read leaves a warning, not a failed message: the file
 * is still uploaded.
 */
static enum status
pdf_iocs(const struct plan_opts *o, struct budget *b, struct plan *p,
	 struct plan_att *a, char *err, size_t errsz)
{
	char *text = NULL, e2[300], w[600];
	struct pdf_opts po;
	struct timespec t0, t1;
	size_t tl = 0;
	enum status st;

	if (o->pdf == NULL || o->pdf->pdftotext == NULL ||
	    o->pdf->pdftotext[0] == '\0' || a->size == 0)
		return ST_OK;
	if (b->pdf_ms <= 0) {
		snprintf(w, sizeof(w),
			 "PDF '%.200s': text not read: the time this message "
			 "may spend on PDFs is spent",
			 a->name);
		if (warn(p, w) == -1) {
			snprintf(err, errsz, "out of memory");
			return ST_NOMEM;
		}
		return ST_OK;
	}
	po = *o->pdf;
	if (po.timeout_ms == 0 || po.timeout_ms > (unsigned long)b->pdf_ms)
		po.timeout_ms = (unsigned)b->pdf_ms;
	e2[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = pdf_text(&po, a->data, a->size, &text, &tl, e2, sizeof(e2));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	b->pdf_ms -= (long)(t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (st == ST_NOMEM) {
		snprintf(err, errsz, "PDF '%.200s': out of memory", a->name);
		return st;
	}
	if (st != ST_OK) {
		snprintf(w, sizeof(w), "PDF '%.200s': text not read: %s",
			 a->name, e2);
		free(text);
		if (warn(p, w) == -1) {
			snprintf(err, errsz, "out of memory");
			return ST_NOMEM;
		}
		return ST_OK;
	}
	st = extract(o, b, text, tl, &a->iocs, err, errsz, "PDF attachment");
	free(text);
	return st;
}

enum status
plan_build(const struct plan_opts *o, long uid, const char *raw, size_t rawlen,
	   const struct mime_msg *msg, const struct article_list *arts,
	   struct plan **out, char *err, size_t errsz)
{
	struct plan *p;
	struct budget b;
	enum status st = ST_NOMEM;
	enum tlp outer, t;
	time_t now = time(NULL), date;
	size_t i;
	char what[64], w[128];

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.pdf_ms = o->pdf != NULL && o->pdf->timeout_ms > 0
		       ? (long)o->pdf->timeout_ms
		       : PDF_TIMEOUT_MS;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	ioc_set_init(&p->iocs);
	p->uid = uid;
	p->raw = raw;
	p->size = rawlen;
	if (o->sha256 != NULL && strlen(o->sha256) == HASH_SHA256_HEX - 1)
		memcpy(p->sha256, o->sha256,
		       HASH_SHA256_HEX); /* the journal's */
	else if (hash_sha256_hex(raw, rawlen, p->sha256) == -1)
		p->sha256[0] = '\0';
	if (p->sha256[0] == '\0' || hash_md5_hex(raw, rawlen, p->md5) == -1) {
		snprintf(err, errsz, "cannot hash the message");
		st = ST_NOMEM;
		goto fail;
	}
	/* The sender's own links and contacts are not indicators. */
	ioc_ctx_set_own_domain(o->ioc, msg->from);
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
		if ((st = extract(o, &b, a->text, a->text_len, &r->iocs, err,
				  errsz, what)) != ST_OK ||
		    (st = drop_link(o, r->url, &r->iocs, err, errsz)) != ST_OK)
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
	    (st = extract(o, &b, p->subject, strlen(p->subject), &p->iocs, err,
			  errsz, "subject")) != ST_OK)
		goto fail;
	if ((st = extract(o, &b, arts->rest, arts->rest_len, &p->iocs, err,
			  errsz, "body")) != ST_OK ||
	    (st = extract(o, &b, msg->text_alone, msg->text_alone_len, &p->iocs,
			  err, errsz, "plain text beside the HTML")) != ST_OK)
		goto fail;

	if (msg->natts > 0 &&
	    (p->atts = calloc(msg->natts, sizeof(*p->atts))) == NULL)
		goto nomem;
	for (i = 0; i < msg->natts; i++) {
		const struct mime_att *m = &msg->atts[i];
		struct plan_att *a;

		/* Inline images are layout, not evidence (DESIGN §5). */
		if (m->is_inline_image && !o->inline_images)
			continue;
		if (o->max_attachment_size > 0 &&
		    m->len > o->max_attachment_size) {
			if ((st = skip_att(p, m, err, errsz)) != ST_OK)
				goto fail;
			continue;
		}
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
		if (m->is_inline_image)
			continue; /* uploaded as configured, never a source */
		snprintf(what, sizeof(what), "attachment %zu", i + 1);
		if (m->is_text &&
		    (st = extract(o, &b, m->text, m->text_len, &a->iocs, err,
				  errsz, what)) != ST_OK)
			goto fail;
		if (strcmp(a->type, "PDF") == 0 &&
		    (st = pdf_iocs(o, &b, p, a, err, errsz)) != ST_OK)
			goto fail;
		if (m->is_message && m->data != NULL) {
			/* The phish's own domains are evidence. */
			ioc_ctx_set_own_domain(o->ioc, NULL);
			st = inner_message(o, &b, m, &a->iocs, 0, err, errsz);
			ioc_ctx_set_own_domain(o->ioc, msg->from);
			if (st != ST_OK)
				goto fail;
		}
	}
	if (o->drop_reserved) {
		for (i = 0; i < p->nreports; i++)
			if (drop_reserved(&p->reports[i].iocs) != ST_OK)
				goto nomem;
		for (i = 0; i < p->natts; i++)
			if (drop_reserved(&p->atts[i].iocs) != ST_OK)
				goto nomem;
		if (drop_reserved(&p->iocs) != ST_OK)
			goto nomem;
	}
	if (b.full) {
		snprintf(w, sizeof(w),
			 "more than %d indicators: the rest of the message "
			 "was not searched",
			 MAX_IOCS);
		if (warn(p, w) == -1)
			goto nomem;
	}

	if ((p->file_name = email_file_name(p->subject, p->sha256)) == NULL ||
	    (p->file_title =
		 strdup(p->subject && p->subject[0] ? p->subject
						    : "(no subject)")) == NULL)
		goto nomem;
	p->file_type = o->email_file_type ? o->email_file_type : "Generic Text";
	ioc_ctx_set_own_domain(o->ioc, NULL);
	*out = p;
	return ST_OK;
nomem:
	snprintf(err, errsz, "out of memory building the plan");
	st = ST_NOMEM;
fail:
	ioc_ctx_set_own_domain(o->ioc, NULL);
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
	for (i = 0; i < p->nskipped; i++)
		free(p->skipped[i].name);
	free(p->skipped);
	for (i = 0; i < p->nwarnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
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
	cJSON *arr, *o, *attrs;
	const char *note;
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
		if ((note = plan_reserved_note(&s->v[i])) != NULL &&
		    ((attrs = cJSON_AddArrayToObject(o, "attributes")) ==
			 NULL ||
		     add_attr(attrs, "Reserved", note) == -1))
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
	for (i = 0; i < p->nskipped; i++) {
		char *v = plan_skipped_note(&p->skipped[i]);

		if (v == NULL || add_attr(attrs, PLAN_SKIPPED_ATTR, v) == -1) {
			free(v);
			goto out;
		}
		free(v);
	}

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

	if ((arr = cJSON_AddArrayToObject(root, "not_uploaded")) == NULL)
		goto out;
	for (i = 0; i < p->nskipped; i++) {
		const struct plan_skipped *k = &p->skipped[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(arr, o);
		if (add_str(o, "name", k->name) == -1 ||
		    add_str(o, "sha256", k->sha256) == -1 ||
		    add_str(o, "md5", k->md5) == -1 ||
		    cJSON_AddNumberToObject(o, "size", (double)k->size) == NULL)
			goto out;
	}
	if ((arr = cJSON_AddArrayToObject(root, "warnings")) == NULL)
		goto out;
	for (i = 0; i < p->nwarnings; i++)
		if ((x = cJSON_CreateString(p->warnings[i])) == NULL)
			goto out;
		else
			cJSON_AddItemToArray(arr, x);

	if ((x = iocs_json(&p->iocs)) == NULL)
		goto out;
	cJSON_AddItemToObject(root, "indicators", x);
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}
