/* Unit tests for html.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "bounds.h"
#include "buf.h"
#include "html.h"

static char *
text_of(const char *html)
{
	char	*s;
	size_t	 n = 0;

	s = html_to_text(html, strlen(html), &n);
	assert_non_null(s);
	assert_int_equal(n, strlen(s));
	return s;
}

static void
check_text(const char *html, const char *want)
{
	char	*s = text_of(html);

	assert_string_equal(s, want);
	free(s);
}

static void
t_simple(void **state)
{
	(void)state;
	check_text("<html><head><title>T</title></head><body>"
	    "<h1>Weekly  report</h1><p>First\n   para &amp; more.</p>"
	    "<div>Second<br>line</div><ul><li>one</li><li>two</li></ul>"
	    "<table><tr><td>a</td><td>b</td></tr></table>"
	    "</body></html>",
	    "Weekly report\n\nFirst para & more.\n\nSecond\nline\n\none\ntwo"
	    "\n\na\nb");
	check_text("caf&eacute;&nbsp;x &lt;tag&gt;", "café x <tag>");
	check_text("<pre>a  b\n  c</pre>after", "a  b\n  c\n\nafter");
	check_text("", "");
}

static void
t_links(void **state)
{
	(void)state;
	check_text("<p>See <a href=\"http://evil.example/x\">this report</a>."
	    "</p>", "See this report <http://evil.example/x>.");
	/* Same text as href: not repeated. */
	check_text("<a href=\"http://a.example/\">http://a.example/</a>",
	    "http://a.example/");
	/* Hidden link, defanged text. */
	check_text("<a href=\"hxxp://b[.]example\"></a>x",
	    "<hxxp://b[.]example>x");
	check_text("<a href=\"#top\">top</a>", "top");
	check_text("<a href=\"https://c.example/?a=1&amp;b=2\">c</a>",
	    "c <https://c.example/?a=1&b=2>");
}

static void
t_script_removed(void **state)
{
	(void)state;
	check_text("<p>a<script>var x = '<p>evil.example</p>';</script>b"
	    "<style>p { color: red }</style>c</p><noscript>n</noscript>",
	    "abc");
}

static void
t_sanitiser(void **state)
{
	struct article_list	 l;
	const char		*h = "<html><body>"
	    "<p onclick=\"alert(1)\" style=\"x\" class=\"c\">Hi <b>there</b></p>"
	    "<img src=\"http://track.example/pixel.gif\" width=1>"
	    "<a href=\"javascript:alert(1)\">js</a>"
	    "<a href=\" JaVaScRiPt:alert(2)\">js2</a>"
	    "<a href=\"https://ok.example/?q=&quot;x&quot;\" target=_blank>ok"
	    "</a><a href=\"mailto:x@example.org\">m</a>"
	    "<a href=\"data:text/html,hi\">d</a>"
	    "<iframe src=\"http://x.example\">if</iframe>"
	    "<form action=\"http://x\"><input name=a>f</form>"
	    "<section>sec</section><font color=red>font</font>"
	    "<script>alert(3)</script>"
	    "<table border=1><tr><td>1 &lt; 2</td></tr></table><br/><hr>"
	    "</body></html>";
	char			*d;

	(void)state;
	assert_int_equal(html_articles("  Weekly\t\n digest  ", h, strlen(h),
	    "plain", 5, &l), ST_OK);
	assert_int_equal(l.n, 1);
	assert_null(l.rest);
	assert_null(l.v[0].url);
	assert_string_equal(l.v[0].title, "Weekly digest");
	d = l.v[0].description;
	assert_non_null(d);
	assert_null(strstr(d, "onclick"));
	assert_null(strstr(d, "style"));
	assert_null(strstr(d, "class"));
	assert_null(strstr(d, "img"));
	assert_null(strstr(d, "pixel"));
	assert_null(strstr(d, "javascript"));
	assert_null(strstr(d, "JaVaScRiPt"));
	assert_null(strstr(d, "data:"));
	assert_null(strstr(d, "iframe"));
	assert_null(strstr(d, "form"));
	assert_null(strstr(d, "input"));
	assert_null(strstr(d, "script"));
	assert_null(strstr(d, "alert"));
	assert_null(strstr(d, "target"));
	assert_null(strstr(d, "border"));
	assert_null(strstr(d, "<font"));
	assert_non_null(strstr(d, "<p>Hi <b>there</b></p>"));
	assert_non_null(strstr(d, "<a>js</a>"));
	assert_non_null(strstr(d,
	    "<a href=\"https://ok.example/?q=&quot;x&quot;\">ok</a>"));
	assert_non_null(strstr(d, "<a href=\"mailto:x@example.org\">m</a>"));
	assert_non_null(strstr(d, "<div>sec</div>"));
	assert_non_null(strstr(d, "<td>1 &lt; 2</td>"));
	assert_non_null(strstr(d, "<br><hr>"));
	assert_null(strstr(d, "</br>"));
	/* The text still sees the hidden link targets. */
	assert_non_null(strstr(l.v[0].text, "javascript:alert(1)"));
	assert_non_null(strstr(l.v[0].text, "Hi there"));
	html_articles_free(&l);
	assert_int_equal(l.n, 0);
}

