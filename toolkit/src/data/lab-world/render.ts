/**
 * Renders the knowledge base into wiki-style passages: several per entity, each about 100
 * words, each stating a few facts in one of several phrasings, padded with sentences that
 * mention other entities (the shared attributes that make retrieval non-trivial).
 * Every fact is stated in exactly one passage, which is what `supporting_facts` points at.
 */
import type { Random } from '../../core/random.js';
import type { City, Country, Entity, Organisation, Person, Work, World, WorldEvent } from './schema.js';

export interface RenderedPassage {
  title: string;
  text: string;
  entityId: string;
  /** Fact keys stated here, e.g. "birthYear"; a (entity, fact) pair appears in one passage only. */
  facts: string[];
}

interface Section {
  facts: string[];
  sentences: string[];
  filler: string[];
}

const TARGET_WORDS = 100;

export class WorldIndex {
  readonly byId = new Map<string, Entity>();
  readonly worksByCreator = new Map<string, Work[]>();
  readonly staffByOrg = new Map<string, Person[]>();
  readonly citiesByCountry = new Map<string, City[]>();

  constructor(readonly world: World) {
    for (const list of Object.values(world) as Entity[][]) for (const e of list) this.byId.set(e.id, e);
    for (const w of world.works) push(this.worksByCreator, w.creatorId, w);
    for (const p of world.people) if (p.employerId) push(this.staffByOrg, p.employerId, p);
    for (const c of world.cities) push(this.citiesByCountry, c.countryId, c);
  }

  get<T extends Entity>(id: string): T {
    const entity = this.byId.get(id);
    if (!entity) throw new Error(`lab world: unknown entity ${id}`);
    return entity as T;
  }

