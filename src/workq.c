/*
 * Worker threads over two ring buffers (to do, done) under one mutex: the
 * jobs are few and each runs for round trips to ThreatQ, so a lock-free
 * queue would buy nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workq.h"

struct ring {
	void **v;
	size_t head; /* next to take */
	size_t n;
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t todo_cv; /* a job to do, or stopping */
	pthread_cond_t done_cv; /* a job done */
	struct ring todo, done;
	size_t cap;
	size_t out; /* handed in, not yet taken back */
	int stopping;
	workq_fn fn;
	size_t nthreads;
	pthread_t *threads;
	struct worker_arg {
		struct workq *q;
		void *ctx;
	} * args;
};

static void
ring_push(struct ring *r, size_t cap, void *p)
{
	r->v[(r->head + r->n) % cap] = p;
	r->n++;
}

static void *
ring_pop(struct ring *r, size_t cap)
{
	void *p = r->v[r->head];

	r->head = (r->head + 1) % cap;
	r->n--;
	return p;
}

static void *
worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct workq *q = wa->q;
	void *job;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->todo.n == 0 && !q->stopping)
			pthread_cond_wait(&q->todo_cv, &q->mu);
		if (q->todo.n == 0)
			break; /* stopping, and nothing left to do */
		job = ring_pop(&q->todo, q->cap);
		pthread_mutex_unlock(&q->mu);
		q->fn(wa->ctx, job);
		pthread_mutex_lock(&q->mu);
		ring_push(&q->done, q->cap, job);
		pthread_cond_signal(&q->done_cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static void
workq_free(struct workq *q)
{
	pthread_cond_destroy(&q->todo_cv);
	pthread_cond_destroy(&q->done_cv);
	pthread_mutex_destroy(&q->mu);
	free(q->todo.v);
	free(q->done.v);
	free(q->threads);
	free(q->args);
	free(q);
}

enum status
workq_start(size_t n, void *const *workers, workq_fn fn, size_t cap,
	    struct workq **out, char *err, size_t errsz)
{
	struct workq *q;
	sigset_t all, old;
	size_t i;
	int e;

	*out = NULL;
	if (n == 0 || n > WORKQ_MAX || cap < n) {
		snprintf(err, errsz, "%zu worker threads for %zu jobs", n, cap);
		return ST_CONFIG;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		goto nomem;
	if ((q->todo.v = calloc(cap, sizeof(void *))) == NULL ||
	    (q->done.v = calloc(cap, sizeof(void *))) == NULL ||
	    (q->threads = calloc(n, sizeof(*q->threads))) == NULL ||
	    (q->args = calloc(n, sizeof(*q->args))) == NULL) {
		free(q->todo.v);
		free(q->done.v);
		free(q->threads);
		free(q);
		goto nomem;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->todo_cv, NULL);
	pthread_cond_init(&q->done_cv, NULL);
	q->cap = cap;
	q->fn = fn;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++) {
		q->args[i].q = q;
		q->args[i].ctx = workers[i];
		if ((e = pthread_create(&q->threads[i], NULL, worker_main,
					&q->args[i])) != 0)
			break;
		q->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (q->nthreads < n) {
		snprintf(err, errsz, "starting worker thread %zu of %zu: %s",
			 q->nthreads + 1, n, strerror(e));
		workq_stop(q);
		return e == ENOMEM ? ST_NOMEM : ST_IO;
	}
	*out = q;
	return ST_OK;
nomem:
	snprintf(err, errsz, "out of memory");
	return ST_NOMEM;
}

int
workq_put(struct workq *q, void *job)
{
	int rv = -1;

	pthread_mutex_lock(&q->mu);
	if (q->out < q->cap && !q->stopping) {
		ring_push(&q->todo, q->cap, job);
		q->out++;
		pthread_cond_signal(&q->todo_cv);
		rv = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return rv;
}

void *
workq_take(struct workq *q, int wait)
{
	void *job = NULL;

	pthread_mutex_lock(&q->mu);
	while (wait && q->done.n == 0 && q->out > 0)
		pthread_cond_wait(&q->done_cv, &q->mu);
	if (q->done.n > 0) {
		job = ring_pop(&q->done, q->cap);
		q->out--;
	}
	pthread_mutex_unlock(&q->mu);
	return job;
}

size_t
workq_out(const struct workq *q)
{
	size_t n;

	pthread_mutex_lock((pthread_mutex_t *)&q->mu);
	n = q->out;
	pthread_mutex_unlock((pthread_mutex_t *)&q->mu);
	return n;
}

void
workq_stop(struct workq *q)
{
	size_t i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_broadcast(&q->todo_cv);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	workq_free(q);
}
