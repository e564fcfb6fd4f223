/**
 * RL checkpoints: everything a run needs to continue as if never stopped, in one directory per
 * step — the policy in the Hugging Face layout (`config.json`, `model.safetensors`, loadable by
 * `loadCausalLM`), the value head and both Adam states in safetensors, and `trainer.json` (step,
 * configuration, seed; every random draw of a step is a function of seed and step, so no
 * generator state needs saving). A checkpoint is written to a temporary directory and renamed,
 * so a killed run leaves either the whole checkpoint or none.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { loadCausalLM, readSafetensors, writeSafetensors, type StoredTensor, type TransformerLM } from '../models/lm/index.js';
import { tf } from '../models/tfjs/index.js';
import { rlConfigSchema, type RlConfig } from './config.js';
import { VALUE_HEAD_FILE, ValueHead } from './value-head.js';

export const TRAINER_STATE_FILE = 'trainer.json';
const ACTOR_OPTIMIZER_FILE = 'actor_optimizer.safetensors';
const CRITIC_OPTIMIZER_FILE = 'critic_optimizer.safetensors';

const trainerStateSchema = z.object({ step: z.number().int().min(0), config: rlConfigSchema, savedAt: z.string() });
export type TrainerState = z.output<typeof trainerStateSchema>;

export interface CheckpointParts {
  lm: TransformerLM;
  valueHead?: ValueHead;
  actorOptimizer: tf.Optimizer;
  criticOptimizer: tf.Optimizer;
  step: number;
  config: RlConfig;
}

/** `checkpoints/step-000012`. */
export function checkpointDir(root: string, step: number): string {
  return join(root, `step-${String(step).padStart(6, '0')}`);
}

/** Writes a checkpoint of `parts` under `root` and returns its directory. */
export async function saveCheckpoint(root: string, parts: CheckpointParts): Promise<string> {
  const dir = checkpointDir(root, parts.step);
  const staging = `${dir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await parts.lm.save(staging);
  if (parts.valueHead) await parts.valueHead.save(join(staging, VALUE_HEAD_FILE));
  await saveOptimizer(parts.actorOptimizer, join(staging, ACTOR_OPTIMIZER_FILE));
  await saveOptimizer(parts.criticOptimizer, join(staging, CRITIC_OPTIMIZER_FILE));
  const state: TrainerState = { step: parts.step, config: parts.config, savedAt: new Date().toISOString() };
  await writeFile(join(staging, TRAINER_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return dir;
}

/** The newest complete checkpoint under `root`, or undefined. */
export async function latestCheckpoint(root: string): Promise<string | undefined> {
  const names = await readdir(root).catch(() => [] as string[]);
  const steps = names.filter((n) => /^step-\d+$/.test(n)).sort();
  return steps.length ? join(root, steps.at(-1) as string) : undefined;
}

export interface LoadedCheckpoint {
  lm: TransformerLM;
  valueHead?: ValueHead;
  state: TrainerState;
  /** Puts the saved Adam moments into the trainer's optimizers (call before the first update). */
  restoreOptimizers(actor: tf.Optimizer, critic: tf.Optimizer): Promise<void>;
}

/** Loads a checkpoint written by {@link saveCheckpoint}. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const stateText = await readFile(join(dir, TRAINER_STATE_FILE), 'utf8').catch(() => {
    throw new Error(`${dir}: not a checkpoint (no ${TRAINER_STATE_FILE})`);
  });
  const parsed = trainerStateSchema.safeParse(JSON.parse(stateText));
  if (!parsed.success) throw new Error(`${join(dir, TRAINER_STATE_FILE)}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const lm = await loadCausalLM(dir);
  const hasValueHead = (await readdir(dir)).includes(VALUE_HEAD_FILE);
  const valueHead = hasValueHead ? await ValueHead.load(join(dir, VALUE_HEAD_FILE), lm.architecture.hiddenSize) : undefined;
  return {
    lm,
    ...(valueHead ? { valueHead } : {}),
    state: parsed.data,
    restoreOptimizers: async (actor, critic) => {
      await loadOptimizer(actor, join(dir, ACTOR_OPTIMIZER_FILE));
      await loadOptimizer(critic, join(dir, CRITIC_OPTIMIZER_FILE));
    },
  };
}

/** Adam's weights in their order (iterations, first moments, second moments), names kept as keys. */
async function saveOptimizer(optimizer: tf.Optimizer, file: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const tensors = new Map<string, StoredTensor>();
  for (const [i, { name, tensor }] of weights.entries()) {
    tensors.set(`${String(i).padStart(5, '0')}:${name}`, { shape: tensor.shape, data: Float32Array.from(await tensor.data()) });
  }
  await writeSafetensors(file, tensors);
}

async function loadOptimizer(optimizer: tf.Optimizer, file: string): Promise<void> {
  const tensors = await readSafetensors(file);
  const entries = [...tensors.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return;
  await optimizer.setWeights(entries.map(([key, t]) => {
    const name = key.slice(key.indexOf(':') + 1);
    // The iteration count is a scalar; tfjs stores it as one.
    return { name, tensor: name === 'iter' ? tf.scalar(t.data[0] as number) : tf.tensor(t.data, t.shape) };
  }));
}
