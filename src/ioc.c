/*
 * Indicators of compromise from text.
 *
 * One PCRE2 pattern (UTF, invalid UTF allowed, JIT) with one alternative per
 * kind of candidate is run once over the text, left to right.  Each
 * alternative is anchored on a look-behind that refuses to start inside a
 * run of the characters it consumes, and its repeats are possessive, so no
 * position is scanned by the same alternative twice: the work is linear in
 * the input.  A match consumes its span (a URL consumes its host, an email
 * address its domain), so a host is reported as an FQDN only where it stands
 * alone.  The regex only shapes candidates; validation (public suffix, octet
 * ranges, lengths, file-name heuristics) and normalisation are done in C on
 * the captured span.  Pure: no I/O, no logging, no exit.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <libpsl.h>

#include "bounds.h"
#include "ioc.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define HOST_MAX	253	/* RFC 1035 name, without the trailing dot */
#define LABEL_MAX	63
#define LOCAL_MAX	64	/* RFC 5321 local part */
#define IP6_TEXT_MAX	45	/* INET6_ADDRSTRLEN - 1 */
#define MATCH_LIMIT	1000000	/* per start position; never reached in practice */
#define DEPTH_LIMIT	1000	/* interpreter only; set for completeness */
#define HEAP_LIMIT	(8u * 1024)	/* KiB, likewise */
#define JIT_STACK_MIN	(32u * 1024)
#define JIT_STACK_MAX	(512u * 1024)
#define MATCH_ERRORS	64	/* limit errors tolerated in one text */

/*
 * Pattern pieces.  Character classes are spelt out instead of using (?i):
 * in UTF mode caseless matching would let U+017F match 's' and U+212A 'k'.
 */
#define P_LABEL	"[A-Za-z0-9][A-Za-z0-9\\-]*+"
#define P_BRDOT	"\\[\\.\\]|\\(\\.\\)|\\{\\.\\}|\\[[Dd][Oo][Tt]\\]|" \
		"\\([Dd][Oo][Tt]\\)|\\{[Dd][Oo][Tt]\\}"
/* A dot: plain, bracketed (optionally spaced) or sloppy; see dot_len(). */
#define P_DOT	"(?:\\x20?(?:" P_BRDOT ")\\x20?|\\.\\]|\\[\\.|\\.)"
/* The same without spaces, for email local parts. */
#define P_DOTT	"(?:" P_BRDOT "|\\.\\]|\\[\\.|\\.)"
#define P_AT	"(?:@|\\x20?(?:\\[[Aa][Tt]\\]|\\([Aa][Tt]\\)|\\{[Aa][Tt]\\}|" \
		"\\[@\\]|\\(@\\)|\\{@\\})\\x20?)"
#define P_LC	"[A-Za-z0-9_%+\\-]"
/* URL path characters: printable ASCII but space " < >, plus letters and digits. */
#define P_PATHC	"[!#-;=?-~\\p{L}\\p{N}]"

static const char pattern[] =
	/*
	 * No candidate starts after a letter or digit; testing that first
	 * makes positions inside words cheap.
	 */
	"(?<![A-Za-z0-9])(?:"
	/* URL: scheme (defanged too), separator, userinfo, host, port, path. */
	"(?<url>"
	"(?<usc>[Hh][TtXx][TtXx][Pp][Ss]?|[Ff][TtXx][Pp])"
	"(?:://|\\[:\\]//|\\[://\\])"
	"(?:(?<uui>[A-Za-z0-9._~%!$&'()*+,;=:\\-]{1,256}+)@)?"
	"(?<uho>\\[[0-9A-Fa-f:.]{2,45}+\\]|" P_LABEL "(?&dl){0,127}+)"
	"(?:(?::|\\[:\\])(?<upo>[0-9]{1,5}+))?"
	"(?<upa>(?:[/?#]|\\[/\\])" P_PATHC "*+)?)"
	/* Email address, defanged "at" and dots allowed. */
	"|(?<em>(?<![A-Za-z0-9_%+.@\\]\\)\\}\\-])"
	"(?<eml>" P_LC "++(?&dlt){0,63}+)" P_AT
	"(?<emd>" P_LABEL "(?&dl){1,127}+))"
	/* CVE identifier. */
	"|(?<cve>[Cc][Vv][Ee]-(?:19|20)[0-9]{2}-[0-9]{4,7}+"
	"(?![A-Za-z0-9]))"
	/* Dotted token: a host name, an IPv4 address, or a file name. */
	"|(?<tok>(?<![A-Za-z0-9_.@\\]\\)\\}\\-])" P_LABEL "(?&dl){1,127}+)"
	/* Hex run: a hash when its length is right. */
	"|(?<hx>[0-9A-Fa-f]{32,128}+(?![A-Za-z0-9]))"
	/* IPv6 candidate. */
	"|(?<ip6>(?<![A-Za-z0-9:._\\-])[0-9A-Fa-f]{0,4}+:[0-9A-Fa-f:.]*+"
	"(?![G-Zg-z_\\-])))"
	/* Subroutines: a dot and a label; a tight dot and local-part run. */
	"(?(DEFINE)(?<dl>" P_DOT P_LABEL ")(?<dlt>" P_DOTT P_LC "++))";

