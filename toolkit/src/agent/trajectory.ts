/**
 * A trajectory: everything one method did for one question, as plain JSON, so it can be saved
 * (one JSONL line each), shown, scored by the evaluation harness and replayed. Every context
 * method (s3 searcher, scripted searcher, baselines) returns this one shape.
 *
 * @example
 * ```ts
 * await saveTrajectories('/tmp/run.jsonl', trajectories);
 * const again = await loadTrajectories('/tmp/run.jsonl');
 * console.log(showTrajectory(again[0]!));
 * ```
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { plainTitle } from './doc-lines.js';

/** A problem met while reading model output or running a turn; recorded, never thrown. */
export const issueSchema = z.object({
  /** The turn (0-based) it belongs to; absent for trajectory-level problems. */
  turn: z.number().int().optional(),
  code: z.string(),
  message: z.string(),
});
export type Issue = z.output<typeof issueSchema>;

export const retrievedDocSchema = z.object({ id: z.string(), title: z.string(), text: z.string(), score: z.number() });

/** What the model did on a turn, as the environment understood it. */
export const TURN_ACTIONS = ['search', 'complete', 'invalid', 'answer', 'reason'] as const;

export const turnSchema = z.object({
  /** The model's text as it came back. */
  output: z.string(),
  /** The text that enters the transcript (s3: cut after `</query>`, `<query>\n` prepended where needed). */
  response: z.string(),
  /** What the environment appended after it (`<information>` block, feedback, or nothing). */
  observation: z.string(),
  action: z.enum(TURN_ACTIONS),
  /** The search query parsed from the output (null when none). */
  query: z.string().nullable(),
  /** Documents retrieved for the query (empty when nothing was searched). */
  retrieved: z.array(retrievedDocSchema),
  /** Document ids named in `<important_info>` that were kept (1-based, in the range of the block). */
  selectedIds: z.array(z.number().int()),
  /** The parsed `<search_complete>` flag. */
  searchComplete: z.boolean(),
  /** Why the generation stopped, as the backend reported it. */
  finishReason: z.enum(['stop', 'length', 'none']),
  /** Tokens the model generated on this turn (0 for a scripted turn). */
  tokens: z.number().int().min(0),
  issues: z.array(issueSchema),
});
export type Turn = z.output<typeof turnSchema>;

export const trajectorySchema = z.object({
  /** Name of the context method (`s3`, `scripted`, `naive-rag`, …). */
  method: z.string(),
  question: z.string(),
  /** Searcher preset name (`8-3-3`, …) where the method has one. */
  preset: z.string().nullable(),
  /**
   * How the context follows from the record: `s3` — from the transcript `prompt + Σ(response +
   * observation)` through `extractSelectedDocs`; `docs` — the `selectedDocs` themselves; `rag` —
   * naive RAG's context, the original's document lines (`Doc i (Title: T) text`) of the first
   * turn's retrieved documents.
   */
  protocol: z.enum(['s3', 'docs', 'rag']),
  /** The model's prompt (for s3: the searcher prompt, ending with the initial `<information>` block). */
  prompt: z.string(),
  /** Largest selectable document id (s3 protocol). */
  maxSelectableId: z.number().int().min(1),
  turns: z.array(turnSchema),
  /** The documents handed to the generator, in order (titles without quotes). */
  selectedDocs: z.array(z.object({ title: z.string(), text: z.string() })),
  /** The generator's context string (`formatGeneratorContext(selectedDocs)`; for `rag`, the document lines). */
  context: z.string(),
  /** A method's own answer, where it writes one (Search-R1's `<answer>`); the harness still uses the generator. */
  answer: z.string().nullable(),
  counts: z.object({
    documents: z.number().int().min(0),
    searcherTokens: z.number().int().min(0),
    turns: z.number().int().min(0),
    searches: z.number().int().min(0),
  }),
  issues: z.array(issueSchema),
  /** Free-form, method-specific facts (retrieval k, model name, seed). */
  meta: z.record(z.string(), z.unknown()),
});
export type Trajectory = z.output<typeof trajectorySchema>;

/**
 * Writes trajectories as JSONL (one per line).
 *
 * @example
 * ```ts
 * await saveTrajectories('/tmp/s3.jsonl', await runSearcher({ questions, model, retriever }));
 * ```
 */
export async function saveTrajectories(path: string, trajectories: readonly Trajectory[]): Promise<void> {
  await writeFile(path, trajectories.map((t) => JSON.stringify(t)).join('\n') + (trajectories.length ? '\n' : ''));
}

/**
 * Reads and validates trajectories written by {@link saveTrajectories}; throws naming the bad line.
 *
 * @example
 * ```ts
 * const trajectories = await loadTrajectories('/tmp/s3.jsonl');
 * ```
 */
export async function loadTrajectories(path: string): Promise<Trajectory[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const out: Trajectory[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = trajectorySchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${path}:${i + 1}: not a trajectory: ${parsed.error.message}`);
    out.push(parsed.data);
  });
  return out;
}

/**
 * A readable text rendering: the question, each turn's query, retrieved titles and selection, the
 * context's documents and the counts.
 *
 * @example
 * ```ts
 * console.log(showTrajectory(trajectory));
 * ```
 */
export function showTrajectory(t: Trajectory): string {
  const lines = [`[${t.method}${t.preset ? ` ${t.preset}` : ''}] ${t.question}`];
  t.turns.forEach((turn, i) => {
    lines.push(`  turn ${i + 1}: ${turn.action}${turn.query !== null ? ` ${JSON.stringify(turn.query)}` : ''}${turn.searchComplete ? ' (complete)' : ''}`);
    turn.retrieved.forEach((doc, j) => lines.push(`    ${turn.selectedIds.includes(j + 1) ? '*' : ' '} ${j + 1}. ${plainTitle(doc.title)} [${doc.id}]`));
    if (turn.selectedIds.length) lines.push(`    selected: [${turn.selectedIds.join(', ')}]`);
    for (const issue of turn.issues) lines.push(`    ! ${issue.code}: ${issue.message}`);
  });
  lines.push(`  context: ${t.selectedDocs.map((d) => d.title).join(' | ') || '(none)'}`);
  if (t.answer !== null) lines.push(`  answer: ${t.answer}`);
  const c = t.counts;
  lines.push(`  documents ${c.documents}, turns ${c.turns}, searches ${c.searches}, searcher tokens ${c.searcherTokens}`);
  return lines.join('\n');
}
