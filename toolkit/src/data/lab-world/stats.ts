/**
 * Statistics of a question set over a corpus, and the retrieval rates that show whether search
 * matters in it: for each question type, how often the top-k BM25 hits of the question alone
 * hold every supporting passage, how often a second query (the last step of the question's
 * decomposition, which names the bridge entity) finds the rest, and how often searching each
 * step of the decomposition finds them all.
 *
 * @example
 * ```ts
 * const world = generateLabWorld({ seed: 1, scale: 0.05 });
 * const stats = measureRetrievalRates(Bm25Index.build(world.corpus), world.splits.test, { k: 3 });
 * ```
 */
/** What the rates need of a retriever (a `Bm25Index` has it): one query's top k ids, synchronously. */
export interface SearchesOne {
  searchOne(query: string, k: number): readonly { id: string }[];
}

export interface StatsQuestion {
  question: string;
  type?: string;
  supporting_facts?: string[];
  decomposition?: string[];
}

export interface RetrievalRates {
  type: string;
  questions: number;
  /** Share whose supporting passages all sit in the top k of the question alone. */
  questionAlone: number;
  /** The same, for the union of the question's top k and the top k of the last decomposition step. */
  withSecondQuery: number;
  /** The same, for the union of the question's top k and every decomposition step's top k. */
  withDecomposition: number;
}

export interface RatesOptions {
  k?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Rates per question type, plus an `all` row; questions without supporting facts are skipped. */
export function measureRetrievalRates(index: SearchesOne, questions: readonly StatsQuestion[], options: RatesOptions = {}): RetrievalRates[] {
  const k = options.k ?? 3;
  const rows = new Map<string, { n: number; alone: number; second: number; all: number }>();
  const usable = questions.filter((q) => (q.supporting_facts?.length ?? 0) > 0);
  usable.forEach((q, i) => {
    const supports = q.supporting_facts as string[];
    const steps = q.decomposition ?? [];
    const found = new Set(index.searchOne(q.question, k).map((h) => h.id));
    const covered = (): boolean => supports.every((id) => found.has(id));
    const alone = covered();
    const last = steps[steps.length - 1];
    if (last !== undefined) for (const hit of index.searchOne(last, k)) found.add(hit.id);
    const second = covered();
    for (const step of steps.slice(0, -1)) for (const hit of index.searchOne(step, k)) found.add(hit.id);
    const all = covered();
    for (const type of [q.type ?? 'untyped', 'all']) {
      const row = rows.get(type) ?? { n: 0, alone: 0, second: 0, all: 0 };
      row.n++;
      row.alone += Number(alone);
      row.second += Number(second);
      row.all += Number(all);
      rows.set(type, row);
    }
    options.onProgress?.(i + 1, usable.length);
  });
  return [...rows].sort(([a], [b]) => (a === 'all' ? 1 : b === 'all' ? -1 : a.localeCompare(b))).map(([type, r]) => ({
    type, questions: r.n, questionAlone: r.alone / r.n, withSecondQuery: r.second / r.n, withDecomposition: r.all / r.n,
  }));
}

/** A rates row with the column names the CLI and the world README print. */
export function rateRow(r: RetrievalRates): Record<string, string | number> {
  return { type: r.type, questions: r.questions, 'question alone': r.questionAlone, '+ second query': r.withSecondQuery, '+ every step': r.withDecomposition };
}
