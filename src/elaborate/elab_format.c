/*
 * elab_format.c - the print builtins and printf format strings.
 *
 * The print families are part of the language, not library functions:
 *   print, println, sprint, sprintln         any values
 *   printd, printdln, sprintd, sprintdln     a delimiter, then values
 *   printf, sprintf                          a literal format, then values
 * The s* forms return the text as a string, the others print it.
 *
 * Format conversions: %[flags][width][.precision]conv with flags from
 * "-+ #0", width and precision digits or `*` (a long argument), and conv
 * one of d i o u x X c p b m M (long) or s (string); `%%` is a percent
 * sign.  Length modifiers (l, ll, h) are accepted and ignored.  %b writes
 * a value's bytes: its width, if any, is the byte count 1, 2, 4 or 8 and
 * it takes nothing else.  %m and %M dump the memory at an address (a
 * long): the precision is the byte count, `#` means user memory.
 */
#include "elaborate/elab_int.h"

#include <string.h>

static const char *const builtins[] = {
	"print", "println", "printd", "printdln", "printf",
	"sprint", "sprintln", "sprintd", "sprintdln", "sprintf",
};

bool elab_builtin(const char *name, bool *returns_value)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (!strcmp(builtins[i], name)) {
			*returns_value = name[0] == 's';
			return true;
		}
	return false;
}

static Type conversion(char c)
{
	if (c && strchr("diouxXcpbmM", c))
		return T_LONG;
	if (c == 's')
		return T_STRING;
	return T_UNKNOWN;
}

/* A width or precision at *i: digits, or `*` which takes an argument. */
static bool number_or_star(const char *f, uint32_t len, uint32_t *i,
			   Type *out, int *n, int max)
{
	if (*i < len && f[*i] == '*') {
		if (*n >= max)
			return false;
		out[(*n)++] = T_LONG;
		(*i)++;
		return true;
	}
	while (*i < len && f[*i] >= '0' && f[*i] <= '9')
		(*i)++;
	return true;
}

/* %b's width is a byte count: only 1, 2, 4 or 8, alone. */
static bool binary_spec_ok(const char *f, uint32_t from, uint32_t to)
{
	uint32_t n = to - from;
	return n == 0 || (n == 1 && strchr("1248", f[from]));
}

/* One conversion after its '%'; returns false with *why on error. */
static bool spec(const char *f, uint32_t len, uint32_t *i, Type *out,
		 int *n, int max, const char **why)
{
	uint32_t start = *i;
	while (*i < len && strchr("-+ #0", f[*i]))
		(*i)++;
	if (!number_or_star(f, len, i, out, n, max))
		return (*why = "too many conversions", false);
	if (*i < len && f[*i] == '.') {
		(*i)++;
		if (!number_or_star(f, len, i, out, n, max))
			return (*why = "too many conversions", false);
	}
	while (*i < len && (f[*i] == 'l' || f[*i] == 'h'))
		(*i)++;
	if (*i >= len)
		return (*why = "incomplete conversion at the end", false);
	if (f[*i] == 'b' && !binary_spec_ok(f, start, *i))
		return (*why = "%b takes only a width of 1, 2, 4 or 8 (bytes)",
			false);
	Type t = conversion(f[*i]);
	if (t == T_UNKNOWN)
		return (*why = "unknown conversion", false);
	if (*n >= max)
		return (*why = "too many conversions", false);
	out[(*n)++] = t;
	(*i)++;
	return true;
}

int format_types(const char *fmt, uint32_t len, Type *out, int max,
		 const char **why, uint32_t *at)
{
	int n = 0;
	for (uint32_t i = 0; i < len;) {
		if (fmt[i++] != '%')
			continue;
		if (i < len && fmt[i] == '%') {
			i++;
			continue;
		}
		*at = i - 1;
		if (!spec(fmt, len, &i, out, &n, max, why))
			return -1;
	}
	return n;
}
