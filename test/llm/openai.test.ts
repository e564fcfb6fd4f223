import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { LlmServerError, openAiChatModel } from '@s3lab/toolkit';
import { sendJson, startTestServer } from './helpers.js';

const completion = (content: string, finish = 'stop'): unknown => ({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
  usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
});
const fast = { retryBaseMs: 1, maxRetryDelayMs: 50 };
const ask = [{ messages: [{ role: 'user' as const, content: 'Hi' }] }];

describe('OpenAI-compatible client', () => {
  test('retries 429 and 500 answers, then returns the answer; sampling settings map to OpenAI fields', async () => {
    const seen: unknown[] = [];
    const server = await startTestServer((req, res, body) => {
      seen.push({ path: req.url, auth: req.headers.authorization, body });
      if (seen.length === 1) return sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '0' });
      if (seen.length === 2) return sendJson(res, 500, { error: { message: 'boom' } });
      return sendJson(res, 200, completion('Paris', 'length'));
    });
    try {
      const model = openAiChatModel({ baseUrl: server.url, model: 'm', apiKey: 'sk-test', ...fast });
      const [answer] = await model.chat([{ messages: [{ role: 'user', content: 'Capital?' }], temperature: 0.5, topP: 0.9, maxTokens: 12, stop: ['\n'], seed: 7 }]);
      assert.deepEqual(answer, { text: 'Paris', finishReason: 'length', usage: { promptTokens: 7, completionTokens: 3 }, cached: false });
      assert.equal(seen.length, 3);
      assert.deepEqual(seen[2], {
        path: '/v1/chat/completions', auth: 'Bearer sk-test',
        body: { model: 'm', messages: [{ role: 'user', content: 'Capital?' }], temperature: 0.5, top_p: 0.9, max_tokens: 12, seed: 7, stop: ['\n'], n: 1, stream: false },
      });
    } finally {
      await server.close();
    }
  });

  test('defaults are sent explicitly (greedy, 512 tokens, seed 0), the key comes from OPENAI_API_KEY, and /v1 in baseUrl is not doubled', async () => {
    let body: Record<string, unknown> = {};
    let auth: string | undefined;
    const server = await startTestServer((req, res, b) => {
      body = b as Record<string, unknown>;
      auth = req.headers.authorization;
      sendJson(res, req.url === '/v1/completions' ? 200 : 404, { choices: [{ text: ' world', finish_reason: 'stop' }] });
    });
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-env';
    try {
      const [answer] = await openAiChatModel({ baseUrl: `${server.url}/v1/`, model: 'm', ...fast }).complete([{ prompt: 'hello' }]);
      assert.equal(answer?.text, ' world');
      assert.deepEqual(answer?.usage, { promptTokens: 0, completionTokens: 0 }, 'a server that reports no usage gives zeros');
      assert.deepEqual(body, { model: 'm', prompt: 'hello', temperature: 0, top_p: 1, max_tokens: 512, seed: 0, n: 1, stream: false });
      assert.equal(auth, 'Bearer sk-env');
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
      await server.close();
    }
  });

  test('Retry-After is honoured', async () => {
    let calls = 0;
    const server = await startTestServer((_req, res) => {
      calls++;
      if (calls === 1) return sendJson(res, 503, { error: { message: 'loading' } }, { 'retry-after': '1' });
      sendJson(res, 200, completion('ok'));
    });
    try {
      const started = Date.now();
      await openAiChatModel({ baseUrl: server.url, model: 'm', retryBaseMs: 1, maxRetryDelayMs: 5000 }).chat(ask);
      assert.ok(Date.now() - started >= 950, `waited only ${Date.now() - started} ms`);
      assert.equal(calls, 2);
    } finally {
      await server.close();
    }
  });

  test('a dropped connection and a timeout are retried', async () => {
    let calls = 0;
    const server = await startTestServer((req, res) => {
      calls++;
      if (calls === 1) req.socket.destroy();
      else if (calls === 2) setTimeout(() => sendJson(res, 200, completion('late')), 400).unref();
      else sendJson(res, 200, completion('ok'));
    });
    try {
      const [answer] = await openAiChatModel({ baseUrl: server.url, model: 'm', timeoutMs: 150, ...fast }).chat(ask);
      assert.equal(answer?.text, 'ok');
      assert.equal(calls, 3);
    } finally {
      await server.close();
    }
  });

  test('when retries run out the error names the server, the model, the status and the attempts', async () => {
    let calls = 0;
    const server = await startTestServer((_req, res) => {
      calls++;
      sendJson(res, 503, { error: { message: 'overloaded' } });
    });
    try {
      const error = await openAiChatModel({ baseUrl: server.url, model: 'qwen-14b', maxRetries: 2, ...fast }).chat(ask).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof LlmServerError);
      assert.equal(error.status, 503);
      assert.match(error.message, new RegExp(`model qwen-14b at ${server.url}/v1/chat/completions: the server answered 503 after 3 attempts: overloaded`, 'u'));
      assert.equal(calls, 3);
    } finally {
      await server.close();
    }
  });

  test('a 400 is not retried and its message is passed on; a 404 lists the models the server does serve', async () => {
    let posts = 0;
    const server = await startTestServer((req, res, body) => {
      if (req.method === 'GET' && req.url === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'Qwen/Qwen2.5-14B-Instruct' }, { id: 'judge' }] });
      posts++;
      const model = (body as { model: string }).model;
      if (model === 'bad') return sendJson(res, 400, { error: { message: 'max_tokens is too large', type: 'BadRequestError' } });
      sendJson(res, 404, { error: { message: `The model \`${model}\` does not exist.`, type: 'NotFoundError', code: 404 } });
    });
    try {
      await assert.rejects(openAiChatModel({ baseUrl: server.url, model: 'bad', ...fast }).chat(ask), /model bad at .*answered 400: max_tokens is too large/u);
      assert.equal(posts, 1);
      await assert.rejects(openAiChatModel({ baseUrl: server.url, model: 'qwen', ...fast }).chat(ask),
        /model qwen at .*answered 404: The model `qwen` does not exist\.; the server serves "Qwen\/Qwen2\.5-14B-Instruct", "judge", not "qwen"/u);
    } finally {
      await server.close();
    }
  });

  test('a refused connection is reported as such after the retries', async () => {
    const server = await startTestServer(() => undefined);
    const url = server.url;
    await server.close();
    await assert.rejects(openAiChatModel({ baseUrl: url, model: 'm', maxRetries: 1, ...fast }).chat(ask), /model m at .*connection refused.*after 2 attempts/u);
  });

  test('requests run concurrently up to the limit, answers stay in order, and a stop string the server kept is cut', async () => {
    let inFlight = 0;
    let most = 0;
    const server = await startTestServer((_req, res: ServerResponse, body) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        const content = (body as { messages: { content: string }[] }).messages[0]?.content ?? '';
        sendJson(res, 200, completion(`${content}</answer> tail`));
      }, 20);
    });
    try {
      const requests = Array.from({ length: 12 }, (_, i) => ({ messages: [{ role: 'user' as const, content: `q${i}` }], stop: ['</answer>'] }));
      const answers = await openAiChatModel({ baseUrl: server.url, model: 'm', concurrency: 3, ...fast }).chat(requests);
      assert.deepEqual(answers.map((a) => a.text), requests.map((r) => r.messages[0]?.content));
      assert.ok(answers.every((a) => a.finishReason === 'stop'));
      assert.equal(most, 3);
    } finally {
      await server.close();
    }
  });

  test('bad options and bad requests are refused before anything is sent', async () => {
    assert.throws(() => openAiChatModel({ baseUrl: 'localhost:8000', model: 'm' }), /baseUrl/u);
    assert.throws(() => openAiChatModel({ baseUrl: 'http://127.0.0.1:1', model: '' }), /model/u);
    await assert.rejects(openAiChatModel({ baseUrl: 'http://127.0.0.1:1', model: 'm' }).chat([{ messages: [] }]), /requests\[0\]\.messages/u);
  });
});
