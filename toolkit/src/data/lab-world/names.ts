/**
 * Invented names. Built from syllables so that they are rare tokens for a retriever (as real
 * proper names are), while shared syllables, family names and city roots make the
 * near-duplicates that real encyclopedias are full of.
 */
import type { Random } from '../../core/random.js';

const ONSETS = ['b', 'br', 'c', 'd', 'dr', 'f', 'g', 'gr', 'h', 'k', 'kr', 'l', 'm', 'n', 'p', 'r', 's', 'st', 't', 'tr', 'v', 'z', 'sh', 'th'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'o', 'ai', 'ei', 'ou'];
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 'k', 'm', 'th', 'nd', 'rt'];

/** A pronounceable root of `syllables` syllables, capitalised. */
export function root(rng: Random, syllables: number): string {
  let word = '';
  for (let i = 0; i < syllables; i++) {
    word += rng.pick(ONSETS) + rng.pick(VOWELS);
    if (i === syllables - 1) word += rng.pick(CODAS);
  }
  return capitalise(word);
}

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Draws from `make` until it returns a name not in `taken`, then records it. */
export function unique(taken: Set<string>, make: () => string): string {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const name = make();
    if (!taken.has(name.toLowerCase())) {
      taken.add(name.toLowerCase());
      return name;
    }
  }
  throw new Error('lab world: ran out of unique names; lower the entity counts');
}

const CITY_SUFFIXES = ['ava', 'burg', 'stad', 'mont', 'ora', 'ford', 'holm', 'ven', 'dale', 'port', 'ica', 'wick'];
const CITY_PREFIXES = ['New', 'Upper', 'Lower', 'Port', 'East', 'West'];

/** City names; some are a prefix plus an existing city's name ("Port Ostrava"), the classic distractor. */
export function cityName(rng: Random, existing: readonly string[]): string {
  if (existing.length > 20 && rng.chance(0.15)) return `${rng.pick(CITY_PREFIXES)} ${rng.pick(existing)}`;
  return root(rng, rng.int(1, 2)) + rng.pick(CITY_SUFFIXES);
}

const COUNTRY_SUFFIXES = ['ia', 'ora', 'land', 'istan', 'ary', 'ene'];
export function countryName(rng: Random): string {
  return root(rng, 2) + rng.pick(COUNTRY_SUFFIXES);
}

/** "Velmora" → "Velmoran"; the adjective doubles as the language's name. */
export function demonymOf(country: string): string {
  const base = country.replace(/(ia|ora|land|istan|ary|ene)$/u, '');
  return country.endsWith('land') ? `${base}lish` : `${base}an`;
}

export const ADJECTIVES = ['Glass', 'Silent', 'Iron', 'Crimson', 'Hollow', 'Amber', 'Distant', 'Winter', 'Golden', 'Broken', 'Paper', 'Salt', 'Northern', 'Velvet', 'Quiet', 'Burning', 'Silver', 'Wandering', 'Last', 'Hidden', 'Copper', 'Pale', 'Endless', 'Scarlet'];
export const NOUNS = ['Orchard', 'Harbour', 'Lantern', 'Garden', 'Mirror', 'River', 'Tower', 'Voyage', 'Bell', 'Meadow', 'Compass', 'Letter', 'Crown', 'Tide', 'Forest', 'Island', 'Clock', 'Bridge', 'Shadow', 'Feather', 'Kingdom', 'Storm', 'Window', 'Road'];
const NICK_ADJECTIVES = ['Old', 'Little', 'Grey', 'Lucky', 'Stubborn', 'Gentle', 'Restless', 'Clever', 'Laughing', 'Patient', 'Fearless', 'Solemn', 'Barefoot', 'Humble', 'Tireless', 'Cheerful', 'Wise', 'Lonely', 'Nimble', 'Sleepless', 'Bold', 'Careful', 'Merry', 'Stern'];
const NICK_NOUNS = ['Heron', 'Fox', 'Owl', 'Badger', 'Sparrow', 'Wolf', 'Otter', 'Raven', 'Lynx', 'Stag', 'Falcon', 'Hare', 'Marten', 'Crane', 'Beaver', 'Magpie', 'Bison', 'Wren', 'Salmon', 'Tortoise', 'Weasel', 'Kestrel', 'Mole', 'Gull'];

export function workTitle(rng: Random, cities: readonly string[]): string {
  switch (rng.int(0, 4)) {
    case 0: return `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
    case 1: return `${rng.pick(NOUNS)}s of ${rng.pick(cities)}`;
    case 2: return `A ${rng.pick(NOUNS)} for ${rng.pick(NOUNS)}s`;
    case 3: return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}s`;
    default: return `The ${rng.pick(NOUNS)} and the ${rng.pick(NOUNS)}`;
  }
}

/** Nicknames such as "the Restless Heron": a handle that shares no word with the person's name. */
export function nickname(rng: Random): string {
  return `the ${rng.pick(NICK_ADJECTIVES)} ${rng.pick(NICK_NOUNS)}`;
}

/** Initials of the capitalised words, e.g. "North Velmora University" → "NVU". */
export function initials(name: string): string {
  return name.split(/\s+/u).filter((w) => /^[A-Z]/u.test(w)).map((w) => w[0]).join('');
}
