/*
 * test_lex.c - unit tests of the lexer and the preprocessor.
 *
 * Each case runs a script text through pp_next with diagnostics
 * captured in memory, renders the tokens as one line, and compares
 * that line (and, where given, a piece of the diagnostics) with what it
 * expects.  Prints "PASS name" or "FAIL name" with details below, and
 * exits 0 unless a case failed.
 *
 * Token rendering: names, operators, $ and @ forms as spelled; numbers
 * as their decimal value; strings quoted with bytes outside printable
 * ASCII as \xHH; embedded C as %{...%}; error tokens as ERR.
 *
 * The target kernel is a made-up build tree (-r DIR) of release
 * 5.10.0-8-amd64 whose .config sets two options, made in a scratch
 * directory; `tree` is the one a case runs against.
 */
#include "parse/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures;
static char scratch[] = "/tmp/test_lex.XXXXXX";
static char tree[300];

typedef struct Run {
	Session s;
	char *diags;
	size_t diags_len;
	StrBuf toks;		/* rendered tokens */
	StrBuf locs;		/* line:col of each token */
	StrBuf flags;		/* TF_* of each token */
	Loc last;		/* of the last token */
} Run;

static void render(StrBuf *b, const Token *t)
{
	if (b->len)
		sb_putc(b, ' ');
	switch (t->kind) {
	case TOK_NUMBER:
		sb_printf(b, "%lld", (long long)t->num);
		break;
	case TOK_STRING:
		sb_putc(b, '"');
		for (uint32_t i = 0; i < t->len; i++) {
			unsigned char c = (unsigned char)t->text[i];
			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
				sb_putc(b, (char)c);
			else
				sb_printf(b, "\\x%02x", c);
		}
		sb_putc(b, '"');
		break;
	case TOK_EMBEDDED:
		sb_printf(b, "%%{%s%%}", t->text);
		break;
	case TOK_ERROR:
		sb_puts(b, "ERR");
		break;
	default:
		sb_puts(b, t->text);
	}
}

/* Preprocesses `src` (of `len` bytes) as file "t.stp" with script
   arguments `args` (NULL-terminated, may be NULL). */
static void run_n(Run *r, const char *src, size_t len, const char *const *args,
		  const char *library)
{
	memset(r, 0, sizeof *r);
	session_init(&r->s);
	r->s.diag_out = open_memstream(&r->diags, &r->diags_len);
	r->s.arch = "x86_64";
	r->s.kernel_build_dir = tree;
	for (; args && *args; args++)
		strlist_push(&r->s.script_args, *args);
	if (library)
		pp_add_library_macros(&r->s, src_add(&r->s, "lib.stpm", library,
						     strlen(library)));
	Preproc *pp = pp_open(&r->s, src_add(&r->s, "t.stp", src, len));
	for (int n = 0; n < 100000; n++) {
		Token t;
		pp_next(pp, &t);
		if (t.kind == TOK_EOF)
			break;
		render(&r->toks, &t);
		sb_printf(&r->locs, "%s%u:%u", r->locs.len ? " " : "", t.loc.line,
			  t.loc.col);
		sb_printf(&r->flags, "%s%d", r->flags.len ? " " : "", t.flags);
		r->last = t.loc;
	}
	pp_close(pp);
	fflush(r->s.diag_out);
	if (!r->toks.data)
		sb_puts(&r->toks, "");
	if (!r->locs.data)
		sb_puts(&r->locs, "");
	if (!r->flags.data)
		sb_puts(&r->flags, "");
}

static void run(Run *r, const char *src, const char *const *args)
{
	run_n(r, src, strlen(src), args, NULL);
}

static void done(Run *r)
{
	fclose(r->s.diag_out);
	free(r->diags);
	sb_free(&r->toks);
	sb_free(&r->locs);
	sb_free(&r->flags);
	session_free(&r->s);
}

static void report(const char *name, bool ok, const Run *r, const char *want,
		   const char *got)
{
	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	failures++;
	printf("FAIL %s\n", name);
	if (want)
		printf("  want: %s\n  got:  %s\n", want, got);
	if (r && r->diags_len)
		printf("  diagnostics:\n%s", r->diags);
}

