import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exactMatch, f1Score, hasAnswerTokens, normalizeAnswer, Random, simpleTokenize, spanMatch } from '@s3lab/toolkit';

describe('exactMatch', () => {
  it('compares normalised strings, against one gold or several', () => {
    assert.equal(exactMatch('The Beatles!', 'beatles'), true);
    assert.equal(exactMatch('the Eiffel Tower.', ['La tour Eiffel', 'Eiffel Tower']), true);
    assert.equal(exactMatch('Eiffel Tower, Paris', ['Eiffel Tower']), false);
  });

  it('never matches an empty gold list; empty strings match golds that normalise to nothing', () => {
    assert.equal(exactMatch('anything', []), false);
    assert.equal(exactMatch('', ['The']), true);
    assert.equal(exactMatch('', ['x']), false);
  });

  it('is sensitive to accents and NFC/NFD form (no unicode normalisation in EM)', () => {
    assert.equal(exactMatch('Zurich', ['Zürich']), false);
    assert.equal(exactMatch('Zu\u0308rich', ['Z\u00fcrich']), false);
  });
});

describe('f1Score', () => {
  it('is the SQuAD token F1 of the normalised answers', () => {
    assert.equal(f1Score('Paris France', ['Paris']), 2 / 3);
    assert.equal(f1Score('The Paris!', 'paris'), 1);
    assert.equal(f1Score('x x y', ['x y y']), 2 / 3);
    assert.equal(f1Score('a b', ['c d']), 0);
  });

  it('takes the best gold, and 0 without golds', () => {
    assert.equal(f1Score('new york city', ['york', 'new york city', 'boston']), 1);
    assert.equal(f1Score('anything', []), 0);
  });

  it('scores two empty answers 1 and one empty answer 0, with no yes/no special case', () => {
    assert.equal(f1Score('the', ['a']), 1);
    assert.equal(f1Score('', ['x']), 0);
    assert.equal(f1Score('x', ['?']), 0);
    assert.equal(f1Score('yes', ['yes no']), 2 / 3);
  });
});

