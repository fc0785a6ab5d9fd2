import {
  PROBLEM_CODES,
  PROBLEM_KINDS,
  PROBLEM_PAGES,
  problemType,
  type ProblemCode,
} from '../contract/problem-types.js';

/** The pages every problem `type` resolves to: /docs/problems and one per kind, generated from the catalogue. */

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/`([^`]+)`/g, '<code>$1</code>');

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · bookbell API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem} code{font:13px ui-monospace,monospace} dt{font-weight:700;margin-top:.8rem}
td,th{text-align:left;padding:.2rem .8rem .2rem 0;vertical-align:top}
</style></head><body>
${body}
</body></html>`;

/** The index: every kind with its status and title. */
export const PROBLEMS_INDEX_PAGE = page(
  'Problem types',
  `<p><a href="/docs">API reference</a></p>
<h1>Problem types</h1>
<p>Every error is RFC 9457 <code>application/problem+json</code>. Its <code>type</code> is the path of one of these
pages, <code>${PROBLEM_PAGES}/&lt;code&gt;</code>, and its <code>code</code> member is the same kind in short: branch
on <code>code</code>. The list only grows; a code never changes meaning.</p>
<table><tr><th>status</th><th>code</th><th>title</th></tr>
${PROBLEM_CODES.map(
  (code) =>
    `<tr><td>${PROBLEM_KINDS[code].status}</td><td><a href="${problemType(code)}"><code>${code}</code></a></td>` +
    `<td>${escape(PROBLEM_KINDS[code].title)}</td></tr>`,
).join('\n')}
</table>`,
);

/** One kind's page: what it means, when it happens, what to do. */
export function problemPage(code: ProblemCode): string {
  const kind = PROBLEM_KINDS[code];
  return page(
    kind.title,
    `<p><a href="/docs">API reference</a> · <a href="${PROBLEM_PAGES}">All problem types</a></p>
<h1>${escape(kind.title)}</h1>
<p><code>type: "${problemType(code)}"</code>, <code>code: "${code}"</code>, <code>status: ${kind.status}</code></p>
<dl>
<dt>What it means</dt><dd>${escape(kind.description)}</dd>
<dt>When it happens</dt><dd>${escape(kind.when)}</dd>
<dt>What to do</dt><dd>${escape(kind.action)}</dd>
</dl>`,
  );
}
