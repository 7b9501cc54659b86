/*
 * MIME: a raw message in memory to headers, UTF-8 bodies and attachments.
 *
 * libetpan parses the structure; before it sees the message a linear
 * pre-pass estimates the multipart nesting and the number of parts,
 * because libetpan's parser is quadratic in the nesting depth.  The tree
 * is then checked exactly against the same bounds and walked:
 *
 *  - text/plain and text/html leaves without a file name and not marked
 *    "attachment" are bodies; several of a kind are joined with '\n';
 *  - every other leaf, and every message/rfc822 part (not descended), is
 *    an attachment with a safe name;
 *  - text is converted to UTF-8 with iconv(3): a missing charset means
 *    UTF-8 when the bytes are valid UTF-8, else windows-1252; an unknown
 *    charset falls back the same way; a charset the bytes do not match
 *    gives UTF-8 if they are valid UTF-8, else U+FFFD for each bad byte.
 *    A leading BOM and NUL bytes are removed; a text is cut (on a
 *    character boundary) at MAX_TEXT_SIZE.
 *
 * Attachments larger than MAX_ATTACHMENT_SIZE are kept whole (the message
 * is already bounded by MAX_MESSAGE_SIZE); a later stage decides.
 * att->data is always allocated and NUL-terminated, even when len is 0.
 * message_id is given without its angle brackets.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "bounds.h"
#include "buf.h"
#include "mime.h"
#include "utf8.h"

#define NAME_MAX_LEN 200 /* attachment file name, bytes */
#define EXT_MAX_LEN 16	 /* extension kept when shortening a name */
#define CT_MAX_LEN 127	 /* content type string */
#define CS_MAX_LEN 40	 /* charset name */
#define BOUNDARY_MAX 256 /* longer boundaries are never matched */
#define CTVAL_MAX 1024	 /* Content-Type value looked at by pre-pass */
#define RFC2231_SEGS 64	 /* continuation segments of a parameter */

/*
 * Small helpers.
 */

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
ncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Does s (length n) start with lower-case w, case-insensitively? */
static int
hasprefix(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && ncaseeq(s, w, wl);
}

static int
hassuffix(const char *s, const char *w)
{
	size_t sl = strlen(s), wl = strlen(w);

	return sl >= wl && ncaseeq(s + sl - wl, w, wl);
}

static int
iswsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		if ((l = utf8_len(p + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

/*
 * Append p/n to b, cut on a character boundary if the ceiling is
 * reached.  Return 0, 1 when cut, -1 on ENOMEM.
 */
static int
add_capped(struct buf *b, const char *p, size_t n)
{
	size_t room;

	if (buf_add(b, p, n) == 0)
		return 0;
	room = b->max - b->len;
	if (n <= room)
		return -1; /* it would have fitted: ENOMEM */
	while (room > 0 && ((unsigned char)p[room] & 0xc0) == 0x80)
		room--;
	if (buf_add(b, p, room) == -1)
		return -1;
	return 1;
}

static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Append p/n as UTF-8, U+FFFD for each invalid byte, NULs dropped. */
static int
add_sanitised(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i = 0, j, l;
	int r;

	while (i < n) {
		for (j = i;
		     j < n && p[j] != 0 && (l = utf8_len(p + j, n - j)) != 0;
		     j += l)
			;
		if (j > i &&
		    (r = add_capped(b, (const char *)p + i, j - i)) != 0)
			return r;
		if (j >= n)
			break;
		if (p[j] != 0 && (r = add_capped(b, repl, 3)) != 0)
			return r;
		i = j + 1;
	}
	return 0;
}

/*
 * Charset conversion.
 */

/* Normalised iconv name for a declared charset, or NULL if unusable. */
static const char *
charset_norm(const char *cs, char *tmp, size_t tmpsz)
{
	static const struct {
		const char *from, *to;
	} alias[] = {
	    {"us-ascii", "WINDOWS-1252"},
	    {"ascii", "WINDOWS-1252"},
	    {"ansi_x3.4-1968", "WINDOWS-1252"},
	    {"iso-8859-1", "WINDOWS-1252"},
	    {"iso8859-1", "WINDOWS-1252"},
	    {"iso_8859-1", "WINDOWS-1252"},
	    {"latin1", "WINDOWS-1252"},
	    {"utf8", "UTF-8"},
	    {"iso-8859-8-i", "ISO-8859-8"},
	    {"ks_c_5601-1987", "CP949"},
	    {"gb2312", "GB18030"},
	    {"gbk", "GB18030"},
	    {"x-sjis", "SHIFT_JIS"},
	    {"unicode-1-1-utf-7", "UTF-7"},
	};
	size_t i, n = 0;

	if (cs == NULL)
		return NULL;
	while (iswsp((unsigned char)*cs) || *cs == '"')
		cs++;
	for (i = 0;
	     cs[i] != '\0' && cs[i] != '"' && !iswsp((unsigned char)cs[i]);
	     i++) {
		unsigned char c = (unsigned char)cs[i];

		if (n + 1 >= tmpsz || n >= CS_MAX_LEN)
			return NULL;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':' || c == '+'))
			return NULL;
		tmp[n++] = (char)lc(c);
	}
	tmp[n] = '\0';
	if (n == 0)
		return NULL;
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(tmp, alias[i].from) == 0)
			return alias[i].to;
	if (strcmp(tmp, "utf-8") == 0)
		return "UTF-8";
	return tmp;
}

/*
 * Convert with iconv.  Return 0, 1 when strict and the input has an
 * invalid sequence (b then holds garbage), 2 when the charset is unknown,
 * -1 on ENOMEM.  Output past the ceiling of b is cut.
 */
