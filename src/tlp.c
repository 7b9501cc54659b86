/*
 * Traffic Light Protocol markings (TLP 1.0 and 2.0).
 *
 * tlp_find() finds candidate markings, drops those that belong to a
 * legend (text that explains TLP), and returns the most restrictive of the
 * rest.  A label is RED, AMBER, AMBER+STRICT (blanks allowed around '+'),
 * GREEN, CLEAR or WHITE, in any case, ending at a non-letter: "TLP:REDACTED"
 * and "TLP:GREENISH" mark nothing, "TLP:AMBER+STRICT" is only AMBER+STRICT.
 *
 * Candidates:
 *  - "TLP", up to two blanks, a separator (':', '-', '_', an en or em
 *    dash), up to eight blanks, a label: "TLP:AMBER", "TLP: red",
 *    "TLP-GREEN", "TLP : AMBER", "TLP:AMBER + STRICT".  Anywhere, as long
 *    as "TLP" does not end a longer word ("XTLP:RED").
 *  - "Traffic Light Protocol" (any case), optionally "(TLP)", a separator,
 *    a label: "TRAFFIC LIGHT PROTOCOL: AMBER",
 *    "Traffic Light Protocol (TLP): GREEN".
 *  - Upper-case "TLP", one or two blanks, a label, only where that is
 *    clearly a marking: in brackets ("[TLP AMBER]", "(TLP RED)"), or first
 *    on its line (after blanks and markup such as "*", "#", ">", "-", "[")
 *    with nothing but blanks or punctuation after the label on that line
 *    ("TLP AMBER", "** TLP RED **", "TLP GREEN - share with peers").
 *    "TLP RED team exercises" or "see the TLP AMBER rules" mark nothing.
 * Bare colour words ("Red Menshen", "Amber Sandstorm", "the red team")
 * are never candidates.
 *
 * Legends.  A candidate is dropped when
 *  - it is within LEGEND_SPAN bytes of candidates with LEGEND_MIN distinct
 *    labels in all (WHITE and CLEAR count as one, AMBER and AMBER+STRICT as
 *    two): "TLP:RED ... TLP:AMBER ... TLP:GREEN" lists labels, it does not
 *    mark text with them; or
 *  - it follows a legend heading: a line that starts (after markup) with
 *    "About [the] Traffic Light Protocol", "About [the] TLP", "What is
 *    [the] TLP/Traffic Light Protocol", or "[The] TLP/Traffic Light
 *    Protocol [(TLP)]" followed by "definitions", "definition", "legend",
 *    "levels", "labels", "explained" or "guide".  The legend goes on to the
 *    end of the heading's paragraph, then through each following paragraph
 *    (paragraphs are separated by lines of only blanks or markup) whose
 *    first content is a candidate ("TLP:RED - not for disclosure...");
 *    the first paragraph that starts otherwise ends it.  The heading must
 *    start its line so that "For more about the Traffic Light Protocol,
 *    see ..." after a real marking does not turn into a legend.
 *
 * One pass over the input with a bounded window of pending candidates
 * (candidates are at least 7 bytes long and do not overlap): linear time,
 * no allocation.
 */
#include <stddef.h>
#include <string.h>
/* The scan for where a candidate may start: SSE2 where there is SSE2. */
#if defined(__SSE2__) && !defined(TLP_SCALAR)
#include <emmintrin.h>
#define TLP_SSE2 1
#endif

#include "tlp.h"

#define LEGEND_SPAN 300 /* bytes between the first and last label */
#define LEGEND_MIN 3	/* distinct labels that make a legend */
#define RING 64		/* > LEGEND_SPAN / 7 + 1 pending candidates */
#define NRANK 6

static const struct {
	const char *word;
	enum tlp tlp;
} labels[] = {
    {"RED", TLP_RED},	  {"AMBER", TLP_AMBER}, {"GREEN", TLP_GREEN},
    {"CLEAR", TLP_CLEAR}, {"WHITE", TLP_WHITE},
};

/* Words that make "TLP ..." / "Traffic Light Protocol ..." a heading. */
static const char *const legend_words[] = {
    "DEFINITIONS", "DEFINITION", "LEGEND", "LEVELS",
    "LABELS",	   "EXPLAINED",	 "GUIDE",  NULL};

struct cand {
	size_t pos;
	enum tlp tlp;
	int legend;
};

