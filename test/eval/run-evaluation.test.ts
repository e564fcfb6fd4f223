import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildBm25Index, evalRecordSchema, MethodRegistry, naiveRagMethod, noRetrievalMethod, runEvaluation, summaryRows, writeRetrieverDescription, type EvalMethod, type Hit, type QaRecord, type Retriever } from '@s3lab/toolkit';
import { fakeChat, systemText, userText } from '../reward/fake-chat.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 's3lab-eval-'));
  dirs.push(dir);
  return dir;
}

const questions: QaRecord[] = [
  { id: 'a', question: 'Year of A?', golden_answers: ['1282'], type: 'single-hop' },
  { id: 'b', question: 'Year of B', golden_answers: ['1900'], type: 'bridge' },
  { id: 'c', question: 'Year of C?', golden_answers: ['1850'], type: 'bridge' },
];
// The retriever finds the answer for A and B only.
const retriever: Retriever = {
  search: async (queries, k) => queries.map((q) => {
    const answer = q.includes('A') ? '1282' : q.includes('B') ? '1900' : 'unknown';
    return Array.from({ length: k }, (_, i): Hit => ({ id: `${q}-${i}`, title: 'T', text: `It was ${answer}.`, score: 1, contents: `"T"\nIt was ${answer}.` }));
  }),
};
// The generator copies the first year in its context; zero-shot it knows nothing. The judge accepts "nineteen hundred".
const generator = () => fakeChat('reader', (r) => {
  if (systemText(r).includes('Contexts')) return /\d{4}/u.exec(systemText(r))?.[0] ?? 'no idea';
  return userText(r).includes('C') ? 'nineteen hundred' : 'no idea';
});
const judge = () => fakeChat('judge', (r) => (userText(r).includes('nineteen hundred') && userText(r).includes('1850') ? 'Yes' : 'No'));

