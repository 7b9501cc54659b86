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
	char *s;
	size_t n = 0;

	s = html_to_text(html, strlen(html), &n);
	assert_non_null(s);
	assert_int_equal(n, strlen(s));
	return s;
}

static void
check_text(const char *html, const char *want)
{
	char *s = text_of(html);

	assert_string_equal(s, want);
	free(s);
}

static void
t_simple(void **state)
{
	(void)state;
	check_text(
	    "<html><head><title>T</title></head><body>"
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
		   "</p>",
		   "See this report <http://evil.example/x>.");
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
	struct article_list l;
	const char *h =
	    "<html><body>"
	    "<p onclick=\"alert(1)\" style=\"x\" class=\"c\">Hi "
	    "<b>there</b></p>"
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
	char *d;

	(void)state;
	assert_int_equal(html_articles("  Weekly\t\n digest  ", h, strlen(h),
				       "plain", 5, &l),
			 ST_OK);
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
	assert_non_null(strstr(
	    d, "<a href=\"https://ok.example/?q=&quot;x&quot;\">ok</a>"));
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
	struct article_list l;
	const char *t = "IoC: evil.example <b>&\nline2\n";

	(void)state;
	assert_int_equal(html_articles(NULL, NULL, 0, t, strlen(t), &l), ST_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "(no subject)");
	assert_string_equal(l.v[0].text, t);
	assert_int_equal(l.v[0].text_len, strlen(t));
	assert_string_equal(
	    l.v[0].description,
	    "<pre>IoC: evil.example &lt;b&gt;&amp;\nline2\n</pre>");
	html_articles_free(&l);
}

static void
t_no_body(void **state)
{
	struct article_list l;

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
	struct article_list l;
	char big[2000];

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
	struct buf b;
	struct article_list l;
	clock_t c0;
	double secs;
	char *s;
	size_t sl = 0, i;

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
	assert_int_equal(html_articles("bomb", b.p, b.len, NULL, 0, &l), ST_OK);
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
	char *h, *s;
	size_t n = MAX_HTML_SIZE + 4096, sl = 0;

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

/*
 * Digest splitting.
 */

static void
split(const char *html, const char *text, struct article_list *l)
{
	assert_int_equal(html_articles("Subject line", html,
				       html != NULL ? strlen(html) : 0, text,
				       text != NULL ? strlen(text) : 0, l),
			 ST_OK);
}

/* Article i has this title and url, and its text holds want. */
static void
check_art(const struct article_list *l, size_t i, const char *title,
	  const char *url, const char *want)
{
	assert_true(i < l->n);
	assert_string_equal(l->v[i].title, title);
	if (url == NULL)
		assert_null(l->v[i].url);
	else {
		assert_non_null(l->v[i].url);
		assert_string_equal(l->v[i].url, url);
	}
	assert_non_null(l->v[i].description);
	assert_int_equal(l->v[i].text_len, strlen(l->v[i].text));
	if (want != NULL && strstr(l->v[i].text, want) == NULL)
		print_error("article %zu text \"%s\"\n", i, l->v[i].text);
	if (want != NULL)
		assert_non_null(strstr(l->v[i].text, want));
}

/* s occurs in no article's text or description. */
static void
nowhere(const struct article_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		assert_null(strstr(l->v[i].text, s));
		assert_null(strstr(l->v[i].description, s));
	}
}

