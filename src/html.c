/*
 * Articles from a message body with gumbo-parser.
 *
 * gumbo 0.10.1 takes time and memory quadratic in element nesting, so the
 * HTML first goes through a linear pre-pass (bound()) that cuts it at
 * MAX_HTML_SIZE and replaces with a space every start tag that would open
 * an element deeper than MAX_HTML_DEPTH, or past HTML_MAX_TAGS tags.  The
 * pre-pass keeps its own stack of open elements and pops it only when
 * gumbo surely closes the element too (an end tag matching the top, past
 * elements that end tag implicitly closes, or a start tag that implicitly
 * closes the top), so its depth is never below gumbo's by more than the
 * elements gumbo invents (tbody, reconstructed formatting elements).
 * Then gumbo gets each run of text as one character, and the text is put
 * back in its tree (see "Text out of gumbo's way" below).
 *
 * A message that is not a digest is one article titled by the subject; a
 * digest is split at its repeated structure (see "Digests" below).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>
/*
 * The loops over every byte of text (the squeeze, the plain text, the
 * escaped description) take 16 bytes at a time with SSE2 where there is
 * SSE2; -DHTML_SCALAR leaves it out (to test the plain C on any machine).
 */
#if defined(__SSE2__) && !defined(HTML_SCALAR)
#include <emmintrin.h>
#define HTML_SSE2 1
#endif

#include "bounds.h"
#include "buf.h"
#include "html.h"
#include "utf8.h"

#define HTML_MAX_TAGS 50000 /* tags handed to gumbo */
#define TAGNAME_MAX 15	    /* longer names never match an end tag */
#define WALK_MAX_DEPTH (4 * MAX_HTML_DEPTH) /* tree walk recursion */
#define DESC_RESERVE (64u * 1024)	    /* room kept for closing tags */
#define HREF_MAX MAX_IOC_LEN

static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */

#ifdef HTML_SSE2
/* Bit k set when byte k of v is printable ASCII (0x21..0x7e). */
static unsigned
v_visible(__m128i v)
{
	return (unsigned)_mm_movemask_epi8(
	    _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
			  _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f))));
}

