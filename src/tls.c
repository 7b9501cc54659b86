/*
 * Certificate verification with GnuTLS for the IMAP connection: libetpan's
 * GnuTLS build completes the handshake without checking anything, so the
 * caller hands us the peer's chain after the handshake and before any
 * credentials go out.  The checks: a path to a trusted CA (system store or
 * ca_file), validity dates, key purpose serverAuth, and the host name.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"
#include "tls.h"

#define TLS_DN_MAX 256 /* a distinguished name in a message */
#define TLS_DATE_MAX 32

/* The subject or issuer of crt, escaped for a message, into out. */
static const char *
crt_name(gnutls_x509_crt_t crt, int issuer, char *out, size_t outsz)
{
	gnutls_datum_t dn = {NULL, 0};
	char esc[LOG_ESC_SIZE];
	int r;

	r = issuer ? gnutls_x509_crt_get_issuer_dn2(crt, &dn)
		   : gnutls_x509_crt_get_dn2(crt, &dn);
	if (r < 0 || dn.data == NULL) {
		snprintf(out, outsz, "(unknown)");
		goto out;
	}
	snprintf(out, outsz, "%s",
		 log_esc(esc, sizeof(esc), (const char *)dn.data, dn.size));
out:
	gnutls_free(dn.data);
	return out;
}

static const char *
fmt_date(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		snprintf(out, outsz, "(unknown date)");
	else
		strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return out;
}

/* Explain a failed time check: which certificate, and when. */
static void
time_reason(gnutls_x509_crt_t *crts, size_t n, const char *server, char *err,
	    size_t errsz)
{
	char name[TLS_DN_MAX], date[TLS_DATE_MAX];
	time_t now = time(NULL), t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = gnutls_x509_crt_get_expiration_time(crts[i]);
		if (t != (time_t)-1 && t < now) {
			snprintf(err, errsz,
				 "server %s: certificate \"%s\"%s "
				 "expired on %s",
				 server,
				 crt_name(crts[i], 0, name, sizeof(name)),
				 i == 0 ? "" : " (in the chain)",
				 fmt_date(t, date, sizeof(date)));
			return;
		}
		t = gnutls_x509_crt_get_activation_time(crts[i]);
		if (t != (time_t)-1 && t > now) {
			snprintf(err, errsz,
				 "server %s: certificate of \"%s\" "
				 "is not valid before %s",
				 server,
				 crt_name(crts[i], 0, name, sizeof(name)),
				 fmt_date(t, date, sizeof(date)));
			return;
		}
	}
	snprintf(err, errsz,
		 "server %s: certificate expired or not yet "
		 "valid",
		 server);
}

/* Turn a verification status into a sentence; the worst reason first. */
static void
status_reason(unsigned int st, gnutls_x509_crt_t *crts, size_t n,
	      const char *server, const char *ca_file, char *err, size_t errsz)
{
	char name[TLS_DN_MAX];
	gnutls_datum_t txt = {NULL, 0};

	if (st & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) {
		snprintf(err, errsz,
			 "server %s: certificate not trusted: "
			 "issuer \"%s\" is not in %s%s",
			 server, crt_name(crts[n - 1], 1, name, sizeof(name)),
			 ca_file != NULL ? "ca_file "
					 : "the system trust store",
			 ca_file != NULL ? ca_file : "");
		return;
	}
	if (st & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED)) {
		time_reason(crts, n, server, err, errsz);
		return;
	}
	if (st & GNUTLS_CERT_REVOKED) {
		snprintf(err, errsz, "server %s: certificate revoked", server);
		return;
	}
	if (st & GNUTLS_CERT_PURPOSE_MISMATCH) {
		snprintf(err, errsz,
			 "server %s: certificate not issued for a "
			 "TLS server",
			 server);
		return;
	}
	if (gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509,
							 &txt, 0) == 0 &&
	    txt.data != NULL)
		snprintf(err, errsz, "server %s: certificate not trusted: %s",
			 server, (const char *)txt.data);
	else
		snprintf(err, errsz,
			 "server %s: certificate not trusted "
			 "(status 0x%x)",
			 server, st);
	gnutls_free(txt.data);
}

