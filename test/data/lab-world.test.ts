import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { generateLabWorld, labWorldDataFiles, normalizeAnswer, QUESTION_TYPES, SPLITS, type LabWorld } from '@s3lab/toolkit';

const small = generateLabWorld({ seed: 7, scale: 0.1 });
const passageText = (lab: LabWorld, id: string): string => {
  const passage = lab.corpus[Number(id)];
  assert.ok(passage && passage.id === id, `passage ${id} exists and sits at its index`);
  return passage.contents;
};

describe('lab world', () => {
  test('the same seed gives the same bytes, another seed another world', () => {
    const again = labWorldDataFiles(generateLabWorld({ seed: 7, scale: 0.1 }));
    assert.deepEqual(again, labWorldDataFiles(small));
    const other = labWorldDataFiles(generateLabWorld({ seed: 8, scale: 0.1 }));
    assert.notEqual(other.get('corpus.jsonl'), again.get('corpus.jsonl'));
  });

  test('the default world has about 20k passages of about 100 words and 3000/500/1000 questions', () => {
    const lab = generateLabWorld({ seed: 1 });
    assert.ok(lab.corpus.length > 18_000 && lab.corpus.length < 22_000, `${lab.corpus.length} passages`);
    const words = lab.corpus.reduce((sum, p) => sum + p.contents.split(/\s+/u).length, 0) / lab.corpus.length;
    assert.ok(words > 85 && words < 120, `${words} words per passage`);
    assert.deepEqual(SPLITS.map((s) => lab.splits[s].length), [3000, 500, 1000]);
  });

  test('passages are wiki-18 lines: quoted title on the first line, text after', () => {
    for (const p of small.corpus) {
      assert.match(p.contents, /^"[^"\n]+"\n[^\n]+$/u);
      assert.match(p.id, /^\d+$/u);
    }
  });

  test('questions are unique across splits, every type occurs, ids follow the split', () => {
    const seen = new Set<string>();
    for (const split of SPLITS) {
      small.splits[split].forEach((q, i) => {
        assert.equal(q.id, `${split}_${i}`);
        assert.ok(!seen.has(q.question), `duplicate question ${q.question}`);
        seen.add(q.question);
        assert.ok(q.question.endsWith('?'));
        assert.ok(q.golden_answers.length > 0);
      });
      for (const type of QUESTION_TYPES) assert.ok(small.splits[split].some((q) => q.type === type), `${split} has ${type}`);
    }
  });

  test('every answer is stated in a supporting passage, and never given away by the question', () => {
    for (const q of SPLITS.flatMap((s) => small.splits[s])) {
      const supports = q.supporting_facts.map((id) => normalizeAnswer(passageText(small, id)));
      if (q.golden_answers[0] === 'yes' || q.golden_answers[0] === 'no') {
        assert.equal(supports.length, 4, q.question);
        continue;
      }
      const stated = q.golden_answers.some((a) => supports.some((text) => text.includes(normalizeAnswer(a))));
      assert.ok(stated, `${q.question} → ${q.golden_answers.join('/')} is in none of ${q.supporting_facts.join(',')}`);
      if (q.type !== 'comparison') {
        const asked = ` ${normalizeAnswer(q.question)} `;
        assert.ok(q.golden_answers.every((a) => !asked.includes(` ${normalizeAnswer(a)} `)), `${q.question} leaks ${q.golden_answers[0]}`);
      }
    }
  });

  test('multi-hop questions name the bridge entity only in their last decomposition step', () => {
    for (const q of small.splits.test.filter((x) => x.type === 'bridge')) {
      assert.equal(q.decomposition.length, 2);
      assert.equal(q.supporting_facts.length, 2);
      const bridgeTitle = passageText(small, q.supporting_facts[1] as string).split('\n')[0]?.replace(/"/gu, '') ?? '';
      assert.ok(q.decomposition[1]?.includes(bridgeTitle), `${q.decomposition[1]} names ${bridgeTitle}`);
      assert.ok(!q.question.includes(bridgeTitle), `${q.question} does not name ${bridgeTitle}`);
    }
  });

  test('the committed datasets/lab is the world of seed 1', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../datasets/lab/manifest.json', import.meta.url), 'utf8')) as { seed: number; files: Record<string, { sha256: string }> };
    assert.equal(manifest.seed, 1);
    const files = labWorldDataFiles(generateLabWorld({ seed: 1 }));
    for (const [name, content] of files) {
      const committed = await readFile(new URL(`../../datasets/lab/${name}`, import.meta.url), 'utf8');
      assert.ok(committed === content, `datasets/lab/${name} equals the regenerated file`);
    }
  });

  test('bad options are rejected with the option named', () => {
    assert.throws(() => generateLabWorld({ seed: -1 }), /seed/u);
    assert.throws(() => generateLabWorld({ seed: 1, scale: 0 }), /scale/u);
  });
});
