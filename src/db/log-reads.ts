// A book's read of its intake log at the end of each recording (activities/record-book-changes.ts): what the API
// stored without a signal while the recording ran (migration 031).
import type { VerificationResult } from '../contract/book.js';
import { inTransaction, prepared, type Pool } from './pool.js';

/** How long a recording's promise to read the log holds if its read never comes (a lost worker's retry renews it). */
export const LOG_READ_LEASE_MS = 5 * 60_000;
/**
 * How long the API's promise holds when it wakes the book (`promiseRead`): until the book's recording starts and
 * renews it. Short, so that a promise whose signal never left (the API stopped in between) silences the book briefly.
 */
export const WAKE_READ_LEASE_MS = 10_000;
/** The longest promise a sweep makes to a book that keeps not reading (its worker away): nudged at most hourly. */
export const MAX_NUDGE_LEASE_MS = 3_600_000;
/** Results one read returns at most: a larger backlog is read on by the next recording (`cleared: false`). */
export const MAX_RESULTS_PER_READ = 500;

export interface LogReadRequest {
  /** The last result id the book read (results with a greater id are new); absent: none yet. */
  after?: string;
  /** The book knows it is sealed: a stored seal request is no news. */
  sealed: boolean;
  /** The book is complete: it takes nothing more, and the API signals again (a finished workflow refuses results). */
  complete: boolean;
}

/** What the API stored without a signal since the book's last read. */
export interface LogRead {
  /** Oldest first; `requestId`: the request that sent it, when it had one (shown in the book's history). */
  results: Array<{ docUuid: string; result: VerificationResult; resultId: string; requestId?: string }>;
  sealRequested: boolean;
  /** The request that asked for the seal, when the seal is news to the book. */
  sealRequestId?: string;
  /** How many documents the log held for the book (books.admitted_count). */
  documents: number;
  /** The greatest result id read, when any was: the next read's `after`. */
  through?: string;
  /**
   * Nothing new was found (or the book is complete), so the API signals again from now on. Otherwise the book must
   * read again, in its next recording, before it waits for a signal.
   */
  cleared: boolean;
}

/**
 * Before the API signals a book that is not reading the log, it promises the book will: messages stored from now on
 * until the book's recording reads them need no signal of their own (the book reads the log after every signal, see
 * book-workflow.ts). The signal goes after this commits; if it cannot be sent, `withdrawRead`. A promise with more than
 * half of its time left stands as it is: a waker that came a moment after another writes nothing.
 */
export async function promiseRead(pool: Pool, tenantId: string, bookUuid: string, taskQueue: string): Promise<void> {
  await pool.query(
    prepared(`update books set reads_log_until = clock_timestamp() + $3::int * interval '1 millisecond',
       reads_log_queue = $4::text
     where tenant_id = $1::text and book_uuid = $2::uuid
       and (reads_log_until is null or reads_log_until < clock_timestamp() + $3::int * interval '500 microseconds')`),
    [tenantId, bookUuid, WAKE_READ_LEASE_MS, taskQueue],
  );
}

/**
 * A result stored a moment before the book's promise to read the log (its store found none) joins that read instead
 * of being signalled: marked unsignalled, under the book's share lock, while the promise holds and no read has gone
 * past it (reads take results after the last id read). A read ending the promise holds the book's row lock, so it
 * either sees the mark or comes first and the mark fails. False: the caller signals the result as usual.
 */
export async function joinRead(pool: Pool, tenantId: string, bookUuid: string, resultId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    prepared(`with book as (
       select 1 from books
       where tenant_id = $1::text and book_uuid = $2::uuid
         and reads_log_until > clock_timestamp() and coalesce(log_read_through, 0) < $3::bigint
       for share
     )
     update verification_results set unsignalled = true
     where tenant_id = $1::text and book_uuid = $2::uuid and id = $3::bigint and not unsignalled
       and exists (select 1 from book)`),
    [tenantId, bookUuid, resultId],
  );
  return rowCount === 1;
}

/**
 * The signal after `promiseRead` did not reach a running book: messages are signalled again (a retry of the same
 * request must wake the book). Messages stored unsignalled meanwhile wait in the log for its next read or check.
 */
export async function withdrawRead(pool: Pool, tenantId: string, bookUuid: string): Promise<void> {
  await pool.query(
    prepared(`update books set reads_log_until = null
     where tenant_id = $1::text and book_uuid = $2::uuid and reads_log_until is not null`),
    [tenantId, bookUuid],
  );
}

/**
 * Reads what is new in the book's log and, when nothing is, ends the API's silence, in one transaction under the
 * book's row lock: a result or seal being stored holds that lock until it commits, so the read sees every one that
 * found the lease (their ids are smaller than any stored after), and one stored after the read finds no lease and is
 * signalled. A retry with the same `after` reads the same rows again.
 */
