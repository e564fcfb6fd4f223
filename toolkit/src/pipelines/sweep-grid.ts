/**
 * A sweep's grid: a base configuration, the runs that change it (listed, or every combination of
 * some factors), and optionally a world to test transfer on. The grid expands into runs, each named
 * by a readable key of the factors it changes (hydra's multirun names its directories the same
 * way: `reward=em,search=5-3-4`); the base run is `base` and is the baseline of every comparison.
 * A bad grid fails here, before any run starts, with one line naming the key and what it allows.
 *
 * @example
 * ```ts
 * import { expandGrid, parseGrid } from '@s3lab/toolkit';
 * const grid = parseGrid('base: {evalQuestions: 300}\nruns:\n  - {reward: em}\n  - {selection: false}\n', 'grid.yaml');
 * expandGrid(grid).map((run) => run.key); // ['base', 'reward=em', 'selection=false']
 * ```
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../core/input-error.js';
import { LAB_RUN_FACTOR_NAMES, LAB_RUN_FACTORS, type LabRunFactor, type LabRunFactors } from './lab-run-factors.js';

/** Where transfer is tested: a lab world generated from a seed, or a world directory (corpus.jsonl, test.jsonl). */
export type TransferWorld = { seed: number } | { world: string };

export interface SweepGrid {
  /** Every run starts from it; alone it is the baseline run `base`. */
  base: LabRunFactors;
  /** Runs listed one by one, each changing the factors it names. */
  runs: LabRunFactors[];
  /** Every combination of these factors' values, each over the base. */
  factors: Partial<Record<LabRunFactor, unknown[]>>;
  /** The runs' searchers evaluated, without retraining, on another world. */
  transfer?: TransferWorld & {
    /** The keys of the runs to evaluate there (default: every run). */
    runs?: string[];
  };
}

/** One run of a grid. */
export interface SweepRun {
  /** `base`, or the changed factors as `name=value` joined by commas, in the factors' order. */
  key: string;
  /** The run's factors: the base with its changes. */
  factors: LabRunFactors;
  /** Only the factors that differ from the base. */
  changes: LabRunFactors;
}

const TOP_KEYS = ['base', 'runs', 'factors', 'transfer'] as const;

/**
 * Reads and validates a grid file (YAML or JSON; JSON is YAML).
 *
 * @example
 * ```ts
 * const grid = await readGrid('notebooks/ablations.grid.yaml');
 * ```
 */
export async function readGrid(file: string): Promise<SweepGrid> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`grid ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}; expected a YAML or JSON grid`);
  });
  return parseGrid(text, file);
}

