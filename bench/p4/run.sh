#!/bin/bash
# Pass-4 wall time against the floor, in one run on the same headers.
#   floor      kbuild of a hand-written trivial module (testsuite/vm/floor)
#   uncached   sonde -p4 --disable-cache, kernel features already cached
#   first      sonde -p4 with an empty cache (feature tests + kbuild)
#   cached     the same -p4 again (no kbuild)
# for a hello script and a kprobe script, plus the .ko sizes.  Goals:
# uncached <= 1.3x floor, first <= 2x floor, cached < 100 ms.
# Environment: SONDE (binary, default build/src/sonde), SONDE_BENCH_KERNEL
# (default: the installed 6.1 cloud kernel), RUNS (best of, default 3), SONDE_BASE
# (another sonde binary, e.g. an older build, measured first in the same
# run; its rows say "base").
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/kernel.sh
. "$src/bench/lib/kernel.sh"
rel=$(bench_kernel) || exit 1
sonde=${SONDE:-$src/build/src/sonde}
runs=${RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SONDE_TAPSET_DIR=$src/tapsets

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

# best of $runs: prints milliseconds of the fastest run of "$@"
best() {
	local b=999999999 t0 t1 i
	for ((i = 0; i < runs; i++)); do
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		(($(ms "$t0" "$t1") < b)) && b=$(ms "$t0" "$t1")
	done
	echo "$b"
}

floor_build() {
	rm -rf "$tmp/floor" && cp -r "$src/testsuite/vm/floor" "$tmp/floor" &&
		make -s -C "/lib/modules/$rel/build" M="$tmp/floor" modules
}

echo 'probe begin { printf("hello %s %d\n", "world", 42); exit() }' >"$tmp/hello.stp"
echo 'global n probe kprobe.function("__x64_sys_getppid") { n++ } probe end { printf("%d\n", n) }' >"$tmp/kprobe.stp"

printf '%-12s %-9s %8s %8s %8s %8s\n' script mode ms x-floor goal met
report() { # SCRIPT MODE MS GOAL(x floor or ms)
	local x met
	x=$(awk -v a="$3" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
	if [[ $2 == cached ]]; then
		met=$(( $3 < 100 ? 1 : 0 )); printf '%-12s %-9s %8d %8s %8s %8s\n' "$1" "$2" "$3" "$x" "<100ms" "$met"
	else
		met=$(awk -v x="$x" -v g="$4" 'BEGIN { print (x <= g) }')
		printf '%-12s %-9s %8d %8s %8s %8s\n' "$1" "$2" "$3" "$x" "<=${4}x" "$met"
	fi
}
# bench BINARY LABEL: the rows of one sonde binary, after a floor of
# its own (load on the machine drifts)
bench() {
	local bin=$1 lab=$2 s f u c ko
	floor=$(best floor_build)
	fsize=$(stat -c %s "$tmp/floor/floor_kprobe.ko" 2>/dev/null || echo 0)
	printf '%-12s %-9s %8d %8s\n' "${lab}floor" kbuild "$floor" 1.00
	for s in hello kprobe; do
		first() { rm -rf "$tmp/cache-$s"; XDG_CACHE_HOME=$tmp/cache-$s "$bin" -p4 -r "$rel" "$tmp/$s.stp"; }
		f=$(best first)
		XDG_CACHE_HOME=$tmp/cache-$s "$bin" -p4 -r "$rel" "$tmp/$s.stp" >/dev/null 2>&1
		u=$(best env XDG_CACHE_HOME="$tmp/cache-$s" "$bin" -p4 --disable-cache -r "$rel" -m bench_$s "$tmp/$s.stp")
		c=$(best env XDG_CACHE_HOME="$tmp/cache-$s" "$bin" -p4 -r "$rel" "$tmp/$s.stp")
		ko=$(XDG_CACHE_HOME=$tmp/cache-$s "$bin" -p4 -r "$rel" "$tmp/$s.stp" 2>/dev/null)
		report "$lab$s" uncached "$u" 1.3
		report "$lab$s" first "$f" 2
		report "$lab$s" cached "$c"
		echo "$lab$s .ko: $(stat -c %s "$ko") bytes (floor $fsize)"
		rm -f "$PWD/bench_$s.ko"
	done
}
[[ -n ${SONDE_BASE:-} ]] && bench "$SONDE_BASE" base-
bench "$sonde" ""