struct scan {
	struct cand ring[RING];
	size_t head, n;
	int cnt[NRANK]; /* pending candidates per rank */
	int distinct;	/* ranks with cnt > 0 */
	enum tlp best;	/* of the finished, non-legend ones */
};

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char
up(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Does s[0..len) start with the upper-case word w, case-insensitively? */
static int
starts(const char *s, size_t len, const char *w)
{
	size_t i, n = strlen(w);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (up((unsigned char)s[i]) != (unsigned char)w[i])
			return 0;
	return 1;
}

/* starts(), and the word ends there (no letter or digit follows). */
static int
word(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return starts(s, len, w) &&
	       (n >= len || !is_alnum((unsigned char)s[n]));
}

/* Blanks at s[0..len), at most max of them. */
static size_t
blanks(const char *s, size_t len, size_t max)
{
	size_t j = 0;

	while (j < len && j < max && is_blank((unsigned char)s[j]))
		j++;
	return j;
}

/* Length of the separator at s[0..len) (':', '-', '_', en/em dash), or 0. */
static size_t
separator(const char *s, size_t len, int underscore)
{
	if (len == 0)
		return 0;
	if (s[0] == ':' || s[0] == '-' || (underscore && s[0] == '_'))
		return 1;
	if (len >= 3 && (unsigned char)s[0] == 0xe2 &&
	    (unsigned char)s[1] == 0x80 &&
	    ((unsigned char)s[2] == 0x93 || (unsigned char)s[2] == 0x94))
		return 3;
	return 0;
}

/*
 * The label at s[0..len) (just after the separator and blanks), or
 * TLP_NONE; *used is its length.  Only a bounded prefix is looked at.
 */
static enum tlp
label_at(const char *s, size_t len, size_t *used)
{
	size_t i, n, j;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (!starts(s, len, labels[i].word))
			continue;
		n = strlen(labels[i].word);
		if (n < len && is_alpha((unsigned char)s[n]))
			continue;
		*used = n;
		if (labels[i].tlp != TLP_AMBER)
			return labels[i].tlp;
		/* AMBER+STRICT, with optional blanks around '+'. */
		j = n + blanks(s + n, len - n, 4);
		if (j >= len || s[j] != '+')
			return TLP_AMBER;
		j++;
		j += blanks(s + j, len - j, 8);
		if (starts(s + j, len - j, "STRICT") &&
		    (j + 6 >= len || !is_alpha((unsigned char)s[j + 6]))) {
			*used = j + 6;
			return TLP_AMBER_STRICT;
		}
		return TLP_AMBER;
	}
	return TLP_NONE;
}

/* Markup that may precede a marking or heading on its line. */
static size_t
markup(const char *s, size_t len)
{
	size_t j = 0;

	while (j < len) {
		if (s[j] != '\0' && strchr(" \t\r>*#-=_|[(~", s[j]) != NULL)
			j++;
		else if (j + 3 <= len && (unsigned char)s[j] == 0xe2 &&
			 (unsigned char)s[j + 1] == 0x80 &&
			 (unsigned char)s[j + 2] == 0xa2) /* bullet */
			j += 3;
		else
			break;
	}
	return j;
}

/* After a line-start bare marking: only blanks or punctuation follow. */
static int
ends_marking(const char *s, size_t len)
{
	size_t j = blanks(s, len, (size_t)-1);

	if (j >= len)
		return 1;
	return (s[j] != '\0' && strchr("\r\n.,;:!)]}|*-/(", s[j]) != NULL) ||
	       (unsigned char)s[j] == 0xe2;
}

/*
 * A candidate marking at text[i..len) (text[i] is 't' or 'T' not preceded
 * by a letter or digit); cstart is where the content of i's line starts.
 * Returns its length and sets *t, or returns 0.
 */
