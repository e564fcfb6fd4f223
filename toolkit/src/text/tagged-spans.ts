/**
 * The contents of `<tag>…</tag>` pairs as Python's `re.findall(r'<tag>(.*?)</tag>', text, re.DOTALL)`
 * finds them: each opening tag pairs with the first closing tag after it, and the scan resumes
 * after that closing tag (so an unclosed opening tag swallows the next one's opening tag).
 *
 * Why `indexOf` and not that regex: where many opening tags have no closing tag after them, the
 * lazy regex rescans from each of them to the end of the text, which is quadratic (seconds on a
 * 100 KB transcript, hours on a megabyte). Here, once no closing tag follows an opening tag, no
 * later opening tag can have one either, so the scan stops: every character is read at most twice.
 *
 * @example
 * ```ts
 * [...taggedSpans('<a>x</a> <a>y</a>', 'a')].map((span) => span.content); // ['x', 'y']
 * firstTaggedSpan('<q>1 <q>2</q>', 'q'); // { start: 0, content: '1 <q>2' }
 * ```
 */

/** One `<tag>…</tag>` pair: where its opening tag starts, and the text between the tags. */
export interface TaggedSpan {
  start: number;
  content: string;
}

/** Every `<tag>…</tag>` pair of `text`, in order, matched lazily (see the module comment). */
export function* taggedSpans(text: string, tag: string): Generator<TaggedSpan> {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  let from = 0;
  for (;;) {
    const start = text.indexOf(open, from);
    if (start === -1) return;
    const contentStart = start + open.length;
    const end = text.indexOf(close, contentStart);
    if (end === -1) return;
    yield { start, content: text.slice(contentStart, end) };
    from = end + close.length;
  }
}

/** The first `<tag>…</tag>` pair of `text`, as Python's `re.search(r'<tag>(.*?)</tag>', text, re.DOTALL)`. */
export function firstTaggedSpan(text: string, tag: string): TaggedSpan | undefined {
  for (const span of taggedSpans(text, tag)) return span;
  return undefined;
}
