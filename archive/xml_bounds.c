/* Bounds on XML checked over the raw bytes before libxml2 sees them.
 *
 * libxml2 does quadratic work inside one start tag (each attribute is
 * compared with every earlier one for duplicates: 200,000 attributes took
 * minutes), so counting from its SAX callbacks would come too late. This
 * scanner walks the markup the way the XML grammar delimits it (comments,
 * CDATA sections and processing instructions end at their first closing
 * sequence; attribute values at their closing quote and never hold '<')
 * and counts elements, nesting and attributes per start tag, refusing at
 * the first count past its limit. It accepts only what libxml2 would
 * tokenise the same way: anything it does not understand (a declaration, a
 * NUL byte, a UTF-16 document, a malformed tag) is refused, so that
 * libxml2 never parses a document whose structure it did not count. It is
 * not a validator; libxml2 still checks well-formedness. */
#include <string.h>
#include <strings.h>

#include "archive/archive_int.h"
#include "dossier/error.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static int is_name(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Index of the first occurrence of `pat` at or after `from`, or len. */
static size_t find(const unsigned char *x, size_t len, size_t from, const char *pat)
{
	size_t n = strlen(pat);
	if (from > len || len - from < n)
		return len;
	const unsigned char *p = memmem(x + from, len - from, pat, n);
	return p ? (size_t)(p - x) : len;
}

static int starts(const unsigned char *x, size_t len, size_t i, const char *pat)
{
	size_t n = strlen(pat);
	return i <= len && len - i >= n && memcmp(x + i, pat, n) == 0;
}

static size_t name_end(const unsigned char *x, size_t len, size_t i)
{
	if (i >= len || !is_name_start(x[i]))
		return i;
	while (i < len && is_name(x[i]))
		i++;
	return i;
}

/* The XML declaration at `i`, if any, may name no encoding but UTF-8: the
 * counts are of the bytes read as UTF-8 (libxml2 would switch to the
 * declared one, where other bytes delimit markup). */
static int encoding_utf8(const unsigned char *x, size_t len, size_t i, const char *what)
{
	if (!starts(x, len, i, "<?xml") || i + 5 >= len || !is_space(x[i + 5]))
		return 0;
	size_t end = find(x, len, i, "?>"), k = find(x, end, i, "encoding");
	if (k >= end)
		return 0;
	k += 8;
	while (k < end && (is_space(x[k]) || x[k] == '='))
		k++;
	if (k < end && (x[k] == '"' || x[k] == '\'')) {
		unsigned char q = x[k++];
		size_t v = k;
		while (k < end && x[k] != q)
			k++;
		if (k - v == 5 && strncasecmp((const char *)x + v, "UTF-8", 5) == 0)
			return 0;
		return ds_error_set(DS_EINVALID, "%s: declares the encoding \"%.*s\", not UTF-8", what,
				    (int)(k - v > 40 ? 40 : k - v), (const char *)x + v);
	}
	return ds_error_set(DS_EINVALID, "%s: malformed encoding declaration", what);
}

