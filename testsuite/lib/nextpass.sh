# nextpass.sh - an ok case of one pass also goes through the next, so
# that a pass's output is always tested by the pass that reads it;
# sourced by the parse group (-p2) and the elab group (-p3).
#
# Files beside a case, both optional, each one line:
#   NAME.parse-only  (parse cases) why the script is not a valid program,
#                    though it is valid syntax: it must fail pass 2, as
#                    stap -p2 fails it too.
#   NAME.known       the first line of the diagnostics the next pass
#                    gives today, for a valid script that sonde cannot
#                    take further yet (a missing feature or a bug): it
#                    must fail with exactly that line.  These files are
#                    the to-do list: `cat testsuite/*/ok/*.known`.
# A crash, a status other than 0 or 1, or a known failure that no longer
# happens (delete the .known file then) fails the case.

# next_pass LABEL DIR NAME PASS ARGS...: runs sonde -pPASS ARGS... in
# DIR (ARGS are the case's options, script and script arguments) and
# prints the case's PASS or FAIL line, named LABEL/ok/NAME/pPASS.
next_pass() {
	local label=$1 dir=$2 name=$3 pass=$4
	shift 4
	local id=$label/ok/$name/p$pass out=$tmp/next.out err=$tmp/next.err
	(cd "$dir" && XDG_CACHE_HOME=$tmp/cache SONDE_TAPSET_DIR=$SONDE_SRCDIR/tapsets \
		"$sonde" -p"$pass" "$@") >"$out" 2>"$err"
	local st=$? first
	first=$(head -1 "$err")
	if ((st != 0 && st != 1)) || grep -q 'Sanitizer' "$err"; then
		echo "FAIL $id"; echo "  -p$pass: status $st"; sed 's/^/  | /' "$err" | head -20
	elif [ -f "$dir/$name.known" ]; then
		if ((st == 0)); then
			echo "FAIL $id"; echo "  -p$pass now succeeds: delete $name.known"
		elif [[ $first != "$(head -1 "$dir/$name.known")" ]]; then
			echo "FAIL $id"; echo "  -p$pass fails otherwise than $name.known says:"
			sed 's/^/  | /' "$err" | head -10
		else
			echo "PASS $id"
		fi
	elif [ -f "$dir/$name.parse-only" ]; then
		if ((st == 0)); then
			echo "FAIL $id"; echo "  -p$pass succeeds: $name.parse-only is wrong, delete it"
		else
			echo "PASS $id"
		fi
	elif ((st != 0)); then
		echo "FAIL $id"; echo "  -p$pass: status $st"; sed 's/^/  | /' "$err" | head -20
	else
		echo "PASS $id"
	fi
}
