// Why an eval of the shared PromQL test files is out of scope, following the README's categories: native
// histograms, experimental functions/aggregations, experimental syntax. undefined = a float, stable eval.

const EXPERIMENTAL_FUNCS = ['double_exponential_smoothing', 'info', 'mad_over_time', 'sort_by_label', 'sort_by_label_desc',
  'histogram_quantiles', 'ts_of_first_over_time', 'ts_of_last_over_time', 'ts_of_min_over_time', 'ts_of_max_over_time',
  'start_timestamp', 'start', 'end', 'range', 'step', 'min_of', 'max_of', 'limitk', 'limit_ratio'];
const NH_FUNCS = ['histogram_count', 'histogram_sum', 'histogram_avg', 'histogram_fraction', 'histogram_stddev', 'histogram_stdvar'];

export interface EvalInfo {
  readonly line: number;
  readonly query: string;
  readonly body: string;
  /** Metric names loaded with histogram samples (or converted by load_with_nhcb) since the last clear. */
  readonly histogramMetrics: ReadonlySet<string>;
  readonly startTimestamps: boolean;
}

/** Scans a script for its evals with the context the classifier needs. */
export function scanEvals(text: string): EvalInfo[] {
  const lines = text.split('\n').map((l) => l.trim());
  const out: EvalInfo[] = [];
  let nh = new Set<string>();
  let st = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^clear\b/i.test(l)) { nh = new Set(); st = false; continue; }
    if (/^load/i.test(l)) {
      const nhcb = /^load_with_nhcb/i.test(l);
      for (i++; i < lines.length && lines[i] !== '' && !lines[i]!.startsWith('#'); i++) {
        const b = lines[i]!;
        const name = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(b)?.[1] ?? /__name__\s*=\s*"([^"]+)"/.exec(b)?.[1] ?? /^\{\s*"([^"]+)"/.exec(b)?.[1];
        if (/@st\s/.test(b)) st = true;
        if (!name) continue;
        if (b.includes('{{')) nh.add(name);
        if (nhcb) {
          nh.add(name);
          nh.add(name.replace(/_(bucket|count|sum)$/, ''));
        }
      }
      i--;
      continue;
    }
    if (/^eval/i.test(l)) {
      const query = l.replace(/^eval\S*\s+(instant\s+(at\s+)?\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+/, '');
      const body: string[] = [];
      for (let j = i + 1; j < lines.length && lines[j] !== '' && !lines[j]!.startsWith('#'); j++) body.push(lines[j]!);
      out.push({ line: i + 1, query, body: body.join('\n'), histogramMetrics: nh, startTimestamps: st });
    }
  }
  return out;
}

export function outOfScopeReason(e: EvalInfo): string | undefined {
  const q = e.query;
  if (e.startTimestamps) return 'start timestamps (experimental use-start-timestamps)';
  if (/\b(anchored|smoothed)\b/.test(q)) return 'anchored/smoothed range selectors (experimental)';
  if (/\bfill(_left|_right)?\s*\(/.test(q)) return 'fill modifiers (experimental)';
  if (/\binfo\s*\(/.test(q)) return 'info() (experimental)';
  if (/__type__|__unit__/.test(q + e.body)) return '__type__/__unit__ labels (type-and-unit feature)';
  if (/\[[^\]]*[-+*/%^(]|offset\s*\(|offset\s+-?\s*\(|:\s*step\(\)/.test(q.replace(/\[\s*-?\d/g, '[0'))) {
    if (/\[[^\]:]*(\d\s*[-+*/%^]|\()/.test(q) || /offset\s*\(/.test(q) || /\(\)\s*\]/.test(q)) return 'duration expressions (experimental)';
  }
  for (const f of EXPERIMENTAL_FUNCS) {
    if (new RegExp(`\\b${f}\\s*\\(`, 'i').test(q)) return `experimental function ${f}`;
  }
  if (q.includes('{{') || e.body.includes('{{')) return 'native histograms';
  for (const f of NH_FUNCS) if (new RegExp(`\\b${f}\\s*\\(`).test(q)) return `native histograms (${f})`;
  if (/<\/|>\//.test(q)) return 'native histograms (trim operators)';
  for (const m of e.histogramMetrics) {
    if (new RegExp(`(^|[^A-Za-z0-9_:"])${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_:])`).test(q)) return 'native histograms (metric loaded with histogram samples)';
  }
  if (e.histogramMetrics.size > 0 && /\{[^}]*__name__\s*=~|^\s*\{|[(,\s]\{/.test(q)) return 'native histograms (selector may match histogram series)';
  return undefined;
}
