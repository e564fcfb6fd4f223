/**
 * The lab world's knowledge base: typed entities whose relations point at each other by id.
 * Passages and questions are both rendered from this one structure, so every golden answer
 * is true in the corpus by construction.
 */

export interface Country {
  kind: 'country';
  id: string;
  name: string;
  /** Adjective and language name, e.g. "Velmoran". */
  demonym: string;
  currency: string;
  capitalId: string;
  formedYear: number;
}

export interface City {
  kind: 'city';
  id: string;
  name: string;
  countryId: string;
  foundedYear: number;
  population: number;
  river: string;
  industry: string;
  landmark: string;
}

export type OrganisationType = 'company' | 'university' | 'publisher' | 'film studio' | 'record label' | 'museum';

export interface Organisation {
  kind: 'organisation';
  id: string;
  name: string;
  orgType: OrganisationType;
  foundedYear: number;
  founderId: string;
  cityId: string;
  /** What it is known for: an industry, a field, a collection. */
  field: string;
  /** A short name, e.g. "NVU" for "North Velmora University". */
  shortName: string;
}

export type Occupation =
  | 'novelist' | 'poet' | 'painter' | 'composer' | 'film director'
  | 'physicist' | 'chemist' | 'architect' | 'politician' | 'engineer';

export interface Person {
  kind: 'person';
  id: string;
  name: string;
  givenName: string;
  familyName: string;
  /** A nickname (about one person in five) used in one passage only; questions of the paraphrase type refer to it. */
  nickname: string | undefined;
  pronoun: 'he' | 'she';
  occupation: Occupation;
  birthYear: number;
  deathYear: number;
  birthCityId: string;
  residenceCityId: string;
  almaMaterId: string;
  employerId: string | undefined;
  spouseId: string | undefined;
  hobby: string;
}

export type WorkType = 'novel' | 'poetry collection' | 'painting' | 'symphony' | 'film' | 'album';

export interface Work {
  kind: 'work';
  id: string;
  name: string;
  workType: WorkType;
  year: number;
  creatorId: string;
  /** Publisher, studio or label; undefined for paintings and symphonies. */
  producerId: string | undefined;
  settingCityId: string;
  genre: string;
}

export type EventType = 'festival' | 'treaty' | 'expedition' | 'exhibition' | 'congress' | 'flood';

export interface WorldEvent {
  kind: 'event';
  id: string;
  name: string;
  eventType: EventType;
  year: number;
  cityId: string;
  organiserId: string;
  /** The person most associated with it (leader, laureate, signatory). */
  figureId: string;
}

export type Entity = Country | City | Organisation | Person | Work | WorldEvent;

export interface World {
  countries: Country[];
  cities: City[];
  organisations: Organisation[];
  people: Person[];
  works: Work[];
  events: WorldEvent[];
}
