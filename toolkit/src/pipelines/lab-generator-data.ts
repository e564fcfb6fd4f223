/**
 * Training data for the lab generator: the frozen reader that answers lab-world questions from
 * the context a searcher (or naive RAG) hands it, through the same generator prompt and chat
 * template as any paper-scale generator. Each example is a question, its supporting passages mixed
 * with BM25 distractors in random order, and the golden answer as the completion.
 *
 * The contexts look like the ones the reader meets in evaluation: 1 to `maxDocuments` documents
 * (a naive-RAG context has 3, an s3 context up to 12 in the 8-3-3 preset), written half the time
 * in the naive-RAG cache's line format (`naiveRagContext`, 'original') and half the time in the
 * s3 generator-context format (`formatGeneratorContext`). Every example holds all of its supporting
 * passages: the reader learns to read, and with the passages missing it has nothing to copy — the
 * spread GBR measures.
 *
 * The examples come from lab worlds of *other* seeds than the evaluation world (seed 1): the
 * reader must learn to read, not memorise seed 1's facts, so that with no context it is near zero
 * and with the right passages near perfect.
 */
import { Random } from '../core/random.js';
import { generateLabWorld, type LabQuestionRecord } from '../data/lab-world/index.js';
import { splitContents } from '../data/formats/corpus.js';
import { formatGeneratorContext } from '../agent/selected-docs.js';
import { generatorMessages } from '../reward/generator.js';
import { naiveRagContext } from '../reward/naive-rag.js';
import { Bm25Index } from '../retrieval/index.js';
import type { Hit } from '../retrieval/types.js';
import type { TextTokenizer } from '../models/index.js';
import type { SftExample } from '../rl/sft.js';

export interface LabGeneratorDataOptions {
  /** Seeds of the worlds the examples come from (never the evaluation world's). */
  seeds: readonly number[];
  /** World scale (1 = the default world). */
  scale?: number;
  /** Longest example in tokens (prompt + answer); longer ones are dropped. */
  maxTokens: number;
  /** Most documents in one context (default 12, the 8-3-3 preset's most: 3 kept in each of 4 blocks). */
  maxDocuments?: number;
  /** Seed of the document mixing. */
  seed?: number;
}

/** Reading-comprehension examples as token ids, ready for `trainSft`. */
export async function labGeneratorExamples(tokenizer: TextTokenizer, options: LabGeneratorDataOptions): Promise<{ examples: SftExample[]; dropped: number }> {
  const examples: SftExample[] = [];
  let dropped = 0;
  const end = tokenizer.eosTokenIds[0];
  if (end === undefined) throw new Error('labGeneratorExamples: the tokenizer has no end-of-turn token (eos_token in tokenizer_config.json)');
  const maxDocuments = options.maxDocuments ?? 12;
  for (const worldSeed of options.seeds) {
    const lab = generateLabWorld({ seed: worldSeed, scale: options.scale ?? 1 });
    const passages = new Map(lab.corpus.map((p): [string, Hit] => [p.id, { id: p.id, ...splitContents(p.contents), contents: p.contents, score: 0 }]));
    const index = Bm25Index.build(lab.corpus);
    const questions: LabQuestionRecord[] = [...lab.splits.train, ...lab.splits.dev, ...lab.splits.test];
    const hits = await index.search(questions.map((q) => q.question), maxDocuments);
    const random = new Random(options.seed ?? 0, `lab-generator-${worldSeed}`);
    const prompts: string[] = [];
    const answers: string[] = [];
    questions.forEach((q, i) => {
      const gold = q.supporting_facts.map((id) => passages.get(id)).filter((d): d is Hit => d !== undefined);
      const distractors = (hits[i] ?? []).filter((h) => !q.supporting_facts.includes(h.id));
      const total = Math.max(gold.length, random.int(1, maxDocuments));
      const docs = random.shuffle([...gold, ...distractors.slice(0, total - gold.length)]);
      const context = random.chance(0.5) ? naiveRagContext(docs, 'original') : formatGeneratorContext(docs.map(({ title, text }) => ({ title, text })));
      const messages = generatorMessages(q.question, context).map(({ role, content }) => ({ role, content }));
      prompts.push(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }));
      answers.push(q.golden_answers[0] as string);
    });
    const promptIds = await tokenizer.tokenize(prompts);
    const answerIds = await tokenizer.tokenize(answers);
    promptIds.forEach((p, i) => {
      const completion = [...(answerIds[i]?.ids ?? []), end];
      if (p.ids.length + completion.length > options.maxTokens) dropped++;
      else examples.push({ prompt: p.ids, completion });
    });
  }
  return { examples, dropped };
}
