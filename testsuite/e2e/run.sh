#!/bin/bash
# End-to-end: scripts built by sonde (passes 1-4) and run by sonde-run
# inside one VM boot per cloud kernel series (src/run/sonde-vm).
#   cases/NAME.stp     the script
#   cases/NAME.out     its exact expected stdout
#   cases/NAME.rc      expected exit status (default 0)
#   cases/NAME.err     extended regexps, one a line, stderr must match
#   cases/NAME.cmd     a -c command (callloop is /bin/callloop)
# Then vmcmd.sh runs `sonde --vm -c` itself, a boot per case, on the
# newest kernel (of SONDE_E2E_SERIES when set).
#   cases/NAME.opts    extra sonde options (pass 1-4, e.g. -D ...)
#   cases/NAME.run     extra sonde-run options (e.g. -s 1)
# Without NAME.out, stdout is not compared.
# Prints PASS/FAIL/SKIP lines; always exits 0.  SONDE_E2E_SERIES limits
# the run to one series (e.g. 6.1).
set -u
sonde=${SONDE:-$SONDE_BUILDDIR/src/sonde}
here=$SONDE_SRCDIR/testsuite/e2e
vm=$SONDE_SRCDIR/src/run/sonde-vm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SONDE_TAPSET_DIR=$SONDE_SRCDIR/tapsets

fail() { echo "FAIL e2e/$1"; shift; for l in "$@"; do echo "  $l"; done; }

# shellcheck source=../lib/kernels.sh
. "$SONDE_SRCDIR/testsuite/lib/kernels.sh"

# Builds every case for release $1 into $2; writes the guest script.
build_cases() {
	local rel=$1 dir=$2 f name ko cmd opts run
	mkdir -p "$dir"
	: >"$dir/guest.sh"
	echo 'mkdir -p /tmp/c' >>"$dir/guest.sh"
	for f in "$here"/cases/*.stp; do
		name=$(basename "$f" .stp)
		opts=()
		[ -f "$here/cases/$name.opts" ] && read -r -a opts <"$here/cases/$name.opts"
		if ! ko=$(cd "$here/cases" && "$sonde" -w -p4 -r "$rel" -m "e2e_$name" \
			"${opts[@]}" "$name.stp" 2>"$dir/$name.builderr"); then
			echo "$name" >>"$dir/unbuilt"
			continue
		fi
		cp "$ko" "$dir/e2e_$name.ko"
		cmd=""
		[ -f "$here/cases/$name.cmd" ] &&
			cmd="-c '$(sed "s/'/'\\\\''/g" "$here/cases/$name.cmd")'"
		run=""
		[ -f "$here/cases/$name.run" ] && run=$(cat "$here/cases/$name.run")
		# A stuck case fails alone (status 143) instead of the whole boot.
		echo "timeout 120 sonde-run $run $cmd e2e_$name.ko >/tmp/c/$name.out 2>/tmp/c/$name.err; echo \$? >/tmp/c/$name.rc" \
			>>"$dir/guest.sh"
	done
	# Only the head of a large file comes back: the serial port carries a
	# few tens of KB/s under emulation, and a flood case's megabytes of
	# stdout would hold the boot for minutes.  No expected output is
	# near this size.
	cat >>"$dir/guest.sh" <<-'EOF'
	for f in /tmp/c/*; do
		echo "@@@ ${f#/tmp/c/}"
		if [ "$(wc -c <"$f")" -le 65536 ]; then cat "$f"; else head -c 65536 "$f"; echo; fi
	done
	EOF
}

check_case() { # NAME SERIES DIR
	local name=$1 ser=$2 c=$3/cases rc want=0 bad=()
	[ -f "$here/cases/$name.rc" ] && want=$(cat "$here/cases/$name.rc")
	rc=$(cat "$c/$name.rc" 2>/dev/null)
	[[ $rc == "$want" ]] || bad+=("status ${rc:-none}, expected $want: $(head -c 300 "$c/$name.err" 2>/dev/null)")
	if [ -f "$here/cases/$name.out" ]; then
		diff -u "$here/cases/$name.out" "$c/$name.out" >"$tmp/diff" 2>&1 ||
			bad+=("stdout differs:" "$(head -20 "$tmp/diff")")
	fi
	if [ -f "$here/cases/$name.err" ]; then
		while IFS= read -r re; do
			grep -Eq -- "$re" "$c/$name.err" 2>/dev/null || bad+=("stderr lacks /$re/")
		done <"$here/cases/$name.err"
	fi
	if ((${#bad[@]})); then fail "$name-$ser" "${bad[@]}"; else echo "PASS e2e/$name-$ser"; fi
}

run_series() { # RELEASE SERIES
	local rel=$1 ser=$2 dir=$tmp/$2 f name
	build_cases "$rel" "$dir"
	if [ -f "$dir/unbuilt" ]; then
		for name in $(cat "$dir/unbuilt"); do
			# ./setup.sh installs the 6.1 symbols; the others are optional
			if [[ $ser != 6.1 ]] && grep -q 'no symbol table for kernel' "$dir/$name.builderr"; then
				echo "SKIP e2e/$name-$ser: no symbol table for $rel on this host"
			else
				fail "$name-$ser" "build failed:" "$(head -10 "$dir/$name.builderr")"
			fi
		done
	fi
	local files=()
	for f in "$dir"/*.ko; do files+=(-f "$f"); done
	"$vm" -r "$rel" -t 900 --klog "$dir/klog" -f "$SONDE_BUILDDIR/src/sonde-run:/bin/sonde-run" \
		-f "$tmp/callloop:/bin/callloop" "${files[@]}" -- "$(cat "$dir/guest.sh")" \
		>"$dir/stream" 2>"$dir/vm.err"
	local st=$?
	if ((st != 0)); then
		fail "vm-$ser" "sonde-vm status $st" "$(tail -5 "$dir/vm.err")"
		return
	fi
	awk -v d="$dir/cases" 'BEGIN{system("mkdir -p " d)} /^@@@ /{f = d "/" $2; printf "" > f; next} f {print > f}' "$dir/stream"
	for f in "$here"/cases/*.stp; do
		name=$(basename "$f" .stp)
		grep -qx "$name" "$dir/unbuilt" 2>/dev/null || check_case "$name" "$ser" "$dir"
	done
	if grep -Eq 'BUG:|Oops|Call Trace|WARNING:' "$dir/klog"; then
		fail "klog-$ser" "$(grep -E 'BUG:|Oops|Call Trace|WARNING:' "$dir/klog" | head -5)"
	else
		echo "PASS e2e/klog-$ser"
	fi
}

mapfile -t rels < <(cloud_series)
if ((${#rels[@]} == 0)); then
	fail all "no cloud kernel with headers installed (./setup.sh installs linux-image-cloud-amd64 and linux-headers-cloud-amd64)"
	exit 0
fi
gcc -O2 -Wall -pthread -o "$tmp/callloop" "$SONDE_SRCDIR/testsuite/vm/progs/callloop.c" ||
	{ fail callloop "cannot build callloop"; exit 0; }
for rel in "${rels[@]}"; do
	ser=$(echo "$rel" | cut -d. -f1,2)
	[[ -n ${SONDE_E2E_SERIES:-} && $ser != "$SONDE_E2E_SERIES" ]] && continue
	run_series "$rel" "$ser"
done
# shellcheck source=vmcmd.sh
. "$here/vmcmd.sh"
exit 0
