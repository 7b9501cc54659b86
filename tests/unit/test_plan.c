/* Unit tests: plan (assembly from analysis outputs, and the JSON shape). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bounds.h"
#include "pdf.h"
#include "plan.h"

static struct ioc_ctx *ioc;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	ioc = ioc_ctx_new(err, sizeof(err));
	return ioc == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	ioc_ctx_free(ioc);
	return 0;
}

static struct plan_opts
opts(void)
{
	struct plan_opts o;

	memset(&o, 0, sizeof(o));
	o.email_file_type = "Generic Text";
	o.default_tlp = TLP_AMBER;
	o.ioc = ioc;
	o.fallback_date = 1700000000; /* 2023-11-14 22:13:20 UTC */
	return o;
}

static struct article
art(const char *title, const char *text, const char *url)
{
	struct article a;

	a.title = (char *)title;
	a.description = (char *)"<p>x</p>";
	a.text = (char *)text;
	a.text_len = strlen(text);
	a.url = (char *)url;
	return a;
}

static int
has(const struct ioc_set *s, enum ioc_type t, const char *v)
{
	return ioc_set_has(s, t, v);
}

static void
t_build_basic(void **state)
{
	static const char raw[] = "Subject: x\r\n\r\nbody";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct article a[2];
	struct article_list l;
	struct mime_att att;
	struct plan *p;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&att, 0, sizeof(att));
	m.subject = (char *)"Digest: evil-host[.]net sighted";
	m.from = (char *)"A <a@example.org>";
	m.message_id = (char *)"<1@example.org>";
	m.date = 1763632800; /* 2025-11-20 10:00:00 UTC */
	att.name = (char *)"list.txt";
	att.content_type = (char *)"text/plain";
	att.data = (unsigned char *)"5.6.7.8";
	att.len = 7;
	att.is_text = 1;
	att.text = (char *)"5.6.7.8 and 45.137.21.9";
	att.text_len = strlen(att.text);
	m.atts = &att;
	m.natts = 1;
	a[0] = art("One", "TLP:RED see hxxp://bad-site[.]com/x", "https://r/1");
	a[1] = art("Two", "hash 5d41402abc4b2a76b9719d911017c592", NULL);
	memset(&l, 0, sizeof(l));
	l.v = a;
	l.n = 2;

	assert_int_equal(plan_build(&o, 17, raw, sizeof(raw) - 1, &m, &l, &p,
				    err, sizeof(err)),
			 ST_OK);
	assert_int_equal(p->uid, 17);
	assert_string_equal(p->date, "2025-11-20T10:00:00Z");
	assert_string_equal(p->published_at, "2025-11-20 10:00:00");
	assert_int_equal(p->size, sizeof(raw) - 1);
	assert_int_equal(strlen(p->sha256), 64);
	/*
	 * An article marked RED makes the message RED; the unmarked one gets
	 * the default, not its neighbour's label.
	 */
	assert_int_equal(p->tlp, TLP_RED);
	assert_int_equal(p->reports[0].tlp, TLP_RED);
	assert_int_equal(p->reports[1].tlp, TLP_AMBER);
	assert_int_equal(p->nreports, 2);
	assert_true(has(&p->reports[0].iocs, IOC_URL, "http://bad-site.com/x"));
	assert_true(has(&p->reports[1].iocs, IOC_MD5,
			"5d41402abc4b2a76b9719d911017c592"));
	assert_false(
	    has(&p->reports[1].iocs, IOC_URL, "http://bad-site.com/x"));
	/* The subject's indicators are top-level. */
	assert_true(has(&p->iocs, IOC_FQDN, "evil-host.net"));
	assert_int_equal(p->natts, 1);
	assert_string_equal(p->atts[0].type, "Generic Text");
	assert_true(has(&p->atts[0].iocs, IOC_IPV4, "45.137.21.9"));
	assert_string_equal(p->file_name, "Digest_evil-host_._net_sighted.eml");
	plan_free(p);
}

