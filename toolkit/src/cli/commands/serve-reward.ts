/**
 * `s3lab serve reward`: the s3 reward (GBR, or GBR + GenAcc) as an HTTP endpoint for verl, which
 * trains the 7B searcher at paper scale and calls `python/s3lab_reward.py` for each batch.
 * Kept apart from `serve.ts` (retriever and LLM servers) because it opens a generator, a judge, a
 * RAG cache and optionally a retriever, as `s3lab eval` does.
 *
 * @example
 * ```sh
 * s3lab serve reward --generator http://127.0.0.1:8001/v1 --generator-model Qwen/Qwen2.5-14B-Instruct-GPTQ-Int4 \
 *   --rag-cache data/rag-cache.jsonl --reward gbr --port 8765
 * ```
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_REWARD_SERVER_LIMITS, startRewardServer } from '../../rl/verl/reward-server.js';
import { SERVED_REWARDS } from '../../rl/verl/reward-service.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';
import { openRetrieverSource } from '../../retrieval/open-source.js';
import { openGeneratorAndJudge } from './targets.js';
import { addServerFlags, serverFlagsSchema } from '../serve-options.js';

const ServeRewardOptions = z.object({
  ...serverFlagsSchema,
  generator: z.string().min(1),
  generatorModel: z.string().min(1).optional(),
  judge: z.string().min(1).optional(),
  judgeModel: z.string().min(1).optional(),
  ragCache: z.string().min(1),
  retriever: z.string().min(1).optional(),
  reward: z.enum(SERVED_REWARDS),
  dataSource: z.string().min(1).optional(),
  maxTokens: z.coerce.number().int().min(1).optional(),
  cache: z.string().min(1).optional(),
  port: z.coerce.number().int().min(0).max(65_535),
  quiet: z.boolean().default(false),
});

/**
 * Registers `reward` under `s3lab serve`.
 *
 * @example
 * ```ts
 * registerServeReward(program.command('serve'));
 * ```
 */
export function registerServeReward(serve: Command): void {
  const reward = serve
    .command('reward')
    .description('serve the s3 reward for verl: POST /reward {"items": [{"solution_str", "ground_truth": {"target"}, "data_source"}]} -> {"scores", "details"}; GET /health')
    .requiredOption('--generator <dir|url>', 'the frozen generator: an OpenAI-compatible server URL (vLLM) or a local model directory')
    .option('--generator-model <name>', 'model name on the server, when --generator is a URL')
    .requiredOption('--rag-cache <file>', 'the RAG cache (JSONL made by "s3lab rag-cache") the GBR subtracts')
    .option('--judge <dir|url|none>', 'the GenAcc judge (default: the generator; "none": span match only, as for the lab generator)')
    .option('--judge-model <name>', 'model name on the judge\'s server (default: --generator-model)')
    .option('--reward <kind>', `${SERVED_REWARDS.join(' or ')}: GBR as the paper presents it, or GBR + GenAcc as the released trainer computes it`, 'gbr')
    .option('--retriever <url|dir|corpus>', 'computes the naive-RAG GenAcc of questions missing from the cache (appended to --rag-cache); without it they are a 422')
    .option('--data-source <name>', 'RAG-cache section of items that name none (default: the cache\'s only section)')
    .option('--max-tokens <n>', 'most tokens per generator answer (default: the backend\'s)')
    .option('--cache <dir>', 'on-disk response cache for generator and judge calls')
    .option('--port <n>', 'port (0 picks a free one)', '8765')
    .option('--quiet', 'do not log each request');
  addServerFlags(reward, DEFAULT_REWARD_SERVER_LIMITS)
    .addHelpText('after', `
Bodies must be JSON (content-type: application/json). Scoring is slow, so few requests run at once and few wait:
a request beyond --max-in-flight and --max-queue gets 503 with Retry-After (python/s3lab_reward.py retries it).
Examples:
  s3lab serve reward --generator datasets/models/lab-generator --judge none --rag-cache out/rag-cache.jsonl --port 8765
  s3lab serve reward --generator http://127.0.0.1:8001/v1 --generator-model Qwen/Qwen2.5-14B-Instruct-GPTQ-Int4 \\
    --rag-cache data/rag-cache.jsonl --retriever http://127.0.0.1:3000 --reward gbr+genacc
  curl -s localhost:8765/health
verl reaches it through python/s3lab_reward.py (S3LAB_REWARD_URL, default http://127.0.0.1:8765); see docs/paper-scale-training.md.`)
    .action(async (raw: unknown) => {
      const options = parseOptions(ServeRewardOptions, raw);
      const models = await openGeneratorAndJudge(options);
      const retriever = options.retriever ? await openRetrieverSource(options.retriever, '--retriever') : undefined;
      const server = await startRewardServer({
        generator: models.generator, judge: models.judge, ragCache: options.ragCache, retriever: retriever?.retriever, retrieverName: retriever?.name,
        reward: options.reward, dataSource: options.dataSource, maxTokens: options.maxTokens, host: options.host, port: options.port,
        maxInFlight: options.maxInFlight, maxQueue: options.maxQueue,
        onRequest: options.quiet ? undefined : (r) => process.stderr.write(`${r.method} ${r.path} ${r.status} ${r.items} items${r.meanScore === null ? '' : ` mean ${r.meanScore.toFixed(3)}`} ${r.ms} ms\n`),
      }).catch((error: Error & { code?: string }) => {
        if (error.code === 'ENOENT' || error.code === 'EADDRINUSE') throw error;
        throw new UsageError(`cannot serve the reward: ${error.message}`);
      });
      process.stdout.write(`serving the ${server.reward} reward (generator ${models.generator.name}, judge ${models.judge?.name ?? 'none'}) at ${server.url}/reward\n`);
      const stop = (): void => {
        process.stdout.write('stopping\n');
        void server.close().then(() => retriever?.close()).then(() => {
          models.dispose();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise<void>((resolve) => server.server.once('close', resolve));
    });
}
