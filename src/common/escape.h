#ifndef PGNETPROF_ESCAPE_H
#define PGNETPROF_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* The most bytes one character of input takes escaped for JSON (\uXXXX) */
#define PGN_JSON_ESCAPE_MAX 6

/* A JSON string body (no quotes) for any bytes: controls as \uXXXX, bytes
 * that are not valid UTF-8 as U+FFFD, so the line is always valid JSON.
 * Writes to out at most room bytes (at least PGN_JSON_ESCAPE_MAX) and
 * returns how many; *used is the input escaped, short of len only when out
 * is full: the next call goes on from there. */
size_t pgn_escape_json(char *out, size_t room, const char *s, size_t len, size_t *used);

/* Text safe for a terminal: newlines and tabs as \n \t, other control
 * characters (C0, DEL, C1) as \xNN or \uNNNN, invalid UTF-8 as \xNN. */
void pgn_escape_text(FILE *f, const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1..4) and its code point, or
 * 0 when s does not start one. */
size_t pgn_utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

#endif
