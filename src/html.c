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
 *
 * At this stage a message is one article: its title is the subject.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "bounds.h"
#include "buf.h"
#include "html.h"
#include "utf8.h"

#define HTML_MAX_TAGS	50000	/* tags handed to gumbo */
#define TAGNAME_MAX	15	/* longer names never match an end tag */
#define WALK_MAX_DEPTH	(4 * MAX_HTML_DEPTH)	/* tree walk recursion */
#define DESC_RESERVE	(64u * 1024)	/* room kept for closing tags */
#define HREF_MAX	MAX_IOC_LEN

static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */

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

/* Is s one of the NULL-terminated list? */
static int
inlist(const char *s, const char *const *l)
{
	for (; *l != NULL; l++)
		if (strcmp(s, *l) == 0)
			return 1;
	return 0;
}


/*
 * The pre-pass.
 */

static const char *const void_tags[] = {
	"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen",
	"link", "meta", "param", "source", "track", "wbr", "basefont",
	"bgsound", "frame", "image", "menuitem", NULL
};

/* Elements whose content is raw text up to their end tag. */
static const char *const raw_tags[] = {
	"script", "style", "textarea", "title", "xmp", "iframe", "noembed",
	"noframes", NULL
};

/* Start tags that close an open <p> (in button scope). */
static const char *const p_closers[] = {
	"address", "article", "aside", "blockquote", "center", "details",
	"dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure",
	"footer", "header", "hgroup", "main", "menu", "nav", "ol", "p",
	"section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
	"listing", "form", "hr", "li", "dd", "dt", "table", "plaintext",
	"xmp", NULL
};

/* Closed by generate-implied-end-tags when an ancestor's end tag comes. */
static const char *const implied[] = {
	"li", "p", "dd", "dt", "option", "optgroup", "rb", "rp", "rt", "rtc",
	NULL
};

/* Closed when an enclosing table part ends. */
static const char *const table_inner[] = {
	"td", "th", "tr", "tbody", "thead", "tfoot", "caption", "colgroup",
	NULL
};

struct hstack {
	char	 name[MAX_HTML_DEPTH][TAGNAME_MAX + 1];
	size_t	 n;
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
	    strcmp(name, "tr") == 0) && (top_is(s, "td") || top_is(s, "th")))
		s->n--;
	if (strcmp(name, "tr") == 0 && top_is(s, "tr"))
		s->n--;
	if (inlist(name, void_tags))
		return 0;
	if (s->n >= MAX_HTML_DEPTH)
		return -1;
	/* A name too long to compare can never be popped. */
	strcpy(s->name[s->n], toolong ? "\x01" : name);
	s->n++;
	return 0;
}

