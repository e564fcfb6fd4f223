// Parsing searcher responses against hand-written transcripts: the exact inputs a model writes,
// well-formed and malformed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSearcherResponse, buildSearcherPrompt, SEARCHER_START_MARKER, transcriptAfterStartMarker } from '@s3lab/toolkit';

const codes = (r: { issues: { code: string }[] }): string[] => r.issues.map((i) => i.code);

describe('parseSearcherResponse', () => {
  it('reads a well-formed turn: selection, flag, JSON query', () => {
    const r = parseSearcherResponse('<think>need the founder</think>\n<important_info>[1, 4]</important_info>\n<search_complete>False</search_complete>\n<query>\n{\n    "query": "Cuga Records founder"\n}\n</query>');
    assert.equal(r.action, 'search');
    assert.equal(r.query, 'Cuga Records founder');
    assert.deepEqual(r.selectedIds, [1, 4]);
    assert.equal(r.searchComplete, false);
    assert.deepEqual(r.issues, []);
  });

  it('cuts the response after </query> and records the dropped text', () => {
    const r = parseSearcherResponse('<query>{"query": "a"}</query>\n<information>Doc 1(Title: x) made up</information>');
    assert.equal(r.response, '<query>{"query": "a"}</query>');
    assert.deepEqual(codes(r), ['text-after-query']);
  });

  it('prepends <query>\\n when the response closes a query it did not open (after the feedback)', () => {
    const r = parseSearcherResponse('{"query": "Maren Talvik birthplace"}\n</query>');
    assert.equal(r.response, '<query>\n{"query": "Maren Talvik birthplace"}\n</query>');
    assert.equal(r.query, 'Maren Talvik birthplace');
    assert.deepEqual(codes(r), ['query-open-tag-added']);
  });

  it('searches the raw text of a query that is not JSON (as the original does)', () => {
    const r = parseSearcherResponse('<query>{"query": "unterminated</query>');
    assert.equal(r.action, 'search');
    assert.equal(r.query, '{"query": "unterminated');
    assert.ok(codes(r).includes('query-not-json'));
    const noKey = parseSearcherResponse('<query>{"q": "x"}</query>');
    assert.equal(noKey.query, '{"q": "x"}');
    assert.ok(codes(noKey).includes('query-without-key'));
    const list = parseSearcherResponse('<query>{"query": ["first", "second"]}</query>');
    assert.equal(list.query, 'first');
    assert.ok(codes(list).includes('query-list'));
  });

  it('treats a response with neither query nor completion as invalid, without throwing', () => {
    for (const text of ['', 'I think the answer is Paris.', '<query>never closed', '<search_complete>maybe</search_complete>', '\u0000\uffff<important_info>[', '<<<>>>']) {
      const r = parseSearcherResponse(text);
      assert.equal(r.action, 'invalid', text);
      assert.equal(r.query, null);
      assert.ok(codes(r).includes('no-action'), text);
    }
    assert.ok(codes(parseSearcherResponse('<search_complete>maybe</search_complete>')).includes('search-complete-unreadable'));
    assert.ok(codes(parseSearcherResponse('<query>never closed')).includes('unbalanced-tag'));
  });

  it('reads search_complete case-insensitively after stripping; true/yes/1/y complete, and win over a query', () => {
    for (const word of ['True', ' true ', 'TRUE', 'yes', 'Y', '1', '\nTrue\n']) {
      const r = parseSearcherResponse(`<search_complete>${word}</search_complete>`);
      assert.equal(r.action, 'complete', JSON.stringify(word));
      assert.equal(r.searchComplete, true);
    }
    for (const word of ['False', 'no', '0', 'n']) assert.equal(parseSearcherResponse(`<search_complete>${word}</search_complete>`).searchComplete, false);
    const both = parseSearcherResponse('<search_complete>True</search_complete><query>{"query": "x"}</query>');
    assert.equal(both.action, 'complete');
    assert.equal(both.query, null);
  });

  it('ignores ids outside 1..maxSelectableId and reports selections over the kept limit', () => {
    const r = parseSearcherResponse('<important_info>[0, 2, 9, 3, 2, 5]</important_info><search_complete>True</search_complete>', { maxSelectableId: 8, keptPerTurn: 2 });
    assert.deepEqual(r.selectedIds, [2, 3, 5]);
    assert.equal(codes(r).filter((c) => c === 'selection-out-of-range').length, 2);
    assert.ok(codes(r).includes('selection-over-limit'));
    assert.deepEqual(parseSearcherResponse('<important_info>[4]</important_info>', { maxSelectableId: 3 }).selectedIds, []);
    const prose = parseSearcherResponse('<important_info>Doc 2 and 3</important_info><search_complete>True</search_complete>');
    assert.deepEqual(prose.selectedIds, [2, 3]);
    assert.ok(codes(prose).includes('selection-not-a-list'));
  });

  it('keeps unicode queries and think blocks intact', () => {
    const r = parseSearcherResponse('<think>Ünïcödé — 東京? 🤔</think><query>{"query": "Zürich 東京 \\u00e9"}</query>');
    assert.equal(r.query, 'Zürich 東京 é');
    assert.ok(r.response.startsWith('<think>Ünïcödé — 東京? 🤔</think>'));
    assert.deepEqual(r.issues, []);
  });
});

describe('buildSearcherPrompt', () => {
  it('ends with the start marker, then the question and the initial information block', () => {
    const prompt = buildSearcherPrompt({ question: 'Who founded Cuga Records?', initialResults: 'Doc 1 (Title: "Cuga Records") Cuga Records was founded by X.\n' });
    assert.equal(prompt.split(SEARCHER_START_MARKER).length, 2);
    assert.equal(transcriptAfterStartMarker(prompt), '\n\n<question>\nWho founded Cuga Records?\n</question>\n<information>\nDoc 1 (Title: "Cuga Records") Cuga Records was founded by X.\n</information>\n');
    assert.ok(!prompt.includes('Boolean'));
    assert.ok(buildSearcherPrompt({ question: 'q', initialResults: '', retriever: 'bm25' }).includes('Boolean operators AND and OR'));
    assert.ok(buildSearcherPrompt({ question: 'q', initialResults: '', keptPerTurn: 4 }).includes('at most 4 documents'));
  });
});
