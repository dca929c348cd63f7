// The head's inverted index: label name → value → series refs. Lists are appended in creation order (ascending
// refs) and sorted lazily when replay added refs out of order.

export class MemPostings {
  private readonly m = new Map<string, Map<string, number[]>>();
  private readonly unsorted = new Set<number[]>();

  add(ref: number, labels: readonly { name: string; value: string }[]): void {
    for (const l of labels) {
      let values = this.m.get(l.name);
      if (!values) { values = new Map(); this.m.set(l.name, values); }
      const list = values.get(l.value);
      // A new list starts with room for one ref only: most values of a high-cardinality label have one series.
      if (!list) { values.set(l.value, [ref]); continue; }
      if (list.length > 0 && list[list.length - 1]! > ref) this.unsorted.add(list);
      list.push(ref);
    }
  }

  /** Removes the given refs from every list (after head truncation). */
  remove(refs: ReadonlySet<number>, labelsOf: (ref: number) => readonly { name: string; value: string }[] | undefined): void {
    const touched = new Map<string, Set<string>>();
    for (const ref of refs) {
      for (const l of labelsOf(ref) ?? []) {
        let s = touched.get(l.name);
        if (!s) { s = new Set(); touched.set(l.name, s); }
        s.add(l.value);
      }
    }
    for (const [name, vals] of touched) {
      const values = this.m.get(name);
      if (!values) continue;
      for (const v of vals) {
        const list = values.get(v);
        if (!list) continue;
        const kept = list.filter((r) => !refs.has(r));
        this.unsorted.delete(list);
        if (kept.length === 0) values.delete(v);
        else values.set(v, kept);
      }
      if (values.size === 0) this.m.delete(name);
    }
  }

  /** Sorted refs of series with label name=value (a view: do not modify). */
  get(name: string, value: string): readonly number[] {
    const list = this.m.get(name)?.get(value);
    if (!list) return [];
    if (this.unsorted.has(list)) { list.sort((a, b) => a - b); this.unsorted.delete(list); }
    return list;
  }

  /** Values of a label name, unsorted. */
  values(name: string): IterableIterator<string> {
    return (this.m.get(name) ?? new Map<string, number[]>()).keys();
  }

  names(): string[] {
    return [...this.m.keys()];
  }
}
