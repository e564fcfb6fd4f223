/**
 * Builds an on-disk BM25 index from a corpus JSONL file, streaming: passages are read one at a
 * time (readCorpus), their text is appended to contents.bin as it arrives, and only the postings
 * columns stay in memory (10 bytes per distinct term of a passage; see builder.ts), so the corpus
 * text is never held. Writes `outDir/contents.bin` and then `outDir/bm25.bin` (format.ts). A build
 * does not resume: it starts over, first removing what killed builds left (temporary-files.ts).
 *
 * @example
 * ```ts
 * const stats = await buildBm25Index({ corpusPath: 'datasets/lab/corpus.jsonl', outDir: '/tmp/lab-bm25' });
 * const index = await Bm25Index.open('/tmp/lab-bm25');
 * ```
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import { readCorpus } from '../../data/formats/corpus.js';
import { Growable } from './growable.js';
import { Bm25Builder } from './builder.js';
import { mergeRuns, writeRun } from './external.js';
import { CONTENTS_FILE, writeIndexFile, writeIndexSections } from './format.js';
import type { Bm25Data, Bm25Stats } from './index-data.js';
import { bm25ParametersSchema, type Bm25Index } from './searcher.js';
import { contentsTemporary, removeAbandonedTemporaries, runsPrefix } from './temporary-files.js';

export const buildBm25OptionsSchema = bm25ParametersSchema.extend({
  corpusPath: z.string().min(1),
  outDir: z.string().min(1),
  /** Called every `progressEvery` passages and at the end with the passages done (total unknown while streaming). */
  onProgress: z.custom<(done: number, total?: number) => void>((v) => typeof v === 'function').optional(),
  progressEvery: z.number().int().min(1).default(10_000),
  /**
   * Bytes of postings held before they go to disk as a sorted run (merged at the end): the build's
   * memory, beyond a few bytes per passage (norms, ids, offsets). Default 1 GiB, about 100M postings
   * (1.5M wiki-18-like passages); a corpus under it is built in memory, without runs.
   */
  memoryBudget: z.number().int().min(1 << 16).default(1 << 30),
});

export type BuildBm25Options = z.input<typeof buildBm25OptionsSchema>;

export interface BuildBm25Result extends Bm25Stats {
  seconds: number;
  /** Bytes of bm25.bin plus contents.bin. */
  indexBytes: number;
  /** The builder's postings columns at their largest, per passage. */
  builderBytesPerPassage: number;
  /** Sorted runs written to disk and merged (0: built in memory). */
  runs: number;
}

/** Streams `corpusPath` into an index directory; see the module comment. */
export async function buildBm25Index(options: BuildBm25Options): Promise<BuildBm25Result> {
  const { corpusPath, outDir, onProgress, progressEvery, memoryBudget, k1, b } = buildBm25OptionsSchema.parse(options);
  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  // A build killed with -9 left its temporary files here; this one starts from scratch anyway.
  await removeAbandonedTemporaries(outDir);
  // 10 bytes a posting (term, doc: u32; freq: u16); the term dictionary is small beside them.
  const postingLimit = Math.floor(memoryBudget / 10);
  const builder = new Bm25Builder({ k1, b }, postingLimit);
  const contentsPath = join(outDir, CONTENTS_FILE);
  const temporary = contentsTemporary(outDir);
  const out = createWriteStream(temporary);
  const offsets = new Growable(Float64Array, 1 << 12);
  offsets.push(0);
  let written = 0;
  let peakHeld = 0;
  const runs: string[] = [];
  let workDir: string | undefined;
  /** Writes the builder's postings as the next sorted run. */
  const spill = async (): Promise<void> => {
    workDir ??= await mkdtemp(runsPrefix(outDir));
    const run = join(workDir, `run-${runs.length}`);
    await writeRun(run, builder.takeRun());
    runs.push(run);
  };
  try {
    for await (const { id, contents } of readCorpus(corpusPath)) {
      builder.add(id, contents);
      if (builder.postingCount >= postingLimit) {
        peakHeld = Math.max(peakHeld, builder.heldBytes);
        await spill();
      }
      const bytes = Buffer.from(contents, 'utf8');
      written += bytes.length;
      offsets.push(written);
      if (!out.write(bytes)) await once(out, 'drain');
      if (builder.documents % progressEvery === 0) {
        peakHeld = Math.max(peakHeld, builder.heldBytes);
        onProgress?.(builder.documents);
      }
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    await unlink(temporary).catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  peakHeld = Math.max(peakHeld, builder.heldBytes);
  const documents = builder.documents;
  let stats: Bm25Stats;
  let indexFileBytes: number;
  if (workDir === undefined) {
    const data: Bm25Data = builder.finish();
    await rename(temporary, contentsPath);
    indexFileBytes = await writeIndexFile(outDir, data, offsets.take());
    stats = data.stats;
  } else {
    try {
      await spill();
      const docs = builder.documentArrays();
      const merged = await mergeRuns({ runs, workDir, norms: docs.norms, docCount: docs.docCount, sumTotalTermFreq: docs.sumTotalTermFreq, k1, b });
      stats = { documents, docCount: docs.docCount, sumTotalTermFreq: docs.sumTotalTermFreq, terms: merged.terms, postings: merged.postings, k1, b };
      await rename(temporary, contentsPath);
      indexFileBytes = await writeIndexSections(outDir, stats, { ...merged.sources, norms: docs.norms, idBytes: docs.idBytes, idOffsets: docs.idOffsets, contentsOffsets: offsets.take() });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  onProgress?.(documents, documents);
  return {
    ...stats,
    runs: runs.length,
    seconds: (performance.now() - started) / 1000,
    indexBytes: indexFileBytes + (await stat(contentsPath)).size,
    builderBytesPerPassage: documents === 0 ? 0 : peakHeld / documents,
  };
}

/**
 * Writes an index built in memory to `dir` in the on-disk format, so {@link Bm25Index.open} reads it back.
 *
 * @example
 * ```ts
 * const index = Bm25Index.build([{ id: '1', contents: '"Paris"\nParis is the capital of France.' }]);
 * await saveBm25Index(index, '/tmp/tiny-bm25');
 * ```
 */
export async function saveBm25Index(index: Bm25Index, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const offsets = new Float64Array(index.size + 1);
  const temporary = contentsTemporary(dir);
  const out = createWriteStream(temporary);
  for (let doc = 0; doc < index.size; doc++) {
    const bytes = Buffer.from(index.contentsOf(doc), 'utf8');
    offsets[doc + 1] = (offsets[doc] as number) + bytes.length;
    if (!out.write(bytes)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await rename(temporary, join(dir, CONTENTS_FILE));
  await writeIndexFile(dir, index.arrays, offsets);
}
