#!/bin/bash
# Test group: pass 5, the sonde-run loader and the kernel runtime
# (runtime/).  Hand-written modules in modules/ use the runtime; they are
# built with kbuild for each installed cloud kernel that has headers and
# run inside one VM boot per release (src/run/sonde-vm), which writes every
# case's stdout, stderr and status back in one stream.  Loader checks
# that need no kernel run on the host.
#
# Prints "PASS name" / "FAIL name" (details indented) / "SKIP name:
# reason"; always exits 0.
#
# Environment: SONDE_SRCDIR, SONDE_BUILDDIR (from make check);
# SONDE_RUN5_KEEP=1 keeps the work directory.
set -uo pipefail

src=${SONDE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SONDE_BUILDDIR:-$src}
here=$src/testsuite/run5
vm=$src/src/run/sonde-vm
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-run5.XXXXXX")
chmod 755 "$work"            # the not-root case reads a module in here
modules="t_hello t_order t_flood t_kprobe"
flood_records=20000
order_per_cpu=200

cleanup() { [[ ${SONDE_RUN5_KEEP:-0} == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT

group=run5
# shellcheck source=../lib/report.sh
. "$src/testsuite/lib/report.sh"
# shellcheck source=../lib/kernels.sh
. "$src/testsuite/lib/kernels.sh"

# ---------------------------------------------------------------- building

# Lay out module $2 for release $1 in its own subdirectory: kbuild
# compiles the runtime objects once per module, named after it.
stage_module() {
    local m=$2 d=$work/$1/$2 objs="transport.o lifecycle.o"
    [[ $m == t_kprobe ]] && objs+=" kprobe.o timer.o otf.o"
    mkdir -p "$d"
    cp "$src"/runtime/*.[ch] "$d/"
    cp "$here/modules/$m.c" "$d/${m}_main.c"
    printf 'obj-m := %s.o\n%s-y := %s_main.o %s\nccflags-y := -Werror\n' \
        "$m" "$m" "$m" "$objs" >"$d/Kbuild"
}

# Build every module for release $1 with one kbuild run; reports
# run5/build-SERIES.
build_all() {
    local rel=$1 series=$2 m
    for m in $modules; do
        stage_module "$rel" "$m"
    done
    echo "obj-m := $(printf '%s/ ' $modules)" >"$work/$rel/Kbuild"
    make -s -C "/lib/modules/$rel/build" M="$work/$rel" modules \
        >"$work/$rel/build.log" 2>&1 ||
        err "$(grep -v BTF "$work/$rel/build.log" | head -n 12)"
    for m in $modules; do
        [[ -f $work/$rel/$m/$m.ko ]] || err "$m.ko was not built"
    done
    check "build-$series"
}


# ---------------------------------------------------------------- host checks

# expect_host NAME STATUS 'MESSAGE-REGEX' COMMAND...: one-line error.
expect_host() {
    local name=$1 want=$2 msg=$3 rc=0
    shift 3
    "$@" >"$work/h.out" 2>"$work/h.err" || rc=$?
    ((rc == want)) || err "status $rc, expected $want"
    grep -Eq "$msg" "$work/h.err" || err "stderr: $(head -c 300 "$work/h.err")"
    check "$name"
}

host_checks() {
    local run=$1
    expect_host usage-no-module 1 '^sonde-run: error: no module given' "$run"
    expect_host usage-bad-T 1 "bad -T value 'x'" "$run" -T x m.ko
    expect_host usage-bad-param 1 "bad module parameter 'oops'" "$run" m.ko oops
    expect_host usage-S-without-o 1 '^sonde-run: error: -S needs -o$' "$run" -S 5 m.ko
    expect_host usage-bad-S 1 "bad -S value '5,x'" "$run" -S 5,x -o f m.ko
    expect_host usage-attach-module 1 'error: -A takes a module name' "$run" -A m m.ko
    expect_host usage-F-with-c 1 'error: -F and -c cannot be used together' "$run" -F -c true m.ko
    expect_host missing-file 1 '^sonde-run: error: no module file /nonexistent.ko$' \
        "$run" /nonexistent.ko
    expect_host not-a-module 1 'is not a kernel module' "$run" /bin/true
    if [[ $(id -u) == 0 && -f $2 ]] && command -v setpriv >/dev/null; then
        expect_host not-root 1 '^sonde-run: error: must be run as root' \
            setpriv --reuid=65534 --regid=65534 --clear-groups "$run" "$2"
    else
        skip not-root "needs root and setpriv to drop privileges"
    fi
}

# ---------------------------------------------------------------- guest

# The guest script: every case's output goes to /tmp/c/NAME.{out,err,rc},
# printed at the end between "@@@ FILE" markers.
guest_script() {
    cat <<'EOF'
mkdir -p /tmp/c
run() { n=$1; shift; "$@" >/tmp/c/$n.out 2>/tmp/c/$n.err; echo $? >/tmp/c/$n.rc; }
up() { cut -d' ' -f1 /proc/uptime; }
run hello sonde-run -D t_hello.ko 'greeting=big world'
run order sonde-run t_order.ko
sonde-run t_hello.ko ctx=1 >/tmp/c/context.out 2>/tmp/c/context.err & p=$!
wait $p; echo $? >/tmp/c/context.rc; echo $p >/tmp/c/context.pid
t0=$(up); run timeout sonde-run -D -T 2 t_hello.ko stay=1; t1=$(up)
echo "$t0 $t1" >/tmp/c/timeout.time
sonde-run -D t_hello.ko stay=1 >/tmp/c/sigint.out 2>/tmp/c/sigint.err & p=$!
sleep 2; kill -INT $p; wait $p; echo $? >/tmp/c/sigint.rc
sonde-run -D t_hello.ko stay=1 >/tmp/c/sigterm.out 2>/tmp/c/sigterm.err & p=$!
sleep 2; kill -TERM $p; wait $p; echo $? >/tmp/c/sigterm.rc
run command sonde-run -D -c 'echo cmd pid=$$; sleep 1' t_hello.ko stay=1
run outfile sonde-run -o /tmp/c/outfile.file t_hello.ko
run error sonde-run t_hello.ko fail=1
run overtime sonde-run t_hello.ko spin=1 sonde_maxaction=1000
run warn sonde-run t_hello.ko warn=1
run flood sonde-run -D t_flood.ko sonde_bufsize_kb=16
run cmdstatus sonde-run -c 'exit 3' t_hello.ko stay=1
run cmdsignal sonde-run -c 'kill -KILL $$' t_hello.ko stay=1
mkdir -p /tmp/s /tmp/s/std
run bulk sonde-run -b -o /tmp/c/bulk t_order.ko
(cd /tmp/s/std && sonde-run -b /root/t_order.ko >/dev/null 2>&1; ls >/tmp/c/bulkstd.ls)
run rotate sonde-run -S 64k,3 -o /tmp/s/rot t_flood.ko records=3000
ls /tmp/s >/tmp/c/rotate.ls
wc -c /tmp/s/rot.* >/tmp/c/rotate.sizes
cat /tmp/s/rot.* | cut -c1-12 >/tmp/c/rotate.lines
run flight sonde-run -F t_flood.ko records=3000 stay=1 sonde_bufsize_kb=64
ls /proc/sonde_t_flood >/tmp/c/flight.proc 2>&1
run attach sonde-run -D -A t_flood
grep -c '^t_flood' /proc/modules >/tmp/c/attach.left
run attachnone sonde-run -A t_nosuch
sonde-run -F -o /tmp/c/daemon.file t_hello.ko stay=1 >/tmp/c/daemon.out 2>/tmp/c/daemon.err
echo $? >/tmp/c/daemon.rc
ls /proc/sonde_t_hello >/tmp/c/daemon.proc 2>&1
kill -TERM "$(cat /tmp/c/daemon.out)"
i=0; while [ -e /proc/sonde_t_hello ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -c '^t_hello' /proc/modules >/tmp/c/daemon.left
run badvalue sonde-run t_hello.ko stay=maybe
run wrongkernel sonde-run other/t_hello.ko
insmod t_hello.ko; run loaded sonde-run t_hello.ko; rmmod t_hello
# Load/unload cycles while two threads hammer the probed system call
# and the module toggles conditional probes: some stop by time limit,
# some by a signal while starting (as soon as the module's files
# appear) or soon after.
(while [ ! -e /tmp/stop ]; do callloop 20000 2 >/dev/null; done) & load=$!
i=0
while [ $i -lt 6 ]; do
    sonde-run -D -T 1 t_kprobe.ko >>/tmp/c/stress.out 2>>/tmp/c/stress.err
    echo "cycle $i rc=$?" >>/tmp/c/stress.rcs
    sonde-run -D t_kprobe.ko >>/tmp/c/stress.out 2>>/tmp/c/stress.err & p=$!
    while [ ! -e /proc/sonde_t_kprobe/ctl ]; do :; done
    [ $((i % 2)) = 1 ] && sleep 0.5
    kill -TERM $p; wait $p
    echo "early $i rc=$?" >>/tmp/c/stress.rcs
    i=$((i + 1))
done
touch /tmp/stop; wait $load
grep -c '^t_\|^sonde' /proc/modules >/tmp/c/stress.left
echo 1 >/proc/sys/kernel/modules_disabled
run disabled sonde-run t_hello.ko
for f in /tmp/c/*; do echo "@@@ ${f#/tmp/c/}"; cat "$f"; done
EOF
}

# Split the guest's stream $1 into files under directory $2.
split_cases() {
    mkdir -p "$2"
    awk -v dir="$2" '/^@@@ /{f = dir "/" $2; printf "" > f; next} f {print > f}' "$1"
}

# ---------------------------------------------------------------- case checks

# expect_rc CASE STATUS
expect_rc() {
    local rc
    rc=$(cat "$c/$1.rc" 2>/dev/null)
    [[ $rc == "$2" ]] || err "status ${rc:-none}, expected $2; stderr: $(head -c 400 "$c/$1.err" 2>/dev/null)"
}
expect_out() { grep -Eq "$2" "$c/$1.out" || err "stdout lacks /$2/: $(head -c 300 "$c/$1.out")"; }
expect_err() { grep -Eq "$2" "$c/$1.err" || err "stderr lacks /$2/: $(head -c 400 "$c/$1.err")"; }
no_err() { ! grep -Eq "$2" "$c/$1.err" || err "stderr has /$2/: $(grep -E "$2" "$c/$1.err" | head -n 3)"; }

check_hello() {
    expect_rc hello 0
    [[ $(cat "$c/hello.out") == $'hello big world\nend reached' ]] ||
        err "stdout: $(head -c 300 "$c/hello.out")"
    check "hello-$1"
    expect_err hello 'stopping: the script asked to exit'
    expect_err hello 'stats: hits=2 dropped=0 errors=0'
    check "script-exit-$1"
}

# Lines of one invocation stay together; each CPU's come in order.
# Begin and end probes run in the loader's process.
check_context() {
    local pid
    expect_rc context 0
    pid=$(cat "$c/context.pid")
    expect_out context "^begin comm=sonde-run tgid=$pid\$"
    expect_out context "^end comm=sonde-run tgid=$pid\$"
    check "begin-end-in-loader-$1"
}

check_order() {
    local lines want
    expect_rc order 0
    no_err order 'out of order'
    lines=$(wc -l <"$c/order.out")
    want=$((3 * order_per_cpu * $2))
    ((lines == want)) || err "$lines lines, expected $want"
    awk '
        { split($1, a, "="); split($2, b, "="); cpu = a[2]; n = b[2]; part = $3 }
        NR % 3 == 1 { if (part != "part=a") bad = "line " NR ": " $0 " opens an invocation"
                      if (n != last[cpu] + 1) bad = "line " NR ": cpu " cpu " n=" n " after " last[cpu]
                      last[cpu] = n; cur = $1 " " $2 }
        NR % 3 != 1 { if ($1 " " $2 != cur) bad = "line " NR ": " $0 " interleaved into " cur }
        END { if (bad) print bad }' "$c/order.out" >>"$work/errors"
    check "ordered-output-$1"
}

check_stops() {
    local t0 t1
    expect_rc timeout 0
    expect_out timeout '^end reached$'
    expect_err timeout 'time limit'
    read -r t0 t1 <"$c/timeout.time"
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.8 && b - a < 8) }' ||
        err "took $t0..$t1 s for -T 2"
    check "stop-timeout-$1"
    for sig in sigint sigterm; do
        expect_rc "$sig" 0
        expect_out "$sig" '^end reached$'
        expect_err "$sig" 'stopping: (Interrupt|Terminated)'
        check "stop-$sig-$1"
    done
}

check_command() {
    local target pid
    expect_rc command 0
    target=$(sed -n 's/^target=//p' "$c/command.out")
    pid=$(sed -n 's/^cmd pid=//p' "$c/command.out")
    [[ -n $target && $target == "$pid" ]] || err "target ${target:-none}, command pid ${pid:-none}"
    expect_err command 'stopping: the command ended'
    expect_out command '^end reached$'
    check "command-$1"
    expect_rc outfile 0
    grep -q '^hello world$' "$c/outfile.file" 2>/dev/null || err "output file: $(head -c 200 "$c/outfile.file" 2>/dev/null)"
    [[ ! -s $c/outfile.out ]] || err "stdout not empty with -o"
    check "output-file-$1"
}

check_messages() {
    expect_rc error 1
    expect_err error '^ERROR: probe begin: deliberate failure$'
    # Errors ended the session: error probes run in place of end probes.
    ! grep -q '^end reached$' "$c/error.out" || err "end probes ran after an error ending"
    check "script-error-$1"
    expect_rc overtime 1
    expect_err overtime '^ERROR: probe begin: more than 1000 actions \(overtime\)$'
    expect_err overtime '1 probe invocations stopped for running too long'
    check "overtime-$1"
    expect_rc warn 0
    expect_err warn '^WARNING: probe begin: deliberate warning$'
    check "script-warning-$1"
}

# -c: the command's failure is a warning; the status stays the loader's.
check_command_status() {
    expect_rc cmdstatus 0
    expect_err cmdstatus '^WARNING: the command exited with status 3$'
    check "command-status-$1"
    expect_rc cmdsignal 0
    expect_err cmdsignal '^WARNING: the command was killed by signal 9 '
    check "command-signal-$1"
}

# -b: a file per CPU, each with that CPU's lines in order.
check_bulk() {
    local cpu f
    expect_rc bulk 0
    [[ ! -s $c/bulk.out ]] || err "stdout not empty with -b -o"
    for ((cpu = 0; cpu < $2; cpu++)); do
        f=$c/bulk_$cpu
        [[ -f $f ]] || { err "no file bulk_$cpu"; continue; }
        awk -v cpu="$cpu" -v want=$((3 * order_per_cpu)) '
            { split($1, a, "="); split($2, b, "=")
              if (a[2] != cpu) bad = "line " NR ": " $0 " in the file of cpu " cpu
              if (b[2] < last) bad = "line " NR ": " $0 " after n=" last
              last = b[2] }
            END { if (NR != want) bad = NR " lines, expected " want; if (bad) print bad }' \
            "$f" >>"$work/errors"
    done
    [[ $(cat "$c/bulkstd.ls" 2>/dev/null | paste -sd' ') == "$(seq -f 'stpd_cpu%g' 0 $(($2 - 1)) | paste -sd' ')" ]] ||
        err "files without -o: $(paste -sd' ' "$c/bulkstd.ls" 2>/dev/null)"
    check "bulk-files-$1"
}

# -S 64k,3: 3000 records of 94 bytes fill files of at most 64 KB; the
# last three are kept and hold consecutive records up to the last.
check_rotate() {
    expect_rc rotate 0
    [[ $(paste -sd' ' "$c/rotate.ls") == "rot.2 rot.3 rot.4 std" ]] ||
        err "files: $(paste -sd' ' "$c/rotate.ls")"
    awk '$2 != "total" && $1 > 65536 { print "file " $2 " has " $1 " bytes" }' \
        "$c/rotate.sizes" >>"$work/errors"
    awk '{ n = $2 + 0; if (NR > 1 && n != last + 1) bad = "record " n " after " last; last = n }
         END { if (last != 2999) bad = bad " last record " last; if (bad) print bad }' \
        "$c/rotate.lines" >>"$work/errors"
    check "output-file-switch-$1"
}

# -F detaches from a running session; -A stops it and prints the newest
# records the recorder kept, in order, then unloads it.
check_flight() {
    local n
    expect_rc flight 0
    expect_err flight "t_flood runs in flight recorder mode; 'sonde-run -A t_flood'"
    grep -q '^ctl$' "$c/flight.proc" || err "module not running after -F: $(head -c 200 "$c/flight.proc")"
    expect_rc attach 0
    n=$(grep -c '^flood ' "$c/attach.out")
    ((n > 50 && n < 3000)) || err "$n records kept, expected some but not all"
    grep '^flood ' "$c/attach.out" | awk '{ n = $2 + 0; if (NR > 1 && n != last + 1) bad = "record " n " after " last; last = n }
         END { if (last != 2999) bad = bad " last record " last; if (bad) print bad }' >>"$work/errors"
    no_err attach 'records dropped|out of order|ERROR|error:'
    [[ $(cat "$c/attach.left") == 0 ]] || err "module left loaded after -A"
    check "flight-recorder-$1"
    expect_rc attachnone 1
    expect_err attachnone '^sonde-run: error: no session t_nosuch is loaded'
    check "attach-missing-$1"
    expect_rc daemon 0
    [[ $(cat "$c/daemon.out") =~ ^[0-9]+$ ]] || err "stdout: $(head -c 200 "$c/daemon.out")"
    grep -q '^ctl$' "$c/daemon.proc" || err "module not running after -F -o"
    [[ $(cat "$c/daemon.left") == 0 ]] || err "module left loaded after SIGTERM"
    [[ $(cat "$c/daemon.file" 2>/dev/null) == $'hello world\nend reached' ]] ||
        err "output file: $(head -c 200 "$c/daemon.file" 2>/dev/null)"
    check "flight-daemon-$1"
}

check_flood() {
    local lines dropped
    expect_rc flood 0
    lines=$(grep -c '^flood ' "$c/flood.out")
    dropped=$(sed -n 's/.*stats: hits=[0-9]* dropped=\([0-9]*\).*/\1/p' "$c/flood.err")
    ((${dropped:-0} > 0)) || err "dropped=${dropped:-none}, expected > 0"
    ((lines + ${dropped:-0} == flood_records)) ||
        err "$lines lines + ${dropped:-?} dropped != $flood_records"
    expect_err flood "WARNING: ${dropped:-x} output records dropped"
    check "flood-drops-$1"
}

check_load_errors() {
    expect_rc badvalue 1
    expect_err badvalue 'invalid argument, such as a bad module parameter'
    check "bad-parameter-$1"
    expect_rc wrongkernel 1
    expect_err wrongkernel 'invalid module format; was it built for another kernel\?'
    check "wrong-kernel-$1"
    expect_rc loaded 1
    expect_err loaded 'a module named t_hello is already loaded'
    check "already-loaded-$1"
    expect_rc disabled 1
    expect_err disabled 'module loading is disabled'
    check "modules-disabled-$1"
}

# Runs also see hits while starting or stopping (the load never
# pauses), which return at once and are counted as outside: most runs
# count thousands, but a quick stop can leave few (3 were seen), so
# 9 of 12 must count some.  The conditional probes flipped meanwhile.
check_stress() {
    local klog=$2 runs stats outside flips
    runs=$(grep -c 'rc=0$' "$c/stress.rcs" 2>/dev/null)
    ((${runs:-0} == 12)) || err "runs: $(paste -sd' ' "$c/stress.rcs" 2>/dev/null)"
    stats=$(grep -c 'stats: hits=[1-9]' "$c/stress.err")
    ((stats >= 6)) || err "$stats runs reported counters with hits, expected >= 6"
    outside=$(grep -c 'event: stats .* outside=[1-9]' "$c/stress.err")
    ((outside >= 9)) || err "$outside runs counted hits outside the running session, expected >= 9"
    flips=$(awk -F= '/^flips=/ { n += $2 } END { print n + 0 }' "$c/stress.out")
    ((flips > 0)) || err "the conditional probes never flipped"
    [[ $(cat "$c/stress.left") == 0 ]] || err "modules left loaded"
    no_err stress 'out of order|error:|ERROR'
    grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic|INFO: task' "$klog" |
        tr -d '\r' | head -n 5 | sed 's/^/klog: /' >>"$work/errors"
    check "kprobe-stress-$1"
}

# ---------------------------------------------------------------- main

# Run the whole batch for release $1 (series $2) in one VM boot.
run_vm() {
    local rel=$1 series=$2 other=$3 run=$4 d=$work/vm-$series rc=0 cpus=2
    mkdir -p "$d"
    "$vm" -r "$rel" -c "$cpus" -t 400 --klog "$d/klog" \
        -f "$run:/bin/sonde-run" -f "$work/callloop:/bin/callloop" \
        $(for m in $modules; do echo "-f $work/$rel/$m/$m.ko"; done) \
        -f "$work/$other/t_hello/t_hello.ko:/root/other/t_hello.ko" \
        -- "$(guest_script)" >"$d/stream" 2>"$d/vm.err" || rc=$?
    if ((rc != 0)); then
        fail "vm-$series" "sonde-vm status $rc" "$(tail -n 5 "$d/vm.err")" \
            "$(grep -E 'BUG|Oops|panic' "$d/klog" | head -n 5)"
        return
    fi
    c=$d/cases
    split_cases "$d/stream" "$c"
    check_hello "$series"
    check_context "$series"
    check_order "$series" "$cpus"
    check_stops "$series"
    check_command "$series"
    check_messages "$series"
    check_flood "$series"
    check_command_status "$series"
    check_bulk "$series" "$cpus"
    check_rotate "$series"
    check_flight "$series"
    check_load_errors "$series"
    check_stress "$series" "$d/klog"
}

main() {
    local run rels rel series other
    : >"$work/errors"
    run=$(loader)
    if [[ -z $run ]]; then
        fail loader-build "$(head -n 10 "$work/sonde-run.log")"
        return
    fi
    mapfile -t rels < <(cloud_series)
    for rel in "${rels[@]}"; do
        series=$(echo "$rel" | cut -d. -f1,2)
        build_all "$rel" "$series"
    done
    host_checks "$run" "$work/${rels[0]:-none}/t_hello/t_hello.ko"
    if ((${#rels[@]} == 0)); then
        skip vm "no cloud kernel with headers installed"
        return
    fi
    gcc -O2 -Wall -pthread -o "$work/callloop" "$src/testsuite/vm/progs/callloop.c" ||
        { fail callloop-build "cannot build callloop"; return; }
    for rel in "${rels[@]}"; do
        series=$(echo "$rel" | cut -d. -f1,2)
        other=$(printf '%s\n' "${rels[@]}" | grep -vxF "$rel" | head -n1)
        if [[ ! -f $work/$rel/t_hello/t_hello.ko ]]; then
            skip "vm-$series" "modules did not build"
        elif [[ -z $other || ! -f $work/$other/t_hello/t_hello.ko ]]; then
            skip "vm-$series" "needs a second kernel release for the wrong-kernel case"
        else
            run_vm "$rel" "$series" "$other" "$run"
        fi
    done
}

main
exit 0
