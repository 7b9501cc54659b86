/*
 * Unit tests for imapguard.c: a scripted server stream (a fake
 * mailstream_low that hands out its bytes in chunks of a set size) read
 * through the guard, as libetpan would read it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libetpan/libetpan.h>

#include "imapguard.h"

#define BIG (5 * 1024 * 1024)

struct script {
	const char *data;
	size_t len, off;
	size_t chunk; /* bytes per read at most */
	int freed;
};

static ssize_t
fake_read(mailstream_low *low, void *p, size_t n)
{
	struct script *sc = low->data;

	if (n > sc->chunk)
		n = sc->chunk;
	if (n > sc->len - sc->off)
		n = sc->len - sc->off;
	memcpy(p, sc->data + sc->off, n);
	sc->off += n;
	return (ssize_t)n; /* 0 at the end, as a socket */
}

static ssize_t
fake_write(mailstream_low *low, const void *p, size_t n)
{
	return (ssize_t)n;
}

static int
fake_close(mailstream_low *low)
{
	return 0;
}

static int
fake_get_fd(mailstream_low *low)
{
	return 42;
}

static void
fake_free(mailstream_low *low)
{
	struct script *sc = low->data;

	sc->freed = 1;
	free(low);
}

static mailstream_low_driver fake_driver = {
    .mailstream_read = fake_read,
    .mailstream_write = fake_write,
    .mailstream_close = fake_close,
    .mailstream_get_fd = fake_get_fd,
    .mailstream_free = fake_free,
};

static mailstream_low *
guarded(struct script *sc, const char *data, size_t len, size_t chunk,
	int greeting)
{
	mailstream_low *inner, *g;

	memset(sc, 0, sizeof(*sc));
	sc->data = data;
	sc->len = len;
	sc->chunk = chunk;
	inner = mailstream_low_new(sc, &fake_driver);
	assert_non_null(inner);
	g = imapguard_wrap(inner, greeting);
	assert_non_null(g);
	assert_true(imapguard_is(g));
	assert_false(imapguard_is(inner));
	return g;
}

/*
 * Everything the guard hands on, read count bytes at a time, into out
 * (malloc'd); returns the last read's result (-1 at the end: never 0).
 */
static ssize_t
drain(mailstream_low *g, size_t count, char **out, size_t *outlen)
{
	char *buf = malloc(count);
	size_t len = 0, cap = 1024;
	ssize_t r;

	assert_non_null(buf);
	*out = malloc(cap);
	assert_non_null(*out);
	while ((r = mailstream_low_read(g, buf, count)) > 0) {
		assert_true((size_t)r <= count);
		while (len + (size_t)r > cap) {
			cap *= 2;
			*out = realloc(*out, cap);
			assert_non_null(*out);
		}
		memcpy(*out + len, buf, (size_t)r);
		len += (size_t)r;
	}
	free(buf);
	*outlen = len;
	return r;
}

/* in through the guard gives want, for many chunk and read sizes. */
static void
check_stream(const char *in, const char *want, int greeting)
{
	static const size_t chunks[] = {1, 2, 7, 64, 100000};
	static const size_t counts[] = {1, 3, 8192};
	struct script sc;
	mailstream_low *g;
	char *out;
	size_t i, j, outlen;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		for (j = 0; j < sizeof(counts) / sizeof(counts[0]); j++) {
			g = guarded(&sc, in, strlen(in), chunks[i], greeting);
			assert_int_equal(drain(g, counts[j], &out, &outlen),
					 -1);
			assert_null(imapguard_error(g));
			assert_int_equal(outlen, strlen(want));
			assert_memory_equal(out, want, outlen);
			free(out);
			mailstream_low_free(g);
			assert_true(sc.freed);
		}
}

