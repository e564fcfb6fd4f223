/**
 * The k best (doc, score) pairs seen so far, in a min-heap whose root is the worst kept hit: lowest
 * score, and among equal scores the higher doc number, since Lucene ranks ties by lower doc number.
 */
export class TopK {
  private readonly docs: Int32Array;
  private readonly scores: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.docs = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  /** The score a new hit must beat to enter (-Infinity until k hits are kept). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : (this.scores[0] as number);
  }

  offer(doc: number, score: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(doc, score, this.docs[parent] as number, this.scores[parent] as number)) break;
        this.docs[i] = this.docs[parent] as number;
        this.scores[i] = this.scores[parent] as number;
        i = parent;
      }
      this.docs[i] = doc;
      this.scores[i] = score;
      return;
    }
    if (!this.worse(this.docs[0] as number, this.scores[0] as number, doc, score)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.k) break;
      const right = left + 1;
      let child = left;
      if (right < this.k && this.worse(this.docs[right] as number, this.scores[right] as number, this.docs[left] as number, this.scores[left] as number)) child = right;
      if (!this.worse(this.docs[child] as number, this.scores[child] as number, doc, score)) break;
      this.docs[i] = this.docs[child] as number;
      this.scores[i] = this.scores[child] as number;
      i = child;
    }
    this.docs[i] = doc;
    this.scores[i] = score;
  }

  /** Is hit a ranked below hit b? */
  private worse(docA: number, scoreA: number, docB: number, scoreB: number): boolean {
    return scoreA < scoreB || (scoreA === scoreB && docA > docB);
  }

  /** The kept hits, best first. */
  sorted(): { docs: number[]; scores: number[] } {
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (a, b) => (this.scores[b] as number) - (this.scores[a] as number) || (this.docs[a] as number) - (this.docs[b] as number),
    );
    return { docs: order.map((i) => this.docs[i] as number), scores: order.map((i) => this.scores[i] as number) };
  }
}
