/*
 * test_parse.c - unit tests of the grammar and the unparser.
 *
 * Each case parses a script text with diagnostics captured in memory.
 * Shape cases compare the unparsed tree with the canonical text they
 * expect, and check that the canonical text parses back to itself.
 * Error cases compare the "parse error" lines (location and message,
 * without the source snippet) with the exact list expected, which also
 * pins down how many errors recovery reports.  A few cases look at
 * fields of the tree that the text does not show.  Prints "PASS name" or
 * "FAIL name" with details, and exits 0 unless a case failed.
 */
#define _GNU_SOURCE
#include "parse/ast.h"
#include "parse/parse.h"

#include <stdlib.h>
#include <string.h>

static int failures;

typedef struct Run {
	Session s;
	AstFile *ast;
	char *out;		/* unparsed tree */
	StrBuf errors;		/* the "file:line:col: parse error: ..." lines */
} Run;

static char *unparse_str(const AstFile *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	unparse_file(f, m);
	fclose(m);
	return buf;
}

/* Keeps only the headline of each diagnostic. */
static void keep_headlines(const char *diags, StrBuf *out)
{
	for (const char *l = diags; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (memmem(l, n, ": parse error: ", 15)) {
			sb_putn(out, l, n);
			sb_putc(out, '\n');
		}
		l += n + (nl != NULL);
	}
}

static void run(Run *r, const char *text)
{
	memset(r, 0, sizeof *r);
	session_init(&r->s);
	char *diags = NULL;
	size_t len = 0;
	r->s.diag_out = open_memstream(&diags, &len);
	uint16_t f = src_add(&r->s, "t.stp", text, strlen(text));
	r->ast = parse_file(&r->s, f);
	fclose(r->s.diag_out);
	keep_headlines(diags, &r->errors);
	free(diags);
	r->out = r->ast ? unparse_str(r->ast) : xstrdup("");
}

static void done(Run *r)
{
	free(r->out);
	sb_free(&r->errors);
	session_free(&r->s);
}

static void report(const char *name, bool ok, const char *what,
		   const char *want, const char *got)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", name);
	if (!ok) {
		failures++;
		printf("  %s\n  want:\n%s\n  got:\n%s\n", what, want, got);
	}
}

/* `text` parses cleanly to `want`, and `want` parses back to itself. */
static void shape(const char *name, const char *text, const char *want)
{
	Run a, b;
	run(&a, text);
	bool ok = a.errors.len == 0 && strcmp(a.out, want) == 0;
	if (!ok) {
		report(name, false, "unparse", want,
		       a.errors.len ? a.errors.data : a.out);
		done(&a);
		return;
	}
	run(&b, a.out);
	ok = b.errors.len == 0 && strcmp(b.out, a.out) == 0;
	report(name, ok, "re-parse of the canonical text", a.out,
	       b.errors.len ? b.errors.data : b.out);
	done(&a);
	done(&b);
}

/* `text` reports exactly the parse errors `want` (one per line). */
static void errors(const char *name, const char *text, const char *want)
{
	Run r;
	run(&r, text);
	const char *got = r.errors.data ? r.errors.data : "";
	report(name, strcmp(got, want) == 0, "parse errors", want, got);
	done(&r);
}

/* The first statement of the first probe of `text`. */
static const Stmt *first_stmt(Run *r, const char *text)
{
	run(r, text);
	if (!r->ast || r->ast->n == 0 || r->ast->decls[0]->kind != D_PROBE)
		return NULL;
	const Stmt *body = r->ast->decls[0]->probe.body;
	return body->n ? body->block.v[0] : NULL;
}

/* ------------------------------------------------------------- cases */

