/*
 * The guard between the server's bytes and libetpan's parser (see
 * imapguard.h for what it defends against).
 *
 * It cuts the stream into protocol lines and literals the way libetpan's
 * grammar does, so that it never mistakes literal data (a message body)
 * for a protocol line or the reverse: a line that ends in "{N}" announces
 * N bytes of literal, unless it is a status response (OK, NO, BAD, BYE,
 * PREAUTH, tagged or untagged, or a "+" continuation), whose text
 * libetpan reads to the end of the line.  Response codes inside a status
 * response can hold astrings, so libetpan may read a literal there
 * (PERMANENTFLAGS flags, BADCHARSET: the fuzzer found the first): the
 * brace of a literal announced at the end of a status response is
 * changed to 'X', so it is no literal for libetpan either.  BADCHARSET is
 * also renamed there (its parser leaks): we never send SEARCH CHARSET, so
 * it has nothing to tell us.  Where libetpan is more lenient than the grammar
 * (blanks inside "{ N }", a bare LF) the guard is at least as lenient, so
 * anything libetpan takes for a literal the guard does too; a "literal"
 * the guard sees where libetpan does not is a parse error for libetpan,
 * which ends the session.
 *
 * Protocol lines are held until complete (at most IMAPGUARD_MAX_LINE),
 * checked and changed in place (one letter, never the length), then
 * handed on.  Literal bytes go through untouched, straight into
 * libetpan's buffer once none are held here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapguard.h"

#define GUARD_FIRST_BUF 8192
#define GUARD_ERR 256

struct guard {
	mailstream_low *inner;
	char *buf;
	size_t cap;
	size_t off;	  /* first byte not yet handed on */
	size_t len;	  /* end of the bytes read */
	size_t ready;	  /* bytes from off checked, to hand on */
	size_t scan;	  /* bytes before this index hold no unchecked LF */
	uint64_t literal; /* literal bytes still to pass through */
	uint64_t drop;	  /* then bytes to read and drop (a cut literal) */
	uint64_t cut;	  /* count announced by a cut literal, or 0 */
	size_t max_literal;
	int body;	   /* a body fetch: cut literals over the limit */
	int greeting;	   /* the next line is the greeting */
	int after_literal; /* the next line continues after a literal */
	int eof;
	int failed;
	char err[GUARD_ERR];
};

static ssize_t guard_read(mailstream_low *, void *, size_t);
static ssize_t guard_write(mailstream_low *, const void *, size_t);
static int guard_close(mailstream_low *);
static int guard_get_fd(mailstream_low *);
static void guard_free(mailstream_low *);
static void guard_cancel(mailstream_low *);
static struct mailstream_cancel *guard_get_cancel(mailstream_low *);
static carray *guard_get_certificate_chain(mailstream_low *);

static mailstream_low_driver guard_driver = {
    .mailstream_read = guard_read,
    .mailstream_write = guard_write,
    .mailstream_close = guard_close,
    .mailstream_get_fd = guard_get_fd,
    .mailstream_free = guard_free,
    .mailstream_cancel = guard_cancel,
    .mailstream_get_cancel = guard_get_cancel,
    .mailstream_get_certificate_chain = guard_get_certificate_chain,
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* An ATOM-CHAR as libetpan reads it; "]" only when resp_special. */
static int
atom_char(unsigned char c, int resp_special)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\", c) == NULL &&
	       (resp_special || c != ']');
}

/* s (n bytes) starts with the word w, in any case. */
static int
starts_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && strncasecmp(s, w, wl) == 0;
}

/*
 * A status response: "+", or a tag or "*", blanks, then a word libetpan
 * takes for OK, NO, BAD, BYE or PREAUTH (it compares only that many
 * letters, so "OKAY" counts).
 */