/*
 * Top-level domains that are also common file extensions.  A plain (not
 * defanged) token ending in one of these is taken as a file name: "run.sh",
 * "README.md", "invoice.zip".  This holds for multi-label tokens too
 * ("files.example.zip", "archive.part1.zip") unless the first label is
 * "www"; defanged tokens and the hosts of URLs and email addresses are
 * always host names.
 */
static const char *const file_tlds[] = {
	"ac", "ai", "am", "app", "bz", "cab", "cc", "do", "in", "md", "mk",
	"ml", "mo", "mov", "ms", "one", "pl", "pm", "ps", "py", "rs", "sh",
	"so", "ws", "zip"
};

static const char *const type_names[IOC_NTYPES] = {
	[IOC_IPV4] = "IP Address",
	[IOC_IPV6] = "IPv6 Address",
	[IOC_CIDR] = "CIDR Block",
	[IOC_FQDN] = "FQDN",
	[IOC_URL] = "URL",
	[IOC_EMAIL] = "Email Address",
	[IOC_MD5] = "MD5",
	[IOC_SHA1] = "SHA-1",
	[IOC_SHA256] = "SHA-256",
	[IOC_SHA512] = "SHA-512",
	[IOC_CVE] = "CVE",
	[IOC_FILENAME] = "Filename",
	[IOC_REGKEY] = "Registry Key",
	[IOC_BTC] = "Bitcoin Address",
	[IOC_ASN] = "ASN"
};

/* Open-addressing hash table slots; idx1 is the entry index + 1, 0 = empty. */
struct hslot {
	uint64_t	 h;
	size_t		 idx1;
};

struct htab {
	struct hslot	*s;
	size_t		 nslot;		/* 0 or a power of two */
};

/* Case-insensitive string set (exclusions). */
struct strset {
	char		**keys;
	size_t		 n;
	size_t		 cap;
	struct htab	 tab;
};

/* Bounded output for one normalised value. */
struct wr {
	char	*p;
	size_t	 len;
	size_t	 cap;	/* bytes usable, not counting the NUL */
	int	 over;
};

/* Shape of a host parsed by parse_host(). */
struct hostinfo {
	size_t	 len;
	int	 nlabels;
	int	 defanged;
	int	 numeric;	/* every label is all digits */
	size_t	 first_end;	/* length of the first label */
	size_t	 last_off;	/* offset of the last label in the output */
	int	 last_upper;	/* last label has an upper-case letter */
	int	 lower;		/* another label has a lower-case letter */
};

struct ioc_ctx {
	pcre2_code		*re;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jstack;
	const psl_ctx_t		*psl;
	uint32_t		 g_url, g_usc, g_uui, g_uho, g_upo, g_upa;
	uint32_t		 g_em, g_eml, g_emd, g_cve, g_tok, g_hx, g_ip6;
	struct strset		 excl;
	char			 host[HOST_MAX + 1];
	char			 val[MAX_IOC_LEN + 1];
};

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_ldh(int c)
{
	return is_alnum(c) || c == '-';
}

static int
is_local(int c)
{
	return is_alnum(c) || c == '_' || c == '%' || c == '+' || c == '-';
}

/* ASCII case-insensitive prefix test of word (lower-case) at p..end. */
static int
has_word(const char *p, const char *end, const char *word)
{
	size_t	 n = strlen(word), i;

	if ((size_t)(end - p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lc((unsigned char)p[i]) != word[i])
			return 0;
	return 1;
}

/*
 * FNV-1a over a type tag and an ASCII-case-folded (fold) or exact string.
 */
static uint64_t
hash_str(unsigned int tag, const char *s, int fold)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	h = (h ^ tag) * 0x100000001b3ULL;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)(fold ? lc((unsigned char)*s) : *s)) *
		    0x100000001b3ULL;
	return h;
}

static int
ci_equal(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lc((unsigned char)*a) != lc((unsigned char)*b))
			return 0;
	return *a == *b;
}

typedef int	(*eq_fn)(const void *, size_t, const void *);

