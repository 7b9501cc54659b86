/* Unit tests for tlp.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "tlp.h"

static enum tlp
find(const char *s)
{
	return tlp_find(s, strlen(s));
}

static void
t_labels(void **state)
{
	(void)state;
	assert_int_equal(find("TLP:RED"), TLP_RED);
	assert_int_equal(find("TLP:AMBER+STRICT"), TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP:GREEN"), TLP_GREEN);
	assert_int_equal(find("TLP:CLEAR"), TLP_CLEAR);
	assert_int_equal(find("TLP:WHITE"), TLP_WHITE);
	assert_int_equal(find("tlp:clear"), TLP_CLEAR);
	assert_int_equal(find("TLP: RED"), TLP_RED);
	assert_int_equal(find("TLP-GREEN"), TLP_GREEN);
}

static void
t_variants(void **state)
{
	(void)state;
	assert_int_equal(find("tlp:amber"), TLP_AMBER);
	assert_int_equal(find("Classification: TLP: Green."), TLP_GREEN);
	assert_int_equal(find("TLP-AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP_RED"), TLP_RED);
	assert_int_equal(find("TLP:AMBER + STRICT"), TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:amber+strict)"), TLP_AMBER_STRICT);
	assert_int_equal(find("[TLP:RED]"), TLP_RED);
	assert_int_equal(find("TLP:\tCLEAR\n"), TLP_CLEAR);
	assert_int_equal(find("TLP:AMBER+"), TLP_AMBER);
	assert_int_equal(find("TLP:AMBER+STRICTLY"), TLP_AMBER);
	assert_int_equal(find("TLP:AMBER+ sTrIcT"), TLP_AMBER_STRICT);
}

static void
t_boundaries(void **state)
{
	(void)state;
	assert_int_equal(find("TLP:REDACTED"), TLP_NONE);
	assert_int_equal(find("TLP:GREENISH"), TLP_NONE);
	assert_int_equal(find("TLP:WHITEWASH TLP:AMBERS"), TLP_NONE);
	assert_int_equal(find("XTLP:RED"), TLP_NONE);
	assert_int_equal(find("TLPRED"), TLP_NONE);
	/* Bare "TLP RED" alone on its line is a marking now (t_bare). */
	assert_int_equal(find("x TLP RED"), TLP_NONE);
	assert_int_equal(find("TLP:"), TLP_NONE);
	assert_int_equal(find("TLP"), TLP_NONE);
	assert_int_equal(find("TL"), TLP_NONE);
	assert_int_equal(find(""), TLP_NONE);
	assert_int_equal(tlp_find(NULL, 0), TLP_NONE);
	assert_int_equal(find("TLP:RED2"), TLP_RED);
	assert_int_equal(find("x TLP:GREEN"), TLP_GREEN);
	/* Not NUL-terminated: the length is honoured. */
	assert_int_equal(tlp_find("TLP:REDACTED", 7), TLP_RED);
	assert_int_equal(tlp_find("TLP:GREEN", 8), TLP_NONE);
}

