/* Message digests as lower-case hex, through GnuTLS. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>

#define HASH_MD5_HEX 33
#define HASH_SHA256_HEX 65

/* Write the hex digest of buf into out; return 0 or -1. */
int hash_md5_hex(const void *buf, size_t len, char out[HASH_MD5_HEX]);
int hash_sha256_hex(const void *buf, size_t len, char out[HASH_SHA256_HEX]);

#endif
