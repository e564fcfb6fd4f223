/**
 * Proper names in a passage, found by capitalisation alone (no model): runs of capitalised words,
 * with "of"/"the"/"de" allowed inside ("University of Shefaimwick"), minus common words that are
 * capitalised only because they start a sentence. Used by the scripted searcher to name the
 * bridge entity in its follow-up query.
 */

const NAME = /\p{Lu}[\p{L}\p{M}'’-]*(?:\s+(?:(?:of|the|de|von|van)\s+)?\p{Lu}[\p{L}\p{M}'’-]*)*/gu;

// Sentence-initial words that are not names (checked on the first word of a run).
const COMMON = new Set(
  ('a an the it its he she his her they their them this that these those there here in on at of for from by with as after before '
  + 'during while when where which who whom whose what why how early later modern many most some several few other others one two '
  + 'three four five six seven eight nine ten first second third last next each every all both either neither no not yes but and or '
  + 'so yet if then than also only still even most much more less annual former contemporary newspapers photographs preparations '
  + 'visitors critics scholars historians local regional national its').split(/\s+/),
);

function lowerWords(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/**
 * Names in `text`, in order of first appearance, dropping those whose every word is in `exclude`
 * (e.g. the question).
 *
 * @example
 * ```ts
 * properNames('He studied at University of Shefaimwick. It is near Port Vukholm.', 'Where did he study?');
 * // ['University of Shefaimwick', 'Port Vukholm']
 * ```
 */
export function properNames(text: string, exclude = ''): string[] {
  const known = lowerWords(exclude);
  const names: string[] = [];
  for (const [match] of text.matchAll(NAME)) {
    let words = match.split(/\s+/);
    while (words.length > 0 && COMMON.has((words[0] as string).toLowerCase())) words = words.slice(1);
    while (words.length > 0 && /^(of|the|de|von|van)$/.test(words[0] as string)) words = words.slice(1);
    if (words.length === 0) continue;
    const name = words.join(' ');
    if ([...lowerWords(name)].every((w) => known.has(w))) continue;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
