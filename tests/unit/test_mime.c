/* Unit tests for mime.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <libetpan/libetpan.h>

#include "bounds.h"
#include "buf.h"
#include "mime.h"

static char err[256];

static struct mime_msg *
parse_ok(const char *s)
{
	struct mime_msg *m = NULL;

	err[0] = '\0';
	assert_int_equal(mime_parse("t", s, strlen(s), &m, err, sizeof(err)),
			 ST_OK);
	assert_non_null(m);
	return m;
}

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/mime/%s", TQ_DATA_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void
t_plain(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok("From: Alice <alice@example.org>\n"
		     "Subject:  Hello\n  world\n"
		     "Date: Mon, 30 Sep 2024 10:00:00 +0000\n"
		     "Message-ID: <abc@example.org>\n"
		     "\n"
		     "Body line 1\nLine 2\n");
	assert_string_equal(m->subject, "Hello world");
	assert_string_equal(m->from, "Alice <alice@example.org>");
	assert_string_equal(m->message_id, "abc@example.org");
	assert_string_equal(m->date_raw, "Mon, 30 Sep 2024 10:00:00 +0000");
	assert_int_equal((long long)m->date, 1727690400LL);
	assert_non_null(m->text);
	assert_string_equal(m->text, "Body line 1\nLine 2\n");
	assert_int_equal(m->text_len, strlen(m->text));
	assert_null(m->html);
	assert_int_equal(m->natts, 0);
	mime_free(m);
}

static void
t_alternative(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok(
	    "Subject: alt\r\n"
	    "Content-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n"
	    "--XX\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "plain text\r\n"
	    "--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<p>html text</p>\r\n"
	    "--XX--\r\n");
	assert_string_equal(m->text, "plain text");
	assert_string_equal(m->html, "<p>html text</p>");
	assert_int_equal(m->natts, 0);
	assert_null(m->text_alone); /* the same content, rendered twice */
	mime_free(m);

	/* In a multipart/mixed the plain part is content of its own. */
	m = parse_ok("Subject: mixed\r\n"
		     "Content-Type: multipart/mixed; boundary=\"MM\"\r\n\r\n"
		     "--MM\r\nContent-Type: text/plain\r\n\r\nmy note\r\n"
		     "--MM\r\nContent-Type: multipart/alternative; "
		     "boundary=\"XX\"\r\n\r\n"
		     "--XX\r\nContent-Type: text/plain\r\n\r\nplain copy\r\n"
		     "--XX\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
		     "--XX--\r\n"
		     "--MM--\r\n");
	assert_non_null(m->html);
	assert_string_equal(m->text_alone, "my note");
	mime_free(m);
}

static void
t_nested_file(void **state)
{
	struct mime_msg *m = NULL;
	char *raw;
	size_t len, i;

	(void)state;
	raw = slurp("nested.eml", &len);
	assert_int_equal(
	    mime_parse("nested.eml", raw, len, &m, err, sizeof(err)), ST_OK);
	assert_string_equal(m->subject, "Rapport café nested");
	assert_string_equal(m->from, "Doe, Jane <jane@example.org>");
	assert_int_equal((long long)m->date, 1727875800LL);
	assert_string_equal(m->text, "plain part");
	assert_string_equal(m->html, "<p>html part</p>");
	assert_int_equal(m->natts, 4);
	/* Inline image. */
	assert_string_equal(m->atts[0].content_type, "image/png");
	assert_string_equal(m->atts[0].name, "part-3.png");
	assert_true(m->atts[0].is_inline_image);
	assert_false(m->atts[0].is_text);
	assert_memory_equal(m->atts[0].data, "\x89PNG\r\n\x1a\nfake", 12);
	/* Base64 attachment, name made safe. */
	assert_string_equal(m->atts[1].name, "passwd");
	assert_int_equal(m->atts[1].len, 256);
	for (i = 0; i < 256; i++)
		assert_int_equal(m->atts[1].data[i], (unsigned char)i);
	assert_false(m->atts[1].is_inline_image);
	assert_false(m->atts[1].is_message);
	/* No name at all. */
	assert_string_equal(m->atts[2].name, "part-5.pdf");
	assert_int_equal(m->atts[2].len, 9);
	assert_memory_equal(m->atts[2].data, "%PDF-1.4\n", 9);
	/* Attached message, not descended. */
	assert_true(m->atts[3].is_message);
	assert_string_equal(m->atts[3].name, "part-6.eml");
	assert_non_null(strstr((char *)m->atts[3].data, "inner body"));
	assert_null(m->atts[3].text);
	mime_free(m);
	free(raw);
}

