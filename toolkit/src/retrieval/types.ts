/** A retrieved passage: the corpus line's id, its title and text split apart, and the retriever's score. */
export interface Hit {
  id: string;
  title: string;
  text: string;
  score: number;
  /** The corpus line's `contents` as stored, where the retriever keeps it (the server returns it verbatim). */
  contents?: string;
}

/** A passage to index: title and text already split from the corpus line's `contents`. */
export interface IndexedDoc {
  id: string;
  title: string;
  text: string;
}

/**
 * The one interface every retriever implements, in-process or over HTTP: a batch of queries
 * in, the top `k` hits of each out, best first.
 */
export interface Retriever {
  search(queries: string[], k: number): Promise<Hit[][]>;
}
