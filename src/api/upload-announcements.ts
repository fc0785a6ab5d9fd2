import type { BookRow } from '../db/books.js';
import type { Logger } from '../logger.js';
import { signalUpload } from '../temporal/books.js';
import { sendToBook, type BookDeps } from './book-access.js';

/** Retries of an announcement Temporal did not take; past them, the book's check finds the upload. */
const ANNOUNCE_RETRIES = 3;

/**
 * Tells books of their uploads after the uploads were answered. An upload is acknowledged once it is stored in the
 * intake log: the book needs it only to know what it waits for before BOOK_COMPLETE, and it checks the log for
 * uploads it never heard of before it completes. So an upload waits for no signal, and the announcements of a book's
 * uploads go together (UPLOAD_LINGER_MS). One that fails (Temporal out of reach) is logged and costs nothing but a
 * late count in the book's search attributes: its check finds the upload.
 *
 * Ordering within this process: a result or a seal for a book first waits for the book's announcements under way
 * (`settled`), so the book hears of uploads before the results and the seal that follow them, as the CRM sent them.
 */
export class UploadAnnouncements {
  private readonly underWay = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: BookDeps,
    private readonly logger: Logger,
  ) {}

  /** Announces a stored upload to its book, in the background. */
  announce(row: BookRow, docUuid: string): void {
    const { tenant_id: tenantId, book_uuid: bookUuid } = row;
    const key = `${tenantId}/${bookUuid}`;
    const sent = this.send(row, docUuid).then(
      (running) => {
        if (!running) this.logger.warn({ tenantId, bookUuid, docUuid }, "an upload's book is no longer running");
      },
      (err: unknown) =>
        this.logger.warn(
          { err, tenantId, bookUuid, docUuid },
          'could not tell a book of its upload; the book finds it in the intake log before it completes',
        ),
    );
    const previous = this.underWay.get(key);
    const all = previous ? Promise.all([previous, sent]).then(() => undefined) : sent;
    this.underWay.set(key, all);
    void all.then(() => {
      if (this.underWay.get(key) === all) this.underWay.delete(key);
    });
  }

  /** Sends one announcement, again after 1, 2 and 4 s while Temporal does not take it (restarting, overloaded). */
  private async send(row: BookRow, docUuid: string): Promise<boolean> {
    const { tenant_id: tenantId, book_uuid: bookUuid } = row;
    for (let attempt = 0; ; attempt++) {
      try {
        return await sendToBook(this.deps, row, () => signalUpload(this.deps.temporal, tenantId, bookUuid, docUuid));
      } catch (err) {
        if (attempt >= ANNOUNCE_RETRIES) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      }
    }
  }

  /** Resolves once the book's announcements under way have been sent (or have failed), hurrying them along. */
  settled(tenantId: string, bookUuid: string): Promise<void> {
    signalUpload.hurry(this.deps.temporal, tenantId, bookUuid);
    return this.underWay.get(`${tenantId}/${bookUuid}`) ?? Promise.resolve();
  }

  /** Waits for every announcement under way: the API's stop. */
  async drain(): Promise<void> {
    await Promise.all(this.underWay.values());
  }
}
