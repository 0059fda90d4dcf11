#!/bin/bash
# Test group: the runtime pieces generated code calls (runtime/: maps,
# statistics, histograms, strings, errors, global locks, on-the-fly
# timers and kprobes).  Hand-written modules in modules/, shaped like
# pass 3's output, are built with one kbuild run per installed cloud
# kernel series (with -Werror) and run in one VM boot per series.
#
# Prints "PASS name" / "FAIL name" (details indented) / "SKIP name:
# reason"; always exits 0.
#
# Environment: SONDE_SRCDIR, SONDE_BUILDDIR (from make check);
# SONDE_RUNTIME_KEEP=1 keeps the work directory; SONDE_RUNTIME_BOOTS=1
# or 2 runs only the first boot (2 CPUs) or the second (4 CPUs);
# SONDE_RUNTIME_SERIES=6.1 or 6.12 only that kernel series.
set -uo pipefail

src=${SONDE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SONDE_BUILDDIR:-$src}
here=$src/testsuite/runtime
vm=$src/src/run/sonde-vm
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-runtime.XXXXXX")
modules="r_data r_lock r_otf r_reent r_reent_ni r_hotplug"
first_modules="r_data r_lock r_otf"
# Run in a second boot with more CPUs, to take some offline.
cpu_modules="r_reent r_reent_ni r_hotplug"
objs="transport.o lifecycle.o str.o locks.o stat.o map.o otf.o timer.o kprobe.o"
data_modes="divzero overtime badaddr full nest"