static int
is_status(const char *l, size_t n)
{
	static const char *const words[] = {"OK", "NO", "BAD", "BYE",
					    "PREAUTH"};
	size_t i = 0, k;

	while (i < n && is_blank(l[i]))
		i++;
	if (i < n && l[i] == '+')
		return 1;
	while (i < n && !is_blank(l[i]))
		i++;
	while (i < n && is_blank(l[i]))
		i++;
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (starts_ci(l + i, n - i, words[k]))
			return 1;
	return 0;
}

/* Every occurrence of w (any case) in l gets its first letter 'X'. */
static void
rename_all(char *l, size_t n, const char *w)
{
	size_t wl = strlen(w), i;

	for (i = 0; i + wl <= n; i++)
		if (strncasecmp(l + i, w, wl) == 0)
			l[i] = 'X';
}

/*
 * "PERMANENTFLAGS (" not followed by ")" or by a first flag libetpan
 * reads (\*, \atom or an atom, then SP or ")"): a NULL dereference on its
 * error path.
 */
static void
fix_permanentflags(char *l, size_t n)
{
	static const char kw[] = "PERMANENTFLAGS";
	const size_t kl = sizeof(kw) - 1;
	size_t i, j, start;
	int ok;

	for (i = 0; i + kl <= n; i++) {
		if (strncasecmp(l + i, kw, kl) != 0)
			continue;
		/* libetpan skips blanks around tokens and parentheses. */
		for (j = i + kl; j < n && is_blank(l[j]); j++)
			continue;
		if (j >= n || l[j] != '(')
			continue;
		for (j++; j < n && is_blank(l[j]); j++)
			continue;
		if (j < n && l[j] == ')')
			continue;
		if (j + 1 < n && l[j] == '\\' && l[j + 1] == '*') {
			j += 2;
			ok = 1;
		} else {
			if (j < n && l[j] == '\\')
				j++;
			start = j;
			while (j < n && atom_char((unsigned char)l[j],
						  l[start - 1] != '\\'))
				j++;
			ok = j > start;
		}
		if (!ok || j >= n || (l[j] != ' ' && l[j] != ')'))
			l[i] = 'X';
	}
}

/*
 * "[ALERT]" and "[PARSE]" unless a space and a visible character follow:
 * libetpan strdup()s the missing text.  Blanks inside the brackets count
 * for nothing to libetpan ("[ ALERT ]"), so they do here.
 */
static void
fix_textless_codes(char *l, size_t n)
{
	static const char *const codes[] = {"ALERT", "PARSE"};
	size_t c, i, j, k, cl;
	unsigned char t;

	for (i = 0; i < n; i++) {
		if (l[i] != '[')
			continue;
		for (j = i + 1; j < n && is_blank(l[j]); j++)
			continue;
		for (c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
			cl = strlen(codes[c]);
			if (j + cl > n || strncasecmp(l + j, codes[c], cl) != 0)
				continue;
			for (k = j + cl; k < n && is_blank(l[k]); k++)
				continue;
			if (k >= n || l[k] != ']')
				continue;
			t = k + 2 < n ? (unsigned char)l[k + 2] : 0;
			if (k + 2 >= n || l[k + 1] != ' ' || t <= 0x20 ||
			    t >= 0x7f)
				l[j] = 'X';
		}
	}
}

/*
 * "CAPABILITY" not followed, after blanks, by an atom: libetpan stores an
 * empty list as NULL and later dereferences it.
 */
static void
fix_empty_capability(char *l, size_t n)
{
	static const char kw[] = "CAPABILITY";
	const size_t kl = sizeof(kw) - 1;
	size_t i, k;

	for (i = 0; i + kl <= n; i++) {
		if (strncasecmp(l + i, kw, kl) != 0)
			continue;
		for (k = i + kl; k < n && is_blank(l[k]); k++)
			continue;
		if (k >= n || !atom_char((unsigned char)l[k], 0))
			l[i] = 'X';
	}
}

