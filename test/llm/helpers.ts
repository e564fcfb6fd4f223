/** Shared pieces of the llm tests: a tiny random model directory, a scripted ChatModel, and an HTTP server to misbehave with. */
import { copyFile, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson, createCausalLM, type ChatModel, type ChatRequest, type ChatResponse, type CompletionRequest } from '@s3lab/toolkit';

export const root = new URL('../..', import.meta.url).pathname;

/** A chat template simple enough for a WordPiece vocabulary (the lab encoder's tokenizer). */
const TEMPLATE = '{% for m in messages %}[CLS] {{ m.role }} : {{ m.content }} [SEP] {% endfor %}{% if add_generation_prompt %}[CLS] assistant : {% endif %}';

/**
 * A real model directory in the Hugging Face layout with random weights: a one-layer Qwen2 over the
 * lab encoder's 8192-token WordPiece tokenizer, `[SEP]` as end of sequence. Made in well under a
 * second, so the whole local and HTTP path runs in tests without downloaded fixtures.
 */
export async function makeTinyModelDir(name = 'tiny-random'): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 's3lab-llm-')), name);
  const lm = await createCausalLM({
    model_type: 'qwen2', vocab_size: 8192, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1,
    intermediate_size: 64, max_position_embeddings: 256, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true,
  }, { seed: 1 });
  await lm.save(dir);
  lm.dispose();
  await copyFile(join(root, 'datasets/models/lab-e5-small/tokenizer.json'), join(dir, 'tokenizer.json'));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', chat_template: TEMPLATE }));
  return dir;
}

/** The tiny real models (`test/fixtures/lm/<name>/`) that are present and complete. */
export async function fixtureModelDirs(): Promise<string[]> {
  const base = join(root, 'test/fixtures/lm');
  const names = await readdir(base).catch(() => [] as string[]);
  const dirs: string[] = [];
  for (const name of names.sort()) {
    const dir = join(base, name);
    const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
    const present = await Promise.all(files.map((f) => stat(join(dir, f)).then(() => true, () => false)));
    if (present.every(Boolean)) dirs.push(dir);
  }
  return dirs;
}

/** A deterministic stand-in answer: a digest of the request, so different requests get different text. */
export function scriptedText(request: ChatRequest | CompletionRequest): string {
  return `answer-${createHash('sha256').update(canonicalJson(request)).digest('hex').slice(0, 12)}`;
}

/** A `ChatModel` that answers from `scriptedText` and records every call it gets. */
export class ScriptedChatModel implements ChatModel {
  readonly calls: { kind: 'chat' | 'completion'; requests: (ChatRequest | CompletionRequest)[] }[] = [];
  constructor(readonly name = 'scripted', private readonly fail?: (request: ChatRequest | CompletionRequest) => Error | undefined) {}

  async chat(requests: readonly ChatRequest[]): Promise<ChatResponse[]> {
    return this.answer('chat', requests);
  }

  async complete(requests: readonly CompletionRequest[]): Promise<ChatResponse[]> {
    return this.answer('completion', requests);
  }

  private async answer(kind: 'chat' | 'completion', requests: readonly (ChatRequest | CompletionRequest)[]): Promise<ChatResponse[]> {
    this.calls.push({ kind, requests: [...requests] });
    for (const r of requests) {
      const error = this.fail?.(r);
      if (error) throw error;
    }
    return requests.map((r) => ({ text: scriptedText(r), finishReason: 'stop' as const, usage: { promptTokens: 3, completionTokens: 2 }, cached: false }));
  }
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** A plain `http` server running `handler` (with the parsed JSON body) on a free loopback port. */
export async function startTestServer(handler: (req: IncomingMessage, res: ServerResponse, body: unknown) => void | Promise<void>): Promise<TestServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      void handler(req, res, text ? (JSON.parse(text) as unknown) : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(payload);
}
