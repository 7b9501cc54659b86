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
 *   bit 6  fetch bodies over 64 bytes in 64-byte partial fetches
 *          (BODY.PEEK[]<off.64>), as imap.c does with 1 MiB parts
 * so an ASCII '0' is the plain LOGIN/INBOX/\Seen session.
 *
 * imap.c puts imapguard.c between the stream and libetpan's parser, so
 * the server's bytes reach libetpan's parser as the guard lets them (it
 * defends against the libetpan bugs in tests/fuzz/README.md): the harness
 * changes nothing in the input.
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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imap.h"
#include "log.h"
#include "socks.h"

#define ERRSZ 1024
#define MAX_UIDS 4
#define MAX_MSG (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
enum status __wrap_socks_connect(const struct socks_opts *, const char *, int,
				 int, int *, char *, size_t);

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
 * show through its other objects).  Reproducers in tests/fuzz/regress/imap/
 * named libetpan-leak-* (the MMAPString one, seen once in a long run, did
 * not reproduce from its input alone).  A "* BYE" greeting leaks 40 bytes
 * once per run: mailimap_connect returns without freeing it.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:mailimap_section_spec_new\n"
	       "leak:mailimap_section_msgtext_new\n"
	       "leak:mailimap_astring_parse\n"
	       "leak:mmap_string_sized_new\n"
	       "leak:mailimap_greeting_new\n";
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

static void
setup(void)
{
	char err[ERRSZ];
	int fd;

	signal(SIGPIPE, SIG_IGN);
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
	o.fetch_chunk = (opt & 64) ? 64 : 0;
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
