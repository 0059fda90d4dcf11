#!/bin/bash
# Pass 1 over real-world input: every file of SystemTap's own tapset
# library, as Debian's systemtap package installs it, with its macro
# files as the library.  Sourced by run.sh (uses $sonde, $label, $tmp).
# Files whose whole text is inside a false %( %? %) for this machine are
# reported empty, as scripts.
lib=/usr/share/systemtap/tapset
if [ ! -d "$lib" ]; then
	echo "SKIP $label/systemtap-tapsets: no $lib (apt-get install systemtap)"
else
	files=0 bad=()
	while IFS= read -r f; do
		files=$((files + 1))
		if ! SONDE_TAPSET_DIR=$lib "$sonde" -p1 -I "$lib/linux" "$f" \
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