static void test_declarations(void)
{
	shape("globals",
	      "global a, b = 1, c = -5, d = \"x\"; private global e\n"
	      "global f[100], g%, h%[10], i[4]%",
	      "global a\nglobal b = 1\nglobal c = -5\nglobal d = \"x\"\n"
	      "private global e\nglobal f[100]\nglobal g%\nglobal h%[10]\n"
	      "global i%[4]\n");
	shape("functions",
	      "function f:long(a:string, b) { return a }\n"
	      "private function g() { }\n"
	      "function h:string(x:long) %{ /* pure */ STAP_RETURN(\"\"); %}",
	      "function f:long(a:string, b) {\n    return a;\n}\n\n"
	      "private function g() {\n}\n\n"
	      "function h:string(x:long) %{ /* pure */ STAP_RETURN(\"\"); %}\n");
	shape("probe points",
	      "probe begin, end(-1), timer.ms(100)!, foo.bar? if (x > 1),"
	      " kernel.function(\"*@fs/*.c\").return { }",
	      "probe begin, end(-1), timer.ms(100)!, foo.bar? if (x > 1), "
	      "kernel.function(\"*@fs/*.c\").return {\n}\n");
	shape("wildcards glue",
	      "probe sys*_read, syscall.*, **, a.*b*.c, process.if_x { }",
	      "probe sys*_read, syscall.*, **, a.*b*.c, process.if_x {\n}\n");
	shape("keywords are names in probe points",
	      "probe kernel.function(\"x\").return, foo.global.next { }",
	      "probe kernel.function(\"x\").return, foo.global.next {\n}\n");
	shape("aliases",
	      "probe my.alias = begin, end { x = 1 } probe my.* += timer.s(1) { }",
	      "probe my.alias = begin, end {\n    x = 1;\n}\n\n"
	      "probe my.* += timer.s(1) {\n}\n");
	shape("top-level embedded C",
	      "%{ #include <linux/sched.h> %}\nprobe begin {}",
	      "%{ #include <linux/sched.h> %}\n\nprobe begin {\n}\n");
}

static void test_statements(void)
{
	shape("simple statements",
	      "probe begin { x = 1; ; y = 2 next; break continue delete a "
	      "delete a[1, \"x\"] delete a[*, 2] }",
	      "probe begin {\n    x = 1;\n    y = 2;\n    next;\n    break;\n"
	      "    continue;\n    delete a;\n    delete a[1, \"x\"];\n"
	      "    delete a[*, 2];\n}\n");
	shape("if else chains",
	      "probe begin { if (a) x = 1; else if (b) { y } else z "
	      "if (c) ; }",
	      "probe begin {\n    if (a)\n        x = 1;\n    else if (b) {\n"
	      "        y;\n    } else\n        z;\n    if (c)\n        ;\n}\n");
	shape("dangling else binds to the nearest if",
	      "probe begin { if (a) if (b) x else y }",
	      "probe begin {\n    if (a)\n        if (b)\n            x;\n"
	      "        else\n            y;\n}\n");
	shape("loops",
	      "probe begin { while (i < 3) i++ for (;;) break "
	      "for (i = 0; i < 3; i++) { } }",
	      "probe begin {\n    while (i < 3)\n        i++;\n    for (;;)\n"
	      "        break;\n    for (i = 0; i < 3; i++) {\n    }\n}\n");
	shape("foreach forms",
	      "probe begin { foreach (k in a) {} foreach ([a, b-] in x) {}\n"
	      "foreach (v- = [a] in x limit 5) {} foreach (v = k in x+) {}\n"
	      "foreach ([a, b] in x[*, \"s\"]) {} foreach ([a] in s @sum-) {} }",
	      "probe begin {\n    foreach ([k] in a) {\n    }\n"
	      "    foreach ([a, b-] in x) {\n    }\n"
	      "    foreach (v = [a] in x- limit 5) {\n    }\n"
	      "    foreach (v = [k] in x+) {\n    }\n"
	      "    foreach ([a, b] in x[*, \"s\"]) {\n    }\n"
	      "    foreach ([a] in s @sum-) {\n    }\n}\n");
	shape("try catch",
	      "function f() { try { error(\"x\") } catch (msg) { return 1 } "
	      "try { } catch { } return }",
	      "function f() {\n    try {\n        error(\"x\");\n    } catch (msg) {\n"
	      "        return 1;\n    }\n    try {\n    } catch {\n    }\n"
	      "    return;\n}\n");
	shape("statements need no separator",
	      "probe begin { x = a -b y = f (1) z = a [1] w = a ++b }",
	      "probe begin {\n    x = a - b;\n    y = f(1);\n    z = a[1];\n"
	      "    w = a++;\n    b;\n}\n");
}

