#!/usr/bin/env python3
"""Independent record counts for `trawl db build` sources (an oracle for the CLI test, not shared code).

usage: count_feeds.py KIND PATH   ->  prints JSON {"records": N, "skipped": M}

Record units (as the trawl-advisory README defines them):
  osv             one OSV document (.json/.yaml) that parses and has an "id"
  alpine-secdb    one item of a packages[].pkg.secfixes list (wolfi secdb too)
  debian-tracker  one CVE entry of data/CVE/list (or one per-CVE JSON record), one DSA/DLA entry,
                  one (source package, CVE) pair of the JSON export
  wolfi           one advisory of an advisories YAML
  cve5            one CVE JSON 5 record; kev: one catalog entry; epss: one data row
"""
import json, os, re, sys
import yaml

def files(path, exts):
    if os.path.isfile(path):
        yield path
        return
    for root, _, names in os.walk(path):
        for n in sorted(names):
            if os.path.join(root, n).lower().endswith(exts):
                yield os.path.join(root, n)

def load(p):
    with open(p, 'rb') as f:
        data = f.read()
    if p.endswith(('.yaml', '.yml')):
        return yaml.safe_load(data)
    return json.loads(data)

def osv(path):
    rec = skip = 0
    for p in files(path, ('.json', '.yaml', '.yml')):
        try:
            d = load(p)
        except Exception:
            skip += 1
            continue
        if isinstance(d, dict) and d.get('id'):
            rec += 1
        else:
            skip += 1
    return rec, skip

def secfix_items(d):
    n = 0
    for e in (d.get('packages') or []):
        for items in ((e.get('pkg') or {}).get('secfixes') or {}).values():
            n += len(items or [])
    return n

def alpine(path):
    rec = 0
    for p in files(path, ('.json', '.yaml', '.yml')):
        rec += secfix_items(load(p))
    return rec, 0

PKG_LINE = re.compile(r'^(\[[a-z-]+\] )?- (\S+) (\S+)')

def bad_pkg_line(line):
    m = PKG_LINE.match(line.strip())
    if not m:
        return False
    what = m.group(3)
    return not (what.startswith('<') or what[0].isdigit())

def debian(path):
    rec = skip = 0
    for p in files(path, ('.json', 'list', '/dsa', '/dla')):
        low = p.lower()
        if low.endswith('.json'):
            d = json.load(open(p))
            if isinstance(d, dict) and 'Header' in d and 'Annotations' in d:
                rec += 1
            elif isinstance(d, dict) and d and all(isinstance(v, dict) and all('releases' in c for c in v.values()) for v in d.values()):
                rec += sum(len(v) for v in d.values())
            else:
                skip += 1
        elif low.endswith(('/dsa/list', '/dla/list', '/dsa', '/dla')):
            for line in open(p, encoding='utf-8', errors='replace'):
                if line.startswith('['):
                    rec += 1
                elif bad_pkg_line(line):
                    skip += 1
        elif low.endswith('/cve/list'):
            for line in open(p, encoding='utf-8', errors='replace'):
                if line.startswith('CVE-'):
                    rec += 1
                elif bad_pkg_line(line):
                    skip += 1
    return rec, skip

def wolfi(path):
    rec = 0
    for p in files(path, ('.json', '.yaml', '.yml')):
        d = load(p)
        if 'packages' in d:
            rec += secfix_items(d)
        else:
            rec += len(d.get('advisories') or [])
    return rec, 0

def cve5(path):
    rec = 0
    for p in files(path, ('.json',)):
        if load(p).get('cveMetadata', {}).get('cveId'):
            rec += 1
    return rec, 0

def kev(path):
    return len(load(path)['vulnerabilities']), 0

def epss(path):
    rec = skip = 0
    for p in files(path, ('.csv',)):
        lines = [l for l in open(p).read().splitlines() if l.strip()]
        if lines and lines[0].startswith('#'):
            lines = lines[1:]
        if not lines:
            continue
        if lines[0].strip().lower() != 'cve,epss,percentile':
            skip += max(1, len(lines) - 1)
            continue
        for l in lines[1:]:
            parts = l.split(',')
            if len(parts) == 3 and parts[0].startswith('CVE-'):
                rec += 1
            else:
                skip += 1
    return rec, skip

kind, path = sys.argv[1], sys.argv[2]
fn = {'osv': osv, 'alpine-secdb': alpine, 'debian-tracker': debian, 'wolfi': wolfi, 'cve5': cve5, 'kev': kev, 'epss': epss}[kind]
r, s = fn(path)
print(json.dumps({'records': r, 'skipped': s}))
