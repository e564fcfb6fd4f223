/**
 * The documents the frozen generator receives from a searcher transcript, and the context string
 * built from them — the behaviour of `extract_titles_and_texts` and of the context loop in
 * `compute_score_rag` in pat-jj/s3 `verl/utils/reward_score/rag_2.py` (the module the trainer and
 * the evaluation scripts import; `extract.py` holds an older variant).
 *
 * The patterns below reproduce Python `re` semantics in JS: `\s` is Python's whitespace set,
 * `\d` is any Unicode decimal digit, the original's IGNORECASE is spelled out per letter (under
 * it Python also lets 'İ' and 'ı' match the 'i' of "Title"), and Python's `$` also matches
 * before a final newline.
 *
 * @example
 * ```ts
 * const transcript = '<information>Doc 1(Title: "A") one\nDoc 2(Title: "B") two</information>'
 *   + '<important_info>[2]</important_info>';
 * formatGeneratorContext(extractSelectedDocs(transcript)); // 'Doc 1 (Title: B)\ntwo\n\n'
 * ```
 */
import { PYTHON_WHITESPACE_CLASS as WS, stripLikePython } from '../text/normalize.js';

/** A document as the generator sees it. */
export interface SelectedDoc {
  title: string;
  text: string;
}

/** Options of {@link extractSelectedDocs}. */
export interface ExtractSelectedDocsOptions {
  /**
   * Largest document id a selection may name; ids outside 1..maxSelectableId are dropped.
   * The original hard-codes 1..8 (the 8-3-3 setting) whatever the retriever's top-k.
   */
  maxSelectableId?: number;
  /**
   * `false` ignores every `<important_info>`: each block contributes all its documents (the paper's
   * ablation without document selection). Default `true`.
   */
  selection?: boolean;
}

/**
 * The last sentence of the searcher prompt before the question. The reward code keeps only the
 * text after it (Python `split(marker)[1]`), so the prompt's own example tags are never parsed.
 */
export const SEARCHER_START_MARKER = 'Now, start the loop with the following question and initial searched results:';

/**
 * The part of a full prompt+response text that the original hands to the extraction: what follows
 * the first {@link SEARCHER_START_MARKER}, up to a second one if the text repeats it. `undefined`
 * when the marker is absent (the original's training reward raises there).
 *
 * @example
 * ```ts
 * transcriptAfterStartMarker(`prompt ${SEARCHER_START_MARKER}\n<question>q</question>`); // '\n<question>q</question>'
 * ```
 */
export function transcriptAfterStartMarker(fullText: string): string | undefined {
  return fullText.split(SEARCHER_START_MARKER)[1];
}

const INFORMATION_BLOCK = /<information>(.*?)<\/information>/gs;
const IMPORTANT_INFO = /<important_info>(.*?)<\/important_info>/gs;
const DECIMAL_RUN = /\p{Nd}+/gu;
const IS_DECIMAL_DIGIT = /^\p{Nd}$/u;

// "Doc <n> (Title:" with the original's optional whitespace, case-insensitively.
const DOC_HEADER = `[Dd][Oo][Cc]${WS}*\\p{Nd}+${WS}*\\(${WS}*[Tt][Ii\\u0130\\u0131][Tt][Ll][Ee]${WS}*:`;
// A document: header, title (optionally quoted, up to the first quote or ')'), then its text up to
// the next header or the end. The title stops at ')', so "Title: Foo (band)" yields "Foo (band"
// and a text starting with ')' — kept, since it is what the original generator received.
const DOCUMENT = new RegExp(
  `[Dd][Oo][Cc]${WS}*(\\p{Nd}+)${WS}*\\(${WS}*[Tt][Ii\\u0130\\u0131][Tt][Ll][Ee]${WS}*:${WS}*"?([^")]+)"?\\)${WS}*(.*?)(?=${DOC_HEADER}|\\n?$)`,
  'gsu',
);

/**
 * The value of a run of Unicode decimal digits, as Python's `int()` reads it ("٣" is 3, "007" is 7).
 * Unicode assigns decimal digits in runs of ten contiguous code points from 0 to 9, so a digit's
 * value is its distance from the start of its run, modulo 10.
 */
function decimalValue(digits: string): number {
  let ascii = '';
  for (const digit of digits) {
    let codePoint = digit.codePointAt(0) ?? 0;
    let distance = 0;
    while (codePoint > 0 && IS_DECIMAL_DIGIT.test(String.fromCodePoint(codePoint - 1))) {
      codePoint -= 1;
      distance += 1;
    }
    ascii += String(distance % 10);
  }
  return Number(ascii);
}

