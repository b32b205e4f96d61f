#!/usr/bin/env bash
# The docs' relative links lead somewhere: every [text](path) and [text](path#anchor) in
# README.md and docs/**/*.md names a file of the repository and, for a Markdown file, a heading
# (or an <a id>) of it, with GitHub's anchors (lower case, punctuation dropped, spaces as '-',
# a repeated heading gets -1, -2…). Links inside code (fenced or `inline`) and to URLs with a
# scheme (https:, mailto:) are not checked. A newcomer follows these links first.
source "$(dirname "$0")/../lib/lib.sh"
cd "$(dirname "$0")/../.."
while IFS= read -r line; do
  case "$line" in
    "ok "*) ok "${line#ok }" ;;
    *) not_ok "$line" ;;
  esac
done < <(python3 - <<'PY'
import os, re
files = ['README.md'] + sorted(os.path.join(d, f) for d, _, fs in os.walk('docs') for f in fs if f.endswith('.md'))

def slug(h):
    h = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', h)   # a link in a heading: its text
    h = h.replace('`', '').replace('*', '').strip().lower()
    return ''.join(c for c in h if c.isalnum() or c in ' -_').replace(' ', '-')

cache = {}
def anchors(path):
    if path not in cache:
        out, seen, fence = set(), {}, False
        for line in open(path, encoding='utf-8'):
            if line.startswith('```'):
                fence = not fence
            if fence:
                continue
            m = re.match(r'#{1,6}\s+(.*?)\s*#*\s*$', line)
            if m:
                s = slug(m.group(1))
                n = seen.get(s, 0)
                seen[s] = n + 1
                out.add(s if n == 0 else '%s-%d' % (s, n))
            out.update(re.findall(r'<a\s+(?:id|name)="([^"]+)"', line))
        cache[path] = out
    return cache[path]

for f in files:
    text = open(f, encoding='utf-8').read()
    text = re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)
    text = re.sub(r'`[^`\n]*`', '', text)
    bad, n = [], 0
    for m in re.finditer(r'\]\(([^)\s]+)\)', text):
        url = m.group(1)
        if re.match(r'[A-Za-z][A-Za-z0-9+.-]*:', url):
            continue
        n += 1
        path, _, frag = url.partition('#')
        target = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.exists(target):
            bad.append('%s: link to %s: no such file' % (f, url))
        elif frag and target.endswith('.md') and frag not in anchors(target):
            bad.append('%s: link to %s: no heading or <a id> with that anchor' % (f, url))
    for b in bad:
        print(b)
    if not bad:
        print('ok %s: its %d relative links lead somewhere' % (f, n))
PY
)
finish