/*
 * The count of a literal announced at the end of l (n bytes, line end
 * removed): '{', digits and '}' with blanks allowed around each.  1 with
 * *count (UINT64_MAX when it does not fit), 0 when there is none.
 */
static int
literal_at_end(const char *l, size_t n, uint64_t *count, size_t *brace,
	       size_t *dstart, size_t *dend)
{
	size_t e = n, d;
	uint64_t v = 0;

	while (e > 0 && is_blank(l[e - 1]))
		e--;
	if (e == 0 || l[e - 1] != '}')
		return 0;
	e--;
	while (e > 0 && is_blank(l[e - 1]))
		e--;
	d = e;
	while (d > 0 && l[d - 1] >= '0' && l[d - 1] <= '9')
		d--;
	if (d == e)
		return 0;
	*dstart = d;
	*dend = e;
	while (d > 0 && is_blank(l[d - 1]))
		d--;
	if (d == 0 || l[d - 1] != '{')
		return 0;
	*brace = d - 1;
	for (d = *dstart; d < e; d++) {
		if (v > (UINT64_MAX - 9) / 10) {
			*count = UINT64_MAX;
			return 1;
		}
		v = v * 10 + (uint64_t)(l[d] - '0');
	}
	*count = v;
	return 1;
}

/*
 * The digits l[ds..de) now say max, with leading zeros: the same width.
 * -1 when max does not fit (never: it is smaller than the count there).
 */
static int
rewrite_count(char *l, size_t ds, size_t de, size_t max)
{
	size_t i;

	for (i = de; i > ds; i--) {
		l[i - 1] = (char)('0' + max % 10);
		max /= 10;
	}
	return max == 0 ? 0 : -1;
}

/*
 * libetpan also takes "{N}" for a literal in the middle of a line (a
 * Domino workaround: with no CRLF after "}" the literal starts there) and
 * "{-N}" for an empty one.  Every "{", blanks, an optional "-", digits,
 * blanks and "}" in l before skip_from (the announcement at the end of the
 * line, or n) loses its brace, so libetpan never reads a literal the guard
 * did not see announced.  Never in literal data; in a protocol line it
 * costs a letter of a quoted string at worst.
 */
static void
fix_inner_literals(char *l, size_t n, size_t skip_from)
{
	size_t i, j, d;

	for (i = 0; i < skip_from; i++) {
		if (l[i] != '{')
			continue;
		for (j = i + 1; j < n && is_blank(l[j]); j++)
			continue;
		if (j < n && l[j] == '-')
			j++;
		for (d = j; j < n && l[j] >= '0' && l[j] <= '9'; j++)
			continue;
		if (j == d)
			continue;
		while (j < n && is_blank(l[j]))
			j++;
		if (j < n && l[j] == '}')
			l[i] = 'X';
	}
}

static void
guard_fail(struct guard *g, const char *what)
{
	g->failed = 1;
	snprintf(g->err, sizeof(g->err), "%s", what);
}

