/**
 * The settings of a lab run that an ablation varies, each with one name: the `s3lab train` flag
 * (camel-cased), the grid key of `s3lab sweep` and the field here are the same word. A run is the
 * lab preset with the factors it names; every factor left out keeps the preset's value.
 *
 * @example
 * ```ts
 * import { labRunFactorsSchema, labRunOptions, trainLabSearcher } from '@s3lab/toolkit';
 * const factors = labRunFactorsSchema.parse({ reward: 'em', search: '5-3-4' });
 * await trainLabSearcher(labRunOptions(factors, 'out/em-5-3-4'));
 * ```
 */
import { z } from 'zod';
import { REWARD_VARIANTS } from '../config/index.js';
import { resolvePreset } from '../agent/presets.js';
import { rlConfig, type RlConfig } from '../rl/config.js';
import type { LabRunOptions } from './lab-run.js';

const searchPreset = z.string().refine((name) => {
  try {
    resolvePreset(name);
    return true;
  } catch {
    return false;
  }
});

/** Each factor: its values' schema and the allowed values in words (for one-line errors). */
export const LAB_RUN_FACTORS = {
  algorithm: { schema: z.enum(['grpo', 'ppo']), allowed: 'grpo, ppo' },
  reward: { schema: z.enum(REWARD_VARIANTS), allowed: REWARD_VARIANTS.join(', ') },
  search: { schema: searchPreset, allowed: 'documents-turns-kept, e.g. 8-3-3, 5-3-4, 3-3-3' },
  initialDocs: { schema: z.number().int().min(0).max(8), allowed: 'an integer from 0 (begin without documents) to 8' },
  selection: { schema: z.boolean(), allowed: 'true, false (every retrieved document goes to the generator)' },
  steps: { schema: z.number().int().min(1), allowed: 'an integer ≥ 1' },
  batchSize: { schema: z.number().int().min(1), allowed: 'an integer ≥ 1' },
  seed: { schema: z.number().int(), allowed: 'an integer' },
  trainQuestions: { schema: z.number().int().min(1), allowed: 'an integer ≥ 1' },
  evalQuestions: { schema: z.number().int().min(1), allowed: 'an integer ≥ 1' },
} as const;

export type LabRunFactor = keyof typeof LAB_RUN_FACTORS;
/** The factor names, in the order run keys list them. */
export const LAB_RUN_FACTOR_NAMES = Object.keys(LAB_RUN_FACTORS) as LabRunFactor[];

export const labRunFactorsSchema = z.strictObject(
  Object.fromEntries(LAB_RUN_FACTOR_NAMES.map((name) => [name, LAB_RUN_FACTORS[name].schema.optional()])) as { [K in LabRunFactor]: z.ZodOptional<(typeof LAB_RUN_FACTORS)[K]['schema']> },
);
/** A lab run's factors; those left out keep the lab preset's values. */
export type LabRunFactors = z.output<typeof labRunFactorsSchema>;

/**
 * The RL configuration fields these factors set (`search` is the config's `preset`); the one
 * mapping from factors to configuration, for `s3lab train`'s flags and a sweep's runs alike.
 *
 * @example
 * ```ts
 * rlOverrides({ search: '5-3-4', selection: false }); // { preset: '5-3-4', selection: false }
 * ```
 */
export function rlOverrides(factors: LabRunFactors): Partial<RlConfig> {
  const { steps, batchSize, seed, reward, search, initialDocs, selection } = factors;
  return Object.fromEntries(Object.entries({ steps, batchSize, seed, reward, preset: search, initialDocs, selection }).filter(([, v]) => v !== undefined));
}

/** The RL configuration of a lab run with these factors (the preset `lab`, or `lab-ppo` for `algorithm: ppo`). */
export function labRunConfig(factors: LabRunFactors): RlConfig {
  return rlConfig(factors.algorithm === 'ppo' ? 'lab-ppo' : 'lab', rlOverrides(factors));
}

/**
 * `trainLabSearcher`'s options for a run with these factors, written to `out`.
 *
 * @example
 * ```ts
 * labRunOptions({ initialDocs: 0 }, 'out/no-initial-docs').config?.initialDocs; // 0
 * ```
 */
export function labRunOptions(factors: LabRunFactors, out: string, threads?: number): LabRunOptions {
  return {
    out,
    preset: factors.algorithm === 'ppo' ? 'lab-ppo' : 'lab',
    config: labRunConfig(factors),
    ...(factors.trainQuestions === undefined ? {} : { trainQuestions: factors.trainQuestions }),
    ...(factors.evalQuestions === undefined ? {} : { evalQuestions: factors.evalQuestions }),
    ...(threads === undefined ? {} : { threads }),
  };
}
