#!/usr/bin/env python3
"""The metrics tests' helpers: scrape pgnetprof's /metrics and check it
against the JSON records, and ask a real Prometheus server what it
scraped. Every wait is bounded.

  metrics.py scrape URL OUT           the exposition text, to OUT
  metrics.py check METRICS RECORDS K EXACT
                                      each check as "ok|not ok<TAB>what";
                                      EXACT: each series holds all its
                                      fingerprint's records
  metrics.py grows OLD NEW            every series of OLD is in NEW, not lower
  metrics.py status URL METHOD        the HTTP status of a request
  metrics.py prom URL QUERY WANT SECS until the instant query's single value
                                      is WANT (exit 0), or SECS pass (exit 1)
"""
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def unescape(value):
    """a label value as written: \\, \" and \n are its escapes"""
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n' else m.group(1), value)


def parse(text):
    """{(name, frozenset(labels)): value}, and the TYPE of each family"""
    series, types = {}, {}
    for line in text.splitlines():
        if line.startswith('# TYPE '):
            _, _, name, kind = line.split(' ', 3)
            types[name] = kind
            continue
        if not line or line.startswith('#'):
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError('not the exposition format: %r' % line)
        labels = frozenset((k, unescape(v)) for k, v in LABEL.findall(m.group(3) or ''))
        series[(m.group(1), labels)] = float(m.group(4))
    return series, types


def by_fingerprint(series, name):
    return {dict(l)['fingerprint']: v for (n, l), v in series.items() if n == name}


def check(metrics_file, records_file, k, exact):
    series, types = parse(open(metrics_file).read())
    recs = [json.loads(l) for l in open(records_file) if '"type":"statement"' in l]
    results = []

    def ok(cond, what):
        results.append(('ok' if cond else 'not ok') + '\t' + what)

    calls = by_fingerprint(series, 'pgnetprof_statements_total')
    fps = set(calls) - {'other'}
    ok(len(fps) == min(k, len({r['fingerprint'] for r in recs})) and 'other' in calls,
       'the top %d fingerprints have series of their own, the rest are "other" (%d)' % (k, len(fps)))
    ok(sum(calls.values()) == len(recs), 'statements_total, summed: one per record (%d, %d)'
       % (sum(calls.values()), len(recs)))
    for name, field in (('rx_bytes', 'rx_bytes'), ('tx_bytes', 'tx_bytes')):
        got = sum(by_fingerprint(series, 'pgnetprof_statement_%s_total' % name).values())
        ok(got == sum(r[field] for r in recs), '%s, summed: the records\' (%d)' % (name, got))
    errors = sum(by_fingerprint(series, 'pgnetprof_statement_errors_total').values())
    ok(errors == sum(r['status'] == 'error' for r in recs), 'errors_total, summed: the failed records\' (%d)' % errors)
    net = sum(by_fingerprint(series, 'pgnetprof_statement_network_seconds_total').values())
    want = sum(r['rx_ns'] + r['tx_ns'] + r['tx_wait_ns'] for r in recs) / 1e9
    ok(abs(net - want) < 1e-6 * max(1, len(recs)), 'network_seconds_total, summed: the records\' calls and waits')
    for fp in fps if exact else ():
        mine = [r for r in recs if r['fingerprint'] == fp]
        ok(calls[fp] == len(mine), '%s: statements_total = its records (%d)' % (fp, len(mine)))
        rx = by_fingerprint(series, 'pgnetprof_statement_rx_bytes_total')[fp]
        ok(rx == sum(r['rx_bytes'] for r in mine), '%s: rx_bytes_total = its records\'' % fp)
        info = [dict(l) for (n, l), v in series.items() if n == 'pgnetprof_statement_info'
                and dict(l)['fingerprint'] == fp]
        ok(len(info) == 1 and info[0]['query'] == (mine[0]['normalized'] or mine[0]['query'])[:200],
           '%s: statement_info names its normalized text' % fp)
    top = sorted(fps, key=lambda f: -sum(r['rx_bytes'] + r['tx_bytes'] for r in recs if r['fingerprint'] == f))
    rest = {r['fingerprint'] for r in recs} - fps
    least = min(sum(r['rx_bytes'] + r['tx_bytes'] for r in recs if r['fingerprint'] == f) for f in top)
    most_rest = max([sum(r['rx_bytes'] + r['tx_bytes'] for r in recs if r['fingerprint'] == f) for f in rest] or [0])
    ok(least >= most_rest, 'the fingerprints with series move the most bytes')
    h = 'pgnetprof_statement_response_seconds'
    ok(types.get(h) == 'histogram', 'response_seconds is a histogram')
    for fp in calls:
        buckets = sorted(((float(dict(l)['le']), v) for (n, l), v in series.items()
                          if n == h + '_bucket' and dict(l)['fingerprint'] == fp))
        counts = [v for _, v in buckets]
        count = series[(h + '_count', frozenset({('fingerprint', fp)}))]
        ok(counts == sorted(counts) and counts[-1] == count == calls[fp],
           '%s: its buckets are cumulative and end at its count' % fp)
    for fp in fps if exact else ():
        mine = [r for r in recs if r['fingerprint'] == fp]
        under_1ms = series[(h + '_bucket', frozenset({('fingerprint', fp), ('le', '0.001')}))]
        ok(under_1ms == sum(r['response_ns'] <= 1000000 for r in mine), '%s: le="0.001" counts its records of 1 ms or less' % fp)
    ok(series.get(('pgnetprof_lost_records_total', frozenset())) == 0, 'lost_records_total is 0')
    info = [dict(l) for (n, l), v in series.items() if n == 'pgnetprof_info']
    ok(len(info) == 1 and info[0]['backend'] != '' and info[0]['probes'] != '', 'pgnetprof_info names its backend and probes: %s' % info)
    for line in results:
        print(line)


def grows(old_file, new_file):
    old, _ = parse(open(old_file).read())
    new, types = parse(open(new_file).read())
    gauges = {n for n, t in types.items() if t == 'gauge'}
    bad = [(n, dict(l)) for (n, l), v in old.items()
           if n not in gauges and (n, l) in new and new[(n, l)] < v]
    print(('ok' if not bad else 'not ok') + '\tno counter went down between two scrapes %s' % bad[:3])


def status(url, method):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            print(r.status)
    except urllib.error.HTTPError as e:
        print(e.code)


def prom(url, query, want, secs):
    deadline = time.monotonic() + float(secs)
    last = None
    while time.monotonic() < deadline:
        try:
            q = url + '/api/v1/query?' + urllib.parse.urlencode({'query': query})
            with urllib.request.urlopen(q, timeout=5) as r:
                res = json.load(r)['data']['result']
            last = res
            if len(res) == 1 and float(res[0]['value'][1]) == float(want):
                return 0
        except (urllib.error.URLError, OSError, KeyError, ValueError) as e:
            last = e
        time.sleep(0.5)
    print('prometheus answered %r for %s, want %s' % (last, query, want), file=sys.stderr)
    return 1


def main():
    cmd = sys.argv[1]
    if cmd == 'scrape':
        with urllib.request.urlopen(sys.argv[2], timeout=10) as r:
            open(sys.argv[3], 'wb').write(r.read())
    elif cmd == 'check':
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == '1')
    elif cmd == 'grows':
        grows(sys.argv[2], sys.argv[3])
    elif cmd == 'status':
        status(sys.argv[2], sys.argv[3])
    elif cmd == 'prom':
        sys.exit(prom(*sys.argv[2:6]))


if __name__ == '__main__':
    main()
