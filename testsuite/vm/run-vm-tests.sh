#!/bin/bash
# Test group: the VM target harness (src/run/sonde-vm) and the floor kprobe
# module.  Prints "PASS name" / "FAIL name" (details indented below) and
# "SKIP name: reason"; always exits 0, the top-level runner counts.
#
# Environment:
#   SONDE_VM       harness to test (default: ../../src/run/sonde-vm)
#   SONDE_VM_KEEP  keep the work directory when set to 1
#   SONDE_VM_TIMES print each test's duration on stderr when set to 1

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
vm=${SONDE_VM:-$top/src/run/sonde-vm}
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-vm-tests.XXXXXX")

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    if [[ ${SONDE_VM_KEEP:-0} != 1 ]]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- reporting

# Seconds since the previous report, on stderr when asked for.
last_report=$SECONDS
show_time() {
    [[ ${SONDE_VM_TIMES:-0} == 1 ]] && echo "  ($1: $((SECONDS - last_report))s)" >&2
    last_report=$SECONDS
}

pass() { echo "PASS $1"; show_time "$1"; }
skip() { echo "SKIP $1: $2"; }

# fail NAME DETAIL...: report a failure with indented detail lines.
fail() {
    local name=$1
    shift
    echo "FAIL $name"
    printf '%s\n' "$@" | sed 's/^/  /'
    show_time "$name"
}

# report NAME ERRORS-FILE: PASS if the file is empty, else FAIL with it.
report() {
    if [[ -s $2 ]]; then
        fail "$1" "$(head -n 20 "$2")"
    else
        pass "$1"
    fi
}

# ---------------------------------------------------------------- helpers

