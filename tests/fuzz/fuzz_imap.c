/*
 * libFuzzer: the IMAP client (imap.c over libetpan) against a server whose
 * every byte is the fuzz input.  No network and no change to imap.c: the
 * harness is linked with -Wl,--wrap=socks_connect, so the connection
 * imap_open() asks for is one end of a socketpair(2); a thread writes the
 * input into the other end as the server's byte stream, shuts its write
 * side and then reads (and drops) the client's commands until the client
 * closes.  The session is the plaintext one the tests use (port 143,
 * STARTTLS when offered, else allow_plaintext): greeting, CAPABILITY,
 * LOGIN or AUTHENTICATE PLAIN, SELECT, UID SEARCH, then for each UID (at
 * most MAX_UIDS) UID FETCH twice and UID STORE or UID MOVE, and LOGOUT.
 *
 * The first input byte holds options, the rest is the server's stream:
 *   bit 0  auth = plain (else login)
 *   bit 1  folder "Intel/Berichte & Ü" (modified UTF-7), else INBOX
 *   bit 2  move each message to "Quarantäne" instead of flagging it
 *   bit 3  flag "$TQ-Failed" instead of "\Seen"
 * so an ASCII '0' is the plain LOGIN/INBOX/\Seen session.
 *
 * libetpan (1.9.4) spins for ever when the stream ends inside a literal
 * ("{500}" then EOF: mailimap_literal_parse_progress loops while
 * mailstream_read returns 0), which would stop every run on a timeout.
 * So the harness also wraps mailstream_socket_open_timeout and turns the
 * end of the stream into a read error (-1), as a fix in imap.c would;
 * TQ_FUZZ_IMAP_RAW_EOF=1 leaves libetpan as it is, to reproduce the hang
 * (tests/fuzz/known/imap/).
 *
 * It also preallocates the size a literal announces ("{4294967295}": a
 * 4 GiB malloc, seconds of ASan shadow poisoning), before imap.c can look
 * at RFC822.SIZE; the harness lowers every literal count above MAX_LIT
 * to MAX_LIT (same length, leading zeros), so that finding does not stop
 * each run (tests/fuzz/known/imap/).
 *
 * And its PERMANENTFLAGS parser dereferences NULL when the first flag of
 * the list does not parse ("[PERMANENTFLAGS (\)]"): such a code is renamed
 * XERMANENTFLAGS (an unknown code) in the input.  In the greeting, any
 * PERMANENTFLAGS or BADCHARSET code crashes it (NULL dereference): there
 * both become X-names too.  "[ALERT]" or "[PARSE]" with no text after it,
 * in any response, is a strdup(NULL): they become "[XLERT]", "[XARSE]".
 * An empty capability list ("* CAPABILITY" alone, "[CAPABILITY ]")
 * leaves a NULL list that mailimap_capability dereferences: "CAPABILITY"
 * not followed by an atom becomes "XAPABILITY".  A BYE greeting makes
 * mailimap_connect leak the greeting: it becomes "* XYE" (unreadable).
 *
 * TQ_FUZZ_IMAP_UNFILTERED=1 sends the input as it is (scripts/fuzz
 * replays tests/fuzz/regress/imap/ so: those are fixed in imap.c).
 *
 * The log goes to /dev/null at debug level (every server text goes
 * through log_esc); TQ_FUZZ_LOG=1 in the environment shows it on stderr.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "imap.h"
#include "log.h"
#include "socks.h"

#define ERRSZ 1024
#define MAX_UIDS 4
#define MAX_MSG (1024 * 1024)
#define MAX_LIT 1048576 /* literal count the server may announce */
#define MAX_LIT_DIGITS 7

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
enum status __wrap_socks_connect(const struct socks_opts *, const char *, int,
				 int, int *, char *, size_t);
mailstream *__real_mailstream_socket_open_timeout(int, time_t);
mailstream *__wrap_mailstream_socket_open_timeout(int, time_t);

struct server {
	uint8_t *data;
	size_t len;
	int fd;
};

static int client_fd = -1; /* handed to imap_open by the wrapper */

enum status
__wrap_socks_connect(const struct socks_opts *p, const char *host, int port,
		     int timeout, int *fd, char *err, size_t errsz)
{
	if (client_fd == -1)
		abort(); /* connected twice in one session */
	*fd = client_fd;
	client_fd = -1;
	return ST_OK;
}

/*
 * Leaks inside libetpan's parser, on its own error paths, that no caller
 * can free: suppressed by the constructor of what leaks, only for objects
 * imap.c never builds itself (a result imap.c forgot to free would still
 * show through its other objects).  Reproducers in tests/fuzz/known/imap/
 * (the MMAPString one, seen once in a long run, did not reproduce from its
 * input alone).
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:mailimap_section_spec_new\n"
	       "leak:mailimap_section_msgtext_new\n"
	       "leak:mailimap_astring_parse\n"
	       "leak:mmap_string_sized_new\n";
}

static mailstream_low_driver eof_driver;
static int raw_eof;    /* TQ_FUZZ_IMAP_RAW_EOF: keep libetpan's EOF */
static int unfiltered; /* TQ_FUZZ_IMAP_UNFILTERED: no byte changes */