  countryOf(cityId: string): Country {
    return this.get<Country>(this.get<City>(cityId).countryId);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function renderWorld(index: WorldIndex, rng: Random): RenderedPassage[] {
  const { world } = index;
  const passages: RenderedPassage[] = [];
  const add = (entity: Entity, sections: Section[]): void => {
    for (const section of sections) {
      const padded = { ...section, filler: [...section.filler, ...rng.sample(GENERIC_FILLER[entity.kind], 4)] };
      passages.push({ title: entity.name, text: compose(rng, padded), entityId: entity.id, facts: section.facts });
    }
  };
  for (const c of world.countries) add(c, countrySections(index, rng, c));
  for (const c of world.cities) add(c, citySections(index, rng, c));
  for (const o of world.organisations) add(o, organisationSections(index, rng, o));
  for (const p of world.people) add(p, personSections(index, rng, p));
  for (const w of world.works) add(w, workSections(index, rng, w));
  for (const e of world.events) add(e, eventSections(index, rng, e));
  return passages;
}

/** Sentences any passage about an entity of that kind may carry: they lengthen passages without stating facts. */
const GENERIC_FILLER: Record<Entity['kind'], readonly string[]> = {
  person: [
    'Opinions about the value of this work have changed considerably over time.',
    'Much of what is known comes from letters kept by friends and colleagues.',
    'Later historians have revised several of the older accounts.',
    'Some details of this period remain uncertain because records were lost.',
    'Interest in this life and work revived in the late twentieth century.',
    'Exhibitions and conferences have been devoted to this legacy.',
    'Several anecdotes from this time are probably apocryphal.',
    'Recent research has drawn on previously unpublished documents.',
  ],
  city: [
    'Its coat of arms dates from the late middle ages.',
    'The historic centre is protected as a heritage site.',
    'Local festivals fill the main square every summer.',
    'The municipal library holds the town chronicles.',
    'Its dialect differs noticeably from that of the surrounding region.',
    'A number of old merchant houses still line the central streets.',
    'Tourism has become an important source of income.',
    'The town council meets in a building from the seventeenth century.',
  ],
  country: [
    'Its history is told in many regional museums.',
    'The national anthem was adopted in the nineteenth century.',
    'Its public holidays follow the old church calendar.',
    'Scholars have written widely about its institutions.',
    'The country is a member of several regional alliances.',
    'Its population has grown steadily over the last century.',
    'Folk traditions remain strong in rural areas.',
    'Its universities attract students from neighbouring states.',
  ],
  organisation: [
    'Its history has been the subject of several studies.',
    'Annual reports describe a steady growth in its activities.',
    'It has faced financial difficulties more than once.',
    'Its governance was reformed in the twentieth century.',
    'Former members often speak of its distinctive culture.',
    'Its records are kept in a dedicated archive.',
    'It takes part in exchanges with similar institutions.',
    'Its premises have been extended several times.',
  ],
  work: [
    'Critics have offered many competing interpretations.',
    'Its reputation has risen steadily since its first appearance.',
    'The manuscript history is complicated and partly lost.',
    'It is frequently discussed in histories of the period.',
    'Later artists have acknowledged its influence.',
    'Several studies have traced its sources.',
    'Its first audiences were divided in their response.',
    'Modern editions include extensive notes.',
  ],
  event: [
    'Historians still disagree about its significance.',
    'Contemporary reports vary in their details.',
    'A commemorative plaque marks the occasion.',
    'It features in many regional histories.',
    'Its consequences were discussed for decades.',
    'Memoirs by participants appeared in later years.',
    'Official records of it were published only partly.',
    'It is sometimes confused with a similar occasion.',
  ],
};

/** Fact sentences in a shuffled order, then filler until the passage reaches its length. */
function compose(rng: Random, section: Section): string {
  const sentences = [section.sentences[0] as string, ...rng.shuffle(section.sentences.slice(1))];
  let words = sentences.join(' ').split(' ').length;
  for (const filler of rng.shuffle(section.filler)) {
    if (words >= TARGET_WORDS) break;
    sentences.push(filler);
    words += filler.split(' ').length;
  }
  return sentences.join(' ');
}

const their = (p: Person): string => (p.pronoun === 'she' ? 'her' : 'his');
const they = (p: Person): string => p.pronoun;
const them = (p: Person): string => (p.pronoun === 'she' ? 'her' : 'him');
const They = (p: Person): string => (p.pronoun === 'she' ? 'She' : 'He');
const article = (word: string): string => (/^[aeiou]/iu.test(word) && !/^(uni|eu|one)/iu.test(word) ? `an ${word}` : `a ${word}`);
const plural = (word: string): string => (word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`);

function personSections(index: WorldIndex, rng: Random, p: Person): Section[] {
  const f = p.familyName;
  const country = index.countryOf(p.birthCityId);
  const birthCity = index.get<City>(p.birthCityId);
  const university = index.get<Organisation>(p.almaMaterId);
  const residence = index.get<City>(p.residenceCityId);
  const works = index.worksByCreator.get(p.id) ?? [];
  const other = (): Person => rng.pick(index.world.people);
  const somewhere = (): City => rng.pick(index.world.cities);

  const overview: Section = {
    facts: ['occupation', 'nationality', ...(p.nickname ? ['nickname'] : [])],
    sentences: [
      rng.pick([
        `${p.name} was ${article(country.demonym)} ${p.occupation}.`,
        `${p.name} was ${article(country.demonym)} ${p.occupation} of some renown.`,
        `${p.name} is remembered as ${article(country.demonym)} ${p.occupation}.`,
      ]),
      ...(p.nickname ? [rng.pick([
        `Friends and critics alike called ${f} "${p.nickname}".`,
        `${f} was widely known by the nickname "${p.nickname}".`,
        `To the public ${they(p)} was simply "${p.nickname}".`,
      ])] : []),
      ...(works.length > 0 ? [`Among ${their(p)} works ${works.length === 1 ? 'is' : 'are'} ${works.slice(0, 3).map((w) => w.name).join(', ')}.`] : []),
    ],
    filler: [
      `Outside ${their(p)} work, ${f} was devoted to ${p.hobby}.`,
      `${They(p)} corresponded for decades with ${other().name}.`,
      `Contemporaries described ${f} as reserved in company but generous with students.`,
      `A portrait of ${f} hangs in a gallery in ${somewhere().name}.`,
      `${f} is often confused with a namesake, although the two never met.`,
      `Several biographies of ${f} have appeared, each stressing a different side of ${their(p)} character.`,
      `${They(p)} travelled widely and kept detailed diaries of each journey.`,
    ],
  };
  const earlyLife: Section = {
    facts: ['birthYear', 'birthCity', 'almaMater'],
    sentences: [
      rng.pick([
        `${p.name} was born in ${p.birthYear} in ${birthCity.name}.`,
        `${p.name} was born in ${birthCity.name} in ${p.birthYear}.`,
        `${p.name} was a native of ${birthCity.name}, where ${they(p)} was born in ${p.birthYear}.`,
      ]),
      rng.pick([
        `${They(p)} studied at ${university.name}.`,
        `${f} was educated at ${university.name}, where ${they(p)} studied for four years.`,
        `As a young adult ${f} enrolled at ${university.name} and studied there.`,
      ]),
    ],
    filler: [
      `${their(p) === 'her' ? 'Her' : 'His'} father kept a small shop and ${their(p)} mother taught music.`,
      `As a child ${f} spent long summers with relatives near ${somewhere().name}.`,
      `Early teachers noted ${their(p)} talent for drawing and arithmetic.`,
      `The family moved house several times during ${their(p)} childhood.`,
      `${f} later said that an uncle's library had shaped ${their(p)} interests.`,
      `Among ${their(p)} classmates was ${other().name}.`,
      `A scholarship paid for most of ${their(p)} studies.`,
    ],
  };
  const employer = p.employerId ? index.get<Organisation>(p.employerId) : undefined;
  const career: Section = {
    facts: ['employer'],
    sentences: [
      employer
        ? rng.pick([
          `${p.name} was employed by ${employer.name} for many years.`,
          `${p.name} took a position at ${employer.name}, which employed ${them(p)} for most of ${their(p)} career.`,
          `For most of ${their(p)} career ${p.name} was employed by ${employer.name}.`,
        ])
        : `${p.name} never held a permanent post and worked independently.`,
      ...(works.length > 3 ? [`Later works include ${works.slice(3, 6).map((w) => w.name).join(', ')}.`] : []),
    ],
    filler: [
      `${They(p)} worked closely with ${other().name} for several years.`,
      `${f}'s methods were debated at length by ${their(p)} peers.`,
      `A prize from the academy of ${somewhere().name} brought ${f} wider recognition.`,
      `${f} lectured occasionally but preferred practical work to teaching.`,
      `Critics have traced ${their(p)} influence on a younger generation of ${plural(p.occupation)}.`,
      `${They(p)} published little about ${their(p)} own methods.`,
      `In ${somewhere().name} ${f} met ${other().name}, who became a lifelong rival.`,
    ],
  };
  const spouse = p.spouseId ? index.get<Person>(p.spouseId) : undefined;
  const laterLife: Section = {
    facts: ['residence', 'spouse', 'deathYear'],
    sentences: [
      rng.pick([
        `In later life ${p.name} settled in ${residence.name}.`,
        `${p.name} spent ${their(p)} last years in ${residence.name}.`,
      ]),
      ...(spouse ? [rng.pick([`${f} was married to ${spouse.name}.`, `${f} married ${spouse.name}.`])] : []),
      rng.pick([`${f} died in ${p.deathYear}.`, `${f} died in ${p.deathYear} at the age of ${p.deathYear - p.birthYear}.`]),
    ],
    filler: [
      `${their(p) === 'her' ? 'Her' : 'His'} papers were later given to a library in ${somewhere().name}.`,
      `A street in ${somewhere().name} bears ${their(p)} name.`,
      `Friends recalled long evenings of ${p.hobby} and conversation.`,
      `${f} kept up a large correspondence until the final months.`,
      `Memorial lectures in ${their(p)} honour are still held every few years.`,
      `${They(p)} was visited often by ${other().name}.`,
      `Little of ${their(p)} later correspondence survives.`,
    ],
  };
  return [overview, earlyLife, career, laterLife];
}

