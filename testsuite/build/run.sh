#!/bin/bash
# Pass-4 checks, for each installed cloud kernel series with headers
# (6.1, 6.12):
#   pass4-SERIES      sonde -p4 builds a module (feature tests, kbuild,
#                     -Werror) and prints the path of a .ko
#   cache-SERIES      the same -p4 again returns the cached .ko at once
#   nocache-SERIES    --disable-cache -k -m NAME: kbuild runs again
#                     (linking the runtime object the first build
#                     cached), the directory is kept, the module has
#                     that name
#   defines-SERIES    -D MAXSTRINGLEN=64 builds (the runtime is built
#                     again for that option)
#   parts-SERIES      a module links only the runtime parts its script
#                     uses: hello.stp's has no array, kprobe or timer
#                     code, parts.stp's has all three
#   version-SERIES    a sonde of another version (this binary with its
#                     version string changed, same length) builds the
#                     same script under another key, not reusing the
#                     cached module: the version is part of the key
#   compile-SERIES/N  every translation case (testsuite/emit/ok, the
#                     build-only cases here in ok/, and every pass-2 case
#                     of testsuite/elab/ok as e_NAME, but those pass 3
#                     cannot take yet) compiles without a
#                     warning, all in one kbuild run; so do the cases of
#                     reordered (below) with their top-level probes,
#                     functions and globals reversed (N_reverse) and
#                     rotated (N_rotate): no emitted C may depend on the
#                     order of a script's declarations
# Prints PASS/FAIL/SKIP lines; always exits 0.
set -u
sonde=${SONDE:-$SONDE_BUILDDIR/src/sonde}
here=$SONDE_SRCDIR/testsuite/build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache SONDE_TAPSET_DIR=$SONDE_SRCDIR/tapsets

fail() { echo "FAIL build/$1"; shift; for l in "$@"; do echo "  $l"; done; }

# shellcheck source=../lib/kernels.sh
. "$SONDE_SRCDIR/testsuite/lib/kernels.sh"

# pass4, cache and nocache checks for release $1 (series $2).
check_pass4() {
	local rel=$1 ser=$2 ko ko2 t0 t1 err=$tmp/$2.err out=$tmp/$2.out
	if ! ko=$("$sonde" -p4 -r "$rel" "$here/hello.stp" 2>"$err") || [[ ! -f $ko ]]; then
		fail "pass4-$ser" "$(head -20 "$err")"
		return
	fi
	echo "PASS build/pass4-$ser"
	check_parts "$rel" "$ser" "$ko"
	t0=$(date +%s%N)
	ko2=$("$sonde" -p4 -r "$rel" "$here/hello.stp" 2>"$err")
	t1=$(date +%s%N)
	if [[ $ko2 != "$ko" ]] || (((t1 - t0) / 1000000 > 500)); then
		fail "cache-$ser" "second build: $ko2 in $(((t1 - t0) / 1000000)) ms (first $ko)"
	else
		echo "PASS build/cache-$ser"
	fi
	(cd "$tmp" && "$sonde" -p4 -r "$rel" --disable-cache -k -m named_$RANDOM \
		"$here/hello.stp") >"$out" 2>"$err"
	local kept
	kept=$(sed -n 's/^Keeping temporary directory "\(.*\)"$/\1/p' "$err")
	if [[ -z $kept || ! -f $kept/Kbuild ]] || ! grep -q '/named_[0-9]*\.ko$' "$out"; then
		fail "nocache-$ser" "$(cat "$out" "$err" | head -10)"
	else
		echo "PASS build/nocache-$ser"
		rm -rf "$kept"
	fi
	if (cd "$tmp" && "$sonde" -p4 -r "$rel" --disable-cache -m defines_$RANDOM \
		-D MAXSTRINGLEN=64 "$here/hello.stp") >"$out" 2>"$err" &&
		[[ -f $(cat "$out") ]]; then
		echo "PASS build/defines-$ser"
	else
		fail "defines-$ser" "$(cat "$out" "$err" | head -10)"
	fi
}

