// The verl bridge end to end on the real lab generator: `s3lab serve reward` turns searcher texts
// (prompt + response, as the s3 fork's RewardManager decodes them) into GBR, and the numbers agree
// with computing the reward directly with the toolkit — from node and from python/s3lab_reward.py,
// the function verl calls. Generator answers are the slow part (~0.3-1 s each), so the servers
// share an on-disk response cache and the direct computation uses the bare model.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  cachedChatModel, ChatRequestError, formatGeneratorContext, generateAnswers, informationObservation, loadLocalChatModel, normalizeQuestion,
  plainTitle, precomputeRagCache, RagCache, readCorpus, readTrainingParquet, runScriptedSearcher, scoreGenAcc, SEARCHER_START_MARKER, trajectoryTranscript,
  type ChatModel, type Trajectory,
} from '@s3lab/toolkit';
import { RewardService, startRewardServer, type RunningRewardServer } from '../../toolkit/src/rl/verl/index.js';
import { labIndex, labQuestions, type LabQuestion } from '../agent/lab.js';
import { connections, gate, rawRequest, until } from '../core/http.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MODEL = join(root, 'datasets/models/lab-generator');
const MAX_TOKENS = 16;

interface Detail { genacc: number; ragGenacc: number; gbr: number; documents: number; question: string; answer: string; ragOnTheFly: boolean }
interface Answer { reward?: string; scores?: number[]; details?: Detail[]; error?: string; field?: string }
interface Item { solution_str: string; ground_truth: { target: string[]; question?: string; gt_docs?: string[] }; data_source?: string; question?: string }

async function post(url: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const response = await fetch(`${url}/reward`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Answer };
}

/** The text the s3 fork hands its reward: the chat-templated prompt, then the response, decoded together. */
function decoded(prompt: string, response: string): string {
  return `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n${prompt}<|im_end|>\n<|im_start|>assistant\n${response}<|im_end|>`;
}

