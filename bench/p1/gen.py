#!/usr/bin/env python3
"""Writes a large, realistic probe script for the pass-1 benchmark.

Usage: gen.py [MEGABYTES] [SEED] > script.stp

The script is a long sequence of independent units -- global
declarations, script functions, probes on kernel functions, syscalls,
timers and processes, probe aliases, macros and preprocessor
conditionals -- each with varied statements, nested expressions, printf
calls and comments.  Every construct is one that both sonde and
SystemTap's `stap -p1` accept, so the two can be timed on the same input.
Output is deterministic for a given size and seed.
"""
import random
import sys

KFUNCS = ["vfs_read", "vfs_write", "vfs_open", "do_sys_open", "ksys_read",
          "tcp_sendmsg", "tcp_recvmsg", "schedule", "do_exit", "kfree",
          "__kmalloc", "ext4_file_write_iter", "filemap_fault", "submit_bio",
          "blk_mq_start_request", "wake_up_new_task", "do_fork", "sys_mmap"]
SYSCALLS = ["open", "openat", "read", "write", "close", "mmap", "munmap",
            "brk", "ioctl", "poll", "select", "futex", "clone", "execve",
            "socket", "connect", "accept", "sendto", "recvfrom", "fsync"]
FIELDS = ["f_flags", "f_mode", "f_pos", "f_count", "i_ino", "i_size",
          "d_name", "pid", "tgid", "prio", "mm", "state", "flags"]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta",
         "kappa", "lambda", "sigma", "omega", "read", "write", "open",
         "latency", "count", "bytes", "errors", "total", "slow", "fast"]