static void
t_split_headings(void **state)
{
	struct article_list l;

	(void)state;
	split("<h1>Acme Weekly</h1><p>TLP:GREEN intro text.</p>"
	      "<h2><a href=\"https://acme.example/a\">First story here</a></h2>"
	      "<p>Alpha body evil-one.example</p><h3>Indicators</h3><p>x1</p>"
	      "<h2>Second story here</h2><p>Beta body</p>"
	      "<p><a href=\"https://acme.example/b\">Read more</a></p>"
	      "<h2>Third story</h2><p>Gamma body</p>",
	      NULL, &l);
	assert_int_equal(l.n, 3);
	check_art(&l, 0, "First story here", "https://acme.example/a",
		  "Alpha body evil-one.example");
	/* A deeper heading stays inside its story. */
	assert_non_null(strstr(l.v[0].text, "Indicators"));
	assert_null(strstr(l.v[0].text, "Beta"));
	assert_non_null(strstr(l.v[0].description, "<h3>Indicators</h3>"));
	assert_null(strstr(l.v[0].description, "Beta"));
	check_art(&l, 1, "Second story here", "https://acme.example/b",
		  "Beta body");
	check_art(&l, 2, "Third story", NULL, "Gamma body");
	/* The newsletter's name and intro go to rest. */
	assert_non_null(l.rest);
	assert_int_equal(l.rest_len, strlen(l.rest));
	assert_non_null(strstr(l.rest, "Acme Weekly"));
	assert_non_null(strstr(l.rest, "TLP:GREEN intro text."));
	nowhere(&l, "intro text");
	html_articles_free(&l);

	/* Sections (h2, no text of their own) holding h3 stories. */
	split("<h2>Vulnerabilities</h2><h3>Bug one in product</h3><p>one</p>"
	      "<h3>Bug two in product</h3><p>two</p><h2>Malware</h2>"
	      "<h3>Loader three seen</h3><p>three</p>",
	      NULL, &l);
	assert_int_equal(l.n, 3);
	check_art(&l, 0, "Bug one in product", NULL, "one");
	check_art(&l, 1, "Bug two in product", NULL, "two");
	assert_null(strstr(l.v[1].text, "Malware"));
	check_art(&l, 2, "Loader three seen", NULL, "three");
	assert_non_null(strstr(l.rest, "Malware"));
	html_articles_free(&l);
}

static void
t_split_linked_titles(void **state)
{
	struct article_list l;

	(void)state;
	split("<div><a href=\"https://n.example/1\">Story one has a title</a>"
	      "</div><p>Summary one 10.1.2.3</p>"
	      "<div><a href=\"https://n.example/2\">Story two has a title</a>"
	      "</div><p>Summary two</p>"
	      "<p><strong><a href=\"https://n.example/3\">Story three title"
	      "</a></strong> summary three inline</p>",
	      NULL, &l);
	assert_int_equal(l.n, 3);
	check_art(&l, 0, "Story one has a title", "https://n.example/1",
		  "Summary one 10.1.2.3");
	assert_non_null(strstr(l.v[0].text, "<https://n.example/1>"));
	check_art(&l, 1, "Story two has a title", "https://n.example/2",
		  "Summary two");
	check_art(&l, 2, "Story three title", "https://n.example/3",
		  "summary three inline");
	assert_null(l.rest);
	html_articles_free(&l);
}

