/*
 * The IMAP side, with libetpan: connect (IMAPS, or STARTTLS with -ds,
 * optionally through SOCKS), verify the server's certificate ourselves
 * (libetpan does not), log in, select the folder, list unread UIDs, fetch
 * without setting \Seen, and set \Seen or a keyword per message.
 */
#ifndef IMAP_H
#define IMAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "socks.h"
#include "status.h"

struct imap_opts {
	const char *server;  /* host name or address */
	int port;	     /* 0: 993, or 143 with starttls */
	int starttls;	     /* -ds: port 143, STARTTLS when offered */
	int allow_plaintext; /* LOGIN in clear when no STARTTLS */
	const char *username;
	const char *password;
	const char *auth;    /* "login" (default), "plain", or "xoauth2": then
				password is the OAuth access token */
	const char *folder;  /* UTF-8 name; default "INBOX" */
	const char *ca_file; /* NULL: the system trust store */
	int verify_tls;	     /* 0 only by explicit configuration */
	struct socks_opts proxy; /* type SOCKS_NONE: direct */
	int timeout;		 /* seconds for connect and each command */
	size_t fetch_chunk;	 /* body bytes per partial fetch; 0: default */
};

/* A message larger than this is fetched in parts of this size. */
#define IMAP_FETCH_CHUNK (1024 * 1024)

struct imap;

/*
 * Connect, verify TLS, log in and SELECT the folder.  ST_OK with *out;
 * ST_TEMP when the server cannot be reached or drops the connection;
 * ST_AUTH when the login is refused; ST_CONFIG for a certificate that
 * does not verify (err names the server and the reason), a refused
 * plaintext login, or a folder that does not exist.
 */
enum status imap_open(const struct imap_opts *, struct imap **out, char *err,
		      size_t errsz);

/* UIDVALIDITY of the selected folder. */
uint32_t imap_uidvalidity(const struct imap *);

/* UID SEARCH UNSEEN, ascending; *uids malloc'd (free it), at most max. */
enum status imap_unseen(struct imap *, size_t max, uint32_t **uids, size_t *n,
			char *err, size_t errsz);

/*
 * UID FETCH uid (BODY.PEEK[] INTERNALDATE RFC822.SIZE): never sets \Seen.
 * A message larger than max is not fetched: ST_MSG_BAD with its size in
 * err.  ST_OK with *raw (malloc'd, NUL-terminated) and *len; *internaldate
 * or -1.  ST_TEMP when the connection drops or times out.
 *
 * A message whose RFC822.SIZE is over fetch_chunk comes in partial fetches
 * (BODY.PEEK[]<offset.length>) into one buffer of that size, so that only
 * one part at a time is held twice; a server whose answers do not match
 * that size exactly (a wrong RFC822.SIZE, a short or long part, no partial
 * fetches, a message that changed) gets the whole BODY.PEEK[] instead, as
 * for a small message, with a warning.
 */
enum status imap_fetch(struct imap *, uint32_t uid, size_t max, char **raw,
		       size_t *len, time_t *internaldate, char *err,
		       size_t errsz);

/* UID STORE uid +FLAGS.SILENT (flag), e.g. "\\Seen" or "$TQ-Failed". */
enum status imap_add_flag(struct imap *, uint32_t uid, const char *flag,
			  char *err, size_t errsz);

/* UID MOVE to folder, or COPY + \Deleted + UID EXPUNGE when MOVE is absent. */
enum status imap_move(struct imap *, uint32_t uid, const char *folder,
		      char *err, size_t errsz);

/* LOGOUT and close; accepts NULL. */
void imap_close(struct imap *);

#endif