static ssize_t
eof_read(mailstream_low *low, void *buf, size_t count)
{
	ssize_t n;

	n = mailstream_socket_driver->mailstream_read(low, buf, count);
	return n == 0 && count > 0 ? -1 : n;
}

mailstream *
__wrap_mailstream_socket_open_timeout(int fd, time_t timeout)
{
	mailstream *s;

	s = __real_mailstream_socket_open_timeout(fd, timeout);
	if (s == NULL || raw_eof)
		return s;
	if (mailstream_get_low(s)->driver != mailstream_socket_driver)
		abort();
	eof_driver = *mailstream_socket_driver;
	eof_driver.mailstream_read = eof_read;
	mailstream_get_low(s)->driver = &eof_driver;
	return s;
}

static void *
serve(void *arg)
{
	struct server *s = arg;
	char sink[4096];
	size_t off = 0;
	ssize_t n;

	while (off < s->len) {
		n = send(s->fd, s->data + off, s->len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the client has gone */
		off += (size_t)n;
	}
	shutdown(s->fd, SHUT_WR);
	while (read(s->fd, sink, sizeof(sink)) > 0)
		continue;
	close(s->fd);
	return NULL;
}

/* "{N}" with N > MAX_LIT becomes "{000..MAX_LIT}", in place. */
static void
clamp_literals(uint8_t *d, size_t len)
{
	char lit[MAX_LIT_DIGITS + 1];
	unsigned long v;
	size_t i, j, n;

	for (i = 0; i < len; i++) {
		if (d[i] != '{')
			continue;
		v = 0;
		for (j = i + 1; j < len && d[j] >= '0' && d[j] <= '9'; j++)
			if (j - i <= MAX_LIT_DIGITS)
				v = v * 10 + (unsigned long)(d[j] - '0');
		n = j - i - 1;
		if (n < MAX_LIT_DIGITS || (n == MAX_LIT_DIGITS && v <= MAX_LIT))
			continue;
		memset(d + i + 1, '0', n - MAX_LIT_DIGITS);
		snprintf(lit, sizeof(lit), "%d", MAX_LIT);
		memcpy(d + j - MAX_LIT_DIGITS, lit, MAX_LIT_DIGITS);
	}
}

static int
atom_char(uint8_t c, int resp_special)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\", c) == NULL &&
	       (resp_special || c != ']');
}

/*
 * "PERMANENTFLAGS (" (any case) not followed by ")" or by a first flag
 * libetpan reads (\*, \atom or an atom, then SP or ")"): "XERMANENTFLAGS".
 */
static void
avoid_permanentflags(uint8_t *d, size_t len)
{
	static const char kw[] = "PERMANENTFLAGS (";
	const size_t n = sizeof(kw) - 1;
	size_t i, j, start;
	int ok;

	for (i = 0; i + n <= len; i++) {
		if (strncasecmp((const char *)d + i, kw, n) != 0)
			continue;
		j = i + n;
		if (j < len && d[j] == ')')
			continue;
		if (j + 1 < len && d[j] == '\\' && d[j + 1] == '*') {
			j += 2;
			ok = 1;
		} else {
			if (j < len && d[j] == '\\')
				j++;
			start = j;
			while (j < len && atom_char(d[j], d[start - 1] != '\\'))
				j++;
			ok = j > start;
		}
		if (!ok || j >= len || (d[j] != ' ' && d[j] != ')'))
			d[i] = 'X';
	}
}

/*
 * "[ALERT]" and "[PARSE]" (any case) unless a space and a visible character
 * follow (blanks, a NUL or the line end after them also left no text).
 */
static void
avoid_textless_codes(uint8_t *d, size_t len)
{
	static const char *const codes[] = {"[ALERT]", "[PARSE]"};
	size_t i, c, n;

	for (c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		n = strlen(codes[c]);
		for (i = 0; i + n <= len; i++) {
			if (strncasecmp((const char *)d + i, codes[c], n) != 0)
				continue;
			if (i + n + 1 >= len || d[i + n] != ' ' ||
			    d[i + n + 1] <= 0x20 || d[i + n + 1] >= 0x7f)
				d[i + 1] = 'X';
		}
	}
}

/* "CAPABILITY" (any case) not followed, after blanks, by an atom. */
static void
avoid_empty_capability(uint8_t *d, size_t len)
{
	static const char kw[] = "CAPABILITY";
	const size_t n = sizeof(kw) - 1;
	size_t i, k;

	for (i = 0; i + n <= len; i++) {
		if (strncasecmp((const char *)d + i, kw, n) != 0)
			continue;
		for (k = i + n; k < len && (d[k] == ' ' || d[k] == '\t'); k++)
			continue;
		if (k >= len || !atom_char(d[k], 0))
			d[i] = 'X';
	}
}