int ds_archive__xml_bounds(const unsigned char *x, size_t len, const struct ds_xml_limits *lim,
			   const char *what)
{
	size_t i = 0, depth = 0, elements = 0, line = 1;
	int err;

	if (len == 0 || len > lim->bytes)
		return ds_error_set(DS_ETOOBIG, "%s: size %zu outside 1..%zu bytes", what, len,
				    lim->bytes);
	if (len >= 2 && ((x[0] == 0xFE && x[1] == 0xFF) || (x[0] == 0xFF && x[1] == 0xFE)))
		return ds_error_set(DS_EINVALID, "%s: UTF-16, not UTF-8", what);
	if (starts(x, len, 0, "\xEF\xBB\xBF"))
		i = 3;
	while (i < len && is_space(x[i]))
		i++;
	if (i >= len || x[i] != '<')
		return ds_error_set(DS_EINVALID, "%s: does not start with markup (not UTF-8 XML?)", what);
	if ((err = encoding_utf8(x, len, i, what)) < 0)
		return err;
	while (i < len) {
		unsigned char c = x[i];
		if (c == 0)
			return ds_error_set(DS_EINVALID, "%s: a NUL byte", what);
		if (c == '\n')
			line++;
		if (c != '<') {
			i++;
			continue;
		}
		size_t end;
		if (starts(x, len, i, "<!--") || starts(x, len, i, "<![CDATA[") ||
		    starts(x, len, i, "<?")) {
			const char *close = x[i + 1] == '?' ? "?>" : x[i + 2] == '-' ? "-->" : "]]>";
			end = find(x, len, x[i + 1] == '?' ? i + 2 : x[i + 2] == '-' ? i + 4 : i + 9, close);
			if (end >= len)
				return ds_error_set(DS_EINVALID, "%s: line %zu: unterminated %s", what,
						    line, x[i + 1] == '?' ? "processing instruction"
						    : x[i + 2] == '-' ? "comment" : "CDATA section");
			if (++elements > lim->elements)
				goto too_many;
			for (size_t k = i; k < end; k++) {
				if (x[k] == 0)
					return ds_error_set(DS_EINVALID, "%s: a NUL byte", what);
				line += x[k] == '\n';
			}
			i = end + strlen(close);
			continue;
		}
		if (starts(x, len, i, "<!"))
			return ds_error_set(DS_EINVALID, "%s: line %zu: a DOCTYPE or other declaration",
					    what, line);
		if (starts(x, len, i, "</")) {
			end = name_end(x, len, i + 2);
			if (end == i + 2)
				return ds_error_set(DS_EINVALID, "%s: line %zu: malformed end tag", what,
						    line);
			while (end < len && is_space(x[end]))
				line += x[end++] == '\n';
			if (end >= len || x[end] != '>' || depth == 0)
				return ds_error_set(DS_EINVALID, "%s: line %zu: malformed end tag", what,
						    line);
			depth--;
			i = end + 1;
			continue;
		}
		/* a start tag */
		end = name_end(x, len, i + 1);
		if (end == i + 1)
			return ds_error_set(DS_EINVALID, "%s: line %zu: '<' not followed by a name", what,
					    line);
		if (++elements > lim->elements)
			goto too_many;
		if (depth + 1 > lim->depth)
			return ds_error_set(DS_ETOOBIG, "%s: line %zu: elements nested deeper than %zu",
					    what, line, lim->depth);
		size_t attrs = 0;
		i = end;
		for (;;) {
			int ws = 0;
			while (i < len && is_space(x[i])) {
				line += x[i++] == '\n';
				ws = 1;
			}
			if (i >= len)
				return ds_error_set(DS_EINVALID, "%s: line %zu: unterminated tag", what,
						    line);
			if (x[i] == '>') {
				depth++;
				i++;
				break;
			}
			if (x[i] == '/') {
				if (i + 1 >= len || x[i + 1] != '>')
					return ds_error_set(DS_EINVALID, "%s: line %zu: malformed tag",
							    what, line);
				i += 2;
				break;
			}
			end = name_end(x, len, i);
			if (!ws || end == i)
				return ds_error_set(DS_EINVALID, "%s: line %zu: malformed attribute",
						    what, line);
			if (++attrs > lim->attrs)
				return ds_error_set(DS_ETOOBIG,
						    "%s: line %zu: an element with more than %zu attributes",
						    what, line, lim->attrs);
			i = end;
			while (i < len && is_space(x[i]))
				line += x[i++] == '\n';
			if (i >= len || x[i] != '=')
				return ds_error_set(DS_EINVALID, "%s: line %zu: attribute without a value",
						    what, line);
			i++;
			while (i < len && is_space(x[i]))
				line += x[i++] == '\n';
			if (i >= len || (x[i] != '"' && x[i] != '\''))
				return ds_error_set(DS_EINVALID, "%s: line %zu: unquoted attribute value",
						    what, line);
			unsigned char q = x[i++];
			while (i < len && x[i] != q) {
				if (x[i] == '<' || x[i] == 0)
					return ds_error_set(DS_EINVALID,
							    "%s: line %zu: '<' or NUL in an attribute value",
							    what, line);
				line += x[i++] == '\n';
			}
			if (i >= len)
				return ds_error_set(DS_EINVALID, "%s: line %zu: unterminated attribute value",
						    what, line);
			i++;
		}
	}
	if (depth != 0)
		return ds_error_set(DS_EINVALID, "%s: %zu elements left open", what, depth);
	if (elements == 0)
		return ds_error_set(DS_EINVALID, "%s: no element", what);
	return 0;
too_many:
	return ds_error_set(DS_ETOOBIG, "%s: line %zu: more than %zu elements", what, line,
			    lim->elements);
}
