import { defaultPayloadConverter } from '@temporalio/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { NAME_MAX_CHARS, REASON_MAX_CHARS } from '../../src/contract/book.js';
import type { BookWorkflowInput, Effect } from '../../workflows/book-model.js';
import { applyBookInput, initialBookState, MAX_IGNORED_KEPT } from '../../workflows/book-state.js';
import { canCarry, jsonBytes, MAX_CARRIED_EFFECTS, nextRunInput } from '../../workflows/next-run.js';

const AT = '2026-12-02T10:00:00.000Z';
/** Temporal's default limit on one payload: a larger continue-as-new input terminates the workflow. */
const TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024;

const doc = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
/** U+0001 is escaped by JSON as \u0001: six bytes for one character, the most any character costs. */
const costliest = (length: number) => '\u0001'.repeat(length);

function largestInput(maxDocuments: number): BookWorkflowInput {
  const metadata = Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [`${i}`.padEnd(64, '\u0001'), costliest(1024)]),
  );
  const input: BookWorkflowInput = {
    tenantId: 'tenant-with-a-long-name',
    bookUuid: doc(0),
    name: costliest(NAME_MAX_CHARS),
    metadata,
    createdAt: AT,
    tenantScopedEventIds: true,
  };
  const state = initialBookState(input);
  for (let n = 1; n <= maxDocuments; n += 1) applyBookInput(state, { type: 'upload', docUuid: doc(n) }, AT);
  // Every document decided with the longest status, and as many conflicting results as the state keeps.
  const effects: Effect[] = [];
  for (let n = 1; n <= maxDocuments; n += 1) {
    const reason = costliest(REASON_MAX_CHARS);
    effects.push(...applyBookInput(state, { type: 'verification', docUuid: doc(n), result: 'SUCCEEDED', reason }, AT));
  }
  for (let n = 1; n <= MAX_IGNORED_KEPT; n += 1) {
    applyBookInput(state, { type: 'verification', docUuid: doc(n), result: 'FAILED' }, AT);
  }
  // As many effects (each with the longest reason) as may travel with the state.
  let carried = 0;
  while (canCarry(effects.slice(0, carried + 1))) carried += 1;
  return nextRunInput(input, state, effects.slice(0, carried));
}

describe('the input a book hands to its next run', () => {
  it('stays well under Temporal’s 2 MB at the most documents BOOK_MAX_DOCUMENTS allows, whatever the text', () => {
    const most = 20_000;
    expect(() => loadConfig({ BOOK_MAX_DOCUMENTS: String(most + 1) })).toThrow(ConfigError);
    expect(loadConfig({ BOOK_MAX_DOCUMENTS: String(most) }).BOOK_MAX_DOCUMENTS).toBe(most);

    const input = largestInput(most);
    expect(Object.keys(input.carried?.docs ?? {})).toHaveLength(most);
    expect(input.carriedEffects?.length).toBeGreaterThan(0);
    const payload = defaultPayloadConverter.toPayload(input);
    expect(payload.data?.length).toBeLessThan(0.8 * TEMPORAL_PAYLOAD_LIMIT);
    // The metadata (up to 50 values of 1,024 characters) is not carried: no run reads it.
    expect(input.metadata).toEqual({});
  });

  it('carries effects by bytes as well as by count', () => {
    const small: Effect[] = Array.from({ length: MAX_CARRIED_EFFECTS + 1 }, () => ({ type: 'reconcile' }));
    expect(canCarry(small.slice(0, MAX_CARRIED_EFFECTS))).toBe(true);
    expect(canCarry(small)).toBe(false);
    const state = initialBookState({ tenantId: 't', bookUuid: doc(0), name: 'b', metadata: {}, createdAt: AT });
    const large: Effect[] = [];
    for (let n = 1; n <= 100; n += 1) {
      const reason = costliest(REASON_MAX_CHARS);
      large.push(...applyBookInput(state, { type: 'verification', docUuid: doc(n), result: 'FAILED', reason }, AT));
    }
    expect(large.length).toBeLessThan(MAX_CARRIED_EFFECTS);
    expect(canCarry(large)).toBe(false);
  });

  it('measures JSON in UTF-8 bytes exactly, for any text', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const json = JSON.stringify(value) ?? '';
        expect(jsonBytes(value)).toBe(Buffer.byteLength(json, 'utf8'));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(jsonBytes({ text })).toBe(Buffer.byteLength(JSON.stringify({ text }), 'utf8'));
      }),
      { numRuns: 500 },
    );
  });
});
