import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { generateLabWorld, Bm25Index, RetrieverClient, startRetrievalServer, type Hit, type Retriever, type RunningRetrievalServer } from '@s3lab/toolkit';
import { DEFAULT_SERVER_LIMITS } from '../../toolkit/src/retrieval/index.js';
import { gate, rawRequest, until } from '../core/http.js';

const lab = generateLabWorld({ seed: 5, scale: 0.05 });
const index = Bm25Index.build(lab.corpus);
const questions = lab.splits.dev.slice(0, 5).map((q) => q.question);

async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/retrieve`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('retrieval server', () => {
  let server: RunningRetrievalServer;
  before(async () => {
    server = await startRetrievalServer({ retriever: index, name: 'bm25 test', documents: lab.corpus.length, defaultTopk: 3, maxQueries: 8, maxBodyBytes: 4096 });
  });
  after(async () => server.close());

  test('binds to loopback and answers /health', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/u);
    const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
    assert.equal(health.status, 'ok');
    assert.equal(health.documents, lab.corpus.length);
  });

  test('returns documents with scores, in the in-process order, with the corpus line verbatim', async () => {
    const { status, json } = await post(server.url, { queries: questions, topk: 4, return_scores: true });
    assert.equal(status, 200);
    const expected = await index.search(questions, 4);
    const result = json.result as { document: { id: string; contents: string }; score: number }[][];
    assert.equal(result.length, questions.length);
    result.forEach((list, i) => {
      assert.deepEqual(list.map((h) => h.document.id), expected[i]?.map((h) => h.id));
      for (const hit of list) {
        assert.equal(hit.document.contents, lab.corpus[Number(hit.document.id)]?.contents);
        assert.equal(typeof hit.score, 'number');
      }
    });
  });

  test('without return_scores the items are bare documents; a missing or zero topk means the default', async () => {
    for (const body of [{ queries: questions }, { queries: questions, topk: 0 }, { queries: questions, topk: null, return_scores: false }]) {
      const { status, json } = await post(server.url, body);
      assert.equal(status, 200);
      const result = json.result as { id: string; contents: string }[][];
      assert.ok(result.every((list) => list.length === 3));
      assert.ok(typeof result[0]?.[0]?.contents === 'string' && !('score' in (result[0]?.[0] ?? {})));
    }
  });

  test('bad requests get a 4xx naming the field, and the server keeps serving', async () => {
    const cases: [unknown, number, string | undefined][] = [
      [{ topk: 3 }, 400, 'queries'],
      [{ queries: 'one string' }, 400, 'queries'],
      [{ queries: [1, 2] }, 400, 'queries.0'],
      [{ queries: [] }, 400, 'queries'],
      [{ queries: ['q'], topk: -1 }, 400, 'topk'],
      [{ queries: ['q'], topk: 2.5 }, 400, 'topk'],
      [{ queries: ['q'], return_scores: 'yes' }, 400, 'return_scores'],
      [{ queries: Array(9).fill('q') }, 400, 'queries'],
      ['{not json', 400, undefined],
      [{ queries: ['x'.repeat(5000)] }, 413, undefined],
    ];
    for (const [body, status, field] of cases) {
      const answer = await post(server.url, body);
      assert.equal(answer.status, status, JSON.stringify(body).slice(0, 80));
      assert.equal(typeof answer.json.error, 'string');
      assert.equal(answer.json.field, field);
    }
    assert.equal((await fetch(`${server.url}/retrieve`)).status, 405);
    assert.equal((await fetch(`${server.url}/search`, { method: 'POST' })).status, 404);
    // Bodies a web page can send cross-origin without a preflight are refused, and so is a body with no type.
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {} as Record<string, string>]) {
      const refused = await rawRequest(server.url, { path: '/retrieve', headers, body: JSON.stringify({ queries: ['q'] }) });
      assert.equal(refused.status, 415, JSON.stringify(headers));
      assert.match(String(refused.json?.error), /content-type: application\/json/u);
    }
    assert.equal((await post(server.url, { queries: ['q'] }, { 'content-type': 'application/json; charset=utf-8' })).status, 200);
    assert.equal((await post(server.url, { queries: ['q'] })).status, 200);
  });

  test('RetrieverClient gives the same hits as the index it serves', async () => {
    const client = new RetrieverClient(server.url, { batchSize: 2 });
    const remote = await client.search(questions, 5);
    const local = await index.search(questions, 5);
    assert.deepEqual(remote.map((l) => l.map((h) => [h.id, h.title, h.text])), local.map((l) => l.map((h) => [h.id, h.title, h.text])));
    await assert.rejects(new RetrieverClient(server.url).search(questions, 5000), /400/u);
  });

  test("the original Python client's code works unchanged", async () => {
    // s3's generation_s3.py: requests.post(search_url, json=payload).json(), then _passages2string.
    const script = `
import json, sys, requests
payload = {"queries": json.loads(sys.argv[2]), "topk": 3, "return_scores": True}
results = requests.post(sys.argv[1], json=payload).json()["result"]
for retrieval_result in results:
    format_reference = ''
    for idx, doc_item in enumerate(retrieval_result):
        content = doc_item['document']['contents']
        title = content.split("\\n")[0]
        text = "\\n".join(content.split("\\n")[1:])
        format_reference += f"Doc {idx+1}(Title: {title}) {text}\\n"
    print(json.dumps(format_reference))
