/*
 * The pipeline over messages: source -> mime -> articles -> plan -> sink.
 * Offline sources (--eml, --maildir) and the --dry-run JSON sink live here;
 * the IMAP source and ThreatQ sink arrive with their issues and plug into the
 * same per-message function.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bounds.h"
#include "buf.h"
#include "html.h"
#include "imap.h"
#include "journal.h"
#include "ioc.h"
#include "log.h"
#include "mime.h"
#include "oauth2.h"
#include "pdf.h"
#include "plan.h"
#include "run.h"
#include "tlp.h"
#include "tq.h"
#include "workq.h"

#define MAILDIR_MAX_FILES 100000

/*
 * Read a whole regular file of at most max bytes.  ST_OK with *out (free it)
 * and *mtime; ST_MSG_BAD when it is too large or not a regular file; ST_IO.
 */
static enum status
read_file(const char *path, size_t max, char **out, size_t *outlen,
	  time_t *mtime, char *err, size_t errsz)
{
	struct stat sb;
	struct buf b;
	char chunk[65536];
	ssize_t n;
	int fd;
	enum status st = ST_IO;

	*out = NULL;
	buf_init(&b, max);
	if (path == NULL || strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errsz, "%s", strerror(errno));
		return ST_IO;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errsz, "%s", strerror(errno));
		goto out;
	}
	if (fd != STDIN_FILENO && !S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "not a regular file");
		st = ST_MSG_BAD;
		goto out;
	}
	if (S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size > max) {
		snprintf(err, errsz, "too large (%lld > %zu bytes)",
			 (long long)sb.st_size, max);
		st = ST_MSG_BAD;
		goto out;
	}
	if (mtime)
		*mtime = sb.st_mtime;
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(&b, chunk, (size_t)n) == -1) {
			snprintf(err, errsz, "too large (over %zu bytes)", max);
			st = ST_MSG_BAD;
			goto out;
		}
	}
	*outlen = b.len;
	if ((*out = buf_steal(&b)) == NULL) {
		snprintf(err, errsz, "out of memory");
		st = ST_NOMEM;
		goto out;
	}
	st = ST_OK;
out:
	if (fd != STDIN_FILENO)
		close(fd);
	buf_free(&b);
	return st;
}

/* The analysis context and the sink shared by every message of a run. */
struct run_ctx {
	struct plan_opts popts;
	struct pdf_opts pdf;
	size_t max_message;
	FILE *out;     /* --dry-run: plans as JSON lines */
	struct tq *tq; /* else: pushed to ThreatQ */
	struct run_stats *stats;
	const char *files_dir; /* -f: keep attachments there */
	uint32_t uidvalidity;
};

/* -v3: say why each rejected indicator candidate was rejected. */
static void
ioc_dropped(void *arg, const char *candidate, const char *reason)
{
	char esc[LOG_ESC_SIZE];

	(void)arg;
	log_debug("not an indicator: '%s' (%s)",
		  log_esc(esc, sizeof(esc), candidate, strlen(candidate)),
		  reason);
}

static enum status
ctx_init(struct run_ctx *rc, const struct config *cfg, FILE *out,
	 struct run_stats *stats)
{
	char err[256], esc[LOG_ESC_SIZE];
	char *list = NULL;
	size_t len;
	enum tlp t = TLP_AMBER;
	enum status st;

	memset(rc, 0, sizeof(*rc));
	rc->out = out;
	rc->stats = stats;
	rc->max_message = MAX_MESSAGE_SIZE;
	if (cfg->conn.max_message_size > 0)
		rc->max_message = (size_t)cfg->conn.max_message_size;
	if (cfg->conn.default_tlp &&
	    tlp_parse(cfg->conn.default_tlp, &t) == -1) {
		log_err("[connector] default_tlp: unknown label '%s'",
			log_esc(esc, sizeof(esc), cfg->conn.default_tlp,
				strlen(cfg->conn.default_tlp)));
		return ST_CONFIG;
	}
	rc->popts.default_tlp = t;
	rc->popts.email_file_type = cfg->conn.email_file_type;
	rc->popts.drop_reserved = cfg->conn.reserved != NULL &&
				  strcmp(cfg->conn.reserved, "drop") == 0;
	rc->popts.inline_images = cfg->conn.upload_inline_images;
	if (cfg->conn.max_attachment_size > 0)
		rc->popts.max_attachment_size =
		    (size_t)cfg->conn.max_attachment_size;
	pdf_opts_default(&rc->pdf);
	rc->pdf.pdftotext = cfg->conn.pdftotext;
	rc->popts.pdf = &rc->pdf;
	if ((rc->popts.ioc = ioc_ctx_new(err, sizeof(err))) == NULL) {
		log_err("indicator patterns: %s", err);
		return ST_NOMEM;
	}
	if (log_verbosity() >= LL_DEBUG)
		ioc_ctx_set_debug(rc->popts.ioc, ioc_dropped, NULL);
	if (cfg->conn.exclusions_file != NULL) {
		st = read_file(cfg->conn.exclusions_file, MAX_CONFIG_SIZE * 16,
			       &list, &len, NULL, err, sizeof(err));
		if (st == ST_OK)
			st = ioc_ctx_exclude(rc->popts.ioc, list, len);
		free(list);
		if (st != ST_OK) {
			log_err("[connector] exclusions_file '%s': %s",
				log_esc(esc, sizeof(esc),
					cfg->conn.exclusions_file,
					strlen(cfg->conn.exclusions_file)),
				st == ST_OK ? ""
				: err[0]    ? err
					    : status_str(st));
			ioc_ctx_free(rc->popts.ioc);
			rc->popts.ioc = NULL;
			return ST_CONFIG;
		}
	}
	return ST_OK;
}

