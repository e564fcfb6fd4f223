/**
 * `s3lab train`: train the searcher. `--preset lab` runs the whole lab-scale pipeline in process
 * (SFT warm start, PPO or GRPO on GBR with the lab generator frozen, evaluation against the
 * SFT-only searcher and naive RAG); a killed run resumes from its output directory. At paper scale
 * the trainer is verl (docs/paper-scale-training.md); `--preset paper` prints that configuration.
 * `--preset` and `--algorithm` name one of the RL presets (RL_PRESET_OF), printed before training.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { formatTable } from '../../core/text-table.js';

import { rlConfig, type RlConfig, type RlPresetName } from '../../rl/config.js';
import { trainLabSearcher } from '../../pipelines/lab-run.js';
import { curveRows, labResultRows, labRunProgressLine, labVerdict } from '../../pipelines/lab-report.js';
import { parseOptions } from '../options.js';
import { REWARD_VARIANTS } from '../../config/index.js';
import { LAB_RUN_FACTORS, rlOverrides } from '../../pipelines/lab-run-factors.js';
import { UsageError } from '../usage-error.js';
import { LAB_METHODS } from '../../agent/lab-searcher/lab-searcher.js';

const TrainOptions = z.object({
  preset: z.enum(['lab', 'paper']),
  method: z.enum(LAB_METHODS),
  out: z.string().min(1).optional(),
  algorithm: z.enum(['ppo', 'grpo']).optional(),
  steps: z.coerce.number().int().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).optional(),
  sftSteps: z.coerce.number().int().min(1).optional(),
  evalQuestions: z.coerce.number().int().min(1).optional(),
  seed: z.coerce.number().int().optional(),
  world: z.string().min(1).optional(),
  retriever: z.string().min(1).optional(),
  generator: z.string().min(1).optional(),
  generatorModel: z.string().min(1).optional(),
  warmStart: z.string().min(1).optional(),
  trainQuestions: z.coerce.number().int().min(1).optional(),
  evalSteps: z.string().regex(/^\d+(,\d+)*$/u, 'a comma-separated list of step numbers, e.g. 2,5,10').transform((s) => s.split(',').map(Number)).optional(),
  reward: LAB_RUN_FACTORS.reward.schema.optional(),
  search: LAB_RUN_FACTORS.search.schema.optional(),
  initialDocs: z.coerce.number().pipe(LAB_RUN_FACTORS.initialDocs.schema).optional(),
  selection: z.boolean(),
  threads: z.coerce.number().int().min(1).optional(),
  force: z.boolean().optional(),
});

/** The RL preset of `--preset` with `--algorithm`: the scale's own algorithm (lab: GRPO, paper: PPO) when none is given. */
const RL_PRESET_OF: Record<'lab' | 'paper', Record<RlConfig['algorithm'], RlPresetName>> = {
  lab: { grpo: 'lab', ppo: 'lab-ppo' },
  paper: { ppo: 'paper', grpo: 'paper-grpo' },
};

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the searcher: SFT warm start, then RL (GRPO at lab scale, PPO on request or at paper scale) on the Gain Beyond RAG with the generator frozen, then the evaluation')
    .requiredOption('--preset <lab|paper>', 'lab: the whole run in process on the lab world (about 11 min on 2 cores; RL preset lab, or lab-ppo with --algorithm ppo); paper: print the released run\'s configuration (RL preset paper, or paper-grpo with --algorithm grpo; it trains with verl)')
    .option('--method <s3|search-r1|deep-retrieval>', 'what the policy learns (lab scale): s3 (search, select, stop; GBR with the frozen generator), search-r1 (search and answer itself; the exact match of its own answer) or deep-retrieval (rewrite the question into one query; the recall of the supporting passages in its top 3). Same SFT, trainer, checkpoints and evaluation', 's3')
    .option('--out <dir>', 'output directory: sft/, checkpoints/, searcher/, rl-metrics.jsonl, report.json (a killed run resumes from it)')
    .option('--algorithm <ppo|grpo>', 'picks the RL preset: grpo (group-relative advantages over 4 rollouts per question, no critic, KL as a loss; the lab default) or ppo (GAE with a critic, KL in the reward; the paper, and the paper preset\'s default)')
    .option('--steps <n>', 'RL steps (lab default: 10 with grpo, 12 with ppo)')
    .option('--batch-size <n>', 'questions per RL step (lab default: 8 × 4 rollouts with grpo, 16 with ppo)')
    .option('--sft-steps <n>', 'SFT optimizer steps with --warm-start train (default 100)')
    .option('--eval-questions <n>', 'held-out test questions evaluated (default 300)')
    .option('--seed <n>', 'seed of everything random (lab default 1)')
    .option('--world <dir>', 'lab world directory (default datasets/lab)')
    .option('--retriever <corpus|index|url>', 'what the searcher and naive RAG search: a corpus JSONL (BM25 in memory), an index directory or a retrieval server URL (default: BM25 of the world\'s corpus.jsonl)')
    .option('--generator <dir|url>', 'the frozen generator: a model directory or an OpenAI-compatible server URL (default datasets/models/lab-generator)')
    .option('--generator-model <name>', 'the generator\'s model name, when --generator is a URL')
    .option('--warm-start <dir|train>', 'the SFT policy RL starts from (default the method\'s shipped one: datasets/models/lab-searcher/sft, lab-search-r1/sft or lab-deep-retrieval/sft), or "train" to run the SFT here (slow on a CPU)')
    .option('--eval-steps <list>', 'RL steps whose checkpoints are evaluated too, e.g. 2,5,10: GenAcc over training questions consumed (the data-efficiency curve); the warm start and the last step always are')
    .option('--train-questions <n>', 'training questions the RL steps draw from (default 600)')
    .option('--reward <variant>', `the training reward: ${REWARD_VARIANTS.join(', ')} (default gbr; span and em are GBR over the span match or exact match, the paper's Table 5)`)
    .option('--search <d-t-k>', 'searcher preset: documents per query, search turns, documents kept per turn (default 8-3-3; the paper also tries 5-3-4, 3-3-3)')
    .option('--initial-docs <n>', 'naive-RAG documents in the searcher\'s prompt (lab default 3); 0 begins without any (the paper\'s "begin with search" ablation)')
    .option('--no-selection', 'hand the generator every retrieved document, whatever the searcher selects (the paper\'s selection ablation)')
    .option('--threads <n>', 'cores the lab run uses (default: every core)')
    .option('--force', 'start over: delete what an earlier run wrote in --out (a run with other settings there is refused otherwise)')
    .addHelpText('after', '\nRL presets (--preset, --algorithm → preset): lab → lab (GRPO, 8 questions × 4 rollouts); lab, ppo → lab-ppo (PPO, 16 questions × 1 rollout);\npaper → paper (PPO, 120 × 1); paper, grpo → paper-grpo (GRPO, 30 × 4). --steps, --batch-size and --seed change only those fields.\n\nExamples:\n  s3lab train --preset lab --out out/train-lab\n  s3lab train --preset lab --algorithm ppo --out out/train-lab-ppo\n  s3lab train --preset lab --method search-r1 --out out/train-search-r1   # the Search-R1 baseline, same RL\n  s3lab train --preset lab --reward em --search 5-3-4 --out out/train-em-534   # one ablation (s3lab sweep runs a grid)\n  s3lab train --preset paper          # the verl configuration of the released run')
    .action(async (raw: unknown) => {
      const options = parseOptions(TrainOptions, raw);
      const presetName = options.algorithm === undefined ? options.preset : RL_PRESET_OF[options.preset][options.algorithm];
      const { steps, batchSize, seed, reward, search, initialDocs } = options;
      const config = rlConfig(presetName, rlOverrides({ steps, batchSize, seed, reward, search, initialDocs, ...(options.selection ? {} : { selection: false }) }));
      const presetLine = `RL preset ${presetName} (${config.algorithm.toUpperCase()})`;
      if (options.preset === 'paper' && options.method !== 's3') throw new UsageError(`--method ${options.method} trains at lab scale only (--preset lab); at paper scale Search-R1 and DeepRetrieval are the originals' own trainers`);
      if (options.preset === 'paper') {
        console.log(JSON.stringify(config, null, 2));
        console.log(`\n${presetLine}. At paper scale the searcher (Qwen2.5-7B-Instruct) trains with verl on GPUs; s3lab serves its reward: see docs/paper-scale-training.md.`);
        return;
      }
      if (!options.out) throw new UsageError('--out is needed with --preset lab');
      // The resolved configuration, in full: the lab run takes it as it is.
      console.log(`${presetLine}, resolved configuration:\n${JSON.stringify(config)}`);
      const started = Date.now();
      const stamp = (): string => `[${Math.round((Date.now() - started) / 1000)}s]`;
      const report = await trainLabSearcher({
        out: options.out,
        method: options.method,
        config,
        ...(options.world ? { world: options.world } : {}),
        ...(options.retriever ? { retriever: options.retriever } : {}),
        ...(options.generator ? { generator: options.generator } : {}),
        ...(options.generatorModel ? { generatorModel: options.generatorModel } : {}),
        ...(options.warmStart ? { warmStart: options.warmStart } : {}),
        ...(options.trainQuestions ? { trainQuestions: options.trainQuestions } : {}),
        ...(options.evalSteps ? { evalSteps: options.evalSteps } : {}),
        ...(options.sftSteps ? { sft: { steps: options.sftSteps } } : {}),
        ...(options.evalQuestions ? { evalQuestions: options.evalQuestions } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
        ...(options.force ? { force: true } : {}),
        onProgress: (event) => {
          const line = labRunProgressLine(event, config.algorithm);
          if (line) console.log(`${stamp()} ${line}`);
        },
      });
      console.log(`\nGenAcc (%) by question type on ${report.evaluation.questions} held-out test questions, and GBR (points):`);
      console.log(formatTable(labResultRows(report), { digits: 1 }));
      console.log(`\n${labVerdict(report)}`);
      console.log(`\nGenAcc (%, 95% interval) over training questions consumed:\n${formatTable(curveRows(report), { digits: 1 })}`);
      console.log(`\n${Math.round(report.seconds.total)} s (SFT ${Math.round(report.seconds.sft)}, RL ${Math.round(report.seconds.rl)}, evaluation ${Math.round(report.seconds.eval)}), peak memory ${Math.round(report.peakMemoryMiB)} MiB; report: ${options.out}/report.json, trained policy: ${options.out}/searcher`);
    });
}
