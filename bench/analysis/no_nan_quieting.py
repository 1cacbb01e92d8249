#!/usr/bin/env python3
"""Removes the NaN quieting Kiln emits after float operations (IN.ll OUT.ll).

Kiln's quietNaN is `%c = fcmp uno T %v, %v` then `select i1 %c, T %q, T %v`;
the select becomes `select i1 false, ...`, which opt folds away. For
measuring what the quieting costs, not for use.
"""
import re, sys
src = open(sys.argv[1]).read()
uno = {m.group(1): m.group(3) for m in re.finditer(r'(%[\w.]+) = fcmp uno (float|double) (%[\w.]+), \3\n', src)}
count = 0
def repl(m):
    global count
    c, v = m.group(1), m.group(4)
    if uno.get(c) == v:
        count += 1
        return f'select i1 false, {m.group(2)} {m.group(3)}, {m.group(2)} {v}'
    return m.group(0)
out = re.sub(r'select i1 (%[\w.]+), (float|double) (%[\w.]+), \2 (%[\w.]+)', repl, src)
open(sys.argv[2], 'w').write(out)
print(f'{count} quieting selects removed', file=sys.stderr)
