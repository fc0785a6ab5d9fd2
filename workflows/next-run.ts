import type { BookState, BookWorkflowInput, Effect } from './book-model.js';

/**
 * What a book hands to its next run (continue-as-new), bounded in bytes: Temporal refuses an input over 2 MB and
 * terminates the book. The state's per-document part is bounded by BOOK_MAX_DOCUMENTS (at most 20,000 documents,
 * about 63 bytes each); the effects carried over by MAX_CARRIED_EFFECT_BYTES; the rest (name, ignored results) is
 * small. test/unit/next-run.test.ts builds the largest input the API lets a book reach.
 */

/** Ids and statuses, about 250 bytes each: results sent before the intake log also carry reason and fields. */
export const MAX_CARRIED_EFFECTS = 500;
export const MAX_CARRIED_EFFECT_BYTES = 256 * 1024;

/** Whether these effects may travel with the state instead of running in this run first. */
export function canCarry(effects: Effect[]): boolean {
  return effects.length <= MAX_CARRIED_EFFECTS && jsonBytes(effects) <= MAX_CARRIED_EFFECT_BYTES;
}

/**
 * The next run's input. The metadata stays behind: no run reads it (it is stored with the book in PostgreSQL and
 * shown in the first run's input), and up to 50 values of 1,024 characters would take a sixth of the budget.
 */
export function nextRunInput(input: BookWorkflowInput, state: BookState, effects: Effect[]): BookWorkflowInput {
  return { ...input, metadata: {}, carried: state, carriedEffects: effects };
}

/** The size of a value as JSON in UTF-8, as Temporal's default converter sends it. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? '';
  let bytes = json.length;
  for (let i = 0; i < json.length; i += 1) {
    const code = json.charCodeAt(i);
    // One UTF-16 unit is 1 byte up to U+007F, 2 up to U+07FF, 3 above; each half of a surrogate pair 2 (4 together).
    if (code > 0x7f) bytes += code > 0x7ff && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}
