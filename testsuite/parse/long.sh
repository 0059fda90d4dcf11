#!/bin/bash
# Pass 1 over long generated scripts, which take the paths short cases
# never do: the script file is mapped rather than read, a thread scans
# it, and flex refills its buffer many times, with tokens across every
# refill and single tokens (a string, a comment, embedded C) longer than
# the buffer.  Sourced by run.sh (uses $sonde, $label, $tmp).
#
# The oracle for the whole script is its declarations parsed in small
# files of a few dozen: -p1 of the whole must be their -p1 outputs
# joined by blank lines.  Errors placed after the long tokens must name
# their exact line and column.
gen_long() { # DIR: writes DIR/whole.stp, DIR/part-N.stp, DIR/bad.stp
	python3 - "$1" <<'EOF'
import os, random, sys
d = sys.argv[1]
rnd = random.Random(7)
parts = []
def filler():
    pad = "x" * rnd.randrange(1, 300)
    n = rnd.randrange(1, 5)
    body = "\n".join(f"    v_{i} = {rnd.randrange(1 << 40)} + 0x{rnd.randrange(1 << 30):x} # {pad[:rnd.randrange(1, 60)]}" for i in range(n))
    return f'probe kernel.function("f_{len(parts)}_{pad[:rnd.randrange(1, 40)]}") {{\n{body}\n}}'
long_string = "".join(chr(ord("a") + i % 26) for i in range(70000))
long_comment = "\n".join("# " + "c" * 78 for _ in range(1300))
long_c = "\n".join("    int c_%d = %d; /* %s */" % (i, i, "k" * 40) for i in range(3000))
giants = {
    40: f'global long_string = "{long_string}"',
    120: "/* " + "*" * 100 + "\n" + long_comment + "\n*/\nglobal after_comment",
    200: "function in_c() %{\n" + long_c + "\n%}",
    260: 'probe begin {\n    nul = "a\0b"\n}',
}
while sum(len(p) for p in parts) < 600 * 1024:
    parts.append(giants.get(len(parts)) or filler())
text = "\n".join(parts) + "\n"
open(os.path.join(d, "whole.stp"), "w").write(text)
for i in range(0, len(parts), 40):
    group = "\n".join(parts[i:i + 40]) + "\n"
    open(os.path.join(d, f"part-{i:04d}.stp"), "w").write(group)
# Two errors, each right after a long token: their places are known.
# The first follows a comment longer than flex's buffer on its last line.
bad = (parts[:130] + ["/*\n" + long_comment + "\n */ probe end { y = 1 + }"] +
       parts[130:210] + ["function g(,) { }"])
text = "\n".join(bad) + "\n"
open(os.path.join(d, "bad.stp"), "w").write(text)
for needle, col in (("y = 1 + }", 9), ("g(,)", 3)):
    at = text.index(needle)
    line = text.count("\n", 0, at) + 1
    print(f"{line} {at - text.rfind(chr(10), 0, at) + col - 1}")
EOF
}

check_long() {
	local d=$tmp/long
	mkdir -p "$d"
	if ! gen_long "$d" >"$d/places"; then
		echo "FAIL $label/long-script"; echo "  generator failed"; return
	fi
	local size
	size=$(stat -c %s "$d/whole.stp")
	# Expected output: each part on its own, joined by blank lines.
	local first=1 p
	: >"$d/expect"
	for p in "$d"/part-*.stp; do
		[ $first = 1 ] || echo >>"$d/expect"
		first=0
		if ! "$sonde" -p1 "$p" >>"$d/expect" 2>"$d/err"; then
			echo "FAIL $label/long-script"; echo "  part ${p##*/}:"; head -5 "$d/err"; return
		fi
	done
	if ! "$sonde" -p1 "$d/whole.stp" >"$d/out" 2>"$d/err"; then
		echo "FAIL $label/long-script"; sed 's/^/  | /' "$d/err" | head -10; return
	fi
	if ! cmp -s "$d/expect" "$d/out"; then
		echo "FAIL $label/long-script"; echo "  -p1 of the whole differs from its parts:"
		diff "$d/expect" "$d/out" | cut -c1-160 | head -20; return
	fi
	echo "PASS $label/long-script ($((size / 1024)) KiB)"
	# A size that is a multiple of the page size is read, not mapped
	# (a mapping would have no NUL after the last byte).
	cp "$d/whole.stp" "$d/aligned.stp"
	local pad=$(( (4096 - (size + 2) % 4096) % 4096 ))
	{ printf '#'; head -c "$pad" /dev/zero | tr '\0' 'p'; echo; } >>"$d/aligned.stp"
	if [ $(( $(stat -c %s "$d/aligned.stp") % 4096 )) = 0 ] &&
	   "$sonde" -p1 "$d/aligned.stp" 2>"$d/err" | cmp -s - "$d/out"; then
		echo "PASS $label/long-script-page-multiple"
	else
		echo "FAIL $label/long-script-page-multiple"; sed 's/^/  | /' "$d/err" | head -5
	fi

	local l1 c1 l2 c2
	{ read -r l1 c1; read -r l2 c2; } <"$d/places"
	# Declarations before the errors are printed while the rest is
	# parsed; none of that may reach the output of a failed run.
	(cd "$d" && "$sonde" -p1 bad.stp) >"$d/out" 2>"$d/err"
	local st=$?
	local want1="bad.stp:$l1:$c1: parse error: expected an expression, saw '}'"
	local want2="bad.stp:$l2:$c2: parse error: expected an identifier or ')', saw ','"
	if [ $st -eq 1 ] && [ ! -s "$d/out" ] &&
	   grep -qxF "$want1" "$d/err" && grep -qxF "$want2" "$d/err" &&
	   [ "$(grep -c 'parse error' "$d/err")" = 2 ]; then
		echo "PASS $label/long-script-errors"
	else
		echo "FAIL $label/long-script-errors"
		echo "  status $st, stdout $(wc -c <"$d/out") bytes; expected 1, none and:"
		echo "  $want1"; echo "  $want2"; sed 's/^/  | /' "$d/err" | cut -c1-160 | head -12
	fi
}
# A mapped script emptied under sonde's feet (shim/truncate_on_map.c
# empties it as soon as it is mapped) ends the run with a message, not a crash.  Not
# under the sanitizers, whose runtime must come first in the process.
check_truncated() {
	local d=$tmp/long cc=${CC:-cc}
	[ "$label" = parse ] || return 0
	if ! "$cc" -shared -fPIC -o "$tmp/shim.so" \
		"$SONDE_SRCDIR/testsuite/parse/shim/truncate_on_map.c" -ldl 2>"$d/err"; then
		echo "FAIL $label/long-script-truncated"; echo "  shim does not build:"
		head -5 "$d/err"; return
	fi
	cp "$d/whole.stp" "$d/victim.stp"
	TRUNCATE_ON_MAP=$d/victim.stp LD_PRELOAD=$tmp/shim.so \
		"$sonde" -p1 "$d/victim.stp" >"$d/out" 2>"$d/err"
	local st=$?
	if [ $st -eq 1 ] && [ ! -s "$d/victim.stp" ] && [ ! -s "$d/out" ] &&
	   grep -qx "sonde: error: a script file was truncated while sonde read it" "$d/err"; then
		echo "PASS $label/long-script-truncated"
	else
		echo "FAIL $label/long-script-truncated"; echo "  status $st"
		sed 's/^/  | /' "$d/err" | head -5
	fi
}

check_long
check_truncated