# parts-SERIES for release $1; $3 is the hello module.
check_parts() {
	local rel=$1 ser=$2 hello=$3 ko err=$tmp/$2.parts.err want=3
	local defs='^[0-9a-f]+ T (sonde_map_init|sonde_kprobes_register|sonde_timers_register)$'
	if nm "$hello" | grep -Eq "$defs"; then
		fail "parts-$ser" "hello links unused parts:" "$(nm "$hello" | grep -E "$defs")"
	elif ! ko=$("$sonde" -p4 -r "$rel" "$here/parts.stp" 2>"$err"); then
		fail "parts-$ser" "$(head -10 "$err")"
	elif (($(nm "$ko" | grep -Ec "$defs") != want)); then
		fail "parts-$ser" "parts.stp lacks a part:" "$(nm "$ko" | grep -E "$defs")"
	else
		echo "PASS build/parts-$ser"
	fi
}

# Cases built again reordered: the build-only ones here, and those with
# on-the-fly conditions, @entry data or many functions elsewhere.
reordered=("$here"/ok/*.stp
	"$SONDE_SRCDIR"/testsuite/emit/ok/{otf,entry,error_probes}.stp
	"$SONDE_SRCDIR"/testsuite/e2e/cases/onthefly.stp
	"$SONDE_SRCDIR"/examples/top-readers.stp)

# The options of case $1 (its NAME.opts) into the array opts, without
# -r RELEASE when $2 is "nor" (a reordered copy is built for the release
# under test).
case_opts() {
	local o all=()
	kernel_read_opts "${1%.stp}.opts" || return 1
	all=("${opts[@]}")
	opts=()
	for ((o = 0; o < ${#all[@]}; o++)); do
		if [[ $2 == nor && ${all[o]} == -r ]]; then
			((o++))
			continue
		fi
		opts+=("${all[o]}")
	done
}

# Writes the C of case $1 (a script path) reordered by mode $2 to
# $3/m_NAME_MODE.c for release $4 (series $5); adds its object to objs.
reordered_c() {
	local f=$1 mode=$2 dir=$3 rel=$4 ser=$5 name err=$tmp/$5.reorder.err
	name=m_$(basename "$f" .stp)_$mode
	case_opts "$f" nor
	if ! (cd "$(dirname "$f")" && "$sonde" -p1 -r "$rel" "${opts[@]}" \
		"$(basename "$f")") >"$dir/$name.p1" 2>"$err"; then
		fail "compile-$ser/$name" "-p1 failed: $(head -5 "$err")"
	elif ! "$SONDE_SRCDIR/testsuite/lib/reorder.sh" "$mode" <"$dir/$name.p1" \
		>"$dir/$name.stp" 2>"$err" ||
		! (cd "$dir" && "$sonde" -p3 -w -r "$rel" "${opts[@]}" "$name.stp") \
		>"$dir/$name.c" 2>"$err"; then
		fail "compile-$ser/$name" "reordered -p3 failed: $(head -5 "$err")"
	else
		objs+=("$name.o")
	fi
}

# version-SERIES for release $1: the build key covers sonde's version.
# The other version is made by rewriting the version string in a copy
# of the binary (digits shifted by one), as a rebuild after bumping
# AC_INIT would give; the copy is outside the build tree, so both are
# given the source runtime with -R.
check_version() {
	local rel=$1 ser=$2 v next ko ko2 err=$tmp/$2.version.err
	v=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$SONDE_BUILDDIR/config.h")
	next=$(echo "$v" | tr 0-9 1-90)
	V=$v NEXT=$next perl -0777 -pe 's/(sonde |\0)\Q$ENV{V}\E\0/$1$ENV{NEXT}\0/g' \
		"$sonde" >"$tmp/sonde-next"
	chmod +x "$tmp/sonde-next"
	if ! "$tmp/sonde-next" -V | head -1 | grep -q "^sonde $next:"; then
		fail "version-$ser" "could not make a sonde of version $next from $v:" \
			"$("$tmp/sonde-next" -V 2>&1 | head -1)"
	elif ! ko=$("$sonde" -p4 -r "$rel" -R "$SONDE_SRCDIR/runtime" "$here/hello.stp" 2>"$err") ||
		! ko2=$("$tmp/sonde-next" -p4 -r "$rel" -R "$SONDE_SRCDIR/runtime" \
			"$here/hello.stp" 2>>"$err"); then
		fail "version-$ser" "$(head -10 "$err")"
	elif [[ $ko == "$ko2" || ! -f $ko2 ]]; then
		fail "version-$ser" "version $next built $ko2, version $v $ko: the same key"
	else
		echo "PASS build/version-$ser"
	fi
}

# Compile every case's C for release $1 with -Werror, all in one kbuild
# run of object targets: the runtime objects and the linking are
# covered by the full builds above and by the e2e group.
check_compile() {
	local rel=$1 ser=$2 dir=$tmp/$ser f name opts feat objs=() err=$tmp/$2.err mode
	feat=$(ls "$XDG_CACHE_HOME"/sonde/kfeatures/"$rel"-*.h 2>/dev/null | head -1)
	[[ -n $feat ]] || { fail "compile-$ser" "no feature header cached"; return; }
	mkdir -p "$dir"
	cp "$SONDE_SRCDIR"/runtime/*.h "$dir/"
	cp "$feat" "$dir/gen_features.h"
	for f in "$SONDE_SRCDIR"/testsuite/emit/ok/*.stp "$here"/ok/*.stp \
		"$SONDE_SRCDIR"/testsuite/elab/ok/*.stp; do
		name=m_$(basename "$f" .stp)
		if [[ $f == */elab/ok/* ]]; then
			# pass 3 cannot translate it yet: the elab group checks how
			[ -f "${f%.stp}.known" ] && continue
			name=e_$(basename "$f" .stp | tr - _)
		fi
		case_opts "$f" keep ||
			{ fail "compile-$ser/$name" "$(kernel_missing_why)"; continue; }
		# the case's own -r wins: its C does not depend on the release
		if ! (cd "$(dirname "$f")" && "$sonde" -p3 -w -r "$rel" "${opts[@]}" \
			"$(basename "$f")") >"$dir/$name.c" 2>"$err"; then
			fail "compile-$ser/$name" "-p3 failed: $(head -5 "$err")"
			continue
		fi
		objs+=("$name.o")
	done
	for f in "${reordered[@]}"; do
		for mode in reverse rotate; do
			reordered_c "$f" "$mode" "$dir" "$rel" "$ser"
		done
	done
	printf 'obj-m := %s\nccflags-y := -Werror\n' "${objs[*]}" >"$dir/Kbuild"
	make -k -C "/lib/modules/$rel/build" M="$dir" -j"$(nproc)" "${objs[@]}" \
		>"$dir/build.log" 2>&1
	for name in "${objs[@]}"; do
		name=${name%.o}
		if [[ -f $dir/$name.o ]] && ! grep -q "$name.c.*warning:" "$dir/build.log"; then
			echo "PASS build/compile-$ser/$name"
		else
			fail "compile-$ser/$name" "$(grep -E "$name.c.*(error|warning):" "$dir/build.log" | head -8)"
		fi
	done
}

mapfile -t rels < <(cloud_series)
if ((${#rels[@]} == 0)); then
	fail all "no cloud kernel with headers installed (./setup.sh installs linux-image-cloud-amd64 and linux-headers-cloud-amd64)"
	exit 0
fi
# The releases are checked side by side (kbuild's own set-up is mostly
# serial), each into its own log, printed in order.
sers=()
for rel in "${rels[@]}"; do
	ser=$(echo "$rel" | cut -d. -f1,2)
	sers+=("$ser")
	{ check_pass4 "$rel" "$ser"; check_compile "$rel" "$ser"; } >"$tmp/$ser.log" 2>&1 &
done
wait
for ser in "${sers[@]}"; do cat "$tmp/$ser.log"; done
check_version "${rels[0]}" "${sers[0]}"
exit 0