/*
 * -f: does path hold exactly len bytes of data, in a regular file (not
 * through a symlink, and without blocking on a FIFO)?
 */
static int
kept_already(const char *path, const char *data, size_t len)
{
	struct stat sb;
	char chunk[65536];
	size_t off = 0;
	ssize_t n;
	int fd, same = 0;

	fd = open(path,
		  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return 0;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (unsigned long long)sb.st_size != len)
		goto out;
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > len - off ||
		    memcmp(chunk, data + off, (size_t)n) != 0)
			goto out;
		off += (size_t)n;
	}
	same = off == len;
out:
	close(fd);
	return same;
}

/*
 * -f: keep data as DIR/name, a new file.  O_CREAT|O_EXCL never opens
 * anything already there and never follows a symlink, dangling or not
 * (O_NOFOLLOW says it twice).  A file already there with the same bytes is
 * this message kept by an earlier fetch (a retry, -d): quiet.  Anything
 * else there (other bytes, a symlink, a directory) is left as it is and
 * the file is not kept, with a warning naming it: this used to be skipped
 * silently, so a planted file or symlink lost an attachment without a
 * word (tests/integration/test_files_dir.py).  A failed write removes the
 * partial file, so the next fetch does not take it for a different one.
 */
static void
keep_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096], edir[LOG_ESC_SIZE], ename[LOG_ESC_SIZE];
	size_t off = 0;
	ssize_t w;
	int fd, n, e;

	log_esc(edir, sizeof(edir), dir, strlen(dir));
	log_esc(ename, sizeof(ename), name, strlen(name));
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_warn("-f: not keeping '%s' in '%s': path too long", ename,
			 edir);
		return;
	}
	fd = open(path,
		  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
		      O_NOCTTY,
		  0600);
	if (fd == -1) {
		e = errno;
		if (e == EEXIST && kept_already(path, data, len)) {
			log_debug("-f: '%s' in '%s': kept already", ename,
				  edir);
			return;
		}
		if (e == EEXIST)
			log_warn("-f: not keeping '%s' in '%s': something else "
				 "has that name (never overwritten)",
				 ename, edir);
		else
			log_warn("-f: cannot keep '%s' in '%s': %s", ename,
				 edir, strerror(e));
		return;
	}
	e = 0;
	while (off < len && e == 0) {
		if ((w = write(fd, data + off, len - off)) > 0)
			off += (size_t)w;
		else if (w == 0)
			e = ENOSPC;
		else if (errno != EINTR)
			e = errno;
	}
	if (close(fd) == -1 && e == 0)
		e = errno;
	if (e != 0) {
		log_warn("-f: writing '%s' in '%s': %s; removed", ename, edir,
			 strerror(e));
		unlink(path);
	}
}

/*
 * -f: each attachment as DIR/<uidvalidity>-<uid>-<n>-<name>.  mime.c made
 * the names safe (no '/', control or bidirectional characters, at most 200
 * bytes: with the prefix at most 227, under NAME_MAX); the prefix means a
 * name is never "." or "..", nor starts with '-'.
 */
static void
keep_attachments(const struct run_ctx *rc, uint32_t uid,
		 const struct mime_msg *msg)
{
	char name[512], esc[LOG_ESC_SIZE];
	size_t i;
	int n;

	for (i = 0; i < msg->natts; i++) {
		const struct mime_att *a = &msg->atts[i];

		if (a->data == NULL)
			continue; /* never: mime.c always allocates it */
		n = -1;
		if (a->name != NULL && strchr(a->name, '/') == NULL)
			n = snprintf(name, sizeof(name), "%u-%u-%zu-%s",
				     rc->uidvalidity, uid, i + 1, a->name);
		if (n < 0 || (size_t)n >= sizeof(name)) {
			/* never: mime.c made the name safe */
			log_warn("-f: not keeping attachment %zu of uid %u: "
				 "unsafe name '%s'",
				 i + 1, uid,
				 a->name ? log_esc(esc, sizeof(esc), a->name,
						   strlen(a->name))
					 : "");
			continue;
		}
		keep_file(rc->files_dir, name, (const char *)a->data, a->len);
	}
}

/*
 * One message from its bytes to the end of its push.  In a mailbox run it
 * is planned in the main thread, pushed by a worker (run_mailbox), and
 * finished (journal, \Seen) in the main thread again.
 */
struct job {
	const char *label; /* for messages: "uid N" or a path */
	char uidlabel[32];
	uint32_t uid;
	char sha[HASH_SHA256_HEX];
	char *raw;
	size_t len;
	struct mime_msg *msg;
	struct article_list arts;
	struct plan *plan; /* borrows raw and msg */
	/* The push, filled in by whoever ran it. */
	enum status st;
	struct tq_result res;
	char err[1024];
};

/* Free what the job planned (not raw, which its owner frees). */
static void
job_clear(struct job *jb)
{
	plan_free(jb->plan);
	jb->plan = NULL;
	html_articles_free(&jb->arts);
	mime_free(jb->msg);
	jb->msg = NULL;
}

/*
 * Parse, split and plan jb->raw.  ST_OK with jb->plan; ST_MSG_BAD when
 * this message cannot be planned (logged and counted); ST_NOMEM.
 */
