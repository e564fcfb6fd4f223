/**
 * Opening a saved dense index for search, choosing the engine: FAISS in memory, or the tfjs
 * flat scan (on the GPU, or streamed from disk when the vectors do not fit in memory).
 */
import { freemem } from 'node:os';
import { join } from 'node:path';
import { resolveDevice } from '../../models/tfjs/device.js';
import { DenseIndex } from './dense-index.js';
import { FlatScanIndex, type VectorIndex } from './flat-scan.js';
import { readIds } from './ids-file.js';
import { IDS_FILE, INDEX_FILE, readManifest } from './manifest.js';

/**
 * The dense index in `dir` for searching: FAISS in memory, unless the index is flat and either
 * tensors run on the GPU (S3LAB_DEVICE=webgpu|auto finding one: the scan runs there) or the
 * vectors would take more than half of this machine's free memory (the scan streams them from
 * disk, e.g. wiki-18's 61 GB e5 index on a 24 GB machine).
 *
 * `engine` overrides the choice: `faiss` always loads FAISS, `scan` always scans.
 *
 * @example
 * ```ts
 * const index = await openVectorIndex('indexes/wiki18-e5'); // FlatScanIndex or DenseIndex
 * ```
 */
export async function openVectorIndex(dir: string, options: { engine?: 'auto' | 'faiss' | 'scan' } = {}): Promise<VectorIndex> {
  const engine = options.engine ?? 'auto';
  const manifest = await readManifest(dir);
  if (engine === 'scan' && manifest?.factory !== 'Flat') throw new Error(`${dir}: the flat scan searches Flat indexes only; this one is ${manifest ? JSON.stringify(manifest.factory) : 'not a dense index directory'}`);
  if (manifest?.factory === 'Flat' && engine !== 'faiss') {
    const onGpu = engine === 'auto' && (await resolveDevice()).backend === 'webgpu';
    const tooLarge = manifest.count * manifest.dimension * 4 > freemem() / 2;
    if (engine === 'scan' || onGpu || tooLarge) {
      const ids = manifest.idsAreRows ? undefined : await readIds(join(dir, IDS_FILE), manifest.count);
      return FlatScanIndex.open(join(dir, INDEX_FILE), { ids });
    }
  }
  return DenseIndex.load(dir);
}