/* Check one complete line (n bytes, up to and with its LF) in place. */
static int
vet_line(struct guard *g, char *l, size_t n)
{
	size_t end = n - 1; /* the LF */
	uint64_t count;
	size_t br = 0, ds = 0, de = 0;
	int status;

	if (end > 0 && l[end - 1] == '\r')
		end--;
	status = !g->after_literal && is_status(l, end);
	g->after_literal = 0;
	if (g->greeting) {
		rename_all(l, end, "PERMANENTFLAGS");
		rename_all(l, end, "BADCHARSET");
		g->greeting = 0;
	}
	if (status)
		rename_all(l, end, "BADCHARSET");
	fix_permanentflags(l, end);
	fix_textless_codes(l, end);
	fix_empty_capability(l, end);
	if (!literal_at_end(l, end, &count, &br, &ds, &de)) {
		fix_inner_literals(l, end, end);
		return 0;
	}
	fix_inner_literals(l, end, br);
	if (status) {
		/*
		 * Text to libetpan, unless it sits in a response code that
		 * reads astrings (PERMANENTFLAGS flags, BADCHARSET): then
		 * libetpan would read a literal the guard did not expect.
		 * Without its brace it is no literal for either.
		 */
		l[br] = 'X';
		return 0;
	}
	if (g->body && count > g->max_literal && count != UINT64_MAX &&
	    count - g->max_literal <= IMAPGUARD_MAX_DROP && g->cut == 0) {
		if (rewrite_count(l, ds, de, g->max_literal) == -1) {
			guard_fail(g, "a literal count that cannot be cut");
			return -1;
		}
		g->cut = count;
		g->drop = count - g->max_literal;
		count = g->max_literal;
	}
	if (count == UINT64_MAX || count > g->max_literal) {
		char msg[GUARD_ERR];

		if (count == UINT64_MAX)
			snprintf(msg, sizeof(msg),
				 "the server announced a literal too large to "
				 "count; the limit is %zu bytes",
				 g->max_literal);
		else
			snprintf(msg, sizeof(msg),
				 "the server announced a literal of %llu "
				 "bytes; the limit is %zu",
				 (unsigned long long)count, g->max_literal);
		guard_fail(g, msg);
		return -1;
	}
	g->literal = count;
	if (count == 0)
		g->after_literal = 1;
	return 0;
}

/* Room for more bytes at the end of buf: compact, then grow. */
static int
make_room(struct guard *g)
{
	char *nb;
	size_t ncap;

	if (g->off > 0) {
		memmove(g->buf, g->buf + g->off, g->len - g->off);
		g->len -= g->off;
		g->scan -= g->off;
		g->off = 0;
	}
	if (g->len < g->cap)
		return 0;
	ncap = g->cap > 0 ? g->cap * 2 : GUARD_FIRST_BUF;
	if (ncap > IMAPGUARD_MAX_LINE + 2)
		ncap = IMAPGUARD_MAX_LINE + 2;
	if ((nb = realloc(g->buf, ncap)) == NULL) {
		guard_fail(g, "out of memory for a response line");
		return -1;
	}
	g->buf = nb;
	g->cap = ncap;
	return 0;
}

/* Read from the real stream; the end of it is an error, never 0. */
static ssize_t
inner_read(struct guard *g, void *p, size_t n)
{
	ssize_t r;

	if (g->eof)
		return -1;
	r = mailstream_low_read(g->inner, p, n);
	if (r == 0) {
		g->eof = 1;
		return -1;
	}
	return r;
}

static ssize_t
guard_read(mailstream_low *low, void *out, size_t count)
{
	struct guard *g = low->data;
	const char *lf;
	size_t n;
	ssize_t r;

	if (g->failed)
		return -1;
	if (count == 0)
		return 0;
	for (;;) {
		if (g->ready > 0) {
			n = g->ready < count ? g->ready : count;
			memcpy(out, g->buf + g->off, n);
			g->off += n;
			g->ready -= n;
			if (g->off == g->len)
				g->off = g->len = g->scan = 0;
			return (ssize_t)n;
		}
		if (g->literal == 0 && g->drop > 0) {
			/* The rest of a cut literal: read, never handed on. */
			if (g->len > g->off) {
				n = g->len - g->off;
				if (n > g->drop)
					n = (size_t)g->drop;
				g->off += n;
				g->scan = g->off;
				g->drop -= n;
				if (g->off == g->len)
					g->off = g->len = g->scan = 0;
				continue;
			}
			if (make_room(g) == -1)
				return -1;
			if ((r = inner_read(g, g->buf + g->len,
					    g->cap - g->len)) < 0)
				return -1;
			g->len += (size_t)r;
			continue;
		}
		if (g->literal > 0) {
			if (g->len > g->off) {
				n = g->len - g->off;
				if (n > g->literal)
					n = (size_t)g->literal;
				g->ready = n;
				g->scan = g->off + n;
			} else {
				n = count;
				if (n > g->literal)
					n = (size_t)g->literal;
				if ((r = inner_read(g, out, n)) < 0)
					return -1;
				n = (size_t)r;
			}
			g->literal -= n;
			if (g->literal == 0)
				g->after_literal = 1;
			if (g->ready == 0)
				return (ssize_t)n;
			continue;
		}
		lf = memchr(g->buf + g->scan, '\n', g->len - g->scan);
		if (lf != NULL) {
			n = (size_t)(lf - (g->buf + g->off)) + 1;
			if (vet_line(g, g->buf + g->off, n) == -1)
				return -1;
			g->ready = n;
			g->scan = g->off + n;
			continue;
		}
		g->scan = g->len;
		if (g->len - g->off > IMAPGUARD_MAX_LINE) {
			char msg[GUARD_ERR];

			snprintf(msg, sizeof(msg),
				 "the server sent a response line longer "
				 "than %d bytes",
				 IMAPGUARD_MAX_LINE);
			guard_fail(g, msg);
			return -1;
		}
		if (make_room(g) == -1)
			return -1;
		if ((r = inner_read(g, g->buf + g->len, g->cap - g->len)) < 0)
			return -1;
		g->len += (size_t)r;
	}
}