static enum status
plan_one(struct run_ctx *rc, struct job *jb, long uid, time_t fallback)
{
	char err[512], esc[LOG_ESC_SIZE], esc2[LOG_ESC_SIZE];
	enum status st;
	size_t i;

	memset(&jb->arts, 0, sizeof(jb->arts));
	rc->stats->seen++;
	log_esc(esc, sizeof(esc), jb->label, strlen(jb->label));
	err[0] = '\0';
	if ((st = mime_parse(jb->label, jb->raw, jb->len, &jb->msg, err,
			     sizeof(err))) != ST_OK)
		goto bad;
	if (rc->files_dir != NULL && uid >= 0)
		keep_attachments(rc, (uint32_t)uid, jb->msg);
	log_debug("message '%s': subject \"%s\", %zu attachment(s)", esc,
		  jb->msg->subject
		      ? log_esc(esc2, sizeof(esc2), jb->msg->subject,
				strlen(jb->msg->subject))
		      : "",
		  jb->msg->natts);
	if ((st = html_articles(jb->msg->subject, jb->msg->html,
				jb->msg->html_len, jb->msg->text,
				jb->msg->text_len, &jb->arts)) != ST_OK) {
		snprintf(err, sizeof(err), "splitting articles: %s",
			 status_str(st));
		goto bad;
	}
	rc->popts.fallback_date = fallback;
	if ((st = plan_build(&rc->popts, uid, jb->raw, jb->len, jb->msg,
			     &jb->arts, &jb->plan, err, sizeof(err))) != ST_OK)
		goto bad;
	for (i = 0; i < jb->plan->nwarnings; i++)
		log_warn("message '%s': %s", esc,
			 log_esc(esc2, sizeof(esc2), jb->plan->warnings[i],
				 strlen(jb->plan->warnings[i])));
	return ST_OK;
bad:
	rc->stats->failed++;
	log_err("message '%s': %s", esc, err[0] ? err : status_str(st));
	job_clear(jb);
	/* A message that cannot be planned does not stop the run. */
	return st == ST_NOMEM ? ST_NOMEM : ST_MSG_BAD;
}

/* A planned message went through: count what it holds. */
static void
count_ok(struct run_ctx *rc, const struct plan *plan)
{
	size_t i;

	rc->stats->ok++;
	rc->stats->files += 1 + plan->natts;
	rc->stats->reports += plan->nreports;
	rc->stats->indicators += plan->iocs.n;
	for (i = 0; i < plan->nreports; i++)
		rc->stats->indicators += plan->reports[i].iocs.n;
	for (i = 0; i < plan->natts; i++)
		rc->stats->indicators += plan->atts[i].iocs.n;
}

/* Push one planned job with tq (a worker's handle, or the run's). */
static void
push_job(void *tq, void *arg)
{
	struct job *jb = arg;

	jb->err[0] = '\0';
	jb->st = tq_push(tq, jb->plan, &jb->res, jb->err, sizeof(jb->err));
}

/*
 * Log and count the outcome of push_job.  ST_OK; ST_MSG_BAD when ThreatQ
 * refused this message; any other status stops the run (ThreatQ down,
 * credentials, configuration, out of memory).
 */
static enum status
pushed(struct run_ctx *rc, const struct job *jb)
{
	char esc[LOG_ESC_SIZE];

	log_esc(esc, sizeof(esc), jb->label, strlen(jb->label));
	if (jb->st != ST_OK) {
		rc->stats->failed++;
		log_err("message '%s': %s", esc,
			jb->err[0] ? jb->err : status_str(jb->st));
		return jb->st;
	}
	log_info("message '%s': file %ld%s, %zu report(s), %zu "
		 "attachment(s), %zu indicator(s), %zu request(s)",
		 esc, jb->res.file_id,
		 jb->res.file_existed ? " (already there)" : "",
		 jb->res.reports, jb->res.attachments, jb->res.indicators,
		 jb->res.requests);
	count_ok(rc, jb->plan);
	return ST_OK;
}

/*
 * One message file through the pipeline into the sink (JSON lines or
 * ThreatQ).  ST_OK; ST_MSG_BAD when this message failed (logged and
 * counted); any other status stops the run (ThreatQ unreachable,
 * credentials, configuration, out of memory, stdout gone).
 */
static enum status
run_one(struct run_ctx *rc, const char *label, char *raw, size_t len,
	time_t fallback)
{
	struct job jb;
	char esc[LOG_ESC_SIZE];
	char *json = NULL;
	enum status st;

	memset(&jb, 0, sizeof(jb));
	jb.label = label;
	jb.raw = raw;
	jb.len = len;
	if ((st = plan_one(rc, &jb, -1, fallback)) != ST_OK)
		return st;
	if (rc->tq != NULL) {
		push_job(rc->tq, &jb);
		st = pushed(rc, &jb);
		goto out;
	}
	log_esc(esc, sizeof(esc), label, strlen(label));
	if ((json = plan_json(jb.plan)) == NULL) {
		rc->stats->failed++;
		log_err("message '%s': out of memory writing the plan", esc);
		st = ST_NOMEM;
		goto out;
	}
	if (fputs(json, rc->out) == EOF || fputc('\n', rc->out) == EOF ||
	    fflush(rc->out) == EOF) {
		log_err("writing the plan of '%s': %s", esc, strerror(errno));
		st = ST_IO;
		goto out;
	}
	count_ok(rc, jb.plan);
	log_info("message '%s': %zu report(s), %zu attachment(s)", esc,
		 jb.plan->nreports, jb.plan->natts);
out:
	free(json);
	job_clear(&jb);
	return st;
}

