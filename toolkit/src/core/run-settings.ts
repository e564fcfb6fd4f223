/**
 * The settings a resumable job was started with, kept in its output, so that running it again
 * either continues the same job or is refused: a resume with other settings would mix two jobs'
 * results in one place (records of two generators, checkpoints of two configurations). A record
 * is a plain JSON object; two are compared setting by setting (nested objects by dotted path,
 * arrays whole), and a refusal names every difference as `name: was → now`, in one line.
 *
 * @example
 * ```ts
 * import { openRunRecord } from '@s3lab/toolkit';
 * const { resumed } = await openRunRecord({ file: 'out/eval/run.json', settings: { generator: 'lab-generator', k: 3 }, what: 'an evaluation', outputs: ['out/eval/records.jsonl'] });
 * ```
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeAll, writeFileAtomically } from './atomic-file.js';
import { InputError } from './input-error.js';
import { readJsonFile } from './json-file.js';

/** What a job was started with: JSON values by name. */
export type RunSettings = Readonly<Record<string, unknown>>;

/**
 * Each setting whose JSON differs between two records, as `name: was → now` (`unset` where one
 * record lacks it), in the order the records name them. Nested objects compare field by field
 * (`config.steps: 1 → 2`); arrays and other values whole; an empty object is no setting.
 *
 * @example
 * ```ts
 * settingDifferences({ config: { steps: 1 }, k: 3 }, { config: { steps: 2 }, k: 3 }); // ['config.steps: 1 → 2']
 * ```
 */
export function settingDifferences(was: RunSettings, now: RunSettings): string[] {
  const before = flatten(was);
  const after = flatten(now);
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((name) => before.get(name) !== after.get(name))
    .map((name) => `${name}: ${before.get(name) ?? 'unset'} → ${after.get(name) ?? 'unset'}`);
}

/**
 * The refusal of a resume with other settings: one line naming `where`, what it holds and every
 * difference (from {@link settingDifferences}), and the two ways on.
 *
 * @example
 * ```ts
 * throw otherSettingsError('out/eval', 'an evaluation', ['k: 3 → 5']);
 * ```
 */
export function otherSettingsError(where: string, what: string, differences: readonly string[]): InputError {
  return new InputError(`${where} holds ${what} made with other settings (${differences.join('; ')}); run again with --force to start over, or give another --out`);
}

export interface RunRecordOptions {
  /** The record, a JSON file in the job's output (e.g. `out/run.json`). */
  file: string;
  /** Every setting that changes the job's result. */
  settings: RunSettings;
  /** What the output holds, for the refusal: `a lab run`, `an evaluation`, … */
  what: string;
  /** Written into the record beside the settings but not compared: facts that follow from them (a sweep's expanded runs). */
  derived?: RunSettings;
  /** Start over: remove `outputs` and the record first. */
  force?: boolean;
  /** Everything the job writes (files or directories), removed by `force`; nothing else is. */
  outputs?: readonly string[];
}

const recordSchema = z.record(z.string(), z.unknown());

/**
 * Opens a job's settings record: with none there (a fresh output, or one from before records were
 * kept) it writes one; with one of the same settings it is a resume; with other settings it throws
 * {@link otherSettingsError} and changes nothing. `force` removes the job's outputs first.
 *
 * @example
 * ```ts
 * await openRunRecord({ file: 'out/sweep/grid.json', settings: { grid }, derived: { runs }, what: 'a sweep', force: true, outputs: ['out/sweep/runs'] });
 * ```
 */
export async function openRunRecord(options: RunRecordOptions): Promise<{ resumed: boolean }> {
  if (options.force) {
    for (const path of [...(options.outputs ?? []), options.file]) await rm(path, { recursive: true, force: true });
  }
  const previous = await readJsonFile(options.file, recordSchema);
  const derived = new Set(Object.keys(options.derived ?? {}));
  if (previous) {
    const compared = Object.fromEntries(Object.entries(previous).filter(([name]) => !derived.has(name)));
    const differences = settingDifferences(compared, options.settings);
    if (differences.length > 0) throw otherSettingsError(dirname(options.file), options.what, differences);
  }
  const text = `${JSON.stringify({ ...options.settings, ...options.derived }, null, 2)}\n`;
  await writeFileAtomically(options.file, (handle) => writeAll(handle, Buffer.from(text)));
  return { resumed: previous !== undefined };
}

/** Every leaf setting by dotted name, as JSON. */
function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined && prefix) {
    into.set(prefix, JSON.stringify(value));
  }
  return into;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