/** A run of node (the server) and python (the client) side by side: spawnSync would block the server. */
function runPython(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('s3lab serve reward (the GBR endpoint verl calls)', () => {
  let dir: string;
  let generator: ChatModel & { dispose?: () => void };
  let served: ChatModel;
  let cachePath: string;
  let server: RunningRewardServer;
  let questions: LabQuestion[];
  let trajectories: Trajectory[];
  /** Per question: the scripted searcher's text, then a text whose searcher kept only the gold passages. */
  const items: Item[] = [];
  /** The generator context of each item, built independently of the server's extraction. */
  const contexts: string[] = [];
  const servers: RunningRewardServer[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lab-reward-server-'));
    cachePath = join(dir, 'rag-cache.jsonl');
    generator = await loadLocalChatModel(MODEL);
    served = cachedChatModel(generator, { dir: join(dir, 'llm-cache') });
    const { index } = labIndex();
    questions = labQuestions('train').filter((q) => q.type === 'bridge').slice(0, 2);
    await precomputeRagCache({ questions, retriever: index, generator, out: cachePath, dataSource: 'lab', maxTokens: MAX_TOKENS });
    trajectories = await runScriptedSearcher({ questions: questions.map((q) => normalizeQuestion(q.question)), retriever: index, retrieverKind: 'bm25' });
    const wanted = new Set(questions.flatMap((q) => q.supporting_facts));
    const passages = new Map((await readCorpus(join(root, 'datasets/lab/corpus.jsonl')).toArray()).filter((p) => wanted.has(p.id)).map((p) => [p.id, p]));
    questions.forEach((q, i) => {
      const t = trajectories[i] as Trajectory;
      items.push({ solution_str: decoded(t.prompt, trajectoryTranscript(t).slice(t.prompt.length)), ground_truth: { target: q.golden_answers }, data_source: 'lab' });
      contexts.push(t.context);
      // A perfect searcher: nothing kept from the initial results, one search that finds the gold passages, both kept.
      const gold = q.supporting_facts.map((id) => {
        const contents = passages.get(id)?.contents ?? '';
        const newline = contents.indexOf('\n');
        return { id, title: contents.slice(0, newline), text: contents.slice(newline + 1), score: 1 };
      });
      const response = `<important_info>[]</important_info>\n<search_complete>False</search_complete>\n<query>\n{"query": "${q.question.replaceAll('"', '')}"}\n</query>${informationObservation(gold)}<important_info>[1, 2]</important_info>\n<search_complete>True</search_complete>`;
      items.push({ solution_str: decoded(t.prompt, response), ground_truth: { target: q.golden_answers, question: normalizeQuestion(q.question), gt_docs: q.supporting_facts }, data_source: 'lab' });
      contexts.push(formatGeneratorContext(gold.map((d) => ({ title: plainTitle(d.title), text: d.text }))));
    });
    server = await startRewardServer({ generator: served, ragCache: cachePath, maxTokens: MAX_TOKENS });
    servers.push(server);
  });

  after(async () => {
    for (const s of servers) await s.close();
    generator?.dispose?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('POST /reward: GBR = GenAcc - naive-RAG GenAcc, as the toolkit computes it directly', async (t) => {
    const { status, json } = await post(server.url, { items });
    assert.equal(status, 200, json.error);
    assert.equal(json.reward, 'gbr');
    const cache = await RagCache.load(cachePath);
    const answers = await generateAnswers(generator, items.map((_, i) => ({ question: normalizeQuestion((questions[Math.floor(i / 2)] as LabQuestion).question), context: contexts[i] ?? '' })), { maxTokens: MAX_TOKENS });
    const accuracy = await scoreGenAcc(undefined, answers.map(({ answer }, i) => ({ answer, goldenAnswers: items[i]?.ground_truth.target ?? [] })));
    items.forEach((_, i) => {
      const q = questions[Math.floor(i / 2)] as LabQuestion;
      const detail = json.details?.[i] as Detail;
      const rag = cache.get('lab', q.question)?.score;
      assert.equal(typeof rag, 'number');
      assert.equal(detail.question, normalizeQuestion(q.question), 'the question is read from the <question> block (or ground_truth.question)');
      assert.equal(detail.answer, answers[i]?.answer);
      assert.equal(detail.genacc, accuracy[i]?.genAcc);
      assert.equal(detail.ragGenacc, rag);
      assert.equal(detail.gbr, detail.genacc - detail.ragGenacc);
      assert.equal(json.scores?.[i], detail.gbr);
      assert.equal(detail.ragOnTheFly, false);
    });
    assert.deepEqual(json.details?.map((d) => d.documents), items.map((_, i) => (i % 2 === 0 ? (trajectories[i / 2] as Trajectory).counts.documents : 2)));
    const health = (await (await fetch(`${server.url}/health`)).json()) as { ok: boolean; reward: string; generator: string; judge: null; ragCache: { questions: number; dataSources: Record<string, number> }; served: { items: number } };
    assert.deepEqual([health.ok, health.reward, health.generator, health.judge, health.ragCache.questions, health.ragCache.dataSources, health.served.items], [true, 'gbr', 'lab-generator', null, 2, { lab: 2 }, 4]);
    t.diagnostic(`GBR of [scripted, gold passages] for ${questions.length} questions: ${JSON.stringify(json.scores)}`);
  });

  it('python/s3lab_reward.py: compute_score, compute_score_batch and the s3 fork drop-in give the same numbers', async () => {
    const { json } = await post(server.url, { items });
    const itemsFile = join(dir, 'items.json');
    await writeFile(itemsFile, JSON.stringify(items));
    const closed = await startRewardServer({ generator: served, ragCache: cachePath });
    const closedUrl = closed.url;
    await closed.close();
    const run = await runPython([join(root, 'test/rl/reward-client.py'), itemsFile, closedUrl], { S3LAB_REWARD_URL: server.url });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { single: number[]; batch: number[]; rag: [number, null, number]; mismatch: string; refused: string; unreachable: string };
    assert.deepEqual(out.single, json.scores);
    assert.deepEqual(out.batch, json.scores);
    assert.deepEqual(out.rag, [json.scores?.[0], null, json.details?.[0]?.ragGenacc]);
    assert.match(out.mismatch, /ask for gbr\+genacc, but the server at http:\/\/127\.0\.0\.1:\d+ computes gbr \(restart it with --reward gbr\+genacc\)/u);
    assert.match(out.refused, /refused the request: HTTP 422: items\[0\]\.solution_str lacks the searcher prompt's start marker/u);
    assert.ok(out.unreachable.includes(`s3lab reward server at ${closedUrl}/reward is unreachable`), out.unreachable);
  });

  it('400 names the field and the expected shape; 422 names a question missing from the RAG cache, or a request the generator refuses', async () => {
    const bad = async (body: unknown, field: string | undefined, pattern: RegExp): Promise<void> => {
      const { status, json } = await post(server.url, body);
      assert.equal(status, 400, JSON.stringify(json));
      assert.equal(json.field, field);
      assert.match(json.error ?? '', pattern);
    };
    await bad('{"items": [', undefined, /body is not valid JSON/u);
    await bad({}, 'items', /^items: .*expected \{"items": \[\{"solution_str": string, "ground_truth": \{"target": \[string, \.\.\.\]\}/u);
    await bad({ items: [] }, 'items', /^items: .*>=1/u);
    await bad({ items: [{ solution_str: 7, ground_truth: { target: ['x'] } }] }, 'items.0.solution_str', /^items\.0\.solution_str: .*string/u);
    await bad({ items: [{ solution_str: 'x', ground_truth: { question: 'q?' } }] }, 'items.0.ground_truth.target', /^items\.0\.ground_truth\.target: /u);

    const uncached = labQuestions('train').find((q) => q.type === 'single-hop') as LabQuestion;
    const t = trajectories[0] as Trajectory;
    const text = decoded(t.prompt.replace(t.question, normalizeQuestion(uncached.question)), '<search_complete>True</search_complete>');
    const { status, json } = await post(server.url, { items: [items[0], { solution_str: text, ground_truth: { target: uncached.golden_answers }, data_source: 'lab' }] });
    assert.equal(status, 422, JSON.stringify(json));
    assert.equal(json.field, 'items');
    assert.ok(json.error?.includes(JSON.stringify(normalizeQuestion(uncached.question))), json.error);
    const other = await post(server.url, { items: [{ ...items[0], data_source: 'nq' }] });
    assert.equal(other.status, 422);
    assert.match(other.json.error ?? '', /data source nq/u);

    // A generator that refuses (a context over its length) is a 422, not retried; any other failure a 500.
    const failing = (error: Error): ChatModel => ({ name: 'lab-generator', chat: async () => Promise.reject(error), complete: async () => Promise.reject(error) });
    for (const [error, status, pattern] of [
      [new ChatRequestError('requests[0]: the prompt has 3000 tokens', 'maxTokens'), 422, /^the generator refused a request: requests\[0\]: the prompt has 3000 tokens/u],
      [new Error('out of memory'), 500, /^reward failed: out of memory/u],
    ] as const) {
      const broken = await startRewardServer({ generator: failing(error), ragCache: cachePath });
      servers.push(broken);
      const answer = await post(broken.url, { items: [items[0]] });
      assert.equal(answer.status, status);
      assert.match(answer.json.error ?? '', pattern);
    }
  });

  it('--reward gbr+genacc, and a retriever fills questions missing from the cache (appended to it)', async () => {
    const copy = join(dir, 'rag-cache-copy.jsonl');
    await copyFile(cachePath, copy);
    const { index } = labIndex();
    await assert.rejects(RewardService.open({ generator: { ...served, name: 'another-generator' }, ragCache: copy, retriever: index }), /lines made with generator lab-generator.*another baseline/u);
    const sum = await startRewardServer({ generator: served, ragCache: copy, retriever: index, retrieverName: 'bm25 lab', reward: 'gbr+genacc', maxTokens: MAX_TOKENS });
    servers.push(sum);
    const uncached = labQuestions('train').find((q) => q.type === 'single-hop') as LabQuestion;
    const t = trajectories[0] as Trajectory;
    const text = decoded(t.prompt.replace(t.question, normalizeQuestion(uncached.question)), '<search_complete>True</search_complete>');
    const { status, json } = await post(sum.url, { items: [items[1], { solution_str: text, ground_truth: { target: uncached.golden_answers } }] });
    assert.equal(status, 200, json.error);
    assert.equal(json.reward, 'gbr+genacc');
    const [gold, filled] = json.details as [Detail, Detail];
    assert.equal(json.scores?.[0], gold.gbr + gold.genacc);
    assert.equal(json.scores?.[1], filled.gbr + filled.genacc);
    assert.deepEqual([gold.ragOnTheFly, filled.ragOnTheFly, filled.question], [false, true, normalizeQuestion(uncached.question)]);
    const lines = (await readFile(copy, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { question: string; score: number; k: number });
    assert.equal(lines.length, 3);
    assert.deepEqual([lines[2]?.question, lines[2]?.score, lines[2]?.k], [normalizeQuestion(uncached.question), filled.ragGenacc, 3]);
    const health = (await (await fetch(`${sum.url}/health`)).json()) as { reward: string; retriever: string; ragCache: { questions: number; addedOnTheFly: number; canFill: boolean } };
    assert.deepEqual([health.reward, health.retriever, health.ragCache.questions, health.ragCache.addedOnTheFly, health.ragCache.canFill], ['gbr+genacc', 'bm25 lab', 3, 1, true]);
  });

  it('a saturated server answers 503 with Retry-After; /health answers while a reward is scored; a queued request whose client left never reaches the generator', async () => {
    const hold = gate();
    let generatorCalls = 0;
    const held: ChatModel = {
      name: served.name,
      chat: async (requests) => {
        generatorCalls += 1;
        await hold.promise;
        return served.chat(requests);
      },
      complete: async (requests) => served.complete(requests),
    };
    const logged: number[] = [];
    const busy = await startRewardServer({ generator: held, ragCache: cachePath, maxTokens: MAX_TOKENS, maxInFlight: 1, maxQueue: 1, onRequest: (r) => logged.push(r.status) });
    servers.push(busy);
    const load = async (): Promise<{ inFlight: number; queued: number }> => ((await (await fetch(`${busy.url}/health`)).json()) as { load: { inFlight: number; queued: number } }).load;
    const running = post(busy.url, { items: [items[0]] });
    await until(() => generatorCalls === 1);
    const order: string[] = [];
    assert.deepEqual(await load(), { maxInFlight: 1, maxQueue: 1, inFlight: 1, queued: 0 });
    order.push('health');
    const leave = new AbortController();
    const left = rawRequest(busy.url, { path: '/reward', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [items[1]] }), signal: leave.signal }).catch(() => 'left');
    await until(async () => (await load()).queued === 1);
    const refused = await rawRequest(busy.url, { path: '/reward', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [items[0]] }) });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(String(refused.json?.error), /^server busy: at its limits, max in flight 1 and max queue 1/u);
    leave.abort();
    await until(() => logged.includes(499));
    hold.open();
    const answered = await running;
    order.push('reward');
    assert.equal(answered.status, 200, answered.json.error);
    assert.equal(await left, 'left');
    assert.deepEqual(order, ['health', 'reward']);
    assert.equal(generatorCalls, 1, 'the request of the client that left never reached the generator');
  });

  it('python/s3lab_reward.py waits out a busy server (503, Retry-After) without using its retries', async () => {
    const hold = gate();
    let generatorCalls = 0;
    const held: ChatModel = { name: served.name, chat: async (requests) => { generatorCalls += 1; await hold.promise; return served.chat(requests); }, complete: async (requests) => served.complete(requests) };
    const logged: number[] = [];
    const busy = await startRewardServer({ generator: held, ragCache: cachePath, maxTokens: MAX_TOKENS, maxInFlight: 1, maxQueue: 0, onRequest: (r) => logged.push(r.status) });
    servers.push(busy);
    const running = post(busy.url, { items: [items[0]] });
    await until(() => generatorCalls === 1);
    const itemsFile = join(dir, 'busy-items.json');
    await writeFile(itemsFile, JSON.stringify([items[0]]));
    const script = 'import json, sys; sys.path.insert(0, sys.argv[2]); import s3lab_reward; item = json.load(open(sys.argv[1]))[0]; '
      + 'print(s3lab_reward.compute_score(item["data_source"], item["solution_str"], item["ground_truth"]))';
    const client = runPython(['-c', script, itemsFile, join(root, 'python')], { S3LAB_REWARD_URL: busy.url, S3LAB_REWARD_RETRIES: '1' });
    await until(() => logged.includes(503));
    hold.open();
    const [answered, run] = await Promise.all([running, client]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(Number(run.stdout.trim()), answered.json.scores?.[0]);
  });

  it('a client that leaves while the generator answers costs no judge call', async () => {
    const wrong = (requests: readonly unknown[]) => requests.map(() => ({ text: 'I cannot tell', finishReason: 'stop' as const, usage: { promptTokens: 1, completionTokens: 1 }, cached: false }));
    let hold = gate();
    let generatorCalls = 0;
    let judgeCalls = 0;
    const generator: ChatModel = { name: 'lab-generator', chat: async (r) => { generatorCalls += 1; await hold.promise; return wrong(r); }, complete: async (r) => wrong(r) };
    const judge: ChatModel = { name: 'judge', chat: async (r) => { judgeCalls += 1; return r.map(() => ({ text: 'No', finishReason: 'stop' as const, usage: { promptTokens: 1, completionTokens: 1 }, cached: false })); }, complete: async (r) => wrong(r) };
    const logged: number[] = [];
    const judged = await startRewardServer({ generator, judge, ragCache: cachePath, onRequest: (r) => logged.push(r.status) });
    servers.push(judged);
    // As a control, a client that stays gets its answer judged (a wrong answer is not a span match).
    hold.open();
    assert.equal((await post(judged.url, { items: [items[0]] })).status, 200);
    assert.ok(judgeCalls > 0, 'the judge is asked about a wrong answer');
    const judgedBefore = judgeCalls;
    const generatedBefore = generatorCalls;
    hold = gate();
    const leave = new AbortController();
    const left = rawRequest(judged.url, { path: '/reward', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [items[0]] }), signal: leave.signal }).catch(() => 'left');
    await until(() => generatorCalls > generatedBefore);
    const open = await connections(judged.server);
    leave.abort();
    assert.equal(await left, 'left');
    await until(async () => (await connections(judged.server)) < open);
    hold.open();
    await until(() => logged.includes(499));
    assert.equal(judgeCalls, judgedBefore, 'the service stopped before the judge');
  });

  it('only JSON bodies from loopback names: form-urlencoded, text/plain and untyped bodies are 415, a foreign Host 403', async () => {
    const body = JSON.stringify({ items: [items[0]] });
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'text/plain' }, {} as Record<string, string>]) {
      const answer = await rawRequest(server.url, { path: '/reward', headers, body });
      assert.equal(answer.status, 415, JSON.stringify(headers));
      assert.match(String(answer.json?.error), /content-type: application\/json/u);
    }
    const foreign = await rawRequest(server.url, { path: '/reward', headers: { host: 'verl-box.example:8765', 'content-type': 'application/json' }, body });
    assert.equal(foreign.status, 403);
    assert.match(String(foreign.json?.error), /--host 0\.0\.0\.0/u);
  });

  it('the CLI: s3lab training-set writes the verl parquet from QA JSONL + RAG cache; s3lab serve reward serves it', async () => {
    const cli = (args: string[]) => spawn(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), ...args], { cwd: root });
    const collect = (child: ReturnType<typeof cli>): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
    const data = join(dir, 'train.jsonl');
    await writeFile(data, [...questions, { id: 'yes-no', question: 'Was Dusstad founded before 1300', golden_answers: ['Yes'] }].map((q) => JSON.stringify(q)).join('\n'));
    const out = join(dir, 'train.parquet');
    const made = await collect(cli(['training-set', '--data', data, '--data-source', 'lab', '--rag-cache', cachePath, '--retriever', 'datasets/lab/corpus.jsonl', '--out', out]));
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /3 questions: 1 yes\/no dropped, 0 solved by naive RAG dropped/u);
    const rows = await readTrainingParquet(out).toArray();
    assert.deepEqual(rows.map((r) => [r.data_source, r.ability, r.reward_model.ground_truth.question, r.reward_model.ground_truth.target, r.extra_info]), questions.map((q, i) => ['lab', 'fact-reasoning', normalizeQuestion(q.question), q.golden_answers, { split: 'train', index: i }]));
    assert.ok(rows[0]?.prompt[0]?.content.includes(`${SEARCHER_START_MARKER}\n\n<question>\n${normalizeQuestion((questions[0] as LabQuestion).question)}\n</question>\n<information>\nDoc 1 (Title: `), 'the prompt ends with the question and its initial search results');

    const child = cli(['serve', 'reward', '--generator', MODEL, '--judge', 'none', '--rag-cache', cachePath, '--reward', 'gbr+genacc', '--port', '0', '--quiet']);
    const exited = collect(child);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let seen = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const match = /at (http:\/\/\S+)\/reward/u.exec(seen);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('close', (code) => reject(new Error(`serve reward exited with ${code}`)));
      });
      const health = (await (await fetch(`${url}/health`)).json()) as { ok: boolean; reward: string; generator: string; judge: null };
      assert.deepEqual(health.ok && [health.reward, health.generator, health.judge], ['gbr+genacc', 'lab-generator', null]);
    } finally {
      child.kill('SIGTERM');
    }
    const stopped = await exited;
    assert.equal(stopped.code, 0, stopped.stderr);
  });
});
