/**
 * The files of a saved dense index and the small JSON manifest that describes them:
 *
 * ```
 * <dir>/index.faiss     the FAISS index (FAISS's own format; Python's faiss.read_index reads it)
 * <dir>/ids.txt         passage id of each row, one per line (absent when ids are the row numbers)
 * <dir>/manifest.json   {"format", "version", "dimension", "metric", "factory", "count", "encoder", "idsAreRows"}
 * ```
 *
 * The manifest is written last, so a directory with a manifest holds a complete index.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../core/json-file.js';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import { settingDifferences, type RunSettings } from '../../core/run-settings.js';

export const INDEX_FILE = 'index.faiss';
export const IDS_FILE = 'ids.txt';
export const MANIFEST_FILE = 'manifest.json';

/** What an index was built with; a resumed build must match it exactly. */
export const denseConfigSchema = z.object({
  dimension: z.number().int().min(1),
  metric: z.enum(['inner_product', 'l2']),
  /** FAISS index_factory string, e.g. "Flat". */
  factory: z.string().min(1),
  /** Name of the encoder that made the vectors, e.g. "intfloat/e5-base-v2"; '' when unknown. */
  encoder: z.string(),
  /** What else made the vectors (`s3lab index dense` records the corpus and the encoder's settings); absent when the builder named none. */
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type DenseConfig = z.output<typeof denseConfigSchema>;

export const denseManifestSchema = denseConfigSchema.extend({
  format: z.literal('s3lab-dense-index'),
  version: z.literal(1),
  /** Rows in the index. */
  count: z.number().int().min(0),
  /** True when row r's id is String(r) (wiki-18's numbering), so no ids.txt is kept. */
  idsAreRows: z.boolean(),
});
export type DenseManifest = z.output<typeof denseManifestSchema>;

/** The manifest of the index in `directory`, or undefined if it has none. */
export async function readManifest(directory: string): Promise<DenseManifest | undefined> {
  const file = join(directory, MANIFEST_FILE);
  return readJsonFile(file, denseManifestSchema);
}

export async function writeManifest(directory: string, manifest: DenseManifest): Promise<void> {
  const text = `${JSON.stringify(denseManifestSchema.parse(manifest), null, 2)}\n`;
  await writeFileAtomically(join(directory, MANIFEST_FILE), (handle) => writeAll(handle, Buffer.from(text)));
}

/**
 * The settings in which a config differs from the one an index or checkpoint was built with, as
 * `name: was → now` (empty when they match). `settings` count only when both record some: an index
 * from before they were kept, or a builder that names none, is not different.
 */
export function configDifferences(was: DenseConfig, now: DenseConfig): string[] {
  const compared = (c: DenseConfig): RunSettings => ({ dimension: c.dimension, metric: c.metric, factory: c.factory, encoder: c.encoder, ...(was.settings && now.settings ? { settings: c.settings } : {}) });
  return settingDifferences(compared(was), compared(now));
}
