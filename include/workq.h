/*
 * A few threads running one function over jobs handed to them by one
 * thread, which takes the finished jobs back: the overlap of ThreatQ round
 * trips across messages (run.c).  The workers share nothing but the two
 * queues; each is given its own context (a ThreatQ handle) at the start.
 * Bounded: at most cap jobs are handed in and not yet taken back.
 */
#ifndef WORKQ_H
#define WORKQ_H

#include <stddef.h>

#include "status.h"

struct workq;

/* Run by a worker thread: worker is its context, job the job. */
typedef void (*workq_fn)(void *worker, void *job);

/*
 * Start n threads (1..WORKQ_MAX), thread i with workers[i], taking at most
 * cap jobs at a time (cap >= n).  Signals are blocked in the workers, so
 * SIGINT and SIGTERM reach the calling thread.  ST_OK with *out; ST_NOMEM
 * or ST_IO (a thread could not be started) with err filled in.
 */
#define WORKQ_MAX 64
enum status workq_start(size_t n, void *const *workers, workq_fn fn, size_t cap,
			struct workq **out, char *err, size_t errsz);

/* Hand a job to the workers: 0, or -1 when cap jobs are out already. */
int workq_put(struct workq *, void *job);

/*
 * A finished job, first finished first.  With wait set, block until one
 * finishes; NULL when nothing is out (or, without wait, nothing finished).
 */
void *workq_take(struct workq *, int wait);

/* Jobs handed in and not yet taken back. */
size_t workq_out(const struct workq *);

/*
 * Stop the threads after the jobs handed in have run, and free the queue;
 * jobs not taken back are the caller's to free.  Accepts NULL.
 */
void workq_stop(struct workq *);

#endif
