/** A patch (workflow version) of the book workflow. */
export interface BookPatch {
  /** What `patched()` asks: books started before the patch replay their old commands. */
  id: string;
  /** Books of this generation or a later one (BOOK_GENERATION, book-contract.ts) take it without asking. */
  generation: number;
}

/** The book workflow's patches (book-workflow.ts asks `patched()` for them). */
export const BOOK_PATCHES = {
  startedByApi: { id: 'started-by-api', generation: 1 },
  upsertOnChange: { id: 'upsert-on-change', generation: 1 },
  analyticsInRecording: { id: 'analytics-in-recording', generation: 1 },
  checkInRecording: { id: 'check-in-recording', generation: 1 },
  /** Every recording reads the log at its end (src/db/log-reads.ts). */
  readsLog: { id: 'reads-log', generation: 2 },
  /**
   * The recording that checks the log before BOOK_COMPLETE records the completion too if the check and its read find
   * nothing (book-completion.ts).
   */
  completesInCheck: { id: 'completes-in-check', generation: 3 },
  /**
   * The first recording after a signal looks at the log first and, if it holds news (a burst's other results), leaves
   * its batch to the next recording, which records them all together.
   */
  defersToNews: { id: 'defers-to-news', generation: 4 },
} as const satisfies Record<string, BookPatch>;
