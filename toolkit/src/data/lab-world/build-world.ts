/**
 * Builds the lab world's knowledge base from a seed: countries, cities, organisations,
 * people, creative works and events, with relations that respect time (nobody founds a
 * company before they are born) and type (novels have novelists and publishers).
 */
import { Random } from '../../core/random.js';
import { capitalise, cityName, countryName, demonymOf, initials, nickname, root, unique, workTitle, ADJECTIVES, NOUNS } from './names.js';
import type { City, Country, EventType, Occupation, Organisation, OrganisationType, Person, Work, WorkType, World, WorldEvent } from './schema.js';

export interface WorldSizes {
  countries: number;
  cities: number;
  organisations: number;
  people: number;
  works: number;
  events: number;
}

const INDUSTRIES = ['shipbuilding', 'textiles', 'glassmaking', 'printing', 'brewing', 'mining', 'clockmaking', 'silk weaving', 'salt trading', 'porcelain', 'timber', 'fishing'];
const FIELDS: Record<OrganisationType, readonly string[]> = {
  company: ['railway engines', 'optical lenses', 'steel cables', 'radio sets', 'typewriters', 'paper mills', 'canned food', 'bicycles', 'telescopes', 'pianos'],
  university: ['medicine', 'law', 'astronomy', 'engineering', 'philology', 'agriculture', 'mathematics'],
  publisher: ['fiction', 'poetry', 'atlases', 'school books', 'translated novels'],
  'film studio': ['silent comedies', 'historical dramas', 'documentaries', 'musicals', 'war films'],
  'record label': ['chamber music', 'folk recordings', 'jazz', 'opera recordings', 'choral music'],
  museum: ['maritime history', 'modern painting', 'natural history', 'folk art', 'antiquities'],
};
const GENRES: Record<WorkType, readonly string[]> = {
  novel: ['historical novel', 'detective novel', 'family saga', 'adventure novel', 'satire'],
  'poetry collection': ['sonnet cycle', 'pastoral verse', 'elegies', 'free verse'],
  painting: ['landscape', 'portrait', 'still life', 'allegory', 'seascape'],
  symphony: ['choral symphony', 'programme symphony', 'chamber symphony'],
  film: ['comedy', 'drama', 'thriller', 'documentary', 'musical'],
  album: ['song cycle', 'folk album', 'piano album', 'string quartet recording'],
};
const HOBBIES = ['beekeeping', 'chess', 'sailing', 'mountaineering', 'botany', 'fencing', 'astronomy', 'falconry', 'rowing', 'collecting maps', 'cartography', 'birdwatching'];
const LANDMARKS = ['Bell Tower', 'Old Bridge', 'Grain Exchange', 'Lighthouse', 'Cathedral', 'Stone Market', 'Water Gate', 'Observatory', 'Opera House', 'Citadel'];

const CREATORS: Record<WorkType, Occupation> = {
  novel: 'novelist', 'poetry collection': 'poet', painting: 'painter', symphony: 'composer', film: 'film director', album: 'composer',
};
const PRODUCERS: Partial<Record<WorkType, OrganisationType>> = {
  novel: 'publisher', 'poetry collection': 'publisher', painting: 'museum', film: 'film studio', album: 'record label',
};
const OCCUPATION_WEIGHTS: [Occupation, number][] = [
  ['novelist', 14], ['poet', 9], ['painter', 12], ['composer', 13], ['film director', 10],
  ['physicist', 8], ['chemist', 7], ['architect', 9], ['politician', 10], ['engineer', 8],
];
const ORG_TYPE_WEIGHTS: [OrganisationType, number][] = [
  ['company', 30], ['university', 18], ['publisher', 16], ['film studio', 12], ['record label', 12], ['museum', 12],
];
const EVENT_TYPES: EventType[] = ['festival', 'treaty', 'expedition', 'exhibition', 'congress', 'flood'];

function weighted<T>(rng: Random, table: readonly [T, number][]): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let x = rng.next() * total;
  for (const [value, w] of table) {
    x -= w;
    if (x < 0) return value;
  }
  return (table[table.length - 1] as [T, number])[0];
}

