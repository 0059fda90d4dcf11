#!/bin/bash
# C unit tests: each program prints its own PASS/FAIL lines.
set -u
for t in "$SONDE_BUILDDIR"/testsuite/unit/test_*; do
	[ -x "$t" ] || continue
	"$t" || echo "FAIL unit/$(basename "$t")-exit"
done
