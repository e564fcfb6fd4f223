// The lab world, shared by the agent tests: its corpus in a BM25 index (the real retriever) and its dev questions.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bm25Index } from '@s3lab/toolkit';

const LAB = fileURLToPath(new URL('../../datasets/lab/', import.meta.url));

export interface LabQuestion { id: string; question: string; golden_answers: string[]; type: string; supporting_facts: string[] }

let cached: { index: Bm25Index; idOfText: Map<string, string> } | undefined;

/** The BM25 index of the lab corpus, and corpus ids by passage text (to check which passages a context holds). */
export function labIndex(): { index: Bm25Index; idOfText: Map<string, string> } {
  if (cached) return cached;
  const corpus = readFileSync(`${LAB}corpus.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; contents: string });
  const idOfText = new Map(corpus.map((d) => [d.contents.slice(d.contents.indexOf('\n') + 1), d.id]));
  cached = { index: Bm25Index.build(corpus), idOfText };
  return cached;
}

export function labQuestions(split: 'dev' | 'train' | 'test'): LabQuestion[] {
  return readFileSync(`${LAB}${split}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LabQuestion);
}
