/**
 * The lab run end to end (`s3lab train --preset lab`: GRPO from the shipped warm start, then both
 * searchers evaluated on the 300 test questions), phase by phase, against the run that made the
 * shipped searcher (its `report.json` keeps the same per-phase seconds): where a step's time goes
 * (rollouts, the generator's reward, the log-probability forward, the update), the evaluation, the
 * whole run's wall time and peak memory, and whether the run's verdict holds (RL − SFT GBR and
 * multi-hop GenAcc over naive RAG, 95% intervals above 0).
 *
 * Run: `npm run bench -- lab-run` (prints a table, writes bench/results/lab-run.json; one lab run).
 * LAB_RUN_STEPS and LAB_RUN_EVAL_QUESTIONS make a shorter run (a smoke check: the shipped run's
 * phases are then compared per step); LAB_RUN_OUT keeps the run's directory (the searcher, its
 * report) instead of a temporary one.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { LAB_PATHS, trainLabSearcher, type LabRunReport } from '@s3lab/toolkit';

const steps = process.env.LAB_RUN_STEPS === undefined ? undefined : Number(process.env.LAB_RUN_STEPS);
const evalQuestions = process.env.LAB_RUN_EVAL_QUESTIONS === undefined ? undefined : Number(process.env.LAB_RUN_EVAL_QUESTIONS);

type Phases = Record<'setup' | 'rollouts' | 'reward' | 'forward' | 'update' | 'rl' | 'evaluation' | 'total', number>;

/** Per-phase seconds of a lab run's report (the RL phases summed over its steps). */
function phases(report: LabRunReport): Phases {
  const sum = (key: 'search' | 'reward' | 'forward' | 'update'): number => report.rl.reduce((n, step) => n + step.seconds[key], 0);
  return {
    setup: report.seconds.setup + report.seconds.sft,
    rollouts: sum('search'), reward: sum('reward'), forward: sum('forward'), update: sum('update'),
    rl: report.seconds.rl, evaluation: report.seconds.eval, total: report.seconds.total,
  };
}

const shipped = JSON.parse(await readFile(join(LAB_PATHS.searcher, 'report.json'), 'utf8')) as LabRunReport;
const keep = process.env.LAB_RUN_OUT;
const out = keep ?? (await mkdtemp(join(tmpdir(), 's3lab-lab-run-bench-')));
const started = performance.now();
let report: LabRunReport;
try {
  report = await trainLabSearcher({
    out, ...(steps !== undefined ? { config: { steps } } : {}), ...(evalQuestions !== undefined ? { evalQuestions } : {}),
    onProgress: (event) => {
      if (event.phase === 'rl') process.stderr.write(`  step ${event.step}/${event.steps}: ${JSON.stringify(event.metrics.seconds)}\n`);
    },
  });
} finally {
  if (keep === undefined) await rm(out, { recursive: true, force: true });
}
const wall = (performance.now() - started) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const before = phases(shipped);
const after = phases(report);
// A shorter run is compared per RL step and per evaluated question.
const scale = (p: Phases, r: LabRunReport): Phases => {
  const rl = r.rl.length;
  const q = r.evaluation.questions;
  return { ...p, rollouts: p.rollouts / rl, reward: p.reward / rl, forward: p.forward / rl, update: p.update / rl, rl: p.rl / rl, evaluation: p.evaluation / q };
};
const full = steps === undefined && evalQuestions === undefined;
const [b, a] = full ? [before, after] : [scale(before, shipped), scale(after, report)];
const unit = (k: keyof Phases): string => (full || ['setup', 'total'].includes(k) ? 's' : k === 'evaluation' ? 's/question' : 's/step');
const rows = (Object.keys(a) as (keyof Phases)[]).map((k) => ({ phase: k, unit: unit(k), before: b[k], after: a[k], speedup: b[k] / a[k] }));
const interval = (i: { mean: number; low: number; high: number } | null): string => (i === null ? 'n/a' : `${i.mean.toFixed(1)} [${i.low.toFixed(1)}, ${i.high.toFixed(1)}]`);

console.log(`\nlab run (${report.rl.length} steps, ${report.evaluation.questions} test questions), ${cpus().length} cores\n`);
console.log(`${'phase'.padEnd(12)}${'unit'.padEnd(12)}${'before'.padStart(10)}${'after'.padStart(10)}${'speed-up'.padStart(10)}`);
for (const r of rows) console.log(`${r.phase.padEnd(12)}${r.unit.padEnd(12)}${r.before.toFixed(1).padStart(10)}${r.after.toFixed(1).padStart(10)}${`${r.speedup.toFixed(1)}x`.padStart(10)}`);
console.log(`\nwall ${wall.toFixed(0)} s (target 300 s), peak RSS ${peakRssMb.toFixed(0)} MB`);
console.log(`RL − SFT GBR ${interval(report.evaluation.gbrDifference)} (shipped ${interval(shipped.evaluation.gbrDifference)})`);
console.log(`multi-hop GenAcc over naive RAG ${interval(report.evaluation.multiHopOverNaive)} (shipped ${interval(shipped.evaluation.multiHopOverNaive)})`);
const verdict = (report.evaluation.gbrDifference?.low ?? 0) > 0 && (report.evaluation.multiHopOverNaive?.low ?? 0) > 0;
console.log(`verdict (both intervals above 0): ${verdict ? 'holds' : 'does NOT hold'}`);

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const environment = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: totalmem() / 2 ** 30, node: process.version };
await writeFile(new URL('results/lab-run.json', import.meta.url), `${JSON.stringify({ environment, full, wallSeconds: wall, peakRssMb, rows, verdict, evaluation: report.evaluation, steps: report.rl.map((s) => s.seconds) }, null, 2)}\n`);
