/**
 * `s3lab train`: train the searcher. `--preset lab` runs the whole lab-scale pipeline in process
 * (SFT warm start, PPO or GRPO on GBR with the lab generator frozen, evaluation against the
 * SFT-only searcher and naive RAG); a killed run resumes from its output directory. At paper scale
 * the trainer is verl (docs/paper-scale-training.md); `--preset paper` prints that configuration.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { formatTable } from '../../core/text-table.js';

import { rlConfig } from '../../rl/config.js';
import { trainLabSearcher } from '../../pipelines/lab-run.js';
import { labResultRows, labVerdict } from '../../pipelines/lab-report.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

const TrainOptions = z.object({
  preset: z.enum(['lab', 'paper']),
  out: z.string().min(1).optional(),
  algorithm: z.enum(['ppo', 'grpo']).optional(),
  steps: z.coerce.number().int().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).optional(),
  sftSteps: z.coerce.number().int().min(1).optional(),
  evalQuestions: z.coerce.number().int().min(1).optional(),
  seed: z.coerce.number().int().optional(),
  world: z.string().min(1).optional(),
  warmStart: z.string().min(1).optional(),
  trainQuestions: z.coerce.number().int().min(1).optional(),
});

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the searcher: SFT warm start, then RL (GRPO at lab scale, PPO on request or at paper scale) on the Gain Beyond RAG with the generator frozen, then the evaluation')
    .requiredOption('--preset <lab|paper>', 'lab: the whole run in process on the lab world (under 20 min on 2 cores); paper: print the released run\'s configuration (it trains with verl)')
    .option('--out <dir>', 'output directory: sft/, checkpoints/, searcher/, rl-metrics.jsonl, report.json (a killed run resumes from it)')
    .option('--algorithm <ppo|grpo>', 'grpo (group-relative advantages over 4 rollouts per question, no critic; the lab default) or ppo (GAE with a critic; the paper, and the paper preset\'s default)')
    .option('--steps <n>', 'RL steps (lab default: 10 with grpo, 12 with ppo)')
    .option('--batch-size <n>', 'questions per RL step (lab default: 8 × 4 rollouts with grpo, 16 with ppo)')
    .option('--sft-steps <n>', 'SFT optimizer steps with --warm-start train (default 100)')
    .option('--eval-questions <n>', 'held-out test questions evaluated (default 300)')
    .option('--seed <n>', 'seed of everything random (lab default 1)')
    .option('--world <dir>', 'lab world directory (default datasets/lab)')
    .option('--warm-start <dir|train>', 'the SFT searcher RL starts from (default datasets/models/lab-searcher/sft), or "train" to run the SFT here (slow on a CPU)')
    .option('--train-questions <n>', 'training questions the RL steps draw from (default 600)')
    .addHelpText('after', '\nExamples:\n  s3lab train --preset lab --out out/train-lab\n  s3lab train --preset lab --algorithm ppo --out out/train-lab-ppo\n  s3lab train --preset paper          # the verl configuration of the released run')
    .action(async (raw: unknown) => {
      const options = parseOptions(TrainOptions, raw);
      const overrides = {
        ...(options.algorithm !== undefined ? { algorithm: options.algorithm } : {}),
        ...(options.steps !== undefined ? { steps: options.steps } : {}),
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      };
      if (options.preset === 'paper') {
        console.log(JSON.stringify(rlConfig('paper', overrides), null, 2));
        console.log('\nAt paper scale the searcher (Qwen2.5-7B-Instruct) trains with verl on GPUs; s3lab serves its reward: see docs/paper-scale-training.md.');
        return;
      }
      if (!options.out) throw new UsageError('--out is needed with --preset lab');
      const algorithm = rlConfig('lab', overrides).algorithm;
      const started = Date.now();
      const stamp = (): string => `[${Math.round((Date.now() - started) / 1000)}s]`;
      const report = await trainLabSearcher({
        out: options.out,
        config: overrides,
        ...(options.world ? { world: options.world } : {}),
        ...(options.warmStart ? { warmStart: options.warmStart } : {}),
        ...(options.trainQuestions ? { trainQuestions: options.trainQuestions } : {}),
        ...(options.sftSteps ? { sft: { steps: options.sftSteps } } : {}),
        ...(options.evalQuestions ? { evalQuestions: options.evalQuestions } : {}),
        onProgress: (event) => {
          if (event.phase === 'setup') console.log(`${stamp()} ${event.message}`);
          else if (event.phase === 'sft' && (event.step % 10 === 0 || event.step === event.steps)) console.log(`${stamp()} SFT step ${event.step}/${event.steps}: loss ${event.metrics.loss.toFixed(3)}`);
          else if (event.phase === 'rl') {
            const m = event.metrics;
            console.log(`${stamp()} ${algorithm.toUpperCase()} step ${event.step}/${event.steps}: reward ${m.reward.toFixed(3)}, GenAcc ${m.genAcc.toFixed(3)}, KL ${m.kl.toFixed(4)}, searches ${m.searches.toFixed(2)}, ${m.seconds.total.toFixed(0)} s`);
          } else if (event.phase === 'eval') console.log(`${stamp()} evaluating the ${event.method} searcher: ${event.done}/${event.total}`);
        },
      });
      console.log(`\nGenAcc (%) by question type on ${report.evaluation.questions} held-out test questions, and GBR (points):`);
      console.log(formatTable(labResultRows(report), { digits: 1 }));
      console.log(`\n${labVerdict(report)}`);
      console.log(`\n${Math.round(report.seconds.total)} s (SFT ${Math.round(report.seconds.sft)}, RL ${Math.round(report.seconds.rl)}, evaluation ${Math.round(report.seconds.eval)}); report: ${options.out}/report.json, searcher: ${options.out}/searcher`);
    });
}
