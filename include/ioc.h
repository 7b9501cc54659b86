/*
 * Indicators of compromise from text, with PCRE2 (JIT).  Defanged forms are
 * found and refanged; values are normalised and de-duplicated.  Pure.
 */
#ifndef IOC_H
#define IOC_H

#include <stddef.h>

#include "status.h"

enum ioc_type {
	IOC_IPV4,
	IOC_IPV6,
	IOC_CIDR,
	IOC_FQDN,
	IOC_URL,
	IOC_EMAIL,
	IOC_MD5,
	IOC_SHA1,
	IOC_SHA256,
	IOC_SHA512,
	IOC_CVE,
	IOC_FILENAME,
	IOC_REGKEY,
	IOC_BTC,
	IOC_ASN,
	IOC_NTYPES
};

struct ioc {
	enum ioc_type type;
	char *value;
};

/* A de-duplicated list in order of first appearance. */
struct ioc_set {
	struct ioc *v;
	size_t n;
	size_t cap;
	void *index; /* private: dedup table */
};

struct ioc_ctx;

/* Compile the patterns once.  NULL with err filled in on failure. */
struct ioc_ctx *ioc_ctx_new(char *err, size_t errsz);
void ioc_ctx_free(struct ioc_ctx *);

/* Drop these values (one per line, '#' comments; a domain drops its
 * subdomains; a Unicode host name is taken in its punycode form).
 * ST_CONFIG for an entry libidn2 rejects. */
enum status ioc_ctx_exclude(struct ioc_ctx *, const char *list, size_t len);

/*
 * The sender of the message being read (an address or a host name, NULL to
 * clear): host names, URLs and addresses on its registrable domain are not
 * reported - a newsletter's own links and contacts.  Free-mail providers
 * (gmail.com, outlook.com, ...) are never taken as a sender's own domain.
 */
void ioc_ctx_set_own_domain(struct ioc_ctx *, const char *addr);

/*
 * Append the IoCs found in text/len to out (skipping ones already there).
 * ST_OK; ST_NOMEM when out would pass MAX_IOCS or memory runs out.
 */
enum status ioc_extract(struct ioc_ctx *, const char *text, size_t len,
			struct ioc_set *out);

/*
 * The scan runs the pattern only around the bytes that every indicator
 * contains (dots, colons, '@', brackets, backslashes, long runs of letters
 * and digits, the numbers of CVEs and ASNs...), which gives exactly the
 * result of running it over the whole text, several times faster.  on = 0
 * turns that off (the plain scan, from every position), on = 1 back on (the
 * default); for benchmarks and differential tests.
 */
void ioc_ctx_set_prefilter(struct ioc_ctx *, int on);

/* Add one value (already normalised) to a set; 1 added, 0 present, -1 error. */
int ioc_set_add(struct ioc_set *, enum ioc_type, const char *value);
int ioc_set_has(const struct ioc_set *, enum ioc_type, const char *value);
/* Remove every value of drop from the set; ST_OK or ST_NOMEM (set intact). */
enum status ioc_set_remove(struct ioc_set *, const struct ioc_set *drop);
void ioc_set_init(struct ioc_set *);
void ioc_set_free(struct ioc_set *);

/*
 * Why-dropped diagnostics: fn (or NULL to turn off) is called for each
 * candidate the extractor rejects, with the candidate as written (cut to a
 * few hundred bytes) and a short reason such as "no public suffix", "file
 * name", "version string", "repeated character", "bad checksum".  Called
 * synchronously from ioc_extract(); the strings live only for the call.
 */
typedef void (*ioc_debug_fn)(void *arg, const char *candidate,
			     const char *reason);
void ioc_ctx_set_debug(struct ioc_ctx *, ioc_debug_fn fn, void *arg);

/*
 * 1 when the value is an IPv4/IPv6 address or CIDR block in a private,
 * loopback, link-local, shared (100.64/10), "this network" (0/8),
 * documentation, multicast or broadcast range, or an FQDN, URL or email
 * address on an RFC 2606 documentation domain (example.com, .net, .org and
 * their subdomains); 0 otherwise.  Such values are still extracted: a
 * later stage decides whether to mark or drop them.
 */
int ioc_is_reserved(const struct ioc *);

/* ThreatQ's type name: "IP Address", "FQDN", "URL", "Email Address", "MD5", ...
 */
const char *ioc_type_name(enum ioc_type);

#endif