static void
t_date_fallback_and_default_tlp(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct article a = art("T", "nothing here", NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.date = (time_t)-1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_string_equal(p->date, "2023-11-14T22:13:20Z");
	assert_int_equal(p->tlp, TLP_AMBER);
	assert_int_equal(p->reports[0].tlp, TLP_AMBER);
	/* No subject: a name from the hash, a placeholder title. */
	assert_memory_equal(p->file_name, "message-", 8);
	assert_string_equal(p->file_title, "(no subject)");
	plan_free(p);

	m.date = 4102444800; /* 2100: absurd, so the fallback */
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_string_equal(p->date, "2023-11-14T22:13:20Z");
	plan_free(p);
}

static void
t_json_shape_and_utf8(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct mime_att att[2];
	struct article a = art("T", "see 45.137.21.9", "https://ex.com/a");
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	cJSON *j, *x;
	char err[256], *s;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(att, 0, sizeof(att));
	m.subject = (char *)"bad \xff byte and ../../etc/passwd";
	m.date = (time_t)-1;
	att[0].name = (char *)"logo.png";
	att[0].content_type = (char *)"image/png";
	att[0].is_inline_image = 1;
	att[0].data = (unsigned char *)"PNG";
	att[0].len = 3;
	att[1].name = (char *)"report.pdf";
	att[1].content_type = (char *)"application/pdf";
	att[1].data = (unsigned char *)"%PDF";
	att[1].len = 4;
	m.atts = att;
	m.natts = 2;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_non_null(s = plan_json(p));
	assert_null(strchr(s, '\n'));
	assert_non_null(j = cJSON_Parse(s));
	x = cJSON_GetObjectItem(j, "message");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "uid")));
	assert_string_equal(cJSON_GetObjectItem(x, "subject")->valuestring,
			    "bad \xef\xbf\xbd byte and ../../etc/passwd");
	assert_string_equal(cJSON_GetObjectItem(x, "tlp")->valuestring,
			    "AMBER");
	/* The email file name never carries a path. */
	x = cJSON_GetObjectItem(j, "file");
	assert_null(strchr(cJSON_GetObjectItem(x, "name")->valuestring, '/'));
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(x, "attributes")),
	    3); /* TLP, subject, received date */
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "reports"), 0);
	assert_string_equal(cJSON_GetObjectItem(x, "title")->valuestring, "T");
	assert_string_equal(
	    cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(x, "attributes"), 1),
		"value")
		->valuestring,
	    "https://ex.com/a");
	assert_string_equal(
	    cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(x, "indicators"), 0),
		"type")
		->valuestring,
	    "IP Address");
	/* The inline image is not an attachment; the PDF is. */
	x = cJSON_GetObjectItem(j, "attachments");
	assert_int_equal(cJSON_GetArraySize(x), 1);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0), "type")->valuestring,
	    "PDF");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "indicators")));
	cJSON_Delete(j);
	free(s);
	plan_free(p);
}

static void
t_file_name_bounded_utf8(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct article a = art("T", "", NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256], subj[1024];
	size_t i, n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.date = (time_t)-1;
	for (i = 0; i + 2 < sizeof(subj); i += 2)
		memcpy(subj + i, "\xc3\xa9", 2); /* e-acute, 511 times */
	subj[i] = '\0';
	m.subject = subj;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	n = strlen(p->file_name);
	assert_true(n <= 100 + 4);
	assert_string_equal(p->file_name + n - 4, ".eml");
	/* Cut on a character boundary: every e-acute whole. */
	assert_int_equal((n - 4) % 2, 0);
	for (i = 0; i < n - 4; i += 2)
		assert_memory_equal(p->file_name + i, "\xc3\xa9", 2);
	plan_free(p);
}

