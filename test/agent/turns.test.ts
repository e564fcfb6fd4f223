// The batched turn driver on its own: a toy protocol over a recording retriever, so the order and
// batching of the calls (the property every multi-turn method relies on) is visible.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTurns, type Hit, type Retriever, type TurnProtocol } from '@s3lab/toolkit';

interface Run { name: string; plan: string[]; log: string[]; done: boolean }

/** A retriever that answers query q with k hits titled `q#i`, recording every call. */
function recordingRetriever(): Retriever & { calls: { queries: string[]; k: number }[] } {
  const calls: { queries: string[]; k: number }[] = [];
  return {
    calls,
    search: async (queries, k) => {
      calls.push({ queries: [...queries], k });
      return queries.map((q) => Array.from({ length: k }, (_, i): Hit => ({ id: `${q}#${i}`, title: `${q}#${i}`, text: `text of ${q}`, score: 1, contents: `"${q}#${i}"\ntext of ${q}` })));
    },
  };
}

/** Each run follows its plan: `search X` searches X, `stop` ends it, anything else is a no-op turn. */
function planProtocol(events: string[], withAfterSearch: boolean): TurnProtocol<Run, string, { word: string; arg: string }, string> {
  return {
    generate: async (active, turn) => {
      events.push(`generate t${turn} [${active.map((r) => r.name).join(',')}]`);
      return active.map((r) => r.plan[turn] ?? 'stop');
    },
    parse: (_run, output) => {
      const [word = '', arg = ''] = (output ?? '').split(' ');
      return { word, arg };
    },
    query: (p) => (p.word === 'search' ? p.arg : null),
    ...(withAfterSearch ? {
      afterSearch: async (searched: readonly { run: Run; retrieved: { title: string }[] }[], turn: number) => {
        events.push(`afterSearch t${turn} [${searched.map((s) => s.run.name).join(',')}]`);
        return searched.map((s) => `notes on ${s.retrieved.map((d) => d.title).join('+')}`);
      },
    } : {}),
    apply: (run, step, turn) => {
      events.push(`apply t${turn} ${run.name}`);
      run.log.push(`${step.parsed.word}:${step.searched}:${step.retrieved.length}:${step.extra ?? '-'}`);
      if (step.parsed.word === 'stop') run.done = true;
    },
  };
}

describe('runTurns', () => {
  it('per turn: one generate over the active runs, one batched search for those that search, then apply in order; done runs drop out', async () => {
    const retriever = recordingRetriever();
    const events: string[] = [];
    const runs: Run[] = [
      { name: 'a', plan: ['search x', 'search y', 'stop'], log: [], done: false },
      { name: 'b', plan: ['stop'], log: [], done: false },
      { name: 'c', plan: ['think', 'search z', 'search w', 'search v'], log: [], done: false },
    ];
    await runTurns(runs, planProtocol(events, false), { turns: 3, retriever, k: 2 });
    assert.deepEqual(events, [
      'generate t0 [a,b,c]', 'apply t0 a', 'apply t0 b', 'apply t0 c',
      'generate t1 [a,c]', 'apply t1 a', 'apply t1 c',
      'generate t2 [a,c]', 'apply t2 a', 'apply t2 c',
    ]);
    assert.deepEqual(retriever.calls, [{ queries: ['x'], k: 2 }, { queries: ['y', 'z'], k: 2 }, { queries: ['w'], k: 2 }]);
    assert.deepEqual(runs.map((r) => r.log), [
      ['search:true:2:-', 'search:true:2:-', 'stop:false:0:-'],
      ['stop:false:0:-'],
      ['think:false:0:-', 'search:true:2:-', 'search:true:2:-'],
    ]);
    assert.deepEqual(runs.map((r) => r.done), [true, true, false], 'a run still active after the last turn stays active');
  });

  it("the post-search step sees only the runs that searched, in order, with their documents as the transcript prints them (quoted titles), before apply; a turn without searches skips it", async () => {
    const retriever = recordingRetriever();
    const events: string[] = [];
    const runs: Run[] = [
      { name: 'a', plan: ['search x', 'think'], log: [], done: false },
      { name: 'b', plan: ['think', 'think'], log: [], done: false },
      { name: 'c', plan: ['search y', 'stop'], log: [], done: false },
    ];
    await runTurns(runs, planProtocol(events, true), { turns: 2, retriever, k: 1 });
    assert.deepEqual(events, [
      'generate t0 [a,b,c]', 'afterSearch t0 [a,c]', 'apply t0 a', 'apply t0 b', 'apply t0 c',
      'generate t1 [a,b,c]', 'apply t1 a', 'apply t1 b', 'apply t1 c',
    ]);
    assert.deepEqual(runs[0]?.log, ['search:true:1:notes on "x#0"', 'think:false:0:-']);
    assert.deepEqual(runs[2]?.log, ['search:true:1:notes on "y#0"', 'stop:false:0:-']);
  });

  it('stops as soon as every run is done, and runs no turn for no runs', async () => {
    const retriever = recordingRetriever();
    const events: string[] = [];
    await runTurns([{ name: 'a', plan: ['stop'], log: [], done: false }], planProtocol(events, false), { turns: 10, retriever, k: 1 });
    assert.deepEqual(events, ['generate t0 [a]', 'apply t0 a']);
    await runTurns([], planProtocol(events, false), { turns: 10, retriever, k: 1 });
    assert.equal(events.length, 2);
    assert.equal(retriever.calls.length, 0);
  });

  it('reports progress after each turn, once its runs are applied: the turns done and the most there can be', async () => {
    const events: string[] = [];
    const runs: Run[] = [
      { name: 'a', plan: ['search x', 'stop'], log: [], done: false },
      { name: 'b', plan: ['think', 'think', 'stop'], log: [], done: false },
    ];
    await runTurns(runs, planProtocol(events, false), { turns: 5, retriever: recordingRetriever(), k: 1, onProgress: (done, turns) => events.push(`progress ${done}/${turns}`) });
    assert.deepEqual(events.filter((e) => e.startsWith('progress') || e.startsWith('apply t2')), ['progress 1/5', 'progress 2/5', 'apply t2 b', 'progress 3/5']);
    assert.equal(events.at(-1), 'progress 3/5', 'the last report follows the last apply; none for turns never run');
  });
});
