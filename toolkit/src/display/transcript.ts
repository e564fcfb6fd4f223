/**
 * A trajectory shown turn by turn, for reading one question closely (notebook 05): per turn what
 * the model wrote, what it did, the query, the documents that came back (numbered as the model saw
 * them, with their ids), which the question needs, which the searcher kept and which reached the
 * generator; then why the run stopped, the generator's context and its answer. `sideBySide` puts
 * several views of the same question in columns.
 *
 * Marks, the same in HTML and text: ★ a passage the question needs (its `supporting_facts`), ✓ kept
 * by the searcher's `<important_info>` (s3 only), → handed to the generator (its text is among the
 * trajectory's `selectedDocs`). "Kept" and "to the generator" differ on purpose: a block no
 * selection took goes to the generator whole, and `selection: false` ignores every selection.
 *
 * @example
 * ```ts
 * import { display, getMethod, sideBySide, transcriptView, type Trajectory } from '@s3lab/toolkit';
 * const [rag] = await getMethod('naive-rag').run([q.question], { retriever, k: 3 });
 * const [s3] = await getMethod('s3').run([q.question], { retriever, searcher });
 * const shown = (t: Trajectory) => transcriptView(t, { supporting: q.supporting_facts, golden: q.golden_answers });
 * display(shown(s3!));
 * display(sideBySide([shown(rag!), shown(s3!)], { caption: q.question }));
 * ```
 */
import type { RetrievedDoc } from '../agent/doc-lines.js';
import { plainTitle } from '../agent/doc-lines.js';
import { extractSelectedDocs, matchSelections, selectedIds, transcriptAfterStartMarker, type SelectedDoc } from '../agent/selected-docs.js';
import type { Issue, Trajectory, Turn } from '../agent/trajectory.js';
import { spanMatch } from '../reward/metrics.js';
import { stripLikePython } from '../text/normalize.js';
import { escapeHtml, type BundleContext, type Displayable, type MimeBundle } from './mime.js';

/** Why a run ended, read from its last turn. */
export type StopKind = 'complete' | 'answer' | 'turn-limit' | 'issue' | 'one-search' | 'no-turns';

export interface StopReason {
  kind: StopKind;
  /** The turn it stopped on, from 1 (null when there were no turns). */
  turn: number | null;
  /** One sentence for people. */
  text: string;
}

/** One retrieved document as the view shows it. */
export interface TranscriptDoc {
  /** Its number in its block (`Doc n`), from 1: what `<important_info>` names. */
  n: number;
  /** Its passage id; undefined for a document the trajectory stores as text only and `docId` does not know. */
  id: string | undefined;
  /** The title without quotes. */
  title: string;
  text: string;
  /** The question needs it (its id is among `supporting`). */
  supporting: boolean;
  /** Named by the searcher's `<important_info>` for this block (s3); undefined for methods that do not select. */
  kept: boolean | undefined;
  /** Its text is among the documents handed to the generator. */
  toGenerator: boolean;
}

/** What one `<important_info>` of a turn kept, and from which block (null: no block was left for it, so it was ignored). */
export interface TranscriptSelection {
  ids: number[];
  from: string | null;
}

/** The s3 prompt's initial results, or one turn. */
export interface TranscriptStep {
  /** `initial` for the s3 prompt's initial results, else the turn number from 1. */
  turn: number | 'initial';
  /** The model's text as it came back ('' for the initial results and for turns no model wrote). */
  output: string;
  action: Turn['action'] | null;
  query: string | null;
  searchComplete: boolean;
  /** The turn's selections (s3), in order; usually one. */
  selections: TranscriptSelection[];
  /** The documents of the block this step added (the initial results, or the turn's search). */
  docs: TranscriptDoc[];
  /** Whether the step searched (a search that found nothing has no docs). */
  searched: boolean;
  /** What the environment appended that is not documents (the feedback after an invalid response). */
  feedback: string;
  issues: Issue[];
}