/** Validates a grid's text; `name` names it in errors. */
export function parseGrid(text: string, name: string): SweepGrid {
  const fail = (key: string, problem: string): never => {
    throw new InputError(`grid ${name}: ${key}: ${problem}`);
  };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new InputError(`grid ${name}: not YAML or JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`grid ${name}: expected a mapping with ${TOP_KEYS.join(', ')}`);
  const top = raw as Record<string, unknown>;
  for (const key of Object.keys(top)) if (!(TOP_KEYS as readonly string[]).includes(key)) fail(key, `unknown key; expected ${TOP_KEYS.join(', ')}`);

  const factorsAt = (value: unknown, path: string): LabRunFactors => {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) return fail(path, 'expected a mapping of factors to values');
    const out: Record<string, unknown> = {};
    for (const [factor, v] of Object.entries(value as Record<string, unknown>)) out[factor] = factorValue(factor, v, `${path}.${factor}`, fail);
    return out as LabRunFactors;
  };

  const base = factorsAt(top.base, 'base');
  const runsRaw = top.runs ?? [];
  if (!Array.isArray(runsRaw)) fail('runs', 'expected a list of settings, e.g. [{reward: em}, {search: 5-3-4}]');
  const runs = (runsRaw as unknown[]).map((r, i) => factorsAt(r, `runs[${i}]`));

  const factors: Partial<Record<LabRunFactor, unknown[]>> = {};
  if (top.factors !== undefined && top.factors !== null) {
    if (typeof top.factors !== 'object' || Array.isArray(top.factors)) fail('factors', 'expected a mapping of factors to lists of values, e.g. {reward: [gbr, em]}');
    for (const [factor, values] of Object.entries(top.factors as Record<string, unknown>)) {
      const path = `factors.${factor}`;
      if (!Array.isArray(values)) fail(path, 'expected a list of values');
      if ((values as unknown[]).length === 0) fail(path, `an empty list; give at least one value (${allowedOf(factor)})`);
      factors[factor as LabRunFactor] = (values as unknown[]).map((v, i) => factorValue(factor, v, `${path}[${i}]`, fail));
    }
  }
  if (runs.length === 0 && Object.keys(factors).length === 0) {
    throw new InputError(`grid ${name}: no runs; give runs (a list of settings, e.g. [{reward: em}]) or factors (lists of values, e.g. {reward: [gbr, em]})`);
  }
  const transfer = top.transfer === undefined ? undefined : transferOf(top.transfer, fail);
  const grid: SweepGrid = { base, runs, factors, ...(transfer ? { transfer } : {}) };
  if (transfer?.runs) {
    const keys = new Set(expandGrid(grid).map((r) => r.key));
    transfer.runs.forEach((key, i) => {
      if (!keys.has(key)) fail(`transfer.runs[${i}]`, `${JSON.stringify(key)} is no run of this grid; expected one of ${[...keys].join(', ')}`);
    });
  }
  return grid;
}

function allowedOf(factor: string): string {
  return Object.hasOwn(LAB_RUN_FACTORS, factor) ? LAB_RUN_FACTORS[factor as LabRunFactor].allowed : '';
}

function factorValue(factor: string, value: unknown, path: string, fail: (key: string, problem: string) => never): unknown {
  if (!Object.hasOwn(LAB_RUN_FACTORS, factor)) return fail(path, `unknown factor; expected one of ${LAB_RUN_FACTOR_NAMES.join(', ')}`);
  const { schema, allowed } = LAB_RUN_FACTORS[factor as LabRunFactor];
  const parsed = (schema as z.ZodType).safeParse(value);
  return parsed.success ? parsed.data : fail(path, `${JSON.stringify(value)} is not allowed; expected ${allowed}`);
}

function transferOf(value: unknown, fail: (key: string, problem: string) => never): NonNullable<SweepGrid['transfer']> {
  const schema = z.strictObject({ seed: z.number().int().min(0).optional(), world: z.string().min(1).optional(), runs: z.array(z.string()).min(1).optional() });
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(['transfer', ...(issue?.path ?? []).map(String)].join('.'), `${issue?.message ?? 'invalid'}; expected {seed: N} or {world: DIR}, and optionally runs: [keys]`);
  }
  const { seed, world, runs } = parsed.data;
  if ((seed === undefined) === (world === undefined)) return fail('transfer', 'expected exactly one of seed (a lab world generated from it) or world (a directory with corpus.jsonl and test.jsonl)');
  return { ...(seed === undefined ? { world: world as string } : { seed }), ...(runs ? { runs } : {}) };
}

/**
 * The grid's runs: `base` first, then the listed runs, then every combination of the factors, each
 * once (a run equal to one before it is dropped).
 */
export function expandGrid(grid: SweepGrid): SweepRun[] {
  const combos: LabRunFactors[] = [{}];
  for (const [factor, values] of Object.entries(grid.factors)) {
    const next: LabRunFactors[] = [];
    for (const combo of combos) for (const value of values as unknown[]) next.push({ ...combo, [factor]: value });
    combos.splice(0, combos.length, ...next);
  }
  const changesList = [{}, ...grid.runs, ...(Object.keys(grid.factors).length ? combos : [])];
  const runs: SweepRun[] = [];
  for (const change of changesList) {
    const factors = { ...grid.base, ...change } as LabRunFactors;
    const changes = Object.fromEntries(LAB_RUN_FACTOR_NAMES.flatMap((f) => (factors[f] !== undefined && factors[f] !== grid.base[f] ? [[f, factors[f]]] : []))) as LabRunFactors;
    const key = runKey(changes);
    if (!runs.some((r) => r.key === key)) runs.push({ key, factors, changes });
  }
  return runs;
}

/**
 * The readable name of a run's changes: `base` for none.
 *
 * @example
 * ```ts
 * runKey({ search: '5-3-4', reward: 'em' }); // 'reward=em,search=5-3-4'
 * ```
 */
export function runKey(changes: LabRunFactors): string {
  const parts = LAB_RUN_FACTOR_NAMES.flatMap((f) => (changes[f] === undefined ? [] : [`${f}=${String(changes[f])}`]));
  return parts.length ? parts.join(',') : 'base';
}
