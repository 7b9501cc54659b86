/* Digests through GnuTLS, so no hand-written crypto lives here. */
#include <gnutls/crypto.h>

#include "hash.h"

static int
hash_hex(gnutls_digest_algorithm_t alg, const void *buf, size_t len, char *out,
	 size_t dlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[64];
	size_t i;

	if (dlen > sizeof(d) || gnutls_hash_fast(alg, buf, len, d) < 0)
		return -1;
	for (i = 0; i < dlen; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * dlen] = '\0';
	return 0;
}

int
hash_md5_hex(const void *buf, size_t len, char out[HASH_MD5_HEX])
{
	return hash_hex(GNUTLS_DIG_MD5, buf, len, out, 16);
}

int
hash_sha256_hex(const void *buf, size_t len, char out[HASH_SHA256_HEX])
{
	return hash_hex(GNUTLS_DIG_SHA256, buf, len, out, 32);
}
