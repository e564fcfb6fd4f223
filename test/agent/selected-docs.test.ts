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
  type SelectedDoc,
} from '@s3lab/toolkit';

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
