/**
 * Every default s3lab has, written once: the paper's settings, the lab scale's departures from
 * them, and the paths of what the repository ships for the lab scale. Code reads its defaults
 * from here; a function's own option (or a CLI flag) overrides them, and runs record the values
 * they used.
 *
 * @example
 * ```ts
 * import { LAB_SCALE, PAPER_SCALE } from '@s3lab/toolkit';
 * PAPER_SCALE.searchPreset; // '8-3-3'
 * LAB_SCALE.initialDocs; // 3
 * ```
 */

/** Searcher presets named documents-turns-kept, as in the original code (any `d-t-k` also parses). */
export const SEARCH_PRESETS = ['8-3-3', '3-3-3', '5-3-3', '3-3-4', '5-3-4'] as const;
export type SearchPresetName = (typeof SEARCH_PRESETS)[number];

/**
 * Which scalar the reward returns. `gbr` (as the paper presents it): GenAcc(s3 context) −
 * GenAcc(naive-RAG context). `gbr+genacc`: GBR plus GenAcc(s3 context), the released trainer's
 * setting (both of its switches on). `genacc`: GenAcc(s3 context) alone. `span` and `em`: GBR with
 * another accuracy in both terms (the paper's Table 5): the span match alone (never the judge; the
 * same as `gbr` where no judge is given, as at lab scale) or exact match.
 */
export const REWARD_VARIANTS = ['gbr', 'gbr+genacc', 'genacc', 'span', 'em'] as const;
export type RewardVariant = (typeof REWARD_VARIANTS)[number];

/** The settings a scale fixes; each field is the default wherever that setting is read. */
export interface ScaleDefaults {
  /** Documents per query, search turns, documents kept per turn. */
  searchPreset: SearchPresetName;
  /** Naive-RAG passages: the naive-RAG baseline's context and the RAG cache (the original's evaluation uses 3 of its top 12). */
  naiveRagK: number;
  /** Naive-RAG documents in the searcher's prompt (the original keeps the first 5). */
  initialDocs: number;
  /** Searcher tokens per turn (verl: data.max_response_length). */
  searcherMaxTokens: number;
  /** The training reward. */
  reward: RewardVariant;
}

/** The s3 paper's released run (s3-spec.md). */
export const PAPER_SCALE: Readonly<ScaleDefaults> = Object.freeze({
  searchPreset: '8-3-3',
  naiveRagK: 3,
  initialDocs: 5,
  searcherMaxTokens: 500,
  reward: 'gbr',
});

/**
 * The lab world on two cores: three initial documents (the naive-RAG baseline's three) keep the
 * small searcher's prompt near 500 tokens, and its turns are short.
 */
export const LAB_SCALE: Readonly<ScaleDefaults> = Object.freeze({
  ...PAPER_SCALE,
  initialDocs: 3,
  searcherMaxTokens: 192,
});

/** What the repository ships for the lab scale, relative to the repository root. */
export const LAB_PATHS = Object.freeze({
  /** The lab world (seed 1): corpus.jsonl, train/dev/test.jsonl. */
  world: 'datasets/lab',
  /** The frozen lab generator (its `rag-cache.jsonl` answers the lab world's questions). */
  generator: 'datasets/models/lab-generator',
  /** The lab tokenizer, shared by the lab searcher and generator. */
  tokenizer: 'datasets/models/lab-tokenizer',
  /** The shipped GRPO lab searcher; its warm start in `sft/`. */
  searcher: 'datasets/models/lab-searcher',
  /** The shipped lab Search-R1 policy (searches and answers, trained on the exact match of its own answer); its warm start in `sft/`. */
  searchR1: 'datasets/models/lab-search-r1',
  /** The shipped lab DeepRetrieval query rewriter (trained on the recall of the supporting passages); its warm start in `sft/`. */
  deepRetrieval: 'datasets/models/lab-deep-retrieval',
  /** The lab dense encoder (e5-style, ONNX). */
  encoder: 'datasets/models/lab-e5-small',
  /**
   * The lab world's corpus encoded by the lab encoder: a FAISS Flat index shipped prebuilt, so
   * that the quickstart opens it instead of encoding 19,720 passages (`s3lab index lab-dense` rebuilds it).
   */
  denseIndex: 'datasets/indexes/lab-e5-small',
});

/** The RAG-cache section (the original's `data_source`) of the lab world's questions. */
export const LAB_DATA_SOURCE = 'lab';

/** The lab run's question counts: held-out test questions evaluated, training questions RL draws from. */
export const LAB_RUN_QUESTIONS = Object.freeze({ evaluation: 300, training: 600 });