static void
t_plain_session_unchanged(void **state)
{
	const char *s =
	    "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] Dovecot ready.\r\n"
	    "1 OK [CAPABILITY IMAP4rev1 UIDPLUS MOVE] Logged in\r\n"
	    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
	    "* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Flags permitted.\r\n"
	    "* OK [PERMANENTFLAGS ()] none\r\n"
	    "* OK [ALERT] disk nearly full\r\n"
	    "* 3 EXISTS\r\n"
	    "2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
	    "* SEARCH 1 2 3\r\n"
	    "* 1 FETCH (UID 5 BODY[] {12}\r\nHello\r\nWorld INTERNALDATE "
	    "\"17-Jul-1996 02:44:25 -0700\")\r\n"
	    "3 OK Fetch completed.\n";

	check_stream(s, s, 1);
}

/* Literal data is never changed, even where a line would be. */
static void
t_literal_untouched(void **state)
{
	const char *body = "1 OK [ALERT]\r\n* CAPABILITY\r\n"
			   "* OK [PERMANENTFLAGS (\\)] x\r\n{99}\r\n";
	char in[512], want[512];

	snprintf(in, sizeof(in),
		 "* 1 FETCH (UID 5 BODY[] {%zu}\r\n%s)\r\n"
		 "4 OK [ALERT]\r\n",
		 strlen(body), body);
	snprintf(want, sizeof(want),
		 "* 1 FETCH (UID 5 BODY[] {%zu}\r\n%s)\r\n"
		 "4 OK [XLERT]\r\n",
		 strlen(body), body);
	check_stream(in, want, 0);
}

static void
t_rewrites(void **state)
{
	check_stream("1 OK [ALERT]\r\n", "1 OK [XLERT]\r\n", 0);
	check_stream("1 OK [alert] \r\n", "1 OK [Xlert] \r\n", 0);
	check_stream("1 NO [PARSE]\r\n", "1 NO [XARSE]\r\n", 0);
	check_stream("1 NO [PARSE] x\r\n", "1 NO [PARSE] x\r\n", 0);
	check_stream("* CAPABILITY\r\n", "* XAPABILITY\r\n", 0);
	check_stream("* CAPABILITY \r\n", "* XAPABILITY \r\n", 0);
	check_stream("1 OK [CAPABILITY ] x\r\n", "1 OK [XAPABILITY ] x\r\n", 0);
	check_stream("* CAPABILITY IMAP4rev1\r\n", "* CAPABILITY IMAP4rev1\r\n",
		     0);
	check_stream("* OK [PERMANENTFLAGS (\\)] x\r\n",
		     "* OK [XERMANENTFLAGS (\\)] x\r\n", 0);
	check_stream("* OK [PERMANENTFLAGS (\\Seen\\*)] x\r\n",
		     "* OK [XERMANENTFLAGS (\\Seen\\*)] x\r\n", 0);
	check_stream("* OK [PERMANENTFLAGS (\\Seen \\*)] x\r\n",
		     "* OK [PERMANENTFLAGS (\\Seen \\*)] x\r\n", 0);
	/* In the greeting any PERMANENTFLAGS or BADCHARSET. */
	check_stream("* OK [BADCHARSET ()] x\r\n* OK [PERMANENTFLAGS ()] y\r\n",
		     "* OK [XADCHARSET ()] x\r\n* OK [PERMANENTFLAGS ()] y\r\n",
		     1);
	check_stream("* OK [PERMANENTFLAGS (\\Seen)] x\r\n",
		     "* OK [XERMANENTFLAGS (\\Seen)] x\r\n", 1);
	check_stream("* OK [PERMANENTFLAGS (\\Seen)] x\r\n",
		     "* OK [PERMANENTFLAGS (\\Seen)] x\r\n", 0);
}

/*
 * A status response's text is read to its end by libetpan: "{N}" there
 * is no literal, so the next line is still checked.
 */
static void
t_status_text_no_literal(void **state)
{
	check_stream("* OK text {14}\r\n1 OK [ALERT]\r\n",
		     "* OK text X14}\r\n1 OK [XLERT]\r\n", 0);
	check_stream("2 OKAY {14}\r\n1 OK [ALERT]\r\n",
		     "2 OKAY X14}\r\n1 OK [XLERT]\r\n", 0);
	check_stream("+ go ahead {14}\r\n1 OK [ALERT]\r\n",
		     "+ go ahead X14}\r\n1 OK [XLERT]\r\n", 0);
	/* Codes whose astrings libetpan reads as literals: no brace. */
	check_stream("* NO [BADCHARSET ({3}\r\nabc)] x\r\n",
		     "* NO [XADCHARSET (X3}\r\nabc)] x\r\n", 0);
	check_stream("* OK [PERMANENTFLAGS (\\Seen { 4294967295 }\r\n",
		     "* OK [PERMANENTFLAGS (\\Seen X 4294967295 }\r\n", 0);
	/* Anywhere in a line (a literal mid-line for libetpan). */
	check_stream("* OK {5} x\r\n", "* OK X5} x\r\n", 0);
	check_stream("* OK {x} {} x\r\n", "* OK {x} {} x\r\n", 0);
}

