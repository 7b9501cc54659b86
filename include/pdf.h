/*
 * The text of a PDF attachment, extracted out of process by poppler's
 * pdftotext(1) in a child bounded in CPU time, address space, wall clock and
 * output.  PDFs come from attackers: the child gets the bytes on fd 3 (a
 * memfd), no environment of ours, no other descriptor, and is killed, with
 * its process group, when it runs out of time.
 */
#ifndef PDF_H
#define PDF_H

#include <stddef.h>

#include "bounds.h"
#include "status.h"

struct pdf_opts {
	const char *pdftotext; /* program path; NULL or "" turns PDF text off */
	unsigned cpu_seconds;  /* RLIMIT_CPU of the child */
	size_t mem_bytes;      /* RLIMIT_AS of the child */
	unsigned timeout_ms;   /* wall clock; then SIGKILL */
	size_t max_text;       /* bytes of text kept, cut on a UTF-8 boundary */
};

/* Defaults; a limit given as 0 means its default. */
#define PDF_TEXT_PROGRAM "/usr/bin/pdftotext"
#define PDF_CPU_SECONDS 10
#define PDF_MEM_BYTES (512u * 1024 * 1024)
#define PDF_TIMEOUT_MS 20000
#define PDF_MAX_TEXT MAX_TEXT_SIZE

void pdf_opts_default(struct pdf_opts *);

/*
 * Text of the PDF data/len, UTF-8, in *text (malloc'd, NUL-terminated, may be
 * empty for an image-only PDF) and *textlen.  ST_OK; ST_MSG_BAD when the PDF
 * cannot be read or the child hit a limit (err says which: exit status and
 * first line of pdftotext's stderr, "killed after N ms", "CPU limit", "memory
 * limit"); ST_IO when the program cannot be started (err names the program and
 * errno text); ST_NOMEM.  Never a crash, whatever the bytes.
 *
 * The text is valid UTF-8 without NUL or other C0 controls but tab and
 * newline; page breaks (form feeds) become newlines; trailing white space is
 * dropped.  Once pdftotext has written more than max_text bytes the child is
 * killed and the text cut there is returned with ST_OK.  With the program
 * off (NULL or ""), *text is "" and ST_OK, and nothing is run.
 */
enum status pdf_text(const struct pdf_opts *, const unsigned char *data,
		     size_t len, char **text, size_t *textlen, char *err,
		     size_t errsz);

#endif