/* An end tag: pop when the element is surely closed by gumbo. */
static void
hs_end(struct hstack *s, const char *name, int toolong)
{
	size_t	 k, lim;
	int	 tbl;

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
	char	 q;

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
	size_t	 l = strlen(name), j;

	for (; i + 2 + l <= n; i++) {
		if (p[i] != '<' || p[i + 1] != '/')
			continue;
		for (j = 0; j < l; j++)
			if (lc((unsigned char)p[i + 2 + j]) != name[j])
				break;
		if (j == l && (i + 2 + l == n || !isalpha_((unsigned char)
		    p[i + 2 + l])))
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
	struct hstack	*s;
	struct buf	 b;
	char		 name[TAGNAME_MAX + 1], *out = NULL;
	size_t		 i = 0, j, e, nl, tags = 0;
	int		 end, toolong, drop;

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
		for (j = i; j < n && p[j] != '<'; j++)
			;
		if (j > i && buf_add(&b, p + i, j - i) == -1)
			goto out;
		if ((i = j) >= n)
			break;
		if (i + 3 < n && memcmp(p + i, "<!--", 4) == 0) {
			for (e = i + 4; e + 3 <= n && memcmp(p + e, "-->", 3)
			    != 0; e++)
				;
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
			if (i + 1 < n && (p[i + 1] == '!' || p[i + 1] == '?' ||
			    end)) {
				for (e = i + 1; e < n && p[e] != '>'; e++)
					;
				e = e < n ? e + 1 : n;
			} else
				e = i + 1;	/* a lone '<' */
			if (buf_add(&b, p + i, e - i) == -1)
				goto out;
			i = e;
			continue;
		}
		for (nl = 0, toolong = 0; j < n && !isspace_((unsigned char)
		    p[j]) && p[j] != '/' && p[j] != '>'; j++) {
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
		else if (++tags > HTML_MAX_TAGS || hs_start(s, name,
		    toolong) == -1)
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
 * Parse the bounded copy of html; *hold is that copy, which the tree
 * points into: free it after gumbo_destroy_output().
 */
static GumboOutput *
parse(const char *html, size_t len, char **hold)
{
	GumboOptions	 opt = kGumboDefaultOptions;
	GumboOutput	*g;
	size_t		 hl = 0;

	if ((*hold = bound(html, len, &hl)) == NULL)
		return NULL;
	opt.max_errors = 0;
	if ((g = gumbo_parse_with_options(&opt, *hold, hl)) == NULL) {
		free(*hold);
		*hold = NULL;
	}
	return g;
}

/*
 * Plain text.
 */

struct text {
	struct buf	 b;
	int		 nl;	/* newlines owed before the next text */
	int		 sp;	/* a space owed */
	int		 pre;	/* inside <pre> */
	int		 full;
	int		 err;
};

static const char *const skip_tags[] = {
	"script", "style", "head", "title", "template", "iframe", "object",
	"embed", "noscript", NULL
};

static const char *const block_tags[] = {
	"div", "li", "tr", "td", "th", "dt", "dd", "section", "article",
	"header", "footer", "nav", "aside", "main", "address", "figure",
	"figcaption", "center", "caption", "form", "fieldset", "details",
	"summary", "option", NULL
};

static const char *const para_tags[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl",
	"blockquote", "pre", "hr", NULL
};

static void
t_add(struct text *t, const char *p, size_t n)
{
	size_t	 room;

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
	size_t	 i = 0, j, l;

	while (i < n) {
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
		if (utf8_len((const unsigned char *)s + i, n - i) == 0) {
			t_add(t, repl, 3);
			i++;
			continue;
		}
		for (j = i; j < n; j += l) {
			unsigned char d = (unsigned char)s[j];

			if (d <= 0x20 || d == 0x7f || is_nbsp(s, n, j) ||
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
	const char	*s = gumbo_normalized_tagname(n->v.element.tag);

	return s != NULL ? s : "";
}

/* href of an <a>, whitespace-trimmed, or NULL. */
static const char *
href_of(const GumboNode *n, size_t *len)
{
	GumboAttribute	*a;
	const char	*h;
	size_t		 l;

	if ((a = gumbo_get_attribute(&n->v.element.attributes, "href")) ==
	    NULL || a->value == NULL)
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
	const GumboVector	*ch;
	const char		*name, *h;
	size_t			 i, start, hl;
	int			 brk = 0, savepre;

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
	if (strcmp(name, "a") == 0 && (h = href_of(n, &hl)) != NULL &&
	    h[0] != '#') {
		const char	*tx = t->b.p != NULL ? t->b.p + start : "";
		size_t		 tl = t->b.len - start;

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
	struct text	 t;
	size_t		 l;

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
	GumboOutput	*g;
	char		*s, *hold = NULL;
	size_t		 l = 0;

	if (html == NULL)
		html = "";
	if ((g = parse(html, len, &hold)) == NULL)
		return NULL;
	s = tree_text(g, &l);
	gumbo_destroy_output(&kGumboDefaultOptions, g);
	free(hold);
	if (s != NULL && outlen != NULL)
		*outlen = l;
	return s;
}

/*
 * Sanitised HTML.
 */

static const char *const keep_tags[] = {
	"p", "br", "div", "span", "a", "b", "strong", "i", "em", "u", "ul",
	"ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead",
	"tbody", "tr", "td", "th", "pre", "code", "blockquote", "hr", NULL
};

/* Dropped with everything inside. */
static const char *const drop_tags[] = {
	"script", "style", "iframe", "object", "embed", "form", "img",
	"head", "title", "template", "svg", "math", "link", "meta", "base",
	"input", "button", "select", "textarea", "noscript", "frameset",
	"frame", "applet", "audio", "video", "canvas", "source", "track",
	"picture", "map", "area", "param", "dialog", NULL
};

/* Not kept, but a block: becomes a div. */
static const char *const div_tags[] = {
	"section", "article", "header", "footer", "main", "nav", "aside",
	"center", "address", "figure", "figcaption", "dl", "dt", "dd",
	"fieldset", "details", "summary", "caption", "tfoot", NULL
};

struct desc {
	struct buf	 b;
	int		 full;
	int		 err;
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

/* Escaped text (valid UTF-8; controls other than \t\n dropped). */
static void
d_esc(struct desc *d, const char *s, size_t n)
{
	size_t	 i = 0, j, l;

	while (i < n && !d->full && !d->err) {
		for (j = i; j < n; j += l) {
			unsigned char c = (unsigned char)s[j];

			if (c == '&' || c == '<' || c == '>' || c == '"' ||
			    c == '\'' || (c < 0x20 && c != '\t' && c != '\n') ||
			    c == 0x7f)
				break;
			if ((l = utf8_len((const unsigned char *)s + j,
			    n - j)) == 0)
				break;
		}
		d_add(d, s + i, j - i, 0);
		if (j >= n)
			break;
		switch (s[j]) {
		case '&':	d_add(d, "&amp;", 5, 0); break;
		case '<':	d_add(d, "&lt;", 4, 0); break;
		case '>':	d_add(d, "&gt;", 4, 0); break;
		case '"':	d_add(d, "&quot;", 6, 0); break;
		case '\'':	d_add(d, "&#39;", 5, 0); break;
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
	static const char *const schemes[] = { "http://", "https://",
	    "mailto:", NULL };
	const char *const	*sc;
	size_t			 i, l;

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
	const GumboVector	*ch;
	const char		*name, *out = NULL, *h;
	size_t			 i, hl;

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
		return;		/* comments, templates */
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
			out = NULL;	/* could not open it: do not close */
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

/*
 * Articles.
 */

/* Whitespace-normalised, bounded title; "(no subject)" when empty. */
static char *
make_title(const char *subject)
{
	struct buf	 b;
	size_t		 i, n, l;
	int		 sp = 0;

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
		if ((l = utf8_len((const unsigned char *)subject + i,
		    n - i)) == 0)
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

enum status
html_articles(const char *subject, const char *html, size_t html_len,
    const char *text, size_t text_len, struct article_list *out)
{
	struct article	*a;
	GumboOutput	*g = NULL;
	char		*hold = NULL;
	struct desc	 d;
	enum status	 st = ST_NOMEM;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	buf_init(&d.b, MAX_TEXT_SIZE);
	if ((html == NULL || html_len == 0) && (text == NULL ||
	    text_len == 0))
		return ST_OK;	/* no body: no article */
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ST_NOMEM;
	out->v = a;
	out->n = 1;
	if ((a->title = make_title(subject)) == NULL)
		goto out;
	if (html != NULL && html_len > 0) {
		if ((g = parse(html, html_len, &hold)) == NULL)
			goto out;
		if ((a->text = tree_text(g, &a->text_len)) == NULL)
			goto out;
		to_desc(&d, g->document, 0);
	} else {
		size_t	 n = text_len;

		if (n > MAX_TEXT_SIZE) {
			n = MAX_TEXT_SIZE;
			while (n > 0 && ((unsigned char)text[n] & 0xc0) ==
			    0x80)
				n--;
		}
		if ((a->text = malloc(n + 1)) == NULL)
			goto out;
		memcpy(a->text, text, n);
		a->text[n] = '\0';
		a->text_len = n;
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
	if (g != NULL)
		gumbo_destroy_output(&kGumboDefaultOptions, g);
	free(hold);
	buf_free(&d.b);
	if (st != ST_OK)
		html_articles_free(out);
	return st;
}

void
html_articles_free(struct article_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].title);
		free(l->v[i].description);
		free(l->v[i].text);
		free(l->v[i].url);
	}
	free(l->v);
	free(l->rest);
	memset(l, 0, sizeof(*l));
}