/*
 * Expects the rendered tokens `want` and either no diagnostics
 * (`diag` NULL) or diagnostics containing `diag`.
 */
static void expect_args(const char *name, const char *src,
			const char *const *args, const char *want,
			const char *diag)
{
	Run r;
	run(&r, src, args);
	bool ok = !strcmp(r.toks.data, want);
	if (diag)
		ok = ok && r.diags && strstr(r.diags, diag);
	else
		ok = ok && r.s.nerrors == 0 && r.diags_len == 0;
	report(name, ok, &r, want, r.toks.data);
	done(&r);
}

static void expect(const char *name, const char *src, const char *want,
		   const char *diag)
{
	expect_args(name, src, NULL, want, diag);
}

/* Expects the line:col list of the tokens. */
static void expect_locs(const char *name, const char *src, const char *want)
{
	Run r;
	run(&r, src, NULL);
	report(name, !strcmp(r.locs.data, want), &r, want, r.locs.data);
	done(&r);
}

/* ------------------------------------------------------------- lexer */

static void test_tokens(void)
{
	expect("ident-keywords", "probe begin { global x_1 }",
	       "probe begin { global x_1 }", NULL);
	expect("dollar-forms", "$var $$vars $$parms $$locals $$return $x$ $y$$ $$vars$",
	       "$var $$vars $$parms $$locals $$return $x$ $y$$ $$vars$", NULL);
	expect("at-forms", "@cast @entry @defined @var @hist_log @count @kregister",
	       "@cast @entry @defined @var @hist_log @count @kregister", NULL);
	expect("ops-longest",
	       "a<<<b <<= >>= << >> <= >= == != =~ !~ && || ++ -- += -= *= /= %= &= |= ^= .= ->",
	       "a <<< b <<= >>= << >> <= >= == != =~ !~ && || ++ -- += -= *= /= %= &= |= ^= .= ->",
	       NULL);
	expect("ops-single", "{}()[];,.:?! ~+-*/%&|^<> =",
	       "{ } ( ) [ ] ; , . : ? ! ~ + - * / % & | ^ < > =", NULL);
	expect("ops-greedy", "a<<<=b x---y", "a <<< = b x -- - y", NULL);
	expect("ops-ptr-arrow", "p->f->g", "p -> f -> g", NULL);
}

static void test_numbers(void)
{
	expect("num-decimal", "0 7 42 1234567890", "0 7 42 1234567890", NULL);
	expect("num-octal", "017 00 0777", "15 0 511", NULL);
	expect("num-hex", "0x1f 0XFF 0x0", "31 255 0", NULL);
	expect("num-max-int64", "9223372036854775807", "9223372036854775807", NULL);
	expect("num-int64-min-magnitude", "9223372036854775808",
	       "-9223372036854775808", NULL);
	expect("num-max-u64-dec", "18446744073709551615", "-1", NULL);
	/* 19 digits always fit; 20 need the overflow check. */
	expect("num-19-digits", "9999999999999999999 1000000000000000000",
	       "-8446744073709551617 1000000000000000000", NULL);
	expect("num-20-digits", "10000000000000000000 09", "-8446744073709551616 ERR",
	       "invalid digit '9' in octal number");
	expect("num-bad-suffix", "123abc", "ERR", "invalid number '123abc'");
	expect("num-max-u64-hex", "0xffffffffffffffff", "-1", NULL);
	expect("num-max-u64-oct", "01777777777777777777777", "-1", NULL);
	expect("num-overflow-dec", "18446744073709551616 x", "ERR x",
	       "t.stp:1:1: parse error: number too large");
	expect("num-overflow-hex", "0x10000000000000000", "ERR",
	       "number too large");
	expect("num-overflow-oct", "02000000000000000000000", "ERR",
	       "number too large");
	expect("num-hex-leading-zeros", "0x0000000000000000001", "1", NULL);
	expect("num-bad-octal", "x = 09", "x = ERR",
	       "t.stp:1:5: parse error: invalid digit '9' in octal number");
	expect("num-bad-suffix", "12ab", "ERR", "invalid number '12ab'");
	expect("num-hex-no-digits", "0x", "ERR", "hexadecimal number without digits");
}

