// Round trips of the Rules, Targets, Metadata and Exemplars messages through their codecs, and the RFC 3339 text of
// timestamps (to the nanosecond, other zones, Go's zero time) as Prometheus writes and reads it.
import { describe, expect, it } from 'vitest';
import { decodeExemplarsFrame, encodeExemplarsFrame, type ExemplarsFrame } from '../../../src/store/apis/exemplars.js';
import { decodeMetadataFrame, encodeMetadataFrame } from '../../../src/store/apis/metadata.js';
import { decodeRulesFrame, decodeRulesRequest, encodeRulesFrame, encodeRulesRequest, type RulesFrame } from '../../../src/store/apis/rules.js';
import { decodeTargetsFrame, encodeTargetsFrame, type TargetsFrame } from '../../../src/store/apis/targets.js';
import { formatRfc3339, parseRfc3339, ZERO_TIME } from '../../../src/store/apis/timestamp.js';

const l = (o: Record<string, string>): { name: string; value: string }[] => Object.entries(o).map(([name, value]) => ({ name, value }));

describe('RFC 3339 timestamps', () => {
  it.each([
    ['2026-12-04T17:36:36.080621263Z', { seconds: 1796405796, nanos: 80621263 }, '2026-12-04T17:36:36.080621263Z'],
    ['2026-12-04T18:36:36.5+01:00', { seconds: 1796405796, nanos: 500000000 }, '2026-12-04T17:36:36.5Z'],
    ['2026-12-04T17:36:36Z', { seconds: 1796405796, nanos: 0 }, '2026-12-04T17:36:36Z'],
    ['0001-01-01T00:00:00Z', ZERO_TIME, '0001-01-01T00:00:00Z'],
  ])('%s', (text, ts, formatted) => {
    expect(parseRfc3339(text, 't')).toEqual(ts);
    expect(formatRfc3339(ts)).toBe(formatted);
  });

  it('rejects text that is not RFC 3339, naming where', () => {
    expect(() => parseRfc3339('yesterday', 'rules.groups[0].lastEvaluation')).toThrow(/rules\.groups\[0\]\.lastEvaluation: cannot parse "yesterday"/);
  });
});

describe('component API codecs', () => {
  it('rules request and frames survive a round trip', () => {
    const req = { type: 'alert', partialResponseStrategy: 'WARN', matchers: ['{a="b"}'], ruleNames: ['x'], ruleGroups: ['g'], files: ['f.yml'] } as const;
    expect(decodeRulesRequest(encodeRulesRequest(req))).toEqual(req);
    const frames: RulesFrame[] = [
      { type: 'warning', warning: 'endpoint down' },
      {
        type: 'group',
        group: {
          name: 'g', file: '/etc/rules.yml', interval: 5, evaluationTime: 0.001, lastEvaluation: { seconds: 1796405796, nanos: 123 },
          limit: 0, partialResponseStrategy: 'ABORT',
          rules: [
            {
              type: 'alerting', state: 'firing', name: 'A', query: 'vector(1) > 0', duration: 60, keepFiringFor: 0,
              labels: l({ replica: '0', severity: 'page' }), annotations: l({ summary: 's' }),
              alerts: [{ labels: l({ alertname: 'A' }), annotations: [], state: 'firing', activeAt: { seconds: 1796405700, nanos: 5 }, value: '1e+00', partialResponseStrategy: 'ABORT' }],
              health: 'ok', lastError: '', evaluationTime: 0.0002, lastEvaluation: ZERO_TIME,
            },
            { type: 'recording', name: 'r', query: 'sum(up)', labels: [], health: 'err', lastError: 'boom', evaluationTime: 0, lastEvaluation: ZERO_TIME },
          ],
        },
      },
    ];
    for (const f of frames) expect(decodeRulesFrame(encodeRulesFrame(f))).toEqual(f);
  });

  it('targets, metadata and exemplars frames survive a round trip', () => {
    const t: TargetsFrame = {
      type: 'targets',
      targets: {
        activeTargets: [{
          discoveredLabels: l({ __address__: 'h:1' }), labels: l({ job: 'j' }), scrapePool: 'j', scrapeUrl: 'http://h:1/metrics',
          globalUrl: 'http://h:1/metrics', lastError: '', lastScrape: { seconds: 1796405796, nanos: 9 }, lastScrapeDuration: 0.004, health: 'down',
        }],
        droppedTargets: [{ discoveredLabels: l({ __address__: 'h:2' }) }],
      },
    };
    expect(decodeTargetsFrame(encodeTargetsFrame(t))).toEqual(t);
    const md = new Map([['up', [{ type: 'gauge', help: 'Up.', unit: '' }]], ['x_seconds', [{ type: 'counter', help: 'a', unit: 'seconds' }, { type: 'counter', help: 'b', unit: '' }]]]);
    const back = decodeMetadataFrame(encodeMetadataFrame({ type: 'metadata', metadata: md }));
    expect(back.type === 'metadata' ? [...back.metadata] : back).toEqual([...md]);
    const e: ExemplarsFrame = { type: 'data', data: { seriesLabels: l({ __name__: 'x' }), exemplars: [{ labels: l({ trace_id: 't' }), value: 1.5, ts: 1796405796123 }] } };
    expect(decodeExemplarsFrame(encodeExemplarsFrame(e))).toEqual(e);
  });

  it('rejects an alert state this version does not know, naming the field', () => {
    // Field 1 (group) holding field 3 (rules) holding field 2 (alert) with state (field 1) = 9.
    const alert = Uint8Array.of(0x08, 9);
    const rule = Uint8Array.of(0x12, alert.length, ...alert);
    const group = Uint8Array.of(0x1a, rule.length, ...rule);
    expect(() => decodeRulesFrame(Uint8Array.of(0x0a, group.length, ...group))).toThrow(/RulesResponse\.group\.rules\[0\]\.state: unknown enum value 9/);
  });
});
