/**
 * Training data for the lab generator: the frozen reader that answers lab-world questions from
 * the context a searcher (or naive RAG) hands it, through the same generator prompt and chat
 * template as any paper-scale generator. Each example is a question, its supporting passages mixed
 * with BM25 distractors in random order (2–5 documents), and the golden answer as the completion.
 *
 * The examples come from lab worlds of *other* seeds than the evaluation world (seed 1): the
 * reader must learn to read, not memorise seed 1's facts, so that with no context it is near zero
 * and with the right passages near perfect — the spread GBR measures.
 */
import { Random } from '../data/lab-world/random.js';
import { generateLabWorld, type LabQuestionRecord } from '../data/lab-world/index.js';
import { splitContents } from '../data/formats/corpus.js';
import { formatGeneratorContext, type SelectedDoc } from '../agent/selected-docs.js';
import { generatorMessages } from '../reward/generator.js';
import { Bm25Index } from '../retrieval/index.js';
import type { TextTokenizer } from '../models/index.js';
import type { SftExample } from './sft.js';

export interface LabGeneratorDataOptions {
  /** Seeds of the worlds the examples come from (never the evaluation world's). */
  seeds: readonly number[];
  /** World scale (1 = the default world). */
  scale?: number;
  /** Longest example in tokens (prompt + answer); longer ones are dropped. */
  maxTokens: number;
  /** Seed of the document mixing. */
  seed?: number;
}

/** Reading-comprehension examples as token ids, ready for `trainSft`. */
export async function labGeneratorExamples(tokenizer: TextTokenizer, options: LabGeneratorDataOptions): Promise<{ examples: SftExample[]; dropped: number }> {
  const examples: SftExample[] = [];
  let dropped = 0;
  const end = tokenizer.eosTokenIds[0];
  if (end === undefined) throw new Error('labGeneratorExamples: the tokenizer has no end-of-turn token (eos_token in tokenizer_config.json)');
  for (const worldSeed of options.seeds) {
    const lab = generateLabWorld({ seed: worldSeed, scale: options.scale ?? 1 });
    const documents = new Map(lab.corpus.map((p) => [p.id, splitContents(p.contents)]));
    const index = Bm25Index.build(lab.corpus);
    const questions: LabQuestionRecord[] = [...lab.splits.train, ...lab.splits.dev, ...lab.splits.test];
    const hits = await index.search(questions.map((q) => q.question), 8);
    const random = new Random(options.seed ?? 0, `lab-generator-${worldSeed}`);
    const prompts: string[] = [];
    const answers: string[] = [];
    questions.forEach((q, i) => {
      const gold = q.supporting_facts.map((id) => documents.get(id)).filter((d): d is SelectedDoc => d !== undefined);
      const distractors = (hits[i] ?? []).filter((h) => !q.supporting_facts.includes(h.id)).map((h) => ({ title: h.title, text: h.text }));
      const total = Math.max(gold.length, random.int(2, 5));
      const docs = random.shuffle([...gold, ...distractors.slice(0, total - gold.length)]);
      const messages = generatorMessages(q.question, formatGeneratorContext(docs)).map((m) => ({ role: m.role, content: m.content }));
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
