// The scripted searcher end to end on the lab world with the real BM25 index.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  runScriptedSearcher, naiveRag, replayTrajectory, saveTrajectories, loadTrajectories, showTrajectory,
  parseSearcherResponse, getMethod, trajectorySchema, type Trajectory,
} from '@s3lab/toolkit';
import { labIndex, labQuestions } from './lab.js';

function hasAllSupport(t: Trajectory, support: readonly string[], idOfText: Map<string, string>): boolean {
  const ids = new Set(t.selectedDocs.map((d) => idOfText.get(d.text)));
  return support.every((id) => ids.has(id));
}

describe('scripted searcher on the lab world', () => {
  it('finds all supporting passages of bridge questions more often than naive RAG with the same number of documents (100 dev questions)', async () => {
    const { index, idOfText } = labIndex();
    const bridge = labQuestions('dev').filter((q) => q.type === 'bridge').slice(0, 100);
    const scripted = await runScriptedSearcher({ questions: bridge.map((q) => q.question), retriever: index });
    let scriptedHits = 0;
    let naiveHits = 0;
    for (const [i, q] of bridge.entries()) {
      const t = scripted[i]!;
      assert.deepEqual(t.issues, [], 'the scripted transcript is in the s3 grammar');
      if (hasAllSupport(t, q.supporting_facts, idOfText)) scriptedHits++;
      const [naive] = await naiveRag.run([q.question], { retriever: index, k: t.counts.documents });
      if (hasAllSupport(naive!, q.supporting_facts, idOfText)) naiveHits++;
    }
    const meanDocs = scripted.reduce((s, t) => s + t.counts.documents, 0) / scripted.length;
    console.log(`bridge, 100 dev questions: all supporting passages in context — scripted ${scriptedHits}%, naive RAG at equal budget ${naiveHits}% (${meanDocs.toFixed(2)} documents on average)`);
    assert.ok(scriptedHits > naiveHits + 15, `scripted ${scriptedHits} vs naive ${naiveHits}`);
  });

  it("names-only follow-up queries (query: 'names') hold one name, no question, and find the bridge passages at least as often as question + names", async () => {
    const { index, idOfText } = labIndex();
    const bridge = labQuestions('dev').filter((q) => q.type === 'bridge').slice(0, 100);
    const questions = bridge.map((q) => q.question);
    const hits = (runs: Trajectory[]): number => runs.filter((t, i) => hasAllSupport(t, bridge[i]!.supporting_facts, idOfText)).length;
    const withQuestion = await runScriptedSearcher({ questions, retriever: index, maxNames: 1 });
    const namesOnly = await runScriptedSearcher({ questions, retriever: index, maxNames: 1, query: 'names' });
    for (const [i, t] of namesOnly.entries()) {
      const query = t.turns.find((u) => u.action === 'search')?.query ?? '';
      const other = withQuestion[i]!.turns.find((u) => u.action === 'search')?.query;
      // Where the kept documents name nobody new, both queries are the question itself.
      if (query === questions[i]) assert.equal(other, query);
      else assert.equal(other, `${questions[i]} ${query}`, 'the names-only query is the name the question+names query adds');
    }
    console.log(`bridge, 100 dev questions, one name: all supporting passages in context — names only ${hits(namesOnly)}%, question + names ${hits(withQuestion)}%`);
    assert.ok(hits(namesOnly) >= hits(withQuestion), `names only ${hits(namesOnly)} vs question + names ${hits(withQuestion)}`);
  });

  it('writes what a good searcher would: every response parses cleanly; JSONL save/load and replay give the same context', async () => {
    const { index } = labIndex();
    const questions = labQuestions('dev').slice(0, 40).map((q) => q.question);
    const trajectories = await runScriptedSearcher({ questions, retriever: index, preset: '5-3-4' });
    for (const t of trajectories) {
      trajectorySchema.parse(t);
      assert.equal(t.preset, '5-3-4');
      for (const turn of t.turns) {
        assert.deepEqual(parseSearcherResponse(turn.output, { maxSelectableId: 5, keptPerTurn: 4 }).issues, []);
        assert.ok(turn.selectedIds.length <= 4);
        assert.ok(turn.retrieved.length === 0 || turn.retrieved.length === 5);
      }
      assert.equal(t.turns.at(-1)?.action, 'complete');
    }
    const path = join(mkdtempSync(join(tmpdir(), 's3lab-agent-')), 'scripted.jsonl');
    await saveTrajectories(path, trajectories);
    const loaded = await loadTrajectories(path);
    assert.deepEqual(loaded, trajectories);
    for (const t of loaded) {
      const replay = replayTrajectory(t);
      assert.deepEqual(replay.mismatches, []);
      assert.equal(replay.context, t.context);
    }
    assert.match(showTrajectory(loaded[0]!), /\[scripted 5-3-4\]/);
  });

  it('is deterministic and reachable by name', async () => {
    const { index } = labIndex();
    const questions = labQuestions('dev').slice(0, 10).map((q) => q.question);
    const scripted = getMethod('scripted');
    assert.deepEqual(await scripted.run(questions, { retriever: index }), await runScriptedSearcher({ questions, retriever: index }));
    assert.deepEqual(await scripted.run(questions, { retriever: index, preset: '5-3-4', retrieverKind: 'bm25' }), await runScriptedSearcher({ questions, retriever: index, preset: '5-3-4', retrieverKind: 'bm25' }));
    assert.throws(() => getMethod('nope'), /unknown method "nope"; known: no-retrieval, naive-rag, s3, scripted/);
  });
});
