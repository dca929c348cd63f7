// `thanos.shipper.json` in the TSDB dir (upstream pkg/shipper Meta): which blocks were uploaded, so a restart never
// uploads twice. `{"version": 1, "uploaded": [ULIDs]}`, tab-indented as Go writes it, replaced atomically.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from '../runtime/logger.js';
import { errorMessage } from '../runtime/errors.js';

export const SHIPPER_META_FILENAME = 'thanos.shipper.json';
export const SHIPPER_META_VERSION = 1;

export interface ShipperMeta {
  readonly version: number;
  readonly uploaded: readonly string[];
}

/** Reads the file; a missing or unreadable one starts empty (the bucket is then asked block by block). */
export async function readShipperMeta(file: string, logger: Logger): Promise<ShipperMeta> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') logger.warn('read shipper meta file, starting empty', { file, err: errorMessage(err) });
    return { version: SHIPPER_META_VERSION, uploaded: [] };
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) throw new Error('not a JSON object');
    const { version, uploaded } = v as { version?: unknown; uploaded?: unknown };
    if (version !== SHIPPER_META_VERSION) throw new Error(`unexpected version ${JSON.stringify(version)}`);
    if (uploaded !== null && uploaded !== undefined && (!Array.isArray(uploaded) || !uploaded.every((u) => typeof u === 'string'))) {
      throw new Error('uploaded must be a list of ULIDs');
    }
    return { version: SHIPPER_META_VERSION, uploaded: (uploaded as string[] | null | undefined) ?? [] };
  } catch (err) {
    logger.warn('shipper meta file is corrupt, starting empty', { file, err: errorMessage(err) });
    return { version: SHIPPER_META_VERSION, uploaded: [] };
  }
}

export async function writeShipperMeta(file: string, meta: ShipperMeta): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify({ version: meta.version, uploaded: meta.uploaded }, null, '\t') + '\n');
  await rename(tmp, file);
}