static void test_expressions(void)
{
	shape("precedence needs no parentheses",
	      "probe begin { x = a || b && c | d ^ e & f == g << h + i * -j++ in k }",
	      "probe begin {\n    x = a || b && c | d ^ e & f == g << h + i * -j++ in k;\n}\n");
	shape("parentheses where needed",
	      "probe begin { x = (a || b) && (c | d) ^ (e & f) == (g < h) << (i + j) * k "
	      "y = (a - b) - (c - d) z = (a = b) + (c ? d : e) w = (x in a) < 1 }",
	      "probe begin {\n    x = (a || b) && (c | d) ^ (e & f) == (g < h) << (i + j) * k;\n"
	      "    y = a - b - (c - d);\n    z = (a = b) + (c ? d : e);\n"
	      "    w = (x in a) < 1;\n}\n");
	shape("concatenation binds between shifts and sums",
	      "probe begin { a = x . y + z << 1  b = (x . y) + z  c = x . (y . z) }",
	      "probe begin {\n    a = x . y + z << 1;\n    b = (x . y) + z;\n"
	      "    c = x . (y . z);\n}\n");
	shape("assignment and ternary",
	      "probe begin { a = b = c ? d : e ? f : g  x = a ? b : c = d  "
	      "y = (a ? b : c) ? d = 1 : e  s .= \"x\"  t <<< 1  u >>= 2 }",
	      "probe begin {\n    a = b = c ? d : e ? f : g;\n    x = a ? b : c = d;\n"
	      "    y = (a ? b : c) ? d = 1 : e;\n    s .= \"x\";\n    t <<< 1;\n"
	      "    u >>= 2;\n}\n");
	shape("prefix operators do not fuse",
	      "probe begin { a = - -b  c = + +d  e = !!f  g = !(~h)  i = -(-1)  j = - --k }",
	      "probe begin {\n    a = -(-b);\n    c = +(+d);\n    e = !!f;\n"
	      "    g = !(~h);\n    i = -(-1);\n    j = -(--k);\n}\n");
	shape("membership",
	      "probe begin { if ([a, b] in x) {} if (k in x) {} if (!([*, 1] in x)) {} "
	      "y = [a] in x }",
	      "probe begin {\n    if ([a, b] in x) {\n    }\n    if (k in x) {\n    }\n"
	      "    if (!([*, 1] in x)) {\n    }\n    y = a in x;\n}\n");
	shape("literals",
	      "probe begin { x = 0x10 + 010 + 7 s = \"a\\n\\t\\\"\\\\\\001b\" "
	      "t = \"con\" \"cat\" u = %{ 1 + 2 %} }",
	      "probe begin {\n    x = 16 + 8 + 7;\n    s = \"a\\n\\t\\\"\\\\\\001b\";\n"
	      "    t = \"concat\";\n    u = %{ 1 + 2 %};\n}\n");
	shape("target variables",
	      "probe begin { x = $a->b[1]->c y = $$vars$$ z = &$p->q "
	      "w = @cast(p, \"task_struct\", \"kernel\")->pid "
	      "v = @var(\"jiffies@kernel/time.c\")->x[2] u = $$parms$ t = $v$$ }",
	      "probe begin {\n    x = $a->b[1]->c;\n    y = $$vars$$;\n    z = &$p->q;\n"
	      "    w = @cast(p, \"task_struct\", \"kernel\")->pid;\n"
	      "    v = @var(\"jiffies@kernel/time.c\")->x[2];\n    u = $$parms$;\n"
	      "    t = $v$$;\n}\n");
	shape("keywords after -> are field names",
	      "probe begin { x = $p->next->in->limit }",
	      "probe begin {\n    x = $p->next->in->limit;\n}\n");
	shape("at operators",
	      "probe begin { a = @entry($x) b = @defined($y) ? 1 : 0 @probewrite(z) "
	      "c = @const(\"HZ\") d = @count(s) + @sum(s[1]) + @min(s) + @max(s) + @avg(s) "
	      "print(@hist_linear(s, 0, 100, 10), @hist_log(s), @variance(s, 2)) }",
	      "probe begin {\n    a = @entry($x);\n    b = @defined($y) ? 1 : 0;\n"
	      "    @probewrite(z);\n    c = @const(\"HZ\");\n"
	      "    d = @count(s) + @sum(s[1]) + @min(s) + @max(s) + @avg(s);\n"
	      "    print(@hist_linear(s, 0, 100, 10), @hist_log(s), @variance(s, 2));\n}\n");
	shape("print family are calls",
	      "probe begin { printf(\"%d %s\\n\", 1, \"x\") println() printd(\",\", a, b) "
	      "print(a, b) s = sprintf(\"%d\", 1) }",
	      "probe begin {\n    printf(\"%d %s\\n\", 1, \"x\");\n    println();\n"
	      "    printd(\",\", a, b);\n    print(a, b);\n    s = sprintf(\"%d\", 1);\n}\n");
}

