#!/bin/bash
# Command-line tests: every option is accepted with good values, and bad
# ones get a one-line error naming the option, the usage line, status 1.
set -u
sonde=$SONDE_BUILDDIR/src/sonde
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'probe begin { print("hi\n") }' >"$tmp/ok.stp"

# expect_ok NAME ARGS... : status 0
expect_ok() {
	local name=$1; shift
	if "$sonde" "$@" >"$tmp/out" 2>"$tmp/err"; then
		echo "PASS cli/$name"
	else
		echo "FAIL cli/$name"; sed 's/^/  /' "$tmp/err" | head -5
	fi
}

# expect_bad NAME 'MESSAGE' ARGS... : status 1, first line names the problem,
# second line is the usage line, nothing else.
expect_bad() {
	local name=$1 msg=$2; shift 2
	"$sonde" "$@" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [ $st -eq 1 ] && [ "$(sed -n 1p "$tmp/err")" = "sonde: error: $msg" ] &&
	   sed -n 2p "$tmp/err" | grep -q '^Usage: sonde' && [ "$(wc -l <"$tmp/err")" -eq 2 ]; then
		echo "PASS cli/$name"
	else
		echo "FAIL cli/$name"
		echo "  status $st, expected 1 and 'sonde: error: $msg' then the usage line; got:"
		sed 's/^/  | /' "$tmp/err" | head -5
	fi
}

expect_ok help --help
grep -q -- '--dump-probe-aliases' "$tmp/out" && echo "PASS cli/help-lists-options" || echo "FAIL cli/help-lists-options"
for opt in -e -E -p -v --vp -w -W -u -I -D -B -r -a -R -m -k -g -o -c -x -s -b -F -S -T -G -l -L -t -V \
	   --dump-probe-types --dump-functions --dump-probe-aliases --disable-cache --color; do
	"$sonde" --help | grep -q -- "^ *$opt[ ,=[]" && echo "PASS cli/help-describes$opt" ||
		{ echo "FAIL cli/help-describes$opt"; echo "  --help does not describe $opt"; }
done
# -V and --version: the first line names the program and the version
# configure.ac gave this build (read from its config.h).
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$SONDE_BUILDDIR/config.h")
for opt in -V --version; do
	expect_ok "version$opt" "$opt"
	first=$(head -1 "$tmp/out")
	if [[ -n $version && $first == "sonde $version:"* ]]; then
		echo "PASS cli/version-text$opt"
	else
		echo "FAIL cli/version-text$opt"
		echo "  expected 'sonde $version: ...' as the first line; got '$first'"
	fi
done

# Every option with a valid value gets through option parsing to pass 1.
expect_ok all-options -p1 -v -v --vp 10000 -w -u -I "$tmp" -D FOO -D BAR=2 -B CONFIG_X=y \
	-r 6.1.0-test -a x86_64 -R "$tmp" -m my_mod -k -g -o "$tmp/o" -c true -x 1 -s 4 -b -F \
	-S 10,3 -T 5 -G g=1 -t --disable-cache --color=never "$tmp/ok.stp" arg1 arg2
expect_ok W-flag -p1 -W "$tmp/ok.stp"
expect_ok dash-e -p1 -e 'probe begin {}'
expect_ok dash-E -p1 -e 'probe begin {}' -E 'probe end {}'
expect_ok stdin -p1 - <"$tmp/ok.stp"
expect_ok r-dir -p1 -r /lib/modules/x/build "$tmp/ok.stp"
expect_ok color-bare -p1 --color "$tmp/ok.stp"
expect_ok after-script -p1 "$tmp/ok.stp" -v

# -c: quotes must be closed and the command not empty (the loader
# splits it into words, or runs it with /bin/sh -c; see unit/cmdwords).
expect_ok c-quoted -p1 -c '/bin/sh -c "echo a"' "$tmp/ok.stp"
expect_ok c-shell -p1 -c 'cat /proc/version | wc -l; echo $HOME' "$tmp/ok.stp"
expect_ok c-escaped-quote -p1 -c "echo it\\'s" "$tmp/ok.stp"
expect_bad c-unterminated-single "-c: unterminated single quote ('): close it with another '" \
	-p1 -c "echo 'a" "$tmp/ok.stp"
