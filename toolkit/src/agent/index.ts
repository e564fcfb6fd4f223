export {
  extractSelectedDocs,
  formatGeneratorContext,
  transcriptAfterStartMarker,
  SEARCHER_START_MARKER,
} from './selected-docs.js';
export type { SelectedDoc, ExtractSelectedDocsOptions } from './selected-docs.js';
