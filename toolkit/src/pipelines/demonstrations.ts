/**
 * SFT demonstrations for the searcher's warm start: scripted-searcher runs turned into token
 * transcripts exactly as {@link LmSearcherPolicy} records a model's runs (the prompt through the
 * chat template, each response's tokens trained — a completing response closed by the end-of-turn
 * token — and each observation's tokens as untrained state).
 *
 * The script is varied per question — by default in one decision, whether to search once more or
 * stop after the initial results: a clone of one deterministic script would put almost no
 * probability on the other action, and RL can only reinforce what the policy samples. The
 * warm-started policy thus knows the protocol and both ways to use it; RL learns which pays for
 * which question.
 */
import { resolvePreset, type SearcherPreset } from '../agent/presets.js';
import { scriptedPolicy, type FollowUpQueryStyle } from '../agent/scripted/scripted-searcher.js';
import { runSearchLoop, type SearchLoopOptions } from '../agent/searcher/loop.js';
import { S3_STOP_AFTER } from '../agent/searcher/parse.js';
import type { Trajectory } from '../agent/trajectory.js';
import { Random } from '../core/random.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import type { SftExample } from '../rl/sft.js';

/** One way of running the script. */
export interface ScriptVariant {
  followUps: number;
  keep: number;
  /** Names a follow-up query adds (the scripted searcher's default: 2). */
  maxNames?: number;
  /** Whether a follow-up query repeats the question (the scripted searcher's default) or holds the names alone. */
  query?: FollowUpQueryStyle;
}

export interface SearcherDemonstrationOptions extends Omit<SearchLoopOptions, 'questions' | 'method'> {
  questions: readonly string[];
  tokenizer: TextTokenizer;
  /** The user prompt as model text (default: the tokenizer's chat template). */
  template?: (prompt: string) => string;
  /** Variants to draw from, uniformly per question. Default: follow-ups 0 or 1, keeping keptPerTurn documents. */
  variants?: readonly ScriptVariant[];
  /** Seed of the variant draw. Default 0. */
  seed?: number;
}

export interface SearcherDemonstrations {
  examples: SftExample[];
  trajectories: Trajectory[];
  /** The variant of each question. */
  variants: ScriptVariant[];
}

/** No follow-up search or one, each keeping the preset's keptPerTurn documents per block. */
export function defaultScriptVariants(preset: SearcherPreset): ScriptVariant[] {
  return [0, 1].filter((n) => n <= preset.maxTurns).map((followUps) => ({ followUps, keep: preset.keptPerTurn }));
}

/**
 * Runs the varied script over the questions and tokenises its transcripts.
 *
 * @example
 * ```ts
 * const { examples } = await searcherDemonstrations({ questions, retriever, tokenizer, preset: '3-3-3', initialDocs: 3 });
 * await trainSft(lm, examples, { steps: 200, padId: tokenizer.tokenToId('<|endoftext|>')! });
 * ```
 */
export async function searcherDemonstrations(options: SearcherDemonstrationOptions): Promise<SearcherDemonstrations> {
  const { tokenizer, template: customTemplate, variants: givenVariants, seed, questions, ...loop } = options;
  const preset = resolvePreset(loop.preset);
  const variants = givenVariants ?? defaultScriptVariants(preset);
  if (variants.length === 0) throw new Error('searcherDemonstrations: no script variants');
  const random = new Random(seed ?? 0, 'script-variants');
  const drawn = questions.map(() => random.pick(variants));

  // One loop per variant, then back into question order.
  const trajectories = new Array<Trajectory>(questions.length);
  for (const variant of variants) {
    const indices = drawn.flatMap((v, i) => (v === variant ? [i] : []));
    if (indices.length === 0) continue;
    const runs = await runSearchLoop({ ...loop, questions: indices.map((i) => questions[i] as string), policy: scriptedPolicy(variant), method: 'scripted', meta: { ...variant } });
    runs.forEach((t, j) => { trajectories[indices[j] as number] = t; });
  }

  const template = customTemplate ?? chatTemplate(tokenizer);
  const examples = await Promise.all(trajectories.map((t) => transcriptExample(tokenizer, template, t, S3_STOP_AFTER)));
  return { examples, trajectories, variants: drawn };
}

/** The tokenizer's chat template around a user prompt, with the assistant header (how the policies render a prompt). */
export function chatTemplate(tokenizer: TextTokenizer): (prompt: string) => string {
  return (prompt) => tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
}

/**
 * A transcript tokenised as `LmSearcherPolicy` records a model's run: the prompt through the
 * template; each response's tokens trained, closed by the end-of-turn token unless it ends with
 * one of `stopAfter` (where the environment cuts the turn); each observation's tokens as untrained state.
 *
 * @example
 * ```ts
 * const example = await transcriptExample(tokenizer, chatTemplate(tokenizer), trajectory, ['</search>', '</answer>']);
 * ```
 */
export async function transcriptExample(tokenizer: TextTokenizer, template: (prompt: string) => string, t: Pick<Trajectory, 'prompt' | 'turns'>, stopAfter: readonly string[]): Promise<SftExample> {
  const endOfTurn = tokenizer.eosTokenIds[0];
  if (endOfTurn === undefined) throw new Error('transcriptExample: the tokenizer names no end-of-sequence token');
  const prompt = await tokenizer.encode(template(t.prompt), { addSpecialTokens: false });
  const completion: number[] = [];
  const completionMask: number[] = [];
  for (const turn of t.turns) {
    const action = await tokenizer.encode(turn.response, { addSpecialTokens: false });
    const response = turn.response.trimEnd();
    if (!stopAfter.some((stop) => response.endsWith(stop))) action.push(endOfTurn);
    completion.push(...action);
    completionMask.push(...action.map(() => 1));
    if (turn.observation !== '') {
      const observation = await tokenizer.encode(turn.observation, { addSpecialTokens: false });
      completion.push(...observation);
      completionMask.push(...observation.map(() => 0));
    }
  }
  return { prompt, completion, completionMask };
}
