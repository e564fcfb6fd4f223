// Resumable commands. First the settings record they share (differences by dotted name;
// openRunRecord's write, resume, refusal and force). Then the commands killed with -9 mid-work and
// run again: `s3lab index bm25`, `eval` and `rag-cache` end with the files an uninterrupted run
// writes, byte for byte; a rerun with other settings is one line and exit 2, and --force starts
// over. Each kill waits for a deterministic point: the BM25 build reads its corpus from a FIFO the
// test holds open (it cannot finish), and the generator is a server here that answers a set number
// of requests and then holds the rest. `index dense` is killed in test/retrieval/dense/build.test.ts
// (here: its settings), `train` in test/rl/train-cli.test.ts, `sweep` in test/pipelines/sweep.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { InputError, openRunRecord, settingDifferences } from '@s3lab/toolkit';
import { main } from '../../toolkit/src/cli/main.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts')];

/**
 * The CLI in this process (no start-up cost). Its stderr is captured; its stdout is recorded and
 * passed on, since the test runner reports on stdout meanwhile (the runner shows foreign lines as comments).
 */
async function s3lab(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stdout += String(chunk);
    return writes.out(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { status: await main(args), stdout, stderr };
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  }
}

/** Starts the CLI in a child process and kills it with SIGKILL once `ready()` holds; fails if it exits first. */
async function killWhen(args: string[], ready: () => Promise<boolean>): Promise<void> {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  while (!(await ready())) {
    if (child.exitCode !== null) assert.fail(`s3lab ${args[0]} ended before the point it was to be killed at: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');
}

const lineCount = async (file: string): Promise<number> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

/** Every file under `dir` by relative path (directories walked). */
async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name).slice(dir.length + 1), await readFile(join(entry.parentPath, entry.name)));
  }
  return files;
}

/**
 * An OpenAI-compatible generator: a deterministic answer per request (the first capitalised word of
 * its context, so that some answers are right), for `budget` requests; later ones are held unanswered.
 */
async function startGenerator(): Promise<{ url: string; budget: number; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  const state = { budget: Infinity };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET') return void res.end(JSON.stringify({ object: 'list', data: [{ id: 'gen', object: 'model' }] }));
      if (state.budget <= 0) return void held.push(res);
      state.budget--;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: { content: string }[] };
      const text = body.messages.map((m) => m.content).join('\n');
      const word = /\bTitle: "?([A-Z][a-z]+)/u.exec(text)?.[1] ?? `none-${createHash('sha256').update(text).digest('hex').slice(0, 6)}`;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: word }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1 } }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get budget() {
      return state.budget;
    },
    set budget(n: number) {
      state.budget = n;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('settingDifferences', () => {
  test('names each differing leaf as `name: was → now`, nested objects by dotted path, arrays whole', () => {
    assert.deepEqual(
      settingDifferences({ config: { steps: 1, seed: 1 }, methods: ['a'], sft: {} }, { config: { steps: 2, seed: 1 }, methods: ['a', 'b'], sft: { steps: 3 }, k: 3 }),
      ['config.steps: 1 → 2', 'methods: ["a"] → ["a","b"]', 'sft.steps: unset → 3', 'k: unset → 3'],
    );
  });

  test('a record never differs from itself, and differs from another exactly where their JSON leaves differ', () => {
    const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b'), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }));
    const record = fc.dictionary(fc.constantFrom('k', 'generator', 'judge'), fc.oneof(leaf, fc.dictionary(fc.constantFrom('steps', 'seed'), leaf)));
    fc.assert(fc.property(record, record, (a, b) => {
      assert.deepEqual(settingDifferences(a, a), []);
      const differences = settingDifferences(a, b);
      assert.equal(differences.length === 0, JSON.stringify(flat(a)) === JSON.stringify(flat(b)));
      for (const line of differences) assert.match(line, /^[\w.]+: .+ → .+$/u);
    }), { seed: 42, numRuns: 300 });
  });
});

describe('openRunRecord', () => {
  test('writes the record, resumes with the same settings, refuses others in one line, and force removes only the outputs', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-run-record-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'run.json');
    const outputs = [join(dir, 'records.jsonl'), join(dir, 'parts')];
    assert.deepEqual(await openRunRecord({ file, settings: { k: 3, model: { name: 'a' } }, derived: { keys: ['x'] }, what: 'a test job', outputs }), { resumed: false });
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { k: 3, model: { name: 'a' }, keys: ['x'] });
    await writeFile(outputs[0] as string, 'a record\n');
    await writeFile(join(dir, 'notes.txt'), 'the user\'s\n');
    // Derived facts are rewritten, not compared.
    assert.deepEqual(await openRunRecord({ file, settings: { k: 3, model: { name: 'a' } }, derived: { keys: ['y'] }, what: 'a test job', outputs }), { resumed: true });
    await assert.rejects(openRunRecord({ file, settings: { k: 5, model: { name: 'b' } }, derived: { keys: ['z'] }, what: 'a test job', outputs }), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `${dir} holds a test job made with other settings (k: 3 → 5; model.name: "a" → "b"); run again with --force to start over, or give another --out`);
      return true;
    });
    assert.equal(await readFile(outputs[0] as string, 'utf8'), 'a record\n', 'a refusal changes nothing');
    assert.deepEqual(await openRunRecord({ file, settings: { k: 5 }, what: 'a test job', outputs, force: true }), { resumed: false });
    await assert.rejects(stat(outputs[0] as string), 'force removed the outputs');
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'the user\'s\n', 'and nothing else');
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { k: 5 });
  });
});

describe('kill -9, then the same command again', () => {
  let dir: string;
  let generator: Awaited<ReturnType<typeof startGenerator>>;
  const names = ['Avela', 'Borin', 'Cadra', 'Dunmor', 'Elsin', 'Farrow', 'Gilda', 'Hesket', 'Istra', 'Jorvan', 'Kessa', 'Lunde'];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lab-resume-'));
    generator = await startGenerator();
    const corpus = names.map((name, i) => JSON.stringify({ id: `p${i}`, contents: `"${name}"\n${name} was founded in ${1800 + i} by the river ${names[(i + 5) % names.length]}.` }));
    await writeFile(join(dir, 'corpus.jsonl'), `${corpus.join('\n')}\n`);
    const qa = names.map((name, i) => JSON.stringify({ id: `q${i}`, question: `Who gave ${name} its river name?`, golden_answers: [names[(i + 5) % names.length]] }));
    await writeFile(join(dir, 'qa.jsonl'), `${qa.join('\n')}\n`);
  });
  after(async () => {
    await generator.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('index bm25: a killed build leaves its temporary files; the next build removes them and writes the same index', async () => {
    // Enough postings for a 1 MiB budget (about 105k postings) to spill sorted runs to disk.
    const passages = Array.from({ length: 2400 }, (_, i) => JSON.stringify({ id: `d${i}`, contents: `"Doc ${i}"\n${Array.from({ length: 60 }, (_, j) => `w${(i * 31 + j * 17) % 9000}x`).join(' ')}` }));
    const corpus = join(dir, 'bm25-corpus.jsonl');
    await writeFile(corpus, `${passages.join('\n')}\n`);
    const args = (out: string, from = corpus) => ['index', 'bm25', '--corpus', from, '--out', out, '--memory-budget', '1'];
    const reference = join(dir, 'bm25-reference');
    assert.equal((await s3lab(...args(reference))).status, 0);

    // Killed while it waits for the rest of a corpus that streams from a FIFO: a sorted run is on disk by then.
    const killed = join(dir, 'bm25-killed');
    const fifo = join(dir, 'corpus.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const feed = createWriteStream(fifo);
    feed.on('error', () => undefined); // EPIPE once the reader is killed
    feed.write(`${passages.slice(0, 2000).join('\n')}\n`);
    const leftovers = async (): Promise<string[]> => (await readdir(killed).catch(() => [] as string[])).filter((name) => name.startsWith('.runs-') || name.endsWith('.tmp'));
    const spilled = async (): Promise<boolean> => {
      const runs = (await leftovers()).find((name) => name.startsWith('.runs-'));
      return runs !== undefined && (await readdir(join(killed, runs))).length > 0;
    };
    await killWhen(args(killed, fifo), spilled);
    feed.destroy();
    assert.deepEqual((await leftovers()).map((name) => name.replace(/-[A-Za-z0-9]{6}$/u, '-XXXXXX').replace(/\d+/gu, 'N')).sort(), ['.runs-N-XXXXXX', 'contents.bin.N.tmp']);
    // Another build's temporary file (its process, here the test runner, is alive) and the user's files are not touched.
    const live = `contents.bin.${process.ppid}.tmp`;
    await writeFile(join(killed, live), 'a build in progress');
    await writeFile(join(killed, 'notes.tmp'), 'mine');

    assert.equal((await s3lab(...args(killed))).status, 0);
    assert.deepEqual((await leftovers()).sort(), [live, 'notes.tmp']);
    await rm(join(killed, live));
    await rm(join(killed, 'notes.tmp'));
    assert.deepEqual(await filesOf(killed), await filesOf(reference));
  });

  test('index dense: a rerun with another --max-length or corpus is refused in one line; --force rebuilds', async () => {
    const out = join(dir, 'dense');
    const args = (...more: string[]) => ['index', 'dense', '--corpus', join(dir, 'corpus.jsonl'), '--encoder', join(root, 'datasets/models/lab-e5-small'), '--out', out, '--batch-size', '4', ...more];
    assert.equal((await s3lab(...args())).status, 0);
    assert.equal((await s3lab(...args('--batch-size', '8'))).status, 0, 'the batch size does not change the vectors');
    const other = await s3lab(...args('--max-length', '64', '--no-prefixes'));
    assert.equal(other.status, 2);
    assert.match(other.stderr, /^s3lab: .*dense holds a dense index made with other settings \(settings\.maxLength: 256 → 64; settings\.passagePrefix: "passage: " → ""\); run again with --force to start over, or give another --out\n$/u);
    assert.equal((await s3lab(...args('--max-length', '64', '--no-prefixes', '--force'))).status, 0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { count: number; settings: Record<string, unknown> };
    assert.deepEqual([manifest.count, manifest.settings.maxLength, manifest.settings.passagePrefix], [names.length, 64, '']);
  });

  test('eval: killed mid-method, resumed to the same records; other settings refused, --force starts over', async () => {
    const args = (out: string, ...more: string[]) => ['eval', '--methods', 'no-retrieval,naive-rag', '--data', join(dir, 'qa.jsonl'), '--corpus', join(dir, 'corpus.jsonl'),
      '--generator', generator.url, '--model', 'gen', '--judge', 'none', '--batch-size', '2', '--concurrency', '1', '--out', out, ...more];
    const reference = join(dir, 'eval-reference');
    const whole = await s3lab(...args(reference));
    assert.equal(whole.status, 0, whole.stderr);

    const out = join(dir, 'eval-killed');
    generator.budget = 6; // naive RAG runs first (the run's own GBR baseline): three batches, then the fourth waits
    await killWhen(args(out), async () => (await lineCount(join(out, 'records.jsonl'))) >= 6);
    generator.budget = Infinity;
    assert.equal(await lineCount(join(out, 'records.jsonl')), 6);
    const resumed = await s3lab(...args(out));
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(await readFile(join(out, 'records.jsonl'), 'utf8'), await readFile(join(reference, 'records.jsonl'), 'utf8'));
    const summary = async (d: string) => ({ ...JSON.parse(await readFile(join(d, 'summary.json'), 'utf8')) as Record<string, unknown>, written: undefined });
    assert.deepEqual(await summary(out), await summary(reference));

    const other = await s3lab(...args(out, '-k', '2', '--max-tokens', '8'));
    assert.equal(other.status, 2);
    assert.match(other.stderr, /^s3lab: .*eval-killed holds an evaluation made with other settings \(k: 3 → 2; maxTokens: unset → 8\); run again with --force to start over, or give another --out\n$/u);
    const forced = await s3lab(...args(out, '-k', '2', '--max-tokens', '8', '--force'));
    assert.equal(forced.status, 0, forced.stderr);
    const records = (await readFile(join(out, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { method: string; documents: number });
    assert.equal(records.length, 2 * names.length);
    assert.ok(records.every((r) => r.documents === (r.method === 'naive-rag' ? 2 : 0)), 'every record is the new run\'s');
  });

  test('rag-cache: killed mid-file, resumed to the same file; other settings refused, --force starts over', async () => {
    const args = (out: string, ...more: string[]) => ['rag-cache', '--data', join(dir, 'qa.jsonl'), '--data-source', 'toy', '--retriever', join(dir, 'corpus.jsonl'),
      '--generator', generator.url, '--generator-model', 'gen', '--judge', 'none', '--batch-size', '2', '--concurrency', '1', '--out', out, ...more];
    const reference = join(dir, 'rag-reference.jsonl');
    const whole = await s3lab(...args(reference));
    assert.equal(whole.status, 0, whole.stderr);

    const out = join(dir, 'rag-killed.jsonl');
    generator.budget = 6;
    await killWhen(args(out), async () => (await lineCount(out)) >= 6);
    generator.budget = Infinity;
    const resumed = await s3lab(...args(out));
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /^6 answered now, 6 found in /mu);
    assert.equal(await readFile(out, 'utf8'), await readFile(reference, 'utf8'));

    const other = await s3lab(...args(out, '-k', '2'));
    assert.equal(other.status, 2);
    assert.match(other.stderr, /^s3lab: .*rag-killed\.jsonl holds a RAG cache made with other settings \(k: 3 → 2\); run again with --force to start over, or give another --out\n$/u);
    const forced = await s3lab(...args(out, '-k', '2', '--force'));
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /^12 answered now, 0 found in /mu);
  });
});

/** The leaves of a record as settingDifferences compares them (empty objects hold none). */
function flat(record: Record<string, unknown>): [string, string][] {
  return Object.entries(record).flatMap(([key, value]) => (value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).map(([inner, v]) => [`${key}.${inner}`, JSON.stringify(v)] as [string, string])
    : [[key, JSON.stringify(value)] as [string, string]])).sort(([a], [b]) => a.localeCompare(b));
}
