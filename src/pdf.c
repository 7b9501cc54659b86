/*
 * PDF text through pdftotext(1) in a bounded child.
 *
 * The PDF goes into a memfd (or, without memfd_create, an unlinked 0600 file
 * in $TMPDIR or /tmp).  Three close-on-exec pipes carry the child's stdout,
 * its stderr and, when it cannot exec, the failing step and errno.  The child
 * makes its own process group, takes /dev/null as stdin, the pipes as 1 and
 * 2, the PDF as 3 and no other descriptor, default signal handling, the
 * rlimits, PATH and LANG as its whole environment, and execs
 *	pdftotext -enc UTF-8 -eol unix /dev/fd/3 -
 * (no -q: its diagnostics are what err reports).  The parent polls the pipes
 * against a CLOCK_MONOTONIC deadline; keeps max_text bytes of stdout and,
 * once the child writes more, kills it (the text it has is enough); keeps
 * the first and last lines of stderr and drains the rest; on the deadline
 * kills the process group; and always reaps the child, with SIGCHLD at its
 * default meanwhile so that an ignored SIGCHLD or a handler cannot take the
 * exit status.
 */
#define _GNU_SOURCE /* memfd_create(2), pipe2(2), wait4(2), strcasestr(3) */

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "deadline.h"
#include "pdf.h"
#include "utf8.h"

#define PDF_FD 3	     /* where the child finds the PDF, */
#define PDF_PATH "/dev/fd/3" /* by this name */
#define STATUS_FD 4	     /* the child's exec-failure pipe, close-on-exec */
#define CHILD_NOFILE 16	     /* RLIMIT_NOFILE of the child */
#define LINE_KEPT MAX_LOG_FIELD /* bytes of a stderr line kept */
#define WAIT_STEP_MS 10		/* polling for an exit once the pipes closed */
#define CHUNK 65536

/* Steps of the child before exec, reported with errno on failure. */
enum stage { STAGE_NONE, STAGE_DEVNULL, STAGE_FDS, STAGE_RLIMIT, STAGE_EXEC };

struct child_status {
	int stage;
	int err;
};

/* What is kept of the child's stderr. */
struct errlines {
	char first[LINE_KEPT + 1];
	char last[LINE_KEPT + 1];
	char cur[LINE_KEPT + 1];
	size_t curlen;
	int lines;
	int nomem; /* a line spoke of failing to get memory */
};

struct child {
	struct pdf_opts o; /* limits with the defaults filled in */
	pid_t pid;
	int killed;    /* we sent SIGKILL */
	int timed_out; /* ... because the deadline passed */
	int enough;    /* ... because stdout passed max_text */
	int wstatus;
	struct rusage ru;
	struct child_status cs;
	size_t cslen;
	struct buf out;
	size_t outcap; /* raw stdout bytes kept */
	struct errlines el;
	struct timespec deadline;
};

void
pdf_opts_default(struct pdf_opts *o)
{
	o->pdftotext = PDF_TEXT_PROGRAM;
	o->cpu_seconds = PDF_CPU_SECONDS;
	o->mem_bytes = PDF_MEM_BYTES;
	o->timeout_ms = PDF_TIMEOUT_MS;
	o->max_text = PDF_MAX_TEXT;
}

/* --- The child, between fork and exec: async-signal-safe calls only. --- */

static void __attribute__((noreturn)) child_fail(int fd, enum stage stage)
{
	struct child_status cs;
	ssize_t w;

	cs.stage = stage;
	cs.err = errno;
	do
		w = write(fd, &cs, sizeof(cs));
	while (w == -1 && errno == EINTR);
	_exit(127);
}

static int
child_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl;

	/* Never ask for more than the hard limit we run under. */
	if (getrlimit(res, &rl) == 0 && rl.rlim_max != RLIM_INFINITY) {
		if (hard > rl.rlim_max)
			hard = rl.rlim_max;
		if (soft > hard)
			soft = hard;
	}
	rl.rlim_cur = soft;
	rl.rlim_max = hard;
	return setrlimit(res, &rl);
}

/*
 * RLIMIT_NOFILE, soft and hard.  Lowering a hard limit is always allowed,
 * except under valgrind, which owns the descriptor limit and refuses any
 * change to it (EPERM): there the soft limit alone is set.
 */