static int
conv(const char *cs, const unsigned char *p, size_t n, struct buf *b,
     int strict)
{
	iconv_t cd;
	char obuf[8192], *ip = (char *)(uintptr_t)p, *op;
	size_t il = n, ol, r;
	int ret = 0, e, a, done;

	if ((cd = iconv_open("UTF-8", cs)) == (iconv_t)-1)
		return 2;
	for (;;) {
		op = obuf;
		ol = sizeof(obuf);
		done = il == 0;
		if (!done)
			r = iconv(cd, &ip, &il, &op, &ol);
		else
			r = iconv(cd, NULL, NULL, &op, &ol);
		e = errno;
		if (op > obuf &&
		    (a = add_sanitised(b, (unsigned char *)obuf,
				       (size_t)(op - obuf))) != 0) {
			ret = a < 0 ? -1 : 0; /* cut at the ceiling */
			break;
		}
		if (r == (size_t)-1 && e == E2BIG)
			continue;
		if (done)
			break;
		if (r != (size_t)-1)
			continue;
		if (e != EILSEQ && e != EINVAL) {
			ret = strict ? 1 : 0;
			break;
		}
		if (strict) {
			ret = 1;
			break;
		}
		if ((a = add_capped(b, repl, 3)) != 0) {
			ret = a < 0 ? -1 : 0;
			break;
		}
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	return ret;
}

/*
 * Text of p/n in charset cs (may be NULL) as malloc'd UTF-8, bounded by
 * MAX_TEXT_SIZE.  Return 0 or -1 on ENOMEM.
 */
static int
to_utf8(const char *cs, const unsigned char *p, size_t n, char **out,
	size_t *outlen)
{
	struct buf b;
	char tmp[CS_MAX_LEN + 1];
	const char *ics;
	size_t i, j;
	int r;

	buf_init(&b, MAX_TEXT_SIZE);
	ics = charset_norm(cs, tmp, sizeof(tmp));
	if ((ics == NULL || strcmp(ics, "UTF-8") == 0) && n >= 3 &&
	    memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	if (ics == NULL || strcmp(ics, "UTF-8") == 0) {
		if (utf8_valid(p, n) || ics != NULL)
			r = add_sanitised(&b, p, n);
		else
			r = conv("WINDOWS-1252", p, n, &b, 0);
	} else {
		r = conv(ics, p, n, &b, 1);
		if (r != 0 && r != -1) {
			buf_free(&b);
			buf_init(&b, MAX_TEXT_SIZE);
			if (utf8_valid(p, n))
				r = add_sanitised(&b, p, n);
			else
				r = conv(r == 2 ? "WINDOWS-1252" : ics, p, n,
					 &b, 0);
			if (r == 2) /* cannot happen; be safe */
				r = add_sanitised(&b, p, n);
		}
	}
	if (r < 0) {
		buf_free(&b);
		return -1;
	}
	/* A BOM that survived conversion (UTF-16, UTF-8 declared twice). */
	if (b.len >= 3 && memcmp(b.p, "\xef\xbb\xbf", 3) == 0) {
		memmove(b.p, b.p + 3, b.len - 3 + 1);
		b.len -= 3;
	}
	/* Line ends: CRLF and lone CR become LF. */
	for (i = j = 0; i < b.len; i++) {
		if (b.p[i] == '\r') {
			if (i + 1 < b.len && b.p[i + 1] == '\n')
				continue;
			b.p[j++] = '\n';
		} else
			b.p[j++] = b.p[i];
	}
	if (b.p != NULL) {
		b.len = j;
		b.p[j] = '\0';
	}
	*outlen = b.len;
	if ((*out = buf_steal(&b)) == NULL)
		return -1;
	return 0;
}

/*
 * Headers.
 */

/*
 * The unfolded value of the first header called name in the top-level
 * header block, malloc'd, or NULL (*nomem set on ENOMEM).
 */
static char *
raw_header(const char *p, size_t n, const char *name, int *nomem)
{
	struct buf b;
	size_t i = 0, e, nl = strlen(name), s;
	int found = 0;

	buf_init(&b, MAX_HEADER_LEN);
	while (i < n) {
		for (e = i; e < n && p[e] != '\n'; e++)
			;
		s = e;
		if (s > i && p[s - 1] == '\r')
			s--;
		if (s == i)
			break; /* end of the header block */
		if (found) {
			if (!iswsp((unsigned char)p[i]))
				break;
			if (add_capped(&b, p + i, s - i) < 0)
				goto nomem;
		} else if (!iswsp((unsigned char)p[i]) && s - i > nl &&
			   ncaseeq(p + i, name, nl)) {
			size_t j = i + nl;

			while (j < s && iswsp((unsigned char)p[j]))
				j++;
			if (j < s && p[j] == ':') {
				found = 1;
				if (add_capped(&b, p + j + 1, s - j - 1) < 0)
					goto nomem;
			}
		}
		i = e + 1;
	}
	if (!found)
		return NULL;
	return buf_steal(&b);
nomem:
	buf_free(&b);
	*nomem = 1;
	return NULL;
}

/*
 * s as clean one-line UTF-8: invalid bytes replaced, control characters
 * turned into spaces, runs of blanks collapsed, trimmed.  In place when
 * possible; returns a malloc'd string (s is consumed) or NULL on ENOMEM.
 */
static char *
clean_line(char *s)
{
	struct buf b;
	size_t i, n;
	char *o;
	int sp = 0;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	buf_init(&b, MAX_HEADER_LEN);
	if (add_sanitised(&b, (unsigned char *)s, n) < 0) {
		free(s);
		buf_free(&b);
		return NULL;
	}
	free(s);
	if ((o = buf_steal(&b)) == NULL)
		return NULL;
	n = 0;
	for (i = 0; o[i] != '\0'; i++) {
		unsigned char c = (unsigned char)o[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			sp = 1;
			continue;
		}
		if (sp && n > 0)
			o[n++] = ' ';
		sp = 0;
		o[n++] = (char)c;
	}
	o[n] = '\0';
	return o;
}

/* RFC 2047 decoding of a header value to UTF-8, or NULL on ENOMEM. */
static char *
decode_phrase(const char *s)
{
	char *res = NULL, *o;
	size_t idx = 0, n = strlen(s), olen;

	if (mailmime_encoded_phrase_parse(
		utf8_valid((const unsigned char *)s, n) ? "UTF-8"
							: "WINDOWS-1252",
		s, n, &idx, "UTF-8", &res) == MAILIMF_NO_ERROR &&
	    res != NULL)
		return clean_line(res);
	free(res);
	if (to_utf8(NULL, (const unsigned char *)s, n, &o, &olen) == -1)
		return NULL;
	return clean_line(o);
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *p;

	if ((p = malloc(n + 1)) != NULL)
		memcpy(p, s, n + 1);
	return p;
}

/* Display form of a From mailbox list: "Name <addr>, addr". */
static char *
from_display(struct mailimf_mailbox_list *ml)
{
	struct buf b;
	clistiter *it;
	struct mailimf_mailbox *mb;
	char *dn;
	size_t l;
	int r = 0;

	buf_init(&b, MAX_HEADER_LEN);
	for (it = clist_begin(ml->mb_list); it != NULL && r == 0;
	     it = clist_next(it)) {
		mb = clist_content(it);
		if (mb == NULL || mb->mb_addr_spec == NULL)
			continue;
		if (b.len > 0)
			r = buf_adds(&b, ", ");
		dn = NULL;
		if (mb->mb_display_name != NULL) {
			if ((dn = decode_phrase(mb->mb_display_name)) == NULL)
				goto nomem;
			l = strlen(dn);
			if (l >= 2 && dn[0] == '"' && dn[l - 1] == '"') {
				memmove(dn, dn + 1, l - 2);
				dn[l - 2] = '\0';
			}
		}
		if (r == 0 && dn != NULL && *dn != '\0')
			r = buf_addf(&b, "%s <%s>", dn, mb->mb_addr_spec);
		else if (r == 0)
			r = buf_adds(&b, mb->mb_addr_spec);
		free(dn);
	}
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup("");
	}
	return clean_line(buf_steal(&b));
nomem:
	buf_free(&b);
	return NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static time_t
date_utc(const struct mailimf_date_time *dt)
{
	int64_t y = dt->dt_year, t, off;
	int z = dt->dt_zone;

	if (y >= 0 && y < 50)
		y += 2000;
	else if (y >= 50 && y < 1000)
		y += 1900;
	if (y < 1900 || y > 9999 || dt->dt_month < 1 || dt->dt_month > 12 ||
	    dt->dt_day < 1 || dt->dt_day > 31 || dt->dt_hour < 0 ||
	    dt->dt_hour > 23 || dt->dt_min < 0 || dt->dt_min > 59 ||
	    dt->dt_sec < 0 || dt->dt_sec > 60 || z < -9959 || z > 9959)
		return (time_t)-1;
	off = ((int64_t)(z / 100) * 60 + z % 100) * 60;
	t = days_from_civil(y, dt->dt_month, dt->dt_day) * 86400 +
	    dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec - off;
	if (sizeof(time_t) < 8 && (t > INT32_MAX || t < INT32_MIN))
		return (time_t)-1;
	return (time_t)t;
}

static enum status
headers(struct mime_msg *m, struct mailimf_fields *f, const char *p, size_t n)
{
	clistiter *it;
	struct mailimf_field *fl;
	char *raw;
	int nomem = 0, have_from = 0, have_mid = 0;

	if (f != NULL) {
		for (it = clist_begin(f->fld_list); it != NULL;
		     it = clist_next(it)) {
			fl = clist_content(it);
			switch (fl->fld_type) {
			case MAILIMF_FIELD_ORIG_DATE:
				if (m->date == (time_t)-1 &&
				    fl->fld_data.fld_orig_date != NULL)
					m->date =
					    date_utc(fl->fld_data.fld_orig_date
							 ->dt_date_time);
				break;
			case MAILIMF_FIELD_FROM:
				if (have_from || fl->fld_data.fld_from == NULL)
					break;
				have_from = 1;
				if ((m->from = from_display(
					 fl->fld_data.fld_from->frm_mb_list)) ==
				    NULL)
					return ST_NOMEM;
				break;
			case MAILIMF_FIELD_MESSAGE_ID:
				if (have_mid ||
				    fl->fld_data.fld_message_id == NULL)
					break;
				have_mid = 1;
				if ((m->message_id = clean_line(
					 xstrdup(fl->fld_data.fld_message_id
						     ->mid_value))) == NULL)
					return ST_NOMEM;
				break;
			default:
				break;
			}
		}
	}
	if ((raw = raw_header(p, n, "subject", &nomem)) != NULL) {
		m->subject = decode_phrase(raw);
		free(raw);
		if (m->subject == NULL)
			return ST_NOMEM;
	}
	if (!have_from && (raw = raw_header(p, n, "from", &nomem)) != NULL) {
		m->from = decode_phrase(raw);
		free(raw);
		if (m->from == NULL)
			return ST_NOMEM;
	}
	if (!have_mid &&
	    (raw = raw_header(p, n, "message-id", &nomem)) != NULL) {
		if ((m->message_id = clean_line(raw)) == NULL)
			return ST_NOMEM;
		/* Strip the brackets as libetpan does. */
		if (m->message_id[0] == '<') {
			size_t l = strlen(m->message_id);

			memmove(m->message_id, m->message_id + 1, l);
			if (l >= 2 && m->message_id[l - 2] == '>')
				m->message_id[l - 2] = '\0';
		}
	}
	if ((raw = raw_header(p, n, "date", &nomem)) != NULL)
		if ((m->date_raw = clean_line(raw)) == NULL)
			return ST_NOMEM;
	if (nomem)
		return ST_NOMEM;
	/* A subject is one line of at most MAX_SUBJECT_LEN bytes: cut longer
	 * ones on a character boundary (titles and file names come from it). */
	if (m->subject != NULL && strlen(m->subject) > MAX_SUBJECT_LEN) {
		size_t l = MAX_SUBJECT_LEN;

		while (l > 0 && ((unsigned char)m->subject[l] & 0xc0) == 0x80)
			l--;
		m->subject[l] = '\0';
	}
	/* Empty strings are as good as absent. */
	if (m->subject != NULL && *m->subject == '\0') {
		free(m->subject);
		m->subject = NULL;
	}
	if (m->message_id != NULL && *m->message_id == '\0') {
		free(m->message_id);
		m->message_id = NULL;
	}
	if (m->from != NULL && *m->from == '\0') {
		free(m->from);
		m->from = NULL;
	}
	return ST_OK;
}

/*
 * Linear pre-pass: estimate nesting depth and part count from boundary
 * lines and Content-Type headers, so that libetpan never sees a message
 * it would take quadratic time over.  The estimate errs on the high side:
 * a Content-Type line anywhere (even quoted in a body) opens a level, and
 * a level closes only on a delimiter line libetpan would also take.
 */

struct level {
	const char *b; /* boundary, or NULL: closed by parent only */
	size_t blen;
	int weight;
};

struct scan {
	struct level st[MAX_MIME_DEPTH + 2];
	size_t nst;
	int depth;
	size_t parts;
};

/*
 * Find param "boundary" in a Content-Type value.  When it is given twice
 * the level is made unclosable: which one libetpan takes is not ours to
 * guess.
 */
static void
find_boundary(const char *v, size_t n, const char **b, size_t *blen)
{
	size_t i, j;
	int seen = 0;

	*b = NULL;
	*blen = 0;
	for (i = 0; i + 8 <= n; i++) {
		if (!ncaseeq(v + i, "boundary", 8))
			continue;
		if (i > 0 && v[i - 1] != ';' && !iswsp((unsigned char)v[i - 1]))
			continue;
		j = i + 8;
		while (j < n && iswsp((unsigned char)v[j]))
			j++;
		if (j >= n || v[j] != '=')
			continue;
		j++;
		while (j < n && iswsp((unsigned char)v[j]))
			j++;
		if (j < n && v[j] == '"') {
			i = ++j;
			while (j < n && v[j] != '"')
				j++;
		} else {
			i = j;
			while (j < n && v[j] != ';' && v[j] != '\r' &&
			       !iswsp((unsigned char)v[j]))
				j++;
		}
		if (seen++) {
			*b = NULL;
			*blen = 0;
			return;
		}
		*b = v + i;
		*blen = j - i;
	}
}

static int
push(struct scan *sc, const char *b, size_t blen, int weight)
{
	if (sc->nst >= sizeof(sc->st) / sizeof(sc->st[0]))
		return -1;
	if (blen == 0 || blen > BOUNDARY_MAX)
		b = NULL;
	sc->st[sc->nst].b = b;
	sc->st[sc->nst].blen = blen;
	sc->st[sc->nst].weight = weight;
	sc->nst++;
	sc->depth += weight;
	return sc->depth > MAX_MIME_DEPTH ? -1 : 0;
}

static void
popto(struct scan *sc, size_t k)
{
	while (sc->nst > k)
		sc->depth -= sc->st[--sc->nst].weight;
}

/* A Content-Type header value; v is collected (cut at CTVAL_MAX). */
static int
scan_ct(struct scan *sc, const char *v, size_t n)
{
	const char *b;
	size_t blen;

	while (n > 0 && iswsp((unsigned char)*v))
		v++, n--;
	if (hasprefix(v, n, "multipart/")) {
		find_boundary(v, n, &b, &blen);
		return push(sc, b, blen,
			    hasprefix(v, n, "multipart/digest") ? 2 : 1);
	}
	if (hasprefix(v, n, "message/rfc822") ||
	    hasprefix(v, n, "message/global"))
		return push(sc, NULL, 0, 1);
	return 0;
}

/* A line starting "--": a delimiter of an open level? */
static int
scan_delim(struct scan *sc, const char *l, size_t n)
{
	size_t k, r;
	int close;

	for (k = sc->nst; k-- > 0;) {
		if (sc->st[k].b == NULL || n - 2 < sc->st[k].blen ||
		    memcmp(l + 2, sc->st[k].b, sc->st[k].blen) != 0)
			continue;
		r = 2 + sc->st[k].blen;
		close = 0;
		if (n - r >= 2 && l[r] == '-' && l[r + 1] == '-') {
			close = 1;
			r += 2;
		}
		while (r < n && iswsp((unsigned char)l[r]))
			r++;
		if (r != n)
			continue;
		if (close) {
			popto(sc, k);
		} else {
			popto(sc, k + 1);
			if (++sc->parts > MAX_MIME_PARTS)
				return -1;
		}
		return 0;
	}
	return 0;
}

static enum status
prescan(const char *p, size_t n, char *err, size_t errsz, const char *name)
{
	struct scan sc;
	char v[CTVAL_MAX];
	size_t i = 0, e, s, vn, hlen = 0, j, je, js;
	int inhdr = 1;

	memset(&sc, 0, sizeof(sc));
	while (i < n) {
		for (e = i; e < n && p[e] != '\n'; e++)
			;
		s = e;
		if (s > i && p[s - 1] == '\r')
			s--;
		if (inhdr) {
			/* Top-level header block: bound each header. */
			if (s == i)
				inhdr = 0;
			else if (iswsp((unsigned char)p[i]))
				hlen += s - i;
			else
				hlen = s - i;
			if (hlen > MAX_HEADER_LEN) {
				snprintf(err, errsz,
					 "%s: header line of over "
					 "%zu bytes (limit %u)",
					 name, hlen, MAX_HEADER_LEN);
				return ST_MSG_BAD;
			}
		}
		if (s - i >= 2 && p[i] == '-' && p[i + 1] == '-' &&
		    sc.nst > 0) {
			if (scan_delim(&sc, p + i, s - i) == -1) {
				snprintf(err, errsz,
					 "%s: more than %d MIME "
					 "parts",
					 name, MAX_MIME_PARTS);
				return ST_MSG_BAD;
			}
		} else if (s - i >= 13 && (p[i] == 'C' || p[i] == 'c') &&
			   hasprefix(p + i, s - i, "content-type")) {
			j = i + 12;
			while (j < s && iswsp((unsigned char)p[j]))
				j++;
			if (j < s && p[j] == ':') {
				vn = s - j - 1 < sizeof(v) ? s - j - 1
							   : sizeof(v);
				memcpy(v, p + j + 1, vn);
				/* Continuation lines (disjoint from others). */
				for (js = e + 1;
				     js < n && iswsp((unsigned char)p[js]);
				     js = je + 1) {
					for (je = js; je < n && p[je] != '\n';
					     je++)
						;
					if (vn < sizeof(v)) {
						size_t c = je - js;

						if (c > 0 && p[je - 1] == '\r')
							c--;
						if (c > sizeof(v) - vn)
							c = sizeof(v) - vn;
						memcpy(v + vn, p + js, c);
						vn += c;
					}
					if (je >= n)
						break;
				}
				if (scan_ct(&sc, v, vn) == -1) {
					snprintf(err, errsz,
						 "%s: MIME parts "
						 "nested more than %d deep",
						 name, MAX_MIME_DEPTH);
					return ST_MSG_BAD;
				}
			}
		}
		i = e + 1;
	}
	return ST_OK;
}

/*
 * Exact bounds on the parsed tree.
 */
static enum status
check_tree(struct mailmime *mm, int depth, size_t *parts, char *err,
	   size_t errsz, const char *name)
{
	clistiter *it;
	enum status st;

	if (mm == NULL)
		return ST_OK;
	if (depth > MAX_MIME_DEPTH) {
		snprintf(err, errsz, "%s: MIME parts nested more than %d deep",
			 name, MAX_MIME_DEPTH);
		return ST_MSG_BAD;
	}
	switch (mm->mm_type) {
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		     it != NULL; it = clist_next(it)) {
			if (++*parts > MAX_MIME_PARTS) {
				snprintf(err, errsz,
					 "%s: more than %d MIME "
					 "parts",
					 name, MAX_MIME_PARTS);
				return ST_MSG_BAD;
			}
			if ((st = check_tree(clist_content(it), depth + 1,
					     parts, err, errsz, name)) != ST_OK)
				return st;
		}
		break;
	case MAILMIME_MESSAGE:
		return check_tree(mm->mm_data.mm_message.mm_msg_mime, depth + 1,
				  parts, err, errsz, name);
	default:
		break;
	}
	return ST_OK;
}

/*
 * The walk.
 */

struct walk {
	struct mime_msg *m;
	struct buf text, html;
	struct buf alone; /* text/plain bodies outside multipart/alternative */
	size_t leaf;
	size_t attcap;
};

/* Lower-case "type/subtype" of a part. */
static char *
content_type(struct mailmime_content *ct)
{
	const char *t = "application", *sub;
	struct buf b;
	size_t i;
	char *s;

	if (ct == NULL)
		return xstrdup("text/plain");
	if (ct->ct_type != NULL) {
		if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
		    ct->ct_type->tp_data.tp_discrete_type != NULL) {
			struct mailmime_discrete_type *d =
			    ct->ct_type->tp_data.tp_discrete_type;

			switch (d->dt_type) {
			case MAILMIME_DISCRETE_TYPE_TEXT:
				t = "text";
				break;
			case MAILMIME_DISCRETE_TYPE_IMAGE:
				t = "image";
				break;
			case MAILMIME_DISCRETE_TYPE_AUDIO:
				t = "audio";
				break;
			case MAILMIME_DISCRETE_TYPE_VIDEO:
				t = "video";
				break;
			case MAILMIME_DISCRETE_TYPE_EXTENSION:
				if (d->dt_extension != NULL)
					t = d->dt_extension;
				break;
			default:
				break;
			}
		} else if (ct->ct_type->tp_type ==
			       MAILMIME_TYPE_COMPOSITE_TYPE &&
			   ct->ct_type->tp_data.tp_composite_type != NULL) {
			struct mailmime_composite_type *c =
			    ct->ct_type->tp_data.tp_composite_type;

			if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
				t = "message";
			else if (c->ct_type ==
				 MAILMIME_COMPOSITE_TYPE_MULTIPART)
				t = "multipart";
			else if (c->ct_token != NULL)
				t = c->ct_token;
		}
	}
	sub = ct->ct_subtype != NULL ? ct->ct_subtype : "octet-stream";
	buf_init(&b, CT_MAX_LEN);
	if (buf_addf(&b, "%s/%s", t, sub) == -1 &&
	    buf_adds(&b, "application/octet-stream") == -1)
		return NULL;
	if ((s = buf_steal(&b)) == NULL)
		return NULL;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			s[i] = '_';
		else
			s[i] = (char)lc(c);
	}
	return s;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * RFC 2231 parameter base ("filename" or "name") from a parameter list:
 * "base*" or "base*0", "base*0*", "base*1*", ...  Returns malloc'd UTF-8
 * or NULL (*nomem set on ENOMEM).
 */