static void
t_forwarded_message(void **state)
{
	static const char inner[] =
	    "Return-Path: <bill@pay-portal.net>\r\n"
	    "Received: from relay.pay-portal.net (unknown [194.26.29.114]) by "
	    "mx.victim-corp.com (Postfix) with ESMTP\r\n"
	    "Received: from [10.1.2.3] by relay.pay-portal.net\r\n"
	    "From: Billing <bill@pay-portal.net>\r\n"
	    "Reply-To: refunds@collect-desk.org\r\n"
	    "To: victim@victim-corp.com\r\n"
	    "Subject: Invoice overdue\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "Pay at hxxps://pay-portal[.]net/inv?id=7 today.\r\n";
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct mime_att att;
	struct article a = art("T", "", NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&att, 0, sizeof(att));
	m.date = (time_t)-1;
	att.name = (char *)"phish.eml";
	att.content_type = (char *)"message/rfc822";
	att.is_message = 1;
	att.data = (unsigned char *)inner;
	att.len = sizeof(inner) - 1;
	m.atts = &att;
	m.natts = 1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->natts, 1);
	assert_string_equal(p->atts[0].type, "Spearphish Attachment");
	assert_true(has(&p->atts[0].iocs, IOC_EMAIL, "bill@pay-portal.net"));
	assert_true(
	    has(&p->atts[0].iocs, IOC_EMAIL, "refunds@collect-desk.org"));
	assert_true(has(&p->atts[0].iocs, IOC_FQDN, "relay.pay-portal.net"));
	assert_true(has(&p->atts[0].iocs, IOC_IPV4, "194.26.29.114"));
	assert_true(
	    has(&p->atts[0].iocs, IOC_URL, "https://pay-portal.net/inv?id=7"));
	/* Not the receiving side, not the victim, not private hops. */
	assert_false(has(&p->atts[0].iocs, IOC_FQDN, "mx.victim-corp.com"));
	assert_false(
	    has(&p->atts[0].iocs, IOC_EMAIL, "victim@victim-corp.com"));
	assert_false(has(&p->atts[0].iocs, IOC_IPV4, "10.1.2.3"));
	plan_free(p);
}

/* A forward inside a forward: the innermost phish is analysed too. */
static void
t_nested_forward(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct mime_att att;
	struct article a = art("T", "", NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256], *outer;
	size_t n;

	(void)state;
	/* An analyst forwards a colleague's forward of the phish. */
	n = 4096;
	assert_non_null(outer = malloc(n));
	snprintf(outer, n,
		 "From: Colleague <c@victim-corp.com>\r\n"
		 "Subject: Fwd: look at this\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
		 "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
		 "--b\r\nContent-Type: message/rfc822\r\n\r\n"
		 "From: Billing <bill@pay-portal.net>\r\n"
		 "Subject: Invoice overdue\r\n"
		 "Content-Type: text/plain\r\n\r\n"
		 "Pay at hxxps://pay-portal[.]net/inv?id=7 today.\r\n"
		 "--b--\r\n");
	memset(&m, 0, sizeof(m));
	memset(&att, 0, sizeof(att));
	m.date = (time_t)-1;
	att.name = (char *)"fwd.eml";
	att.content_type = (char *)"message/rfc822";
	att.is_message = 1;
	att.data = (unsigned char *)outer;
	att.len = strlen(outer);
	m.atts = &att;
	m.natts = 1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_true(has(&p->atts[0].iocs, IOC_EMAIL, "bill@pay-portal.net"));
	assert_true(
	    has(&p->atts[0].iocs, IOC_URL, "https://pay-portal.net/inv?id=7"));
	plan_free(p);
	free(outer);
}

/* The sender's own domain and an article's own link are not indicators;
 * a free-mail sender's domain stays evidence. */
static void
t_sender_domain_and_article_link(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct article a[1];
	struct article_list l = {a, 1, NULL, 0};
	struct plan *p;
	char err[256];

	(void)state;
	a[0] = art("Story",
		   "Contact press@news.intel-vendor.com or see "
		   "https://www.intel-vendor.com/about. C2 at "
		   "hxxp://bad-cdn[.]net/x and the write-up "
		   "<https://research.other-lab.org/post/7>",
		   "https://research.other-lab.org/post/7");
	memset(&m, 0, sizeof(m));
	m.date = (time_t)-1;
	m.from = (char *)"Intel Vendor <digest@mail.intel-vendor.com>";
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->reports[0].iocs.n, 1);
	assert_true(has(&p->reports[0].iocs, IOC_URL, "http://bad-cdn.net/x"));
	plan_free(p);

	/* Same text from a gmail.com sender: gmail addresses are evidence. */
	a[0] = art("Story", "Reply to the actor at wire.desk@gmail.com", NULL);
	m.from = (char *)"someone@gmail.com";
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_true(has(&p->reports[0].iocs, IOC_EMAIL, "wire.desk@gmail.com"));
	plan_free(p);

	/* The sender rule does not outlive the message. */
	a[0] = art("Story", "see https://www.intel-vendor.com/x", NULL);
	m.from = NULL;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_true(has(&p->reports[0].iocs, IOC_URL,
			"https://www.intel-vendor.com/x"));
	plan_free(p);
}

