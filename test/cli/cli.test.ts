import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The CLI runs from source through tsx, as the tests do; `npm start` runs the built one.
const s3lab = (...args: string[]) => spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('s3lab CLI', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  test('--help lists every command, and every command has its own --help', () => {
    const top = s3lab('--help');
    assert.equal(top.status, 0);
    for (const command of ['lab-world', 'lab-stats', 'index', 'serve']) {
      assert.match(top.stdout, new RegExp(command, 'u'));
      const help = s3lab(command, '--help');
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /Usage: s3lab /u);
      assert.match(help.stdout, /Example:/u);
    }
  });

  test('device: the CPU by default; webgpu where no GPU is found is one error naming what was looked for', () => {
    const cpu = s3lab('device');
    assert.equal(cpu.status, 0, cpu.stderr);
    assert.equal(cpu.stdout, 'requested: cpu\nbackend: wasm\n');
    // A machine without a GPU: no Vulkan driver for the loader to find (not even Mesa's lavapipe).
    const gpu = spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), 'device', '--device', 'webgpu'], { cwd: root, encoding: 'utf8', env: { ...process.env, VK_DRIVER_FILES: '/nonexistent/s3lab-no-gpu.json' } });
    assert.equal(gpu.status, 1);
    assert.match(gpu.stderr, /S3LAB_DEVICE=webgpu, but Dawn found no GPU adapter \(.*Vulkan.*\)\. Set S3LAB_DEVICE=cpu/u);
    const bad = spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), 'device'], { cwd: root, encoding: 'utf8', env: { ...process.env, S3LAB_DEVICE: 'gpu' } });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /S3LAB_DEVICE="gpu": expected one of cpu, webgpu, auto/u);
  });

  test('a bad option value is one clear line naming the option, exit 2', () => {
    const result = s3lab('lab-world', '--seed', 'abc', '--out', '/tmp/never');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--seed/u);
    assert.doesNotMatch(result.stderr, /at .*\.ts:/u, 'no stack trace');
  });

  test('lab-world writes a world, --check accepts it and pinpoints a changed line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-world-'));
    dirs.push(dir);
    const write = s3lab('lab-world', '--seed', '3', '--scale', '0.05', '--out', dir);
    assert.equal(write.status, 0, write.stderr);
    assert.equal(s3lab('lab-world', '--seed', '3', '--scale', '0.05', '--out', dir, '--check').status, 0);

    const copy = `${dir}-edited`;
    dirs.push(copy);
    await cp(dir, copy, { recursive: true });
    const lines = (await readFile(join(copy, 'test.jsonl'), 'utf8')).split('\n');
    lines[4] = lines[4]?.replace('?', '!') ?? '';
    await writeFile(join(copy, 'test.jsonl'), lines.join('\n'));
    const check = s3lab('lab-world', '--seed', '3', '--scale', '0.05', '--out', copy, '--check');
    assert.equal(check.status, 2);
    assert.match(check.stderr, /test\.jsonl: differs first at line 5/u);
  });

  test('lab-stats prints the rates table and writes JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-stats-'));
    dirs.push(dir);
    assert.equal(s3lab('lab-world', '--seed', '3', '--scale', '0.05', '--out', dir).status, 0);
    const json = join(dir, 'stats.json');
    const stats = s3lab('lab-stats', dir, '--split', 'dev', '-k', '5', '--json', json);
    assert.equal(stats.status, 0, stats.stderr);
    assert.match(stats.stdout, /single-hop/u);
    const written = JSON.parse(await readFile(json, 'utf8')) as { rates: { type: string }[] };
    assert.ok(written.rates.some((r) => r.type === 'all'));
    assert.equal(s3lab('lab-stats', join(dir, 'missing')).status, 2);
  });

  test('index bm25 then serve retriever answers the s3 retrieval API until stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-serve-'));
    dirs.push(dir);
    assert.equal(s3lab('lab-world', '--seed', '3', '--scale', '0.05', '--out', dir).status, 0);
    const built = s3lab('index', 'bm25', '--corpus', join(dir, 'corpus.jsonl'), '--out', join(dir, 'bm25'));
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /BM25 index of \d+ passages/u);

    const server = spawn(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), 'serve', 'retriever', '--index', join(dir, 'bm25'), '--port', '0', '--quiet'], { cwd: root });
    try {
      const [line] = (await once(server.stdout, 'data')) as [Buffer];
      const url = /at (http:\/\/127\.0\.0\.1:\d+)\/retrieve/u.exec(line.toString())?.[1];
      assert.ok(url, line.toString());
      const response = await fetch(`${url}/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queries: ['Who founded it?', 'river'], return_scores: true }) });
      const body = (await response.json()) as { result: { document: { id: string; contents: string }; score: number }[][] };
      assert.equal(body.result.length, 2);
      assert.equal(body.result[1]?.length, 3, 'default topk 3');
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    const missing = s3lab('serve', 'retriever', '--index', join(dir, 'nothing-here'));
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /retriever\.json/u);
  });

  test('index dense encodes a corpus with the lab encoder; openRetriever serves it; a second run resumes as finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-dense-'));
    dirs.push(dir);
    assert.equal(s3lab('lab-world', '--seed', '3', '--scale', '0.02', '--out', dir).status, 0);
    const args = ['index', 'dense', '--corpus', join(dir, 'corpus.jsonl'), '--encoder', join(root, 'datasets/models/lab-e5-small'), '--out', join(dir, 'dense'), '--batch-size', '64'];
    const built = s3lab(...args);
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /dense index of \d+ passages \(192 dimensions, Flat\)/u);
    assert.equal(s3lab(...args).status, 0, 'a finished index is opened, not rebuilt');

    const { openRetriever } = await import('@s3lab/toolkit');
    const opened = await openRetriever(join(dir, 'dense'));
    try {
      assert.equal(opened.kind, 'dense');
      const question = (await readFile(join(dir, 'test.jsonl'), 'utf8')).split('\n')[0] ?? '';
      const { question: text } = JSON.parse(question) as { question: string };
      const [hits] = await opened.retriever.search([text], 5);
      assert.equal(hits?.length, 5);
      assert.ok(hits?.every((h) => typeof h.contents === 'string' && h.score <= 1.0001));
    } finally {
      await opened.close();
    }
  });
});
