// Property-based fuzzing of every endpoint of the three servers (retrieval, LLM, reward) on the
// lab world and a tiny real model: arbitrary methods, paths, Host and content types, and bodies
// that are arbitrary JSON, deeply nested, huge numbers, a valid request with one field of the
// wrong type, or random bytes. Whatever arrives: never a 5xx, every answer is JSON (a 4xx with an
// error), and the server still answers /health afterwards.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  loadLocalChatModel, normalizeQuestion, precomputeRagCache, runScriptedSearcher, startLlmServer, startRetrievalServer, trajectoryTranscript, type LocalChatModel,
} from '@s3lab/toolkit';
import { startRewardServer } from '../../toolkit/src/rl/verl/index.js';
import { labIndex, labQuestions } from '../agent/lab.js';
import { rawRequest, type RawAnswer } from './http.js';

const root = new URL('../..', import.meta.url).pathname;
const RUNS = 80;

/** A valid request of an endpoint, and the paths of its fields (each may get a value of the wrong type). */
interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  valid?: unknown;
  fields?: (string | number)[][];
}

/** Stand-ins replaced in the JSON text by numbers JSON.stringify cannot write. */
const HUGE: Record<string, string> = { '"@huge"': '1e400', '"@-huge"': '-1e400', '"@bigint"': '123456789012345678901234567890', '"@tiny"': '5e-324' };

const wrongValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, -1, 0, 1.5, 2 ** 53, -(2 ** 31), 1e308, '', [], {}, true, ...Object.keys(HUGE).map((k) => JSON.parse(k) as string)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** `value` with the field at `path` replaced (undefined: removed). */
function withField(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) return copy;
    at = next as Record<string | number, unknown>;
  }
  const last = path.at(-1) as string | number;
  if (replacement === undefined) delete at[last];
  else at[last] = replacement;
  return copy;
}

function jsonText(value: unknown): string {
  let text = JSON.stringify(value) ?? 'null';
  for (const [stand, number] of Object.entries(HUGE)) text = text.replaceAll(stand, number);
  return text;
}

/** Bodies: a valid request with one wrong field, arbitrary JSON, deep nesting, huge numbers, random bytes, nothing. */
function bodies(endpoints: readonly Endpoint[]): fc.Arbitrary<string | Uint8Array | undefined> {
  const mutated = fc.constantFrom(...endpoints.filter((e) => e.valid !== undefined)).chain((e) => fc.tuple(
    fc.constant(e.valid), fc.constantFrom(...(e.fields ?? [[]])), fc.option(wrongValue, { nil: undefined, freq: 5 }),
  )).map(([valid, path, value]) => jsonText(path.length === 0 ? valid : withField(valid, path, value)));
  const valid = fc.constantFrom(...endpoints.filter((e) => e.valid !== undefined)).map((e) => jsonText(e.valid));
  const deep = fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);
  return fc.oneof(
    { arbitrary: mutated, weight: 6 },
    { arbitrary: valid, weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(jsonText), weight: 2 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

interface Fuzzed { method: string; path: string; contentType: string | undefined; foreignHost: boolean; body: string | Uint8Array | undefined }

/** Methods Node's HTTP parser does not know: refused (400) before the Host or the route is looked at. */
const UNKNOWN_METHODS = ['BREW', 'X-RETRIEVE'];

/** Mostly an endpoint's own method and path (so that bodies reach the handlers), sometimes anything. */
function requests(endpoints: readonly Endpoint[]): fc.Arbitrary<Fuzzed> {
  const routes = [...new Set(endpoints.map((e) => e.path))];
  const endpoint = fc.constantFrom(...endpoints);
  return fc.record({
    target: fc.oneof({ arbitrary: endpoint.map((e) => ({ method: e.method as string, path: e.path })), weight: 8 }, {
      arbitrary: fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'QUERY', ...UNKNOWN_METHODS),
        path: fc.oneof(
          fc.constantFrom(...routes, ...routes.map((r) => `${r}?x=1&topk=9`), '//retrieve', '/retrieve/', '/__proto__', '/constructor', '/%00', '/%ZZ', '/v1/', '/health/'),
          fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
        ),
      }),
      weight: 2,
    }),
    contentType: fc.oneof(
      { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 6 },
      { arbitrary: fc.constantFrom(undefined, 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/vnd.s3lab+json', 'APPLICATION/JSON', 'application/json;;;'), weight: 2 },
      { arbitrary: fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,30}$/u), weight: 1 },
    ),
    // One request in ten comes from a foreign Host (a DNS-rebound page): 403 whatever else it is.
    foreignHost: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    body: bodies(endpoints),
  }).map(({ target, ...rest }) => ({ ...target, ...rest }));
}

/** Checks one answer: no 5xx, JSON with an error for a 4xx (a HEAD answer has no body to check). */
function check(fuzzed: Fuzzed, answer: RawAnswer, errorOf: (json: Record<string, unknown>) => unknown): void {
  const what = `${fuzzed.method} ${fuzzed.path} (${fuzzed.contentType ?? 'no type'}${fuzzed.foreignHost ? ', foreign Host' : ''}) → ${answer.status} ${answer.text.slice(0, 300)}`;
  assert.ok(answer.status >= 200 && answer.status < 500, what);
  if (UNKNOWN_METHODS.includes(fuzzed.method)) assert.equal(answer.status, 400, what);
  else if (fuzzed.foreignHost) assert.equal(answer.status, 403, what);
  if (fuzzed.method === 'HEAD') return;
  assert.match(String(answer.headers['content-type']), /^application\/json/u, what);
  assert.ok(answer.json !== undefined, `not JSON: ${what}`);
  if (answer.status >= 400) assert.ok(errorOf(answer.json) !== undefined, `no error field: ${what}`);
}

