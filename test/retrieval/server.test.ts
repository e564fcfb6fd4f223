import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { generateLabWorld, Bm25Index, RetrieverClient, startRetrievalServer, type RunningRetrievalServer } from '@s3lab/toolkit';

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
    assert.equal((await post(server.url, { queries: ['q'] }, { 'content-type': 'text/plain' })).status, 415);
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
