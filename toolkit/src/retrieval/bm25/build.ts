/**
 * Builds an on-disk BM25 index from a corpus JSONL file, streaming: passages are read one at a
 * time (readCorpus), their text is appended to contents.bin as it arrives, and only the postings
 * columns stay in memory (10 bytes per distinct term of a passage; see builder.ts), so the corpus
 * text is never held. Writes `outDir/contents.bin` and then `outDir/bm25.bin` (format.ts).
 *
 * @example
 * ```ts
 * const stats = await buildBm25Index({ corpusPath: 'datasets/lab/corpus.jsonl', outDir: '/tmp/lab-bm25' });
 * const index = await Bm25Index.open('/tmp/lab-bm25');
 * ```
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import { readCorpus } from '../../data/formats/corpus.js';
import { Growable } from './growable.js';
import { Bm25Builder } from './builder.js';
import { CONTENTS_FILE, writeIndexFile } from './format.js';
import type { Bm25Data, Bm25Stats } from './index-data.js';
import { bm25ParametersSchema, type Bm25Index } from './searcher.js';

export const buildBm25OptionsSchema = bm25ParametersSchema.extend({
  corpusPath: z.string().min(1),
  outDir: z.string().min(1),
  /** Called every `progressEvery` passages and at the end with the passages done (total unknown while streaming). */
  onProgress: z.custom<(done: number, total?: number) => void>((v) => typeof v === 'function').optional(),
  progressEvery: z.number().int().min(1).default(10_000),
});

export type BuildBm25Options = z.input<typeof buildBm25OptionsSchema>;

export interface BuildBm25Result extends Bm25Stats {
  seconds: number;
  /** Bytes of bm25.bin plus contents.bin. */
  indexBytes: number;
  /** The builder's postings columns at their largest, per passage. */
  builderBytesPerPassage: number;
}

/** Streams `corpusPath` into an index directory; see the module comment. */
export async function buildBm25Index(options: BuildBm25Options): Promise<BuildBm25Result> {
  const { corpusPath, outDir, onProgress, progressEvery, k1, b } = buildBm25OptionsSchema.parse(options);
  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  const builder = new Bm25Builder({ k1, b });
  const contentsPath = join(outDir, CONTENTS_FILE);
  const temporary = `${contentsPath}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  const offsets = new Growable(Float64Array, 1 << 12);
  offsets.push(0);
  let written = 0;
  let peakHeld = 0;
  try {
    for await (const { id, contents } of readCorpus(corpusPath)) {
      builder.add(id, contents);
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
    throw error;
  }
  peakHeld = Math.max(peakHeld, builder.heldBytes);
  const documents = builder.documents;
  const data: Bm25Data = builder.finish();
  await rename(temporary, contentsPath);
  const indexFileBytes = await writeIndexFile(outDir, data, offsets.take());
  onProgress?.(documents, documents);
  return {
    ...data.stats,
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
  const temporary = join(dir, `${CONTENTS_FILE}.${process.pid}.tmp`);
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
