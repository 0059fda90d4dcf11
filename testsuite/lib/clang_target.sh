# clang_target.sh - for the groups that build a pass-1 target with clang
# (fuzz); sourced.

# clang_target GROUP TARGET: SKIP without clang, else builds TARGET in
# the build tree, printing PASS or FAIL GROUP/build; false unless built.
# Leaves the current directory at the build tree.
clang_target() {
	local group=$1 target=$2
	if [ -z "${FUZZ_CC:-}" ]; then
		echo "SKIP $group/$target: no clang found by configure"
		return 1
	fi
	cd "$SONDE_BUILDDIR" || return 1
	if ! ${MAKE:-make} -s "$target" >"$target-build.log" 2>&1; then
		echo "FAIL $group/build"; sed 's/^/  /' "$target-build.log" | tail -20
		return 1
	fi
	echo "PASS $group/build"
}