expect_bad c-unterminated-double '-c: unterminated double quote ("): close it with another "' \
	-p1 -c 'sh -c "echo a' "$tmp/ok.stp"
expect_bad c-empty "-c: the command is empty: name a program to run" -p1 -c ' ' "$tmp/ok.stp"

expect_bad unknown-short "unknown option '-Z'" -Z "$tmp/ok.stp"
expect_bad unknown-long "unknown option '--frobnicate'" --frobnicate "$tmp/ok.stp"
expect_bad unknown-long-eq "unknown option '--frob'" --frob=3 "$tmp/ok.stp"
expect_bad missing-arg "option '-p' needs an argument" "$tmp/ok.stp" -p
expect_bad missing-arg-long "option '--vp' needs an argument" "$tmp/ok.stp" --vp
expect_bad p-range "-p wants a pass number from 1 to 5, not '6'" -p 6 "$tmp/ok.stp"
expect_bad p-text "-p wants a pass number from 1 to 5, not 'x'" -px "$tmp/ok.stp"
expect_bad vp-bad "--vp wants 1 to 5 digits, one per pass, not '1a'" --vp 1a "$tmp/ok.stp"
expect_bad vp-long "--vp wants 1 to 5 digits, one per pass, not '123456'" --vp 123456 "$tmp/ok.stp"
expect_bad s-bad "-s wants a buffer size from 1 to 4095 MB, not '0'" -s 0 "$tmp/ok.stp"
expect_bad T-bad "-T wants a number of seconds, not '5s'" -T 5s "$tmp/ok.stp"
expect_bad x-bad "-x wants a process id, not 'abc'" -x abc "$tmp/ok.stp"
expect_bad S-bad "-S wants SIZE[,N] in megabytes, not '10,'" -S 10, "$tmp/ok.stp"
expect_bad D-bad "-D wants NAME or NAME=VALUE, not '=1'" -D =1 "$tmp/ok.stp"
expect_bad B-bad "-B wants NAME=VALUE, not 'FOO'" -B FOO "$tmp/ok.stp"
expect_bad G-bad "-G wants VAR=VALUE, not '9x=1'" -G 9x=1 "$tmp/ok.stp"
expect_bad m-bad "-m wants a module name of letters, digits and '_' (at most 55), not 'a-b'" -m a-b "$tmp/ok.stp"
expect_bad color-bad "--color wants always, never or auto, not 'pink'" --color=pink "$tmp/ok.stp"
expect_bad no-script "no script given" -p1
expect_bad two-e "-e given twice; use -E for more scripts" -e 'probe begin{}' -e 'probe end{}'
expect_bad E-alone "-E needs a main script from a file or -e" -p1 -E 'probe begin{}' -l 'begin'

# A missing script file is an error with the file named, status 1.
"$sonde" -p1 "$tmp/nope.stp" 2>"$tmp/err"; st=$?
if [ $st -eq 1 ] && grep -q "cannot read script '$tmp/nope.stp': No such file" "$tmp/err"; then
	echo "PASS cli/missing-file"
else
	echo "FAIL cli/missing-file"; sed 's/^/  /' "$tmp/err"
fi

# Script arguments reach the script.
out=$("$sonde" -p1 -e 'probe begin { print(@1, $2) }' hello 42 2>&1)
if grep -q '"hello"' <<<"$out" && grep -q '42' <<<"$out"; then
	echo "PASS cli/script-args"
else
	echo "FAIL cli/script-args"; sed 's/^/  /' <<<"$out"
fi

