/**
 * The headline path: a local model behind `s3lab serve llm`, asked through the OpenAI client with
 * the response cache, answers exactly what the local model answers directly, and the second time
 * from the cache. Runs on a tiny random model made here, and on every real tiny model under
 * `test/fixtures/lm/` (skipped, saying so, while there is none).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { cachedChatModel, loadLocalChatModel, openAiChatModel, startLlmServer, type ChatRequest, type CompletionRequest } from '@s3lab/toolkit';
import { fixtureModelDirs, makeTinyModelDir, root } from './helpers.js';

const requests: ChatRequest[] = [
  { messages: [{ role: 'user', content: 'Who founded Cuga Records?' }], maxTokens: 12 },
  { messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'Where is Krocol Works?' }], maxTokens: 8 },
  { messages: [{ role: 'user', content: 'Name a city.' }], maxTokens: 10, temperature: 0.8, seed: 3 },
];
const completions: CompletionRequest[] = [{ prompt: 'The capital of the lab world is', maxTokens: 6 }];

async function roundTrip(dir: string): Promise<void> {
  const local = await loadLocalChatModel(dir);
  const server = await startLlmServer({ model: local });
  try {
    assert.equal(server.name, basename(dir));
    const client = cachedChatModel(openAiChatModel({ baseUrl: `${server.url}/v1`, model: server.name }), { dir: await mkdtemp(join(tmpdir(), 's3lab-rt-')) });
    const direct = await local.chat(requests);
    const first = await client.chat(requests);
    assert.ok(first.every((a) => !a.cached));
    assert.deepEqual(first, direct, 'greedy and seeded answers through HTTP equal the local model\'s');
    assert.ok(direct.every((a) => a.usage.promptTokens > 0 && a.usage.completionTokens > 0));
    const callsBefore = server.batchSizes.length;
    const second = await client.chat(requests);
    assert.deepEqual(second, first.map((a) => ({ ...a, cached: true })));
    assert.equal(server.batchSizes.length, callsBefore, 'the second run never reached the server');
    assert.deepEqual(client.stats, { hits: requests.length, misses: requests.length });
    assert.deepEqual(await client.complete(completions), await local.complete(completions));
  } finally {
    await server.close();
    local.dispose();
  }
}

const fixtures = await fixtureModelDirs();

describe('chat through s3lab serve llm and the OpenAI client', () => {
  test('a tiny random model: HTTP answers equal local answers, then come from the cache', async () => {
    await roundTrip(await makeTinyModelDir());
  });

  test('the real tiny models of test/fixtures/lm/', { skip: fixtures.length === 0 ? 'no model under test/fixtures/lm/<name>/ (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) yet' : false }, async (t) => {
    for (const dir of fixtures) await t.test(basename(dir), () => roundTrip(dir));
  });

  test('the s3lab serve llm command serves a model directory until stopped', async () => {
    const dir = await makeTinyModelDir('cli-model');
    const child = spawn(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), 'serve', 'llm', '--model', dir, '--port', '0', '--quiet'], { cwd: root });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /at (http:\/\/\S+\/v1)/u.exec(line.toString())?.[1];
      assert.ok(url, `no URL in ${line.toString()}`);
      const [answer] = await openAiChatModel({ baseUrl: url, model: 'cli-model' }).chat([{ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 5 }]);
      assert.equal(typeof answer?.text, 'string');
      assert.equal(answer?.usage.completionTokens, 5);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
