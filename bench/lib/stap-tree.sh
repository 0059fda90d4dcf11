# Sourced by the benchmarks that run Debian's stap.  stap_tree RELEASE DIR
# prints what to give stap as -r: RELEASE itself, or a build tree of links
# to the installed headers made in DIR whose System.map is the -dbg
# package's.  stap resolves kprobe.function against /boot/System.map-R,
# a placeholder on Debian, or against the build tree's System.map.
stap_tree() {
	local release=$1 dir=$2 f
	local dbgmap=/usr/lib/debug/boot/System.map-$release
	local kbuild=/lib/modules/$release/build
	if grep -qs 'The real System.map' "/boot/System.map-$release" &&
	   [ -r "$dbgmap" ] && [ -d "$kbuild" ]; then
		mkdir -p "$dir"
		for f in "$(readlink -f "$kbuild")"/* "$(readlink -f "$kbuild")"/.[!.]*; do
			[ -e "$f" ] && ln -s "$f" "$dir/"
		done
		ln -sf "$dbgmap" "$dir/System.map"
		echo "$dir"
	else
		echo "$release"
	fi
}
