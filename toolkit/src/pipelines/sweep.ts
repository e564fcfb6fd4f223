/**
 * `s3lab sweep`: a grid of lab runs, each in its own directory and process, then one table.
 *
 *   out/grid.json              the grid, and its expansion (every run's key and factors); a rerun
 *                              with another grid is refused (`force` starts over)
 *   out/runs/<key>/            a lab run (`s3lab train --preset lab`'s layout) and its train.log
 *   out/transfer/<world>/      the transfer world, its RAG cache and evaluations (with `transfer`)
 *   out/summary.json, .csv     per run: GenAcc by type, GBR, documents, searches, time, and the
 *                              paired difference from the base run with its 95% interval
 *
 * A finished run (its report.json) is skipped; a killed one resumes from its own checkpoints. Runs
 * go `jobs` at a time, each on its share of the cores; a failed run is reported and the others go on.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { moduleProcessArgs } from '../core/module-process.js';
import { openRunRecord } from '../core/run-settings.js';
import type { EvalRecord } from '../eval/summary.js';
import type { LabRunReport } from './lab-run.js';
import { labRunConfig } from './lab-run-factors.js';
import type { LabRunJob } from './lab-run-process.js';
import { expandGrid, type SweepGrid, type SweepRun } from './sweep-grid.js';
import { summarizeRun, sweepCsv, type SweepRunResult } from './sweep-summary.js';
import { evaluateTransfer, type TransferResult } from './sweep-transfer.js';

export interface SweepOptions {
  grid: SweepGrid;
  /** The sweep's directory (created; finished runs in it are kept). */
  out: string;
  /** Runs at once (default 1). Each gets the cores divided by `jobs`. */
  jobs?: number;
  /** Cores to share between the runs (default: every core). */
  threads?: number;
  /** Start over: delete the runs, transfer and summary an earlier sweep wrote in `out` (a sweep of another grid there is refused otherwise). */
  force?: boolean;
  /** Progress: a line when a run starts, each of its progress lines (prefixed by its key), a line when it ends. */
  onLine?: (line: string) => void;
}

export interface SweepSummary {
  /** The baseline every `vsBase` is measured against. */
  baseline: 'base';
  runs: SweepRunResult[];
  transfer?: TransferResult;
}

/**
 * @example
 * ```ts
 * import { readGrid, runSweep } from '@s3lab/toolkit';
 * const summary = await runSweep({ grid: await readGrid('notebooks/ablations.grid.yaml'), out: 'out/ablations', onLine: console.log });
 * summary.runs.map((r) => [r.key, r.rl?.genAcc.all, r.vsBase]);
 * ```
 */
export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const say = options.onLine ?? (() => undefined);
  const runs = expandGrid(options.grid);
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, runs.length));
  const cores = options.threads ?? availableParallelism();
  const threads = Math.max(1, Math.floor(cores / jobs));
  const runsDir = join(options.out, 'runs');
  // One directory, one grid: the base run is every run's baseline, and a run's directory is named by its changes to it.
  // The cores (`jobs`, `threads`) are left out, as a lab run leaves them out.
  await openRunRecord({
    file: join(options.out, 'grid.json'), settings: { grid: options.grid }, derived: { runs }, what: 'a sweep', force: options.force === true,
    outputs: ['runs', 'transfer', 'summary.json', 'summary.csv'].map((name) => join(options.out, name)),
  });
  await mkdir(runsDir, { recursive: true });

  const failures = new Map<string, string>();
  const queue = runs.map((run, i) => ({ run, i }));
  const total = runs.length;
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { run, i } = next;
      const dir = join(runsDir, run.key);
      const tag = `[${i + 1}/${total}] ${run.key}`;
      if (await isFinished(dir, run)) {
        say(`${tag}: finished earlier, skipped`);
        continue;
      }
      say(`${tag}: started (${dir}, ${threads} core${threads === 1 ? '' : 's'})`);
      const started = Date.now();
      const failure = await runInChild({ out: dir, factors: run.factors, threads }, (line) => say(`[${run.key}] ${line}`));
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      if (failure) {
        failures.set(run.key, `${failure}; log: ${join(dir, 'train.log')}`);
        say(`${tag}: failed after ${minutes} min (${failure}); log: ${join(dir, 'train.log')}`);
      } else say(`${tag}: done in ${minutes} min`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));

  const base = runs[0] as SweepRun;
  // The base run comes first: its records are every other run's baseline.
  let baseRecords: EvalRecord[] | undefined;
  const results: SweepRunResult[] = [];
  for (const run of runs) {
    const { result, records } = await summarizeRun(run, join(runsDir, run.key), baseRecords);
    if (run === base && records.length) baseRecords = records;
    const error = failures.get(run.key);
    results.push(error ? { ...result, status: 'failed', error } : result);
  }
  const summary: SweepSummary = { baseline: 'base', runs: results };

  const transfer = options.grid.transfer;
  if (transfer) {
    const chosen = results.filter((r) => r.status === 'finished' && (transfer.runs === undefined || transfer.runs.includes(r.key)));
    const baseResult = results[0];
    if (chosen.length === 0 || baseResult?.status !== 'finished') say('transfer: skipped, the base run (or every run chosen) has not finished');
    else {
      summary.transfer = await evaluateTransfer({
        transfer, out: options.out, threads: cores, onLine: say,
        ...(base.factors.evalQuestions === undefined ? {} : { questions: base.factors.evalQuestions }),
        searchers: [
          { name: 'warm start (SFT)', modelDir: join(runsDir, base.key, 'sft'), config: baseResult.config as LabRunReport['config'], inWorldGenAcc: baseResult.sft?.genAcc.all ?? 0 },
          ...chosen.map((r) => ({ name: r.key, modelDir: join(runsDir, r.key, 'searcher'), config: r.config as LabRunReport['config'], inWorldGenAcc: r.rl?.genAcc.all ?? 0 })),
        ],
      });
    }
  }
  await writeFile(join(options.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(options.out, 'summary.csv'), sweepCsv(results));
  if (failures.size > 0) throw new SweepRunsFailed(failures, summary);
  return summary;
}