static void
t_quoted_printable(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok("Subject: qp\n"
		     "Content-Type: text/plain; charset=utf-8\n"
		     "Content-Transfer-Encoding: quoted-printable\n\n"
		     "caf=C3=A9 hxxp://evil[.]example/a=3Db long=\n line\n");
	assert_string_equal(m->text,
			    "café hxxp://evil[.]example/a=b long line\n");
	mime_free(m);
}

static void
t_charsets(void **state)
{
	struct mime_msg *m;
	char *raw;
	size_t len;

	(void)state;
	m = parse_ok("Content-Type: text/plain; charset=ISO-8859-1\n\n"
		     "caf\xe9 na\xefve\n");
	assert_string_equal(m->text, "café naïve\n");
	mime_free(m);

	m = parse_ok("Content-Type: text/plain; charset=windows-1252\n\n"
		     "\x93quoted\x94 \x80 5\n");
	assert_string_equal(m->text, "\xe2\x80\x9cquoted\xe2\x80\x9d € 5\n");
	mime_free(m);

	raw = slurp("koi8r.eml", &len);
	assert_int_equal(
	    mime_parse("koi8r.eml", raw, len, &m, err, sizeof(err)), ST_OK);
	assert_string_equal(m->text, "Привет, мир! IoC: evil.example.com\n");
	assert_string_equal(m->from, "Ivan <ivan@example.ru>");
	assert_string_equal(m->message_id, "koi8@example.ru");
	assert_int_equal((long long)m->date, 1727773200LL);
	mime_free(m);
	free(raw);
}

static void
t_missing_charset(void **state)
{
	struct mime_msg *m;

	(void)state;
	/* 8-bit bytes that are not UTF-8: windows-1252. */
	m = parse_ok("Content-Type: text/plain\n\nr\xe9sum\xe9\n");
	assert_string_equal(m->text, "résumé\n");
	mime_free(m);
	/* Valid UTF-8 stays UTF-8. */
	m = parse_ok("Subject: x\n\nr\xc3\xa9sum\xc3\xa9\n");
	assert_string_equal(m->text, "résumé\n");
	mime_free(m);
}

static void
t_unknown_charset(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok("Content-Type: text/plain; charset=x-no-such-thing\n\n"
		     "caf\xe9\n");
	assert_string_equal(m->text, "café\n");
	mime_free(m);
	/* A name iconv must never see. */
	m = parse_ok("Content-Type: text/plain; charset=\"../../x y\"\n\n"
		     "ok\n");
	assert_string_equal(m->text, "ok\n");
	mime_free(m);
	/* A lying charset: declared UTF-8, is latin-1: replaced. */
	m = parse_ok("Content-Type: text/plain; charset=utf-8\n\n"
		     "caf\xe9!\n");
	assert_string_equal(m->text, "caf\xef\xbf\xbd!\n");
	mime_free(m);
	/* A single-byte charset maps every byte: converted, never dropped. */
	m = parse_ok("Content-Type: text/plain; charset=ISO-8859-8\n\n"
		     "\xe2\x82\xac\xe2\x82\xac\n");
	assert_non_null(m->text);
	mime_free(m);
}

static void
t_rfc2047(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok(
	    "Subject: =?UTF-8?B?w4ljaGVjIGR1IHRlc3Q=?=\n"
	    "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <jm@example.de>\n\n");
	assert_string_equal(m->subject, "Échec du test");
	assert_string_equal(m->from, "Jörg Müller <jm@example.de>");
	mime_free(m);
	m = parse_ok(
	    "Subject: =?ISO-8859-1?Q?caf=E9?= =?ISO-8859-1?Q?_au_lait?=\n\n");
	assert_string_equal(m->subject, "café au lait");
	mime_free(m);
	/* Raw 8-bit latin-1 subject and an unparsable From. */
	m = parse_ok("Subject: caf\xe9\nFrom: not an address\n\n");
	assert_string_equal(m->subject, "café");
	assert_non_null(m->from);
	mime_free(m);
}

