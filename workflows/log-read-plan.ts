import type { BookInput, BookState } from './book-model.js';

/** A recording's read of the intake log (src/db/log-reads.ts): what it found, and whether that was all. */
export type LogRead = Omit<Extract<BookInput, { type: 'logged' }>, 'type'> & { cleared: boolean };

/** What the recording about to run must do: read the log whatever it records, and whether it may defer to news. */
export interface RecordingStart {
  /** A read is due (the last read found something, or a signal asked for one): this recording reads. */
  readDue: boolean;
  /** The first recording after a signal, with events to record: if the log holds news, it may record them together. */
  mayDefer: boolean;
}

/**
 * When the book reads its intake log, when a recording may defer to news, and which messages wait for a recording
 * that may complete the book. Pure (no Temporal import, no I/O): book-workflow.ts asks it, and keeps the patches
 * (`reads-log`, `defers-to-news`) and the activities.
 */
export class LogReadPlan {
  // The book reads the log, in a recording of its own if nothing else is to be recorded, before it waits for a
  // signal: when its last read found something (the API still stores messages without a signal), and after a signal
  // (the API promised the book would read before it sent one: src/db/log-reads.ts).
  #readAgain = false;
  #readAsked = false;
  // Once per wake: a recording that deferred is followed by one that records, whatever the log holds by then.
  #deferredLast = false;
  // Messages that arrive while a recording may complete the book are applied once it answers: after the completion
  // if it recorded one (the check and the read found nothing, so each is news to no one: a repeat, or a message the
  // API stored after the read), else before its answer, as they would have been.
  #held: BookInput[] | undefined;

  /** A signal came to a book that reads the log: the API promised it would read. */
  signalled(): void {
    this.#readAsked = true;
  }

  /** The book must read the log before it waits for a signal. */
  get readDue(): boolean {
    return this.#readAgain || this.#readAsked;
  }

  /**
   * Each turn of the recording loop starts here, whether it records or not: it ends the deferral's once-per-wake. Only
   * a batch of events alone may defer: analytics or a check run after its recording, and must not run before it.
   */
  startRecording(batch: { events: readonly unknown[]; runAnalytics?: boolean; reconcile?: boolean }): RecordingStart {
    const wokenBySignal = this.#readAsked && !this.#deferredLast;
    this.#deferredLast = false;
    const eventsAlone = batch.events.length > 0 && !batch.runAnalytics && !batch.reconcile;
    return { readDue: this.readDue, mayDefer: wokenBySignal && eventsAlone };
  }

  /** This recording reads the log: its read comes after every signal so far. */
  reading(): void {
    this.#readAsked = false;
  }

  /** The recording recorded nothing: the log held news (read into its answer); the next recording records. */
  deferred(): void {
    this.#deferredLast = true;
  }

  /**
   * What a recording's read of the log applies: the `logged` input, and whether it is news, a message from outside
   * (the count of uploads may change anyway). Undefined without a read (recordings before the read returned nothing
   * at all: older histories replay through here). A read that did not clear the log is followed by another.
   */
  took(read: LogRead | undefined, status: BookState['status']): { input: BookInput; news: boolean } | undefined {
    if (!read) return undefined;
    const { cleared, ...found } = read;
    this.#readAgain = !cleared;
    const news = found.results.length > 0 || (found.sealRequested && status === 'UPLOAD');
    return { input: { type: 'logged', ...found }, news };
  }

  /** A recording that may complete the book starts: messages from outside wait for its answer (`release`). */
  hold(): void {
    this.#held = [];
  }

  /** Keeps a message from outside for `release` while a recording may complete the book; false: apply it now. */
  holds(message: BookInput): boolean {
    this.#held?.push(message);
    return this.#held !== undefined;
  }

  /** The recording answered: the messages held meanwhile, in order, and none are held from now on. */
  release(): BookInput[] {
    const arrived = this.#held ?? [];
    this.#held = undefined;
    return arrived;
  }
}
