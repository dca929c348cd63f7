import { IndexFileWriter } from '../src/tsdb/index/file-writer.js';
import { compareBytewise } from '../src/tsdb/index/writer.js';
import { compareLabels, labelsFromRecord } from '../src/tsdb/labels/labels.js';
const many = Array.from({ length: 100000 }, (_, i) => labelsFromRecord({ __name__: `m${i % 7}`, instance: `host-${i % 113}`, job: i % 2 ? 'api' : 'db', i: String(i) })).sort(compareLabels);
const syms = new Set<string>(['']); for (const s of many) for (const l of s) { syms.add(l.name); syms.add(l.value); }
const sorted = [...syms].sort(compareBytewise);
let t = performance.now();
const fw = await IndexFileWriter.create('/tmp/iw-prof.idx'); fw.addSymbols(sorted);
for (const [i, s] of many.entries()) await fw.addSeries(s, [{ minTime: i, maxTime: i + 1, ref: 8 + i * 10 }]);
console.log('file add', performance.now() - t); t = performance.now();
await fw.finish();
console.log('file finish', performance.now() - t);
