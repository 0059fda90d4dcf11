# Sourced by every benchmark.  bench_kernel prints the release to measure
# against: $SONDE_BENCH_KERNEL, else the installed 6.1 cloud kernel (found
# as the test groups find it, testsuite/lib/kernels.sh); it fails with a
# message when there is neither.
# shellcheck source=../../testsuite/lib/kernels.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../testsuite/lib/kernels.sh"

bench_kernel() {
	local r=${SONDE_BENCH_KERNEL:-$(kernel_release_of 6.1)}
	if [[ -z $r ]]; then
		echo "bench: no 6.1 cloud kernel with headers is installed" \
		     "(./setup.sh installs one); or set SONDE_BENCH_KERNEL" >&2
		return 1
	fi
	echo "$r"
}
