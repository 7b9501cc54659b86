/*
 * Indicators of compromise from text.
 *
 * One PCRE2 pattern (UTF, invalid UTF allowed, JIT) with one alternative per
 * kind of candidate is run once over the text, left to right.  Each
 * alternative is anchored on a look-behind that refuses to start inside a
 * run of the characters it consumes, and its repeats are possessive, so no
 * position is scanned by the same alternative twice: the work is linear in
 * the input.  So that the pattern is not tried at every word, a scan for
 * the bytes every match contains runs it only in short windows around them
 * (pf_match()), with exactly the matches of the plain scan.  A match
 * consumes its span (a URL consumes its host, an email address its domain),
 * so a host is reported as an FQDN only where it stands alone.  The regex
 * only shapes candidates; validation (public suffix, octet ranges, lengths,
 * file-name heuristics) and normalisation are done in C on the captured
 * span.  Pure: no I/O, no logging, no exit; a caller may ask why
 * candidates were dropped (ioc_ctx_set_debug()).
 *
 * Besides hosts, addresses, URLs, hashes and CVEs: distinctive file names,
 * registry keys, ASNs and Bitcoin addresses (checksum verified).  Redirect
 * wrappers (safelinks, urldefense, google.com/url) give their target;
 * internationalised names are reported in punycode; zero-width characters
 * between printable ASCII characters are removed first (one copy of the
 * text, only when there are any).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/*
 * The prefilter's byte classes: SSE2, and AVX2 when the CPU has it, else
 * plain C.  -DIOC_PF_NO_AVX2 or -DIOC_PF_SCALAR leave out the faster ones
 * (to test the others on any machine).
 */
#if defined(__SSE2__) && !defined(IOC_PF_SCALAR)
#include <emmintrin.h>
#define PF_SSE2 1
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&        \
    !defined(IOC_PF_SCALAR) && !defined(IOC_PF_NO_AVX2)
#include <immintrin.h>
#define PF_AVX2 1 /* pf_block_avx2(), chosen at run time */
#endif

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <libpsl.h>
#include <idn2.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "bounds.h"
#include "ioc.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#define RK_QUOTED_MAX 1024 /* a quoted registry key, bytes */
#define HOST_MAX 253	   /* RFC 1035 name, without the trailing dot */
#define LABEL_MAX 63
#define LOCAL_MAX 64	/* RFC 5321 local part */
#define IP6_TEXT_MAX 45 /* INET6_ADDRSTRLEN - 1 */
#define MATCH_LIMIT                                                            \
	1000000		 /* per start position; never reached in practice      \
			  */
#define DEPTH_LIMIT 1000 /* interpreter only; set for completeness */
#define HEAP_LIMIT (8u * 1024) /* KiB, likewise */
#define JIT_STACK_MIN (32u * 1024)
#define JIT_STACK_MAX (512u * 1024)
#define MATCH_ERRORS 64 /* limit errors tolerated in one text */
#define IDN_MAX 4096	/* libidn2 conversions in one text */

/*
 * Pattern pieces.  Character classes are spelt out instead of using (?i):
 * in UTF mode caseless matching would let U+017F match 's' and U+212A 'k'.
 */
/*
 * Letters of the scripts whose text separates words with spaces may make up
 * internationalised labels ("bücher.de", "пример.рф"; converted with
 * libidn2).  Scripts written without spaces (Han, kana, Thai...) are left
 * out: there a host name is often glued to the prose around it.
 */
#define P_ULET                                                                 \
	"\\p{Latin}\\p{Greek}\\p{Cyrillic}\\p{Armenian}\\p{Hebrew}"            \
	"\\p{Arabic}\\p{Georgian}\\p{Devanagari}"
#define P_LABEL "[A-Za-z0-9" P_ULET "][A-Za-z0-9\\-" P_ULET "\\p{M}]*+"
#define P_BRDOT "[\\[({](?:\\.|[Dd][Oo][Tt])[\\])}]"
/* Sloppy: a dot with one or two brackets on either side (".]", "(.(", ").(").
 */
#define P_BR "[\\[\\](){}]"
#define P_BRDOT2 P_BR "{1,2}+\\." P_BR "{0,2}+|\\." P_BR "{1,2}+"
/* A dot: plain, bracketed (optionally spaced) or sloppy; see dot_len(). */
#define P_DOT                                                                  \
	"(?:\\x20?(?:" P_BRDOT ")\\x20?|" P_BRDOT2 "|\\\\\\.|"                 \
	"\\x20[Dd][Oo][Tt]\\x20|\\.)"
/* The same without spaces, for email local parts. */
#define P_DOTT "(?:" P_BRDOT "|" P_BRDOT2 "|\\\\\\.|\\.)"
#define P_AT                                                                   \
	"(?:@|\\x20@\\x20|\\x20?(?:\\[[Aa][Tt]\\]|\\([Aa][Tt]\\)|\\{[Aa][Tt]"  \
	"\\}|"                                                                 \
	"\\[@\\]|\\(@\\)|\\{@\\})\\x20?)"
#define P_LC "[A-Za-z0-9_%+\\-]"
/* Windows registry hives, long and short names. */
#define P_HIVE                                                                 \
	"HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|"              \
	"HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU|HKCC"
/* One key name: words, with up to three single spaces inside ("Windows NT",
 * "Image File Execution Options"), but not before another hive. */
#define P_RKW "[^\\\\\\s\"'<>|]++"
#define P_RKSEG                                                                \
	P_RKW "(?:\\x20(?!(?:" P_HIVE "):?+\\\\)"                              \
	      "(?=(?:" P_RKW "\\x20){0,2}+" P_RKW "\\\\)" P_RKW "){0,3}+"
/* File extensions that make a dotted name a file name (see on_file()). */
#define P_EXT                                                                  \
	"(?i:exe|dll|scr|cpl|sys|msi|jar|jse?|vb[se]|wsf|ps1|psm1|bat|"        \
	"cmd|lnk|hta|pif|docm|dotm|docx?|xlsm|xlsb|xlsx?|pptm|rtf|iso|"        \
	"img|vhdx?|zip|rar|7z|cab|pdf|apk|dmg)"
/* URL path characters: printable ASCII but space " < >, plus letters and
 * digits. */
#define P_PATHC "[!#-;=?-~\\p{L}\\p{N}]"

static const char pattern[] =
    /*
     * No candidate starts after a letter or digit; testing that first
     * makes positions inside words cheap.
     */
    "(?<![A-Za-z0-9" P_ULET "\\p{M}])(?:"
    /* URL: scheme (defanged too), separator, userinfo, host, port, path. */
    "(?<url>"
    "(?:(?<=\\[)(?=[^\\]]{1,6}\\]:)|(?<=\\()(?=[^)]{1,6}\\):))?+"
    "(?<usc>[Hh][TtXx*][TtXx*][Pp][Ss]?+|[Xx]{4}[XxSs]?+"
    "|[Ss]?+[Ff][TtXx][Pp][Ss]?+"
    "|(?i:tcp|udp|ssh|telnet|smb|rdp|wss?+|file)(?=://))[\\])]?+"
    "(?:://|\\[:\\]//|\\[://\\])"
    "(?:(?<uui>[A-Za-z0-9._~%!$&'()*+,;=:\\-]{1,256}+)@)?"
    "(?<uho>\\[[0-9A-Fa-f:.]{2,45}+\\]|" P_LABEL "(?&dl){0,127}+)"
    "(?:(?::|\\[:\\])(?<upo>[0-9]{1,5}+))?"
    "(?<upa>(?:[/?#]|\\[/\\])" P_PATHC "*+)?)"
    /* Email address, defanged "at" and dots allowed. */
    "|(?<em>(?<![A-Za-z0-9_%+.@\\]\\)\\}=/\\-])"
    "(?<eml>" P_LC "++(?&dlt){0,63}+)" P_AT "(?<emd>" P_LABEL "(?&dl){1,127}+))"
    /* CVE identifier. */
    "|(?<cve>[Cc][Vv][Ee](?:-|\\x20|\\x{2010}|\\x{2011}|\\x{2013})"
    "(?:19|20)[0-9]{2}(?:-|\\x{2010}|\\x{2011}|\\x{2013})[0-9]{4,7}+"
    "(?![A-Za-z0-9]))"
    /* Registry key: a hive and at least one key name. */
    "|(?<rk>(?<![_\\\\])(?:" P_HIVE "):?+(?:\\\\{1,2}+" P_RKSEG ")++)"
    /* Autonomous system number: "AS13335", "ASN 13335", "ASN:13335". */
    "|(?<asn>(?:AS\\x20?+|[Aa][Ss][Nn](?:\\x20?+:?+\\x20?+))(?<asnn>[0-9]{1,10}"
    "+)"
    "(?![A-Za-z0-9_\\-]|\\.[0-9]))"
    /* File name: a name (no host defangs) ending in a known extension. */
    "|(?<fn>(?<![A-Za-z0-9_.\\-])[A-Za-z0-9_\\-]++(?:\\.[A-Za-z0-9_\\-]++)*?"
    "\\." P_EXT "(?![A-Za-z0-9_\\-]|\\.[A-Za-z0-9]))"
    /* Dotted token: a host name, an IPv4 address, or a file name. */
    "|(?<tok>(?<![A-Za-z0-9_.@\\]\\)\\}\\-])" P_LABEL "(?&dl){1,127}+)"
    /* Hex run: a hash when its length is right. */
    "|(?<hx>[0-9A-Fa-f]{32,128}+(?![A-Za-z0-9]))"
    /* Bitcoin address: base58 P2PKH/P2SH, bech32 segwit. */
    "|(?<btc>[13][1-9A-HJ-NP-Za-km-z]{24,34}+(?![A-Za-z0-9])"
    "|(?:bc|BC)1[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87}+(?![A-Za-z0-9]))"
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
/* Top-level domains too common to be code when written "Com" or "COM". */
static const char *const loose_tlds[] = {"com", "net", "org", "info",
					 "biz", "gov", "edu"};

static const char *const file_tlds[] = {
    "ac", "ai", "am", "app", "bz",  "cab", "cc",  "do", "in",
    "md", "mk", "ml", "mo",  "mov", "ms",  "one", "pl", "pm",
    "ps", "py", "rs", "sh",  "so",  "ws",  "zip"};

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
    [IOC_ASN] = "ASN"};

/* Open-addressing hash table slots; idx1 is the entry index + 1, 0 = empty. */
struct hslot {
	uint64_t h;
	size_t idx1;
};

struct htab {
	struct hslot *s;
	size_t nslot; /* 0 or a power of two */
};

/* Case-insensitive string set (exclusions). */
struct strset {
	char **keys;
	size_t n;
	size_t cap;
	struct htab tab;
};

/* Bounded output for one normalised value. */
struct wr {
	char *p;
	size_t len;
	size_t cap; /* bytes usable, not counting the NUL */
	int over;
};

/* Shape of a host parsed by parse_host(). */
struct hostinfo {
	size_t len;
	int nlabels;
	int defanged;
	int worddot;	  /* a " dot " word was taken as a dot */
	size_t wd_start;  /* input offset of the first one */
	size_t wd_next;	  /* input offset just after it */
	int numeric;	  /* every label is all digits */
	size_t first_end; /* length of the first label */
	size_t last_off;  /* offset of the last label in the output */
	int last_upper;	  /* last label has an upper-case letter */
	int lower;	  /* another label has a lower-case letter */
};