static size_t
cand_at(const char *text, size_t len, size_t i, size_t cstart, enum tlp *t)
{
	const char *s = text + i;
	size_t n = len - i, j, k, used = 0;

	/* Most words starting with 't' are neither "TLP" nor "Traffic". */
	if (n < 3 ||
	    (up((unsigned char)s[1]) != 'L' && up((unsigned char)s[1]) != 'R'))
		return 0;
	if (word(s, n, "TRAFFIC LIGHT PROTOCOL")) {
		j = 22 + blanks(s + 22, n - 22, 4);
		if (starts(s + j, n - j, "(TLP)"))
			j += 5 + blanks(s + j + 5, n - j - 5, 4);
		if ((k = separator(s + j, n - j, 0)) == 0)
			return 0;
		j += k;
		j += blanks(s + j, n - j, 8);
		*t = label_at(s + j, n - j, &used);
		return *t == TLP_NONE ? 0 : j + used;
	}
	if (!starts(s, n, "TLP"))
		return 0;
	j = 3 + blanks(s + 3, n - 3, 2);
	if ((k = separator(s + j, n - j, 1)) != 0) {
		j += k;
		j += blanks(s + j, n - j, 8);
		*t = label_at(s + j, n - j, &used);
		return *t == TLP_NONE ? 0 : j + used;
	}
	/* Bare "TLP AMBER": upper-case, bracketed or alone on its line. */
	if (j == 3 || s[0] != 'T' || s[1] != 'L' || s[2] != 'P')
		return 0;
	if ((*t = label_at(s + j, n - j, &used)) == TLP_NONE)
		return 0;
	k = j + used;
	if (i > 0 && (text[i - 1] == '[' || text[i - 1] == '(')) {
		j = k + blanks(s + k, n - k, 4);
		if (j < n && (s[j] == ']' || s[j] == ')'))
			return k;
	}
	if (i == cstart && ends_marking(s + k, n - k))
		return k;
	*t = TLP_NONE;
	return 0;
}

/* Is s[0..len), the content start of a line, a legend heading? */
static int
heading_at(const char *s, size_t len)
{
	size_t j = 0, k;
	int lead = 0;

	/* "About", "What", "The", "Traffic" or "TLP" (no blank first). */
	if (len == 0 ||
	    (up((unsigned char)s[0]) != 'A' && up((unsigned char)s[0]) != 'W' &&
	     up((unsigned char)s[0]) != 'T'))
		return 0;
	if (word(s, len, "ABOUT")) {
		j = 5;
		lead = 1;
	} else if (word(s, len, "WHAT")) {
		j = 4 + blanks(s + 4, len - 4, 4);
		if (!word(s + j, len - j, "IS"))
			return 0;
		j += 2;
		lead = 1;
	}
	j += blanks(s + j, len - j, 4);
	if (word(s + j, len - j, "THE"))
		j += 3 + blanks(s + j + 3, len - j - 3, 4);
	if (word(s + j, len - j, "TRAFFIC LIGHT PROTOCOL")) {
		j += 22 + blanks(s + j + 22, len - j - 22, 4);
		if (starts(s + j, len - j, "(TLP)"))
			j += 5;
	} else if (word(s + j, len - j, "TLP"))
		j += 3;
	else
		return 0;
	if (lead)
		return 1;
	j += blanks(s + j, len - j, 4);
	for (k = 0; legend_words[k] != NULL; k++)
		if (word(s + j, len - j, legend_words[k]))
			return 1;
	return 0;
}

static int
rank(enum tlp t)
{
	switch (t) {
	case TLP_NONE:
		return 0;
	case TLP_CLEAR:
		return 1;
	case TLP_WHITE:
		return 1;
	case TLP_GREEN:
		return 2;
	case TLP_AMBER:
		return 3;
	case TLP_AMBER_STRICT:
		return 4;
	case TLP_RED:
		return 5;
	}
	return 0;
}

/* The oldest pending candidate is finished: count it unless in a legend. */
static void
finish(struct scan *sc)
{
	struct cand *c = &sc->ring[sc->head];
	int r = rank(c->tlp);

	if (!c->legend)
		sc->best = tlp_max(sc->best, c->tlp);
	if (--sc->cnt[r] == 0)
		sc->distinct--;
	sc->head = (sc->head + 1) % RING;
	sc->n--;
}

static void
push(struct scan *sc, size_t pos, enum tlp t, int legend)
{
	struct cand *c;
	size_t k;
	int r = rank(t);

	while (sc->n > 0 && pos - sc->ring[sc->head].pos > LEGEND_SPAN)
		finish(sc);
	if (sc->n == RING) /* cannot happen: candidates are >= 7 apart */
		finish(sc);
	c = &sc->ring[(sc->head + sc->n) % RING];
	c->pos = pos;
	c->tlp = t;
	c->legend = legend;
	sc->n++;
	if (sc->cnt[r]++ == 0)
		sc->distinct++;
	if (sc->distinct >= LEGEND_MIN)
		for (k = 0; k < sc->n; k++)
			sc->ring[(sc->head + k) % RING].legend = 1;
}

/*
 * The first i from i (i > 0) where anything can begin: a line start, or a
 * 't' or 'T' after neither a letter nor a digit; len when there is none.
 * (One byte at a time, the loop below took about 3 ns a byte: most words
 * have a 't' somewhere.)  -DTLP_SCALAR leaves SSE2 out.
 */
