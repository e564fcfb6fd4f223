/**
 * The toolkit's layering (DESIGN.md): data flows one way, and nothing imports a layer above
 * itself. Layers of equal rank are siblings that must not import each other, except where a
 * pair is listed in SIBLING_EDGES. `npm test` runs this check (test/layering.test.ts).
 */
const LAYERS = [
  ['core'],
  ['config'],
  ['text'],
  ['data'],
  ['models', 'retrieval'],
  ['llm'],
  ['agent'],
  ['reward'],
  ['rl', 'eval'],
  ['pipelines'],
  ['display'],
  ['cli'],
];
/** Dense retrieval encodes with the models layer's encoders. */
const SIBLING_EDGES = [['retrieval', 'models']];

const SRC = '^toolkit/src/';
const rankOf = new Map(LAYERS.flatMap((names, rank) => names.map((name) => [name, rank])));
const forbidden = [...rankOf].flatMap(([from, rank]) => {
  const above = [...rankOf].filter(([to, r]) => r > rank || (r === rank && to !== from && !SIBLING_EDGES.some(([a, b]) => a === from && b === to)));
  if (above.length === 0) return [];
  return [{
    name: `layer-${from}`,
    comment: `${from}/ may import only layers below it (DESIGN.md): not ${above.map(([to]) => to).join(', ')}`,
    severity: 'error',
    from: { path: `${SRC}${from}/` },
    to: { path: `${SRC}(${above.map(([to]) => to).join('|')})/` },
  }];
});

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'layer-unknown',
      comment: 'every toolkit module lives in one of the layers named in LAYERS (a new folder gets a rank there)',
      severity: 'error',
      from: { path: `${SRC}[^/]+/`, pathNot: `${SRC}(${[...rankOf.keys()].join('|')})/` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import cycles',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'command-imports-command',
      comment: 'a CLI command does not import another command; shared pieces live in a helper module',
      severity: 'error',
      from: { path: `${SRC}cli/commands/` },
      to: { path: `${SRC}cli/commands/`, pathNot: `${SRC}cli/commands/(targets|index)\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'], conditionNames: ['s3lab-source', 'import', 'node', 'default'] },
  },
};