int
tls_verify_chain(const struct tls_der *chain, size_t n, const char *server,
		 const char *ca_file, char *err, size_t errsz)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t crts[TLS_MAX_CHAIN];
	gnutls_typed_vdata_st vdata[1];
	gnutls_datum_t d;
	unsigned int st = 0;
	char name[TLS_DN_MAX];
	size_t i, ncrt = 0;
	int r, rv = -1;

	if (server == NULL || *server == '\0') {
		snprintf(err, errsz, "certificate check: no server name");
		goto out;
	}
	if (chain == NULL || n == 0) {
		snprintf(err, errsz, "server %s: sent no certificate", server);
		goto out;
	}
	if (n > TLS_MAX_CHAIN) {
		snprintf(err, errsz,
			 "server %s: certificate chain of %zu "
			 "exceeds %d",
			 server, n, TLS_MAX_CHAIN);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (gnutls_x509_crt_init(&crts[i]) < 0) {
			snprintf(err, errsz, "server %s: out of memory",
				 server);
			goto out;
		}
		ncrt++;
		d.data = (unsigned char *)(uintptr_t)chain[i].data;
		d.size = (unsigned int)chain[i].len;
		if (chain[i].len > 0xffffffu ||
		    gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER) <
			0) {
			snprintf(err, errsz,
				 "server %s: malformed certificate "
				 "%zu in the chain",
				 server, i);
			goto out;
		}
	}

	if ((r = gnutls_x509_trust_list_init(&tl, 0)) < 0) {
		snprintf(err, errsz, "server %s: trust list: %s", server,
			 gnutls_strerror(r));
		goto out;
	}
	if (ca_file != NULL) {
		r = gnutls_x509_trust_list_add_trust_file(
		    tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			snprintf(err, errsz, "server %s: ca_file %s: %s",
				 server, ca_file,
				 r < 0 ? gnutls_strerror(r)
				       : "no certificates in it");
			goto out;
		}
	} else {
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
		if (r <= 0) {
			snprintf(err, errsz,
				 "server %s: system trust "
				 "store: %s",
				 server,
				 r < 0 ? gnutls_strerror(r)
				       : "no certificates in it");
			goto out;
		}
	}

	memset(vdata, 0, sizeof(vdata));
	vdata[0].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[0].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, (unsigned int)ncrt,
					       vdata, 1, 0, &st, NULL);
	if (r < 0) {
		snprintf(err, errsz, "server %s: certificate check: %s", server,
			 gnutls_strerror(r));
		goto out;
	}
	if (st != 0) {
		status_reason(st, crts, ncrt, server, ca_file, err, errsz);
		goto out;
	}
	if (!gnutls_x509_crt_check_hostname2(crts[0], server, 0)) {
		snprintf(err, errsz,
			 "server %s: certificate is for \"%s\", "
			 "not for %s (wrong host)",
			 server, crt_name(crts[0], 0, name, sizeof(name)),
			 server);
		goto out;
	}
	rv = 0;
out:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rv;
}

int
tls_curl_trust(void *curl, const char *ca_file)
{
	CURL *c = curl;
	char *bundle = NULL;

	if (ca_file != NULL)
		return curl_easy_setopt(c, CURLOPT_CAINFO, ca_file) ==
				   CURLE_OK &&
			       curl_easy_setopt(c, CURLOPT_CAPATH,
						(char *)NULL) == CURLE_OK
			   ? 0
			   : -1;
	/* The built-in bundle; a libcurl older than 7.84 cannot say. */
	if (curl_easy_getinfo(c, CURLINFO_CAINFO, &bundle) != CURLE_OK ||
	    bundle == NULL || access(bundle, R_OK) == -1)
		return 0;
	return curl_easy_setopt(c, CURLOPT_CAPATH, (char *)NULL) == CURLE_OK
		   ? 0
		   : -1;
}

int
tls_curl_cert_error(int curl_code)
{
	switch ((CURLcode)curl_code) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}
