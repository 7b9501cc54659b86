/* UTF-8 validation and repair. */
#include <stdlib.h>
#include <string.h>
/* -DUTF8_SCALAR leaves SSE2 out (to test the plain C on any machine). */
#if defined(__SSE2__) && !defined(UTF8_SCALAR)
#include <emmintrin.h>
#define UTF8_SSE2 1
#endif

#include "utf8.h"

/* The multi-byte case of utf8_decode(), n > 0 and p[0] >= 0x80. */
static size_t
decode_mb(const unsigned char *p, size_t n, uint32_t *cpp)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cpp != NULL)
		*cpp = cp;
	return len;
}

/*
 * ASCII first, in as few instructions as can be: mime.c calls this for
 * every byte of every text part (utf8_len()), 100,000 times for a 50 KB
 * newsletter.
 */
size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cpp)
{
	if (n > 0 && p[0] < 0x80) {
		if (cpp != NULL)
			*cpp = p[0];
		return 1;
	}
	return n > 0 ? decode_mb(p, n, cpp) : 0;
}

/*
 * Into an array sized for the input, 16 clean bytes at a time where there
 * is SSE2: most text is copied as it is, and the array grows only when an
 * ill-formed byte takes the three bytes of U+FFFD.  (It used to append
 * each byte through buf_addc(): 4% of the CPU per newsletter, as plan.c
 * cleans every description whole.)
 */
char *
utf8_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n, cap;
	char *out, *no;

	if (len > ((size_t)-1 - 16) / 3)
		return NULL;
	/* Invariant: cap >= o + (len - i) + 1, the rest copied as it is. */
	cap = len + 16;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	while (i < len) {
		unsigned char c;

#ifdef UTF8_SSE2
		/* 16 bytes of printable ASCII, tab or newline at a time. */
		while (i + 16 <= len) {
			__m128i v = _mm_loadu_si128((const __m128i *)(u + i));
			__m128i ok = _mm_or_si128(
			    _mm_and_si128(
				_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)),
				_mm_cmplt_epi8(v, _mm_set1_epi8(0x7f))),
			    _mm_or_si128(
				_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
				_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));

			if (_mm_movemask_epi8(ok) != 0xffff)
				break;
			_mm_storeu_si128((__m128i *)(void *)(out + o), v);
			i += 16;
			o += 16;
		}
		if (i >= len)
			break;
#endif
		c = u[i];
		if (c < 0x80) {
			out[o++] =
			    (char)((c < 0x20 && c != '\n' && c != '\t') ||
					   c == 0x7f
				       ? ' '
				       : c);
			i++;
		} else if ((n = utf8_decode(u + i, len - i, NULL)) > 0) {
			memcpy(out + o, u + i, n);
			o += n;
			i += n;
		} else {
			if (o + (len - i) + 3 > cap) {
				cap = (o + (len - i) + 3) + cap / 2;
				if ((no = realloc(out, cap)) == NULL) {
					free(out);
					return NULL;
				}
				out = no;
			}
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}