static void
t_plain_only(void **state)
{
	struct article_list	 l;
	const char		*t = "IoC: evil.example <b>&\nline2\n";

	(void)state;
	assert_int_equal(html_articles(NULL, NULL, 0, t, strlen(t), &l),
	    ST_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "(no subject)");
	assert_string_equal(l.v[0].text, t);
	assert_int_equal(l.v[0].text_len, strlen(t));
	assert_string_equal(l.v[0].description,
	    "<pre>IoC: evil.example &lt;b&gt;&amp;\nline2\n</pre>");
	html_articles_free(&l);
}

static void
t_no_body(void **state)
{
	struct article_list	 l;

	(void)state;
	assert_int_equal(html_articles("s", NULL, 0, NULL, 0, &l), ST_OK);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	html_articles_free(&l);
	assert_int_equal(html_articles("s", "", 0, "", 0, &l), ST_OK);
	assert_int_equal(l.n, 0);
	html_articles_free(&l);
}

static void
t_title(void **state)
{
	struct article_list	 l;
	char			 big[2000];

	(void)state;
	memset(big, 0, sizeof(big));
	/* 700 two-byte characters: cut on a character boundary. */
	for (size_t i = 0; i < 700; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	assert_int_equal(html_articles(big, NULL, 0, "x", 1, &l), ST_OK);
	assert_true(strlen(l.v[0].title) <= MAX_TITLE_LEN);
	assert_int_equal(strlen(l.v[0].title) % 2, 0);
	html_articles_free(&l);
	assert_int_equal(html_articles(" \t\r\n", NULL, 0, "x", 1, &l), ST_OK);
	assert_string_equal(l.v[0].title, "(no subject)");
	html_articles_free(&l);
}

/* n copies of tag, then the text "end": must parse fast. */
static void
bomb(const char *tag, size_t n)
{
	struct buf		 b;
	struct article_list	 l;
	clock_t			 c0;
	double			 secs;
	char			*s;
	size_t			 sl = 0, i;

	buf_init(&b, 64u << 20);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_adds(&b, tag), 0);
	assert_int_equal(buf_adds(&b, "end evil.example"), 0);
	c0 = clock();
	s = html_to_text(b.p, b.len, &sl);
	assert_non_null(s);
	if (strstr(s, "end evil.example") == NULL)
		print_error("%s: text ends \"%s\"\n", tag,
		    s + (sl > 60 ? sl - 60 : 0));
	assert_non_null(strstr(s, "end evil.example"));
	free(s);
	secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
	if (secs >= 10.0)
		print_error("%s x %zu: %.2f s\n", tag, n, secs);
	assert_true(secs < 10.0);
	c0 = clock();
	assert_int_equal(html_articles("bomb", b.p, b.len, NULL, 0, &l),
	    ST_OK);
	secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
	if (secs >= 10.0)
		print_error("%s x %zu: %.2f s\n", tag, n, secs);
	assert_true(secs < 10.0);
	assert_non_null(strstr(l.v[0].text, "end evil.example"));
	html_articles_free(&l);
	buf_free(&b);
}

static void
t_depth_bombs(void **state)
{
	(void)state;
	bomb("<div>", 100000);
	bomb("<b>", 100000);
	bomb("<font>", 100000);
	bomb("<table>", 100000);
	bomb("<i><p>", 100000);
	bomb("<div><table></div>", 50000);
	bomb("<b x=1><b x=2><b x=3><b x=4></p>x", 30000);
	bomb("<ul><li>", 100000);
	bomb("<a href=\"http://x.example/\">", 100000);
	bomb("<table><tr><td>", 50000);
	bomb("<p><b1><b2></p>x<div>", 50000);
}

static void
t_bounded_size(void **state)
{
	char	*h, *s;
	size_t	 n = MAX_HTML_SIZE + 4096, sl = 0;

	(void)state;
	h = malloc(n);
	assert_non_null(h);
	memset(h, 'a', n);
	memcpy(h + n - 8, "TAILMARK", 8);
	s = html_to_text(h, n, &sl);
	assert_non_null(s);
	assert_true(sl <= MAX_HTML_SIZE);
	assert_null(strstr(s, "TAILMARK"));
	free(s);
	free(h);
}

static void
t_raw_text_and_comments(void **state)
{
	(void)state;
	check_text("<!-- <div>hidden</div> -->shown", "shown");
	check_text("<textarea><div>x</div></textarea>y", "<div>x</div>y");
	check_text("a < b and c<d", "a < b and c");
	check_text("<p title=\"x>y\">q</p>", "q");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_simple),
		cmocka_unit_test(t_links),
		cmocka_unit_test(t_script_removed),
		cmocka_unit_test(t_sanitiser),
		cmocka_unit_test(t_plain_only),
		cmocka_unit_test(t_no_body),
		cmocka_unit_test(t_title),
		cmocka_unit_test(t_depth_bombs),
		cmocka_unit_test(t_bounded_size),
		cmocka_unit_test(t_raw_text_and_comments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
