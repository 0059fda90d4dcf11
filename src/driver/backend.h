/*
 * backend.h - passes 3 to 5 as the driver (main.c) sees them.
 *
 *   translate_program  pass 3: the resolved Program to the module's C text
 *   build_module       pass 4: that text to a .ko with the target's kbuild,
 *                      through the build cache
 *   run_module         pass 5: load and run the .ko with sonde-run, here
 *                      or in a VM (--vm)
 *
 * Each reports failures with the diagnostics API and returns false; none
 * exits.  The private headers are emit.h (pass 3) and build_int.h
 * (pass 4).
 */
#ifndef SONDE_BACKEND_H
#define SONDE_BACKEND_H

#include "elaborate/elab.h"

/* translate.c: appends the module's C source to `out`. */
bool translate_program(Session *s, const Program *prog, StrBuf *out);

/*
 * build.c: builds the C text into a module; on success *ko is the path
 * of the .ko (malloc'd), in the build cache or a kept/temporary
 * directory that lives until the session ends.
 */
bool build_module(Session *s, const char *c_text, char **ko);
/* Removes temporary build directories (unless -k). */
void build_cleanup(Session *s);

/* run.c: pass 5; *status is the loader's exit status. */
bool run_module(Session *s, const char *ko, int *status);
/* Before pass 1: false after reporting options pass 5 cannot honour. */
bool run_check_options(Session *s);

#endif
