/*
 * Unit tests for imapguard.c: a scripted server stream (a fake
 * mailstream_low that hands out its bytes in chunks of a set size) read
 * through the guard, as libetpan would read it.  Then imap_fetch()'s
 * partial body fetches, where the guard holds every part to the bytes
 * asked for, against a fake IMAP server in a child process (plain IMAP
 * on 127.0.0.1), honest and not.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "imap.h"
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

/* --- imap_fetch() in parts, against a fake server ---------------------- */

enum fake_mode {
	FM_HONEST,     /* partial fetches as RFC 3501 says */
	FM_LONGER,     /* a part runs to the end of the message */
	FM_NO_PARTIAL, /* the whole message for every partial fetch */
	FM_ORIGIN_0,   /* every part says it starts at 0 */
	FM_REFUSE,     /* BAD to a partial fetch */
	FM_DROP,       /* a part's literal cut short by the end of the stream */
	FM_VANISH,     /* after `after` parts the message is gone */
	FM_HUGE,       /* a part announced as {4294967295} */
	FM_OTHER_SECTION, /* a part answered as BODY[TEXT]<off> */
};

struct fake {
	const char *msg; /* the message */
	size_t len;
	const char *msg2; /* what it is after `after` parts (changed) */
	size_t len2;
	unsigned after;
	long long said; /* RFC822.SIZE; -1: the real size */
	enum fake_mode mode;
	int empty_quoted; /* an empty part as "" rather than {0} */
	int log;	  /* fd the commands are written to, one a line */
};

#define FAKE_DATE "\"20-Nov-2026 10:00:00 +0000\""
#define FAKE_DATE_T 1795168800 /* that date */

