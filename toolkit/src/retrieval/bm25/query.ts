/**
 * Search queries as s3's BM25 searcher writes them, parsed into the clauses Lucene would score.
 *
 * - Text without an operator: Pyserini's bag of words, exactly as `LuceneSearcher.search` builds
 *   it (quotes and parentheses are punctuation): every analyzed token one SHOULD clause, a repeated
 *   token one clause with its count as boost (what Lucene's BooleanQuery rewrite makes of duplicates).
 *   So questions (`Who wrote "Ulysses"?`) rank exactly as in the original s3 / Search-R1 retrieval.
 * - Text with `AND` or `OR` (also `&&`, `||`) as a word: Lucene's classic QueryParser with default operator OR,
 *   whose operators have no precedence: `AND` makes the clauses on both sides required (MUST), `OR`
 *   leaves them optional (SHOULD), adjacent clauses are SHOULD. So `a OR b AND c` means `a +b +c`;
 *   group with parentheses to say otherwise. Operators are recognised in upper case only, as Lucene does.
 *   Each whitespace-separated word is analyzed on its own; a word that analyzes to several terms
 *   ("state-of-the-art") is a SHOULD group of them, one that analyzes to nothing (a stop word) adds no clause.
 *   Parentheses group.
 * - In such a query, `"quoted phrases"` match as the AND of their terms (positions are not indexed,
 *   so word order is not checked).
 * - Pass `syntax: 'bag-of-words'` to read every query as Pyserini does, operators included (AND and
 *   OR are then stop words, as in Pyserini).
 * - A malformed query (unbalanced parentheses or quotes, an operator with nothing on one side, empty
 *   parentheses) does not fail: it falls back to the plain bag of words of the whole string, and the
 *   result says why (`fallback`). A searcher LLM's output is often malformed; a batch must not fail for it.
 *
 * @example
 * ```ts
 * parseQuery('(Talvik OR Ostrava) AND born').query; // { must: [{ should: [talvik, ostrava] }, born], … }
 * parseQuery('Talvik AND').fallback; // 'AND at the end of the query'
 * ```
 */
import { analyze } from '../../text/analyzer.js';

export interface TermClause {
  kind: 'term';
  term: string;
  boost: number;
}

export interface BooleanClause {
  kind: 'boolean';
  must: QueryNode[];
  should: QueryNode[];
}

export type QueryNode = TermClause | BooleanClause;

export interface ParsedQuery {
  /** Undefined when nothing in the query survives analysis: it matches no passage. */
  query: QueryNode | undefined;
  /** How the query was read. */
  syntax: 'bag-of-words' | 'boolean';
  /** Set when the query was malformed and was read as a bag of words instead: why. */
  fallback?: string;
}

/** How queries are read: `boolean` honours AND / OR / parentheses when a query has an operator; `bag-of-words` never does. */
export type QuerySyntax = 'boolean' | 'bag-of-words';

/** Reads a query: boolean syntax when it has an operator, Pyserini's bag of words otherwise (see the module comment). */
export function parseQuery(text: string, syntax: QuerySyntax = 'boolean'): ParsedQuery {
  if (syntax === 'bag-of-words' || !OPERATOR.test(text)) return { query: bagOfWords(text), syntax: 'bag-of-words' };
  try {
    return { query: simplify(new Parser(lex(text)).parseTop()), syntax: 'boolean' };
  } catch (error) {
    if (!(error instanceof QuerySyntaxError)) throw error;
    return { query: bagOfWords(text), syntax: 'bag-of-words', fallback: error.message };
  }
}

/** Every analyzed token a SHOULD clause; duplicates merged into one clause with the count as boost. */
export function bagOfWords(text: string): QueryNode | undefined {
  return shouldGroup(analyze(text));
}

const OPERATOR = /(?:^|[\s()])(?:AND|OR|&&|\|\|)(?=[\s()]|$)/u;

class QuerySyntaxError extends Error {}

type Token = { type: 'word'; text: string } | { type: 'phrase'; text: string } | { type: 'and' | 'or' | 'open' | 'close' };

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|\(|\)|"([^"]*)("?)|[^\s()"]+/gu;
  for (const match of text.matchAll(pattern)) {
    const [all, phrase, closing] = match;
    if (/^\s/u.test(all)) continue;
    if (all === '(') tokens.push({ type: 'open' });
    else if (all === ')') tokens.push({ type: 'close' });
    else if (phrase !== undefined) {
      if (closing !== '"') throw new QuerySyntaxError('unbalanced double quote');
      tokens.push({ type: 'phrase', text: phrase });
    } else if (all === 'AND' || all === '&&') tokens.push({ type: 'and' });
    else if (all === 'OR' || all === '||') tokens.push({ type: 'or' });
    else tokens.push({ type: 'word', text: all });
  }
  return tokens;
}

