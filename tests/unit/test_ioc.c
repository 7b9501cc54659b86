/* Unit tests for ioc: extraction, refanging, precision rules, sets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "ioc.h"

struct want {
	enum ioc_type type;
	const char *value;
};

static struct ioc_ctx *ctx;

static int
setup(void **state)
{
	char err[256];

	if ((ctx = ioc_ctx_new(err, sizeof(err))) == NULL) {
		fprintf(stderr, "ioc_ctx_new: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	ioc_ctx_free(ctx);
	ctx = NULL;
	return 0;
}

static void
dump(const struct ioc_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		fprintf(stderr, "  got %s: %s\n", ioc_type_name(s->v[i].type),
			s->v[i].value);
}

/* Extract from text (len bytes) with c; the result must be exactly w[0..n). */
static void
expect_len(struct ioc_ctx *c, const char *text, size_t len,
	   const struct want *w, size_t n)
{
	struct ioc_set s;
	size_t i;

	ioc_set_init(&s);
	assert_int_equal(ioc_extract(c, text, len, &s), ST_OK);
	if (s.n != n) {
		fprintf(stderr, "text: %.200s\n", text);
		dump(&s);
	}
	assert_int_equal(s.n, n);
	for (i = 0; i < n; i++) {
		if (s.v[i].type != w[i].type ||
		    strcmp(s.v[i].value, w[i].value) != 0) {
			fprintf(stderr, "text: %.200s\n", text);
			dump(&s);
		}
		assert_int_equal(s.v[i].type, w[i].type);
		assert_string_equal(s.v[i].value, w[i].value);
	}
	ioc_set_free(&s);
}

#define EXPECT(text, ...)                                                      \
	do {                                                                   \
		const struct want w_[] = {__VA_ARGS__};                        \
		expect_len(ctx, (text), strlen(text), w_,                      \
			   sizeof(w_) / sizeof(w_[0]));                        \
	} while (0)

#define EXPECT_NONE(text) expect_len(ctx, (text), strlen(text), NULL, 0)

#define W(t, v)                                                                \
	{                                                                      \
		(t), (v)                                                       \
	}

static void
t_type_names(void **state)
{
	static const char *const names[IOC_NTYPES] = {
	    "IP Address",   "IPv6 Address",    "CIDR Block", "FQDN",
	    "URL",	    "Email Address",   "MD5",	     "SHA-1",
	    "SHA-256",	    "SHA-512",	       "CVE",	     "Filename",
	    "Registry Key", "Bitcoin Address", "ASN"};
	int i;

	for (i = 0; i < IOC_NTYPES; i++)
		assert_string_equal(ioc_type_name((enum ioc_type)i), names[i]);
	assert_non_null(ioc_type_name(IOC_NTYPES));
	assert_string_not_equal(ioc_type_name(IOC_NTYPES), "ASN");
}

static void
t_ctx_err_null(void **state)
{
	struct ioc_ctx *c;

	c = ioc_ctx_new(NULL, 0);
	assert_non_null(c);
	ioc_ctx_free(c);
	ioc_ctx_free(NULL);
}

static void
t_url_defanged_example(void **state)
{
	/* The URL's host is not also an FQDN. */
	EXPECT("hxxp://login-verify[.]com/a",
	       W(IOC_URL, "http://login-verify.com/a"));
	EXPECT("login-verify[.]com", W(IOC_FQDN, "login-verify.com"));
	/* ...unless it also stands alone, before or after. */
	EXPECT("hxxp://login-verify[.]com/a and login-verify[.]com",
	       W(IOC_URL, "http://login-verify.com/a"),
	       W(IOC_FQDN, "login-verify.com"));
	EXPECT("login-verify.com, see http://login-verify.com/a",
	       W(IOC_FQDN, "login-verify.com"),
	       W(IOC_URL, "http://login-verify.com/a"));
}

static void
t_email_defanged(void **state)
{
	EXPECT("user[at]evil-domain[.]net",
	       W(IOC_EMAIL, "user@evil-domain.net"));
	EXPECT("mail John.Doe@Evil-Domain.NET now",
	       W(IOC_EMAIL, "john.doe@evil-domain.net"));
	EXPECT("a(at)evil.com b[@]evil.com c{at}evil.com d [at] evil.com",
	       W(IOC_EMAIL, "a@evil.com"), W(IOC_EMAIL, "b@evil.com"),
	       W(IOC_EMAIL, "c@evil.com"), W(IOC_EMAIL, "d@evil.com"));
	EXPECT("first[.]last[at]evil(.)com",
	       W(IOC_EMAIL, "first.last@evil.com"));
	/* Domain of an address is not an FQDN unless standing alone. */
	EXPECT("x@evil.com and evil.com", W(IOC_EMAIL, "x@evil.com"),
	       W(IOC_FQDN, "evil.com"));
	EXPECT("x+tag@mail.evil.com", W(IOC_EMAIL, "x+tag@mail.evil.com"));
}