/* Private and documentation values: marked by default, dropped on request. */
static void
t_reserved_mark_or_drop(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct article a = art("T",
			       "beacon 10.0.0.5 and 185.220.101.47, "
			       "docs at http://www.example.org/x",
			       NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256], *js;
	cJSON *root, *inds, *i;
	int marked = 0, plain = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.date = (time_t)-1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->reports[0].iocs.n, 3);
	assert_non_null(js = plan_json(p));
	assert_non_null(root = cJSON_Parse(js));
	inds = cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(root, "reports"), 0),
	    "indicators");
	cJSON_ArrayForEach(i, inds)
	{
		const cJSON *at = cJSON_GetObjectItem(i, "attributes");
		const char *v = cJSON_GetObjectItem(i, "value")->valuestring;

		if (at == NULL) {
			assert_string_equal(v, "185.220.101.47");
			plain++;
			continue;
		}
		assert_string_equal(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(at, 0), "name")
			->valuestring,
		    "Reserved");
		marked++;
	}
	assert_int_equal(marked, 2);
	assert_int_equal(plain, 1);
	cJSON_Delete(root);
	free(js);
	plan_free(p);

	o.drop_reserved = 1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->reports[0].iocs.n, 1);
	assert_true(has(&p->reports[0].iocs, IOC_IPV4, "185.220.101.47"));
	plan_free(p);
}

/* Over max_attachment_size: named and hashed, not uploaded; inline images
 * only when configured, and never searched. */
static void
t_large_attachment_and_inline_image(void **state)
{
	static const char raw[] = "x";
	static char big[] = "185.220.101.47 in a big text file";
	static char img[] = "GIF89a 185.220.101.48";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct mime_att att[2];
	struct article a = art("T", "", NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256], *js;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(att, 0, sizeof(att));
	m.date = (time_t)-1;
	att[0].name = (char *)"dump.txt";
	att[0].content_type = (char *)"text/plain";
	att[0].data = (unsigned char *)big;
	att[0].len = strlen(big);
	att[0].is_text = 1;
	att[0].text = big;
	att[0].text_len = strlen(big);
	att[1].name = (char *)"logo.gif";
	att[1].content_type = (char *)"image/gif";
	att[1].data = (unsigned char *)img;
	att[1].len = strlen(img);
	att[1].is_inline_image = 1;
	m.atts = att;
	m.natts = 2;
	o.max_attachment_size = 10;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->natts, 0);
	assert_int_equal(p->nskipped, 1);
	assert_string_equal(p->skipped[0].name, "dump.txt");
	assert_int_equal(p->skipped[0].size, strlen(big));
	assert_int_equal(strlen(p->skipped[0].sha256), 64);
	assert_int_equal(p->nwarnings, 1);
	assert_non_null(strstr(p->warnings[0], "dump.txt"));
	assert_non_null(js = plan_json(p));
	assert_non_null(strstr(js, "\"not_uploaded\":[{\"name\":\"dump.txt\""));
	assert_non_null(strstr(js, "\"Attachment Not Uploaded\""));
	free(js);
	plan_free(p);

	o.max_attachment_size = 0;
	o.inline_images = 1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->natts, 2);
	assert_string_equal(p->atts[1].name, "logo.gif");
	assert_int_equal(p->atts[1].iocs.n, 0);
	assert_true(has(&p->atts[0].iocs, IOC_IPV4, "185.220.101.47"));
	plan_free(p);
}

/* n distinct public addresses "45.a.b.<last>", one a line, malloc'd. */
static char *
ips(size_t n, int last)
{
	char *t, *q;
	size_t i;

	assert_non_null(t = malloc(n * 20 + 1));
	for (i = 0, q = t; i < n; i++)
		q += sprintf(q, "45.%zu.%zu.%d\n", 1 + i / 250, 1 + i % 250,
			     last);
	return t;
}

/*
 * MAX_IOCS bounds a whole message: more indicators are a cut with a
 * warning, not a failed message (ST_NOMEM would stop the run).
 */