describe('runEvaluation', () => {
  it('writes per-question records and a per-method × type summary', async () => {
    const out = await tempDir();
    const { summary, records } = await runEvaluation({ methods: ['no-retrieval', 'naive-rag'], questions, generator: generator(), judge: judge(), retriever, out, k: 2, describe: { data: 'x.jsonl' } });
    assert.equal(records.length, 6);
    const byKey = new Map(records.map((r) => [`${r.method}/${r.id}`, r]));
    assert.deepEqual([byKey.get('naive-rag/a')?.genAcc, byKey.get('naive-rag/a')?.em, byKey.get('naive-rag/a')?.documents], [1, 1, 2]);
    assert.equal(byKey.get('naive-rag/b')?.question, 'Year of B?', 'questions are normalised');
    assert.deepEqual([byKey.get('no-retrieval/c')?.genAcc, byKey.get('no-retrieval/c')?.judged, byKey.get('no-retrieval/c')?.judgeReply], [1, true, 'Yes']);
    assert.deepEqual([byKey.get('no-retrieval/a')?.genAcc, byKey.get('no-retrieval/a')?.documents], [0, 0]);
    const cell = (method: string, type: string) => summary.cells.find((c) => c.method === method && c.type === type);
    assert.deepEqual([cell('naive-rag', 'all')?.questions, cell('naive-rag', 'all')?.genAcc], [3, 2 / 3]);
    assert.deepEqual([cell('naive-rag', 'bridge')?.genAcc, cell('naive-rag', 'bridge')?.documents], [0.5, 2]);
    assert.deepEqual([cell('no-retrieval', 'all')?.genAcc, cell('no-retrieval', 'all')?.em], [1 / 3, 0]);
    assert.deepEqual(summary.cells.map((c) => `${c.method}/${c.type}`), ['no-retrieval/bridge', 'no-retrieval/single-hop', 'no-retrieval/all', 'naive-rag/bridge', 'naive-rag/single-hop', 'naive-rag/all']);
    const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([written.generator, written.judge, written.k, written.data, written.questions], ['reader', 'judge', 2, 'x.jsonl', 3]);
    assert.deepEqual(Object.keys(summaryRows(summary.cells)[0] ?? {}), ['method', 'type', 'n', 'GenAcc', 'EM', 'F1', 'judged', 'docs', 'searcher tokens', 'turns']);
    const lines = (await readFile(join(out, 'records.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 6);
    lines.forEach((line) => evalRecordSchema.parse(JSON.parse(line)));
  });

  it('resumes: finished (method, question) pairs are not asked again, new ones are added', async () => {
    const out = await tempDir();
    await runEvaluation({ methods: ['no-retrieval'], questions, generator: generator(), out, limit: 2 });
    const second = generator();
    const { summary } = await runEvaluation({ methods: ['no-retrieval', 'naive-rag'], questions, generator: second, retriever, out });
    const asked = second.calls.flat().map((r) => userText(r));
    assert.equal(asked.length, 4, '1 no-retrieval question left + 3 naive-rag');
    assert.equal(summary.cells.find((c) => c.method === 'no-retrieval' && c.type === 'all')?.questions, 3);
    assert.equal((await readFile(join(out, 'records.jsonl'), 'utf8')).trimEnd().split('\n').length, 6);
    assert.equal(summary.judge, null);
  });

  it('takes methods from a pluggable registry and names unknown ones and missing retrievers', async () => {
    const echo: EvalMethod = {
      name: 'oracle', description: 'golden answer as context', needsRetriever: false,
      run: async (qs) => qs.map((q) => ({ question: q.question, goldenAnswers: q.golden_answers, context: `Doc 1 (Title: gold)\n${q.golden_answers[0]}\n\n`, documents: 1, searcherTokens: 7, turns: 2 })),
    };
    const registry = new MethodRegistry([noRetrievalMethod, naiveRagMethod({ k: 1 }), echo]);
    const { summary } = await runEvaluation({ methods: ['oracle'], questions, generator: generator(), out: await tempDir(), registry });
    assert.deepEqual([summary.cells.at(-1)?.genAcc, summary.cells.at(-1)?.searcherTokens, summary.cells.at(-1)?.turns], [1, 7, 2]);
    await assert.rejects(runEvaluation({ methods: ['s3'], questions, generator: generator(), out: await tempDir(), registry }), /unknown method "s3"; known: no-retrieval, naive-rag, oracle/u);
    await assert.rejects(runEvaluation({ methods: ['naive-rag'], questions, generator: generator(), out: await tempDir() }), /method naive-rag needs a retriever/u);
  });
});

describe('s3lab eval', () => {
  const s3lab = (...args: string[]) => spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), ...args], { cwd: root, encoding: 'utf8' });

  it('runs no-retrieval and naive-rag on lab test questions with the tiny-chat model and a BM25 index', async () => {
    const dir = await tempDir();
    const index = join(dir, 'index');
    await buildBm25Index({ corpusPath: join(root, 'datasets/lab/corpus.jsonl'), outDir: index });
    await writeRetrieverDescription(index, { kind: 'bm25' });
    const out = join(dir, 'eval');
    const args = ['eval', '--methods', 'no-retrieval,naive-rag', '--data', 'datasets/lab/test.jsonl', '--limit', '6', '--out', out,
      '--generator', 'test/fixtures/lm/tiny-chat', '--index', index, '-k', '1', '--max-tokens', '8', '--batch-size', '3'];
    const run = s3lab(...args);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /method\s+type\s+n\s+GenAcc\s+EM\s+F1/u);
    assert.match(run.stdout, /naive-rag\s+all\s+6/u);
    assert.match(run.stdout, /judge tiny-chat/u);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { methods: string[]; questions: number; cells: { method: string; type: string; questions: number; documents: number }[] };
    assert.deepEqual([summary.methods, summary.questions], [['no-retrieval', 'naive-rag'], 6]);
    assert.equal(summary.cells.find((c) => c.method === 'naive-rag' && c.type === 'all')?.documents, 1);
    const records = (await readFile(join(out, 'records.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => evalRecordSchema.parse(JSON.parse(l)));
    assert.equal(records.length, 12);
    assert.ok(records.filter((r) => r.method === 'naive-rag').every((r) => r.context?.startsWith('Doc 1 (Title: "')));

    const again = s3lab(...args);
    assert.equal(again.status, 0, again.stderr);
    assert.equal((await readFile(join(out, 'records.jsonl'), 'utf8')).trimEnd().split('\n').length, 12, 'a second run resumes and adds nothing');
  });

  it('reports bad input as one line, exit 2', () => {
    const unknown = s3lab('eval', '--methods', 'bogus', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--methods: unknown method "bogus"/u);
    const noIndex = s3lab('eval', '--methods', 'naive-rag', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat');
    assert.equal(noIndex.status, 2);
    assert.match(noIndex.stderr, /--index \(or --corpus\) is needed by naive-rag/u);
    const noSearcher = s3lab('eval', '--methods', 'naive-rag,search-r1', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat', '--corpus', 'datasets/lab/corpus.jsonl');
    assert.equal(noSearcher.status, 2);
    assert.match(noSearcher.stderr, /search-r1 needs a searcher model: give --searcher/u);
    const url = s3lab('eval', '--methods', 'no-retrieval', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'http://127.0.0.1:9/v1');
    assert.equal(url.status, 2);
    assert.match(url.stderr, /--model/u);
    assert.doesNotMatch(`${unknown.stderr}${noIndex.stderr}${url.stderr}`, /at .*\.ts:/u);
  });
});