static void
t_email_negative(void **state)
{
	EXPECT_NONE("root@localhost");
	EXPECT_NONE("a@b.pdf");
	EXPECT_NONE("me@co.uk");
	EXPECT_NONE("user@intranet.local");
	EXPECT_NONE("@evil.com");
	/* Local part over 64 characters. */
	EXPECT_NONE(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@evil.com");
}

static void
t_defangs(void **state)
{
	EXPECT("hxxp://a.evil.com/x hxxps://b.evil.com/x hXXp://c.evil.com/x "
	       "HXXPS://d.evil.com/x fxp://e.evil.com/x",
	       W(IOC_URL, "http://a.evil.com/x"),
	       W(IOC_URL, "https://b.evil.com/x"),
	       W(IOC_URL, "http://c.evil.com/x"),
	       W(IOC_URL, "https://d.evil.com/x"),
	       W(IOC_URL, "ftp://e.evil.com/x"));
	EXPECT("http[:]//a.evil.com/ https[://]b.evil.com/ hxxp[:]//c.evil.com",
	       W(IOC_URL, "http://a.evil.com/"),
	       W(IOC_URL, "https://b.evil.com/"),
	       W(IOC_URL, "http://c.evil.com"));
	EXPECT("one[.]com two(.)com three{.}com four[dot]com five(dot)com "
	       "six[DOT]com seven{dot}com",
	       W(IOC_FQDN, "one.com"), W(IOC_FQDN, "two.com"),
	       W(IOC_FQDN, "three.com"), W(IOC_FQDN, "four.com"),
	       W(IOC_FQDN, "five.com"), W(IOC_FQDN, "six.com"),
	       W(IOC_FQDN, "seven.com"));
	/* Sloppy and spaced variants. */
	EXPECT("sloppy[.com other.]net spaced [.] org",
	       W(IOC_FQDN, "sloppy.com"), W(IOC_FQDN, "other.net"),
	       W(IOC_FQDN, "spaced.org"));
	EXPECT("hxxps://evil[.]com[/]dl[.]php",
	       W(IOC_URL, "https://evil.com/dl.php"));
	EXPECT("hxxp://evil[.]com[:]8080/x",
	       W(IOC_URL, "http://evil.com:8080/x"));
	/* " dot " between two labels that are not English words. */
	EXPECT("evil dot com and c2 dot evil dot net", W(IOC_FQDN, "evil.com"),
	       W(IOC_FQDN, "c2.evil.net"));
	EXPECT("mail x@evil dot org", W(IOC_EMAIL, "x@evil.org"));
	EXPECT_NONE("the dot is here; a dot in; my dot com bubble");
	EXPECT_NONE("dot com");
	/* Prose before a rejected " dot " still yields a host after it. */
	EXPECT("see evil.com dot is evil.net", W(IOC_FQDN, "evil.com"),
	       W(IOC_FQDN, "evil.net"));
	EXPECT("the dot evil.com", W(IOC_FQDN, "evil.com"));
	/* Backslash-escaped dots. */
	EXPECT("evil\\.com and 1\\.2\\.3\\.4 and x\\.y@bad\\.org",
	       W(IOC_FQDN, "evil.com"), W(IOC_IPV4, "1.2.3.4"),
	       W(IOC_EMAIL, "x.y@bad.org"));
	EXPECT("hxxps[:]//evil[.]com/a hxxps[://]evil[.]net/b",
	       W(IOC_URL, "https://evil.com/a"),
	       W(IOC_URL, "https://evil.net/b"));
}

static void
t_ipv4(void **state)
{
	EXPECT("c2 at 1.2.3.4, then 8.8.8.8.", W(IOC_IPV4, "1.2.3.4"),
	       W(IOC_IPV4, "8.8.8.8"));
	EXPECT("1.2.3[.]4 and 5[.]6[.]7[.]8 and 9(.)9(.)9(.)9",
	       W(IOC_IPV4, "1.2.3.4"), W(IOC_IPV4, "5.6.7.8"),
	       W(IOC_IPV4, "9.9.9.9"));
	EXPECT("ip=10.0.0.1:443 [192.168.1.1] (0.0.0.0)",
	       W(IOC_IPV4, "10.0.0.1"), W(IOC_IPV4, "192.168.1.1"),
	       W(IOC_IPV4, "0.0.0.0"));
	EXPECT("255.255.255.255", W(IOC_IPV4, "255.255.255.255"));
	EXPECT("net 10.1.0.0/16 host 10.1.2.3/33", W(IOC_CIDR, "10.1.0.0/16"),
	       W(IOC_IPV4, "10.1.2.3"));
	EXPECT("block 10.2.0.0/16. Also 10.3.0.0/16.5",
	       W(IOC_CIDR, "10.2.0.0/16"), W(IOC_IPV4, "10.3.0.0"));
}

static void
t_ipv4_negative(void **state)
{
	EXPECT_NONE("1.2.3.4.5");
	EXPECT_NONE("version 10.0.19041.1");
	EXPECT_NONE("256.1.1.1 1.2.3.256 1.2.3 1.2");
	EXPECT_NONE("01.2.3.4 1.02.3.4 1.2.3.00");
	EXPECT_NONE("5.1.2.3.4 v1.2.3.4 1.2.3.4a a1.2.3.4");
	EXPECT_NONE("1.2.3.4-rc1 1.2.3.4_x");
	EXPECT_NONE("1[.]2[.]3[.]4[.]5");
}

static void
t_fqdn(void **state)
{
	EXPECT("EVIL.COM. and sub.Example.co.uk PayPal.com",
	       W(IOC_FQDN, "evil.com"), W(IOC_FQDN, "sub.example.co.uk"),
	       W(IOC_FQDN, "paypal.com"));
	EXPECT("xn--80ak6aa92e.com a-b.info 3com.com",
	       W(IOC_FQDN, "xn--80ak6aa92e.com"), W(IOC_FQDN, "a-b.info"),
	       W(IOC_FQDN, "3com.com"));
	/* Defanged file-extension TLDs are hosts. */
	EXPECT("evil[.]zip and bad[.]mov", W(IOC_FQDN, "evil.zip"),
	       W(IOC_FQDN, "bad.mov"));
	/* "www." makes a file-extension TLD a host. */
	EXPECT("www.example.zip", W(IOC_FQDN, "www.example.zip"));
	/* URL hosts are hosts whatever the TLD. */
	EXPECT("https://github.zip/x", W(IOC_URL, "https://github.zip/x"));
	/* Multi-level public suffix needs a registrable part. */
	EXPECT("a.b.foo.ck", W(IOC_FQDN, "a.b.foo.ck"));
}

static void
t_fqdn_negative(void **state)
{
	EXPECT_NONE("co.uk com uk");
	EXPECT_NONE("foo.ck");
	/* File names (generic ones: not even as Filename; see t_filename). */
	EXPECT_NONE("invoice.pdf setup.exe report.docx image.png a.txt");
	EXPECT_NONE("README.md script.py main.rs run.sh x.pl y.ps "
		    "clip.mov notes.one tool.app");
	EXPECT("word.zip files.example.zip",
	       W(IOC_FILENAME, "files.example.zip"));
	EXPECT_NONE("host.localdomain intranet.local e.g. i.e.");
	/* Two words run together at a sentence end. */
	EXPECT_NONE("the attack.Click here");
	/* Code, not hosts. */
	EXPECT_NONE("System.IO Foo.Bar.Ly Console.WriteLine");
	/* Label and name length, LDH. */
	EXPECT_NONE(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".com");
	EXPECT_NONE("-bad.com bad-.com");
	EXPECT_NONE("my_host.evil.com");
	{
		char big[400];
		size_t i;

		/* 126 labels of "a" plus "com": 255 characters. */
		for (i = 0; i < 126; i++) {
			big[2 * i] = 'a';
			big[2 * i + 1] = '.';
		}
		memcpy(big + 252, "com", 4);
		EXPECT_NONE(big);
		/* 124 labels plus "com" is 251: fine. */
		EXPECT(big + 4, W(IOC_FQDN, big + 4));
	}
}

static void
t_url(void **state)
{
	EXPECT("(see https://Example.COM/Path/To?q=A#Frag).",
	       W(IOC_URL, "https://example.com/Path/To?q=A#Frag"));
	EXPECT("http://evil.com/a_(b)), 'http://evil.com/x', "
	       "<http://evil.com/y>, \"http://evil.com/z\"",
	       W(IOC_URL, "http://evil.com/a_(b)"),
	       W(IOC_URL, "http://evil.com/x"), W(IOC_URL, "http://evil.com/y"),
	       W(IOC_URL, "http://evil.com/z"));
	EXPECT("[http://evil.com/list] http://evil.com/q?a=1;!?",
	       W(IOC_URL, "http://evil.com/list"),
	       W(IOC_URL, "http://evil.com/q?a=1"));
	EXPECT("HTTP://EVIL.COM http://evil.com:8080/x ftp://files.evil.org/p",
	       W(IOC_URL, "http://evil.com"),
	       W(IOC_URL, "http://evil.com:8080/x"),
	       W(IOC_URL, "ftp://files.evil.org/p"));
	EXPECT("http://1.2.3.4/x http://[2001:DB8::1]:81/y",
	       W(IOC_URL, "http://1.2.3.4/x"),
	       W(IOC_URL, "http://[2001:db8::1]:81/y"));
	EXPECT("http://paypal.com@evil.com/login",
	       W(IOC_URL, "http://paypal.com@evil.com/login"));
	EXPECT("http://evil.com/a\tb", W(IOC_URL, "http://evil.com/a"));
	/* A CSV row: the comma ends the URL unless a path or query follows. */
	EXPECT("hxxps://evil[.]com/owa/auth.php,url,2026-12-02,credential",
	       W(IOC_URL, "https://evil.com/owa/auth.php"));
	EXPECT("http://evil.com/a,b/c http://evil.com/p?x=1,2",
	       W(IOC_URL, "http://evil.com/a,b/c"),
	       W(IOC_URL, "http://evil.com/p?x=1,2"));
}

static void
t_url_negative(void **state)
{
	EXPECT_NONE("http://localhost/x http://intranet/ http://host.local/");
	EXPECT_NONE("http://1.2.3.256/ http://[::zz]/ http://evil.com:0/");
	EXPECT_NONE("http://evil.com:70000/");
	/* Other schemes are not URLs; a host after "//" stands alone. */
	EXPECT("gopher://evil.com/x", W(IOC_FQDN, "evil.com"));
	EXPECT("xhttp://evil.com/", W(IOC_FQDN, "evil.com"));
	EXPECT_NONE("http://");
}

static void
t_url_max_len(void **state)
{
	char *t;
	size_t n;

	n = MAX_IOC_LEN + 64;
	t = malloc(n + 1);
	assert_non_null(t);
	memcpy(t, "http://evil.com/", 16);
	memset(t + 16, 'a', n - 16);
	t[n] = '\0';
	/* Too long: dropped, and its host is not reported either. */
	EXPECT_NONE(t);
	/* Exactly MAX_IOC_LEN is kept. */
	t[MAX_IOC_LEN] = '\0';
	EXPECT(t, W(IOC_URL, t));
	free(t);
}

static void
t_hashes(void **state)
{
	EXPECT("md5 D41D8CD98F00B204E9800998ECF8427E",
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
	EXPECT("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
	       W(IOC_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
	EXPECT("(e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"
	       "55)",
	       W(IOC_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca"
			     "495991b7852b855"));
	EXPECT(
	    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
	    W(IOC_SHA512,
	      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	      "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3"
	      "e"));
	/* A hash named as a file, and a sample's file name. */
	EXPECT("d41d8cd98f00b204e9800998ecf8427e.exe",
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
	EXPECT("sample_d41d8cd98f00b204e9800998ecf8427e.bin",
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
}

static void
t_hashes_negative(void **state)
{
	/* 31, 33 and 63 hex digits. */
	EXPECT_NONE("d41d8cd98f00b204e9800998ecf8427 "
		    "d41d8cd98f00b204e9800998ecf8427ea");
	EXPECT_NONE(
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85");
	/* Part of a longer alphanumeric run. */
	EXPECT_NONE("xd41d8cd98f00b204e9800998ecf8427e "
		    "d41d8cd98f00b204e9800998ecf8427eg");
	/* Fillers: one repeated character, all digits, all letters. */
	EXPECT_NONE("00000000000000000000000000000000 "
		    "ffffffffffffffffffffffffffffffffffffffff");
	EXPECT_NONE("12345678901234567890123456789012 "
		    "abcdefabcdefabcdefabcdefabcdefab");
}

static void
t_cve(void **state)
{
	EXPECT("cve-2021-44228 and CVE-2014-0160 and Cve-2023-1234567",
	       W(IOC_CVE, "CVE-2021-44228"), W(IOC_CVE, "CVE-2014-0160"),
	       W(IOC_CVE, "CVE-2023-1234567"));
	EXPECT_NONE("CVE-2021-123 CVE-21-1234 XCVE-2021-1234 CVE-2021-1234x");
}

static void
t_ipv6(void **state)
{
	EXPECT("beacon to 2001:DB8::1 and 2001:db8:0:0:0:0:0:2.",
	       W(IOC_IPV6, "2001:db8::1"), W(IOC_IPV6, "2001:db8::2"));
	EXPECT("2001:db8:85a3::/48", W(IOC_CIDR, "2001:db8:85a3::/48"));
	/* Times, MACs, "a::b" and loopback are not reported. */
	EXPECT_NONE("12:30:45 00:11:22:33:44:55 A::B ::1 std::vector");
	/* A rejected colon run does not hide an address after it. */
	EXPECT("ab:7.7.7.7", W(IOC_IPV4, "7.7.7.7"));
}

static void
t_dedup_order(void **state)
{
	struct ioc_set s;
	const char *t1 = "evil.com 1.2.3.4 EVIL.com evil[.]com 1.2.3.4";
	const char *t2 = "1.2.3.4 bad.org evil.com";

	ioc_set_init(&s);
	assert_int_equal(ioc_extract(ctx, t1, strlen(t1), &s), ST_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(ioc_extract(ctx, t2, strlen(t2), &s), ST_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].value, "evil.com");
	assert_int_equal(s.v[0].type, IOC_FQDN);
	assert_string_equal(s.v[1].value, "1.2.3.4");
	assert_string_equal(s.v[2].value, "bad.org");
	ioc_set_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	assert_null(s.index);
}

static void
t_set_api(void **state)
{
	struct ioc_set s;
	char big[MAX_IOC_LEN + 2];

	ioc_set_init(&s);
	assert_int_equal(ioc_set_has(&s, IOC_FQDN, "a.com"), 0);
	assert_int_equal(ioc_set_add(&s, IOC_FQDN, "a.com"), 1);
	assert_int_equal(ioc_set_add(&s, IOC_FQDN, "a.com"), 0);
	/* Same value, different type: distinct. */
	assert_int_equal(ioc_set_add(&s, IOC_URL, "a.com"), 1);
	assert_int_equal(ioc_set_has(&s, IOC_FQDN, "a.com"), 1);
	assert_int_equal(ioc_set_has(&s, IOC_URL, "a.com"), 1);
	assert_int_equal(ioc_set_has(&s, IOC_EMAIL, "a.com"), 0);
	assert_int_equal(ioc_set_has(&s, IOC_FQDN, "A.com"), 0);
	assert_int_equal(ioc_set_add(&s, IOC_FQDN, ""), -1);
	assert_int_equal(ioc_set_add(&s, IOC_FQDN, NULL), -1);
	assert_int_equal(ioc_set_add(&s, IOC_NTYPES, "x"), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ioc_set_add(&s, IOC_URL, big), -1);
	big[MAX_IOC_LEN] = '\0';
	assert_int_equal(ioc_set_add(&s, IOC_URL, big), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[1].type, IOC_URL);
	ioc_set_free(&s);
	ioc_set_free(NULL);
}

static void
t_set_cap(void **state)
{
	struct ioc_set s;
	char v[32];
	size_t i;

	ioc_set_init(&s);
	for (i = 0; i < MAX_IOCS; i++) {
		snprintf(v, sizeof(v), "h%zu.example.com", i);
		assert_int_equal(ioc_set_add(&s, IOC_FQDN, v), 1);
	}
	assert_int_equal(ioc_set_add(&s, IOC_FQDN, "one-more.com"), -1);
	/* Present values still answer 0, not an error. */
	assert_int_equal(ioc_set_add(&s, IOC_FQDN, "h7.example.com"), 0);
	assert_int_equal(ioc_set_has(&s, IOC_FQDN, "h19999.example.com"), 1);
	assert_int_equal(s.n, MAX_IOCS);
	ioc_set_free(&s);
}

static void
t_extract_cap(void **state)
{
	struct ioc_set s;
	char *t, *p;
	size_t i, n = MAX_IOCS + 10;

	t = malloc(n * 16 + 1);
	assert_non_null(t);
	p = t;
	for (i = 0; i < n; i++)
		p += sprintf(p, "10.%zu.%zu.%zu ", i / 65536, (i / 256) % 256,
			     i % 256);
	ioc_set_init(&s);
	assert_int_equal(ioc_extract(ctx, t, (size_t)(p - t), &s), ST_NOMEM);
	assert_int_equal(s.n, MAX_IOCS);
	assert_string_equal(s.v[0].value, "10.0.0.0");
	ioc_set_free(&s);
	free(t);
}

static void
t_exclude(void **state)
{
	struct ioc_ctx *c;
	const char *list = "# allow list\n"
			   "\n"
			   "  good.com  # our own domain\r\n"
			   "*.corp.example\n"
			   "8.8.8.8\n"
			   "d41d8cd98f00b204e9800998ecf8427e\n"
			   "partner[.]org\n"
			   "https://cdn.example.net/Lib.js\n"
			   "CVE-2014-0160";
	const char *text =
	    "good.com mail.good.com x@good.com https://www.good.com/p "
	    "notgood.com good.com.evil.net a.corp.example "
	    "8.8.8.8 8.8.4.4 http://8.8.8.8/x "
	    "d41d8cd98f00b204e9800998ecf8427e partner.org cve-2014-0160 "
	    "CVE-2021-44228 https://cdn.example.net/lib.js "
	    "https://cdn.example.net/other.js";
	const struct want w[] = {
	    W(IOC_FQDN, "notgood.com"),
	    W(IOC_FQDN, "good.com.evil.net"),
	    W(IOC_IPV4, "8.8.4.4"),
	    W(IOC_CVE, "CVE-2021-44228"),
	    W(IOC_URL, "https://cdn.example.net/other.js"),
	};
	const struct want w2[] = {
	    W(IOC_FQDN, "notgood.com"),
	    W(IOC_IPV4, "8.8.4.4"),
	    W(IOC_CVE, "CVE-2021-44228"),
	    W(IOC_URL, "https://cdn.example.net/other.js"),
	};

	assert_non_null(c = ioc_ctx_new(NULL, 0));
	assert_int_equal(ioc_ctx_exclude(c, list, strlen(list)), ST_OK);
	assert_int_equal(ioc_ctx_exclude(c, "", 0), ST_OK);
	expect_len(c, text, strlen(text), w, sizeof(w) / sizeof(w[0]));
	/* Lists add up. */
	assert_int_equal(ioc_ctx_exclude(c, "evil.net", 8), ST_OK);
	expect_len(c, text, strlen(text), w2, sizeof(w2) / sizeof(w2[0]));
	ioc_ctx_free(c);
}

static void
t_exclude_idn(void **state)
{
	struct ioc_ctx *c;
	/* Written in Unicode by an admin; the extractor emits punycode. */
	const char *list = "b\xc3\xbc"
			   "cher.de\n"
			   "info@m\xc3\xbcnchen.de\n"
			   "https://caf\xc3\xa9.fr/menu\n";
	const char *text = "www.b\xc3\xbc"
			   "cher.de xn--bcher-kva.de "
			   "info@m\xc3\xbcnchen.de https://caf\xc3\xa9.fr/menu "
			   "https://caf\xc3\xa9.fr/other evil-t\xc3\xa4st.com";
	const struct want w[] = {
	    W(IOC_URL, "https://xn--caf-dma.fr/other"),
	    W(IOC_FQDN, "xn--evil-tst-5za.com"),
	};

	(void)state;
	assert_non_null(c = ioc_ctx_new(NULL, 0));
	assert_int_equal(ioc_ctx_exclude(c, list, strlen(list)), ST_OK);
	expect_len(c, text, strlen(text), w, sizeof(w) / sizeof(w[0]));
	/* A name libidn2 refuses is a configuration error, not a skip. */
	assert_int_equal(ioc_ctx_exclude(c,
					 "a\xe2\x80\xa8"
					 "b.com",
					 7),
			 ST_CONFIG);
	ioc_ctx_free(c);
}

static void
t_own_domain(void **state)
{
	struct ioc_ctx *c;
	const char *text =
	    "news.vendor-intel.com x@vendor-intel.com "
	    "https://blog.vendor-intel.com/a vendor-intel.com.evil.net "
	    "other-intel.com";
	const struct want w[] = {
	    W(IOC_FQDN, "vendor-intel.com.evil.net"),
	    W(IOC_FQDN, "other-intel.com"),
	};
	const struct want all[] = {
	    W(IOC_FQDN, "news.vendor-intel.com"),
	    W(IOC_EMAIL, "x@vendor-intel.com"),
	    W(IOC_URL, "https://blog.vendor-intel.com/a"),
	    W(IOC_FQDN, "vendor-intel.com.evil.net"),
	    W(IOC_FQDN, "other-intel.com"),
	};

	(void)state;
	assert_non_null(c = ioc_ctx_new(NULL, 0));
	ioc_ctx_set_own_domain(c, "Vendor <Digest@MAIL.Vendor-Intel.com>");
	expect_len(c, text, strlen(text), w, sizeof(w) / sizeof(w[0]));
	/* Free mail is never "own"; NULL clears. */
	ioc_ctx_set_own_domain(c, "someone@gmail.com");
	expect_len(c, text, strlen(text), all, sizeof(all) / sizeof(all[0]));
	ioc_ctx_set_own_domain(c, "digest@vendor-intel.com");
	ioc_ctx_set_own_domain(c, NULL);
	expect_len(c, text, strlen(text), all, sizeof(all) / sizeof(all[0]));
	ioc_ctx_free(c);
}

static void
t_set_remove(void **state)
{
	struct ioc_set a, d;

	(void)state;
	ioc_set_init(&a);
	ioc_set_init(&d);
	assert_int_equal(ioc_set_add(&a, IOC_FQDN, "a.com"), 1);
	assert_int_equal(ioc_set_add(&a, IOC_FQDN, "b.com"), 1);
	assert_int_equal(ioc_set_add(&a, IOC_URL, "http://a.com/"), 1);
	assert_int_equal(ioc_set_remove(&a, &d), ST_OK);
	assert_int_equal(a.n, 3);
	assert_int_equal(ioc_set_add(&d, IOC_FQDN, "a.com"), 1);
	assert_int_equal(ioc_set_add(&d, IOC_URL, "b.com"), 1); /* type too */
	assert_int_equal(ioc_set_remove(&a, &d), ST_OK);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0].value, "b.com");
	assert_string_equal(a.v[1].value, "http://a.com/");
	assert_false(ioc_set_has(&a, IOC_FQDN, "a.com"));
	/* The index still works after a removal. */
	assert_int_equal(ioc_set_add(&a, IOC_FQDN, "b.com"), 0);
	ioc_set_free(&a);
	ioc_set_free(&d);
}

static void
t_exclude_too_long(void **state)
{
	struct ioc_ctx *c;
	char *list;

	assert_non_null(c = ioc_ctx_new(NULL, 0));
	list = malloc(MAX_IOC_LEN + 2);
	assert_non_null(list);
	memset(list, 'a', MAX_IOC_LEN + 1);
	list[MAX_IOC_LEN + 1] = '\0';
	assert_int_equal(ioc_ctx_exclude(c, list, MAX_IOC_LEN + 1), ST_CONFIG);
	free(list);
	ioc_ctx_free(c);
}

static void
t_invalid_utf8(void **state)
{
	const char t[] = "\xff\xfe evil.com \xc3\x28 1.2.3.4 \xed\xa0\x80"
			 "\xff"
			 "bad.org\xfe http://x.evil.com/a\xff\x80 \xc3";

	EXPECT(t, W(IOC_FQDN, "evil.com"), W(IOC_IPV4, "1.2.3.4"),
	       W(IOC_FQDN, "bad.org"), W(IOC_URL, "http://x.evil.com/a"));
	/* Valid UTF-8 around and inside a path. */
	EXPECT("«evil.com» http://evil.org/caf\xc3\xa9 “http://evil.net/x”",
	       W(IOC_FQDN, "evil.com"),
	       W(IOC_URL, "http://evil.org/caf\xc3\xa9"),
	       W(IOC_URL, "http://evil.net/x"));
}

static void
t_empty(void **state)
{
	struct ioc_set s;

	ioc_set_init(&s);
	assert_int_equal(ioc_extract(ctx, "", 0, &s), ST_OK);
	assert_int_equal(ioc_extract(ctx, NULL, 0, &s), ST_OK);
	assert_int_equal(ioc_extract(ctx, "evil.com", 0, &s), ST_OK);
	assert_int_equal(s.n, 0);
	ioc_set_free(&s);
	EXPECT_NONE("   \n\t  ");
}

static void
t_nul_inside(void **state)
{
	const char t[] = "evil.com\0001.2.3.4\0x@bad.org";
	const struct want w[] = {
	    W(IOC_FQDN, "evil.com"),
	    W(IOC_IPV4, "1.2.3.4"),
	    W(IOC_EMAIL, "x@bad.org"),
	};

	expect_len(ctx, t, sizeof(t) - 1, w, 3);
	/* Length is honoured: nothing past len is read. */
	expect_len(ctx, t, 8, w, 1);
}

static void
t_filename(void **state)
{
	EXPECT("dropped invoice_0423.exe and Payload_x64.DLL, then ran "
	       "update-2024.ps1 (via stage2.hta)",
	       W(IOC_FILENAME, "invoice_0423.exe"),
	       W(IOC_FILENAME, "Payload_x64.DLL"),
	       W(IOC_FILENAME, "update-2024.ps1"),
	       W(IOC_FILENAME, "stage2.hta"));
	EXPECT("C:\\Users\\Public\\svchost_.scr, Order.pdf.lnk and "
	       "archive.part1.rar; doc: Q3_report.docm, a.b.7z",
	       W(IOC_FILENAME, "svchost_.scr"),
	       W(IOC_FILENAME, "Order.pdf.lnk"),
	       W(IOC_FILENAME, "archive.part1.rar"),
	       W(IOC_FILENAME, "Q3_report.docm"), W(IOC_FILENAME, "a.b.7z"));
	EXPECT("loader2.js pay-load.vbs run_me.bat x1.iso bills_q4.xlsm "
	       "notes.2024.zip",
	       W(IOC_FILENAME, "loader2.js"), W(IOC_FILENAME, "pay-load.vbs"),
	       W(IOC_FILENAME, "run_me.bat"), W(IOC_FILENAME, "x1.iso"),
	       W(IOC_FILENAME, "bills_q4.xlsm"),
	       W(IOC_FILENAME, "notes.2024.zip"));
	/* A hash inside the name is reported too. */
	EXPECT("sample_d41d8cd98f00b204e9800998ecf8427e.exe",
	       W(IOC_FILENAME, "sample_d41d8cd98f00b204e9800998ecf8427e.exe"),
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
	/* Inside a URL it is part of the URL. */
	EXPECT("http://evil.com/dl/setup.exe",
	       W(IOC_URL, "http://evil.com/dl/setup.exe"));
}

static void
t_filename_negative(void **state)
{
	/* Abbreviations, libraries, wildcards, other extensions. */
	EXPECT_NONE("e.g. i.e. etc. Node.js Vue.js node.js Three.js D3.js");
	EXPECT_NONE("*.exe .exe exe a.exe x.dll");
	EXPECT_NONE("file.exe1 file.exes file.exe_ file.exe.bak notes.txt");
	EXPECT_NONE("readme.md main.c index.html photo.jpg");
	/* Plain words name a kind of file; Windows programs are techniques. */
	EXPECT_NONE("invoice.pdf setup.exe install.ps1 payload.zip Payload.DLL "
		    "report.docx loader.js");
	EXPECT_NONE("msiexec.exe rundll32.exe PowerShell.exe ws2_32.dll "
		    "kernel32.dll");
	/* Defanged: a host with a file-like TLD. */
	EXPECT("evil[.]zip", W(IOC_FQDN, "evil.zip"));
	EXPECT("www.example.zip", W(IOC_FQDN, "www.example.zip"));
	/* A hash with an extension is the hash. */
	EXPECT("d41d8cd98f00b204e9800998ecf8427e.dll",
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
}

static void
t_regkey(void **state)
{
	EXPECT("persists in HKCU\\Software\\Microsoft\\Windows\\CurrentVersion"
	       "\\Run\\Updater.",
	       W(IOC_REGKEY,
		 "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion"
		 "\\Run\\Updater"));
	EXPECT(
	    "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon "
	    "is modified",
	    W(IOC_REGKEY, "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\"
			  "CurrentVersion\\Winlogon"));
	EXPECT("(HKEY_CURRENT_USER\\Software\\Classes\\ms-settings\\shell)",
	       W(IOC_REGKEY, "HKEY_CURRENT_USER\\Software\\Classes\\ms-settings"
			     "\\shell"));
	/* PowerShell drive and doubled (escaped) backslashes. */
	EXPECT("HKLM:\\System\\x \"HKCU\\\\Software\\\\Evil\\\\\"",
	       W(IOC_REGKEY, "HKLM\\System\\x"),
	       W(IOC_REGKEY, "HKCU\\Software\\Evil"));
}

static void
t_regkey_negative(void **state)
{
	EXPECT_NONE("HKLM HKCU\\ HKLM: xHKLM\\Software _HKCU\\Software");
	EXPECT_NONE("the HKEY_LOCAL_MACHINE hive");
	EXPECT_NONE("hklm\\software");
}

static void
t_asn(void **state)
{
	EXPECT("AS13335, ASN 15169 and ASN:16509 (asn 8075) AS4200000000x",
	       W(IOC_ASN, "AS13335"), W(IOC_ASN, "AS15169"),
	       W(IOC_ASN, "AS16509"), W(IOC_ASN, "AS8075"));
	EXPECT("AS13335 ASN13335", W(IOC_ASN, "AS13335"));
	EXPECT("ASN 400", W(IOC_ASN, "AS400"));
	EXPECT("hosted on AS 13335 (Cloudflare)", W(IOC_ASN, "AS13335"));
}

/* Forms seen in public extractor test suites and in copied prose. */
static void
t_loose_forms(void **state)
{
	/* Any pair of brackets around a dot, and "].[". */
	EXPECT("1.2[.)3.4 test(.]com foo].[com hxxps://google[.)com/a",
	       W(IOC_IPV4, "1.2.3.4"), W(IOC_FQDN, "test.com"),
	       W(IOC_FQDN, "foo.com"), W(IOC_URL, "https://google.com/a"));
	/* Host names in title or upper case on the common gTLDs. */
	EXPECT("see bar.COM and Evil.Com", W(IOC_FQDN, "bar.com"),
	       W(IOC_FQDN, "evil.com"));
	/* A spaced "@". */
	EXPECT("write to foo @ bar-corp.com", W(IOC_EMAIL, "foo@bar-corp.com"));
	/* CVE with a space or typographic dashes. */
	EXPECT("cve 2014-1001 and CVE\xe2\x80\x93"
	       "2021\xe2\x80\x93"
	       "44228",
	       W(IOC_CVE, "CVE-2014-1001"), W(IOC_CVE, "CVE-2021-44228"));
	/* Other schemes; ftp and sftp defanged. */
	EXPECT("tcp://45.9.148.1:4444/x fxp://files.bad-host.net/a "
	       "sfxp://drop.bad-host.net/ WSS://ws.bad-host.net/s",
	       W(IOC_URL, "tcp://45.9.148.1:4444/x"),
	       W(IOC_URL, "ftp://files.bad-host.net/a"),
	       W(IOC_URL, "sftp://drop.bad-host.net/"),
	       W(IOC_URL, "wss://ws.bad-host.net/s"));
	/* Schemes written in brackets, with stars or as x's. */
	EXPECT("[http]://a.bad-host.net/1 (https)://b.bad-host.net/2 "
	       "h**ps://c.bad-host.net/3 xxxx://d.bad-host.net/4 "
	       "xxxxs://e.bad-host.net/5 fxps://f.bad-host.net/6",
	       W(IOC_URL, "http://a.bad-host.net/1"),
	       W(IOC_URL, "https://b.bad-host.net/2"),
	       W(IOC_URL, "https://c.bad-host.net/3"),
	       W(IOC_URL, "http://d.bad-host.net/4"),
	       W(IOC_URL, "https://e.bad-host.net/5"),
	       W(IOC_URL, "ftps://f.bad-host.net/6"));
	/* Sloppy bracket dots on either side. */
	EXPECT("192(.(168(.(7(.(1 10).(10).(10).(10",
	       W(IOC_IPV4, "192.168.7.1"), W(IOC_IPV4, "10.10.10.10"));
	/* Markdown links and code end the URL. */
	EXPECT("[https://i.imgur.com/abc.png](https://i.imgur.com/abc.png)",
	       W(IOC_URL, "https://i.imgur.com/abc.png"));
	EXPECT("DownloadString('https://hacks4all[.]net/rdp.ps1');g $I",
	       W(IOC_URL, "https://hacks4all.net/rdp.ps1"));
	/* Registry keys: spaces inside names, quotes, two keys in a row. */
	EXPECT("HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image "
	       "File Execution Options\\notepad.exe",
	       W(IOC_REGKEY, "HKLM\\SOFTWARE\\Microsoft\\Windows "
			     "NT\\CurrentVersion\\Image File Execution "
			     "Options\\notepad.exe"));
	EXPECT("HKCU\\Volatile Environment",
	       W(IOC_REGKEY, "HKCU\\Volatile Environment"));
	EXPECT("key \"HKLM\\SYSTEM\\Services\\Evil Service\" was added",
	       W(IOC_REGKEY, "HKLM\\SYSTEM\\Services\\Evil Service"));
	EXPECT("HKCU\\Software\\Run The malware then",
	       W(IOC_REGKEY, "HKCU\\Software\\Run"));
	EXPECT("HKLM\\Software\\Console\\ConsoleIME HKLM\\SOFTWARE\\RUN",
	       W(IOC_REGKEY, "HKLM\\Software\\Console\\ConsoleIME"),
	       W(IOC_REGKEY, "HKLM\\SOFTWARE\\RUN"));
}

static void
t_asn_negative(void **state)
{
	/* Reserved, private, documentation, AS_TRANS, AS/400, malformed. */
	EXPECT_NONE("AS0 AS23456 AS64500 AS64512 AS65535 AS4200000001 "
		    "AS4294967295 AS99999999999");
	EXPECT_NONE("AS400 as13335 As 13335 AS013335 XAS13335 AS13335x "
		    "AS13335.5");
	EXPECT_NONE("HAS13335 BASN 13335");
}

static void
t_bitcoin(void **state)
{
	EXPECT("pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa or "
	       "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy.",
	       W(IOC_BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
	       W(IOC_BTC, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
	EXPECT("wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq and "
	       "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ",
	       W(IOC_BTC, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
	/* Taproot: bech32m. */
	EXPECT("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
	       W(IOC_BTC, "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr"
			  "9rusxg3297"));
}

static void
t_bitcoin_negative(void **state)
{
	/* One character changed: the checksum fails. */
	EXPECT_NONE("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb "
		    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz");
	EXPECT_NONE("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr "
		    "bc1qw508d6qejxtdg4c5nhwmvrdsdsrd4mh3e3kaf");
	/* Mixed case, bech32 checksum on a v1 program, too short. */
	EXPECT_NONE("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5MDQ");
	EXPECT_NONE(
	    "1111111111111111111111111111111111 1abcdefghijkmnopqrstuvwxyz");
	EXPECT_NONE("x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa "
		    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNax");
}

static void
t_zero_width(void **state)
{
	/* U+200B, U+200C, U+200D, U+2060, U+FEFF inside indicators. */
	EXPECT("evil\xe2\x80\x8b.com ev\xe2\x80\x8cil[.]net "
	       "1.2\xe2\x80\x8d.3.4 hxxp\xe2\x81\xa0://bad.org/x "
	       "a\xef\xbb\xbf@evil.io",
	       W(IOC_FQDN, "evil.com"), W(IOC_FQDN, "evil.net"),
	       W(IOC_IPV4, "1.2.3.4"), W(IOC_URL, "http://bad.org/x"),
	       W(IOC_EMAIL, "a@evil.io"));
	/* Several in a row; at the edges of a word they are left alone. */
	EXPECT("\xe2\x80\x8b"
	       "evil\xe2\x80\x8b\xe2\x80\x8b.com\xe2\x80\x8b",
	       W(IOC_FQDN, "evil.com"));
	/* Between non-ASCII letters (word breaks in some scripts): kept. */
	EXPECT("\xe0\xb8\x81\xe2\x80\x8b\xe0\xb8\x82 evil.com",
	       W(IOC_FQDN, "evil.com"));
	EXPECT_NONE("evil\xe2\x80\x8b com");
}

static void
t_hash_bounded(void **state)
{
	/* A hash length inside a longer hex run is not a hash. */
	EXPECT_NONE(
	    "d41d8cd98f00b204e9800998ecf8427ed41d8cd98f00b204e9800998ecf8427e"
	    "d41d8cd98f00b204e9800998ecf8427e");
	EXPECT_NONE("da39a3ee5e6b4b0d3255bfef95601890afd80709a "
		    "0da39a3ee5e6b4b0d3255bfef95601890afd80709");
	EXPECT_NONE("0xd41d8cd98f00b204e9800998ecf8427e "
		    "d41d8cd98f00b204e9800998ecf8427eq");
	/* ...but a hash between separators is. */
	EXPECT("md5=d41d8cd98f00b204e9800998ecf8427e;",
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
}

static void
t_not_ip(void **state)
{
	/* OIDs and version strings. */
	EXPECT_NONE("OID 1.3.6.1.4.1.311 and 2.5.4.3.1 and 1.2.840.113549.1.1");
	EXPECT_NONE("v1.2.3.4 V10.0.0.1 version 1.2.3.4, Version 10.1.1.1 "
		    "build 6.1.7601.1 ver. 2.0.0.1 firmware 4.4.4.4");
	/* Not a version word. */
	EXPECT("conversion 1.2.3.4", W(IOC_IPV4, "1.2.3.4"));
	/* A range of versions. */
	EXPECT_NONE(
	    "from version 4.12.0.1 to 4.13.2.7; build 1.2.3.4.5 and 5.6.7.8");
	/* ...but not an address merely near one. */
	EXPECT("version 4.12.0.1 seen at 5.6.7.8; 12.12.2026 and 9.9.9.9",
	       W(IOC_IPV4, "5.6.7.8"), W(IOC_IPV4, "9.9.9.9"));
}

static void
t_reserved(void **state)
{
	static const char *const yes[] = {
	    "10.1.2.3",	       "172.16.0.1", "172.31.255.255",
	    "192.168.1.1",     "127.0.0.1",  "169.254.1.1",
	    "0.0.0.0",	       "0.1.2.3",    "100.64.0.1",
	    "100.127.255.255", "192.0.2.5",  "198.51.100.7",
	    "203.0.113.9",     "224.0.0.1",  "239.255.255.250",
	    "255.255.255.255", "240.0.0.1",  "198.18.0.1",
	    "192.0.0.8"};
	static const char *const no[] = {
	    "8.8.8.8",	       "1.1.1.1",	 "172.15.255.255",
	    "172.32.0.1",      "100.63.255.255", "100.128.0.0",
	    "192.0.3.1",       "198.51.101.1",	 "203.0.114.1",
	    "223.255.255.255", "11.0.0.1",	 "192.169.0.1"};
	struct ioc v;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v.type = IOC_IPV4;
		v.value = (char *)(uintptr_t)yes[i];
		if (!ioc_is_reserved(&v))
			fprintf(stderr, "not reserved: %s\n", yes[i]);
		assert_true(ioc_is_reserved(&v));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v.type = IOC_IPV4;
		v.value = (char *)(uintptr_t)no[i];
		if (ioc_is_reserved(&v))
			fprintf(stderr, "reserved: %s\n", no[i]);
		assert_false(ioc_is_reserved(&v));
	}
	v.type = IOC_CIDR;
	v.value = "10.0.0.0/8";
	assert_true(ioc_is_reserved(&v));
	v.value = "8.8.8.0/24";
	assert_false(ioc_is_reserved(&v));
	v.value = "2001:db8::/32";
	assert_true(ioc_is_reserved(&v));
	v.type = IOC_IPV6;
	v.value = "fe80::1";
	assert_true(ioc_is_reserved(&v));
	v.value = "fd00::1";
	assert_true(ioc_is_reserved(&v));
	v.value = "::ffff:192.168.0.1";
	assert_true(ioc_is_reserved(&v));
	v.value = "2606:4700::1111";
	assert_false(ioc_is_reserved(&v));
	/* RFC 2606 documentation domains. */
	v.type = IOC_FQDN;
	v.value = "example.com";
	assert_true(ioc_is_reserved(&v));
	v.value = "www.example.org";
	assert_true(ioc_is_reserved(&v));
	v.value = "notexample.com";
	assert_false(ioc_is_reserved(&v));
	v.value = "example.com.evil.net";
	assert_false(ioc_is_reserved(&v));
	v.type = IOC_EMAIL;
	v.value = "test@example.net";
	assert_true(ioc_is_reserved(&v));
	v.value = "example.com@evil.net";
	assert_false(ioc_is_reserved(&v));
	v.type = IOC_URL;
	v.value = "http://www.example.org:8080/path";
	assert_true(ioc_is_reserved(&v));
	v.value = "http://example.com@evil.net/x";
	assert_false(ioc_is_reserved(&v));
	v.value = "https://evil.net/?r=example.com";
	assert_false(ioc_is_reserved(&v));
	/* Other types never are; still extracted by default. */
	v.type = IOC_MD5;
	v.value = "10.0.0.1";
	assert_false(ioc_is_reserved(&v));
	assert_false(ioc_is_reserved(NULL));
	EXPECT("192.168.1.1", W(IOC_IPV4, "192.168.1.1"));
}

static void
t_wrappers(void **state)
{
	EXPECT(
	    "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2F"
	    "evil.com%2Fpay%3Fid%3D7&data=05%7C01&reserved=0",
	    W(IOC_URL, "https://evil.com/pay?id=7"));
	EXPECT("https://urldefense.proofpoint.com/v2/url?u=http-3A__evil.com_"
	       "login-3Fa-3Db&d=DwMFaQ&c=xyz&r=abc",
	       W(IOC_URL, "http://evil.com/login?a=b"));
	EXPECT("https://urldefense.com/v3/__https://evil.com/x/y__;!!Abc!def$ "
	       "https://urldefense.com/v3/__https://evil.net/a*b__;Pw!!X!Y$",
	       W(IOC_URL, "https://evil.com/x/y"),
	       W(IOC_URL, "https://evil.net/a?b"));
	EXPECT("https://www.google.com/url?q=https://evil.org/p%20q&sa=D",
	       W(IOC_URL, "https://evil.org/p"));
	/* Wrapped twice. */
	EXPECT(
	    "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2F"
	    "www.google.com%2Furl%3Fq%3Dhttp%253A%252F%252Fevil.info%252Fz",
	    W(IOC_URL, "http://evil.info/z"));
}

static void
t_wrappers_negative(void **state)
{
	/* Targets that are not public URLs, wrappers without one. */
	EXPECT_NONE("https://eur01.safelinks.protection.outlook.com/?url="
		    "http%3A%2F%2Fintranet.local%2F&data=1");
	EXPECT_NONE("https://eur01.safelinks.protection.outlook.com/?data=1");
	EXPECT_NONE("https://www.google.com/url?q=notaurl&sa=D");
	EXPECT_NONE("https://urldefense.com/v3/__https://evil.com/a*b__;!!X$");
	/* Other Google and Proofpoint pages are plain URLs. */
	EXPECT("https://www.google.com/search?q=https://evil.com/",
	       W(IOC_URL, "https://www.google.com/search?q=https://evil.com/"));
}

struct dbg {
	int n;
	char last[64];
	char reasons[512];
};

static void
dbg_cb(void *arg, const char *cand, const char *reason)
{
	struct dbg *d = arg;

	d->n++;
	snprintf(d->last, sizeof(d->last), "%s", cand);
	if (strlen(d->reasons) + strlen(reason) + 2 < sizeof(d->reasons)) {
		strcat(d->reasons, reason);
		strcat(d->reasons, "|");
	}
}

static void
t_debug(void **state)
{
	struct ioc_ctx *c;
	struct ioc_set s;
	struct dbg d;
	const char *t = "intranet.local 00000000000000000000000000000000 "
			"version 1.2.3.4 1.3.6.1.4.1.311 Node.js the dot is "
			"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb evil.com";

	memset(&d, 0, sizeof(d));
	assert_non_null(c = ioc_ctx_new(NULL, 0));
	ioc_ctx_set_debug(c, dbg_cb, &d);
	ioc_set_init(&s);
	assert_int_equal(ioc_extract(c, t, strlen(t), &s), ST_OK);
	assert_int_equal(s.n, 1);
	assert_true(d.n >= 7);
	assert_non_null(strstr(d.reasons, "no public suffix"));
	assert_non_null(strstr(d.reasons, "repeated character"));
	assert_non_null(strstr(d.reasons, "version string"));
	assert_non_null(strstr(d.reasons, "OID or version string"));
	assert_non_null(strstr(d.reasons, "library name"));
	assert_non_null(strstr(d.reasons, "\"dot\" between words"));
	assert_non_null(strstr(d.reasons, "bad checksum"));
	assert_string_equal(d.last, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb");
	/* Off again: no calls. */
	ioc_ctx_set_debug(c, NULL, NULL);
	d.n = 0;
	assert_int_equal(ioc_extract(c, t, strlen(t), &s), ST_OK);
	assert_int_equal(d.n, 0);
	ioc_set_free(&s);
	ioc_ctx_free(c);
	ioc_ctx_set_debug(NULL, dbg_cb, NULL);
}

static void
t_idn(void **state)
{
	EXPECT("b\xc3\xbc"
	       "cher.de and http://B\xc3\x9c"
	       "cher.de/k\xc3\xa4se "
	       "and info@b\xc3\xbc"
	       "cher.de",
	       W(IOC_FQDN, "xn--bcher-kva.de"),
	       W(IOC_URL, "http://xn--bcher-kva.de/k\xc3\xa4se"),
	       W(IOC_EMAIL, "info@xn--bcher-kva.de"));
	/* Cyrillic with an IDN TLD, defanged. */
	EXPECT("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80[.]"
	       "\xd1\x80\xd1\x84",
	       W(IOC_FQDN, "xn--e1afmkfd.xn--p1ai"));
	/* Punycode as written is kept. */
	EXPECT("xn--bcher-kva.de", W(IOC_FQDN, "xn--bcher-kva.de"));
	/* A host glued to Chinese prose is still found. */
	EXPECT("\xe6\x81\xb6\xe6\x84\x8f"
	       "evil.com\xe3\x80\x82",
	       W(IOC_FQDN, "evil.com"));
}

static void
t_idn_negative(void **state)
{
	/* Prose: a sentence end without a space, no public suffix. */
	EXPECT_NONE("\xd1\x81\xd0\xbb\xd0\xbe\xd0\xb2\xd0\xbe.\xd0\x94\xd1\x80"
		    "\xd1\x83\xd0\xb3\xd0\xbe\xd0\xb5 \xc3\x9c"
		    "berweisung.pdf");
	/* A word in a Latin-script language is not split after its accent. */
	EXPECT_NONE("caf\xc3\xa9"
		    "example.invalid");
	/* Not valid IDNA. */
	EXPECT_NONE("\xd7\x90"
		    "abc.de \xcc\x81"
		    "abc.de");
}

/* CPU seconds: unlike the wall clock, not stretched by a loaded machine. */
static double
cpu_now(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* 1 MB of pat repeated, then " tail.com": must finish fast and find tail. */
static void
pathological(const char *pat)
{
	struct ioc_set s;
	size_t n = 1024 * 1024, l = strlen(pat), i;
	char *t;
	double t0;

	t = malloc(n + 16);
	assert_non_null(t);
	for (i = 0; i < n; i++)
		t[i] = pat[i % l];
	memcpy(t + n, " tail.com", 9);
	ioc_set_init(&s);
	t0 = cpu_now();
	assert_int_equal(ioc_extract(ctx, t, n + 9, &s), ST_OK);
	/*
	 * Linear takes 0.01-0.25 s (ASan); quadratic on 1 MB would take
	 * hours.  The bound is far from both.
	 */
	if (cpu_now() - t0 >= 5.0)
		fprintf(stderr, "slow on \"%s\": %.2fs\n", pat, cpu_now() - t0);
	assert_true(cpu_now() - t0 < 5.0);
	assert_true(ioc_set_has(&s, IOC_FQDN, "tail.com"));
	ioc_set_free(&s);
	free(t);
}

static void
t_pathological(void **state)
{
	static const char *const pats[] = {
	    "a.",
	    ".",
	    "a",
	    "a[.]",
	    "a [.] ",
	    "1.",
	    "a@",
	    "a@a.",
	    "::",
	    "a:",
	    "http://a.",
	    "hxxp://",
	    "a-",
	    "[.",
	    "a[at]a[.]",
	    "0123456789abcdef",
	    "(((",
	    "http://x.com/(",
	    "x.x@",
	    "a_a.",
	    "1.1.1.1.",
	    "\xff",
	    "a dot ",
	    "a\\.",
	    "a_",
	    "a.exe.",
	    "HKLM\\a ",
	    "HKCU\\",
	    "AS1",
	    "1A",
	    "bc1q",
	    "\xe2\x80\x8b",
	    "a\xe2\x80\x8b",
	    "https://www.google.com/url?q=http://x.com/",
	    "\xc3\xbc",
	    "\xc3\xbc.",
	    "\xe6\x81\xb6",
	    "\xd0\xbf.\xd1\x80 "};
	size_t i;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		pathological(pats[i]);
}

/*
 * The prefiltered scan against the plain one (ioc_ctx_set_prefilter()):
 * same status, same indicators, same order.
 */
static void
same_both(const char *text, size_t len)
{
	struct ioc_set a, b;
	enum status sa, sb;
	size_t i;

	ioc_set_init(&a);
	ioc_set_init(&b);
	ioc_ctx_set_prefilter(ctx, 1);
	sa = ioc_extract(ctx, text, len, &a);
	ioc_ctx_set_prefilter(ctx, 0);
	sb = ioc_extract(ctx, text, len, &b);
	ioc_ctx_set_prefilter(ctx, 1);
	if (a.n != b.n) {
		fprintf(stderr, "text: %.300s\nprefilter:\n", text);
		dump(&a);
		fprintf(stderr, "plain:\n");
		dump(&b);
	}
	assert_int_equal(sa, sb);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.v[i].type, b.v[i].type);
		assert_string_equal(a.v[i].value, b.v[i].value);
	}
	ioc_set_free(&a);
	ioc_set_free(&b);
}

/* Indicators the prefilter must find where the plain scan does. */
static const char *const pf_iocs[] = {
    "evil.com",
    "evil[.]com",
    "evil [.] com",
    "evil (.) com",
    "evil{.}com",
    "evil[dot]com",
    "evil dot com",
    "evil].com",
    "evil.]com",
    "evil)(.)com",
    "evil\\.com",
    "a-b-c.evil.com",
    "1.2.3.4",
    "1[.]2[.]3[.]4",
    "10.0.0.0/8",
    "b\xc3\xbc"
    "cher.de",
    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
    "foo@evil.com",
    "foo @ evil.com",
    "foo[at]evil[.]com",
    "foo [at] evil [.] com",
    "foo(at)evil.com",
    "foo{@}evil.com",
    "john].doe@evil.com",
    "a_b%c+d@evil.com",
    "http://evil.com/x",
    "hxxp://evil[.]com/x",
    "hxxps[:]//evil.com",
    "hxxp[://]evil.com",
    "[hxxp]://evil.com",
    "h**p://evil.com",
    "HXXP://EVIL.COM/A",
    "ftp://evil.com",
    "tcp://1.2.3.4:4444",
    "CVE-2021-44228",
    "cve 2021-44228",
    "CVE\xe2\x80\x90"
    "2021\xe2\x80\x91"
    "44228",
    "cve\xe2\x80\x93"
    "2019-0708",
    "cve 2014\xe2\x80\x93"
    "0160",
    "AS13335",
    "AS 13335",
    "ASN13335",
    "asn 13335",
    "ASN:13335",
    "ASN : 13335",
    "ASN: 13335",
    "ASN :13335",
    "HKLM\\Software\\Evil",
    "HKLM:\\Software\\Evil",
    "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion",
    "\"HKCU\\Software\\Evil Corp\\Run\"",
    "dropper_v2.exe",
    "invoice-2024.pdf.lnk",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "BC1SW50QGDZ25J",
    "2001:db8:85a3::8a2e:370:7334",
    "2606:4700:4700::1111/48",
    "10:42:07",
    "ab:1.2.3.4",
};

static void
t_prefilter_edges(void **state)
{
	static const char *const fill[] = {
	    "", " ", "x ", "(", "the ", "\n", "see: ", "\xe2\x80\x9c"};
	char buf[1024], big[4096];
	size_t i, j, k, n;

	/* Each alone, at the start, at the end, between words. */
	for (i = 0; i < sizeof(pf_iocs) / sizeof(pf_iocs[0]); i++)
		for (j = 0; j < sizeof(fill) / sizeof(fill[0]); j++) {
			n = (size_t)snprintf(buf, sizeof(buf), "%s%s", fill[j],
					     pf_iocs[i]);
			same_both(buf, n);
			n = (size_t)snprintf(buf, sizeof(buf), "%s%s.", fill[j],
					     pf_iocs[i]);
			same_both(buf, n);
			n = (size_t)snprintf(buf, sizeof(buf),
					     "words before %s%s and after",
					     fill[j], pf_iocs[i]);
			same_both(buf, n);
		}
	/*
	 * At every offset across the 64-byte blocks of the scan, after a
	 * trigger-free stretch of words.
	 */
	for (i = 0; i < sizeof(pf_iocs) / sizeof(pf_iocs[0]); i++)
		for (k = 0; k < 140; k += 3) {
			for (n = 0; n < k; n++)
				big[n] = "lorem ipsum dolor "[n % 18];
			n += (size_t)snprintf(big + n, sizeof(big) - n,
					      "%s and some more words",
					      pf_iocs[i]);
			same_both(big, n);
			same_both(big, k + strlen(pf_iocs[i]));
		}
}

static void
t_prefilter_values(void **state)
{
	struct ioc_set s;
	size_t n = 46 * 4500, i; /* whole words */
	const char *tail = "evil[.]com";
	char *t;

	/* First and last bytes of the text. */
	EXPECT("evil[.]com", W(IOC_FQDN, "evil.com"));
	EXPECT("1.2.3.4", W(IOC_IPV4, "1.2.3.4"));
	EXPECT("AS13335", W(IOC_ASN, "AS13335"));
	EXPECT("see cve 2021-44228", W(IOC_CVE, "CVE-2021-44228"));
	EXPECT("via ASN : 13335 today", W(IOC_ASN, "AS13335"));
	EXPECT("evil dot com", W(IOC_FQDN, "evil.com"));
	EXPECT("mail foo @ evil [.] com now", W(IOC_EMAIL, "foo@evil.com"));
	EXPECT("d41d8cd98f00b204e9800998ecf8427e",
	       W(IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
	EXPECT("x bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
	       W(IOC_BTC, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
	/* After a long trigger-free stretch, and then nothing after it. */
	t = malloc(n + strlen(tail));
	assert_non_null(t);
	for (i = 0; i < n; i++)
		t[i] = "a few plain words without any dots or colons "[i % 46];
	memcpy(t + n, tail, strlen(tail));
	ioc_set_init(&s);
	assert_int_equal(ioc_extract(ctx, t, n + strlen(tail), &s), ST_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].value, "evil.com");
	ioc_set_free(&s);
	same_both(t, n + strlen(tail));
	/* A long run of letters (a trigger of its own) before the dot. */
	memset(t, 'a', 300);
	memcpy(t + 300, ".com x", 6);
	same_both(t, 306);
	free(t);
}

/* A key followed by " H" at the very end: nothing is read past it. */
static void
t_regkey_at_end(void **state)
{
	static const char key[] = "HKCU\\Software\\Evil H";
	struct ioc_set s;
	char *t;

	t = malloc(sizeof(key) - 1); /* no NUL after it */
	assert_non_null(t);
	memcpy(t, key, sizeof(key) - 1);
	ioc_set_init(&s);
	assert_int_equal(ioc_extract(ctx, t, sizeof(key) - 1, &s), ST_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].type, IOC_REGKEY);
	assert_string_equal(s.v[0].value, "HKCU\\Software\\Evil");
	ioc_set_free(&s);
	same_both(t, sizeof(key) - 1);
	free(t);
}

static void
t_many_matches(void **state)
{
	struct ioc_set s;
	size_t n = 4 * 1024 * 1024, i;
	const char *unit = "see hxxp://evil[.]com/x and 1.2.3.4; ";
	size_t l = strlen(unit);
	char *t;
	double t0;

	t = malloc(n);
	assert_non_null(t);
	for (i = 0; i < n; i++)
		t[i] = unit[i % l];
	ioc_set_init(&s);
	t0 = cpu_now();
	assert_int_equal(ioc_extract(ctx, t, n, &s), ST_OK);
	assert_true(cpu_now() - t0 < 10.0);
	assert_true(s.n >= 2);
	assert_true(ioc_set_has(&s, IOC_URL, "http://evil.com/x"));
	assert_true(ioc_set_has(&s, IOC_IPV4, "1.2.3.4"));
	ioc_set_free(&s);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_type_names),
	    cmocka_unit_test(t_ctx_err_null),
	    cmocka_unit_test(t_url_defanged_example),
	    cmocka_unit_test(t_email_defanged),
	    cmocka_unit_test(t_email_negative),
	    cmocka_unit_test(t_defangs),
	    cmocka_unit_test(t_ipv4),
	    cmocka_unit_test(t_ipv4_negative),
	    cmocka_unit_test(t_fqdn),
	    cmocka_unit_test(t_fqdn_negative),
	    cmocka_unit_test(t_url),
	    cmocka_unit_test(t_url_negative),
	    cmocka_unit_test(t_url_max_len),
	    cmocka_unit_test(t_hashes),
	    cmocka_unit_test(t_hashes_negative),
	    cmocka_unit_test(t_cve),
	    cmocka_unit_test(t_ipv6),
	    cmocka_unit_test(t_dedup_order),
	    cmocka_unit_test(t_set_api),
	    cmocka_unit_test(t_set_cap),
	    cmocka_unit_test(t_extract_cap),
	    cmocka_unit_test(t_exclude),
	    cmocka_unit_test(t_exclude_too_long),
	    cmocka_unit_test(t_exclude_idn),
	    cmocka_unit_test(t_own_domain),
	    cmocka_unit_test(t_set_remove),
	    cmocka_unit_test(t_invalid_utf8),
	    cmocka_unit_test(t_empty),
	    cmocka_unit_test(t_nul_inside),
	    cmocka_unit_test(t_filename),
	    cmocka_unit_test(t_filename_negative),
	    cmocka_unit_test(t_regkey),
	    cmocka_unit_test(t_regkey_negative),
	    cmocka_unit_test(t_asn),
	    cmocka_unit_test(t_asn_negative),
	    cmocka_unit_test(t_loose_forms),
	    cmocka_unit_test(t_bitcoin),
	    cmocka_unit_test(t_bitcoin_negative),
	    cmocka_unit_test(t_zero_width),
	    cmocka_unit_test(t_hash_bounded),
	    cmocka_unit_test(t_not_ip),
	    cmocka_unit_test(t_reserved),
	    cmocka_unit_test(t_wrappers),
	    cmocka_unit_test(t_wrappers_negative),
	    cmocka_unit_test(t_debug),
	    cmocka_unit_test(t_idn),
	    cmocka_unit_test(t_idn_negative),
	    cmocka_unit_test(t_pathological),
	    cmocka_unit_test(t_many_matches),
	    cmocka_unit_test(t_prefilter_edges),
	    cmocka_unit_test(t_prefilter_values),
	    cmocka_unit_test(t_regkey_at_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