`;
    // Asynchronously: this process is the server, a blocking spawn would deadlock it.
    const run = await promisify(execFile)('/usr/bin/python3', ['-c', script, `${server.url}/retrieve`, JSON.stringify(questions.slice(0, 2))], { encoding: 'utf8', timeout: 30_000 })
      .catch((error: Error) => assert.fail(`python3 with requests failed (Debian: python3-requests): ${error.message}`));
    const blocks = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as string);
    assert.equal(blocks.length, 2);
    assert.match(blocks[0] as string, /^Doc 1\(Title: "[^"]+"\) .+\nDoc 2\(Title: /u);
  });
});

describe('retrieval server: bounded answers, admission, Host check', () => {
  let server: RunningRetrievalServer;
  before(async () => {
    server = await startRetrievalServer({ retriever: index, documents: lab.corpus.length });
  });
  after(async () => server.close());

  test('1,024 queries × topk 1000 (once a crash: a string too long for V8) is a 413 naming both numbers and the limit; the server keeps serving', async () => {
    const queries = Array.from({ length: 1024 }, (_, i) => `${questions[i % questions.length] ?? ''} ${i}`);
    const { status, json } = await post(server.url, { queries, topk: 1000, return_scores: true });
    assert.equal(status, 413);
    assert.match(String(json.error), new RegExp(`^1024 queries × topk 1000 = 1024000 hits, over this server's limit of ${DEFAULT_SERVER_LIMITS.maxHits} hits per request`, 'u'));
    const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
    assert.equal(health.max_hits, DEFAULT_SERVER_LIMITS.maxHits);
    assert.equal((await post(server.url, { queries: questions, topk: 3 })).status, 200);
    // At the limit exactly, the answer is built and sent.
    const atLimit = await post(server.url, { queries: questions.slice(0, 1), topk: 1000 });
    assert.equal(atLimit.status, 200);
  });

  test('an answer over maxResponseBytes is a 413 too (passages longer than the hit limit assumes)', async () => {
    const small = await startRetrievalServer({ retriever: index, maxResponseBytes: 2000 });
    try {
      const { status, json } = await post(small.url, { queries: questions, topk: 10 });
      assert.equal(status, 413);
      assert.match(String(json.error), /^the answer is \d+ bytes, over this server's limit of 2000/u);
      assert.equal((await post(small.url, { queries: ['zzz-no-match'], topk: 1 })).status, 200);
    } finally {
      await small.close();
    }
  });

  test('64 concurrent clients are all answered with the default limits', async () => {
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => post(server.url, { queries: [questions[i % questions.length]], topk: 3 })));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
  });

  test('a foreign Host is 403 naming it and --host 0.0.0.0; a server opened with --host accepts it', async () => {
    const body = JSON.stringify({ queries: ['q'] });
    const refused = await rawRequest(server.url, { path: '/retrieve', headers: { host: 'rebound.example:8000', 'content-type': 'application/json' }, body });
    assert.equal(refused.status, 403);
    assert.match(String(refused.json?.error), /"rebound\.example:8000" is not this server's address.*--host 0\.0\.0\.0/u);
    const open = await startRetrievalServer({ retriever: index, host: '0.0.0.0' });
    try {
      const accepted = await rawRequest(open.url.replace('0.0.0.0', '127.0.0.1'), { path: '/retrieve', headers: { host: 'rebound.example:8000', 'content-type': 'application/json' }, body });
      assert.equal(accepted.status, 200);
    } finally {
      await open.close();
    }
  });

  test('/health answers while a search runs, and a queued request whose client left never reaches the retriever', async () => {
    const hold = gate();
    const searched: string[][] = [];
    const slow: Retriever = {
      search: async (queries: string[], k: number): Promise<Hit[][]> => {
        searched.push(queries);
        await hold.promise;
        return index.search(queries, k);
      },
    } as Retriever;
    const logged: number[] = [];
    const busy = await startRetrievalServer({ retriever: slow, maxInFlight: 1, maxQueue: 1, onRequest: (r) => logged.push(r.status) });
    try {
      const running = post(busy.url, { queries: ['first'] });
      await until(() => searched.length === 1);
      const order: string[] = [];
      const health = (await (await fetch(`${busy.url}/health`)).json()) as Record<string, unknown>;
      order.push('health');
      assert.deepEqual([health.in_flight, health.queued, health.max_in_flight, health.max_queue], [1, 0, 1, 1]);
      const leave = new AbortController();
      const queued = rawRequest(busy.url, { path: '/retrieve', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queries: ['left'] }), signal: leave.signal }).catch(() => 'left');
      await until(async () => ((await (await fetch(`${busy.url}/health`)).json()) as { queued: number }).queued === 1);
      const refused = await rawRequest(busy.url, { path: '/retrieve', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queries: ['third'] }) });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '1');
      leave.abort();
      await until(() => logged.includes(499));
      hold.open();
      assert.equal((await running).status, 200);
      order.push('search');
      assert.equal(await queued, 'left');
      assert.deepEqual(order, ['health', 'search']);
      assert.deepEqual(searched, [['first']], 'the request of the client that left was never searched');
    } finally {
      await busy.close();
    }
  });
});
