/*
 * embedded.h: the names SystemTap's documented embedded-C conventions
 * use, for the bodies of %{ %} functions in tapsets and guru scripts.
 *
 * The emitter turns "function NAME:TYPE (ARG:TYPE, ...) %{ BODY %}" into
 * a locals struct and a function, and wraps BODY in per-function macro
 * definitions (doc/runtime.md, "Embedded C", gives the exact text):
 *
 *   struct fn_NAME_locals { int64_t arg_ARG; ... int64_t retvalue; };
 *   static void fn_NAME(struct sonde_ctx *c, struct fn_NAME_locals *l)
 *   {
 *   #define STAP_ARG_ARG (l->arg_ARG)          one per parameter
 *   #define STAP_RETVALUE (l->retvalue)        when TYPE is not void
 *   #define STAP_RETURN(v) SONDE_RETURN_LONG(v) (or _STR for strings)
 *           {
 *           BODY
 *           }
 *   sonde_out: __attribute__((unused));
 *   #undef STAP_ARG_ARG ... STAP_RETVALUE STAP_RETURN
 *   }
 *
 * String parameters and string return values are char[MAXSTRINGLEN]
 * arrays owned by the locals struct, so the body may write them; longs
 * are int64_t.  This header defines what does not depend on the
 * function: CONTEXT, STAP_ERROR, STAP_PRINTF and the two return helpers.
 */
#ifndef SONDE_EMBEDDED_H
#define SONDE_EMBEDDED_H

#include "lifecycle.h"
#include "str.h"
#include "sym.h"

/* The running probe's context; the function's parameter is named c. */
#define CONTEXT (c)

/* Raise a script error (catchable by try/catch) and leave the body. */
#define STAP_ERROR(fmt, ...)                                        \
	do {                                                        \
		sonde_error(CONTEXT, fmt, ##__VA_ARGS__);           \
		goto sonde_out;                                     \
	} while (0)

/* Print to the script's output, like printf in the script. */
#define STAP_PRINTF(fmt, ...) sonde_printf(CONTEXT, fmt, ##__VA_ARGS__)

/* Set the return value and leave the body (long and string functions). */
#define SONDE_RETURN_LONG(v)                                        \
	do {                                                        \
		STAP_RETVALUE = (int64_t)(v);                       \
		goto sonde_out;                                     \
	} while (0)

#define SONDE_RETURN_STR(v)                                         \
	do {                                                        \
		sonde_strlcpy(STAP_RETVALUE, (v));                  \
		goto sonde_out;                                     \
	} while (0)

#endif /* SONDE_EMBEDDED_H */