static void test_errors(void)
{
	errors("missing operand", "probe begin { x = 1 + }",
	       "t.stp:1:23: parse error: expected an expression, saw '}'\n");
	errors("missing parenthesis", "probe begin { if x }",
	       "t.stp:1:18: parse error: expected '(', saw 'x'\n");
	errors("missing probe point", "probe { }",
	       "t.stp:1:7: parse error: expected a probe point, saw '{'\n");
	errors("number as probe point component", "probe 1.foo { }",
	       "t.stp:1:7: parse error: expected a probe point, saw a number 1\n");
	errors("end of input", "probe begin { x = 1",
	       "t.stp:1:20: parse error: expected a statement or '}', saw end of input\n");
	errors("literal", "global x = y\nprobe begin { f(\"ab\" 1) }",
	       "t.stp:1:12: parse error: expected a number or a string, saw 'y'\n"
	       "t.stp:2:22: parse error: expected ')' or ',', saw a number 1\n");
	errors("argument list", "probe begin { f(1, 2 \"s\") }",
	       "t.stp:1:22: parse error: expected ')' or ',', saw a string \"s\"\n");
	errors("top level", "foo\nprobe begin { }",
	       "t.stp:1:1: parse error: expected a declaration, saw 'foo'\n");
	errors("bad type", "function f:int() { }",
	       "t.stp:1:12: parse error: expected 'long' or 'string', saw 'int'\n");
	errors("return outside a function", "probe begin { return 1 }",
	       "t.stp:1:15: parse error: 'return' outside a function; use 'next' "
	       "to leave a probe\n");
	errors("one sort mark", "probe begin { foreach ([a-, b+] in x) { } }",
	       "t.stp:1:29: parse error: only one sort mark is allowed in a foreach\n");
	errors("at operator arity", "probe begin { x = @hist_linear(s, 1) }",
	       "t.stp:1:19: parse error: '@hist_linear' takes 4 arguments, not 2\n");
	errors("independent errors are all reported",
	       "probe begin { x = = 2; y = 3 }\n"
	       "probe end { if (x y) z = 1 }\n"
	       "function f( { }\n"
	       "probe timer.s(1) { for (i = 0 i < 3; i++) { } }\n"
	       "global x y\n",
	       "t.stp:1:19: parse error: expected an expression, saw '='\n"
	       "t.stp:2:19: parse error: expected ')', saw 'y'\n"
	       "t.stp:3:13: parse error: expected an identifier or ')', saw '{'\n"
	       "t.stp:4:31: parse error: expected ';', saw 'i'\n"
	       "t.stp:5:10: parse error: expected a declaration, ';' or ',', saw 'y'\n");
	errors("no cascade after an error",
	       "probe begin { x = (1 2 3) + ; y = 1 }\nprobe end { a b c d }",
	       "t.stp:1:22: parse error: expected ')', saw a number 2\n");
	errors("two errors in one body",
	       "probe begin { x = = 1; y = 2; z = 3; w = * 2 }",
	       "t.stp:1:19: parse error: expected an expression, saw '='\n"
	       "t.stp:1:42: parse error: expected an expression, saw '*'\n");
	errors("missing parenthesis does not swallow the next probe",
	       "probe begin { x = (1 + 2\n}\nprobe end { f(1, 2 }\nprobe never { y = 1 + }",
	       "t.stp:2:1: parse error: expected ')', saw '}'\n"
	       "t.stp:3:20: parse error: expected ')' or ',', saw '}'\n"
	       "t.stp:4:23: parse error: expected an expression, saw '}'\n");
	errors("unknown macro", "probe begin { x = @nosuch + 1 }",
	       "t.stp:1:19: parse error: unknown macro '@nosuch'\n");
	errors("regular expression must be a literal",
	       "probe begin { if (s =~ re) { } }",
	       "t.stp:1:24: parse error: expected a string literal (the regular "
	       "expression), saw 're'\n");
	errors("missing closing brace",
	       "probe begin { x = 1\nprobe end { x = 2 }\nprobe end { x = 2 + }",
	       "t.stp:2:1: parse error: expected '}', saw 'probe'\n"
	       "t.stp:3:21: parse error: expected an expression, saw '}'\n");
}

