import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  Random,
  extractSelectedDocs,
  formatGeneratorContext,
  SEARCHER_START_MARKER,
  transcriptAfterStartMarker,
  stripLikePython,
  type SelectedDoc,
} from '@s3lab/toolkit';
import fc from 'fast-check';
import { isPythonWhitespace, PYTHON_WHITESPACE_CLASS } from '../../toolkit/src/text/normalize.js';
import { firstTaggedSpan, taggedSpans } from '../../toolkit/src/text/tagged-spans.js';
import { matchSelections, selectedIds } from '../../toolkit/src/agent/selected-docs.js';
import { ADVERSARIAL_PATTERNS, repetitionsFor } from './adversarial-transcripts.js';
import { regexExtractSelectedDocs, regexQuestion, regexSelectedIds, regexStripLikePython } from './selected-docs-regex-reference.js';

const THREE_DOCS = `<information>
Doc 1(Title: "Title 1") Content 1
Doc 2(Title: "Title 2") Content 2
Doc 3(Title: "Title 3") Content 3
</information>`;

const doc = (n: number): SelectedDoc => ({ title: `Title ${n}`, text: `Content ${n}` });

describe('extractSelectedDocs', () => {
  it('returns nothing for text without information blocks', () => {
    assert.deepEqual(extractSelectedDocs(''), []);
    assert.deepEqual(extractSelectedDocs('Some text <important_info>[1]</important_info>'), []);
  });

  it('keeps every document of a block without selection', () => {
    assert.deepEqual(extractSelectedDocs(THREE_DOCS), [doc(1), doc(2), doc(3)]);
  });

  it('reads the selected ids in any of the forms the original accepts, keeping block order', () => {
    for (const selection of ['1,3', '[1, 3]', '[3, 1]', 'Doc1, doc3', 'Doc 1 and Doc 3', '[ "1", "3" ]', '[01, 3, 3]']) {
      const got = extractSelectedDocs(`${THREE_DOCS}\n<important_info>${selection}</important_info>`);
      assert.deepEqual(got, [doc(1), doc(3)], selection);
    }
  });

  it('reads ids written with non-ASCII decimal digits, as Python int() does', () => {
    assert.deepEqual(extractSelectedDocs(`${THREE_DOCS}<important_info>[٢, ３]</important_info>`), [doc(2), doc(3)]);
  });

  it('drops ids outside 1..8; a selection with no valid id empties its block', () => {
    const block = `<information>${Array.from({ length: 10 }, (_, i) => `Doc ${i + 1}(Title: T${i + 1}) text ${i + 1}`).join('\n')}</information>`;
    assert.deepEqual(extractSelectedDocs(`${block}<important_info>[0, 8, 9, 10]</important_info>`), [
      { title: 'T8', text: 'text 8' },
    ]);
    assert.deepEqual(extractSelectedDocs(`${block}<important_info>[9, 10]</important_info>`), []);
    assert.deepEqual(extractSelectedDocs(`${THREE_DOCS}<important_info>[]</important_info>`), []);
    assert.deepEqual(extractSelectedDocs(`${THREE_DOCS}<important_info>none</important_info>`), []);
  });

  it('widens the id range on request', () => {
    const block = `<information>Doc 9(Title: T9) nine\nDoc 10(Title: T10) ten</information>`;
    assert.deepEqual(extractSelectedDocs(`${block}<important_info>[10]</important_info>`, { maxSelectableId: 10 }), [
      { title: 'T10', text: 'ten' },
    ]);
  });

  it('applies a selection to the latest block before it, only once', () => {
    const transcript = `${THREE_DOCS}
<important_info>1</important_info><think>more</think>
<important_info>2</important_info><query>q</query>
<important_info>3</important_info>`;
    assert.deepEqual(extractSelectedDocs(transcript), [doc(1)]);
  });

  it('never lets a selection reach past a later block', () => {
    const second = '<information>Doc 1(Title: B) b1\nDoc 2(Title: B) b2</information>';
    // Both selections follow the second block: the first takes it, the second finds it used and
    // does not fall back to the first block, which then contributes everything.
    const transcript = `${THREE_DOCS}${second}<important_info>[2]</important_info><important_info>[1]</important_info>`;
    assert.deepEqual(extractSelectedDocs(transcript), [{ title: 'B', text: 'b2' }, doc(1), doc(2), doc(3)]);
  });

  it('puts selected documents before those of unselected blocks, whatever their position', () => {
    const transcript = `<question>q</question>${THREE_DOCS}
<query>{"query": "x"}</query>
<information>Doc 1(Title: New) fresh 1\nDoc 2(Title: New) fresh 2</information>
<important_info>[2]</important_info>`;
    assert.deepEqual(extractSelectedDocs(transcript), [{ title: 'New', text: 'fresh 2' }, doc(1), doc(2), doc(3)]);
  });

  it('processes several selected blocks in order', () => {
    const transcript = `${THREE_DOCS}<important_info>1,2</important_info>
<information>Doc 1(Title: "Title 1") Content 4
Doc 2(Title: "Title 2") Content 5
Doc 3(Title: "Title 3") Content 6</information><important_info>2,3</important_info>`;
    assert.deepEqual(extractSelectedDocs(transcript), [
      doc(1),
      doc(2),
      { title: 'Title 2', text: 'Content 5' },
      { title: 'Title 3', text: 'Content 6' },
    ]);
  });

  it('de-duplicates by text only, within and across blocks; the first title wins', () => {
    const transcript = `<information>Doc 1(Title: A) same\nDoc 2(Title: B) same\nDoc 3(Title: C) other</information>
<information>Doc 1(Title: D) other\nDoc 2(Title: E) new</information>`;
    assert.deepEqual(extractSelectedDocs(transcript), [
      { title: 'A', text: 'same' },
      { title: 'C', text: 'other' },
      { title: 'E', text: 'new' },
    ]);
  });

  it('parses the document line variants: spaces, case, quotes', () => {
    const variants = [
      'Doc 1(Title: "Paris") text',
      'Doc 1 (Title: Paris) text',
      'Doc1(Title:Paris)text',
      'doc 1 ( title : "Paris") text',
      'DOC  1\n(TITLE: Paris )  text  ',
      'Doc 1(Tıtle: Paris) text',
    ];
    for (const line of variants) {
      assert.deepEqual(extractSelectedDocs(`<information>${line}</information>`), [{ title: 'Paris', text: 'text' }], line);
    }
  });

  it('keeps the original quirks of the title pattern', () => {
    // The title stops at the first ')' or '"'.
    assert.deepEqual(extractSelectedDocs('<information>Doc 1(Title: "Foo (band)") text</information>'), [
      { title: 'Foo (band', text: '") text' },
    ]);
    // A space between the closing quote and ')' does not fit the pattern: the document is lost.
    assert.deepEqual(extractSelectedDocs('<information>Doc 1(Title: "Paris" ) text</information>'), []);
    // An empty title cannot match either.
    assert.deepEqual(extractSelectedDocs('<information>Doc 1(Title: "") lost\nDoc 2(Title: X) kept</information>'), [
      { title: 'X', text: 'kept' },
    ]);
  });

  it('strips titles and texts as Python does (NEL yes, BOM no)', () => {
    assert.deepEqual(extractSelectedDocs('<information>Doc 1(Title: \u0085T\u0085) \u0085text\ufeff\n</information>'), [
      { title: 'T', text: 'text\ufeff' },
    ]);
  });

  it('handles unclosed tags like the original: lazy matching, no selection without its closing tag', () => {
    assert.deepEqual(extractSelectedDocs(`${THREE_DOCS}<important_info>[1]`), [doc(1), doc(2), doc(3)]);
    assert.deepEqual(extractSelectedDocs('<information>Doc 1(Title: T) unclosed'), []);
    // An unclosed block swallows the next one's opening tag; its documents then end at the next header.
    assert.deepEqual(
      extractSelectedDocs('<information>Doc 1(Title: A) a <information>Doc 2(Title: B) b</information><important_info>2</important_info>'),
      [{ title: 'B', text: 'b' }],
    );
  });

  it('ignores a selection that comes before every block', () => {
    assert.deepEqual(extractSelectedDocs(`<important_info>[1]</important_info>${THREE_DOCS}`), [doc(1), doc(2), doc(3)]);
  });
});

