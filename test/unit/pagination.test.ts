import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { cursorCodec, cursorKey, isCursorTime } from '../../src/api/pagination.js';
import { HttpProblem } from '../../src/api/problem.js';

const documents = cursorCodec('documents', z.tuple([cursorKey.seq]));
const deliveries = cursorCodec('endpoint-deliveries', z.tuple([cursorKey.time, cursorKey.id]));
const BOOK = 'c5c0f4a6-5a39-4b0e-9d3c-1f1f1f1f1f1f';

const refusal = (decode: () => unknown) => {
  try {
    decode();
  } catch (err) {
    return err instanceof HttpProblem && err.status === 400 ? err.errors : err;
  }
  return 'accepted';
};

describe('list cursors', () => {
  it('give back the key they were made from, for their own list and scope', () => {
    expect(documents.decode(documents.encode(BOOK, ['42']), BOOK)).toEqual(['42']);
    const key: [string, string] = ['2026-12-02T05:56:15.123456Z', 'evt_vc_t_1'];
    expect(deliveries.decode(deliveries.encode(BOOK, key), BOOK)).toEqual(key);
    expect(documents.decode(undefined, BOOK)).toBeUndefined();
  });

  it("refuse another list's, another scope's or a forged cursor with a 400 naming the parameter", () => {
    const named = [{ field: 'cursor', message: 'is not a cursor this API issued' }];
    expect(refusal(() => documents.decode(documents.encode(BOOK, ['42']), 'another-book'))).toEqual(named);
    expect(refusal(() => deliveries.decode(documents.encode(BOOK, ['42']), BOOK))).toEqual(named);
    for (const forged of [['documents', BOOK, '0'], ['documents', BOOK, 42], ['documents', BOOK], { a: 1 }, null]) {
      const cursor = Buffer.from(JSON.stringify(forged)).toString('base64url');
      expect(refusal(() => documents.decode(cursor, BOOK))).toEqual(named);
    }
    expect(refusal(() => documents.decode('not base64 JSON', BOOK))).toEqual(named);
  });

  it('take only real times with microseconds, as PostgreSQL wrote them', () => {
    expect(isCursorTime('2026-12-02T05:56:15.123456Z')).toBe(true);
    for (const time of ['2026-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '2026-12-02T05:56:15.123Z', 5]) {
      expect(isCursorTime(time), String(time)).toBe(false);
    }
  });
});
