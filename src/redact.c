/* A conservative literal scrubber: when in doubt, a byte is hidden. */
#include <ctype.h>
#include <string.h>

#include "redact.h"

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* End of a '...' string starting at i (the quote): '' is an escaped quote,
 * and backslash escapes too, in case of E'' or standard_conforming_strings=off. */
static size_t skip_quoted(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == '\'' && i + 1 < len && s[i + 1] == '\'')
			i++;
		else if (s[i] == '\'')
			return i + 1;
	}
	return len;
}

/* A dollar-quote opening tag at i ($$ or $name$), or 0. */
static size_t dollar_tag(const char *s, size_t len, size_t i)
{
	size_t j = i + 1;

	while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'))
		j++;
	if (j < len && s[j] == '$' && !(j > i + 1 && isdigit((unsigned char)s[i + 1])))
		return j + 1 - i;
	return 0;
}

static size_t skip_dollar(const char *s, size_t len, size_t i, size_t tag)
{
	for (size_t j = i + tag; j + tag <= len; j++)
		if (!memcmp(s + j, s + i, tag))
			return j + tag;
	return len;
}

size_t pgn_scrub_literals(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, tag;

	if (!outlen)
		return 0;
#define PUT(c) do { if (o + 1 < outlen) out[o++] = (c); } while (0)
	while (i < len) {
		unsigned char c = s[i];
		int word_start = !i || !ident_char((unsigned char)s[i - 1]);

		if (c == '\'' || ((c == 'E' || c == 'e' || c == 'B' || c == 'b' || c == 'X' || c == 'x') &&
				  word_start && i + 1 < len && s[i + 1] == '\'')) {
			i = skip_quoted(s, len, c == '\'' ? i : i + 1);
			PUT('?');
		} else if (c == '$' && word_start && (tag = dollar_tag(s, len, i))) {
			i = skip_dollar(s, len, i, tag);
			PUT('?');
		} else if (c == '"') {	/* an identifier: copied whole */
			do
				PUT(s[i++]);
			while (i < len && s[i] != '"');
			if (i < len)
				PUT(s[i++]);
		} else if ((isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) &&
			   word_start) {
			while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' ||
					   ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
				i++;
			PUT('?');
		} else {
			PUT(c);
			i++;
		}
	}
#undef PUT
	out[o] = 0;
	return o;
}