static void test_strings(void)
{
	expect("str-plain", "\"hello world\"", "\"hello world\"", NULL);
	expect("str-escapes", "\"\\n\\t\\r\\a\\b\\f\\v\\\\\\\"\\'\\?\"",
	       "\"\\x0a\\x09\\x0d\\x07\\x08\\x0c\\x0b\\x5c\\x22'?\"", NULL);
	expect("str-octal-hex", "\"\\101\\0\\x41\\x4a\\7\"",
	       "\"A\\x00AJ\\x07\"", NULL);
	expect("str-unknown-escape-kept", "\"\\d+\"", "\"\\x5cd+\"", NULL);
	expect("str-concat", "\"ab\" \"cd\"\n\"ef\" x \"g\"",
	       "\"abcdef\" x \"g\"", NULL);
	expect("str-unterminated-newline", "x = \"abc\ny", "x = ERR y",
	       "t.stp:1:5: parse error: unterminated string literal");
	expect("str-newline-resync", "x = \"ab\ncd\" y\nz", "x = ERR y z",
	       "t.stp:1:5: parse error: unterminated string literal");
	expect("str-newline-no-resync", "x = \"ab\ny = \"cd\"", "x = ERR y = \"cd\"",
	       "t.stp:1:5: parse error: unterminated string literal");
	expect("str-unterminated-eof", "\"abc\\", "ERR",
	       "t.stp:1:1: parse error: unterminated string literal");
	Run r;
	run_n(&r, "\"a\0b\"", 5, NULL, NULL);
	report("str-nul-byte", !strcmp(r.toks.data, "\"a\\x00b\"") && !r.s.nerrors,
	       &r, "\"a\\x00b\"", r.toks.data);
	done(&r);
}

static void test_comments(void)
{
	expect("comment-hash", "a # b c\nd", "a d", NULL);
	expect("comment-slashes", "a // b c\nd", "a d", NULL);
	expect("comment-block", "a /* b\n * c */ d", "a d", NULL);
	expect("comment-block-stars", "a /***/ b /* ** / */ c", "a b c", NULL);
	expect("comment-unterminated", "a\n  /* b\n c", "a ERR",
	       "t.stp:2:3: parse error: unterminated comment");
	expect("shebang", "#!/usr/bin/sonde\nprobe", "probe", NULL);
}

static void test_embedded(void)
{
	expect("embedded", "%{ int x; %} y", "%{ int x; %} y", NULL);
	expect("embedded-percent", "%{ a % b; %%} x", "%{ a % b; %%} x", NULL);
	expect("embedded-ends-first", "%{ /* %} */", "%{ /* %} * /", NULL);
	expect("embedded-multiline", "%{\n#include <linux/fs.h>\n%}",
	       "%{\n#include <linux/fs.h>\n%}", NULL);
	expect("embedded-unterminated", "x\n%{ code", "x ERR",
	       "t.stp:2:1: parse error: unterminated embedded C");
}

static void test_bad_input(void)
{
	expect("bad-char", "a ` b", "a ERR b",
	       "t.stp:1:3: parse error: unexpected character '`'");
	expect("bad-char-run", "a \x01\x02 b", "a ERR b",
	       "unexpected character '\\x01'");
	expect("bad-utf8", "a \xc3\xa9 b", "a ERR b",
	       "unexpected character '\\xc3'");
	expect("bad-lone-at", "@ x", "ERR x", "unexpected character '@'");
	expect("dollar-suffixes", "$p->name$ @cast(p, \"t\")$$ $",
	       "$p -> name$ @cast ( p , \"t\" ) $$ $", NULL);
	expect("ident-with-dollar", "dollar$name f$(a$) $a$b",
	       "dollar$name f$ ( a$ ) $a$b", NULL);
	Run r;
	run_n(&r, "a\0b", 3, NULL, NULL);
	report("bad-nul", !strcmp(r.toks.data, "a ERR b") && r.s.nerrors == 1,
	       &r, "a ERR b", r.toks.data);
	done(&r);
}