function citySections(index: WorldIndex, rng: Random, c: City): Section[] {
  const country = index.get<Country>(c.countryId);
  const neighbour = (): City => rng.pick(index.world.cities);
  return [
    {
      facts: ['country', 'population', 'landmark'],
      sentences: [
        rng.pick([`${c.name} is a city in the country of ${country.name}.`, `${c.name} is a ${country.demonym} city, in the country of ${country.name}.`, `${c.name} is a city of ${country.name}, a country with a long history.`]),
        rng.pick([`It has a population of about ${c.population}.`, `About ${c.population} people live there.`]),
        `The ${c.landmark} of ${c.name} is its best known building.`,
      ],
      filler: [
        `Travellers often compare it with ${neighbour().name}.`,
        `The old town is laid out around a market square.`,
        `Trams connect the centre with the outer districts.`,
        `Many of its streets are named after local craftsmen.`,
        `The city hosts a weekly market that draws visitors from ${neighbour().name}.`,
        `Its museums hold collections of local crafts.`,
        `The climate is mild, with wet winters.`,
      ],
    },
    {
      facts: ['foundedYear', 'industry'],
      sentences: [
        rng.pick([`${c.name} was founded in ${c.foundedYear}.`, `The town of ${c.name} dates from ${c.foundedYear}, when it was founded.`]),
        rng.pick([`Its economy grew around ${c.industry}.`, `For centuries the economy of ${c.name} lived from ${c.industry}.`]),
      ],
      filler: [
        `Its early charter was modelled on that of ${neighbour().name}.`,
        `Fires destroyed much of the old town more than once.`,
        `The walls were taken down when the town outgrew them.`,
        `Merchants from ${neighbour().name} kept warehouses there.`,
        `A railway line reached the town in the industrial era.`,
        `Guild records from the period survive in the town archive.`,
        `The population doubled within a few generations.`,
      ],
    },
    {
      facts: ['river'],
      sentences: [
        rng.pick([`The ${c.river} flows through ${c.name}.`, `${c.name} stands on the banks of the ${c.river}.`, `${c.name} lies on the ${c.river}.`]),
      ],
      filler: [
        `Hills rise to the north of the city.`,
        `The road to ${neighbour().name} follows the valley.`,
        `Several bridges cross the water in the centre.`,
        `Parks line both banks in the summer months.`,
        `Spring floods were common before the embankments were built.`,
        `Orchards surround the outer districts.`,
        `A ferry once linked it with ${neighbour().name}.`,
        `Fishing was an important trade along the water.`,
      ],
    },
  ];
}