static void
say(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

static void
sayf(int fd, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > 0)
		say(fd, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

/* One FETCH data item BODY[...] with n bytes of p. */
static void
say_body(int fd, const char *tag, const char *item, const char *p, size_t n,
	 int date, int empty_quoted)
{
	sayf(fd, "* 1 FETCH (UID 1%s %s ",
	     date ? " INTERNALDATE " FAKE_DATE : "", item);
	if (n == 0 && empty_quoted)
		say(fd, "\"\"", 2);
	else {
		sayf(fd, "{%zu}\r\n", n);
		say(fd, p, n);
	}
	say(fd, ")\r\n", 3);
	sayf(fd, "%s OK FETCH completed\r\n", tag);
}

/* The child: one session on fd, then exit. */
static void
fake_serve(int fd, const struct fake *f)
{
	char line[1024], item[64], *tag, *sp, *lt;
	FILE *in = fdopen(fd, "r");
	unsigned parts = 0;
	size_t o, l, n;
	const char *m;
	size_t mlen;

	if (in == NULL)
		_exit(1);
	sayf(fd, "* OK fake ready\r\n");
	while (fgets(line, sizeof(line), in) != NULL) {
		if ((sp = strchr(line, ' ')) == NULL)
			break;
		*sp++ = '\0';
		tag = line;
		say(f->log, sp, strlen(sp));
		m = f->msg2 != NULL && parts >= f->after ? f->msg2 : f->msg;
		mlen = m == f->msg ? f->len : f->len2;
		if (strncmp(sp, "CAPABILITY", 10) == 0)
			sayf(fd, "* CAPABILITY IMAP4rev1\r\n%s OK done\r\n",
			     tag);
		else if (strncmp(sp, "LOGIN", 5) == 0)
			sayf(fd, "%s OK done\r\n", tag);
		else if (strncmp(sp, "SELECT", 6) == 0)
			sayf(fd,
			     "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n"
			     "%s OK [READ-WRITE] done\r\n",
			     tag);
		else if (strncmp(sp, "LOGOUT", 6) == 0) {
			sayf(fd, "* BYE bye\r\n%s OK done\r\n", tag);
			break;
		} else if (strstr(sp, "RFC822.SIZE") != NULL)
			sayf(fd,
			     "* 1 FETCH (UID 1 RFC822.SIZE %lld)\r\n%s OK "
			     "done\r\n",
			     f->said >= 0 ? f->said : (long long)f->len, tag);
		else if (strstr(sp, "BODY.PEEK[]") == NULL)
			sayf(fd, "%s BAD what\r\n", tag);
		else if (f->mode == FM_VANISH && parts >= f->after)
			sayf(fd, "%s OK nothing\r\n", tag);
		else if ((lt = strstr(sp, "BODY.PEEK[]<")) == NULL)
			say_body(fd, tag, "BODY[]", m, mlen, 1, 0); /* whole */
		else if (sscanf(lt, "BODY.PEEK[]<%zu.%zu>", &o, &l) != 2)
			sayf(fd, "%s BAD syntax\r\n", tag);
		else {
			parts++;
			n = o >= mlen ? 0 : mlen - o < l ? mlen - o : l;
			if (f->mode == FM_LONGER)
				n = o >= mlen ? 0 : mlen - o;
			snprintf(item, sizeof(item), "BODY[]<%zu>",
				 f->mode == FM_ORIGIN_0 ? 0 : o);
			if (f->mode == FM_OTHER_SECTION)
				snprintf(item, sizeof(item), "BODY[TEXT]<%zu>",
					 o);
			if (f->mode == FM_NO_PARTIAL)
				say_body(fd, tag, "BODY[]", m, mlen,
					 strstr(sp, "INTERNALDATE") != NULL, 0);
			else if (f->mode == FM_REFUSE)
				sayf(fd, "%s BAD no partial fetches here\r\n",
				     tag);
			else if (f->mode == FM_DROP && parts > f->after) {
				sayf(fd, "* 1 FETCH (UID 1 %s {%zu}\r\n", item,
				     n);
				say(fd, m + o, n / 2);
				break;
			} else if (f->mode == FM_HUGE && parts > f->after) {
				sayf(fd, "* 1 FETCH (UID 1 %s {4294967295}\r\n",
				     item);
				say(fd, m, mlen);
				break;
			} else
				say_body(fd, tag, item, m + (o < mlen ? o : 0),
					 n, strstr(sp, "INTERNALDATE") != NULL,
					 f->empty_quoted);
		}
	}
	fclose(in);
	_exit(0);
}

struct fetch_result {
	enum status st;
	char *raw;
	size_t len;
	time_t date;
	char err[1024];
	char cmds[65536]; /* what the server received */
};

/* Serve f in a child; open, fetch UID 1 with max and chunk, close. */
static void
fake_fetch(const struct fake *fin, size_t max, size_t chunk,
	   struct fetch_result *r)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct imap_opts o;
	struct imap *im = NULL;
	struct fake f = *fin;
	char logpath[] = "/tmp/test_imap_fetch.XXXXXX";
	int ls, c, status;
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_true((f.log = mkstemp(logpath)) != -1);
	unlink(logpath);
	assert_true((ls = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &salen), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if ((c = accept(ls, NULL, NULL)) == -1)
			_exit(1);
		close(ls);
		fake_serve(c, &f);
	}
	close(ls);
	memset(&o, 0, sizeof(o));
	o.server = "127.0.0.1";
	o.port = ntohs(sa.sin_port);
	o.starttls = 1; /* plain IMAP: the fake offers no STARTTLS */
	o.allow_plaintext = 1;
	o.username = "u";
	o.password = "p";
	o.verify_tls = 1;
	o.timeout = 10;
	o.fetch_chunk = chunk;
	assert_int_equal(imap_open(&o, &im, r->err, sizeof(r->err)), ST_OK);
	r->st = imap_fetch(im, 1, max, &r->raw, &r->len, &r->date, r->err,
			   sizeof(r->err));
	if (r->st != ST_OK)
		assert_null(r->raw);
	else
		assert_int_equal(r->raw[r->len], '\0');
	imap_close(im);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(lseek(f.log, 0, SEEK_SET) == 0);
	n = read(f.log, r->cmds, sizeof(r->cmds) - 1);
	assert_true(n >= 0);
	r->cmds[n] = '\0';
	close(f.log);
}

static size_t
count(const char *s, const char *w)
{
	size_t n = 0;

	while ((s = strstr(s, w)) != NULL) {
		n++;
		s += strlen(w);
	}
	return n;
}

/* A message of n bytes whose every byte depends on where it is. */
static char *
pattern(size_t n, unsigned seed)
{
	char *p = malloc(n + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (char)(i % 97 == 96 ? '\n' : 'a' + (i * 7 + seed) % 26);
	p[n] = '\0';
	return p;
}

static void
assert_got(const struct fetch_result *r, const char *msg, size_t len)
{
	assert_int_equal(r->st, ST_OK);
	assert_int_equal(r->len, len);
	assert_memory_equal(r->raw, msg, len);
}

#define WHOLE "UID FETCH 1 (BODY.PEEK[] INTERNALDATE)"

/* Honest server: parts of the chunk size, the last one asks one more. */
static void
t_fetch_parts(void **state)
{
	static const size_t lens[] = {1050, 1000, 101, 3};
	struct fetch_result *r = malloc(sizeof(*r));
	struct fake f;
	char *msg;
	size_t i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		msg = pattern(lens[i], (unsigned)i);
		memset(&f, 0, sizeof(f));
		f.msg = msg;
		f.len = lens[i];
		f.said = -1;
		f.empty_quoted = i == 1;
		fake_fetch(&f, 1 << 20, 100, r);
		assert_got(r, msg, lens[i]);
		assert_int_equal(r->date, FAKE_DATE_T);
		if (lens[i] <= 100) { /* small: whole, as before */
			assert_non_null(strstr(r->cmds, WHOLE));
			assert_int_equal(count(r->cmds, "BODY.PEEK[]<"), 0);
		} else {
			assert_null(strstr(r->cmds, WHOLE));
			assert_int_equal(count(r->cmds, "BODY.PEEK[]<"),
					 lens[i] / 100 + 1);
			assert_non_null(
			    strstr(r->cmds, "UID FETCH 1 (BODY.PEEK[]<0.100> "
					    "INTERNALDATE)"));
			assert_int_equal(count(r->cmds, "INTERNALDATE"), 1);
		}
		free(r->raw);
		free(msg);
	}
	/* The default part size: 1 MiB parts of a 2.5 MiB message. */
	msg = pattern(5 * 512 * 1024, 9);
	memset(&f, 0, sizeof(f));
	f.msg = msg;
	f.len = 5 * 512 * 1024;
	f.said = -1;
	fake_fetch(&f, 4 << 20, 0, r);
	assert_got(r, msg, f.len);
	assert_non_null(strstr(r->cmds, "BODY.PEEK[]<0.1048576> INTERNALDATE"));
	assert_non_null(strstr(r->cmds, "BODY.PEEK[]<1048576.1048576>"));
	assert_non_null(strstr(r->cmds, "BODY.PEEK[]<2097152.524289>"));
	assert_int_equal(count(r->cmds, "BODY.PEEK[]<"), 3);
	free(r->raw);
	free(msg);
	free(r);
}

/*
 * A server whose answers do not match RFC822.SIZE gets the whole
 * BODY.PEEK[] after the parts, exactly what it would have got before:
 * never a message cut or stitched from parts that do not fit.
 */
static void
t_fetch_parts_fallback(void **state)
{
	struct fetch_result *r = malloc(sizeof(*r));
	struct fake f;
	char *msg = pattern(1050, 1), *msg2 = pattern(990, 2);
	static const struct {
		enum fake_mode mode;
		long long said;
		int changed;
		const char *why;
	} cases[] = {
	    {FM_HONEST, 1000, 0, "1 bytes where RFC822.SIZE 1000 left 0"},
	    {FM_HONEST, 1100, 0, "50 bytes where RFC822.SIZE 1100 left 100"},
	    {FM_HONEST, 5000, 0, "50 bytes where RFC822.SIZE 5000 left 4000"},
	    {FM_HONEST, -1, 1, "90 bytes where RFC822.SIZE 1050 left 150"},
	    {FM_LONGER, -1, 0, "a literal of 1050 bytes"},
	    {FM_NO_PARTIAL, -1, 0, "a literal of 1050 bytes"},
	    {FM_ORIGIN_0, -1, 0, "the answer starts at 0"},
	    {FM_REFUSE, -1, 0, "refused: no partial fetches here"},
	    {FM_OTHER_SECTION, -1, 0, "another section"},
	};
	size_t i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.msg = msg;
		f.len = 1050;
		f.mode = cases[i].mode;
		f.said = cases[i].said;
		if (cases[i].changed) {
			f.msg2 = msg2;
			f.len2 = 990;
			f.after = 3;
		}
		fake_fetch(&f, 1 << 20, 100, r);
		if (cases[i].changed)
			assert_got(r, msg2, 990);
		else
			assert_got(r, msg, 1050);
		assert_int_equal(r->date, FAKE_DATE_T);
		assert_int_equal(count(r->cmds, WHOLE), 1);
		assert_true(count(r->cmds, "BODY.PEEK[]<") >= 1);
		/* the whole fetch comes last */
		assert_non_null(strstr(strstr(r->cmds, WHOLE), "LOGOUT"));
		assert_null(strstr(strstr(r->cmds, WHOLE), "BODY.PEEK[]<"));
		free(r->raw);
	}
	/* The whole message over max after all: set aside, as before. */
	memset(&f, 0, sizeof(f));
	f.msg = msg;
	f.len = 1050;
	f.said = 500;
	fake_fetch(&f, 800, 100, r);
	assert_int_equal(r->st, ST_MSG_BAD);
	assert_non_null(strstr(r->err, "message UID 1 is 1050 bytes, over the "
				       "limit of 800 (RFC822.SIZE said less)"));
	free(msg);
	free(msg2);
	free(r);
}