/* Bit k set when byte k of v is c. */
static unsigned
v_eq(__m128i v, char c)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* Index of the lowest bit set in m (not 0). */
static unsigned
lowbit(unsigned m)
{
	return (unsigned)__builtin_ctz(m);
}
#endif

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
isalpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
isspace_(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * Is s one of the NULL-terminated list?  The first bytes are compared
 * before strcmp(): inlist() runs for every element on every walk of the
 * tree, several lists at a time, and most names differ at their first byte.
 */
static int
inlist(const char *s, const char *const *l)
{
	for (; *l != NULL; l++)
		if ((*l)[0] == s[0] && strcmp(s, *l) == 0)
			return 1;
	return 0;
}

/*
 * The pre-pass.
 */

static const char *const void_tags[] = {
    "area",  "base",	 "br",	    "col",   "embed", "hr",	  "img",
    "input", "keygen",	 "link",    "meta",  "param", "source",	  "track",
    "wbr",   "basefont", "bgsound", "frame", "image", "menuitem", NULL};

/* Elements whose content is raw text up to their end tag. */
static const char *const raw_tags[] = {"script",  "style",    "textarea",
				       "title",	  "xmp",      "iframe",
				       "noembed", "noframes", NULL};

/* Start tags that close an open <p> (in button scope). */
static const char *const p_closers[] = {
    "address", "article", "aside",     "blockquote", "center",	 "details",
    "dialog",  "dir",	  "div",       "dl",	     "fieldset", "figcaption",
    "figure",  "footer",  "header",    "hgroup",     "main",	 "menu",
    "nav",     "ol",	  "p",	       "section",    "summary",	 "ul",
    "h1",      "h2",	  "h3",	       "h4",	     "h5",	 "h6",
    "pre",     "listing", "form",      "hr",	     "li",	 "dd",
    "dt",      "table",	  "plaintext", "xmp",	     NULL};

/* Closed by generate-implied-end-tags when an ancestor's end tag comes. */
static const char *const implied[] = {
    "li", "p", "dd", "dt", "option", "optgroup", "rb", "rp", "rt", "rtc", NULL};

/* Closed when an enclosing table part ends. */
static const char *const table_inner[] = {
    "td", "th", "tr", "tbody", "thead", "tfoot", "caption", "colgroup", NULL};

struct hstack {
	char name[MAX_HTML_DEPTH][TAGNAME_MAX + 1];
	size_t n;
};

static int
top_is(const struct hstack *s, const char *name)
{
	return s->n > 0 && strcmp(s->name[s->n - 1], name) == 0;
}

/* A start tag: implied closes of the top, then push.  -1 when full. */
static int
hs_start(struct hstack *s, const char *name, int toolong)
{
	if (inlist(name, p_closers) && top_is(s, "p"))
		s->n--;
	if (strcmp(name, "li") == 0 && top_is(s, "li"))
		s->n--;
	if ((strcmp(name, "dd") == 0 || strcmp(name, "dt") == 0) &&
	    (top_is(s, "dd") || top_is(s, "dt")))
		s->n--;
	if (strcmp(name, "option") == 0 && top_is(s, "option"))
		s->n--;
	if ((strcmp(name, "td") == 0 || strcmp(name, "th") == 0 ||
	     strcmp(name, "tr") == 0) &&
	    (top_is(s, "td") || top_is(s, "th")))
		s->n--;
	if (strcmp(name, "tr") == 0 && top_is(s, "tr"))
		s->n--;
	if (inlist(name, void_tags))
		return 0;
	if (s->n >= MAX_HTML_DEPTH)
		return -1;
	/* A name too long to compare can never be popped. */
	snprintf(s->name[s->n], sizeof(s->name[s->n]), "%s",
		 toolong ? "\x01" : name);
	s->n++;
	return 0;
}

/* An end tag: pop when the element is surely closed by gumbo. */
static void
hs_end(struct hstack *s, const char *name, int toolong)
{
	size_t k, lim;
	int tbl;

	if (toolong || s->n == 0)
		return;
	tbl = strcmp(name, "table") == 0 || strcmp(name, "tr") == 0 ||
	      strcmp(name, "tbody") == 0 || strcmp(name, "thead") == 0 ||
	      strcmp(name, "tfoot") == 0;
	lim = s->n > 16 ? s->n - 16 : 0;
	for (k = s->n; k-- > lim;) {
		if (strcmp(s->name[k], name) == 0) {
			s->n = k;
			return;
		}
		if (!inlist(s->name[k], implied) &&
		    !(tbl && inlist(s->name[k], table_inner)))
			return;
	}
}

/*
 * Find the end of a tag whose name ends at p[i], honouring quoted
 * attribute values.  Returns the index just past '>', or n when the tag
 * is unterminated.
 */
static size_t
tag_end(const char *p, size_t n, size_t i)
{
	char q;

	for (; i < n; i++) {
		if (p[i] == '>')
			return i + 1;
		if (p[i] == '=') {
			i++;
			while (i < n && isspace_((unsigned char)p[i]))
				i++;
			if (i < n && (p[i] == '"' || p[i] == '\'')) {
				q = p[i];
				for (i++; i < n && p[i] != q; i++)
					;
				if (i >= n)
					return n;
			} else
				i--;
		}
	}
	return n;
}

/* Find "</name" (case-insensitive) from i; n when absent. */
static size_t
find_close(const char *p, size_t n, size_t i, const char *name)
{
	size_t l = strlen(name), j;

	for (; i + 2 + l <= n; i++) {
		if (p[i] != '<' || p[i + 1] != '/')
			continue;
		for (j = 0; j < l; j++)
			if (lc((unsigned char)p[i + 2 + j]) != name[j])
				break;
		if (j == l &&
		    (i + 2 + l == n || !isalpha_((unsigned char)p[i + 2 + l])))
			return i;
	}
	return n;
}

/*
 * The bounded copy of html/len handed to gumbo (malloc'd, *outlen set),
 * or NULL on ENOMEM.  Never longer than the input.
 */
static char *
bound(const char *p, size_t n, size_t *outlen)
{
	struct hstack *s;
	struct buf b;
	const char *lt;
	char name[TAGNAME_MAX + 1], *out = NULL;
	size_t i = 0, j, e, nl, tags = 0;
	int end, toolong, drop;

	if (n > MAX_HTML_SIZE) {
		n = MAX_HTML_SIZE;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	buf_init(&b, n + 1);
	if (buf_add(&b, "", 0) == -1)
		goto out;
	while (i < n) {
		/* Text up to the next '<'. */
		lt = memchr(p + i, '<', n - i);
		j = lt != NULL ? (size_t)(lt - p) : n;
		if (j > i && buf_add(&b, p + i, j - i) == -1)
			goto out;
		if ((i = j) >= n)
			break;
		if (i + 3 < n && memcmp(p + i, "<!--", 4) == 0) {
			for (e = i + 4; e + 3 <= n; e++) {
				if ((lt = memchr(p + e, '-', n - e)) == NULL) {
					e = n;
					break;
				}
				e = (size_t)(lt - p);
				if (e + 3 <= n && memcmp(p + e, "-->", 3) == 0)
					break;
			}
			e = e + 3 <= n ? e + 3 : n;
			if (buf_add(&b, p + i, e - i) == -1)
				goto out;
			i = e;
			continue;
		}
		end = i + 1 < n && p[i + 1] == '/';
		j = i + 1 + end;
		if (j >= n || !isalpha_((unsigned char)p[j])) {
			/* "<!...>", "<?...>", "</ >": no element. */
			if (i + 1 < n &&
			    (p[i + 1] == '!' || p[i + 1] == '?' || end)) {
				for (e = i + 1; e < n && p[e] != '>'; e++)
					;
				e = e < n ? e + 1 : n;
			} else
				e = i + 1; /* a lone '<' */
			if (buf_add(&b, p + i, e - i) == -1)
				goto out;
			i = e;
			continue;
		}
		for (nl = 0, toolong = 0;
		     j < n && !isspace_((unsigned char)p[j]) && p[j] != '/' &&
		     p[j] != '>';
		     j++) {
			if (nl < TAGNAME_MAX)
				name[nl++] = (char)lc((unsigned char)p[j]);
			else
				toolong = 1;
		}
		name[nl] = '\0';
		e = tag_end(p, n, j);
		drop = 0;
		if (end)
			hs_end(s, name, toolong);
		else if (++tags > HTML_MAX_TAGS ||
			 hs_start(s, name, toolong) == -1)
			drop = 1;
		if (drop) {
			/* A space keeps words apart; one is enough. */
			if (b.len > 0 && b.p[b.len - 1] != ' ' &&
			    buf_add(&b, " ", 1) == -1)
				goto out;
			i = e;
			continue;
		}
		if (buf_add(&b, p + i, e - i) == -1)
			goto out;
		i = e;
		if (!end && !toolong && inlist(name, raw_tags)) {
			/* Raw text: copy to the end tag untouched. */
			e = find_close(p, n, i, name);
			if (buf_add(&b, p + i, e - i) == -1)
				goto out;
			i = e;
		} else if (!end && strcmp(name, "plaintext") == 0) {
			if (buf_add(&b, p + i, n - i) == -1)
				goto out;
			i = n;
		}
	}
	*outlen = b.len;
	out = buf_steal(&b);
out:
	buf_free(&b);
	free(s);
	return out;
}

/*
 * Text out of gumbo's way.
 *
 * gumbo 0.10.1 makes a token of every character of text and appends it to
 * the text node one code point at a time: on a newsletter, which is mostly
 * prose, that was nearly all of the parse, and half of the CPU of a dry run
 * over the bench's newsletters (perf, issue 7).  The tree builder looks at a
 * character only to tell whitespace from NUL from anything else, and once a run
 * of characters has had its first non-whitespace character, the rest of the run
 * only goes into the same text node.  So the middle of each run of text (from
 * its first to its last non-whitespace character) is handed to gumbo as one
 * character, a marker: U+F0000 + the run's number (Supplementary Private
 * Use Area-A), and the markers are replaced by the text in the tree gumbo
 * builds: the same tree, for a fraction of the work.  A document with a
 * character of that area, or a character reference to one, could forge a
 * marker: it is parsed as it is.
 *
 * A run keeps to what gumbo copies as it is: no '&' (a character
 * reference, skipped with the name after it), no NUL, no control or
 * noncharacter gumbo replaces with U+FFFD, only well-formed UTF-8, no
 * "-->" (the end of an escaped script) nor "]]>" (the end of a CDATA
 * section); CR and CR LF are folded to LF as gumbo does.  Tags, comments,
 * doctypes and the content of raw-text elements are copied untouched,
 * scanned with gumbo's tokenizer states.  Should a marker end up anywhere
 * but in a text node, once (a tag the scan read differently from gumbo, a
 * frameset dropping text), the tree is thrown away and the original parsed
 * instead.
 */

#ifndef SQ_MIN
#define SQ_MIN 8 /* shorter runs are left to gumbo */
#endif
#define SQ_BASE 0xf0000u /* the marker of run 0 */
#define SQ_RUNS 65534u	 /* U+F0000..U+FFFFD; more runs are left */
#define SQ_MARK_LEN 4	 /* bytes of a marker */
#define SQ_LEAD '\xf3'	 /* their first byte, then 0xb0..0xbf */

struct sqrun {
	size_t off, len; /* in the bounded copy */
};

struct squeeze {
	struct buf out; /* what gumbo parses */
	struct sqrun *run;
	size_t n, cap;
	size_t done; /* input copied to out so far */
	size_t seen; /* markers found in the tree */
	unsigned char *found;
	int err;
};

/* Byte classes of the text scan. */
enum { SQ_CHAR, SQ_WS, SQ_STOP, SQ_MB, SQ_AMP, SQ_GT };

#define C SQ_CHAR
#define W SQ_WS
#define S SQ_STOP
#define M SQ_MB
#define A SQ_AMP
#define G SQ_GT
static const unsigned char sq_class[256] = {
    S, S, S, S, S, S, S, S, S, W, W, S, W, W, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, W, C, C, C, C, C, A, C, C, C, C, C, C, C, C, C,
    C, C, C, C, C, C, C, C, C, C, C, C, C, C, G, C, C, C, C, C, C, C, C, C,
    C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
    C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
    C, C, C, C, C, C, C, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    M, M, M, M, M, S, S, S, S, S, S, S, S, S, S, S,
};
#undef C
#undef W
#undef S
#undef M
#undef A
#undef G

/*
 * Length of the character at p (n bytes left) when gumbo copies it as it
 * is, else 0: ill-formed, a C1 control, a noncharacter, the BOM or the
 * markers' own code points.
 */
static size_t
sq_mb(const char *p, size_t n)
{
	uint32_t cp;
	size_t l;

	if ((l = utf8_decode((const unsigned char *)p, n, &cp)) == 0 ||
	    cp < 0xa0 || (cp >= 0xfdd0 && cp <= 0xfdef) ||
	    (cp & 0xfffe) == 0xfffe || cp == 0xfeff ||
	    (cp >= SQ_BASE && cp < SQ_BASE + SQ_RUNS))
		return 0;
	return l;
}

/* The marker of run k (< SQ_RUNS), UTF-8, into m[SQ_MARK_LEN]. */
static void
sq_mark(char *m, size_t k)
{
	uint32_t cp = SQ_BASE + (uint32_t)k;

	m[0] = (char)(0xf0 | (cp >> 18));
	m[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	m[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	m[3] = (char)(0x80 | (cp & 0x3f));
}

/* The run of the marker at s (at least SQ_MARK_LEN bytes), or -1. */
static long
sq_number(const struct squeeze *q, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	if (utf8_decode(u, SQ_MARK_LEN, &cp) != SQ_MARK_LEN || cp < SQ_BASE ||
	    (k = cp - SQ_BASE) >= q->n)
		return -1;
	return (long)k;
}

/* The next marker in t, or NULL. */
static const char *
sq_find(const char *t)
{
	for (; (t = strchr(t, SQ_LEAD)) != NULL; t++)
		if ((unsigned char)t[1] >= 0xb0 && (unsigned char)t[1] <= 0xbf)
			return t;
	return NULL;
}

/* Hand p[done..f) to gumbo as it is and p[f..e) as a marker. */
static void
sq_cut(struct squeeze *q, const char *p, size_t f, size_t e)
{
	struct sqrun *nr;
	char mark[SQ_MARK_LEN];
	size_t cap;

	/* (SQ_MIN 1 for a differential test: every run, however short.) */
	if (q->err || f == SIZE_MAX || e - f < SQ_MIN || q->n >= SQ_RUNS)
		return;
	sq_mark(mark, q->n);
	if (q->n == q->cap) {
		cap = q->cap == 0 ? 64 : q->cap * 2;
		if ((nr = realloc(q->run, cap * sizeof(*nr))) == NULL) {
			q->err = 1;
			return;
		}
		q->run = nr;
		q->cap = cap;
	}
	if (buf_add(&q->out, p + q->done, f - q->done) == -1 ||
	    buf_add(&q->out, mark, SQ_MARK_LEN) == -1) {
		q->err = 1;
		return;
	}
	q->run[q->n].off = f;
	q->run[q->n].len = e - f;
	q->n++;
	q->done = e;
}

/* Past the stop at p[i] (b the end): with a character reference's name. */
static size_t
sq_skip(const char *p, size_t b, size_t i)
{
	if (p[i++] != '&')
		return i;
	while (i < b && (isalpha_((unsigned char)p[i]) ||
			 (p[i] >= '0' && p[i] <= '9') || p[i] == '#'))
		i++;
	return i < b && p[i] == ';' ? i + 1 : i;
}

/*
 * The text p[a..b) (no '<' in it): runs of it become markers.  With lead,
 * its first byte is kept as it is (it follows a '<').
 */
static void
sq_text(struct squeeze *q, const char *p, size_t a, size_t b, int lead)
{
	size_t i = a, f = SIZE_MAX, e = 0, l;
	int bad = 0;

	if (lead && i < b)
		i = sq_skip(p, b, i);
	while (i < b && !q->err) {
#ifdef HTML_SSE2
		/* Blocks of plain characters and whitespace, the most. */
		while (i + 16 <= b) {
			__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
			unsigned ch =
			    v_visible(v) & ~(v_eq(v, '&') | v_eq(v, '>'));
			unsigned ok = ch | v_eq(v, ' ') | v_eq(v, '\t') |
				      v_eq(v, '\n') | v_eq(v, '\f') |
				      v_eq(v, '\r');
			unsigned k = ok == 0xffff ? 16 : lowbit(~ok);

			if ((ch &= (1u << k) - 1) != 0) {
				if (f == SIZE_MAX)
					f = i + lowbit(ch);
				e = i + 32 - (unsigned)__builtin_clz(ch);
			}
			i += k;
			if (k < 16)
				break;
		}
		if (i >= b)
			break;
#endif
		switch (sq_class[(unsigned char)p[i]]) {
		case SQ_GT:
			if (i >= a + 2 &&
			    (p[i - 1] == '-' || p[i - 1] == ']') &&
			    p[i - 2] == p[i - 1]) {
				bad = 1; /* "-->", "]]>": not in a run */
				break;
			}
			/* FALLTHROUGH */
		case SQ_CHAR:
			if (f == SIZE_MAX)
				f = i;
			e = ++i;
			continue;
		case SQ_WS:
			i++;
			continue;
		case SQ_MB:
			if ((l = sq_mb(p + i, b - i)) == 0)
				break;
			if (f == SIZE_MAX)
				f = i;
			e = i += l;
			continue;
		default:
			break;
		}
		/* A stop: the run before it ends, without it. */
		if (!bad)
			sq_cut(q, p, f, e);
		f = SIZE_MAX;
		bad = 0;
		i = sq_skip(p, b, i);
	}
	if (!bad)
		sq_cut(q, p, f, e);
}

static int
sq_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Past the first '>' from i, or n. */
static size_t
sq_gt(const char *p, size_t n, size_t i)
{
	const char *g = i < n ? memchr(p + i, '>', n - i) : NULL;

	return g != NULL ? (size_t)(g - p) + 1 : n;
}

/* Past the end of a tag whose name starts at p[i], as gumbo reads it. */
static size_t
sq_tag(const char *p, size_t n, size_t i)
{
	enum {
		NAME,
		BEFORE_ATTR,
		ATTR,
		AFTER_ATTR,
		BEFORE_VAL,
		DQ,
		SQ,
		UNQ,
		AFTER_VAL,
		SELF
	} st = NAME;
	int c;

	for (; i < n; i++) {
		c = (unsigned char)p[i];
		switch (st) {
		case NAME:
			if (c == '>')
				return i + 1;
			st = sq_ws(c) ? BEFORE_ATTR : c == '/' ? SELF : NAME;
			break;
		case BEFORE_ATTR:
		case AFTER_ATTR:
			if (c == '>')
				return i + 1;
			if (c == '/')
				st = SELF;
			else if (st == AFTER_ATTR && c == '=')
				st = BEFORE_VAL;
			else if (!sq_ws(c))
				st = ATTR;
			break;
		case ATTR:
			if (c == '>')
				return i + 1;
			if (sq_ws(c))
				st = AFTER_ATTR;
			else if (c == '/')
				st = SELF;
			else if (c == '=')
				st = BEFORE_VAL;
			break;
		case BEFORE_VAL:
			if (c == '>')
				return i + 1;
			if (c == '"')
				st = DQ;
			else if (c == '\'')
				st = SQ;
			else if (!sq_ws(c))
				st = UNQ;
			break;
		case DQ:
		case SQ:
			if (c == (st == DQ ? '"' : '\''))
				st = AFTER_VAL;
			break;
		case UNQ:
			if (c == '>')
				return i + 1;
			if (sq_ws(c))
				st = BEFORE_ATTR;
			break;
		case AFTER_VAL:
		case SELF:
			if (c == '>')
				return i + 1;
			if (st == AFTER_VAL && sq_ws(c))
				st = BEFORE_ATTR;
			else if (st == AFTER_VAL && c == '/')
				st = SELF;
			else {
				st = BEFORE_ATTR;
				i--; /* reconsumed */
			}
			break;
		}
	}
	return n;
}

/* Past the end of a comment whose text starts at p[i] ("<!--" before). */
static size_t
sq_comment(const char *p, size_t n, size_t i)
{
	enum { START, START_DASH, TEXT, END_DASH, END, BANG } st = START;
	int c;

	for (; i < n; i++) {
		c = (unsigned char)p[i];
		switch (st) {
		case START:
		case START_DASH:
			if (c == '>')
				return i + 1;
			st = c != '-' ? TEXT : st == START ? START_DASH : END;
			break;
		case TEXT:
			if (c == '-')
				st = END_DASH;
			break;
		case END_DASH:
			st = c == '-' ? END : TEXT;
			break;
		case END:
			if (c == '>')
				return i + 1;
			st = c == '!' ? BANG : c == '-' ? END : TEXT;
			break;
		case BANG:
			if (c == '>')
				return i + 1;
			st = c == '-' ? END_DASH : TEXT;
			break;
		}
	}
	return n;
}

/*
 * Past the end of what starts with '<' at p[i], as gumbo's tokenizer reads
 * it; i + 1 when the '<' is text.  *name gets a start tag's name, lower
 * case and cut at TAGNAME_MAX ("" for anything else).
 */
static size_t
sq_markup(const char *p, size_t n, size_t i, char *name)
{
	size_t j, k;

	name[0] = '\0';
	if (i + 1 >= n)
		return i + 1;
	switch (p[i + 1]) {
	case '!':
		if (i + 3 < n && p[i + 2] == '-' && p[i + 3] == '-')
			return sq_comment(p, n, i + 4);
		return sq_gt(p, n, i + 2); /* doctype, bogus comment */
	case '?':
		return sq_gt(p, n, i + 1);
	case '/':
		if (i + 2 >= n)
			return n;
		if (isalpha_((unsigned char)p[i + 2]))
			return sq_tag(p, n, i + 3);
		return p[i + 2] == '>' ? i + 3 : sq_gt(p, n, i + 2);
	default:
		if (!isalpha_((unsigned char)p[i + 1]))
			return i + 1;
		for (j = i + 1, k = 0; j < n && !sq_ws((unsigned char)p[j]) &&
				       p[j] != '/' && p[j] != '>';
		     j++)
			if (k < TAGNAME_MAX)
				name[k++] = (char)lc((unsigned char)p[j]);
		name[k] = '\0';
		return sq_tag(p, n, i + 2);
	}
}

/*
 * Past the end tag "</name" followed by whitespace, '/' or '>' (how gumbo
 * ends raw text), from i; n when there is none.
 */
static size_t
sq_raw_end(const char *p, size_t n, size_t i, const char *name)
{
	size_t l = strlen(name), j;

	for (; (j = find_close(p, n, i, name)) < n; i = j + 1)
		if (j + 2 + l < n &&
		    (sq_ws((unsigned char)p[j + 2 + l]) ||
		     p[j + 2 + l] == '/' || p[j + 2 + l] == '>'))
			return j;
	return n;
}

/*
 * Could gumbo make a marker's character out of p/n: is one there, or a
 * numeric character reference to one ("&#xF0000;", "&#983040;")?  Then a
 * marker could be forged, and nothing is squeezed.
 */
static int
sq_forged(const char *p, size_t n)
{
	const char *e = p + n, *c, *d;
	uint32_t v, base;
	int dv;

	for (c = p; (c = memchr(c, SQ_LEAD, (size_t)(e - c))) != NULL; c++)
		if (c + 1 < e && (unsigned char)c[1] >= 0xb0 &&
		    (unsigned char)c[1] <= 0xbf)
			return 1;
	for (c = p; (c = memchr(c, '&', (size_t)(e - c))) != NULL; c++) {
		d = c + 1;
		if (d >= e || *d++ != '#')
			continue;
		base = 10;
		if (d < e && (*d == 'x' || *d == 'X')) {
			base = 16;
			d++;
		}
		for (v = 0; d < e; d++) {
			if (*d >= '0' && *d <= '9')
				dv = *d - '0';
			else if (base == 16 && lc((unsigned char)*d) >= 'a' &&
				 lc((unsigned char)*d) <= 'f')
				dv = lc((unsigned char)*d) - 'a' + 10;
			else
				break;
			v = v * base + (uint32_t)dv;
			if (v > 0x10ffff)
				v = 0x110000; /* past Unicode, and stays so */
		}
		if (v >= SQ_BASE && v < SQ_BASE + SQ_RUNS)
			return 1;
	}
	return 0;
}

/*
 * The squeezed copy of p/n (the bounded copy) in q->out, the runs it
 * stands for in q->run.  -1 on ENOMEM; nothing squeezed (q->n 0) when a
 * marker could be forged.
 */
static int
squeeze(struct squeeze *q, const char *p, size_t n)
{
	char name[TAGNAME_MAX + 1] = {0};
	const char *lt;
	size_t i = 0, j, e;
	int lead;

	/* Never longer, but where a test squeezes runs shorter than markers. */
	buf_init(&q->out, SQ_MIN >= SQ_MARK_LEN ? n + 1 : 4 * n + 16);
	if (sq_forged(p, n))
		return 0;
	while (i < n && !q->err) {
		lt = memchr(p + i, '<', n - i);
		j = lt != NULL ? (size_t)(lt - p) : n;
		sq_text(q, p, i, j, 0);
		if (j >= n)
			break;
		i = sq_markup(p, n, j, name);
		if (name[0] == '\0' || !inlist(name, raw_tags))
			continue;
		/*
		 * Raw text up to its end tag, where a '<' is text, unless
		 * the element is not raw where it is (<svg><title>): then a
		 * tag gumbo reads there takes in a marker, which unsqueeze()
		 * misses, as long as the byte after each '<' is kept.  A
		 * script's text is left alone (its escapes read "-->").
		 */
		e = sq_raw_end(p, n, i, name);
		if (strcmp(name, "script") != 0)
			for (lead = 0; i < e && !q->err; i = j + 1, lead = 1) {
				lt = memchr(p + i, '<', e - i);
				j = lt != NULL ? (size_t)(lt - p) : e;
				sq_text(q, p, i, j, lead);
			}
		i = e;
	}
	if (!q->err && buf_add(&q->out, p + q->done, n - q->done) == -1)
		q->err = 1;
	return q->err ? -1 : 0;
}

/* Copy a/n to w, CR LF and CR as LF (as gumbo reads them); past the end. */
static char *
sq_fold(char *w, const char *a, size_t n)
{
	const char *e = a + n, *cr;

	while ((cr = memchr(a, '\r', (size_t)(e - a))) != NULL) {
		memcpy(w, a, (size_t)(cr - a));
		w += cr - a;
		*w++ = '\n';
		a = cr + 1;
		if (a < e && *a == '\n')
			a++;
	}
	memcpy(w, a, (size_t)(e - a));
	return w + (e - a);
}

/*
 * Put the runs back into the text node n: its text rebuilt, allocated as
 * gumbo allocates.  -1 when a marker is broken or seen twice, or on ENOMEM.
 */
static int
sq_node(struct squeeze *q, const char *src, GumboNode *n, const GumboOptions *o)
{
	const char *t = n->v.text.text, *s, *m;
	char *nt, *w;
	size_t need;
	long k;

	if ((m = sq_find(t)) == NULL)
		return 0;
	/* The markers checked, and the size (folding only shortens). */
	need = strlen(t) + 1;
	for (; m != NULL; m = sq_find(m + SQ_MARK_LEN)) {
		if ((k = sq_number(q, m)) < 0 || q->found[k])
			return -1;
		q->found[k] = 1;
		q->seen++;
		need = need - SQ_MARK_LEN + q->run[k].len;
	}
	if ((nt = o->allocator(o->userdata, need)) == NULL)
		return -1;
	for (w = nt, s = t; (m = sq_find(s)) != NULL; s = m + SQ_MARK_LEN) {
		memcpy(w, s, (size_t)(m - s));
		w += m - s;
		k = sq_number(q, m);
		w = sq_fold(w, src + q->run[k].off, q->run[k].len);
	}
	memcpy(w, s, strlen(s) + 1);
	o->deallocator(o->userdata, (void *)(uintptr_t)t);
	n->v.text.text = nt;
	return 0;
}

/*
 * Put every run back into the tree.  -1 unless each marker was found once,
 * whole, in a text node.
 */
static int
unsqueeze(struct squeeze *q, const char *src, GumboOutput *g,
	  const GumboOptions *o)
{
	struct sqframe {
		GumboNode *n;
	} *st = NULL, *ns;
	GumboNode *n;
	const GumboVector *ch;
	size_t sn = 0, scap = 0, i;
	int rc = -1;

	if ((q->found = calloc(q->n, 1)) == NULL)
		return -1;
	for (n = g->document; n != NULL; n = sn > 0 ? st[--sn].n : NULL) {
		switch (n->type) {
		case GUMBO_NODE_DOCUMENT:
			ch = &n->v.document.children;
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			ch = &n->v.element.children;
			break;
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
		case GUMBO_NODE_WHITESPACE:
			if (sq_node(q, src, n, o) == -1)
				goto out;
			continue;
		default:
			continue;
		}
		if (sn + ch->length > scap) {
			scap = (sn + ch->length) * 2 + 16;
			if ((ns = realloc(st, scap * sizeof(*st))) == NULL)
				goto out;
			st = ns;
		}
		for (i = ch->length; i-- > 0;)
			st[sn++].n = ch->data[i];
	}
	rc = q->seen == q->n ? 0 : -1;
out:
	free(st);
	return rc;
}

static void *
g_alloc(void *ud, size_t n)
{
	(void)ud;
	return malloc(n);
}

static void
g_free(void *ud, void *p)
{
	(void)ud;
	free(p);
}

/*
 * gumbo's memory for a squeezed parse: blocks handed out in order and
 * freed together with the tree.  gumbo makes and frees many small objects
 * (a token, a string buffer grown by copying): with malloc() and free()
 * that was a fifth of a squeezed parse.  What gumbo frees early stays until
 * the end, so the arena is only for a small document (ARENA_MAX_INPUT,
 * the squeezed copy), whose gumbo memory is small anyway.
 */
#define ARENA_BLOCK (64u * 1024)
#define ARENA_MAX_INPUT (256u * 1024)
#define ARENA_ALIGN _Alignof(max_align_t)

struct ablock {
	struct ablock *next;
	size_t used, size;
	max_align_t data[]; /* size bytes */
};

struct arena {
	struct ablock *head;
};

static void *
a_alloc(void *ud, size_t n)
{
	struct arena *a = ud;
	struct ablock *b = a->head, *nb;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < n)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t sz = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;

		if (sz > SIZE_MAX - sizeof(*nb) ||
		    (nb = malloc(sizeof(*nb) + sz)) == NULL)
			return NULL;
		nb->used = 0;
		nb->size = sz;
		if (b != NULL && sz != ARENA_BLOCK) {
			/* A big one of its own, behind the current block. */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	return p;
}

static void
a_free(void *ud, void *p)
{
	(void)ud;
	(void)p; /* with the arena */
}

static void
arena_free(struct arena *a)
{
	struct ablock *b, *nb;

	for (b = a->head; b != NULL; b = nb) {
		nb = b->next;
		free(b);
	}
	a->head = NULL;
}

/* gumbo's options here: no error list, an allocator (see sq_node()). */
static void
gumbo_opts(GumboOptions *o, struct arena *a)
{
	*o = kGumboDefaultOptions;
	o->allocator = a != NULL ? a_alloc : g_alloc;
	o->deallocator = a != NULL ? a_free : g_free;
	o->userdata = a;
	o->max_errors = 0;
}

/* A parsed body: the tree, the text it points into, its arena if any. */
struct tree {
	GumboOutput *g;
	char *hold;
	struct arena a;
};

static void
unparse(struct tree *t)
{
	GumboOptions opt;

	if (t->g != NULL && t->a.head == NULL) {
		gumbo_opts(&opt, NULL);
		gumbo_destroy_output(&opt, t->g);
	}
	arena_free(&t->a); /* an arena tree needs nothing else */
	free(t->hold);
	memset(t, 0, sizeof(*t));
}

/* Parse the bounded copy of html into t; t->g NULL on ENOMEM. */
static void
parse(const char *html, size_t len, struct tree *t)
{
	GumboOptions opt;
	struct squeeze q;
	char *b;
	size_t hl = 0;

	memset(t, 0, sizeof(*t));
	if ((b = bound(html, len, &hl)) == NULL)
		return;
	memset(&q, 0, sizeof(q));
	if (squeeze(&q, b, hl) == 0 && q.n > 0) {
		gumbo_opts(&opt, q.out.len <= ARENA_MAX_INPUT ? &t->a : NULL);
		if ((t->g = gumbo_parse_with_options(&opt, q.out.p,
						     q.out.len)) != NULL &&
		    unsqueeze(&q, b, t->g, &opt) == 0) {
			t->hold = buf_steal(&q.out);
			free(b);
			goto out;
		}
		unparse(t);
	}
	/* Nothing to squeeze, or a marker astray: the text as it is. */
	gumbo_opts(&opt, NULL);
	if ((t->g = gumbo_parse_with_options(&opt, b, hl)) == NULL)
		free(b);
	else
		t->hold = b;
out:
	buf_free(&q.out);
	free(q.run);
	free(q.found);
}

/*
 * Plain text.
 */

struct text {
	struct buf b;
	int nl;	    /* newlines owed before the next text */
	int sp;	    /* a space owed */
	int pre;    /* inside <pre> */
	int nohref; /* leave out link targets (titles) */
	int full;
	int err;
	int marks; /* <a> and <pre> elements walked (see unit_plain()) */
};

static const char *const skip_tags[] = {"script",   "style",  "head",	"title",
					"template", "iframe", "object", "embed",
					"noscript", NULL};

static const char *const block_tags[] = {
    "div",	"li",	      "tr",	 "td",	    "th",
    "dt",	"dd",	      "section", "article", "header",
    "footer",	"nav",	      "aside",	 "main",    "address",
    "figure",	"figcaption", "center",	 "caption", "form",
    "fieldset", "details",    "summary", "option",  NULL};

static const char *const para_tags[] = {
    "p",  "h1", "h2", "h3",	    "h4",  "h5", "h6", "table",
    "ul", "ol", "dl", "blockquote", "pre", "hr", NULL};

static void
t_add(struct text *t, const char *p, size_t n)
{
	size_t room;

	if (t->full || t->err || n == 0)
		return;
	if (buf_add(&t->b, p, n) == 0)
		return;
	room = t->b.max - t->b.len;
	if (n <= room) {
		t->err = 1;
		return;
	}
	while (room > 0 && ((unsigned char)p[room] & 0xc0) == 0x80)
		room--;
	if (buf_add(&t->b, p, room) == -1)
		t->err = 1;
	t->full = 1;
}

static void
t_break(struct text *t, int n)
{
	if (t->b.len > 0 && t->nl < n)
		t->nl = n;
	t->sp = 0;
}

/* Emit owed separators before a visible character. */
static void
t_flush(struct text *t)
{
	if (t->nl > 0) {
		t_add(t, "\n\n", (size_t)t->nl);
		t->nl = 0;
		t->sp = 0;
	} else if (t->sp) {
		t_add(t, " ", 1);
		t->sp = 0;
	}
}

static int
is_nbsp(const char *s, size_t n, size_t i)
{
	return (unsigned char)s[i] == 0xc2 && i + 1 < n &&
	       (unsigned char)s[i + 1] == 0xa0;
}

/* Text content: whitespace collapsed (unless in <pre>), NBSP a space. */
static void
t_text(struct text *t, const char *s, size_t n)
{
	size_t i = 0, j, l;

	/* Full: nothing more can be added, whatever the text. */
	while (i < n && !t->full && !t->err) {
		unsigned char c = (unsigned char)s[i];

		if (t->pre && (c == '\n' || c == '\r')) {
			if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			i++;
			t_add(t, "\n", 1);
			t->nl = t->sp = 0;
			continue;
		}
		if (isspace_(c) || c == '\v' || is_nbsp(s, n, i)) {
			i += c == 0xc2 ? 2 : 1;
			if (t->pre) {
				t_flush(t);
				t_add(t, " ", 1);
			} else if (t->b.len > 0 && t->nl == 0)
				t->sp = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			i++;
			continue;
		}
		t_flush(t);
		if (c >= 0x80 &&
		    utf8_len((const unsigned char *)s + i, n - i) == 0) {
			t_add(t, repl, 3);
			i++;
			continue;
		}
		/*
		 * Visible characters, and single spaces between them (what
		 * the space would become), in one piece: most of the text.
		 */
		for (j = i; j < n; j += l) {
			unsigned char d;

#ifdef HTML_SSE2
			while (j + 17 <= n) {
				__m128i v =
				    _mm_loadu_si128((const __m128i *)(s + j));
				unsigned ok =
				    v_visible(v) |
				    (v_eq(v, ' ') &
				     v_visible(_mm_loadu_si128(
					 (const __m128i *)(s + j + 1))));

				if (ok != 0xffff) {
					j += lowbit(~ok);
					break;
				}
				j += 16;
			}
			if (j >= n)
				break;
#endif
			d = (unsigned char)s[j];
			l = 1;
			if (d > 0x20 && d < 0x7f)
				continue;
			if (d == ' ' && j + 1 < n &&
			    (unsigned char)s[j + 1] > 0x20 &&
			    (unsigned char)s[j + 1] < 0x7f) {
				l = 2;
				continue;
			}
			if (d < 0x80 || is_nbsp(s, n, j) ||
			    (l = utf8_len((const unsigned char *)s + j,
					  n - j)) == 0)
				break;
		}
		t_add(t, s + i, j - i);
		i = j;
	}
}

static const char *
tagname(const GumboNode *n)
{
	const char *s = gumbo_normalized_tagname(n->v.element.tag);

	return s != NULL ? s : "";
}

/* href of an <a>, whitespace-trimmed, or NULL. */
static const char *
href_of(const GumboNode *n, size_t *len)
{
	GumboAttribute *a;
	const char *h;
	size_t l;

	if ((a = gumbo_get_attribute(&n->v.element.attributes, "href")) ==
		NULL ||
	    a->value == NULL)
		return NULL;
	h = a->value;
	while (isspace_((unsigned char)*h))
		h++;
	l = strlen(h);
	while (l > 0 && isspace_((unsigned char)h[l - 1]))
		l--;
	if (l == 0 || l > HREF_MAX)
		return NULL;
	*len = l;
	return h;
}

static void
to_text(struct text *t, const GumboNode *n, int depth)
{
	const GumboVector *ch;
	const char *name, *h;
	size_t i, start, hl;
	int brk = 0, savepre;

	if (depth > WALK_MAX_DEPTH || t->full || t->err)
		return;
	switch (n->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_CDATA:
	case GUMBO_NODE_WHITESPACE:
		t_text(t, n->v.text.text, strlen(n->v.text.text));
		return;
	case GUMBO_NODE_DOCUMENT:
		ch = &n->v.document.children;
		for (i = 0; i < ch->length; i++)
			to_text(t, ch->data[i], depth + 1);
		return;
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		break;
	default:
		return;
	}
	name = tagname(n);
	if (inlist(name, skip_tags))
		return;
	if ((name[0] == 'a' && name[1] == '\0') || strcmp(name, "pre") == 0)
		t->marks++;
	if (strcmp(name, "br") == 0) {
		if (t->b.len > 0) {
			t_add(t, "\n", 1);
			t->nl = 0;
		}
		t->sp = 0;
		return;
	}
	if (inlist(name, para_tags))
		brk = 2;
	else if (inlist(name, block_tags))
		brk = 1;
	if (brk)
		t_break(t, brk);
	savepre = t->pre;
	if (strcmp(name, "pre") == 0)
		t->pre = 1;
	start = t->b.len;
	ch = &n->v.element.children;
	for (i = 0; i < ch->length; i++)
		to_text(t, ch->data[i], depth + 1);
	t->pre = savepre;
	if (!t->nohref && strcmp(name, "a") == 0 &&
	    (h = href_of(n, &hl)) != NULL && h[0] != '#') {
		const char *tx = t->b.p != NULL ? t->b.p + start : "";
		size_t tl = t->b.len - start;

		while (tl > 0 && isspace_((unsigned char)*tx))
			tx++, tl--;
		if (tl != hl || memcmp(tx, h, hl) != 0) {
			if (tl > 0)
				t->sp = 1;
			t_flush(t);
			t_add(t, "<", 1);
			t_text(t, h, hl);
			t_add(t, ">", 1);
		}
	}
	if (brk)
		t_break(t, brk);
}

/* Plain text of a parsed tree, malloc'd; NULL on ENOMEM. */
static char *
tree_text(const GumboOutput *g, size_t *outlen)
{
	struct text t;
	size_t l;

	memset(&t, 0, sizeof(t));
	buf_init(&t.b, MAX_TEXT_SIZE);
	to_text(&t, g->document, 0);
	if (t.err || buf_add(&t.b, "", 0) == -1) {
		buf_free(&t.b);
		return NULL;
	}
	l = t.b.len;
	while (l > 0 && isspace_((unsigned char)t.b.p[l - 1]))
		l--;
	t.b.p[l] = '\0';
	*outlen = l;
	return buf_steal(&t.b);
}

char *
html_to_text(const char *html, size_t len, size_t *outlen)
{
	struct tree t;
	char *s;
	size_t l = 0;

	if (html == NULL)
		html = "";
	parse(html, len, &t);
	if (t.g == NULL)
		return NULL;
	s = tree_text(t.g, &l);
	unparse(&t);
	if (s != NULL && outlen != NULL)
		*outlen = l;
	return s;
}

/*
 * Sanitised HTML.
 */

static const char *const keep_tags[] = {
    "p",  "br",	 "div",	 "span",       "a",	"b",	 "strong", "i",
    "em", "u",	 "ul",	 "ol",	       "li",	"h1",	 "h2",	   "h3",
    "h4", "h5",	 "h6",	 "table",      "thead", "tbody", "tr",	   "td",
    "th", "pre", "code", "blockquote", "hr",	NULL};

/* Dropped with everything inside. */
static const char *const drop_tags[] = {
    "script",	"style",    "iframe",	"object",   "embed",   "form",
    "img",	"head",	    "title",	"template", "svg",     "math",
    "link",	"meta",	    "base",	"input",    "button",  "select",
    "textarea", "noscript", "frameset", "frame",    "applet",  "audio",
    "video",	"canvas",   "source",	"track",    "picture", "map",
    "area",	"param",    "dialog",	NULL};

/* Not kept, but a block: becomes a div. */
static const char *const div_tags[] = {
    "section",	"article", "header",  "footer",	    "main",  "nav", "aside",
    "center",	"address", "figure",  "figcaption", "dl",    "dt",  "dd",
    "fieldset", "details", "summary", "caption",    "tfoot", NULL};

struct desc {
	struct buf b;
	int full;
	int err;
};

static void
d_add(struct desc *d, const char *p, size_t n, int closing)
{
	if (d->err || (d->full && !closing))
		return;
	if (!closing && d->b.len + n + DESC_RESERVE > d->b.max) {
		d->full = 1;
		return;
	}
	if (buf_add(&d->b, p, n) == -1)
		d->err = 1;
}

/* ASCII that d_esc() escapes or drops: & < > " ' and controls but \t \n. */
static const unsigned char esc_stop[128] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* Escaped text (valid UTF-8; controls other than \t\n dropped). */
static void
d_esc(struct desc *d, const char *s, size_t n)
{
	size_t i = 0, j, l;

	while (i < n && !d->full && !d->err) {
		for (j = i; j < n; j += l) {
			unsigned char c;

#ifdef HTML_SSE2
			while (j + 16 <= n) {
				__m128i v =
				    _mm_loadu_si128((const __m128i *)(s + j));
				unsigned ok = (v_visible(v) | v_eq(v, ' ') |
					       v_eq(v, '\t') | v_eq(v, '\n')) &
					      ~(v_eq(v, '&') | v_eq(v, '<') |
						v_eq(v, '>') | v_eq(v, '"') |
						v_eq(v, '\''));

				if (ok != 0xffff) {
					j += lowbit(~ok);
					break;
				}
				j += 16;
			}
			if (j >= n)
				break;
#endif
			c = (unsigned char)s[j];
			l = 1;
			if (c < 0x80
				? esc_stop[c]
				: (l = utf8_len((const unsigned char *)s + j,
						n - j)) == 0)
				break;
		}
		d_add(d, s + i, j - i, 0);
		if (j >= n)
			break;
		switch (s[j]) {
		case '&':
			d_add(d, "&amp;", 5, 0);
			break;
		case '<':
			d_add(d, "&lt;", 4, 0);
			break;
		case '>':
			d_add(d, "&gt;", 4, 0);
			break;
		case '"':
			d_add(d, "&quot;", 6, 0);
			break;
		case '\'':
			d_add(d, "&#39;", 5, 0);
			break;
		default:
			if ((unsigned char)s[j] >= 0x80)
				d_add(d, repl, 3, 0);
			break;
		}
		i = j + 1;
	}
}

static int
safe_href(const char *h, size_t n)
{
	static const char *const schemes[] = {"http://", "https://",
					      "mailto:", NULL};
	const char *const *sc;
	size_t i, l;

	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] < 0x20 || h[i] == 0x7f)
			return 0;
	for (sc = schemes; *sc != NULL; sc++) {
		l = strlen(*sc);
		if (n <= l)
			continue;
		for (i = 0; i < l; i++)
			if (lc((unsigned char)h[i]) != (*sc)[i])
				break;
		if (i == l)
			return 1;
	}
	return 0;
}

static void
to_desc(struct desc *d, const GumboNode *n, int depth)
{
	const GumboVector *ch;
	const char *name, *out = NULL, *h;
	size_t i, hl;

	if (depth > WALK_MAX_DEPTH || d->err)
		return;
	switch (n->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_CDATA:
	case GUMBO_NODE_WHITESPACE:
		d_esc(d, n->v.text.text, strlen(n->v.text.text));
		return;
	case GUMBO_NODE_DOCUMENT:
		ch = &n->v.document.children;
		for (i = 0; i < ch->length; i++)
			to_desc(d, ch->data[i], depth + 1);
		return;
	case GUMBO_NODE_ELEMENT:
		break;
	default:
		return; /* comments, templates */
	}
	name = tagname(n);
	if (inlist(name, drop_tags))
		return;
	if (inlist(name, keep_tags))
		out = name;
	else if (inlist(name, div_tags))
		out = "div";
	if (out != NULL && !d->full) {
		d_add(d, "<", 1, 0);
		d_add(d, out, strlen(out), 0);
		if (strcmp(out, "a") == 0 && (h = href_of(n, &hl)) != NULL &&
		    safe_href(h, hl)) {
			d_add(d, " href=\"", 7, 0);
			d_esc(d, h, hl);
			d_add(d, "\"", 1, 0);
		}
		d_add(d, ">", 1, 0);
		if (d->full)
			out = NULL; /* could not open it: do not close */
	} else
		out = NULL;
	if (out != NULL && (strcmp(out, "br") == 0 || strcmp(out, "hr") == 0))
		return;
	ch = &n->v.element.children;
	for (i = 0; i < ch->length; i++)
		to_desc(d, ch->data[i], depth + 1);
	if (out != NULL) {
		d_add(d, "</", 2, 1);
		d_add(d, out, strlen(out), 1);
		d_add(d, ">", 1, 1);
	}
}

/* Whitespace-normalised, bounded title; "(no subject)" when empty. */
static char *
make_title(const char *subject)
{
	struct buf b;
	size_t i, n, l;
	int sp = 0;

	buf_init(&b, MAX_TITLE_LEN);
	if (subject == NULL)
		subject = "";
	n = strlen(subject);
	for (i = 0; i < n; i += l) {
		unsigned char c = (unsigned char)subject[i];

		l = 1;
		if (c <= 0x20 || c == 0x7f) {
			sp = b.len > 0;
			continue;
		}
		if ((l = utf8_len((const unsigned char *)subject + i, n - i)) ==
		    0)
			l = 1;
		if (b.len + (sp ? 1 : 0) + (l == 1 && c >= 0x80 ? 3 : l) >
		    MAX_TITLE_LEN)
			break;
		if (sp && buf_add(&b, " ", 1) == -1)
			goto nomem;
		sp = 0;
		if (l == 1 && c >= 0x80) {
			if (buf_add(&b, repl, 3) == -1)
				goto nomem;
		} else if (buf_add(&b, subject + i, l) == -1)
			goto nomem;
	}
	if (b.len == 0 && buf_adds(&b, "(no subject)") == -1)
		goto nomem;
	return buf_steal(&b);
nomem:
	buf_free(&b);
	return NULL;
}

/*
 * An article title as a reader would write it: no list numbering ("[1]",
 * "2.", "3)") in front and no full stop or colon at the end of a lead
 * ("Phishing kit targets tax refunds.").  In place; never empties it.
 */
static void
tidy_title(char *t)
{
	size_t n = strlen(t), i = 0;

	if (t[0] == '[') {
		for (i = 1; t[i] >= '0' && t[i] <= '9'; i++)
			;
		i = (i > 1 && t[i] == ']' && t[i + 1] == ' ') ? i + 2 : 0;
	} else {
		for (i = 0; t[i] >= '0' && t[i] <= '9'; i++)
			;
		i = (i > 0 && i < 4 && (t[i] == '.' || t[i] == ')') &&
		     t[i + 1] == ' ')
			? i + 2
			: 0;
	}
	if (i > 0 && i < n) {
		memmove(t, t + i, n - i + 1);
		n -= i;
	}
	/* One trailing '.' or ':' (not an ellipsis, not the only char). */
	if (n > 1 && (t[n - 1] == ':' || (t[n - 1] == '.' && t[n - 2] != '.')))
		t[--n] = '\0';
}

/*
 * Digests.
 *
 * An HTML body is flattened into units in document order: leaf blocks (a
 * block with no block inside, a heading, a paragraph, a rule, a data
 * table) and the runs of inline content between blocks, so that layout
 * tables, wrappers and list items all come out as the same flat list.
 * Each unit is classified once: heading level, linked title, bold lead,
 * rule, navigation, footer, sponsor.  The kind of start that repeats
 * best is chosen and an article runs from one start to the next start,
 * or to a unit that ends it (a heading of the same or higher level, a
 * footer, a sponsor block).  Units outside every article go to rest,
 * boilerplate is dropped.  Plain text is split the same way over lines:
 * numbered items, or separator lines.  Everything is linear in the size
 * of the body, with a budget on node visits.
 */

#define MAX_UNITS 20000			   /* units of one body */
#define FLAT_MAX_VISITS (4u * 1024 * 1024) /* node visits to classify */
#define UNIT_PLAIN_MAX 4096 /* plain text kept to classify a unit */
#define LEAD_MAX_LEN 300    /* longest title a lead may give */
#define LINK_MIN_LEN 10	    /* shortest linked title */
#define LINK_MIN_WORDS 2    /* fewest words in a linked title */
#define BOLD_MIN_LEN 4	    /* shortest bold lead */
#define BOLD_MIN_WORDS 3    /* fewest words in a bold lead */
#define BOILER_MAX_LEN 800  /* longer units are content */
#define LABEL_MAX_LEN 60    /* a sponsor label on its own */
#define NAV_MIN_LINKS 3	    /* links of a navigation bar */
#define NAV_LINK_MAX 40	    /* longest link text in such a bar */
#define NAV_SLACK 8	    /* letters outside its links */
#define DATA_CELL_MAX 120   /* a longer cell: layout table */
#define DATA_MIN_ROWS 2
#define DATA_MIN_COLS 2
#define HEAD_MAX_LEVEL 4	/* h1..h4 may start articles */
#define SECTION_FACTOR 2	/* this many more deeper starts win */
#define MIN_REPEAT 2		/* a structure must repeat this often */
#define MAX_LINES (256u * 1024) /* lines of a plain-text digest */
#define SEP_MIN_RUN 5		/* "=====" */
#define NUM_MAX_DIGITS 3	/* "123." */
#define NUM_MAX_INDENT 3	/* spaces before an item number */
#define NUM_LONG_LINE 60	/* an item line that carries its text */
#define URL_SCAN 300		/* bytes after "read more" for a URL */
#define UNIT_INIT 64		/* first allocation of units */

enum { A_REST = -1, A_DROP = -2 };
enum ukind { U_TEXT, U_HR, U_SKIP, U_FOOTER, U_SPONSOR };
enum lead { L_NONE, L_HEAD, L_LINK, L_BOLD };
enum mode { M_NONE, M_HEAD, M_LINK, M_BOLD, M_HR };

struct unit {
	const GumboNode *node; /* a block; NULL for an inline run */
	const GumboNode *par;  /* the run: par's children */
	size_t first, n;       /* first .. first + n - 1 */
	enum ukind kind;
	enum lead lead;
	int level;	 /* h1..h6, else 0 */
	int label;	 /* "Summary", "Indicators": no title */
	int shortlabel;	 /* a sponsor label on its own */
	int body;	 /* a heading followed by content */
	size_t off, len; /* its text in the document text */
	char *title;	 /* the lead's text, or NULL */
	char *url;	 /* the title link, or NULL */
	char *plain;	 /* boilerplate naming a TLP, no links */
	int art;	 /* article, A_REST or A_DROP */
};

struct flat {
	struct unit *u;
	size_t n, cap;
	size_t visits;
	int over; /* too big to split */
	int err;
};

/* Blocks for flattening, beyond those of the text walker. */
static const char *const flat_blocks[] = {"html",  "body",     "tbody", "thead",
					  "tfoot", "colgroup", NULL};

/* Always one unit. */
static const char *const leaf_tags[] = {"p",  "h1", "h2",  "h3", "h4",
					"h5", "h6", "pre", "hr", NULL};

/* Inline wrappers looked through for a lead. */
static const char *const wrap_tags[] = {"span",	 "font", "em",	  "i",	 "u",
					"small", "big",	 "sup",	  "sub", "mark",
					"ins",	 "tt",	 "label", NULL};

/* Inside a table, any of these makes it layout, not data. */
static const char *const layout_marks[] = {
    "table", "p",  "div", "h1",	     "h2",	"h3",	      "h4",
    "h5",    "h6", "ul",  "ol",	     "li",	"blockquote", "pre",
    "hr",    "br", "dl",  "section", "article", "center",     NULL};

/* Units in these become a <div> in a description. */
static const char *const cell_tags[] = {"li", "td", "th",      "tr",
					"dd", "dt", "caption", NULL};

/* Boilerplate: a unit saying this ends the article it is in. */
static const char *const footer_kw[] = {"unsubscribe",
					"view in browser",
					"view in your browser",
					"view this email",
					"view it in your browser",
					"view online",
					"view the online version",
					"view as a web page",
					"web version",
					"trouble viewing",
					"you received this",
					"you are receiving",
					"you're receiving",
					"you\xe2\x80\x99re receiving",
					"receiving this email",
					"this email was sent",
					"this message was sent",
					"manage your preferences",
					"manage preferences",
					"update your preferences",
					"email preferences",
					"subscription preferences",
					"privacy policy",
					"privacy notice",
					"all rights reserved",
					"forward to a friend",
					"follow us",
					"add us to your address book",
					"no longer wish",
					NULL};

/* Sponsor blocks: the unit's text starts with one of these. */
static const char *const sponsor_kw[] = {"sponsored",
					 "sponsor:",
					 "sponsor ",
					 "our sponsor",
					 "advertisement",
					 "advertising",
					 "partner content",
					 "paid content",
					 "promoted",
					 "presented by",
					 "brought to you by",
					 "ad:",
					 NULL};

/* Link texts that point at the story rather than name it. */
static const char *const readmore_kw[] = {"read more",
					  "full story",
					  "continue reading",
					  "read the full",
					  "full article",
					  "full report",
					  "read the article",
					  "read the report",
					  "read the advisory",
					  "read on",
					  "learn more",
					  "full analysis",
					  "full write-up",
					  "full writeup",
					  "full post",
					  "read the blog",
					  NULL};

/* Leads that label part of a story, never a story. */
static const char *const label_kw[] = {"summary",
				       "overview",
				       "description",
				       "details",
				       "technical details",
				       "impact",
				       "indicators",
				       "indicators of compromise",
				       "iocs",
				       "ioc",
				       "recommendation",
				       "recommendations",
				       "mitigation",
				       "mitigations",
				       "remediation",
				       "solution",
				       "workaround",
				       "workarounds",
				       "reference",
				       "references",
				       "affected products",
				       "affected versions",
				       "affected systems",
				       "background",
				       "note",
				       "notes",
				       "analysis",
				       "why it matters",
				       "what to do",
				       "what you should do",
				       "bottom line",
				       "our take",
				       "takeaway",
				       "key takeaways",
				       "tl;dr",
				       "cve",
				       "cvss",
				       "severity",
				       "status",
				       "source",
				       "sources",
				       "contact",
				       "threat level",
				       "risk",
				       "action required",
				       "timeline",
				       "detection",
				       "attribution",
				       "mitre att&ck",
				       "in this issue",
				       "table of contents",
				       "contents",
				       NULL};

static const char *const tlp_kw[] = {"tlp:", "tlp ", NULL};

/* Hosts whose links are social buttons. */
static const char *const social_kw[] = {
    "twitter.com",   "//x.com",	 "facebook.com", "linkedin.com", "youtube.com",
    "instagram.com", "mastodon", "t.me/",	 "bsky.app",	 NULL};

/*
 * Keyword search.  The lists are lower case and start with an ASCII byte;
 * text is folded with lc() (ASCII only).  ci_any() used to run ci_has()
 * once per keyword, one pass over the text per keyword (29 for footer_kw),
 * and text_url() tried every keyword at every byte; both run for every
 * unit and every line of a body: up to 40% of html_articles() on the fuzz
 * corpus (perf).  Now the text is read once, and at each byte only the
 * keywords that start with that byte (folded) are tried: the same matches,
 * a fraction of the work.
 */
#define KW_MAX 255 /* keywords in one list (label_kw, the longest: 52) */

/* A list's keywords chained by first byte. */
struct kwindex {
	const char *const *l;
	unsigned char head[256];    /* 1 + first keyword with that byte, or 0 */
	unsigned char next[KW_MAX]; /* 1 + next one with the same byte, or 0 */
};

static void
kw_index(const char *const *l, struct kwindex *x)
{
	size_t i, n;
	unsigned char c;

	for (n = 0; l[n] != NULL && n < KW_MAX; n++)
		;
	x->l = l;
	memset(x->head, 0, sizeof(x->head));
	for (i = n; i-- > 0;) { /* chains in list order */
		c = (unsigned char)l[i][0];
		x->next[i] = x->head[c];
		x->head[c] = (unsigned char)(i + 1);
	}
}

/* Does s/n start with needle (lower case), case-insensitively? */
static int
ci_at(const char *s, size_t n, const char *needle)
{
	size_t j;

	for (j = 0; needle[j] != '\0'; j++)
		if (j >= n ||
		    lc((unsigned char)s[j]) != (unsigned char)needle[j])
			return 0;
	return 1;
}

/* Does s/n (n > 0) start with one of x's keywords? */
static int
kw_at(const struct kwindex *x, const char *s, size_t n)
{
	unsigned k;

	for (k = x->head[lc((unsigned char)s[0])]; k != 0; k = x->next[k - 1])
		if (ci_at(s + 1, n - 1, x->l[k - 1] + 1))
			return 1;
	return 0;
}

/* Case-insensitive (ASCII) search of needle (not empty) in s/n. */
static int
ci_has(const char *s, size_t n, const char *needle)
{
	int c0 = (unsigned char)needle[0];
	size_t i;

	for (i = 0; i < n; i++)
		if (lc((unsigned char)s[i]) == c0 &&
		    ci_at(s + i + 1, n - i - 1, needle + 1))
			return 1;
	return 0;
}

/* Is one of l somewhere in s/n? */
static int
ci_any(const char *s, size_t n, const char *const *l)
{
	struct kwindex x;
	size_t i;

	kw_index(l, &x);
	for (i = 0; i < n; i++)
		if (kw_at(&x, s + i, n - i))
			return 1;
	return 0;
}

/* Does s/n start, past brackets and spaces, with one of l? */
static int
ci_prefix(const char *s, size_t n, const char *const *l)
{
	size_t k, j;

	while (n > 0 && (isspace_((unsigned char)*s) || *s == '[' ||
			 *s == '(' || *s == '*' || *s == '|'))
		s++, n--;
	for (; *l != NULL; l++) {
		k = strlen(*l);
		if (k > n)
			continue;
		for (j = 0; j < k; j++)
			if (lc((unsigned char)s[j]) != (*l)[j])
				break;
		if (j == k)
			return 1;
	}
	return 0;
}

/* Is s/n, without case and trailing punctuation, one of l? */
static int
ci_is(const char *s, size_t n, const char *const *l)
{
	size_t j;

	while (n > 0 && (isspace_((unsigned char)s[n - 1]) || s[n - 1] == ':' ||
			 s[n - 1] == '.' || s[n - 1] == '-'))
		n--;
	for (; *l != NULL; l++) {
		if (strlen(*l) != n)
			continue;
		for (j = 0; j < n; j++)
			if (lc((unsigned char)s[j]) != (*l)[j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

static const GumboVector *
kids(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	if (n->type == GUMBO_NODE_DOCUMENT)
		return &n->v.document.children;
	return NULL;
}

static int
is_el(const GumboNode *n, const char *name)
{
	return n->type == GUMBO_NODE_ELEMENT && tagname(n)[0] == name[0] &&
	       strcmp(tagname(n), name) == 0;
}

static int
heading_level(const GumboNode *n)
{
	const char *s;

	if (n == NULL || n->type != GUMBO_NODE_ELEMENT)
		return 0;
	s = tagname(n);
	if (s[0] == 'h' && s[1] >= '1' && s[1] <= '6' && s[2] == '\0')
		return s[1] - '0';
	return 0;
}

static int
is_blocktag(const char *name)
{
	return inlist(name, para_tags) || inlist(name, block_tags) ||
	       inlist(name, flat_blocks);
}

static int
budget(struct flat *f, int depth)
{
	if (++f->visits > FLAT_MAX_VISITS || depth > WALK_MAX_DEPTH) {
		f->over = 1;
		return -1;
	}
	return 0;
}

/* Is there a block element at or under n? */
static int
has_block(struct flat *f, const GumboNode *n, int depth)
{
	const GumboVector *ch;
	const char *name;
	size_t i;

	if (n->type != GUMBO_NODE_ELEMENT || budget(f, depth) == -1)
		return 0;
	name = tagname(n);
	if (inlist(name, skip_tags))
		return 0;
	if (is_blocktag(name))
		return 1;
	ch = &n->v.element.children;
	for (i = 0; i < ch->length; i++)
		if (has_block(f, ch->data[i], depth + 1))
			return 1;
	return 0;
}

/* Visible bytes under n, counted up to lim. */
static size_t
text_bytes(struct flat *f, const GumboNode *n, size_t lim, int depth)
{
	const GumboVector *ch;
	const char *s;
	size_t i, c = 0;

	if (budget(f, depth) == -1)
		return 0;
	if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA) {
		for (s = n->v.text.text; *s != '\0' && c <= lim; s++)
			if (!isspace_((unsigned char)*s))
				c++;
		return c;
	}
	if (n->type != GUMBO_NODE_ELEMENT || inlist(tagname(n), skip_tags))
		return 0;
	ch = &n->v.element.children;
	for (i = 0; i < ch->length && c <= lim; i++)
		c += text_bytes(f, ch->data[i], lim - c, depth + 1);
	return c;
}

struct tscan {
	size_t rows, cols, maxcols;
	int layout;
};

static void
table_scan(struct flat *f, const GumboNode *n, struct tscan *s, int depth)
{
	const GumboVector *ch = &n->v.element.children;
	const GumboNode *c;
	const char *name;
	size_t i;

	for (i = 0; i < ch->length && !s->layout; i++) {
		c = ch->data[i];
		if (c->type != GUMBO_NODE_ELEMENT)
			continue;
		if (budget(f, depth) == -1) {
			s->layout = 1;
			return;
		}
		name = tagname(c);
		if (inlist(name, layout_marks)) {
			s->layout = 1;
			return;
		}
		if (strcmp(name, "tr") == 0) {
			s->rows++;
			s->cols = 0;
			table_scan(f, c, s, depth + 1);
			if (s->cols > s->maxcols)
				s->maxcols = s->cols;
			continue;
		}
		if ((strcmp(name, "td") == 0 || strcmp(name, "th") == 0)) {
			s->cols++;
			if (text_bytes(f, c, DATA_CELL_MAX, depth + 1) >
			    DATA_CELL_MAX) {
				s->layout = 1;
				return;
			}
		}
		table_scan(f, c, s, depth + 1);
	}
}

/* A table of data (kept whole), not of layout (flattened). */
static int
data_table(struct flat *f, const GumboNode *t, int depth)
{
	struct tscan s;

	memset(&s, 0, sizeof(s));
	table_scan(f, t, &s, depth + 1);
	return !s.layout && s.rows >= DATA_MIN_ROWS &&
	       s.maxcols >= DATA_MIN_COLS;
}

static void
add_unit(struct flat *f, const GumboNode *node, const GumboNode *par,
	 size_t first, size_t n)
{
	struct unit *nu;
	size_t cap;

	if (f->n >= MAX_UNITS) {
		f->over = 1;
		return;
	}
	if (f->n == f->cap) {
		cap = f->cap == 0 ? UNIT_INIT : f->cap * 2;
		if (cap > MAX_UNITS)
			cap = MAX_UNITS;
		if ((nu = realloc(f->u, cap * sizeof(*nu))) == NULL) {
			f->err = 1;
			return;
		}
		f->u = nu;
		f->cap = cap;
	}
	nu = &f->u[f->n++];
	memset(nu, 0, sizeof(*nu));
	nu->node = node;
	nu->par = par;
	nu->first = first;
	nu->n = n;
	nu->art = A_REST;
}

/* Flatten the block n into units. */
static void
flatten(struct flat *f, const GumboNode *n, int depth)
{
	const GumboVector *ch = &n->v.element.children;
	const GumboNode *c;
	const char *name = tagname(n);
	size_t i, run = 0;
	int inrun = 0, blocks = 0;

	if (f->over || f->err || budget(f, depth) == -1)
		return;
	if (!inlist(name, leaf_tags) &&
	    !(strcmp(name, "table") == 0 && data_table(f, n, depth)))
		for (i = 0; i < ch->length && !blocks; i++)
			blocks = has_block(f, ch->data[i], depth + 1);
	if (!blocks) {
		add_unit(f, n, NULL, 0, 0);
		return;
	}
	for (i = 0; i < ch->length && !f->over && !f->err; i++) {
		c = ch->data[i];
		if (c->type == GUMBO_NODE_ELEMENT &&
		    (inlist(tagname(c), skip_tags) ||
		     has_block(f, c, depth + 1))) {
			if (inrun)
				add_unit(f, NULL, n, run, i - run);
			inrun = 0;
			if (!inlist(tagname(c), skip_tags))
				flatten(f, c, depth + 1);
			continue;
		}
		if (!inrun) {
			run = i;
			inrun = 1;
		}
	}
	if (inrun && !f->over && !f->err)
		add_unit(f, NULL, n, run, ch->length - run);
}

static void
unit_to_text(struct text *t, const struct unit *u)
{
	const GumboVector *ch;
	size_t i;

	if (u->node != NULL) {
		to_text(t, u->node, 0);
		return;
	}
	ch = kids(u->par);
	for (i = u->first; i < u->first + u->n; i++)
		to_text(t, ch->data[i], 0);
}

/*
 * Plain text (no link targets) of the node n, or of the unit u when n is
 * NULL, at most max bytes, trimmed; malloc'd, NULL on ENOMEM.
 */
static char *
plain_of(const GumboNode *n, const struct unit *u, size_t max)
{
	struct text t;
	char *s;
	size_t a = 0, l;

	memset(&t, 0, sizeof(t));
	buf_init(&t.b, max);
	t.nohref = 1;
	if (n != NULL)
		to_text(&t, n, 0);
	else
		unit_to_text(&t, u);
	if (t.err || buf_add(&t.b, "", 0) == -1) {
		buf_free(&t.b);
		return NULL;
	}
	s = buf_steal(&t.b);
	l = strlen(s);
	while (a < l && isspace_((unsigned char)s[a]))
		a++;
	while (l > a && isspace_((unsigned char)s[l - 1]))
		l--;
	memmove(s, s + a, l - a);
	s[l - a] = '\0';
	return s;
}

/* Only spaces and no-break spaces? */
static int
blank_text(const char *s)
{
	while (*s != '\0') {
		if (isspace_((unsigned char)*s))
			s++;
		else if ((unsigned char)s[0] == 0xc2 &&
			 (unsigned char)s[1] == 0xa0)
			s += 2;
		else
			return 0;
	}
	return 1;
}

/*
 * The first visible node among ch[from..to), through inline wrappers;
 * *bold when a link is found inside <b>/<strong>.  A <b> whose content
 * is not a link is returned itself.
 */
static const GumboNode *
first_sig(const GumboVector *ch, size_t from, size_t to, int *bold, int depth)
{
	const GumboNode *c, *r;
	const char *name;
	size_t i;

	if (depth > WALK_MAX_DEPTH)
		return NULL;
	for (i = from; i < to; i++) {
		c = ch->data[i];
		if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_CDATA) {
			if (blank_text(c->v.text.text))
				continue;
			return c;
		}
		if (c->type != GUMBO_NODE_ELEMENT)
			continue;
		name = tagname(c);
		if (inlist(name, skip_tags) || strcmp(name, "img") == 0 ||
		    strcmp(name, "br") == 0 || strcmp(name, "wbr") == 0)
			continue;
		r = first_sig(&c->v.element.children, 0,
			      c->v.element.children.length, bold, depth + 1);
		if (r == NULL)
			continue; /* nothing visible: an image link */
		if (strcmp(name, "a") == 0)
			return c;
		if (strcmp(name, "b") == 0 || strcmp(name, "strong") == 0) {
			if (is_el(r, "a")) {
				*bold = 1;
				return r;
			}
			return c;
		}
		if (inlist(name, wrap_tags))
			return r;
		return c;
	}
	return NULL;
}

/* The href of a link if it is http(s), else NULL. */
static const char *
web_href(const GumboNode *a, size_t *len)
{
	const char *h;

	if ((h = href_of(a, len)) == NULL || !safe_href(h, *len) ||
	    lc((unsigned char)h[0]) != 'h')
		return NULL;
	return h;
}

static char *
dup_n(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * The first http(s) link under n: any link when rm is 0, else one whose
 * text says "read more".  Sets *err on ENOMEM.
 */
static const GumboNode *
find_link(const GumboNode *n, int rm, int *err, int depth)
{
	const GumboVector *ch;
	const GumboNode *r;
	char *s;
	size_t i, hl;
	int ok;

	if (depth > WALK_MAX_DEPTH || n->type != GUMBO_NODE_ELEMENT || *err)
		return NULL;
	if (strcmp(tagname(n), "a") == 0 && web_href(n, &hl) != NULL) {
		if (!rm)
			return n;
		if ((s = plain_of(n, NULL, LEAD_MAX_LEN)) == NULL) {
			*err = 1;
			return NULL;
		}
		ok = strlen(s) < LEAD_MAX_LEN &&
		     ci_any(s, strlen(s), readmore_kw);
		free(s);
		return ok ? n : NULL;
	}
	ch = &n->v.element.children;
	for (i = 0; i < ch->length; i++)
		if ((r = find_link(ch->data[i], rm, err, depth + 1)) != NULL)
			return r;
	return NULL;
}

static char *
href_dup(const GumboNode *a)
{
	const char *h;
	size_t hl;

	h = web_href(a, &hl);
	return h != NULL ? dup_n(h, hl) : NULL;
}

/* Cut trailing separators (" -", " –", ":") off a lead's text. */
static void
trim_lead(char *s)
{
	size_t l = strlen(s);

	for (;;) {
		while (l > 0 &&
		       (isspace_((unsigned char)s[l - 1]) || s[l - 1] == ':' ||
			s[l - 1] == '-' || s[l - 1] == '|'))
			l--;
		if (l >= 3 && (unsigned char)s[l - 3] == 0xe2 &&
		    (unsigned char)s[l - 2] == 0x80 &&
		    ((unsigned char)s[l - 1] == 0x93 ||
		     (unsigned char)s[l - 1] == 0x94))
			l -= 3; /* en or em dash */
		else
			break;
	}
	s[l] = '\0';
}

/* After a lead's text: end, a line break or a separator? */
static int
lead_ends(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == '\n' || *p == ':' || *p == '-' ||
	       *p == '|' || strncmp(p, "\xe2\x80\x93", 3) == 0 ||
	       strncmp(p, "\xe2\x80\x94", 3) == 0;
}

static size_t
words(const char *s)
{
	size_t w = 0;
	int in = 0;

	for (; *s != '\0'; s++) {
		if (isspace_((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			w++;
		}
	}
	return w;
}

struct lscan {
	size_t links, social, longlinks, other;
};

/* Letters and digits in s, counted up to lim + 1 (only compared to lim). */
static size_t
alnum_in(const char *s, size_t lim)
{
	size_t c = 0;

	for (; *s != '\0' && c <= lim; s++)
		if ((*s >= '0' && *s <= '9') || isalpha_((unsigned char)*s))
			c++;
	return c;
}

/* Count links and the letters outside them. */
static void
link_scan(struct flat *f, const GumboNode *n, struct lscan *s, size_t *in,
	  int depth)
{
	const GumboVector *ch;
	const char *h;
	size_t i, hl, own = 0;

	if (budget(f, depth) == -1)
		return;
	if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA) {
		if (in != NULL)
			*in += alnum_in(n->v.text.text, NAV_LINK_MAX);
		else
			s->other += alnum_in(n->v.text.text, NAV_SLACK);
		return;
	}
	if (n->type != GUMBO_NODE_ELEMENT || inlist(tagname(n), skip_tags))
		return;
	ch = &n->v.element.children;
	if (in == NULL && strcmp(tagname(n), "a") == 0) {
		s->links++;
		if ((h = href_of(n, &hl)) != NULL) {
			char *hd = dup_n(h, hl);

			if (hd != NULL && ci_any(hd, hl, social_kw))
				s->social++;
			free(hd);
		}
		for (i = 0; i < ch->length; i++)
			link_scan(f, ch->data[i], s, &own, depth + 1);
		if (own > NAV_LINK_MAX)
			s->longlinks++;
		return;
	}
	for (i = 0; i < ch->length; i++)
		link_scan(f, ch->data[i], s, in, depth + 1);
}

static int
unit_nav(struct flat *f, const struct unit *u)
{
	const GumboVector *ch;
	struct lscan s;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (u->node != NULL)
		link_scan(f, u->node, &s, NULL, 0);
	else {
		ch = kids(u->par);
		for (i = u->first; i < u->first + u->n; i++)
			link_scan(f, ch->data[i], &s, NULL, 0);
	}
	if (s.links == 0 || s.other > NAV_SLACK)
		return 0;
	return (s.links >= NAV_MIN_LINKS && s.longlinks == 0) ||
	       s.social == s.links;
}

/* The <li> a unit is or is directly in, or NULL. */
static const GumboNode *
li_of(const struct unit *u)
{
	if (u->node != NULL && is_el(u->node, "li"))
		return u->node;
	if (u->par != NULL && is_el(u->par, "li"))
		return u->par;
	return NULL;
}

/* Is the unit inside the element e? */
static int
unit_within(const struct unit *u, const GumboNode *e)
{
	const GumboNode *n = u->node != NULL ? u->node : u->par;
	int depth;

	for (depth = 0; n != NULL && depth <= WALK_MAX_DEPTH; depth++) {
		if (n == e)
			return 1;
		n = n->parent;
	}
	return 0;
}

/*
 * plain_of(NULL, u, max), made from the unit's text x/xl in the document
 * text when that is the same (x not NULL), else walked again.  The same
 * when no <a> (its link target) nor <pre> (its leading blanks) is in the
 * unit: the document text's separators before the unit are blanks, which
 * both trim, and plain_of() keeps the first max bytes, on a character
 * boundary, then trims.
 */
static char *
unit_plain(const struct unit *u, const char *x, size_t xl, size_t max)
{
	struct buf b;
	size_t k = xl;

	if (x == NULL)
		return plain_of(NULL, u, max);
	if (k > max) {
		k = max;
		while (k > 0 && ((unsigned char)x[k] & 0xc0) == 0x80)
			k--;
	}
	while (k > 0 && isspace_((unsigned char)x[k - 1]))
		k--;
	buf_init(&b, max);
	if (buf_add(&b, x, k) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * Kind, lead, title and url of one unit (x/xl: its plain text, or NULL,
 * see unit_plain()).  -1 on ENOMEM.
 */
static int
classify(struct flat *f, struct unit *u, int empty, const char *x, size_t xl)
{
	const GumboVector *ch;
	const GumboNode *lead, *a;
	char *p = NULL, *t = NULL;
	size_t pl, tl, from, to;
	int bold = 0, err = 0, rc = -1;

	if (empty) {
		u->kind =
		    u->node != NULL && is_el(u->node, "hr") ? U_HR : U_SKIP;
		return 0;
	}
	if ((p = unit_plain(u, x, xl, UNIT_PLAIN_MAX)) == NULL)
		goto out;
	pl = strlen(p);
	u->level = heading_level(u->node);
	if (pl <= BOILER_MAX_LEN && ci_any(p, pl, footer_kw)) {
		u->kind = U_FOOTER;
		if (ci_has(p, pl, "tlp")) {
			u->plain = p;
			p = NULL;
		}
		rc = 0;
		goto out;
	}
	if (ci_prefix(p, pl, sponsor_kw)) {
		u->kind = U_SPONSOR;
		u->shortlabel = pl <= LABEL_MAX_LEN;
		rc = 0;
		goto out;
	}
	if (unit_nav(f, u)) {
		u->kind = U_SKIP;
		rc = 0;
		goto out;
	}
	u->kind = U_TEXT;
	if (u->level > 0) {
		u->lead = L_HEAD;
		u->label = ci_is(p, pl, label_kw) || ci_prefix(p, pl, tlp_kw);
		if (pl > 0 && pl <= LEAD_MAX_LEN) {
			u->title = p;
			p = NULL;
			trim_lead(u->title);
		}
		if ((a = find_link(u->node, 0, &err, 0)) != NULL &&
		    (u->url = href_dup(a)) == NULL)
			goto out;
		rc = err ? -1 : 0;
		goto out;
	}
	if (u->node != NULL) {
		ch = &u->node->v.element.children;
		from = 0;
		to = ch->length;
	} else {
		ch = kids(u->par);
		from = u->first;
		to = u->first + u->n;
	}
	if ((lead = first_sig(ch, from, to, &bold, 0)) == NULL ||
	    lead->type != GUMBO_NODE_ELEMENT) {
		rc = 0;
		goto out;
	}
	if ((t = plain_of(lead, NULL, LEAD_MAX_LEN + 1)) == NULL)
		goto out;
	tl = strlen(t);
	rc = 0;
	if (tl == 0 || tl > LEAD_MAX_LEN || strncmp(p, t, tl) != 0 ||
	    ci_is(t, tl, label_kw) || ci_prefix(t, tl, tlp_kw))
		goto out;
	if (is_el(lead, "a")) {
		if (web_href(lead, &pl) == NULL || tl < LINK_MIN_LEN ||
		    words(t) < LINK_MIN_WORDS || ci_any(t, tl, readmore_kw) ||
		    !(bold || li_of(u) != NULL || lead_ends(p + tl)))
			goto out;
		if ((u->url = href_dup(lead)) == NULL) {
			rc = -1;
			goto out;
		}
		u->lead = L_LINK;
	} else if (is_el(lead, "b") || is_el(lead, "strong")) {
		/* A lead when its text stands apart from what follows. */
		if (tl < BOLD_MIN_LEN || words(t) < BOLD_MIN_WORDS ||
		    !(lead_ends(p + tl) || t[tl - 1] == '.' ||
		      t[tl - 1] == ':' || t[tl - 1] == '!' || t[tl - 1] == '?'))
			goto out;
		u->lead = L_BOLD;
	} else
		goto out;
	trim_lead(t);
	u->title = t;
	t = NULL;
out:
	free(p);
	free(t);
	return rc;
}

/* Render one unit into a description. */
static void
unit_to_desc(struct desc *d, const struct unit *u)
{
	const GumboVector *ch;
	size_t i, from, to;

	if (u->node != NULL && !inlist(tagname(u->node), cell_tags)) {
		to_desc(d, u->node, 0);
		return;
	}
	if (u->node != NULL) {
		ch = &u->node->v.element.children;
		from = 0;
		to = ch->length;
	} else {
		ch = kids(u->par);
		from = u->first;
		to = u->first + u->n;
	}
	d_add(d, "<div>", 5, 0);
	for (i = from; i < to; i++)
		to_desc(d, ch->data[i], 0);
	d_add(d, "</div>", 6, 1);
}

static int
starts(enum mode m, int lvl, const struct unit *u, int after_hr)
{
	if (u->kind != U_TEXT)
		return 0;
	switch (m) {
	case M_HEAD:
		return u->level == lvl && !u->label && u->body &&
		       u->title != NULL;
	case M_LINK:
		return u->lead == L_LINK;
	case M_BOLD:
		return u->lead == L_BOLD;
	case M_HR:
		return after_hr;
	default:
		return 0;
	}
}

static int
ends(enum mode m, int lvl, const struct unit *u)
{
	if (m == M_HEAD)
		return u->level > 0 && u->level <= lvl && !u->label;
	if (m == M_HR)
		return u->kind == U_HR;
	return u->kind == U_HR || (u->level > 0 && !u->label);
}

/* Pick the structure: the mode, and for headings the level. */
static enum mode
choose(struct flat *f, int *lvl)
{
	size_t h[HEAD_MAX_LEVEL + 1], nlink = 0, nbold = 0, nseg = 0, i, j;
	int l, L = 0, seg = 0, inlabel = 0;

	memset(h, 0, sizeof(h));
	for (i = 0; i < f->n; i++) {
		struct unit *u = &f->u[i];

		/* Under "Recommendations", leads are parts of one story. */
		if (u->level > 0)
			inlabel = u->label;
		else if (inlabel && u->lead != L_NONE)
			u->lead = L_NONE;

		if (u->kind == U_HR) {
			seg = 1;
			continue;
		}
		if (u->kind == U_FOOTER || u->kind == U_SPONSOR)
			seg = 0;
		if (u->kind != U_TEXT)
			continue;
		if (seg) {
			nseg++;
			seg = 0;
		}
		if (u->lead == L_LINK)
			nlink++;
		if (u->lead == L_BOLD)
			nbold++;
		if (u->level == 0 || u->level > HEAD_MAX_LEVEL || u->label ||
		    u->title == NULL)
			continue;
		/* Content before the next heading: a story, not a section. */
		for (j = i + 1; j < f->n; j++) {
			if (f->u[j].kind == U_SKIP || f->u[j].kind == U_HR)
				continue;
			if (f->u[j].kind != U_TEXT)
				break;
			if (f->u[j].kind == U_TEXT) {
				u->body = f->u[j].level == 0 || f->u[j].label;
				break;
			}
		}
		if (u->body)
			h[u->level]++;
	}
	for (l = 1; l <= HEAD_MAX_LEVEL; l++)
		if (h[l] >= MIN_REPEAT) {
			L = l;
			break;
		}
	if (L > 0 && L < HEAD_MAX_LEVEL && h[L + 1] >= SECTION_FACTOR * h[L])
		L++;
	*lvl = L;
	if (L > 0)
		return nlink >= SECTION_FACTOR * h[L] ? M_LINK : M_HEAD;
	if (nlink >= MIN_REPEAT && nlink >= nbold)
		return M_LINK;
	if (nbold >= MIN_REPEAT)
		return M_BOLD;
	if (nseg >= MIN_REPEAT)
		return M_HR;
	return M_NONE;
}

/* Assign units to articles; the number of articles. */
static size_t
assign(struct flat *f, enum mode m, int lvl, size_t *first)
{
	const GumboNode *li = NULL;
	struct unit *u;
	size_t i, nart = 0;
	int cur = A_REST, after_hr = 0, snext = 0;

	for (i = 0; i < f->n; i++) {
		u = &f->u[i];
		/* A story in a list item ends with the item. */
		if (li != NULL && cur >= 0 && !unit_within(u, li))
			cur = A_REST;
		if (u->kind == U_SKIP) {
			u->art = A_DROP;
			continue;
		}
		if (u->kind == U_FOOTER || u->kind == U_SPONSOR) {
			u->art = A_DROP;
			cur = A_DROP;
			after_hr = 0;
			snext = u->kind == U_SPONSOR && u->shortlabel;
			continue;
		}
		if (starts(m, lvl, u, after_hr)) {
			after_hr = 0;
			if (snext) {
				/* The story a sponsor label announced. */
				snext = 0;
				u->art = cur = A_DROP;
			} else if (nart >= MAX_ARTICLES)
				u->art = cur = A_REST;
			else {
				first[nart] = i;
				u->art = cur = (int)nart++;
				li = li_of(u);
			}
			continue;
		}
		snext = 0;
		if (ends(m, lvl, u)) {
			cur = A_REST;
			u->art = u->kind == U_HR ? A_DROP : A_REST;
			after_hr = u->kind == U_HR;
			continue;
		}
		if (u->kind == U_HR && cur < 0) {
			u->art = A_DROP;
			continue;
		}
		u->art = cur;
	}
	/* A rule that closes an article is not part of it. */
	for (i = f->n, cur = A_DROP; i-- > 0;) {
		u = &f->u[i];
		if (u->kind == U_HR && u->art >= 0 && u->art != cur)
			u->art = A_DROP;
		if (u->art != A_DROP)
			cur = u->art;
	}
	return nart;
}

/* Text of the units of art (or of rest when art is A_REST). */
static char *
join_text(const struct flat *f, const struct text *T, int art, size_t from,
	  size_t *outlen)
{
	struct buf b;
	size_t i;

	buf_init(&b, MAX_TEXT_SIZE);
	if (buf_add(&b, "", 0) == -1)
		return NULL;
	for (i = from; i < f->n; i++) {
		const struct unit *u = &f->u[i];

		if (u->art != art) {
			if (art >= 0 && u->art >= 0)
				break;
			continue;
		}
		if (u->plain != NULL) {
			if ((b.len > 0 && buf_add(&b, "\n\n", 2) == -1) ||
			    buf_adds(&b, u->plain) == -1)
				break;
			continue;
		}
		if (u->len == 0)
			continue;
		if ((b.len > 0 && buf_add(&b, "\n\n", 2) == -1) ||
		    buf_add(&b, T->b.p + u->off, u->len) == -1)
			break; /* full: keep what fits */
	}
	*outlen = b.len;
	return buf_steal(&b);
}

/* The "read more" link of an article's units, or NULL.  -1 on ENOMEM. */
static int
readmore_url(const struct flat *f, int art, size_t from, char **url)
{
	const GumboVector *ch;
	const GumboNode *a = NULL;
	const struct unit *u;
	size_t i, k;
	int err = 0;

	*url = NULL;
	for (i = from; i < f->n && a == NULL && !err; i++) {
		u = &f->u[i];
		if (u->art != art) {
			if (u->art >= 0)
				break;
			continue;
		}
		if (u->node != NULL)
			a = find_link(u->node, 1, &err, 0);
		else {
			ch = kids(u->par);
			for (k = u->first;
			     k < u->first + u->n && a == NULL && !err; k++)
				a = find_link(ch->data[k], 1, &err, 0);
		}
	}
	if (err)
		return -1;
	if (a != NULL && (*url = href_dup(a)) == NULL)
		return -1;
	return 0;
}

/* The first line of s, for a title. */
static char *
first_line(const char *s, size_t n)
{
	size_t l;

	for (l = 0; l < n && s[l] != '\n'; l++)
		;
	return dup_n(s, l);
}

static void
flat_free(struct flat *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->u[i].title);
		free(f->u[i].url);
		free(f->u[i].plain);
	}
	free(f->u);
	memset(f, 0, sizeof(*f));
}

/*
 * Split a parsed HTML body.  ST_OK with out->n = 0 when it is not a
 * digest (the caller makes one article), ST_NOMEM.
 */
static enum status
split_html(const GumboOutput *g, struct article_list *out)
{
	struct flat f;
	struct text T;
	struct desc d;
	enum mode m;
	size_t i, nart, off0, *first = NULL;
	char *s;
	int lvl = 0, k;
	enum status st = ST_NOMEM;

	memset(&f, 0, sizeof(f));
	memset(&T, 0, sizeof(T));
	memset(&d, 0, sizeof(d));
	buf_init(&T.b, MAX_TEXT_SIZE);
	if (g->root == NULL || g->root->type != GUMBO_NODE_ELEMENT) {
		st = ST_OK;
		goto out;
	}
	flatten(&f, g->root, 0);
	if (f.err)
		goto out;
	if (f.over || f.n < MIN_REPEAT) {
		st = ST_OK;
		goto out;
	}
	if (buf_add(&T.b, "", 0) == -1)
		goto out;
	for (i = 0; i < f.n; i++) {
		struct unit *u = &f.u[i];

		T.nl = T.b.len > 0 ? 2 : 0;
		T.sp = 0;
		T.marks = 0;
		off0 = T.b.len;
		unit_to_text(&T, u);
		if (T.err)
			goto out;
		u->off = off0;
		while (u->off < T.b.len &&
		       isspace_((unsigned char)T.b.p[u->off]))
			u->off++;
		u->len = T.b.len - u->off;
		while (u->len > 0 &&
		       isspace_((unsigned char)T.b.p[u->off + u->len - 1]))
			u->len--;
		if (u->len == 0 && T.b.p != NULL) {
			T.b.len = off0;
			T.b.p[off0] = '\0';
			u->off = off0;
		}
		if (classify(&f, u, u->len == 0,
			     T.marks == 0 && !T.full ? T.b.p + u->off : NULL,
			     u->len) == -1)
			goto out;
		if (f.over) {
			st = ST_OK;
			goto out;
		}
	}
	if ((m = choose(&f, &lvl)) == M_NONE) {
		st = ST_OK;
		goto out;
	}
	if ((first = calloc(MAX_ARTICLES, sizeof(*first))) == NULL)
		goto out;
	if ((nart = assign(&f, m, lvl, first)) < MIN_REPEAT) {
		st = ST_OK;
		goto out;
	}
	if ((out->v = calloc(nart, sizeof(*out->v))) == NULL)
		goto out;
	for (i = 0; i < nart; i++) {
		struct article *a = &out->v[i];
		struct unit *u = &f.u[first[i]];

		out->n++;
		if ((a->text = join_text(&f, &T, (int)i, first[i],
					 &a->text_len)) == NULL)
			goto out;
		s = u->title != NULL ? u->title
				     : first_line(a->text, a->text_len);
		if (s == NULL)
			goto out;
		a->title = make_title(s);
		if (s != u->title)
			free(s);
		if (a->title == NULL)
			goto out;
		tidy_title(a->title);
		if (u->url != NULL) {
			if ((a->url = strdup(u->url)) == NULL)
				goto out;
		} else if (readmore_url(&f, (int)i, first[i], &a->url) == -1)
			goto out;
		buf_init(&d.b, MAX_TEXT_SIZE);
		d.full = d.err = 0;
		for (k = (int)first[i]; (size_t)k < f.n; k++) {
			if (f.u[k].art == (int)i)
				unit_to_desc(&d, &f.u[k]);
			else if (f.u[k].art >= 0)
				break;
		}
		if (d.err || buf_add(&d.b, "", 0) == -1)
			goto out;
		a->description = buf_steal(&d.b);
	}
	/* Boilerplate naming a TLP keeps it for the caller, without links. */
	for (i = 0; i < f.n; i++)
		if (f.u[i].plain != NULL && f.u[i].art == A_DROP)
			f.u[i].art = A_REST;
	if ((out->rest = join_text(&f, &T, A_REST, 0, &out->rest_len)) == NULL)
		goto out;
	if (out->rest_len == 0) {
		free(out->rest);
		out->rest = NULL;
	}
	st = ST_OK;
out:
	if (st != ST_OK || out->n == 0)
		html_articles_free(out);
	buf_free(&d.b);
	buf_free(&T.b);
	free(first);
	flat_free(&f);
	return st;
}

/*
 * Plain-text digests: numbered items ("1. Title" on a line after a blank
 * line, numbered 1, 2, 3...) or separator lines ("=====", "-----").
 */

enum lkind { LN_BLANK, LN_SEP, LN_TEXT };

struct line {
	size_t off, len; /* without the line end */
	enum lkind kind;
	char sep;      /* the character of a separator */
	int num;       /* "N." item number, else 0 */
	size_t numlen; /* bytes of "N. " */
};

static void
classify_line(const char *s, struct line *ln)
{
	const char *p = s + ln->off;
	size_t n = ln->len, i = 0, d;
	int num = 0;

	while (n > 0 && isspace_((unsigned char)p[n - 1]))
		n--;
	ln->len = n;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n) {
		ln->kind = LN_BLANK;
		return;
	}
	ln->kind = LN_TEXT;
	if (n - i >= SEP_MIN_RUN && strchr("=-*_~#", p[i]) != NULL) {
		for (d = i; d < n && p[d] == p[i]; d++)
			;
		if (d == n) {
			ln->kind = LN_SEP;
			ln->sep = p[i];
			return;
		}
	}
	if (i > NUM_MAX_INDENT)
		return;
	for (d = i;
	     d < n && d - i < NUM_MAX_DIGITS + 1 && p[d] >= '0' && p[d] <= '9';
	     d++)
		num = num * 10 + (p[d] - '0');
	if (d == i || d - i > NUM_MAX_DIGITS || d + 1 >= n ||
	    (p[d] != '.' && p[d] != ')') ||
	    (p[d + 1] != ' ' && p[d + 1] != '\t'))
		return;
	for (d++; d < n && (p[d] == ' ' || p[d] == '\t'); d++)
		;
	if (d < n && num > 0) {
		ln->num = num;
		ln->numlen = d;
	}
}

/* A footer line ends the story it is in. */
static int
line_footer(const char *s, const struct line *ln)
{
	return ln->kind == LN_TEXT && ci_any(s + ln->off, ln->len, footer_kw);
}

/*
 * The URL standing alone on the line after title_end (unless NULL), else
 * the one after "read more"; malloc'd into *url (NULL when none).  -1 on
 * ENOMEM.
 */
static int
text_url(const char *s, size_t n, const char *title_end, char **url)
{
	const char *p, *e = s + n, *u;
	struct kwindex x;
	size_t i;

	*url = NULL;
	/* The line after the title. */
	p = title_end != NULL ? title_end : e;
	while (p < e && isspace_((unsigned char)*p))
		p++;
	if (p < e && *p == '<')
		p++;
	if (e - p > 8 &&
	    (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0)) {
		for (u = p; u < e && !isspace_((unsigned char)*u) && *u != '>';
		     u++)
			;
		if ((u >= e || *u == '>' || *u == '\n' || *u == '\r') &&
		    (size_t)(u - p) <= MAX_IOC_LEN)
			goto found;
	}
	kw_index(readmore_kw, &x);
	for (i = 0; i < n; i++) {
		if (!kw_at(&x, s + i, n - i))
			continue;
		for (p = s + i; p < e && p < s + i + URL_SCAN; p++)
			if (strncmp(p, "http://", 7) == 0 ||
			    strncmp(p, "https://", 8) == 0)
				break;
		if (p >= e || p >= s + i + URL_SCAN)
			continue;
		for (u = p; u < e && !isspace_((unsigned char)*u) &&
			    *u != '>' && *u != ')' && *u != '"';
		     u++)
			;
		if ((size_t)(u - p) <= MAX_IOC_LEN)
			goto found;
	}
	return 0;
found:
	return (*url = dup_n(p, (size_t)(u - p))) == NULL ? -1 : 0;
}

/* Starts of numbered items; their number. */
static size_t
numbered(const struct line *ln, size_t nl, size_t *st)
{
	size_t i, j, n = 0, body = 0, longl = 0;
	int want = 1;

	for (i = 0; i < nl && n < MAX_LINES; i++) {
		if (ln[i].num != want || (i > 0 && ln[i - 1].kind == LN_TEXT))
			continue;
		st[n++] = i;
		want++;
	}
	if (n < MIN_REPEAT)
		return 0;
	/* Each item carries text: on lines of its own, or a long line. */
	for (i = 0; i < n; i++) {
		if (ln[st[i]].len - ln[st[i]].numlen >= NUM_LONG_LINE)
			longl++;
		for (j = st[i] + 1; j < (i + 1 < n ? st[i + 1] : nl); j++)
			if (ln[j].kind == LN_TEXT) {
				body++;
				break;
			}
	}
	return body >= n - 1 && body >= MIN_REPEAT ? n : longl == n ? n : 0;
}

/* Starts of stories between separator lines of the commonest kind. */
static size_t
separated(const struct line *ln, size_t nl, size_t *st)
{
	static const char seps[] = "=-*_~#";
	size_t cnt[sizeof(seps)], i, j, n = 0, best = 0;
	char c;

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < nl; i++)
		if (ln[i].kind == LN_SEP)
			cnt[strchr(seps, ln[i].sep) - seps]++;
	for (i = 1; i < sizeof(seps) - 1; i++)
		if (cnt[i] > cnt[best])
			best = i;
	if (cnt[best] < MIN_REPEAT)
		return 0;
	c = seps[best];
	for (i = 0; i < nl; i++) {
		if (ln[i].kind != LN_SEP || ln[i].sep != c)
			continue;
		if (i > 0 && ln[i - 1].kind == LN_TEXT &&
		    (i < 2 || ln[i - 2].kind != LN_TEXT))
			j = i - 1; /* an underlined title */
		else {
			for (j = i + 1; j < nl && ln[j].kind != LN_TEXT; j++)
				;
			if (j >= nl)
				break;
		}
		if (n > 0 && j <= st[n - 1])
			continue;
		st[n++] = j;
	}
	/*
	 * Boxed titles (a separator above and below each title): when most
	 * starts are boxed, a last start that is not boxed and has no text
	 * after its one line is the bottom rule over a footer ("Member
	 * contacts: ..."), not a story.
	 */
	for (i = 0, j = 0; i < n; i++)
		if (st[i] + 1 < nl && ln[st[i] + 1].kind == LN_SEP &&
		    ln[st[i] + 1].sep == c)
			j++;
	if (n > 0 && j * 2 > n &&
	    !(st[n - 1] + 1 < nl && ln[st[n - 1] + 1].kind == LN_SEP &&
	      ln[st[n - 1] + 1].sep == c)) {
		for (i = st[n - 1] + 1; i < nl && ln[i].kind != LN_TEXT; i++)
			;
		if (i >= nl)
			n--;
	}
	return n >= MIN_REPEAT ? n : 0;
}

/*
 * Split a plain-text body.  ST_OK with out->n = 0 when it is not a
 * digest, ST_NOMEM.
 */
static enum status
split_text(const char *s, size_t n, struct article_list *out)
{
	struct line *ln = NULL;
	struct desc d;
	size_t *st = NULL, nl = 0, ns, i, j, t, e, b, cap = 0;
	int num;
	enum status rc = ST_NOMEM;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < n; i++)
		if (s[i] == '\n')
			cap++;
	if (++cap > MAX_LINES) {
		rc = ST_OK;
		goto out;
	}
	if ((ln = calloc(cap, sizeof(*ln))) == NULL ||
	    (st = calloc(cap, sizeof(*st))) == NULL)
		goto out;
	for (i = 0, j = 0; i <= n; i++)
		if (i == n || s[i] == '\n') {
			ln[nl].off = j;
			ln[nl].len = i - j;
			classify_line(s, &ln[nl]);
			nl++;
			j = i + 1;
		}
	num = 1;
	if ((ns = numbered(ln, nl, st)) == 0) {
		num = 0;
		ns = separated(ln, nl, st);
	}
	if (ns == 0) {
		rc = ST_OK;
		goto out;
	}
	if ((out->v = calloc(ns < MAX_ARTICLES ? ns : MAX_ARTICLES,
			     sizeof(*out->v))) == NULL)
		goto out;
	for (i = 0; i < ns && out->n < MAX_ARTICLES; i++) {
		struct article *a = &out->v[out->n];
		const char *tp;
		size_t tl;
		char *title;

		t = st[i];
		e = i + 1 < ns ? st[i + 1] : nl;
		/* A footer paragraph, or in a numbered digest a rule, ends it.
		 */
		for (j = t; j < e; j++)
			if (line_footer(s, &ln[j]) ||
			    (num && j > t && ln[j].kind == LN_SEP))
				break;
		if (j < e && ln[j].kind != LN_SEP) {
			for (b = j; b > t && ln[b - 1].kind == LN_TEXT; b--)
				;
			j = b;
		}
		e = j;
		while (e > t && ln[e - 1].kind != LN_TEXT)
			e--;
		tp = s + ln[t].off + (num ? ln[t].numlen : 0);
		tl = ln[t].len - (num ? ln[t].numlen : 0);
		while (tl > 0 && isspace_((unsigned char)*tp))
			tp++, tl--;
		if (e <= t || ci_prefix(tp, tl, sponsor_kw))
			continue; /* boilerplate, or a sponsor */
		out->n++;
		if ((title = dup_n(tp, tl)) == NULL)
			goto out;
		a->title = make_title(title);
		free(title);
		if (a->title == NULL)
			goto out;
		tidy_title(a->title);
		a->text_len = ln[e - 1].off + ln[e - 1].len - ln[t].off;
		if ((a->text = dup_n(s + ln[t].off, a->text_len)) == NULL)
			goto out;
		if (text_url(a->text, a->text_len, a->text + ln[t].len,
			     &a->url) == -1)
			goto out;
		buf_init(&d.b, MAX_TEXT_SIZE);
		d.full = d.err = 0;
		d_add(&d, "<pre>", 5, 0);
		d_esc(&d, a->text, a->text_len);
		d_add(&d, "</pre>", 6, 1);
		if (d.err || buf_add(&d.b, "", 0) == -1)
			goto out;
		a->description = buf_steal(&d.b);
	}
	if (out->n < MIN_REPEAT) {
		rc = ST_OK;
		goto out;
	}
	/* The text before the first story: intro, TLP banner. */
	for (e = st[0]; e > 0 && ln[e - 1].kind != LN_TEXT; e--)
		;
	if (e > 0) {
		out->rest_len = ln[e - 1].off + ln[e - 1].len;
		if ((out->rest = dup_n(s, out->rest_len)) == NULL)
			goto out;
	}
	rc = ST_OK;
out:
	if (rc != ST_OK || out->n < MIN_REPEAT)
		html_articles_free(out);
	buf_free(&d.b);
	free(ln);
	free(st);
	return rc;
}

/*
 * Articles.
 */

enum status
html_articles(const char *subject, const char *html, size_t html_len,
	      const char *text, size_t text_len, struct article_list *out)
{
	struct article *a;
	struct tree t;
	const GumboOutput *g = NULL;
	struct desc d;
	size_t n = text_len;
	enum status st = ST_NOMEM;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	memset(&d, 0, sizeof(d));
	buf_init(&d.b, MAX_TEXT_SIZE);
	if ((html == NULL || html_len == 0) && (text == NULL || text_len == 0))
		return ST_OK; /* no body: no article */
	if (html != NULL && html_len > 0) {
		parse(html, html_len, &t);
		if ((g = t.g) == NULL)
			goto out;
		if ((st = split_html(g, out)) != ST_OK || out->n > 0)
			goto out;
	} else {
		if (n > MAX_TEXT_SIZE) {
			n = MAX_TEXT_SIZE;
			while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
				n--;
		}
		if ((st = split_text(text, n, out)) != ST_OK || out->n > 0)
			goto out;
	}
	/* Not a digest: one article, titled by the subject. */
	st = ST_NOMEM;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		goto out;
	out->v = a;
	out->n = 1;
	if ((a->title = make_title(subject)) == NULL)
		goto out;
	if (g != NULL) {
		const GumboNode *rm = NULL;
		int err = 0;

		if ((a->text = tree_text(g, &a->text_len)) == NULL)
			goto out;
		to_desc(&d, g->document, 0);
		if (g->root != NULL)
			rm = find_link(g->root, 1, &err, 0);
		if (err || (rm != NULL && (a->url = href_dup(rm)) == NULL))
			goto out;
	} else {
		if ((a->text = dup_n(text, n)) == NULL)
			goto out;
		a->text_len = n;
		if (text_url(a->text, n, NULL, &a->url) == -1)
			goto out;
		d_add(&d, "<pre>", 5, 0);
		d_esc(&d, text, n);
		d_add(&d, "</pre>", 6, 1);
	}
	if (d.err || buf_add(&d.b, "", 0) == -1)
		goto out;
	if ((a->description = buf_steal(&d.b)) == NULL)
		goto out;
	st = ST_OK;
out:
	unparse(&t);
	buf_free(&d.b);
	if (st != ST_OK)
		html_articles_free(out);
	return st;
}

void
html_articles_free(struct article_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; l->v != NULL && i < l->n; i++) {
		free(l->v[i].title);
		free(l->v[i].description);
		free(l->v[i].text);
		free(l->v[i].url);
	}
	free(l->v);
	free(l->rest);
	memset(l, 0, sizeof(*l));
}
