import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError, precomputeRagCache, RagCache, ragCacheEntrySchema, type Hit, type Retriever } from '@s3lab/toolkit';
import { fakeChat, systemText } from './fake-chat.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 's3lab-rag-cache-'));
  dirs.push(dir);
  return dir;
}

// A retriever whose passage for question "Qn?" says "answer n", and records what it was asked.
function scriptedRetriever(): Retriever & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    search: async (queries: string[], k: number) => queries.map((q) => {
      asked.push(q);
      const n = /\d+/u.exec(q)?.[0] ?? '?';
      return Array.from({ length: k }, (_, i): Hit => ({ id: `${n}-${i}`, title: `T${n}`, text: `answer ${n}`, score: 1, contents: `"T${n}"\nanswer ${n}` }));
    }),
  };
}

const questions = Array.from({ length: 10 }, (_, i) => ({ id: `q${i}`, question: `Q${i}`, golden_answers: [i % 2 === 0 ? `answer ${i}` : 'something else'] }));

describe('precomputeRagCache', () => {
  it('writes one line per question with the naive-RAG answer, GenAcc, EM and settings; exports the original shape', async () => {
    const out = join(await tempDir(), 'rag.jsonl');
    const retriever = scriptedRetriever();
    // The generator repeats the text of its first document; the judge says no.
    const generator = fakeChat('gen', (r) => /\) (answer \d+)/u.exec(systemText(r))?.[1] ?? '');
    const judge = fakeChat('judge', () => 'No.');
    const progress: number[] = [];
    const result = await precomputeRagCache({ questions, retriever, generator, judge, out, dataSource: 'nq', batchSize: 3, onProgress: (done) => progress.push(done) });
    assert.deepEqual(result, { written: 10, resumed: 0, total: 10, tail: 'clean' });
    assert.equal(progress.at(-1), 10);
    assert.deepEqual(retriever.asked.slice(0, 2), ['Q0?', 'Q1?'], 'questions are normalised as the original keys them');
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => ragCacheEntrySchema.parse(JSON.parse(l)));
    assert.equal(lines.length, 10);
    const first = lines.find((l) => l.id === 'q0');
    assert.deepEqual([first?.question, first?.answer, first?.score, first?.emScore, first?.judged, first?.docIds, first?.k, first?.generator, first?.judge], ['Q0?', 'answer 0', 1, 1, false, ['0-0', '0-1', '0-2'], 3, 'gen', 'judge']);
    assert.equal(lines.find((l) => l.id === 'q1')?.judged, true);
    // The context is the original's naive-RAG lines: title as stored (quoted), a space, the text.
    assert.match(systemText(generator.calls[0]?.[0] ?? { messages: [] }), /Doc 1 \(Title: "T0"\) answer 0\nDoc 2 \(Title: "T0"\) answer 0\nDoc 3/u);
    const cache = await RagCache.load(out);
    assert.equal(cache.get('nq', 'Q4')?.score, 1);
    assert.equal(cache.get('nq', 'Q5?')?.score, 0);
    assert.equal(cache.get('lab', 'Q4?'), undefined);
    assert.deepEqual(cache.toOriginal().nq?.['Q2?'], { answer: 'answer 2', score: 1, em_score: 1 });
    assert.equal(Object.keys(cache.toOriginal().nq ?? {}).length, 10);

    const again = await precomputeRagCache({ questions, retriever, generator, judge, out, dataSource: 'nq' });
    assert.deepEqual(again, { written: 0, resumed: 10, total: 10, tail: 'clean' });
    await assert.rejects(precomputeRagCache({ questions, retriever, generator, judge, out, dataSource: 'nq', k: 5 }), /rag\.jsonl holds a RAG cache made with other settings \(k: 3 → 5\); run again with --force/u);
    // Another data set with the same ids (train_0, … in every FlashRAG-shaped set) is refused, not taken as done.
    const others = questions.map((q) => ({ ...q, question: `other ${q.question}` }));
    const before = await readFile(out, 'utf8');
    await assert.rejects(precomputeRagCache({ questions: others, retriever, generator, judge, out, dataSource: 'nq' }), /holds question id q0 as "Q0\?", not "other Q0\?": it was made for other questions/u);
    assert.equal(await readFile(out, 'utf8'), before, 'the file is untouched');
    await assert.rejects(precomputeRagCache({ questions, retriever, generator, judge, out, dataSource: 'nq', k: 0 }), /precomputeRagCache: k:/u);
  });

  it('records max tokens and the named retriever: a resume with others is refused in one line, force starts over; older lines without them resume', async () => {
    const out = join(await tempDir(), 'rag.jsonl');
    const generator = fakeChat('gen', () => 'x');
    const base = { questions: questions.slice(0, 4), retriever: scriptedRetriever(), retrieverName: 'bm25 corpus.jsonl', generator, out, dataSource: 'nq', maxTokens: 8 };
    await precomputeRagCache(base);
    const first = ragCacheEntrySchema.parse(JSON.parse((await readFile(out, 'utf8')).split('\n')[0] ?? ''));
    assert.deepEqual([first.maxTokens, first.retriever], [8, 'bm25 corpus.jsonl']);
    const refused = await precomputeRagCache({ ...base, maxTokens: undefined, retrieverName: 'http://other:3000', judge: fakeChat('judge', () => 'No.') }).then(() => undefined, (error: unknown) => error);
    assert.ok(refused instanceof InputError, String(refused));
    assert.match(refused.message, /rag\.jsonl holds a RAG cache made with other settings \(judge: null → "judge"; maxTokens: 8 → null; retriever: "bm25 corpus\.jsonl" → "http:\/\/other:3000"\); run again with --force to start over/u);
    // A caller that does not name its retriever is not refused for it.
    assert.equal((await precomputeRagCache({ ...base, retrieverName: undefined, questions })).written, 6);
    const forced = await precomputeRagCache({ ...base, questions: questions.slice(0, 2), k: 2, force: true });
    assert.deepEqual([forced.written, forced.resumed], [2, 0]);
    assert.equal((await readFile(out, 'utf8')).trimEnd().split('\n').length, 2, 'force started the file over');
    // A file from before max tokens and the retriever were recorded resumes with any of them.
    const old = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => {
      const { maxTokens: _m, retriever: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    await writeFile(out, `${old.join('\n')}\n`);
    assert.deepEqual((await precomputeRagCache({ ...base, k: 2, maxTokens: 99, questions: questions.slice(0, 3) })).written, 1);
  });

  it('RagCache.load skips a torn last line without touching the file (a precompute may be appending)', async () => {
    const out = join(await tempDir(), 'rag.jsonl');
    const generator = fakeChat('gen', () => 'x');
    await precomputeRagCache({ questions: questions.slice(0, 2), retriever: scriptedRetriever(), generator, out, dataSource: 'nq' });
    await appendFile(out, '{"id": "q2", "dataSo');
    const before = await readFile(out, 'utf8');
    assert.equal((await RagCache.load(out)).size, 2);
    assert.equal(await readFile(out, 'utf8'), before);
    await assert.rejects(RagCache.load(`${out}.missing`), { code: 'ENOENT' });
  });

  it('rejects a corrupt line that is not the last one, naming file and line', async () => {
    const out = join(await tempDir(), 'rag.jsonl');
    await writeFile(out, '{"id": "q0", "broken\n{}\n');
    await assert.rejects(RagCache.load(out), /rag\.jsonl:1: invalid JSON/u);
  });

  it('survives kill -9 with the real tiny-chat model: no finished question lost, none repeated, a torn last line removed', async () => {
    const out = join(await tempDir(), 'rag.jsonl');
    const total = 60;
    const child = (): ReturnType<typeof spawn> => spawn(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'test/reward/rag-cache-child.ts'), out, String(total)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const lineCount = async (): Promise<number> => (await readFile(out, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

    const first = child();
    let stderr = '';
    first.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(first, 'exit');
    // Kill it once a few batches are on disk, well before the end.
    for (let waited = 0; (await lineCount()) < 8; waited += 20) {
      if (first.exitCode !== null || waited > 40_000) assert.fail(`the child ended or stalled before writing 8 lines: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
    const beforeKill = await readFile(out, 'utf8');
    const finished = beforeKill.split('\n').filter(Boolean);
    assert.ok(finished.length < total, `killed midway (${finished.length} of ${total} written)`);
    // An interrupted write: half a line, no newline.
    const torn = `${finished[0]?.slice(0, 40) ?? '{"id": "train'}`;
    await appendFile(out, torn);

    const second = child();
    let stdout = '';
    second.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(second, 'exit');
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { written: number; resumed: number; tail: string };
    const complete = beforeKill.endsWith('\n') ? finished.length : finished.length - 1;
    assert.deepEqual([result.resumed, result.written, result.tail], [complete, total - complete, 'torn-line-removed']);

    const after = await readFile(out, 'utf8');
    assert.ok(after.startsWith(finished.slice(0, complete).map((l) => `${l}\n`).join('')), 'every line finished before the kill is kept as it was');
    const entries = after.trimEnd().split('\n').map((l) => ragCacheEntrySchema.parse(JSON.parse(l)));
    const ids = entries.map((e) => e.id);
    assert.equal(new Set(ids).size, total, 'no question twice');
    assert.deepEqual([...ids].sort(), Array.from({ length: total }, (_, i) => `train_${i}`).sort());
    assert.ok(entries.every((e) => e.generator === 'tiny-chat' && e.judge === 'tiny-chat' && e.k === 1));
  });
});
