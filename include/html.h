/*
 * Articles: a message body (HTML preferred, else plain text) split into the
 * articles of a newsletter, with gumbo-parser.  Pure: no I/O.
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

#include "status.h"

struct article {
	char *title;	   /* plain text, whitespace-normalised */
	char *description; /* sanitised HTML of just this article */
	char *text;	   /* plain text, the IoC source */
	size_t text_len;
	char *url; /* main link, or NULL */
};

struct article_list {
	struct article *v;
	size_t n;
	char *rest; /* body text outside every article, or NULL */
	size_t rest_len;
};

/*
 * Split the body.  html may be NULL (then text is used); subject titles a
 * message that is not a digest.  ST_OK with at least one article when there
 * is any body, and with n = 0 (v NULL) when html and text are both NULL or
 * empty; ST_NOMEM.  Free with html_articles_free().
 */
enum status html_articles(const char *subject, const char *html,
			  size_t html_len, const char *text, size_t text_len,
			  struct article_list *out);
void html_articles_free(struct article_list *);

/* Plain text of an HTML fragment (depth and size bounded), malloc'd or NULL. */
char *html_to_text(const char *html, size_t len, size_t *outlen);

#endif
