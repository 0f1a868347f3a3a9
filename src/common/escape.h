#ifndef PGNETPROF_ESCAPE_H
#define PGNETPROF_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* A JSON string body (no quotes) for any bytes: controls as \uXXXX, bytes
 * that are not valid UTF-8 as U+FFFD, so the line is always valid JSON. */
void pgn_escape_json(FILE *f, const char *s, size_t len);

/* Text safe for a terminal: newlines and tabs as \n \t, other control
 * characters (C0, DEL, C1) as \xNN or \uNNNN, invalid UTF-8 as \xNN. */
void pgn_escape_text(FILE *f, const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1..4) and its code point, or
 * 0 when s does not start one. */
size_t pgn_utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

#endif