cleanup() { [[ ${SONDE_RUNTIME_KEEP:-0} == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT

group=runtime
# shellcheck source=../lib/report.sh
. "$src/testsuite/lib/report.sh"
# shellcheck source=../lib/kernels.sh
. "$src/testsuite/lib/kernels.sh"

# ---------------------------------------------------------------- building

# Extra compiler flags of a module: the limits it is built with.
# r_data and r_reent_ni run their probes with interrupts off, the others
# with them on.
module_flags() {
    case $1 in
    r_data | r_reent_ni) echo "-DINTERRUPTIBLE=0" ;;
    r_lock) echo "-DMAXTRYLOCK=20 -DTRYLOCKDELAY=100 -DMAXSKIPPED=1000000000" ;;
    esac
}

stage_module() {
    local m=$2 d=$work/$1/$2
    mkdir -p "$d"
    cp "$src"/runtime/*.[ch] "$d/"
    cp "$here"/modules/*.h "$d/"
    cp "$here/modules/${m%_ni}.c" "$d/${m}_main.c"
    printf 'obj-m := %s.o\n%s-y := %s_main.o %s\nccflags-y := -Werror %s\n' \
        "$m" "$m" "$m" "$objs" "$(module_flags "$m")" >"$d/Kbuild"
}

build_all() {
    local rel=$1 series=$2 m
    for m in $modules; do
        stage_module "$rel" "$m"
    done
    echo "obj-m := $(printf '%s/ ' $modules)" >"$work/$rel/Kbuild"
    make -s -j2 -C "/lib/modules/$rel/build" M="$work/$rel" modules \
        >"$work/$rel/build.log" 2>&1 ||
        err "$(grep -v BTF "$work/$rel/build.log" | head -n 15)"
    for m in $modules; do
        [[ -f $work/$rel/$m/$m.ko ]] || err "$m.ko was not built"
    done
    check "build-$series"
}


# ---------------------------------------------------------------- guest

guest_script() {
    cat <<GUEST
mkdir -p /tmp/c
run() { n=\$1; shift; "\$@" >/tmp/c/\$n.out 2>/tmp/c/\$n.err; echo \$? >/tmp/c/\$n.rc; }
run data sonde-run r_data.ko
for m in $data_modes; do run \$m sonde-run -D r_data.ko mode=\$m; done
(while [ ! -e /tmp/stop ]; do callloop 50000 2 >/dev/null; done) & load=\$!
run lock sonde-run -D -T 3 r_lock.ko
# The kprobe optimizer can hold a kprobe's toggle for several phases
# under emulation; without it the refresh itself is measured.
echo 0 >/proc/sys/debug/kprobes-optimization
run otf sonde-run -D r_otf.ko
echo 1 >/proc/sys/debug/kprobes-optimization
touch /tmp/stop; wait \$load
grep -c '^r_' /proc/modules >/tmp/c/left
for f in /tmp/c/*; do echo "@@@ \${f#/tmp/c/}"; cat "\$f"; done
GUEST
}

# The second boot (4 CPUs): reentrant hits skipped, or delayed with
# interrupts off; then r_hotplug while CPUs 1-3 go offline and online.
# Each hotplug change is followed by a new phase (see r_hotplug.c); the
# session starts with cpu3 offline and stops with cpu2 offline, which
# comes back after the module is gone.
cpu_guest_script() {
    cat <<'GUEST'
mkdir -p /tmp/c
run() { n=$1; shift; "$@" >/tmp/c/$n.out 2>/tmp/c/$n.err; echo $? >/tmp/c/$n.rc; }
(while [ ! -e /tmp/stop ]; do callloop 20000 2 >/dev/null; done) & load=$!
run reent sonde-run -D r_reent.ko
run reentni sonde-run -D r_reent_ni.ko
downs=0
online() {
    echo "$2" >/sys/devices/system/cpu/cpu$1/online || echo "cpu$1 online=$2 failed" >>/tmp/c/hotplug.log
    [ "$2" = 0 ] && downs=$((downs + 1))
}
# Odd phases have a fixed set of online CPUs; even ones hold changes.
phase() {
    echo "$1" >/sys/module/r_hotplug/parameters/phase; sleep 0.6
    echo $(($1 + 1)) >/sys/module/r_hotplug/parameters/phase
}
online 3 0
sonde-run -D r_hotplug.ko >/tmp/c/hotplug.out 2>/tmp/c/hotplug.err & p=$!
while [ ! -e /proc/sonde_r_hotplug/ctl ]; do sleep 0.1; done
sleep 1; downs=0
phase 1
online 3 1; phase 3
online 1 0; phase 5
online 2 0; online 3 0; phase 7
online 1 1; online 2 1; phase 9
online 1 0; online 3 1; phase 11
online 1 1; phase 13
for i in 1 2 3; do for n in 1 2 3; do online $n 0; online $n 1; done; done
phase 15
online 2 0
kill -INT $p; wait $p; echo $? >/tmp/c/hotplug.rc
echo $downs >/tmp/c/hotplug.downs
online 2 1
cat /sys/devices/system/cpu/online >/tmp/c/hotplug.online
touch /tmp/stop; wait $load
grep -c '^r_' /proc/modules >/tmp/c/left
for f in /tmp/c/*; do echo "@@@ ${f#/tmp/c/}"; cat "$f"; done
GUEST
}

split_cases() {
    mkdir -p "$2"
    awk -v dir="$2" '/^@@@ /{f = dir "/" $2; printf "" > f; next} f {print > f}' "$1"
}

# ---------------------------------------------------------------- checks

expect_rc() {
    local rc
    rc=$(cat "$c/$1.rc" 2>/dev/null)
    [[ $rc == "$2" ]] || err "$1: status ${rc:-none}, expected $2; stderr: $(head -c 400 "$c/$1.err" 2>/dev/null)"
}
expect_err() { grep -Eq "$2" "$c/$1.err" || err "$1: stderr lacks /$2/: $(head -c 400 "$c/$1.err")"; }
# stat NAME CASE: a counter from the loader's -D stats line.
stat() { sed -n "s/.*stats: .*[ ]$1=\([0-9]*\).*/\1/p; s/.*stats: $1=\([0-9]*\).*/\1/p" "$c/$2.err" | head -n 1; }

check_data() {
    expect_rc data 0
    diff -u "$here/r_data.out" "$c/data.out" >"$work/diff" ||
        err "output differs from r_data.out:" "$(head -n 30 "$work/diff")"
    check "data-$1"
}

check_errors() {
    local m msg
    for m in $data_modes; do
        case $m in
        divzero) msg="division by 0 near operator '/' at r.stp:30:11" ;;
        overtime) msg="more than 1000 actions \(overtime\) near keyword at r.stp:31:3" ;;
        badaddr) msg="bad address 0x8 near identifier 'kernel_string' at r.stp:32:7" ;;
        full) msg="array a full \(max 4 entries\) near identifier 'a' at r.stp:33:5" ;;
        nest) msg="function call nesting too deep \(MAXNESTING 10\) near function call 'recurse' at r.stp:40:3" ;;
        esac
        expect_rc "$m" 1
        expect_err "$m" "^ERROR: $msg\$"
        expect_err "$m" 'stats: hits=1 .*errors=1 '
        grep -q 'no error' "$c/$m.out" && err "$m: the body went on after the error"
        check "error-$m-$1"
    done
}

