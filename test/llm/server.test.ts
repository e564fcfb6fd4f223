import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatRequestError, startLlmServer, type ChatRequest, type ChatResponse, type RunningLlmServer } from '@s3lab/toolkit';
import { gate, rawRequest, until } from '../core/http.js';
import { ScriptedChatModel, scriptedText } from './helpers.js';

/** Every field an answer of this server may have (an error answer has only `error`). */
interface Answer {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; text: string; message: { role: string; content: string }; logprobs: null; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Answer };
}

describe('OpenAI-compatible server', () => {
  let server: RunningLlmServer;
  const model = new ScriptedChatModel('served', (r) => ('messages' in r && r.messages[0]?.content === 'poison' ? new ChatRequestError('requests[0]: the prompt is too long', 'maxTokens') : undefined));
  const chatUrl = (): string => `${server.url}/v1/chat/completions`;
  before(async () => {
    server = await startLlmServer({ model, batchWindowMs: 30 });
  });
  after(async () => server.close());

  test('GET /v1/models lists the served model', async () => {
    const json = (await (await fetch(`${server.url}/v1/models`)).json()) as { object: string; data: { id: string; object: string }[] };
    assert.equal(json.object, 'list');
    assert.deepEqual(json.data.map((m) => [m.id, m.object]), [['served', 'model']]);
  });

  test('a chat completion has OpenAI\'s shape, and OpenAI fields map to the model\'s sampling settings', async () => {
    const { status, json } = await post(chatUrl(), { model: 'served', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] }], temperature: 0.3, top_p: 0.8, max_tokens: 9, stop: 'END', seed: 4 });
    assert.equal(status, 200);
    const request: ChatRequest = { messages: [{ role: 'user', content: 'Hi there' }], temperature: 0.3, topP: 0.8, maxTokens: 9, stop: ['END'], seed: 4 };
    assert.deepEqual(model.calls.at(-1)?.requests, [request]);
    assert.match(json.id, /^chatcmpl-[0-9a-f]{32}$/u);
    assert.equal(json.object, 'chat.completion');
    assert.equal(typeof json.created, 'number');
    assert.equal(json.model, 'served');
    assert.deepEqual(json.choices, [{ index: 0, message: { role: 'assistant', content: scriptedText(request) }, logprobs: null, finish_reason: 'stop' }]);
    assert.deepEqual(json.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  test('a completion with a list of prompts answers one choice per prompt', async () => {
    const { status, json } = await post(`${server.url}/v1/completions`, { model: 'served', prompt: ['a', 'b'], max_tokens: 4 });
    assert.equal(status, 200);
    assert.equal(json.object, 'text_completion');
    assert.deepEqual(json.choices.map((c) => [c.index, c.text]), [[0, scriptedText({ prompt: 'a', maxTokens: 4 })], [1, scriptedText({ prompt: 'b', maxTokens: 4 })]]);
    assert.deepEqual(json.usage, { prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 });
  });

  test('concurrent requests are batched into one model call', async () => {
    const before = model.calls.length;
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => post(chatUrl(), { messages: [{ role: 'user', content: `q${i}` }] })));
    assert.ok(answers.every((a) => a.status === 200));
    const calls = model.calls.slice(before);
    assert.equal(calls.length, 1, `expected one batched call, got batches of ${calls.map((c) => c.requests.length).join(', ')}`);
    assert.equal(calls[0]?.requests.length, 5);
    answers.forEach((a, i) => assert.equal(a.json.choices[0]?.message.content, scriptedText({ messages: [{ role: 'user', content: `q${i}` }] })));
  });

  test('one bad request in a batch fails alone, with a 400, and its neighbours are answered', async () => {
    const answers = await Promise.all(['ok 1', 'poison', 'ok 2'].map((content) => post(chatUrl(), { messages: [{ role: 'user', content }] })));
    assert.deepEqual(answers.map((a) => a.status), [200, 400, 200]);
    assert.deepEqual(answers[1]?.json, { error: { message: 'requests[0]: the prompt is too long', type: 'invalid_request_error', param: 'maxTokens', code: 'invalid_value' } });
  });

  test('n > 1, stream, an unknown model, bad JSON and invalid fields get OpenAI-style errors naming the field', async () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    const cases: [unknown, number, string | null, RegExp][] = [
      [{ messages, n: 2 }, 400, 'n', /n = 2 is not supported/u],
      [{ messages, stream: true }, 400, 'stream', /stream: true is not supported/u],
      [{ model: 'gpt-4', messages }, 404, 'model', /`gpt-4` does not exist; this server serves "served"/u],
      ['{"messages": [', 400, null, /not valid JSON/u],
      [{}, 400, 'messages', /^messages: /u],
      [{ messages: [{ role: 'wizard', content: 'x' }] }, 400, 'messages.0.role', /^messages\.0\.role: /u],
      [{ messages, temperature: -1 }, 400, 'temperature', /^temperature: /u],
      [{ messages, max_tokens: 1.5 }, 400, 'max_tokens', /^max_tokens: /u],
    ];
    for (const [body, status, param, message] of cases) {
      const answer = await post(chatUrl(), body);
      assert.equal(answer.status, status, JSON.stringify(body));
      assert.deepEqual(Object.keys(answer.json.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(answer.json.error.param, param, JSON.stringify(body));
      assert.match(answer.json.error.message, message);
    }
    assert.equal((await post(`${server.url}/v1/completions`, { prompt: [1, 2] })).json.error.param, 'prompt');
    const tooMany = await post(`${server.url}/v1/completions`, { prompt: Array.from({ length: 257 }, () => 'x') });
    assert.deepEqual([tooMany.status, tooMany.json.error.param], [400, 'prompt']);
    assert.match(tooMany.json.error.message, /256/u);
    const wrongRoute = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(wrongRoute.status, 404);
    assert.equal((await fetch(chatUrl())).status, 405);
  });
});