# Output-mode combinations the loader cannot honour are refused before
# any pass runs.
refuse() {
	local name=$1 msg=$2
	shift 2
	"$sonde" "$@" -e 'probe begin { exit() }' >"$tmp/out" 2>"$tmp/err"; st=$?
	if [ $st -eq 1 ] && grep -qxF "sonde: error: $msg" "$tmp/err"; then
		echo "PASS cli/refuse-$name"
	else
		echo "FAIL cli/refuse-$name"; echo "  status $st"; sed 's/^/  | /' "$tmp/err"
	fi
}
refuse S-without-o "option -S needs -o" -S 5
refuse F-with-c "options -F and -c cannot be used together" -F -c true
for opt in -b -F "-S 5"; do
	o=${opt%% *}
	# shellcheck disable=SC2086
	refuse "vm$o" "option $o does not work with --vm: the VM's files and sessions end with the run; stop earlier with -p4 and run the module with sonde-run" \
		--vm $opt -o "$tmp/o"
done

# A target kernel this machine has nothing of: every pass that needs it
# (pass 1's kernel_v, kernel_vr and CONFIG_ conditions, pass 2's symbol
# table, pass 4's build tree) says so in one line naming the packages,
# status 1, nothing else on stdout or stderr.  A script that needs
# nothing of the kernel still passes -p1.
no_rel=0.0.0-no-such-release
no_rel_msg="sonde: error: kernel release '$no_rel' is not installed: install linux-headers-$no_rel (build tree and configuration) and linux-image-$no_rel-dbg (symbol table), or give -r one of the releases in /lib/modules"
expect_one_error() { # NAME MESSAGE ARGS...: status 1, MESSAGE alone
	local name=$1 msg=$2; shift 2
	(cd "$tmp" && "$sonde" "$@") >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [ $st -eq 1 ] && [ "$(cat "$tmp/err")" = "$msg" ] && [ ! -s "$tmp/out" ]; then
		echo "PASS cli/$name"
	else
		echo "FAIL cli/$name"
		echo "  status $st, expected 1 and only '$msg'; got:"
		sed 's/^/  | /' "$tmp/err" "$tmp/out" | head -8
	fi
}
expect_one_error unknown-release-config "$no_rel_msg" -p1 -r "$no_rel" \
	-e '%( CONFIG_SMP == "y" %? probe begin {} %: probe end {} %)'
expect_one_error unknown-release-kernel-v "$no_rel_msg" -p1 -r "$no_rel" \
	-e '%( kernel_v >= "2.6" %? probe begin {} %) probe end { %( x %) }'
expect_one_error unknown-release-kernel-vr "$no_rel_msg" -p1 -r "$no_rel" \
	-e '%( kernel_vr == "*" %? probe begin {} %)'
expect_one_error unknown-release-p2-kprobe "$no_rel_msg" -p2 -r "$no_rel" \
	-e 'probe kprobe.function("vfs_read") {} probe nosuch {}'
expect_one_error unknown-release-p4 "$no_rel_msg" -p4 -r "$no_rel" -e 'probe begin {}'
expect_one_error unknown-release-listing "$no_rel_msg" -r "$no_rel" -l 'kprobe.function("vfs_read")'
expect_ok unknown-release-not-needed -p1 -r "$no_rel" -e 'probe begin { %( arch == "x86_64" %? println(1) %) }'
expect_ok unknown-release-not-needed-p2 -p2 -r "$no_rel" -e 'probe begin { println(1) }'
expect_one_error missing-build-dir \
	"sonde: error: -r $tmp/no/such/dir/: no such kernel build directory; give -r a kernel's build tree (with a '/') or an installed release" \
	-p1 -r "$tmp/no/such/dir/" -e '%( CONFIG_SMP == "y" %? probe begin {} %)'
# A build tree without a .config: the condition is an error at the
# option, not an option read as unset.
mkdir -p "$tmp/tree"
"$sonde" -p1 -r "$tmp/tree" -e '%( CONFIG_SMP != "y" %? probe begin {} %)' >"$tmp/out" 2>"$tmp/err"; st=$?
if [ $st -eq 1 ] && grep -qF "<input>:1:4: error: no .config in kernel build tree $tmp/tree to read CONFIG_SMP from" "$tmp/err" &&
   [ ! -s "$tmp/out" ]; then
	echo "PASS cli/build-dir-without-config"
else
	echo "FAIL cli/build-dir-without-config"; echo "  status $st"; sed 's/^/  | /' "$tmp/err" | head -5
fi
