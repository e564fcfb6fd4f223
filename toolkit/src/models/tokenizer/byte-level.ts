/**
 * GPT-2's byte-to-character table (`bytes_to_unicode` in GPT-2's `encoder.py`), which every
 * byte-level BPE (GPT-2, RoBERTa, Qwen2) uses: each of the 256 bytes is shown as one printable
 * character, so a vocabulary of strings can spell any byte sequence. Printable bytes keep their
 * own character; the others (controls, space, …) are shifted to U+0100 and up, which is why a
 * leading space appears as `Ġ`.
 */

/**
 * The 256 characters of the byte-level alphabet, in GPT-2's vocabulary order: the printable
 * bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` first, then the shifted ones. GPT-2 and Qwen2 give these
 * characters the ids 0..255 in exactly this order.
 *
 * @example
 * ```ts
 * import { byteLevelAlphabet } from '@s3lab/toolkit';
 * byteLevelAlphabet()[0];   // '!'
 * byteLevelAlphabet().length; // 256
 * ```
 */
export function byteLevelAlphabet(): string[] {
  const printable: number[] = [];
  for (const [from, to] of [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]] as const) {
    for (let b = from; b <= to; b++) printable.push(b);
  }
  const chars = printable.map((b) => String.fromCodePoint(b));
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) chars.push(String.fromCodePoint(256 + shifted++));
  }
  return chars;
}
