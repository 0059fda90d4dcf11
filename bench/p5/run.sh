#!/bin/bash
# bench/p5: the cost of one probe hit, in the VM.
#
# One VM boot runs a tight loop of N getppid() calls (callloop, one
# thread) three ways, R rounds each, interleaved: without a module; with
# the floor module (a bare per-CPU kprobe counter); and with b_count, a
# module shaped like sonde's output for
#   global n; probe kprobe.function("__x64_sys_getppid") { n++ }
# (enter, write-lock n, tick, increment, unlock, exit), run by sonde-run.
# Prints ns per call (best round) of each, the cost added over the bare
# loop, and the ratio of b_count's added cost to the floor's (goal:
# at most 1.5).
#
# Usage: bench/p5/run.sh [N] [ROUNDS]      (defaults: 200000, 3)
# SONDE_BENCH_KERNEL: the kernel release (default 6.1.0-56-cloud-amd64).
set -euo pipefail

n=${1:-200000}
rounds=${2:-3}
rel=${SONDE_BENCH_KERNEL:-6.1.0-56-cloud-amd64}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-p5.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Build: floor and b_count in one kbuild run, loader and callloop.
mkdir -p "$work/m/floor" "$work/m/b_count"
cp "$src/testsuite/vm/floor/floor_kprobe.c" "$src/testsuite/vm/floor/Kbuild" "$work/m/floor/"
cp "$src"/runtime/*.[ch] "$work/m/b_count/"
cp "$src/bench/p5/b_count.c" "$work/m/b_count/b_count_main.c"
printf 'obj-m := b_count.o\nb_count-y := b_count_main.o transport.o lifecycle.o locks.o kprobe.o\nccflags-y := -Werror\n' \
    >"$work/m/b_count/Kbuild"
echo 'obj-m := floor/ b_count/' >"$work/m/Kbuild"
make -s -j2 -C "/lib/modules/$rel/build" M="$work/m" modules >"$work/build.log" 2>&1 ||
    { grep -v BTF "$work/build.log" | head -n 20; exit 1; }
gcc -O2 -Wall -pthread -o "$work/callloop" "$src/testsuite/vm/progs/callloop.c"
gcc -O2 -Wall -I"$src" -o "$work/sonde-run" "$src/src/sonde-run.c"

guest() {
    cat <<GUEST
i=0
while [ \$i -lt $rounds ]; do
    echo "none \$(callloop $n)"
    insmod floor_kprobe.ko; echo "floor \$(callloop $n)"; rmmod floor_kprobe
    sonde-run -c 'callloop $n' b_count.ko >/tmp/out 2>/dev/null
    echo "sonde \$(grep calls= /tmp/out)"
    i=\$((i + 1))
done
GUEST
}

"$src/src/sonde-vm" -r "$rel" -c 2 -t 600 \
    -f "$work/sonde-run:/bin/sonde-run" -f "$work/callloop:/bin/callloop" \
    -f "$work/m/floor/floor_kprobe.ko" -f "$work/m/b_count/b_count.ko" \
    -- "$(guest)" >"$work/out"

awk -v n="$n" '
    { split($4, a, "="); v = a[2]; if (!($1 in best) || v < best[$1]) best[$1] = v }
    END {
        printf "kernel %s, %d calls per round, best of the rounds\n", "'"$rel"'", n
        for (k in best) printf "  %-6s %8.1f ns/call\n", k, best[k]
        f = best["floor"] - best["none"]; s = best["sonde"] - best["none"]
        printf "  added: floor %.1f ns, sonde %.1f ns; ratio %.2f (goal <= 1.5: %s)\n",
            f, s, s / f, s / f <= 1.5 ? "met" : "NOT met"
    }' "$work/out"
