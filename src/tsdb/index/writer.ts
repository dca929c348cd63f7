// Index format v2 writer, a stage machine (symbols → series → finish) that lays out sections exactly as
// Prometheus 2.42 does: symbols, 16-aligned series, label indices, postings, label offset table, postings offset
// table, TOC. Built in memory; `finish()` returns the file's bytes. Spec: shared reference §4.

import { BugError, InvalidArgumentError } from '../../runtime/errors.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import type { ChunkRef } from '../chunks/refs.js';
import { crc32c } from '../encoding/crc32c.js';
import { Encoder } from '../encoding/encoder.js';
import { encodeSymbols } from './symbols.js';
import { INDEX_MAGIC, INDEX_VERSION_2, encodeToc } from './toc.js';

/** A chunk as the index records it: inclusive time range of its samples and its ref in the segment files. */
export interface ChunkMeta {
  readonly minTime: number;
  readonly maxTime: number;
  readonly ref: ChunkRef;
}

type Stage = 'symbols' | 'series' | 'done';

/**
 * Orders strings by their UTF-8 bytes, as Go compares strings. JavaScript's `<` compares UTF-16 units, which differs
 * only when surrogates (code points above U+FFFF) meet units U+E000–U+FFFF.
 */
export function compareBytewise(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The chunk part of a series entry: count, then each chunk's times and ref as deltas, checked for order. */
export function putChunkMetas(s: Encoder, lset: Labels, chunks: readonly ChunkMeta[]): void {
  s.putUvarint(chunks.length);
  let prevMaxT = 0;
  let prevRef = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (c.minTime > c.maxTime) throw new InvalidArgumentError(`chunk ${i} of ${formatLabels(lset)} has minTime ${c.minTime} > maxTime ${c.maxTime}`);
    if (i === 0) {
      s.putVarint(c.minTime);
    } else {
      if (c.minTime <= prevMaxT) throw new InvalidArgumentError(`chunk ${i} of ${formatLabels(lset)} overlaps or precedes the previous one`);
      if (c.ref <= prevRef) throw new InvalidArgumentError(`chunk ${i} of ${formatLabels(lset)} has a ref lower than the previous one`);
      s.putUvarint(c.minTime - prevMaxT);
    }
    s.putUvarint(c.maxTime - c.minTime);
    if (i === 0) s.putUvarint(c.ref); else s.putVarint(c.ref - prevRef);
    prevMaxT = c.maxTime;
    prevRef = c.ref;
  }
}

export class IndexWriter {
  private readonly out = new Encoder(64 * 1024);
  private readonly scratch = new Encoder(256);
  private stage: Stage = 'symbols';
  private symbolIdx = new Map<string, number>();
  private seriesStart = 0;
  private lastSeries: Labels | undefined;
  /** name → value → series IDs, in insertion (= ID) order. */
  private readonly postings = new Map<string, Map<string, number[]>>();
  private readonly all: number[] = [];

  constructor() {
    this.out.putBE32(INDEX_MAGIC);
    this.out.putByte(INDEX_VERSION_2);
  }

  private ensureStage(want: Stage): void {
    if (this.stage === 'done') throw new BugError('index writer used after finish');
    if (want === 'symbols' && this.stage !== 'symbols') throw new BugError(`index writer: symbols added in stage ${this.stage}`);
  }

  /**
   * Writes the symbol table. `symbols` must be sorted bytewise (compareBytewise) and unique and must contain every label name
   * and value of the series that follow; Prometheus also includes "" (it does for byte equality).
   */
  addSymbols(symbols: readonly string[]): void {
    this.ensureStage('symbols');
    for (let i = 1; i < symbols.length; i++) {
      if (compareBytewise(symbols[i - 1]!, symbols[i]!) >= 0) throw new InvalidArgumentError(`index symbols not sorted or not unique at ${i}: ${JSON.stringify(symbols[i])}`);
    }
    encodeSymbols(symbols, this.out);
    symbols.forEach((s, i) => this.symbolIdx.set(s, i));
    this.seriesStart = this.out.length;
    this.stage = 'series';
  }

  private sym(s: string, lset: Labels): number {
    const i = this.symbolIdx.get(s);
    if (i === undefined) throw new InvalidArgumentError(`symbol ${JSON.stringify(s)} of series ${formatLabels(lset)} is not in the symbol table`);
    return i;
  }

