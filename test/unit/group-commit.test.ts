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
    const commit = new GroupCommit(send, { maxBatch: 2 });
    const answers = [1, 2, 3, 4, 5].map((n) => commit.submit('book-a', n));
    for (let i = 0; i < 3; i++) {
      sends[i]?.finish();
      await tick();
    }
    await Promise.all(answers);
    expect(sends.map((s) => s.items)).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('with a linger, lets the first item wait for others to the same key, then sends them together', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send, { lingerMs: 30 });
    const answers = [commit.submit('book-a', 1), commit.submit('book-a', 2), commit.submit('book-b', 9)];
    expect(sends).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sends.map((s) => [s.key, s.items])).toEqual([
      ['book-a', [1, 2]],
      ['book-b', [9]],
    ]);
    // What arrives while that send is in flight goes next, with what arrives while it lingers in turn.
    const during = commit.submit('book-a', 3);
    for (const sent of sends) sent.finish();
    await tick();
    const lingering = commit.submit('book-a', 4);
    expect(sends).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sends.at(-1)?.items).toEqual([3, 4]);
    sends.at(-1)?.finish();
    await expect(Promise.all([...answers, during, lingering])).resolves.toEqual([
      'sent 1,2',
      'sent 1,2',
      'sent 9',
      'sent 3,4',
      'sent 3,4',
    ]);
  });

  it('hurried, sends what lingers for the key at once, and what the key takes until its queue is empty', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send, { lingerMs: 10_000 });
    const answers = [commit.submit('book-a', 1), commit.submit('book-b', 2)];
    commit.hurry('book-a');
    await tick();
    // Only the hurried key went; the other still lingers.
    expect(sends.map((s) => [s.key, s.items])).toEqual([['book-a', [1]]]);
    // An item arriving while the hurried key's send is in flight goes right after it, without a linger.
    answers.push(commit.submit('book-a', 3));
    sends[0]?.finish();
    await tick();
    await tick();
    expect(sends.map((s) => [s.key, s.items])).toEqual([
      ['book-a', [1]],
      ['book-a', [3]],
    ]);
    sends[1]?.finish();
    await expect(Promise.all([answers[0], answers[2]])).resolves.toEqual(['sent 1', 'sent 3']);
    // Once its queue is empty, the key lingers again; a key with nothing queued ignores hurry.
    commit.hurry('book-c');
    const later = commit.submit('book-a', 4);
    await tick();
    expect(sends).toHaveLength(2);
    commit.hurry('book-a');
    commit.hurry('book-b');
    await tick();
    expect(sends.slice(2).map((s) => [s.key, s.items])).toEqual(
      expect.arrayContaining([
        ['book-b', [2]],
        ['book-a', [4]],
      ]),
    );
    expect(sends).toHaveLength(4);
    for (const sent of sends.slice(2)) sent.finish();
    await expect(Promise.all([answers[1], later])).resolves.toEqual(['sent 2', 'sent 4']);
  });

  it('gives a hurried key the next turn of a send, ahead of keys that waited longer', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send, { maxInFlight: 1 });
    const answers = [commit.submit('a', 1), commit.submit('b', 2), commit.submit('c', 3), commit.submit('d', 4)];
    await tick();
    expect(sends.map((s) => s.key)).toEqual(['a']);
    commit.hurry('d');
    commit.hurry('c');
    for (const expected of ['d', 'c', 'b']) {
      sends.at(-1)?.finish();
      await tick();
      expect(sends.at(-1)?.key).toBe(expected);
    }
    sends.at(-1)?.finish();
    await expect(Promise.all(answers)).resolves.toEqual(['sent 1', 'sent 2', 'sent 3', 'sent 4']);
  });

  it('keeps at most maxInFlight sends in flight over every key; a batch waiting its turn takes what arrives', async () => {
    const { sends, send } = recorder();
    const commit = new GroupCommit(send, { maxInFlight: 2 });
    const answers = [commit.submit('a', 1), commit.submit('b', 2), commit.submit('c', 3)];
    await tick();
    expect(sends.map((s) => s.items)).toEqual([[1], [2]]);
    answers.push(commit.submit('c', 4));
    sends[0]?.finish();
    await tick();
    // The turn of the send that ended goes to the waiting batch, with the item that joined it.
    expect(sends.map((s) => s.items)).toEqual([[1], [2], [3, 4]]);
    sends[1]?.finish();
    sends[2]?.finish();
    await expect(Promise.all(answers)).resolves.toEqual(['sent 1', 'sent 2', 'sent 3,4', 'sent 3,4']);
  });
});
