// Alert template expansion against the outputs Prometheus documents and tests (template/template_test.go,
// docs/configuration/template_reference.md): functions, pipelines, control structures, variables, errors.
import { describe, expect, it } from 'vitest';
import { expandAlertTemplate, TemplateCache } from '../../../src/rule/template/expand.js';
import { parseTemplate } from '../../../src/rule/template/parse.js';
import type { QuerySample } from '../../../src/rule/template/go-fmt.js';
import { sprintf } from '../../../src/rule/template/go-fmt.js';

const samples: QuerySample[] = [
  { Labels: new Map([['__name__', 'up'], ['instance', 'b:9090'], ['job', 'api']]), Value: 1 },
  { Labels: new Map([['__name__', 'up'], ['instance', 'a:9090'], ['job', 'api']]), Value: 0 },
];

async function expand(text: string, value = 11, labels: Record<string, string> = { instance: 'host:9100', job: 'node' }): Promise<string> {
  const r = await expandAlertTemplate(new TemplateCache(), 'Test', text, {
    labels: new Map(Object.entries(labels)), externalLabels: new Map([['cluster', 'eu1']]), externalUrl: 'http://thanos:10902/prefix', value,
  }, { query: (q) => Promise.resolve(q === 'up' ? samples : []), nowMs: 1_700_000_000_123, externalUrl: 'http://thanos:10902/prefix' });
  return r.text;
}

