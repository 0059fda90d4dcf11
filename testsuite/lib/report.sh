# report.sh - shared by the test groups that run modules in the VM.
# Source it after setting `group` (the name prefix), `work` (a scratch
# directory), `src` and `build`.  Checks append problems to
# $work/errors with err; check NAME turns them into one PASS or FAIL.

pass() { echo "PASS $group/$1"; }
skip() { echo "SKIP $group/$1: $2"; }
fail() {
    local name=$1
    shift
    echo "FAIL $group/$name"
    printf '%s\n' "$@" | head -n 20 | sed 's/^/  /'
}

# check NAME: PASS when $work/errors is empty, else FAIL with its lines.
check() {
    if [[ -s $work/errors ]]; then
        fail "$1" "$(cat "$work/errors")"
    else
        pass "$1"
    fi
    : >"$work/errors"
}
err() { echo "$*" >>"$work/errors"; }

# The loader: the build tree's, else compiled here.
loader() {
    if [[ -x $build/src/sonde-run ]]; then
        echo "$build/src/sonde-run"
    elif gcc -Wall -Wextra -O2 -I"$src" -o "$work/sonde-run" \
        "$src/src/loader/sonde-run.c" >"$work/sonde-run.log" 2>&1; then
        echo "$work/sonde-run"
    fi
}
