/**
 * Downloads named sets of hub files (see manifest.ts) through `@huggingface/hub`: resumable (a
 * killed download continues from its `.part` file with a range request), checksummed (every file
 * against the hub's own hash: the LFS sha256, or the git blob sha1 of a small file), with byte
 * progress, honouring `HF_ENDPOINT`, `HF_TOKEN` and `HF_HUB_OFFLINE`. A finished set is recorded
 * in `<to>/<name>/.s3lab-download.json`, so a second run checks the hub's hashes and fetches nothing.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { readJsonFile } from '../../core/json-file.js';
import { writeFileAtomically } from '../../core/atomic-file.js';
import type { DownloadManifest, DownloadSpec, DownloadStep } from './manifest.js';

/** A hub repository, always with its type (the manifest names it so). */
interface RepoDesignation {
  type: 'model' | 'dataset';
  name: string;
}

/** A download that cannot go on: what, which file, and what to do. */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

export interface DownloadProgress {
  name: string;
  /** The repository path being fetched, or the step's output (`e5_Flat.index`). */
  file: string;
  phase: 'fetch' | 'step';
  done: number;
  total: number;
}

export interface HubSettings {
  /** The hub's address. Default: `HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Access token for gated or private repositories. Default: `HF_TOKEN`. */
  token?: string;
  /** Use only what is already on disk. Default: `HF_HUB_OFFLINE` is 1/true/yes. */
  offline?: boolean;
}

export interface DownloadOptions extends HubSettings {
  manifest: DownloadManifest;
  names: readonly string[];
  /** Root directory; each name gets its own folder under it. */
  to: string;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadedSet {
  name: string;
  directory: string;
  /** Files fetched now, files found complete already, and bytes fetched now. */
  fetched: number;
  upToDate: number;
  bytes: number;
}

/** The hub settings from the environment (`HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE`), overridden by `given`. */
export function hubSettings(given: HubSettings = {}, env: NodeJS.ProcessEnv = process.env): Required<Pick<HubSettings, 'endpoint' | 'offline'>> & Pick<HubSettings, 'token'> {
  const token = given.token ?? (env.HF_TOKEN || undefined);
  return {
    endpoint: (given.endpoint ?? (env.HF_ENDPOINT || 'https://huggingface.co')).replace(/\/+$/, ''),
    offline: given.offline ?? /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE ?? ''),
    ...(token ? { token } : {}),
  };
}

const recordSchema = z.object({
  /** `type owner/name@revision`: a directory holds one repository at one revision. */
  repo: z.string(),
  files: z.record(z.string(), z.object({ size: z.number(), checksum: z.string() })),
  steps: z.array(z.string()),
});
type DownloadRecord = z.output<typeof recordSchema>;
const RECORD = '.s3lab-download.json';

/** What the hub says a file is: its size and the hash to check it against. */
interface RemoteFile {
  path: string;
  size: number;
  /** `sha256:<hex>` (LFS) or `git-sha1:<hex>` (a small file, hashed as a git blob). */
  checksum: string;
}

/**
 * Downloads the named sets of a manifest into `to/<name>/`.
 *
 * @example
 * ```ts
 * import { downloadNamed, loadDownloadManifest } from '@s3lab/toolkit';
 * const [set] = await downloadNamed({ manifest: await loadDownloadManifest(), names: ['flashrag-qa'], to: 'data', onProgress: (p) => console.log(p.file, p.done, p.total) });
 * console.log(set!.directory); // data/flashrag-qa, holding nq/test.jsonl, …
 * ```
 */
export async function downloadNamed(options: DownloadOptions): Promise<DownloadedSet[]> {
  const unknown = options.names.filter((n) => !(n in options.manifest.downloads));
  if (unknown.length) throw new DownloadError(`unknown download ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${Object.keys(options.manifest.downloads).join(', ')}`);
  const settings = hubSettings(options);
  const results: DownloadedSet[] = [];
  for (const name of options.names) {
    results.push(await downloadSet(name, options.manifest.downloads[name] as DownloadSpec, join(options.to, name), settings, options.onProgress));
  }
  return results;
}