const CONJ_NONE = 0;
const CONJ_AND = 1;
const CONJ_OR = 2;

interface Clause {
  node: QueryNode;
  must: boolean;
}

/** Lucene's classic QueryParser grammar (Query := (Conjunction? Clause)*), without modifiers or fields. */
class Parser {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  parseTop(): QueryNode | undefined {
    const query = this.parseQuery(0);
    if (this.at < this.tokens.length) throw new QuerySyntaxError('unbalanced closing parenthesis');
    return query;
  }

  private parseQuery(depth: number): QueryNode | undefined {
    const clauses: Clause[] = [];
    let count = 0;
    while (this.at < this.tokens.length) {
      const token = this.tokens[this.at] as Token;
      if (token.type === 'close') {
        if (depth === 0) throw new QuerySyntaxError('unbalanced closing parenthesis');
        break;
      }
      let conj = CONJ_NONE;
      if (token.type === 'and' || token.type === 'or') {
        if (count === 0) throw new QuerySyntaxError(`${token.type.toUpperCase()} with nothing before it`);
        conj = token.type === 'and' ? CONJ_AND : CONJ_OR;
        this.at++;
      }
      const node = this.parseClause(depth);
      addClause(clauses, conj, node);
      count++;
    }
    if (count === 0) throw new QuerySyntaxError(depth > 0 ? 'empty parentheses' : 'empty query');
    if (clauses.length === 0) return undefined;
    return { kind: 'boolean', must: clauses.filter((c) => c.must).map((c) => c.node), should: clauses.filter((c) => !c.must).map((c) => c.node) };
  }

  private parseClause(depth: number): QueryNode | undefined {
    const token = this.tokens[this.at];
    if (token === undefined) throw new QuerySyntaxError('operator at the end of the query');
    this.at++;
    switch (token.type) {
      case 'word':
        return shouldGroup(analyze(token.text));
      case 'phrase':
        return mustGroup(analyze(token.text));
      case 'open': {
        const inner = this.parseQuery(depth + 1);
        if (this.tokens[this.at]?.type !== 'close') throw new QuerySyntaxError('unbalanced opening parenthesis');
        this.at++;
        return inner;
      }
      default:
        throw new QuerySyntaxError(`${token.type === 'close' ? ')' : token.type.toUpperCase()} where a word was expected`);
    }
  }
}

/** QueryParserBase.addClause with default operator OR. */
function addClause(clauses: Clause[], conj: number, node: QueryNode | undefined): void {
  const previous = clauses[clauses.length - 1];
  // "a AND b": AND makes the clause before it required too.
  if (previous && conj === CONJ_AND) previous.must = true;
  if (node === undefined) return;
  clauses.push({ node, must: conj === CONJ_AND });
}

function shouldGroup(terms: string[]): QueryNode | undefined {
  const clauses = mergeDuplicates(terms.map((term): QueryNode => ({ kind: 'term', term, boost: 1 })));
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { kind: 'boolean', must: [], should: clauses };
}

function mustGroup(terms: string[]): QueryNode | undefined {
  const clauses = mergeDuplicates(terms.map((term): QueryNode => ({ kind: 'term', term, boost: 1 })));
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { kind: 'boolean', must: clauses, should: [] };
}

/** BooleanQuery.rewrite: identical term clauses of one occurrence become one, their boosts summed. */
function mergeDuplicates(nodes: QueryNode[]): QueryNode[] {
  const merged: QueryNode[] = [];
  const byTerm = new Map<string, TermClause>();
  for (const node of nodes) {
    if (node.kind !== 'term') {
      merged.push(node);
      continue;
    }
    const seen = byTerm.get(node.term);
    if (seen) seen.boost += node.boost;
    else {
      const copy = { ...node };
      byTerm.set(node.term, copy);
      merged.push(copy);
    }
  }
  return merged;
}

/** Single-clause groups become their clause (BooleanQuery.rewrite); duplicates merged per occurrence. */
function simplify(node: QueryNode | undefined): QueryNode | undefined {
  if (node === undefined || node.kind === 'term') return node;
  const must = mergeDuplicates(node.must.map(simplify).filter((n): n is QueryNode => n !== undefined));
  const should = mergeDuplicates(node.should.map(simplify).filter((n): n is QueryNode => n !== undefined));
  if (must.length + should.length === 1) return must[0] ?? should[0];
  if (must.length + should.length === 0) return undefined;
  return { kind: 'boolean', must, should };
}