/**
 * The ids a selection names: every number in it, kept if within 1..maxId, first occurrence first.
 *
 * @example
 * ```ts
 * [...selectedIds('[1, 4, 9]', 8)]; // [1, 4]
 * ```
 */
export function selectedIds(selection: string, maxId: number): Set<number> {
  const ids = new Set<number>();
  for (const [digits] of selection.matchAll(DECIMAL_RUN)) {
    const id = decimalValue(digits);
    if (id >= 1 && id <= maxId) ids.add(id);
  }
  return ids;
}

interface ParsedDoc extends SelectedDoc {
  id: number;
}

function parseDocs(blockContent: string): ParsedDoc[] {
  return Array.from(blockContent.matchAll(DOCUMENT), (match) => ({
    id: decimalValue(match[1] ?? ''),
    title: stripLikePython(match[2] ?? ''),
    text: stripLikePython(match[3] ?? ''),
  }));
}

/**
 * The documents the generator receives from a searcher transcript (the text after the start
 * marker). Rules of the original, in order:
 * 1. Each `<important_info>…</important_info>` (in transcript order) applies to the last
 *    `<information>…</information>` block that starts before it, if no earlier selection took that
 *    block; any other selection is ignored. Its ids are all decimal numbers in the tag ("[1, 4]",
 *    "Doc 2", "3 and 5"), within 1..8; the block contributes its documents whose number is among
 *    them, in the block's order. A selection with no valid id still takes its block, which then
 *    contributes nothing.
 * 2. Afterwards, every block no selection took contributes all its documents, in transcript order.
 *    So selected documents come first, before those of unselected blocks (such as the initial
 *    search results), whatever their position in the transcript.
 * Documents are de-duplicated by text (the first title wins). Tags are matched lazily, so an
 * unclosed `<information>` swallows text up to the next `</information>`.
 *
 * @example
 * ```ts
 * extractSelectedDocs(
 *   '<information>Doc 1(Title: "Paris") Capital of France.</information>'
 *   + '<information>Doc 1 (Title: Rome) Capital of Italy.\nDoc 2 (Title: Oslo) Capital of Norway.</information>'
 *   + '<important_info>[2]</important_info>',
 * ); // [{ title: 'Oslo', text: 'Capital of Norway.' }, { title: 'Paris', text: 'Capital of France.' }]
 * ```
 */
export function extractSelectedDocs(transcript: string, options: ExtractSelectedDocsOptions = {}): SelectedDoc[] {
  const maxSelectableId = options.maxSelectableId ?? 8;
  const blocks = Array.from(transcript.matchAll(INFORMATION_BLOCK), (match) => ({
    start: match.index,
    content: match[1] ?? '',
    taken: false,
  }));

  const docs: SelectedDoc[] = [];
  const seenTexts = new Set<string>();
  const keep = ({ title, text }: SelectedDoc): void => {
    if (seenTexts.has(text)) return;
    seenTexts.add(text);
    docs.push({ title, text });
  };

  const selections: Iterable<RegExpExecArray> = options.selection === false ? [] : transcript.matchAll(IMPORTANT_INFO);
  for (const selection of selections) {
    const target = blocks.filter((block) => block.start < selection.index).at(-1);
    if (target === undefined || target.taken) continue;
    target.taken = true;
    const ids = selectedIds(selection[1] ?? '', maxSelectableId);
    for (const doc of parseDocs(target.content)) if (ids.has(doc.id)) keep(doc);
  }
  for (const block of blocks) {
    if (!block.taken) for (const doc of parseDocs(block.content)) keep(doc);
  }
  return docs;
}

/**
 * The context string given to the generator: `Doc {k} (Title: {title})\n{text}\n\n` for
 * k = 1, 2, …, skipping a document whose (title, text) pair already appeared.
 *
 * @example
 * ```ts
 * formatGeneratorContext([{ title: 'Oslo', text: 'Capital of Norway.' }]);
 * // 'Doc 1 (Title: Oslo)\nCapital of Norway.\n\n'
 * ```
 */
export function formatGeneratorContext(docs: readonly SelectedDoc[]): string {
  const seen = new Set<string>();
  let context = '';
  for (const { title, text } of docs) {
    const key = JSON.stringify([title, text]);
    if (seen.has(key)) continue;
    seen.add(key);
    context += `Doc ${seen.size} (Title: ${title})\n${text}\n\n`;
  }
  return context;
}
