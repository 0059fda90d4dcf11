#!/bin/bash
# Pass 1 over real-world input: every file of SystemTap's own tapset
# library, as Debian's systemtap package installs it, with its macro
# files as the library, for the installed 6.1 cloud kernel (its
# conditions on kernel_v and CONFIG_ options need one).  Sourced by run.sh
# (uses $sonde, $label, $tmp and testsuite/lib/kernels.sh).  Files whose
# whole text is inside a false %( %? %) for that kernel are reported
# empty, as scripts.
lib=/usr/share/systemtap/tapset
rel=$(kernel_release_of 6.1)
if [ ! -d "$lib" ]; then
	echo "FAIL $label/systemtap-tapsets"; echo "  no $lib (./setup.sh installs systemtap)"
elif [ -z "$rel" ]; then
	kernel_missing=@KERNEL_6_1@
	echo "FAIL $label/systemtap-tapsets"; echo "  $(kernel_missing_why)"
else
	files=0 bad=()
	while IFS= read -r f; do
		files=$((files + 1))
		if ! SONDE_TAPSET_DIR=$lib "$sonde" -p1 -r "$rel" -I "$lib/linux" "$f" \
			>/dev/null 2>"$tmp/lib.err"; then
			grep -q "' is empty\$" "$tmp/lib.err" && continue
			bad+=("${f#$lib/}: $(head -1 "$tmp/lib.err")")
		fi
	done < <(find "$lib" -name '*.stp' | sort)
	if [ ${#bad[@]} -eq 0 ] && [ "$files" -gt 500 ]; then
		echo "PASS $label/systemtap-tapsets ($files files)"
	else
		echo "FAIL $label/systemtap-tapsets (${#bad[@]} of $files files)"
		printf '  %s\n' "${bad[@]}" | head -20
	fi
fi
