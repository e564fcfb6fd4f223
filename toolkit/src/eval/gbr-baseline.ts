/**
 * The naive-RAG GenAcc that Gain Beyond RAG subtracts, per question, for the evaluation: from a RAG
 * cache when one is given (as the reward reads it: by data source and normalised question), else
 * from the `naive-rag` records of the same run (same generator, judge and k by construction).
 *
 * @example
 * ```ts
 * const baseline = ragCacheBaseline(await RagCache.load('datasets/models/lab-generator/rag-cache.jsonl'), 'lab');
 * withGbr(record, baseline.source, baseline.ragGenAcc(record)); // { ...record, ragGenAcc: 0, ragSource: 'rag-cache', gbr: 1 }
 * ```
 */
import type { RagCache } from '../reward/rag-cache.js';
import type { EvalRecord, GbrSource } from './summary.js';

/** The method whose records are the baseline when there is no RAG cache. */
export const NAIVE_RAG_METHOD = 'naive-rag';

export interface GbrBaseline {
  source: GbrSource;
  /** The naive-RAG GenAcc of a question, or undefined when the baseline does not know it. */
  ragGenAcc(question: Pick<EvalRecord, 'id' | 'question'>): 0 | 1 | undefined;
}

/**
 * The RAG cache as the baseline: the cached GenAcc of `dataSource`'s entry for the question.
 *
 * @example
 * ```ts
 * ragCacheBaseline(cache, 'lab').ragGenAcc({ id: 'test_0', question: 'Who founded Cuga Records?' }); // 0, 1 or undefined
 * ```
 */
export function ragCacheBaseline(cache: RagCache, dataSource: string): GbrBaseline {
  return { source: 'rag-cache', ragGenAcc: (q) => cache.get(dataSource, q.question)?.score };
}

/**
 * The run's own `naive-rag` records as the baseline (looked up by question id).
 *
 * @example
 * ```ts
 * runBaseline((id) => done.get(`naive-rag/${id}`)).ragGenAcc({ id: 'test_0', question: '…' });
 * ```
 */
export function runBaseline(naiveRagRecord: (id: string) => EvalRecord | undefined): GbrBaseline {
  return { source: NAIVE_RAG_METHOD, ragGenAcc: (q) => naiveRagRecord(q.id)?.genAcc };
}

/**
 * The record with its baseline and GBR, or the record unchanged when the baseline is unknown.
 *
 * @example
 * ```ts
 * withGbr(record, 'naive-rag', 1).gbr; // record.genAcc - 1
 * ```
 */
export function withGbr(record: EvalRecord, source: GbrSource, ragGenAcc: 0 | 1 | undefined): EvalRecord {
  if (ragGenAcc === undefined) return record;
  return { ...record, ragGenAcc, ragSource: source, gbr: record.genAcc - ragGenAcc };
}
