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

# Case files never name a release: they say @KERNEL_M_N@ (e.g.
# @KERNEL_6_1@) for the newest installed cloud release of series M.N, the
# group's run.sh replaces it, and output that would show the release is
# normalised back to the placeholder before it is compared with a golden.
# Debian moves the ABI number of a series (6.1.0-N to 6.1.0-N+1) without
# notice; nothing in the tree may depend on it.

# kernel_placeholders: "PLACEHOLDER RELEASE" per installed series.
kernel_placeholders() {
	cloud_series | awk -F. '{ print "@KERNEL_" $1 "_" $2 "@", $0 }'
}

# kernel_release_of SERIES: the installed release of SERIES ("6.1"), or
# nothing.
kernel_release_of() {
	kernel_placeholders | awk -v p="@KERNEL_${1/./_}@" '$1 == p { print $2 }'
}

_kernel_map=()	# PLACEHOLDER RELEASE pairs, read once
_kernel_map_read() {
	[[ ${_kernel_map_done:-} ]] && return
	_kernel_map_done=1
	mapfile -t _kernel_map < <(kernel_placeholders)
}

# kernel_expand TEXT: TEXT with every placeholder replaced, in
# $kernel_expanded.  False, with the placeholder in $kernel_missing, when
# its series is not installed.
kernel_expand() {
	_kernel_map_read
	local text=$1 pair
	for pair in "${_kernel_map[@]}"; do
		text=${text//"${pair% *}"/"${pair#* }"}
	done
	kernel_expanded=$text kernel_missing=
	if [[ $text =~ @KERNEL_[0-9]+_[0-9]+@ ]]; then
		kernel_missing=${BASH_REMATCH[0]}
		return 1
	fi
}

# kernel_read_opts FILE: the case's options, placeholders replaced, in the
# array `opts` (the caller's local).  False as kernel_expand is.
kernel_read_opts() {
	opts=()
	[[ -f $1 ]] || return 0
	kernel_expand "$(<"$1")" || return 1
	read -r -a opts <<<"$kernel_expanded"
}

# kernel_missing_why: why a case needing $kernel_missing cannot run.
kernel_missing_why() {
	local series=${kernel_missing#@KERNEL_}
	series=${series%@}
	echo "no ${series/_/.} cloud kernel with a build tree is installed" \
	     "(it needs linux-image-*-cloud-amd64 and linux-headers-* of that" \
	     "series; ./setup.sh installs the 6.1 ones)"
}

# kernel_normalise: stdin to stdout with each installed release replaced
# by its placeholder.
kernel_normalise() {
	_kernel_map_read
	local line pair
	while IFS= read -r line || [[ $line ]]; do
		for pair in "${_kernel_map[@]}"; do
			line=${line//"${pair#* }"/"${pair% *}"}
		done
		printf '%s\n' "$line"
	done
}