/*
 * libetpan reads "{N}" as a literal mid-line too (no CRLF after it) and
 * "{-N}" as an empty one: only the announcement ending a line keeps its
 * brace.  Codes are found with blanks inside brackets and before "(".
 */
static void
t_inner_literals_and_blanks(void **state)
{
	check_stream("* 1 FETCH (BODY[] {4294967295}x)\r\n",
		     "* 1 FETCH (BODY[] X4294967295}x)\r\n", 0);
	check_stream("* OK [PERMANENTFLAGS (\\Seen {8}ab\r\n",
		     "* OK [PERMANENTFLAGS (\\Seen X8}ab\r\n", 0);
	check_stream("* 1 FETCH (X {-1}\r\n)\r\n", "* 1 FETCH (X X-1}\r\n)\r\n",
		     0);
	check_stream("* 1 FETCH (X {4}\r\r\n)\r\n",
		     "* 1 FETCH (X X4}\r\r\n)\r\n", 0);
	check_stream("* 1 FETCH (A {2}x B {3}\r\nabc)\r\n",
		     "* 1 FETCH (A X2}x B {3}\r\nabc)\r\n", 0);
	check_stream("1 OK [ ALERT]\r\n", "1 OK [ XLERT]\r\n", 0);
	check_stream("1 OK [\tPARSE ]\r\n", "1 OK [\tXARSE ]\r\n", 0);
	check_stream("1 OK [ ALERT ] x\r\n", "1 OK [ ALERT ] x\r\n", 0);
	check_stream("* OK [PERMANENTFLAGS  (\\)] x\r\n",
		     "* OK [XERMANENTFLAGS  (\\)] x\r\n", 0);
	check_stream("* OK [PERMANENTFLAGS\t( \\Seen)] x\r\n",
		     "* OK [PERMANENTFLAGS\t( \\Seen)] x\r\n", 0);
}

/* After a literal, the rest of the response can announce another one. */
static void
t_literal_after_literal(void **state)
{
	const char *s = "* 1 FETCH (BODY[1] {3}\r\nabc BODY[2] { 14 }\r\n"
			"1 OK [ALERT]\r\n BODY[3] {0}\r\n)\r\n1 OK [ALERT]\r\n";
	const char *w = "* 1 FETCH (BODY[1] {3}\r\nabc BODY[2] { 14 }\r\n"
			"1 OK [ALERT]\r\n BODY[3] {0}\r\n)\r\n1 OK [XLERT]\r\n";

	check_stream(s, w, 0);
}

static void
t_literal_limit(void **state)
{
	static const char big[] = "* 1 FETCH (BODY[] {1048577}\r\nxyz";
	static const char huge[] =
	    "* 1 FETCH (BODY[] {99999999999999999999999}\r\nxyz";
	struct script sc;
	mailstream_low *g;
	char *out;
	size_t outlen;

	g = guarded(&sc, big, strlen(big), 4096, 0);
	assert_int_equal(drain(g, 8192, &out, &outlen), -1);
	assert_int_equal(outlen, 0); /* the announcing line is held back */
	assert_non_null(imapguard_error(g));
	assert_non_null(strstr(imapguard_error(g), "1048577"));
	assert_non_null(strstr(imapguard_error(g), "1048576"));
	free(out);
	mailstream_low_free(g);

	g = guarded(&sc, big, strlen(big), 4096, 0);
	imapguard_body_begin(g, 2 * 1024 * 1024);
	/* Now allowed: the line and the 3 bytes there are, then the end. */
	assert_int_equal(drain(g, 8192, &out, &outlen), -1);
	assert_int_equal(outlen, strlen(big));
	assert_null(imapguard_error(g));
	free(out);
	mailstream_low_free(g);

	g = guarded(&sc, huge, strlen(huge), 4096, 0);
	imapguard_body_begin(g, SIZE_MAX);
	assert_int_equal(drain(g, 8192, &out, &outlen), -1);
	assert_non_null(strstr(imapguard_error(g), "too large"));
	free(out);
	mailstream_low_free(g);
}

