/*
 * A run: the pipeline over a source of messages into a sink.  The offline
 * source is --eml files or a --maildir; the sink is --dry-run's JSON lines.
 * IMAP and ThreatQ arrive with their issues.
 */
#ifndef RUN_H
#define RUN_H

#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "status.h"

struct run_stats {
	unsigned long seen;
	unsigned long ok;
	unsigned long failed;
	unsigned long skipped;
	unsigned long files;
	unsigned long reports;
	unsigned long indicators;
	unsigned long requests; /* to ThreatQ, including login */
	double seconds;		/* wall time of the run */
};

/*
 * Plan every message given by --eml/--maildir and print each plan as one JSON
 * line on out.  A bad message is logged, counted as failed, and the run goes
 * on.  Returns ST_OK, or the status that stopped the run early.
 */
enum status run_offline(const struct cli *, const struct config *, FILE *out,
			struct run_stats *);

/*
 * The cron job: every unread message of the mailbox, one transaction each
 * (journal, push, \Seen).  Returns ST_OK, or the status that stopped the
 * run early (ST_TEMP: ThreatQ or IMAP unreachable, lock held, signal; the
 * rest stays unread).  Failed messages are counted in stats.
 */
enum status run_mailbox(const struct cli *, const struct config *,
			struct run_stats *);

/* --extract: one JSON object per IoC found in file (NULL or "-" = stdin). */
enum status run_extract(const char *file, const struct config *, FILE *out);

/* The summary line: "messages: 3 seen, 3 ok, 0 failed, ...". */
void run_summary(const struct run_stats *, char *buf, size_t bufsz);

#endif
