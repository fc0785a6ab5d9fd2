import { EVENT_BODY_MAX_BYTES } from '../contract/event-payload.js';
import { clipBytes, clipText } from '../events/body-size.js';

/**
 * A notification e-mail as content, rendered twice from the same blocks — plain text and HTML — so the two parts
 * never say different things. Every text is escaped in one place (`escapeHtml`): a document name or a reason holding
 * markup shows as text, never as markup.
 */
export type MailBlock =
  | { kind: 'paragraph'; text: string }
  | { kind: 'facts'; rows: Array<[label: string, value: string]> }
  | {
      kind: 'table';
      title: string;
      columns: string[];
      /** Each row's cells (HTML) and its line in the text part. */
      rows: Array<{ cells: string[]; line: string }>;
      /** What follows the listed rows, when they are not all (e.g. "… and 9950 more: GET /v1/books/…"). */
      more?: string | undefined;
    }
  | { kind: 'link'; text: string; href: string };

export interface MailContent {
  subject: string;
  /** The first line of the HTML part (the subject says the rest). */
  heading: string;
  blocks: MailBlock[];
  /** The last line, small: which event this is. */
  footer: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_MAX_CHARS = 200;
/** A cell's text: names and account ids are already bounded upstream, this keeps any one from widening a table. */
const CELL_MAX_CHARS = 255;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);

const STYLE = {
  body: 'margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;font-size:14px;line-height:1.5',
  card: 'max-width:680px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;padding:24px',
  h1: 'font-size:20px;margin:0 0 12px',
  h2: 'font-size:15px;margin:20px 0 8px',
  table: 'border-collapse:collapse;width:100%',
  th: 'text-align:left;padding:4px 12px 4px 0;border-bottom:1px solid #d0d7de;color:#57606a;font-weight:600',
  td: 'padding:4px 12px 4px 0;border-bottom:1px solid #eaeef2;vertical-align:top',
  button:
    'display:inline-block;background:#0969da;color:#ffffff;text-decoration:none;padding:8px 14px;border-radius:6px;font-weight:600',
  footer: 'color:#57606a;font-size:12px;margin:24px 0 0',
};

const cell = (text: string, tag: 'th' | 'td') =>
  `<${tag} style="${STYLE[tag]}">${escapeHtml(clipText(text, CELL_MAX_CHARS))}</${tag}>`;

function blockText(block: MailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'facts':
      return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
    case 'table':
      return [
        `${block.title}:`,
        ...block.rows.map((row) => `  ${row.line}`),
        ...(block.more ? [`  ${block.more}`] : []),
      ].join('\n');
    case 'link':
      return `${block.text}: ${block.href}`;
  }
}

function blockHtml(block: MailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'facts':
      return `<table style="${STYLE.table}">${block.rows
        .map(([label, value]) => `<tr>${cell(label, 'th')}${cell(value, 'td')}</tr>`)
        .join('')}</table>`;
    case 'table':
      return [
        `<h2 style="${STYLE.h2}">${escapeHtml(block.title)}</h2>`,
        `<table style="${STYLE.table}"><thead><tr>${block.columns.map((c) => cell(c, 'th')).join('')}</tr></thead>`,
        `<tbody>${block.rows.map((row) => `<tr>${row.cells.map((c) => cell(c, 'td')).join('')}</tr>`).join('')}</tbody></table>`,
        block.more ? `<p>${escapeHtml(block.more)}</p>` : '',
      ].join('');
    case 'link':
      return `<p><a href="${escapeHtml(block.href)}" style="${STYLE.button}">${escapeHtml(block.text)}</a></p>`;
  }
}

/** Both parts of a mail. Each stays within EVENT_BODY_MAX_BYTES: its content is bounded, the cut is a last resort. */
export function renderMail(content: MailContent): RenderedMail {
  const subject = clipText(content.subject, SUBJECT_MAX_CHARS);
  const text = [...content.blocks.map(blockText), `${content.footer}\n-- bookbell`].join('\n\n');
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    `<body style="${STYLE.body}"><div style="${STYLE.card}">`,
    `<h1 style="${STYLE.h1}">${escapeHtml(content.heading)}</h1>`,
    ...content.blocks.map(blockHtml),
    `<p style="${STYLE.footer}">${escapeHtml(content.footer)} — bookbell</p>`,
    '</div></body></html>',
  ].join('\n');
  return { subject, text: clipBytes(text, EVENT_BODY_MAX_BYTES), html };
}