/*
 * In a body fetch a literal over the limit is cut: libetpan gets max bytes
 * under a rewritten count, the rest is dropped, the stream stays in step.
 */
static void
t_body_cut(void **state)
{
	static const char in[] =
	    "* 1 FETCH (UID 5 BODY[] {10}\r\n0123456789 INTERNALDATE "
	    "\"x\")\r\n1 OK [ALERT]\r\n";
	static const char want[] =
	    "* 1 FETCH (UID 5 BODY[] {04}\r\n0123 INTERNALDATE "
	    "\"x\")\r\n1 OK [XLERT]\r\n";
	static const size_t chunks[] = {1, 5, 4096};
	char over[128], *out;
	struct script sc;
	mailstream_low *g;
	size_t i, outlen;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		g = guarded(&sc, in, strlen(in), chunks[i], 0);
		imapguard_body_begin(g, 4);
		assert_int_equal(drain(g, 3, &out, &outlen), -1);
		assert_null(imapguard_error(g));
		assert_int_equal(outlen, strlen(want));
		assert_memory_equal(out, want, outlen);
		assert_int_equal(imapguard_body_end(g), 10);
		free(out);
		mailstream_low_free(g);
	}
	/* Nothing cut: 0. */
	g = guarded(&sc, in, strlen(in), 4096, 0);
	imapguard_body_begin(g, 10);
	assert_int_equal(drain(g, 64, &out, &outlen), -1);
	assert_int_equal(outlen, strlen(in));
	assert_int_equal(imapguard_body_end(g), 0);
	free(out);
	mailstream_low_free(g);
	/* More than IMAPGUARD_MAX_DROP over the limit: the stream ends. */
	snprintf(over, sizeof(over), "* 1 FETCH (BODY[] {%llu}\r\nabc",
		 IMAPGUARD_MAX_DROP + 5);
	g = guarded(&sc, over, strlen(over), 4096, 0);
	imapguard_body_begin(g, 4);
	assert_int_equal(drain(g, 64, &out, &outlen), -1);
	assert_int_equal(outlen, 0);
	assert_non_null(imapguard_error(g));
	assert_int_equal(imapguard_body_end(g), 0);
	free(out);
	mailstream_low_free(g);
	/* Outside a body fetch nothing is cut. */
	g = guarded(&sc, in, strlen(in), 4096, 0);
	imapguard_body_begin(g, 4);
	(void)imapguard_body_end(g);
	assert_int_equal(drain(g, 64, &out, &outlen), -1);
	assert_int_equal(outlen, strlen(in));
	free(out);
	mailstream_low_free(g);
}

/* The end of the stream is -1 at once, also inside a literal. */
static void
t_eof_is_error(void **state)
{
	static const char s[] = "* 1 FETCH (BODY[] {500}\r\nonly this";
	struct script sc;
	mailstream_low *g;
	char buf[64];

	g = guarded(&sc, s, strlen(s), 4096, 0);
	assert_int_equal(mailstream_low_read(g, buf, 24),
			 24); /* the line, as far as count allows */
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), 1);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), 9);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), -1);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), -1);
	assert_null(imapguard_error(g)); /* a lost connection, not ours */
	mailstream_low_free(g);
}