static void
t_names(void **state)
{
	struct mime_msg *m;
	char big[2048];
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 1u << 20);
	assert_int_equal(
	    buf_adds(&b,
		     "Content-Type: multipart/mixed; "
		     "boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n"),
	    0);
	/* Traversal, control chars, dot names, RFC 2231, long, none. */
	assert_int_equal(buf_adds(&b, "--b\nContent-Type: text/csv\n"
				      "Content-Disposition: attachment; "
				      "filename=\"..\\\\..\\\\x.csv\"\n"
				      "\na,b\n"),
			 0);
	assert_int_equal(buf_adds(&b, "--b\nContent-Type: application/"
				      "octet-stream\nContent-Disposition: "
				      "attachment; filename=\"..\"\n"
				      "\nzz\n"),
			 0);
	assert_int_equal(
	    buf_adds(&b, "--b\nContent-Type: application/"
			 "octet-stream; name=\"a\\\"\tb.txt\"\n\nyy\n"),
	    0);
	assert_int_equal(
	    buf_adds(&b, "--b\nContent-Type: application/"
			 "octet-stream\nContent-Disposition: attachment;\n"
			 " filename*=UTF-8''%E2%82%AC%20report.json\n\n{}\n"),
	    0);
	memset(big, 'a', 600);
	big[600] = '\0';
	assert_int_equal(buf_addf(&b,
				  "--b\nContent-Type: application/"
				  "octet-stream\nContent-Disposition: "
				  "attachment; filename=\"%s.ioc"
				  "\"\n\n1.2.3.4\n",
				  big),
			 0);
	assert_int_equal(
	    buf_adds(&b, "--b\nContent-Type: text/plain\n"
			 "Content-Disposition: attachment\n\nattached text\n"),
	    0);
	assert_int_equal(buf_adds(&b, "--b\nContent-Type: application/json\n"
				      "\n{\"a\":1}\n"),
			 0);
	assert_int_equal(buf_adds(&b, "--b\nContent-Type: application/"
				      "octet-stream\nContent-Disposition: "
				      "attachment; filename=fwd.EML\n"
				      "\nSubject: x\n\ny\n--b--\n"),
			 0);
	m = parse_ok(b.p);
	buf_free(&b);
	assert_string_equal(m->text, "body");
	assert_int_equal(m->natts, 8);
	assert_string_equal(m->atts[0].name, "x.csv");
	assert_true(m->atts[0].is_text);
	assert_string_equal(m->atts[0].text, "a,b");
	assert_string_equal(m->atts[1].name, "part-3.bin");
	assert_false(m->atts[1].is_text);
	assert_null(m->atts[1].text);
	assert_string_equal(m->atts[2].name, "a_ b.txt");
	assert_true(m->atts[2].is_text);
	assert_string_equal(m->atts[3].name, "€ report.json");
	assert_true(m->atts[3].is_text);
	assert_int_equal(strlen(m->atts[4].name), 200);
	assert_true(strcmp(m->atts[4].name + 196, ".ioc") == 0);
	assert_true(m->atts[4].is_text);
	assert_string_equal(m->atts[5].name, "part-7.txt");
	assert_string_equal(m->atts[5].text, "attached text");
	assert_string_equal(m->atts[6].name, "part-8.json");
	assert_true(m->atts[6].is_text);
	assert_true(m->atts[7].is_message);
	for (i = 0; i < m->natts; i++) {
		const char *n = m->atts[i].name;

		assert_null(strchr(n, '/'));
		assert_null(strchr(n, '\\'));
		assert_true(strcmp(n, ".") != 0 && strcmp(n, "..") != 0);
		assert_true(*n != '\0');
		for (; *n != '\0'; n++)
			assert_true((unsigned char)*n >= 0x20);
	}
	mime_free(m);
}