static enum status
run_path(struct run_ctx *rc, const char *path)
{
	char err[256], esc[LOG_ESC_SIZE];
	char *raw = NULL;
	size_t len = 0;
	time_t mtime = 0;
	enum status st;

	st = read_file(path, rc->max_message, &raw, &len, &mtime, err,
		       sizeof(err));
	if (st != ST_OK) {
		rc->stats->seen++;
		rc->stats->failed++;
		log_err("message '%s': %s",
			log_esc(esc, sizeof(esc), path, strlen(path)), err);
		return st == ST_NOMEM ? ST_NOMEM : ST_OK;
	}
	st = run_one(rc, path, raw, len, mtime);
	free(raw);
	return st == ST_MSG_BAD ? ST_OK : st;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every message file of DIR/new and DIR/cur, in name order. */
static enum status
run_maildir(struct run_ctx *rc, const char *dir)
{
	static const char *const sub[] = {"cur", "new"};
	char **names = NULL, esc[LOG_ESC_SIZE], path[4096];
	size_t n = 0, i, k;
	enum status st = ST_OK;
	struct dirent *de;
	DIR *d;
	int found = 0;

	log_esc(esc, sizeof(esc), dir, strlen(dir));
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[k]);
		if ((d = opendir(path)) == NULL) {
			if (errno == ENOENT)
				continue;
			log_err("maildir '%s/%s': %s", esc, sub[k],
				strerror(errno));
			st = ST_IO;
			goto out;
		}
		found = 1;
		while ((de = readdir(d)) != NULL) {
			char **nn;
			int w;

			if (de->d_name[0] == '.')
				continue;
			if (n >= MAILDIR_MAX_FILES) {
				log_warn("maildir '%s': more than %d messages; "
					 "the rest wait for the next run",
					 esc, MAILDIR_MAX_FILES);
				break;
			}
			if ((nn = realloc(names, (n + 1) * sizeof(*nn))) ==
			    NULL) {
				closedir(d);
				st = ST_NOMEM;
				goto out;
			}
			names = nn;
			w = snprintf(path, sizeof(path), "%s/%s/%s", dir,
				     sub[k], de->d_name);
			if (w < 0 || (size_t)w >= sizeof(path) ||
			    (names[n] = strdup(path)) == NULL) {
				closedir(d);
				st = ST_NOMEM;
				goto out;
			}
			n++;
		}
		closedir(d);
	}
	if (!found) {
		log_err("maildir '%s': no cur/ or new/ directory", esc);
		st = ST_IO;
		goto out;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && st == ST_OK; i++)
		st = run_path(rc, names[i]);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

/* Log in to ThreatQ with the [threatq] settings. */
static enum status
open_threatq(const struct config *cfg, struct tq **out)
{
	struct tq_opts o;
	char err[1024];
	enum status st;

	*out = NULL;
	if ((st = config_check_online(cfg, 0, err, sizeof(err))) != ST_OK) {
		log_err("%s", err);
		return st;
	}
	memset(&o, 0, sizeof(o));
	o.host = cfg->tq.host;
	o.client_id = cfg->tq.client_id;
	o.client_secret = cfg->tq.client_secret;
	o.username = cfg->tq.username;
	o.password = cfg->tq.password;
	o.status = cfg->tq.status;
	o.source = cfg->conn.source;
	o.ca_file = cfg->tq.ca_file;
	o.verify_tls = cfg->tq.verify_tls;
	o.timeout = cfg->tq.timeout;
	o.connect_timeout = cfg->tq.connect_timeout;
	o.max_retries = (int)cfg->tq.max_retries;
	if ((st = tq_open(&o, out, err, sizeof(err))) != ST_OK)
		log_err("ThreatQ: %s", err);
	return st;
}

enum status
run_offline(const struct cli *cli, const struct config *cfg, FILE *out,
	    struct run_stats *stats)
{
	struct run_ctx rc;
	char esc[LOG_ESC_SIZE];
	enum status st;
	size_t i;

	memset(stats, 0, sizeof(*stats));
	if ((st = ctx_init(&rc, cfg, out, stats)) != ST_OK)
		return st;
	/*
	 * -f names files by UIDVALIDITY and UID, which a file has not: say so
	 * rather than ignore the option silently.
	 */
	if (cli->files_dir != NULL)
		log_warn("-f '%s' ignored: only mailbox runs keep files, not "
			 "--eml or --maildir",
			 log_esc(esc, sizeof(esc), cli->files_dir,
				 strlen(cli->files_dir)));
	if (!cli->dry_run && (st = open_threatq(cfg, &rc.tq)) != ST_OK)
		goto out;
	for (i = 0; i < cli->neml && st == ST_OK; i++)
		st = run_path(&rc, cli->eml[i]);
	if (st == ST_OK && cli->maildir != NULL)
		st = run_maildir(&rc, cli->maildir);
	if (rc.tq != NULL)
		stats->requests = tq_requests(rc.tq);
out:
	tq_close(rc.tq);
	ioc_ctx_free(rc.popts.ioc);
	return st;
}

/* s as a quoted JSON string, malloc'd; NULL on ENOMEM. */
static char *
json_quote(const char *s)
{
	cJSON *j;
	char *q;

	if ((j = cJSON_CreateString(s)) == NULL)
		return NULL;
	q = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return q;
}

enum status
run_extract(const char *file, const struct config *cfg, FILE *out)
{
	struct run_ctx rc;
	struct run_stats stats;
	struct ioc_set set;
	char err[256], esc[LOG_ESC_SIZE];
	char *text = NULL, *t, *v;
	size_t len = 0, i;
	enum status st;

	ioc_set_init(&set);
	if ((st = ctx_init(&rc, cfg, out, &stats)) != ST_OK)
		return st;
	st = read_file(file, MAX_EXTRACT_INPUT, &text, &len, NULL, err,
		       sizeof(err));
	if (st != ST_OK) {
		log_err("--extract '%s': %s",
			file ? log_esc(esc, sizeof(esc), file, strlen(file))
			     : "-",
			err);
		goto out;
	}
	if ((st = ioc_extract(rc.popts.ioc, text, len, &set)) != ST_OK) {
		log_err("--extract: %s", status_str(st));
		goto out;
	}
	for (i = 0; i < set.n; i++) {
		t = json_quote(ioc_type_name(set.v[i].type));
		v = json_quote(set.v[i].value);
		if (t == NULL || v == NULL) {
			free(t);
			free(v);
			st = ST_NOMEM;
			goto out;
		}
		fprintf(out, "{\"type\": %s, \"value\": %s}\n", t, v);
		free(t);
		free(v);
	}
	if (fflush(out) == EOF) {
		log_err("--extract: writing the output: %s", strerror(errno));
		st = ST_IO;
	}
out:
	free(text);
	ioc_set_free(&set);
	ioc_ctx_free(rc.popts.ioc);
	return st;
}

