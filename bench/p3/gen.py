#!/usr/bin/env python3
"""Writes a large probe script for the pass-3 benchmark.

Usage: gen.py [UNITS] [SEED] > script.stp

Each unit is a group of globals (scalars, arrays of one to three keys,
statistics, arrays of statistics), two script functions and three
probes (a kprobe on a kernel function, a timer and a begin probe) whose
bodies update the arrays and statistics, loop, branch, call the
functions and print with printf; one end probe reports every array
with foreach and every statistic with its aggregates and a histogram.
Every construct is one that both sonde and SystemTap 4.8 translate, so
`-p3` of the two can be timed on the same input.  The output is
deterministic for a given size and seed.
"""
import random
import sys

# Functions kprobe-able on Debian's 6.1 and 6.12 cloud kernels.
KFUNCS = ["vfs_read", "vfs_write", "vfs_open", "ksys_read", "ksys_write",
          "do_sys_openat2", "tcp_sendmsg", "tcp_recvmsg", "kfree",
          "__x64_sys_getppid", "__x64_sys_getpid", "submit_bio",
          "wake_up_new_task", "do_exit", "filemap_fault", "vfs_fsync"]
WORDS = ["alpha", "beta", "gamma", "delta", "read", "write", "open",
         "latency", "count", "bytes", "errors", "total", "slow", "fast"]
BINOPS = ["+", "-", "*", "&", "|", "^"]
CMPOPS = ["<", ">", "<=", ">=", "==", "!="]


class Unit:
    """One group of globals, functions and probes, numbered n."""

    def __init__(self, r, n):
        self.r, self.n = r, n
        self.cnt = "cnt_%d" % n        # scalar counter
        self.by_name = "by_name_%d" % n  # [string] -> long
        self.pair = "pair_%d" % n      # [long, string] -> long
        self.tri = "tri_%d" % n        # [long, long, string] -> string
        self.lat = "lat_%d" % n        # statistic
        self.lats = "lats_%d" % n      # [string] -> statistic
        self.fmix = "mix_%d" % n       # function (long, long) -> long
        self.flabel = "label_%d" % n   # function (string, long) -> string

    def word(self):
        return self.r.choice(WORDS)

    def num(self):
        return str(self.r.randrange(2, 1000))

    def arith(self, a, b):
        r = self.r
        return "(%s %s %s) %s %s" % (a, r.choice(BINOPS), b,
                                     r.choice(BINOPS), self.num())

    def globals(self):
        return ("global %s, %s, %s[%d], %s, %s, %s\n"
                % (self.cnt, self.by_name, self.pair, 64 + self.n, self.tri,
                   self.lat, self.lats))

    def functions(self):
        r = self.r
        return (
            "function %s(x, y) {\n"
            "\tz = %s\n"
            "\tif (z %s %s)\n\t\tz = z / (y ? y : 1)\n"
            "\telse\n\t\tz += x %% %s\n"
            "\tfor (i = 0; i < 3; i++)\n\t\tz = z * 3 + i\n"
            "\treturn z\n}\n"
            "function %s:string(s:string, k) {\n"
            "\tif (strlen(s) > %d)\n\t\treturn substr(s, 0, %d) . \"-\" . sprint(k)\n"
            "\treturn sprintf(\"%%s/%%d/%%s\", s, k, \"%s\")\n}\n"
            % (self.fmix, self.arith("x", "y"), r.choice(CMPOPS), self.num(),
               self.num(), self.flabel, r.randrange(2, 8), r.randrange(1, 4),
               self.word()))

    def update_body(self, key, val):
        """Statements that feed every global of the unit."""
        w = self.word()
        return (
            "\t%s++\n"
            "\t%s[%s] += %s\n"
            "\t%s[%s %% 16, %s] = %s(%s, %s)\n"
            "\t%s[%s %% 4, %s %% 8, \"%s\"] = %s(%s, %s)\n"
            "\t%s <<< %s\n"
            "\t%s[%s] <<< %s %% %s\n"
            % (self.cnt, self.by_name, key, val,
               self.pair, val, key, self.fmix, val, self.num(),
               self.tri, val, self.cnt, w, self.flabel, key, val,
               self.lat, val,
               self.lats, key, val, self.num()))

    def kprobe(self):
        fn = self.r.choice(KFUNCS)
        return ("probe kprobe.function(\"%s\") {\n"
                "\tv = %s\n%s"
                "\tif (%s > %s && !(%s %% 1000))\n"
                "\t\tprintf(\"%%s %%d %%d %%s\\n\", execname(), pid(), %s, %s(\"%s\", %s))\n"
                "}\n"
                % (fn, self.arith("pid()", "tid()"),
                   self.update_body("execname()", "v"), self.cnt, self.num(),
                   self.cnt, self.cnt, self.flabel, fn, self.cnt))

    def timer(self):
        return ("probe timer.ms(%d) {\n"
                "\tn = %s(%s, %s)\n%s"
                "\twhile (n > 100)\n\t\tn = n / 7\n"
                "\tprintf(\"timer %d %%d %%d %%s\\n\", n, %s, %s(\"t\", n))\n"
                "}\n"
                % (self.r.randrange(100, 5000), self.fmix, self.cnt,
                   self.num(), self.update_body("\"%s\"" % self.word(), "n"),
                   self.n, self.cnt, self.flabel))

    def begin(self):
        return ("probe begin {\n"
                "\tfor (j = 0; j < %d; j++) {\n"
                "\t\ts = %s(\"%s\", j)\n"
                "\t\t%s[s] = j * %s\n"
                "\t\t%s <<< j\n"
                "\t}\n"
                "\tprintf(\"begin %d %%d %%s %%x\\n\", %s, %s(\"b\", 1), %s(2, 3))\n"
                "}\n"
                % (self.r.randrange(3, 20), self.flabel, self.word(),
                   self.by_name, self.num(), self.lat, self.n, self.cnt,
                   self.flabel, self.fmix))

    def report(self):
        return (
            "\tforeach (k in %s- limit 5)\n"
            "\t\tprintf(\"%%s: %%d\\n\", k, %s[k])\n"
            "\tforeach ([a, b] in %s+)\n"
            "\t\tprintf(\"%%d %%s %%d\\n\", a, b, %s[a, b])\n"
            "\tforeach ([p, q, w] in %s)\n"
            "\t\tprintf(\"%%d %%d %%s %%s\\n\", p, q, w, %s[p, q, w])\n"
            "\tif (@count(%s))\n"
            "\t\tprintf(\"%d: %%d %%d %%d %%d %%d\\n\", @count(%s), @sum(%s),"
            " @min(%s), @max(%s), @avg(%s))\n"
            "\tforeach (k in %s)\n"
            "\t\tprintf(\"%%s %%d %%d\\n\", k, @count(%s[k]), @max(%s[k]))\n"
            "\tif (@count(%s))\n\t\tprint(@hist_log(%s))\n"
            % (self.by_name, self.by_name, self.pair, self.pair,
               self.tri, self.tri,
               self.lat, self.n, self.lat, self.lat, self.lat, self.lat,
               self.lat, self.lats, self.lats, self.lats, self.lat, self.lat))


def main():
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    r = random.Random(seed)
    us = [Unit(r, n) for n in range(units)]
    out = ["# generated by bench/p3/gen.py %d %d\n" % (units, seed)]
    out += [u.globals() for u in us]
    for u in us:
        out += [u.functions(), u.kprobe(), u.timer(), u.begin()]
    out.append("probe end {\n")
    out += [u.report() for u in us]
    out.append("}\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