static char *
rfc2231(struct mailmime_parameter **pv, size_t np, const char *base, int *nomem)
{
	struct buf b;
	char cs[CS_MAX_LEN + 1], *out = NULL, *end;
	const char *v, *q;
	size_t bl = strlen(base), i, seg, outlen;
	unsigned long idx;
	int found = 0, ext, h1, h2;

	cs[0] = '\0';
	buf_init(&b, MAX_HEADER_LEN);
	for (seg = 0; seg < RFC2231_SEGS; seg++) {
		const struct mailmime_parameter *hit = NULL;

		for (i = 0; i < np && hit == NULL; i++) {
			const char *pn = pv[i]->pa_name;

			if (pn == NULL || pv[i]->pa_value == NULL ||
			    strlen(pn) <= bl || !ncaseeq(pn, base, bl) ||
			    pn[bl] != '*')
				continue;
			pn += bl + 1;
			if (*pn == '\0' || strcmp(pn, "*") == 0) {
				if (seg == 0)
					hit = pv[i];
				continue;
			}
			if (*pn < '0' || *pn > '9')
				continue;
			idx = strtoul(pn, &end, 10);
			if (idx == seg &&
			    (*end == '\0' || strcmp(end, "*") == 0))
				hit = pv[i];
		}
		if (hit == NULL)
			break;
		found = 1;
		ext = hit->pa_name[strlen(hit->pa_name) - 1] == '*';
		v = hit->pa_value;
		if (ext && seg == 0 && (q = strchr(v, '\'')) != NULL &&
		    strchr(q + 1, '\'') != NULL) {
			size_t cl = (size_t)(q - v);

			if (cl < sizeof(cs)) {
				memcpy(cs, v, cl);
				cs[cl] = '\0';
			}
			v = strchr(q + 1, '\'') + 1;
		}
		for (; *v != '\0'; v++) {
			char c = *v;

			if (ext && c == '%' &&
			    (h1 = hexval((unsigned char)v[1])) >= 0 &&
			    (h2 = hexval((unsigned char)v[2])) >= 0) {
				c = (char)(h1 * 16 + h2);
				v += 2;
			}
			if (add_capped(&b, &c, 1) < 0)
				goto nomem;
		}
		/* "base*" alone has no continuations. */
		if (seg == 0 && hit->pa_name[bl + 1] != '0')
			break;
	}
	if (!found) {
		buf_free(&b);
		return NULL;
	}
	if (to_utf8(cs[0] != '\0' ? cs : NULL,
		    (unsigned char *)(b.p ? b.p : ""), b.len, &out,
		    &outlen) == -1)
		goto nomem;
	buf_free(&b);
	return out;
nomem:
	buf_free(&b);
	*nomem = 1;
	return NULL;
}

