// Series names as PromQL writes them (`up{job="a", instance="b"}`). DOM-free.

export function formatSeries(metric: Readonly<Record<string, string>>): string {
  const name = metric['__name__'] ?? '';
  const labels = Object.entries(metric).filter(([k]) => k !== '__name__')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return labels.length === 0 && name !== '' ? name : `${name}{${labels.join(', ')}}`;
}

