#!/bin/bash
# sonde --vm -c CMD end to end: the command's quoting through every
# layer (sonde, sonde-vm, the guest's /init, sonde-run), target(), a
# command that cannot start, and a VM that does not finish in time.
# One boot per case, on the newest cloud kernel only; every run is
# bounded by `timeout`, so a hang fails its case instead of the suite.
# Sourced by run.sh (uses its $sonde, $tmp, fail, cloud_releases).

vmcmd_script='probe begin { println("hi") }'

# vmcmd_run NAME LIMIT SONDE-ARGS...: run sonde --vm; sets vm_st, vm_secs.
vmcmd_run() {
	local name=$1 limit=$2 start=$SECONDS; shift 2
	timeout "$limit" "$sonde" --vm="$vmcmd_rel" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	vm_st=$?
	vm_secs=$((SECONDS - start))
}

# vmcmd_expect NAME STATUS WANT-STDOUT: compare status and stdout.
vmcmd_expect() {
	local name=$1 want_st=$2 want_out=$3
	if [[ $vm_st != "$want_st" ]]; then
		fail "$name" "status $vm_st, expected $want_st" "$(head -5 "$tmp/$name.err")"
	elif [[ $(cat "$tmp/$name.out") != "$want_out" ]]; then
		fail "$name" "stdout:" "$(head -5 "$tmp/$name.out")" "expected:" "$want_out"
	else
		echo "PASS e2e/$name"
	fi
}

vmcmd_rel=$(cloud_releases | grep -m1 "^${SONDE_E2E_SERIES:-}")

# A quoted command for /bin/sh: the host's /bin/sh goes in under
# /root/host, never over the guest's own (which /init runs on).
# Quotes of every kind nest through sonde, sonde-vm, /init and sonde-run.
vmcmd_run vm-cmd-quoted 300 -c '/bin/sh -c "echo \"a  b\" '"'c  d'"'"' -e "$vmcmd_script"
vmcmd_expect vm-cmd-quoted 0 $'hi\na  b c  d'

# A pipe into a quoted command.
vmcmd_run vm-cmd-pipe 300 -c 'echo abc | /bin/sh -c "cat; echo done"' -e "$vmcmd_script"
vmcmd_expect vm-cmd-pipe 0 $'hi\nabc\ndone'

# A plain command runs directly: target() is the program's own pid.
vmcmd_run vm-cmd-target 300 -c "/bin/sh -c 'echo \$\$'" \
	-e 'probe begin { printf("%d\n", target()) }'
if [[ $vm_st != 0 ]]; then
	fail vm-cmd-target "status $vm_st" "$(head -5 "$tmp/vm-cmd-target.err")"
elif [[ $(sed -n 1p "$tmp/vm-cmd-target.out") != "$(sed -n 2p "$tmp/vm-cmd-target.out")" ||
	$(wc -l <"$tmp/vm-cmd-target.out") != 2 ]]; then
	fail vm-cmd-target "target() and the command's pid differ:" "$(cat "$tmp/vm-cmd-target.out")"
else
	echo "PASS e2e/vm-cmd-target"
fi

# A program that does not exist: a message and a failed run, before
# the module is loaded (so no output).
vmcmd_run vm-cmd-missing 300 -c 'no-such-program arg' -e "$vmcmd_script"
if grep -q "cannot run the command: no program 'no-such-program' in PATH" "$tmp/vm-cmd-missing.err"; then
	vmcmd_expect vm-cmd-missing 1 ""
else
	fail vm-cmd-missing "status $vm_st; stderr lacks the message:" "$(head -5 "$tmp/vm-cmd-missing.err")"
fi

# A guest that does not finish: SONDE_VM_TIMEOUT bounds the VM, and the
# message says how to allow longer.
SONDE_VM_TIMEOUT=40 vmcmd_run vm-cmd-timeout 150 -c 'sleep 100000' -e "$vmcmd_script"
if [[ $vm_st == 1 ]] && ((vm_secs < 100)) &&
	grep -q 'did not finish within 40 s.*set SONDE_VM_TIMEOUT=SECONDS' "$tmp/vm-cmd-timeout.err"; then
	echo "PASS e2e/vm-cmd-timeout"
else
	fail vm-cmd-timeout "status $vm_st after ${vm_secs}s, expected 1 with the time-limit message:" \
		"$(head -5 "$tmp/vm-cmd-timeout.err")"
fi
