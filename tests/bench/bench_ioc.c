/*
 * IoC extraction throughput on one core: ioc_extract() over a text file
 * (tests/bench/gen_prose.py), in chunks of about 1 MiB cut at paragraph
 * ends, each into a fresh set (as the connector gives it one article or
 * attachment at a time).  Prints MB/s (10^6 bytes) for the best of REPS
 * passes and the number of indicators, for the plain scan (the baseline:
 * the pattern tried at every position, ioc_ctx_set_prefilter(ctx, 0)) and
 * the prefiltered one (the default), measured alternately in the same run,
 * and whether both gave the same indicators in the same order (exit 1 if
 * not).  With -l it lists the indicators instead (type TAB value), to
 * compare two builds' results; -n makes that the plain scan's list.
 *
 * Usage: bench_ioc [-l [-n]] FILE [REPS]
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

/* Append to a growing buffer (the listing of a pass), or exit. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

static void
buf_add(struct buf *b, const char *s1, const char *s2)
{
	size_t n1 = strlen(s1), n2 = strlen(s2), need = b->len + n1 + n2 + 3;
	char *np;

	if (need > b->cap) {
		b->cap = need * 2;
		if ((np = realloc(b->p, b->cap)) == NULL) {
			perror("realloc");
			exit(1);
		}
		b->p = np;
	}
	memcpy(b->p + b->len, s1, n1);
	b->p[b->len + n1] = '\t';
	memcpy(b->p + b->len + n1 + 1, s2, n2);
	b->p[b->len + n1 + 1 + n2] = '\n';
	b->len += n1 + n2 + 2;
	b->p[b->len] = '\0';
}

/*
 * One pass; the number of indicators, each printed when list, or added to
 * out when it is not NULL (outside the timing that matters: the check).
 */
static size_t
pass(struct ioc_ctx *ctx, const char *text, size_t len, int list,
     struct buf *out)
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
		if (out != NULL)
			for (i = 0; i < set.n; i++)
				buf_add(out, ioc_type_name(set.v[i].type),
					set.v[i].value);
		ioc_set_free(&set);
		p += n;
	}
	return total;
}

/* The time of one pass, with the prefilter on or off; *found indicators. */
static double
timed(struct ioc_ctx *ctx, int prefilter, const char *text, size_t len,
      size_t *found)
{
	double t;

	ioc_ctx_set_prefilter(ctx, prefilter);
	t = now();
	*found = pass(ctx, text, len, 0, NULL);
	return now() - t;
}

int
main(int argc, char **argv)
{
	struct ioc_ctx *ctx;
	struct buf lb = {NULL, 0, 0}, lp = {NULL, 0, 0};
	char err[256], *text;
	size_t len, fb = 0, fp = 0;
	double bb = 1e30, bp = 1e30, t;
	int list = 0, naive = 0, reps = 3, r, same;

	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		list = 1;
		argv++;
		argc--;
		if (argc > 1 && strcmp(argv[1], "-n") == 0) {
			naive = 1;
			argv++;
			argc--;
		}
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_ioc [-l [-n]] FILE [REPS]\n");
		return 2;
	}
	if (argc == 3)
		reps = atoi(argv[2]);
	if (reps < 1)
		reps = 1;
	text = slurp(argv[1], &len);
	if ((ctx = ioc_ctx_new(err, sizeof(err))) == NULL) {
		fprintf(stderr, "ioc_ctx_new: %s\n", err);
		return 1;
	}
	if (list) {
		ioc_ctx_set_prefilter(ctx, !naive);
		pass(ctx, text, len, 1, NULL);
		ioc_ctx_free(ctx);
		free(text);
		return 0;
	}
	/* Alternately, so that both see the same load on the machine. */
	for (r = 0; r < reps; r++) {
		if ((t = timed(ctx, 0, text, len, &fb)) < bb)
			bb = t;
		if ((t = timed(ctx, 1, text, len, &fp)) < bp)
			bp = t;
	}
	ioc_ctx_set_prefilter(ctx, 0);
	pass(ctx, text, len, 0, &lb);
	ioc_ctx_set_prefilter(ctx, 1);
	pass(ctx, text, len, 0, &lp);
	same = lb.len == lp.len &&
	       (lb.len == 0 || memcmp(lb.p, lp.p, lb.len) == 0);
	printf("ioc baseline (plain scan): %.1f MB/s (%zu bytes in %.3f s, "
	       "best of %d), %zu indicators\n",
	       (double)len / bb / 1e6, len, bb, reps, fb);
	printf("ioc prefilter:             %.1f MB/s (%zu bytes in %.3f s, "
	       "best of %d), %zu indicators\n",
	       (double)len / bp / 1e6, len, bp, reps, fp);
	printf("ioc speed-up: %.2fx; indicators %s\n", bb / bp,
	       same ? "identical (same values, same order)" : "DIFFER");
	ioc_ctx_free(ctx);
	free(lb.p);
	free(lp.p);
	free(text);
	return same ? 0 : 1;
}