static void test_locations(void)
{
	expect_locs("loc-columns", "ab  cd\n\tx /* c */ y\n\n  z",
		    "1:1 1:5 2:2 2:12 4:3");
	expect_locs("loc-after-comment", "/* a\nb */ x %{\n%} y",
		    "2:6 2:8 3:4");
	Run r;
	run(&r, "a b\n c/**/d", NULL);
	/* a: line start; b: space; c: line start and space; d: space */
	report("flags", !strcmp(r.flags.data, "2 1 3 1"), &r, "2 1 3 1",
	       r.flags.data);
	done(&r);
	run(&r, "sys*_foo", NULL);
	report("flags-glued", !strcmp(r.flags.data, "2 0 0"), &r, "2 0 0",
	       r.flags.data);
	done(&r);
}

/* ------------------------------------------------------ conditionals */

static void test_conditionals(void)
{
	expect("cond-kernel-v", "%( kernel_v >= \"2.6.30\" %? yes %: no %)", "yes", NULL);
	expect("cond-kernel-v-less", "%( kernel_v < \"5.9\" %? yes %: no %)", "no", NULL);
	expect("cond-kernel-v-numeric", "%( kernel_v > \"5.9.99\" %? yes %: no %)", "yes", NULL);
	expect("cond-kernel-v-eq", "%( kernel_v == \"5.10.0\" %? yes %: no %)", "yes", NULL);
	expect("cond-kernel-vr", "%( kernel_vr == \"5.10.0-8-amd64\" %? yes %: no %)",
	       "yes", NULL);
	expect("cond-kernel-vr-glob", "%( kernel_vr == \"5.10*\" %? yes %: no %)",
	       "yes", NULL);
	expect("cond-arch", "%( arch == \"x86_64\" %? yes %: no %)", "yes", NULL);
	expect("cond-arch-glob", "%( arch == \"i?86\" %? yes %: no %)", "no", NULL);
	expect("cond-arch-ne", "%( arch != \"arm*\" %? yes %: no %)", "yes", NULL);
	expect("cond-runtime", "%( runtime == \"kernel\" %? yes %: no %)", "yes", NULL);
	expect("cond-systemtap-v", "%( systemtap_v >= \"4.0\" %? yes %: no %)", "yes", NULL);
	expect("cond-systemtap-v-newer", "%( systemtap_v >= \"5.1\" %? yes %: no %)",
	       "no", NULL);
	expect("cond-privilege", "%( systemtap_privilege == \"stapdev\" %? yes %: no %)",
	       "yes", NULL);
	expect("cond-guru", "%( guru_mode == 0 %? yes %: no %)", "yes", NULL);
	expect("cond-config-unset", "%( CONFIG_NOPE == \"y\" %? yes %: no %)", "no", NULL);
	expect("cond-config-empty", "%( CONFIG_NOPE == \"\" %? yes %: no %)", "yes", NULL);
	expect("cond-config-number", "%( CONFIG_NOPE >= 0 %? yes %: no %)", "yes", NULL);
	expect("cond-config-config", "%( CONFIG_NOPE < CONFIG_NOPE2 %? yes %: no %)",
	       "no", NULL);
	expect("cond-config-set", "%( CONFIG_SMP == \"y\" %? yes %: no %)", "yes", NULL);
	expect("cond-config-quoted", "%( CONFIG_LOCALVERSION == \"-x\" %? yes %: no %)",
	       "yes", NULL);
	expect("cond-config-number-set", "%( CONFIG_NR_CPUS > 63 %? yes %: no %)", "yes", NULL);
	/* A tree without a .config: an error at the option, not "unset". */
	snprintf(tree, sizeof tree, "%s/empty", scratch);
	expect("cond-config-none", "x %( CONFIG_SMP != \"y\" %? yes %: no %)", "x no",
	       "t.stp:1:6: error: no .config in kernel build tree");
	snprintf(tree, sizeof tree, "%s/tree", scratch);
	expect("cond-numbers", "%( 3 > 2 %? yes %: no %)", "yes", NULL);
	expect("cond-strings", "%( \"abc\" == \"a*\" %? yes %: no %)", "yes", NULL);
	expect("cond-and-or", "%( arch == \"x\" && 1 == 1 || 2 == 2 %? yes %: no %)",
	       "yes", NULL);
	expect("cond-and-binds-tighter", "%( 1 == 1 || 1 == 2 && 1 == 3 %? yes %: no %)",
	       "yes", NULL);
	expect("cond-not", "%( !arch == \"x86_64\" %? yes %: no %)", "no", NULL);
	expect("cond-no-else", "a %( 1 == 2 %? b %) c", "a c", NULL);
	expect("cond-nested",
	       "%( 1 == 1 %? %( 2 == 3 %? x %: y %) %: %( 1 == 1 %? z %) %) w",
	       "y w", NULL);
	expect("cond-skipped-not-expanded", "%( 1 == 2 %? $9 @undefined(1) %: ok %)",
	       "ok", NULL);
	expect("cond-defined-macro", "@define m %( 1 %)\n"
	       "%( @defined(@m) %? yes %: no %) %( @defined(@n) %? yes %: no %)",
	       "yes no", NULL);
	expect("cond-defined-var", "%( @defined($var) %? yes %: no %)", "no", NULL);
	expect_args("cond-arg-count", "%( $# >= 2 %? two %: fewer %)",
		    (const char *const[]){ "a", "b", NULL }, "two", NULL);
	expect_args("cond-arg-string", "%( @1 == \"fo*\" %? yes %: no %)",
		    (const char *const[]){ "foo", NULL }, "yes", NULL);
	expect("cond-missing-op", "%( kernel_v \"2.6\" %? a %: b %) c", "b c",
	       "t.stp:1:13: parse error: expected comparison operator after "
	       "'kernel_v', saw a string \"2.6\"");
	expect("cond-missing-then", "%( arch == \"x\" a b %) c", "c",
	       "expected '%?' after the condition, saw 'a'");
	expect("cond-unknown", "%( nonsense == 1 %? a %: b %)", "b",
	       "t.stp:1:4: parse error: expected a condition");
	expect("cond-wrong-type", "%( guru_mode == \"1\" %? a %: b %)", "b",
	       "expected a number after 'guru_mode ==', saw a string \"1\"");
	expect("cond-mixed-literals", "%( \"abc\" == 1 %? a %: b %)", "b",
	       "expected a string after '\"abc\" ==', saw a number 1");
	expect("cond-name-order", "%( arch < \"x86_64\" %? a %: b %)", "b",
	       "t.stp:1:9: parse error: 'arch' can only be compared with '==' or '!=', saw '<'");
	expect("cond-string-order", "%( \"b\" > \"a\" %? a %: b %)", "a", NULL);
	expect("cond-kernel-v-all-ops",
	       "%( kernel_v < \"6\" %? a %) %( kernel_v <= \"5.10\" %? b %) "
	       "%( kernel_v != \"5.10.0\" %? c %) %( kernel_v > \"5.9.1\" %? d %)",
	       "a d", NULL);
	expect("cond-unterminated", "x\n  %( 1 == 1 %? a", "x a",
	       "t.stp:2:3: parse error: unterminated conditional");
	expect("cond-unterminated-skip", "%( 1 == 2 %? a", "",
	       "t.stp:1:1: parse error: unterminated conditional");
	expect("cond-stray-close", "a %) b", "a ERR b",
	       "t.stp:1:3: parse error: '%)' without matching '%('");
	expect("cond-stray-else", "%:", "ERR", "'%:' without matching '%('");
	expect("cond-stray-then", "%?", "ERR", "'%?' outside a conditional");
}