/* Slot holding the key, or the empty slot where it would go. */
static size_t
htab_find(const struct htab *t, uint64_t h, eq_fn eq, const void *base,
    const void *key)
{
	size_t	 mask = t->nslot - 1, i = (size_t)h & mask;

	while (t->s[i].idx1 != 0) {
		if (t->s[i].h == h && eq(base, t->s[i].idx1 - 1, key))
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

/* Make room for n entries at load factor <= 1/2.  0 or -1. */
static int
htab_reserve(struct htab *t, size_t n)
{
	struct hslot	*ns;
	size_t		 nn, i, j, mask;

	if (n <= t->nslot / 2)
		return 0;
	nn = t->nslot ? t->nslot : 64;
	while (nn / 2 < n) {
		if (nn > SIZE_MAX / 2 / sizeof(*ns))
			return -1;
		nn *= 2;
	}
	if ((ns = calloc(nn, sizeof(*ns))) == NULL)
		return -1;
	mask = nn - 1;
	for (i = 0; i < t->nslot; i++) {
		if (t->s[i].idx1 == 0)
			continue;
		j = (size_t)t->s[i].h & mask;
		while (ns[j].idx1 != 0)
			j = (j + 1) & mask;
		ns[j] = t->s[i];
	}
	free(t->s);
	t->s = ns;
	t->nslot = nn;
	return 0;
}

/* ioc_set keys: a struct ioc pointer compared by type and exact value. */
static int
set_eq(const void *base, size_t idx, const void *key)
{
	const struct ioc	*v = base, *k = key;

	return v[idx].type == k->type && strcmp(v[idx].value, k->value) == 0;
}

static int
strset_eq(const void *base, size_t idx, const void *key)
{
	char *const	*v = base;

	return ci_equal(v[idx], key);
}

static int
strset_has(const struct strset *ss, const char *s)
{
	size_t	 i;

	if (ss->n == 0)
		return 0;
	i = htab_find(&ss->tab, hash_str(0, s, 1), strset_eq, ss->keys, s);
	return ss->tab.s[i].idx1 != 0;
}

/* 0 added or present, -1 on ENOMEM. */
static int
strset_add(struct strset *ss, const char *s, size_t len)
{
	char	**nk, *dup;
	size_t	 i, ncap;
	uint64_t h;

	if ((dup = malloc(len + 1)) == NULL)
		return -1;
	memcpy(dup, s, len);
	dup[len] = '\0';
	if (strset_has(ss, dup)) {
		free(dup);
		return 0;
	}
	if (ss->n == ss->cap) {
		ncap = ss->cap ? ss->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(*nk) ||
		    (nk = realloc(ss->keys, ncap * sizeof(*nk))) == NULL) {
			free(dup);
			return -1;
		}
		ss->keys = nk;
		ss->cap = ncap;
	}
	if (htab_reserve(&ss->tab, ss->n + 1) == -1) {
		free(dup);
		return -1;
	}
	h = hash_str(0, dup, 1);
	i = htab_find(&ss->tab, h, strset_eq, ss->keys, dup);
	ss->keys[ss->n] = dup;
	ss->tab.s[i].h = h;
	ss->tab.s[i].idx1 = ++ss->n;
	return 0;
}

static void
strset_free(struct strset *ss)
{
	size_t	 i;

	for (i = 0; i < ss->n; i++)
		free(ss->keys[i]);
	free(ss->keys);
	free(ss->tab.s);
	memset(ss, 0, sizeof(*ss));
}

void
ioc_set_init(struct ioc_set *set)
{
	set->v = NULL;
	set->n = set->cap = 0;
	set->index = NULL;
}

void
ioc_set_free(struct ioc_set *set)
{
	struct htab	*t;
	size_t		 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		free(set->v[i].value);
	free(set->v);
	if ((t = set->index) != NULL) {
		free(t->s);
		free(t);
	}
	ioc_set_init(set);
}

int
ioc_set_has(const struct ioc_set *set, enum ioc_type type, const char *value)
{
	const struct htab	*t;
	struct ioc		 key;
	size_t			 i;

	if (set == NULL || value == NULL || (t = set->index) == NULL ||
	    t->nslot == 0)
		return 0;
	key.type = type;
	key.value = (char *)(uintptr_t)value;
	i = htab_find(t, hash_str((unsigned int)type, value, 0), set_eq,
	    set->v, &key);
	return t->s[i].idx1 != 0;
}

int
ioc_set_add(struct ioc_set *set, enum ioc_type type, const char *value)
{
	struct htab	*t;
	struct ioc	*nv, key;
	size_t		 len, i, ncap;
	uint64_t	 h;
	char		*dup;

	if (set == NULL || value == NULL || (int)type < 0 || type >= IOC_NTYPES)
		return -1;
	len = strlen(value);
	if (len == 0 || len > MAX_IOC_LEN)
		return -1;
	if ((t = set->index) == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return -1;
		set->index = t;
	}
	h = hash_str((unsigned int)type, value, 0);
	key.type = type;
	key.value = (char *)(uintptr_t)value;
	if (t->nslot != 0) {
		i = htab_find(t, h, set_eq, set->v, &key);
		if (t->s[i].idx1 != 0)
			return 0;
	}
	if (set->n >= MAX_IOCS)
		return -1;
	if (set->n == set->cap) {
		ncap = set->cap ? set->cap * 2 : 16;
		if (ncap > MAX_IOCS)
			ncap = MAX_IOCS;
		if ((nv = realloc(set->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		set->v = nv;
		set->cap = ncap;
	}
	if (htab_reserve(t, set->n + 1) == -1)
		return -1;
	if ((dup = strdup(value)) == NULL)
		return -1;
	i = htab_find(t, h, set_eq, set->v, &key);
	set->v[set->n].type = type;
	set->v[set->n].value = dup;
	t->s[i].h = h;
	t->s[i].idx1 = ++set->n;
	return 1;
}

const char *
ioc_type_name(enum ioc_type type)
{
	if ((int)type < 0 || type >= IOC_NTYPES)
		return "Unknown";
	return type_names[type];
}

static void
wr_init(struct wr *w, char *p, size_t size)
{
	w->p = p;
	w->len = 0;
	w->cap = size - 1;
	w->over = 0;
	p[0] = '\0';
}

static void
wr_addc(struct wr *w, int c)
{
	if (w->len >= w->cap) {
		w->over = 1;
		return;
	}
	w->p[w->len++] = (char)c;
	w->p[w->len] = '\0';
}

static void
wr_add(struct wr *w, const char *s, size_t n)
{
	if (n > w->cap - w->len) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

/*
 * Length of a dot at p (before end): ".", "[.]", "(.)", "{.}", "[dot]",
 * "(dot)", "{dot}" with one optional space either side of the bracketed
 * forms when spaced, and the sloppy ".]" and "[.".  Mirrors P_DOT/P_DOTT;
 * inside a matched span a dot is always followed by a label.  Sets
 * *defanged for anything but a plain ".".
 */
static size_t
dot_len(const char *p, const char *end, int spaced, int *defanged)
{
	static const char *const br[] = {
		"[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}"
	};
	const char	*q = p;
	size_t		 i;

	if (spaced && q < end && *q == ' ')
		q++;
	for (i = 0; i < nitems(br); i++) {
		if (!has_word(q, end, br[i]))
			continue;
		q += strlen(br[i]);
		if (spaced && end - q >= 2 && q[0] == ' ' &&
		    is_alnum((unsigned char)q[1]))
			q++;
		*defanged = 1;
		return (size_t)(q - p);
	}
	if (q != p)
		return 0;
	if (end - p >= 2 && ((p[0] == '.' && p[1] == ']') ||
	    (p[0] == '[' && p[1] == '.'))) {
		*defanged = 1;
		return 2;
	}
	if (end - p >= 1 && p[0] == '.')
		return 1;
	return 0;
}

/*
 * Parse a host span (labels and dots) into buf as lower-case dotted text.
 * LDH rules: labels 1..63 characters, no hyphen at either end, total at
 * most HOST_MAX.  0, or -1 when the span is not a well-formed name.
 */
static int
parse_host(const char *p, const char *end, char *buf, size_t bufsz,
    struct hostinfo *hi)
{
	struct wr	 w;
	const char	*ls;
	size_t		 n, ll, i;
	int		 upper, lower;

	memset(hi, 0, sizeof(*hi));
	hi->numeric = 1;
	wr_init(&w, buf, bufsz);
	upper = lower = 0;
	for (;;) {
		ls = p;
		while (p < end && is_ldh((unsigned char)*p))
			p++;
		ll = (size_t)(p - ls);
		if (ll == 0 || ll > LABEL_MAX || ls[0] == '-' || p[-1] == '-')
			return -1;
		hi->lower |= lower;
		upper = lower = 0;
		hi->last_off = w.len;
		for (i = 0; i < ll; i++) {
			if (!is_digit((unsigned char)ls[i]))
				hi->numeric = 0;
			upper |= ls[i] >= 'A' && ls[i] <= 'Z';
			lower |= ls[i] >= 'a' && ls[i] <= 'z';
			wr_addc(&w, lc((unsigned char)ls[i]));
		}
		if (hi->nlabels++ == 0)
			hi->first_end = w.len;
		if (w.over)
			return -1;
		if (p == end)
			break;
		if ((n = dot_len(p, end, 1, &hi->defanged)) == 0)
			return -1;
		p += n;
		wr_addc(&w, '.');
	}
	hi->last_upper = upper;
	hi->len = w.len;
	return 0;
}

/* A dotted quad, 0..255 each, no leading zeros. */
static int
ipv4_ok(const char *s)
{
	int	 parts = 0, v, nd;

	for (;;) {
		v = nd = 0;
		while (is_digit((unsigned char)*s)) {
			if (nd == 1 && v == 0)
				return 0;
			v = v * 10 + (*s++ - '0');
			if (++nd > 3 || v > 255)
				return 0;
		}
		if (nd == 0)
			return 0;
		parts++;
		if (*s == '\0')
			break;
		if (*s++ != '.' || parts == 4)
			return 0;
	}
	return parts == 4;
}

/*
 * A registrable host name: the last label is a real public suffix (not just
 * the implicit "*" rule, which would make "invoice.pdf" registrable) and
 * the name is more than a public suffix ("co.uk" alone is not a host).
 */
static int
fqdn_ok(const struct ioc_ctx *ctx, const char *h, const struct hostinfo *hi)
{
	if (hi->nlabels < 2 || hi->len > HOST_MAX || hi->numeric)
		return 0;
	if (psl_is_public_suffix2(ctx->psl, h + hi->last_off,
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 1)
		return 0;
	return psl_registrable_domain(ctx->psl, h) != NULL;
}

/*
 * A plain dotted token that reads as a file name, as two words run together
 * or as code rather than a host: "setup.sh", "README.md", "attack.This",
 * "System.IO".  Names are written in one case, or with capitals only before
 * the top-level domain ("PayPal.com"); an upper-case letter in the last
 * label next to lower-case elsewhere is not a host name.
 */
static int
file_like(const char *h, const struct hostinfo *hi)
{
	const char	*tld = h + hi->last_off;
	size_t		 i;

	if (hi->defanged)
		return 0;
	if (hi->last_upper && hi->lower)
		return 1;
	if (hi->nlabels > 2 && hi->first_end == 3 && strncmp(h, "www", 3) == 0)
		return 0;
	for (i = 0; i < nitems(file_tlds); i++)
		if (strcmp(tld, file_tlds[i]) == 0)
			return 1;
	return 0;
}

/* Is value (with host, a domain or NULL) on the exclusion list? */
static int
excluded(const struct ioc_ctx *ctx, const char *value, const char *host,
    int walk)
{
	const char	*h;

	if (ctx->excl.n == 0)
		return 0;
	if (strset_has(&ctx->excl, value))
		return 1;
	if (host == NULL)
		return 0;
	if (!walk)
		return strset_has(&ctx->excl, host);
	for (h = host; h != NULL && *h != '\0'; ) {
		if (strset_has(&ctx->excl, h))
			return 1;
		if ((h = strchr(h, '.')) != NULL)
			h++;
	}
	return 0;
}

/*
 * Add one value unless excluded.  host is its host name (walked up through
 * parent domains when walk is set), or NULL.
 */
static enum status
emit(struct ioc_ctx *ctx, struct ioc_set *out, enum ioc_type type,
    const char *value, const char *host, int walk)
{
	if (excluded(ctx, value, host, walk))
		return ST_OK;
	return ioc_set_add(out, type, value) == -1 ? ST_NOMEM : ST_OK;
}

/* A hex run: MD5, SHA-1, SHA-256 or SHA-512 by length. */
static enum status
on_hex(struct ioc_ctx *ctx, struct ioc_set *out, const char *p, size_t n)
{
	enum ioc_type	 type;
	size_t		 i;
	int		 same = 1, digits = 1, letters = 1;
	char		 v[129];

	switch (n) {
	case 32:
		type = IOC_MD5;
		break;
	case 40:
		type = IOC_SHA1;
		break;
	case 64:
		type = IOC_SHA256;
		break;
	case 128:
		type = IOC_SHA512;
		break;
	default:
		return ST_OK;
	}
	for (i = 0; i < n; i++) {
		if (!is_hex((unsigned char)p[i]))
			return ST_OK;
		v[i] = (char)lc((unsigned char)p[i]);
		if (v[i] != v[0])
			same = 0;
		if (is_digit((unsigned char)v[i]))
			letters = 0;
		else
			digits = 0;
	}
	v[n] = '\0';
	/*
	 * Runs of one character, all digits or all letters are fillers, IDs
	 * or words; a real digest has less than a 1e-6 chance of any of it.
	 */
	if (same || digits || letters)
		return ST_OK;
	return emit(ctx, out, type, v, NULL, 0);
}

/* Hash-looking labels of a rejected token: "<md5>.exe", "sample.<sha256>". */
static enum status
token_hashes(struct ioc_ctx *ctx, struct ioc_set *out, const char *p,
    const char *end)
{
	const char	*s;
	enum status	 st;

	while (p < end) {
		s = p;
		while (p < end && is_alnum((unsigned char)*p))
			p++;
		if (p - s >= 32 && (st = on_hex(ctx, out, s,
		    (size_t)(p - s))) != ST_OK)
			return st;
		while (p < end && !is_alnum((unsigned char)*p))
			p++;
	}
	return ST_OK;
}

/* "/nn" after an address, nn <= max, no further digit: its length or 0. */
static size_t
cidr_suffix(const char *p, const char *end, int max, int *bits)
{
	int	 v = 0, nd = 0;

	if (p >= end || *p != '/')
		return 0;
	for (p++; p < end && is_digit((unsigned char)*p); p++) {
		if (++nd > 3 || (nd == 2 && v == 0))
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (nd == 0 || v > max)
		return 0;
	if (p < end && (is_alnum((unsigned char)*p) || *p == '/' ||
	    (*p == '.' && end - p >= 2 && is_digit((unsigned char)p[1]))))
		return 0;
	*bits = v;
	return (size_t)nd + 1;
}

/* A dotted token: IPv4 (or CIDR), FQDN, or neither. */
static enum status
on_token(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
    size_t len, size_t so, size_t *next)
{
	struct hostinfo	 hi;
	const char	*p = text + so, *end = text + *next;
	size_t		 cl;
	int		 bits;

	/* "1.2.3.4_x", "name.com_old": part of an identifier. */
	if (*next < len && text[*next] == '_')
		return ST_OK;
	if (parse_host(p, end, ctx->host, sizeof(ctx->host), &hi) == -1)
		return token_hashes(ctx, out, p, end);
	if (hi.numeric) {
		if (!ipv4_ok(ctx->host))
			return ST_OK;
		cl = cidr_suffix(end, text + len, 32, &bits);
		if (cl == 0)
			return emit(ctx, out, IOC_IPV4, ctx->host, NULL, 0);
		*next += cl;
		snprintf(ctx->val, sizeof(ctx->val), "%s/%d", ctx->host, bits);
		return emit(ctx, out, IOC_CIDR, ctx->val, ctx->host, 0);
	}
	if (!fqdn_ok(ctx, ctx->host, &hi) || file_like(ctx->host, &hi))
		return token_hashes(ctx, out, p, end);
	return emit(ctx, out, IOC_FQDN, ctx->host, ctx->host, 1);
}

/* An email address: lower-case local part and domain. */
static enum status
on_email(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
    const PCRE2_SIZE *ov)
{
	struct hostinfo	 hi;
	struct wr	 w;
	const char	*p, *end;
	size_t		 n;
	int		 def = 0;

	p = text + ov[2 * ctx->g_emd];
	end = text + ov[2 * ctx->g_emd + 1];
	if (parse_host(p, end, ctx->host, sizeof(ctx->host), &hi) == -1 ||
	    !fqdn_ok(ctx, ctx->host, &hi))
		return ST_OK;
	wr_init(&w, ctx->val, sizeof(ctx->val));
	p = text + ov[2 * ctx->g_eml];
	end = text + ov[2 * ctx->g_eml + 1];
	while (p < end) {
		if (is_local((unsigned char)*p)) {
			wr_addc(&w, lc((unsigned char)*p++));
			continue;
		}
		if ((n = dot_len(p, end, 0, &def)) == 0)
			return ST_OK;
		wr_addc(&w, '.');
		p += n;
	}
	if (w.len == 0 || w.len > LOCAL_MAX)
		return ST_OK;
	wr_addc(&w, '@');
	wr_add(&w, ctx->host, hi.len);
	if (w.over)
		return ST_OK;
	return emit(ctx, out, IOC_EMAIL, ctx->val, ctx->host, 1);
}

/* A URL host: bracketed IPv6, IPv4 or registrable name, into ctx->host. */
static int
url_host(struct ioc_ctx *ctx, const char *p, const char *end, int *walk)
{
	struct hostinfo	 hi;
	struct in6_addr	 a6;
	char		 tmp[IP6_TEXT_MAX + 1];
	size_t		 n, i;

	*walk = 0;
	if (*p == '[') {
		n = (size_t)(end - p) - 2;
		if (n > IP6_TEXT_MAX)
			return -1;
		memcpy(tmp, p + 1, n);
		tmp[n] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return -1;
		ctx->host[0] = '[';
		for (i = 0; i < n; i++)
			ctx->host[i + 1] = (char)lc((unsigned char)tmp[i]);
		ctx->host[n + 1] = ']';
		ctx->host[n + 2] = '\0';
		return 0;
	}
	if (parse_host(p, end, ctx->host, sizeof(ctx->host), &hi) == -1)
		return -1;
	if (hi.numeric)
		return ipv4_ok(ctx->host) ? 0 : -1;
	*walk = 1;
	return fqdn_ok(ctx, ctx->host, &hi) ? 0 : -1;
}

/*
 * A URL: refanged scheme, lower-case host, path kept as written but for
 * "[.]" and "[/]"; trailing punctuation and unbalanced closing brackets
 * are not part of it.
 */
static enum status
on_url(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
    const PCRE2_SIZE *ov)
{
	struct wr	 w;
	const char	*p, *end, *sc;
	size_t		 pstart, n, ro, rc, so, sq;
	long		 port;
	int		 walk, c;

	if (url_host(ctx, text + ov[2 * ctx->g_uho],
	    text + ov[2 * ctx->g_uho + 1], &walk) == -1)
		return ST_OK;
	wr_init(&w, ctx->val, sizeof(ctx->val));
	sc = text + ov[2 * ctx->g_usc];
	n = ov[2 * ctx->g_usc + 1] - ov[2 * ctx->g_usc];
	if (lc((unsigned char)sc[0]) == 'f')
		wr_add(&w, "ftp", 3);
	else
		wr_add(&w, n == 5 ? "https" : "http", n == 5 ? 5 : 4);
	wr_add(&w, "://", 3);
	if (ov[2 * ctx->g_uui] != PCRE2_UNSET) {
		wr_add(&w, text + ov[2 * ctx->g_uui],
		    ov[2 * ctx->g_uui + 1] - ov[2 * ctx->g_uui]);
		wr_addc(&w, '@');
	}
	wr_add(&w, ctx->host, strlen(ctx->host));
	if (ov[2 * ctx->g_upo] != PCRE2_UNSET) {
		p = text + ov[2 * ctx->g_upo];
		end = text + ov[2 * ctx->g_upo + 1];
		for (port = 0; p < end; p++)
			port = port * 10 + (*p - '0');
		if (port == 0 || port > 65535)
			return ST_OK;
		wr_addc(&w, ':');
		wr_add(&w, text + ov[2 * ctx->g_upo],
		    ov[2 * ctx->g_upo + 1] - ov[2 * ctx->g_upo]);
	}
	pstart = w.len;
	if (ov[2 * ctx->g_upa] != PCRE2_UNSET) {
		p = text + ov[2 * ctx->g_upa];
		end = text + ov[2 * ctx->g_upa + 1];
		while (p < end && !w.over) {
			if (has_word(p, end, "[.]")) {
				wr_addc(&w, '.');
				p += 3;
			} else if (has_word(p, end, "[/]")) {
				wr_addc(&w, '/');
				p += 3;
			} else
				wr_addc(&w, *p++);
		}
	}
	if (w.over)
		return ST_OK;
	/* Trim trailing punctuation and unbalanced ')' or ']'. */
	ro = rc = so = sq = 0;
	for (n = pstart; n < w.len; n++) {
		c = w.p[n];
		ro += c == '(';
		rc += c == ')';
		so += c == '[';
		sq += c == ']';
	}
	while (w.len > pstart) {
		c = w.p[w.len - 1];
		if (c == ')' && rc > ro)
			rc--;
		else if (c == ']' && sq > so)
			sq--;
		else if (c == '\0' || strchr(".,;:!?'", c) == NULL)
			break;
		w.p[--w.len] = '\0';
	}
	return emit(ctx, out, IOC_URL, w.p, ctx->host, walk);
}

/* CVE-YYYY-NNNN..., upper-case. */
static enum status
on_cve(struct ioc_ctx *ctx, struct ioc_set *out, const char *p, size_t n)
{
	char	 v[32];
	size_t	 i;

	if (n >= sizeof(v))
		return ST_OK;
	for (i = 0; i < n; i++)
		v[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 'a' + 'A' :
		    p[i]);
	v[n] = '\0';
	return emit(ctx, out, IOC_CVE, v, NULL, 0);
}

/*
 * An IPv6 address with at least three hex groups (so "a::b", "12:30" and
 * "::1" do not count), written back in canonical form; "/nn" makes it a
 * CIDR block.  When rejected, matching resumes after the first colon so
 * "ab:1.2.3.4" still yields the IPv4 address.
 */
static enum status
on_ip6(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
    size_t len, size_t so, size_t *next)
{
	struct in6_addr	 a;
	const char	*p = text + so, *end = text + *next, *colon;
	char		 tmp[IP6_TEXT_MAX + 1], canon[INET6_ADDRSTRLEN];
	size_t		 n, i, cl;
	int		 groups = 0, ingroup = 0, dots = 0, bits;

	colon = memchr(p, ':', (size_t)(end - p));
	while (end > p && end[-1] == '.')
		end--;
	n = (size_t)(end - p);
	if (n > IP6_TEXT_MAX)
		goto reject;
	for (i = 0; i < n; i++) {
		if (p[i] == ':' || p[i] == '.') {
			dots += p[i] == '.';
			ingroup = 0;
		} else if (!ingroup) {
			ingroup = 1;
			groups++;
		}
	}
	if (dots > 0)
		groups--;	/* a dotted quad is two groups, counted as four */
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (groups < 3 || inet_pton(AF_INET6, tmp, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, canon, sizeof(canon)) == NULL)
		goto reject;
	*next = (size_t)(end - text);
	cl = cidr_suffix(end, text + len, 128, &bits);
	if (cl == 0)
		return emit(ctx, out, IOC_IPV6, canon, canon, 0);
	*next += cl;
	snprintf(ctx->val, sizeof(ctx->val), "%s/%d", canon, bits);
	return emit(ctx, out, IOC_CIDR, ctx->val, canon, 0);
reject:
	if (colon != NULL)
		*next = (size_t)(colon - text) + 1;
	return ST_OK;
}

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static int
group(const pcre2_code *re, const char *name, uint32_t *out)
{
	int	 n;

	n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
	if (n <= 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

struct ioc_ctx *
ioc_ctx_new(char *err, size_t errsz)
{
	struct ioc_ctx	*ctx;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	int		 rc, ok = 0;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		seterr(err, errsz, "ioc: out of memory");
		return NULL;
	}
	ctx->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NO_AUTO_CAPTURE |
	    PCRE2_NEVER_BACKSLASH_C, &rc, &off, NULL);
	if (ctx->re == NULL) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		seterr(err, errsz, "ioc: pattern at %zu: %s", (size_t)off,
		    (char *)msg);
		goto out;
	}
	/*
	 * JIT is required, not an optimisation: with PCRE2_MATCH_INVALID_UTF
	 * the interpreter re-validates the rest of the subject on every call,
	 * which is quadratic over a text with many matches.
	 */
	if ((rc = pcre2_jit_compile(ctx->re, PCRE2_JIT_COMPLETE)) != 0) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		seterr(err, errsz, "ioc: PCRE2 JIT: %s", (char *)msg);
		goto out;
	}
	if (group(ctx->re, "url", &ctx->g_url) == -1 ||
	    group(ctx->re, "usc", &ctx->g_usc) == -1 ||
	    group(ctx->re, "uui", &ctx->g_uui) == -1 ||
	    group(ctx->re, "uho", &ctx->g_uho) == -1 ||
	    group(ctx->re, "upo", &ctx->g_upo) == -1 ||
	    group(ctx->re, "upa", &ctx->g_upa) == -1 ||
	    group(ctx->re, "em", &ctx->g_em) == -1 ||
	    group(ctx->re, "eml", &ctx->g_eml) == -1 ||
	    group(ctx->re, "emd", &ctx->g_emd) == -1 ||
	    group(ctx->re, "cve", &ctx->g_cve) == -1 ||
	    group(ctx->re, "tok", &ctx->g_tok) == -1 ||
	    group(ctx->re, "hx", &ctx->g_hx) == -1 ||
	    group(ctx->re, "ip6", &ctx->g_ip6) == -1) {
		seterr(err, errsz, "ioc: pattern groups missing");
		goto out;
	}
	if ((ctx->md = pcre2_match_data_create_from_pattern(ctx->re,
	    NULL)) == NULL ||
	    (ctx->mctx = pcre2_match_context_create(NULL)) == NULL ||
	    (ctx->jstack = pcre2_jit_stack_create(JIT_STACK_MIN,
	    JIT_STACK_MAX, NULL)) == NULL) {
		seterr(err, errsz, "ioc: out of memory");
		goto out;
	}
	pcre2_set_match_limit(ctx->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(ctx->mctx, HEAP_LIMIT);
	pcre2_jit_stack_assign(ctx->mctx, NULL, ctx->jstack);
	if ((ctx->psl = psl_builtin()) == NULL) {
		seterr(err, errsz, "ioc: libpsl has no built-in list");
		goto out;
	}
	ok = 1;
out:
	if (!ok) {
		ioc_ctx_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

void
ioc_ctx_free(struct ioc_ctx *ctx)
{
	if (ctx == NULL)
		return;
	pcre2_jit_stack_free(ctx->jstack);
	pcre2_match_context_free(ctx->mctx);
	pcre2_match_data_free(ctx->md);
	pcre2_code_free(ctx->re);
	strset_free(&ctx->excl);
	free(ctx);
}

enum status
ioc_ctx_exclude(struct ioc_ctx *ctx, const char *list, size_t len)
{
	const char	*p, *end, *eol, *s, *e, *q;
	char		 ent[MAX_IOC_LEN + 1];
	size_t		 n;

	if (ctx == NULL || (list == NULL && len > 0))
		return ST_CONFIG;
	if (len > MAX_TEXT_SIZE)
		return ST_CONFIG;
	end = list + len;
	for (p = list; p < end; p = eol + (eol < end)) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		s = p;
		e = eol;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s == e || *s == '#')
			continue;
		/* "value  # note": a '#' after a blank starts a comment. */
		for (q = s; q < e; q++)
			if (*q == '#' && (q[-1] == ' ' || q[-1] == '\t')) {
				e = q;
				break;
			}
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			e--;
		if (e - s >= 2 && s[0] == '*' && s[1] == '.')
			s += 2;
		/* Refang "[.]" so a pasted defanged entry still matches. */
		for (n = 0; s < e; ) {
			if (n >= MAX_IOC_LEN)
				return ST_CONFIG;
			if (has_word(s, e, "[.]")) {
				ent[n++] = '.';
				s += 3;
			} else
				ent[n++] = *s++;
		}
		while (n > 0 && ent[n - 1] == '.')
			n--;
		if (n == 0)
			continue;
		if (strset_add(&ctx->excl, ent, n) == -1)
			return ST_NOMEM;
	}
	return ST_OK;
}

static int
is_set(const PCRE2_SIZE *ov, uint32_t g)
{
	return ov[2 * g] != PCRE2_UNSET;
}

enum status
ioc_extract(struct ioc_ctx *ctx, const char *text, size_t len,
    struct ioc_set *out)
{
	PCRE2_SIZE	*ov;
	size_t		 start = 0, so, next;
	enum status	 st = ST_OK;
	int		 rc, errors = 0;

	if (ctx == NULL || out == NULL)
		return ST_NOMEM;
	if (text == NULL || len == 0)
		return ST_OK;
	ov = pcre2_get_ovector_pointer(ctx->md);
	while (start < len && st == ST_OK) {
		rc = pcre2_jit_match(ctx->re, (PCRE2_SPTR)text, len, start, 0,
		    ctx->md, ctx->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			/*
			 * A resource limit: skip past the next blank.  Bounded
			 * by MATCH_ERRORS so a hostile text costs at most
			 * that many limits' worth of work.
			 */
			if (++errors > MATCH_ERRORS)
				break;
			for (start++; start < len && text[start] != ' ' &&
			    text[start] != '\n'; start++)
				;
			continue;
		}
		so = ov[0];
		next = ov[1];
		if (is_set(ov, ctx->g_url))
			st = on_url(ctx, out, text, ov);
		else if (is_set(ov, ctx->g_em))
			st = on_email(ctx, out, text, ov);
		else if (is_set(ov, ctx->g_cve))
			st = on_cve(ctx, out, text + so, next - so);
		else if (is_set(ov, ctx->g_tok))
			st = on_token(ctx, out, text, len, so, &next);
		else if (is_set(ov, ctx->g_hx))
			st = on_hex(ctx, out, text + so, next - so);
		else if (is_set(ov, ctx->g_ip6))
			st = on_ip6(ctx, out, text, len, so, &next);
		start = next > so ? next : so + 1;
	}
	return st;
}
