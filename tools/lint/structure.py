#!/usr/bin/env python3
"""Structure lint for the controller (issue #11): include circles among userspace/ modules,
files over 500 lines and functions over 80 lines. Prints one line per finding and exits 1 on
any, 0 when clean.

    tools/lint/structure.py [--max-file N] [--max-func N] [DIR]   (DIR: userspace)

A module is a file stem: userspace/port.c and userspace/port.h are module "port"; the module
includes "x.h" when either of its files does. A circle is a strongly connected set of modules.
A function's length counts from the line of its name to its closing brace. The C is read by a
simple brace matcher (comments, strings and preprocessor lines are skipped), enough for this
tree's style, not a C parser."""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def strip(src):
    """The source with comments, string and char literals and preprocessor lines blanked,
    newlines kept so that line numbers still match."""
    out, i, n = [], 0, len(src)
    bol = True
    while i < n:
        c = src[i]
        if bol and c == '#' or (bol and c in ' \t' and src[i:].lstrip(' \t').startswith('#')):
            j = i
            while j < n and src[j] != '\n':   # a directive, with its continuations
                if src[j] == '\\' and j + 1 < n and src[j + 1] == '\n':
                    out.append('\n')
                    j += 2
                    continue
                j += 1
            i = j
            continue
        if src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', src[i:j]))
            i = j
            continue
        if src.startswith('//', i):
            j = src.find('\n', i)
            i = n if j < 0 else j
            continue
        if c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            out.append(c + ' ' * (j - i - 1) + c)
            i = j + 1
            bol = False
            continue
        out.append(c)
        bol = c == '\n' or (bol and c in ' \t')
        i += 1
    return ''.join(out)


def functions(src):
    """(name, first line, length) of every function definition in a C source."""
    s = strip(src)
    res, depth, i = [], 0, 0
    start = None
    while i < len(s):
        c = s[i]
        if c == '{':
            if depth == 0:
                head = s[:i].rstrip()
                m = None
                if head.endswith(')'):
                    # the ( matching the head's last ), and the name before it
                    d, j = 0, len(head) - 1
                    while j >= 0:
                        d += {')': 1, '(': -1}.get(head[j], 0)
                        if d == 0:
                            break
                        j -= 1
                    m = re.search(r'([A-Za-z_]\w*)\s*$', head[:j])
                    # skip initializers and control words: `x = (...) {` never opens a function
                    stmt = head[max(head.rfind(';'), head.rfind('}')) + 1:j]
                    if m and ('=' in stmt or m.group(1) in ('if', 'for', 'while', 'switch')):
                        m = None
                start = (m.group(1), s.count('\n', 0, m.start()) + 1) if m else None
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0 and start:
                last = s.count('\n', 0, i) + 1
                res.append((start[0], start[1], last - start[1] + 1))
                start = None
        i += 1
    return res


def circles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--max-file', type=int, default=500)
    ap.add_argument('--max-func', type=int, default=80)
    ap.add_argument('dir', nargs='?', default='userspace')
    a = ap.parse_args()

    files = sorted(f for f in os.listdir(a.dir) if f.endswith(('.c', '.h')))
    modules = {os.path.splitext(f)[0] for f in files}
    graph, findings = {}, []
    for f in files:
        path = os.path.join(a.dir, f)
        with open(path, encoding='utf-8', errors='replace') as fh:
            src = fh.read()
        mod = os.path.splitext(f)[0]
        for inc in INCLUDE.findall(src):
            inc = os.path.basename(inc)
            if inc in modules and inc != mod:
                graph.setdefault(mod, set()).add(inc)
        nlines = src.count('\n')
        if nlines > a.max_file:
            findings.append(f'file {path}: {nlines} lines (over {a.max_file})')
        if f.endswith('.c'):
            for name, line, length in functions(src):
                if length > a.max_func:
                    findings.append(f'function {path}:{line} {name}: {length} lines '
                                    f'(over {a.max_func})')
    for comp in circles(graph):
        findings.insert(0, 'circle: ' + ' <-> '.join(comp))
    for line in findings:
        print(line)
    print(f'{len(findings)} finding(s)', file=sys.stderr)
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