/*
 * In the greeting (the first line): "* BYE" (any case, blanks before and
 * after the "*") becomes "* XYE", PERMANENTFLAGS and BADCHARSET (any case)
 * X-names.
 */
static void
avoid_greeting(uint8_t *d, size_t len)
{
	static const char *const codes[] = {"PERMANENTFLAGS", "BADCHARSET"};
	const uint8_t *nl;
	size_t j, k, line, n;

	nl = memchr(d, '\n', len);
	line = nl != NULL ? (size_t)(nl - d) : len;
	for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
		n = strlen(codes[k]);
		for (j = 0; j + n <= line; j++)
			if (strncasecmp((const char *)d + j, codes[k], n) == 0)
				d[j] = 'X';
	}
	for (j = 0; j < len && (d[j] == ' ' || d[j] == '\t'); j++)
		continue;
	if (j >= len || d[j] != '*')
		return;
	for (j++; j < len && (d[j] == ' ' || d[j] == '\t'); j++)
		continue;
	if (j + 3 <= len && strncasecmp((const char *)d + j, "BYE", 3) == 0)
		d[j] = 'X';
}

static void
setup(void)
{
	char err[ERRSZ];
	int fd;

	signal(SIGPIPE, SIG_IGN);
	raw_eof = getenv("TQ_FUZZ_IMAP_RAW_EOF") != NULL;
	unfiltered = getenv("TQ_FUZZ_IMAP_UNFILTERED") != NULL;
	if (getenv("TQ_FUZZ_LOG") != NULL) {
		if (log_open("stderr", "fuzz_imap", LL_DEBUG, err,
			     sizeof(err)) == -1)
			abort();
		return;
	}
	if ((fd = open("/dev/null", O_WRONLY)) == -1 || dup2(fd, 1) == -1)
		abort();
	close(fd);
	if (log_open("stdout", "fuzz_imap", LL_DEBUG, err, sizeof(err)) == -1)
		abort();
}

static void
session(unsigned opt)
{
	struct imap_opts o;
	struct imap *im = NULL;
	uint32_t *uids = NULL;
	size_t n = 0, i, len;
	char err[ERRSZ], *raw;
	time_t date;

	memset(&o, 0, sizeof(o));
	o.server = "imap.fuzz.invalid";
	o.starttls = 1;
	o.allow_plaintext = 1;
	o.username = "reports@example.org";
	o.password = "fuzz-password";
	o.auth = (opt & 1) ? "plain" : "login";
	o.folder = (opt & 2) ? "Intel/Berichte & \xc3\x9c" : "INBOX";
	o.verify_tls = 1;
	o.timeout = 5;
	if (imap_open(&o, &im, err, sizeof(err)) != ST_OK)
		return;
	(void)imap_uidvalidity(im);
	if (imap_unseen(im, MAX_UIDS, &uids, &n, err, sizeof(err)) == ST_OK) {
		if (n > MAX_UIDS)
			abort();
		for (i = 0; i < n; i++) {
			if (i > 0 && uids[i] <= uids[i - 1])
				abort(); /* promised ascending, unique */
			if (imap_fetch(im, uids[i], MAX_MSG, &raw, &len, &date,
				       err, sizeof(err)) == ST_OK) {
				if (len > MAX_MSG || raw[len] != '\0')
					abort();
				free(raw);
			} else if (raw != NULL)
				abort();
			if (opt & 4)
				(void)imap_move(im, uids[i],
						"Quarant\xc3\xa4ne", err,
						sizeof(err));
			else
				(void)imap_add_flag(im, uids[i],
						    (opt & 8) ? "$TQ-Failed"
							      : "\\Seen",
						    err, sizeof(err));
		}
		free(uids);
	}
	imap_close(im);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int ready;
	struct server s;
	pthread_t t;
	int sv[2];

	if (!ready) {
		setup();
		ready = 1;
	}
	if (len < 1)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	if ((s.data = malloc(len)) == NULL)
		abort();
	memcpy(s.data, data + 1, len - 1);
	s.len = len - 1;
	if (!unfiltered) {
		clamp_literals(s.data, s.len);
		avoid_permanentflags(s.data, s.len);
		avoid_greeting(s.data, s.len);
		avoid_textless_codes(s.data, s.len);
		avoid_empty_capability(s.data, s.len);
	}
	s.fd = sv[1];
	client_fd = sv[0];
	if (pthread_create(&t, NULL, serve, &s) != 0)
		abort();
	session(data[0]);
	if (client_fd != -1) { /* imap_open gave up before connecting */
		close(client_fd);
		client_fd = -1;
	}
	pthread_join(t, NULL);
	free(s.data);
	return 0;
}