static void
t_split_bold_leads(void **state)
{
	struct article_list l;

	(void)state;
	split("<p><b>TLP:AMBER</b></p><p>Bulletin intro.</p>"
	      "<p><b>Exim heap overflow bug</b> &ndash; text one.</p>"
	      "<p><b>Recommendation:</b> patch it.</p>"
	      "<p><strong>Phishing kit for refunds:</strong> text two.</p>"
	      "<p><b>Important</b> words in a sentence stay.</p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	check_art(&l, 0, "Exim heap overflow bug", NULL, "text one.");
	assert_non_null(strstr(l.v[0].text, "patch it."));
	check_art(&l, 1, "Phishing kit for refunds", NULL, "text two.");
	assert_non_null(strstr(l.v[1].text, "words in a sentence"));
	assert_non_null(strstr(l.rest, "TLP:AMBER"));
	html_articles_free(&l);
}

static void
t_split_hr(void **state)
{
	struct article_list l;

	(void)state;
	split("<p>Daily digest intro</p><hr><p>First item title</p>"
	      "<p>first body</p><hr><p>Second item title</p><p>second body "
	      "<a href=\"https://d.example/2\">continue reading</a></p><hr>"
	      "<p>Unsubscribe here</p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	check_art(&l, 0, "First item title", NULL, "first body");
	check_art(&l, 1, "Second item title", "https://d.example/2",
		  "second body");
	assert_null(strstr(l.v[0].description, "<hr>"));
	assert_string_equal(l.rest, "Daily digest intro");
	nowhere(&l, "Unsubscribe");
	html_articles_free(&l);
}

static void
t_split_table_rows(void **state)
{
	struct article_list l;

	(void)state;
	split("<table><tr><td><a href=\"https://t.example/web\">View in "
	      "browser</a></td></tr>"
	      "<tr><td><img src=\"https://t.example/logo.png\"></td></tr>"
	      "<tr><td><table><tr><td><a href=\"https://t.example/1\"><b>Row "
	      "story number one</b></a></td></tr><tr><td>Row summary one "
	      "about bad-row[.]com</td></tr></table></td></tr>"
	      "<tr><td><a href=\"https://t.example/2\">Row story number two</a>"
	      "<br>Row summary two</td></tr>"
	      "<tr><td>You received this because you subscribed.</td></tr>"
	      "</table><img src=\"https://t.example/px.gif\" width=1>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	check_art(&l, 0, "Row story number one", "https://t.example/1",
		  "bad-row[.]com");
	check_art(&l, 1, "Row story number two", "https://t.example/2",
		  "Row summary two");
	nowhere(&l, "View in");
	nowhere(&l, "received this");
	nowhere(&l, "px.gif");
	assert_null(l.rest);
	html_articles_free(&l);

	/* A data table inside a story is kept whole, not split. */
	split(
	    "<h2>Story with a table</h2><table><tr><td><a href=\"http://"
	    "x1.example/\">Indicator link one</a></td><td>C2</td></tr><tr><td>"
	    "<a href=\"http://x2.example/\">Indicator link two</a></td><td>"
	    "C2</td></tr></table><h2>Other story</h2><p>text</p>",
	    NULL, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(strstr(l.v[0].description, "<table>"));
	assert_non_null(strstr(l.v[0].text, "x2.example"));
	html_articles_free(&l);
}

static void
t_split_list(void **state)
{
	struct article_list l;

	(void)state;
	split("<p>Here are the stories.</p><ol>"
	      "<li><a href=\"https://l.example/1\">List story number one</a> "
	      "one summary</li>"
	      "<li><a href=\"https://l.example/2\">List story number two</a> "
	      "two summary</li></ol><p>Cheers, the team</p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	check_art(&l, 0, "List story number one", "https://l.example/1",
		  "one summary");
	check_art(&l, 1, "List story number two", "https://l.example/2",
		  "two summary");
	assert_null(strstr(l.v[1].text, "Cheers"));
	assert_non_null(strstr(l.v[1].description, "<div>"));
	assert_null(strstr(l.v[1].description, "<li>"));
	assert_non_null(strstr(l.rest, "Cheers"));
	html_articles_free(&l);
}

static void
t_split_plain(void **state)
{
	struct article_list l;

	(void)state;
	split(NULL,
	      "Weekly roundup\nTLP:GREEN\n\n"
	      "1. First numbered story\nhttps://p.example/1\nbody one "
	      "1.2.3.4\n\n2. Second numbered story\nbody two\nRead more: "
	      "<https://p.example/2>\n\n3. Third numbered story\nbody three\n"
	      "\n--\nTo unsubscribe reply STOP\n",
	      &l);
	assert_int_equal(l.n, 3);
	check_art(&l, 0, "First numbered story", "https://p.example/1",
		  "body one 1.2.3.4");
	check_art(&l, 1, "Second numbered story", "https://p.example/2",
		  "body two");
	check_art(&l, 2, "Third numbered story", NULL, "body three");
	assert_null(strstr(l.v[2].text, "unsubscribe"));
	assert_null(strstr(l.v[2].text, "--"));
	assert_string_equal(
	    l.v[0].description,
	    "<pre>1. First numbered "
	    "story\nhttps://p.example/1\nbody one 1.2.3.4</pre>");
	assert_string_equal(l.rest, "Weekly roundup\nTLP:GREEN");
	html_articles_free(&l);

	/* Separators, with underlined and boxed titles. */
	split(NULL,
	      "Monthly summary\n===============\n\nintro\n\n"
	      "----------\nFirst sep story\n----------\nbody A\n\n"
	      "Second sep story\n----------\nbody B\n\n----------\n"
	      "Third sep story\nbody C\n",
	      &l);
	assert_int_equal(l.n, 3);
	check_art(&l, 0, "First sep story", NULL, "body A");
	check_art(&l, 1, "Second sep story", NULL, "body B");
	check_art(&l, 2, "Third sep story", NULL, "body C");
	assert_non_null(strstr(l.rest, "intro"));
	html_articles_free(&l);
}

static void
t_not_digest(void **state)
{
	struct article_list l;

	(void)state;
	/* One h1, labelled sections, bold steps: one advisory. */
	split("<h1>Critical bug in gateway</h1><h2>Summary</h2><p>text</p>"
	      "<h2>Recommendations</h2><p><b>Upgrade the appliance now.</b> "
	      "x</p><p><b>Hunt for new admin accounts.</b> y</p>"
	      "<p><a href=\"https://v.example/adv\">Read the full advisory</a>"
	      "</p>",
	      NULL, &l);
	assert_int_equal(l.n, 1);
	check_art(&l, 0, "Subject line", "https://v.example/adv",
		  "Hunt for new admin");
	assert_null(l.rest);
	html_articles_free(&l);
	/* A single linked title is no repetition. */
	split("<p><a href=\"https://v.example/1\">Only one story here</a>"
	      "</p><p>text</p>",
	      NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "Subject line");
	html_articles_free(&l);
	/* Numbered steps in a plain alert. */
	split(NULL,
	      "Alert text.\n\nSteps:\n\n1. Block the address.\n\n"
	      "2. Reset the password.\n",
	      &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "Subject line");
	html_articles_free(&l);
	split(NULL, "Alert.\nSteps:\n1. Block it.\n2. Reset it.\n3. Done\n",
	      &l);
	assert_int_equal(l.n, 1);
	html_articles_free(&l);
}

static void
t_boilerplate(void **state)
{
	struct article_list l;

	(void)state;
	split("<p><a href=\"https://b.example/web\">View online</a></p>"
	      "<p><a href=\"https://b.example/\">Home</a> | <a href=\"https://"
	      "b.example/blog\">Blog</a> | <a href=\"https://b.example/c\">"
	      "Contact</a></p>"
	      "<h2>Real story one</h2><p>one text</p>"
	      "<p><a href=\"https://twitter.com/b\">Twitter</a> <a href=\""
	      "https://www.facebook.com/b\">Facebook</a></p>"
	      "<p>Sponsored</p><h2>Buy our product today</h2><p>promo text</p>"
	      "<h2>Advertisement: another promo</h2><p>promo two</p>"
	      "<h2>Real story two</h2><p>two text</p>"
	      "<p>Partner content: a word from our partner</p><p>more promo</p>"
	      "<h2>Real story three</h2><p>three text</p>"
	      "<p>Copyright 2026. All rights reserved. <a href=\"https://"
	      "b.example/u\">Unsubscribe</a></p><p>1 Main Street</p>",
	      NULL, &l);
	assert_int_equal(l.n, 3);
	check_art(&l, 0, "Real story one", NULL, "one text");
	check_art(&l, 1, "Real story two", NULL, "two text");
	check_art(&l, 2, "Real story three", NULL, "three text");
	nowhere(&l, "View online");
	nowhere(&l, "Blog");
	nowhere(&l, "twitter");
	nowhere(&l, "promo");
	nowhere(&l, "Buy our product");
	nowhere(&l, "Unsubscribe");
	nowhere(&l, "Main Street");
	assert_null(l.rest);
	html_articles_free(&l);
	/* A story about state-sponsored actors is not a sponsor block. */
	split("<h2>State-sponsored group returns</h2><p>a</p>"
	      "<h2>Another story title</h2><p>b</p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].title, "State-sponsored group returns");
	html_articles_free(&l);
	/* A TLP in a boilerplate header still reaches rest, without links. */
	split("<p>TLP:RED <a href=\"https://b.example/web\">view in browser"
	      "</a></p><h3>Story title one</h3><p>a</p><h3>Story title two</h3>"
	      "<p>b</p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(l.rest);
	assert_non_null(strstr(l.rest, "TLP:RED"));
	assert_null(strstr(l.rest, "b.example"));
	html_articles_free(&l);
}

static void
t_split_sanitised(void **state)
{
	struct article_list l;

	(void)state;
	split("<h2 onclick=\"x()\">Story one title</h2><p style=\"a\">one"
	      "<script>alert(1)</script><img src=\"http://px.example/a.gif\">"
	      "</p><h2>Story two title</h2><p><a href=\"javascript:alert(2)\">"
	      "two</a></p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].description,
			    "<h2>Story one title</h2><p>one</p>");
	assert_string_equal(l.v[1].description,
			    "<h2>Story two title</h2><p><a>two</a></p>");
	assert_non_null(strstr(l.v[1].text, "javascript:alert(2)"));
	html_articles_free(&l);
}

static void
t_split_bounds(void **state)
{
	struct article_list l;
	struct buf b;
	clock_t c0;
	size_t i;

	(void)state;
	/* More stories than MAX_ARTICLES. */
	buf_init(&b, 64u << 20);
	for (i = 0; i < MAX_ARTICLES + 50; i++)
		assert_int_equal(buf_addf(&b,
					  "<h2>Story number %zu</h2>"
					  "<p>body %zu</p>",
					  i, i),
				 0);
	split(b.p, NULL, &l);
	assert_int_equal(l.n, MAX_ARTICLES);
	assert_string_equal(l.v[MAX_ARTICLES - 1].title, "Story number 199");
	assert_non_null(strstr(l.rest, "Story number 200"));
	html_articles_free(&l);
	buf_free(&b);

	/* Many units: bounded time, still at least one article. */
	buf_init(&b, 64u << 20);
	c0 = clock();
	for (i = 0; i < 40000; i++)
		assert_int_equal(buf_addf(&b,
					  "<div><b>Lead number %zu "
					  "here</b> &ndash; t</div><hr>",
					  i),
				 0);
	split(b.p, NULL, &l);
	assert_true(l.n >= 1 && l.n <= MAX_ARTICLES);
	html_articles_free(&l);
	buf_free(&b);

	/* A very long numbered title is cut to MAX_TITLE_LEN. */
	buf_init(&b, 1u << 20);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(buf_addf(&b, "%zu. ", i), 0);
		for (size_t k = 0; k < 400; k++)
			assert_int_equal(buf_adds(&b, "word "), 0);
		assert_int_equal(buf_adds(&b, "\nbody\n\n"), 0);
	}
	split(NULL, b.p, &l);
	assert_int_equal(l.n, 3);
	for (i = 0; i < 3; i++)
		assert_true(strlen(l.v[i].title) <= MAX_TITLE_LEN);
	html_articles_free(&l);
	buf_free(&b);

	/* Many plain lines: linear, at most MAX_ARTICLES. */
	buf_init(&b, 64u << 20);
	for (i = 1; i <= 50000; i++)
		assert_int_equal(
		    buf_addf(&b, "\n%zu. Item title %zu\nbody\n", i, i), 0);
	split(NULL, b.p, &l);
	assert_int_equal(l.n, MAX_ARTICLES);
	html_articles_free(&l);
	/* Past the line bound: not split, one article. */
	for (; i <= 100000; i++)
		assert_int_equal(
		    buf_addf(&b, "\n%zu. Item title %zu\nbody\n", i, i), 0);
	split(NULL, b.p, &l);
	assert_int_equal(l.n, 1);
	html_articles_free(&l);
	buf_free(&b);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 10.0);
}

/* Titles lose list numbering and a lead's full stop; a boxed digest's
 * closing rule over a one-line footer is not a story. */
static void
t_titles_and_boxed_footer(void **state)
{
	struct article_list l;

	(void)state;
	split(NULL,
	      "Bulletin\n\n=====\n[1] Alpha story here\n=====\n"
	      "body A evil-a[.]com\n\n=====\n[2] Beta story here\n=====\n"
	      "body B\n\n=====\nContact the desk for questions.\n",
	      &l);
	assert_int_equal(l.n, 2);
	check_art(&l, 0, "Alpha story here", NULL, "body A");
	check_art(&l, 1, "Beta story here", NULL, "body B");
	html_articles_free(&l);

	split("<p><b>Phishing kit targets tax refunds.</b> Lures ask for "
	      "bank logins at refund-portal[.]net.</p><p><b>Loader returns "
	      "with signed installers.</b> Samples carry a stolen "
	      "certificate.</p><p><b>Wait for it...</b> An ellipsis stays "
	      "in the title here.</p>",
	      NULL, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].title, "Phishing kit targets tax refunds");
	assert_string_equal(l.v[1].title, "Loader returns with signed "
					  "installers");
	assert_string_equal(l.v[2].title, "Wait for it...");
	html_articles_free(&l);
}

/* A footer with a typographic apostrophe is a footer too (the keyword's
 * non-ASCII bytes never matched: compared as negative chars). */
static void
t_footer_curly_apostrophe(void **state)
{
	struct article_list l;

	(void)state;
	split("<h2>Alpha story</h2><p>body A evil-a[.]com</p>"
	      "<h2>Beta story</h2><p>body B</p>"
	      "<h2>About the Brief</h2><p>You\xe2\x80\x99re receiving the "
	      "Weekly Brief because you subscribed.</p>",
	      NULL, &l);
	assert_int_equal(l.n, 2);
	check_art(&l, 0, "Alpha story", NULL, "body A");
	check_art(&l, 1, "Beta story", NULL, "body B");
	html_articles_free(&l);
}

/*
 * html.c hands gumbo each run of text as one character and puts the text
 * back in the tree (the squeeze): the tree must be the one gumbo builds
 * from the body as it is.  These are gumbo's outputs for the bodies as they
 * are, each with runs the squeeze must leave alone or put back exactly.
 */
struct sqcase {
	const char *html;
	size_t len;
	const char *want;
};
#define SQ_CASE(h, w)                                                          \
	{                                                                      \
		(h), sizeof(h) - 1, (w)                                        \
	}

static void
t_squeeze(void **state)
{
	static const struct sqcase c[] = {
	    /* text in a table goes before it (foster parenting) */
	    SQ_CASE("<table><tr><td>cell text here</td></tr> a long run of "
		    "words <tr><td>x</td></tr></table>after the table ok",
		    "a long run of words\n\ncell text here\nx\n\nafter the "
		    "table ok"),
	    /* blanks around a run; CR LF and a lone CR in it */
	    SQ_CASE(
		"<p>  first line here\r\nsecond line here\rthird line   </p>",
		"first line here second line here third line"),
	    /* <pre>: leading blanks kept, CR LF folded */
	    SQ_CASE(
		"<pre>\n  a long run of words\r\n  a long run of words  </pre>",
		"  a long run of words\n  a long run of words"),
	    /* character references beside runs */
	    SQ_CASE("<p>a long run of words&amp;a long run of words "
		    "&lt;tag&gt; &notit; &#x41;a long run of words&ampx</p>",
		    "a long run of words&a long run of words <tag> \xc2"
		    "\xacit; Aa long run of words&x"),
	    /* a CDATA section in <svg>, with '>' and "]]>" */
	    SQ_CASE("<svg><![CDATA[a long run of words a > b ]]> a long run of "
		    "words</svg><p>a long run of words</p>",
		    "a long run of words a > b a long run of words\n\na long "
		    "run of words"),
	    /* <svg><title>, <textarea> not raw text: the byte after '<' kept */
	    SQ_CASE(
		"<svg><title>a long run of words<b>bold words "
		"here</b></title><textarea>a long run of words</dir>a long run "
		"of words</textarea></svg><p>done here at last</p>",
		"a long run of wordsa long run of words\n\ndone here at last"),
	    /* <title> and <style> are raw text */
	    SQ_CASE(
		"<html><head><title>a long run of words &amp; "
		"more</title><style>p > b { color: red } a long run of "
		"words</style></head><body>a long run of words</body></html>",
		"a long run of words"),
	    /* a frameset drops text: parsed as it is */
	    SQ_CASE("<frameset>a long run of words<frame></frameset>a long run "
		    "of words",
		    ""),
	    /* comments: abrupt, "--->", "--!>" */
	    SQ_CASE("<p>a long run of words<!-->a long run of words<!--->a "
		    "long run of words<!-- a -- b --!>a long run of words</p>",
		    "a long run of wordsa long run of wordsa long run of "
		    "wordsa long run of words"),
	    /* a script's escapes ("-->") left alone */
	    SQ_CASE("<p>a long run of words</p><script><!--<script>a long run "
		    "of words</script>a long run of words--></script><p>a long "
		    "run of words</p>",
		    "a long run of words\n\na long run of words"),
	    /* '>' in quoted and unquoted attribute values */
	    SQ_CASE("<p title='a long run of words > x' data-x=y\"z>a long run "
		    "of words<a href=\"http://example.com/a>b\" x>a long run "
		    "of words</a></p>",
		    "a long run of wordsa long run of words "
		    "<http://example.com/a>b>"),
	    /* <select>, <template>, <plaintext> */
	    SQ_CASE("<select><option>a long run of words<option>a long run of "
		    "words</select><template><p>a long run of "
		    "words</p></template><plaintext>a long run of words<b>a "
		    "long run of words",
		    "a long run of words\na long run of words\na long run of "
		    "words<b>a long run of words"),
	    /* the markers' own characters, raw and as references: as it is */
	    SQ_CASE("<p>a long run of words \xf3"
		    "\xb0"
		    "\x80"
		    "\x80 a long run of words</p><p>&#xF0001;a long run of "
		    "words&#983042;</p>",
		    "a long run of words \xf3"
		    "\xb0"
		    "\x80"
		    "\x80 a long run of words\n\n\xf3"
		    "\xb0"
		    "\x80"
		    "\x81"
		    "a long run of words\xf3"
		    "\xb0"
		    "\x80"
		    "\x82"),
	    /* NUL, controls, a noncharacter and the BOM in runs */
	    SQ_CASE("<p>a long run of words\x00"
		    "a long run of words\x01"
		    "\x0b"
		    "a long run of words\xef"
		    "\xb7"
		    "\x90"
		    "\xef"
		    "\xbb"
		    "\xbf"
		    "a long run of words</p>",
		    "a long run of wordsa long run of words\xef"
		    "\xbf"
		    "\xbd"
		    "\xef"
		    "\xbf"
		    "\xbd"
		    "a long run of words\xef"
		    "\xbf"
		    "\xbd"
		    "\xef"
		    "\xbb"
		    "\xbf"
		    "a long run of words"),
	    /* ill-formed UTF-8 in runs */
	    SQ_CASE("<p>a long run of words\xff"
		    "\xc0"
		    "\x80"
		    "a long run of words\xed"
		    "\xa0"
		    "\x80"
		    "a long run of words</p>",
		    "a long run of words\xef"
		    "\xbf"
		    "\xbd"
		    "\xef"
		    "\xbf"
		    "\xbd"
		    "\xef"
		    "\xbf"
		    "\xbd"
		    "a long run of words\xef"
		    "\xbf"
		    "\xbd"
		    "\xef"
		    "\xbf"
		    "\xbd"
		    "\xef"
		    "\xbf"
		    "\xbd"
		    "a long run of words"),
	};
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = html_to_text(c[i].html, c[i].len, &n);
		assert_non_null(s);
		assert_string_equal(s, c[i].want);
		assert_int_equal(n, strlen(c[i].want));
		free(s);
	}
}

/*
 * More runs than markers (65534), and a squeezed body too large for the
 * arena: the rest of the runs go to gumbo as they are.
 */
static void
t_squeeze_many(void **state)
{
	const size_t np = 70000;
	struct buf h, w;
	size_t i, n;
	char *s;

	(void)state;
	buf_init(&h, (size_t)64 << 20);
	buf_init(&w, (size_t)64 << 20);
	for (i = 0; i < np; i++) {
		assert_int_equal(buf_addf(&h, "<p>word%07zu</p>\r\n", i), 0);
		assert_int_equal(
		    buf_addf(&w, "%sword%07zu", i ? "\n\n" : "", i), 0);
	}
	s = html_to_text(h.p, h.len, &n);
	assert_non_null(s);
	assert_int_equal(n, w.len);
	assert_string_equal(s, w.p);
	free(s);
	buf_free(&h);
	buf_free(&w);
}

/*
 * A unit longer than the plain text kept to classify it (4096 bytes), cut
 * on a character boundary: the bold leads still start the stories.
 */
static void
t_long_bold_leads(void **state)
{
	static const char *const titles[] = {"Bold lead number 1 here",
					     "Bold lead number 2 here",
					     "Bold lead number 3 here"};
	struct article_list l;
	struct buf h;
	size_t i, k;

	(void)state;
	buf_init(&h, 1 << 20);
	for (k = 0; k < 3; k++) {
		assert_int_equal(
		    buf_addf(&h, "<p><b>Bold lead number %zu here.</b> ",
			     k + 1),
		    0);
		for (i = 0; h.len < (k + 1) * 6000; i++)
			assert_int_equal(
			    buf_adds(&h, i % 7 ? "word " : "caf\xc3\xa9 "), 0);
		assert_int_equal(
		    buf_addf(&h,
			     "</p>\n<p>Indicators: evil%zu.example."
			     "net and more text</p>\n",
			     k),
		    0);
	}
	assert_int_equal(html_articles("Subject", h.p, h.len, NULL, 0, &l),
			 ST_OK);
	assert_int_equal(l.n, 3);
	for (k = 0; k < 3; k++) {
		assert_string_equal(l.v[k].title, titles[k]);
		assert_null(l.v[k].url);
	}
	assert_int_equal(l.v[0].text_len, 6035);
	assert_int_equal(l.v[1].text_len, 5979);
	assert_int_equal(l.v[2].text_len, 5979);
	html_articles_free(&l);
	buf_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_footer_curly_apostrophe),
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
	    cmocka_unit_test(t_split_headings),
	    cmocka_unit_test(t_split_linked_titles),
	    cmocka_unit_test(t_split_bold_leads),
	    cmocka_unit_test(t_split_hr),
	    cmocka_unit_test(t_split_table_rows),
	    cmocka_unit_test(t_split_list),
	    cmocka_unit_test(t_split_plain),
	    cmocka_unit_test(t_titles_and_boxed_footer),
	    cmocka_unit_test(t_not_digest),
	    cmocka_unit_test(t_boilerplate),
	    cmocka_unit_test(t_split_sanitised),
	    cmocka_unit_test(t_split_bounds),
	    cmocka_unit_test(t_squeeze),
	    cmocka_unit_test(t_squeeze_many),
	    cmocka_unit_test(t_long_bold_leads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