/** A scripted model whose chat calls are recorded at once and answered when the test opens `hold`. */
class HeldChatModel extends ScriptedChatModel {
  readonly hold = gate();
  override async chat(requests: readonly ChatRequest[]): Promise<ChatResponse[]> {
    const answers = await super.chat(requests);
    await this.hold.promise;
    return answers;
  }
}

describe('OpenAI-compatible server: strict JSON, Host check, admission, clients that leave', () => {
  const chat = (content: string) => JSON.stringify({ messages: [{ role: 'user', content }] });

  test('form-urlencoded, text/plain and untyped bodies are 415 and a foreign Host is 403, in OpenAI\'s error shape', async () => {
    const server = await startLlmServer({ model: new ScriptedChatModel('served') });
    try {
      for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'text/plain;charset=UTF-8' }, {} as Record<string, string>]) {
        const answer = await rawRequest(server.url, { path: '/v1/chat/completions', headers, body: chat('Hi') });
        assert.equal(answer.status, 415, JSON.stringify(headers));
        const error = answer.json?.error as { message: string; type: string; code: string };
        assert.deepEqual([error.type, error.code], ['invalid_request_error', 'unsupported_media_type']);
        assert.match(error.message, /content-type: application\/json/u);
      }
      const foreign = await rawRequest(server.url, { path: '/v1/chat/completions', headers: { host: 'attacker.example', 'content-type': 'application/json' }, body: chat('Hi') });
      assert.equal(foreign.status, 403);
      assert.match((foreign.json?.error as { message: string }).message, /"attacker\.example" is not this server's address.*--host 0\.0\.0\.0/u);
      assert.equal((await rawRequest(server.url, { path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: chat('Hi') })).status, 200);
    } finally {
      await server.close();
    }
  });

  test('64 concurrent clients are all answered with the default limits', async () => {
    const server = await startLlmServer({ model: new ScriptedChatModel('served') });
    try {
      const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => post(`${server.url}/v1/chat/completions`, { messages: [{ role: 'user', content: `q${i}` }] })));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    } finally {
      await server.close();
    }
  });

  test('/health answers while a batch runs; a request whose client left before its batch never reaches the model', async () => {
    const model = new HeldChatModel('held');
    const logged: number[] = [];
    const server = await startLlmServer({ model, maxInFlight: 2, maxQueue: 0, onRequest: (r) => logged.push(r.status) });
    try {
      const first = post(`${server.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'first' }] });
      await until(() => model.calls.length === 1);
      const order: string[] = [];
      const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string; load: { inFlight: number } };
      order.push('health');
      assert.deepEqual([health.status, health.load.inFlight], ['ok', 1]);
      const leave = new AbortController();
      const left = rawRequest(server.url, { path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: chat('left'), signal: leave.signal }).catch(() => 'left');
      await until(async () => ((await (await fetch(`${server.url}/health`)).json()) as { load: { inFlight: number } }).load.inFlight === 2);
      const refused = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'third' }] });
      assert.equal(refused.status, 503);
      assert.equal(refused.json.error.code, 'overloaded');
      leave.abort();
      await until(() => logged.includes(499));
      model.hold.open();
      assert.equal((await first).status, 200);
      order.push('chat');
      assert.equal(await left, 'left');
      assert.deepEqual(order, ['health', 'chat']);
      const after = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'after' }] });
      assert.equal(after.status, 200);
      const contents = model.calls.flatMap((c) => c.requests.map((r) => ('messages' in r ? r.messages[0]?.content : r.prompt)));
      assert.deepEqual(contents, ['first', 'after'], 'the request of the client that left never joined a batch');
    } finally {
      await server.close();
    }
  });
});
