import type { LabWorld, SplitName } from './generate.js';
import { SPLITS } from './generate.js';
import { QUESTION_TYPES } from './questions.js';

export interface LabWorldSummary {
  entities: Record<string, number>;
  passages: number;
  meanWordsPerPassage: number;
  questions: Record<SplitName, Record<string, number>>;
}

/** Sizes of a generated world: entities by kind, passages, words, questions by split and type. */
export function summarizeLabWorld(lab: LabWorld): LabWorldSummary {
  const words = lab.corpus.reduce((sum, p) => sum + p.contents.split(/\s+/u).length, 0);
  const questions = {} as LabWorldSummary['questions'];
  for (const split of SPLITS) {
    const row: Record<string, number> = { total: lab.splits[split].length };
    for (const type of QUESTION_TYPES) row[type] = lab.splits[split].filter((q) => q.type === type).length;
    row['yes/no'] = lab.splits[split].filter((q) => q.golden_answers.some((a) => a === 'yes' || a === 'no')).length;
    questions[split] = row;
  }
  return {
    entities: Object.fromEntries(Object.entries(lab.world).map(([kind, list]) => [kind, list.length])),
    passages: lab.corpus.length,
    meanWordsPerPassage: Math.round((10 * words) / Math.max(1, lab.corpus.length)) / 10,
    questions,
  };
}