static int
child_nofile(void)
{
	struct rlimit rl;

	if (child_limit(RLIMIT_NOFILE, CHILD_NOFILE, CHILD_NOFILE) == 0)
		return 0;
	if (errno != EPERM || getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	rl.rlim_cur = CHILD_NOFILE;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void
child_close_from(int lo)
{
	struct rlimit rl;
	long fd, max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max)
		max = (long)rl.rlim_cur;
	for (fd = lo; fd < max; fd++)
		close((int)fd);
}

static void __attribute__((noreturn))
child_run(const struct pdf_opts *o, int pdf, int outw, int errw, int stw)
{
	static char *const envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8",
				     NULL};
	char *argv[8];
	struct sigaction sa;
	sigset_t none;
	int from[5], hi[5], i, nul;
	rlim_t cpu = o->cpu_seconds;

	argv[0] = (char *)o->pdftotext;
	argv[1] = "-enc", argv[2] = "UTF-8";
	argv[3] = "-eol", argv[4] = "unix";
	argv[5] = PDF_PATH, argv[6] = "-", argv[7] = NULL;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		sigaction(i, &sa, NULL); /* EINVAL for some: harmless */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if ((nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		child_fail(stw, STAGE_DEVNULL);
	/* Out of the way of 0-4 first, wherever they were. */
	from[0] = nul, from[1] = outw, from[2] = errw, from[3] = pdf;
	from[4] = stw;
	for (i = 0; i < 5; i++)
		if ((hi[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 10)) == -1)
			child_fail(stw, STAGE_FDS);
	stw = hi[4];
	for (i = 0; i <= PDF_FD; i++)
		if (dup2(hi[i], i) == -1) /* clears close-on-exec */
			child_fail(stw, STAGE_FDS);
	if (dup2(hi[4], STATUS_FD) == -1 ||
	    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC) == -1)
		child_fail(stw, STAGE_FDS);
	stw = STATUS_FD;
	child_close_from(STATUS_FD + 1);

	if (child_limit(RLIMIT_CORE, 0, 0) == -1 ||
	    child_limit(RLIMIT_FSIZE, 0, 0) == -1 || child_nofile() == -1 ||
	    child_limit(RLIMIT_NPROC, 0, 0) == -1 ||
	    child_limit(RLIMIT_CPU, cpu, cpu + 1) == -1 ||
	    child_limit(RLIMIT_AS, (rlim_t)o->mem_bytes,
			(rlim_t)o->mem_bytes) == -1)
		child_fail(stw, STAGE_RLIMIT);
	execve(o->pdftotext, argv, envp);
	child_fail(stw, STAGE_EXEC);
}

/* --- The parent. --- */

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A read-write descriptor holding data/len, close-on-exec, nowhere named. */
static enum status
data_fd(const unsigned char *data, size_t len, int *fdp, char *err,
	size_t errsz)
{
	const char *dir;
	char path[PATH_MAX];
	int fd = -1;

	*fdp = -1;
#ifdef MFD_CLOEXEC
	fd = memfd_create("tq-pdf", MFD_CLOEXEC);
#endif
	if (fd == -1) {
		dir = getenv("TMPDIR");
		if (dir == NULL || dir[0] != '/' ||
		    strlen(dir) > sizeof(path) - sizeof("/tq-pdf.XXXXXX"))
			dir = "/tmp";
		snprintf(path, sizeof(path), "%s/tq-pdf.XXXXXX", dir);
		/* mkstemp(3) creates it 0600. */
		if ((fd = mkstemp(path)) == -1) {
			snprintf(err, errsz, "pdf: temporary file in '%s': %s",
				 dir, strerror(errno));
			return ST_IO;
		}
		unlink(path);
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			snprintf(err, errsz, "pdf: temporary file: %s",
				 strerror(errno));
			close(fd);
			return ST_IO;
		}
	}
	if (write_all(fd, data, len) == -1) {
		snprintf(err, errsz, "pdf: writing %zu bytes for pdftotext: %s",
			 len, strerror(errno));
		close(fd);
		return ST_IO;
	}
	*fdp = fd;
	return ST_OK;
}

static void
kill_child(struct child *c)
{
	/* The group for any process it started; the pid if not yet a group. */
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	c->killed = 1;
}

/* One stderr line: printable ASCII kept, the rest shown as '?'. */
static void
errline_end(struct errlines *el)
{
	if (el->curlen == 0)
		return;
	el->cur[el->curlen] = '\0';
	if (el->lines++ == 0)
		memcpy(el->first, el->cur, el->curlen + 1);
	memcpy(el->last, el->cur, el->curlen + 1);
	if (strcasestr(el->cur, "memory") != NULL ||
	    strcasestr(el->cur, "bad_alloc") != NULL ||
	    strcasestr(el->cur, "failed to map segment") != NULL)
		el->nomem = 1;
	el->curlen = 0;
}

