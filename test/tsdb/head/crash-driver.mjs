// Crash-test driver: appends numbered batches to a TSDB directory as fast as it can (compacting the head as it
// goes), and after each Commit returns appends the batch number to an acknowledgement file. The test SIGKILLs it
// at random moments, or it kills itself at a named head-compaction step (env CRASH_STEP). Plain JS over the
// compiled dist/ (built by `npm test`'s pretest) so each of the many restarts starts fast.
//
// usage: node crash-driver.mjs DATA_DIR ACK_FILE BASE_TIME STEP_MS SERIES CHUNK_RANGE
// Batch k holds one sample per series i at BASE_TIME + k * STEP_MS with value k * 10 + i (crash-shape.ts).

import { appendFileSync } from 'node:fs';
import { Db } from '../../../dist/tsdb/head/db.js';
import { labelsFromRecord } from '../../../dist/tsdb/labels/labels.js';

const [dataDir, ackFile, base, stepMs, series, chunkRange] = process.argv.slice(2);
if (!chunkRange) throw new Error('usage: crash-driver.mjs DATA_DIR ACK_FILE BASE_TIME STEP_MS SERIES CHUNK_RANGE');
const crashStep = process.env['CRASH_STEP'];

const db = await Db.open(dataDir, {
  chunkRange: Number(chunkRange),
  walSegmentSize: 32 * 1024,
  onCompactionStep: (step) => { if (step === crashStep) process.kill(process.pid, 'SIGKILL'); },
});
// Resume after the newest batch the directory holds (committed, acknowledged or not).
let newest = db.head.maxTime;
for (const b of db.blocks) {
  for await (const s of b.select([])) for (const c of s.chunks) newest = Math.max(newest, c.maxTime);
}
let k = newest === -Infinity ? 0 : (newest - Number(base)) / Number(stepMs) + 1;
const labels = Array.from({ length: Number(series) }, (_, i) => labelsFromRecord({ __name__: 'crash', series: String(i) }));
process.stdout.write(`ready ${k}\n`);

for (;;) {
  const app = db.appender();
  const t = Number(base) + k * Number(stepMs);
  for (let i = 0; i < labels.length; i++) app.append(labels[i], t, k * 10 + i);
  app.commit();
  appendFileSync(ackFile, `${k}\n`);
  k++;
  if (db.head.compactable()) await db.compactHead();
  await new Promise((r) => setTimeout(r, 0));
}
