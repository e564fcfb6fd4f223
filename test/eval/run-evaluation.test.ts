import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  buildBm25Index, endToEndLabel, evalRecordSchema, formatGeneratorContext, RagCache, registerMethod, runEvaluation, scoreOwnAnswers, summarizeRecords, summaryRows,
  unregisterMethod, writeRetrieverDescription,
  type ChatModel, type EvalRecord, type Hit, type LabSearcher, type Method, type MethodEnv, type QaRecord, type RagCacheEntry, type Retriever, type Trajectory,
} from '@s3lab/toolkit';
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
    assert.deepEqual(Object.keys(summaryRows(summary.cells)[0] ?? {}), ['method', 'type', 'n', 'GenAcc', 'GBR', 'EM', 'F1', 'judged', 'docs', 'searcher tokens', 'turns']);
    assert.equal(byKey.get('naive-rag/a')?.context, 'Doc 1 (Title: "T") It was 1282.\nDoc 2 (Title: "T") It was 1282.\n', "naive RAG gives the original's document lines");
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

  it('refuses to resume with another generator, k or other questions under the same ids, in one line; force starts over', async () => {
    const out = await tempDir();
    await runEvaluation({ methods: ['naive-rag'], questions, generator: generator(), retriever, out, k: 2, settings: { index: 'bm25 a' } });
    const before = await readFile(join(out, 'records.jsonl'), 'utf8');
    const other = fakeChat('other-reader', () => 'x');
    await assert.rejects(runEvaluation({ methods: ['naive-rag'], questions, generator: other, retriever, out, k: 3, settings: { index: 'bm25 b' } }), (error: Error) => {
      assert.equal(error.name, 'InputError');
      assert.match(error.message, /holds an evaluation made with other settings \(generator: "reader" → "other-reader"; k: 2 → 3; index: "bm25 a" → "bm25 b"\); run again with --force to start over, or give another --out$/u);
      return true;
    });
    const renamed = questions.map((q) => ({ ...q, question: `Other ${q.question}` }));
    await assert.rejects(runEvaluation({ methods: ['naive-rag'], questions: renamed, generator: generator(), retriever, out, k: 2, settings: { index: 'bm25 a' } }), /records\.jsonl holds question id a as "Year of A\?", not "Other Year of A\?": its records were made for other questions/u);
    assert.equal(await readFile(join(out, 'records.jsonl'), 'utf8'), before, 'nothing was appended');
    assert.equal(other.calls.length, 0, 'nothing was asked');
    const { records } = await runEvaluation({ methods: ['naive-rag'], questions, generator: other, retriever, out, k: 3, settings: { index: 'bm25 b' }, force: true });
    assert.ok(records.every((r) => r.answer === 'x' && r.documents === 3), 'every record is the new run\'s');
    assert.equal(other.calls.flat().length, 3);
  });

  it('runs a method defined here, registered by name, like a built-in (one file + one registry line)', async () => {
    // The whole method: the golden answer as the only document.
    const gold = new Map(questions.map((q) => [q.question.endsWith('?') ? q.question : `${q.question}?`, q.golden_answers[0] ?? '']));
    const oracle: Method = {
      name: 'oracle-test', description: 'the golden answer as context', needs: { retriever: false, searcher: false },
      run: async (qs) => qs.map((question): Trajectory => {
        const docs = [{ title: 'gold', text: gold.get(question) ?? '' }];
        return {
          method: 'oracle-test', question, preset: null, protocol: 'docs', prompt: '', maxSelectableId: 1, turns: [], selectedDocs: docs,
          context: formatGeneratorContext(docs), answer: null, counts: { documents: 1, searcherTokens: 7, turns: 2, searches: 0 }, issues: [], meta: {},
        };
      }),
    };
    registerMethod(oracle);
    try {
      const { summary } = await runEvaluation({ methods: ['naive-rag', 'oracle-test'], questions, generator: generator(), retriever, out: await tempDir(), k: 1 });
      const all = summary.cells.find((c) => c.method === 'oracle-test' && c.type === 'all');
      assert.deepEqual([all?.genAcc, all?.searcherTokens, all?.turns, all?.documents], [1, 7, 2, 1]);
      assert.equal(all?.gbr, 1 / 3, 'the oracle gains on C, which naive RAG misses');
    } finally {
      unregisterMethod('oracle-test');
    }
    await assert.rejects(runEvaluation({ methods: ['oracle-test'], questions, generator: generator(), out: await tempDir() }), /unknown method "oracle-test"; known: no-retrieval, naive-rag, s3/u);
  });

  it('names what a method lacks: a retriever, a searcher, a chat model instead of a lab searcher', async () => {
    await assert.rejects(runEvaluation({ methods: ['naive-rag'], questions, generator: generator(), out: await tempDir() }), /method naive-rag needs a retriever/u);
    await assert.rejects(runEvaluation({ methods: ['s3'], questions, generator: generator(), retriever, out: await tempDir() }), /method s3 needs a searcher model/u);
    const lab = { kind: 'lab-searcher', dir: 'some/lab-searcher' } as unknown as LabSearcher;
    await assert.rejects(runEvaluation({ methods: ['ircot'], questions, generator: generator(), retriever, searcher: lab, out: await tempDir() }), /method ircot needs an instruction-following chat model as its searcher; some\/lab-searcher is a lab searcher/u);
    await assert.rejects(runEvaluation({ methods: ['no-retrieval', 'no-retrieval'], questions, generator: generator(), out: await tempDir() }), /named twice/u);
  });
});

