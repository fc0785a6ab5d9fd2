import type { Page } from './types.js';

/** Fetches the page after `cursor` (undefined: the first page). */
export type PageFetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

/**
 * Every page of a list, following `next_cursor` until it is null. The event feed works the same way: its
 * `next_cursor` goes in as `after` (`(after) => client.listEvents({ after })`).
 */
export async function* pages<T>(fetchPage: PageFetcher<T>, cursor?: string): AsyncGenerator<Page<T>> {
  let next: string | null | undefined = cursor;
  do {
    const page: Page<T> = await fetchPage(next ?? undefined);
    yield page;
    next = page.next_cursor;
  } while (next);
}

/** Every item of a list, a page at a time: `for await (const doc of items((cursor) => client.listBookDocuments(…)))`. */
export async function* items<T>(fetchPage: PageFetcher<T>, cursor?: string): AsyncGenerator<T> {
  for await (const page of pages(fetchPage, cursor)) yield* page.data;
}
