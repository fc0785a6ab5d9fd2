import { describe, expect, it } from 'vitest';
import { prepared } from '../../src/db/pool.js';

describe('prepared', () => {
  it('names a text the same way every time, and two texts apart', () => {
    const find = 'select 1 from books where tenant_id = $1::text';
    const other = 'select 2 from books where tenant_id = $1::text';
    expect(prepared(find)).toEqual({ name: prepared(find).name, text: find });
    expect(prepared(find).name).toMatch(/^bookbell_[0-9a-f]{24}$/);
    expect(prepared(other).name).not.toBe(prepared(find).name);
  });

  it('gives each query a config of its own, which pg may fill in without touching another', () => {
    const text = 'select $1::int as n';
    expect(prepared(text)).not.toBe(prepared(text));
  });
});
