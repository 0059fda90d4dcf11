#!/bin/bash
# The scripts in examples/ build for every installed cloud kernel with
# headers, and hello.stp (the README's first command) runs in the VM
# with the output it promises.
set -u
sonde=$SONDE_BUILDDIR/src/sonde
examples=$SONDE_SRCDIR/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

releases=()
for b in /lib/modules/*-cloud-amd64/build; do
	[ -e "$b/Makefile" ] && releases+=("$(basename "$(dirname "$b")")")
done
if [ ${#releases[@]} -eq 0 ]; then
	echo "FAIL examples/all"
	echo "  no cloud kernel headers installed (./setup.sh installs linux-headers-cloud-amd64)"
	exit 0
fi

for f in "$examples"/*.stp; do
	name=$(basename "$f" .stp)
	for r in "${releases[@]}"; do
		if (cd "$tmp" && "$sonde" -p4 -r "$r" "$f") >"$tmp/out" 2>"$tmp/err"; then
			echo "PASS examples/build-$name-$r"
		elif [[ $r != 6.1.* ]] && grep -q "no symbol table for kernel $r" "$tmp/err"; then
			# ./setup.sh installs the 6.1 symbols; the others are optional
			echo "SKIP examples/build-$name-$r: no symbol table for $r (linux-image-$r-dbg)"
		else
			echo "FAIL examples/build-$name-$r"; sed 's/^/  /' "$tmp/err" | head -15
		fi
	done
done

(cd "$tmp" && timeout 300 "$sonde" --vm "$examples/hello.stp") >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st -eq 0 ] && grep -q '^hello from .*, pid [0-9][0-9]*$' "$tmp/out" &&
   grep -qx '10 ticks of 100 ms' "$tmp/out"; then
	echo "PASS examples/run-hello-vm"
else
	echo "FAIL examples/run-hello-vm"; echo "  status $st"
	sed 's/^/  | /' "$tmp/out" "$tmp/err" | head -20
fi