static void
errline_feed(struct errlines *el, const char *p, size_t n)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)p[i];
		if (ch == '\n') {
			errline_end(el);
			continue;
		}
		if (el->curlen < LINE_KEPT)
			el->cur[el->curlen++] =
			    ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
}

/* ": first line ... last line", or "" without any. */
static void
errline_str(const struct errlines *el, char *s, size_t sz)
{
	if (el->lines == 0)
		snprintf(s, sz, "%s", "");
	else if (el->lines == 1 || strcmp(el->first, el->last) == 0)
		snprintf(s, sz, ": %s", el->first);
	else
		snprintf(s, sz, ": %s ... %s", el->first, el->last);
}

/* Stdout bytes; more than outcap kills the child, which has said enough. */
static enum status
out_feed(struct child *c, const char *p, size_t n, int *fdp, char *err,
	 size_t errsz)
{
	size_t room = c->outcap - c->out.len;

	if (buf_add(&c->out, p, n < room ? n : room) == -1) {
		snprintf(err, errsz, "pdf: out of memory for %zu bytes of text",
			 c->out.len + n);
		return ST_NOMEM;
	}
	if (n > room) {
		c->enough = 1;
		kill_child(c);
		close(*fdp);
		*fdp = -1;
	}
	return ST_OK;
}

/* Read the three pipes until they close or the deadline passes. */
static enum status
collect(struct child *c, int fds[3], char *err, size_t errsz)
{
	struct pollfd pf[3];
	char *chunk;
	int idx[3], n, i;
	long left;
	ssize_t r;
	enum status st = ST_OK;

	if ((chunk = malloc(CHUNK)) == NULL) {
		snprintf(err, errsz, "pdf: out of memory");
		return ST_NOMEM;
	}
	for (;;) {
		for (n = 0, i = 0; i < 3; i++)
			if (fds[i] != -1) {
				pf[n].fd = fds[i];
				pf[n].events = POLLIN;
				pf[n].revents = 0;
				idx[n++] = i;
			}
		if (n == 0)
			break;
		if ((left = deadline_left(&c->deadline)) == 0) {
			if (!c->killed) {
				kill_child(c);
				c->timed_out = 1;
			}
			break;
		}
		if (poll(pf, (nfds_t)n, left > INT_MAX ? INT_MAX : (int)left) ==
		    -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "pdf: poll: %s", strerror(errno));
			st = ST_IO;
			break;
		}
		for (i = 0; i < n; i++) {
			int k = idx[i];

			if (pf[i].revents == 0 || fds[k] == -1)
				continue;
			r = read(fds[k], chunk, CHUNK);
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close(fds[k]);
				fds[k] = -1;
				if (k == 1)
					errline_end(&c->el);
				continue;
			}
			if (k == 0)
				st = out_feed(c, chunk, (size_t)r, &fds[0], err,
					      errsz);
			else if (k == 1)
				errline_feed(&c->el, chunk, (size_t)r);
			else if (c->cslen < sizeof(c->cs)) {
				size_t take = sizeof(c->cs) - c->cslen;

				if ((size_t)r < take)
					take = (size_t)r;
				memcpy((char *)&c->cs + c->cslen, chunk, take);
				c->cslen += take;
			}
			if (st != ST_OK)
				goto out;
		}
	}
out:
	free(chunk);
	for (i = 0; i < 3; i++)
		if (fds[i] != -1) {
			close(fds[i]);
			fds[i] = -1;
		}
	if (st != ST_OK && !c->killed)
		kill_child(c);
	return st;
}

/* Wait for the exit (deadline still on), kill stragglers, reap. */
static enum status
reap(struct child *c, char *err, size_t errsz)
{
	siginfo_t si;
	long left;
	pid_t r;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)c->pid, &si,
			   WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			break; /* wait4 below says why */
		}
		if (si.si_pid == c->pid)
			break;
		if ((left = deadline_left(&c->deadline)) == 0 && !c->killed) {
			kill_child(c);
			c->timed_out = 1;
		}
		poll(NULL, 0,
		     left > 0 && left < WAIT_STEP_MS ? (int)left
						     : WAIT_STEP_MS);
	}
	/* Exited but not reaped: its id still names its group. */
	kill(-c->pid, SIGKILL);
	while ((r = wait4(c->pid, &c->wstatus, 0, &c->ru)) == -1 &&
	       errno == EINTR)
		;
	if (r == -1) {
		snprintf(err, errsz, "pdf: waiting for pdftotext '%s': %s",
			 c->o.pdftotext, strerror(errno));
		return ST_IO;
	}
	return ST_OK;
}

