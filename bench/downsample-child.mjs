// One block operation in a process of its own, for bench/downsample.ts: `downsample` runs the compiled streaming
// downsampler (dist/) raw → 5m; `read` (the reference) only reads and decodes every chunk of the block. Prints JSON
// with wall and CPU time, samples seen and this process's peak RSS (VmHWM).
// Usage: node bench/downsample-child.mjs downsample|read BLOCK_DIR DEST_DIR
import { readFileSync } from 'node:fs';
import { BlockReader } from '../dist/tsdb/block/reader.js';
import { XorIterator } from '../dist/tsdb/chunkenc/xor.js';
import { downsampleBlock } from '../dist/tsdb/downsample/block.js';

function peakRss() {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const [mode, src, dest] = process.argv.slice(2);
const rssBefore = peakRss();
const cpu0 = process.cpuUsage();
const start = performance.now();
let samples = 0;
let outSeries = 0;
if (mode === 'downsample') {
  const r = await downsampleBlock(src, dest, { fromRes: 0, toRes: 300_000 });
  samples = r.inputSamples;
  outSeries = r.meta.stats.numSeries;
} else {
  const b = await BlockReader.open(src);
  const it = new XorIterator();
  const ids = await b.index.allPostings();
  let sum = 0;
  for (let k = 0; k < ids.length; k += 256) {
    for await (const s of b.select([], -Infinity, Infinity, { postings: ids.subarray(k, k + 256) })) {
      for (const c of s.chunks) { it.reset(c.data); while (it.next()) { sum += it.atF(); samples++; } }
    }
  }
  await b.close();
  if (sum === 0.5) process.stderr.write('');
}
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ mode, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, samples, outSeries, rssBefore, peakRss: peakRss() }) + '\n');
