/**
 * The documents the frozen generator receives from a searcher transcript, and the context string
 * built from them — the behaviour of `extract_titles_and_texts` and of the context loop in
 * `compute_score_rag` in pat-jj/s3 `verl/utils/reward_score/rag_2.py` (the module the trainer and
 * the evaluation scripts import; `extract.py` holds an older variant).
 *
 * The code below reproduces Python `re` semantics in JS: `\s` is Python's whitespace set,
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
import { PYTHON_WHITESPACE_CLASS as WS, isPythonWhitespace, stripLikePython } from '../text/normalize.js';
import { taggedSpans, type TaggedSpan } from '../text/tagged-spans.js';

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

const DECIMAL_RUN = /\p{Nd}+/gu;
const IS_DECIMAL_DIGIT = /^\p{Nd}$/u;

// "Doc <n> (Title:" with the original's optional whitespace, case-insensitively. No character of a
// header after its first can be a 'D' or 'd', so headers never overlap and the attempts from
// different 'D's read disjoint stretches of text (a greedy whitespace run that gives characters back
// retraces only its own run): scans that each resume where the last one stopped take linear time.
const DOC_HEADER = new RegExp(
  `[Dd][Oo][Cc]${WS}*(\\p{Nd}+)${WS}*\\(${WS}*[Tt][Ii\\u0130\\u0131][Tt][Ll][Ee]${WS}*:`,
  'gu',
);
const QUOTE = 0x22;
const CLOSING_PARENTHESIS = 0x29;

/**
 * The value of a run of Unicode decimal digits, as Python's `int()` reads it ("٣" is 3, "007" is 7).
 *
 * @example
 * ```ts
 * decimalValue('١٢'); // 12
 * ```
 */
function decimalValue(digits: string): number {
  if (ASCII_DIGITS.test(digits)) return Number(digits);
  // The digits rewritten in ASCII, one byte each: ten times faster than growing a string on a
  // megabyte-long run.
  const ascii = new Uint8Array(digits.length);
  let length = 0;
  for (let i = 0; i < digits.length; i++) {
    const codePoint = digits.codePointAt(i) as number;
    if (codePoint > 0xffff) i++;
    ascii[length++] = 0x30 + digitValue(codePoint);
  }
  return Number(ASCII_DECODER.decode(ascii.subarray(0, length)));
}

const ASCII_DIGITS = /^[0-9]*$/;
const ASCII_DECODER = new TextDecoder();
const digitValues = new Map<number, number>(); // a few hundred code points at most

/**
 * The value of a decimal digit. Unicode assigns decimal digits in runs of ten contiguous code points
 * from 0 to 9, so a digit's value is its distance from the start of its run, modulo 10.
 */
