// `s3lab download` against a local HTTP server in the Hugging Face hub's URL layout (paths-info,
// tree, resolve with range requests), through the real @huggingface/hub client.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { downloadNamed, hubSettings, loadDownloadManifest, DownloadError, type DownloadManifest, type DownloadProgress } from '@s3lab/toolkit';
import { main } from '../../toolkit/src/cli/main.js';

interface HubFile { content: Buffer; lfs: boolean }

/** A hub with a few repositories, a request log, and switches for the failures a download must survive. */
class FakeHub {
  readonly repos = new Map<string, Map<string, HubFile>>();
  readonly log: { method: string; url: string; range?: string; auth?: string }[] = [];
  token: string | undefined;
  /** Cut the connection after this many bytes, once, on a full-file request for this path. */
  cut: { path: string; after: number } | undefined;
  /** Serve other bytes than the hashes promise for this path. */
  corrupt: string | undefined;
  private server: Server | undefined;
  url = '';

  add(repo: string, path: string, content: Buffer, lfs = content.length > 1024): void {
    if (!this.repos.has(repo)) this.repos.set(repo, new Map());
    this.repos.get(repo)!.set(path, { content, lfs });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  resolves(): typeof this.log { return this.log.filter((r) => r.url.includes('/resolve/')); }

  private entry(path: string, file: HubFile): Record<string, unknown> {
    const gitSha1 = createHash('sha1').update(`blob ${file.content.length}\0`).update(file.content).digest('hex');
    return {
      type: 'file', path, size: file.lfs ? 134 : file.content.length, oid: gitSha1,
      ...(file.lfs ? { lfs: { oid: createHash('sha256').update(file.content).digest('hex'), size: file.content.length, pointerSize: 134 } } : {}),
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.log.push({ method: req.method ?? '', url: url.pathname, ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Invalid credentials' }));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const api = url.pathname.match(/^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/(paths-info|tree)\/[^/]+(?:\/(.*))?$/);
      if (api) {
        const files = this.repos.get(`${api[1]}/${api[2]}`);
        if (!files) { res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Repository not found' })); return; }
        const wanted = api[3] === 'paths-info' ? (JSON.parse(body) as { paths: string[] }).paths : [...files.keys()];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(wanted.flatMap((p) => (files.has(p) ? [this.entry(p, files.get(p)!)] : []))));
        return;
      }
      const resolve = url.pathname.match(/^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/);
      const file = resolve ? this.repos.get(`${resolve[1] ? 'datasets' : 'models'}/${resolve[2]}`)?.get(decodeURIComponent(resolve[3]!)) : undefined;
      if (!resolve || !file) { res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end('not found'); return; }
      const path = decodeURIComponent(resolve[3]!);
      let content = file.content;
      if (this.corrupt === path) { content = Buffer.from(content); content[content.length - 1] = (content[content.length - 1] ?? 0) ^ 0xff; }
      const size = content.length;
      const etag = `"${createHash('sha256').update(file.content).digest('hex')}"`;
      const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Number(range[2]) : size - 1;
      const slice = content.subarray(start, end + 1);
      res.writeHead(range ? 206 : 200, { ETag: etag, 'Content-Length': slice.length, ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}) });
      if (this.cut?.path === path && slice.length > this.cut.after) {
        const after = this.cut.after;
        this.cut = undefined;
        res.write(slice.subarray(0, after), () => res.destroy());
        return;
      }
      res.end(slice);
    });
  }
}

function randomBytesOf(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
  return out;
}

const corpus = Buffer.from(Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: String(i), contents: `"Title ${i}"\nPassage ${i}.` })).join('\n') + '\n');
const indexParts = [randomBytesOf(40_000, 7), randomBytesOf(25_000, 8)];
const manifest: DownloadManifest = {
  downloads: {
    corpus: { description: 'a corpus', repo: { type: 'dataset', name: 'someone/corpus' }, revision: 'main', files: ['corpus.jsonl.gz', 'README.md'], then: [{ gunzip: 'corpus.jsonl.gz', to: 'corpus.jsonl' }] },
    index: { description: 'an index in parts', repo: { type: 'dataset', name: 'someone/index' }, revision: 'main', files: ['part_aa', 'part_ab'], then: [{ concat: ['part_aa', 'part_ab'], to: 'flat.index' }] },
    model: { description: 'a whole model repository', repo: { type: 'model', name: 'someone/model' }, revision: 'main', files: '*', then: [] },
    broken: { description: 'names a file the repository lacks', repo: { type: 'dataset', name: 'someone/corpus' }, revision: 'main', files: ['nope.jsonl'], then: [] },
  },
};

