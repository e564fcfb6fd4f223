import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeAnswer, simpleTokenize, splitLikePython, stripLikePython } from '@s3lab/toolkit';

describe('normalizeAnswer', () => {
  it('lowercases and removes exactly the 32 ASCII punctuation characters', () => {
    assert.equal(normalizeAnswer('Hello, World!'), 'hello world');
    assert.equal(normalizeAnswer('x!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~y'), 'xy');
    assert.equal(normalizeAnswer('U.S.A.'), 'usa');
    assert.equal(normalizeAnswer("rock'n'roll"), 'rocknroll');
  });

  it('keeps non-ASCII punctuation', () => {
    assert.equal(normalizeAnswer('«Paris» — “yes”…'), '«paris» — “yes”…');
    assert.equal(normalizeAnswer('¿Qué?'), '¿qué');
  });

  it('removes a/an/the only as whole words', () => {
    assert.equal(normalizeAnswer('The Theater'), 'theater');
    assert.equal(normalizeAnswer('an answer and a banana'), 'answer and banana');
    assert.equal(normalizeAnswer('THE the A an'), '');
    assert.equal(normalizeAnswer('another thesis'), 'another thesis');
    assert.equal(normalizeAnswer('the1 a2'), 'the1 a2');
  });

  it('removes punctuation before articles, so punctuation can join or free an article', () => {
    assert.equal(normalizeAnswer('the-end'), 'theend');
    assert.equal(normalizeAnswer('(a) b'), 'b');
    assert.equal(normalizeAnswer('A-Team'), 'ateam');
    assert.equal(normalizeAnswer("the's"), 'thes');
    // '_' is punctuation, removed before the word-boundary test.
    assert.equal(normalizeAnswer('a_the'), 'athe');
  });

  it('uses Python 3 word boundaries: letters/digits of any script are word characters, marks are not', () => {
    assert.equal(normalizeAnswer('theΩ the中 the٣ theé'), 'theω the中 the٣ theé');
    assert.equal(normalizeAnswer('the😀'), '😀');
    // NFC "thé" is one word; NFD "the" + U+0301 has a boundary before the combining mark.
    assert.equal(normalizeAnswer('th\u00e9'), 'th\u00e9');
    assert.equal(normalizeAnswer('the\u0301'), '\u0301');
  });

  it('collapses Python whitespace (including NEL and U+001C..U+001F) but not BOM or zero-width space', () => {
    assert.equal(normalizeAnswer(' x\u00a0y\u2003z\u0085w\u001cv\tu\n'), 'x y z w v u');
    assert.equal(normalizeAnswer('\ufeffx'), '\ufeffx');
    assert.equal(normalizeAnswer('x\u200by'), 'x\u200by');
  });

  it('lowercases as Python str.lower() does', () => {
    assert.equal(normalizeAnswer('İstanbul'), 'i\u0307stanbul');
    assert.equal(normalizeAnswer('ΟΔΟΣ ΣΑΣ'), 'οδος σας');
    assert.equal(normalizeAnswer('ẞ STRASSE'), 'ß strasse');
  });

  it('maps empty and content-free strings to the empty string', () => {
    assert.equal(normalizeAnswer(''), '');
    assert.equal(normalizeAnswer('   '), '');
    assert.equal(normalizeAnswer('?!'), '');
    assert.equal(normalizeAnswer('The.'), '');
  });
});

describe('splitLikePython / stripLikePython', () => {
  it('splits on runs of Python whitespace and drops empty parts', () => {
    assert.deepEqual(splitLikePython('  a\u0085b \u3000 c '), ['a', 'b', 'c']);
    assert.deepEqual(splitLikePython(''), []);
    assert.deepEqual(splitLikePython('a\ufeffb'), ['a\ufeffb']);
  });

  it('strips Python whitespace only', () => {
    assert.equal(stripLikePython('\u0085\u001f text \n'), 'text');
    assert.equal(stripLikePython('\ufefftext\ufeff'), '\ufefftext\ufeff');
    assert.equal(stripLikePython(' \t '), '');
  });
});

describe('simpleTokenize', () => {
  it('splits letter/digit/mark runs from single other characters, lowercased', () => {
    assert.deepEqual(simpleTokenize("Don't STOP!"), ['don', "'", 't', 'stop', '!']);
    assert.deepEqual(simpleTokenize('3.14'), ['3', '.', '14']);
    assert.deepEqual(simpleTokenize('a--b'), ['a', '-', '-', 'b']);
  });

  it('keeps combining marks inside tokens and drops separators and controls', () => {
    assert.deepEqual(simpleTokenize('Zu\u0308rich'), ['zu\u0308rich']);
    assert.deepEqual(simpleTokenize('\u0301'), ['\u0301']);
    assert.deepEqual(simpleTokenize('a\u00a0b\u200dc\u0085d'), ['a', 'b', 'c', 'd']);
  });

  it('handles non-Latin scripts and symbols', () => {
    assert.deepEqual(simpleTokenize('東京タワー 東京'), ['東京タワー', '東京']);
    assert.deepEqual(simpleTokenize('Москва, ١٢٣'), ['москва', ',', '١٢٣']);
    assert.deepEqual(simpleTokenize('👍🏽€'), ['👍', '🏽', '€']);
  });

  it('lowercases each token on its own (final sigma) and as Python does', () => {
    assert.deepEqual(simpleTokenize('ΟΔΟΣ ΑΣ'), ['οδος', 'ας']);
    assert.deepEqual(simpleTokenize('İ'), ['i\u0307']);
  });

  it('gives no tokens for empty or blank text', () => {
    assert.deepEqual(simpleTokenize(''), []);
    assert.deepEqual(simpleTokenize(' \n\t\u3000'), []);
  });
});