/* Bidirectional overrides cannot disguise an attachment's extension. */
static void
t_bidi_name(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok("Content-Type: multipart/mixed; boundary=b\n\n"
		     "--b\nContent-Type: text/plain\n\nbody\n"
		     "--b\nContent-Type: application/octet-stream\n"
		     "Content-Disposition: attachment; filename="
		     "\"=?utf-8?q?invoice=E2=80=AEtxt.exe?=\"\n\nx\n"
		     "--b\nContent-Type: application/octet-stream\n"
		     "Content-Disposition: attachment;\n"
		     " filename*=UTF-8''%E2%81%A6a%E2%80%8Fb%D8%9C.pdf\n\ny\n"
		     "--b--\n");
	assert_int_equal(m->natts, 2);
	assert_string_equal(m->atts[0].name, "invoice_txt.exe");
	assert_string_equal(m->atts[1].name, "_a_b_.pdf");
	mime_free(m);
}

static void
t_depth_bound(void **state)
{
	struct buf b;
	struct mime_msg *m = NULL;
	clock_t c0;
	int i, n = 5000;

	(void)state;
	buf_init(&b, 8u << 20);
	assert_int_equal(buf_adds(&b, "Subject: deep\n"), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_addf(&b,
					  "Content-Type: multipart/mixed; "
					  "boundary=\"b%d\"\n\n--b%d\n",
					  i, i),
				 0);
	assert_int_equal(buf_adds(&b, "Content-Type: text/plain\n\nx\n"), 0);
	for (i = n - 1; i >= 0; i--)
		assert_int_equal(buf_addf(&b, "--b%d--\n", i), 0);
	c0 = clock();
	assert_int_equal(mime_parse("deep", b.p, b.len, &m, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 10.0);
	assert_null(m);
	assert_non_null(strstr(err, "deep"));
	assert_non_null(strstr(err, "32"));
	buf_free(&b);

	/* Exactly at the limit is fine; one past is not. */
	for (n = MAX_MIME_DEPTH; n <= MAX_MIME_DEPTH + 1; n++) {
		buf_init(&b, 1u << 20);
		for (i = 0; i < n; i++)
			assert_int_equal(
			    buf_addf(
				&b,
				"Content-Type: "
				"multipart/mixed; boundary=\"b%d\"\n\n--b%d\n",
				i, i),
			    0);
		assert_int_equal(buf_adds(&b, "Content-Type: text/plain\n\n"
					      "x\n"),
				 0);
		for (i = n - 1; i >= 0; i--)
			assert_int_equal(buf_addf(&b, "--b%d--\n", i), 0);
		assert_int_equal(
		    mime_parse("d", b.p, b.len, &m, err, sizeof(err)),
		    n <= MAX_MIME_DEPTH ? ST_OK : ST_MSG_BAD);
		if (m != NULL) {
			assert_string_equal(m->text, "x");
			mime_free(m);
			m = NULL;
		}
		buf_free(&b);
	}
}

static void
t_siblings_not_deep(void **state)
{
	struct buf b;
	struct mime_msg *m = NULL;
	int i;

	(void)state;
	/* 100 sibling multiparts, depth 2: fine. */
	buf_init(&b, 1u << 20);
	assert_int_equal(buf_adds(&b, "Content-Type: multipart/mixed; "
				      "boundary=top\n\n"),
			 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(
		    buf_addf(
			&b,
			"--top\nContent-Type: multipart/"
			"alternative; boundary=a%d\n\n--a%d\nContent-Type: "
			"text/plain\n\nt%d\n--a%d--\n",
			i, i, i, i),
		    0);
	assert_int_equal(buf_adds(&b, "--top--\n"), 0);
	assert_int_equal(mime_parse("s", b.p, b.len, &m, err, sizeof(err)),
			 ST_OK);
	assert_non_null(m->text);
	assert_non_null(strstr(m->text, "t0\nt1\n"));
	mime_free(m);
	buf_free(&b);
}

static void
t_parts_bound(void **state)
{
	struct buf b;
	struct mime_msg *m = NULL;
	clock_t c0;
	int i;

	(void)state;
	buf_init(&b, 8u << 20);
	assert_int_equal(buf_adds(&b, "Content-Type: multipart/mixed; "
				      "boundary=p\n\n"),
			 0);
	for (i = 0; i < MAX_MIME_PARTS + 1; i++)
		assert_int_equal(buf_adds(&b,
					  "--p\nContent-Type: "
					  "application/octet-stream\n\nx\n"),
				 0);
	assert_int_equal(buf_adds(&b, "--p--\n"), 0);
	c0 = clock();
	assert_int_equal(mime_parse("p", b.p, b.len, &m, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 10.0);
	assert_non_null(strstr(err, "1000"));
	buf_free(&b);
}

static void
t_size_bound(void **state)
{
	struct mime_msg *m = NULL;

	(void)state;
	/* The size is checked before the bytes are touched. */
	assert_int_equal(mime_parse("big", "x", (size_t)MAX_MESSAGE_SIZE + 1,
				    &m, err, sizeof(err)),
			 ST_MSG_BAD);
	assert_non_null(strstr(err, "bytes"));
	assert_null(m);
}

static void
t_bom(void **state)
{
	struct mime_msg *m;

	(void)state;
	m = parse_ok("Content-Type: text/plain; charset=utf-8\n\n"
		     "\xef\xbb\xbfhello\n");
	assert_string_equal(m->text, "hello\n");
	mime_free(m);
	m = parse_ok("Content-Type: text/plain\n\n\xef\xbb\xbfhi\n");
	assert_string_equal(m->text, "hi\n");
	mime_free(m);
	/* UTF-16 with a BOM: iconv eats it. */
	{
		static const char msg[] =
		    "Content-Type: text/plain; "
		    "charset=utf-16\nContent-Transfer-Encoding: base64\n\n"
		    "//5oAGkA\n";

		m = parse_ok(msg);
		assert_string_equal(m->text, "hi");
		mime_free(m);
	}
}

static void
t_empty_and_garbage(void **state)
{
	struct mime_msg *m = NULL;
	enum status st;

	(void)state;
	m = parse_ok("Subject: nothing\n\n");
	assert_null(m->text);
	assert_null(m->html);
	assert_int_equal((long long)m->date, -1LL);
	mime_free(m);
	assert_int_equal(mime_parse("e", "", 0, &m, err, sizeof(err)), ST_OK);
	assert_null(m->subject);
	assert_null(m->text);
	mime_free(m);
	m = parse_ok("Date: yesterday-ish\n\n");
	assert_int_equal((long long)m->date, -1LL);
	assert_string_equal(m->date_raw, "yesterday-ish");
	mime_free(m);
	/* Headers-only garbage: either parses or is refused, never crashes. */
	m = NULL;
	st = mime_parse("g", "\x01\x02::\xff\n\t\n: :\n--\n", 12, &m, err,
			sizeof(err));
	assert_true(st == ST_OK || st == ST_MSG_BAD);
	mime_free(m);
	m = NULL;
	st = mime_parse("g", "Content-Type: multipart/mixed\n\n--x\n", 35, &m,
			err, sizeof(err));
	assert_true(st == ST_OK || st == ST_MSG_BAD);
	mime_free(m);
	m = NULL;
	st = mime_parse("g",
			"Content-Type: multipart/mixed; boundary=x\n\n"
			"--x\nContent-Transfer-Encoding: base64\n\n!!!***\n",
			87, &m, err, sizeof(err));
	assert_true(st == ST_OK || st == ST_MSG_BAD);
	mime_free(m);
}

/* A 60 KB subject is cut to MAX_SUBJECT_LEN bytes, never inside a
 * character. */
static void
t_long_subject(void **state)
{
	struct mime_msg *m;
	size_t n = 60000, i, l;
	char *raw;

	(void)state;
	assert_non_null(raw = malloc(n + 64));
	memcpy(raw, "Subject: x", 10);
	for (i = 10; i + 2 <= n; i += 2)
		memcpy(raw + i, "\xc3\xa9", 2); /* e-acute, 2 bytes */
	memcpy(raw + i, "\r\n\r\nbody\r\n", 11);
	m = parse_ok(raw);
	l = strlen(m->subject);
	assert_true(l <= MAX_SUBJECT_LEN && l >= MAX_SUBJECT_LEN - 1);
	assert_true(((unsigned char)m->subject[l - 1] & 0xc0) == 0x80);
	mime_free(m);
	free(raw);
}

/*
 * --- Decoding: mime.c decodes into a buffer of its own; the bytes must be
 * libetpan's (mailmime_part_parse(), what mime.c used before) for any
 * input, well formed or not.
 */

static unsigned long long rng_state;

static unsigned
rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng_state >> 33);
}

/* What mime.c did before: libetpan's decoder over the part's data. */
static void
reference_decode(const char *msg, size_t len, char **out, size_t *outlen)
{
	struct mailmime *mm = NULL, *leaf;
	struct mailmime_data *d;
	size_t idx = 0, dlen, rlen = 0;
	char *res = NULL;
	int enc;

	assert_int_equal(mailmime_parse(msg, len, &idx, &mm), MAILIMF_NO_ERROR);
	assert_int_equal(mm->mm_type, MAILMIME_MESSAGE);
	leaf = mm->mm_data.mm_message.mm_msg_mime;
	assert_non_null(leaf);
	assert_int_equal(leaf->mm_type, MAILMIME_SINGLE);
	d = leaf->mm_data.mm_single;
	*out = NULL;
	*outlen = 0;
	if (d != NULL && d->dt_data.dt_text.dt_length > 0) {
		const char *t = d->dt_data.dt_text.dt_data;

		dlen = d->dt_data.dt_text.dt_length;
		enc = d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_8BIT;
		if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
			if (dlen >= 1 && t[dlen - 1] == '=')
				dlen -= 1;
			else if (dlen >= 2 && t[dlen - 2] == '=')
				dlen -= 2;
		}
		idx = 0;
		assert_int_equal(
		    mailmime_part_parse(t, dlen, &idx, enc, &res, &rlen),
		    MAILIMF_NO_ERROR);
		*out = malloc(rlen + 1);
		assert_non_null(*out);
		memcpy(*out, res, rlen);
		*outlen = rlen;
		mmap_string_unref(res);
	}
	mailmime_free(mm);
}

