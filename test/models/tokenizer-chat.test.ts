import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import {
  loadTokenizer, ModelFileError, QWEN25_CHAT_TEMPLATE, QWEN25_CHAT_TEMPLATE_SHA256, QWEN25_DEFAULT_SYSTEM_PROMPT,
  renderChatTemplate, writeChatTemplate, type ChatMessage,
} from '@s3lab/toolkit';
import { LAB_E5_SMALL } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/chat-template', import.meta.url));
const LAB_TOKENIZER = fileURLToPath(new URL('../../datasets/models/lab-tokenizer', import.meta.url));

interface Conversation { name: string; add_generation_prompt: boolean; messages: ChatMessage[]; tools?: object[] }
interface Rendering { name: string; add_generation_prompt: boolean; text: string; ids?: number[] }
interface Renderings { generator: string; tokenizer_json_sha256: string | null; chat_template_sha256: string; cases: Rendering[] }

const conversations = (JSON.parse(readFileSync(join(FIXTURES, 'conversations.json'), 'utf8')) as { cases: Conversation[] }).cases;
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Renders every fixture conversation with the lab tokenizer and compares with a file of renderings made in Python. */
async function assertMatchesRenderings(file: string): Promise<Renderings> {
  const reference = JSON.parse(readFileSync(file, 'utf8')) as Renderings;
  assert.equal(reference.chat_template_sha256, QWEN25_CHAT_TEMPLATE_SHA256, `${file} was rendered from another template`);
  assert.deepEqual(reference.cases.map((c) => c.name), conversations.map((c) => c.name), `${file} is for another list of conversations`);
  const tokenizer = await loadTokenizer(LAB_TOKENIZER);
  conversations.forEach((c, i) => {
    const got = tokenizer.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt, ...(c.tools ? { tools: c.tools } : {}) });
    assert.equal(got, reference.cases[i]?.text, `rendering of "${c.name}" (${reference.generator})`);
  });
  return reference;
}

describe('Qwen2.5 ChatML chat template', () => {
  test('is the pinned Qwen2.5-Instruct template', () => {
    assert.equal(sha256(QWEN25_CHAT_TEMPLATE), QWEN25_CHAT_TEMPLATE_SHA256);
    assert.ok(QWEN25_CHAT_TEMPLATE.startsWith('{%- if tools %}\n'));
    assert.ok(QWEN25_CHAT_TEMPLATE.endsWith("{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n"));
  });

  // Expected strings derived by reading the template: each turn is <|im_start|>ROLE\nCONTENT<|im_end|>\n,
  // a system turn with the default prompt comes first when the conversation has none.
  test('renders hand-checked ChatML for simple conversations', () => {
    const render = (messages: ChatMessage[], addGenerationPrompt: boolean): string => renderChatTemplate(QWEN25_CHAT_TEMPLATE, messages, { addGenerationPrompt });
    assert.equal(
      render([{ role: 'user', content: 'Who founded Cuga Records?' }], true),
      `<|im_start|>system\n${QWEN25_DEFAULT_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\nWho founded Cuga Records?<|im_end|>\n<|im_start|>assistant\n`,
    );
    assert.equal(
      render([{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }], false),
      '<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n',
    );
    assert.equal(
      render([{ role: 'system', content: '' }, { role: 'user', content: 'a\nb' }], true),
      '<|im_start|>system\n<|im_end|>\n<|im_start|>user\na\nb<|im_end|>\n<|im_start|>assistant\n',
    );
    // add_generation_prompt defaults to false, as in transformers.
    assert.ok(!renderChatTemplate(QWEN25_CHAT_TEMPLATE, [{ role: 'user', content: 'x' }]).endsWith('assistant\n'));
  });

  test('lists tools in the system turn, one JSON object a line with Python json.dumps spacing', () => {
    const tool = { type: 'function', function: { name: 'search', parameters: { type: 'object', required: ['query'] } } };
    const text = renderChatTemplate(QWEN25_CHAT_TEMPLATE, [{ role: 'user', content: 'q' }], { tools: [tool] });
    assert.ok(text.startsWith(`<|im_start|>system\n${QWEN25_DEFAULT_SYSTEM_PROMPT}\n\n# Tools\n`), text);
    assert.ok(text.includes('<tools>\n{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "required": ["query"]}}}\n</tools>'), text);
  });

  test('matches Jinja2 set up as transformers sets it up, on every fixture conversation', async () => {
    await assertMatchesRenderings(join(FIXTURES, 'jinja2-emulation.json'));
  });

  test('matches transformers apply_chat_template (reference.json from scripts/models/chat_template_reference.py)', async (t) => {
    const file = join(FIXTURES, 'reference.json');
    if (!existsSync(file)) {
      t.skip(`no ${file}: run scripts/models/chat_template_reference.py datasets/models/lab-tokenizer --out ${file} where transformers is installed`);
      return;
    }
    const reference = await assertMatchesRenderings(file);
    // Ids too, when the reference was made with this very tokenizer.json.
    if (reference.tokenizer_json_sha256 === sha256(await readFile(join(LAB_TOKENIZER, 'tokenizer.json')))) {
      const tokenizer = await loadTokenizer(LAB_TOKENIZER);
      for (const c of reference.cases) {
        if (c.ids) assert.deepEqual(await tokenizer.encode(c.text, { addSpecialTokens: false }), c.ids, `ids of "${c.name}"`);
      }
    }
  });

  test('rejects malformed messages with a message naming the problem', () => {
    assert.throws(() => renderChatTemplate(QWEN25_CHAT_TEMPLATE, [{ role: 'user' } as unknown as ChatMessage]), /messages\[0\]\[content\]/u);
  });
});