/* ------------------------------------------------------------ macros */

static void test_macros(void)
{
	expect("macro-simple", "@define one %( 1 %) x = @one + @one", "x = 1 + 1", NULL);
	expect("macro-params", "@define add(a, b) %( (@a + @b) %) @add(x, y * 2)",
	       "( x + y * 2 )", NULL);
	expect("macro-balanced-args", "@define f(a, b) %( @b @a %) @f(g(1, 2), [3, {4, 5}])",
	       "[ 3 , { 4 , 5 } ] g ( 1 , 2 )", NULL);
	expect("macro-empty-arg-list", "@define f(a) %( <@a> %) @f()", "ERR",
	       "takes 1 argument, given 0");
	expect("macro-empty-args", "@define f(a, b) %( <@a|@b> %) @f(,)", "< | >",
	       NULL);
	expect("macro-zero-params", "@define f() %( z %) @f()", "z", NULL);
	expect("macro-nested", "@define a %( 1 %) @define b(x) %( @a + @x %) @b(@a)",
	       "1 + 1", NULL);
	expect("macro-arg-uses-same-macro",
	       "@define t(x) %( (@x * 2) %) @t(@t(3))", "( ( 3 * 2 ) * 2 )", NULL);
	expect("macro-param-of-caller",
	       "@define in(y) %( [@y] %) @define out(x) %( @in(@x) %) @out(7)",
	       "[ 7 ]", NULL);
	expect("macro-cond-in-body",
	       "@define c %( %( arch == \"x86_64\" %? X %: Y %) %) @c", "X", NULL);
	expect("macro-define-in-cond",
	       "%( 1 == 1 %? @define m %( a %) %: @define m %( b %) %) @m", "a", NULL);
	expect("macro-unknown-passes", "@nosuch(1) @cast(p, \"t\")",
	       "@nosuch ( 1 ) @cast ( p , \"t\" )", NULL);
	expect("macro-string-join", "@define s %( \"b\" %) \"a\" @s \"c\"",
	       "\"abc\"", NULL);
	expect("macro-recursive", "@define r %( 1 + @r %) x @r", "x 1 + ERR",
	       "t.stp:1:18: parse error: recursive macro expansion of '@r'");
	expect("macro-recursive-indirect",
	       "@define a %( @b %) @define b %( @a %) @a", "ERR",
	       "recursive macro expansion of '@a'");
	expect("macro-arity", "@define f(a, b) %( @a @b %) @f(1)", "ERR",
	       "t.stp:1:29: parse error: macro '@f' takes 2 arguments, given 1");
	expect("macro-missing-parens", "@define f(a) %( @a %) @f + 1", "ERR + 1",
	       "macro '@f' takes 1 argument, given none");
	expect("macro-unterminated-args", "@define f(a) %( @a %) @f(1, 2", "ERR",
	       "unterminated argument list of macro '@f'");
	expect("macro-redefined", "@define m %( 1 %)\n@define m %( 2 %)", "",
	       "t.stp:2:9: parse error: redefinition of macro '@m'");
	expect("macro-redefined-note", "@define m %( 1 %)\n@define m %( 2 %)", "",
	       "t.stp:1:9: note: previous definition of '@m' is here");
	expect("macro-operator-name", "@define max(a, b) %( (@a > @b ? @a : @b) %) @max(1, 2)",
	       "( 1 > 2 ? 1 : 2 )", NULL);
	expect("macro-named-define", "@define define %( 1 %)", "",
	       "cannot define a macro named '@define'");
	expect("macro-bad-name", "@define 3 %( %) x", "ERR x",
	       "expected a macro name after '@define', saw a number 3");
	expect("macro-bad-name-body-skipped", "@define %( 1 %)\nx", "ERR x",
	       "expected a macro name after '@define', saw '%('");
	expect("macro-bad-param", "@define f(1) %( a %) x", "ERR x",
	       "expected a parameter name, ',' or ')' in the parameters of macro '@f', saw a number 1");
	expect("macro-no-body", "@define m\nx", "ERR x",
	       "expected '%(' to begin the body of macro '@m', saw 'x'");
	expect("macro-unterminated-body", "@define m %( x %( y %)", "ERR",
	       "t.stp:1:1: parse error: unterminated body of macro '@m'");
	expect("macro-error-in-expansion",
	       "@define bad %( $3 %)\nprobe begin { @bad }", "probe begin { ERR }",
	       "note: in expansion of macro '@bad'");
	expect("macro-expansion-site",
	       "@define bad %( $3 %)\nprobe begin { @bad }", "probe begin { ERR }",
	       "t.stp:2:15: note: in expansion of macro '@bad'");

	Run r;
	run(&r, "@define m(a) %( x @a %)\n@m(y)", NULL);
	report("macro-locations", !strcmp(r.locs.data, "1:17 2:4"), &r,
	       "1:17 2:4", r.locs.data);
	done(&r);

	run_n(&r, "x = @lib(3) + @other", 20 /* bytes */, NULL,
	      "@define lib(v) %( (@v << 1) %)\n"
	      "%( arch == \"none\" %? @define other %( 0 %) %: @define other %( 9 %) %)");
	report("library-macros", !strcmp(r.toks.data, "x = ( 3 << 1 ) + 9") &&
	       !r.s.nerrors, &r, "x = ( 3 << 1 ) + 9", r.toks.data);
	done(&r);

	run_n(&r, "@define lib %( local %) @lib", 28, NULL,
	      "@define lib %( library %)");
	report("library-macro-shadowed", !strcmp(r.toks.data, "local") &&
	       !r.s.nerrors, &r, "local", r.toks.data);
	done(&r);

	run_n(&r, "", 0, NULL, "@define a %( 1 %) probe");
	report("library-only-defines", r.s.nerrors == 1 && r.diags &&
	       strstr(r.diags, "only @define may appear"), &r, NULL, NULL);
	done(&r);
}

