/**
 * Child process of the cache test: fills a shared cache directory with the same keys another copy
 * of this script is writing at the same moment. argv: dir, count, start time (ms since epoch).
 */
import { cachedChatModel } from '@s3lab/toolkit';
import { ScriptedChatModel } from './helpers.js';

const [dir, count, startAt] = process.argv.slice(2);
const model = cachedChatModel(new ScriptedChatModel('shared'), { dir: dir as string });
const requests = Array.from({ length: Number(count) }, (_, i) => ({ messages: [{ role: 'user' as const, content: `question ${i}` }] }));
// Both writers start together, so their renames of the same entries race.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
for (let round = 0; round < 3; round++) {
  // One request per call: many separate write-rename races instead of one batch.
  for (const request of requests) await model.chat([request]);
}
process.stdout.write(JSON.stringify(model.stats));
