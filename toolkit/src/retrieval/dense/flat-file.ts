/**
 * FAISS's flat index file (`IndexFlatIP` / `IndexFlatL2`, e.g. s3's 61 GB `e5_Flat.index`)
 * read and written without FAISS holding it in memory. The layout (faiss/impl/index_write.cpp):
 *
 * ```
 * fourcc      4 bytes   "IxFI" (inner product) or "IxF2" (L2)
 * d           int32     dimension
 * ntotal      int64     rows
 * dummy ×2    int64     1 << 20, unused
 * is_trained  uint8     1
 * metric      int32     0 inner product, 1 L2
 * n           uint64    d × ntotal (the float count)
 * data        float32   row-major, little-endian
 * ```
 *
 * Rows start at byte 45, which is not a multiple of 4, so they are read into aligned buffers.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DataFormatError } from '../../core/problems.js';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import type { FaissMetric } from './faiss.js';

/** Where a flat file's rows are. */
export interface FlatFileLayout {
  path: string;
  dimension: number;
  count: number;
  metric: FaissMetric;
  /** Byte offset of row 0. */
  dataOffset: number;
}

const HEADER_BYTES = 45;
const FOURCC: Record<FaissMetric, string> = { inner_product: 'IxFI', l2: 'IxF2' };

/**
 * Reads a flat index file's header and checks the file holds every row it announces.
 *
 * @example
 * ```ts
 * import { readFlatLayout } from '@s3lab/toolkit';
 * const layout = await readFlatLayout('wiki18/e5_Flat.index'); // { dimension: 768, count: 21015324, metric: 'inner_product', … }
 * ```
 */
export async function readFlatLayout(path: string): Promise<FlatFileLayout> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    const fourcc = header.toString('latin1', 0, 4);
    const problem = (reason: string) => new DataFormatError({ file: path, row: 0, reason });
    if (bytesRead < HEADER_BYTES) throw problem(`${bytesRead} bytes: too short for a FAISS flat index header (${HEADER_BYTES} bytes)`);
    if (fourcc !== 'IxFI' && fourcc !== 'IxF2') {
      throw problem(`starts with ${JSON.stringify(fourcc)}, not a FAISS flat index ("IxFI" or "IxF2"); other factories (IVF, HNSW, PQ) are searched through FAISS itself`);
    }
    const dimension = header.readInt32LE(4);
    const count = Number(header.readBigInt64LE(8));
    const metricCode = header.readInt32LE(33);
    const floats = header.readBigUInt64LE(37);
    const metric: FaissMetric = fourcc === 'IxFI' ? 'inner_product' : 'l2';
    if (dimension < 1 || count < 0) throw problem(`dimension ${dimension} and ${count} rows: not a valid header`);
    if (metricCode !== (metric === 'inner_product' ? 0 : 1)) throw problem(`fourcc ${fourcc} but metric code ${metricCode}`);
    if (floats !== BigInt(dimension) * BigInt(count)) throw problem(`the header announces ${count} rows of ${dimension} but ${floats} floats`);
    const { size } = await handle.stat();
    const expected = HEADER_BYTES + count * dimension * 4;
    if (size < expected) throw problem(`${size} bytes, but ${count} rows of dimension ${dimension} need ${expected}: the file is cut short (an unfinished download?)`);
    return { path, dimension, count, metric, dataOffset: HEADER_BYTES };
  } finally {
    await handle.close();
  }
}

/** Reads rows `[first, first + rows)` of an open flat file into a fresh, aligned array. */
export async function readFlatRows(handle: FileHandle, layout: FlatFileLayout, first: number, rows: number): Promise<Float32Array> {
  const out = new Float32Array(rows * layout.dimension);
  const bytes = new Uint8Array(out.buffer);
  const position = layout.dataOffset + first * layout.dimension * 4;
  let read = 0;
  while (read < bytes.length) {
    // One read is capped at 2 GiB by Node; shards stay far below that, but loop anyway.
    const { bytesRead } = await handle.read(bytes, read, Math.min(bytes.length - read, 1 << 30), position + read);
    if (bytesRead === 0) throw new DataFormatError({ file: layout.path, row: first, reason: 'the file ends before its last row' });
    read += bytesRead;
  }
  return out;
}

/**
 * Writes a flat index file from row chunks, streaming (nothing but one chunk in memory),
 * atomically. FAISS (C++ or Python `faiss.read_index`) reads the result.
 *
 * @example
 * ```ts
 * import { writeFlatIndexFile } from '@s3lab/toolkit';
 * await writeFlatIndexFile('/tmp/two.faiss', { dimension: 2, metric: 'inner_product', count: 2 }, [new Float32Array([1, 0, 0, 1])]);
 * ```
 */
export async function writeFlatIndexFile(
  path: string,
  shape: { dimension: number; metric: FaissMetric; count: number },
  chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
): Promise<void> {
  const { dimension, metric, count } = shape;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(FOURCC[metric], 0, 'latin1');
  header.writeInt32LE(dimension, 4);
  header.writeBigInt64LE(BigInt(count), 8);
  header.writeBigInt64LE(1n << 20n, 16);
  header.writeBigInt64LE(1n << 20n, 24);
  header.writeUInt8(1, 32);
  header.writeInt32LE(metric === 'inner_product' ? 0 : 1, 33);
  header.writeBigUInt64LE(BigInt(count) * BigInt(dimension), 37);
  await writeFileAtomically(path, async (handle) => {
    await writeAll(handle, header);
    let written = 0;
    for await (const chunk of chunks) {
      if (chunk.length % dimension !== 0) throw new RangeError(`a chunk of ${chunk.length} floats is not a whole number of rows of dimension ${dimension}`);
      await writeAll(handle, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      written += chunk.length / dimension;
    }
    if (written !== count) throw new RangeError(`${written} rows were written, but the header announces ${count}`);
  });
}
