// End to end, the systemd story: examples/systemd/thanos-sidecar.service beside Debian's stock prometheus.service
// (read from the installed package). With the drop-in prometheus.service.d-thanos.conf the sidecar ships Prometheus's
// blocks; without it the sidecar exits non-zero saying compaction must be disabled (systemd would restart it in a
// loop). Paths and addresses are made local; the rest of both command lines is as the units have them.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { backfill, regularSeries } from '../store/prometheus/prometheus-peer.js';
import { bucketBlocks, eventually, portFreeEverywhere, startThanos, type Proc } from './guide-processes.js';

const HOUR = 3_600_000;
const FROM = Math.floor((Date.now() - 7 * HOUR) / (2 * HOUR)) * 2 * HOUR;
const TO = FROM + 6 * HOUR;

/** The words of an ExecStart line after drop-ins (an empty `ExecStart=` clears it), `\` continuations joined. */
function execStart(...unitTexts: string[]): string[] {
  let words: string[] = [];
  for (const text of unitTexts) {
    for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
      if (!line.startsWith('ExecStart=')) continue;
      words = line.slice('ExecStart='.length).trim().split(/\s+/).filter((w) => w !== '');
    }
  }
  return words;
}

describe('systemd: the sidecar unit beside Debian\'s stock Prometheus', () => {
  const stockUnit = '/lib/systemd/system/prometheus.service';
  const read = (f: string): Promise<string> => readFile(path.join(REPO_ROOT, 'examples', 'systemd', f), 'utf8');

  it.each([
    { how: 'with the drop-in, the sidecar ships', dropIn: true },
    { how: 'without it, the sidecar exits naming the fix', dropIn: false },
  ])('$how', async ({ dropIn }) => {
    if (!existsSync(stockUnit)) throw new Error(`${stockUnit} is missing: install Debian's prometheus package`);
    const work = await mkdtemp(path.join(tmpdir(), 'e2e-systemd-'));
    const procs: Proc[] = [];
    let prom: RunningPrometheus | undefined;
    try {
      // Prometheus as Debian's unit runs it ($ARGS empty, as /etc/default/prometheus ships), plus the drop-in.
      const words = execStart(await readFile(stockUnit, 'utf8'), ...(dropIn ? [await read('prometheus.service.d-thanos.conf')] : []));
      expect(words.slice(0, 2)).toEqual(['/usr/bin/prometheus', '$ARGS']);
      const tsdb = path.join(work, 'metrics2');
      await backfill(work, tsdb, [regularSeries({ __name__: 'guide_metric', job: 'host' }, FROM, TO, 60_000, (k) => k)]);
      prom = await startPrometheus({ dataDir: tsdb, workDir: work, flags: words.slice(2), config: 'global:\n  external_labels:\n    replica: host-a\n' });
      // The sidecar unit's ExecStart, paths and addresses made local.
      const bucket = `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`;
      await writeFile(path.join(work, 'bucket.yaml'), bucket);
      const local: Record<string, string> = {
        'tsdb.path': tsdb, 'prometheus.url': prom.url, 'objstore.config-file': path.join(work, 'bucket.yaml'),
        'http-address': `127.0.0.1:${await portFreeEverywhere()}`, 'grpc-address': `127.0.0.1:${await portFreeEverywhere()}`,
      };
      const unit = execStart(await read('thanos-sidecar.service'));
      expect(unit[0]).toBe('/usr/local/bin/thanos-ts');
      const args = unit.slice(1).map((a) => {
        const m = /^--([^=]+)=/.exec(a);
        return m && local[m[1]!] !== undefined ? `--${m[1]!}=${local[m[1]!]!}` : a;
      });
      const sidecar = startThanos('sidecar', args, {}, `http://${local['http-address']!}`);
      procs.push(sidecar);
      if (dropIn) {
        await eventually('the sidecar to ship', async () => ((await bucketBlocks(bucket)).length === 3 ? true : undefined), procs);
        expect((await bucketBlocks(bucket)).map((l) => l['replica'])).toEqual(['host-a', 'host-a', 'host-a']);
      } else {
        await eventually('the sidecar to exit', async () => (sidecar.child.exitCode !== null ? true : undefined), [], 30_000);
        expect(sidecar.child.exitCode).not.toBe(0);
        expect(sidecar.log()).toContain('Compaction needs to be disabled (storage.tsdb.min-block-duration = storage.tsdb.max-block-duration)');
        expect(await bucketBlocks(bucket)).toEqual([]);
      }
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      await prom?.stop();
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});