describe('formatGeneratorContext', () => {
  it('numbers the documents from 1 in the original format', () => {
    assert.equal(
      formatGeneratorContext([{ title: 'A', text: 'a text' }, { title: 'B', text: 'b text' }]),
      'Doc 1 (Title: A)\na text\n\nDoc 2 (Title: B)\nb text\n\n',
    );
    assert.equal(formatGeneratorContext([]), '');
  });

  it('skips repeated (title, text) pairs without leaving gaps in the numbering', () => {
    assert.equal(
      formatGeneratorContext([{ title: 'A', text: 'x' }, { title: 'A', text: 'x' }, { title: 'B', text: 'x' }]),
      'Doc 1 (Title: A)\nx\n\nDoc 2 (Title: B)\nx\n\n',
    );
  });
});

describe('transcriptAfterStartMarker', () => {
  it('returns what follows the marker, up to a repetition of it', () => {
    assert.equal(transcriptAfterStartMarker(`intro <information>example</information>${SEARCHER_START_MARKER}\nrest`), '\nrest');
    assert.equal(transcriptAfterStartMarker(`a${SEARCHER_START_MARKER}b${SEARCHER_START_MARKER}c`), 'b');
    assert.equal(transcriptAfterStartMarker('no marker'), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential test against the Python reference of extract_titles_and_texts (test/reward/reference_metrics.py).

const PYTHON = '/usr/bin/python3';
const REFERENCE = fileURLToPath(new URL('../reward/reference_metrics.py', import.meta.url));

interface ExtractResult {
  docs: [string, string][];
  context: string;
}

function runReference(transcripts: string[]): ExtractResult[] {
  const probe = spawnSync(PYTHON, ['-c', 'import regex'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    assert.fail(
      `the differential test needs ${PYTHON} with the "regex" module (Debian packages python3 and ` +
        `python3-regex; \`npm test\` run as root installs them): ${probe.error?.message ?? probe.stderr}`,
    );
  }
  const run = spawnSync(PYTHON, [REFERENCE], {
    input: JSON.stringify({ extract: transcripts }),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(run.status, 0, `reference_metrics.py failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { extract: ExtractResult[] }).extract;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

const DOC_WORDS = ['Doc', 'Doc', 'Doc', 'doc', 'DOC', 'dOc'];
const TITLE_WORDS = ['Title', 'Title', 'Title', 'title', 'TITLE', 'Tıtle', 'TİTLE'];
const IDS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '0', '01', '٣', '３', '12'];
const TITLES = ['Paris', '"Paris"', '"Foo (band)"', 'O"Neil', '""', '  spaced  ', '"Zürich"', 'Rome', '"Rome"', 'x'];
const TEXTS = [
  'Capital of France.', 'Capital of France.', 'Capital of Italy.', 'see Doc 5 (Title: inner) here', 'ends with NEL\u0085',
  '\ufeffbom', 'two\nlines\n', '(parenthesised)', '', 'Doc', 'Medoc 4(title: wine) vintage', 'the same text', 'the same text',
];
const GAPS = ['', ' ', '  ', '\n', '\u0085', '\t'];
const SELECTIONS = [
  '[1, 4]', '[2]', 'Doc 3', '[]', 'none', '[٣]', '[01, 8, 9, 12]', '1 2 3', '[10]', '[0]', ' [ 3 ] ', '["2", "5"]', '[7, 8, 1]',
];
const NOISE = [
  '<think>thinking</think>', '<query>{"query": "x"}</query>', '<search_complete>False</search_complete>',
  'Doc 1(Title: stray) outside', '\n\n', '<question>q?</question>',
];

function generateDocLine(random: () => number): string {
  return `${pick(random, DOC_WORDS)}${pick(random, GAPS)}${pick(random, IDS)}${pick(random, GAPS)}(${pick(random, GAPS)}` +
    `${pick(random, TITLE_WORDS)}${pick(random, GAPS)}:${pick(random, GAPS)}${pick(random, TITLES)})${pick(random, GAPS)}` +
    pick(random, TEXTS);
}

function generateTranscript(random: () => number): string {
  let transcript = '';
  const segments = 1 + Math.floor(random() * 8);
  for (let s = 0; s < segments; s++) {
    const roll = random();
    if (roll < 0.4) {
      const lines = Array.from({ length: Math.floor(random() * 6) }, () => generateDocLine(random));
      const closing = random() < 0.9 ? '</information>' : '';
      transcript += `<information>${pick(random, ['\n', ''])}${lines.join(pick(random, ['\n', ' ', '\n\n']))}${pick(random, ['\n', ''])}${closing}`;
    } else if (roll < 0.75) {
      const closing = random() < 0.9 ? '</important_info>' : '';
      transcript += `<important_info>${pick(random, SELECTIONS)}${closing}`;
    } else {
      transcript += pick(random, NOISE);
    }
  }
  return transcript;
}

describe('differential test of extractSelectedDocs against the Python reference', () => {
  const rng = new Random(833, 'selected-docs-differential');
  const random = (): number => rng.next();
  const transcripts = Array.from({ length: 500 }, () => generateTranscript(random));

  it('extracts the same documents and builds the same context for every transcript', () => {
    const reference = runReference(transcripts);
    transcripts.forEach((transcript, i) => {
      const docs = extractSelectedDocs(transcript);
      const expected = reference[i];
      assert.ok(expected !== undefined);
      assert.deepEqual(docs.map((d) => [d.title, d.text]), expected.docs, JSON.stringify(transcript));
      assert.equal(formatGeneratorContext(docs), expected.context, JSON.stringify(transcript));
    });
    const withDocs = reference.filter((r) => r.docs.length > 0).length;
    assert.ok(withDocs > 200, `only ${withDocs} transcripts yield documents`);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential property tests of the linear-time parsing against the regex implementation it
// replaced (selected-docs-regex-reference.ts), whose results are the specification.

// U+1D7D0 and U+1D7E4 are astral digits 2, the second in the third run of a 50-digit block.
const TOKENS = [
  'Doc', 'doc', 'DOC', ' ', '\n', '\t', '\u00a0', '\u0085', '1', '12', '٣', '\u{1D7D0}', '\u{1D7E4}', '(', ')', '"', 'Title', 'title',
  'TİTLE', 'Tıtle', ':', '<information>', '</information>', '<important_info>', '</important_info>', '[1, 2]', 'x', '\ud800',
];
const token = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
);
const tokenSoup = (maxLength: number): fc.Arbitrary<string> => fc.array(token, { maxLength }).map((tokens) => tokens.join(''));
// A header part: usually well formed, sometimes broken.
const mostly = (valid: fc.Arbitrary<string>, ...broken: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...broken) });
const gap = fc.constantFrom('', '', ' ', '  ', '\n', '\t', '\u00a0', '\u0085');
// Titles that hit each way the title pattern can end or fail, including the backtracking cases
// (`Title: )`, `Title: ")`), plus free runs of the characters that matter there.
const title = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('Paris', '"Paris"', 'Rome', '"Rome"', 'x', '"Foo (band)"', 'a"b', '"', '""', ')', '")', ' ', '', '"x" ') },
  // A header inside a title: the scan must skip it, as the regex resumes after its whole match.
  fc.constantFrom('a Doc 2 (Title: b', '"Doc 3(title:"c', 'Doc 4 (Title: '),
  fc.array(fc.constantFrom(' ', '\t', '"', ')', '(', 'x'), { maxLength: 5 }).map((chars) => chars.join('')),
  tokenSoup(4),
);
const docLine = fc
  .tuple(
    mostly(fc.constantFrom('Doc', 'doc', 'DOC'), 'Do'), gap, mostly(fc.constantFrom('1', '2', '3', '12', '٣', '01', '\u{1D7D0}'), ''), gap,
    mostly(fc.constant('('), ''), gap, mostly(fc.constantFrom('Title', 'title', 'TİTLE', 'Tıtle'), 'Titl'), gap,
    mostly(fc.constant(':'), ''), gap, title, mostly(fc.constantFrom(')', '")'), '" )', '', ' )'), gap, tokenSoup(6),
  )
  .map((parts) => parts.join(''));
const informationBlock = fc
  .tuple(fc.array(docLine, { maxLength: 5 }), fc.constantFrom('\n', ' ', '', '\n\n'), fc.constantFrom('\n', ''), fc.constantFrom('</information>', '</information>', '</information>', ''))
  .map(([lines, separator, last, closing]) => `<information>${lines.join(separator)}${last}${closing}`);
const selectionTag = fc
  .tuple(fc.oneof(fc.constantFrom('[1, 2]', '[2]', '[٣]', '3', '[]', '[1, 12]', '\u{1D7D0}', '[02, 3]'), tokenSoup(4)), fc.constantFrom('</important_info>', '</important_info>', ''))
  .map(([ids, closing]) => `<important_info>${ids}${closing}`);
const structuredTranscript = fc
  .array(fc.oneof({ weight: 3, arbitrary: informationBlock }, { weight: 2, arbitrary: selectionTag }, { weight: 1, arbitrary: tokenSoup(6) }), { minLength: 1, maxLength: 6 })
  .map((segments) => segments.join(''));
const extractOptions = fc.record(
  { selection: fc.boolean(), maxSelectableId: fc.constantFrom(1, 3, 8, 12) },
  { requiredKeys: [] },
);

describe('extractSelectedDocs against the regex implementation it replaced', () => {
  it('returns the same documents for structured transcripts', () => {
    let withDocs = 0;
    let emptyTitles = 0;
    fc.assert(
      fc.property(structuredTranscript, extractOptions, (transcript, options) => {
        const expected = regexExtractSelectedDocs(transcript, options);
        assert.deepEqual(extractSelectedDocs(transcript, options), expected);
        if (expected.length > 0) withDocs++;
        if (expected.some((d) => d.title === '')) emptyTitles++;
      }),
      { seed: 42, numRuns: 3000 },
    );
    // The generator must reach the interesting cases, or the property proves little.
    assert.ok(withDocs > 1200, `only ${withDocs} of 3000 transcripts yield documents`);
    assert.ok(emptyTitles > 200, `only ${emptyTitles} transcripts yield an empty title`);
  });

  it('returns the same documents for token soup', () => {
    const soupTranscript = fc.oneof(tokenSoup(60), fc.tuple(fc.constantFrom('<information>Doc 1 (Title:', '<information>doc 1(title:"'), tokenSoup(20)).map(([head, rest]) => head + rest));
    fc.assert(
      fc.property(soupTranscript, extractOptions, (transcript, options) => {
        assert.deepEqual(extractSelectedDocs(transcript, options), regexExtractSelectedDocs(transcript, options));
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('reads selections and tags as the regexes did', () => {
    const tagTokens = fc.constantFrom('<question>', '</question>', '<information>', '</information>', '<', '>', 'question', '/', 'x', '\n', '\ud83d\ude00', '\ud800');
    const text = fc.array(tagTokens, { maxLength: 30 }).map((tokens) => tokens.join(''));
    fc.assert(
      fc.property(text, (t) => {
        assert.deepEqual(
          [...taggedSpans(t, 'information')],
          Array.from(t.matchAll(/<information>(.*?)<\/information>/gs), (m) => ({ start: m.index, content: m[1] })),
        );
        assert.equal(firstTaggedSpan(t, 'question')?.content, regexQuestion(t));
      }),
      { seed: 42, numRuns: 2000 },
    );
    fc.assert(
      fc.property(tokenSoup(20), fc.integer({ min: 0, max: 20 }), (selection, maxId) => {
        assert.deepEqual([...selectedIds(selection, maxId)], [...regexSelectedIds(selection, maxId)]);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('strips whitespace as the Python-strip regex did', () => {
    const pythonWhitespace = new RegExp(`^${PYTHON_WHITESPACE_CLASS}$`);
    for (let code = 0; code <= 0xffff; code++) {
      assert.equal(isPythonWhitespace(code), pythonWhitespace.test(String.fromCharCode(code)), `U+${code.toString(16)}`);
    }
    // Every Python whitespace character, JS-only whitespace (BOM, U+180E) and a few others.
    const chars = [...' \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u180ex\u00e9\ud800'];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...chars), maxLength: 12 }), (text) => {
        assert.equal(stripLikePython(text), regexStripLikePython(text));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  for (const pattern of ADVERSARIAL_PATTERNS) {
    it(`parses a megabyte of adversarial input as small inputs predict: ${pattern.name}`, () => {
      for (const n of [1, 2, 3, 10, 40]) {
        const text = pattern.build(n);
        assert.deepEqual(pattern.referenceParse(text), pattern.expected(n), `regex reference, n = ${n}`);
        assert.deepEqual(pattern.parse(text), pattern.expected(n), `n = ${n}`);
      }
      const n = repetitionsFor(pattern, 1 << 20);
      const text = pattern.build(n);
      assert.ok(text.length >= 1 << 20, `${text.length} characters`);
      assert.deepEqual(pattern.parse(text), pattern.expected(n));
    });
  }
});

it('matchSelections: each selection takes the last block before it unless taken; the generator context follows it', () => {
  const transcript = '<information>Doc 1 (Title: A) a</information><important_info>[1]</important_info>'
    + '<important_info>[1]</important_info><information>Doc 1 (Title: B) b\nDoc 2 (Title: C) c</information><important_info>[2]</important_info>';
  const { blocks, selections } = matchSelections(transcript);
  assert.equal(blocks.length, 2);
  assert.deepEqual(selections.map((s) => s.block), [0, undefined, 1]);
  assert.deepEqual(extractSelectedDocs(transcript).map((d) => d.title), ['A', 'C']);
  assert.deepEqual(matchSelections(transcript, { selection: false }).selections, []);
});
