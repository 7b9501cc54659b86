/*
 * libFuzzer: the SOCKS reply parsers over arbitrary bytes.  The SOCKS5
 * parser is fed the way the handshake feeds it, prefix by prefix as *need
 * says, and must never ask to go past the input it will be given or
 * accept a reply of a length it did not announce.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "socks.h"

#define ERRSZ 256
#define SOCKS5_MIN 8   /* 5 + 1 + 2: a one-byte name */
#define SOCKS5_MAX 262 /* 5 + 255 + 2: the longest valid reply */

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char err[ERRSZ];
	size_t have = 0, need;

	(void)socks4_reply(data, len, err, sizeof(err));
	(void)socks5_reply(data, len, &need, err, sizeof(err));
	for (;;) {
		if (socks5_reply(data, have, &need, err, sizeof(err)) == -1)
			break;
		if (need == 0) {
			/* Complete: within bounds, and stable. */
			if (have > SOCKS5_MAX || have < SOCKS5_MIN)
				abort();
			break;
		}
		if (have + need > SOCKS5_MAX)
			abort();
		if (have + need > len)
			break;
		have += need;
	}
	return 0;
}
