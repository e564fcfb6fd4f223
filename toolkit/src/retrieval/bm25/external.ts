/**
 * The external merge behind a bounded-memory BM25 build: the builder's postings are written out as
 * sorted runs whenever they pass the memory budget, and the runs are merged term by term into the
 * index's sections, the large ones (postings, term bytes) streamed to files. Memory then holds one
 * run's postings while indexing, and per term (not per posting) arrays while merging; the result is
 * byte for byte the index an in-memory build writes.
 *
 * A run file is, per term in code point order: u16 byte length, the term's UTF-8 bytes, u32 df,
 * df doc numbers (u32) and df frequencies (u32), little-endian.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { packFreqs, type Bm25Run } from './builder.js';
import { Growable } from './growable.js';
import { compareCodePoints } from './index-data.js';
import type { IndexSections } from './format.js';
import { averageLength, normInverseTable } from './similarity.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends to a file through a large buffer (one write call per few MiB). */
class BufferedWriter {
  private readonly buffer = Buffer.alloc(1 << 22);
  private used = 0;
  bytes = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<BufferedWriter> {
    return new BufferedWriter(await open(path, 'w'));
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length;
    if (this.used + bytes.length > this.buffer.length) await this.flush();
    if (bytes.length > this.buffer.length) {
      await this.handle.write(bytes);
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  async writeU32(values: Uint32Array): Promise<void> {
    await this.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    if (this.used > 0) await this.handle.write(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** Reads a file front to back through a large buffer. */
class SequentialReader {
  private buffer = Buffer.alloc(0);
  private at = 0;
  private position = 0;

  private constructor(private readonly handle: FileHandle, private readonly size: number) {}

  static async open(path: string): Promise<SequentialReader> {
    const handle = await open(path, 'r');
    return new SequentialReader(handle, (await handle.stat()).size);
  }

  get done(): boolean {
    return this.at >= this.buffer.length && this.position >= this.size;
  }

  /** The next `n` bytes, as a fresh buffer. */
  async take(n: number): Promise<Buffer> {
    const out = Buffer.alloc(n);
    let filled = 0;
    while (filled < n) {
      if (this.at >= this.buffer.length) await this.refill();
      const count = Math.min(n - filled, this.buffer.length - this.at);
      this.buffer.copy(out, filled, this.at, this.at + count);
      this.at += count;
      filled += count;
    }
    return out;
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private async refill(): Promise<void> {
    if (this.position >= this.size) throw new Error('bm25 run file ended early');
    // 1 MiB per run: a merge of many runs holds one chunk of each.
    const chunk = Buffer.alloc(Math.min(1 << 20, this.size - this.position));
    const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position);
    this.position += bytesRead;
    this.buffer = chunk.subarray(0, bytesRead);
    this.at = 0;
  }
}

/** Writes one sorted run (see the module comment). */
export async function writeRun(path: string, run: Bm25Run): Promise<void> {
  const out = await BufferedWriter.create(path);
  const head = Buffer.alloc(6);
  for (let t = 0; t < run.terms.length; t++) {
    const term = encoder.encode(run.terms[t] as string);
    const start = run.termStarts[t] as number;
    const end = run.termStarts[t + 1] as number;
    head.writeUInt16LE(term.length, 0);
    await out.write(head.subarray(0, 2));
    await out.write(term);
    head.writeUInt32LE(end - start, 0);
    await out.write(head.subarray(0, 4));
    await out.writeU32(run.docs.subarray(start, end));
    await out.writeU32(run.freqs.subarray(start, end));
  }
  await out.close();
}

interface RunEntry {
  term: string;
  docs: Uint32Array;
  freqs: Uint32Array;
}

async function readEntry(reader: SequentialReader): Promise<RunEntry | undefined> {
  if (reader.done) return undefined;
  const length = (await reader.take(2)).readUInt16LE(0);
  const term = decoder.decode(await reader.take(length));
  const df = (await reader.take(4)).readUInt32LE(0);
  // take() returns a fresh buffer of its own (Buffer.alloc never pools), so the arrays view it in place.
  const docs = await reader.take(4 * df);
  const freqs = await reader.take(4 * df);
  return { term, docs: new Uint32Array(docs.buffer, docs.byteOffset, df), freqs: new Uint32Array(freqs.buffer, freqs.byteOffset, df) };
}

export interface MergeInput {
  runs: readonly string[];
  /** Directory for the streamed sections. */
  workDir: string;
  norms: Uint8Array;
  docCount: number;
  sumTotalTermFreq: number;
  k1: number;
  b: number;
}

export interface MergedSections {
  terms: number;
  postings: number;
  sources: Pick<IndexSections, 'termBytes' | 'termOffsets' | 'termStarts' | 'termMaxTf' | 'postingDocs' | 'postingFreqs' | 'freqOverflowAt' | 'freqOverflowValue'>;
}

/**
 * Merges sorted runs (in doc order: run i holds only docs before run i + 1's) into the index's
 * term and posting sections.
 */
export async function mergeRuns(input: MergeInput): Promise<MergedSections> {
  const readers = await Promise.all(input.runs.map((run) => SequentialReader.open(run)));
  const termBytes = await BufferedWriter.create(join(input.workDir, 'termBytes'));
  const postingDocs = await BufferedWriter.create(join(input.workDir, 'postingDocs'));
  const postingFreqs = await BufferedWriter.create(join(input.workDir, 'postingFreqs'));
  try {
    const scoring = { norms: input.norms, normInverse: normInverseTable(input.k1, input.b, averageLength(input.sumTotalTermFreq, input.docCount)) };
    const termOffsets = new Growable(Uint32Array, 1 << 16);
    const termStarts = new Growable(Uint32Array, 1 << 16);
    const termMaxTf = new Growable(Float32Array, 1 << 16);
    const overflowAt = new Growable(Uint32Array, 1 << 10);
    const overflowValue = new Growable(Uint32Array, 1 << 10);
    termOffsets.push(0);
    termStarts.push(0);
    const heads = await Promise.all(readers.map((r) => readEntry(r)));
    let postings = 0;
    for (;;) {
      let smallest: string | undefined;
      for (const head of heads) if (head && (smallest === undefined || compareCodePoints(head.term, smallest) < 0)) smallest = head.term;
      if (smallest === undefined) break;
      let maxTf = 0;
      for (let r = 0; r < heads.length; r++) {
        const head = heads[r];
        if (!head || head.term !== smallest) continue;
        const small = new Uint8Array(head.freqs.length);
        const base = postings;
        maxTf = Math.max(maxTf, packFreqs(head.docs, head.freqs, scoring, small, (at, freq) => {
          overflowAt.push(base + at);
          overflowValue.push(freq);
        }));
        await postingDocs.writeU32(head.docs);
        await postingFreqs.write(small);
        postings += head.docs.length;
        heads[r] = await readEntry(readers[r] as SequentialReader);
      }
      await termBytes.write(encoder.encode(smallest));
      termOffsets.push(termBytes.bytes);
      termStarts.push(postings);
      termMaxTf.push(maxTf);
    }
    if (postings >= 2 ** 32) throw new RangeError('more than 2^32 postings: split the corpus into several indexes');
    return {
      terms: termMaxTf.length,
      postings,
      sources: {
        termBytes: { file: join(input.workDir, 'termBytes'), bytes: termBytes.bytes },
        termOffsets: termOffsets.take(),
        termStarts: termStarts.take(),
        termMaxTf: termMaxTf.take(),
        postingDocs: { file: join(input.workDir, 'postingDocs'), bytes: postingDocs.bytes },
        postingFreqs: { file: join(input.workDir, 'postingFreqs'), bytes: postingFreqs.bytes },
        freqOverflowAt: overflowAt.take(),
        freqOverflowValue: overflowValue.take(),
      },
    };
  } finally {
    await Promise.all([termBytes.close(), postingDocs.close(), postingFreqs.close(), ...readers.map((r) => r.close())]);
  }
}
