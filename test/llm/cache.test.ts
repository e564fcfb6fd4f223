import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { cacheEntryPath, cachedChatModel, cacheKey, type ChatRequest, type CompletionRequest } from '@s3lab/toolkit';
import { root, scriptedText, ScriptedChatModel } from './helpers.js';

const run = promisify(execFile);
const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 's3lab-cache-'));
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content }], ...extra });

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out;
}

describe('response cache', () => {
  test('a miss asks the backend and writes an entry; the same request again is a hit with the same answer and no backend call', async () => {
    const backend = new ScriptedChatModel();
    const cache = cachedChatModel(backend, { dir: await tempDir() });
    const [first] = await cache.chat([ask('Who founded Cuga Records?')]);
    assert.equal(first?.cached, false);
    assert.equal(first?.text, scriptedText(ask('Who founded Cuga Records?', { temperature: 0, topP: 1, maxTokens: 512, stop: [], seed: 0 })));
    const [second] = await cache.chat([ask('Who founded Cuga Records?')]);
    assert.deepEqual(second, { ...first, cached: true });
    assert.equal(backend.calls.length, 1);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1 });
    // A fresh wrapper over the same directory (the next notebook run) hits too.
    const again = cachedChatModel(new ScriptedChatModel(), { dir: cache.dir });
    assert.equal((await again.chat([ask('Who founded Cuga Records?')]))[0]?.text, first?.text);
    assert.deepEqual(again.stats, { hits: 1, misses: 0 });
  });

  test('only the misses go to the backend, as one batch, and answers come back in request order', async () => {
    const backend = new ScriptedChatModel();
    const cache = cachedChatModel(backend, { dir: await tempDir() });
    await cache.chat([ask('b'), ask('d')]);
    const answers = await cache.chat([ask('a'), ask('b'), ask('c'), ask('d'), ask('a')]);
    assert.equal(backend.calls.length, 2);
    assert.deepEqual(backend.calls[1]?.requests.map((r) => (r as ChatRequest).messages[0]?.content), ['a', 'c']);
    assert.deepEqual(answers.map((a) => a.cached), [false, true, false, true, false]);
    assert.equal(answers[0]?.text, answers[4]?.text);
    assert.deepEqual(cache.stats, { hits: 2, misses: 5 });
  });

  test('chat and completion are cached apart, and completions are cached too', async () => {
    const backend = new ScriptedChatModel();
    const cache = cachedChatModel(backend, { dir: await tempDir() });
    await cache.complete([{ prompt: 'user' }]);
    const [again] = await cache.complete([{ prompt: 'user' }]);
    assert.equal(again?.cached, true);
    await cache.chat([ask('user')]);
    assert.deepEqual(backend.calls.map((c) => c.kind), ['completion', 'chat']);
  });

  test('the key changes with the model, the kind, the input and every sampling setting, and not with defaults made explicit or key order', () => {
    const base = ask('q');
    const keys = new Map<string, string>([
      ['base', cacheKey('m', 'chat', base)],
      ['model', cacheKey('m2', 'chat', base)],
      ['content', cacheKey('m', 'chat', ask('q '))],
      ['role', cacheKey('m', 'chat', { messages: [{ role: 'system', content: 'q' }] })],
      ['extra message', cacheKey('m', 'chat', { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '' }] })],
      ['temperature', cacheKey('m', 'chat', { ...base, temperature: 0.7 })],
      ['topP', cacheKey('m', 'chat', { ...base, topP: 0.9 })],
      ['maxTokens', cacheKey('m', 'chat', { ...base, maxTokens: 511 })],
      ['stop', cacheKey('m', 'chat', { ...base, stop: ['\n'] })],
      ['stop order', cacheKey('m', 'chat', { ...base, stop: ['b', 'a'] })],
      ['stop order 2', cacheKey('m', 'chat', { ...base, stop: ['a', 'b'] })],
      ['seed', cacheKey('m', 'chat', { ...base, seed: 1 })],
      ['completion', cacheKey('m', 'completion', { prompt: 'q' })],
      ['completion prompt', cacheKey('m', 'completion', { prompt: 'q!' })],
      ['completion seed', cacheKey('m', 'completion', { prompt: 'q', seed: 2 })],
    ]);
    assert.equal(new Set(keys.values()).size, keys.size, `two settings share a key: ${JSON.stringify([...keys])}`);
    for (const key of keys.values()) assert.match(key, /^[0-9a-f]{64}$/u);
    assert.equal(cacheKey('m', 'chat', { seed: 0, stop: [], maxTokens: 512, topP: 1, temperature: 0, messages: [{ content: 'q', role: 'user' }] }), keys.get('base'));
    assert.throws(() => cacheKey('m', 'chat', { ...base, temperature: -1 }), /requests\[0\]\.temperature/u);
  });

  test('a corrupt entry is a miss with a warning, and is rewritten whole', async () => {
    const warnings: string[] = [];
    const backend = new ScriptedChatModel();
    const cache = cachedChatModel(backend, { dir: await tempDir(), onWarning: (m) => warnings.push(m) });
    const path = cacheEntryPath(cache.dir, cacheKey('scripted', 'chat', ask('q')));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '{"format": 1, "key": "ab');
    const [answer] = await cache.chat([ask('q')]);
    assert.equal(answer?.cached, false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', new RegExp(`${path.replaceAll('/', '\\/')}.*not JSON`, 'u'));
    assert.equal(JSON.parse(await readFile(path, 'utf8')).response.text, answer?.text);
    assert.equal((await cache.chat([ask('q')]))[0]?.cached, true);

    // Valid JSON that is not an entry for this key (copied from elsewhere, or the wrong shape) is a miss too.
    const other = cacheEntryPath(cache.dir, cacheKey('scripted', 'chat', ask('other')));
    await mkdir(dirname(other), { recursive: true });
    await writeFile(other, await readFile(path, 'utf8'));
    assert.equal((await cache.chat([ask('other')]))[0]?.cached, false);
    assert.match(warnings[1] ?? '', /holds another key/u);
    assert.equal(warnings.length, 2);
  });

  test('a torn temporary file beside an entry (a writer killed mid-write) is never read as the entry', async () => {
    const warnings: string[] = [];
    const cache = cachedChatModel(new ScriptedChatModel(), { dir: await tempDir(), onWarning: (m) => warnings.push(m) });
    const path = cacheEntryPath(cache.dir, cacheKey('scripted', 'chat', ask('q')));
    await mkdir(dirname(path), { recursive: true });
    const torn = join(dirname(path), `.${path.split('/').pop() ?? ''}.4242.deadbeef.tmp`);
    await writeFile(torn, '{"format": 1, "key": "');
    const [answer] = await cache.chat([ask('q')]);
    assert.equal(answer?.cached, false);
    assert.deepEqual(warnings, []);
    assert.equal((await cache.chat([ask('q')]))[0]?.cached, true);
  });

  test('two processes writing the same keys at once leave only whole, valid entries', async () => {
    const dir = await tempDir();
    const count = 40;
    const startAt = Date.now() + 1500;
    const child = (): Promise<{ stdout: string }> => run(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'test/llm/cache-writer.child.ts'), dir, String(count), String(startAt)], { cwd: root });
    const [a, b] = await Promise.all([child(), child()]);
    for (const { stdout } of [a, b]) {
      const stats = JSON.parse(stdout) as { hits: number; misses: number };
      assert.equal(stats.hits + stats.misses, 3 * count);
    }
    const files = await allFiles(dir);
    assert.equal(files.filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary file is left behind');
    assert.equal(files.length, count);
    const warnings: string[] = [];
    const reader = cachedChatModel(new ScriptedChatModel('shared'), { dir, onWarning: (m) => warnings.push(m) });
    const requests = Array.from({ length: count }, (_, i) => ask(`question ${i}`));
    const answers = await reader.chat(requests);
    assert.deepEqual(reader.stats, { hits: count, misses: 0 });
    assert.deepEqual(warnings, []);
    answers.forEach((answer, i) => assert.equal(answer.text, scriptedText({ ...(requests[i] as ChatRequest), temperature: 0, topP: 1, maxTokens: 512, stop: [], seed: 0 })));
  });

  test('the backend answering the wrong number of responses is an error, not a misaligned cache', async () => {
    const broken = { name: 'broken', chat: async () => [], complete: async (_: readonly CompletionRequest[]) => [] };
    const cache = cachedChatModel(broken, { dir: await tempDir() });
    await assert.rejects(cache.chat([ask('q')]), /answered 0 responses for 1 requests/u);
  });
});