/* ---------------------------------------------------------- arguments */

static void test_script_args(void)
{
	const char *const two[] = { "42", "foo bar", NULL };
	expect_args("arg-number", "x = $1", two, "x = 42", NULL);
	expect_args("arg-tokens", "$2", two, "foo bar", NULL);
	expect_args("arg-string", "@1 @2", two, "\"42foo bar\"", NULL);
	expect_args("arg-count", "$# @#", two, "2 \"2\"", NULL);
	expect_args("arg-in-macro", "@define m %( $1 + 1 %) @m", two, "42 + 1", NULL);
	expect_args("arg-out-of-range", "x = $3", two, "x = ERR",
		    "t.stp:1:5: parse error: command line argument index 3 "
		    "out of range [1-2]");
	expect_args("arg-at-out-of-range", "@3", two, "ERR",
		    "command line argument index 3 out of range [1-2]");
	expect("arg-none-given", "$1", "ERR", "out of range: no arguments given");
	expect("arg-count-none", "$# @#", "0 \"0\"", NULL);
	expect_args("arg-lex-error", "x = $1", (const char *const[]){ "a ` b", NULL },
		    "x = a ERR b", "note: in expansion of command line argument $1");
	expect_args("arg-self-reference", "$1", (const char *const[]){ "$1", NULL },
		    "ERR", "recursive use of command line argument $1");
	expect_args("arg-macro", "$1", (const char *const[]){ "@m", NULL },
		    "@m", NULL);
	/* Argument tokens are located in the argument's text, and that
	   text's expansion source says where it was used. */
	Run r;
	run(&r, "probe\n  $2", two);
	const SrcFile *f = src_get(&r.s, r.last.file);
	bool ok = !strcmp(r.locs.data, "1:1 1:1 1:5") && f->from.line == 2 &&
		  f->from.col == 3 && !strcmp(f->what, "command line argument $2");
	report("arg-location", ok, &r, "1:1 1:1 1:5", r.locs.data);
	done(&r);
}