/* Collect the parameters of a list into an array (bounded). */
static size_t
params(clist *l, int disposition, struct mailmime_parameter **pv, size_t max)
{
	clistiter *it;
	size_t n = 0;

	if (l == NULL)
		return 0;
	for (it = clist_begin(l); it != NULL && n < max; it = clist_next(it)) {
		if (disposition) {
			struct mailmime_disposition_parm *dp =
			    clist_content(it);

			if (dp != NULL &&
			    dp->pa_type ==
				MAILMIME_DISPOSITION_PARM_PARAMETER &&
			    dp->pa_data.pa_parameter != NULL)
				pv[n++] = dp->pa_data.pa_parameter;
		} else if (clist_content(it) != NULL)
			pv[n++] = clist_content(it);
	}
	return n;
}

/* The file name a part declares, UTF-8 but not yet made safe, or NULL. */
static char *
declared_name(struct mailmime_single_fields *sf, int *nomem)
{
	struct mailmime_parameter *pv[RFC2231_SEGS * 2];
	size_t np;
	char *s;

	if (sf->fld_disposition != NULL) {
		np = params(sf->fld_disposition->dsp_parms, 1, pv,
			    sizeof(pv) / sizeof(pv[0]));
		if ((s = rfc2231(pv, np, "filename", nomem)) != NULL || *nomem)
			return s;
	}
	if (sf->fld_disposition_filename != NULL)
		return decode_phrase(sf->fld_disposition_filename);
	if (sf->fld_content != NULL) {
		np = params(sf->fld_content->ct_parameters, 0, pv,
			    sizeof(pv) / sizeof(pv[0]));
		if ((s = rfc2231(pv, np, "name", nomem)) != NULL || *nomem)
			return s;
	}
	if (sf->fld_content_name != NULL)
		return decode_phrase(sf->fld_content_name);
	return NULL;
}

