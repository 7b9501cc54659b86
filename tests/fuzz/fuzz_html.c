/* libFuzzer: the article splitter and HTML-to-text over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct article_list l = {0};
	size_t n;
	char *t;

	if (html_articles("subject", (const char *)data, len, NULL, 0, &l) ==
	    ST_OK)
		html_articles_free(&l);
	if ((t = html_to_text((const char *)data, len, &n)) != NULL)
		free(t);
	return 0;
}