static void
t_precedence(void **state)
{
	(void)state;
	assert_int_equal(find("TLP:CLEAR TLP:GREEN"), TLP_GREEN);
	assert_int_equal(find("TLP:GREEN and TLP:AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP:AMBER TLP:AMBER+STRICT TLP:AMBER"),
			 TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:RED ... TLP:CLEAR"), TLP_RED);
	assert_int_equal(find("TLP:WHITE, TLP:RED"), TLP_RED);
	/* Three distinct labels close together are a legend (t_legend). */
	assert_int_equal(find("TLP:WHITE, TLP:RED, TLP:AMBER"), TLP_NONE);
	assert_int_equal(tlp_max(TLP_GREEN, TLP_AMBER), TLP_AMBER);
	assert_int_equal(tlp_max(TLP_AMBER, TLP_GREEN), TLP_AMBER);
	assert_int_equal(tlp_max(TLP_RED, TLP_NONE), TLP_RED);
	assert_int_equal(tlp_max(TLP_NONE, TLP_WHITE), TLP_WHITE);
	assert_int_equal(tlp_max(TLP_WHITE, TLP_GREEN), TLP_GREEN);
	assert_int_equal(tlp_max(TLP_AMBER_STRICT, TLP_AMBER),
			 TLP_AMBER_STRICT);
	assert_int_equal(tlp_max(TLP_RED, TLP_AMBER_STRICT), TLP_RED);
}

static void
t_none(void **state)
{
	(void)state;
	assert_int_equal(find("No marking here. Red amber green."), TLP_NONE);
	assert_int_equal(find("TLP version 2.0"), TLP_NONE);
}

static void
t_names(void **state)
{
	(void)state;
	assert_null(tlp_name(TLP_NONE));
	assert_string_equal(tlp_name(TLP_CLEAR), "CLEAR");
	assert_string_equal(tlp_name(TLP_WHITE), "WHITE");
	assert_string_equal(tlp_name(TLP_GREEN), "GREEN");
	assert_string_equal(tlp_name(TLP_AMBER), "AMBER");
	assert_string_equal(tlp_name(TLP_AMBER_STRICT), "AMBER+STRICT");
	assert_string_equal(tlp_name(TLP_RED), "RED");
}

static void
t_parse(void **state)
{
	enum tlp t = TLP_NONE;

	(void)state;
	assert_int_equal(tlp_parse("red", &t), 0);
	assert_int_equal(t, TLP_RED);
	assert_int_equal(tlp_parse("TLP:amber", &t), 0);
	assert_int_equal(t, TLP_AMBER);
	assert_int_equal(tlp_parse("AMBER+STRICT", &t), 0);
	assert_int_equal(t, TLP_AMBER_STRICT);
	assert_int_equal(tlp_parse("tlp: amber + strict", &t), 0);
	assert_int_equal(t, TLP_AMBER_STRICT);
	assert_int_equal(tlp_parse("white", &t), 0);
	assert_int_equal(t, TLP_WHITE);
	assert_int_equal(tlp_parse("TLP:WHITE", &t), 0);
	assert_int_equal(t, TLP_WHITE);
	assert_int_equal(tlp_parse(" Green ", &t), 0);
	assert_int_equal(t, TLP_GREEN);
	assert_int_equal(tlp_parse("CLEAR", &t), 0);
	assert_int_equal(t, TLP_CLEAR);
	t = TLP_GREEN;
	assert_int_equal(tlp_parse("", &t), -1);
	assert_int_equal(tlp_parse("purple", &t), -1);
	assert_int_equal(tlp_parse("redx", &t), -1);
	assert_int_equal(tlp_parse("red green", &t), -1);
	assert_int_equal(tlp_parse("amber+strict+", &t), -1);
	assert_int_equal(tlp_parse("TLP:", &t), -1);
	assert_int_equal(tlp_parse("whitewash", &t), -1);
	assert_int_equal(tlp_parse("Traffic Light Protocol: RED", &t), -1);
	assert_int_equal(tlp_parse(NULL, &t), -1);
	assert_int_equal(t, TLP_GREEN);
}

static void
t_white_clear(void **state)
{
	(void)state;
	/* Both names are recognised and reported as found. */
	assert_int_equal(find("Marking: TLP:WHITE."), TLP_WHITE);
	assert_int_equal(find("tlp-white"), TLP_WHITE);
	assert_int_equal(find("TLP:CLEAR"), TLP_CLEAR);
	/* Same rank: the first found wins. */
	assert_int_equal(find("TLP:WHITE then TLP:CLEAR"), TLP_WHITE);
	assert_int_equal(find("TLP:CLEAR then TLP:WHITE"), TLP_CLEAR);
	/* Either is less restrictive than GREEN. */
	assert_int_equal(find("TLP:WHITE then TLP:GREEN"), TLP_GREEN);
	assert_int_equal(find("TLP:GREEN then TLP:WHITE"), TLP_GREEN);
	assert_int_equal(tlp_max(TLP_WHITE, TLP_CLEAR), TLP_WHITE);
	assert_int_equal(tlp_max(TLP_CLEAR, TLP_WHITE), TLP_CLEAR);
	assert_int_equal(tlp_rank(TLP_WHITE), tlp_rank(TLP_CLEAR));
	assert_true(tlp_rank(TLP_NONE) < tlp_rank(TLP_CLEAR));
	assert_true(tlp_rank(TLP_CLEAR) < tlp_rank(TLP_GREEN));
	assert_true(tlp_rank(TLP_GREEN) < tlp_rank(TLP_AMBER));
	assert_true(tlp_rank(TLP_AMBER) < tlp_rank(TLP_AMBER_STRICT));
	assert_true(tlp_rank(TLP_AMBER_STRICT) < tlp_rank(TLP_RED));
	/* Not WHITE. */
	assert_int_equal(find("TLP:WHITELIST"), TLP_NONE);
	assert_int_equal(find("white paper, clear text"), TLP_NONE);
}

static void
t_strict(void **state)
{
	(void)state;
	/* AMBER+STRICT is one marking, not also AMBER. */
	assert_int_equal(find("TLP:AMBER+STRICT"), TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:AMBER+STRICT and TLP:GREEN"),
			 TLP_AMBER_STRICT);
	assert_int_equal(find("[TLP AMBER+STRICT]"), TLP_AMBER_STRICT);
	assert_int_equal(find("Traffic Light Protocol: AMBER+STRICT"),
			 TLP_AMBER_STRICT);
	/* STRICT alone, or not right after AMBER, is nothing. */
	assert_int_equal(find("TLP:STRICT"), TLP_NONE);
	assert_int_equal(find("TLP:GREEN+STRICT"), TLP_GREEN);
	assert_int_equal(find("TLP:AMBER, STRICT"), TLP_AMBER);
}

static void
t_separators(void **state)
{
	(void)state;
	assert_int_equal(find("TLP : AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP - RED"), TLP_RED);
	assert_int_equal(find("TLP \xe2\x80\x93 GREEN"),
			 TLP_GREEN); /* en dash */
	assert_int_equal(find("TLP\xe2\x80\x94"
			      "CLEAR"),
			 TLP_CLEAR); /* em dash */
	assert_int_equal(find("Subject: Digest (TLP:AMBER)"), TLP_AMBER);
	/* Not separators. */
	assert_int_equal(find("TLP/AMBER"), TLP_NONE);
	assert_int_equal(find("TLP.RED"), TLP_NONE);
	assert_int_equal(find("TLP   :RED"), TLP_NONE);
	assert_int_equal(find("TLP:\nRED"), TLP_NONE);
	assert_int_equal(find("TLP \xe2\x80\xa2 RED"), TLP_NONE);
}

static void
t_banner(void **state)
{
	(void)state;
	assert_int_equal(find("TRAFFIC LIGHT PROTOCOL: AMBER"), TLP_AMBER);
	assert_int_equal(find("Traffic Light Protocol (TLP): GREEN"),
			 TLP_GREEN);
	assert_int_equal(find("traffic light protocol - red"), TLP_RED);
	assert_int_equal(find("Traffic Light Protocol(TLP):WHITE"), TLP_WHITE);
	assert_int_equal(find("This bulletin: TRAFFIC LIGHT PROTOCOL (TLP) "
			      "\xe2\x80\x93 CLEAR."),
			 TLP_CLEAR);
	/* Prose about the protocol is not a marking. */
	assert_int_equal(find("The Traffic Light Protocol was designed to "
			      "share information. Red means no disclosure."),
			 TLP_NONE);
	assert_int_equal(find("Traffic Light Protocol (TLP) version 2.0"),
			 TLP_NONE);
	assert_int_equal(find("Traffic Light Protocol AMBER"), TLP_NONE);
	assert_int_equal(find("Traffic Light Protocols: AMBER"), TLP_NONE);
	assert_int_equal(find("Traffic Light Protocol: AMBERISH"), TLP_NONE);
}

static void
t_bare(void **state)
{
	(void)state;
	/* Alone on its line, after optional markup. */
	assert_int_equal(find("TLP AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP RED"), TLP_RED);
	assert_int_equal(find("Hello,\n\nTLP GREEN\n\nIndicators follow."),
			 TLP_GREEN);
	assert_int_equal(find("intro\r\n  ** TLP RED **\r\nmore"), TLP_RED);
	assert_int_equal(find("# TLP CLEAR"), TLP_CLEAR);
	assert_int_equal(find("> TLP WHITE."), TLP_WHITE);
	assert_int_equal(find("TLP AMBER - members only"), TLP_AMBER);
	assert_int_equal(find("TLP  AMBER+STRICT: owner only"),
			 TLP_AMBER_STRICT);
	/* In brackets, anywhere. */
	assert_int_equal(find("Weekly digest [TLP AMBER] issue 4"), TLP_AMBER);
	assert_int_equal(find("Weekly digest (TLP RED)"), TLP_RED);
	assert_int_equal(find("Weekly digest [ TLP GREEN ]"), TLP_NONE);
	assert_int_equal(find("x [TLP GREEN ]"), TLP_GREEN);
	/* Not clearly a marking. */
	assert_int_equal(find("Weekly digest TLP AMBER"), TLP_NONE);
	assert_int_equal(find("see the TLP AMBER rules"), TLP_NONE);
	assert_int_equal(find("TLP RED team exercises"), TLP_NONE);
	assert_int_equal(find("TLP Red Menshen"), TLP_NONE);
	assert_int_equal(find("tlp amber"), TLP_NONE);
	assert_int_equal(find("Tlp Amber"), TLP_NONE);
	assert_int_equal(find("[TLP AMBER team"), TLP_NONE);
	assert_int_equal(find("x (TLP RED"), TLP_NONE);
	assert_int_equal(find("TLP REDACTED"), TLP_NONE);
	assert_int_equal(find("TLPAMBER"), TLP_NONE);
	assert_int_equal(find("TLP   AMBER"), TLP_NONE);
}

static void
t_prose(void **state)
{
	(void)state;
	/* Colour words are never markings by themselves. */
	assert_int_equal(find("Red Menshen targets telecoms."), TLP_NONE);
	assert_int_equal(find("Amber Sandstorm (formerly Rubidium) is back."),
			 TLP_NONE);
	assert_int_equal(find("the red team found an AMBER alert and a GREEN "
			      "light; all CLEAR."),
			 TLP_NONE);
	assert_int_equal(find("RED\nAMBER\nGREEN\nCLEAR\n"), TLP_NONE);
	assert_int_equal(find("Red Menshen, TLP:GREEN"), TLP_GREEN);
	assert_int_equal(find("ATLP:RED HTTPTLP:AMBER 3TLP:GREEN"), TLP_NONE);
}

static void
t_legend_span(void **state)
{
	char buf[1024];

	(void)state;
	assert_int_equal(find("TLP:RED, TLP:AMBER, TLP:GREEN and TLP:CLEAR "
			      "are the labels."),
			 TLP_NONE);
	assert_int_equal(find("TLP:RED - not for disclosure.\n"
			      "TLP:AMBER+STRICT - organisation only.\n"
			      "TLP:AMBER - limited disclosure.\n"
			      "TLP:GREEN - community.\n"
			      "TLP:CLEAR - no limit.\n"),
			 TLP_NONE);
	/* A legend does not hide a marking far from it. */
	memset(buf, '.', sizeof(buf));
	memcpy(buf, "TLP:GREEN", 9);
	memcpy(buf + 400, "TLP:RED TLP:AMBER TLP:CLEAR", 27);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(find(buf), TLP_GREEN);
	memset(buf, '.', sizeof(buf));
	memcpy(buf, "TLP:RED TLP:AMBER TLP:CLEAR", 27);
	memcpy(buf + 600, "TLP:AMBER", 9);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(find(buf), TLP_AMBER);
	/*
	 * Known cost of the rule: a real marking within LEGEND_SPAN bytes
	 * of a legend is taken as part of it.
	 */
	assert_int_equal(find("TLP:AMBER\n\nLegend: TLP:RED eyes only, "
			      "TLP:GREEN community."),
			 TLP_NONE);
	/* Two labels are not a legend; three spread out are not either. */
	assert_int_equal(find("TLP:GREEN, or TLP:AMBER for the annex"),
			 TLP_AMBER);
	memset(buf, '.', sizeof(buf));
	memcpy(buf, "TLP:GREEN", 9);
	memcpy(buf + 200, "TLP:AMBER", 9);
	memcpy(buf + 510, "TLP:CLEAR", 9);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(find(buf), TLP_AMBER);
	/* The same label repeated is a marking, not a legend. */
	assert_int_equal(find("TLP:AMBER header TLP:AMBER footer TLP:AMBER"),
			 TLP_AMBER);
	/* WHITE and CLEAR count as one label. */
	assert_int_equal(find("TLP:CLEAR (formerly TLP:WHITE) or TLP:GREEN"),
			 TLP_GREEN);
	/* Exactly at the span: legend; just past it: not. */
	memset(buf, '.', sizeof(buf));
	memcpy(buf, "TLP:RED", 7);
	memcpy(buf + 150, "TLP:AMBER", 9);
	memcpy(buf + 300, "TLP:GREEN", 9);
	buf[400] = '\0';
	assert_int_equal(find(buf), TLP_NONE);
	buf[300] = '.';
	memcpy(buf + 301, "TLP:GREEN", 9);
	assert_int_equal(find(buf), TLP_RED);
}

static void
t_legend_heading(void **state)
{
	(void)state;
	/* (The marking is over LEGEND_SPAN bytes before the legend.) */
	assert_int_equal(
	    find("TLP:AMBER\n\nIndicators: "
		 "hxxp://one.example/a hxxp://two.example/b "
		 "hxxp://three.example/c "
		 "hxxp://four.example/d hxxp://five.example/e 203.0.113.7 "
		 "198.51.100.8 192.0.2.9 d41d8cd98f00b204e9800998ecf8427e "
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
		 "855"
		 "\n\n"
		 "About the Traffic Light Protocol\n\n"
		 "TLP:RED - Not for disclosure, restricted to participants "
		 "only.\n"
		 "Sources may use TLP:RED when information cannot be acted "
		 "upon\n"
		 "without significant risk for the privacy, reputation, or\n"
		 "operations of the organizations involved.\n\n"
		 "TLP:CLEAR - Disclosure is not limited.\n"),
	    TLP_AMBER);
	assert_int_equal(
	    find("## TLP definitions\n"
		 "TLP:RED means for the eyes of the recipients only.\n"),
	    TLP_NONE);
	assert_int_equal(
	    find("Traffic Light Protocol (TLP) Definitions\n\n"
		 "* TLP:RED: eyes only\n\n* TLP:GREEN: community\n"),
	    TLP_NONE);
	assert_int_equal(find("What is TLP?\nTLP:RED is the most "
			      "restrictive label."),
			 TLP_NONE);
	assert_int_equal(find("ABOUT TLP\n\nTLP:RED - eyes only."), TLP_NONE);
	/* The legend ends at a paragraph that does not start with a label. */
	assert_int_equal(find("TLP legend\n\nTLP:RED - eyes only.\n\n"
			      "This report is TLP:GREEN.\n"),
			 TLP_GREEN);
	assert_int_equal(find("TLP legend\nTLP:RED - eyes only.\n-----\n"
			      "Rest of the mail: TLP:CLEAR\n"),
			 TLP_CLEAR);
	/* Not a heading: a marking followed by a pointer to the definitions. */
	assert_int_equal(
	    find("This product is marked TLP:CLEAR. For more "
		 "about the Traffic Light Protocol, see cisa.gov/tlp.\n\n"
		 "TLP:GREEN\n"),
	    TLP_GREEN);
	assert_int_equal(find("To learn more about the Traffic Light "
			      "Protocol, visit first.org.\n\nTLP:AMBER\n"),
			 TLP_AMBER);
	assert_int_equal(find("TLP version 2.0\n\nTLP:AMBER"), TLP_AMBER);
	assert_int_equal(find("The TLP rules\n\nTLP:RED"), TLP_RED);
	assert_int_equal(find("Abouts the TLP\n\nTLP:RED"), TLP_RED);
}

static void
t_legend_linear(void **state)
{
	size_t n = 8u * 1024 * 1024, i;
	char *s;
	clock_t c0;

	(void)state;
	s = malloc(n);
	assert_non_null(s);
	/* A legend everywhere: every candidate is marked and dropped. */
	for (i = 0; i < n; i++)
		s[i] = "TLP:RED TLP:AMBER TLP:GREEN\n"[i % 28];
	c0 = clock();
	assert_int_equal(tlp_find(s, n), TLP_NONE);
	/* Lines of markup and headings everywhere. */
	for (i = 0; i < n; i++)
		s[i] = "About TLP\n* [TLP AMBER]\n\n"[i % 24];
	assert_int_equal(tlp_find(s, n), TLP_NONE);
	for (i = 0; i < n; i++)
		s[i] = "\n"[0];
	memset(s, ' ', n / 2);
	assert_int_equal(tlp_find(s, n), TLP_NONE);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 10.0);
	free(s);
}

