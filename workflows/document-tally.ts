import type { DocumentCounts, DocumentStatus } from '../src/contract/book.js';

/**
 * What a book knows of its documents: each one it knows by id with its status, the counts, and how many it knows by
 * number only. Updated in place, as the book's state is (see book-state.ts).
 */
export interface DocumentTally {
  /** Every document of the book and its status (the only per-document data: a 10,000-document book stays small). */
  docs: Record<string, DocumentStatus>;
  counts: DocumentCounts;
  /**
   * Documents the intake log holds that the book knows by number only: uploads are not announced one by one, a result
   * or seal says how many documents the log held when it was stored (`documents`). Counted in `counts` as verifying;
   * each becomes known by its id with its result (or a check of the log). Absent: none.
   */
  unnamed?: number;
}

/**
 * The log's document count, heard with a result or seal: documents beyond those the book knows by id are counted as
 * verifying, unnamed. Counts only grow (a message stored earlier may arrive later).
 */
export function countLogged(tally: DocumentTally, count: number): void {
  const more = count - tally.counts.total;
  if (more <= 0) return;
  tally.unnamed = (tally.unnamed ?? 0) + more;
  tally.counts.total += more;
  tally.counts.verifying += more;
}

/** Gives a document its status, counting it. */
export function setDoc(tally: DocumentTally, docUuid: string, status: DocumentStatus): void {
  const previous = tally.docs[docUuid];
  if (previous === undefined) nameDocument(tally);
  else tally.counts[countKey(previous)] -= 1;
  tally.counts[countKey(status)] += 1;
  tally.docs[docUuid] = status;
}

/**
 * A document the book had not known by id: one of the unnamed ones the log's count included, if any are left (the
 * count held every document stored before it, and a document is named only once it is stored), else a new one.
 */
function nameDocument(tally: DocumentTally): void {
  const unnamed = tally.unnamed ?? 0;
  if (unnamed === 0) {
    tally.counts.total += 1;
    return;
  }
  tally.counts.verifying -= 1;
  if (unnamed === 1) delete tally.unnamed;
  else tally.unnamed = unnamed - 1;
}

function countKey(status: DocumentStatus): 'verifying' | 'verified' | 'rejected' {
  return status === 'VERIFYING' ? 'verifying' : status === 'VERIFICATION_COMPLETE' ? 'verified' : 'rejected';
}