async function downloadSet(name: string, spec: DownloadSpec, directory: string, settings: ReturnType<typeof hubSettings>, onProgress: DownloadOptions['onProgress']): Promise<DownloadedSet> {
  const repo = spec.repo;
  const where = `${spec.repo.type} ${spec.repo.name}@${spec.revision}`;
  const recordFile = join(directory, RECORD);
  const record: DownloadRecord = (await readJsonFile(recordFile, recordSchema)) ?? { repo: where, files: {}, steps: [] };
  if (record.repo !== where) throw new DownloadError(`${directory} holds a download of ${record.repo}, not ${where}; give another --to or delete it`);
  const saveRecord = (): Promise<void> => writeFileAtomically(recordFile, (h) => h.writeFile(`${JSON.stringify(record, null, 2)}\n`));

  if (settings.offline) {
    const missing = spec.files === '*' ? (Object.keys(record.files).length ? [] : ['(the repository\'s files)']) : spec.files.filter((p) => !record.files[p]);
    const missingSteps = spec.then.filter((s) => !record.steps.includes(s.to)).map((s) => s.to);
    if (missing.length || missingSteps.length) {
      throw new DownloadError(`offline (HF_HUB_OFFLINE is set) and ${name} is not complete in ${directory}: missing ${[...missing, ...missingSteps].join(', ')}; run once with network access, or copy the files there`);
    }
    return { name, directory, fetched: 0, upToDate: Object.keys(record.files).length, bytes: 0 };
  }

  const credentials = { hubUrl: settings.endpoint, ...(settings.token ? { accessToken: settings.token } : {}) };
  const remote = await remoteFiles(repo, spec, credentials, where);
  let fetched = 0;
  let upToDate = 0;
  let bytes = 0;
  for (const file of remote) {
    const target = join(directory, file.path);
    const known = record.files[file.path];
    if (known && known.checksum === file.checksum && (await sizeOf(target)) === file.size) {
      upToDate++;
      continue;
    }
    bytes += await fetchFile(repo, spec.revision, file, target, credentials, (done) => onProgress?.({ name, file: file.path, phase: 'fetch', done, total: file.size }));
    record.files[file.path] = { size: file.size, checksum: file.checksum };
    // A changed input makes every step stale.
    record.steps = [];
    await saveRecord();
    fetched++;
  }
  for (const step of spec.then) {
    if (record.steps.includes(step.to) && (await sizeOf(join(directory, step.to))) !== undefined) continue;
    await runStep(step, directory, (done, total) => onProgress?.({ name, file: step.to, phase: 'step', done, total }));
    record.steps.push(step.to);
    await saveRecord();
  }
  return { name, directory, fetched, upToDate, bytes };
}

/** Sizes and hashes of the set's files, from the hub's paths-info (or tree) API. */
async function remoteFiles(repo: RepoDesignation, spec: DownloadSpec, credentials: { hubUrl: string; accessToken?: string }, where: string): Promise<RemoteFile[]> {
  const toRemote = (entry: { path: string; size: number; oid?: string; lfs?: { oid: string; size: number } }): RemoteFile => {
    if (entry.lfs) return { path: entry.path, size: entry.lfs.size, checksum: `sha256:${entry.lfs.oid}` };
    if (!entry.oid) throw new DownloadError(`${where}: the hub gave no hash for ${entry.path}, so it cannot be checked`);
    return { path: entry.path, size: entry.size, checksum: `git-sha1:${entry.oid}` };
  };
  // Loaded here, not at start-up: every s3lab command imports the toolkit, few download.
  const { listFiles, pathsInfo } = await import('@huggingface/hub');
  try {
    if (spec.files === '*') {
      const all: RemoteFile[] = [];
      for await (const entry of listFiles({ repo, revision: spec.revision, recursive: true, ...credentials })) {
        if (entry.type === 'file') all.push(toRemote(entry));
      }
      if (all.length === 0) throw new DownloadError(`${where}: the repository lists no files`);
      return all;
    }
    const infos = await pathsInfo({ repo, paths: [...spec.files], revision: spec.revision, ...credentials });
    const byPath = new Map(infos.filter((i) => i.type === 'file').map((i) => [i.path, i]));
    const missing = spec.files.filter((p) => !byPath.has(p));
    if (missing.length) throw new DownloadError(`${where} has no ${missing.join(', ')}`);
    return spec.files.map((p) => toRemote(byPath.get(p) as Parameters<typeof toRemote>[0]));
  } catch (error) {
    throw hubError(error, where, credentials.hubUrl);
  }
}

