/* A conservative literal scrubber: when in doubt, a byte is hidden. */
#define _GNU_SOURCE	/* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/*
 * A minus sign that the parser folds into the number after it (-5 is one
 * constant where an operator, "(", "," or a keyword such as SELECT comes
 * before it; a - 5 is not). Only a guess: where it is wrong, the shape
 * cache sees libpg_query disagree and parses those texts.
 */
static int negative_number(const char *s, size_t len, size_t i)
{
	static const char *const keywords[] = { "select", "where", "and", "or", "not", "when", "then",
						"else", "limit", "offset", "by", "return", "values" };
	size_t j = i, w;

	if (s[i] != '-' || i + 1 >= len || !isdigit((unsigned char)s[i + 1]))
		return 0;
	while (j > 0 && isspace((unsigned char)s[j - 1]))
		j--;
	if (!j || strchr("+-*/<>=~!@#%^&|`?(,[", s[j - 1]))
		return 1;
	for (w = j; w > 0 && ident_char((unsigned char)s[w - 1]); w--)
		;
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (j - w == strlen(keywords[k]) && !strncasecmp(s + w, keywords[k], j - w))
			return 1;
	return 0;
}

/* What replaces a literal: "?", an empty one of its kind ('' or 0), or
 * the next "$n" from *param on. */
static size_t put_literal(char *out, size_t o, size_t outlen, unsigned *param, int number)
{
	char digits[12];
	int n = 0;

	if (!*param || *param == PGN_PARAM_EMPTY) {
		const char *v = !*param ? "?" : number ? "0" : "''";

		for (; *v; v++)
			if (o + 1 < outlen)
				out[o++] = *v;
		return o;
	}
	for (unsigned v = (*param)++; v || !n; v /= 10)
		digits[n++] = '0' + v % 10;
	if (o + 1 + n >= outlen)
		return outlen - 1;
	out[o++] = '$';
	while (n)
		out[o++] = digits[--n];
	return o;
}

/* A number as PostgreSQL reads one: digits, a fraction, an exponent, and
 * nothing stuck to it (no hexadecimal, no underscores, no "1e" or "5abc"). */
static int plain_number(const char *s, size_t from, size_t to)
{
	size_t i = from;

	while (i < to && isdigit((unsigned char)s[i]))
		i++;
	if (i < to && s[i] == '.')
		for (i++; i < to && isdigit((unsigned char)s[i]); i++)
			;
	if (i < to && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < to && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= to || !isdigit((unsigned char)s[i]))
			return 0;
		while (i < to && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == to;
}

/* Whether a token may start at i: not inside a word. Asked only where a
 * literal may start: it is a look-up per character otherwise. */
static int word_start(const char *s, size_t i)
{
	return !i || !ident_char((unsigned char)s[i - 1]);
}

/* End of a comment at i ("--" to the line's end, or a nested C-style
 * comment), or i when none starts there. An unterminated one runs to the end. */
static size_t skip_comment(const char *s, size_t len, size_t i)
{
	size_t depth = 0, j;

	if (i + 1 >= len)
		return i;
	if (s[i] == '-' && s[i + 1] == '-') {
		const char *nl = memchr(s + i, '\n', len - i);

		return nl ? (size_t)(nl - s) : len;
	}
	if (s[i] != '/' || s[i + 1] != '*')
		return i;
	for (j = i; j + 1 < len; j++) {
		if (s[j] == '/' && s[j + 1] == '*') {
			depth++;
			j++;
		} else if (s[j] == '*' && s[j + 1] == '/') {
			j++;
			if (!--depth)
				return j + 1;
		}
	}
	return len;
}

size_t pgn_replace_literals(const char *s, size_t len, char *out, size_t outlen, unsigned param,
			    int *plain)
{
	size_t i = 0, o = 0, tag, start;
	int ok = !memmem(s, len, "--", 2) && !memmem(s, len, "/*", 2);	/* comments: not lexed */

	if (!outlen)
		return 0;
#define PUT(c) do { if (o + 1 < outlen) out[o++] = (c); } while (0)
	while (i < len) {
		unsigned char c = s[i];

		start = i;
		if ((i = skip_comment(s, len, start)) != start) {
			PUT(' ');	/* a comment separates tokens; its words are hidden */
		} else if (c == '\'' || ((c == 'E' || c == 'e' || c == 'B' || c == 'b' || c == 'X' || c == 'x') &&
				  word_start(s, i) && i + 1 < len && s[i + 1] == '\'')) {
			i = skip_quoted(s, len, c == '\'' ? i : i + 1);
			/* a plain '...': closed, no backslash, no prefix */
			ok &= c == '\'' && i - start >= 2 && s[i - 1] == '\'' &&
			      !memchr(s + start, '\\', i - start);
			o = put_literal(out, o, outlen, &param, 0);
		} else if (c == '$' && word_start(s, i) && (tag = dollar_tag(s, len, i))) {
			i = skip_dollar(s, len, i, tag);
			ok &= i - start >= 2 * tag && !memcmp(s + i - tag, s + start, tag);
			o = put_literal(out, o, outlen, &param, 0);
		} else if (c == '"') {	/* an identifier: copied whole */
			do
				PUT(s[i++]);
			while (i < len && s[i] != '"');
			ok &= i < len;
			if (i < len)
				PUT(s[i++]);
		} else if (((isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) &&
			    word_start(s, i)) || negative_number(s, len, i)) {
			i += c == '-';
			start = i;
			while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' ||
					   ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
				i++;
			ok &= plain_number(s, start, i);
			o = put_literal(out, o, outlen, &param, 1);
		} else {
			PUT(c);
			i++;
		}
	}
#undef PUT
	out[o] = 0;
	if (plain)
		*plain = ok;
	return o;
}

/* libpg_query numbers the constants it replaces after the text's own
 * highest parameter. */
unsigned pgn_first_param(const char *q, size_t len)
{
	unsigned long max = 0, n;

	for (const char *p = memchr(q, '$', len); p; p = memchr(p + 1, '$', len - (p + 1 - q)))
		if (p + 1 < q + len && isdigit((unsigned char)p[1]) && (n = strtoul(p + 1, NULL, 10)) > max)
			max = n;
	return max + 1;
}

size_t pgn_redact(const char *s, size_t len, int parsed, char *out, size_t outlen)
{
	return pgn_replace_literals(s, len, out, outlen, parsed ? pgn_first_param(s, len) : 0, NULL);
}
