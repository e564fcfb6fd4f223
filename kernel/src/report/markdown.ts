/**
 * The Markdown of notebook cells as HTML, for the report: headings, paragraphs, lists, fenced
 * code, block quotes, pipe tables, and inline code, bold, italics and links. Not CommonMark:
 * what notebooks use, with every piece of text escaped (raw HTML in Markdown is shown as text).
 *
 * @example
 * ```ts
 * markdownToHtml('# Title\n\nSome **bold** `code`.'); // '<h1>Title</h1>\n<p>Some <strong>bold</strong> <code>code</code>.</p>'
 * ```
 */
import { escapeHtml } from '@s3lab/toolkit';

export function markdownToHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/gu, '\n').split('\n');
  const html: string[] = [];
  let i = 0;
  const isBlockStart = (line: string): boolean => /^(#{1,6}\s|```|>|\s*[-*+]\s|\s*\d+[.)]\s|\|)/u.test(line);
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '') { i++; continue; }
    const heading = /^(#{1,6})\s+(.*)$/u.exec(line);
    if (heading) {
      const level = (heading[1] as string).length;
      html.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const language = line.slice(3).trim();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) code.push(lines[i] as string);
      i++;
      html.push(`<pre><code${language ? ` class="language-${escapeHtml(language)}"` : ''}>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.startsWith('>')) {
      const quoted: string[] = [];
      for (; i < lines.length && (lines[i] as string).startsWith('>'); i++) quoted.push((lines[i] as string).replace(/^>\s?/u, ''));
      html.push(`<blockquote>${markdownToHtml(quoted.join('\n'))}</blockquote>`);
      continue;
    }
    if (line.startsWith('|') && /^\|?\s*:?-+/u.test(lines[i + 1] ?? '')) {
      const row = (text: string): string[] => text.trim().replace(/^\||\|$/gu, '').split('|').map((c) => c.trim());
      const head = row(line);
      const body: string[][] = [];
      for (i += 2; i < lines.length && (lines[i] as string).startsWith('|'); i++) body.push(row(lines[i] as string));
      html.push(`<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/u;
    if (item.test(line)) {
      const ordered = /^\s*\d/u.test(line);
      const items: string[] = [];
      for (; i < lines.length && (lines[i] as string).trim() !== ''; i++) {
        const current = lines[i] as string;
        if (item.test(current)) items.push(current.replace(item, ''));
        else items[items.length - 1] += ` ${current.trim()}`; // a continuation line
      }
      const tag = ordered ? 'ol' : 'ul';
      html.push(`<${tag}>${items.map((text) => `<li>${inline(text)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const paragraph: string[] = [];
    for (; i < lines.length && (lines[i] as string).trim() !== '' && (paragraph.length === 0 || !isBlockStart(lines[i] as string)); i++) paragraph.push(lines[i] as string);
    html.push(`<p>${inline(paragraph.join('\n'))}</p>`);
  }
  return html.join('\n');
}

/** Inline Markdown: code spans first (their content is literal), then links, bold and italics. */
function inline(text: string): string {
  return text.split(/(`[^`]+`)/u).map((part) => {
    if (/^`[^`]+`$/u.test(part)) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
    return escapeHtml(part)
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/gu, (_, label: string, href: string) => `<a href="${/^(https?:|#|\.{0,2}\/|[\w-]+\.)/u.test(href) ? href : '#'}">${label}</a>`)
      .replace(/\*\*([^*]+)\*\*/gu, '<strong>$1</strong>')
      .replace(/(^|[^\w*])\*([^*\s][^*]*)\*/gu, '$1<em>$2</em>')
      .replace(/(^|\W)_([^_\s][^_]*)_(?=\W|$)/gu, '$1<em>$2</em>');
  }).join('');
}