/* Failures that end the fetch: the connection, the size, the message. */
static void
t_fetch_parts_fail(void **state)
{
	struct fetch_result *r = malloc(sizeof(*r));
	struct fake f;
	char *msg = pattern(1050, 3);

	(void)state;
	assert_non_null(r);
	memset(&f, 0, sizeof(f));
	f.msg = msg;
	f.len = 1050;
	f.said = -1;

	/* RFC822.SIZE over max: not fetched at all. */
	fake_fetch(&f, 1049, 100, r);
	assert_int_equal(r->st, ST_MSG_BAD);
	assert_non_null(
	    strstr(r->err, "is 1050 bytes, over the limit of 1049"));
	assert_null(strstr(r->cmds, "BODY.PEEK"));

	/* The stream ends inside a part: the session is lost. */
	f.mode = FM_DROP;
	f.after = 4;
	fake_fetch(&f, 1 << 20, 100, r);
	assert_int_equal(r->st, ST_TEMP);
	assert_non_null(strstr(r->err, "connection lost during UID FETCH 1 "
				       "(BODY.PEEK[]<400.100>)"));
	assert_null(strstr(r->cmds, WHOLE));

	/* A part announced far over what was asked: the guard ends it. */
	f.mode = FM_HUGE;
	f.after = 2;
	fake_fetch(&f, 1 << 20, 100, r);
	assert_int_equal(r->st, ST_TEMP);
	assert_non_null(strstr(r->err, "the server announced a literal of "
				       "4294967295 bytes; the limit is 100"));

	/* The message went away in between: gone for the whole fetch too. */
	f.mode = FM_VANISH;
	f.after = 5;
	fake_fetch(&f, 1 << 20, 100, r);
	assert_int_equal(r->st, ST_TEMP);
	assert_non_null(strstr(r->err, "no body for that UID"));
	assert_int_equal(count(r->cmds, WHOLE), 1);
	free(msg);
	free(r);
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
	    cmocka_unit_test(t_fetch_parts),
	    cmocka_unit_test(t_fetch_parts_fallback),
	    cmocka_unit_test(t_fetch_parts_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
