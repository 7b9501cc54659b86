/* UTF-8 validation and repair. */
#include <stdlib.h>

#include "buf.h"
#include "utf8.h"

size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cpp)
{
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		len = 1, cp = p[0];
		goto ok;
	}
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
ok:
	if (cpp != NULL)
		*cpp = cp;
	return len;
}

char *
utf8_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	struct buf b;
	size_t i = 0, n;
	char c;

	if (len > ((size_t)-1 - 16) / 3)
		return NULL;
	buf_init(&b, len * 3 + 16);
	while (i < len) {
		if (u[i] < 0x80) {
			c = (u[i] < 0x20 && u[i] != '\n' && u[i] != '\t') ||
				    u[i] == 0x7f
				? ' '
				: (char)u[i];
			if (buf_addc(&b, c) == -1)
				goto fail;
			i++;
		} else if ((n = utf8_decode(u + i, len - i, NULL)) > 0) {
			if (buf_add(&b, u + i, n) == -1)
				goto fail;
			i += n;
		} else {
			if (buf_add(&b, "\xef\xbf\xbd", 3) == -1)
				goto fail;
			i++;
		}
	}
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}