check_lock() {
    local n got hits skipped lockskips
    expect_rc lock 0
    read -r n got < <(sed -n 's/^n=\([0-9]*\) got=\([0-9]*\)$/\1 \2/p' "$c/lock.out")
    hits=$(stat hits lock)
    skipped=$(stat skipped lock)
    [[ -n $n && $n == "$got" ]] || err "n=${n:-none} got=${got:-none}: updates were lost"
    ((${n:-0} > 0)) || err "no hit got the lock"
    # Every hit but the end probe's either got the lock or was skipped.
    ((${hits:-0} - 1 - ${got:-0} > 0)) || err "no hit was skipped for contention (hits=$hits got=$got)"
    ((${hits:-0} - 1 - ${got:-0} <= ${skipped:-0})) ||
        err "hits=$hits got=$got but skipped=$skipped"
    # The loader tells lock skips from reentrant ones (none here).
    lockskips=$(stat lockskips lock)
    [[ $lockskips == "$skipped" ]] || err "skipped=$skipped but lockskips=${lockskips:-none}"
    expect_err lock "^WARNING: ${lockskips:-x} probe hits? skipped: a global's lock stayed contended\$"
    ! grep -q 'already running' "$c/lock.err" || err "lock: reentrant skips reported"
    check "lock-contention-$1"
}

check_otf() {
    local klog=$2
    expect_rc otf 0
    grep -q '^flips=8 kp_bad=0 tm_bad=0$' "$c/otf.out" ||
        err "$(grep '^flips' "$c/otf.out" || echo 'no summary line')"
    # Phases 1..7 alternate off/on (phase 0 includes start-up).  "on"
    # phases (800 ms each) see many hits; "off" phases only those before the refresh
    # took effect, which for a kprobe can take long under emulation
    # (even with the optimizer off, 20-100 ms were seen): off phases
    # together get less than half the hits of on phases.
    awk '/^phase/ && $2 > 0 {
            split($3, o, "="); split($4, k, "="); split($5, t, "=")
            n++
            if (o[2] == 1) {
                kon += k[2]; ton += t[2]
                if (!kmin || k[2] < kmin) kmin = k[2]
                if (!tmin || t[2] < tmin) tmin = t[2]
            } else {
                koff += k[2]; toff += t[2]
            }
         }
         END {
            if (n != 7) print n " phases, expected 7"
            if (kmin < 100 || tmin < 10) print "too few hits while on"
            if (2 * koff >= kon) print "kprobe: " koff " hits while off, " kon " while on"
            if (2 * toff >= ton) print "timer: " toff " hits while off, " ton " while on"
         }' "$c/otf.out" >>"$work/errors"
    [[ -s $work/errors ]] && err "$(cat "$c/otf.out")"
    check "onthefly-$1"
    check_clean "kernel-log-$1" "$klog"
}

