/**
 * `s3lab download NAME…`: the paper-scale data and models from the Hugging Face hub (the names of
 * `datasets/downloads.json`, or of a manifest of your own), resumable and checksummed.
 *
 * @example
 * ```sh
 * s3lab download --list
 * s3lab download flashrag-qa nq-hotpotqa-train --to data
 * HF_ENDPOINT=https://hf-mirror.com s3lab download wiki18-corpus wiki18-e5-index --to data
 * ```
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { DownloadError, downloadNamed, DEFAULT_DOWNLOAD_MANIFEST, loadDownloadManifest } from '../../data/hub/index.js';
import { progressCallback } from '../../display/index.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

const DownloadOptions = z.object({
  to: z.string().min(1),
  manifest: z.string().min(1),
  list: z.boolean().optional(),
  endpoint: z.string().url().optional(),
  offline: z.boolean().optional(),
});

/**
 * Registers `s3lab download`.
 *
 * @example
 * ```ts
 * registerDownload(program);
 * ```
 */
export function registerDownload(program: Command): void {
  program
    .command('download')
    .description('fetch the paper-scale data and models from the Hugging Face hub: resumable, checked against the hub\'s hashes, unpacked (a killed run continues where it stopped)')
    .argument('[names...]', 'what to fetch (see --list)')
    .option('--to <dir>', 'where: each name gets a folder under it', 'data')
    .option('--manifest <file>', 'the download manifest (your own corpus or models in the same shape)', DEFAULT_DOWNLOAD_MANIFEST)
    .option('--list', 'list the manifest\'s names and exit')
    .option('--endpoint <url>', 'the hub (default: HF_ENDPOINT, else https://huggingface.co)')
    .option('--offline', 'use only what is on disk, fail naming what is missing (default: HF_HUB_OFFLINE)')
    .addHelpText('after', `
Environment: HF_ENDPOINT (a mirror), HF_TOKEN (gated or private repositories), HF_HUB_OFFLINE=1.

Examples:
  s3lab download --list
  s3lab download flashrag-qa nq-hotpotqa-train e5-base-v2 --to data
  s3lab download wiki18-corpus wiki18-e5-index --to /mnt/big   # ~75 GB; the index parts are joined to e5_Flat.index`)
    .action(async (names: string[], raw: unknown) => {
      const options = parseOptions(DownloadOptions, raw);
      const manifest = await loadDownloadManifest(options.manifest);
      if (options.list) {
        const width = Math.max(...Object.keys(manifest.downloads).map((n) => n.length));
        for (const [name, spec] of Object.entries(manifest.downloads)) {
          process.stdout.write(`${name.padEnd(width)}  ${spec.repo.type} ${spec.repo.name}  ${spec.description}\n`);
        }
        return;
      }
      if (names.length === 0) throw new UsageError(`name what to download (one or more of: ${Object.keys(manifest.downloads).join(', ')}), or --list`);
      const bars = new Map<string, ReturnType<typeof progressCallback>>();
      try {
        const sets = await downloadNamed({
          manifest, names, to: options.to,
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...(options.offline ? { offline: true } : {}),
          onProgress: (p) => {
            const key = `${p.name}/${p.file}`;
            let bar = bars.get(key);
            if (!bar) bars.set(key, (bar = progressCallback(`${p.phase === 'fetch' ? 'fetch' : 'make'} ${key}`)));
            bar(p.done, p.total);
            if (p.done === p.total) bar.finish();
          },
        });
        for (const set of sets) {
          process.stdout.write(`${set.name}: ${set.fetched} files fetched (${(set.bytes / 1e6).toFixed(1)} MB), ${set.upToDate} already complete, in ${set.directory}\n`);
        }
      } catch (error) {
        if (error instanceof DownloadError) throw new UsageError(error.message);
        throw error;
      } finally {
        for (const bar of bars.values()) bar.finish();
      }
    });
}
