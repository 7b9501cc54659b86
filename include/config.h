/*
 * INI configuration: CONFIG/<name>.ini, sections [threatq], [mailbox],
 * [connector].  See man/tq-conn-intel-mailbox-reports.conf.5 for each key.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>
#include <stddef.h>

#include "status.h"

struct config {
	char *path; /* file the values came from, or NULL */
	struct {
		char *host;
		char *client_id;
		char *client_secret;
		char *username;
		char *password;
		char *status; /* default "Review" */
		char *ca_file;
		int verify_tls;	      /* default 1 */
		long timeout;	      /* seconds per request, default 60 */
		long connect_timeout; /* seconds, default 10 */
		long max_retries;     /* per request, default 4 */
	} tq;
	struct {
		char *server;
		int port; /* 0 = by mode: 993, or 143 with -ds */
		char *username;
		char *password;
		char *folder; /* default "INBOX" */
		char *proxy_address;
		int proxy_port;
		char *proxy_type; /* "socks4" | "socks5" | NULL */
		char *ca_file;
		int verify_tls;
		int allow_plaintext;
		char *auth;	      /* "login" | "plain" | "xoauth2" | NULL */
		char *failed_folder;  /* quarantine by moving, or NULL */
		char *proxy_username; /* SOCKS5 username/password, or NULL */
		char *proxy_password;
		long timeout; /* seconds for connect and each command */
		/* auth = xoauth2 (oauth2.h) */
		char *oauth2_token_url; /* https:// */
		char *oauth2_client_id;
		char *oauth2_client_secret; /* or NULL */
		char *oauth2_refresh_token; /* NULL: client_credentials */
		char *oauth2_scope;	    /* or NULL */
		char *oauth2_ca_file;	    /* NULL: the system trust store */
	} mbox;
	struct {
		char *source;	       /* default "Intel Mailbox" */
		char *default_tlp;     /* default "AMBER" */
		char *email_file_type; /* default "Generic Text" */
		char *exclusions_file;
		long max_message_size;
		long max_attachment_size;
		int max_attempts;   /* default 3 */
		long max_runtime;   /* seconds, default 6600 */
		long max_messages;  /* per run, default 1000 */
		long max_in_flight; /* messages pushed at once, default 4 */
		char *reserved;	    /* "mark" (default) | "drop" */
		int upload_inline_images;
		char *pdftotext; /* program path, NULL: PDF text off */
	} conn;
};

/* Called for each non-fatal finding ("file:line: unknown key 'x'"). */
typedef void (*config_warn_fn)(const char *msg);

/* Fill an empty c with the built-in defaults (no secrets, no hosts). */
void config_defaults(struct config *c);

/*
 * Load and validate path into an empty c (it starts from the defaults; on
 * failure c is left empty, so config_free is always safe).  ST_OK; ST_CONFIG
 * with err naming the file, key and value (never a secret) for bad values,
 * permissions that expose a secret (err says the chmod to run), unreadable
 * password_file or unset password_env (and the same for the oauth2 secrets);
 * ST_IO when the file is missing (errno ENOENT kept). Secrets found are
 * registered with log_add_secret().
 */
enum status config_load(struct config *c, const char *path, config_warn_fn warn,
			char *err, size_t errsz);

/*
 * The values needed to talk to ThreatQ (and, with mailbox set, to IMAP:
 * with auth = xoauth2 the oauth2 keys instead of a password): ST_CONFIG
 * naming the first missing key.
 */
enum status config_check_online(const struct config *c, int mailbox, char *err,
				size_t errsz);

/*
 * First run: ask on in/out (a terminal) for ThreatQ Host, ThreatQ Client ID,
 * ThreatQ Username, ThreatQ Password (no echo when in is a tty) and Status
 * (default Review); write path atomically with mode 0600.  ST_OK, ST_IO, or
 * ST_CONFIG when an answer is empty or input ends.
 */
enum status config_first_run(const char *path, FILE *in, FILE *out, char *err,
			     size_t errsz);

void config_free(struct config *c);

/* CONFIG/<name>.ini, malloc'd; NULL on ENOMEM. */
char *config_path(const char *dir, const char *name);

#endif