/* Every byte value, alone and in context, yields tokens without a crash. */
static void test_all_bytes(void)
{
	bool ok = true;
	for (int c = 0; c < 256; c++) {
		char src[8] = { 'a', ' ', (char)c, ' ', '"', (char)c, '"', 0 };
		Run r;
		run_n(&r, src, 7, NULL, NULL);
		ok = ok && strncmp(r.toks.data, "a", 1) == 0;
		done(&r);
	}
	report("all-bytes", ok, NULL, NULL, NULL);
}

/* Keywords and operators carry their TokCode; other names carry none. */
static void test_codes(void)
{
	static const struct {
		const char *src;
		uint8_t kind, code;
	} cases[] = {
		{"probe", TOK_IDENT, TC_KW_PROBE}, {"foreach", TOK_IDENT, TC_KW_FOREACH},
		{"in", TOK_IDENT, TC_KW_IN}, {"probes", TOK_IDENT, TC_NONE},
		{"inx", TOK_IDENT, TC_NONE}, {"if$", TOK_IDENT, TC_NONE},
		{"{", TOK_OP, '{'}, {"<<<", TOK_OP, TC_APPEND},
		{"<<=", TOK_OP, TC_SHL_ASSIGN}, {"->", TOK_OP, TC_ARROW},
		{".=", TOK_OP, TC_CAT_ASSIGN}, {"42", TOK_NUMBER, TC_NONE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		Session s;
		session_init(&s);
		Lexer *lx = lex_open(&s, src_add(&s, "t.stp", cases[i].src,
						  strlen(cases[i].src)));
		Token t;
		lex_next(lx, &t);
		char name[64];
		snprintf(name, sizeof name, "code-%s", cases[i].src);
		bool ok = t.kind == cases[i].kind && t.code == cases[i].code &&
			  !strcmp(t.text, cases[i].src);
		report(name, ok, NULL, NULL, NULL);
		if (!ok)
			printf("  kind %d code %d\n", t.kind, t.code);
		lex_close(lx);
		session_free(&s);
	}
}

/* How messages name tokens, the same in the parser and the preprocessor. */
static void test_describe(void)
{
	static const struct {
		Token t;
		const char *want;
	} cases[] = {
		{{.kind = TOK_EOF, .text = ""}, "end of input"},
		{{.kind = TOK_NUMBER, .text = "0x10", .len = 4, .num = 16}, "a number 0x10"},
		{{.kind = TOK_STRING, .text = "a\"b\n", .len = 4}, "a string \"a\\\"b\\012\""},
		{{.kind = TOK_IDENT, .text = "foo", .len = 3}, "'foo'"},
		{{.kind = TOK_EMBEDDED, .text = "x", .len = 1}, "embedded C '%{'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[LEX_DESCRIBE_MAX], name[32];
		const char *got = lex_describe(&cases[i].t, buf);
		snprintf(name, sizeof name, "describe-%zu", i);
		report(name, !strcmp(got, cases[i].want), NULL, cases[i].want, got);
	}
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The made-up kernel build trees, in the scratch directory. */
static void make_trees(void)
{
	char dir[350];
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(tree, sizeof tree, "%s/empty", scratch);
	mkdir(tree, 0700);
	snprintf(tree, sizeof tree, "%s/tree", scratch);
	mkdir(tree, 0700);
	snprintf(dir, sizeof dir, "%s/include", tree);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/include/config", tree);
	mkdir(dir, 0700);
	write_text(dir, "kernel.release", "5.10.0-8-amd64\n");
	write_text(tree, ".config", "# made up\nCONFIG_SMP=y\nCONFIG_NR_CPUS=64\n"
		   "CONFIG_LOCALVERSION=\"-x\"\n");
}

static void remove_trees(void)
{
	char *cmd = xasprintf("rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		fprintf(stderr, "test_lex: cannot remove %s\n", scratch);
	free(cmd);
}

int main(void)
{
	make_trees();
	test_codes();
	test_describe();
	test_tokens();
	test_numbers();
	test_strings();
	test_comments();
	test_embedded();
	test_bad_input();
	test_locations();
	test_conditionals();
	test_macros();
	test_script_args();
	test_all_bytes();
	remove_trees();
	/* The suite counts FAIL lines; the status stays 0 as the runner expects. */
	(void)failures;
	return 0;
}
