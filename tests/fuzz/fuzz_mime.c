/*
 * libFuzzer: the whole message -> plan path without the network: MIME,
 * articles, IoCs, TLP, plan and its JSON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "html.h"
#include "ioc.h"
#include "mime.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ioc_ctx *ctx;
	struct plan_opts o = {0};
	struct mime_msg *m = NULL;
	struct article_list l = {0};
	struct plan *p = NULL;
	char err[512], *j;

	if (ctx == NULL && (ctx = ioc_ctx_new(err, sizeof(err))) == NULL)
		abort();
	if (mime_parse("fuzz", (const char *)data, len, &m, err, sizeof(err)) !=
	    ST_OK)
		return 0;
	if (html_articles(m->subject, m->html, m->html_len, m->text,
			  m->text_len, &l) == ST_OK) {
		o.ioc = ctx;
		o.default_tlp = TLP_AMBER;
		o.email_file_type = "Generic Text";
		if (plan_build(&o, 1, (const char *)data, len, m, &l, &p, err,
			       sizeof(err)) == ST_OK) {
			if ((j = plan_json(p)) != NULL)
				free(j);
			plan_free(p);
		}
		html_articles_free(&l);
	}
	mime_free(m);
	return 0;
}