/* Set by SIGINT/SIGTERM: finish the message in hand, start no other. */
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

#define QUARANTINE_KEYWORD "$TQ-Failed"

/* Keep the raw message in -f DIR under a name that cannot escape it. */
static void
keep_copy(const char *dir, uint32_t uidvalidity, uint32_t uid,
	  const char *sha256, const char *raw, size_t len)
{
	char name[64];

	snprintf(name, sizeof(name), "%u-%u-%.12s.eml", uidvalidity, uid,
		 sha256);
	keep_file(dir, name, raw, len);
}

/* Set a message aside: move it, or flag it $TQ-Failed and \Seen. */
static enum status
quarantine(struct imap *im, const struct config *cfg, uint32_t uid, char *err,
	   size_t errsz)
{
	enum status st;

	if (cfg->mbox.failed_folder != NULL)
		return imap_move(im, uid, cfg->mbox.failed_folder, err, errsz);
	if ((st = imap_add_flag(im, uid, QUARANTINE_KEYWORD, err, errsz)) !=
	    ST_OK)
		return st;
	return imap_add_flag(im, uid, "\\Seen", err, errsz);
}

/* A mailbox run: the session, the journal and the messages being pushed. */
struct mbox {
	struct run_ctx *rc;
	const struct cli *cli;
	const struct config *cfg;
	struct imap *im;
	struct journal *j;
	uint32_t uv;
	int diff;	    /* journal and \Seen (not -d) */
	struct workq *q;    /* NULL: each push in this thread, in turn */
	struct tq **clones; /* the workers' handles after the run's own */
	size_t nclones;
	size_t max_fly;
	struct job *fly[MAX_IN_FLIGHT]; /* handed to the workers */
	size_t nfly;
	size_t flybytes;
	int imap_down;	   /* an IMAP command failed: no more this run */
	enum status fatal; /* the first failure that stops the run */
};

static void
job_free(struct job *jb)
{
	if (jb == NULL)
		return;
	job_clear(jb);
	free(jb->raw);
	free(jb);
}

/*
 * The end of one message's transaction, in the main thread: journal done
 * (fsync), then \Seen, then journal seen.  A message ThreatQ refused stays
 * unread, counted against max_attempts.  Frees jb.
 */
static void
finish(struct mbox *m, struct job *jb)
{
	char err[1024], esc[LOG_ESC_SIZE];
	enum status st;
	size_t i;

	for (i = 0; i < m->nfly; i++)
		if (m->fly[i] == jb) {
			m->fly[i] = m->fly[--m->nfly];
			m->flybytes -= jb->len;
			break;
		}
	st = pushed(m->rc, jb);
	if (st == ST_MSG_BAD)
		st = ST_OK;
	else if (st == ST_OK && m->diff) {
		st = journal_done(m->j, m->uv, jb->uid, jb->sha,
				  jb->res.file_id, err, sizeof(err));
		/* With IMAP gone, the next run sets \Seen from the journal. */
		if (st == ST_OK && !m->imap_down) {
			st = imap_add_flag(m->im, jb->uid, "\\Seen", err,
					   sizeof(err));
			if (st != ST_OK)
				m->imap_down = 1;
			else
				st = journal_seen(m->j, m->uv, jb->uid, jb->sha,
						  err, sizeof(err));
		}
		if (st != ST_OK)
			log_err("%s: %s",
				log_esc(esc, sizeof(esc), jb->label,
					strlen(jb->label)),
				err);
	}
	if (st != ST_OK && m->fatal == ST_OK)
		m->fatal = st;
	job_free(jb);
}

/* Wait for one message being pushed and finish it. */
static void
finish_one(struct mbox *m)
{
	struct job *jb;

	if (m->q != NULL && (jb = workq_take(m->q, 1)) != NULL)
		finish(m, jb);
}

/* Finish the messages whose push has ended, without waiting. */
static void
finish_ready(struct mbox *m)
{
	struct job *jb;

	while (m->q != NULL && (jb = workq_take(m->q, 0)) != NULL)
		finish(m, jb);
}

/* Is a message with these bytes being pushed? */
static int
flying_sha(const struct mbox *m, const char *sha)
{
	size_t i;

	for (i = 0; i < m->nfly; i++)
		if (strcmp(m->fly[i]->sha, sha) == 0)
			return 1;
	return 0;
}

/* Does plan p upload a file (by MD5) that one being pushed uploads too? */
static int
plan_clash(const struct plan *p, const struct plan *q)
{
	size_t i, k;

	if (strcmp(p->md5, q->md5) == 0)
		return 1;
	for (i = 0; i < p->natts; i++) {
		if (strcmp(p->atts[i].md5, q->md5) == 0)
			return 1;
		for (k = 0; k < q->natts; k++)
			if (strcmp(p->atts[i].md5, q->atts[k].md5) == 0)
				return 1;
	}
	for (k = 0; k < q->natts; k++)
		if (strcmp(q->atts[k].md5, p->md5) == 0)
			return 1;
	return 0;
}