async function fuzz(url: string, endpoints: readonly Endpoint[], errorOf: (json: Record<string, unknown>) => unknown): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  await fc.assert(fc.asyncProperty(requests(endpoints), async (fuzzed) => {
    const headers: Record<string, string> = {};
    if (fuzzed.contentType !== undefined) headers['content-type'] = fuzzed.contentType;
    if (fuzzed.foreignHost) headers.host = 'rebound.example:80';
    const answer = await rawRequest(url, { method: fuzzed.method, path: fuzzed.path, headers, body: fuzzed.method === 'GET' || fuzzed.method === 'HEAD' ? undefined : fuzzed.body });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    check(fuzzed, answer, errorOf);
  }), { seed: 42, numRuns: RUNS });
  const health = await rawRequest(url, { method: 'GET', path: '/health' });
  assert.equal(health.status, 200, 'the server still answers /health');
  return statuses;
}

describe('fuzzing the servers: no request gets a 5xx or takes a server down', () => {
  let model: LocalChatModel;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    model = await loadLocalChatModel(join(root, 'test/fixtures/lm/tiny-chat'));
    dir = await mkdtemp(join(tmpdir(), 's3lab-fuzz-'));
  });
  after(async () => {
    for (const close of closers) await close();
    model?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('retrieval server: POST /retrieve, GET /health, GET /', async (t) => {
    const server = await startRetrievalServer({ retriever: labIndex().index, name: 'bm25 lab' });
    closers.push(() => server.close());
    const valid = { queries: ['Who founded Krocol Works?', 'capital of Drokuthary'], topk: 3, return_scores: true };
    const statuses = await fuzz(server.url, [
      { method: 'POST', path: '/retrieve', valid, fields: [['queries'], ['queries', 0], ['topk'], ['return_scores']] },
      { method: 'GET', path: '/health' }, { method: 'GET', path: '/' },
    ], (json) => json.error);
    t.diagnostic(`statuses: ${JSON.stringify(statuses)}`);
  });

  it('LLM server: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health', async (t) => {
    const server = await startLlmServer({ model, batchWindowMs: 1 });
    closers.push(() => server.close());
    const sampling = { model: 'tiny-chat', max_tokens: 4, temperature: 0, top_p: 1, stop: ['\n'], seed: 1, n: 1, stream: false };
    const samplingFields = Object.keys(sampling).map((k) => [k]);
    const statuses = await fuzz(server.url, [
      { method: 'POST', path: '/v1/chat/completions', valid: { ...sampling, messages: [{ role: 'user', content: 'Who founded Krocol Works?' }] }, fields: [...samplingFields, ['messages'], ['messages', 0], ['messages', 0, 'role'], ['messages', 0, 'content'], ['max_completion_tokens']] },
      { method: 'POST', path: '/v1/completions', valid: { ...sampling, prompt: ['Krocol Works was founded by', 'The capital is'] }, fields: [...samplingFields, ['prompt'], ['prompt', 0]] },
      { method: 'GET', path: '/v1/models' }, { method: 'GET', path: '/health' },
    ], (json) => (json.error as { message?: unknown } | undefined)?.message);
    t.diagnostic(`statuses: ${JSON.stringify(statuses)}`);
  });

  it('reward server: POST /reward, GET /health', async (t) => {
    // The lab generator, as the reward server's own test: the tiny model's 512 positions are fewer than a transcript's tokens.
    const generator = await loadLocalChatModel(join(root, 'datasets/models/lab-generator'));
    closers.push(async () => generator.dispose());
    const { index } = labIndex();
    const questions = labQuestions('train').slice(0, 1);
    const ragCache = join(dir, 'rag-cache.jsonl');
    await precomputeRagCache({ questions, retriever: index, generator, out: ragCache, dataSource: 'lab', maxTokens: 4 });
    const [trajectory] = await runScriptedSearcher({ questions: questions.map((q) => normalizeQuestion(q.question)), retriever: index, retrieverKind: 'bm25' });
    assert.ok(trajectory);
    const server = await startRewardServer({ generator, ragCache, maxTokens: 4 });
    closers.push(() => server.close());
    const item = { solution_str: trajectoryTranscript(trajectory), ground_truth: { target: questions[0]?.golden_answers ?? [] }, data_source: 'lab' };
    const statuses = await fuzz(server.url, [
      {
        method: 'POST', path: '/reward', valid: { items: [item] },
        fields: [['items'], ['items', 0], ['items', 0, 'solution_str'], ['items', 0, 'ground_truth'], ['items', 0, 'ground_truth', 'target'], ['items', 0, 'ground_truth', 'target', 0], ['items', 0, 'ground_truth', 'question'], ['items', 0, 'data_source'], ['items', 0, 'question']],
      },
      { method: 'GET', path: '/health' },
    ], (json) => json.error);
    t.diagnostic(`statuses: ${JSON.stringify(statuses)}`);
  });
});
