/** Pieces the baselines share: building a docs- (or rag-) protocol trajectory and a turn record. */
import { plainTitle, type RetrievedDoc } from '../doc-lines.js';
import { formatGeneratorContext, type SelectedDoc } from '../selected-docs.js';
import type { Issue, Trajectory, Turn } from '../trajectory.js';

/** Documents for the generator: quotes dropped from titles, de-duplicated by text, in order. */
export function generatorDocs(docs: readonly (RetrievedDoc | SelectedDoc)[], limit = Infinity): SelectedDoc[] {
  const seen = new Set<string>();
  const out: SelectedDoc[] = [];
  for (const doc of docs) {
    if (out.length >= limit) break;
    if (seen.has(doc.text)) continue;
    seen.add(doc.text);
    out.push({ title: 'id' in doc ? plainTitle(doc.title) : doc.title, text: doc.text });
  }
  return out;
}

export function turnRecord(fields: Partial<Turn> & Pick<Turn, 'action'>): Turn {
  return {
    output: '', response: '', observation: '', query: null, retrieved: [], selectedIds: [],
    searchComplete: false, finishReason: 'none', tokens: 0, issues: [], ...fields,
  };
}

export function docsTrajectory(fields: {
  method: string;
  question: string;
  /** Default `docs`: the context is `formatGeneratorContext(docs)`; `rag` gives its own `context` (naive RAG's document lines). */
  protocol?: 'docs' | 'rag';
  context?: string;
  prompt?: string;
  turns?: Turn[];
  docs: SelectedDoc[];
  answer?: string | null;
  issues?: Issue[];
  meta?: Record<string, unknown>;
}): Trajectory {
  const turns = fields.turns ?? [];
  return {
    method: fields.method,
    question: fields.question,
    preset: null,
    protocol: fields.protocol ?? 'docs',
    prompt: fields.prompt ?? '',
    maxSelectableId: 8,
    turns,
    selectedDocs: fields.docs,
    context: fields.context ?? formatGeneratorContext(fields.docs),
    answer: fields.answer ?? null,
    counts: {
      documents: fields.docs.length,
      searcherTokens: turns.reduce((sum, t) => sum + t.tokens, 0),
      turns: turns.filter((t) => t.output !== '' || t.tokens > 0).length,
      searches: turns.filter((t) => t.query !== null && t.retrieved.length > 0).length,
    },
    issues: [...turns.flatMap((t) => t.issues), ...(fields.issues ?? [])],
    meta: fields.meta ?? {},
  };
}

/** The text up to and including the first of `closers` found (the earliest), and whether one was. */
export function cutAfterFirst(text: string, closers: readonly string[]): { text: string; cut: boolean } {
  let best: { at: number; closer: string } | undefined;
  for (const closer of closers) {
    const at = text.indexOf(closer);
    if (at >= 0 && (best === undefined || at < best.at)) best = { at, closer };
  }
  return best ? { text: text.slice(0, best.at + best.closer.length), cut: true } : { text, cut: false };
}
