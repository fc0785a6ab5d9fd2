import { escapeHtml } from '../delivery/mail-layout.js';

type Row = { cells: string[]; line: string };

/** A table row's markup around its escaped cells, as mail-layout.ts writes it (a little more, to be safe). */
const ROW_MARKUP_BYTES = 20;
const CELL_MARKUP_BYTES = 100;

/**
 * The first rows whose text lines and whose HTML each stay within `budgetBytes` (UTF-8), so a long list of
 * multi-byte names still leaves a mail within its bound while an ordinary one lists every row it may.
 */
export function fitRows(rows: Row[], budgetBytes: number): Row[] {
  let text = 0;
  let html = 0;
  let count = 0;
  for (const row of rows) {
    text += Buffer.byteLength(row.line) + 3;
    html +=
      ROW_MARKUP_BYTES + row.cells.reduce((sum, c) => sum + CELL_MARKUP_BYTES + Buffer.byteLength(escapeHtml(c)), 0);
    if (text > budgetBytes || html > budgetBytes) break;
    count += 1;
  }
  return rows.slice(0, count);
}
