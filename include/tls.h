/*
 * Server certificate verification with GnuTLS, for connections whose TLS
 * library does not verify (libetpan): the peer's chain against the system
 * trust store or a CA file, the validity dates, the key purpose and the
 * host name (DNS name or IP address).  Pure except for reading the CAs.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#define TLS_MAX_CHAIN 16 /* certificates accepted from a peer */

/* One certificate in DER, as sent by the peer (leaf first). */
struct tls_der {
	const unsigned char *data;
	size_t len;
};

/*
 * Verify chain[0..n-1] for server (the name or address connected to).
 * ca_file NULL: the system trust store.  Returns 0, or -1 with err naming
 * the server and the reason: untrusted issuer, expired or not yet valid,
 * wrong host, unreadable CA file, malformed certificate.
 */
int tls_verify_chain(const struct tls_der *chain, size_t n, const char *server,
		     const char *ca_file, char *err, size_t errsz);

/*
 * The trust of a libcurl handle (a CURL *), set after every
 * curl_easy_reset(): ca_file alone when given, else libcurl's built-in CA
 * bundle alone when it has one, else its built-in CA directory.  Left to
 * itself, libcurl with GnuTLS loads the bundle (or ca_file) and the
 * directory, for every connection: the system's CAs trusted beside a
 * ca_file meant to replace them, and each connection holding two parsed
 * copies of the system store (some 4 MB each).  A built-in bundle that
 * cannot be read leaves the directory in use.
 * 0, or -1 when libcurl refuses an option.
 */
int tls_curl_trust(void *curl, const char *ca_file);

/*
 * Whether a libcurl result (a CURLcode) says the peer's certificate or the
 * local TLS settings are wrong: no retry can fix it, the configuration
 * (ca_file, the server's certificate) must change.
 */
int tls_curl_cert_error(int curl_code);

#endif
