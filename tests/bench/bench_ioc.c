/*
 * IoC extraction throughput on one core: ioc_extract() over a text file
 * (tests/bench/gen_prose.py), in chunks of about 1 MiB cut at paragraph
 * ends, each into a fresh set (as the connector gives it one article or
 * attachment at a time).  Prints MB/s (10^6 bytes) for the best of REPS
 * passes and the number of indicators, and with -l the indicators
 * themselves (type TAB value), to compare two builds' results.
 *
 * Usage: bench_ioc [-l] FILE [REPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ioc.h"

#define CHUNK (1024 * 1024)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *p;
	long n;

	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	if ((p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(fp);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

/* One pass; the number of indicators, each printed when list. */
static size_t
pass(struct ioc_ctx *ctx, const char *text, size_t len, int list)
{
	struct ioc_set set;
	const char *p = text, *end = text + len, *cut;
	size_t total = 0, i, n;

	while (p < end) {
		n = (size_t)(end - p) > CHUNK ? CHUNK : (size_t)(end - p);
		if (p + n < end) {
			cut = NULL;
			for (i = n; i > n / 2; i--)
				if (p[i - 1] == '\n' && p[i - 2] == '\n') {
					cut = p + i;
					break;
				}
			if (cut != NULL)
				n = (size_t)(cut - p);
		}
		ioc_set_init(&set);
		if (ioc_extract(ctx, p, n, &set) != ST_OK) {
			fprintf(stderr, "ioc_extract failed at offset %zu\n",
				(size_t)(p - text));
			exit(1);
		}
		total += set.n;
		if (list)
			for (i = 0; i < set.n; i++)
				printf("%s\t%s\n", ioc_type_name(set.v[i].type),
				       set.v[i].value);
		ioc_set_free(&set);
		p += n;
	}
	return total;
}

int
main(int argc, char **argv)
{
	struct ioc_ctx *ctx;
	char err[256], *text;
	size_t len, found = 0;
	double best = 1e30, t;
	int list = 0, reps = 3, r;

	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		list = 1;
		argv++;
		argc--;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_ioc [-l] FILE [REPS]\n");
		return 2;
	}
	if (argc == 3)
		reps = atoi(argv[2]);
	text = slurp(argv[1], &len);
	if ((ctx = ioc_ctx_new(err, sizeof(err))) == NULL) {
		fprintf(stderr, "ioc_ctx_new: %s\n", err);
		return 1;
	}
	if (list) {
		pass(ctx, text, len, 1);
		return 0;
	}
	for (r = 0; r < (reps > 0 ? reps : 1); r++) {
		t = now();
		found = pass(ctx, text, len, 0);
		t = now() - t;
		if (t < best)
			best = t;
	}
	printf("ioc: %.1f MB/s (%zu bytes in %.3f s, best of %d), %zu "
	       "indicators\n",
	       (double)len / best / 1e6, len, best, reps, found);
	ioc_ctx_free(ctx);
	free(text);
	return 0;
}