function countrySections(index: WorldIndex, rng: Random, c: Country): Section[] {
  const capital = index.get<City>(c.capitalId);
  const cities = index.citiesByCountry.get(c.id) ?? [];
  const aCity = (): string => (cities.length > 0 ? rng.pick(cities).name : capital.name);
  return [
    {
      facts: ['capital', 'language'],
      sentences: [
        rng.pick([`${c.name} is a country whose capital is ${capital.name}.`, `The capital of ${c.name} is ${capital.name}.`]),
        `Its people speak ${c.demonym}.`,
      ],
      filler: [
        `Other large cities include ${aCity()} and ${aCity()}.`,
        `The country is divided into provinces.`,
        `Its flag shows three horizontal bands.`,
        `Mountains cover much of the interior.`,
        `A parliament meets in the capital twice a year.`,
        `Most of the population lives near the coast.`,
        `The road network centres on ${aCity()}.`,
      ],
    },
    {
      facts: ['currency'],
      sentences: [rng.pick([`The currency of ${c.name} is the ${c.currency}.`, `${c.name} pays in the ${c.currency}.`])],
      filler: [
        `Its economy rests on farming, trade and small industry.`,
        `The port of ${aCity()} handles most exports.`,
        `Banks are concentrated in ${aCity()}.`,
        `Tariffs were lowered in a series of reforms.`,
        `Tourism has grown in recent decades.`,
        `A central bank issues notes and coins.`,
        `Mining once dominated the northern provinces.`,
        `Markets in ${aCity()} trade grain and wool.`,
      ],
    },
    {
      facts: ['formedYear'],
      sentences: [rng.pick([`The state of ${c.name} was formed in ${c.formedYear}.`, `${c.name} became a unified state in ${c.formedYear}.`])],
      filler: [
        `Before that the region was divided among rival princes.`,
        `A war with its neighbours shaped its borders.`,
        `The constitution has been revised several times.`,
        `Historians date its first written laws much earlier.`,
        `The old royal seat was in ${aCity()}.`,
        `Reforms in the nineteenth century expanded schooling.`,
        `Its borders have been stable for a long time.`,
        `Treaties signed in ${aCity()} ended several wars.`,
      ],
    },
  ];
}

