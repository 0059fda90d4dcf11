#!/bin/bash
# reorder.sh MODE < SCRIPT: prints the script with its top-level probes,
# functions and globals in another order.  The input is `sonde -p1`
# output, which is canonical: each declaration starts at column 0 with
# its keyword, one global per line.  Top-level embedded C (%{ %}) keeps
# its place at the front, in order, since C's own order matters there.
#   MODE  reverse   last declaration first
#         rotate    from the middle on, then the first half
#         same      unchanged (to check the splitting itself)
set -u
mode=${1:?usage: reorder.sh reverse|rotate|same < script}
awk -v mode="$mode" '
# One declaration, its blank lines dropped: out() separates them.
function flush() {
	sub(/\n+$/, "\n", cur)
	if (cur ~ /^%\{/) head = head cur "\n"
	else if (cur != "") item[n++] = cur
	cur = ""
}
function out(i) { printf "%s\n", item[i] }
# Inside %{ %} (embedded C) no line starts a declaration.
{
	if (!inc && $0 ~ /^(global|private|probe|function|%\{)/) flush()
	cur = cur $0 "\n"
	if (!inc && index($0, "%{")) inc = 1
	if (inc && index($0, "%}")) inc = 0
}
END {
	flush()
	printf "%s", head
	if (mode == "reverse")
		for (i = n - 1; i >= 0; i--) out(i)
	else if (mode == "rotate")
		for (i = 0; i < n; i++) out((i + int(n / 2)) % n)
	else if (mode == "same")
		for (i = 0; i < n; i++) out(i)
	else { print "reorder.sh: unknown mode " mode > "/dev/stderr"; exit 2 }
}'