static const char *
exit_meaning(int code)
{
	switch (code) {
	case 1:
		return " (error opening the PDF)";
	case 2:
		return " (error opening the output)";
	case 3:
		return " (PDF permissions)";
	case 99:
		return " (other error)";
	default:
		return "";
	}
}

static const char *
stage_name(int stage)
{
	switch (stage) {
	case STAGE_DEVNULL:
		return "open /dev/null";
	case STAGE_FDS:
		return "descriptors";
	case STAGE_RLIMIT:
		return "setrlimit";
	default:
		return "exec";
	}
}

/* How the child ended, as a status and a message. */
static enum status
verdict(const struct child *c, char *err, size_t errsz)
{
	const char *prog = c->o.pdftotext;
	char lines[2 * LINE_KEPT + 16];
	long cpu_ms;
	int sig;

	if (c->cslen == sizeof(c->cs)) {
		if (c->cs.stage == STAGE_EXEC)
			snprintf(err, errsz, "pdftotext '%s': cannot run: %s",
				 prog, strerror(c->cs.err));
		else
			snprintf(err, errsz,
				 "pdftotext '%s': child setup (%s): %s", prog,
				 stage_name(c->cs.stage), strerror(c->cs.err));
		return ST_IO;
	}
	if (c->enough)
		return ST_OK;
	if (c->timed_out) {
		snprintf(err, errsz, "pdftotext '%s': killed after %u ms", prog,
			 c->o.timeout_ms);
		return ST_MSG_BAD;
	}
	errline_str(&c->el, lines, sizeof(lines));
	if (WIFEXITED(c->wstatus) && WEXITSTATUS(c->wstatus) == 0)
		return ST_OK;
	if (WIFSIGNALED(c->wstatus)) {
		sig = WTERMSIG(c->wstatus);
		cpu_ms =
		    (long)(c->ru.ru_utime.tv_sec + c->ru.ru_stime.tv_sec) *
			1000 +
		    (long)(c->ru.ru_utime.tv_usec + c->ru.ru_stime.tv_usec) /
			1000;
		/* Soft limit: SIGXCPU; hard limit, a second later: SIGKILL. */
		if (sig == SIGXCPU ||
		    (sig == SIGKILL && cpu_ms >= (long)c->o.cpu_seconds * 1000))
			snprintf(err, errsz,
				 "pdftotext '%s': CPU limit of %u s reached "
				 "(signal %d after %ld ms of CPU)",
				 prog, c->o.cpu_seconds, sig, cpu_ms);
		else if (c->el.nomem)
			snprintf(err, errsz,
				 "pdftotext '%s': memory limit of %zu bytes "
				 "reached: killed by signal %d (%s)%s",
				 prog, c->o.mem_bytes, sig, strsignal(sig),
				 lines);
		else
			snprintf(err, errsz,
				 "pdftotext '%s': killed by signal %d (%s)%s",
				 prog, sig, strsignal(sig), lines);
		return ST_MSG_BAD;
	}
	if (c->el.nomem)
		snprintf(err, errsz,
			 "pdftotext '%s': memory limit of %zu bytes reached: "
			 "exit status %d%s",
			 prog, c->o.mem_bytes, WEXITSTATUS(c->wstatus), lines);
	else
		snprintf(err, errsz, "pdftotext '%s': exit status %d%s%s", prog,
			 WEXITSTATUS(c->wstatus),
			 exit_meaning(WEXITSTATUS(c->wstatus)), lines);
	return ST_MSG_BAD;
}

/*
 * The raw stdout as text: NULs dropped, form feeds (page breaks) made
 * newlines, valid UTF-8, cut at max_text on a character boundary, trailing
 * white space dropped.
 */
