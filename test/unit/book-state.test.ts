import { describe, expect, it } from 'vitest';
import { initialBookState } from '../../workflows/book-state.js';

describe('book state machine', () => {
  it('starts a new book in UPLOAD, keeping what the API sent', () => {
    const input = {
      tenantId: 'acme',
      bookUuid: '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c',
      name: 'Q3 statements',
      metadata: { loan: 'L-1' },
      createdAt: '2026-11-28T10:00:00.000Z',
    };
    expect(initialBookState(input)).toEqual({ ...input, status: 'UPLOAD' });
  });
});
