/* Escaping untrusted SQL text for JSON and for terminals. */
#include <stdint.h>
#include <string.h>

#include "escape.h"

size_t pgn_utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;
	unsigned c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;	/* overlong, out of range, or a surrogate */
	*cp = c;
	return n;
}

static int is_control(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/*
 * Writes the run of bytes at p that escaping leaves as they are (printable
 * ASCII, but for the backslash) with one call, so that plain SQL costs a
 * few stdio calls, not one per character.
 */
static size_t plain_run(FILE *f, const unsigned char *p, size_t len)
{
	size_t n = 0;

	while (n < len && p[n] >= 0x20 && p[n] < 0x7f && p[n] != '\\')
		n++;
	if (n)
		fwrite(p, 1, n, f);
	return n;
}

/* \uXXXX of a code point below 0x10000 */
static size_t json_u(char *out, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'u';
	for (int i = 5; i > 1; i--, cp >>= 4)
		out[i] = hex[cp & 0xf];
	return PGN_JSON_ESCAPE_MAX;
}

#define BYTES(c) (0x0101010101010101ULL * (c))

/* Whether @w holds a byte equal to @c. */
static uint64_t has_byte(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ BYTES(c);

	return (x - BYTES(1)) & ~x & BYTES(0x80);
}

/*
 * Whether JSON takes the 8 bytes of @w as they are (printable ASCII but
 * the quote and the backslash), tested all at once: a text is mostly
 * such bytes, and a test per byte was most of the cost of writing it.
 */
static int plain8(uint64_t w)
{
	uint64_t below_space = (w - BYTES(0x20)) & ~w;

	return !((below_space | w | has_byte(w, '"') | has_byte(w, '\\') | has_byte(w, 0x7f)) &
		 BYTES(0x80));
}

size_t pgn_escape_json(char *out, size_t room, const char *s, size_t len, size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;
	unsigned cp;
	uint64_t w;

	while (i < len && room - o >= PGN_JSON_ESCAPE_MAX) {
		if (len - i >= 8 && room - o >= 8 && (memcpy(&w, p + i, 8), plain8(w))) {
			memcpy(out + o, &w, 8);
			o += 8;
			i += 8;
			continue;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"') {
			out[o++] = p[i++];
			continue;
		}
		n = pgn_utf8_decode(p + i, len - i, &cp);
		if (!n) {
			o += json_u(out + o, 0xfffd);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\' || cp == '\n' || cp == '\t' || cp == '\r') {
			out[o++] = '\\';
			out[o++] = cp == '\n' ? 'n' : cp == '\t' ? 't' : cp == '\r' ? 'r' : cp;
		} else if (is_control(cp) || cp == 0x2028 || cp == 0x2029) {
			o += json_u(out + o, cp);
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	*used = i;
	return o;
}

void pgn_escape_text(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		if ((n = plain_run(f, p + i, len - i))) {
			i += n;
			continue;
		}
		n = pgn_utf8_decode(p + i, len - i, &cp);
		if (!n)
			fprintf(f, "\\x%02x", p[i]), n = 1;
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp == '\\')
			fputs("\\\\", f);
		else if (cp < 0x80 && is_control(cp))
			fprintf(f, "\\x%02x", cp);
		else if (is_control(cp))
			fprintf(f, "\\u%04x", cp);
		else
			fwrite(p + i, 1, n, f);
		i += n;
	}
}