struct ioc_ctx {
	pcre2_code *re;
	pcre2_code *re_ol; /* the same pattern, with PCRE2_USE_OFFSET_LIMIT */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	/* For re_ol, with an offset limit per window. */
	pcre2_match_context *mctx_ol;
	int naive; /* no prefilter: see ioc_ctx_set_prefilter() */
	int avx2;  /* the CPU has AVX2 (pf_block_avx2()) */
	pcre2_jit_stack *jstack;
	const psl_ctx_t *psl;
	uint32_t g_url, g_usc, g_uui, g_uho, g_upo, g_upa;
	uint32_t g_em, g_eml, g_emd, g_cve, g_tok, g_hx, g_ip6;
	uint32_t g_rk, g_asn, g_asnn, g_fn, g_btc;
	const char *ver_text; /* text of ver_end */
	size_t ver_end;	      /* end of the last version */
	size_t idn_calls;     /* in this ioc_extract() */
	ioc_debug_fn dbg;
	void *dbg_arg;
	char dbuf[256];
	struct strset excl;
	char own[HOST_MAX + 1]; /* the sender's registrable domain, or "" */
	char host[HOST_MAX + 1];
	char val[MAX_IOC_LEN + 1];
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
	size_t n = strlen(word), i;

	if ((size_t)(end - p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lc((unsigned char)p[i]) != word[i])
			return 0;
	return 1;
}

/* Tell the debug callback, if any, why candidate p/n was dropped. */
static void
why(struct ioc_ctx *ctx, const char *p, size_t n, const char *reason)
{
	if (ctx->dbg == NULL)
		return;
	if (n >= sizeof(ctx->dbuf))
		n = sizeof(ctx->dbuf) - 1;
	memcpy(ctx->dbuf, p, n);
	ctx->dbuf[n] = '\0';
	ctx->dbg(ctx->dbg_arg, ctx->dbuf, reason);
}

/*
 * FNV-1a over a type tag and an ASCII-case-folded (fold) or exact string.
 */
static uint64_t
hash_str(unsigned int tag, const char *s, int fold)
{
	uint64_t h = 0xcbf29ce484222325ULL;

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

typedef int (*eq_fn)(const void *, size_t, const void *);

/* Slot holding the key, or the empty slot where it would go. */
static size_t
htab_find(const struct htab *t, uint64_t h, eq_fn eq, const void *base,
	  const void *key)
{
	size_t mask = t->nslot - 1, i = (size_t)h & mask;

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
	struct hslot *ns;
	size_t nn, i, j, mask;

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
	const struct ioc *v = base, *k = key;

	return v[idx].type == k->type && strcmp(v[idx].value, k->value) == 0;
}

static int
strset_eq(const void *base, size_t idx, const void *key)
{
	char *const *v = base;

	return ci_equal(v[idx], key);
}

static int
strset_has(const struct strset *ss, const char *s)
{
	size_t i;

	if (ss->n == 0)
		return 0;
	i = htab_find(&ss->tab, hash_str(0, s, 1), strset_eq, ss->keys, s);
	return ss->tab.s[i].idx1 != 0;
}

/* 0 added or present, -1 on ENOMEM. */
static int
strset_add(struct strset *ss, const char *s, size_t len)
{
	char **nk, *dup;
	size_t i, ncap;
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
	size_t i;

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
	struct htab *t;
	size_t i;

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
	const struct htab *t;
	struct ioc key;
	size_t i;

	if (set == NULL || value == NULL || (t = set->index) == NULL ||
	    t->nslot == 0)
		return 0;
	key.type = type;
	key.value = (char *)(uintptr_t)value;
	i = htab_find(t, hash_str((unsigned int)type, value, 0), set_eq, set->v,
		      &key);
	return t->s[i].idx1 != 0;
}

int
ioc_set_add(struct ioc_set *set, enum ioc_type type, const char *value)
{
	struct htab *t;
	struct ioc *nv, key;
	size_t len, i, ncap;
	uint64_t h;
	char *dup;

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
 * forms when spaced, the sloppy ".]" and "[.", the escaped "\\." and, when
 * spaced, the word " dot " (which sets *defanged to 2, not 1).  Mirrors
 * P_DOT/P_DOTT;
 * inside a matched span a dot is always followed by a label.  Sets
 * *defanged for anything but a plain ".".
 */
static size_t
dot_len(const char *p, const char *end, int spaced, int *defanged)
{
	const char *q = p;
	size_t i;

	if (spaced && q < end && *q == ' ')
		q++;
	/* "[.]", "(.)", "{.}", "[dot]"..., in any pair of brackets ("[.)"). */
	if (q < end && strchr("[({", *q) != NULL) {
		i = has_word(q + 1, end, ".")	  ? 1
		    : has_word(q + 1, end, "dot") ? 3
						  : 0;
		if (i > 0 && end - q > (ptrdiff_t)i + 1 &&
		    strchr("])}", q[i + 1]) != NULL) {
			q += i + 2;
			if (spaced && end - q >= 2 && q[0] == ' ' &&
			    is_alnum((unsigned char)q[1]))
				q++;
			*defanged = 1;
			return (size_t)(q - p);
		}
	}
	if (spaced && q != p && has_word(q, end, "dot ")) {
		*defanged = 2; /* a word: see word_dot_ok() */
		return 5;
	}
	if (q != p)
		return 0;
	/* One or two brackets on either side: ".]", "[.", "].[", "(.(". */
	for (i = 0; i < 2 && q + i < end && strchr("[](){}", q[i]) != NULL &&
		    q[i] != '\0';
	     i++)
		;
	if (q + i < end && q[i] == '.') {
		size_t j;

		for (j = 0;
		     j < 2 && q + i + 1 + j < end && q[i + 1 + j] != '\0' &&
		     strchr("[](){}", q[i + 1 + j]) != NULL;
		     j++)
			;
		if (i + j > 0) {
			*defanged = 1;
			return i + 1 + j;
		}
	}
	if (end - p >= 2 && p[0] == '\\' && p[1] == '.') {
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
	struct wr w;
	const char *ls, *start = p;
	size_t n, ll, i;
	int upper, lower, d;

	memset(hi, 0, sizeof(*hi));
	hi->numeric = 1;
	wr_init(&w, buf, bufsz);
	lower = 0;
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
		d = 0;
		if ((n = dot_len(p, end, 1, &d)) == 0)
			return -1;
		if (d == 2 && !hi->worddot) {
			hi->worddot = 1;
			hi->wd_start = (size_t)(p - start);
			hi->wd_next = (size_t)(p + n - start);
		}
		if (d != 0)
			hi->defanged = 1;
		p += n;
		wr_addc(&w, '.');
	}
	hi->last_upper = upper;
	hi->len = w.len;
	return 0;
}

/*
 * parse_host() for a span that may hold non-ASCII labels: those are
 * refanged, converted to punycode by libidn2 (UTS #46, non-transitional,
 * NFC) and parsed as ASCII.  A " dot " word is not taken in such a span.
 * libidn2 is costly, so an ASCII top-level label must be a public suffix
 * first, and at most IDN_MAX conversions are made per ioc_extract() call.
 */
static int
parse_host_idn(struct ioc_ctx *ctx, const char *p, const char *end, char *buf,
	       size_t bufsz, struct hostinfo *hi)
{
	char u[HOST_MAX * 4 + 1], tld[LABEL_MAX + 1];
	char *a = NULL;
	const char *q;
	size_t o = 0, n, tl;
	int d, defanged = 0, rc, ascii_tld = 1;

	for (q = p; q < end && (unsigned char)*q < 0x80; q++)
		;
	if (q == end)
		return parse_host(p, end, buf, bufsz, hi);
	for (q = end; q > p && (is_ldh((unsigned char)q[-1]) ||
				(unsigned char)q[-1] >= 0x80);
	     q--)
		ascii_tld &= (unsigned char)q[-1] < 0x80;
	tl = (size_t)(end - q);
	if (tl == 0 || tl > LABEL_MAX)
		return -1;
	if (ascii_tld) {
		for (n = 0; n < tl; n++)
			tld[n] = (char)lc((unsigned char)q[n]);
		tld[tl] = '\0';
		if (psl_is_public_suffix2(ctx->psl, tld,
					  PSL_TYPE_ANY |
					      PSL_TYPE_NO_STAR_RULE) != 1)
			return -1;
	}
	if (ctx->idn_calls >= IDN_MAX)
		return -1;
	ctx->idn_calls++;
	while (p < end) {
		if (o + 1 >= sizeof(u))
			return -1;
		if ((unsigned char)*p >= 0x80 || is_ldh((unsigned char)*p)) {
			u[o++] = *p++;
			continue;
		}
		d = 0;
		if ((n = dot_len(p, end, 1, &d)) == 0 || d == 2)
			return -1;
		defanged |= d;
		u[o++] = '.';
		p += n;
	}
	u[o] = '\0';
	rc = idn2_to_ascii_8z(u, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK || a == NULL) {
		idn2_free(a);
		return -1;
	}
	rc = parse_host(a, a + strlen(a), buf, bufsz, hi);
	idn2_free(a);
	if (rc == 0)
		hi->defanged |= defanged;
	return rc;
}

/* A dotted quad, 0..255 each, no leading zeros. */
static int
ipv4_ok(const char *s)
{
	int parts = 0, v, nd;

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
	const char *tld = h + hi->last_off;
	size_t i;

	if (hi->defanged)
		return 0;
	/*
	 * "Console.WriteLine", "System.IO": code or glued words, but
	 * "Evil.Com" and "example.COM" are host names written loosely.
	 */
	if (hi->last_upper && hi->lower) {
		for (i = 0; i < nitems(loose_tlds); i++)
			if (strcmp(tld, loose_tlds[i]) == 0)
				return 0;
		return 1;
	}
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
	const char *h;

	if (ctx->excl.n == 0)
		return 0;
	if (strset_has(&ctx->excl, value))
		return 1;
	if (host == NULL)
		return 0;
	if (!walk)
		return strset_has(&ctx->excl, host);
	for (h = host; h != NULL && *h != '\0';) {
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
	size_t hl, ol;

	if (excluded(ctx, value, host, walk)) {
		why(ctx, value, strlen(value), "on the exclusion list");
		return ST_OK;
	}
	if (host != NULL && ctx->own[0] != '\0') {
		hl = strlen(host);
		ol = strlen(ctx->own);
		if (hl >= ol && ci_equal(host + hl - ol, ctx->own) &&
		    (hl == ol || host[hl - ol - 1] == '.')) {
			why(ctx, value, strlen(value),
			    "on the sender's domain");
			return ST_OK;
		}
	}
	return ioc_set_add(out, type, value) == -1 ? ST_NOMEM : ST_OK;
}

/* A hex run: MD5, SHA-1, SHA-256 or SHA-512 by length. */
static enum status
on_hex(struct ioc_ctx *ctx, struct ioc_set *out, const char *p, size_t n)
{
	enum ioc_type type;
	size_t i;
	int same = 1, digits = 1, letters = 1;
	char v[129];

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
		why(ctx, p, n, "hex run of no hash length");
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
	if (same || digits || letters) {
		why(ctx, p, n,
		    same     ? "repeated character"
		    : digits ? "all digits"
			     : "all letters");
		return ST_OK;
	}
	return emit(ctx, out, type, v, NULL, 0);
}

/* Hash-looking labels of a rejected token: "<md5>.exe", "sample.<sha256>". */
static enum status
token_hashes(struct ioc_ctx *ctx, struct ioc_set *out, const char *p,
	     const char *end)
{
	const char *s;
	enum status st;

	while (p < end) {
		s = p;
		while (p < end && is_alnum((unsigned char)*p))
			p++;
		if (p - s >= 32 &&
		    (st = on_hex(ctx, out, s, (size_t)(p - s))) != ST_OK)
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
	int v = 0, nd = 0;

	if (p >= end || *p != '/')
		return 0;
	for (p++; p < end && is_digit((unsigned char)*p); p++) {
		if (++nd > 3 || (nd == 2 && v == 0))
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (nd == 0 || v > max)
		return 0;
	if (p < end &&
	    (is_alnum((unsigned char)*p) || *p == '/' ||
	     (*p == '.' && end - p >= 2 && is_digit((unsigned char)p[1]))))
		return 0;
	*bits = v;
	return (size_t)nd + 1;
}

/*
 * A host written with " dot " words: no label may be a common short English
 * word, so "evil dot com" is a host and "the dot is" is prose.
 */
static int
word_dot_ok(const char *h)
{
	static const char *const stop[] = {
	    "a",  "am",	 "an",	"and",	"are", "as",	"at",	"be", "by",
	    "do", "for", "go",	"he",	"her", "his",	"i",	"if", "in",
	    "is", "it",	 "its", "me",	"my",  "no",	"not",	"of", "on",
	    "or", "our", "so",	"that", "the", "their", "this", "to", "up",
	    "us", "was", "we",	"with", "you", "your",	"dot"};
	const char *e;
	size_t n, i;

	for (; *h != '\0'; h = *e == '.' ? e + 1 : e) {
		e = strchr(h, '.');
		if (e == NULL)
			e = h + strlen(h);
		n = (size_t)(e - h);
		for (i = 0; i < nitems(stop); i++)
			if (strlen(stop[i]) == n && strncmp(h, stop[i], n) == 0)
				return 0;
	}
	return 1;
}

/* Is the dotted quad at text + so preceded by "version ", "v.", "build "? */
static int
version_before(const char *text, size_t so)
{
	static const char *const words[] = {
	    "version", "ver", "ver.", "v.", "build", "release", "firmware"};
	size_t i, n, b = so;

	if (b > 0 && text[b - 1] == ' ')
		b--;
	for (i = 0; i < nitems(words); i++) {
		n = strlen(words[i]);
		if (b < n || !has_word(text + b - n, text + b, words[i]))
			continue;
		if (b == n || !is_alnum((unsigned char)text[b - n - 1]))
			return 1;
	}
	return 0;
}

/*
 * "from version 4.12.0.1 to 4.13.2.7": a dotted quad joined by "to", "and",
 * "or", "->", "-" or a comma to a version string just rejected is one too.
 */
static int
version_chain(const struct ioc_ctx *ctx, const char *text, size_t so)
{
	static const char *const joins[] = {" to ", " and ", " or ", " -> ",
					    " - ",  ", ",    " => ", " / "};
	size_t i, gap;

	if (ctx->ver_text != text || ctx->ver_end > so)
		return 0;
	gap = so - ctx->ver_end;
	for (i = 0; i < nitems(joins); i++)
		if (strlen(joins[i]) == gap &&
		    has_word(text + ctx->ver_end, text + so, joins[i]))
			return 1;
	return 0;
}

/* A dotted token: IPv4 (or CIDR), FQDN, or neither. */
static enum status
on_token(struct ioc_ctx *ctx, struct ioc_set *out, const char *text, size_t len,
	 size_t so, size_t *next)
{
	struct hostinfo hi;
	const char *p = text + so, *end = text + *next;
	size_t cl, sub;
	int bits;

	/* "1.2.3.4_x", "name.com_old": part of an identifier. */
	if (*next < len && text[*next] == '_') {
		why(ctx, p, (size_t)(end - p), "part of an identifier");
		return ST_OK;
	}
	if (parse_host_idn(ctx, p, end, ctx->host, sizeof(ctx->host), &hi) ==
	    -1) {
		why(ctx, p, (size_t)(end - p), "not a host name");
		return token_hashes(ctx, out, p, end);
	}
	if (hi.worddot && !word_dot_ok(ctx->host)) {
		/*
		 * "the dot is": prose.  What precedes the first " dot " is
		 * still a token of its own; matching resumes after it.
		 */
		why(ctx, p, (size_t)(end - p), "\"dot\" between words");
		sub = so + hi.wd_start;
		*next = so + hi.wd_next;
		return hi.wd_start > 0 ? on_token(ctx, out, text, len, so, &sub)
				       : ST_OK;
	}
	if (hi.numeric) {
		if (!ipv4_ok(ctx->host)) {
			why(ctx, p, (size_t)(end - p),
			    hi.nlabels > 4 ? "OID or version string"
					   : "not an IPv4 address");
			if (hi.nlabels >= 4) {
				ctx->ver_end = *next;
				ctx->ver_text = text;
			}
			return ST_OK;
		}
		if (version_before(text, so) || version_chain(ctx, text, so)) {
			why(ctx, p, (size_t)(end - p), "version string");
			ctx->ver_end = *next;
			ctx->ver_text = text;
			return ST_OK;
		}
		cl = cidr_suffix(end, text + len, 32, &bits);
		if (cl == 0)
			return emit(ctx, out, IOC_IPV4, ctx->host, NULL, 0);
		*next += cl;
		snprintf(ctx->val, sizeof(ctx->val), "%s/%d", ctx->host, bits);
		return emit(ctx, out, IOC_CIDR, ctx->val, ctx->host, 0);
	}
	if (!fqdn_ok(ctx, ctx->host, &hi)) {
		why(ctx, p, (size_t)(end - p), "no public suffix");
		return token_hashes(ctx, out, p, end);
	}
	if (file_like(ctx->host, &hi)) {
		why(ctx, p, (size_t)(end - p), "file name or code");
		return token_hashes(ctx, out, p, end);
	}
	return emit(ctx, out, IOC_FQDN, ctx->host, ctx->host, 1);
}

/* An email address: lower-case local part and domain. */
static enum status
on_email(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
	 const PCRE2_SIZE *ov)
{
	struct hostinfo hi;
	struct wr w;
	const char *p, *end;
	size_t n;
	int def = 0;

	p = text + ov[2 * ctx->g_emd];
	end = text + ov[2 * ctx->g_emd + 1];
	if (parse_host_idn(ctx, p, end, ctx->host, sizeof(ctx->host), &hi) ==
		-1 ||
	    !fqdn_ok(ctx, ctx->host, &hi)) {
		why(ctx, text + ov[0], ov[1] - ov[0],
		    "email domain not public");
		return ST_OK;
	}
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
	if (w.len == 0 || w.len > LOCAL_MAX) {
		why(ctx, text + ov[0], ov[1] - ov[0], "bad local part");
		return ST_OK;
	}
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
	struct hostinfo hi;
	struct in6_addr a6;
	char tmp[IP6_TEXT_MAX + 1];
	size_t n, i;

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
	if (parse_host_idn(ctx, p, end, ctx->host, sizeof(ctx->host), &hi) ==
	    -1)
		return -1;
	if (hi.numeric)
		return ipv4_ok(ctx->host) ? 0 : -1;
	*walk = 1;
	return fqdn_ok(ctx, ctx->host, &hi) ? 0 : -1;
}

/* "ftp", "sftp", "ftps", defanged ("fxp", "sfxp") or not; 0 for "file". */
static int
ftp_like(const char *sc, size_t n)
{
	size_t i = 0;

	if (i < n && lc((unsigned char)sc[i]) == 's')
		i++;
	if (n - i < 3 || lc((unsigned char)sc[i]) != 'f' ||
	    (lc((unsigned char)sc[i + 1]) != 't' &&
	     lc((unsigned char)sc[i + 1]) != 'x') ||
	    lc((unsigned char)sc[i + 2]) != 'p')
		return 0;
	return n - i == 3 ||
	       (n - i == 4 && lc((unsigned char)sc[i + 3]) == 's');
}

static int wrapper_target(const char *, const char *, char *, size_t);
static enum status on_inner(struct ioc_ctx *, struct ioc_set *, const char *,
			    int);

/*
 * A URL: refanged scheme, lower-case host, path kept as written but for
 * "[.]" and "[/]"; trailing punctuation and unbalanced closing brackets
 * are not part of it.  A redirect wrapper gives its target instead (depth
 * counts the wrappers unwrapped so far).
 */
static enum status
on_url(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
       const PCRE2_SIZE *ov, int depth)
{
	char inner[MAX_IOC_LEN + 1];
	struct wr w;
	const char *p, *end, *sc;
	size_t pstart, n, ro, rc, so, sq;
	long port;
	int walk, c;

	if (url_host(ctx, text + ov[2 * ctx->g_uho],
		     text + ov[2 * ctx->g_uho + 1], &walk) == -1) {
		why(ctx, text + ov[0], ov[1] - ov[0], "URL host not public");
		return ST_OK;
	}
	wr_init(&w, ctx->val, sizeof(ctx->val));
	sc = text + ov[2 * ctx->g_usc];
	n = ov[2 * ctx->g_usc + 1] - ov[2 * ctx->g_usc];
	if (lc((unsigned char)sc[0]) == 'h' || lc((unsigned char)sc[0]) == 'x')
		wr_add(&w, n == 5 ? "https" : "http", n == 5 ? 5 : 4);
	else if (ftp_like(sc, n)) {
		/* sftp, ftp, ftps, defanged or not ("fxp", "sfxp"). */
		if (lc((unsigned char)sc[0]) == 's')
			wr_addc(&w, 's');
		wr_add(&w, "ftp", 3);
		if (lc((unsigned char)sc[n - 1]) == 's' && n > 3)
			wr_addc(&w, 's');
	} else
		for (; n > 0; n--) /* tcp, sftp, ftps, ws...: as written */
			wr_addc(&w, lc((unsigned char)*sc++));
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
		if (port == 0 || port > 65535) {
			why(ctx, text + ov[0], ov[1] - ov[0], "bad port");
			return ST_OK;
		}
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
	if (w.over) {
		why(ctx, text + ov[0], ov[1] - ov[0], "URL too long");
		return ST_OK;
	}
	/*
	 * A comma in the path followed only by plain fields ("auth.php,url,
	 * 2026-12-02,credential"): a CSV separator, not part of the URL.
	 */
	for (n = pstart; n < w.len && w.p[n] != '?' && w.p[n] != '#'; n++)
		if (w.p[n] == ',') {
			if (strpbrk(w.p + n, "/?=&#") == NULL) {
				w.p[n] = '\0';
				w.len = n;
			}
			break;
		}
	/*
	 * "[text](https://x/)" written with the text a URL too, and code
	 * such as "DownloadString('https://x/a.ps1');": the URL ends there.
	 */
	for (n = pstart; n < w.len; n++)
		if ((w.p[n] == ']' && n + 1 < w.len && w.p[n + 1] == '(') ||
		    (w.p[n] == '\'' &&
		     (n + 1 == w.len || strchr(");,]}", w.p[n + 1]) != NULL))) {
			w.p[n] = '\0';
			w.len = n;
			break;
		}
	/* Trim trailing punctuation and unbalanced ')' or ']'. */
	ro = rc = so = sq = 0;
	for (n = pstart; n < w.len; n++) {
		c = (unsigned char)w.p[n];
		ro += c == '(';
		rc += c == ')';
		so += c == '[';
		sq += c == ']';
	}
	while (w.len > pstart) {
		c = (unsigned char)w.p[w.len - 1];
		if (c == ')' && rc > ro)
			rc--;
		else if (c == ']' && sq > so)
			sq--;
		else if (c == '\0' || strchr(".,;:!?'", c) == NULL)
			break;
		w.p[--w.len] = '\0';
	}
	switch (depth < 3 ? wrapper_target(ctx->host, w.p, inner, sizeof(inner))
			  : 0) {
	case 1:
		return on_inner(ctx, out, inner, depth + 1);
	case -1:
		why(ctx, w.p, w.len, "redirect wrapper without a target");
		return ST_OK;
	}
	return emit(ctx, out, IOC_URL, w.p, ctx->host, walk);
}

/*
 * CVE-YYYY-NNNN..., upper-case, whatever the separators were ("cve 2021
 * 44228" with a space, or dashes that a word processor made typographic).
 */
static enum status
on_cve(struct ioc_ctx *ctx, struct ioc_set *out, const char *p, size_t n)
{
	char v[32];
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < sizeof(v); i++) {
		if ((unsigned char)p[i] >= 0x80) {
			if ((unsigned char)p[i] == 0xe2)
				v[o++] = '-'; /* U+2010, U+2011, U+2013 */
			continue;
		}
		if (p[i] == ' ')
			v[o++] = '-';
		else
			v[o++] =
			    (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 'a' + 'A'
							      : p[i]);
	}
	v[o] = '\0';
	return emit(ctx, out, IOC_CVE, v, NULL, 0);
}

/*
 * An IPv6 address with at least three hex groups (so "a::b", "12:30" and
 * "::1" do not count), written back in canonical form; "/nn" makes it a
 * CIDR block.  When rejected, matching resumes after the first colon so
 * "ab:1.2.3.4" still yields the IPv4 address.
 */
static enum status
on_ip6(struct ioc_ctx *ctx, struct ioc_set *out, const char *text, size_t len,
       size_t so, size_t *next)
{
	struct in6_addr a;
	const char *p = text + so, *end = text + *next, *colon;
	char tmp[IP6_TEXT_MAX + 1], canon[INET6_ADDRSTRLEN];
	size_t n, i, cl;
	int groups = 0, ingroup = 0, dots = 0, bits;

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
		groups--; /* a dotted quad is two groups, counted as four */
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

/* Is p/n one hex run of a hash's length? */
static int
is_hash_run(const char *p, size_t n)
{
	size_t i;

	if (n != 32 && n != 40 && n != 64 && n != 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_hex((unsigned char)p[i]))
			return 0;
	return 1;
}

/*
 * "Node.js", "Vue.js", "three.js": a JavaScript library named in prose,
 * not a file.  A single word of letters, capitalised or on the list.
 */
static int
js_library(const char *p, size_t n)
{
	static const char *const libs[] = {
	    "node",	"vue",	   "react",   "next",	  "nuxt",
	    "three",	"chart",   "d3",      "angular",  "ember",
	    "backbone", "express", "deno",    "p5",	  "socket",
	    "ext",	"moment",  "require", "knockout", "svelte"};
	size_t i;

	for (i = 0; i < nitems(libs); i++)
		if (strlen(libs[i]) == n && has_word(p, p + n, libs[i]))
			return 1;
	if (n == 0 || p[0] < 'A' || p[0] > 'Z')
		return 0;
	for (i = 1; i < n; i++)
		if (!(p[i] >= 'a' && p[i] <= 'z') &&
		    !(p[i] >= 'A' && p[i] <= 'Z'))
			return 0;
	return 1;
}

/* Windows programs named in reports as techniques, not indicators. */
static int
system_binary(const char *p, size_t n)
{
	static const char *const bins[] = {
	    "msiexec",	   "rundll32", "regsvr32", "powershell", "pwsh",
	    "cmd",	   "mshta",    "wscript",  "cscript",	 "certutil",
	    "bitsadmin",   "svchost",  "explorer", "lsass",	 "winlogon",
	    "schtasks",	   "wmic",     "conhost",  "taskhost",	 "services",
	    "csrss",	   "smss",     "notepad",  "regedit",	 "msbuild",
	    "installutil", "regasm",   "odbcconf", "kernel32",	 "ntdll",
	    "user32",	   "advapi32", "ws2_32",   "wininet",	 "shell32",
	    "ole32",	   "msvcrt",   "excel",	   "winword",	 "outlook"};
	size_t i;

	for (i = 0; i < nitems(bins); i++)
		if (strlen(bins[i]) == n && has_word(p, p + n, bins[i]))
			return 1;
	return 0;
}

/*
 * A base name distinctive enough to be an indicator: one that carries a
 * digit, '_' or '-', or a dot of its own ("Order.pdf.lnk").  A plain word
 * ("invoice.pdf", "setup.exe", "payload.zip", "install.ps1") names a kind
 * of file in prose far more often than one sample.
 */
static int
distinctive(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_digit((unsigned char)p[i]) || p[i] == '_' ||
		    p[i] == '-' || p[i] == '.')
			return 1;
	return 0;
}

/*
 * A file name with a known executable, script, document or archive
 * extension, kept as written.  Not: "www.<name>.zip" (a host), a hash with
 * an extension (the hash is reported instead), a one-character base name,
 * a JavaScript library ("Node.js"), a Windows program ("msiexec.exe"), a
 * plain word ("invoice.pdf"; see distinctive()).  Hashes inside the name
 * are reported too.
 */
static enum status
on_file(struct ioc_ctx *ctx, struct ioc_set *out, const char *text, size_t len,
	size_t so, size_t *next)
{
	const char *p = text + so, *end = text + *next, *dot;
	size_t n = *next - so, bl;
	enum status st;

	if (n > 4 && has_word(p, end, "www."))
		return on_token(ctx, out, text, len, so, next);
	for (dot = end - 1; dot > p && *dot != '.'; dot--)
		;
	bl = (size_t)(dot - p);
	if (is_hash_run(p, bl)) {
		why(ctx, p, n, "hash named as a file");
		return token_hashes(ctx, out, p, end);
	}
	if (n > 255) {
		why(ctx, p, n, "file name too long");
		return ST_OK;
	}
	if (bl < 2) {
		why(ctx, p, n, "file name too short");
		return ST_OK;
	}
	if ((size_t)(end - dot) == 3 && has_word(dot, end, ".js") &&
	    js_library(p, bl)) {
		why(ctx, p, n, "library name");
		return ST_OK;
	}
	if (system_binary(p, bl)) {
		why(ctx, p, n, "system binary");
		return ST_OK;
	}
	if (!distinctive(p, bl)) {
		why(ctx, p, n, "generic file name");
		return ST_OK;
	}
	memcpy(ctx->val, p, n);
	ctx->val[n] = '\0';
	if ((st = emit(ctx, out, IOC_FILENAME, ctx->val, NULL, 0)) != ST_OK)
		return st;
	return token_hashes(ctx, out, p, dot);
}

/* Words that start a sentence rather than continue a key name. */
static const char *const rk_stop[] = {
    "A",   "An", "And",	 "As",	  "At",	   "But",   "By",    "For",  "From",
    "If",  "In", "Is",	 "It",	  "Its",   "No",    "Not",   "Of",   "On",
    "Or",  "So", "That", "The",	  "Then",  "There", "These", "This", "To",
    "Was", "We", "When", "Which", "While", "With",  "You"};

/*
 * Where a registry key that the pattern ended at a space really ends.  In
 * quotes ("HKLM\...\Evil Service") it runs to the closing quote on the
 * same line; otherwise up to three more capitalised words belong to its
 * last name ("...\Session Manager", "...\Volatile Environment"), but not
 * a word that starts a sentence, another hive, or one after punctuation.
 */
static size_t
regkey_end(const char *text, size_t len, size_t so, size_t next)
{
	const char *q;
	size_t e, w, i, words;
	char open = so > 0 ? text[so - 1] : '\0';

	if (open == '"' || open == '\'') {
		for (e = next; e < len && e - so < RK_QUOTED_MAX; e++)
			if (text[e] == open || text[e] == '\n' ||
			    text[e] == '\r')
				break;
		if (e < len && text[e] == open)
			return e;
	}
	for (words = 0; words < 3 && next + 1 < len && text[next] == ' ';
	     words++) {
		q = text + next + 1;
		if (*q < 'A' || *q > 'Z' ||
		    (len - next > 2 && q[0] == 'H' && q[1] == 'K'))
			break; /* (q[1] may be past the end: no strncmp) */
		for (w = 0; next + 1 + w < len &&
			    (is_alnum((unsigned char)q[w]) || q[w] == '_' ||
			     q[w] == '-' || q[w] == '.');
		     w++)
			;
		while (w > 0 && q[w - 1] == '.')
			w--; /* a full stop ends the sentence, not the key */
		for (i = 0; i < nitems(rk_stop); i++)
			if (strlen(rk_stop[i]) == w &&
			    strncmp(q, rk_stop[i], w) == 0)
				break;
		if (w < 2 || i < nitems(rk_stop))
			break;
		next += 1 + w;
	}
	return next;
}

/*
 * A registry key as written, but "HKLM:\" (PowerShell) is "HKLM\", doubled
 * backslashes (escaped in code or JSON) are single, and trailing
 * punctuation and backslashes are dropped.
 */
static enum status
on_regkey(struct ioc_ctx *ctx, struct ioc_set *out, const char *p, size_t n)
{
	struct wr w;
	size_t i;
	int c, keys = 0;

	wr_init(&w, ctx->val, sizeof(ctx->val));
	for (i = 0; i < n && !w.over; i++) {
		c = (unsigned char)p[i];
		if (c == ':' && i + 1 < n && p[i + 1] == '\\' && keys == 0)
			continue;
		if (c == '\\') {
			if (w.len > 0 && w.p[w.len - 1] == '\\')
				continue;
			keys++;
		}
		wr_addc(&w, c);
	}
	if (w.over) {
		why(ctx, p, n, "registry key too long");
		return ST_OK;
	}
	while (w.len > 0 && strchr(".,;:!?)]}'\\", w.p[w.len - 1]) != NULL)
		w.p[--w.len] = '\0';
	if (strchr(w.p, '\\') == NULL) {
		why(ctx, p, n, "registry hive alone");
		return ST_OK;
	}
	return emit(ctx, out, IOC_REGKEY, w.p, NULL, 0);
}

/*
 * "AS13335", "ASN 13335": "AS13335".  Not AS0, AS23456 (AS_TRANS), the
 * documentation, private and reserved numbers, nor "AS400" (the IBM
 * machine, far more often than the network).
 */
static enum status
on_asn(struct ioc_ctx *ctx, struct ioc_set *out, const char *text,
       const PCRE2_SIZE *ov)
{
	const char *p = text + ov[2 * ctx->g_asnn];
	const char *end = text + ov[2 * ctx->g_asnn + 1];
	const char *s = text + ov[0];
	size_t n = ov[1] - ov[0];
	uint64_t v = 0;
	char val[16];

	if (end - p > 1 && p[0] == '0') {
		why(ctx, s, n, "leading zero");
		return ST_OK;
	}
	for (; p < end; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (v == 400 && s[2] != 'N' && s[2] != 'n') {
		why(ctx, s, n, "AS/400");
		return ST_OK;
	}
	if (v == 0 || v == 23456 || (v >= 64496 && v <= 131071) ||
	    v >= 4200000000ULL) {
		why(ctx, s, n, "reserved or private ASN");
		return ST_OK;
	}
	snprintf(val, sizeof(val), "AS%u", (unsigned int)v);
	return emit(ctx, out, IOC_ASN, val, NULL, 0);
}

/* Base58Check P2PKH (version 0, "1...") or P2SH (version 5, "3..."). */
static int
base58_ok(const char *s, size_t n)
{
	static const char alpha[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char b[25], d1[32], d2[32];
	const char *c;
	unsigned int carry;
	size_t i, j, ones, zeros;

	memset(b, 0, sizeof(b));
	for (i = 0; i < n; i++) {
		if (s[i] == '\0' || (c = strchr(alpha, s[i])) == NULL)
			return 0;
		carry = (unsigned int)(c - alpha);
		for (j = sizeof(b); j-- > 0;) {
			carry += 58u * b[j];
			b[j] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
		if (carry != 0)
			return 0;
	}
	for (ones = 0; ones < n && s[ones] == '1'; ones++)
		;
	for (zeros = 0; zeros < sizeof(b) && b[zeros] == 0; zeros++)
		;
	if (ones != zeros || (b[0] != 0 && b[0] != 5) ||
	    (s[0] == '1') != (b[0] == 0))
		return 0;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, b, 21, d1) != 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, d1, sizeof(d1), d2) != 0)
		return 0;
	return memcmp(d2, b + 21, 4) == 0;
}

/*
 * A segwit address (BIP 173/350): "bc1", one case, bech32 checksum for
 * version 0 (20 or 32 byte program), bech32m for versions 1-16.  The
 * lower-case form goes to out (n + 1 bytes).
 */
static int
bech32_ok(const char *s, size_t n, char *out)
{
	static const char cs[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
					0x3d4233dd, 0x2a1462b3};
	unsigned char d[90];
	const char *c;
	uint32_t chk = 1, top, acc = 0;
	size_t i, k, dn, bits = 0, plen = 0;
	int upper = 0, lower = 0, ch;

	if (n < 14 || n > 90)
		return 0;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		upper |= ch >= 'A' && ch <= 'Z';
		lower |= ch >= 'a' && ch <= 'z';
		out[i] = (char)lc(ch);
	}
	out[n] = '\0';
	if (upper && lower)
		return 0;
	dn = n - 3;
	for (i = 0; i < dn; i++) {
		if ((c = strchr(cs, out[3 + i])) == NULL || out[3 + i] == '\0')
			return 0;
		d[i] = (unsigned char)(c - cs);
	}
	/* hrp "bc" expanded, a zero, then the data. */
	{
		const unsigned char pre[5] = {3, 3, 0, 2, 3};

		for (i = 0; i < 5 + dn; i++) {
			top = chk >> 25;
			chk = ((chk & 0x1ffffff) << 5) ^
			      (i < 5 ? pre[i] : d[i - 5]);
			for (k = 0; k < 5; k++)
				if ((top >> k) & 1)
					chk ^= gen[k];
		}
	}
	if (d[0] > 16 || chk != (d[0] == 0 ? 1u : 0x2bc830a3u))
		return 0;
	/* The program: 5-bit groups to bytes, padding zero and short. */
	for (i = 1; i < dn - 6; i++) {
		acc = (acc << 5) | d[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			plen++;
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return 0;
	if (plen < 2 || plen > 40 || (d[0] == 0 && plen != 20 && plen != 32))
		return 0;
	return 1;
}

/* A Bitcoin address whose checksum holds. */
static enum status
on_btc(struct ioc_ctx *ctx, struct ioc_set *out, const char *p, size_t n)
{
	if (p[0] == 'b' || p[0] == 'B') {
		if (n <= 90 && bech32_ok(p, n, ctx->val))
			return emit(ctx, out, IOC_BTC, ctx->val, NULL, 0);
	} else if (base58_ok(p, n)) {
		memcpy(ctx->val, p, n);
		ctx->val[n] = '\0';
		return emit(ctx, out, IOC_BTC, ctx->val, NULL, 0);
	}
	why(ctx, p, n, "bad checksum");
	return ST_OK;
}

static int
hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	c = lc(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Query parameter name (with its '=') of url, up to '&' or '#', into dst
 * percent-decoded; Proofpoint v2 first maps '-' to '%' and '_' to '/'.
 * 0, or -1 when absent or too long.
 */
static int
query_param(const char *url, const char *name, int pp, char *dst, size_t dstsz)
{
	const char *q, *v, *e;
	size_t nl = strlen(name), o = 0;
	int c, h1, h2;

	if ((q = strchr(url, '?')) == NULL)
		return -1;
	for (v = NULL, q++; *q != '\0' && *q != '#';) {
		if (strncmp(q, name, nl) == 0) {
			v = q + nl;
			break;
		}
		q += strcspn(q, "&#");
		if (*q == '&')
			q++;
	}
	if (v == NULL)
		return -1;
	e = v + strcspn(v, "&#");
	for (; v < e; v++) {
		c = (unsigned char)*v;
		if (pp && c == '-')
			c = '%';
		else if (pp && c == '_')
			c = '/';
		if (c == '%' && e - v >= 3 &&
		    (h1 = hexval((unsigned char)v[1])) >= 0 &&
		    (h2 = hexval((unsigned char)v[2])) >= 0) {
			c = h1 * 16 + h2;
			v += 2;
		}
		if (o + 1 >= dstsz)
			return -1;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o > 0 ? 0 : -1;
}

/*
 * Proofpoint v3: "/v3/__<url>__;<base64>!!...".  Each '*' in the URL stands
 * for the next character of the decoded base64; "**X" for a run of them.
 */
static int
pp_v3(const char *path, char *dst, size_t dstsz)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char bytes[MAX_IOC_LEN];
	const char *u, *ue, *b, *c;
	size_t nb = 0, used = 0, o = 0, run, i;
	uint32_t acc = 0;
	int bits = 0;

	u = path + 6;
	if ((ue = strstr(u, "__;")) == NULL)
		return -1;
	for (b = ue + 3; *b != '\0' && *b != '!'; b++) {
		if (*b == '=')
			break;
		if ((c = strchr(b64, *b == '+'	 ? '-'
				     : *b == '/' ? '_'
						 : *b)) == NULL ||
		    *b == '\0')
			return -1;
		acc = (acc << 6) | (uint32_t)(c - b64);
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (nb >= sizeof(bytes))
				return -1;
			bytes[nb++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	for (; u < ue; u++) {
		run = 1;
		if (*u == '*' && u + 2 < ue && u[1] == '*') {
			if ((c = strchr(b64, u[2])) == NULL || u[2] == '\0')
				return -1;
			run = (size_t)(c - b64) + 2;
			u += 2;
		} else if (*u != '*') {
			if (o + 1 >= dstsz)
				return -1;
			dst[o++] = *u;
			continue;
		}
		for (i = 0; i < run; i++) {
			if (used >= nb || o + 1 >= dstsz)
				return -1;
			dst[o++] = (char)bytes[used++];
		}
	}
	dst[o] = '\0';
	return o > 0 ? 0 : -1;
}

static int
host_is(const char *host, const char *name)
{
	size_t hl = strlen(host), nl = strlen(name);

	if (name[0] == '.')
		return hl > nl && strcmp(host + hl - nl, name) == 0;
	return strcmp(host, name) == 0;
}

/*
 * A redirect wrapper (Microsoft safelinks, Proofpoint urldefense v2/v3,
 * Google): 1 with its target decoded into dst, -1 for a wrapper whose
 * target cannot be read, 0 for any other URL.  url is normalised (scheme
 * and host lower-case); host is its host.
 */
static int
wrapper_target(const char *host, const char *url, char *dst, size_t dstsz)
{
	const char *path;

	if ((path = strstr(url, "://")) == NULL)
		return 0;
	path += 3 + strcspn(path + 3, "/?#");
	if (host_is(host, ".safelinks.protection.outlook.com"))
		return query_param(path, "url=", 0, dst, dstsz) == 0 ? 1 : -1;
	if (host_is(host, "urldefense.proofpoint.com") &&
	    strncmp(path, "/v2/url?", 8) == 0)
		return query_param(path, "u=", 1, dst, dstsz) == 0 ? 1 : -1;
	if (host_is(host, "urldefense.com") && strncmp(path, "/v3/__", 6) == 0)
		return pp_v3(path, dst, dstsz) == 0 ? 1 : -1;
	if ((host_is(host, "www.google.com") || host_is(host, "google.com")) &&
	    strncmp(path, "/url?", 5) == 0)
		return query_param(path, "q=", 0, dst, dstsz) == 0 ||
			       query_param(path, "url=", 0, dst, dstsz) == 0
			   ? 1
			   : -1;
	return 0;
}

/* The target of a redirect wrapper: a URL from its first character. */
static enum status
on_inner(struct ioc_ctx *ctx, struct ioc_set *out, const char *s, int depth)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ctx->md);
	int rc;

	rc = pcre2_jit_match(ctx->re, (PCRE2_SPTR)s, strlen(s), 0, 0, ctx->md,
			     ctx->mctx);
	if (rc < 0 || ov[0] != 0 || ov[2 * ctx->g_url] == PCRE2_UNSET) {
		why(ctx, s, strlen(s), "redirect target not a URL");
		return ST_OK;
	}
	return on_url(ctx, out, s, ov, depth);
}

static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static int
group(const pcre2_code *re, const char *name, uint32_t *out)
{
	int n;

	n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
	if (n <= 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/*
 * The pattern compiled and JIT-compiled, with extra options; NULL with err
 * filled in.  JIT is required, not an optimisation: with
 * PCRE2_MATCH_INVALID_UTF the interpreter re-validates the rest of the
 * subject on every call, which is quadratic over a text with many matches.
 */
static pcre2_code *
compile_jit(uint32_t extra, char *err, size_t errsz)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *re;
	int rc;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
			       PCRE2_NO_AUTO_CAPTURE | PCRE2_NEVER_BACKSLASH_C |
			       extra,
			   &rc, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		seterr(err, errsz, "ioc: pattern at %zu: %s", (size_t)off,
		       (char *)msg);
		return NULL;
	}
	if ((rc = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE)) != 0) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		seterr(err, errsz, "ioc: PCRE2 JIT: %s", (char *)msg);
		pcre2_code_free(re);
		return NULL;
	}
	return re;
}

struct ioc_ctx *
ioc_ctx_new(char *err, size_t errsz)
{
	struct ioc_ctx *ctx;
	int ok = 0;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		seterr(err, errsz, "ioc: out of memory");
		return NULL;
	}
	/*
	 * The pattern twice: for the plain scan, and for the prefiltered one
	 * (see pf_match()), which bounds each window's start positions with
	 * an offset limit.
	 */
	if ((ctx->re = compile_jit(0, err, errsz)) == NULL ||
	    (ctx->re_ol = compile_jit(PCRE2_USE_OFFSET_LIMIT, err, errsz)) ==
		NULL)
		goto out;
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
	    group(ctx->re, "ip6", &ctx->g_ip6) == -1 ||
	    group(ctx->re, "rk", &ctx->g_rk) == -1 ||
	    group(ctx->re, "asn", &ctx->g_asn) == -1 ||
	    group(ctx->re, "asnn", &ctx->g_asnn) == -1 ||
	    group(ctx->re, "fn", &ctx->g_fn) == -1 ||
	    group(ctx->re, "btc", &ctx->g_btc) == -1) {
		seterr(err, errsz, "ioc: pattern groups missing");
		goto out;
	}
	if ((ctx->md = pcre2_match_data_create_from_pattern(ctx->re, NULL)) ==
		NULL ||
	    (ctx->mctx = pcre2_match_context_create(NULL)) == NULL ||
	    (ctx->mctx_ol = pcre2_match_context_create(NULL)) == NULL ||
	    (ctx->jstack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX,
						  NULL)) == NULL) {
		seterr(err, errsz, "ioc: out of memory");
		goto out;
	}
	pcre2_set_match_limit(ctx->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(ctx->mctx, HEAP_LIMIT);
	pcre2_jit_stack_assign(ctx->mctx, NULL, ctx->jstack);
	pcre2_set_match_limit(ctx->mctx_ol, MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->mctx_ol, DEPTH_LIMIT);
	pcre2_set_heap_limit(ctx->mctx_ol, HEAP_LIMIT);
	pcre2_jit_stack_assign(ctx->mctx_ol, NULL, ctx->jstack);
#ifdef PF_AVX2
	ctx->avx2 = __builtin_cpu_supports("avx2") != 0;
#endif
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
	pcre2_match_context_free(ctx->mctx_ol);
	pcre2_match_data_free(ctx->md);
	pcre2_code_free(ctx->re);
	pcre2_code_free(ctx->re_ol);
	strset_free(&ctx->excl);
	free(ctx);
}

/*
 * An exclusion entry written with a Unicode host name (a domain, the part
 * after '@', or a URL's host) is converted to punycode in place, the form
 * the extractor emits.  ST_CONFIG when libidn2 rejects it.
 */
static enum status
exclude_idn(char *ent, size_t size, size_t *len)
{
	char *h, *he, *a = NULL, out[MAX_IOC_LEN + 1];
	size_t i, al, tl;
	int rc;

	for (i = 0; ent[i] != '\0' && (unsigned char)ent[i] < 0x80; i++)
		;
	if (ent[i] == '\0')
		return ST_OK;
	if ((h = strstr(ent, "://")) != NULL) {
		h += 3;
		he = h + strcspn(h, "/:?#");
	} else {
		h = (he = strrchr(ent, '@')) != NULL ? he + 1 : ent;
		he = h + strlen(h);
	}
	if (he == h || he - h > HOST_MAX)
		return ST_CONFIG;
	memcpy(out, h, (size_t)(he - h));
	out[he - h] = '\0';
	rc = idn2_to_ascii_8z(out, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK || a == NULL) {
		idn2_free(a);
		return ST_CONFIG;
	}
	al = strlen(a);
	tl = strlen(he);
	if ((size_t)(h - ent) + al + tl >= size) {
		idn2_free(a);
		return ST_CONFIG;
	}
	memcpy(out, he, tl + 1); /* the tail, before it is overwritten */
	memcpy(h, a, al);
	memcpy(h + al, out, tl + 1);
	idn2_free(a);
	*len = strlen(ent);
	return ST_OK;
}

enum status
ioc_ctx_exclude(struct ioc_ctx *ctx, const char *list, size_t len)
{
	const char *p, *end, *eol, *s, *e, *q;
	char ent[MAX_IOC_LEN + 1];
	size_t n;
	enum status st;

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
		while (e > s &&
		       (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e - s >= 2 && s[0] == '*' && s[1] == '.')
			s += 2;
		/* Refang "[.]" so a pasted defanged entry still matches. */
		for (n = 0; s < e;) {
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
		ent[n] = '\0';
		if ((st = exclude_idn(ent, sizeof(ent), &n)) != ST_OK)
			return st;
		if (strset_add(&ctx->excl, ent, n) == -1)
			return ST_NOMEM;
	}
	return ST_OK;
}

/*
 * Mail providers whose users are anyone: their domain is never "the
 * sender's own".  Registrable domains, compared case-insensitively.
 */
static const char *const freemail[] = {
    "aol.com",	      "gmail.com",   "googlemail.com", "gmx.com",
    "gmx.de",	      "gmx.net",     "hotmail.com",    "icloud.com",
    "live.com",	      "mail.com",    "mail.ru",	       "me.com",
    "msn.com",	      "outlook.com", "pm.me",	       "proton.me",
    "protonmail.com", "qq.com",	     "163.com",	       "126.com",
    "tutanota.com",   "web.de",	     "yahoo.com",      "yandex.com",
    "yandex.ru",      "zoho.com"};

void
ioc_ctx_set_own_domain(struct ioc_ctx *ctx, const char *addr)
{
	const char *h, *reg;
	char host[HOST_MAX + 1];
	size_t n, i;

	if (ctx == NULL)
		return;
	ctx->own[0] = '\0';
	if (addr == NULL)
		return;
	if ((h = strrchr(addr, '@')) != NULL)
		addr = h + 1;
	for (n = 0; addr[n] != '\0' && addr[n] != '>' && addr[n] != ' ' &&
		    n < HOST_MAX;
	     n++) {
		if ((unsigned char)addr[n] >= 0x80)
			return; /* a raw IDN: compare nothing rather than guess
				 */
		host[n] = (char)lc((unsigned char)addr[n]);
	}
	host[n] = '\0';
	if (n == 0 || addr[n] == '.' ||
	    (reg = psl_registrable_domain(ctx->psl, host)) == NULL)
		return;
	for (i = 0; i < nitems(freemail); i++)
		if (strcmp(reg, freemail[i]) == 0)
			return;
	snprintf(ctx->own, sizeof(ctx->own), "%s", reg);
}

enum status
ioc_set_remove(struct ioc_set *set, const struct ioc_set *drop)
{
	struct ioc_set keep;
	size_t i;

	if (drop == NULL || drop->n == 0)
		return ST_OK;
	ioc_set_init(&keep);
	for (i = 0; i < set->n; i++)
		if (!ioc_set_has(drop, set->v[i].type, set->v[i].value) &&
		    ioc_set_add(&keep, set->v[i].type, set->v[i].value) == -1) {
			ioc_set_free(&keep);
			return ST_NOMEM;
		}
	ioc_set_free(set);
	*set = keep;
	return ST_OK;
}

static int
is_set(const PCRE2_SIZE *ov, uint32_t g)
{
	return ov[2 * g] != PCRE2_UNSET;
}

void
ioc_ctx_set_prefilter(struct ioc_ctx *ctx, int on)
{
	if (ctx != NULL)
		ctx->naive = !on;
}

void
ioc_ctx_set_debug(struct ioc_ctx *ctx, ioc_debug_fn fn, void *arg)
{
	if (ctx == NULL)
		return;
	ctx->dbg = fn;
	ctx->dbg_arg = arg;
}

/* IPv4 a (host order) in a reserved block? */
static int
v4_reserved(uint32_t a)
{
	static const struct {
		uint32_t net;
		int bits;
	} r[] = {
	    {0x00000000, 8},  /* "this network" */
	    {0x0a000000, 8},  /* RFC 1918 */
	    {0x64400000, 10}, /* shared address space (CGN) */
	    {0x7f000000, 8},  /* loopback */
	    {0xa9fe0000, 16}, /* link-local */
	    {0xac100000, 12}, /* RFC 1918 */
	    {0xc0000000, 24}, /* IETF protocol assignments */
	    {0xc0000200, 24}, /* TEST-NET-1 */
	    {0xc0a80000, 16}, /* RFC 1918 */
	    {0xc6120000, 15}, /* benchmarking */
	    {0xc6336400, 24}, /* TEST-NET-2 */
	    {0xcb007100, 24}, /* TEST-NET-3 */
	    {0xe0000000, 4},  /* multicast */
	    {0xf0000000, 4},  /* reserved, and 255.255.255.255 */
	};
	size_t i;

	for (i = 0; i < nitems(r); i++)
		if ((a & ~(0xffffffffu >> r[i].bits)) == r[i].net)
			return 1;
	return 0;
}

static int
v6_reserved(const struct in6_addr *a)
{
	static const unsigned char zero[16];
	const unsigned char *b = a->s6_addr;

	if (memcmp(b, zero, 15) == 0 && b[15] <= 1)
		return 1; /* :: and ::1 */
	if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
		return v4_reserved(
		    (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		    (uint32_t)b[14] << 8 | b[15]);	  /* v4-mapped */
	return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* link-local */
	       (b[0] & 0xfe) == 0xfc ||			  /* ULA */
	       b[0] == 0xff ||				  /* multicast */
	       (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
}

/* RFC 2606 documentation names: example.com, .net, .org and below. */
static int
doc_host(const char *h, size_t n)
{
	static const char *const names[] = {"example.com", "example.net",
					    "example.org"};
	size_t i, l;

	for (i = 0; i < nitems(names); i++) {
		l = strlen(names[i]);
		if (n >= l && strncmp(h + n - l, names[i], l) == 0 &&
		    (n == l || h[n - l - 1] == '.'))
			return 1;
	}
	return 0;
}

int
ioc_is_reserved(const struct ioc *ioc)
{
	struct in_addr a4;
	struct in6_addr a6;
	char tmp[INET6_ADDRSTRLEN + 8];
	const char *h, *q;
	size_t n;

	if (ioc == NULL || ioc->value == NULL)
		return 0;
	switch (ioc->type) {
	case IOC_FQDN:
		return doc_host(ioc->value, strlen(ioc->value));
	case IOC_EMAIL:
		h = strrchr(ioc->value, '@');
		return h != NULL && doc_host(h + 1, strlen(h + 1));
	case IOC_URL:
		if ((h = strstr(ioc->value, "://")) == NULL)
			return 0;
		h += 3;
		n = strcspn(h, "/?#");
		for (q = h + n; q > h; q--)
			if (q[-1] == '@') {
				h = q;
				break;
			}
		n = strcspn(h, ":/?#");
		return doc_host(h, n);
	case IOC_IPV4:
	case IOC_IPV6:
	case IOC_CIDR:
		break;
	default:
		return 0;
	}
	n = strcspn(ioc->value, "/");
	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, ioc->value, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return v4_reserved(ntohl(a4.s_addr));
	if (inet_pton(AF_INET6, tmp, &a6) == 1)
		return v6_reserved(&a6);
	return 0;
}

/* U+200B-U+200D, U+2060, U+FEFF at p: 3 (their UTF-8 length) or 0. */
static size_t
zw_len(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 3)
		return 0;
	if ((p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x8b && p[2] <= 0x8d) ||
	    (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0xa0) ||
	    (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))
		return 3;
	return 0;
}

static int
is_graph(int c)
{
	return c > 0x20 && c < 0x7f;
}

/*
 * A copy of text without the zero-width characters that stand between two
 * printable ASCII characters ("evil<ZWSP>.com"), or NULL when there are
 * none (the common case: no copy).  Elsewhere (between words of a script
 * that uses them) they are kept.  *nlen is the copy's length.
 */
static char *
strip_zw(const char *text, size_t len, size_t *nlen, int *nomem)
{
	const unsigned char *u = (const unsigned char *)text, *p = u;
	const unsigned char *end = u + len, *q, *r;
	char *buf = NULL;
	size_t o = 0, k, ne2 = 0, nef = 0, at;
	int fe2 = 0, fef = 0;

	*nomem = 0;
	while (p < end) {
		if (*p != 0xe2 && *p != 0xef) {
			/*
			 * Up to the next byte that may start one, in one go
			 * (memchr); the next of each kind is kept until passed.
			 */
			at = (size_t)(p - u);
			if (!fe2 || ne2 < at) {
				r = memchr(p, 0xe2, (size_t)(end - p));
				ne2 = r != NULL ? (size_t)(r - u) : len;
				fe2 = 1;
			}
			if (!fef || nef < at) {
				r = memchr(p, 0xef, (size_t)(end - p));
				nef = r != NULL ? (size_t)(r - u) : len;
				fef = 1;
			}
			r = u + (ne2 < nef ? ne2 : nef);
			if (buf != NULL) {
				memcpy(buf + o, p, (size_t)(r - p));
				o += (size_t)(r - p);
			}
			p = r;
			continue;
		}
		if ((k = zw_len(p, end)) != 0) {
			for (q = p + k; (k = zw_len(q, end)) != 0; q += k)
				;
			if ((buf != NULL
				 ? o > 0 && is_graph((unsigned char)buf[o - 1])
				 : p > (const unsigned char *)text &&
				       is_graph(p[-1])) &&
			    q < end && is_graph(*q)) {
				if (buf == NULL) {
					if ((buf = malloc(len)) == NULL) {
						*nomem = 1;
						return NULL;
					}
					o = (size_t)(p - (const unsigned char *)
							     text);
					memcpy(buf, text, o);
				}
				p = q;
				continue;
			}
			/* Kept: copy the whole run, so each byte is seen once.
			 */
			if (buf != NULL) {
				memcpy(buf + o, p, (size_t)(q - p));
				o += (size_t)(q - p);
			}
			p = q;
			continue;
		}
		if (buf != NULL)
			buf[o++] = (char)*p;
		p++;
	}
	*nlen = o;
	return buf;
}

static enum status extract(struct ioc_ctx *, const char *, size_t,
			   struct ioc_set *);

enum status
ioc_extract(struct ioc_ctx *ctx, const char *text, size_t len,
	    struct ioc_set *out)
{
	enum status st;
	char *clean;
	size_t n = 0;
	int nomem;

	if (ctx == NULL || out == NULL)
		return ST_NOMEM;
	if (text == NULL || len == 0)
		return ST_OK;
	ctx->idn_calls = 0;
	if ((clean = strip_zw(text, len, &n, &nomem)) == NULL) {
		st = nomem ? ST_NOMEM : extract(ctx, text, len, out);
		ctx->ver_text = NULL;
		return st;
	}
	st = extract(ctx, clean, n, out);
	free(clean);
	ctx->ver_text = NULL;
	return st;
}

/*
 * The prefilter.  The plain scan runs the pattern from every position; most
 * of the text is words that no alternative can match, and trying them is
 * most of the work.  Every match contains a trigger, and what a match may
 * hold before its first trigger is narrow, so the scan below finds the
 * triggers (64 bytes at a time: AVX2, SSE2 or plain C) and runs the
 * unchanged pattern only over a window per trigger: from where a match that
 * reaches it could start, with the trigger as the offset limit.  The result
 * is the same match (or limit error) as the plain scan's, at the same start:
 *
 *  - the triggers: '@', '\\', '[', '(', '{'; a ':' before '/' or '\\' or
 *    that may be an IPv6 candidate's first (pf_colon()); a '.' before a byte
 *    that can follow it in a match (pf_after_dot()); the 'd' of " dot ";
 *    the 25th character of a run of ASCII letters and digits (hashes and
 *    Bitcoin addresses are such runs, whole); the first digit of a number
 *    after "bc"/"BC", or after "cve", "cve-", "cve" and U+2010/2011/2013,
 *    "AS", "AS ", or "asn" with an optional " ", ":", " :", ": " or " : "
 *    (any case for "cve" and "asn"; pf_digit()).  Every match of every
 *    alternative contains one: a URL's "://" or "[:]", an address's "@" or
 *    bracketed "at", a dotted token's or file name's dot (plain, bracketed,
 *    escaped, sloppy or " dot "), a key's backslash, an IPv6 candidate's
 *    colon, a CVE's year, an ASN's number, a hash's or address's run, a
 *    segwit address's "bc1";
 *  - before its first trigger a match holds only bytes pf_pre() accepts,
 *    except for one space before a bracket, '@' or ':' (" [.] ", " @ ",
 *    " [at] ", "ASN : 1"), the space before " dot ", and the prefixes of
 *    CVEs and ASNs, which the digit trigger gives (pf_digit()).  So walking
 *    back from the first trigger over those bytes (pf_start()) reaches the
 *    start of any match that contains it;
 *  - a window that finds nothing proves that no match starts between the
 *    previous window's trigger and this one's (a match starting there would
 *    have this trigger as its first), so the scan goes on after it.  Any
 *    longer window (windows close together are merged) is as good: it only
 *    tries positions that the plain scan tries too.
 *
 * Windows start only where the plain scan also tries a match (after an
 * ASCII byte, or at the caller's start), and the match and resource limits
 * count per start position (JIT), so limit errors come out alike too.  The
 * two commonest matches in prose are made without the pattern (pf_quick()).
 */
#define PF_SHL(x, k, px) (((x) << (k)) | ((px) >> (64 - (k))))

/* May c stand in a match before its first trigger? */
static int
pf_pre(int c)
{
	if (c >= 0x80 || is_alnum(c))
		return 1;
	switch (c) {
	case '_':
	case '%':
	case '+':
	case '-':
	case '*':
	case ']':
	case ')':
	case '}':
		return 1;
	default:
		return 0;
	}
}

/* May c follow a '.' that is the first trigger of a match? */
static int
pf_after_dot(int c)
{
	if (c >= 0x80 || is_alnum(c))
		return 1;
	switch (c) {
	case '_':
	case '%':
	case '+':
	case '-':
	case '[':
	case ']':
	case '(':
	case ')':
	case '{':
	case '}':
		return 1;
	default:
		return 0;
	}
}

static int
pf_ci3(const unsigned char *p, const char *w)
{
	return lc(p[0]) == w[0] && lc(p[1]) == w[1] && lc(p[2]) == w[2];
}

/*
 * The start of the CVE or ASN whose number starts at t + d (after a
 * non-digit), or SIZE_MAX when nothing before it makes it one.
 */
static size_t
pf_digit(const unsigned char *t, size_t d)
{
	static const char *const sfx[] = {"", " ", ":", " :", ": ", " : "};
	size_t m = SIZE_MAX, i, n;

	if (d == 0)
		return SIZE_MAX;
	switch (t[d - 1]) { /* the last byte of every form below */
	case '-':
	case ' ':
	case ':':
	case 'S':
	case 'N':
	case 'n':
	case 0x90:
	case 0x91:
	case 0x93:
		break;
	default:
		return SIZE_MAX;
	}
	if (d >= 4 && (t[d - 1] == '-' || t[d - 1] == ' ') &&
	    pf_ci3(t + d - 4, "cve"))
		m = d - 4;
	if (d >= 6 && t[d - 3] == 0xe2 && t[d - 2] == 0x80 &&
	    (t[d - 1] == 0x90 || t[d - 1] == 0x91 || t[d - 1] == 0x93) &&
	    pf_ci3(t + d - 6, "cve"))
		m = d - 6;
	if (d >= 2 && t[d - 2] == 'A' && t[d - 1] == 'S' && d - 2 < m)
		m = d - 2;
	if (d >= 3 && t[d - 3] == 'A' && t[d - 2] == 'S' && t[d - 1] == ' ' &&
	    d - 3 < m)
		m = d - 3;
	for (i = 0; i < nitems(sfx); i++) {
		n = strlen(sfx[i]);
		if (d >= n + 3 && memcmp(t + d - n, sfx[i], n) == 0 &&
		    pf_ci3(t + d - n - 3, "asn") && d - n - 3 < m)
			m = d - n - 3;
	}
	return m;
}

/*
 * Byte classes of the 64 bytes at t + b (those before len), one bit per
 * byte: trigger bytes (':', '@', '\\', '[', '(', '{'), '.', ASCII digits,
 * ASCII letters and digits, ' ', 'd' or 'D'.  Neighbours are looked at by
 * pf_match() on these masks, so each builder only classifies bytes.
 */
struct pf_masks {
	uint64_t tr, dot, dig, alnum, sp, dd;
};

static void
pf_block_scalar(const unsigned char *t, size_t len, size_t b,
		struct pf_masks *m)
{
	uint64_t bit;
	size_t i;
	int c;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 64 && b + i < len; i++) {
		c = t[b + i];
		bit = (uint64_t)1 << i;
		if (c == ':' || c == '@' || c == '\\' || c == '[' || c == '(' ||
		    c == '{')
			m->tr |= bit;
		if (c == '.')
			m->dot |= bit;
		if (is_digit(c))
			m->dig |= bit;
		if (is_alnum(c))
			m->alnum |= bit;
		if (c == ' ')
			m->sp |= bit;
		if (c == 'd' || c == 'D')
			m->dd |= bit;
	}
}

#ifdef PF_SSE2
/* The same with SSE2, for b + 64 <= the text's length. */
static void
pf_block_sse2(const unsigned char *t, size_t b, struct pf_masks *m)
{
	const __m128i c20 = _mm_set1_epi8(0x20), c0 = _mm_set1_epi8('0');
	const __m128i c9 = _mm_set1_epi8(9), ca = _mm_set1_epi8('a');
	const __m128i c25 = _mm_set1_epi8(25);
	__m128i v, lo, x, dig, alp, tr;
	int k, sh;

	memset(m, 0, sizeof(*m));
	for (k = 0; k < 4; k++) {
		sh = 16 * k;
		v = _mm_loadu_si128(
		    (const __m128i *)(const void *)(t + b + (size_t)sh));
		lo = _mm_or_si128(v, c20);
		x = _mm_sub_epi8(v, c0);
		dig = _mm_cmpeq_epi8(_mm_min_epu8(x, c9), x);
		x = _mm_sub_epi8(lo, ca);
		alp = _mm_cmpeq_epi8(_mm_min_epu8(x, c25), x);
		tr = _mm_or_si128(
		    _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8('@'))),
			_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8('[')))),
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('(')),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8('{'))));
		m->tr |= (uint64_t)(unsigned int)_mm_movemask_epi8(tr) << sh;
		m->dot |= (uint64_t)(unsigned int)_mm_movemask_epi8(
			      _mm_cmpeq_epi8(v, _mm_set1_epi8('.')))
			  << sh;
		m->dig |= (uint64_t)(unsigned int)_mm_movemask_epi8(dig) << sh;
		m->alnum |= (uint64_t)(unsigned int)_mm_movemask_epi8(
				_mm_or_si128(dig, alp))
			    << sh;
		m->sp |= (uint64_t)(unsigned int)_mm_movemask_epi8(
			     _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')))
			 << sh;
		m->dd |= (uint64_t)(unsigned int)_mm_movemask_epi8(
			     _mm_cmpeq_epi8(lo, _mm_set1_epi8('d')))
			 << sh;
	}
}
#endif

