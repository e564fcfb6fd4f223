// The transcript view on trajectories whose marks are known: s3 runs made by the real loop (prompt,
// parser, environment, extractSelectedDocs) with a policy that writes canned responses and a retriever
// that answers from a fixed table, so that each mark's right value can be stated; docs-protocol
// trajectories as the baselines build them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  runSearchLoop, sideBySide, stopReason, transcriptView, type Hit, type Issue, type PolicyOutput, type Retriever,
  type SearcherPolicy, type Trajectory, type Turn,
} from '@s3lab/toolkit';

const QUESTION = 'In what year was the employer of Neistakron Roshivain founded?';

/** Passage pN has title "Title N" and text "Text of pN."; a query's hits are listed in RESULTS. */
function hit(n: number): Hit {
  return { id: `p${n}`, title: `Title ${n}`, text: `Text of p${n}.`, score: 10 - n, contents: `"Title ${n}"\nText of p${n}.` };
}
const RESULTS: Record<string, number[]> = {
  [QUESTION]: [1, 2, 3],
  'Vinddale House': [4, 5, 6, 7],
  'Vinddale founded': [8, 9],
  nothing: [],
};
const retriever: Retriever = {
  search: async (queries, k) => queries.map((q) => (RESULTS[q] ?? []).slice(0, k).map(hit)),
};

/** Writes `responses[turn]` (or fails the turn with an issue, as a backend error does). */
function cannedPolicy(responses: readonly (string | Issue)[]): SearcherPolicy {
  return {
    name: 'canned',
    act: async (states, turn) => states.map((): PolicyOutput => {
      const r = responses[turn] ?? '';
      return typeof r === 'string' ? { text: r, finishReason: 'stop', tokens: r.length, issues: [] } : { text: '', finishReason: 'none', tokens: 0, issues: [r] };
    }),
  };
}

async function s3Run(responses: readonly (string | Issue)[], options: { selection?: boolean } = {}): Promise<Trajectory> {
  const [t] = await runSearchLoop({ questions: [QUESTION], retriever, policy: cannedPolicy(responses), preset: '8-3-3', initialDocs: 3, ...options });
  assert.ok(t);
  return t;
}

const query = (q: string): string => `<query>{"query": "${q}"}</query>`;

function docsTrajectory(fields: { method: string; turns: Partial<Turn>[]; docs: number[]; answer?: string | null }): Trajectory {
  const turns: Turn[] = fields.turns.map((t) => ({
    output: '', response: '', observation: '', action: 'search', query: null, retrieved: [], selectedIds: [], searchComplete: false,
    finishReason: 'none', tokens: 0, issues: [], ...t,
  }));
  const selectedDocs = fields.docs.map((n) => ({ title: `Title ${n}`, text: `Text of p${n}.` }));
  return {
    method: fields.method, question: QUESTION, preset: null, protocol: 'docs', prompt: '', maxSelectableId: 8, turns, selectedDocs,
    context: selectedDocs.map((d, i) => `Doc ${i + 1} (Title: ${d.title})\n${d.text}\n\n`).join(''), answer: fields.answer ?? null,
    counts: { documents: selectedDocs.length, searcherTokens: 0, turns: turns.length, searches: turns.length }, issues: [], meta: {},
  };
}

const retrieved = (ns: number[]) => ns.map((n) => ({ id: `p${n}`, title: `"Title ${n}"`, text: `Text of p${n}.`, score: 1 }));
const docIdByText = (doc: { text: string }): string | undefined => /^Text of (p\d+)\.$/u.exec(doc.text)?.[1];