static ssize_t
guard_write(mailstream_low *low, const void *p, size_t n)
{
	struct guard *g = low->data;

	return mailstream_low_write(g->inner, p, n);
}

static int
guard_close(mailstream_low *low)
{
	struct guard *g = low->data;

	return mailstream_low_close(g->inner);
}

static int
guard_get_fd(mailstream_low *low)
{
	struct guard *g = low->data;

	return mailstream_low_get_fd(g->inner);
}

static void
guard_free(mailstream_low *low)
{
	struct guard *g = low->data;

	mailstream_low_free(g->inner);
	free(g->buf);
	free(g);
	free(low);
}

static void
guard_cancel(mailstream_low *low)
{
	struct guard *g = low->data;

	mailstream_low_cancel(g->inner);
}

static struct mailstream_cancel *
guard_get_cancel(mailstream_low *low)
{
	struct guard *g = low->data;

	return mailstream_low_get_cancel(g->inner);
}

static carray *
guard_get_certificate_chain(mailstream_low *low)
{
	struct guard *g = low->data;

	if (g->inner->driver->mailstream_get_certificate_chain == NULL)
		return NULL;
	return g->inner->driver->mailstream_get_certificate_chain(g->inner);
}

mailstream_low *
imapguard_wrap(mailstream_low *low, int greeting)
{
	struct guard *g;
	mailstream_low *s;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if ((g->buf = malloc(GUARD_FIRST_BUF)) == NULL) {
		free(g);
		return NULL;
	}
	g->cap = GUARD_FIRST_BUF;
	g->inner = low;
	g->greeting = greeting;
	g->max_literal = IMAPGUARD_DEF_LITERAL;
	if ((s = mailstream_low_new(g, &guard_driver)) == NULL) {
		free(g->buf);
		free(g);
		return NULL;
	}
	s->timeout = low->timeout;
	return s;
}

int
imapguard_is(const mailstream_low *low)
{
	return low != NULL && low->driver == &guard_driver;
}

void
imapguard_body_begin(mailstream_low *low, size_t max)
{
	struct guard *g = low->data;

	g->max_literal = max;
	g->body = 1;
	g->cut = 0;
}

unsigned long long
imapguard_body_end(mailstream_low *low)
{
	struct guard *g = low->data;

	g->max_literal = IMAPGUARD_DEF_LITERAL;
	g->body = 0;
	return g->cut;
}

size_t
imapguard_pending(const mailstream_low *low)
{
	const struct guard *g = low->data;

	return g->len - g->off;
}

const char *
imapguard_error(const mailstream_low *low)
{
	const struct guard *g = low->data;

	return g->failed ? g->err : NULL;
}
