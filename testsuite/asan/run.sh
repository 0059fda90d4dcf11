#!/bin/bash
# The pass-1 and pass-2 cases again under an AddressSanitizer + UBSan
# build of sonde: any sanitizer report makes the case fail (the build
# aborts on the first).  The parse cases go on through pass 2 and the
# elab cases through pass 3, as in their own groups, so every pass sonde
# runs before kbuild is covered.
set -u
export SONDE=$SONDE_BUILDDIR/src/sonde-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
LABEL=asan bash "$SONDE_SRCDIR/testsuite/parse/run.sh"
LABEL=asan-elab bash "$SONDE_SRCDIR/testsuite/elab/run.sh"