/* A one-part message with body (n bytes) in encoding cte. */
static char *
one_part(const char *cte, const char *body, size_t n, size_t *len)
{
	static const char fmt[] = "From: a@example.org\r\n"
				  "Subject: decode\r\n"
				  "MIME-Version: 1.0\r\n"
				  "Content-Type: application/octet-stream\r\n"
				  "Content-Transfer-Encoding: %s\r\n\r\n";
	char head[256];
	char *m;
	int h = snprintf(head, sizeof(head), fmt, cte);

	assert_true(h > 0 && (size_t)h < sizeof(head));
	m = malloc((size_t)h + n + 1);
	assert_non_null(m);
	memcpy(m, head, (size_t)h);
	if (n > 0)
		memcpy(m + h, body, n);
	m[h + n] = '\0';
	*len = (size_t)h + n;
	return m;
}

/* mime_parse() decodes body like libetpan. */
static void
check_decode(const char *cte, const char *body, size_t n)
{
	struct mime_msg *m = NULL;
	char *msg, *want;
	size_t len, wlen;

	msg = one_part(cte, body, n, &len);
	reference_decode(msg, len, &want, &wlen);
	assert_int_equal(mime_parse("t", msg, len, &m, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(m->natts, 1);
	assert_non_null(m->atts[0].data);
	assert_int_equal(m->atts[0].len, wlen);
	if (wlen > 0)
		assert_memory_equal(m->atts[0].data, want, wlen);
	assert_int_equal(m->atts[0].data[wlen], '\0');
	mime_free(m);
	free(want);
	free(msg);
}

static void
random_text(char *p, size_t n, const char *alphabet, const char *specials)
{
	size_t i, na = strlen(alphabet), ns = strlen(specials);

	for (i = 0; i < n; i++) {
		unsigned r = rng() % 100;

		if (r < 3)
			p[i] = (char)(0x80 + rng() % 128);
		else if (r < 25 && ns > 0)
			p[i] = specials[rng() % ns];
		else
			p[i] = alphabet[rng() % na];
	}
}

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
t_base64_as_libetpan(void **state)
{
	static const char *const fixed[] = {
	    "",
	    "Q",
	    "QQ",
	    "QUI",
	    "QUJD",
	    "QUJDRA",
	    "QUJDRA==",
	    "QUJDRA=",
	    "QU=JD",
	    "=QUJD",
	    "Q Q\r\nQ",
	    "QQ==QQ==",
	    "!!!!",
	    "====",
	    "QUJDRA==\r\n",
	    "QUJ\x80"
	    "D",
	    "QUJDREVG\n",
	    "-QUJD-\t",
	    "\r\n\r\n",
	    "QUJDREU",
	};
	char buf[700];
	size_t i, n;
	char *big;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_decode("base64", fixed[i], strlen(fixed[i]));
	rng_state = 7;
	for (i = 0; i < 2000; i++) {
		n = rng() % sizeof(buf);
		random_text(buf, n, b64_alpha, "=\r\n \t!-.:");
		check_decode("base64", buf, n);
	}
	/* A big attachment, 76 columns, CRLF. */
	n = 3 * 1000 * 1000;
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = i % 78 == 76	? '\r'
			 : i % 78 == 77 ? '\n'
					: b64_alpha[rng() % 64];
	check_decode("base64", big, n);
	free(big);
}

static void
t_quoted_printable_as_libetpan(void **state)
{
	/*
	 * mime.c hands libetpan its quoted-printable in slices that end after
	 * a line feed (QP_SLICE, 256 KiB): put each awkward sequence across
	 * where a slice ends, then random text over several slices.
	 */
	static const char *const edges[] = {
	    "=\n",  "=A\n",    "=\r\n", "\r\n",	 "\n",	 "\r\r\n", "=4\n",
	    "==\n", "=\r\r\n", "=4=\n", "x=\n=", "\n\n", "=\n\n",  "\r\n=41",
	};
	static const char qp_alpha[] = "abcdefABCDEF0123456789 xyz";
	const size_t slice = 256 * 1024;
	char small[600];
	size_t i, d, n, at;
	char *big;

	(void)state;
	big = malloc(3 * slice + 64);
	assert_non_null(big);
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		for (d = 0; d < 6; d++) {
			n = slice + 40;
			memset(big, 'q', n);
			at = slice - 3 + d - strlen(edges[i]) + 1;
			memcpy(big + at, edges[i], strlen(edges[i]));
			memcpy(big + n - 2, "\r\n", 2);
			check_decode("quoted-printable", big, n);
		}
	rng_state = 11;
	for (i = 0; i < 2000; i++) {
		n = rng() % sizeof(small);
		random_text(small, n, qp_alpha, "==\r\n\t=\n");
		check_decode("quoted-printable", small, n);
	}
	for (i = 0; i < 4; i++) {
		n = 3 * slice + rng() % 64;
		random_text(big, n, qp_alpha, "==\r\n=\n\r");
		check_decode("quoted-printable", big, n);
	}
	free(big);
	/* 7bit and binary: the bytes as they are. */
	check_decode("7bit", "a=41\r\nb", 7);
	check_decode("binary", "\x01\x02=\r\n", 5);
	check_decode("x-unknown", "QUJD", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_plain),
	    cmocka_unit_test(t_alternative),
	    cmocka_unit_test(t_nested_file),
	    cmocka_unit_test(t_quoted_printable),
	    cmocka_unit_test(t_charsets),
	    cmocka_unit_test(t_missing_charset),
	    cmocka_unit_test(t_unknown_charset),
	    cmocka_unit_test(t_rfc2047),
	    cmocka_unit_test(t_names),
	    cmocka_unit_test(t_bidi_name),
	    cmocka_unit_test(t_depth_bound),
	    cmocka_unit_test(t_siblings_not_deep),
	    cmocka_unit_test(t_parts_bound),
	    cmocka_unit_test(t_size_bound),
	    cmocka_unit_test(t_bom),
	    cmocka_unit_test(t_long_subject),
	    cmocka_unit_test(t_empty_and_garbage),
	    cmocka_unit_test(t_base64_as_libetpan),
	    cmocka_unit_test(t_quoted_printable_as_libetpan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
