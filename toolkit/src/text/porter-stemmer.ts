/**
 * The Porter stemmer exactly as Lucene's PorterStemFilter runs it (org.apache.lucene.analysis.en.
 * PorterStemmer, Martin Porter's own C version of the algorithm, which departs from the 1980 paper
 * in a few places: "-bli" → "-ble", "-logi" → "-log", and the guards Lucene calls Bug 1 and Bug 2).
 * Words of one or two letters are left alone. It works on UTF-16 code units, as Lucene's does:
 * anything but a, e, i, o, u (and y after a consonant) counts as a consonant.
 *
 * Why not the `stemmer` package: it is a regular-expression rendering of the paper's rules and
 * stems some words differently from Lucene, which changes rankings.
 *
 * @example
 * ```ts
 * porterStem('generalizations'); // 'gener'
 * porterStem('cities'); // 'citi'
 * ```
 */

/** Stems one lowercased word. */
export function porterStem(word: string): string {
  if (word.length <= 2) return word;
  const s = new Stemming(word);
  s.run();
  return s.result();
}

class Stemming {
  private readonly b: string[];
  /** Offset of the last letter of the current word. */
  private k: number;
  /** End of the stem that a matched suffix leaves (set by `ends`). */
  private j = 0;

  constructor(word: string) {
    this.b = word.split('');
    this.k = word.length - 1;
  }

  result(): string {
    return this.b.slice(0, this.k + 1).join('');
  }

  run(): void {
    this.step1();
    this.step2();
    this.step3();
    this.step4();
    this.step5();
    this.step6();
  }

  private at(i: number): string {
    return this.b[i] ?? '';
  }

  private cons(i: number): boolean {
    switch (this.at(i)) {
      case 'a': case 'e': case 'i': case 'o': case 'u':
        return false;
      case 'y':
        return i === 0 ? true : !this.cons(i - 1);
      default:
        return true;
    }
  }

  /** The number of vowel-consonant sequences in b[0..j]. */
  private m(): number {
    let n = 0;
    let i = 0;
    for (;;) {
      if (i > this.j) return n;
      if (!this.cons(i)) break;
      i++;
    }
    i++;
    for (;;) {
      for (;;) {
        if (i > this.j) return n;
        if (this.cons(i)) break;
        i++;
      }
      i++;
      n++;
      for (;;) {
        if (i > this.j) return n;
        if (!this.cons(i)) break;
        i++;
      }
      i++;
    }
  }

  private vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  private doubleConsonant(j: number): boolean {
    if (j < 1 || this.at(j) !== this.at(j - 1)) return false;
    return this.cons(j);
  }

  /** consonant-vowel-consonant ending at i, the last not w, x or y (hop → hope, but not snow). */
  private cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const ch = this.at(i);
    return ch !== 'w' && ch !== 'x' && ch !== 'y';
  }

  private ends(suffix: string): boolean {
    const o = this.k - suffix.length + 1;
    if (o < 0) return false;
    for (let i = 0; i < suffix.length; i++) if (this.b[o + i] !== suffix[i]) return false;
    this.j = this.k - suffix.length;
    return true;
  }

  private setTo(replacement: string): void {
    const o = this.j + 1;
    for (let i = 0; i < replacement.length; i++) this.b[o + i] = replacement[i] as string;
    this.k = this.j + replacement.length;
  }

  private r(replacement: string): void {
    if (this.m() > 0) this.setTo(replacement);
  }

  /** Plurals and -ed / -ing. */
  private step1(): void {
    if (this.at(this.k) === 's') {
      if (this.ends('sses')) this.k -= 2;
      else if (this.ends('ies')) this.setTo('i');
      else if (this.at(this.k - 1) !== 's') this.k--;
    }
    if (this.ends('eed')) {
      if (this.m() > 0) this.k--;
    } else if ((this.ends('ed') || this.ends('ing')) && this.vowelInStem()) {
      this.k = this.j;
      if (this.ends('at')) this.setTo('ate');
      else if (this.ends('bl')) this.setTo('ble');
      else if (this.ends('iz')) this.setTo('ize');
      else if (this.doubleConsonant(this.k)) {
        const ch = this.at(this.k);
        this.k--;
        if (ch === 'l' || ch === 's' || ch === 'z') this.k++;
      } else if (this.m() === 1 && this.cvc(this.k)) this.setTo('e');
    }
  }

  /** Terminal y → i when there is another vowel in the stem. */
  private step2(): void {
    if (this.ends('y') && this.vowelInStem()) this.b[this.k] = 'i';
  }

  /** Double suffixes to single ones (-ization → -ize …). */
  private step3(): void {
    if (this.k === 0) return;
    const rules = STEP3[this.at(this.k - 1)];
    if (rules) this.applyFirst(rules);
  }

  /** -ic-, -full, -ness … */
  private step4(): void {
    const rules = STEP4[this.at(this.k)];
    if (rules) this.applyFirst(rules);
  }

  private applyFirst(rules: readonly (readonly [string, string])[]): void {
    for (const [suffix, replacement] of rules) {
      if (this.ends(suffix)) {
        this.r(replacement);
        return;
      }
    }
  }

  /** -ant, -ence … removed in context <c>vcvc<v>. */
  private step5(): void {
    if (this.k === 0) return;
    const suffixes = STEP5[this.at(this.k - 1)];
    if (!suffixes) return;
    let matched = false;
    for (const suffix of suffixes) {
      if (!this.ends(suffix)) continue;
      if (suffix === 'ion' && !(this.j >= 0 && (this.at(this.j) === 's' || this.at(this.j) === 't'))) continue;
      matched = true;
      break;
    }
    if (matched && this.m() > 1) this.k = this.j;
  }

  /** A final -e, and -ll → -l, when m() > 1. */
  private step6(): void {
    this.j = this.k;
    if (this.at(this.k) === 'e') {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.at(this.k) === 'l' && this.doubleConsonant(this.k) && this.m() > 1) this.k--;
  }
}

const STEP3: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  a: [['ational', 'ate'], ['tional', 'tion']],
  c: [['enci', 'ence'], ['anci', 'ance']],
  e: [['izer', 'ize']],
  l: [['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous']],
  o: [['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate']],
  s: [['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous']],
  t: [['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble']],
  g: [['logi', 'log']],
};

const STEP4: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  e: [['icate', 'ic'], ['ative', ''], ['alize', 'al']],
  i: [['iciti', 'ic']],
  l: [['ical', 'ic'], ['ful', '']],
  s: [['ness', '']],
};

const STEP5: Readonly<Record<string, readonly string[]>> = {
  a: ['al'],
  c: ['ance', 'ence'],
  e: ['er'],
  i: ['ic'],
  l: ['able', 'ible'],
  n: ['ant', 'ement', 'ment', 'ent'],
  o: ['ion', 'ou'],
  s: ['ism'],
  t: ['ate', 'iti'],
  u: ['ous'],
  v: ['ive'],
  z: ['ize'],
};