export function buildWorld(seed: number, sizes: WorldSizes): World {
  const taken = new Set<string>();
  const countries = makeCountries(new Random(seed, 'countries'), sizes.countries, taken);
  const cities = makeCities(new Random(seed, 'cities'), sizes.cities, countries, taken);
  const people = makePeople(new Random(seed, 'people'), sizes.people, cities, taken);
  const organisations = makeOrganisations(new Random(seed, 'organisations'), sizes.organisations, cities, people, taken);
  linkPeople(new Random(seed, 'links'), people, organisations);
  const works = makeWorks(new Random(seed, 'works'), sizes.works, cities, people, organisations, taken);
  const events = makeEvents(new Random(seed, 'events'), sizes.events, cities, people, organisations, taken);
  return { countries, cities, organisations, people, works, events };
}

function makeCountries(rng: Random, count: number, taken: Set<string>): Country[] {
  return Array.from({ length: count }, (_, i) => {
    const name = unique(taken, () => countryName(rng));
    const demonym = demonymOf(name);
    return {
      kind: 'country', id: `country-${i}`, name, demonym,
      currency: `${demonym.toLowerCase()} ${rng.pick(['crown', 'mark', 'florin', 'thaler', 'ducat'])}`,
      capitalId: '', formedYear: rng.int(1500, 1850),
    };
  });
}

function makeCities(rng: Random, count: number, countries: Country[], taken: Set<string>): City[] {
  const rivers = Array.from({ length: Math.max(8, Math.floor(count / 3)) }, () => `${root(rng, 2)} River`);
  const names: string[] = [];
  const cities = Array.from({ length: count }, (_, i): City => {
    const name = unique(taken, () => cityName(rng, names));
    names.push(name);
    return {
      kind: 'city', id: `city-${i}`, name, countryId: rng.pick(countries).id,
      foundedYear: rng.int(900, 1750), population: rng.int(8, 900) * 1000,
      river: rng.pick(rivers), industry: rng.pick(INDUSTRIES), landmark: rng.pick(LANDMARKS),
    };
  });
  for (const country of countries) {
    const own = cities.filter((c) => c.countryId === country.id);
    const capital = own.length > 0 ? rng.pick(own) : rng.pick(cities);
    capital.countryId = country.id; // a country without cities adopts one as its capital
    country.capitalId = capital.id;
  }
  return cities;
}

function makePeople(rng: Random, count: number, cities: City[], taken: Set<string>): Person[] {
  // Few given names and a family name shared by about three people: namesakes are the distractors.
  const givenNames = Array.from({ length: Math.max(20, Math.floor(count / 8)) }, () => root(rng, rng.int(2, 3)));
  const familyNames = Array.from({ length: Math.max(20, Math.floor(count / 3)) }, () => root(rng, rng.int(2, 3)));
  const nicknames = new Set<string>();
  return Array.from({ length: count }, (_, i): Person => {
    let givenName = '';
    let familyName = '';
    const name = unique(taken, () => {
      givenName = rng.pick(givenNames);
      familyName = rng.pick(familyNames);
      return `${givenName} ${familyName}`;
    });
    const birthYear = rng.int(1780, 1950);
    const birthCity = rng.pick(cities);
    return {
      kind: 'person', id: `person-${i}`, name, givenName, familyName,
      nickname: rng.chance(0.2) ? unique(nicknames, () => nickname(rng)) : undefined,
      pronoun: rng.chance(0.5) ? 'she' : 'he',
      occupation: weighted(rng, OCCUPATION_WEIGHTS),
      birthYear, deathYear: birthYear + rng.int(38, 92),
      birthCityId: birthCity.id,
      residenceCityId: rng.chance(0.3) ? birthCity.id : rng.pick(cities).id,
      almaMaterId: '', employerId: undefined, spouseId: undefined,
      hobby: rng.pick(HOBBIES),
    };
  });
}

function makeOrganisations(rng: Random, count: number, cities: City[], people: Person[], taken: Set<string>): Organisation[] {
  return Array.from({ length: count }, (_, i): Organisation => {
    const orgType = i < 6 ? ORG_TYPE_WEIGHTS[i]![0] : weighted(rng, ORG_TYPE_WEIGHTS); // every type exists
    const city = rng.pick(cities);
    const founder = rng.pick(people);
    const name = unique(taken, () => organisationName(rng, orgType, city.name, founder.familyName));
    return {
      kind: 'organisation', id: `org-${i}`, name, orgType,
      foundedYear: founder.birthYear + rng.int(24, 36), founderId: founder.id, cityId: city.id,
      field: rng.pick(FIELDS[orgType]), shortName: initials(name),
    };
  });
}