#ifdef PF_AVX2
/* The same with AVX2, when the CPU has it (ctx->avx2). */
__attribute__((target("avx2"))) static void
pf_block_avx2(const unsigned char *t, size_t b, struct pf_masks *m)
{
	const __m256i c20 = _mm256_set1_epi8(0x20), c0 = _mm256_set1_epi8('0');
	const __m256i c9 = _mm256_set1_epi8(9), ca = _mm256_set1_epi8('a');
	const __m256i c25 = _mm256_set1_epi8(25);
	__m256i v, lo, x, dig, alp, tr;
	uint32_t r[2][6];
	int k;

	for (k = 0; k < 2; k++) {
		v = _mm256_loadu_si256(
		    (const __m256i *)(const void *)(t + b + 32 * (size_t)k));
		lo = _mm256_or_si256(v, c20);
		x = _mm256_sub_epi8(v, c0);
		dig = _mm256_cmpeq_epi8(_mm256_min_epu8(x, c9), x);
		x = _mm256_sub_epi8(lo, ca);
		alp = _mm256_cmpeq_epi8(_mm256_min_epu8(x, c25), x);
		tr = _mm256_or_si256(
		    _mm256_or_si256(
			_mm256_or_si256(
			    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(':')),
			    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('@'))),
			_mm256_or_si256(
			    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')),
			    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('[')))),
		    _mm256_or_si256(
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8('(')),
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8('{'))));
		r[k][0] = (uint32_t)_mm256_movemask_epi8(tr);
		r[k][1] = (uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('.')));
		r[k][2] = (uint32_t)_mm256_movemask_epi8(dig);
		r[k][3] =
		    (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(dig, alp));
		r[k][4] = (uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')));
		r[k][5] = (uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(lo, _mm256_set1_epi8('d')));
	}
	m->tr = (uint64_t)r[1][0] << 32 | r[0][0];
	m->dot = (uint64_t)r[1][1] << 32 | r[0][1];
	m->dig = (uint64_t)r[1][2] << 32 | r[0][2];
	m->alnum = (uint64_t)r[1][3] << 32 | r[0][3];
	m->sp = (uint64_t)r[1][4] << 32 | r[0][4];
	m->dd = (uint64_t)r[1][5] << 32 | r[0][5];
}
#endif

