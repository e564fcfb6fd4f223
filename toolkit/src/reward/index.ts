export { exactMatch, f1Score, spanMatch, hasAnswerTokens } from './metrics.js';
export type { GoldenAnswers } from './metrics.js';
