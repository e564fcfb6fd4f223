/**
 * The regex implementation of transcript parsing that the linear-time parser replaced, kept
 * verbatim as the oracle of the differential tests and the peer of bench/transcript-parse.bench.ts.
 * Its results are the specification (it reproduces the Python `re` behaviour of pat-jj/s3 and was
 * tested against it); its running time is quadratic or worse on adversarial input, so never call it
 * on more than a few hundred kilobytes.
 */
import type { ExtractSelectedDocsOptions, SelectedDoc } from '@s3lab/toolkit';
import { PYTHON_WHITESPACE_CLASS as WS } from '../../toolkit/src/text/normalize.js';

const LEADING_OR_TRAILING_WHITESPACE = new RegExp(`^${WS}+|${WS}+$`, 'gu');

/** `stripLikePython` as a regex. */
export function regexStripLikePython(text: string): string {
  return text.replace(LEADING_OR_TRAILING_WHITESPACE, '');
}

const QUESTION_BLOCK = /<question>([\s\S]*?)<\/question>/u;

/** The question of a transcript as the reward service read it. */
export function regexQuestion(transcript: string): string | undefined {
  return QUESTION_BLOCK.exec(transcript)?.[1];
}

const INFORMATION_BLOCK = /<information>(.*?)<\/information>/gs;
const IMPORTANT_INFO = /<important_info>(.*?)<\/important_info>/gs;
const DECIMAL_RUN = /\p{Nd}+/gu;
const IS_DECIMAL_DIGIT = /^\p{Nd}$/u;

const DOC_HEADER = `[Dd][Oo][Cc]${WS}*\\p{Nd}+${WS}*\\(${WS}*[Tt][Ii\\u0130\\u0131][Tt][Ll][Ee]${WS}*:`;
const DOCUMENT = new RegExp(
  `[Dd][Oo][Cc]${WS}*(\\p{Nd}+)${WS}*\\(${WS}*[Tt][Ii\\u0130\\u0131][Tt][Ll][Ee]${WS}*:${WS}*"?([^")]+)"?\\)${WS}*(.*?)(?=${DOC_HEADER}|\\n?$)`,
  'gsu',
);

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

/** `selectedIds` with regexes. */
export function regexSelectedIds(selection: string, maxId: number): Set<number> {
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
    title: regexStripLikePython(match[2] ?? ''),
    text: regexStripLikePython(match[3] ?? ''),
  }));
}

/** `extractSelectedDocs` with regexes. */
export function regexExtractSelectedDocs(transcript: string, options: ExtractSelectedDocsOptions = {}): SelectedDoc[] {
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
    const ids = regexSelectedIds(selection[1] ?? '', maxSelectableId);
    for (const doc of parseDocs(target.content)) if (ids.has(doc.id)) keep(doc);
  }
  for (const block of blocks) {
    if (!block.taken) for (const doc of parseDocs(block.content)) keep(doc);
  }
  return docs;
}