/*
 * May the ':' at t + c be a match's first trigger: the "://" of a URL, the
 * ":\\" of "HKLM:\\", or an IPv6 candidate's first colon (at most four hex
 * digits before it, and before them nothing that the look-behind refuses).
 */
static int
pf_colon(const unsigned char *t, size_t len, size_t c)
{
	size_t h;
	int b;

	if (len - c > 1 && (t[c + 1] == '/' || t[c + 1] == '\\'))
		return 1;
	for (h = 0; h < 5 && h < c && is_hex(t[c - h - 1]); h++)
		;
	if (h > 4)
		return 0;
	if (h == c)
		return 1;
	b = t[c - h - 1];
	return !(is_alnum(b) || b == ':' || b == '.' || b == '_' || b == '-');
}

/*
 * Where a match whose first trigger is at t + tr could start, not before
 * lo: walking back from "from" (tr, or the space of " dot "); special is
 * the start pf_digit() gave, or SIZE_MAX.
 */
static size_t
pf_start(const unsigned char *t, size_t lo, size_t from, size_t special)
{
	size_t q = from < lo ? lo : from;
	int c = t[from];

	if ((c == '[' || c == '(' || c == '{' || c == '@' || c == ':') &&
	    q > lo && t[q - 1] == ' ')
		q--;
	while (q > lo && pf_pre(t[q - 1]))
		q--;
	if (special < q)
		q = special < lo ? lo : special;
	return q;
}