static void test_tree(void)
{
	Run r;
	const Stmt *st = first_stmt(&r, "probe begin { foreach (v = [a, b] in x @max+ limit 3) { } }");
	bool ok = st && st->kind == S_FOREACH && st->n == 2 &&
		  st->sort_dir == 1 && st->sort_col == 0 &&
		  st->sort_agg == AT_MAX && st->fe.limit &&
		  st->fe.value && st->fe.keys[1]->flags == 0;
	report("foreach fields", ok, "tree", "sorted by @max", r.out);
	done(&r);

	run(&r, "function f(x) %{ /* pure */ /*unprivileged*/ /* guru */ "
		"/* stable */ /* myproc-unprivileged */ /* unmodified-fnargs */ %}");
	const Decl *d = r.ast->decls[0];
	ok = d->kind == D_FUNCTION && (d->flags & DF_EMBEDDED) &&
	     d->pragmas == (PRAGMA_PURE | PRAGMA_UNPRIVILEGED | PRAGMA_GURU |
			    PRAGMA_STABLE | PRAGMA_MYPROC_UNPRIVILEGED |
			    PRAGMA_UNMODIFIED_FNARGS);
	report("embedded pragmas", ok, "tree", "all six pragmas", r.out);
	done(&r);

	run(&r, "probe begin { }\nprobe a = b { }\n");
	const Decl *p0 = r.ast->decls[0], *p1 = r.ast->decls[1];
	ok = r.ast->n == 2 && p0->loc.line == 1 && p0->loc.col == 1 &&
	     p1->kind == D_ALIAS && p1->probe.alias->comps[0].loc.col == 7 &&
	     p1->probe.points[0]->loc.line == 2;
	report("locations", ok, "tree", "decls at 1:1 and 2:1", r.out);
	done(&r);

	Run a, b;
	const char *text = "global x[4]\nprobe begin { x[1] = 2 print(x[1]) }";
	run(&a, text);
	run(&b, text);
	char *again = unparse_str(a.ast);
	report("deterministic", strcmp(a.out, b.out) == 0 &&
	       strcmp(a.out, again) == 0, "unparse", a.out, again);
	free(again);
	done(&a);
	done(&b);
}

int main(void)
{
	test_declarations();
	test_statements();
	test_expressions();
	test_errors();
	test_tree();
	return failures ? 1 : 0;
}