export async function readLog(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  request: LogReadRequest,
): Promise<LogRead> {
  return inTransaction(pool, async (client) => {
    const params = [tenantId, bookUuid];
    const book = await client.query<{ documents: number; seal_requested: boolean; seal_request_id: string | null }>(
      prepared(`select admitted_count as documents, seal_requested_at is not null as seal_requested, seal_request_id
       from books where tenant_id = $1::text and book_uuid = $2::uuid
       for no key update`),
      params,
    );
    const { rows } = await client.query<{
      doc_uuid: string;
      result: VerificationResult;
      id: string;
      request_id: string | null;
    }>(
      // Ids grow in the order results commit, per book: each insert holds the book's row lock (share or update) from
      // before it takes an id until it commits, and the sequence hands ids out one by one (no per-session cache).
      prepared(`select doc_uuid, result, id::text, request_id from verification_results
       where tenant_id = $1::text and book_uuid = $2::uuid and unsignalled and id > $3::bigint
       order by id limit $4::int`),
      [...params, request.after ?? '0', MAX_RESULTS_PER_READ],
    );
    const sealRequested = book.rows[0]?.seal_requested ?? false;
    const sealNews = sealRequested && !request.sealed;
    const news = rows.length > 0 || sealNews;
    const cleared = request.complete || !news;
    const last = rows.at(-1);
    await client.query(
      prepared(`update books set reads_log_until = case when $3::boolean then null else reads_log_until end,
         log_read_through = greatest(log_read_through, $4::bigint), read_nudges = 0
       where tenant_id = $1::text and book_uuid = $2::uuid`),
      [...params, cleared, last?.id ?? null],
    );
    const sealRequestId = book.rows[0]?.seal_request_id;
    return {
      results: rows.map((row) => ({
        docUuid: row.doc_uuid,
        result: row.result,
        resultId: row.id,
        ...(row.request_id ? { requestId: row.request_id } : {}),
      })),
      sealRequested,
      ...(sealNews && sealRequestId ? { sealRequestId } : {}),
      documents: book.rows[0]?.documents ?? 0,
      ...(last ? { through: last.id } : {}),
      cleared,
    };
  });
}

/** Whether a read now would find something new (results stored unsignalled since `after`, or a seal the book lacks). */
export async function holdsNews(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  request: Pick<LogReadRequest, 'after' | 'sealed'>,
): Promise<boolean> {
  const { rows } = await pool.query<{ news: boolean }>(
    prepared(`select exists (select 1 from verification_results r
                     where r.tenant_id = $1::text and r.book_uuid = $2::uuid and r.unsignalled and r.id > $3::bigint)
              or (not $4::boolean and b.seal_requested_at is not null) as news
       from books b where b.tenant_id = $1::text and b.book_uuid = $2::uuid`),
    [tenantId, bookUuid, request.after ?? '0', request.sealed],
  );
  return rows[0]?.news ?? false;
}

/** A book whose promise to read lapsed unkept, as a sweep found it. */
export interface LapsedRead {
  tenant_id: string;
  book_uuid: string;
  /** Results or a seal were stored under the promise and no read took them: the book must be woken. */
  unread: boolean;
}

/**
 * Claims up to `limit` books of `taskQueue` whose promise to read the log lapsed `graceMs` ago without a read ending
 * it. Those with nothing unread lose the promise; the others get a new one, each time twice as long (WAKE_READ_LEASE_MS
 * up to MAX_NUDGE_LEASE_MS, so a book whose worker is away is not nudged again and again), for the caller to wake.
 */
export async function claimLapsedReads(
  pool: Pool,
  taskQueue: string,
  graceMs: number,
  limit: number,
): Promise<LapsedRead[]> {
  const { rows } = await pool.query<LapsedRead>(
    prepared(`with lapsed as (
       select b.tenant_id, b.book_uuid,
              exists (select 1 from verification_results r
                      where r.tenant_id = b.tenant_id and r.book_uuid = b.book_uuid and r.unsignalled
                        and r.id > coalesce(b.log_read_through, 0))
              or (b.seal_requested_at is not null and b.status in ('CREATED', 'UPLOAD')) as unread
       from books b
       where b.reads_log_until < clock_timestamp() - $1::int * interval '1 millisecond' and b.reads_log_queue = $5::text
       order by b.reads_log_until
       limit $2::int
       for no key update skip locked
     )
     update books b
     set reads_log_until = case when lapsed.unread
           then clock_timestamp() + least($3::bigint * 2 ^ least(b.read_nudges, 20), $4::bigint) * interval '1 millisecond'
         end,
         read_nudges = case when lapsed.unread then b.read_nudges + 1 else 0 end
     from lapsed
     where b.tenant_id = lapsed.tenant_id and b.book_uuid = lapsed.book_uuid
     returning b.tenant_id, b.book_uuid, lapsed.unread`),
    [graceMs, limit, WAKE_READ_LEASE_MS, MAX_NUDGE_LEASE_MS, taskQueue],
  );
  return rows;
}
