/**
 * One run of a sweep, in its own process: `node lab-run-process.js '<job JSON>'` runs
 * `trainLabSearcher` with the job's factors and prints the progress lines `s3lab train` prints. A
 * process of its own gives each run its own heap and threads, and lets `--jobs N` run several at
 * once. Started by `runSweep` with an IPC channel: when the sweep dies (kill -9 included) the
 * channel closes and the run exits too, so a rerun of the sweep never races a run left behind.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { labRunProgressLine } from './lab-report.js';
import { labRunFactorsSchema, labRunOptions } from './lab-run-factors.js';
import { trainLabSearcher } from './lab-run.js';

/** What the sweep hands a run. */
export const labRunJobSchema = z.object({ out: z.string().min(1), factors: labRunFactorsSchema, threads: z.number().int().min(1).optional() });
export type LabRunJob = z.output<typeof labRunJobSchema>;

async function main(): Promise<void> {
  if (process.send) process.on('disconnect', () => process.exit(130));
  const job = labRunJobSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const options = labRunOptions(job.factors, job.out, job.threads);
  const started = Date.now();
  const report = await trainLabSearcher({
    ...options,
    onProgress: (event) => {
      const line = labRunProgressLine(event, options.config?.algorithm ?? 'grpo');
      if (line) process.stdout.write(`[${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);
    },
  });
  // maxRSS covers the worker threads too: they share the process.
  const peakMB = Math.round(process.resourceUsage().maxRSS / 1024);
  await writeFile(join(job.out, 'resources.json'), `${JSON.stringify({ seconds: report.seconds.total, peakMB }, null, 2)}\n`);
  process.stdout.write(`finished in ${Math.round(report.seconds.total)} s, peak ${peakMB} MB\n`);
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