/** A run's state in a sweep directory, as `s3lab sweep --list` shows it. */
export type SweepRunState = 'finished' | 'started' | 'not started';

/**
 * The grid's runs with their directories and states, without running anything.
 *
 * @example
 * ```ts
 * (await listSweep(grid, 'out/ablations')).map((r) => `${r.key}: ${r.state}`);
 * ```
 */
export async function listSweep(grid: SweepGrid, out: string): Promise<(SweepRun & { dir: string; state: SweepRunState })[]> {
  return Promise.all(expandGrid(grid).map(async (run) => {
    const dir = join(out, 'runs', run.key);
    const state: SweepRunState = (await isFinished(dir, run)) ? 'finished' : (await readFile(join(dir, 'run.json')).then(() => true, () => false)) ? 'started' : 'not started';
    return { ...run, dir, state };
  }));
}

/** Some runs failed; the summary of the others is written and carried here. */
export class SweepRunsFailed extends Error {
  override name = 'SweepRunsFailed';
  constructor(readonly failures: ReadonlyMap<string, string>, readonly summary: SweepSummary) {
    super(`${failures.size} run(s) failed: ${[...failures].map(([key, why]) => `${key} (${why})`).join('; ')}`);
  }
}

/** A run is finished when its report.json holds the configuration the grid asks of it. */
async function isFinished(dir: string, run: SweepRun): Promise<boolean> {
  const report = await readFile(join(dir, 'report.json'), 'utf8').then((text) => JSON.parse(text) as Partial<LabRunReport>, () => undefined);
  if (!report?.config) return false;
  return JSON.stringify(report.config) === JSON.stringify(labRunConfig(run.factors))
    && (run.factors.evalQuestions === undefined || report.settings?.evalQuestions === run.factors.evalQuestions)
    && (run.factors.trainQuestions === undefined || report.settings?.trainQuestions === run.factors.trainQuestions);
}

/**
 * Runs one lab run in its own process (`lab-run-process`), its output appended to `train.log` and
 * its progress lines passed on; resolves to undefined on success, else why it failed.
 */
async function runInChild(job: LabRunJob, onLine: (line: string) => void): Promise<string | undefined> {
  await mkdir(job.out, { recursive: true });
  const log = createWriteStream(join(job.out, 'train.log'), { flags: 'a' });
  log.write(`--- ${new Date().toISOString()} ${JSON.stringify(job)}\n`);
  const child = spawn(process.execPath, [...moduleProcessArgs(new URL('./lab-run-process.js', import.meta.url)), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error('a sweep run started without its output pipes');
  let lastError = '';
  createInterface({ input: stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    onLine(line);
  });
  createInterface({ input: stderr }).on('line', (line) => {
    log.write(`${line}\n`);
    if (line.trim() && !line.startsWith('    at ') && !lastError) lastError = line.trim();
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.on('error', (error) => {
      lastError ||= `could not start: ${error.message}`;
      resolve(-1);
    });
  });
  await new Promise<void>((resolve) => log.end(resolve));
  return code === 0 ? undefined : `exit ${code ?? 'by signal'}${lastError ? `: ${lastError.slice(0, 200)}` : ''}`;
}