export interface TranscriptViewOptions {
  /** A heading (default: the trajectory's method, and its preset). */
  title?: string;
  /** Ids of the passages the question needs (the lab world's `supporting_facts`), marked ★ wherever they were retrieved. */
  supporting?: readonly string[];
  /**
   * The id of a document the trajectory stores as text only: the s3 prompt's initial results. Without
   * it they show no id (and cannot be marked as needed).
   */
  docId?: (doc: SelectedDoc) => string | undefined;
  /** The frozen generator's answer from this trajectory's context; `name` names the generator. */
  generator?: { answer: string; name?: string };
  /** The question's golden answers: shown, and each answer marked by span match. */
  golden?: readonly string[];
  /** Characters of a document's text shown (default 160; the HTML keeps the whole text as a tooltip). */
  clip?: number;
}

/** A transcript to `display`, with what it shows as data. */
export interface TranscriptView extends Displayable {
  readonly trajectory: Trajectory;
  readonly steps: readonly TranscriptStep[];
  readonly stop: StopReason;
  readonly text: string;
  readonly html: string;
}

/**
 * Why the run ended: the searcher declared the search complete, the model answered, the turns ran
 * out, a turn produced nothing (a model error, a context too long), or the method searches once by
 * design (naive RAG, DeepRetrieval) or not at all (no retrieval).
 *
 * @example
 * ```ts
 * stopReason(trajectory); // { kind: 'complete', turn: 2, text: 'turn 2: the searcher declared the search complete (<search_complete>True</search_complete>)' }
 * ```
 */
export function stopReason(t: Trajectory): StopReason {
  const last = t.turns.at(-1);
  if (last === undefined) return { kind: 'no-turns', turn: null, text: 'no turns: the method retrieves nothing' };
  const turn = t.turns.length;
  const at = `turn ${turn}`;
  if (last.action === 'complete') return { kind: 'complete', turn, text: `${at}: the searcher declared the search complete (<search_complete>True</search_complete>)` };
  if (last.action === 'answer' && t.answer !== null) return { kind: 'answer', turn, text: `${at}: the model answered "${t.answer}"` };
  const limit = last.issues.find((issue) => issue.code === 'turn-limit');
  if (limit) return { kind: 'turn-limit', turn, text: `${at}: the turn limit (${limit.message})` };
  // A turn with no text at all did not decide anything: the backend failed, and its issue says how.
  const failure = last.output === '' && last.tokens === 0 ? last.issues[0] : undefined;
  const issue = failure ?? (last.action === 'answer' ? last.issues[0] : undefined);
  if (issue) return { kind: 'issue', turn, text: `${at}: ${issue.code}: ${issue.message}` };
  if (last.action === 'answer') return { kind: 'answer', turn, text: `${at}: the model stopped without a readable answer` };
  if (t.protocol !== 's3' && turn === 1 && last.action === 'search') {
    const what = last.query === null || last.query === t.question ? 'the question itself' : `"${last.query}"`;
    return { kind: 'one-search', turn, text: `one search, for ${what}, by design: its ${last.retrieved.length} results go to the generator` };
  }
  // The run is not done after its last turn, so the driver's turn limit ended it.
  return { kind: 'turn-limit', turn, text: `${at}: the turn limit (the turns ran out)` };
}

/**
 * The trajectory turn by turn as HTML and text (see the module comment for what is marked).
 *
 * @example
 * ```ts
 * display(transcriptView(trajectory, { supporting: ['14110', '2641'], golden: ['1847'], generator: { answer: '1847', name: 'lab-generator' } }));
 * ```
 */
export function transcriptView(t: Trajectory, options: TranscriptViewOptions = {}): TranscriptView {
  const steps = transcriptSteps(t, options);
  const stop = stopReason(t);
  const text = renderText(t, steps, stop, options);
  const html = renderHtml(t, steps, stop, options);
  return { trajectory: t, steps, stop, text, html, toMimeBundle: (): MimeBundle => ({ 'text/html': html, 'text/plain': text }) };
}