describe('tokenizer side files', () => {
  /** A model directory with the lab tokenizer.json and the given side files. */
  async function modelDir(files: Record<string, unknown>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-chat-'));
    await copyFile(join(LAB_TOKENIZER, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  }

  test('special tokens may be strings or AddedToken dicts; eos ids join generation_config.json\'s', async () => {
    const dir = await modelDir({
      'tokenizer_config.json': { eos_token: { content: '<|im_end|>', lstrip: false, special: true }, pad_token: '<|endoftext|>', bos_token: null, chat_template: '{{ eos_token }}|{{ pad_token }}|{{ bos_token is defined }}' },
      'generation_config.json': { eos_token_id: [4095, 4093] },
    });
    const tokenizer = await loadTokenizer(dir);
    assert.deepEqual(tokenizer.specialTokens, { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' });
    assert.deepEqual(tokenizer.eosTokenIds, [4095, 4093]);
    assert.deepEqual(tokenizer.specialTokenIds, [4093, 4094, 4095]);
    assert.equal(tokenizer.applyChatTemplate([]), '<|im_end|>|<|endoftext|>|false');
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 4093 }));
    assert.deepEqual((await loadTokenizer(dir)).eosTokenIds, [4095, 4093]);
  });

  test('a list of named templates uses "default"; chat_template.jinja takes precedence', async () => {
    const dir = await modelDir({ 'tokenizer_config.json': { chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D{{ messages | length }}' }] } });
    assert.equal((await loadTokenizer(dir)).applyChatTemplate([{ role: 'user', content: 'x' }]), 'D1');
    await writeFile(join(dir, 'chat_template.jinja'), 'J');
    assert.equal((await loadTokenizer(dir)).applyChatTemplate([]), 'J');
    const noDefault = await modelDir({ 'tokenizer_config.json': { chat_template: [{ name: 'tool_use', template: 'T' }] } });
    const tokenizer = await loadTokenizer(noDefault);
    assert.throws(() => tokenizer.applyChatTemplate([]), (e: unknown) => e instanceof ModelFileError && /none named "default"/u.test(e.message) && /"tool_use"/u.test(e.message));
  });

  test('a model without a chat template says so, naming tokenizer_config.json; writeChatTemplate gives it Qwen2.5\'s', async () => {
    const e5 = await loadTokenizer(LAB_E5_SMALL);
    assert.equal(e5.chatTemplate, undefined);
    assert.throws(() => e5.applyChatTemplate([{ role: 'user', content: 'x' }]), (e: unknown) => e instanceof ModelFileError && e.file === join(LAB_E5_SMALL, 'tokenizer_config.json') && /no chat_template/u.test(e.message));
    const bare = await modelDir({});
    const loaded = await loadTokenizer(bare);
    assert.deepEqual(loaded.eosTokenIds, []);
    assert.throws(() => loaded.applyChatTemplate([]), (e: unknown) => e instanceof ModelFileError && /there is no .*tokenizer_config\.json/u.test(e.message));
    await writeFile(join(bare, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>' }));
    await writeChatTemplate(bare);
    const config = JSON.parse(await readFile(join(bare, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(config, { eos_token: '<|im_end|>', chat_template: QWEN25_CHAT_TEMPLATE });
    assert.ok((await loadTokenizer(bare)).applyChatTemplate([{ role: 'user', content: 'x' }]).startsWith('<|im_start|>system\n'));
  });
});
