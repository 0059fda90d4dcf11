# shellcheck shell=bash
# Sourced by the benchmarks that build for or boot a kernel.  bench_kernel
# prints the release to use: SONDE_BENCH_KERNEL when set, else the newest
# installed 6.1 cloud kernel with a kbuild tree (testsuite/lib/kernels.sh),
# the series bench/README.md's figures were measured on.  Fails with a
# message when there is none.
# shellcheck source=../../testsuite/lib/kernels.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../testsuite/lib/kernels.sh"

bench_kernel() {
	local rel=${SONDE_BENCH_KERNEL:-$(cloud_series | awk -F. '$1 "." $2 == "6.1"')}
	if [[ -z $rel ]]; then
		echo "no 6.1 cloud kernel with headers installed: set SONDE_BENCH_KERNEL" >&2
		return 1
	fi
	echo "$rel"
}