describe('transcriptView of an s3 run', () => {
  test('marks the needed passages, what each selection kept from its own block, and what reached the generator', async () => {
    // turn 1 keeps 2 of the initial results and searches; turn 2 keeps 1 and 3 of turn 1's results and searches
    // again without selecting from what comes back; turn 3 completes, keeping 2 of turn 2's results.
    const t = await s3Run([
      `<important_info>[2]</important_info><search_complete>False</search_complete>${query('Vinddale House')}`,
      `<important_info>[1, 3]</important_info><search_complete>False</search_complete>${query('Vinddale founded')}`,
      '<important_info>[2]</important_info><search_complete>True</search_complete>',
    ]);
    const view = transcriptView(t, { supporting: ['p2', 'p6', 'p9'], docId: docIdByText });
    const [initial, turn1, turn2, turn3] = view.steps;
    assert.deepEqual(initial?.docs.map((d) => d.id), ['p1', 'p2', 'p3'], 'the initial results, read from the prompt, get their ids from docId');
    assert.deepEqual(initial?.docs.map((d) => [d.n, d.supporting, d.kept, d.toGenerator]), [[1, false, false, false], [2, true, true, true], [3, false, false, false]]);
    assert.deepEqual(turn1?.selections, [{ ids: [2], from: 'the initial results' }]);
    assert.deepEqual(turn1?.docs.map((d) => [d.id, d.supporting, d.kept, d.toGenerator]), [
      ['p4', false, true, true], ['p5', false, false, false], ['p6', true, true, true], ['p7', false, false, false],
    ], 'turn 2 kept [1, 3] of turn 1\'s results: p4 and p6');
    assert.deepEqual(turn2?.selections, [{ ids: [1, 3], from: "turn 1's results" }]);
    assert.deepEqual(turn3?.selections, [{ ids: [2], from: "turn 2's results" }]);
    assert.deepEqual(turn2?.docs.map((d) => [d.id, d.supporting, d.kept, d.toGenerator]), [['p8', false, false, false], ['p9', true, true, true]]);
    assert.equal(view.stop.kind, 'complete');

    // The same marks in both renderings: ★ needed, ✓ kept, → to the generator.
    assert.match(view.text, /★✓→ 2\. Title 2 \[p2\] Text of p2\./u);
    assert.match(view.text, / {2}✓→ 1\. Title 4 \[p4\]/u);
    assert.match(view.text, / {3}2\. Title 5 \[p5\]/u);
    assert.match(view.text, /p9: in the context \(retrieved: turn 2 #2\)/u);
    assert.match(view.html, /<tr style="[^"]*"><td[^>]*>2<\/td><td[^>]*>p2<\/td><td[^>]*>★<\/td><td[^>]*>✓<\/td><td[^>]*>→<\/td>/u, 'a needed row is highlighted and marked');
    assert.match(view.html, /<tr><td[^>]*>2<\/td><td[^>]*>p5<\/td><td[^>]*><\/td><td[^>]*><\/td><td[^>]*><\/td>/u, 'an unmarked row has empty mark cells');
  });

  test('a block no selection took goes to the generator whole; a selection with no block left is reported as ignored', async () => {
    // turn 1 searches without selecting, so no selection ever takes the initial results; turn 2 keeps 1 of turn 1's.
    const t = await s3Run([
      `<search_complete>False</search_complete>${query('Vinddale House')}`,
      '<important_info>[1]</important_info><search_complete>True</search_complete>',
    ]);
    const view = transcriptView(t, { docId: docIdByText });
    assert.deepEqual(view.steps[0]?.docs.map((d) => [d.kept, d.toGenerator]), [[false, true], [false, true], [false, true]], 'untaken initial block: everything to the generator, nothing kept');
    assert.deepEqual(view.steps[1]?.docs.map((d) => [d.kept, d.toGenerator]), [[true, true], [false, false], [false, false], [false, false]]);

    // Two selections in one response: the first takes the initial results, the second finds that block taken.
    const twice = await s3Run(['<important_info>[1]</important_info><important_info>[2]</important_info><search_complete>True</search_complete>']);
    assert.deepEqual(transcriptView(twice).steps[1]?.selections, [{ ids: [1], from: 'the initial results' }, { ids: [2], from: null }]);
    assert.match(transcriptView(twice).text, /kept \[2\], ignored: no block left for it/u);
  });

  test('without docId the initial results show no id and cannot be marked as needed', async () => {
    const t = await s3Run(['<important_info>[1]</important_info><search_complete>True</search_complete>']);
    const [initial] = transcriptView(t, { supporting: ['p1'] }).steps;
    assert.deepEqual(initial?.docs.map((d) => [d.id, d.supporting, d.kept]), [[undefined, false, true], [undefined, false, false], [undefined, false, false]]);
  });

  test('escapes model text in HTML, <information> written by the model included, and keeps it verbatim in text', async () => {
    // The searcher writes an <information> block and selects from it: the extraction takes that block, so its
    // markup reaches the generator's context too.
    const written = '<think>a & b</think><information>Doc 1(Title: "X") <script>alert(1)</script></information><important_info>[1]</important_info>';
    const t = await s3Run([`${written}<search_complete>False</search_complete>${query('Vinddale House')}`, '<search_complete>True</search_complete>']);
    const view = transcriptView(t, { generator: { answer: '<b>1847</b>', name: 'gen<1>' } });
    assert.deepEqual(view.steps[1]?.selections, [{ ids: [1], from: 'a block turn 1 wrote itself' }]);
    assert.ok(t.context.includes('<script>alert(1)</script>'), 'the model\'s own document is in the context');
    assert.ok(!view.html.includes('<script>'), 'no model markup reaches the HTML');
    assert.ok(!view.html.includes('<information>') && !view.html.includes('<think>') && !view.html.includes('<b>1847</b>'));
    assert.ok(view.html.includes('&lt;information&gt;Doc 1(Title: &quot;X&quot;) &lt;script&gt;alert(1)&lt;/script&gt;&lt;/information&gt;'));
    assert.ok(view.html.includes('&lt;b&gt;1847&lt;/b&gt;') && view.html.includes('gen&lt;1&gt;'));
    assert.ok(view.text.includes(`| ${written}`), 'text/plain shows what the model wrote as it wrote it');
    assert.equal(view.toMimeBundle({ embedPlotly: false })['text/html'], view.html);
  });
});

describe('stopReason', () => {
  test('search complete', async () => {
    const t = await s3Run(['<search_complete>True</search_complete>']);
    assert.deepEqual(stopReason(t), { kind: 'complete', turn: 1, text: 'turn 1: the searcher declared the search complete (<search_complete>True</search_complete>)' });
  });

  test('the turn limit: a last query that is not run, or a last response with no action', async () => {
    const searching = await s3Run([query('Vinddale House'), query('Vinddale founded'), query('nothing'), query('never run')]);
    assert.equal(searching.turns.length, 4);
    assert.equal(stopReason(searching).kind, 'turn-limit');
    assert.match(stopReason(searching).text, /^turn 4: the turn limit \(the search turns are used up/u);
    const rambling = await s3Run([query('Vinddale House'), query('nothing'), query('nothing'), 'I am not sure.']);
    assert.deepEqual(stopReason(rambling), { kind: 'turn-limit', turn: 4, text: 'turn 4: the turn limit (the turns ran out)' });
    assert.match(transcriptView(rambling).text, /turn 3: search · search_complete False · query "nothing"\n[^]*results \(0\):\n {6}\(no documents\)/u, 'a search that found nothing says so');
  });

  test('an issue: the last turn produced nothing', async () => {
    const error: Issue = { turn: 3, code: 'model-error', message: 'connection reset' };
    const t = await s3Run([query('nothing'), query('nothing'), query('nothing'), error]);
    assert.deepEqual(stopReason(t), { kind: 'issue', turn: 4, text: 'turn 4: model-error: connection reset' });
  });

  test('an answer (Search-R1), its turn limit, and an answer turn with no answer', () => {
    const answered = docsTrajectory({
      method: 'search-r1', docs: [4], answer: '1847',
      turns: [{ output: '<search>Vinddale House</search>', query: 'Vinddale House', retrieved: retrieved([4]), observation: '\n\n<information>Doc 1(Title: "Title 4") Text of p4.</information>\n\n' }, { output: '<answer>1847</answer>', action: 'answer' }],
    });
    assert.deepEqual(stopReason(answered), { kind: 'answer', turn: 2, text: 'turn 2: the model answered "1847"' });
    const view = transcriptView(answered, { golden: ['1847'], generator: { answer: 'It was 1846.' } });
    assert.match(view.text, /the method's own answer: "1847" ✓ contains a golden answer \(span match\)/u);
    assert.match(view.text, /generator answer: "It was 1846\." ✗ no golden answer in it \(span match\)/u);
    assert.match(view.html, /<b>the method's own answer<\/b> 1847 ✓/u);

    const limited = docsTrajectory({ method: 'search-r1', docs: [], turns: [{ output: 'hmm', action: 'invalid', issues: [{ turn: 0, code: 'turn-limit', message: 'no answer within the turn limit' }] }] });
    assert.deepEqual(stopReason(limited), { kind: 'turn-limit', turn: 1, text: 'turn 1: the turn limit (no answer within the turn limit)' });
    assert.ok(!transcriptView(limited).text.includes("the method's own answer"), 'no own answer line when the method wrote none');
    const empty = docsTrajectory({ method: 'ircot', docs: [], turns: [{ output: '.', action: 'answer', issues: [{ turn: 0, code: 'empty-sentence', message: 'the model wrote no reasoning sentence' }] }] });
    assert.equal(stopReason(empty).kind, 'issue');
  });

  test('one search by design (naive RAG, DeepRetrieval), and no turns (no retrieval)', () => {
    const rag = docsTrajectory({ method: 'naive-rag', docs: [1, 2, 3], turns: [{ query: QUESTION, retrieved: retrieved([1, 2, 3]) }] });
    assert.deepEqual(stopReason(rag), { kind: 'one-search', turn: 1, text: 'one search, for the question itself, by design: its 3 results go to the generator' });
    const rewrite = docsTrajectory({ method: 'deep-retrieval', docs: [4], turns: [{ output: '<answer>{"query": "Vinddale"}</answer>', query: 'Vinddale', retrieved: retrieved([4]) }] });
    assert.match(stopReason(rewrite).text, /^one search, for "Vinddale"/u);
    const none = docsTrajectory({ method: 'no-retrieval', docs: [], turns: [] });
    assert.equal(stopReason(none).kind, 'no-turns');
    assert.match(transcriptView(none).text, /generator context \(0 documents\):\n {4}\(empty: the generator answers from the question alone\)/u);
  });
});

describe('transcriptView of a docs-protocol method', () => {
  test('marks what reached the generator (deduplicated by the method) and has no kept column', () => {
    const t = docsTrajectory({ method: 'deep-retrieval', docs: [4, 6], turns: [{ output: 'rewrite', query: 'Vinddale', retrieved: retrieved([4, 5, 6]) }] });
    const view = transcriptView(t, { supporting: ['p6'] });
    assert.deepEqual(view.steps[0]?.docs.map((d) => [d.id, d.supporting, d.kept, d.toGenerator]), [['p4', false, undefined, true], ['p5', false, undefined, false], ['p6', true, undefined, true]]);
    assert.ok(!view.html.includes('title="kept by the searcher"'), 'no ✓ column');
    assert.match(view.text, /\(★ needed by the question · → handed to the generator\)/u);
    assert.match(view.text, /★ → 3\. Title 6 \[p6\]/u);
  });
});

describe('sideBySide', () => {
  test('columns in HTML, one after the other in text, in order', () => {
    const a = transcriptView(docsTrajectory({ method: 'naive-rag', docs: [1], turns: [{ query: QUESTION, retrieved: retrieved([1]) }] }), { title: 'A <left>' });
    const b = transcriptView(docsTrajectory({ method: 'naive-rag', docs: [2], turns: [{ query: QUESTION, retrieved: retrieved([2]) }] }), { title: 'B' });
    const bundle = sideBySide([a, b], { caption: 'same question' }).toMimeBundle({ embedPlotly: false });
    const html = String(bundle['text/html']);
    assert.match(html, /display:flex/u);
    assert.equal(html.split('flex:1 1 22em').length - 1, 2, 'one column each');
    assert.ok(html.indexOf(a.html) > 0 && html.indexOf(a.html) < html.indexOf(b.html), 'each view\'s own HTML, in order');
    const text = String(bundle['text/plain']);
    assert.ok(text.startsWith('same question\n'));
    assert.ok(text.indexOf(a.text) < text.indexOf(b.text) && text.includes(a.text) && text.includes(b.text));
  });
});
