/*
 * Every limit the connector applies to input it did not write, in one place.
 * Later issues make some of these configurable through [connector]; the values
 * here are the defaults and the hard ceilings.
 */
#ifndef BOUNDS_H
#define BOUNDS_H

#define MAX_MESSAGE_SIZE (64u * 1024 * 1024)	/* raw message bytes */
#define MAX_ATTACHMENT_SIZE (25u * 1024 * 1024) /* decoded attachment */
#define MAX_MIME_PARTS 1000			/* leaves in one message */
#define MAX_MIME_DEPTH 32			/* multipart nesting */
#define MAX_HEADER_LEN (64u * 1024)		/* one unfolded header */
#define MAX_TEXT_SIZE (16u * 1024 * 1024)	/* decoded text of one part */
#define MAX_HTML_SIZE (8u * 1024 * 1024)	/* HTML handed to gumbo */
#define MAX_HTML_DEPTH 256			/* element nesting kept */
#define MAX_ARTICLES 200			/* reports per message */
#define MAX_IOCS 20000				/* indicators per message */
#define MAX_IOC_LEN 2048			/* one indicator value */
#define MAX_TITLE_LEN 512			/* report title */
#define MAX_SUBJECT_LEN 998			/* RFC 5322 line limit */
#define MAX_CONFIG_SIZE (256u * 1024)		/* INI file */
#define MAX_SECRET_FILE_SIZE 4096		/* password_file */
#define MAX_EXTRACT_INPUT (256u * 1024 * 1024)	/* --extract input */
#define MAX_LOG_FIELD 200 /* untrusted text in a log line */
#define MAX_SECRETS 16	  /* values redacted from logs */
#define MAX_IN_FLIGHT 32  /* messages pushed to ThreatQ at once */
/* Raw bytes of the messages being pushed at once; a larger message waits
 * until it can go alone. */
#define IN_FLIGHT_BYTES (4u * 1024 * 1024)

#endif