function digitValue(codePoint: number): number {
  let value = digitValues.get(codePoint);
  if (value === undefined) {
    let distance = 0;
    while (codePoint - distance > 0 && IS_DECIMAL_DIGIT.test(String.fromCodePoint(codePoint - distance - 1))) distance++;
    value = distance % 10;
    digitValues.set(codePoint, value);
  }
  return value;
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

/**
 * The documents of one `<information>` block: what the original's
 * `re.findall(r'Doc\s*(\d+)\s*\(\s*Title\s*:\s*"?([^")]+)"?\)\s*(.*?)(?=Doc\s*\d+\s*\(\s*Title\s*:|$)', …)`
 * (IGNORECASE, DOTALL) returns. Not that regex: from each header it runs the title class to the end
 * of the text when no '"' or ')' follows, and again for each whitespace character it gives back, so a
 * megabyte of unterminated headers takes hours. Here each header is found by a scan that resumes
 * where the last one stopped, the title ends at the next '"' or ')' (found by scans that never go
 * back either), and a text ends at the next header: linear in the block's length, with the regex's
 * results.
 */
function parseDocs(content: string): ParsedDoc[] {
  // DOC_HEADER is shared (a new RegExp per block costs more than parsing a small block); nothing
  // else uses its lastIndex between these synchronous calls.
  const nextHeader = (from: number): RegExpExecArray | null => {
    DOC_HEADER.lastIndex = from;
    return DOC_HEADER.exec(content);
  };
  const nextQuote = nextOccurrence(content, '"');
  const nextParenthesis = nextOccurrence(content, ')');
  const nextStop = (from: number): number => Math.min(nextQuote(from), nextParenthesis(from));

  const docs: ParsedDoc[] = [];
  let header = nextHeader(0);
  while (header !== null) {
    const title = titleAfter(content, header.index + header[0].length, nextStop);
    if (title === undefined) {
      header = nextHeader(header.index + header[0].length);
      continue;
    }
    // The text runs to the next header, where the regex's next match starts, or to the end. (The
    // pattern skips whitespace before it and also ends the last text before a final newline; the
    // strip below removes both anyway.)
    const next = nextHeader(title.after);
    docs.push({
      id: decimalValue(header[1] ?? ''),
      title: stripLikePython(content.slice(title.start, title.end)),
      text: stripLikePython(content.slice(title.after, next?.index ?? content.length)),
    });
    header = next;
  }
  return docs;
}

/**
 * Where the pattern's `\s*"?([^")]+)"?\)` puts the title after a header's ':' (`from`), and where
 * the ')' ends; `undefined` where it cannot match. The title class stops only at '"' or ')', so the
 * title is the run up to the first of them, and it must end in ')' or '")'. ("Title: Foo (band)"
 * yields "Foo (band" and a text starting with ')': kept, since the original generator received
 * it.) Backtracking adds one case: when nothing fits after the whitespace (`Title: )` or
 * `Title: ")`), the greedy whitespace gives its last character back to be the title.
 */
function titleAfter(content: string, from: number, nextStop: (from: number) => number): { start: number; end: number; after: number } | undefined {
  const first = skipWhitespace(content, from);
  const hasWhitespace = first > from;
  const code = content.charCodeAt(first); // NaN at the end of the text
  let start = first;
  if (code === QUOTE) {
    start = first + 1;
  } else if (code === CLOSING_PARENTHESIS) {
    return hasWhitespace ? { start: first - 1, end: first, after: first + 1 } : undefined;
  }
  const end = nextStop(start);
  if (end === start) {
    // No title run (at the end of the text, or a quote right before a '"' or ')'): only the
    // whitespace's last character as the title, then the quote and a ')', can still fit.
    return hasWhitespace && code === QUOTE && content.charCodeAt(first + 1) === CLOSING_PARENTHESIS
      ? { start: first - 1, end: first, after: first + 2 }
      : undefined;
  }
  if (content.charCodeAt(end) === CLOSING_PARENTHESIS) return { start, end, after: end + 1 };
  if (content.charCodeAt(end) === QUOTE && content.charCodeAt(end + 1) === CLOSING_PARENTHESIS) return { start, end, after: end + 2 };
  return undefined;
}

/**
 * `text.indexOf(char, from)`, or the text's length when `char` does not occur there, remembering
 * the last answer: while `from` only grows, each search starts past the previous answer, so all the
 * calls together read the text once.
 */
function nextOccurrence(text: string, char: string): (from: number) => number {
  let searchedFrom = Number.POSITIVE_INFINITY;
  let found = text.length;
  return (from) => {
    if (from < searchedFrom || found < from) {
      const index = text.indexOf(char, from);
      found = index === -1 ? text.length : index;
      searchedFrom = from;
    }
    return found;
  };
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isPythonWhitespace(text.charCodeAt(i))) i++;
  return i;
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
  const { blocks, selections } = matchSelections(transcript, options);

  const docs: SelectedDoc[] = [];
  const seenTexts = new Set<string>();
  const keep = ({ title, text }: SelectedDoc): void => {
    if (seenTexts.has(text)) return;
    seenTexts.add(text);
    docs.push({ title, text });
  };
  const taken = new Set<number>();
  for (const { selection, block } of selections) {
    if (block === undefined) continue;
    taken.add(block);
    const ids = selectedIds(selection.content, maxSelectableId);
    for (const doc of parseDocs((blocks[block] as TaggedSpan).content)) if (ids.has(doc.id)) keep(doc);
  }
  blocks.forEach((block, i) => {
    if (!taken.has(i)) for (const doc of parseDocs(block.content)) keep(doc);
  });
  return docs;
}

/** Every `<information>` block of a transcript and, for each `<important_info>`, the block it takes. */
export interface SelectionMatch {
  blocks: TaggedSpan[];
  /** In transcript order; `block` indexes `blocks`, undefined where the selection takes none (ignored). */
  selections: { selection: TaggedSpan; block: number | undefined }[];
}

/**
 * Which block each selection takes, by rule 1 of {@link extractSelectedDocs}: the last
 * `<information>` block that starts before it, unless an earlier selection took that block. The
 * one home of the rule: the generator's context and the transcript view (display/transcript.ts)
 * both read it from here.
 *
 * @example
 * ```ts
 * matchSelections('<information>a</information><important_info>[1]</important_info><important_info>[2]</important_info>').selections.map((s) => s.block);
 * // [0, undefined]
 * ```
 */
export function matchSelections(transcript: string, options: Pick<ExtractSelectedDocsOptions, 'selection'> = {}): SelectionMatch {
  const blocks = Array.from(taggedSpans(transcript, 'information'));
  const selections: SelectionMatch['selections'] = [];
  if (options.selection === false) return { blocks, selections };
  const taken = new Set<number>();
  let blocksBefore = 0; // blocks[0, blocksBefore) start before the current selection (both come in order)
  for (const selection of taggedSpans(transcript, 'important_info')) {
    while (blocksBefore < blocks.length && (blocks[blocksBefore] as TaggedSpan).start < selection.start) blocksBefore++;
    const target = blocksBefore - 1;
    if (target < 0 || taken.has(target)) {
      selections.push({ selection, block: undefined });
      continue;
    }
    taken.add(target);
    selections.push({ selection, block: target });
  }
  return { blocks, selections };
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
