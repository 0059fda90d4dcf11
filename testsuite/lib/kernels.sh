# kernels.sh - which target kernels the test groups use; sourced.

# cloud_releases: the installed cloud kernel releases that have both an
# image in /boot (to boot in the VM) and a kbuild tree, newest first.
cloud_releases() {
	local img r
	for img in /boot/vmlinuz-*-cloud-amd64; do
		r=${img#/boot/vmlinuz-}
		[[ -e $img && -d /lib/modules/$r/build ]] && echo "$r"
	done | sort -rV
}

# cloud_series: the newest such release of each major.minor series.
cloud_series() {
	cloud_releases | awk -F. '!seen[$1 "." $2]++'
}
