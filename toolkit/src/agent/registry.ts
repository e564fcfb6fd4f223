/**
 * The one registry of methods: names → `Method`, for `s3lab eval --methods`, `runEvaluation` and
 * the notebooks. The built-in methods are listed below, one line each; adding a method is one file
 * and one line here (or one `registerMethod` call from outside the toolkit).
 *
 * @example
 * ```ts
 * import { getMethod, methodNames, registerMethod } from '@s3lab/toolkit';
 * methodNames(); // ['no-retrieval', 'naive-rag', 's3', 'scripted', 'search-r1', 'ircot', 'search-o1', 'deep-retrieval']
 * registerMethod({ name: 'oracle', description: 'the golden answer as context', needs: { retriever: false, searcher: false }, run: async (qs) => … });
 * const trajectories = await getMethod('scripted').run(['Who founded Cuga Records?'], { retriever });
 * ```
 */
import { deepRetrieval } from './baselines/deep-retrieval-method.js';
import { ircot } from './baselines/ircot.js';
import { naiveRag } from './baselines/naive-rag.js';
import { noRetrieval } from './baselines/no-retrieval.js';
import { searchO1 } from './baselines/search-o1.js';
import { searchR1 } from './baselines/search-r1-method.js';
import type { Method } from './method.js';
import { scriptedSearcher } from './scripted/method.js';
import { s3Searcher } from './searcher/method.js';

const BUILT_IN: readonly Method[] = [
  noRetrieval,
  naiveRag,
  s3Searcher,
  scriptedSearcher,
  searchR1,
  ircot,
  searchO1,
  deepRetrieval,
];

const METHOD_NAME = /^[a-z0-9][a-z0-9._+-]*$/u;
const methods = new Map<string, Method>();

/**
 * Adds a method under its name. A name already taken throws, unless `replace` is set (to swap a
 * built-in for a variant on purpose).
 *
 * @example
 * ```ts
 * registerMethod(myMethod);
 * registerMethod(myNaiveRag, { replace: true });
 * ```
 */
export function registerMethod(method: Method, options: { replace?: boolean } = {}): Method {
  if (!METHOD_NAME.test(method.name)) throw new RangeError(`registerMethod: method name ${JSON.stringify(method.name)}: use lowercase letters, digits and . _ + - (starting with a letter or digit)`);
  if (methods.has(method.name) && !options.replace) throw new RangeError(`registerMethod: a method named ${JSON.stringify(method.name)} is registered already; pass { replace: true } to replace it`);
  methods.set(method.name, method);
  return method;
}

/**
 * Removes a method (a test's own, say); true when it was registered.
 *
 * @example
 * ```ts
 * unregisterMethod('oracle'); // true
 * ```
 */
export function unregisterMethod(name: string): boolean {
  return methods.delete(name);
}

/**
 * The method of a name; an unknown name throws listing the known ones.
 *
 * @example
 * ```ts
 * getMethod('naive-rag').needs; // { retriever: true, searcher: false }
 * ```
 */
export function getMethod(name: string): Method {
  const method = methods.get(name.trim());
  if (!method) throw new RangeError(`unknown method ${JSON.stringify(name)}; known: ${methodNames().join(', ')}`);
  return method;
}

/**
 * Whether a method of that name is registered.
 *
 * @example
 * ```ts
 * hasMethod('s3'); // true
 * ```
 */
export function hasMethod(name: string): boolean {
  return methods.has(name.trim());
}

/**
 * Registered names, built-ins first, in registration order.
 *
 * @example
 * ```ts
 * methodNames().includes('search-r1'); // true
 * ```
 */
export function methodNames(): string[] {
  return [...methods.keys()];
}

/**
 * Registered methods, in registration order.
 *
 * @example
 * ```ts
 * listMethods().filter((m) => m.needs.searcher).map((m) => m.name); // ['s3', 'search-r1', 'ircot', 'search-o1', 'deep-retrieval']
 * ```
 */
export function listMethods(): Method[] {
  return [...methods.values()];
}

for (const method of BUILT_IN) registerMethod(method);