# With interrupts on, ticks that interrupt a spinning kprobe body are
# skipped and counted, and none runs nested; with interrupts off they
# wait for the body instead and nothing is skipped.
check_reent() {
    local skipped line
    expect_rc reent 0
    line=$(grep '^spins=' "$c/reent.out")
    skipped=$(stat skipped reent)
    awk -v s="${skipped:-0}" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
         END {
            if (v["spins"] != 8) print "spins=" v["spins"] ", expected 8"
            if (v["irqs_on"] != 8) print "the kprobe body ran with interrupts off: irqs_on=" v["irqs_on"]
            if (v["interrupted"] < 1) print "no tick interrupted a spin"
            if (v["nested"] != 0) print v["nested"] " ticks ran nested"
            if (s < v["interrupted"] || s < 1) print "skipped=" s " < interrupted=" v["interrupted"]
         }' <<<"$line" >>"$work/errors"
    [[ -n $line ]] || err "no summary line: $(head -c 300 "$c/reent.out")"
    expect_err reent "^WARNING: ${skipped:-x} probe hits? skipped: a probe was already running on the CPU\$"
    check "reentrant-skipped-$1"
    expect_rc reentni 0
    line=$(grep '^spins=' "$c/reentni.out")
    skipped=$(stat skipped reentni)
    awk -v s="${skipped:-x}" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
         END {
            if (v["spins"] != 8) print "spins=" v["spins"] ", expected 8"
            if (v["irqs_on"] != 0) print "the kprobe body ran with interrupts on: irqs_on=" v["irqs_on"]
            if (v["interrupted"] != 0 || v["nested"] != 0) print "ticks ran during a spin"
            if (v["delayed"] < 1) print "no tick was delayed by a spin"
            if (s != 0) print "skipped=" s ", expected 0"
         }' <<<"$line" >>"$work/errors"
    [[ -n $line ]] || err "no summary line: $(head -c 300 "$c/reentni.out")"
    ! grep -q 'already running' "$c/reentni.err" || err "reentni: reentrant skips reported"
    check "reentrant-delayed-noirq-$1"
}

# Per odd phase: each online CPU ticks, at most once per tick period (4 ms
# at the cloud kernels' HZ=250), and an offline one runs no probe.
# Every line printed reached the loader, take_cpu_down's included.
check_hotplug() {
    local klog=$2 f summary
    expect_rc hotplug 0
    [[ ! -s $c/hotplug.log ]] || err "$(cat "$c/hotplug.log")"
    awk 'function hex(s,  v, i) {
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
         }
         /^phase/ && $2 % 2 == 1 {
            split($3, ms, "="); split($4, on, "="); split($5, f, "="); split($6, k, "=")
            mask = hex(on[2]); nf = split(f[2], fv, ","); split(k[2], kv, ",")
            n++; kp = 0
            for (cpu = 0; cpu < 4; cpu++) {
                up = int(mask / 2 ^ cpu) % 2
                kp += kv[cpu + 1]
                if (up && fv[cpu + 1] < 1) print $1 " " $2 ": cpu" cpu " online but no tick"
                if (up && fv[cpu + 1] > ms[2] / 4 + 3) print $1 " " $2 ": cpu" cpu " ticked " fv[cpu + 1] " times in " ms[2] " ms"
                if (!up && fv[cpu + 1] + kv[cpu + 1] > 0) print $1 " " $2 ": cpu" cpu " offline but ran probes"
            }
            if (kp < 1) print $1 " " $2 ": no kprobe hit"
         }
         END { if (n != 8) print n " checked phases, expected 8" }' "$c/hotplug.out" >>"$work/errors"
    summary=$(grep '^printed ' "$c/hotplug.out")
    [[ -n $summary ]] || err "no summary line: $(tail -c 300 "$c/hotplug.out")"
    for f in ticks kps downs; do
        declare "$f=$(sed -n "s/.* $f=\([0-9]*\).*/\1/p" <<<"$summary")"
    done
    [[ $summary == *" misplaced=0 bad=0" ]] || err "$summary"
    awk -v ticks="$ticks" -v kps="$kps" -v downs="$downs" '
        $1 == "tick" || $1 == "kp" {
            split($2, a, "="); split($3, b, "="); k = $1 " " a[2]
            if (b[2] != last[k] + 1) print $0 " after n=" last[k]
            last[k] = b[2]; n[$1]++
        }
        $1 == "down" { n["down"]++ }
        END {
            if (n["tick"] != ticks || n["kp"] != kps || n["down"] != downs)
                print "lines: " n["tick"] " tick, " n["kp"] " kp, " n["down"] " down; printed " ticks ", " kps ", " downs
        }' "$c/hotplug.out" | head -n 5 >>"$work/errors"
    [[ $downs == "$(cat "$c/hotplug.downs")" ]] ||
        err "take_cpu_down ran $downs times for $(cat "$c/hotplug.downs") CPUs taken offline"
    [[ $(stat dropped hotplug) == 0 ]] || err "dropped=$(stat dropped hotplug)"
    [[ $(cat "$c/hotplug.online") == 0-3 ]] || err "online after the test: $(cat "$c/hotplug.online")"
    check "cpu-hotplug-$1"
    check_clean "kernel-log-cpus-$1" "$klog"
}

