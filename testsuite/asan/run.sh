#!/bin/bash
# The pass-1 cases again under an AddressSanitizer + UBSan build of sonde:
# any sanitizer report makes the case fail (the build aborts on the first).
set -u
export SONDE=$SONDE_BUILDDIR/src/sonde-asan LABEL=asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
exec bash "$SONDE_SRCDIR/testsuite/parse/run.sh"
