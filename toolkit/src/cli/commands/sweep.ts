/**
 * `s3lab sweep --grid FILE --out DIR`: a grid of lab runs (a base configuration and the factors it
 * varies), each in `DIR/runs/<key>`, then one table against the base run with paired bootstrap
 * intervals (`summary.json`, `summary.csv`). A finished run is skipped and a killed one resumes, so
 * rerunning the same command after an interruption finishes the grid.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { formatTable } from '../../core/text-table.js';
import { LAB_RUN_FACTOR_NAMES } from '../../pipelines/lab-run-factors.js';
import { readGrid } from '../../pipelines/sweep-grid.js';
import { listSweep, runSweep, SweepRunsFailed, type SweepSummary } from '../../pipelines/sweep.js';
import { sweepTableRows } from '../../pipelines/sweep-summary.js';
import { transferTableRows } from '../../pipelines/sweep-transfer.js';
import { parseOptions } from '../options.js';
import { CommandFailure } from '../usage-error.js';

const SweepOptions = z.object({
  grid: z.string().min(1),
  out: z.string().min(1),
  jobs: z.coerce.number().int().min(1).default(1),
  threads: z.coerce.number().int().min(1).optional(),
  list: z.boolean().optional(),
  force: z.boolean().optional(),
});

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a grid of lab runs (ablations) and print one table against the base run, with paired 95% intervals')
    .requiredOption('--grid <file>', 'the grid, YAML or JSON: base (the baseline run\'s factors), runs (a list, each changing some factors) and/or factors (lists of values, every combination), optionally transfer ({seed: N} or {world: DIR}, and runs: [keys])')
    .requiredOption('--out <dir>', 'the sweep\'s directory: runs/<key>/ per run, transfer/, summary.json, summary.csv (rerun to resume)')
    .option('--jobs <n>', 'runs at once, each on its share of the cores (default 1)')
    .option('--threads <n>', 'cores to share between the runs (default: every core)')
    .option('--list', 'print the grid\'s runs, their directories and whether each is finished, started or not started; run nothing')
    .option('--force', 'start over: delete the runs and summary of an earlier sweep in --out (a sweep of another grid there is refused otherwise)')
    .addHelpText('after', `\nFactors: ${LAB_RUN_FACTOR_NAMES.join(', ')} (the s3lab train flags of the same names).\nA run is named by what it changes, e.g. runs/reward=em,search=5-3-4; the base run is runs/base.\n\nExamples:\n  s3lab sweep --grid notebooks/ablations.grid.yaml --out out/ablations\n  s3lab sweep --grid notebooks/ablations.grid.yaml --out out/ablations --list   # what would run, and what is done`)
    .action(async (raw: unknown) => {
      const options = parseOptions(SweepOptions, raw);
      const grid = await readGrid(options.grid);
      if (options.list) {
        const runs = await listSweep(grid, options.out);
        console.log(formatTable(runs.map((r) => ({ run: r.key, state: r.state, factors: JSON.stringify(r.factors), directory: r.dir }))));
        return;
      }
      const started = Date.now();
      const stamp = (): string => `[${Math.round((Date.now() - started) / 1000)}s]`;
      let summary: SweepSummary;
      try {
        summary = await runSweep({ grid, out: options.out, jobs: options.jobs, ...(options.threads ? { threads: options.threads } : {}), ...(options.force ? { force: true } : {}), onLine: (line) => console.log(`${stamp()} ${line}`) });
      } catch (error) {
        if (!(error instanceof SweepRunsFailed)) throw error;
        printSummary(error.summary, options.out);
        throw new CommandFailure(`${error.message}; rerun the same command to retry them (finished runs are kept)`);
      }
      printSummary(summary, options.out);
    });
}

function printSummary(summary: SweepSummary, out: string): void {
  const first = summary.runs.find((r) => r.rl);
  console.log(`\nGenAcc (%) of each run's RL searcher on ${first?.rl?.questions ?? 0} held-out test questions; vs base: GenAcc − the base run's, paired (95% CI); GBR over naive RAG (95% CI):`);
  console.log(formatTable(sweepTableRows(summary.runs), { digits: 1 }));
  const transfer = summary.transfer;
  if (transfer) {
    console.log(`\nTransfer to ${transfer.world} (never trained on), ${transfer.naiveRag.questions} test questions, GenAcc (%):`);
    console.log(formatTable(transferTableRows(transfer, summary.runs[0]?.rl?.naiveGenAcc.all), { digits: 1 }));
  }
  console.log(`\nsummary: ${out}/summary.json, ${out}/summary.csv`);
}
