// The shipper (upstream pkg/shipper): on each sync, uploads the completed blocks of a local TSDB dir that are not
// uploaded yet, records them in thanos.shipper.json, and leaves failed ones for the next pass. Used by sidecar,
// receive and rule. Only level-1 blocks go up unless uploadCompacted is set (compaction happens in the bucket).
import { link, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Bucket } from '../objstore/bucket.js';
import { joinObjectName } from '../objstore/bucket.js';
import type { SourceType } from '../block/meta.js';
import { META_FILENAME, formatThanosMeta, withThanosSection } from '../block/meta.js';
import type { BlockMeta } from '../tsdb/block/meta.js';
import { parseMeta } from '../tsdb/block/meta.js';
import type { Labels } from '../tsdb/labels/labels.js';
import { labelsToRecord } from '../tsdb/labels/labels.js';
import type { Logger } from '../runtime/logger.js';
import { AbortError, errorMessage } from '../runtime/errors.js';
import { SHIPPER_META_FILENAME, SHIPPER_META_VERSION, readShipperMeta, writeShipperMeta } from './shipper-meta.js';
import { CHUNKS_DIRNAME, blockFiles, uploadBlock } from './upload.js';
import { isBlockId } from '../tsdb/block/ulid.js';


export interface LocalBlock {
  readonly dir: string;
  readonly meta: BlockMeta;
}

/** Completed blocks in a TSDB dir (ULID-named dirs with a readable meta.json), sorted by minTime. */
export async function readLocalBlocks(dir: string, logger?: Logger): Promise<LocalBlock[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw err;
  }
  const out: LocalBlock[] = [];
  for (const name of names) {
    if (!isBlockId(name)) continue;
    const blockDir = path.join(dir, name);
    let text: string;
    try {
      text = await readFile(path.join(blockDir, META_FILENAME), 'utf8');
    } catch {
      continue; // not a finished block (or being deleted)
    }
    try {
      out.push({ dir: blockDir, meta: parseMeta(text, path.join(blockDir, META_FILENAME)) });
    } catch (err) {
      logger?.warn('skipping block with unreadable meta.json', { block: name, err: errorMessage(err) });
    }
  }
  return out.sort((a, b) => a.meta.minTime - b.meta.minTime || (a.meta.ulid < b.meta.ulid ? -1 : 1));
}

/** The lowest minTime of the local blocks, or undefined when there are none. */
export async function oldestLocalBlockTime(dir: string): Promise<number | undefined> {
  const blocks = await readLocalBlocks(dir);
  return blocks.length > 0 ? Math.min(...blocks.map((b) => b.meta.minTime)) : undefined;
}

export interface ShipperMetrics {
  readonly dirSyncs: Counter;
  readonly dirSyncFailures: Counter;
  readonly uploads: Counter;
  readonly uploadFailures: Counter;
  readonly uploadedCompacted: Gauge;
}

export function createShipperMetrics(registry: Registry): ShipperMetrics {
  const registers = [registry];
  return {
    dirSyncs: new Counter({ name: 'thanos_shipper_dir_syncs_total', help: 'Total number of dir syncs', registers }),
    dirSyncFailures: new Counter({ name: 'thanos_shipper_dir_sync_failures_total', help: 'Total number of failed dir syncs', registers }),
    uploads: new Counter({ name: 'thanos_shipper_uploads_total', help: 'Total number of uploaded blocks', registers }),
    uploadFailures: new Counter({ name: 'thanos_shipper_upload_failures_total', help: 'Total number of block upload failures', registers }),
    uploadedCompacted: new Gauge({ name: 'thanos_shipper_upload_compacted_done', help: 'If 1 it means shipper uploaded all compacted blocks from the filesystem.', registers }),
  };
}

export interface ShipperOptions {
  readonly logger: Logger;
  /** External labels written into each block's thanos section; read at every sync. */
  readonly labels: () => Labels;
  readonly source: SourceType;
  /** Also upload blocks of compaction level > 1 (--shipper.upload-compacted). */
  readonly uploadCompacted?: boolean;
  /** --shipper.meta-file-name */
  readonly metaFileName?: string;
  readonly metrics?: ShipperMetrics;
}

export interface SyncResult {
  readonly uploaded: number;
  readonly failed: number;
}

export class Shipper {
  private readonly metaFile: string;

  constructor(private readonly bucket: Bucket, private readonly dir: string, private readonly o: ShipperOptions) {
    this.metaFile = path.join(dir, o.metaFileName ?? SHIPPER_META_FILENAME);
  }

  /**
   * Uploads every new block once. A block that fails is counted and retried on the next call; the others still go.
   * Rejects only when the dir or the bookkeeping file cannot be read or written.
   */
  async sync(signal?: AbortSignal): Promise<SyncResult> {
    const { logger, metrics } = this.o;
    metrics?.dirSyncs.inc();
    try {
      const result = await this.syncOnce(signal);
      if (result.failed > 0) metrics?.dirSyncFailures.inc();
      return result;
    } catch (err) {
      metrics?.dirSyncFailures.inc();
      if (!(err instanceof AbortError)) logger.error('shipper sync', { err: errorMessage(err) });
      throw err;
    }
  }

