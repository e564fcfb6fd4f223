/**
 * The lab world: a deterministic synthetic encyclopedia (corpus in the wiki-18 shape) with
 * question sets in the FlashRAG shape, small enough for a laptop and built so that search
 * matters (see `datasets/lab/README.md` for its measured retrieval rates).
 *
 * @example
 * ```ts
 * import { generateLabWorld } from '@s3lab/toolkit';
 * const world = generateLabWorld({ seed: 1, scale: 0.05 });
 * console.log(world.corpus.length, world.splits.test[0]);
 * ```
 */
import { z } from 'zod';
import { qaRecordSchema } from '../formats/qa.js';
import { buildWorld, type WorldSizes } from './build-world.js';
import { QUESTION_TYPES, QuestionMaker, type LabQuestion, type QuestionType } from './questions.js';
import { Random } from '../../core/random.js';
import { renderWorld, WorldIndex } from './render.js';
import type { Entity, World } from './schema.js';

export interface LabPassage {
  id: string;
  /** Title on the first line, as in wiki-18: `"Title"\ntext`. */
  contents: string;
}

export interface LabQuestionRecord extends LabQuestion {
  id: string;
}

/** A line of the lab world's train/dev/test JSONL, validated: the FlashRAG shape plus the world's own fields. */
export const labQuestionSchema = qaRecordSchema.extend({
  type: z.enum(QUESTION_TYPES as [QuestionType, ...QuestionType[]]),
  supporting_facts: z.array(z.string()).min(1),
  decomposition: z.array(z.string()).min(1),
});

export type SplitName = 'train' | 'dev' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'dev', 'test'];

export interface LabWorld {
  seed: number;
  world: World;
  corpus: LabPassage[];
  splits: Record<SplitName, LabQuestionRecord[]>;
}

/** The default world's sizes: about 20k passages and 3000/500/1000 questions. */
export const DEFAULT_SIZES: WorldSizes & Record<SplitName, number> = {
  countries: 40, cities: 700, organisations: 900, people: 2400, works: 1600, events: 1000,
  train: 3000, dev: 500, test: 1000,
};

/** Share of each question type in every split. */
export const TYPE_MIX: Record<QuestionType, number> = { 'single-hop': 0.35, bridge: 0.35, comparison: 0.15, paraphrase: 0.15 };

export const LabWorldOptions = z.object({
  seed: z.number().int().min(0).max(0xffffffff),
  /** Multiplies every size (entities and questions); 1 is the default world, 0.05 a tiny one for tests. */
  scale: z.number().positive().max(4).default(1),
});
export type LabWorldOptions = z.input<typeof LabWorldOptions>;

export function generateLabWorld(options: LabWorldOptions): LabWorld {
  const { seed, scale } = LabWorldOptions.parse(options);
  const size = (n: number): number => Math.max(2, Math.round(n * scale));
  const world = buildWorld(seed, {
    countries: size(DEFAULT_SIZES.countries), cities: size(DEFAULT_SIZES.cities), organisations: size(DEFAULT_SIZES.organisations),
    people: size(DEFAULT_SIZES.people), works: size(DEFAULT_SIZES.works), events: size(DEFAULT_SIZES.events),
  });
  const index = new WorldIndex(world);
  const rendered = renderWorld(index, new Random(seed, 'passages'));
  const corpus = rendered.map((p, i): LabPassage => ({ id: String(i), contents: `"${p.title}"\n${p.text}` }));

  const factPassage = new Map<string, string>();
  rendered.forEach((p, i) => {
    for (const fact of p.facts) factPassage.set(`${p.entityId}:${fact}`, String(i));
  });
  const lookup = (entity: Entity, fact: string): string => {
    const id = factPassage.get(`${entity.id}:${fact}`);
    if (id === undefined) throw new Error(`lab world: no passage states ${entity.id}:${fact}`);
    return id;
  };

  const counts = { train: size(DEFAULT_SIZES.train), dev: size(DEFAULT_SIZES.dev), test: size(DEFAULT_SIZES.test) };
  return { seed, world, corpus, splits: makeSplits(new QuestionMaker(index, new Random(seed, 'questions'), lookup), new Random(seed, 'splits'), counts) };
}

/** Draws each type's questions for all splits at once (no question text twice), then deals them out by the type mix. */
function makeSplits(maker: QuestionMaker, rng: Random, counts: Record<SplitName, number>): Record<SplitName, LabQuestionRecord[]> {
  const quota = (split: SplitName, type: QuestionType): number => {
    // The last type takes the rounding remainder so that every split has exactly its count.
    if (type !== QUESTION_TYPES[QUESTION_TYPES.length - 1]) return Math.round(counts[split] * TYPE_MIX[type]);
    return counts[split] - QUESTION_TYPES.slice(0, -1).reduce((sum, t) => sum + Math.round(counts[split] * TYPE_MIX[t]), 0);
  };
  const seen = new Set<string>();
  const dealt: Record<SplitName, LabQuestion[]> = { train: [], dev: [], test: [] };
  for (const type of QUESTION_TYPES) {
    for (const split of SPLITS) {
      const wanted = quota(split, type);
      for (let made = 0, attempts = 0; made < wanted; attempts++) {
        if (attempts > wanted * 200 + 1000) throw new Error(`lab world: could not make ${wanted} ${type} questions for ${split}; the world is too small`);
        const q = maker.make(type);
        if (!q || seen.has(q.question)) continue;
        seen.add(q.question);
        dealt[split].push(q);
        made++;
      }
    }
  }
  const splits = {} as Record<SplitName, LabQuestionRecord[]>;
  for (const split of SPLITS) {
    splits[split] = rng.shuffle(dealt[split]).map((q, i) => ({ id: `${split}_${i}`, ...q }));
  }
  return splits;
}