describe('runEvaluation: Gain Beyond RAG', () => {
  it("from the run's naive-rag records: naive RAG runs first, every record is written with its baseline, cells get GBR per type", async () => {
    const out = await tempDir();
    const order: string[] = [];
    const { summary, records } = await runEvaluation({
      methods: ['no-retrieval', 'naive-rag'], questions, generator: generator(), judge: judge(), retriever, out, k: 1,
      onProgress: (method) => { if (order.at(-1) !== method) order.push(method); },
    });
    assert.deepEqual(order, ['naive-rag', 'no-retrieval']);
    assert.deepEqual(summary.methods, ['no-retrieval', 'naive-rag'], 'the summary keeps the order asked for');
    const byKey = new Map(records.map((r) => [`${r.method}/${r.id}`, r]));
    // naive RAG: A 1, B 1, C 0; no retrieval: A 0, B 0, C 1 (judged).
    assert.deepEqual(['a', 'b', 'c'].map((id) => [byKey.get(`no-retrieval/${id}`)?.ragGenAcc, byKey.get(`no-retrieval/${id}`)?.gbr]), [[1, -1], [1, -1], [0, 1]]);
    assert.deepEqual(['a', 'b', 'c'].map((id) => byKey.get(`naive-rag/${id}`)?.gbr), [0, 0, 0]);
    const cell = (method: string, type: string) => summary.cells.find((c) => c.method === method && c.type === type);
    assert.deepEqual([cell('no-retrieval', 'all')?.gbr, cell('no-retrieval', 'bridge')?.gbr, cell('no-retrieval', 'single-hop')?.gbr], [-1 / 3, 0, -1]);
    assert.deepEqual([summary.gbrBaseline, summary.gbrMissing], [{ source: 'naive-rag' }, 0]);
    const written = (await readFile(join(out, 'records.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => evalRecordSchema.parse(JSON.parse(l)));
    assert.ok(written.every((r) => r.ragSource === 'naive-rag' && r.gbr === r.genAcc - (r.ragGenAcc ?? NaN)));
    assert.equal(summaryRows(summary.cells).find((r) => r.method === 'no-retrieval' && r.type === 'all')?.GBR, -1 / 3);
  });

  it('from a RAG cache (by data source and normalised question); a question it lacks has no GBR and is counted', async () => {
    const entry = (question: string, score: 0 | 1, dataSource = 'nq'): RagCacheEntry => ({ id: question, dataSource, question, goldenAnswers: [], answer: '', score, emScore: score, f1: score, judged: false, docIds: [], k: 3, contextFormat: 'original', generator: 'reader', judge: null });
    const ragCache = new RagCache([entry('Year of A?', 0), entry('Year of B?', 1), entry('Year of C?', 1, 'other')]);
    const { summary, records } = await runEvaluation({ methods: ['naive-rag'], questions, generator: generator(), retriever, out: await tempDir(), ragCache, dataSource: 'nq' });
    assert.deepEqual(records.map((r) => [r.id, r.genAcc, r.ragGenAcc, r.ragSource, r.gbr]), [['a', 1, 0, 'rag-cache', 1], ['b', 1, 1, 'rag-cache', 0], ['c', 0, undefined, undefined, undefined]]);
    assert.deepEqual([summary.gbrBaseline, summary.gbrMissing], [{ source: 'rag-cache', dataSource: 'nq' }, 1]);
    assert.equal(summary.cells.find((c) => c.type === 'all')?.gbr, 0.5, 'the mean over the questions with a baseline');
    assert.equal(summary.cells.find((c) => c.type === 'single-hop')?.gbr, 1);
    await assert.rejects(runEvaluation({ methods: ['naive-rag'], questions, generator: generator(), retriever, out: await tempDir(), ragCache, dataSource: '' }), /dataSource/u);
  });

  it('without a baseline the GBR column is blank', async () => {
    const { summary, records } = await runEvaluation({ methods: ['no-retrieval'], questions, generator: generator(), out: await tempDir() });
    assert.ok(records.every((r) => r.gbr === undefined && r.ragGenAcc === undefined));
    assert.deepEqual([summary.gbrBaseline, summary.cells.at(-1)?.gbr, summaryRows(summary.cells).at(-1)?.GBR], [null, null, '']);
  });

  it('resumes a records file written before GBR: old lines load, are not asked again, and get GBR in the summary', async () => {
    const out = await tempDir();
    const old: Omit<EvalRecord, 'ragGenAcc' | 'ragSource' | 'gbr'> = {
      method: 'no-retrieval', id: 'a', type: 'single-hop', question: 'Year of A?', goldenAnswers: ['1282'], answer: '1282', reply: '1282',
      genAcc: 1, spanMatch: true, judged: false, em: 1, f1: 1, documents: 0, searcherTokens: 0, turns: 0, generatorPromptTokens: 10, context: '',
    };
    const line = JSON.stringify(old);
    await writeFile(join(out, 'records.jsonl'), `${line}\n`);
    const second = generator();
    const { records } = await runEvaluation({ methods: ['no-retrieval', 'naive-rag'], questions, generator: second, retriever, out, k: 1 });
    assert.equal(second.calls.flat().length, 5, '2 no-retrieval questions left + 3 naive-rag');
    const a = records.find((r) => r.method === 'no-retrieval' && r.id === 'a');
    assert.deepEqual([a?.answer, a?.ragGenAcc, a?.gbr], ['1282', 1, 0]);
    assert.equal((await readFile(join(out, 'records.jsonl'), 'utf8')).split('\n')[0], line, 'the old line is left as it was');
  });
});

/** A method of the test's own: one document naming `docOf(question, env)`, and `answerOf(question)` as its own answer. */
function testMethod(name: string, needs: Method['needs'], docOf: (question: string, env: MethodEnv) => string, answerOf: (question: string) => string | null = () => null): Method {
  return {
    name, description: 'a test method', needs,
    run: async (qs, env) => qs.map((question): Trajectory => {
      const docs = [{ title: 'T', text: docOf(question, env) }];
      return {
        method: name, question, preset: null, protocol: 'docs', prompt: '', maxSelectableId: 1, turns: [], selectedDocs: docs,
        context: formatGeneratorContext(docs), answer: answerOf(question), counts: { documents: 1, searcherTokens: 0, turns: 1, searches: 1 }, issues: [], meta: {},
      };
    }),
  };
}

describe('runEvaluation: per-method searchers', () => {
  // Each method writes the name of the searcher it was given into its one document.
  const named = (name: string) => testMethod(name, { retriever: false, searcher: 'chat' }, (_q, env) => `served by ${env.searcher?.name ?? 'none'}`);
  const echo = () => fakeChat('echo', (r) => /served by (\w+)/u.exec(systemText(r))?.[1] ?? 'none');

  it('a method named in searchers gets its own, the others the shared one; run.json records them by method', async () => {
    const out = await tempDir();
    const own = fakeChat('own', () => '');
    const { records } = await runEvaluation({
      methods: [named('first'), named('second')], questions: questions.slice(0, 1), generator: echo(), out,
      searcher: fakeChat('shared', () => ''), searchers: { second: own },
    });
    assert.deepEqual(records.map((r) => [r.method, r.answer]), [['first', 'shared'], ['second', 'own']]);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([run.searcher, run.searchers], ['shared', { second: 'own' }]);
    // Without per-method searchers nothing new is recorded: earlier evaluations resume.
    const plain = await tempDir();
    await runEvaluation({ methods: [named('first')], questions: questions.slice(0, 1), generator: echo(), out: plain, searcher: fakeChat('shared', () => '') });
    assert.equal('searchers' in (JSON.parse(await readFile(join(plain, 'run.json'), 'utf8')) as object), false);
  });

  it('checks each method against the searcher it gets: its own suffices, a missing one, a stray key and a lab model of another method are refused', async () => {
    const { records } = await runEvaluation({ methods: [named('first')], questions: questions.slice(0, 1), generator: echo(), out: await tempDir(), searchers: { first: fakeChat('own', () => '') } });
    assert.equal(records[0]?.answer, 'own', 'no shared searcher needed');
    await assert.rejects(runEvaluation({ methods: [named('first'), named('second')], questions, generator: echo(), out: await tempDir(), searchers: { first: fakeChat('own', () => '') } }),
      /method second needs a searcher model \(options\.searcher, or options\.searchers\["second"\]\)/u);
    await assert.rejects(runEvaluation({ methods: [named('first')], questions, generator: echo(), out: await tempDir(), searcher: fakeChat('shared', () => ''), searchers: { frist: fakeChat('own', () => '') } }),
      /searchers: "frist" is not one of the methods \(first\)/u);
    await assert.rejects(runEvaluation({ methods: ['no-retrieval'], questions, generator: echo(), out: await tempDir(), searchers: { 'no-retrieval': fakeChat('own', () => '') } }),
      /searchers: method no-retrieval takes no searcher model/u);
    const r1 = { kind: 'lab-searcher', dir: 'some/lab-search-r1', info: { searcher: 'lab', method: 'search-r1', preset: '8-3-3', initialDocs: 3 } } as unknown as LabSearcher;
    await assert.rejects(runEvaluation({ methods: ['s3'], questions, generator: echo(), retriever, out: await tempDir(), searchers: { s3: r1 } }),
      /method s3 was given some\/lab-search-r1, a lab search-r1 searcher \(its s3lab\.json\); it serves search-r1 only/u);
    // Its own searcher takes precedence over a shared one that would be refused.
    const lab = { kind: 'lab-searcher', dir: 'some/lab-searcher' } as unknown as LabSearcher;
    const { records: chat } = await runEvaluation({ methods: [named('first')], questions: questions.slice(0, 1), generator: echo(), out: await tempDir(), searcher: lab, searchers: { first: fakeChat('own', () => '') } });
    assert.equal(chat[0]?.answer, 'own');
  });
});

describe('runEvaluation: a method\'s own answer, end to end', () => {
  // Its documents hold the right year; its own answers: A right, B wrong, C none.
  const own: Record<string, string> = { 'Year of A?': 'It was 1282.', 'Year of B?': '1850' };
  const answering = () => testMethod('answers-test', { retriever: false, searcher: false }, (q) => `It was ${q.includes('A') ? '1282' : q.includes('B') ? '1900' : '1850'}.`, (q) => own[q] ?? null);

  it('stores the own answer scored by the same GenAcc, EM and F1; the summary adds "(end to end)" cells with GBR against the same baseline', async () => {
    const out = await tempDir();
    const { summary, records } = await runEvaluation({ methods: ['naive-rag', answering()], questions, generator: generator(), judge: judge(), retriever, out, k: 1 });
    const byId = new Map(records.filter((r) => r.method === 'answers-test').map((r) => [r.id, r]));
    assert.deepEqual(byId.get('a')?.ownAnswer, { answer: 'It was 1282.', genAcc: 1, spanMatch: true, judged: false, em: 0, f1: 0.5 });
    assert.deepEqual(byId.get('b')?.ownAnswer, { answer: '1850', genAcc: 0, spanMatch: false, judged: true, judgeReply: 'No', em: 0, f1: 0 });
    assert.equal(byId.get('c')?.ownAnswer, undefined, 'no own answer, no field');
    assert.ok(['a', 'b', 'c'].every((id) => byId.get(id)?.genAcc === 1), 'the main row is still the generator reading its documents');
    const cell = (method: string, type: string) => summary.cells.find((c) => c.method === method && c.type === type);
    const e2e = endToEndLabel('answers-test');
    assert.equal(e2e, 'answers-test (end to end)');
    assert.deepEqual(summary.cells.map((c) => `${c.method}/${c.type}`).slice(3), [
      'answers-test/bridge', 'answers-test/single-hop', 'answers-test/all', `${e2e}/bridge`, `${e2e}/single-hop`, `${e2e}/all`,
    ], 'the end-to-end cells follow the method\'s own');
    assert.deepEqual([cell(e2e, 'all')?.genAcc, cell(e2e, 'single-hop')?.genAcc, cell(e2e, 'bridge')?.genAcc], [1 / 3, 1, 0], 'C, unanswered, counts as wrong');
    assert.deepEqual([cell(e2e, 'all')?.em, cell(e2e, 'all')?.f1, cell(e2e, 'all')?.judged, cell(e2e, 'all')?.questions], [0, 0.5 / 3, 1 / 3, 3]);
    // naive RAG (k 1): A 1, B 1, C 0; own answers: A 1, B 0, C 0.
    assert.deepEqual([cell(e2e, 'all')?.gbr, cell(e2e, 'single-hop')?.gbr, cell('answers-test', 'all')?.gbr], [-1 / 3, 0, 1 / 3]);
    assert.equal(summary.cells.some((c) => c.method === endToEndLabel('naive-rag')), false, 'a method that never answers has no end-to-end cells');
    const written = (await readFile(join(out, 'records.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => evalRecordSchema.parse(JSON.parse(l)));
    assert.deepEqual(written.find((r) => r.method === 'answers-test' && r.id === 'b')?.ownAnswer?.judgeReply, 'No');
  });

  it('scoreOwnAnswers: span match alone without a judge; undefined where there is no answer', async () => {
    assert.deepEqual(await scoreOwnAnswers([{ answer: 'It was 1282.', goldenAnswers: ['1282'] }, { answer: null, goldenAnswers: ['1900'] }, { answer: 'nineteen hundred', goldenAnswers: ['1900'] }]), [
      { answer: 'It was 1282.', genAcc: 1, spanMatch: true, judged: false, em: 0, f1: 0.5 }, undefined, { answer: 'nineteen hundred', genAcc: 0, spanMatch: false, judged: false, em: 0, f1: 0 },
    ]);
    const unused: ChatModel = fakeChat('judge', () => { throw new Error('the judge is asked nothing without answers'); });
    assert.deepEqual(await scoreOwnAnswers([{ answer: null, goldenAnswers: ['x'] }], unused), [undefined]);
  });

  it('records written before own answers were kept load and summarize without end-to-end cells', () => {
    const old = {
      method: 'search-r1', id: 'a', type: 'single-hop', question: 'Year of A?', goldenAnswers: ['1282'], answer: '1282', reply: '1282',
      genAcc: 1, spanMatch: true, judged: false, em: 1, f1: 1, documents: 3, searcherTokens: 40, turns: 2, generatorPromptTokens: 10,
    };
    const record = evalRecordSchema.parse(JSON.parse(JSON.stringify(old)));
    assert.equal(record.ownAnswer, undefined);
    assert.deepEqual(summarizeRecords([record]).map((c) => c.method), ['search-r1', 'search-r1']);
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
    assert.match(run.stdout, /method\s+type\s+n\s+GenAcc\s+GBR\s+EM\s+F1/u);
    assert.match(run.stdout, /GBR = GenAcc − GenAcc of this run's naive-rag records/u);
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

    // GBR against a RAG cache that says naive RAG answered every question.
    const cacheFile = join(dir, 'rag-cache.jsonl');
    await writeFile(cacheFile, records.filter((r) => r.method === 'naive-rag').map((r) => JSON.stringify({
      id: r.id, dataSource: 'lab-test', question: r.question, goldenAnswers: r.goldenAnswers, answer: 'x', score: 1, emScore: 1, f1: 1, judged: false, docIds: [], k: 1, contextFormat: 'original', generator: 'tiny-chat', judge: null,
    })).join('\n') + '\n');
    const cached = s3lab('eval', '--methods', 'no-retrieval', '--data', 'datasets/lab/test.jsonl', '--limit', '6', '--out', join(dir, 'eval-cache'),
      '--generator', 'test/fixtures/lm/tiny-chat', '--judge', 'none', '--max-tokens', '8', '--rag-cache', cacheFile, '--data-source', 'lab-test');
    assert.equal(cached.status, 0, cached.stderr);
    assert.match(cached.stdout, /GBR = GenAcc − naive-RAG GenAcc from the RAG cache .* \(data source lab-test\)/u);
    const withCache = JSON.parse(await readFile(join(dir, 'eval-cache', 'summary.json'), 'utf8')) as { gbrBaseline: unknown; ragCache: string; cells: { type: string; genAcc: number; gbr: number | null }[] };
    assert.deepEqual([withCache.gbrBaseline, withCache.ragCache], [{ source: 'rag-cache', dataSource: 'lab-test' }, cacheFile]);
    for (const c of withCache.cells) assert.equal(c.gbr, c.genAcc - 1);
  });

  it('--help names every registered method and tells where GBR comes from', () => {
    const help = s3lab('eval', '--help');
    assert.equal(help.status, 0, help.stderr);
    const text = help.stdout.replace(/\s+/gu, ' ');
    assert.match(text, /no-retrieval, naive-rag, s3, scripted, search-r1, ircot, search-o1, deep-retrieval/u);
    assert.match(text, /--rag-cache <file>/u);
    assert.match(text, /--data-source <name>/u);
    assert.match(text, /GBR \(Gain Beyond RAG\)/u);
  });

  it('reports bad input as one line, exit 2', () => {
    const unknown = s3lab('eval', '--methods', 'bogus', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--methods: unknown method "bogus"/u);
    const noIndex = s3lab('eval', '--methods', 'naive-rag', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat');
    assert.equal(noIndex.status, 2);
    assert.match(noIndex.stderr, /--index \(or --corpus\) is needed by naive-rag/u);
    // ircot has no shipped lab model, so even on the lab world's questions it needs a --searcher.
    const noSearcher = s3lab('eval', '--methods', 'naive-rag,ircot', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat', '--corpus', 'datasets/lab/corpus.jsonl');
    assert.equal(noSearcher.status, 2);
    assert.match(noSearcher.stderr, /ircot needs a searcher model: give --searcher <dir\|url> or --searcher ircot=<dir\|url>\n$/u);
    const labOnly = s3lab('eval', '--methods', 's3,search-r1', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat', '--corpus', 'datasets/lab/corpus.jsonl', '--searcher', 'datasets/models/lab-searcher');
    assert.equal(labOnly.status, 2);
    assert.match(labOnly.stderr, /--searcher datasets\/models\/lab-searcher is a lab s3 model \(its s3lab\.json\); it cannot serve search-r1: give search-r1 its own with --searcher search-r1=<dir\|url>/u);
    const badCache = s3lab('eval', '--methods', 'no-retrieval', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'test/fixtures/lm/tiny-chat', '--rag-cache', '/nonexistent/rag-cache.jsonl');
    assert.equal(badCache.status, 2);
    assert.match(badCache.stderr, /cannot read --rag-cache \/nonexistent\/rag-cache.jsonl/u);
    const url = s3lab('eval', '--methods', 'no-retrieval', '--data', 'datasets/lab/test.jsonl', '--out', '/tmp/never', '--generator', 'http://127.0.0.1:9/v1');
    assert.equal(url.status, 2);
    assert.match(url.stderr, /--model/u);
    assert.doesNotMatch(`${unknown.stderr}${noIndex.stderr}${url.stderr}`, /at .*\.ts:/u);
  });
});
