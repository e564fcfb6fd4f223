export { measureRetrievalRates, rateRow } from './world-stats.js';
export type { RetrievalRates, RatesOptions, StatsQuestion } from './world-stats.js';
export { labWorldReadme } from './lab-world-readme.js';
