/* UTF-8 validation shared by the modules that handle decoded text.  Pure. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length (1-4) of the well-formed UTF-8 sequence at p, with n bytes left,
 * storing its code point in *cp when cp is not NULL; 0 when the bytes there
 * are not well-formed (overlong, surrogate, past U+10FFFF, cut short).
 */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);
#define utf8_len(p, n) utf8_decode((p), (n), NULL)

/*
 * A copy of s/len that is valid UTF-8: each ill-formed byte becomes U+FFFD,
 * NUL and C0 controls other than tab and newline become a space.  malloc'd;
 * NULL on ENOMEM.
 */
char *utf8_clean(const char *s, size_t len);

#endif