static void
t_max_iocs_per_message(void **state)
{
	static const char raw[] = "x";
	struct plan_opts o = opts();
	struct mime_msg m;
	struct mime_att att;
	char *t1 = ips(25000, 7), *t2 = ips(15000, 8), fwd[128];
	struct article a = art("T", t1, NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct plan *p;
	char err[256];
	size_t total;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&att, 0, sizeof(att));
	m.date = (time_t)-1;
	/* One article over the bound. */
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->reports[0].iocs.n, MAX_IOCS);
	assert_int_equal(p->nwarnings, 1);
	assert_non_null(strstr(p->warnings[0], "20000 indicators"));
	plan_free(p);
	/* Article and attachment: 30,000 together. */
	a.text_len = strlen(t2);
	a.text = t2;
	att.name = (char *)"more.txt";
	att.content_type = (char *)"text/plain";
	att.data = (unsigned char *)t1;
	att.len = strlen(t1);
	att.is_text = 1;
	att.text = t1;
	att.text_len = att.len;
	m.atts = &att;
	m.natts = 1;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	total = p->reports[0].iocs.n + p->atts[0].iocs.n + p->iocs.n;
	assert_int_equal(total, MAX_IOCS);
	assert_int_equal(p->reports[0].iocs.n, 15000);
	assert_int_equal(p->nwarnings, 1);
	plan_free(p);
	/* A forwarded message over the bound. */
	snprintf(fwd, sizeof(fwd), "From: x@evil-sender.com\nSubject: y\n\n");
	free(t2);
	assert_non_null(t2 = malloc(strlen(fwd) + strlen(t1) + 1));
	strcpy(t2, fwd);
	strcat(t2, t1);
	att.name = (char *)"phish.eml";
	att.content_type = (char *)"message/rfc822";
	att.data = (unsigned char *)t2;
	att.len = strlen(t2);
	att.is_text = 0;
	att.is_message = 1;
	att.text = NULL;
	att.text_len = 0;
	a.text = (char *)"";
	a.text_len = 0;
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	assert_int_equal(p->atts[0].iocs.n, MAX_IOCS);
	assert_int_equal(p->nwarnings, 1);
	plan_free(p);
	free(t1);
	free(t2);
}

/* All the PDFs of a message share one PDF's wall clock. */
static void
t_pdf_time_per_message(void **state)
{
	static const char raw[] = "x";
	char dir[] = "/tmp/tqplan.XXXXXX", path[64], err[256];
	struct plan_opts o = opts();
	struct pdf_opts po;
	struct mime_msg m;
	struct mime_att att[3];
	struct article a = art("T", "", NULL);
	struct article_list l = {&a, 1, NULL, 0};
	struct timespec t0, t1;
	struct plan *p;
	size_t i;
	long ms;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/slow", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("#!/bin/sh\nexec sleep 30\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0700), 0);
	pdf_opts_default(&po);
	po.pdftotext = path;
	po.timeout_ms = 300;
	o.pdf = &po;
	memset(&m, 0, sizeof(m));
	memset(att, 0, sizeof(att));
	m.date = (time_t)-1;
	for (i = 0; i < 3; i++) {
		att[i].name = (char *)(i == 0	? "a.pdf"
				       : i == 1 ? "b.pdf"
						: "c.pdf");
		att[i].content_type = (char *)"application/pdf";
		att[i].data = (unsigned char *)"%PDF-1.4";
		att[i].len = 8;
	}
	m.atts = att;
	m.natts = 3;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    plan_build(&o, -1, raw, 1, &m, &l, &p, err, sizeof(err)), ST_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 3 * 300);
	assert_int_equal(p->natts, 3);
	assert_int_equal(p->nwarnings, 3);
	assert_non_null(strstr(p->warnings[0], "a.pdf"));
	assert_non_null(strstr(p->warnings[2], "c.pdf"));
	assert_non_null(strstr(p->warnings[2], "time this message"));
	plan_free(p);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_build_basic),
	    cmocka_unit_test(t_date_fallback_and_default_tlp),
	    cmocka_unit_test(t_json_shape_and_utf8),
	    cmocka_unit_test(t_file_name_bounded_utf8),
	    cmocka_unit_test(t_forwarded_message),
	    cmocka_unit_test(t_nested_forward),
	    cmocka_unit_test(t_sender_domain_and_article_link),
	    cmocka_unit_test(t_reserved_mark_or_drop),
	    cmocka_unit_test(t_large_attachment_and_inline_image),
	    cmocka_unit_test(t_max_iocs_per_message),
	    cmocka_unit_test(t_pdf_time_per_message),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