static void
t_line_limit(void **state)
{
	char *s = malloc(BIG);
	struct script sc;
	mailstream_low *g;
	char *out;
	size_t outlen;

	assert_non_null(s);
	memcpy(s, "* SEARCH ", 9);
	memset(s + 9, '1', BIG - 9);
	g = guarded(&sc, s, BIG, 65536, 0);
	assert_int_equal(drain(g, 8192, &out, &outlen), -1);
	assert_int_equal(outlen, 0);
	assert_non_null(strstr(imapguard_error(g), "longer than"));
	/* It stopped reading soon after the limit. */
	assert_true(sc.off <= IMAPGUARD_MAX_LINE + 2 * 65536);
	free(out);
	mailstream_low_free(g);

	/* One byte under the limit is a line. */
	s[IMAPGUARD_MAX_LINE - 1] = '\n';
	g = guarded(&sc, s, IMAPGUARD_MAX_LINE, 65536, 0);
	assert_int_equal(drain(g, 8192, &out, &outlen), -1);
	assert_int_equal(outlen, IMAPGUARD_MAX_LINE);
	assert_null(imapguard_error(g));
	free(out);
	mailstream_low_free(g);
	free(s);
}

/* Bytes read but not handed on (the STARTTLS injection check). */
static void
t_pending(void **state)
{
	static const char s[] = "1 OK Begin TLS\r\n* OK injected\r\n";
	struct script sc;
	mailstream_low *g;
	char buf[64];

	g = guarded(&sc, s, strlen(s), 4096, 0);
	assert_int_equal(imapguard_pending(g), 0);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), 16);
	assert_int_equal(imapguard_pending(g), strlen(s) - 16);
	assert_int_equal(mailstream_low_get_fd(g), 42);
	mailstream_low_free(g);
	assert_true(sc.freed);
}

/*
 * A literal announced with blanks around its count and the line ended by
 * a bare LF (both taken by libetpan), split anywhere by the reads: the
 * literal passes untouched, the line after it is checked again.
 */
static void
t_literal_blanks_bare_lf(void **state)
{
	check_stream("* 1 FETCH (BODY[] { 3 } \nabc)\n1 OK [ALERT]\n",
		     "* 1 FETCH (BODY[] { 3 } \nabc)\n1 OK [XLERT]\n", 0);
	/* A CR at the end of a literal is data, not a line end. */
	check_stream("* 1 FETCH (BODY[] {3}\r\nab\r)\r\n2 NO [PARSE]\r\n",
		     "* 1 FETCH (BODY[] {3}\r\nab\r)\r\n2 NO [XARSE]\r\n", 0);
}

/*
 * NUL bytes in protocol lines and literals go through; "[ALERT]" with a
 * NUL for text is renamed, in a line and not in a literal.
 */
static void
t_nul_bytes(void **state)
{
	static const char in[] = "* OK x\0y\r\n1 OK [ALERT] \0\r\n"
				 "* 1 FETCH (BODY[] {9}\r\n[ALERT] \0\r\n)\r\n";
	static const char want[] =
	    "* OK x\0y\r\n1 OK [XLERT] \0\r\n"
	    "* 1 FETCH (BODY[] {9}\r\n[ALERT] \0\r\n)\r\n";
	static const size_t chunks[] = {1, 3, 4096};
	struct script sc;
	mailstream_low *g;
	char *out;
	size_t i, outlen;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		g = guarded(&sc, in, sizeof(in) - 1, chunks[i], 0);
		assert_int_equal(drain(g, 5, &out, &outlen), -1);
		assert_null(imapguard_error(g));
		assert_int_equal(outlen, sizeof(want) - 1);
		assert_memory_equal(out, want, outlen);
		free(out);
		mailstream_low_free(g);
	}
}

/*
 * After "{0}" the next line continues the response (libetpan reads it
 * with the literal): a status word there is no status response, so the
 * literal it announces is one.
 */
static void
t_zero_literal_continuation(void **state)
{
	static const char s[] = "* 1 FETCH (BODY[1] {0}\r\n"
				" OK BODY[2] {14}\r\n1 OK [ALERT]\r\n)\r\n"
				"1 OK [ALERT]\r\n";
	static const char w[] = "* 1 FETCH (BODY[1] {0}\r\n"
				" OK BODY[2] {14}\r\n1 OK [ALERT]\r\n)\r\n"
				"1 OK [XLERT]\r\n";

	check_stream(s, w, 0);
}

