/**
 * The download manifest: named sets of Hugging Face hub files (a repository, its files, and the
 * steps that turn them into what s3lab reads, e.g. joining the e5 index's parts). The shipped
 * manifest, `datasets/downloads.json`, names what the paper-scale run needs; a user's own manifest
 * in the same shape names theirs.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readJsonFile } from '../../core/json-file.js';

const relativePath = z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the download directory (no leading "/", no "..")');

const stepSchema = z.union([
  z.object({ gunzip: relativePath, to: relativePath }).strict(),
  z.object({ concat: z.array(relativePath).min(1), to: relativePath }).strict(),
]);

const downloadSchema = z.object({
  description: z.string().min(1),
  repo: z.object({ type: z.enum(['model', 'dataset']), name: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name') }).strict(),
  revision: z.string().min(1).default('main'),
  /** Paths in the repository, or "*" for every file of it. */
  files: z.union([z.array(relativePath).min(1), z.literal('*')]),
  then: z.array(stepSchema).default([]),
}).strict();

const manifestSchema = z.object({
  about: z.string().optional(),
  downloads: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'), downloadSchema),
}).strict();

export type DownloadSpec = z.output<typeof downloadSchema>;
export type DownloadStep = z.output<typeof stepSchema>;
export type DownloadManifest = z.output<typeof manifestSchema>;

/** The shipped manifest (`datasets/downloads.json` at the repository's root). */
export const DEFAULT_DOWNLOAD_MANIFEST = fileURLToPath(new URL('../../../../datasets/downloads.json', import.meta.url));

/**
 * Reads and checks a download manifest.
 *
 * @example
 * ```ts
 * const manifest = await loadDownloadManifest();
 * console.log(Object.keys(manifest.downloads)); // ['wiki18-corpus', 'wiki18-e5-index', …]
 * ```
 */
export async function loadDownloadManifest(path: string = DEFAULT_DOWNLOAD_MANIFEST): Promise<DownloadManifest> {
  const manifest = await readJsonFile(path, manifestSchema);
  if (!manifest) throw Object.assign(new Error(`ENOENT: no download manifest at ${path}`), { code: 'ENOENT', path });
  return manifest;
}