function organisationName(rng: Random, type: OrganisationType, city: string, family: string): string {
  const word = root(rng, 2);
  switch (type) {
    case 'company': return rng.pick([`${family} & ${root(rng, 2)}`, `${word} Works`, `${city} ${rng.pick(['Foundry', 'Mills', 'Trading Company'])}`, `${word} Industries`]);
    case 'university': return rng.pick([`University of ${city}`, `${city} Polytechnic`, `${family} College`, `${word} Academy`]);
    case 'publisher': return rng.pick([`${family} Press`, `${word} Books`, `${city} House of Letters`]);
    case 'film studio': return rng.pick([`${word} Pictures`, `${family} Film`, `${city} Film Studio`]);
    case 'record label': return rng.pick([`${word} Records`, `${family} Recordings`, `${word} Sound`]);
    case 'museum': return rng.pick([`${city} Museum`, `${family} Gallery`, `${word} Collection`]);
  }
}

function linkPeople(rng: Random, people: Person[], organisations: Organisation[]): void {
  const universities = organisations.filter((o) => o.orgType === 'university');
  const employers = organisations.filter((o) => o.orgType !== 'university');
  for (const person of people) {
    person.almaMaterId = rng.pick(universities).id;
    if (rng.chance(0.7)) person.employerId = rng.pick(employers).id;
  }
  const singles = rng.shuffle(people);
  for (let i = 0; i + 1 < singles.length * 0.35; i += 2) {
    const [a, b] = [singles[i]!, singles[i + 1]!];
    a.spouseId = b.id;
    b.spouseId = a.id;
  }
}

function makeWorks(rng: Random, count: number, cities: City[], people: Person[], organisations: Organisation[], taken: Set<string>): Work[] {
  const workTypes = Object.keys(CREATORS) as WorkType[];
  const cityNames = cities.map((c) => c.name);
  return Array.from({ length: count }, (_, i): Work => {
    const workType = rng.pick(workTypes);
    const creator = rng.pick(people.filter((p) => p.occupation === CREATORS[workType]));
    const producerType = PRODUCERS[workType];
    const producers = producerType ? organisations.filter((o) => o.orgType === producerType) : [];
    return {
      kind: 'work', id: `work-${i}`, name: unique(taken, () => workTitle(rng, cityNames)), workType,
      year: rng.int(creator.birthYear + 20, Math.min(creator.deathYear, 2000)), creatorId: creator.id,
      producerId: producers.length > 0 ? rng.pick(producers).id : undefined,
      settingCityId: rng.pick(cities).id, genre: rng.pick(GENRES[workType]),
    };
  });
}

function makeEvents(rng: Random, count: number, cities: City[], people: Person[], organisations: Organisation[], taken: Set<string>): WorldEvent[] {
  return Array.from({ length: count }, (_, i): WorldEvent => {
    const eventType = rng.pick(EVENT_TYPES);
    const city = rng.pick(cities);
    const figure = rng.pick(people);
    const year = rng.int(figure.birthYear + 25, Math.min(figure.deathYear, 2000));
    const founded = organisations.filter((o) => o.foundedYear < year);
    const organiser = founded.length > 0 ? rng.pick(founded) : rng.pick(organisations);
    return {
      kind: 'event', id: `event-${i}`, eventType, year, cityId: city.id, organiserId: organiser.id, figureId: figure.id,
      name: unique(taken, () => eventName(rng, eventType, city.name, figure.familyName)),
    };
  });
}

function eventName(rng: Random, type: EventType, city: string, family: string): string {
  switch (type) {
    case 'festival': return `${city} ${rng.pick(ADJECTIVES)} ${rng.pick(['Festival', 'Fair', 'Carnival'])}`;
    case 'treaty': return `Treaty of ${city}${rng.chance(0.3) ? ` ${rng.pick(['I', 'II', 'III'])}` : ''}`;
    case 'expedition': return `${family} ${rng.pick(['Expedition', 'Survey', 'Crossing'])} ${rng.chance(0.5) ? `to ${capitalise(root(rng, 2))}` : ''}`.trim();
    case 'exhibition': return `${city} ${rng.pick(NOUNS)} Exhibition`;
    case 'congress': return `${rng.pick(['Congress', 'Council', 'Assembly'])} of ${city}${rng.chance(0.4) ? ` ${rng.pick(['I', 'II'])}` : ''}`;
    case 'flood': return `Great ${city} Flood${rng.chance(0.3) ? ` of ${rng.pick(['Spring', 'Autumn'])}` : ''}`;
  }
}