static enum status
clean_text(struct child *c, char **text, size_t *textlen, char *err,
	   size_t errsz)
{
	unsigned char *p = (unsigned char *)c->out.p;
	size_t n = c->out.len, i, k, seq;
	char *t;

	if (p == NULL)
		n = 0;
	/* A sequence cut by the kill is not an ill-formed one. */
	if (c->enough)
		for (i = n > 3 ? n - 3 : 0; i < n; i++) {
			seq = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
			if (p[i] >= 0xc0 && i + seq > n) {
				n = i;
				break;
			}
		}
	for (i = 0, k = 0; i < n; i++)
		if (p[i] != '\0')
			p[k++] = p[i] == '\f' ? '\n' : p[i];
	n = k;
	if ((t = utf8_clean(n ? (char *)p : "", n)) == NULL) {
		snprintf(err, errsz, "pdf: out of memory for %zu bytes of text",
			 n);
		return ST_NOMEM;
	}
	n = strlen(t); /* no NUL inside: utf8_clean makes them spaces */
	if (n > c->o.max_text) {
		n = c->o.max_text;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
	}
	while (n > 0 &&
	       (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\t'))
		n--;
	t[n] = '\0';
	*text = t;
	*textlen = n;
	return ST_OK;
}

enum status
pdf_text(const struct pdf_opts *opts, const unsigned char *data, size_t len,
	 char **text, size_t *textlen, char *err, size_t errsz)
{
	struct child c;
	struct sigaction dfl, oldchld;
	sigset_t all, oldmask;
	int pdf = -1, outp[2] = {-1, -1}, errp[2] = {-1, -1};
	int stp[2] = {-1, -1}, fds[3], e;
	enum status st, st2;

	*text = NULL;
	*textlen = 0;
	if (opts->pdftotext == NULL || opts->pdftotext[0] == '\0') {
		if ((*text = strdup("")) == NULL) {
			snprintf(err, errsz, "pdf: out of memory");
			return ST_NOMEM;
		}
		return ST_OK;
	}
	memset(&c, 0, sizeof(c));
	c.o = *opts;
	if (c.o.cpu_seconds == 0)
		c.o.cpu_seconds = PDF_CPU_SECONDS;
	if (c.o.mem_bytes == 0)
		c.o.mem_bytes = PDF_MEM_BYTES;
	if (c.o.timeout_ms == 0)
		c.o.timeout_ms = PDF_TIMEOUT_MS;
	if (c.o.max_text == 0)
		c.o.max_text = PDF_MAX_TEXT;
	/* A few bytes past max_text tell a cut from an exact fit. */
	c.outcap =
	    c.o.max_text < SIZE_MAX - 8 ? c.o.max_text + 4 : SIZE_MAX - 4;
	buf_init(&c.out, c.outcap);

	if ((st = data_fd(data, len, &pdf, err, errsz)) != ST_OK)
		return st;
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    pipe2(stp, O_CLOEXEC) == -1) {
		snprintf(err, errsz, "pdf: pipe: %s", strerror(errno));
		st = ST_IO;
		goto out;
	}

	deadline_in(&c.deadline, (long)c.o.timeout_ms);

	/* Our SIGCHLD disposition must not reap or lose the child. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &oldchld);
	/* No handler of ours may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &oldmask);
	c.pid = fork();
	if (c.pid == 0)
		child_run(&c.o, pdf, outp[1], errp[1], stp[1]);
	e = errno;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (c.pid == -1) {
		sigaction(SIGCHLD, &oldchld, NULL);
		snprintf(err, errsz, "pdftotext '%s': fork: %s", c.o.pdftotext,
			 strerror(e));
		st = ST_IO;
		goto out;
	}
	setpgid(c.pid, c.pid); /* also done by the child: no race with kill */
	close(outp[1]);
	close(errp[1]);
	close(stp[1]);
	close(pdf);
	outp[1] = errp[1] = stp[1] = pdf = -1;

	fds[0] = outp[0], fds[1] = errp[0], fds[2] = stp[0];
	outp[0] = errp[0] = stp[0] = -1;
	st = collect(&c, fds, err, errsz);
	st2 = reap(&c, st == ST_OK ? err : NULL, st == ST_OK ? errsz : 0);
	sigaction(SIGCHLD, &oldchld, NULL);
	if (st == ST_OK)
		st = st2;
	if (st == ST_OK)
		st = verdict(&c, err, errsz);
	if (st == ST_OK)
		st = clean_text(&c, text, textlen, err, errsz);
out:
	if (pdf != -1)
		close(pdf);
	for (e = 0; e < 2; e++) {
		if (outp[e] != -1)
			close(outp[e]);
		if (errp[e] != -1)
			close(errp[e]);
		if (stp[e] != -1)
			close(stp[e]);
	}
	buf_free(&c.out);
	return st;
}
