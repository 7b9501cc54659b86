/*
 * MIME: a raw RFC 5322 message in memory to headers, UTF-8 body texts and
 * attachments, with libetpan's parser.  Pure: no I/O.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>
#include <time.h>

#include "status.h"

struct mime_att {
	char *name;	     /* safe file name (never empty, no '/') */
	char *content_type;  /* lower-case "type/subtype" */
	unsigned char *data; /* decoded bytes */
	size_t len;
	int is_text;	/* text-like: an IoC source */
	int is_message; /* message/rfc822 or an attached .eml */
	int is_inline_image;
	char *text; /* UTF-8 text when is_text, else NULL */
	size_t text_len;
};

struct mime_msg {
	char *message_id; /* UTF-8, may be NULL */
	char *subject;	  /* RFC 2047 decoded to UTF-8, may be NULL */
	char *from;	  /* decoded display form, may be NULL */
	char *date_raw;	  /* Date header as sent, may be NULL */
	time_t date;	  /* parsed Date, or (time_t)-1 */
	char *text;	  /* text/plain body in UTF-8, may be NULL */
	size_t text_len;
	char *html; /* text/html body in UTF-8, may be NULL */
	size_t html_len;
	/*
	 * With an HTML body: the text/plain bodies that are not its
	 * multipart/alternative rendering (a note beside a newsletter in a
	 * multipart/mixed), else NULL.  The articles come from the HTML; this
	 * text must not be lost.
	 */
	char *text_alone;
	size_t text_alone_len;
	struct mime_att *atts;
	size_t natts;
};

/*
 * Parse the message buf/len (name is used in messages only).  On ST_OK *out
 * is set and the caller frees it with mime_free(); on ST_MSG_BAD err says
 * why (e.g. "too deeply nested").  ST_NOMEM on allocation failure.
 */
enum status mime_parse(const char *name, const char *buf, size_t len,
		       struct mime_msg **out, char *err, size_t errsz);
void mime_free(struct mime_msg *);

#endif
