#!/bin/bash
# Pass 1 over a long generated script, with single tokens (a string, a
# comment, embedded C) of tens of KB among hundreds of small
# declarations.  Sourced by run.sh (uses $sonde, $label, $tmp).
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
# The first follows a long comment, on its last line.
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
	local l1 c1 l2 c2
	{ read -r l1 c1; read -r l2 c2; } <"$d/places"
	# Nothing is printed for a run with errors.
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
check_long