function organisationSections(index: WorldIndex, rng: Random, o: Organisation): Section[] {
  const city = index.get<City>(o.cityId);
  const founder = index.get<Person>(o.founderId);
  const staff = index.staffByOrg.get(o.id) ?? [];
  const someone = (): string => rng.pick(index.world.people).name;
  return [
    {
      facts: ['orgType', 'city', 'shortName', 'field'],
      sentences: [
        rng.pick([`${o.name} (${o.shortName}) is ${article(o.orgType)} based in ${city.name}.`, `${o.name}, often shortened to ${o.shortName}, is ${article(o.orgType)} in ${city.name}.`]),
        rng.pick([`It is known for ${o.field}.`, `Its reputation rests on ${o.field}.`]),
      ],
      filler: [
        `Its main building stands near the centre of ${city.name}.`,
        `It has branch offices in ${rng.pick(index.world.cities).name}.`,
        `Its archives are open to researchers by appointment.`,
        `The emblem shows a stylised tower.`,
        `It publishes an annual report of its activities.`,
        `Its board meets four times a year.`,
        `Visitors can tour parts of the premises.`,
      ],
    },
    {
      facts: ['founder', 'foundedYear'],
      sentences: [
        rng.pick([`${o.name} was founded in ${o.foundedYear} by ${founder.name}.`, `${founder.name} founded ${o.name} in ${o.foundedYear}.`, `${o.name} was established by ${founder.name} in ${o.foundedYear}.`]),
      ],
      filler: [
        `It began with a handful of employees in rented rooms.`,
        `Early funding came from ${someone()}.`,
        `It survived a difficult period of debts in its early years.`,
        `It merged with a smaller rival soon after.`,
        `Its first premises were destroyed by fire.`,
        `Growth was rapid during its second decade.`,
        `A rival body was set up in ${rng.pick(index.world.cities).name} at about the same time.`,
        `It was reorganised more than once.`,
      ],
    },
    {
      facts: ['staff'],
      sentences: [
        staff.length > 0
          ? `People who worked at ${o.name} include ${staff.slice(0, 3).map((p) => p.name).join(', ')}.`
          : `${o.name} kept a small permanent staff.`,
      ],
      filler: [
        `${someone()} served on its advisory council.`,
        `It trains apprentices every year.`,
        `Its staff have won several national prizes.`,
        `A history of the institution was written by ${someone()}.`,
        `Its anniversary is marked with a public lecture.`,
        `It maintains close ties with similar bodies abroad.`,
        `Its library holds rare early documents.`,
        `Some of its former staff went on to found their own firms.`,
      ],
    },
  ];
}

const WORK_VERBS: Record<Work['workType'], { by: string; made: string; producer: string; setting: string }> = {
  novel: { by: 'written by', made: 'published', producer: 'It was published by', setting: 'The story is set in' },
  'poetry collection': { by: 'written by', made: 'published', producer: 'It was published by', setting: 'Many of the poems are set in' },
  painting: { by: 'painted by', made: 'completed', producer: 'It belongs to the holdings of', setting: 'It depicts a scene in' },
  symphony: { by: 'composed by', made: 'first performed', producer: '', setting: 'Its music evokes the city of' },
  film: { by: 'directed by', made: 'released', producer: 'It was produced by', setting: 'The film is set in' },
  album: { by: 'recorded by', made: 'released', producer: 'It was released on the label', setting: 'It was recorded in' },
};