/**
 * Several outputs (transcript views of the same question, say) side by side: columns in HTML, one
 * after the other in text.
 *
 * @example
 * ```ts
 * display(sideBySide([transcriptView(rag), transcriptView(s3)], { caption: question }));
 * ```
 */
export function sideBySide(items: readonly Displayable[], options: { caption?: string } = {}): Displayable {
  return {
    toMimeBundle: (context: BundleContext): MimeBundle => {
      const bundles = items.map((item) => item.toMimeBundle(context));
      const plain = (bundle: MimeBundle): string => String(bundle['text/plain'] ?? '');
      const columns = bundles.map((bundle) => {
        const html = typeof bundle['text/html'] === 'string' ? bundle['text/html'] : `<pre>${escapeHtml(plain(bundle))}</pre>`;
        return `<div style="flex:1 1 22em;min-width:0;overflow-x:auto">${html}</div>`;
      });
      const caption = options.caption ? `<div style="font-weight:600;margin-bottom:6px">${escapeHtml(options.caption)}</div>` : '';
      const rule = '─'.repeat(60);
      return {
        'text/html': `<div class="s3lab-side-by-side">${caption}<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">${columns.join('')}</div></div>`,
        'text/plain': [...(options.caption ? [options.caption] : []), ...bundles.map(plain)].join(`\n${rule}\n`),
      };
    },
  };
}

/** An `<information>` block in the transcript: whose it is, its documents. */
interface Block {
  label: string;
  docs: TranscriptDoc[];
}

/**
 * The steps with every mark set. For s3, selections are matched to blocks by the rule the generator's
 * context follows (`matchSelections`, the rule's one home). Matching is done on the
 * transcript itself (prompt after the start marker, then each response and observation), so a block a
 * model wrote into its own response counts as it does there.
 */
function transcriptSteps(t: Trajectory, options: TranscriptViewOptions): TranscriptStep[] {
  const needed = new Set(options.supporting ?? []);
  const toGenerator = new Set(t.selectedDocs.map((d) => stripLikePython(d.text)));
  const isS3 = t.protocol === 's3';
  const doc = (n: number, id: string | undefined, title: string, text: string): TranscriptDoc => ({
    n, id, title: plainTitle(title), text, supporting: id !== undefined && needed.has(id), kept: isS3 ? false : undefined,
    toGenerator: toGenerator.has(stripLikePython(text)),
  });
  const fromRetrieved = (docs: readonly RetrievedDoc[]): TranscriptDoc[] => docs.map((d, i) => doc(i + 1, d.id, d.title, d.text));
  const steps: TranscriptStep[] = [];
  const turnStep = (turn: Turn, i: number, docs: TranscriptDoc[], searched: boolean): TranscriptStep => ({
    turn: i + 1, output: turn.output, action: turn.action, query: turn.query, searchComplete: turn.searchComplete, selections: [],
    docs, searched, feedback: searched || !turn.observation.trim() ? '' : turn.observation.trim(), issues: turn.issues,
  });
  if (!isS3) {
    t.turns.forEach((turn, i) => steps.push(turnStep(turn, i, fromRetrieved(turn.retrieved), turn.retrieved.length > 0 || turn.observation.includes('<information>'))));
    return steps;
  }

  // The transcript as the extraction reads it, with where each part begins.
  const prompt = transcriptAfterStartMarker(t.prompt) ?? '';
  let transcript = prompt;
  const parts: { begin: number; turn: number; kind: 'response' | 'observation' }[] = [];
  t.turns.forEach((turn, i) => {
    parts.push({ begin: transcript.length, turn: i, kind: 'response' });
    transcript += turn.response;
    parts.push({ begin: transcript.length, turn: i, kind: 'observation' });
    transcript += turn.observation;
  });
  const partAt = (offset: number): (typeof parts)[number] | undefined => parts.filter((p) => p.begin <= offset).at(-1);

  const initial: TranscriptStep = { turn: 'initial', output: '', action: null, query: null, searchComplete: false, selections: [], docs: [], searched: true, feedback: '', issues: [] };
  steps.push(initial);
  t.turns.forEach((turn, i) => steps.push(turnStep(turn, i, [], turn.observation.includes('<information>'))));
  const matched = matchSelections(transcript);
  const blocks: Block[] = matched.blocks.map((span) => {
    const part = partAt(span.start);
    if (part === undefined) {
      // The prompt's block: stored as text only, so read as the extraction reads it (numbered in order; ids from docId).
      const docs = extractSelectedDocs(`<information>${span.content}</information>`).map((d, i) => doc(i + 1, options.docId?.(d), d.title, d.text));
      if (initial.docs.length === 0) initial.docs = docs;
      return { label: 'the initial results', docs };
    }
    if (part.kind === 'observation') {
      const step = steps[part.turn + 1] as TranscriptStep;
      step.docs = fromRetrieved(t.turns[part.turn]?.retrieved ?? []);
      return { label: `turn ${part.turn + 1}'s results`, docs: step.docs };
    }
    return { label: `a block turn ${part.turn + 1} wrote itself`, docs: [] };
  });
  for (const { selection, block } of matched.selections) {
    const ids = [...selectedIds(selection.content, t.maxSelectableId)];
    const target = block === undefined ? undefined : blocks[block];
    // A selection in the prompt still takes its block, as it does for the generator; no turn shows it.
    if (target !== undefined) for (const d of target.docs) if (ids.includes(d.n)) d.kept = true;
    const part = partAt(selection.start);
    if (part === undefined) continue;
    (steps[part.turn + 1] as TranscriptStep).selections.push({ ids, from: target?.label ?? null });
  }
  return steps;
}