static int
flying_clash(const struct mbox *m, const struct plan *p)
{
	size_t i;

	for (i = 0; i < m->nfly; i++)
		if (plan_clash(p, m->fly[i]->plan))
			return 1;
	return 0;
}

/*
 * Push a planned message: in this thread, or handed to a worker once there
 * is room (max_in_flight messages and IN_FLIGHT_BYTES of them; a larger
 * one goes alone) and no message being pushed uploads one of its files -
 * ThreatQ finds a file by MD5 before uploading it, and two pushes of the
 * same file at once would both miss it and upload it twice.
 */
static void
submit(struct mbox *m, struct job *jb)
{
	if (m->q == NULL) {
		push_job(m->rc->tq, jb);
		finish(m, jb);
		return;
	}
	while (m->nfly > 0 && (m->nfly >= m->max_fly ||
			       m->flybytes + jb->len > IN_FLIGHT_BYTES ||
			       flying_clash(m, jb->plan)))
		finish_one(m);
	m->fly[m->nfly++] = jb;
	m->flybytes += jb->len;
	if (workq_put(m->q, jb) == -1) {
		/* never: nfly < max_fly, the queue's size */
		m->nfly--;
		m->flybytes -= jb->len;
		push_job(m->rc->tq, jb);
		finish(m, jb);
	}
}

/*
 * One unread message as one transaction: journal intent, push, journal
 * done (fsync), then \Seen, then journal seen - the last three when its
 * push ends (finish), while the next messages are fetched and planned.  A
 * message already pushed (journal says done, also under another
 * UIDVALIDITY by its hash) is only marked \Seen.  A message that failed
 * max_attempts runs is set aside.  ST_OK, or a status that stops the run.
 */
static enum status
mailbox_one(struct mbox *m, uint32_t uid)
{
	struct run_ctx *rc = m->rc;
	const struct config *cfg = m->cfg;
	const struct jentry *e;
	struct job *jb;
	char err[1024];
	time_t idate = (time_t)-1;
	enum status st;

	if ((jb = calloc(1, sizeof(*jb))) == NULL) {
		log_err("uid %u: out of memory", uid);
		return ST_NOMEM;
	}
	jb->uid = uid;
	snprintf(jb->uidlabel, sizeof(jb->uidlabel), "uid %u", uid);
	jb->label = jb->uidlabel;
	st = imap_fetch(m->im, uid, rc->max_message, &jb->raw, &jb->len, &idate,
			err, sizeof(err));
	if (st == ST_MSG_BAD) {
		/* Too large to read: never retried, set aside at once. */
		rc->stats->seen++;
		rc->stats->failed++;
		log_err("%s: %s", jb->label, err);
		if (m->diff && (st = quarantine(m->im, cfg, uid, err,
						sizeof(err))) != ST_OK) {
			log_err("%s: setting it aside: %s", jb->label, err);
			m->imap_down = 1;
		}
		if (st == ST_MSG_BAD) /* -d: left as it is */
			st = ST_OK;
		goto out;
	}
	if (st != ST_OK) {
		log_err("%s: %s", jb->label, err);
		m->imap_down = 1;
		goto out;
	}
	if (hash_sha256_hex(jb->raw, jb->len, jb->sha) == -1) {
		log_err("%s: cannot hash the message", jb->label);
		st = ST_NOMEM;
		goto out;
	}
	if (m->cli->files_dir != NULL)
		keep_copy(m->cli->files_dir, m->uv, uid, jb->sha, jb->raw,
			  jb->len);

	if (m->diff) {
		/* A copy of a message being pushed: wait, the journal knows. */
		while (flying_sha(m, jb->sha))
			finish_one(m);
		if (m->fatal != ST_OK) {
			st = ST_OK; /* the run stops; counted nowhere */
			goto out;
		}
		if ((e = journal_find(m->j, m->uv, uid)) == NULL ||
		    strcmp(e->sha256, jb->sha) != 0)
			e = journal_find_hash(m->j, jb->sha);
		if (e != NULL &&
		    (e->state == J_DONE || e->state == J_QUARANTINED)) {
			/* Pushed (or given up) before \Seen was set: finish. */
			log_info("%s: already in ThreatQ (file %ld); marking "
				 "it read",
				 jb->label, e->file_id);
			rc->stats->seen++;
			rc->stats->skipped++;
			st =
			    e->state == J_DONE
				? imap_add_flag(m->im, uid, "\\Seen", err,
						sizeof(err))
				: quarantine(m->im, cfg, uid, err, sizeof(err));
			if (st != ST_OK)
				m->imap_down = 1;
			else
				st = journal_seen(m->j, m->uv, uid, jb->sha,
						  err, sizeof(err));
			goto fail;
		}
		if (e != NULL && e->attempts >= cfg->conn.max_attempts) {
			rc->stats->seen++;
			rc->stats->failed++;
			log_err("%s: failed %d times; setting it aside (%s)",
				jb->label, e->attempts,
				cfg->mbox.failed_folder
				    ? cfg->mbox.failed_folder
				    : QUARANTINE_KEYWORD);
			if ((st = journal_quarantine(m->j, m->uv, uid, jb->sha,
						     err, sizeof(err))) ==
			    ST_OK) {
				if ((st = quarantine(m->im, cfg, uid, err,
						     sizeof(err))) != ST_OK)
					m->imap_down = 1;
				else
					st = journal_seen(m->j, m->uv, uid,
							  jb->sha, err,
							  sizeof(err));
			}
			goto fail;
		}
		if ((st = journal_begin(m->j, m->uv, uid, jb->sha, err,
					sizeof(err))) != ST_OK)
			goto fail;
	}

	rc->popts.sha256 = jb->sha; /* hashed once, for journal and plan */
	st = plan_one(rc, jb, (long)uid, idate);
	rc->popts.sha256 = NULL;
	if (st == ST_OK) {
		submit(m, jb);
		return ST_OK;
	}
	if (st == ST_MSG_BAD) /* left unread; counted against max_attempts */
		st = ST_OK;
	goto out;
fail:
	if (st != ST_OK)
		log_err("%s: %s", jb->label, err);
out:
	job_free(jb);
	return st;
}