function workSections(index: WorldIndex, rng: Random, w: Work): Section[] {
  const creator = index.get<Person>(w.creatorId);
  const setting = index.get<City>(w.settingCityId);
  const verbs = WORK_VERBS[w.workType];
  const producer = w.producerId ? index.get<Organisation>(w.producerId) : undefined;
  const someone = (): string => rng.pick(index.world.people).name;
  return [
    {
      facts: ['creator', 'year', 'genre'],
      sentences: [
        rng.pick([
          `${w.name} is ${article(w.genre)} ${verbs.by} ${creator.name}, ${verbs.made} in ${w.year}.`,
          `${w.name} is ${article(w.workType)} ${verbs.by} ${creator.name}. It was ${verbs.made} in ${w.year}.`,
        ]),
        ...(w.genre.includes(w.workType) ? [] : [`It is usually classed as ${article(w.genre)}.`]),
      ],
      filler: [
        `It was well received by critics.`,
        `Early reviewers compared it with the work of ${someone()}.`,
        `The work went through several drafts.`,
        `It remains one of the most discussed works of its kind.`,
        `A later edition added a preface by ${someone()}.`,
        `Its title has been translated in several ways.`,
        `Scholars still debate its meaning.`,
      ],
    },
    {
      facts: ['producer', 'setting'],
      sentences: [
        producer ? `${verbs.producer} ${producer.name}.` : `${w.name} was first heard in a concert hall in ${rng.pick(index.world.cities).name}.`,
        `${verbs.setting} ${setting.name}.`,
      ],
      filler: [
        `It sold slowly at first but later found a wide audience.`,
        `A restoration was completed many years afterwards.`,
        `${someone()} wrote an influential essay about it.`,
        `It has been adapted more than once.`,
        `Its reception abroad was warmer than at home.`,
        `The original is kept under careful conditions.`,
        `A centenary celebration drew large crowds.`,
        `It inspired imitations for decades.`,
      ],
    },
  ];
}

const EVENT_FIGURE: Record<WorldEvent['eventType'], string> = {
  festival: 'was its guest of honour',
  treaty: 'signed it as chief negotiator',
  expedition: 'led it',
  exhibition: 'curated it',
  congress: 'presided over it',
  flood: 'directed the relief work',
};

function eventSections(index: WorldIndex, rng: Random, e: WorldEvent): Section[] {
  const city = index.get<City>(e.cityId);
  const organiser = index.get<Organisation>(e.organiserId);
  const figure = index.get<Person>(e.figureId);
  const where = e.eventType === 'expedition' ? `set out from ${city.name}` : `took place in ${city.name}`;
  const someone = (): string => rng.pick(index.world.people).name;
  return [
    {
      facts: ['year', 'city', 'eventType'],
      sentences: [
        rng.pick([`The ${e.name} was ${article(e.eventType)} that ${where} in ${e.year}.`, `In ${e.year}, the ${e.name} ${where}.`]),
      ],
      filler: [
        `Newspapers across the region reported on it.`,
        `It was remembered for years afterwards.`,
        `Preparations took several months.`,
        `Accounts of it differ in their details.`,
        `Delegations arrived from ${rng.pick(index.world.cities).name}.`,
        `Photographs of the occasion survive in private collections.`,
        `Its anniversary is still marked locally.`,
      ],
    },
    {
      facts: ['organiser', 'figure'],
      sentences: [
        rng.pick([`It was organised by ${organiser.name}.`, `${organiser.name} organised it.`]),
        `${figure.name} ${EVENT_FIGURE[e.eventType]}.`,
      ],
      filler: [
        `${someone()} wrote a well-known account of it.`,
        `Its costs were disputed for years.`,
        `The outcome was celebrated by some and criticised by others.`,
        `Its records were published much later.`,
        `A second such occasion was planned but never held.`,
        `${someone()} also took part.`,
        `Several of those involved later wrote memoirs.`,
        `Its effects were felt for a generation.`,
      ],
    },
  ];
}