describe('alert templates (Prometheus template_test.go cases)', () => {
  const cases: [string, string, number?][] = [
    ['plain text', 'plain text'],
    ['{{ 1 }}', '1'],
    ['{{ 1.5 }}', '1.5'],
    ['{{ $value }}', '11'],
    ['{{ $value }}', '1e+06', 1e6],
    ['{{ .Value }}', '0.25', 0.25],
    ['{{ $labels.instance }} of {{ $labels.job }}', 'host:9100 of node'],
    ['{{ .Labels.instance }}', 'host:9100'],
    ['[{{ $labels.missing }}]', '[]'],
    ['{{ $externalLabels.cluster }}', 'eu1'],
    ['{{ $externalURL }}', 'http://thanos:10902/prefix'],
    ['{{ humanize 1234567.0 }}', '1.235M'],
    ['{{ range (args 0.0 1.0 1234567.0 .12) }}{{ humanize . }}:{{ end }}', '0:1:1.235M:120m:'],
    ['{{ range (args 0.0 1.0 1048576.0 .12) }}{{ humanize1024 . }}:{{ end }}', '0:1:1Mi:0.12:'],
    ['{{ range (args 0 1 60 3600 86400 90000 -183845 899.99) }}{{ humanizeDuration . }}:{{ end }}', '0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:'],
    ['{{ range (args .1 .0001 .12345 60.1 60.5 1.2345 12.345) }}{{ humanizeDuration . }}:{{ end }}', '100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:'],
    ['{{ humanizeDuration "3600" }}', '1h 0m 0s'],
    ['{{ range (args -1 0 0.1234567 1) }}{{ humanizePercentage . }}:{{ end }}', '-100%:0%:12.35%:100%:'],
    ['{{ humanizeTimestamp 1435065584.128 }}', '2015-06-23 13:19:44.128 +0000 UTC'],
    ['{{ humanizeTimestamp "1435065584.128" }}', '2015-06-23 13:19:44.128 +0000 UTC'],
    ['{{ humanize "NaN" }}', 'NaN'],
    ['{{ humanize "+Inf" }}', '+Inf'],
    ['{{ $value | humanize }}', '1.5k', 1500],
    ['{{ "aa bb CC" | title }}', 'Aa Bb CC'],
    ['{{ toUpper "aBc" }}{{ toLower "XyZ" }}', 'ABCxyz'],
    ['{{ reReplaceAll "(a)b" "x$1" "ab" }}', 'xa'],
    ['{{ reReplaceAll ":\\\\d+" "" $labels.instance }}', 'host'],
    ['{{ match "a+" "bab" }} {{ match "^a+$" "bab" }}', 'true false'],
    ['{{ printf "%.2f" $value }}', '11.00'],
    ['{{ printf "%d items" 3 }}', '3 items'],
    ['{{ printf "%d" $value }}', '%!d(float64=11)'],
    ['{{ printf "%s=%v" "a" 2.5 }}', 'a=2.5'],
    ['{{ printf "%5.1f|%-4s|%03d" 3.14159 "x" 7 }}', '  3.1|x   |007'],
    ['{{ if gt $value 10.0 }}high{{ else }}low{{ end }}', 'high'],
    ['{{ if lt $value 5.0 }}low{{ else if lt $value 20.0 }}mid{{ else }}high{{ end }}', 'mid'],
    ['{{ with $labels.job }}job={{ . }}{{ end }}', 'job=node'],
    ['{{ with $labels.nope }}x{{ else }}none{{ end }}', 'none'],
    ['{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}', 'instance=host:9100;job=node;'],
    ['{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}', 'b'],
    ['{{- " a " -}}  \n  {{- "b" }}', ' a b'],
    ['{{/* a comment */}}x', 'x'],
    ['{{ query "up" | len }}', '2'],
    ['{{ with query "up" }}{{ . | first | value }}{{ end }}', '1'],
    ['{{ query "up" | first | label "instance" }}', 'b:9090'],
    ['{{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }} {{ .Value }};{{ end }}', 'a:9090 0;b:9090 1;'],
    ['{{ range query "none" }}x{{ else }}empty{{ end }}', 'empty'],
    ['{{ "<b>" | safeHtml }}', '<b>'],
    ['{{ html "<b>" }}', '&lt;b&gt;'],
    ['{{ urlquery "a b&c" }}', 'a+b%26c'],
    ['{{ graphLink "up == 0" }}', '/graph?g0.expr=up+%3D%3D+0&g0.tab=0'],
    ['{{ tableLink "up" }}', '/graph?g0.expr=up&g0.tab=1'],
    ['{{ pathPrefix }}', '/prefix'],
    ['{{ parseDuration "1h2m" }}', '3720'],
    ['{{ toTime 1435065584.128 }}', '2015-06-23 13:19:44.128 +0000 UTC'],
    ['{{ toDuration 90.5 }}', '1m30.5s'],
    ['{{ index $labels "job" }}', 'node'],
    ['{{ len "abc" }}', '3'],
    ['{{ and 1 0 }} {{ or 0 "x" }} {{ not true }}', '0 x false'],
    ['{{ eq $labels.job "node" "api" }} {{ ne 1 2 }}', 'true true'],
    ['{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" $labels.job }}', '[node]'],
    ['{{ range (args 1 2 3) }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}', '1'],
  ];
  for (const [text, want, value] of cases) {
    it(`${text} → ${want}`, async () => {
      expect(await expand(text, value)).toBe(want);
    });
  }

  it('turns execution failures into Prometheus\'s error text', async () => {
    expect(await expand('{{ first (query "none") }}')).toMatch(/^<error expanding template: error executing template __alert_Test: template: __alert_Test:1:\d+: executing "__alert_Test" at <first \(query "none"\)>: error calling first: first\(\) called on vector with no elements>$/);
    expect(await expand('{{ humanize "abc" }}')).toContain('error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax');
    expect(await expand('{{ eq $value 1 }}')).toContain('incompatible types for comparison');
  });

  it('reports parse errors in Go\'s words', () => {
    expect(() => parseTemplate('{{ $labels.job ', '__alert_X')).toThrow('template: __alert_X:1: unclosed action');
    expect(() => parseTemplate('{{ nofunc }}', '__alert_X')).toThrow('template: __alert_X:1: function "nofunc" not defined');
    expect(() => parseTemplate('{{ if true }}x', '__alert_X')).toThrow('template: __alert_X:1: unexpected EOF');
    expect(() => parseTemplate('x\n{{ end }}', '__alert_X')).toThrow('template: __alert_X:2: unexpected {{end}}');
  });

  it('printf follows fmt', () => {
    expect(sprintf('%e|%g|%.3g|%x|%q|%t|%%', [1234.5678, 1e-7, 1234.5678, 'hi', 'a"b', true])).toBe('1.234568e+03|1e-07|1.23e+03|6869|"a\\"b"|true|%');
    expect(sprintf('%s %s', ['a'])).toBe('a %!s(MISSING)');
    expect(sprintf('%s', ['a', 'b'])).toBe('a%!(EXTRA string=b)');
  });
});