# Print the newest installed cloud release of series $1 (e.g. 6.1) that
# has both an image and headers.
release_of_series() {
    local img r
    for img in /boot/vmlinuz-"$1".*-cloud-amd64; do
        r=${img#/boot/vmlinuz-}
        if [[ -e $img && -d /lib/modules/$r/build ]]; then
            echo "$r"
        fi
    done | sort -rV | head -n1
}

# Append kernel-log problems found in $1 to errors file $2.
check_klog() {
    if [[ ! -s $1 ]]; then
        echo "kernel log $1 is empty" >>"$2"
        return
    fi
    grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic' "$1" |
        tr -d '\r' | head -n 5 | sed 's/^/klog: /' >>"$2"
}

# Build the floor module for release $1 into $work/floor-$1 (quietly).
build_floor() {
    local dir=$work/floor-$1
    mkdir -p "$dir"
    cp "$here/floor/floor_kprobe.c" "$here/floor/Kbuild" "$dir/"
    make -s -C "/lib/modules/$1/build" M="$dir" modules >"$dir/build.log" 2>&1
}

# Build the host test program (dynamically linked, uses pthreads).
build_callloop() {
    gcc -O2 -Wall -pthread -o "$work/callloop" "$here/progs/callloop.c" \
        >"$work/callloop.log" 2>&1
}

# Prefix each line read on stdin with seconds since the epoch.
timestamp_lines() {
    local line
    while IFS= read -r line; do
        echo "$(date +%s.%N) $line"
    done
}

# ---------------------------------------------------------------- tests

# (a) Boot, stream "hello" before the VM stops, keep stdout, stderr and
# the kernel log apart, propagate status 0.
test_boot_echo() {
    local name=$1 rel=$2 d=$work/a-$2 rc=0 t_hello t_end
    mkdir -p "$d"
    : >"$d/errors"
    "$vm" -r "$rel" --klog "$d/klog" -- \
        'echo hello; echo to-stderr >&2; sleep 2; echo bye' \
        2>"$d/stderr" | timestamp_lines >"$d/stdout"
    rc=${PIPESTATUS[0]}
    t_end=$(date +%s.%N)
    ((rc == 0)) || echo "exit status $rc, expected 0" >>"$d/errors"
    [[ $(cut -d' ' -f2- "$d/stdout" | paste -sd' ') == "hello bye" ]] ||
        echo "stdout was: $(cut -d' ' -f2- "$d/stdout" | paste -sd' ')" >>"$d/errors"
    t_hello=$(awk '$2 == "hello" {print $1}' "$d/stdout")
    awk -v a="${t_hello:-0}" -v b="$t_end" 'BEGIN { exit !(a > 0 && b - a >= 1.5) }' ||
        echo "output not streamed: hello at ${t_hello:-never}, end at $t_end" >>"$d/errors"
    grep -qx 'to-stderr' "$d/stderr" ||
        echo "stderr was: $(head -c 300 "$d/stderr")" >>"$d/errors"
    ! grep -q 'hello\|to-stderr' "$d/klog" 2>/dev/null ||
        echo "guest output leaked into the kernel log" >>"$d/errors"
    check_klog "$d/klog" "$d/errors"
    report "$name" "$d/errors"
}

# (b) A guest "exit 3" makes sonde-vm exit 3 (default release).
test_exit_status() {
    local rc=0
    "$vm" -- 'exit 3' >"$work/b.out" 2>&1 || rc=$?
    if ((rc == 3)); then
        pass vm-exit-status
    else
        fail vm-exit-status "exit status $rc, expected 3" "$(head -n 5 "$work/b.out")"
    fi
}

# (b2) --monitor serves qemu's monitor on a unix socket while the guest
# runs: it answers `info status` with the VM running.
test_monitor() {
    local d=$work/b2 rc=0
    mkdir -p "$d"
    : >"$d/errors"
    "$vm" --monitor "$d/mon.sock" -- 'sleep 6' >"$d/out" 2>&1 &
    local pid=$!
    python3 - "$d/mon.sock" >"$d/answer" 2>&1 <<'PY' || rc=$?
import socket, sys, time
path = sys.argv[1]
for _ in range(300):            # the socket appears once qemu runs
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("no monitor socket at " + path)
s.settimeout(10)
s.sendall(b"info status\n")
seen = b""
while b"VM status" not in seen or not seen.rstrip().endswith(b"(qemu)"):
    chunk = s.recv(4096)
    if not chunk:
        break
    seen += chunk
print(seen.decode(errors="replace"))
PY
    wait "$pid" || echo "sonde-vm exited with status $?" >>"$d/errors"
    ((rc == 0)) || echo "monitor client failed: $(tail -n 3 "$d/answer")" >>"$d/errors"
    grep -q 'VM status: running' "$d/answer" ||
        echo "answer to info status: $(tr -d '\r' <"$d/answer" | tail -n 3)" >>"$d/errors"
    report vm-monitor "$d/errors"
}

# (c) A hanging guest is killed at the timeout: status 124, no qemu left.
# (The guest may not even finish booting in 8 s on a loaded host; that
# is fine, the point is the kill.)
test_timeout() {
    local d=$work/c rc=0 start elapsed left
    mkdir -p "$d/tmp"
    start=$SECONDS
    TMPDIR=$d/tmp "$vm" -t 8 -- 'sleep 600' >"$d/out" 2>&1 || rc=$?
    elapsed=$((SECONDS - start))
    sleep 0.5
    left=$(pgrep -af "$d/tmp/sonde-vm" || true)
    : >"$d/errors"
    ((rc == 124)) || echo "exit status $rc, expected 124" >>"$d/errors"
    ((elapsed <= 25)) || echo "took ${elapsed}s for an 8s timeout" >>"$d/errors"
    [[ -z $left ]] || echo "processes left behind: $left" >>"$d/errors"
    grep -q 'timed out' "$d/out" || echo "output: $(head -c 300 "$d/out")" >>"$d/errors"
    [[ -z $(ls -A "$d/tmp") ]] || echo "temporary files left in $d/tmp" >>"$d/errors"
    report vm-timeout "$d/errors"
}

# (c2) A -f file may not replace the guest's own system (busybox, /init):
# refused at once with status 126.  A host /bin/sh is a link to a shell
# the guest lacks, and /init runs on the guest's /bin/sh.
test_guest_system_paths() {
    local d=$work/c2 rc dst
    mkdir -p "$d"
    : >"$d/errors"
    for dst in /bin/sh /usr/bin/sh /sbin/init /init /sonde/cmd /root/../bin/sh; do
        rc=0
        timeout 30 "$vm" -f "/bin/sh:$dst" -- true >"$d/out" 2>&1 || rc=$?
        ((rc == 126)) || echo "-f /bin/sh:$dst: exit status $rc, expected 126" >>"$d/errors"
        grep -q "cannot copy /bin/sh to $dst: the guest's own" "$d/out" ||
            echo "-f /bin/sh:$dst: output: $(head -c 300 "$d/out")" >>"$d/errors"
    done
    report vm-guest-system-paths "$d/errors"
}

# (c3) A symbolic link given to -f is followed: the host's /bin/sh (a
# link to dash) arrives as the shell itself, with its libraries.
test_file_symlink() {
    local d=$work/c3 rc=0
    mkdir -p "$d"
    : >"$d/errors"
    timeout 300 "$vm" -f /bin/sh:/root/host/bin/sh -- \
        '/root/host/bin/sh -c "echo via host sh"' >"$d/out" 2>&1 || rc=$?
    ((rc == 0)) || echo "exit status $rc, expected 0" >>"$d/errors"
    grep -qx 'via host sh' "$d/out" || echo "output: $(head -c 300 "$d/out")" >>"$d/errors"
    report vm-file-symlink "$d/errors"
}

# (d) The floor module loads, counts callloop's getppid calls and prints
# the count on unload, with a clean kernel log.
test_floor() {
    local name=$1 rel=$2 d=$work/d-$2 rc=0 n=20000 hits
    mkdir -p "$d"
    : >"$d/errors"
    if ! build_floor "$rel"; then
        fail "$name" "module build failed:" "$(tail -n 10 "$work/floor-$rel/build.log")"
        return
    fi
    "$vm" -r "$rel" --klog "$d/klog" \
        -f "$work/floor-$rel/floor_kprobe.ko" -f "$work/callloop:/bin/callloop" -- \
        "insmod floor_kprobe.ko && callloop $n && callloop $n 2 && rmmod floor_kprobe" \
        >"$d/out" 2>&1 || rc=$?
    ((rc == 0)) || echo "exit status $rc, expected 0" "$(head -n 5 "$d/out")" >>"$d/errors"
    hits=$(sed -n 's/.*floor_kprobe: .* hits=\([0-9]*\).*/\1/p' "$d/klog" | tail -n1)
    ((${hits:-0} >= 3 * n)) ||
        echo "hits=${hits:-none}, expected >= $((3 * n))" >>"$d/errors"
    check_klog "$d/klog" "$d/errors"
    report "$name" "$d/errors"
}

# Guest script for (e): two callloop threads keep both vCPUs busy in a
# loop while the module is loaded and unloaded repeatedly.
stress_script() {
    cat <<'EOF'
(while [ ! -e /tmp/stop ]; do callloop 5000 2 >/dev/null || exit 1; done) &
load=$!
i=0
while [ $i -lt 15 ]; do
    insmod floor_kprobe.ko || { echo "insmod $i failed"; exit 1; }
    sleep 0.1
    rmmod floor_kprobe || { echo "rmmod $i failed"; exit 1; }
    i=$((i + 1))
done
touch /tmp/stop
wait $load || { echo "callloop failed"; exit 1; }
echo "cycles=$i"
EOF
}

# (e) Stress: load/unload cycles under a multi-threaded syscall load.
test_floor_stress() {
    local name=$1 rel=$2 d=$work/e-$2 rc=0 cycles
    mkdir -p "$d"
    : >"$d/errors"
    [[ -f $work/floor-$rel/floor_kprobe.ko ]] || build_floor "$rel" || {
        fail "$name" "module build failed"
        return
    }
    "$vm" -r "$rel" -t 180 --klog "$d/klog" \
        -f "$work/floor-$rel/floor_kprobe.ko" -f "$work/callloop:/bin/callloop" -- \
        "$(stress_script)" >"$d/out" 2>&1 || rc=$?
    ((rc == 0)) || echo "exit status $rc, expected 0" "$(head -n 5 "$d/out")" >>"$d/errors"
    grep -qx 'cycles=15' "$d/out" || echo "output: $(head -c 300 "$d/out")" >>"$d/errors"
    cycles=$(grep -c 'floor_kprobe: .* hits=' "$d/klog" 2>/dev/null)
    ((${cycles:-0} == 15)) || echo "saw ${cycles:-0} unload messages, expected 15" >>"$d/errors"
    check_klog "$d/klog" "$d/errors"
    report "$name" "$d/errors"
}

# ---------------------------------------------------------------- main

# The tests run in two chains at once: each VM keeps one host CPU busy
# (single-threaded TCG), so two VMs use a two-CPU host fully.

# Chain one: everything on the 6.1 (Debian 12) cloud kernel.
chain_61() {
    local rel
    rel=$(release_of_series 6.1)
    if [[ -z $rel ]]; then
        fail vm-6.1 "no 6.1 cloud kernel image+headers (run ./setup.sh or testsuite/vm/setup.sh)"
        return
    fi
    test_boot_echo vm-boot-echo-6.1 "$rel"
    test_floor vm-floor-kprobe-6.1 "$rel"
    test_floor_stress vm-floor-stress-6.1 "$rel"
}

# Chain two: harness behaviour on the default kernel, then boot and floor
# on the 6.12 cloud kernel when it is installed.
chain_612() {
    local rel
    test_exit_status
    test_monitor
    test_timeout
    test_guest_system_paths
    test_file_symlink
    rel=$(release_of_series 6.12)
    if [[ -z $rel ]]; then
        skip vm-6.12 "no 6.12 cloud kernel image+headers (run testsuite/vm/setup.sh)"
        return
    fi
    test_boot_echo vm-boot-echo-6.12 "$rel"
    test_floor vm-floor-kprobe-6.12 "$rel"
}

main() {
    local chain
    if ! build_callloop; then
        fail vm-callloop-build "$(head -n 10 "$work/callloop.log")"
        return
    fi
    chain_61 >"$work/chain_61.out" 2>"$work/chain_61.err" &
    chain_612 >"$work/chain_612.out" 2>"$work/chain_612.err" &
    wait
    for chain in chain_61 chain_612; do
        cat "$work/$chain.out"
        cat "$work/$chain.err" >&2
    done
}

main
exit 0
