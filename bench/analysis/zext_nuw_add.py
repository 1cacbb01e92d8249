#!/usr/bin/env python3
"""Rewrites zext(add nuw i32 x, C) as add nuw nsw i64 (zext x), C in Kiln's IR (IN.ll OUT.ll).

With the constant outside the zero extension, x86 instruction selection folds it
into the addressing mode. Per function, since value names repeat.
"""
import re, sys
src = open(sys.argv[1]).read()
n = 0
def fix_function(body):
    global n
    adds = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r'(%[\w.]+) = add nuw i32 (%[\w.]+), (\d+)\n', body)}
    def repl(m):
        global n
        z, a = m.group(2), m.group(3)
        if a not in adds:
            return m.group(0)
        x, c = adds[a]
        n += 1
        return f'{m.group(1)}%zx{n} = zext i32 {x} to i64\n{m.group(1)}{z} = add nuw nsw i64 %zx{n}, {c}\n'
    return re.sub(r'( *)(%[\w.]+) = zext i32 (%[\w.]+) to i64\n', repl, body)
parts = re.split(r'(?m)^(?=define )', src)
out = parts[0] + ''.join(fix_function(p) for p in parts[1:])
open(sys.argv[2], 'w').write(out)
print(f'{n} zext(add nuw) rewritten', file=sys.stderr)
