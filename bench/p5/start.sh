#!/bin/bash
# bench/p5/start.sh: start-to-exit time of a sonde session, in the VM.
#
# One VM boot times, R rounds each, interleaved:
#   floor  insmod + rmmod of b_nop.c, a module that does nothing;
#   bare   insmod + rmmod of the sonde module below, no session (how much
#          of the total is the module's own set-up and teardown);
#   sonde  the build tree's sonde-run (linked statically) of the module
#          sonde builds for probe begin { exit() }
#          (load, start, begin, exit, stop, drain, unload);
#   dyn    the same with sonde-run linked dynamically, built here.
# Each run is one `sh -c` timed around fork to wait (timeit.c).  Prints
# the median and best of each in ms and the ratio of sonde's median to
# the floor's (goal: at most 2).  Under the emulator a dynamically
# linked program spends some 30 ms more starting (the loader and libc's
# relocations are translated afresh in each process), which the dyn row
# shows; natively that difference is well under a millisecond.
#
# Usage: bench/p5/start.sh [ROUNDS]        (default 30)
# SONDE: the sonde binary (default build/src/sonde);
# SONDE_BENCH_KERNEL: the kernel release (default: the installed 6.1 cloud kernel).
set -euo pipefail

rounds=${1:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/kernel.sh
. "$src/bench/lib/kernel.sh"
rel=$(bench_kernel) || exit 1
sonde=${SONDE:-$src/build/src/sonde}
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-p5s.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/m"
cp "$src/bench/p5/b_nop.c" "$work/m/"
echo 'obj-m := b_nop.o' >"$work/m/Kbuild"
make -s -C "/lib/modules/$rel/build" M="$work/m" modules >"$work/build.log" 2>&1 ||
    { grep -v BTF "$work/build.log" | head -n 20; exit 1; }
ko=$("$sonde" -p4 -r "$rel" -m b_hello -e 'probe begin { exit() }')
cp "$ko" "$work/b_hello.ko"
gcc -O2 -Wall -o "$work/timeit" "$src/bench/p5/timeit.c"
loader=$(dirname "$sonde")/sonde-run
[[ -x $loader ]] || { echo "no sonde-run beside $sonde" >&2; exit 1; }
gcc -O2 -Wall -pthread -I"$src" -o "$work/sonde-run-dyn" "$src/src/loader/sonde-run.c"

guest() {
    cat <<GUEST
sonde-run b_hello.ko >/dev/null 2>&1   # warm the page cache
sonde-run-dyn b_hello.ko >/dev/null 2>&1
i=0
while [ \$i -lt $rounds ]; do
    timeit floor sh -c 'insmod b_nop.ko && rmmod b_nop'
    timeit bare sh -c 'insmod b_hello.ko && rmmod b_hello'
    timeit sonde sh -c 'sonde-run b_hello.ko'
    timeit dyn sh -c 'sonde-run-dyn b_hello.ko'
    i=\$((i + 1))
done
GUEST
}

prio=()
[[ $(id -u) == 0 ]] && prio=(nice -n -10)
"${prio[@]}" "$src/src/run/sonde-vm" -r "$rel" -c 2 -t 600 \
    -f "$loader:/bin/sonde-run" -f "$work/timeit:/bin/timeit" \
    -f "$work/sonde-run-dyn:/bin/sonde-run-dyn" \
    -f "$work/m/b_nop.ko" -f "$work/b_hello.ko" \
    -- "$(guest)" >"$work/out"

if grep -q status= "$work/out"; then
    echo "failed runs:" >&2
    grep status= "$work/out" | head -n 5 >&2
    exit 1
fi
runs() { awk -v k="$1" '$1 == k { print $2 / 1000 }' "$work/out" | sort -n; }
median() { awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf 'kernel %s, %d runs of each\n' "$rel" "$rounds"
for k in floor bare sonde dyn; do
    echo "$k $(runs "$k" | median) $(runs "$k" | head -n 1)"
done | awk '
    { med[$1] = $2; printf "  %-6s %8.2f ms median, %8.2f best\n", $1, $2, $3 }
    END {
        r = med["sonde"] / med["floor"]
        printf "  sonde / floor (medians): %.2f (goal <= 2: %s)\n", r, r <= 2 ? "met" : "NOT met"
    }'