/** What the marks mean; ✓ only where the method selects (s3). */
function legend(s3: boolean): string {
  return `★ needed by the question${s3 ? ' · ✓ kept by the searcher' : ''} · → handed to the generator`;
}

function heading(t: Trajectory, options: TranscriptViewOptions): string {
  return options.title ?? `${t.method}${t.preset ? ` (${t.preset})` : ''}`;
}

function clipText(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

function marks(d: TranscriptDoc): string {
  return `${d.supporting ? '★' : ' '}${d.kept ? '✓' : ' '}${d.toGenerator ? '→' : ' '}`;
}

/** One line for a turn: its action, then (s3) what it kept and its search_complete flag, then its query. */
function describeStep(step: TranscriptStep, s3: boolean): string {
  const parts: string[] = [step.action ?? ''];
  for (const s of step.selections) {
    parts.push(s.from === null ? `kept [${s.ids.join(', ')}], ignored: no block left for it` : `kept [${s.ids.join(', ')}] of ${s.from}`);
  }
  if (s3) parts.push(`search_complete ${step.searchComplete ? 'True' : 'False'}`);
  if (step.query !== null) parts.push(`query ${JSON.stringify(step.query)}`);
  return parts.filter(Boolean).join(' · ');
}

/** Where each needed passage went: into the context, retrieved but left out, or never retrieved. */
function neededSummary(steps: readonly TranscriptStep[], supporting: readonly string[]): { id: string; where: string }[] {
  return supporting.map((id) => {
    const seen = steps.flatMap((s) => s.docs.filter((d) => d.id === id).map((d) => ({ step: s, doc: d })));
    const where = seen.map(({ step, doc }) => `${step.turn === 'initial' ? 'initial results' : `turn ${step.turn}`} #${doc.n}`).join(', ');
    if (seen.some(({ doc }) => doc.toGenerator)) return { id, where: `in the context (retrieved: ${where})` };
    if (seen.length) return { id, where: `retrieved (${where}), not handed to the generator` };
    return { id, where: 'never retrieved' };
  });
}

function answerMark(answer: string, golden: readonly string[] | undefined): string {
  if (!golden?.length) return '';
  return spanMatch(answer, [...golden]) ? '✓ contains a golden answer (span match)' : '✗ no golden answer in it (span match)';
}

function renderText(t: Trajectory, steps: readonly TranscriptStep[], stop: StopReason, options: TranscriptViewOptions): string {
  const clip = options.clip ?? 160;
  const indent = (text: string, pad: string): string => text.split('\n').map((line) => `${pad}${line}`).join('\n');
  const lines = [`${heading(t, options)}: ${t.question}`, `  (${legend(t.protocol === 's3')})`];
  for (const step of steps) {
    lines.push(step.turn === 'initial' ? '  initial results (in the prompt)' : `  turn ${step.turn}: ${describeStep(step, t.protocol === 's3')}`);
    if (step.output) lines.push('    wrote:', indent(step.output, '      | '));
    if (step.turn !== 'initial' && step.searched) lines.push(`    results (${step.docs.length}):`);
    for (const d of step.docs) lines.push(`    ${marks(d)} ${d.n}. ${d.title}${d.id !== undefined ? ` [${d.id}]` : ''} ${clipText(d.text, clip)}`);
    if (step.searched && step.docs.length === 0) lines.push('      (no documents)');
    if (step.feedback) lines.push('    environment:', indent(step.feedback, '      | '));
    for (const issue of step.issues) lines.push(`    ! ${issue.code}: ${issue.message}`);
  }
  lines.push(`  stopped: ${stop.text}`);
  if (t.meta['selection'] === false) lines.push('  (selection off: every retrieved document goes to the generator)');
  lines.push(`  generator context (${t.selectedDocs.length} document${t.selectedDocs.length === 1 ? '' : 's'}):`);
  lines.push(t.context.trim() ? indent(t.context.trimEnd(), '    | ') : '    (empty: the generator answers from the question alone)');
  if (options.generator) {
    const name = options.generator.name ? ` (${options.generator.name})` : '';
    lines.push(`  generator${name} answer: ${JSON.stringify(options.generator.answer)} ${answerMark(options.generator.answer, options.golden)}`.trimEnd());
  }
  if (t.answer !== null) lines.push(`  the method's own answer: ${JSON.stringify(t.answer)} ${answerMark(t.answer, options.golden)}`.trimEnd());
  if (options.golden?.length) lines.push(`  golden: ${options.golden.join(' / ')}`);
  if (options.supporting?.length) {
    lines.push('  needed passages:');
    for (const { id, where } of neededSummary(steps, options.supporting)) lines.push(`    ${id}: ${where}`);
  }
  return lines.join('\n');
}

const STYLE = {
  box: 'font-size:13px;line-height:1.45',
  step: 'border-left:3px solid rgba(127,127,127,0.35);padding:2px 0 2px 8px;margin:6px 0',
  pre: 'white-space:pre-wrap;word-break:break-word;margin:3px 0;padding:4px 6px;background:rgba(127,127,127,0.08);max-height:16em;overflow:auto;font-size:12px',
  muted: 'color:rgba(127,127,127,0.95);font-size:12px',
  needed: 'background:rgba(255,190,0,0.22)',
  cell: 'padding:1px 6px;text-align:left;vertical-align:top',
};

function docTable(docs: readonly TranscriptDoc[], s3: boolean, clip: number): string {
  const head = `<tr><th style="${STYLE.cell}">#</th><th style="${STYLE.cell}">id</th><th style="${STYLE.cell}" title="needed by the question">★</th>${s3 ? `<th style="${STYLE.cell}" title="kept by the searcher">✓</th>` : ''}<th style="${STYLE.cell}" title="handed to the generator">→</th><th style="${STYLE.cell}">passage</th></tr>`;
  const rows = docs.map((d) => {
    const mark = (on: boolean | undefined, sign: string): string => `<td style="${STYLE.cell}">${on ? sign : ''}</td>`;
    return `<tr${d.supporting ? ` style="${STYLE.needed}"` : ''}><td style="${STYLE.cell}">${d.n}</td><td style="${STYLE.cell}">${escapeHtml(d.id ?? '')}</td>`
      + `${mark(d.supporting, '★')}${s3 ? mark(d.kept, '✓') : ''}${mark(d.toGenerator, '→')}`
      + `<td style="${STYLE.cell}" title="${escapeHtml(d.text)}"><b>${escapeHtml(d.title)}</b> ${escapeHtml(clipText(d.text, clip))}</td></tr>`;
  });
  return `<table class="s3lab-transcript-docs" style="border-collapse:collapse;font-size:12px;margin:3px 0"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderHtml(t: Trajectory, steps: readonly TranscriptStep[], stop: StopReason, options: TranscriptViewOptions): string {
  const clip = options.clip ?? 160;
  const s3 = t.protocol === 's3';
  const out: string[] = [
    `<div class="s3lab-transcript" style="${STYLE.box}">`,
    `<div style="font-weight:600;font-size:14px">${escapeHtml(heading(t, options))}</div>`,
    `<div><b>question</b> ${escapeHtml(t.question)}</div>`,
    `<div style="${STYLE.muted}">${escapeHtml(legend(s3))}</div>`,
  ];
  for (const step of steps) {
    out.push(`<div class="s3lab-transcript-step" style="${STYLE.step}">`);
    out.push(step.turn === 'initial'
      ? '<div><b>initial results</b> (in the prompt)</div>'
      : `<div><b>turn ${step.turn}</b> · ${escapeHtml(describeStep(step, s3))}</div>`);
    if (step.output) out.push(`<pre style="${STYLE.pre}">${escapeHtml(step.output)}</pre>`);
    if (step.docs.length) out.push(docTable(step.docs, s3, clip));
    else if (step.searched) out.push(`<div style="${STYLE.muted}">no documents came back</div>`);
    if (step.feedback) out.push(`<div style="${STYLE.muted}">the environment answered:</div><pre style="${STYLE.pre}">${escapeHtml(step.feedback)}</pre>`);
    if (step.issues.length) out.push(`<ul style="${STYLE.muted};margin:2px 0">${step.issues.map((i) => `<li><code>${escapeHtml(i.code)}</code> ${escapeHtml(i.message)}</li>`).join('')}</ul>`);
    out.push('</div>');
  }
  out.push(`<div><b>stopped</b>: ${escapeHtml(stop.text)}</div>`);
  if (t.meta['selection'] === false) out.push(`<div style="${STYLE.muted}">selection off: every retrieved document goes to the generator</div>`);
  const n = t.selectedDocs.length;
  out.push(t.context.trim()
    ? `<details open><summary><b>generator context</b> (${n} document${n === 1 ? '' : 's'})</summary><pre style="${STYLE.pre}">${escapeHtml(t.context.trimEnd())}</pre></details>`
    : '<div><b>generator context</b>: empty (the generator answers from the question alone)</div>');
  if (options.generator) {
    const name = options.generator.name ? ` (${escapeHtml(options.generator.name)})` : '';
    out.push(`<div><b>generator${name}</b> answered <b>${escapeHtml(options.generator.answer)}</b> ${escapeHtml(answerMark(options.generator.answer, options.golden))}</div>`);
  }
  if (t.answer !== null) out.push(`<div><b>the method's own answer</b> ${escapeHtml(t.answer)} ${escapeHtml(answerMark(t.answer, options.golden))}</div>`);
  if (options.golden?.length) out.push(`<div><b>golden</b> ${escapeHtml(options.golden.join(' / '))}</div>`);
  if (options.supporting?.length) {
    out.push(`<div><b>needed passages</b><ul style="margin:2px 0">${neededSummary(steps, options.supporting).map(({ id, where }) => `<li>${escapeHtml(id)}: ${escapeHtml(where)}</li>`).join('')}</ul></div>`);
  }
  out.push('</div>');
  return out.join('\n');
}
