/**
 * The Markdown of notebook cells (and `text/markdown` outputs) as HTML, for the report:
 * CommonMark by markdown-it, plus what Jupyter's own renderer adds and the notebooks use — pipe
 * tables, strikethrough, bare URLs as links. Raw HTML in the Markdown is shown as text, not
 * rendered: a report is opened from disk and must not run what a cell happens to contain.
 * Fenced code is highlighted like the code cells (`highlightCode`). No math: no notebook
 * writes any, and MathJax/KaTeX would be one more library to inline.
 *
 * @example
 * ```ts
 * markdownToHtml('# Title\n\nSome **bold** `code`.'); // '<h1>Title</h1>\n<p>Some <strong>bold</strong> <code>code</code>.</p>\n'
 * ```
 */
import { escapeHtml } from '@s3lab/toolkit';
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt('default', {
  html: false,
  linkify: true,
  // markdown-it wraps what this returns in <pre><code class="language-…">.
  highlight: (code, language) => highlightCode(code, language),
});

export function markdownToHtml(text: string): string {
  return markdown.render(text);
}

/**
 * Code as HTML with highlight.js token spans (`<span class="hljs-keyword">`), coloured by the
 * theme the report inlines (`highlightStyle`). A language highlight.js does not know, or none,
 * gives the escaped text unchanged.
 */
export function highlightCode(code: string, language: string): string {
  const name = language.trim().split(/\s+/u)[0]?.toLowerCase() ?? '';
  if (name === '' || hljs.getLanguage(name) === undefined) return escapeHtml(code);
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}