/*
 * The workers for max_in_flight > 1: the run's ThreatQ handle and clones
 * of it, one per thread.  Without them (one at a time, or one message)
 * every push runs in this thread.
 */
static enum status
start_workers(struct mbox *m, size_t nmsgs)
{
	void *workers[MAX_IN_FLIGHT];
	char err[256];
	size_t n = m->max_fly, i;
	enum status st;

	if (n > nmsgs)
		n = nmsgs;
	if (n <= 1)
		return ST_OK;
	if ((m->clones = calloc(n - 1, sizeof(struct tq *))) == NULL) {
		log_err("out of memory");
		return ST_NOMEM;
	}
	/*
	 * Each thread would get a malloc arena of its own, about 8 MB
	 * resident each when measured; the workers mostly wait for ThreatQ,
	 * so one shared arena costs no speed.
	 */
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 1);
#endif
	workers[0] = m->rc->tq;
	for (i = 1; i < n; i++) {
		if ((st = tq_clone(m->rc->tq, &m->clones[i - 1], err,
				   sizeof(err))) != ST_OK) {
			log_err("ThreatQ: %s", err);
			return st;
		}
		m->nclones++;
		workers[i] = m->clones[i - 1];
	}
	if ((st = workq_start(n, workers, push_job, n, &m->q, err,
			      sizeof(err))) != ST_OK) {
		log_err("%s", err);
		return st;
	}
	m->max_fly = n;
	log_debug("pushing up to %zu messages at once", n);
	return ST_OK;
}

static void
stop_workers(struct mbox *m, struct run_stats *stats)
{
	size_t i;

	workq_stop(m->q);
	m->q = NULL;
	for (i = 0; i < m->nclones; i++) {
		stats->requests += tq_requests(m->clones[i]);
		tq_close(m->clones[i]);
	}
	free(m->clones);
	m->clones = NULL;
	m->nclones = 0;
}

/*
 * imap_open() with io as filled in, but for auth = xoauth2 the password is
 * an OAuth access token (oauth2.h): the cached one while it lasts, and a
 * new one, once, when the server refuses that.
 */
static enum status
open_imap(const struct cli *cli, const struct config *cfg, struct imap_opts *io,
	  struct imap **out, char *err, size_t errsz)
{
	struct oauth2_opts oo;
	char *token = NULL, *state, proxy[512];
	int cached = 0;
	enum status st;

	if (cfg->mbox.auth == NULL || strcmp(cfg->mbox.auth, "xoauth2") != 0)
		return imap_open(io, out, err, errsz);
	if ((state = oauth2_state_path(cli->configdir, cli->name)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return ST_NOMEM;
	}
	memset(&oo, 0, sizeof(oo));
	oo.token_url = cfg->mbox.oauth2_token_url;
	oo.client_id = cfg->mbox.oauth2_client_id;
	oo.client_secret = cfg->mbox.oauth2_client_secret;
	oo.refresh_token = cfg->mbox.oauth2_refresh_token;
	oo.scope = cfg->mbox.oauth2_scope;
	oo.ca_file = cfg->mbox.oauth2_ca_file;
	oo.timeout = cfg->mbox.timeout;
	oo.state_path = state;
	/*
	 * The token endpoint is an internet resource other than ThreatQ:
	 * -ep when given; else the mailbox's own SOCKS proxy (a host that
	 * reaches its mail server only through a proxy reaches the
	 * provider's token endpoint the same way), the proxy resolving the
	 * name as socks.c has it do for IMAP; else libcurl's environment.
	 */
	if (cli->ext_proxy != NULL)
		oo.proxy = cli->ext_proxy;
	else if (cfg->mbox.proxy_address != NULL) {
		const char *h = cfg->mbox.proxy_address;
		int v6 = strchr(h, ':') != NULL;

		snprintf(proxy, sizeof(proxy), "%s://%s%s%s:%d",
			 strcmp(cfg->mbox.proxy_type, "socks4") == 0
			     ? "socks4a"
			     : "socks5h",
			 v6 ? "[" : "", h, v6 ? "]" : "", cfg->mbox.proxy_port);
		oo.proxy = proxy;
		oo.proxy_username = cfg->mbox.proxy_username;
		oo.proxy_password = cfg->mbox.proxy_password;
	}
	if (oo.proxy != NULL)
		log_debug("OAuth token endpoint: through the proxy %s",
			  oo.proxy);
	if ((st = oauth2_access_token(&oo, 0, &token, &cached, err, errsz)) ==
	    ST_OK) {
		io->password = token;
		st = imap_open(io, out, err, errsz);
	}
	if (st == ST_AUTH && cached) {
		log_warn("IMAP: %s; getting a new access token", err);
		io->password = NULL;
		oauth2_free_secret(token);
		token = NULL;
		if ((st = oauth2_access_token(&oo, 1, &token, &cached, err,
					      errsz)) == ST_OK) {
			io->password = token;
			st = imap_open(io, out, err, errsz);
		}
	}
	io->password = NULL;
	oauth2_free_secret(token);
	free(state);
	return st;
}

enum status
run_mailbox(const struct cli *cli, const struct config *cfg,
	    struct run_stats *stats)
{
	struct run_ctx rc;
	struct mbox m;
	struct imap_opts io;
	struct sigaction sa;
	struct timespec t0, now;
	uint32_t *uids = NULL;
	size_t n = 0, i = 0;
	char err[1024];
	int lockfd = -1;
	enum status st;

