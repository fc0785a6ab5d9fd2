import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/temporal/group-commit.js';

/** A send that records its batches and finishes only when told. */
function recorder() {
  const sends: Array<{ key: string; items: number[]; finish: (err?: Error) => void }> = [];
  const send = (key: string, items: number[]) =>
    new Promise<string>((resolve, reject) => {
      sends.push({ key, items, finish: (err) => (err ? reject(err) : resolve(`sent ${items.join(',')}`)) });
    });
  return { sends, send };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('sends an uncontended item at once, alone', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send);
    const answer = commit.submit('book-a', 1);
    expect(sends).toMatchObject([{ key: 'book-a', items: [1] }]);
    sends[0]?.finish();
    await expect(answer).resolves.toBe('sent 1');
  });

  it('sends what arrives during a send together next, each caller getting its own send’s outcome', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send);
    const first = commit.submit('book-a', 1);
    const waiting = [commit.submit('book-a', 2), commit.submit('book-a', 3)];
    const otherBook = commit.submit('book-b', 9);
    expect(sends.map((s) => s.items)).toEqual([[1], [9]]);
    sends[0]?.finish();
    await expect(first).resolves.toBe('sent 1');
    await tick();
    expect(sends.map((s) => s.items)).toEqual([[1], [9], [2, 3]]);
    sends[2]?.finish(new Error('refused'));
    for (const answer of waiting) await expect(answer).rejects.toThrow('refused');
    sends[1]?.finish();
    await expect(otherBook).resolves.toBe('sent 9');
    // Nothing in flight any more: the next item goes at once again.
    void commit.submit('book-a', 4);
    expect(sends.at(-1)?.items).toEqual([4]);
  });

  it('never puts more than maxBatch items in one send', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send, 2);
    const answers = [1, 2, 3, 4, 5].map((n) => commit.submit('book-a', n));
    for (let i = 0; i < 3; i++) {
      sends[i]?.finish();
      await tick();
    }
    await Promise.all(answers);
    expect(sends.map((s) => s.items)).toEqual([[1], [2, 3], [4, 5]]);
  });
});
