/**
 * Transcripts on which the regex parsing of searcher transcripts was quadratic or worse, one per
 * pattern, with the result each must give as a function of its size. The tests check each formula
 * against the regex reference on small sizes, then the linear parser on a megabyte; the benchmark
 * (bench/transcript-parse.bench.ts) times both parsers on them.
 */
import { extractSelectedDocs, type SelectedDoc } from '@s3lab/toolkit';
import { firstTaggedSpan } from '../../toolkit/src/text/tagged-spans.js';
import { regexExtractSelectedDocs, regexQuestion } from './selected-docs-regex-reference.js';

export interface AdversarialPattern {
  name: string;
  /** The input with `n` (≥ 1) repetitions of the pattern's unit. */
  build(n: number): string;
  /** What parsing `build(n)` gives. */
  expected(n: number): unknown;
  /** The linear-time parser. */
  parse(text: string): unknown;
  /** The regex parser it replaced. */
  referenceParse(text: string): unknown;
}

const docs = { parse: (text: string): SelectedDoc[] => extractSelectedDocs(text), referenceParse: (text: string): SelectedDoc[] => regexExtractSelectedDocs(text) };

export const ADVERSARIAL_PATTERNS: readonly AdversarialPattern[] = [
  {
    // The case of the issue: every header's title runs to the end without finding '"' or ')'.
    name: 'titles without ")"',
    build: (n) => `<information>${'Doc 1 (Title:a'.repeat(n)}</information>`,
    expected: () => [],
    ...docs,
  },
  {
    // The same, then one ')' at the end: the first header's title swallows all the others.
    name: 'titles with one ")" at the end',
    build: (n) => `<information>${'Doc 1 (Title:a'.repeat(n)}Doc 2 (Title: b) c</information>`,
    expected: (n) => [{ title: `a${'Doc 1 (Title:a'.repeat(n - 1)}Doc 2 (Title: b`, text: 'c' }],
    ...docs,
  },
  {
    // A long whitespace run after "Title:" and no ')': each character it gives back rescans the rest.
    name: 'whitespace after "Title:"',
    build: (n) => `<information>Doc 1 (Title: a) b\nDoc 2 (Title:${' '.repeat(n)}x</information>`,
    expected: () => [{ title: 'a', text: 'b' }],
    ...docs,
  },
  {
    // Python-strip as a regex rescans a long inner whitespace run from each of its characters.
    name: 'whitespace inside a text',
    build: (n) => `<information>Doc 1 (Title: a) x${'\u00a0'.repeat(n)}y </information>`,
    expected: (n) => [{ title: 'a', text: `x${'\u00a0'.repeat(n)}y` }],
    ...docs,
  },
  {
    name: 'unclosed <information>',
    build: (n) => `<information>Doc 1 (Title: a) b</information>${'<information>Doc 2 (Title: c) d'.repeat(n)}`,
    expected: () => [{ title: 'a', text: 'b' }],
    ...docs,
  },
  {
    name: 'unclosed <important_info>',
    build: (n) => `<information>Doc 1 (Title: a) b\nDoc 2 (Title: c) d</information><important_info>[2]</important_info>${'<important_info>[1]'.repeat(n)}`,
    expected: () => [{ title: 'c', text: 'd' }],
    ...docs,
  },
  {
    // Each selection used to look through every block for the last one before it.
    name: 'blocks x selections',
    build: (n) => Array.from({ length: n }, (_, i) => `<information>Doc 1 (Title: t${i}) text ${i}</information><important_info>[1]</important_info>`).join(''),
    expected: (n) => Array.from({ length: n }, (_, i) => ({ title: `t${i}`, text: `text ${i}` })),
    ...docs,
  },
  {
    // The reward service's question: no '</question>' after any '<question>'.
    name: 'unclosed <question>',
    build: (n) => '<question>q'.repeat(n),
    expected: () => undefined,
    parse: (text) => firstTaggedSpan(text, 'question')?.content,
    referenceParse: regexQuestion,
  },
];

/** The number of repetitions that makes `pattern`'s input about `chars` characters long. */
export function repetitionsFor(pattern: AdversarialPattern, chars: number): number {
  const sample = 1000;
  const short = pattern.build(sample).length;
  const unit = (pattern.build(2 * sample).length - short) / sample;
  return Math.max(1, Math.ceil((chars - (short - sample * unit)) / unit));
}
