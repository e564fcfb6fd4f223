// The one method registry and what each method declares and does with its environment: naive RAG
// keeps the original's document lines (the RAG cache's format), the s3 method runs a lab searcher
// through the lab loop, and the chat-only methods refuse a lab searcher by name.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  getMethod, hasMethod, listMethods, methodNames, registerMethod, unregisterMethod, loadLabSearcher, isLabSearcher, runLabSearcher,
  naiveRagContext, replayTrajectory, trajectorySchema, SEARCHER_START_MARKER, type Method,
} from '@s3lab/toolkit';
import { PAPER_SCALE } from '../../toolkit/src/config/index.js';
import { labIndex, labQuestions } from './lab.js';

const LAB_SEARCHER = fileURLToPath(new URL('../../datasets/models/lab-searcher', import.meta.url));

describe('method registry', () => {
  it('knows the built-in methods and what each needs', () => {
    assert.deepEqual(methodNames(), ['no-retrieval', 'naive-rag', 's3', 'scripted', 'search-r1', 'ircot', 'search-o1', 'deep-retrieval']);
    assert.deepEqual(listMethods().filter((m) => m.needs.searcher).map((m) => [m.name, m.needs.searcher]), [['s3', 'any'], ['search-r1', 'any'], ['ircot', 'chat'], ['search-o1', 'chat'], ['deep-retrieval', 'any']]);
    assert.deepEqual(listMethods().filter((m) => !m.needs.retriever).map((m) => m.name), ['no-retrieval']);
    assert.deepEqual(listMethods().filter((m) => m.zeroShot).map((m) => m.name), ['no-retrieval']);
  });

  it('registers a method under a new name, refuses a taken or malformed one, and unregisters', async () => {
    const echo: Method = {
      name: 'echo-test', description: 'the question as its own context', needs: { retriever: false, searcher: false },
      run: async (questions) => (await getMethod('no-retrieval').run(questions, {})).map((t) => ({ ...t, method: 'echo-test', context: t.question })),
    };
    registerMethod(echo);
    try {
      assert.ok(hasMethod('echo-test'));
      assert.equal((await getMethod('echo-test').run(['Why?'], {}))[0]?.context, 'Why?');
      assert.throws(() => registerMethod(echo), /a method named "echo-test" is registered already/u);
      assert.throws(() => registerMethod({ ...echo, name: 'Bad Name' }), /method name "Bad Name": use lowercase/u);
      registerMethod({ ...echo, description: 'replaced' }, { replace: true });
      assert.equal(getMethod('echo-test').description, 'replaced');
    } finally {
      assert.ok(unregisterMethod('echo-test'));
    }
    assert.equal(hasMethod('echo-test'), false);
    assert.throws(() => getMethod('echo-test'), /unknown method "echo-test"; known: no-retrieval/u);
  });

  it('methods name what is missing from their environment', async () => {
    await assert.rejects(getMethod('naive-rag').run(['Q?'], {}), /method naive-rag needs a retriever/u);
    const { index } = labIndex();
    await assert.rejects(getMethod('search-r1').run(['Q?'], { retriever: index }), /method search-r1 needs a searcher model/u);
    await assert.rejects(getMethod('s3').run(['Q?'], { retriever: index }), /method s3 needs a searcher model/u);
  });
});

describe('naive-rag', () => {
  it("gives the generator the original's document lines of the top k (default: the paper's naive-RAG k), the RAG cache's format, and replays", async () => {
    const { index } = labIndex();
    const questions = labQuestions('dev').slice(0, 5).map((q) => q.question);
    const trajectories = await getMethod('naive-rag').run(questions, { retriever: index });
    const hits = await index.search(questions, PAPER_SCALE.naiveRagK);
    trajectories.forEach((t, i) => {
      trajectorySchema.parse(t);
      assert.equal(t.context, naiveRagContext(hits[i] ?? [], 'original'));
      assert.match(t.context, /^Doc 1 \(Title: "[^"]+"\) /u);
      assert.deepEqual([t.protocol, t.counts.documents, t.counts.turns, t.counts.searcherTokens], ['rag', PAPER_SCALE.naiveRagK, 0, 0]);
      assert.deepEqual(replayTrajectory(JSON.parse(JSON.stringify(t))).mismatches, []);
    });
    const [one] = await getMethod('naive-rag').run(questions.slice(0, 1), { retriever: index, k: 1 });
    assert.equal(one?.counts.documents, 1);
    assert.equal(one?.context.split('\n').filter(Boolean).length, 1);
  });

  it('a replay notices a context that does not follow from the retrieved documents', async () => {
    const { index } = labIndex();
    const [t] = await getMethod('naive-rag').run(labQuestions('dev').slice(0, 1).map((q) => q.question), { retriever: index });
    assert.deepEqual(replayTrajectory({ ...t!, context: `${t!.context}extra` }).mismatches, ['context differs']);
  });
});

describe('s3 with a trained lab searcher', async () => {
  const searcher = await loadLabSearcher(LAB_SEARCHER);
  after(() => searcher.dispose());

  it('runs the lab loop (lab prompt, its own preset and initial documents, greedy) as method s3', async () => {
    const { index } = labIndex();
    const questions = labQuestions('test').slice(0, 3).map((q) => q.question);
    assert.ok(isLabSearcher(searcher));
    assert.deepEqual(searcher.info, { searcher: 'lab', preset: '8-3-3', initialDocs: 3 });
    const viaMethod = await getMethod('s3').run(questions, { retriever: index, searcher, retrieverKind: 'bm25' });
    const direct = await runLabSearcher(searcher, questions, { retriever: index });
    assert.deepEqual(viaMethod, direct);
    for (const t of viaMethod) {
      assert.equal(t.method, 's3');
      assert.ok(t.prompt.startsWith(SEARCHER_START_MARKER), 'the lab prompt starts at the marker');
      assert.deepEqual([t.preset, t.meta.initialDocs, t.meta.policy], ['8-3-3', 3, 's3']);
      assert.deepEqual(replayTrajectory(t).mismatches, []);
    }
    const other = await getMethod('s3').run(questions.slice(0, 1), { retriever: index, searcher, preset: '3-3-3' });
    assert.equal(other[0]?.preset, '3-3-3', 'a preset in the environment wins over the directory\'s');
  });

  it('the chat-model methods refuse it, and so do the methods it was not trained for, naming the directory', async () => {
    const { index } = labIndex();
    for (const name of ['ircot', 'search-o1']) {
      await assert.rejects(getMethod(name).run(['Q?'], { retriever: index, searcher }), new RegExp(`method ${name} needs an instruction-following chat model as its searcher; .*lab-searcher is a lab model`, 'u'));
    }
    for (const name of ['search-r1', 'deep-retrieval']) {
      await assert.rejects(getMethod(name).run(['Q?'], { retriever: index, searcher }), new RegExp(`method ${name} cannot run the lab searcher in .*lab-searcher: it was trained for s3`, 'u'));
    }
  });
});
