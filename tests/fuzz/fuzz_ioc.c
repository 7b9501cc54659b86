/*
 * libFuzzer: the IoC extractor over arbitrary bytes, differentially: the
 * prefiltered scan (the default) and the plain one (every position, see
 * ioc_ctx_set_prefilter()) must give the same status and the same
 * indicators in the same order; any difference aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ioc_ctx *ctx;
	struct ioc_set pf, plain;
	enum status spf, splain;
	char err[256];
	size_t i;

	if (ctx == NULL && (ctx = ioc_ctx_new(err, sizeof(err))) == NULL)
		abort();
	ioc_set_init(&pf);
	ioc_set_init(&plain);
	ioc_ctx_set_prefilter(ctx, 1);
	spf = ioc_extract(ctx, (const char *)data, len, &pf);
	ioc_ctx_set_prefilter(ctx, 0);
	splain = ioc_extract(ctx, (const char *)data, len, &plain);
	ioc_ctx_set_prefilter(ctx, 1);
	if (spf != splain || pf.n != plain.n) {
		fprintf(stderr,
			"prefilter: status %d, %zu indicators; plain: "
			"status %d, %zu indicators\n",
			(int)spf, pf.n, (int)splain, plain.n);
		abort();
	}
	for (i = 0; i < pf.n; i++)
		if (pf.v[i].type != plain.v[i].type ||
		    strcmp(pf.v[i].value, plain.v[i].value) != 0) {
			fprintf(stderr,
				"indicator %zu: prefilter %s %s, plain "
				"%s %s\n",
				i, ioc_type_name(pf.v[i].type), pf.v[i].value,
				ioc_type_name(plain.v[i].type),
				plain.v[i].value);
			abort();
		}
	ioc_set_free(&pf);
	ioc_set_free(&plain);
	return 0;
}
