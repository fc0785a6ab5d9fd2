import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { bookStateAttributes } from './book-contract.js';
import type { BookState } from './book-model.js';

/**
 * Keeps the search attributes and the UI's current details in step with the book; returns what it published. The
 * attributes are upserted (a history event) only when one of them changed: a result that verifies a document changes
 * the details alone. Books started before the patch `upsert-on-change` (`upsertsOnChange` false) upserted then too;
 * it is asked only when nothing else decides, as asking a patch writes its marker.
 */
export function publish(state: BookState, previous: string, upsertsOnChange: () => boolean): string {
  const { status, counts } = state;
  const attributes = searchAttributesKey(state);
  const snapshot = `${attributes}|${counts.verified}`;
  if (snapshot === previous) return previous;
  if (!previous.startsWith(`${attributes}|`) || !upsertsOnChange()) {
    upsertSearchAttributes(bookStateAttributes(state));
  }
  setCurrentDetails(
    `**${status}** — ${counts.total} documents: ${counts.verified} verified, ${counts.rejected} rejected, ` +
      `${counts.verifying} verifying` +
      (state.ignoredCount > 0 ? ` (${state.ignoredCount} repeated or conflicting results ignored)` : ''),
  );
  return snapshot;
}

/** The values of the book's search attributes that follow its state (bookStateAttributes), as one string. */
export function searchAttributesKey(state: BookState): string {
  return bookStateAttributes(state)
    .map(({ value }) => String(value))
    .join('|');
}
