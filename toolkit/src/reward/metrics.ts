/**
 * Answer metrics of the s3 evaluation: exact match, token F1 and span match, each taking one
 * golden answer or several and scoring the best of them.
 *
 * Sources followed (pat-jj/s3): `em_check` and `answer_span_check` in
 * `verl/utils/reward_score/rag_2.py` (the module the trainer and every evaluation script import);
 * `token_f1_score`/`best_f1_across_golds` in `scripts/evaluation/context_cube.py`, the repository's
 * only F1; Pyserini's `has_answers` with `SimpleTokenizer` for the span match.
 *
 * @example
 * ```ts
 * exactMatch('The Beatles', ['beatles']); // true
 * ```
 */
import { normalizeAnswer, splitLikePython } from '../text/normalize.js';
import { simpleTokenize } from '../text/simple-tokenizer.js';

/** One golden answer or a list of them; a bare string counts as a list of one, as in the original. */
export type GoldenAnswers = string | readonly string[];

function asList(goldenAnswers: GoldenAnswers): readonly string[] {
  return typeof goldenAnswers === 'string' ? [goldenAnswers] : goldenAnswers;
}

/**
 * Exact match: the normalised prediction equals some normalised golden answer.
 * No golden answers means no match.
 *
 * @example
 * ```ts
 * exactMatch('the Eiffel Tower.', ['Eiffel Tower', 'La tour Eiffel']); // true
 * ```
 */
export function exactMatch(prediction: string, goldenAnswers: GoldenAnswers): boolean {
  const normalizedPrediction = normalizeAnswer(prediction);
  return asList(goldenAnswers).some((golden) => normalizeAnswer(golden) === normalizedPrediction);
}

/** SQuAD token F1 between one prediction and one golden answer, on normalised whitespace tokens. */
function tokenF1(prediction: string, golden: string): number {
  const predictionTokens = splitLikePython(normalizeAnswer(prediction));
  const goldenTokens = splitLikePython(normalizeAnswer(golden));
  // context_cube.py scores two empty answers as a perfect match and one empty answer as 0
  // (FlashRAG/SQuAD would give 0 for both-empty); it has no yes/no/noanswer special case.
  if (predictionTokens.length === 0 && goldenTokens.length === 0) return 1;
  if (predictionTokens.length === 0 || goldenTokens.length === 0) return 0;
  const unmatchedCounts = new Map<string, number>();
  for (const token of predictionTokens) unmatchedCounts.set(token, (unmatchedCounts.get(token) ?? 0) + 1);
  let shared = 0;
  for (const token of goldenTokens) {
    const left = unmatchedCounts.get(token) ?? 0;
    if (left > 0) {
      shared += 1;
      unmatchedCounts.set(token, left - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / predictionTokens.length;
  const recall = shared / goldenTokens.length;
  // Same operation order as the Python, so the float is identical.
  return (2 * precision * recall) / (precision + recall);
}

/**
 * SQuAD token F1 (bag-of-tokens overlap of the normalised answers), the best over the golden
 * answers; 0 when there are none. Two answers that normalise to nothing score 1.
 *
 * @example
 * ```ts
 * f1Score('Paris France', ['Paris']); // 0.6666666666666666
 * ```
 */
export function f1Score(prediction: string, goldenAnswers: GoldenAnswers): number {
  let best = 0;
  for (const golden of asList(goldenAnswers)) best = Math.max(best, tokenF1(prediction, golden));
  return best;
}

/**
 * Pyserini's `has_answers(text, answers, SimpleTokenizer(), regex=False)`: true when the token
 * sequence of some answer occurs contiguously in the token sequence of `text`. Both sides are
 * NFD-normalised, then tokenised and lowercased with the DPR simple tokenizer. An answer with no
 * tokens (e.g. "", or only whitespace) matches any text, even an empty one — as in the original.
 *
 * @example
 * ```ts
 * hasAnswerTokens('Born in Zürich, 1879', ['zurich']); // false: ü is u + a mark after NFD, one token
 * ```
 */
export function hasAnswerTokens(text: string, answers: readonly string[]): boolean {
  const textTokens = simpleTokenize(text.normalize('NFD'));
  return answers.some((answer) => containsRun(textTokens, simpleTokenize(answer.normalize('NFD'))));
}

function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((token, offset) => haystack[start + offset] === token)) return true;
  }
  return false;
}

/**
 * Span match, the first half of GenAcc: `has_answers` on the normalised prediction and the
 * normalised golden answers (`answer_span_check` in rag_2.py). A golden answer that normalises to
 * nothing (e.g. "The", "?") matches every prediction, as in the original.
 *
 * @example
 * ```ts
 * spanMatch('It was Paris, France.', ['paris']); // true
 * ```
 */
export function spanMatch(prediction: string, goldenAnswers: GoldenAnswers): boolean {
  return hasAnswerTokens(normalizeAnswer(prediction), asList(goldenAnswers).map(normalizeAnswer));
}