  private async syncOnce(signal?: AbortSignal): Promise<SyncResult> {
    const { logger, metrics } = this.o;
    const previous = new Set((await readShipperMeta(this.metaFile, logger)).uploaded);
    const blocks = await readLocalBlocks(this.dir, logger);
    // Only blocks still present locally are kept, as upstream does: the file stays small.
    const local = new Set(blocks.map((b) => b.meta.ulid));
    const keep = [...previous].filter((id) => local.has(id));
    const uploaded: string[] = [];
    let count = 0;
    let failed = 0;
    let compactedPending = false;
    for (const { dir, meta } of blocks) {
      if (signal?.aborted) throw new AbortError('shipper sync aborted');
      const id = meta.ulid;
      if (previous.has(id)) {
        uploaded.push(id);
        continue;
      }
      if ((meta.stats.numSamples ?? 0) === 0) {
        logger.debug('ignoring empty block', { block: id });
        continue;
      }
      if (meta.compaction.level > 1 && !this.o.uploadCompacted) continue;
      if (meta.compaction.level > 1) compactedPending = true;
      // Uploaded before but not recorded (bookkeeping file lost): do not upload twice.
      if (await this.bucket.exists(joinObjectName(id, META_FILENAME), signal ? { signal } : {})) {
        logger.info('block already in the bucket, recording it', { block: id });
        uploaded.push(id);
        continue;
      }
      try {
        await this.upload(dir, meta, signal);
        uploaded.push(id);
        count++;
        metrics?.uploads.inc();
        logger.info('upload new block', { block: id, minTime: meta.minTime, maxTime: meta.maxTime, level: meta.compaction.level });
      } catch (err) {
        if (signal?.aborted) throw new AbortError('shipper sync aborted', { cause: err });
        failed++;
        metrics?.uploadFailures.inc();
        logger.error('shipping failed', { block: id, err: errorMessage(err) });
      }
      // Record progress after each block, so a crash mid-sync never uploads a finished block again.
      await writeShipperMeta(this.metaFile, { version: SHIPPER_META_VERSION, uploaded: [...new Set([...keep, ...uploaded])] });
    }
    await writeShipperMeta(this.metaFile, { version: SHIPPER_META_VERSION, uploaded: [...new Set([...keep, ...uploaded])] });
    if (this.o.uploadCompacted) metrics?.uploadedCompacted.set(compactedPending && failed > 0 ? 0 : 1);
    return { uploaded: count, failed };
  }

  /**
   * Hard-links the block into `<dir>/thanos/upload/<ulid>` (Prometheus may delete the original mid-upload), writes
   * the Thanos meta.json there, and uploads from that copy.
   */
  private async upload(blockDir: string, meta: BlockMeta, signal?: AbortSignal): Promise<void> {
    const tmp = path.join(this.dir, 'thanos', 'upload', meta.ulid);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(path.join(tmp, CHUNKS_DIRNAME), { recursive: true });
    try {
      const files = await blockFiles(blockDir);
      for (const f of files) {
        if (f.rel_path === META_FILENAME) continue;
        await link(path.join(blockDir, f.rel_path), path.join(tmp, f.rel_path));
      }
      const segmentFiles = files.filter((f) => f.rel_path.startsWith(`${CHUNKS_DIRNAME}/`)).map((f) => f.rel_path.slice(CHUNKS_DIRNAME.length + 1));
      const thanosMeta = withThanosSection(meta, {
        labels: labelsToRecord(this.o.labels()),
        source: this.o.source,
        segment_files: segmentFiles,
        files,
      });
      await writeFile(path.join(tmp, META_FILENAME), formatThanosMeta(thanosMeta));
      await uploadBlock(this.bucket, tmp, thanosMeta, signal);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

export interface ShipperLoopOptions {
  /** Time between passes (upstream's sidecar: 30s). */
  readonly intervalMs: number;
  /** Time between checks while `ready` says no. */
  readonly retryMs?: number;
  /** Checked before each pass; false postpones shipping. An error thrown here stops the loop (a fatal setup problem). */
  readonly ready?: (signal: AbortSignal) => Promise<boolean>;
}

/** Runs `shipper.sync()` every interval until `signal` aborts. Failed passes are logged by the shipper and retried. */
export async function runShipperLoop(shipper: Shipper, signal: AbortSignal, o: ShipperLoopOptions): Promise<void> {
  while (!signal.aborted) {
    const ready = o.ready === undefined || (await o.ready(signal));
    if (ready && !signal.aborted) {
      try {
        await shipper.sync(signal);
      } catch (err) {
        if (err instanceof AbortError || signal.aborted) return;
      }
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ready ? o.intervalMs : (o.retryMs ?? 1000));
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
