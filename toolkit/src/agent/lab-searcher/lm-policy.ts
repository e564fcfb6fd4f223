/**
 * The searcher as a trainable policy: a causal LM (the tfjs model being trained, or an inference
 * runtime's copy of it) that writes the s3 responses, with every token it saw and wrote recorded.
 * RL needs the exact tokens a rollout sampled (their log-probs are the PPO ratio's denominator), so the transcript is kept as token segments — the searcher's own
 * (trained) and the environment's `<information>` blocks (state, masked from the loss) — never
 * re-tokenised from text, which would not give back the same ids (verl keeps rolling token state
 * the same way).
 *
 * A turn ends at the end-of-turn token, or right after one of `stopAfter` (s3's `</query>`, where
 * the environment cuts; Search-R1's `</search>` and `</answer>`).
 */
import { S3_STOP_AFTER } from '../searcher/parse.js';
import type { PolicyOutput, PolicyState, TurnPolicy } from '../searcher/policy.js';
import type { TextTokenizer } from '../../models/tokenizer/index.js';
import type { CausalLM } from '../../models/lm/index.js';

/** The token transcript of one searcher run: prompt, then alternating action and observation segments. */
export interface SearcherTokens {
  /** The rendered prompt's tokens. */
  prompt: number[];
  /** After the prompt, in order: the searcher's tokens (`action: true`) and the environment's. */
  segments: { tokens: number[]; action: boolean }[];
  /** Turns whose observation is already in `segments`. */
  observedTurns: number;
}

export interface LmSearcherOptions {
  /** Sampling temperature; 0 = greedy (evaluation). Default 0. */
  temperature?: number;
  /** Most tokens per turn. Default 96. */
  maxTokens?: number;
  /** Seed of the sampling; run i's turn t draws from seed + 7919·i + t. Default 0. */
  seed?: number;
  /** The user prompt as model text. Default: the tokenizer's chat template with the assistant header. */
  template?: (prompt: string) => string;
  /** Texts that end a turn once written (besides the end-of-turn token). Default s3's `</query>`. */
  stopAfter?: readonly string[];
}


/**
 * A {@link TurnPolicy} over a local LM that records token transcripts in `records` (by
 * `SearcherState.id`). One policy object serves one `runSearchLoop` call.
 *
 * @example
 * ```ts
 * const policy = new LmSearcherPolicy(lm, tokenizer, { temperature: 0.6, seed: 1 });
 * const trajectories = await runSearchLoop({ questions, retriever, policy, preset: '3-3-3', initialDocs: 3 });
 * const tokens = policy.records.get(0); // prompt + segments of the first question's run
 * ```
 */
export class LmSearcherPolicy implements TurnPolicy {
  readonly name: string;
  readonly records = new Map<number, SearcherTokens>();
  private readonly temperature: number;
  private readonly maxTokens: number;
  private readonly seed: number;
  private readonly template: (prompt: string) => string;
  private readonly endOfTurn: readonly number[];
  private readonly stopAfter: readonly string[];

  constructor(private readonly lm: CausalLM, private readonly tokenizer: TextTokenizer, options: LmSearcherOptions = {}, name = 'lm-searcher') {
    this.name = name;
    this.temperature = options.temperature ?? 0;
    this.maxTokens = options.maxTokens ?? 96;
    this.seed = options.seed ?? 0;
    this.template = options.template ?? ((prompt) => tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true }));
    this.stopAfter = options.stopAfter ?? S3_STOP_AFTER;
    this.endOfTurn = tokenizer.eosTokenIds;
    if (this.endOfTurn.length === 0) throw new Error('LmSearcherPolicy: the tokenizer names no end-of-sequence token (eos_token in tokenizer_config.json)');
  }

  async act(states: readonly PolicyState[], turn: number): Promise<PolicyOutput[]> {
    const contexts: number[][] = [];
    for (const state of states) {
      const record = await this.recordOf(state);
      contexts.push([...record.prompt, ...record.segments.flatMap((s) => s.tokens)]);
    }
    const room = this.lm.maxPositions - this.maxTokens;
    const fits = contexts.map((c) => c.length <= room);
    const generated = await this.lm.generateBatch(contexts.filter((_, i) => fits[i]), {
      maxNewTokens: this.maxTokens,
      temperature: this.temperature,
      // Each run its own stream (state ids differ, repeated questions included), one per turn.
      seeds: states.filter((_, i) => fits[i]).map((state) => this.seed + state.id * 7919 + turn),
      stop: this.endOfTurn,
      stopWhen: (tokens) => this.endsWithStop(tokens),
    });
    let next = 0;
    return Promise.all(states.map(async (state, i) => {
      if (!fits[i]) {
        return { text: '', finishReason: 'none' as const, tokens: 0, issues: [{ turn, code: 'context-too-long', message: `${contexts[i]?.length} tokens leave no room for ${this.maxTokens} new ones in the model's ${this.lm.maxPositions} positions` }] };
      }
      const tokens = generated[next++] ?? [];
      (this.records.get(state.id) as SearcherTokens).segments.push({ tokens, action: true });
      const ended = tokens.length > 0 && this.endOfTurn.includes(tokens.at(-1) as number);
      const text = await this.tokenizer.decode(ended ? tokens.slice(0, -1) : tokens, { skipSpecialTokens: true });
      const finishReason = ended || this.stopAfter.some((stop) => text.includes(stop)) ? 'stop' as const : 'length' as const;
      return { text, finishReason, tokens: tokens.length, issues: [] };
    }));
  }

  /** The record of a run, with the observations of turns since the last call appended. */
  private async recordOf(state: PolicyState): Promise<SearcherTokens> {
    let record = this.records.get(state.id);
    if (!record) {
      record = { prompt: await this.tokenizer.encode(this.template(state.prompt), { addSpecialTokens: false }), segments: [], observedTurns: 0 };
      this.records.set(state.id, record);
    }
    for (; record.observedTurns < state.turns.length; record.observedTurns++) {
      const observation = state.turns[record.observedTurns]?.observation ?? '';
      if (observation !== '') record.segments.push({ tokens: await this.tokenizer.encode(observation, { addSpecialTokens: false }), action: false });
    }
    return record;
  }

  /** True once the byte-level spelling of the last few tokens contains a stop text (no decoding per token). */
  private endsWithStop(tokens: readonly number[]): boolean {
    return this.stopAfter.some((stop) => tokens.slice(-stop.length).map((id) => this.tokenizer.idToToken(id) ?? '').join('').includes(stop));
  }
}

/** A record flattened: all tokens, and 1 where the searcher wrote the token. */
export function flattenRecord(record: SearcherTokens): { tokens: number[]; actionMask: number[]; promptLength: number } {
  const tokens = [...record.prompt];
  const actionMask: number[] = record.prompt.map(() => 0);
  for (const segment of record.segments) {
    tokens.push(...segment.tokens);
    actionMask.push(...segment.tokens.map(() => (segment.action ? 1 : 0)));
  }
  return { tokens, actionMask, promptLength: record.prompt.length };
}
