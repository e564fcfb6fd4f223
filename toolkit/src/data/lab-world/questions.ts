/**
 * Questions over the lab world, in four kinds that mirror the paper's test sets:
 * - `single-hop`: one fact looked up by the entity's name (NQ-like);
 * - `bridge`: a fact of an entity that is itself only described through another fact
 *   ("the city where X was born"), so the second passage must be found by a second search (HotpotQA-like);
 * - `comparison`: the same fact of two named entities, compared (HotpotQA-like);
 * - `paraphrase`: a person referred to only by a nickname, asked with words the answer passage does not use.
 * Every question keeps its supporting passage ids and a decomposition into single-hop questions,
 * which a scripted searcher (and the statistics) can use.
 */
import type { Random } from '../../core/random.js';
import type { City, Country, Entity, Organisation, Person, Work, WorldEvent } from './schema.js';
import type { WorldIndex } from './render.js';

export type QuestionType = 'single-hop' | 'bridge' | 'comparison' | 'paraphrase';
export const QUESTION_TYPES: readonly QuestionType[] = ['single-hop', 'bridge', 'comparison', 'paraphrase'];

export interface LabQuestion {
  question: string;
  golden_answers: string[];
  type: QuestionType;
  supporting_facts: string[];
  decomposition: string[];
}

/** Finds the passage that states a fact: `${entityId}:${factKey}` → passage id. */
export type FactLookup = (entity: Entity, fact: string) => string;

/** One fact of one entity, as a question and its answer. */
interface Hop {
  fact: string;
  ask: (ref: string) => string;
  answers: string[];
  /** The answer as an entity, for chaining into a bridge question. */
  target?: Entity;
  /** A noun phrase naming the answer through the subject, e.g. "the city where X was born". */
  describe?: (ref: string) => string;
  /** The answer as a number, for comparisons. */
  value?: number;
  /** How a paraphrase question asks it, avoiding the answer passage's words. */
  paraphrase?: (ref: string) => string;
}

const OCCUPATION_ALIASES: Record<Person['occupation'], string[]> = {
  novelist: ['novelist', 'writer', 'author'], poet: ['poet', 'writer'], painter: ['painter', 'artist'],
  composer: ['composer', 'musician'], 'film director': ['film director', 'director', 'filmmaker'],
  physicist: ['physicist', 'scientist'], chemist: ['chemist', 'scientist'], architect: ['architect'],
  politician: ['politician', 'statesman'], engineer: ['engineer'],
};

