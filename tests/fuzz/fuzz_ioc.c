/* libFuzzer: the IoC extractor over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ioc_ctx *ctx;
	struct ioc_set set;
	char err[256];

	if (ctx == NULL && (ctx = ioc_ctx_new(err, sizeof(err))) == NULL)
		abort();
	ioc_set_init(&set);
	(void)ioc_extract(ctx, (const char *)data, len, &set);
	ioc_set_free(&set);
	return 0;
}
