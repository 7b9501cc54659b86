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
 *    limit (see imapguard_body_begin()), ends the stream with an error
 *    that imapguard_error() tells;
 *  - in protocol lines (never inside a literal) the few byte patterns
 *    above get one letter changed, so libetpan reads them as an unknown
 *    code (PERMANENTFLAGS becomes XERMANENTFLAGS, and so on).
 * Literal contents, the message bodies, are never changed.
 */
#ifndef IMAPGUARD_H
#define IMAPGUARD_H

#include <stddef.h>

#include <libetpan/libetpan.h>

#define IMAPGUARD_MAX_LINE (4 * 1024 * 1024)	  /* one response line, bytes */
#define IMAPGUARD_DEF_LITERAL (1024 * 1024)	  /* literal limit by default */
#define IMAPGUARD_MAX_DROP (256ULL * 1024 * 1024) /* bytes read and dropped */

/*
 * A stream low layer that reads through low and owns it from now on
 * (freeing the guard frees low).  greeting: the next line is the server's
 * greeting.  NULL when out of memory; low is then untouched.
 */
mailstream_low *imapguard_wrap(mailstream_low *low, int greeting);

/*
 * The body fetch of a message, or of a part of one (imap.c fetches a big
 * message in parts), of at most max bytes: until imapguard_body_end(), a
 * literal over max (a server whose RFC822.SIZE said less, or a part longer
 * than asked for) is cut to max bytes, its count rewritten so libetpan
 * reads just those, and the rest read and dropped, so the session stays in
 * step and the message can be set aside or fetched again.  Beyond max +
 * IMAPGUARD_MAX_DROP the stream ends as for any literal over the limit.
 */
void imapguard_body_begin(mailstream_low *guard, size_t max);

/*
 * End of the body fetch: the limit is IMAPGUARD_DEF_LITERAL again.
 * Returns the count a cut literal announced, or 0 when none was cut.
 */
unsigned long long imapguard_body_end(mailstream_low *guard);

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
