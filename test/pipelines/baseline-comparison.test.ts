// Table 1, Table 4 and the data-efficiency verdict of notebook 06, computed from records and reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataEfficiencyVerdict, rlConfig, table1Rows, trainingCostRows, type BaselineEvaluation, type EvalRecord, type MethodCurve } from '@s3lab/toolkit';

const record = (method: string, i: number, genAcc: 0 | 1, extra: Partial<EvalRecord> = {}): EvalRecord => ({
  method, id: `q${i}`, type: i % 2 ? 'bridge' : 'single-hop', question: `Q${i}?`, goldenAnswers: ['a'], answer: 'a', genAcc, spanMatch: genAcc === 1, judged: false,
  em: genAcc, f1: genAcc, documents: 3, searcherTokens: 0, turns: 0, searches: 0, ragGenAcc: [0, 1, 0, 0][i] as 0 | 1, ...extra,
} as EvalRecord);

const evaluation: BaselineEvaluation = {
  bm25: [
    ...[0, 1, 0, 0].map((g, i) => record('naive-rag', i, g as 0 | 1)),
    ...[1, 1, 0, 1].map((g, i) => record('s3', i, g as 0 | 1)),
    ...[1, 0, 0, 1].map((g, i) => record('search-r1', i, g as 0 | 1, i === 0 ? { ownAnswer: { answer: 'a', genAcc: 1, spanMatch: true, judged: false, em: 1, f1: 1 } } : {})),
  ],
  dense: [0, 0, 0, 1].map((g, i) => record('naive-rag', i, g as 0 | 1)),
};

describe('table1Rows', () => {
  const rows = new Map(table1Rows(evaluation).map((r) => [r.method, r]));

  it('scores every evaluated row on its own run, with s3 − row paired', () => {
    assert.equal(rows.get('RAG-BM25')!.GenAcc, 25);
    assert.equal(rows.get('RAG-dense (lab e5)')!.GenAcc, 25);
    assert.equal(rows.get('s3')!.GenAcc, 75);
    assert.equal(rows.get('s3')!['single-hop'], 50);
    assert.equal(rows.get('s3')!.bridge, 100);
    assert.match(String(rows.get('RAG-BM25')!['s3 − row']), /^50\.0 \[/u);
    assert.equal(rows.get('s3')!['s3 − row'], null);
  });

  it('scores Search-R1 end to end by its own answers, an unanswered question as wrong', () => {
    assert.equal(rows.get('Search-R1 (Ret)')!.GenAcc, 50);
    assert.equal(rows.get('Search-R1 (end to end)')!.GenAcc, 25);
  });

  it('says why a row cannot run, and which were not evaluated', () => {
    assert.match(String(rows.get('IRCoT')!['95% CI']), /needs an instruction model/u);
    assert.equal(rows.get('DeepRetrieval')!['95% CI'], 'not evaluated');
    assert.equal(rows.get('DeepRetrieval')!.GenAcc, null);
  });
});

describe('the data-efficiency verdict', () => {
  const point = (step: number, mean: number) => ({ step, questions: step * 8, genAcc: { mean, low: mean - 5, high: mean + 5, level: 0.95, resamples: 1000, n: 300 }, gbr: 0 });
  const baseline: MethodCurve = { label: 'Search-R1', curve: [point(0, 28), point(5, 30), point(20, 35), point(10, 33)] };

  it('finds the fewest questions with which s3 reaches the baseline\'s best, and the ratio', () => {
    const s3: MethodCurve = { label: 's3', curve: [point(0, 28), point(2, 36), point(10, 38)] };
    const verdict = dataEfficiencyVerdict(s3, baseline);
    assert.match(verdict, /best GenAcc is 35\.0 .* after 160 training questions/u);
    assert.match(verdict, /with 16 training questions, its first point evaluated/u);
    assert.match(verdict, /at least 10× fewer \(the paper's ≥10× holds here/u);
  });

  it('says when the first point evaluated already reaches it (a lower bound), and when a later one does', () => {
    const early: MethodCurve = { label: 's3', curve: [point(0, 28), point(5, 36)] };
    assert.match(dataEfficiencyVerdict(early, baseline), /at least 4\.0× fewer \(the points evaluated cannot show whether/u);
    const later: MethodCurve = { label: 's3', curve: [point(0, 28), point(2, 30), point(5, 35)] };
    assert.match(dataEfficiencyVerdict(later, baseline), /with 40 training questions: .* 4\.0× fewer \(short of the paper's ≥10×/u);
  });

  it('says so when s3 never reaches it', () => {
    const s3: MethodCurve = { label: 's3', curve: [point(0, 28), point(2, 30), point(10, 34)] };
    assert.match(dataEfficiencyVerdict(s3, baseline), /s3 did not reach it: its best is 34\.0 .* after 80 questions/u);
  });
});

describe('trainingCostRows', () => {
  it('counts questions and rollouts from the configuration when a report predates them', () => {
    const config = rlConfig('lab');
    const [row] = trainingCostRows([{ label: 's3', report: { config, seconds: { setup: 1, sft: 0, rl: 480, eval: 100, total: 581 }, rl: [{ seconds: { total: 40 } }, { seconds: { total: 50 } }] as never } }]);
    assert.equal(row!['training questions'], 80);
    assert.equal(row!.rollouts, 320);
    assert.equal(row!['RL minutes'], 8);
    assert.equal(row!['seconds per step'], 45);
    assert.equal(row!['peak memory (MiB)'], null);
  });
});
