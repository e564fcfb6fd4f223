/**
 * A corpus of any size made by recombining the lab world's sentences under its titles: realistic
 * term statistics (Lucene's analyzer sees lab English), deterministic, written as corpus JSONL.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const LAB_CORPUS = fileURLToPath(new URL('../datasets/lab/corpus.jsonl', import.meta.url));

/** Writes `passages` passages of 6 to 10 random lab sentences each to `path`. */
export async function recombinedCorpus(path: string, passages: number): Promise<void> {
  const lab = readFileSync(LAB_CORPUS, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { contents: string }).contents);
  const titles = lab.map((c) => c.slice(0, c.indexOf('\n')));
  const sentences = lab.flatMap((c) => c.slice(c.indexOf('\n') + 1).split(/(?<=\.) /u));
  let seed = 0x9e3779b9;
  const random = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const out = createWriteStream(path);
  for (let i = 0; i < passages; i++) {
    const count = 6 + random(5);
    const body: string[] = [];
    for (let s = 0; s < count; s++) body.push(sentences[random(sentences.length)] as string);
    const line = `${JSON.stringify({ id: String(i), contents: `${titles[random(titles.length)] as string}\n${body.join(' ')}` })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
