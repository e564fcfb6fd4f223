import type { Command } from 'commander';
import { z } from 'zod';
import { loadLocalChatModel } from '../../llm/local.js';
import { DEFAULT_LLM_SERVER_LIMITS, startLlmServer } from '../../llm/server.js';
import { openRetriever } from '../../retrieval/open-index.js';
import { DEFAULT_SERVER_LIMITS, startRetrievalServer } from '../../retrieval/server.js';
import { loadModelOption } from '../model-option.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';
import { addServerFlags, serverFlagsSchema } from '../serve-options.js';

const ServeOptions = z.object({
  ...serverFlagsSchema,
  index: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65_535),
  topk: z.coerce.number().int().min(1).max(1000),
  quiet: z.boolean().default(false),
});

const ServeLlmOptions = z.object({
  ...serverFlagsSchema,
  model: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65_535),
  name: z.string().min(1).optional(),
  maxBatch: z.coerce.number().int().min(1).max(1024),
  quiet: z.boolean().default(false),
});

/** Registers `serve retriever` and `serve llm`, and returns the `serve` command for the other servers (`serve reward`). */
export function registerServe(program: Command): Command {
  const serve = program.command('serve').description('run servers')
    .addHelpText('after', '\nExample:\n  s3lab serve retriever --index indexes/lab-bm25 --port 8000\n  s3lab serve llm --model test/fixtures/lm/tiny-chat --port 8001');
  const retriever = serve
    .command('retriever')
    .description('serve an index over the s3/Search-R1 retrieval API: POST /retrieve {"queries", "topk", "return_scores"}')
    .requiredOption('--index <dir>', 'index directory made by "s3lab index bm25" or "s3lab index dense"')
    .option('--port <n>', 'port (0 picks a free one)', '8000')
    .option('--topk <n>', 'k when a request gives none (the original server\'s --topk)', '3')
    .option('--quiet', 'do not log each request');
  addServerFlags(retriever, DEFAULT_SERVER_LIMITS)
    .addHelpText('after', `\nBodies must be JSON (content-type: application/json); a request may ask for at most ${DEFAULT_SERVER_LIMITS.maxHits} hits (queries × topk).\nExample:\n  s3lab serve retriever --index indexes/lab-bm25 --port 8000\n  curl -s localhost:8000/retrieve -H 'content-type: application/json' -d '{"queries": ["Who founded Krocol Works?"], "topk": 3, "return_scores": true}'`)
    .action(async (raw: unknown) => {
      const options = parseOptions(ServeOptions, raw);
      const opened = await openRetriever(options.index).catch((error: Error) => {
        throw new UsageError(`cannot open --index ${options.index}: ${error.message}`);
      });
      const server = await startRetrievalServer({
        retriever: opened.retriever, name: opened.name, documents: opened.documents,
        defaultTopk: options.topk, host: options.host, port: options.port, maxInFlight: options.maxInFlight, maxQueue: options.maxQueue,
        onRequest: options.quiet ? undefined : (r) => process.stderr.write(`${r.method} ${r.path} ${r.status} ${r.queries} queries ${r.ms} ms\n`),
      });
      process.stdout.write(`serving ${opened.name} (${opened.documents} passages) at ${server.url}/retrieve\n`);
      const stop = (): void => {
        process.stdout.write('stopping\n');
        void server.close().then(() => opened.close()).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise<void>((resolve) => server.server.once('close', resolve));
    });
  registerServeLlm(serve);
  return serve;
}

function registerServeLlm(serve: Command): void {
  const llm = serve
    .command('llm')
    .description('serve a local model over the OpenAI API (vLLM-compatible): POST /v1/chat/completions, POST /v1/completions, GET /v1/models')
    .requiredOption('--model <dir>', 'model directory in the Hugging Face layout: config.json, model.safetensors, tokenizer.json, tokenizer_config.json')
    .option('--port <n>', 'port (0 picks a free one; 8001 leaves 8000 to the retriever)', '8001')
    .option('--name <name>', 'the model name clients send and /v1/models lists (default: the directory\'s name)')
    .option('--max-batch <n>', 'most concurrent requests generated together in one batch', String(DEFAULT_LLM_SERVER_LIMITS.maxBatch))
    .option('--quiet', 'do not log each request');
  addServerFlags(llm, DEFAULT_LLM_SERVER_LIMITS)
    .addHelpText('after', '\nBodies must be JSON (content-type: application/json).\nExample:\n  s3lab serve llm --model test/fixtures/lm/tiny-chat --port 8001\n  curl -s localhost:8001/v1/chat/completions -H \'content-type: application/json\' -d \'{"model": "tiny-chat", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 16}\'')
    .action(async (raw: unknown) => {
      const options = parseOptions(ServeLlmOptions, raw);
      const model = await loadModelOption('--model', options.model, (dir) => loadLocalChatModel(dir, { name: options.name }));
      const server = await startLlmServer({
        model, host: options.host, port: options.port, maxBatch: options.maxBatch, maxInFlight: options.maxInFlight, maxQueue: options.maxQueue,
        onRequest: options.quiet ? undefined : (r) => process.stderr.write(`${r.method} ${r.path} ${r.status} ${r.ms} ms\n`),
      });
      process.stdout.write(`serving ${server.name} at ${server.url}/v1 (OpenAI-compatible)\n`);
      const stop = (): void => {
        process.stdout.write('stopping\n');
        void server.close().then(() => model.dispose()).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise<void>((resolve) => server.server.once('close', resolve));
    });
}