BINOPS = ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"]
CMPOPS = ["<", ">", "<=", ">=", "==", "!="]
ASSIGNOPS = ["=", "+=", "-=", "*=", "|=", "&=", "^=", "<<=", ">>="]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0          # unique suffix counter
        self.globals = []   # (name, kind) kind: scalar/array/stat/sarray
        self.funcs = []     # (name, nparams)
        self.out = []

    def uid(self, base):
        self.n += 1
        return "%s_%d" % (base, self.n)

    def word(self):
        return self.r.choice(WORDS)

    def comment(self, indent=""):
        c = self.r.randrange(4)
        w = " ".join(self.r.choice(WORDS) for _ in range(self.r.randrange(3, 12)))
        if c == 0:
            return "%s# %s\n" % (indent, w)
        if c == 1:
            return "%s// %s\n" % (indent, w)
        if c == 2:
            return "%s/* %s */\n" % (indent, w)
        return "%s/*\n%s * %s\n%s * %s\n%s */\n" % (
            indent, indent, w, indent, w[::-1], indent)

    def number(self):
        c = self.r.randrange(6)
        if c == 0:
            return "0x%x" % self.r.randrange(1 << 32)
        if c == 1:
            return "0%o" % self.r.randrange(1, 4096)
        if c == 2:
            return str(self.r.randrange(1 << 40))
        return str(self.r.randrange(100))

    def string(self):
        s = "%s %s" % (self.word(), self.word())
        if self.r.randrange(3) == 0:
            s += "\\t%d\\n"
        return '"%s"' % s

    # ------------------------------------------------------------ expressions

    def atom(self, locs):
        c = self.r.randrange(10)
        if c < 3 and locs:
            return self.r.choice(locs)
        if c == 3:
            return "$%s->%s" % (self.r.choice(["file", "task", "inode"]),
                                self.r.choice(FIELDS))
        if c == 4 and self.funcs:
            name, n = self.r.choice(self.funcs)
            return "%s(%s)" % (name, ", ".join(
                self.number() for _ in range(n)))
        if c == 5:
            return self.r.choice(["pid()", "tid()", "cpu()",
                                  "gettimeofday_ns()", "uid()"])
        arrs = [g for g, k in self.globals if k == "array"]
        if c == 6 and arrs:
            return "%s[%s]" % (self.r.choice(arrs), self.number())
        return self.number()

    def expr(self, locs, depth=0):
        if depth > 3 or self.r.randrange(3) == 0:
            return self.atom(locs)
        c = self.r.randrange(8)
        a = self.expr(locs, depth + 1)
        b = self.expr(locs, depth + 1)
        if c == 0:
            return "(%s %s %s)" % (a, self.r.choice(BINOPS), b)
        if c == 1:
            return "%s ? %s : %s" % (self.cond(locs, depth + 1), a, b)
        if c == 2:
            return "-%s" % self.atom(locs)
        if c == 3:
            return "!(%s)" % a
        return "%s %s %s" % (a, self.r.choice(BINOPS[:4]), b)

    def cond(self, locs, depth=0):
        c = self.r.randrange(5)
        a = self.expr(locs, depth + 1)
        b = self.expr(locs, depth + 1)
        if c == 0:
            return "%s %s %s && %s" % (a, self.r.choice(CMPOPS), b, self.atom(locs))
        if c == 1:
            return "(%s %s %s) || !%s" % (a, self.r.choice(CMPOPS), b, self.atom(locs))
        if c == 2:
            return 'execname() == "%s"' % self.word()
        return "%s %s %s" % (a, self.r.choice(CMPOPS), b)

    def strexpr(self, locs):
        parts = [self.string(), "execname()", 'sprintf("%%d", %s)' % self.expr(locs)]
        self.r.shuffle(parts)
        return " . ".join(parts[:self.r.randrange(1, 4)])

    # ------------------------------------------------------------ statements

    def printf(self, locs, ind):
        n = self.r.randrange(1, 5)
        fmt = " ".join(self.r.choice(["%d", "%x", "%-8d", "%5u"]) for _ in range(n))
        args = ", ".join(self.expr(locs) for _ in range(n))
        return '%sprintf("%s %s\\n", %s)\n' % (ind, self.word(), fmt, args)

    def stmt(self, locs, ind, depth):
        c = self.r.randrange(16)
        if depth > 2:
            c = self.r.choice([0, 1, 2, 3])
        if c == 0:
            v = self.r.choice(locs)
            return "%s%s %s %s\n" % (ind, v, self.r.choice(ASSIGNOPS), self.expr(locs))
        if c == 1:
            return self.printf(locs, ind)
        if c == 2:
            v = self.r.choice(locs)
            return "%s%s%s\n" % (ind, v, self.r.choice(["++", "--"]))
        if c == 3:
            stats = [g for g, k in self.globals if k == "stat"]
            if stats:
                return "%s%s <<< %s\n" % (ind, self.r.choice(stats), self.expr(locs))
            return "%s%s = %s\n" % (ind, self.r.choice(locs), self.expr(locs))
        if c in (4, 5):
            s = "%sif (%s) {\n%s%s}" % (ind, self.cond(locs),
                                       self.block(locs, ind + "\t", depth + 1), ind)
            if self.r.randrange(2):
                s += " else {\n%s%s}" % (self.block(locs, ind + "\t", depth + 1), ind)
            return s + "\n"
        if c == 6:
            i = self.uid("i")
            locs2 = locs + [i]
            return "%sfor (%s = 0; %s < %s; %s++) {\n%s%s}\n" % (
                ind, i, i, self.r.randrange(2, 50), i,
                self.block(locs2, ind + "\t", depth + 1), ind)
        if c == 7:
            v = self.r.choice(locs)
            return "%swhile (%s > 0) {\n%s%s\t%s--\n%s}\n" % (
                ind, v, self.block(locs, ind + "\t", depth + 1), ind, v, ind)
        if c in (8, 9):
            arrs = [g for g, k in self.globals if k == "array"]
            if arrs:
                a = self.r.choice(arrs)
                k = self.uid("k")
                sort = self.r.choice(["", "+", "-"])
                lim = " limit %d" % self.r.randrange(1, 20) if self.r.randrange(2) else ""
                if self.r.randrange(2):
                    return "%sforeach (%s%s in %s%s) {\n%s\tprintf(\"%%d %%d\\n\", %s, %s[%s])\n%s}\n" % (
                        ind, k, sort, a, lim, ind, k, a, k, ind)
                v = self.uid("v")
                return "%sforeach (%s = %s in %s%s%s) {\n%s%s}\n" % (
                    ind, v, k, a, sort, lim,
                    self.block(locs + [v, k], ind + "\t", depth + 1), ind)
        if c == 10:
            sarrs = [g for g, k in self.globals if k == "sarray"]
            if sarrs:
                a = self.r.choice(sarrs)
                k1, k2 = self.uid("p"), self.uid("q")
                return ("%sforeach ([%s, %s] in %s @%s- limit %d)\n%s\tprintf(\"%%s %%d: %%d avg %%d\\n\", %s, %s, @count(%s[%s, %s]), @avg(%s[%s, %s]))\n" % (
                    ind, k1, k2, a, self.r.choice(["count", "sum", "max"]),
                    self.r.randrange(1, 30), ind, k1, k2, a, k1, k2, a, k1, k2))
        if c == 11:
            return "%s%s = %s\n" % (ind, self.uid("s"), self.strexpr(locs))
        if c == 12:
            return "%stry {\n%s%s} catch (%s) {\n%s\tprintln(%s)\n%s}\n" % (
                ind, self.block(locs, ind + "\t", depth + 1), ind,
                "msg", ind, "msg", ind)
        if c == 13:
            return self.comment(ind) + self.stmt(locs, ind, depth)
        if c == 14:
            arrs = [g for g, k in self.globals if k == "array"]
            if arrs:
                return "%sdelete %s[%s]\n" % (ind, self.r.choice(arrs), self.expr(locs))
        return "%s%s = %s\n" % (ind, self.r.choice(locs), self.expr(locs))

    def block(self, locs, ind, depth):
        return "".join(self.stmt(locs, ind, depth)
                       for _ in range(self.r.randrange(1, 6 if depth else 10)))

    # ------------------------------------------------------------ top level

    def globals_unit(self):
        decls = []
        for _ in range(self.r.randrange(1, 6)):
            kind = self.r.choice(["scalar", "array", "stat", "sarray"])
            name = self.uid("g_" + self.word())
            self.globals.append((name, kind))
            if kind == "scalar" and self.r.randrange(2):
                decls.append("%s = %s" % (name, self.number()))
            elif kind == "array" and self.r.randrange(2):
                decls.append("%s[%d]" % (name, self.r.randrange(100, 100000)))
            elif kind == "sarray" and self.r.randrange(3) == 0:
                decls.append("%s%%[%d]" % (name, self.r.randrange(10, 1000)))
            else:
                decls.append(name)
        return "global " + ", ".join(decls) + "\n"

    def function_unit(self):
        name = self.uid("fn_" + self.word())
        n = self.r.randrange(0, 4)
        params = [self.uid("a") for _ in range(n)]
        typed = ", ".join(p + (":long" if self.r.randrange(2) else "") for p in params)
        ret = ":long" if self.r.randrange(2) else ""
        locs = params + [self.uid("t")]
        body = "\t%s = %s\n" % (locs[-1], self.expr(params or ["0"]))
        body += self.block(locs, "\t", 0)
        body += "\treturn %s\n" % self.expr(locs)
        self.funcs.append((name, n))
        return "function %s%s(%s) {\n%s}\n" % (name, ret, typed, body)

    def probe_point(self):
        c = self.r.randrange(8)
        if c == 0:
            return 'kernel.function("%s")%s' % (self.r.choice(KFUNCS),
                                                self.r.choice(["", ".return", ".call"]))
        if c == 1:
            return "syscall.%s%s" % (self.r.choice(SYSCALLS), self.r.choice(["", ".return"]))
        if c == 2:
            return "timer.%s(%d)" % (self.r.choice(["ms", "s", "us", "jiffies"]),
                                     self.r.randrange(1, 1000))
        if c == 3:
            return 'process("/usr/bin/%s").function("%s*")' % (self.word(), self.word())
        if c == 4:
            return 'module("%s").function("*")?' % self.word()
        if c == 5:
            return "begin(%d)" % self.r.randrange(-100, 100)
        if c == 6:
            return 'kernel.statement("*@fs/%s.c:%d")' % (self.word(), self.r.randrange(1, 900))
        return "end"

    def probe_unit(self):
        pts = ", ".join(self.probe_point() for _ in range(self.r.randrange(1, 4)))
        locs = [self.uid("x"), self.uid("y")]
        body = "\t%s = %s\n\t%s = %s\n" % (locs[0], self.expr([]), locs[1], self.expr([]))
        body += self.block(locs, "\t", 0)
        return "probe %s {\n%s}\n" % (pts, body)

    def alias_unit(self):
        name = self.uid("bench." + self.word())
        op = self.r.choice(["=", "+="])
        v = self.uid("var")
        self.aliases = getattr(self, "aliases", []) + [name]
        return 'probe %s %s kernel.function("%s") {\n\t%s = %s\n}\nprobe %s {\n\tprintf("%%d\\n", %s)\n}\n' % (
            name, op, self.r.choice(KFUNCS), v, self.expr([]), name, v)

    def macro_unit(self):
        name = self.uid("m")
        a, b = "left", "right"
        use = self.uid("z")
        return ("@define %s(%s, %s) %%( ((@%s) * 3 + (@%s)) %%)\n"
                "probe timer.ms(%d) {\n\t%s = @%s(%s, %s)\n\tprintf(\"%%d\\n\", %s)\n}\n" % (
                    name, a, b, a, b, self.r.randrange(1, 999), use, name,
                    self.expr([]), self.expr([]), use))

    def cond_unit(self):
        cond = self.r.choice(['kernel_v >= "2.6.%d"' % self.r.randrange(40),
                              'arch == "x86_64"', 'CONFIG_SMP == "y"',
                              'kernel_v < "3.0" || arch != "i386"'])
        return "%%( %s %%?\n%s%%:\n%s%%)\n" % (cond, self.probe_unit(), self.probe_unit())

    def unit(self):
        c = self.r.randrange(20)
        if c < 3 or not self.globals:
            return self.globals_unit()
        if c < 8:
            return self.function_unit()
        if c < 16:
            return self.probe_unit()
        if c == 16:
            return self.alias_unit()
        if c == 17:
            return self.macro_unit()
        if c == 18:
            return self.cond_unit()
        return self.comment()


def main():
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    limit = int(mb * 1024 * 1024)
    g = Gen(seed)
    out = sys.stdout
    size = 0
    head = "# Generated by bench/p1/gen.py (%g MB, seed %d): a pass-1 workload.\n\n" % (mb, seed)
    out.write(head)
    size += len(head)
    while size < limit:
        u = g.unit() + "\n"
        out.write(u)
        size += len(u)


if __name__ == "__main__":
    main()