static size_t
next_start(const char *text, size_t len, size_t i)
{
#ifdef TLP_SSE2
	const __m128i a = _mm_set1_epi8('a'), z = _mm_set1_epi8(25);
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
	const __m128i low = _mm_set1_epi8(0x20);

	for (; i + 16 <= len; i += 16) {
		__m128i c = _mm_loadu_si128((const __m128i *)(text + i));
		__m128i p = _mm_loadu_si128((const __m128i *)(text + i - 1));
		__m128i l = _mm_sub_epi8(_mm_or_si128(p, low), a);
		__m128i d = _mm_sub_epi8(p, zero);
		/* Unsigned l <= 25: a letter; d <= 9: a digit. */
		__m128i an =
		    _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, z), l),
				 _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d));
		__m128i t =
		    _mm_cmpeq_epi8(_mm_or_si128(c, low), _mm_set1_epi8('t'));
		__m128i hit =
		    _mm_or_si128(_mm_cmpeq_epi8(p, _mm_set1_epi8('\n')),
				 _mm_andnot_si128(an, t));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);

		if (m != 0)
			return i + (unsigned)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++)
		if (text[i - 1] == '\n' ||
		    ((text[i] | 0x20) == 't' &&
		     !is_alnum((unsigned char)text[i - 1])))
			return i;
	return len;
}

enum tlp
tlp_find(const char *text, size_t len)
{
	struct scan sc;
	size_t i, n, cstart = 0;
	int zone = 0, para_first = 1;
	enum tlp t = TLP_NONE;

	if (text == NULL)
		return TLP_NONE;
	memset(&sc, 0, sizeof(sc));
	for (i = 0; i < len && rank(sc.best) < rank(TLP_RED);) {
		if (i > 0 && (i = next_start(text, len, i)) >= len)
			break;
		if (i == 0 || text[i - 1] == '\n') {
			cstart = i + markup(text + i, len - i);
			if (cstart >= len || text[cstart] == '\n') {
				/* A blank or markup-only line ends a paragraph.
				 */
				para_first = 1;
			} else {
				/*
				 * A legend goes on through paragraphs that
				 * start with a marking ("TLP:RED - ...").
				 */
				if (para_first && zone &&
				    (up((unsigned char)text[cstart]) != 'T' ||
				     cand_at(text, len, cstart, cstart, &t) ==
					 0))
					zone = 0;
				para_first = 0;
				if (heading_at(text + cstart, len - cstart))
					zone = 1;
			}
		}
		if (up((unsigned char)text[i]) == 'T' &&
		    (i == 0 || !is_alnum((unsigned char)text[i - 1])) &&
		    (n = cand_at(text, len, i, cstart, &t)) > 0) {
			push(&sc, i, t, zone);
			i += n;
			continue;
		}
		i++;
	}
	while (sc.n > 0)
		finish(&sc);
	return sc.best;
}

const char *
tlp_name(enum tlp t)
{
	switch (t) {
	case TLP_NONE:
		return NULL;
	case TLP_CLEAR:
		return "CLEAR";
	case TLP_WHITE:
		return "WHITE";
	case TLP_GREEN:
		return "GREEN";
	case TLP_AMBER:
		return "AMBER";
	case TLP_AMBER_STRICT:
		return "AMBER+STRICT";
	case TLP_RED:
		return "RED";
	}
	return NULL;
}

int
tlp_parse(const char *name, enum tlp *out)
{
	size_t len, used = 0;
	enum tlp t;

	if (name == NULL)
		return -1;
	while (is_blank((unsigned char)*name))
		name++;
	len = strlen(name);
	while (len > 0 && is_blank((unsigned char)name[len - 1]))
		len--;
	if (starts(name, len, "TLP") && len > 3 &&
	    (name[3] == ':' || name[3] == '-' || name[3] == '_')) {
		name += 4;
		len -= 4;
		while (len > 0 && is_blank((unsigned char)*name)) {
			name++;
			len--;
		}
	}
	t = label_at(name, len, &used);
	/* The whole value must be the label. */
	if (t == TLP_NONE || used != len)
		return -1;
	*out = t;
	return 0;
}

int
tlp_rank(enum tlp t)
{
	return rank(t);
}

enum tlp
tlp_max(enum tlp a, enum tlp b)
{
	return rank(b) > rank(a) ? b : a;
}
