#!/bin/bash
# `make install` gives a sonde that works on its own:
#   files             every file under runtime/ and tapsets/ of the source
#                     tree is installed (a missing one is named), and so
#                     are the programs and man pages
#   version           the installed sonde -V names the configured version
#   p4-hello-SERIES   the installed sonde builds a hello script (begin,
#   p4-kprobe-SERIES  timer, tapset functions) and a kprobe script for
#                     each installed cloud kernel series
#   vm-hello          it runs hello in the VM with the installed sonde-vm
#                     and sonde-run
# The sonde under test is configured with --prefix in a scratch directory
# from a copy of the source tree, installed, and then the copy and its
# build tree are deleted, so the installed programs can only work from
# installed files.  Stand-ins for sonde-vm and sonde-run that fail are put
# first on PATH, so finding the helpers anywhere but beside the installed
# sonde fails too.
# Prints PASS/FAIL/SKIP lines; always exits 0.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src build=$tmp/build prefix=$tmp/prefix
jobs=$(nproc 2>/dev/null || echo 2)

fail() { echo "FAIL install/$1"; shift; printf "%s\n" "$@" | sed "s/^/  /"; }

# shellcheck source=../lib/kernels.sh
. "$SONDE_SRCDIR/testsuite/lib/kernels.sh"

# ------------------------------------------------------- build, install

# A copy of the source tree without the build tree, if it lies inside.
mkdir -p "$src" "$build"
excludes=(--exclude=./.git --exclude=./autom4te.cache)
srcdir=$(cd "$SONDE_SRCDIR" && pwd -P) builddir=$(cd "$SONDE_BUILDDIR" && pwd -P)
case $builddir/ in
"$srcdir"/*/) excludes+=(--exclude="./${builddir#"$srcdir"/}") ;;
esac
if [[ -f $SONDE_SRCDIR/config.status ]]; then
	echo "SKIP install: the source tree is configured in place; use an out-of-tree build"
	exit 0
fi
tar -C "$SONDE_SRCDIR" "${excludes[@]}" -cf - . | tar -C "$src" -xf -
chmod -R u+w "$src"

if ! (cd "$build" && "$src/configure" -q --prefix="$prefix" &&
	"${MAKE:-make}" -s -j"$jobs" && "${MAKE:-make}" -s install) >"$tmp/log" 2>&1; then
	fail make-install "$(tail -20 "$tmp/log")"
	exit 0
fi
echo "PASS install/make-install"
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$build/config.h")

# Every file of the runtime and tapset trees, at the same relative path.
missing=()
while IFS= read -r f; do
	[[ -f $prefix/share/sonde/$f ]] || missing+=("$f")
done < <(cd "$SONDE_SRCDIR" && find runtime tapsets -type f ! -name '.*' ! -name '*~' | sort)
for f in bin/sonde bin/sonde-run bin/sonde-vm share/man/man1/sonde.1 \
	share/man/man1/sonde-run.1 share/man/man7/sonde-tapsets.7; do
	[[ -f $prefix/$f ]] || missing+=("$f")
done
if ((${#missing[@]})); then
	fail files "${missing[@]/#/not installed: }"
else
	echo "PASS install/files"
fi

# While the copy is still there: with its own sonde-vm missing, the
# installed sonde must not fall back to the source tree's (made a marker
# here) but look on PATH (a decoy), as any installed program would.
mv "$prefix/bin/sonde-vm" "$tmp/sonde-vm.installed"
printf '#!/bin/sh\necho "the source tree'"'"'s sonde-vm was used" >&2\nexit 98\n' \
	>"$src/src/run/sonde-vm"
mkdir -p "$tmp/decoy-vm"
printf '#!/bin/sh\necho "sonde-vm from PATH" >&2\nexit 97\n' >"$tmp/decoy-vm/sonde-vm"
chmod +x "$src/src/run/sonde-vm" "$tmp/decoy-vm/sonde-vm"
echo 'probe begin { exit() }' >"$tmp/begin.stp"
PATH=$tmp/decoy-vm:$PATH XDG_CACHE_HOME=$tmp/cache "$prefix/bin/sonde" --vm "$tmp/begin.stp" \
	>"$tmp/out" 2>&1
if grep -q "sonde-vm from PATH" "$tmp/out"; then
	echo "PASS install/no-source-fallback"
else
	fail no-source-fallback "$(head -5 "$tmp/out")"
fi
mv "$tmp/sonde-vm.installed" "$prefix/bin/sonde-vm"

# Nothing left to point back at.
rm -rf "$src" "$build"

# ------------------------------------------------------ use it from afar

sonde=$prefix/bin/sonde
run=$tmp/run
mkdir -p "$run" "$tmp/decoys"
for tool in sonde-vm sonde-run; do
	printf '#!/bin/sh\necho "%s: the one on PATH was used" >&2\nexit 99\n' "$tool" \
		>"$tmp/decoys/$tool"
	chmod +x "$tmp/decoys/$tool"
done
export PATH=$tmp/decoys:$PATH XDG_CACHE_HOME=$tmp/cache
unset SONDE_TAPSET_DIR

if "$sonde" -V >"$tmp/out" 2>&1 && [[ -n $version ]] &&
	head -1 "$tmp/out" | grep -q "^sonde $version\b"; then
	echo "PASS install/version"
else
	fail version "configured: '$version'" "$(head -3 "$tmp/out")"
fi

cat >"$run/hello.stp" <<'EOF'
global ticks
probe begin { printf("hello from %s, pid %d\n", execname(), pid()) }
probe timer.ms(100) { if (++ticks == 3) exit() }
probe end { printf("%d ticks\n", ticks) }
EOF
cat >"$run/kprobe.stp" <<'EOF'
global reads
probe kprobe.function("vfs_read") { reads[execname()]++ }
probe timer.s(1) { foreach (n in reads- limit 3) printf("%s %d\n", n, reads[n]); exit() }
EOF

series=$(cloud_series)
if [[ -z $series ]]; then
	fail p4 "no cloud kernel with an image and headers installed (./setup.sh installs one)"
	exit 0
fi
for rel in $series; do
	ser=$(echo "$rel" | cut -d. -f1-2)
	for script in hello kprobe; do
		if (cd "$run" && "$sonde" -p4 -r "$rel" "$script.stp") >"$tmp/out" 2>"$tmp/err" &&
			[[ -f $(tail -1 "$tmp/out") ]]; then
			echo "PASS install/p4-$script-$ser"
		elif [[ $ser != 6.1 ]] && grep -q "no symbol table for kernel $rel" "$tmp/err"; then
			# setup.sh installs the 6.1 -dbg package; 6.12's is optional
			echo "SKIP install/p4-$script-$ser: no symbol table for the kernel (its -dbg package)"
		else
			fail "p4-$script-$ser" "$(head -15 "$tmp/err")"
		fi
	done
done

(cd "$run" && timeout 300 "$sonde" --vm hello.stp) >"$tmp/out" 2>"$tmp/err"
st=$?
if [[ $st -eq 0 ]] && grep -q '^hello from .*, pid [0-9][0-9]*$' "$tmp/out" &&
	grep -qx '3 ticks' "$tmp/out"; then
	echo "PASS install/vm-hello"
else
	fail vm-hello "status $st" "$(sed 's/^/| /' "$tmp/out" "$tmp/err" | head -20)"
fi
exit 0