static void
t_linear(void **state)
{
	size_t n = 8u * 1024 * 1024, i;
	char *s;
	clock_t c0;

	(void)state;
	s = malloc(n);
	assert_non_null(s);
	/* Worst case: "TLP:AMBER +" everywhere, no STRICT. */
	for (i = 0; i < n; i++)
		s[i] = "TLP:AMBER + "[i % 12];
	memcpy(s + n - 8, " TLP:RED", 8);
	c0 = clock();
	assert_int_equal(tlp_find(s, n), TLP_RED);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 10.0);
	free(s);
}

/*
 * The scan for where a marking may start goes 16 bytes at a time: markings
 * and near misses at every offset from a block boundary, after a blank and
 * right after a letter (.glued: what a letter before it makes of it).
 */
static void
t_offsets(void **state)
{
	static const struct {
		const char *s;
		enum tlp t, glued;
	} c[] = {
	    {"TLP:AMBER", TLP_AMBER, TLP_NONE},
	    {"tlp: red", TLP_RED, TLP_NONE},
	    {"xTLP:RED", TLP_NONE, TLP_NONE},
	    {"9TLP:RED", TLP_NONE, TLP_NONE},
	    {"\nTLP GREEN\n", TLP_GREEN, TLP_GREEN},
	    {"\n** TLP RED **\n", TLP_RED, TLP_RED},
	    {"TLP RED team", TLP_NONE, TLP_NONE},
	    {"[TLP AMBER]", TLP_AMBER, TLP_AMBER},
	    {"Traffic Light Protocol (TLP): GREEN", TLP_GREEN, TLP_NONE},
	    {"\xc3\xa9TLP:RED", TLP_RED, TLP_RED}, /* not an ASCII letter */
	    {"\nAbout the TLP\n\nTLP:RED - not for disclosure\n", TLP_NONE,
	     TLP_NONE},
	};
	char buf[256];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (k = 0; k < 40; k++) {
			n = strlen(c[i].s);
			memset(buf, 'a', k + 1);
			buf[k] = ' ';
			memcpy(buf + k + 1, c[i].s, n);
			memcpy(buf + k + 1 + n, " the total threat", 17);
			assert_int_equal(tlp_find(buf, k + n + 18), c[i].t);
			buf[k] = 'a';
			assert_int_equal(tlp_find(buf, k + n + 18), c[i].glued);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_labels),
	    cmocka_unit_test(t_variants),
	    cmocka_unit_test(t_boundaries),
	    cmocka_unit_test(t_precedence),
	    cmocka_unit_test(t_none),
	    cmocka_unit_test(t_names),
	    cmocka_unit_test(t_parse),
	    cmocka_unit_test(t_white_clear),
	    cmocka_unit_test(t_strict),
	    cmocka_unit_test(t_separators),
	    cmocka_unit_test(t_banner),
	    cmocka_unit_test(t_bare),
	    cmocka_unit_test(t_prose),
	    cmocka_unit_test(t_legend_span),
	    cmocka_unit_test(t_legend_heading),
	    cmocka_unit_test(t_legend_linear),
	    cmocka_unit_test(t_linear),
	    cmocka_unit_test(t_offsets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
