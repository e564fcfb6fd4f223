/**
 * The searcher's environment texts: what follows a search, and the feedback after a response
 * that neither searched nor finished (our words for the original's message; it ends by
 * re-opening `<query>` so the model's next tokens are the query body).
 */
export { informationObservation } from '../doc-lines.js';

export const INVALID_ACTION_FEEDBACK =
  '\n\nThe information so far is not enough to answer the question. I will search further with a brand new query between <query> and </query> tags, in JSON format:\n<query>\n';