/*
 * Bidirectional formatting characters: in a file name they make
 * "invoice\u202Etxt.exe" show as "invoiceexe.txt".
 */
static int
is_bidi(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Make a declared name safe in place: last path component, control
 * characters (C0, DEL and the C1 range U+0080..U+009F), bidirectional
 * formatting characters and invalid UTF-8 replaced by '_', leading dots and
 * blanks and trailing dots and blanks removed, at most NAME_MAX_LEN bytes with
 * the extension kept.  Returns s, or NULL when nothing usable is left.
 */
static char *
safe_name(char *s)
{
	char *p, *dot;
	size_t n, i, o, l, el, cut;
	uint32_t cp;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			s = p + 1; /* moved below */
	n = strlen(s);
	for (i = o = 0; i < n; i += l) {
		unsigned char c = (unsigned char)s[i];

		l = utf8_decode((unsigned char *)s + i, n - i, &cp);
		if (l == 0 ||
		    (l == 1 && (c < 0x20 || c == 0x7f || c == ':' || c == '*' ||
				c == '?' || c == '"' || c == '<' || c == '>' ||
				c == '|')) ||
		    /*
		     * C1 controls, well-formed UTF-8 but controls all the
		     * same (U+009B is CSI to a terminal showing the name);
		     * they used to be kept (test_files_dir.py).
		     */
		    (cp >= 0x80 && cp <= 0x9f) || is_bidi(cp)) {
			s[o++] = '_';
			if (l == 0)
				l = 1;
			continue;
		}
		memmove(s + o, s + i, l);
		o += l;
	}
	s[o] = '\0';
	while (*s == '.' || *s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
		n--;
	s[n] = '\0';
	if (n == 0)
		return NULL;
	if (n > NAME_MAX_LEN) {
		dot = strrchr(s, '.');
		el = dot != NULL ? strlen(dot) : 0;
		if (el > EXT_MAX_LEN)
			el = 0;
		cut = NAME_MAX_LEN - el;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		if (el > 0)
			memmove(s + cut, dot, el);
		s[cut + el] = '\0';
	}
	return s;
}

static const char *
ext_for(const char *ct)
{
	static const struct {
		const char *ct, *ext;
	} tab[] = {
	    {"text/plain", "txt"},	{"text/html", "html"},
	    {"text/csv", "csv"},	{"text/xml", "xml"},
	    {"text/calendar", "ics"},	{"application/json", "json"},
	    {"application/xml", "xml"}, {"application/pdf", "pdf"},
	    {"application/zip", "zip"}, {"application/gzip", "gz"},
	    {"image/png", "png"},	{"image/jpeg", "jpg"},
	    {"image/gif", "gif"},	{"message/rfc822", "eml"},
	    {"message/global", "eml"},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(ct, tab[i].ct) == 0)
			return tab[i].ext;
	return "bin";
}

static int
text_like(const char *ct, const char *name)
{
	static const char *const exts[] = {
	    ".txt", ".csv", ".json", ".xml", ".html", ".htm", ".md", ".ioc",
	};
	size_t i;

	if (strncmp(ct, "text/", 5) == 0 ||
	    strcmp(ct, "application/json") == 0 ||
	    strcmp(ct, "application/xml") == 0 || hassuffix(ct, "/csv") ||
	    hassuffix(ct, "+json") || hassuffix(ct, "+xml"))
		return 1;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (hassuffix(name, exts[i]))
			return 1;
	return 0;
}

/*
 * Decoding a part: the decoded bytes go straight into one buffer of their
 * own, so that a big attachment is held once beside the message, never
 * also in a libetpan string it is then copied from.  The results are
 * libetpan's (mailmime_part_parse()) byte for byte: base64 is decoded here
 * the same way (test_mime compares the two), quoted-printable by libetpan
 * in slices that end after a line feed, where its decoder is between
 * escapes and so gives what it gives for the whole.
 */
#define QP_SLICE (256 * 1024) /* quoted-printable input per libetpan call */

/* A base64 digit's value, or -1 (everything else is skipped, '=' too). */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Base64 as libetpan decodes it: characters outside the alphabet are
 * skipped anywhere, each 4 digits give 3 bytes, and 1 or 2 digits left at
 * the end give 1 byte, 3 give 2.  Into a buffer of exactly that size.
 */
static int
decode_base64(const unsigned char *in, size_t n, unsigned char **out,
	      size_t *outlen)
{
	signed char val[256];
	unsigned char *o;
	size_t i, digits = 0, len, w = 0;
	unsigned int q[4];
	int k = 0, c;

	for (c = 0; c < 256; c++)
		val[c] = (signed char)b64_value((unsigned char)c);
	for (i = 0; i < n; i++)
		digits += val[in[i]] >= 0;
	len = digits / 4 * 3 + (digits % 4 == 0 ? 0 : digits % 4 == 3 ? 2 : 1);
	if ((o = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (val[in[i]] < 0)
			continue;
		q[k++] = (unsigned int)val[in[i]];
		if (k < 4)
			continue;
		o[w++] = (unsigned char)((q[0] << 2) | (q[1] >> 4));
		o[w++] = (unsigned char)((q[1] << 4) | (q[2] >> 2));
		o[w++] = (unsigned char)((q[2] << 6) | q[3]);
		k = 0;
	}
	if (k > 0) {
		if (k < 2)
			q[1] = 0;
		o[w++] = (unsigned char)((q[0] << 2) | (q[1] >> 4));
		if (k == 3)
			o[w++] = (unsigned char)((q[1] << 4) | (q[2] >> 2));
	}
	o[w] = '\0'; /* w == len */
	*out = o;
	*outlen = w;
	return 0;
}

/*
 * Quoted-printable through libetpan, QP_SLICE bytes at a time, each slice
 * ending just after a line feed (or at the end): a line feed is never
 * inside an escape libetpan has begun ("=\n", "=XY" and "=\r\n" end with
 * it or before it), so each slice starts its decoder where the whole run
 * would be.  The output is at most twice the input (a bare LF or CR
 * becomes CRLF); the buffer is cut to size after.  1 when libetpan fails.
 */
static int
decode_qp(const char *in, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *o, *t;
	const char *lf;
	char *res;
	size_t off = 0, end, idx, rlen, w = 0;

	if (n > (SIZE_MAX - 1) / 2 || (o = malloc(2 * n + 1)) == NULL)
		return -1;
	while (off < n) {
		end = n - off > QP_SLICE ? off + QP_SLICE : n;
		if (end < n) {
			lf = memchr(in + end - 1, '\n', n - end + 1);
			end = lf != NULL ? (size_t)(lf - in) + 1 : n;
		}
		idx = 0;
		res = NULL;
		if (mailmime_part_parse(in + off, end - off, &idx,
					MAILMIME_MECHANISM_QUOTED_PRINTABLE,
					&res, &rlen) != MAILIMF_NO_ERROR ||
		    res == NULL) {
			free(o);
			return 1;
		}
		if (rlen > 2 * n - w) { /* never: at most twice the input */
			mmap_string_unref(res);
			free(o);
			return 1;
		}
		memcpy(o + w, res, rlen);
		w += rlen;
		mmap_string_unref(res);
		off = end;
	}
	o[w] = '\0';
	if ((t = realloc(o, w + 1)) != NULL) /* a smaller block: no copy */
		o = t;
	*out = o;
	*outlen = w;
	return 0;
}

/* Decoded body of a part as malloc'd NUL-terminated bytes. */
static int
decode_body(struct mailmime_data *d, unsigned char **out, size_t *outlen)
{
	const char *t = NULL;
	size_t n = 0, dlen;
	int enc, r;

	*out = NULL;
	*outlen = 0;
	if (d != NULL && d->dt_type == MAILMIME_DATA_TEXT &&
	    d->dt_data.dt_text.dt_data != NULL &&
	    d->dt_data.dt_text.dt_length > 0) {
		t = d->dt_data.dt_text.dt_data;
		n = d->dt_data.dt_text.dt_length;
		enc = d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_8BIT;
		if (enc == MAILMIME_MECHANISM_BASE64)
			return decode_base64((const unsigned char *)t, n, out,
					     outlen);
		if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
			/*
			 * libetpan's quoted-printable decoder reads past the
			 * end of its input when the data ends in a cut escape
			 * ("=" or "=F"; found by fuzz_mime,
			 * tests/data/hostile/qp-cut-escape.eml).  Such an
			 * escape is malformed: drop it.
			 */
			dlen = n;
			if (dlen >= 1 && t[dlen - 1] == '=')
				dlen -= 1;
			else if (dlen >= 2 && t[dlen - 2] == '=')
				dlen -= 2;
			if ((r = decode_qp(t, dlen, out, outlen)) <= 0)
				return r;
			/* Undecodable: keep the bytes as they are. */
		}
	}
	/* 7bit, 8bit, binary or unknown: the bytes as they are. */
	if ((*out = malloc(n + 1)) == NULL)
		return -1;
	if (n > 0)
		memcpy(*out, t, n);
	(*out)[n] = '\0';
	*outlen = n;
	return 0;
}

/* Append a body text; empty ones leave the body absent. */
static int
add_body(struct buf *b, const char *p, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	if (b->len > 0 && (r = add_capped(b, "\n", 1)) != 0)
		return r < 0 ? -1 : 0; /* full: drop the rest */
	return add_capped(b, p, n) < 0 ? -1 : 0;
}

static enum status
leaf(struct walk *w, struct mailmime *mm, int is_msg, int in_alt)
{
	struct mailmime_single_fields sf;
	struct mime_att *a, *na;
	char *ct = NULL, *dname = NULL, *name;
	char *txt = NULL;
	unsigned char *data = NULL;
	size_t len = 0, tlen = 0, ncap;
	int nomem = 0, attach, disp_att = 0;
	int disp_inline = 0;
	enum status st = ST_NOMEM;

	w->leaf++;
	memset(&sf, 0, sizeof(sf));
	mailmime_single_fields_init(&sf, mm->mm_mime_fields,
				    mm->mm_content_type);
	if ((ct = content_type(mm->mm_content_type)) == NULL)
		goto out;
	if (sf.fld_disposition != NULL &&
	    sf.fld_disposition->dsp_type != NULL) {
		disp_att = sf.fld_disposition->dsp_type->dsp_type ==
			   MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
		disp_inline = sf.fld_disposition->dsp_type->dsp_type ==
			      MAILMIME_DISPOSITION_TYPE_INLINE;
	}
	dname = declared_name(&sf, &nomem);
	if (nomem)
		goto out;
	if (decode_body(mm->mm_body, &data, &len) == -1)
		goto out;

	attach =
	    is_msg || dname != NULL || disp_att ||
	    (strcmp(ct, "text/plain") != 0 && strcmp(ct, "text/html") != 0);
	if (!attach) {
		if (to_utf8(sf.fld_content_charset, data, len, &txt, &tlen) ==
		    -1)
			goto out;
		if (add_body(strcmp(ct, "text/html") == 0 ? &w->html : &w->text,
			     txt, tlen) == -1)
			goto out;
		if (!in_alt && strcmp(ct, "text/plain") == 0 &&
		    add_body(&w->alone, txt, tlen) == -1)
			goto out;
		st = ST_OK;
		goto out;
	}

	if (w->m->natts == w->attcap) {
		ncap = w->attcap ? w->attcap * 2 : 4;
		if (ncap > MAX_MIME_PARTS + 1)
			ncap = MAX_MIME_PARTS + 1;
		if (ncap <= w->m->natts)
			goto out;
		if (ncap > SIZE_MAX / sizeof(*na) ||
		    (na = realloc(w->m->atts, ncap * sizeof(*na))) == NULL)
			goto out;
		w->m->atts = na;
		w->attcap = ncap;
	}
	if (w->m->atts == NULL)
		goto out; /* never: allocated above */
	name = safe_name(dname);
	if (name == NULL) {
		char gen[64];

		snprintf(gen, sizeof(gen), "part-%zu.%s", w->leaf, ext_for(ct));
		if ((name = xstrdup(gen)) == NULL)
			goto out;
	} else if ((name = xstrdup(name)) == NULL)
		goto out;
	a = &w->m->atts[w->m->natts++];
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->content_type = ct;
	ct = NULL;
	a->data = data;
	a->len = len;
	data = NULL;
	a->is_message = is_msg ||
			strncmp(a->content_type, "message/rfc822", 14) == 0 ||
			strcmp(a->content_type, "message/global") == 0 ||
			hassuffix(a->name, ".eml");
	a->is_inline_image = strncmp(a->content_type, "image/", 6) == 0 &&
			     (disp_inline || sf.fld_id != NULL);
	a->is_text = !a->is_message && text_like(a->content_type, a->name);
	if (a->is_text && to_utf8(sf.fld_content_charset, a->data, a->len,
				  &a->text, &a->text_len) == -1)
		goto out;
	st = ST_OK;
out:
	free(ct);
	free(dname);
	free(data);
	free(txt);
	return st;
}

static enum status
walk(struct walk *w, struct mailmime *mm, int depth, int in_alt)
{
	struct mailmime_content *ct;
	clistiter *it;
	enum status st;

	if (mm == NULL || depth > MAX_MIME_DEPTH)
		return ST_OK;
	switch (mm->mm_type) {
	case MAILMIME_MULTIPLE:
		ct = mm->mm_content_type;
		if (ct != NULL && ct->ct_subtype != NULL &&
		    strlen(ct->ct_subtype) == 11 &&
		    ncaseeq(ct->ct_subtype, "alternative", 11))
			in_alt = 1;
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		     it != NULL; it = clist_next(it))
			if ((st = walk(w, clist_content(it), depth + 1,
				       in_alt)) != ST_OK)
				return st;
		return ST_OK;
	case MAILMIME_MESSAGE:
		/* An attached message: kept whole, not descended. */
		return leaf(w, mm, 1, in_alt);
	case MAILMIME_SINGLE:
		return leaf(w, mm, 0, in_alt);
	default:
		return ST_OK;
	}
}

enum status
mime_parse(const char *name, const char *buf, size_t len, struct mime_msg **out,
	   char *err, size_t errsz)
{
	struct mime_msg *m = NULL;
	struct mailmime *mm = NULL;
	struct mailimf_fields *f = NULL;
	struct walk w;
	size_t idx = 0, parts = 0;
	enum status st;
	int r;
	char dummy[1];

	*out = NULL;
	if (err == NULL || errsz == 0) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = '\0';
	if (name == NULL)
		name = "message";
	memset(&w, 0, sizeof(w));
	buf_init(&w.text, MAX_TEXT_SIZE);
	buf_init(&w.html, MAX_TEXT_SIZE);
	buf_init(&w.alone, MAX_TEXT_SIZE);
	if (buf == NULL && len > 0) {
		snprintf(err, errsz, "%s: no data", name);
		return ST_MSG_BAD;
	}
	if (len > MAX_MESSAGE_SIZE) {
		snprintf(err, errsz, "%s: message of %zu bytes (limit %u)",
			 name, len, MAX_MESSAGE_SIZE);
		return ST_MSG_BAD;
	}
	if (buf == NULL)
		buf = "";
	if ((st = prescan(buf, len, err, errsz, name)) != ST_OK)
		return st;
	r = mailmime_parse(buf, len, &idx, &mm);
	if (r == MAILIMF_ERROR_MEMORY) {
		st = ST_NOMEM;
		goto out;
	}
	if (r != MAILIMF_NO_ERROR || mm == NULL) {
		snprintf(err, errsz,
			 "%s: MIME structure unparsable (libetpan "
			 "error %d)",
			 name, r);
		st = ST_MSG_BAD;
		goto out;
	}
	if (mm->mm_type == MAILMIME_MESSAGE) {
		f = mm->mm_data.mm_message.mm_fields;
		if ((st = check_tree(mm->mm_data.mm_message.mm_msg_mime, 0,
				     &parts, err, errsz, name)) != ST_OK)
			goto out;
	} else if ((st = check_tree(mm, 0, &parts, err, errsz, name)) != ST_OK)
		goto out;

	st = ST_NOMEM;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto out;
	m->date = (time_t)-1;
	w.m = m;
	if ((st = headers(m, f, buf, len)) != ST_OK)
		goto out;
	if (mm->mm_type == MAILMIME_MESSAGE)
		st = walk(&w, mm->mm_data.mm_message.mm_msg_mime, 0, 0);
	else
		st = walk(&w, mm, 0, 0);
	if (st != ST_OK)
		goto out;
	st = ST_NOMEM;
	if (w.text.p != NULL) {
		m->text_len = w.text.len;
		if ((m->text = buf_steal(&w.text)) == NULL)
			goto out;
	}
	if (w.html.p != NULL) {
		m->html_len = w.html.len;
		if ((m->html = buf_steal(&w.html)) == NULL)
			goto out;
		/* Plain text beside the HTML rather than instead of it. */
		if (w.alone.p != NULL) {
			m->text_alone_len = w.alone.len;
			if ((m->text_alone = buf_steal(&w.alone)) == NULL)
				goto out;
		}
	}
	*out = m;
	m = NULL;
	st = ST_OK;
out:
	buf_free(&w.text);
	buf_free(&w.html);
	buf_free(&w.alone);
	mime_free(m);
	if (mm != NULL)
		mailmime_free(mm);
	return st;
}

void
mime_free(struct mime_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->message_id);
	free(m->subject);
	free(m->text_alone);
	free(m->from);
	free(m->date_raw);
	free(m->text);
	free(m->html);
	for (i = 0; i < m->natts; i++) {
		free(m->atts[i].name);
		free(m->atts[i].content_type);
		free(m->atts[i].data);
		free(m->atts[i].text);
	}
	free(m->atts);
	free(m);
}