static int
pf_ws(int c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/*
 * The two commonest matches in prose, made without the pattern: a dotted
 * number ("2.4.1", "3.5": a token) and a time ("10:42:07": an IPv6
 * candidate), each starting at s after white space, with tr its first '.'
 * or ':'.  What the pattern does there, alternative by alternative: a URL,
 * CVE, key or ASN cannot start with a digit; an address's local part takes
 * the digits and dots and then needs an "at", which the byte after the
 * number is not; a file name needs an extension after a dot, and none is
 * all digits ("7z" would need a 'z'); a token takes labels and dots (at
 * most 127) until a byte that starts no dot form; a hash, a Bitcoin address
 * need longer runs; the IPv6 candidate takes up to four hex digits, a
 * colon, then hex digits, colons and dots, and fails before [G-Zg-z_-].
 * Anything else goes to the pattern.  The match is written into the match
 * data as pcre2_jit_match() would (the token or IPv6 group and group 0
 * set, the rest unset): its return value, or 0 when not this case.
 */
static int
pf_quick(struct ioc_ctx *ctx, const unsigned char *t, size_t len, size_t s,
	 size_t tr)
{
	PCRE2_SIZE *ov;
	size_t e, dots = 0, i, n;
	uint32_t g;
	int c;

	if (s == 0 || s == tr || !pf_ws(t[s - 1]))
		return 0;
	for (e = s; e < tr; e++)
		if (!is_digit(t[e]))
			return 0;
	if (t[tr] == '.') {
		while (e < len && t[e] == '.' && len - e > 1 &&
		       is_digit(t[e + 1])) {
			if (++dots > 127)
				return 0;
			for (e++; e < len && is_digit(t[e]); e++)
				;
		}
		if (dots == 0)
			return 0;
		if (e < len) {
			c = t[e];
			if (c == '.') {
				if (len - e > 1 && !pf_ws(t[e + 1]))
					return 0;
			} else if (c == ' ') {
				c = len - e > 1 ? t[e + 1] : 0;
				if (c == '@' || c == '[' || c == '(' ||
				    c == '{' || c == 'd' || c == 'D')
					return 0;
			} else if (c != '\n' && c != '\t' && c != '\r' &&
				   c != ',' && c != ';' && c != '/')
				return 0;
		}
		g = ctx->g_tok;
	} else {
		if (tr - s > 4)
			return 0;
		for (e = tr + 1;
		     e < len && (is_hex(t[e]) || t[e] == ':' || t[e] == '.');
		     e++)
			;
		if (e < len && ((t[e] >= 'G' && t[e] <= 'Z') ||
				(t[e] >= 'g' && t[e] <= 'z') || t[e] == '_' ||
				t[e] == '-'))
			return 0;
		g = ctx->g_ip6;
	}
	ov = pcre2_get_ovector_pointer(ctx->md);
	n = 2 * (size_t)pcre2_get_ovector_count(ctx->md);
	for (i = 0; i < n; i++)
		ov[i] = PCRE2_UNSET;
	ov[0] = ov[2 * g] = s;
	ov[1] = ov[2 * g + 1] = e;
	return (int)g + 1;
}

/*
 * Triggers this close to the last one share its window (a JIT call costs
 * more than trying a few more positions), up to this window length.
 */
#define PF_MERGE 16
#define PF_WINDOW 256
/*
 * After this many matches in a row, each starting less than PF_NEAR_DIST
 * bytes after the search began, extract() uses the plain search until one
 * starts further away.
 */
#define PF_NEAR 4
#define PF_NEAR_DIST 32

/* The pattern over text/len at the start positions ws..wl only. */
static int
pf_window(struct ioc_ctx *ctx, const char *text, size_t len, size_t ws,
	  size_t wl)
{
	pcre2_set_offset_limit(ctx->mctx_ol, wl);
	return pcre2_jit_match(ctx->re_ol, (PCRE2_SPTR)text, len, ws, 0,
			       ctx->md, ctx->mctx_ol);
}

/*
 * pcre2_jit_match() of the pattern over text/len from start, the first
 * match or error found: the same as the plain scan's, found by running the
 * pattern only in the windows of the triggers (see above).
 */
static int
pf_match(struct ioc_ctx *ctx, const char *text, size_t len, size_t start)
{
	const unsigned char *t = (const unsigned char *)text;
	struct pf_masks m;
	uint64_t cand, an, a2, a4, a8, a25, run, bits;
	uint64_t pa = 0, pa2 = 0, pa4 = 0, pa8 = 0;
	size_t b, pos = start, tr, from, special, st, ws = 0, wl = 0;
	size_t lastw = 0;
	unsigned int i;
	int rc, c, pend = 0, dense = 0;

	for (b = start; b < len; b += 64) {
		if (len - b < 64)
			pf_block_scalar(t, len, b, &m);
#ifdef PF_AVX2
		else if (ctx->avx2)
			pf_block_avx2(t, b, &m);
#endif
#ifdef PF_SSE2
		else
			pf_block_sse2(t, b, &m);
#else
		else
			pf_block_scalar(t, len, b, &m);
#endif
		an = m.alnum;
		/*
		 * Candidates: trigger bytes, a '.' not before a space, the
		 * first digit of a number, a 'd' after a space.
		 */
		cand = m.tr |
		       (m.dot &
			~((m.sp >> 1) |
			  (uint64_t)(len - b > 64 && t[b + 64] == ' ') << 63)) |
		       (m.dig & ~((m.dig << 1) |
				  (uint64_t)(b > 0 && is_digit(t[b - 1])))) |
		       (m.dd &
			((m.sp << 1) | (uint64_t)(b > 0 && t[b - 1] == ' ')));
		/* The 25th character of a run of letters and digits. */
		a2 = an & PF_SHL(an, 1, pa);
		a4 = a2 & PF_SHL(a2, 2, pa2);
		a8 = a4 & PF_SHL(a4, 4, pa4);
		a25 = a8 & PF_SHL(a8, 8, pa8) & PF_SHL(a8, 16, pa8) &
		      PF_SHL(an, 24, pa);
		run = a25 & ~PF_SHL(an, 25, pa);
		pa = an;
		pa2 = a2;
		pa4 = a4;
		pa8 = a8;
		for (bits = cand | run; bits != 0; bits &= bits - 1) {
			i = (unsigned int)__builtin_ctzll(bits);
			tr = from = b + i;
			/*
			 * Close to the pending window: one window for both
			 * (whether or not this is a trigger: the window only
			 * tries more positions).
			 */
			if (pend && tr - wl <= PF_MERGE &&
			    tr - ws <= PF_WINDOW) {
				wl = tr;
				continue;
			}
			c = t[tr];
			special = SIZE_MAX;
			if (is_digit(c)) {
				special = pf_digit(t, tr);
				if (special == SIZE_MAX && !((run >> i) & 1) &&
				    !(tr >= 2 &&
				      ((t[tr - 2] == 'b' && t[tr - 1] == 'c') ||
				       (t[tr - 2] == 'B' && t[tr - 1] == 'C'))))
					continue;
			} else if (!((run >> i) & 1)) {
				if (c == '.') {
					if (len - tr < 2 ||
					    !pf_after_dot(t[tr + 1]))
						continue;
				} else if (c == ':') {
					if (!pf_colon(t, len, tr))
						continue;
				} else if (c == 'd' || c == 'D') {
					/* " dot " */
					if (tr < 1 || t[tr - 1] != ' ' ||
					    len - tr < 4 ||
					    lc(t[tr + 1]) != 'o' ||
					    lc(t[tr + 2]) != 't' ||
					    t[tr + 3] != ' ')
						continue;
					from = tr - 1;
				}
			}
			if (pend && (rc = pf_window(ctx, text, len, ws, wl)) !=
					PCRE2_ERROR_NOMATCH)
				return rc;
			if (pend)
				pos = wl + 1;
			pend = 0;
			st = pf_start(t, pos, from, special);
			if ((c == '.' || c == ':') &&
			    (rc = pf_quick(ctx, t, len, st, tr)) > 0)
				return rc;
			/*
			 * Windows that keep coming close together and finding
			 * nothing ("a@a@a@..."): let the next ones join this
			 * one.  Otherwise run it now, as a match is likely.
			 */
			dense = st - lastw <= PF_MERGE + 1 ? dense + 1 : 0;
			lastw = tr;
			if (dense > 2) {
				ws = st;
				wl = tr;
				pend = 1;
				continue;
			}
			if ((rc = pf_window(ctx, text, len, st, tr)) !=
			    PCRE2_ERROR_NOMATCH)
				return rc;
			pos = tr + 1;
		}
		/* No later trigger can join the pending window: run it. */
		if (pend && len - b > 64 && b + 64 - wl > PF_MERGE) {
			if ((rc = pf_window(ctx, text, len, ws, wl)) !=
			    PCRE2_ERROR_NOMATCH)
				return rc;
			pos = wl + 1;
			pend = 0;
		}
	}
	return pend ? pf_window(ctx, text, len, ws, wl) : PCRE2_ERROR_NOMATCH;
}

static enum status
extract(struct ioc_ctx *ctx, const char *text, size_t len, struct ioc_set *out)
{
	PCRE2_SIZE *ov;
	size_t start = 0, so, next;
	enum status st = ST_OK;
	int rc, errors = 0, near = 0;

	ov = pcre2_get_ovector_pointer(ctx->md);
	while (start < len && st == ST_OK) {
		/*
		 * Matches packed close together ("HKLM\\a HKLM\\a ..."): the
		 * plain search finds the next one for less than the prefilter
		 * (which classifies a block per call); the result is the
		 * same either way.
		 */
		rc = ctx->naive || near >= PF_NEAR
			 ? pcre2_jit_match(ctx->re, (PCRE2_SPTR)text, len,
					   start, 0, ctx->md, ctx->mctx)
			 : pf_match(ctx, text, len, start);
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
				      text[start] != '\n';
			     start++)
				;
			continue;
		}
		so = ov[0];
		next = ov[1];
		near = so - start < PF_NEAR_DIST ? near + 1 : 0;
		if (is_set(ov, ctx->g_url))
			st = on_url(ctx, out, text, ov, 0);
		else if (is_set(ov, ctx->g_em))
			st = on_email(ctx, out, text, ov);
		else if (is_set(ov, ctx->g_cve))
			st = on_cve(ctx, out, text + so, next - so);
		else if (is_set(ov, ctx->g_rk)) {
			next = regkey_end(text, len, so, next);
			st = on_regkey(ctx, out, text + so, next - so);
		} else if (is_set(ov, ctx->g_asn))
			st = on_asn(ctx, out, text, ov);
		else if (is_set(ov, ctx->g_fn))
			st = on_file(ctx, out, text, len, so, &next);
		else if (is_set(ov, ctx->g_btc))
			st = on_btc(ctx, out, text + so, next - so);
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