export function answersFor(entity: Entity): string[] {
  switch (entity.kind) {
    case 'person': return dedupe([entity.name, `${entity.givenName[0]}. ${entity.familyName}`]);
    case 'organisation': return dedupe([entity.name, entity.shortName]);
    case 'work': return dedupe([entity.name, entity.name.replace(/^(The|A) /u, '')]);
    default: return [entity.name];
  }
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

const refOf = (e: Entity): string => (e.kind === 'event' ? `the ${e.name}` : e.name);

/** Every hop (fact question) that can be asked about an entity. */
export function hopsOf(index: WorldIndex, e: Entity): Hop[] {
  switch (e.kind) {
    case 'person': return personHops(index, e);
    case 'city': return cityHops(index, e);
    case 'country': return countryHops(index, e);
    case 'organisation': return organisationHops(index, e);
    case 'work': return workHops(index, e);
    case 'event': return eventHops(index, e);
  }
}

function personHops(index: WorldIndex, p: Person): Hop[] {
  const city = index.get<City>(p.birthCityId);
  const school = index.get<Organisation>(p.almaMaterId);
  const hops: Hop[] = [
    { fact: 'birthYear', ask: (r) => `In what year was ${r} born?`, answers: [String(p.birthYear)], value: p.birthYear,
      paraphrase: (r) => `In which year did ${r} come into the world?` },
    { fact: 'birthCity', ask: (r) => `In which city was ${r} born?`, answers: answersFor(city), target: city,
      describe: (r) => `the city where ${r} was born`, paraphrase: (r) => `What is the hometown of ${r}?` },
    { fact: 'almaMater', ask: (r) => `Where did ${r} study?`, answers: answersFor(school), target: school,
      describe: (r) => `the school where ${r} studied`, paraphrase: (r) => `Which institution trained ${r}?` },
    { fact: 'deathYear', ask: (r) => `In what year did ${r} die?`, answers: [String(p.deathYear)], value: p.deathYear,
      paraphrase: (r) => `When did ${r} pass away?` },
    { fact: 'occupation', ask: (r) => `What was the profession of ${r}?`, answers: OCCUPATION_ALIASES[p.occupation] },
  ];
  if (p.spouseId) {
    const spouse = index.get<Person>(p.spouseId);
    hops.push({ fact: 'spouse', ask: (r) => `Who was ${r} married to?`, answers: answersFor(spouse), target: spouse,
      describe: (r) => `the person ${r} married`, paraphrase: (r) => `Whom did ${r} wed?` });
  }
  if (p.employerId) {
    const employer = index.get<Organisation>(p.employerId);
    hops.push({ fact: 'employer', ask: (r) => `Which organisation employed ${r}?`, answers: answersFor(employer), target: employer,
      describe: (r) => `the employer of ${r}`, paraphrase: (r) => `Whose payroll was ${r} on?` });
  }
  return hops;
}

function cityHops(index: WorldIndex, c: City): Hop[] {
  const country = index.get<Country>(c.countryId);
  return [
    { fact: 'country', ask: (r) => `In which country is ${r}?`, answers: answersFor(country), target: country,
      describe: (r) => `the country that ${r} belongs to` },
    { fact: 'river', ask: (r) => `Which river flows through ${r}?`, answers: [c.river, c.river.replace(/ River$/u, '')] },
    { fact: 'foundedYear', ask: (r) => `In what year was ${r} founded?`, answers: [String(c.foundedYear)], value: c.foundedYear },
    { fact: 'industry', ask: (r) => `What was the economy of ${r} built on?`, answers: [c.industry] },
  ];
}

function countryHops(index: WorldIndex, c: Country): Hop[] {
  const capital = index.get<City>(c.capitalId);
  return [
    { fact: 'capital', ask: (r) => `What is the capital of ${r}?`, answers: answersFor(capital), target: capital,
      describe: (r) => `the capital of ${r}` },
    { fact: 'language', ask: (r) => `What language do the people of ${r} speak?`, answers: [c.demonym] },
    { fact: 'currency', ask: (r) => `What is the currency of ${r}?`, answers: [c.currency] },
    { fact: 'formedYear', ask: (r) => `In what year was ${r} formed as a state?`, answers: [String(c.formedYear)], value: c.formedYear },
  ];
}

function organisationHops(index: WorldIndex, o: Organisation): Hop[] {
  const founder = index.get<Person>(o.founderId);
  const city = index.get<City>(o.cityId);
  return [
    { fact: 'founder', ask: (r) => `Who founded ${r}?`, answers: answersFor(founder), target: founder, describe: (r) => `the founder of ${r}` },
    { fact: 'foundedYear', ask: (r) => `In what year was ${r} founded?`, answers: [String(o.foundedYear)], value: o.foundedYear },
    { fact: 'city', ask: (r) => `In which city is ${r} based?`, answers: answersFor(city), target: city, describe: (r) => `the city where ${r} is based` },
    { fact: 'field', ask: (r) => `What is ${r} known for?`, answers: [o.field] },
  ];
}

const WORK_PHRASES: Record<Work['workType'], { who: string; creator: string; made: string; producer: string; setting: (r: string) => string; settingOf: (r: string) => string }> = {
  novel: { who: 'Who wrote', creator: 'the author of', made: 'published', producer: 'the publisher of', setting: (r) => `In which city is ${r} set?`, settingOf: (r) => `the city where ${r} is set` },
  'poetry collection': { who: 'Who wrote', creator: 'the poet who wrote', made: 'published', producer: 'the publisher of', setting: (r) => `In which city are the poems of ${r} set?`, settingOf: (r) => `the city where ${r} is set` },
  painting: { who: 'Who painted', creator: 'the painter of', made: 'completed', producer: 'the museum that holds', setting: (r) => `Which city does ${r} depict?`, settingOf: (r) => `the city depicted in ${r}` },
  symphony: { who: 'Who composed', creator: 'the composer of', made: 'first performed', producer: '', setting: (r) => `Which city does the music of ${r} evoke?`, settingOf: (r) => `the city evoked by ${r}` },
  film: { who: 'Who directed', creator: 'the director of', made: 'released', producer: 'the studio that produced', setting: (r) => `In which city is ${r} set?`, settingOf: (r) => `the city where ${r} is set` },
  album: { who: 'Who recorded', creator: 'the musician who recorded', made: 'released', producer: 'the label that released', setting: (r) => `In which city was ${r} recorded?`, settingOf: (r) => `the city where ${r} was recorded` },
};

function workHops(index: WorldIndex, w: Work): Hop[] {
  const creator = index.get<Person>(w.creatorId);
  const setting = index.get<City>(w.settingCityId);
  const phrase = WORK_PHRASES[w.workType];
  const hops: Hop[] = [
    { fact: 'creator', ask: (r) => `${phrase.who} ${r}?`, answers: answersFor(creator), target: creator, describe: (r) => `${phrase.creator} ${r}` },
    { fact: 'year', ask: (r) => `In what year was ${r} ${phrase.made}?`, answers: [String(w.year)], value: w.year },
    { fact: 'setting', ask: phrase.setting, answers: answersFor(setting), target: setting, describe: phrase.settingOf },
  ];
  if (w.producerId) {
    const producer = index.get<Organisation>(w.producerId);
    hops.push({ fact: 'producer', ask: (r) => `What is ${phrase.producer} ${r}?`, answers: answersFor(producer), target: producer,
      describe: (r) => `${phrase.producer} ${r}` });
  }
  return hops;
}

const EVENT_ROLE: Record<WorldEvent['eventType'], string> = {
  festival: 'was the guest of honour at', treaty: 'signed', expedition: 'led', exhibition: 'curated', congress: 'presided over', flood: 'directed the relief work after',
};

function eventHops(index: WorldIndex, e: WorldEvent): Hop[] {
  const city = index.get<City>(e.cityId);
  const organiser = index.get<Organisation>(e.organiserId);
  const figure = index.get<Person>(e.figureId);
  const role = EVENT_ROLE[e.eventType];
  return [
    { fact: 'year', ask: (r) => `In what year did ${r} take place?`, answers: [String(e.year)], value: e.year },
    { fact: 'city', ask: (r) => `In which city did ${r} take place?`, answers: answersFor(city), target: city, describe: (r) => `the city where ${r} took place` },
    { fact: 'organiser', ask: (r) => `Who organised ${r}?`, answers: answersFor(organiser), target: organiser, describe: (r) => `the organisation that organised ${r}` },
    { fact: 'figure', ask: (r) => `Who ${role} ${r}?`, answers: answersFor(figure), target: figure, describe: (r) => `the person who ${role} ${r}` },
  ];
}

/** The question's text must not give its answer away (a normalised answer inside the question). */
function leaks(question: string, answers: string[]): boolean {
  const q = ` ${question.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  return answers.some((a) => q.includes(` ${a.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `));
}

export class QuestionMaker {
  private readonly all: Entity[];

  constructor(private readonly index: WorldIndex, private readonly rng: Random, private readonly factPassage: FactLookup) {
    const w = index.world;
    this.all = [...w.people, ...w.people, ...w.cities, ...w.organisations, ...w.works, ...w.events, ...w.countries];
  }

  make(type: QuestionType): LabQuestion | undefined {
    switch (type) {
      case 'single-hop': return this.singleHop();
      case 'bridge': return this.bridge();
      case 'comparison': return this.comparison();
      case 'paraphrase': return this.paraphrase();
    }
  }

  private singleHop(): LabQuestion | undefined {
    const e = this.rng.pick(this.all);
    const hop = this.rng.pick(hopsOf(this.index, e));
    const question = hop.ask(refOf(e));
    if (leaks(question, hop.answers)) return undefined;
    return { question, golden_answers: hop.answers, type: 'single-hop', supporting_facts: [this.factPassage(e, hop.fact)], decomposition: [question] };
  }

  private bridge(): LabQuestion | undefined {
    const e = this.rng.pick(this.all);
    const first = this.rng.pick(hopsOf(this.index, e).filter((h) => h.target && h.describe));
    if (!first?.target || !first.describe) return undefined;
    const bridgeEntity = first.target;
    const second = this.rng.pick(hopsOf(this.index, bridgeEntity).filter((h) => h.target?.id !== e.id));
    if (!second) return undefined;
    const question = second.ask(first.describe(refOf(e)));
    // "the city where the Treaty of X took place" names its own bridge entity: not a two-hop question.
    if (leaks(question, second.answers) || leaks(question, [bridgeEntity.name])) return undefined;
    return {
      question, golden_answers: second.answers, type: 'bridge',
      supporting_facts: [this.factPassage(e, first.fact), this.factPassage(bridgeEntity, second.fact)],
      decomposition: [first.ask(refOf(e)), second.ask(refOf(bridgeEntity))],
    };
  }

  private comparison(): LabQuestion | undefined {
    const w = this.index.world;
    const kind = this.rng.pick(['person', 'person', 'organisation', 'work', 'city', 'same-country'] as const);
    if (kind === 'same-country') return this.sameCountry();
    const pool: Entity[] = kind === 'person' ? w.people : kind === 'organisation' ? w.organisations : kind === 'work' ? w.works : w.cities;
    const a = this.rng.pick(pool);
    // Works are compared with works of their own type, so that the question can use the type's verb.
    const b = this.rng.pick(a.kind === 'work' ? w.works.filter((x) => x.workType === a.workType) : pool);
    if (a.id === b.id) return undefined;
    const fact = kind === 'person' ? this.rng.pick(['birthYear', 'deathYear']) : kind === 'work' ? 'year' : 'foundedYear';
    const hopA = hopsOf(this.index, a).find((h) => h.fact === fact);
    const hopB = hopsOf(this.index, b).find((h) => h.fact === fact);
    if (hopA?.value === undefined || hopB?.value === undefined || hopA.value === hopB.value) return undefined;
    const earlier = this.rng.chance(0.5);
    const winner = (hopA.value < hopB.value) === earlier ? a : b;
    const wording = {
      birthYear: earlier ? 'Who was born first' : 'Who was born later',
      deathYear: earlier ? 'Who died first' : 'Who died later',
      year: `Which was ${a.kind === 'work' ? WORK_PHRASES[a.workType].made : 'made'} ${earlier ? 'first' : 'later'}`,
      foundedYear: kind === 'city' ? (earlier ? 'Which city is older' : 'Which city is younger') : (earlier ? 'Which was founded first' : 'Which was founded later'),
    }[fact];
    return {
      question: `${wording}, ${a.name} or ${b.name}?`, golden_answers: answersFor(winner), type: 'comparison',
      supporting_facts: [this.factPassage(a, fact), this.factPassage(b, fact)],
      decomposition: [hopA.ask(refOf(a)), hopB.ask(refOf(b))],
    };
  }

  /** A yes/no comparison, as HotpotQA has; s3's training filter drops these. */
  private sameCountry(): LabQuestion {
    const people = this.index.world.people;
    const a = this.rng.pick(people);
    const country = this.index.countryOf(a.birthCityId).id;
    // Half the draws look for a compatriot, so that "yes" is as common as "no".
    const wantSame = this.rng.chance(0.5);
    const b = this.rng.pick(people.filter((p) => p.id !== a.id && (this.index.countryOf(p.birthCityId).id === country) === wantSame));
    return {
      question: `Were ${a.name} and ${b.name} born in the same country?`, golden_answers: [wantSame ? 'yes' : 'no'], type: 'comparison',
      supporting_facts: [
        this.factPassage(a, 'birthCity'), this.factPassage(this.index.get<City>(a.birthCityId), 'country'),
        this.factPassage(b, 'birthCity'), this.factPassage(this.index.get<City>(b.birthCityId), 'country'),
      ],
      decomposition: [
        `In which city was ${a.name} born?`, `In which country is ${this.index.get<City>(a.birthCityId).name}?`,
        `In which city was ${b.name} born?`, `In which country is ${this.index.get<City>(b.birthCityId).name}?`,
      ],
    };
  }

  private paraphrase(): LabQuestion | undefined {
    const p = this.rng.pick(this.index.world.people);
    if (!p.nickname) return undefined;
    const hop = this.rng.pick(hopsOf(this.index, p).filter((h) => h.paraphrase));
    if (!hop?.paraphrase) return undefined;
    const question = hop.paraphrase(`the ${p.occupation} nicknamed "${p.nickname}"`);
    if (leaks(question, hop.answers)) return undefined;
    return {
      question, golden_answers: hop.answers, type: 'paraphrase',
      supporting_facts: [this.factPassage(p, 'nickname'), this.factPassage(p, hop.fact)],
      decomposition: [`Which ${p.occupation} was nicknamed "${p.nickname}"?`, hop.ask(p.name)],
    };
  }
}