describe('s3lab download (hub layout, local server)', () => {
  const hub = new FakeHub();
  const saved = { ...process.env };
  before(async () => {
    hub.add('datasets/someone/corpus', 'corpus.jsonl.gz', gzipSync(corpus));
    hub.add('datasets/someone/corpus', 'README.md', Buffer.from('# corpus\n'));
    hub.add('datasets/someone/index', 'part_aa', indexParts[0]!);
    hub.add('datasets/someone/index', 'part_ab', indexParts[1]!);
    hub.add('models/someone/model', 'config.json', Buffer.from('{"model_type": "qwen2"}\n'));
    hub.add('models/someone/model', 'onnx/model.onnx', randomBytesOf(5000, 9));
    await hub.start();
    for (const key of ['HF_ENDPOINT', 'HF_TOKEN', 'HF_HUB_OFFLINE']) delete process.env[key];
    process.env.HF_ENDPOINT = hub.url;
  });
  after(async () => {
    await hub.stop();
    for (const key of ['HF_ENDPOINT', 'HF_TOKEN', 'HF_HUB_OFFLINE']) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('fetches, checks and unpacks a set; a second run fetches nothing', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    const events: DownloadProgress[] = [];
    const [set] = await downloadNamed({ manifest, names: ['corpus'], to, onProgress: (p) => events.push(p) });
    assert.deepEqual({ fetched: set!.fetched, upToDate: set!.upToDate }, { fetched: 2, upToDate: 0 });
    assert.deepEqual(readFileSync(join(to, 'corpus', 'corpus.jsonl')), corpus, 'gunzipped as served');
    assert.equal(readFileSync(join(to, 'corpus', 'README.md'), 'utf8'), '# corpus\n');
    const last = events.filter((e) => e.file === 'corpus.jsonl.gz' && e.phase === 'fetch').at(-1)!;
    assert.equal(last.done, last.total, 'progress reaches the file size');
    assert.ok(events.some((e) => e.phase === 'step' && e.file === 'corpus.jsonl'));

    const before = hub.resolves().length;
    const [again] = await downloadNamed({ manifest, names: ['corpus'], to });
    assert.deepEqual({ fetched: again!.fetched, upToDate: again!.upToDate }, { fetched: 0, upToDate: 2 });
    assert.equal(hub.resolves().length, before, 'no file requested again');
  });

  it('resumes a killed download with a range request and joins index parts', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    hub.cut = { path: 'part_aa', after: 16_384 };
    await assert.rejects(downloadNamed({ manifest, names: ['index'], to }), (e: Error) => e instanceof DownloadError && /part_aa stopped after \d+ of 40000 bytes.*run again to resume/.test(e.message));
    const partial = statSync(join(to, 'index', 'part_aa.part')).size;
    assert.ok(partial > 0 && partial < 40_000, `a partial file stays (${partial} bytes)`);
    const [set] = await downloadNamed({ manifest, names: ['index'], to });
    assert.equal(set!.bytes, 40_000 - partial + 25_000, 'only the missing bytes are fetched');
    assert.ok(hub.resolves().some((r) => r.range === `bytes=${partial}-39999`), 'the resumed request asks for the rest');
    assert.deepEqual(readFileSync(join(to, 'index', 'flat.index')), Buffer.concat(indexParts));
    assert.equal(existsSync(join(to, 'index', 'part_aa.part')), false);
  });

  it('rejects a file whose bytes do not match the hub\'s hash, keeping nothing of it', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    hub.corrupt = 'part_ab';
    try {
      await assert.rejects(downloadNamed({ manifest, names: ['index'], to }), /part_ab: checksum sha256 [0-9a-f]{64}, the hub says [0-9a-f]{64}/);
    } finally {
      hub.corrupt = undefined;
    }
    assert.equal(existsSync(join(to, 'index', 'part_ab')), false);
    assert.equal(existsSync(join(to, 'index', 'part_ab.part')), false);
    assert.equal(existsSync(join(to, 'index', 'part_aa')), true, 'the good file stays');
  });

  it('lists a whole repository ("*"), small files checked by their git hash', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    const [set] = await downloadNamed({ manifest, names: ['model'], to });
    assert.equal(set!.fetched, 2);
    assert.equal(readFileSync(join(to, 'model', 'config.json'), 'utf8'), '{"model_type": "qwen2"}\n');
    assert.equal(statSync(join(to, 'model', 'onnx', 'model.onnx')).size, 5000);
  });

  it('sends HF_TOKEN, and says what to do when the hub refuses', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    hub.token = 'hf_secret';
    try {
      await assert.rejects(downloadNamed({ manifest, names: ['model'], to }), /refused access \(401\); set HF_TOKEN/);
      process.env.HF_TOKEN = 'hf_secret';
      const [set] = await downloadNamed({ manifest, names: ['model'], to });
      assert.equal(set!.fetched, 2);
      assert.ok(hub.log.at(-1)!.auth === 'Bearer hf_secret');
    } finally {
      hub.token = undefined;
      delete process.env.HF_TOKEN;
    }
  });

  it('offline, uses what is on disk and names what is missing', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    await downloadNamed({ manifest, names: ['model'], to });
    const requests = hub.log.length;
    const [set] = await downloadNamed({ manifest, names: ['model'], to, offline: true });
    assert.equal(set!.upToDate, 2);
    assert.equal(hub.log.length, requests, 'offline makes no request');
    await assert.rejects(downloadNamed({ manifest, names: ['index'], to, offline: true }), /offline \(HF_HUB_OFFLINE is set\) and index is not complete .*missing part_aa, part_ab, flat.index/);
    assert.equal(hubSettings({}, { HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://mirror.example/' }).offline, true);
    assert.equal(hubSettings({}, { HF_ENDPOINT: 'http://mirror.example/' }).endpoint, 'http://mirror.example');
  });

  it('gives clear errors for unknown names, missing files and an unreachable hub', async () => {
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    await assert.rejects(downloadNamed({ manifest, names: ['nope'], to }), /unknown download "nope"; known: corpus, index, model, broken/);
    await assert.rejects(downloadNamed({ manifest, names: ['broken'], to }), /dataset someone\/corpus@main has no nope.jsonl/);
    await assert.rejects(downloadNamed({ manifest, names: ['model'], to, endpoint: 'http://127.0.0.1:9' }), /cannot reach http:\/\/127.0.0.1:9 .*HF_HUB_OFFLINE=1/);
  });

  it('the CLI lists the shipped manifest and downloads from a user manifest', async () => {
    const shipped = await loadDownloadManifest();
    for (const name of ['wiki18-corpus', 'wiki18-e5-index', 'e5-base-v2', 'nq-hotpotqa-train', 'flashrag-qa', 's3-checkpoint']) assert.ok(name in shipped.downloads, name);
    const to = mkdtempSync(join(tmpdir(), 's3lab-hub-'));
    const file = join(to, 'manifest.json');
    writeFileSync(file, JSON.stringify(manifest));
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
    try {
      assert.equal(await main(['download', '--list']), 0);
      assert.equal(await main(['download', 'model', '--manifest', file, '--to', join(to, 'data')]), 0);
    } finally {
      process.stdout.write = write;
    }
    assert.match(out.join(''), /wiki18-e5-index\s+dataset PeterJinGo\/wiki-18-e5-index/);
    assert.match(out.join(''), /model: 2 files fetched/);
    assert.equal(existsSync(join(to, 'data', 'model', 'onnx', 'model.onnx')), true);
    writeFileSync(file, JSON.stringify({ downloads: { bad: { description: 'x', repo: { type: 'dataset', name: 'no-slash' }, files: ['a'] } } }));
    const err: string[] = [];
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => { err.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      assert.equal(await main(['download', 'bad', '--manifest', file]), 2);
    } finally {
      process.stderr.write = writeErr;
    }
    assert.match(err.join(''), /manifest.json.*downloads.bad.repo.name: owner\/name/);
  });
});