  /**
   * Adds one series; series must come in strictly increasing label order, labels sorted by unique name, chunks in
   * time order without overlap and with increasing refs. Returns the series ID (offset / 16).
   */
  addSeries(lset: Labels, chunks: readonly ChunkMeta[]): number {
    this.ensureStage('series');
    if (this.stage !== 'series') throw new BugError('index writer: series added before symbols');
    if (this.lastSeries && compareLabels(this.lastSeries, lset) >= 0) {
      throw new InvalidArgumentError(`out-of-order series added with label set ${formatLabels(lset)}`);
    }
    for (let i = 1; i < lset.length; i++) {
      if (lset[i - 1]!.name >= lset[i]!.name) throw new InvalidArgumentError(`series ${formatLabels(lset)} has unsorted or duplicate label names`);
    }
    const o = this.out;
    o.pad(16);
    const id = o.length / 16;
    if (id > 0xffffffff) throw new InvalidArgumentError('index exceeds 64 GiB: series IDs no longer fit 32 bits');
    const s = this.scratch;
    s.reset();
    s.putUvarint(lset.length);
    for (const l of lset) {
      s.putUvarint(this.sym(l.name, lset));
      s.putUvarint(this.sym(l.value, lset));
    }
    putChunkMetas(s, lset, chunks);
    const body = s.bytes();
    o.putUvarint(body.length);
    o.putBytes(body);
    o.putBE32(crc32c(body));
    for (const l of lset) {
      let byValue = this.postings.get(l.name);
      if (!byValue) { byValue = new Map(); this.postings.set(l.name, byValue); }
      let ids = byValue.get(l.value);
      if (!ids) { ids = []; byValue.set(l.value, ids); }
      ids.push(id);
    }
    this.all.push(id);
    this.lastSeries = lset;
    return id;
  }

  private putPostings(ids: readonly number[]): void {
    const o = this.out;
    o.pad(4);
    o.putBE32(4 + 4 * ids.length);
    const from = o.length;
    o.putBE32(ids.length);
    for (const id of ids) o.putBE32(id);
    o.putBE32(crc32c(o.bytes(), 0, from, o.length));
  }

  /** Writes label indices, postings, both offset tables and the TOC; returns the complete index file. */
  finish(): Uint8Array {
    if (this.stage === 'symbols') this.addSymbols(['']);
    this.ensureStage('series');
    const o = this.out;
    const seriesEnd = o.length;
    const names = [...this.postings.keys()].sort(compareBytewise);
    const sortedValues = new Map<string, string[]>();
    for (const n of names) sortedValues.set(n, [...this.postings.get(n)!.keys()].sort(compareBytewise));

    // Label indices (legacy, still written by 2.42): one per name, values as symbol indices.
    const labelIndexAt = new Map<string, number>();
    for (const n of names) {
      o.pad(4);
      labelIndexAt.set(n, o.length);
      const values = sortedValues.get(n)!;
      o.putBE32(8 + 4 * values.length);
      const from = o.length;
      o.putBE32(1);
      o.putBE32(values.length);
      for (const v of values) o.putBE32(this.symbolIdx.get(v)!);
      o.putBE32(crc32c(o.bytes(), 0, from, o.length));
    }
    const labelIndicesEnd = o.length;

    // Postings: the all-series list under ("", ""), then per name and value.
    const postingsAt: { name: string; value: string; at: number }[] = [];
    o.pad(4);
    postingsAt.push({ name: '', value: '', at: o.length });
    this.putPostings(this.all);
    for (const n of names) {
      const byValue = this.postings.get(n)!;
      for (const v of sortedValues.get(n)!) {
        o.pad(4);
        postingsAt.push({ name: n, value: v, at: o.length });
        this.putPostings(byValue.get(v)!);
      }
    }

    // Label offset table.
    const lot = o.length;
    o.putBE32(0);
    o.putBE32(names.length);
    for (const n of names) {
      o.putUvarint(1);
      o.putUvarintStr(n);
      o.putUvarint(labelIndexAt.get(n)!);
    }
    o.setBE32(lot, o.length - lot - 4);
    o.putBE32(crc32c(o.bytes(), 0, lot + 4, o.length));

    // Postings offset table.
    const pot = o.length;
    o.putBE32(0);
    o.putBE32(postingsAt.length);
    for (const p of postingsAt) {
      o.putUvarint(2);
      o.putUvarintStr(p.name);
      o.putUvarintStr(p.value);
      o.putUvarint(p.at);
    }
    o.setBE32(pot, o.length - pot - 4);
    o.putBE32(crc32c(o.bytes(), 0, pot + 4, o.length));

    o.putBytes(encodeToc({
      symbols: 5, series: this.seriesStart, labelIndices: seriesEnd, labelIndicesTable: lot,
      postings: labelIndicesEnd, postingsTable: pot,
    }));
    this.stage = 'done';
    return o.bytes();
  }
}