	memset(stats, 0, sizeof(*stats));
	memset(&m, 0, sizeof(m));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((st = config_check_online(cfg, 1, err, sizeof(err))) != ST_OK) {
		log_err("%s", err);
		return st;
	}
	if ((st = ctx_init(&rc, cfg, NULL, stats)) != ST_OK)
		return st;
	m.rc = &rc;
	m.cli = cli;
	m.cfg = cfg;
	m.diff = !cli->no_differential;
	m.max_fly = cfg->conn.max_in_flight > 0 &&
			    cfg->conn.max_in_flight <= MAX_IN_FLIGHT
			? (size_t)cfg->conn.max_in_flight
			: 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (m.diff) {
		if ((st = journal_lock(cli->configdir, cli->name, &lockfd, err,
				       sizeof(err))) != ST_OK ||
		    (st = journal_open(cli->configdir, cli->name, &m.j, err,
				       sizeof(err))) != ST_OK) {
			log_err("%s", err);
			goto out;
		}
	} else
		log_warn("-d: no journal and no \\Seen flags: the same mail "
			 "will be read again next time");
	if (cli->files_dir != NULL && access(cli->files_dir, W_OK) == -1) {
		log_err("-f '%s': %s", cli->files_dir, strerror(errno));
		st = ST_CONFIG;
		goto out;
	}
	rc.files_dir = cli->files_dir;

	memset(&io, 0, sizeof(io));
	io.server = cfg->mbox.server;
	io.port = cfg->mbox.port;
	io.starttls = cli->disable_ssl;
	io.allow_plaintext = cfg->mbox.allow_plaintext;
	io.username = cfg->mbox.username;
	io.password = cfg->mbox.password;
	io.auth = cfg->mbox.auth;
	io.folder = cfg->mbox.folder;
	io.ca_file = cfg->mbox.ca_file;
	io.verify_tls = cfg->mbox.verify_tls;
	io.timeout = (int)cfg->mbox.timeout;
	if (cfg->mbox.proxy_address != NULL) {
		io.proxy.type = strcmp(cfg->mbox.proxy_type, "socks4") == 0
				    ? SOCKS_4
				    : SOCKS_5;
		io.proxy.host = cfg->mbox.proxy_address;
		io.proxy.port = cfg->mbox.proxy_port;
		io.proxy.username = cfg->mbox.proxy_username;
		io.proxy.password = cfg->mbox.proxy_password;
	}
	if ((st = open_imap(cli, cfg, &io, &m.im, err, sizeof(err))) != ST_OK) {
		log_err("IMAP: %s", err);
		goto out;
	}
	if ((st = imap_unseen(m.im, (size_t)cfg->conn.max_messages, &uids, &n,
			      err, sizeof(err))) != ST_OK) {
		log_err("IMAP: %s", err);
		goto out;
	}
	m.uv = rc.uidvalidity = imap_uidvalidity(m.im);
	log_info("%zu unread message(s) in %s", n, cfg->mbox.folder);
	/*
	 * ThreatQ only when there is mail: an idle run (most of them, every
	 * two hours) costs the instance no login and no catalogue reads.
	 */
	if (n == 0)
		log_debug("nothing to do: ThreatQ not contacted");
	else if ((st = open_threatq(cfg, &rc.tq)) != ST_OK ||
		 (st = start_workers(&m, n)) != ST_OK)
		goto out;
	for (i = 0; i < n && st == ST_OK && m.fatal == ST_OK; i++) {
		/*
		 * Room first, then the next message: one fetched is pushed,
		 * so a signal or a failure leaves no message half started.
		 */
		finish_ready(&m);
		while (m.nfly >= m.max_fly && !stop_requested)
			finish_one(&m);
		if (m.fatal != ST_OK)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (stop_requested) {
			log_warn("stopping on a signal: %zu message(s) not "
				 "started",
				 n - i);
			st = ST_TEMP;
			break;
		}
		if (now.tv_sec - t0.tv_sec >= cfg->conn.max_runtime) {
			log_warn("max_runtime (%ld s) reached: %zu message(s) "
				 "left for the next run",
				 cfg->conn.max_runtime, n - i);
			break;
		}
		st = mailbox_one(&m, uids[i]);
	}
	/* The messages being pushed end their transactions first. */
	while (m.nfly > 0)
		finish_one(&m);
	if (st == ST_OK)
		st = m.fatal;
	if (st != ST_OK && i < n)
		log_warn("run stopped: %zu message(s) left unread", n - i);
out:
	while (m.nfly > 0)
		finish_one(&m);
	stop_workers(&m, stats);
	if (rc.tq != NULL)
		stats->requests += tq_requests(rc.tq);
	clock_gettime(CLOCK_MONOTONIC, &now);
	stats->seconds = (double)(now.tv_sec - t0.tv_sec) +
			 (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
	free(uids);
	imap_close(m.im);
	tq_close(rc.tq);
	journal_close(m.j);
	if (lockfd != -1)
		close(lockfd);
	ioc_ctx_free(rc.popts.ioc);
	return st;
}

void
run_summary(const struct run_stats *s, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz,
		 "messages: %lu seen, %lu ok, %lu failed, "
		 "%lu skipped; %lu files, %lu reports, %lu indicators; "
		 "%lu requests, %.1f s",
		 s->seen, s->ok, s->failed, s->skipped, s->files, s->reports,
		 s->indicators, s->requests, s->seconds);
}