/*
 * The cut's edges: a literal of exactly max is not cut; max + 1 is cut
 * with one byte dropped; max + IMAPGUARD_MAX_DROP is still cut (only
 * the announcing line is read here: the stream then ends).
 */
static void
t_cut_edges(void **state)
{
	static const char exact[] = "* 1 FETCH (BODY[] {4}\r\nabcd)\r\n";
	static const char one[] =
	    "* 1 FETCH (BODY[] {5}\r\nabcde)\r\n1 OK [ALERT]\r\n";
	static const char one_w[] =
	    "* 1 FETCH (BODY[] {4}\r\nabcd)\r\n1 OK [XLERT]\r\n";
	char edge[128], edge_w[128], *out;
	struct script sc;
	mailstream_low *g;
	size_t outlen;
	int width;

	g = guarded(&sc, exact, strlen(exact), 3, 0);
	imapguard_body_begin(g, 4);
	assert_int_equal(drain(g, 7, &out, &outlen), -1);
	assert_int_equal(outlen, strlen(exact));
	assert_memory_equal(out, exact, outlen);
	assert_int_equal(imapguard_body_end(g), 0);
	free(out);
	mailstream_low_free(g);

	g = guarded(&sc, one, strlen(one), 2, 0);
	imapguard_body_begin(g, 4);
	assert_int_equal(drain(g, 7, &out, &outlen), -1);
	assert_null(imapguard_error(g));
	assert_int_equal(outlen, strlen(one_w));
	assert_memory_equal(out, one_w, outlen);
	assert_int_equal(imapguard_body_end(g), 5);
	assert_int_equal(imapguard_pending(g), 0);
	free(out);
	mailstream_low_free(g);

	width = snprintf(edge, sizeof(edge), "%llu", IMAPGUARD_MAX_DROP + 4);
	snprintf(edge, sizeof(edge), "* 1 FETCH (BODY[] {%llu}\r\n",
		 IMAPGUARD_MAX_DROP + 4);
	snprintf(edge_w, sizeof(edge_w), "* 1 FETCH (BODY[] {%0*d}\r\n", width,
		 4); /* same width, leading zeros */
	g = guarded(&sc, edge, strlen(edge), 4096, 0);
	imapguard_body_begin(g, 4);
	assert_int_equal(drain(g, 64, &out, &outlen), -1);
	assert_null(imapguard_error(g)); /* cut, then the end of the stream */
	assert_int_equal(outlen, strlen(edge));
	assert_memory_equal(out, edge_w, outlen);
	assert_int_equal(imapguard_body_end(g), IMAPGUARD_MAX_DROP + 4);
	free(out);
	mailstream_low_free(g);
}

/*
 * A line without its LF when the stream ends is never handed on (it
 * could not be checked), and counts as pending.
 */
static void
t_unterminated_line_held(void **state)
{
	static const char s[] = "* 1 EXISTS\r\n1 OK [ALERT]";
	struct script sc;
	mailstream_low *g;
	char buf[64];

	g = guarded(&sc, s, strlen(s), 4, 0);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "* 1 EXISTS\r\n", 12);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), -1);
	assert_int_equal(imapguard_pending(g), strlen(s) - 12);
	assert_int_equal(mailstream_low_read(g, buf, sizeof(buf)), -1);
	assert_null(imapguard_error(g));
	mailstream_low_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_plain_session_unchanged),
	    cmocka_unit_test(t_literal_untouched),
	    cmocka_unit_test(t_rewrites),
	    cmocka_unit_test(t_status_text_no_literal),
	    cmocka_unit_test(t_literal_after_literal),
	    cmocka_unit_test(t_literal_limit),
	    cmocka_unit_test(t_inner_literals_and_blanks),
	    cmocka_unit_test(t_body_cut),
	    cmocka_unit_test(t_eof_is_error),
	    cmocka_unit_test(t_line_limit),
	    cmocka_unit_test(t_pending),
	    cmocka_unit_test(t_literal_blanks_bare_lf),
	    cmocka_unit_test(t_nul_bytes),
	    cmocka_unit_test(t_zero_literal_continuation),
	    cmocka_unit_test(t_cut_edges),
	    cmocka_unit_test(t_unterminated_line_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
