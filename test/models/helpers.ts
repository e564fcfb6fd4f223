/** Paths and checks the model tests share. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TINY_BERT = fileURLToPath(new URL('../../datasets/fixtures/tiny-bert', import.meta.url));
export const LAB_E5_SMALL = fileURLToPath(new URL('../../datasets/models/lab-e5-small', import.meta.url));
export const LAB_DIR = fileURLToPath(new URL('../../datasets/lab', import.meta.url));

/** One text of a reference file: what PyTorch + transformers gave for it. */
export interface ReferenceCase { text: string; ids: number[]; embedding: number[] }

/** The tiny fixture's references: one block per max length. */
export function tinyReferences(): { maxLength: number; cases: ReferenceCase[] }[] {
  return (JSON.parse(readFileSync(`${TINY_BERT}/reference.json`, 'utf8')) as { references: { maxLength: number; cases: ReferenceCase[] }[] }).references;
}

/** The lab encoder's references (at its training max length). */
export function labReferences(): { maxLength: number; cases: ReferenceCase[] } {
  return JSON.parse(readFileSync(`${LAB_E5_SMALL}/reference.json`, 'utf8')) as { maxLength: number; cases: ReferenceCase[] };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
