/*
 * A guard between the network and libetpan's IMAP parser.  libetpan 1.9.4
 * trusts the server's bytes in ways a hostile or broken server can abuse:
 * it spins for ever when the stream ends inside a literal, allocates
 * whatever size a literal announces ("{4294967295}") before anyone can
 * look at it, and dereferences NULL on a few response codes (a greeting
 * with PERMANENTFLAGS or BADCHARSET, "[ALERT]" without text, an empty
 * capability list, a PERMANENTFLAGS list whose first flag does not parse).
 *
 * The guard is a mailstream_low driver wrapped around the real one (the
 * socket or TLS).  It passes the server's bytes on unchanged, except:
 *  - the end of the stream is a read error, never a 0 that libetpan
 *    would wait on for ever;
 *  - a line longer than IMAPGUARD_MAX_LINE, or a literal larger than the
 *    limit set with imapguard_set_max_literal(), ends the stream with an
 *    error that imapguard_error() tells;
 *  - in protocol lines (never inside a literal) the few byte patterns
 *    above get one letter changed, so libetpan reads them as an unknown
 *    code (PERMANENTFLAGS becomes XERMANENTFLAGS, and so on).
 * Literal contents, the message bodies, are never changed.
 */
#ifndef IMAPGUARD_H
#define IMAPGUARD_H

#include <stddef.h>

#include <libetpan/libetpan.h>

#define IMAPGUARD_MAX_LINE (4 * 1024 * 1024) /* one response line, bytes */
#define IMAPGUARD_DEF_LITERAL (1024 * 1024)  /* literal limit by default */

/*
 * A stream low layer that reads through low and owns it from now on
 * (freeing the guard frees low).  greeting: the next line is the server's
 * greeting.  NULL when out of memory; low is then untouched.
 */
mailstream_low *imapguard_wrap(mailstream_low *low, int greeting);

/* Largest literal the server may send from now on, in bytes. */
void imapguard_set_max_literal(mailstream_low *guard, size_t max);

/*
 * Bytes read from the server that libetpan has not yet been given (after
 * STARTTLS, anything here came in clear after the OK: an injection).
 */
size_t imapguard_pending(const mailstream_low *guard);

/* Why the guard ended the stream, or NULL. */
const char *imapguard_error(const mailstream_low *guard);

/* guard is a low layer made by imapguard_wrap(). */
int imapguard_is(const mailstream_low *low);

#endif