describe('spanMatch', () => {
  it('finds a gold token sequence anywhere in the prediction', () => {
    assert.equal(spanMatch('It was Paris, France.', ['paris']), true);
    assert.equal(spanMatch('the New York City marathon', ['York City']), true);
    assert.equal(spanMatch('city york', ['york city']), false);
  });

  it('matches whole tokens only', () => {
    assert.equal(spanMatch('Parisian food', ['paris']), false);
    assert.equal(spanMatch('東京タワー', ['東京']), false);
    assert.equal(spanMatch('東京 タワー', ['東京']), true);
  });

  it('normalises punctuation and articles on both sides first', () => {
    assert.equal(spanMatch('I think the usa', ['U.S.A.']), true);
    assert.equal(spanMatch('3.14', ['314']), true);
    assert.equal(spanMatch('the-end', ['end']), false);
  });

  it('compares NFD forms: NFC and NFD spellings match, accents still count', () => {
    assert.equal(spanMatch('in Zu\u0308rich', ['Z\u00fcrich']), true);
    assert.equal(spanMatch('in Z\u00fcrich', ['Zu\u0308rich']), true);
    assert.equal(spanMatch('in Zurich', ['Zürich']), false);
  });

  it('succeeds if any gold matches; a gold that normalises to nothing matches every prediction', () => {
    assert.equal(spanMatch('born 1879', ['1880', '1879']), true);
    assert.equal(spanMatch('no idea', ['The']), true);
    assert.equal(spanMatch('', ['?']), true);
    assert.equal(spanMatch('', ['x']), false);
    assert.equal(spanMatch('x', []), false);
  });

  it('hasAnswerTokens works on raw text (no SQuAD normalisation)', () => {
    assert.equal(hasAnswerTokens('The U.S.A. team', ['u.s.a']), true);
    assert.equal(hasAnswerTokens('The USA team', ['u.s.a']), false);
    assert.equal(hasAnswerTokens('', ['']), true);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential test against a Python reference of the original code (test/reward/reference_metrics.py).

const PYTHON = '/usr/bin/python3';
const REFERENCE = fileURLToPath(new URL('./reference_metrics.py', import.meta.url));

interface ReferenceResponse {
  normalize: string[];
  tokenize: string[][];
  em: boolean[];
  f1: number[];
  span: boolean[];
}

function runReference(request: object): ReferenceResponse {
  const probe = spawnSync(PYTHON, ['-c', 'import regex'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    assert.fail(
      `the differential test needs ${PYTHON} with the "regex" module (Debian packages python3 and ` +
        `python3-regex; \`npm test\` run as root installs them): ${probe.error?.message ?? probe.stderr}`,
    );
  }
  const run = spawnSync(PYTHON, [REFERENCE], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, `reference_metrics.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ReferenceResponse;
}

// Characters all assigned by Unicode 14, so that Python's and Node's tables agree on them.
const WORDS = [
  'the', 'The', 'THE', 'a', 'A', 'an', 'An', 'AN', 'theater', 'another', 'banana', 'ana', 'athe', 'thé',
  'the\u0301', 'l\'an', 'café', 'cafe\u0301', 'Ærøskøbing', 'straße', 'STRASSE', 'ẞ', 'İstanbul', 'ıi',
  'ΟΔΟΣ', 'σας', 'Москва', '東京', 'タワー', 'नमस्ते', 'مرحبا', '١٢٣', '３', '½', '²', 'Ⅻ', 'x_y', '_the_',
  'naïve', 'e\u0301', '\u0301', 'ﬁ', '\u212b', '\u212a', 'ǅ', 'ß', '😀', '👍🏽', 'a.b', 'U.S.A.', '1,000',
  '3.14', "don't", "rock'n'roll", 'Paris', 'paris', 'France', 'new', 'york', 'city', 'yes', 'no', '1879',
  '\u00ad', '\u200d', '\u0345', 'Ⓐ', 'ⓐ',
];
const PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', '—', '–', '“', '”', '«', '»', '¿', '¡', '…', '‰', '€', '£', '©', '™', '·', '،'];
const SPACES = [' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\u0085', '\u001c', '\u001f', '\ufeff', '\u200b', '\v', '\f', '\u2028', '\u180e', ''];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function pieces(random: () => number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    out.push(roll < 0.7 ? pick(random, WORDS) : roll < 0.9 ? pick(random, PUNCTUATION) : pick(random, SPACES));
  }
  return out;
}

function join(random: () => number, parts: readonly string[]): string {
  return parts.map((part, i) => (i === 0 ? part : pick(random, SPACES) + part)).join('');
}

function recase(random: () => number, text: string): string {
  const roll = random();
  if (roll < 0.2) return text.toUpperCase();
  if (roll < 0.35) return text.normalize('NFD');
  if (roll < 0.5) return text.normalize('NFC');
  return text;
}

/** A prediction and golds, some of them taken from the prediction so that matches happen. */
function generateCase(random: () => number): [string, string[]] {
  const predictionParts = pieces(random, Math.floor(random() * 9));
  const prediction = recase(random, join(random, predictionParts));
  const golds: string[] = [];
  const goldCount = Math.floor(random() * 4);
  for (let g = 0; g < goldCount; g++) {
    if (predictionParts.length > 0 && random() < 0.6) {
      const start = Math.floor(random() * predictionParts.length);
      const end = start + 1 + Math.floor(random() * Math.min(3, predictionParts.length - start));
      golds.push(recase(random, join(random, predictionParts.slice(start, end))));
    } else {
      golds.push(join(random, pieces(random, Math.floor(random() * 4))));
    }
  }
  return [prediction, golds];
}

describe('differential test against the Python reference', () => {
  const rng = new Random(20250514, 'metrics-differential');
  const random = (): number => rng.next();
  const cases = Array.from({ length: 600 }, () => generateCase(random));
  const texts = cases.flatMap(([prediction, golds]) => [prediction, ...golds]);
  // Run lazily inside the tests, so that a missing Python shows up as failed tests.
  let cached: ReferenceResponse | undefined;
  const python = (): ReferenceResponse =>
    (cached ??= runReference({ normalize: texts, tokenize: texts, em: cases, f1: cases, span: cases }));

  it('normalizeAnswer equals Python normalize_answer on every string', () => {
    const reference = python();
    assert.ok(texts.length > 1000);
    texts.forEach((text, i) => assert.equal(normalizeAnswer(text), reference.normalize[i], JSON.stringify(text)));
  });

  it('simpleTokenize equals SimpleTokenizer().tokenize(s).words(uncased=True) on every string', () => {
    const reference = python();
    texts.forEach((text, i) => assert.deepEqual(simpleTokenize(text), reference.tokenize[i], JSON.stringify(text)));
  });

  it('exactMatch, f1Score and spanMatch equal em_check, token F1 and answer_span_check on every case', () => {
    const reference = python();
    cases.forEach(([prediction, golds], i) => {
      const label = JSON.stringify([prediction, golds]);
      assert.equal(exactMatch(prediction, golds), reference.em[i], label);
      assert.equal(f1Score(prediction, golds), reference.f1[i], label);
      assert.equal(spanMatch(prediction, golds), reference.span[i], label);
    });
    // The generated cases must exercise both outcomes, or the comparison proves little.
    const count = (values: boolean[]): number => values.filter(Boolean).length;
    assert.ok(count(reference.em) > 30, `only ${count(reference.em)} exact matches`);
    assert.ok(count(reference.span) > 150 && count(reference.span) < 550, `${count(reference.span)} span matches`);
    assert.ok(reference.f1.filter((f) => f > 0 && f < 1).length > 50, 'too few partial F1 scores');
  });
});