/** A hub or network failure as one actionable line. */
function hubError(error: unknown, where: string, endpoint: string): Error {
  if (error instanceof DownloadError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  const message = (error as Error).message ?? String(error);
  if (status === 401 || status === 403) return new DownloadError(`${where}: the hub refused access (${status}); set HF_TOKEN to a token that may read it (${message})`);
  if (status === 404) return new DownloadError(`${where}: not found on ${endpoint} (404: ${message})`);
  if (status !== undefined) return new DownloadError(`${where}: the hub answered ${status} (${message})`);
  return new DownloadError(`${where}: cannot reach ${endpoint} (${message}); check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use what is on disk`);
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then((s) => s.size, () => undefined);
}

/** The hash a checksum names, fed the bytes of a file of `size` bytes. */
function checksumHash(checksum: string, size: number): Hash {
  if (checksum.startsWith('sha256:')) return createHash('sha256');
  const hash = createHash('sha1');
  hash.update(`blob ${size}\0`);
  return hash;
}

/**
 * Fetches one file to `<target>.part`, resuming from the bytes already there, checks it, and
 * renames it into place. Returns the bytes fetched now.
 */
async function fetchFile(repo: RepoDesignation, revision: string, file: RemoteFile, target: string, credentials: { hubUrl: string; accessToken?: string }, onBytes: (done: number) => void): Promise<number> {
  const part = `${target}.part`;
  await mkdir(dirname(target), { recursive: true });
  let have = (await sizeOf(part)) ?? 0;
  if (have > file.size) {
    await unlink(part);
    have = 0;
  }
  const hash = checksumHash(file.checksum, file.size);
  if (have > 0) await pipeline(createReadStream(part), new Transform({ transform(chunk: Buffer, _e, done) { hash.update(chunk); done(); } }));
  let done = have;
  onBytes(done);
  if (have < file.size) {
    const where = `${repo.type} ${repo.name}@${revision}`;
    const { downloadFile } = await import('@huggingface/hub');
    const blob = await downloadFile({ repo, path: file.path, revision, ...credentials }).catch((error: unknown) => { throw hubError(error, `${where}: ${file.path}`, credentials.hubUrl); });
    if (!blob) throw new DownloadError(`${where} has no ${file.path}`);
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        hash.update(chunk);
        done += chunk.length;
        onBytes(done);
        next(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(blob.slice(have).stream() as import('node:stream/web').ReadableStream), tap, createWriteStream(part, { flags: 'a' }));
    } catch (error) {
      throw new DownloadError(`${where}: ${file.path} stopped after ${done} of ${file.size} bytes (${(error as Error).message}); run again to resume from ${part}`);
    }
  }
  const got = hash.digest('hex');
  const want = file.checksum.slice(file.checksum.indexOf(':') + 1);
  if (done !== file.size || got !== want) {
    await unlink(part).catch(() => undefined);
    throw new DownloadError(`${file.path}: ${done !== file.size ? `${done} bytes, the hub says ${file.size}` : `checksum ${file.checksum.split(':')[0]} ${got}, the hub says ${want}`}; the partial file was removed, run again to fetch it anew`);
  }
  await rename(part, target);
  return done - have;
}

/** Turns fetched files into what s3lab reads: gunzip, or joining parts (the e5 index). */
async function runStep(step: DownloadStep, directory: string, onBytes: (done: number, total: number) => void): Promise<void> {
  const inputs = 'gunzip' in step ? [step.gunzip] : step.concat;
  const sizes = await Promise.all(inputs.map((p) => sizeOf(join(directory, p))));
  const absent = inputs.filter((_, i) => sizes[i] === undefined);
  if (absent.length) throw new DownloadError(`${step.to}: needs ${absent.join(', ')} in ${directory}, which is not there`);
  const total = sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
  let done = 0;
  const count = (): Transform => new Transform({ transform(chunk: Buffer, _e, next) { done += chunk.length; onBytes(done, total); next(null, chunk); } });
  const target = join(directory, step.to);
  const temporary = `${target}.part`;
  await mkdir(dirname(target), { recursive: true });
  try {
    if ('gunzip' in step) {
      await pipeline(createReadStream(join(directory, step.gunzip)), count(), createGunzip(), createWriteStream(temporary));
    } else {
      const out = createWriteStream(temporary);
      for (const input of step.concat) await pipeline(createReadStream(join(directory, input)), count(), out, { end: false });
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new DownloadError(`${step.to}: ${'gunzip' in step ? `cannot gunzip ${step.gunzip}` : 'cannot join the parts'} (${(error as Error).message})`);
  }
  await rename(temporary, target);
}