# check_clean NAME KLOG: after a boot's cases, no module is left loaded
# and the kernel log KLOG has no warning or oops.
check_clean() {
    [[ $(cat "$c/left" 2>/dev/null) == 0 ]] || err "modules left loaded"
    grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic|INFO: task' "$2" |
        tr -d '\r' | head -n 5 | sed 's/^/klog: /' >>"$work/errors"
    check "$1"
}

# boot_vm NAME REL RUN CPUS MODULES SCRIPT: one boot of release REL with
# CPUS CPUs, the loader RUN and MODULES, running the guest SCRIPT; sets d
# to the boot's folder and c to its split cases; false (after a FAIL
# line) when the boot itself failed.
boot_vm() {
    local name=$1 rel=$2 run=$3 cpus=$4 modules=$5 script=$6 rc=0
    d=$work/$name
    mkdir -p "$d"
    "$vm" -r "$rel" -c "$cpus" -t 300 --klog "$d/klog" \
        -f "$run:/bin/sonde-run" -f "$work/callloop:/bin/callloop" \
        $(for m in $modules; do echo "-f $work/$rel/$m/$m.ko"; done) \
        -- "$script" >"$d/stream" 2>"$d/vm.err" || rc=$?
    if ((rc != 0)); then
        fail "$name" "sonde-vm status $rc" "$(tail -n 5 "$d/vm.err")" \
            "$(grep -E 'BUG|Oops|panic' "$d/klog" | head -n 5)"
        return 1
    fi
    c=$d/cases
    split_cases "$d/stream" "$c"
}

# The second boot: 4 CPUs, some taken offline.
run_cpu_vm() {
    local rel=$1 series=$2 run=$3
    boot_vm "vm4-$series" "$rel" "$run" 4 "$cpu_modules" \
        "$(cpu_guest_script)" || return
    check_reent "$series"
    check_hotplug "$series" "$d/klog"
}

run_vm() {
    local rel=$1 series=$2 run=$3
    boot_vm "vm-$series" "$rel" "$run" 2 "$first_modules" \
        "$(guest_script)" || return
    check_data "$series"
    check_errors "$series"
    check_lock "$series"
    check_otf "$series" "$d/klog"
}

main() {
    local run rels rel series
    : >"$work/errors"
    run=$(loader)
    if [[ -z $run ]]; then
        fail loader-build "$(head -n 10 "$work/sonde-run.log")"
        return
    fi
    mapfile -t rels < <(cloud_series |
        awk -v s="${SONDE_RUNTIME_SERIES:-}" -F. 's == "" || $1 "." $2 == s')
    if ((${#rels[@]} == 0)) && [[ ${SONDE_RUNTIME_SERIES:-6.1} == 6.1 ]]; then
        fail build "no 6.1 cloud kernel with headers installed (./setup.sh installs it)"
        return
    elif ((${#rels[@]} == 0)); then
        skip build "no cloud kernel with headers installed"
        return
    fi
    for rel in "${rels[@]}"; do
        build_all "$rel" "$(echo "$rel" | cut -d. -f1,2)"
    done
    gcc -O2 -Wall -pthread -o "$work/callloop" "$src/testsuite/vm/progs/callloop.c" ||
        { fail callloop-build "cannot build callloop"; return; }
    for rel in "${rels[@]}"; do
        series=$(echo "$rel" | cut -d. -f1,2)
        if [[ -f $work/$rel/r_data/r_data.ko ]]; then
            [[ ${SONDE_RUNTIME_BOOTS:-12} == *1* ]] && run_vm "$rel" "$series" "$run"
            [[ ${SONDE_RUNTIME_BOOTS:-12} == *2* ]] && run_cpu_vm "$rel" "$series" "$run"
        else
            skip "vm-$series" "modules did not build"
        fi
    done
}

main
exit 0
