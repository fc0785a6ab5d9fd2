import type { BookStatus, DocumentStatus, EventType, VerificationResult } from '../src/contract/book.js';
import type { BookInput, BookState, BookWorkflowInput, Effect, EmittedEvent } from './book-model.js';
import { countLogged, setDoc } from './document-tally.js';

/**
 * The book's state machine: (state, input, time) → effects. Deterministic, no I/O and no Temporal import, so every
 * rule is unit-tested without a server; `book-workflow.ts` wires it to signals, updates, timers and activities.
 * It updates the state it is given in place: copying a 10,000-document map on every event would make a big book
 * quadratic. Its types are in `book-model.ts`.
 */

/** How many ignored results the state keeps, the latest (`ignoredCount` counts them all). */
export const MAX_IGNORED_KEPT = 20;

/**
 * Stable event ids: the same book, type and document always give the same id (the deliveries' dedup key, sent as
 * `webhook-id`). Book and document ids are the client's choice, so two tenants can hold the same book uuid: with
 * `tenantId` (books started since ids are tenant-scoped) the id names the tenant too and is unique across tenants.
 * After the type, the tenant is followed by a fixed number of 32-hex groups, so no two (tenant, book, doc) collide.
 */
export function eventId(bookUuid: string, type: EventType, docUuid?: string, tenantId?: string): string {
  const short = { VERIFICATION_COMPLETE: 'vc', BOOK_COMPLETE: 'bc', ANALYTICS_COMPLETED: 'ac' }[type];
  const compact = (uuid: string) => uuid.replace(/-/g, '');
  const scope = tenantId === undefined ? '' : `${tenantId}_`;
  return `evt_${short}_${scope}${compact(bookUuid)}${docUuid ? `_${compact(docUuid)}` : ''}`;
}

export function initialBookState(input: BookWorkflowInput): BookState {
  return {
    tenantId: input.tenantId,
    bookUuid: input.bookUuid,
    name: input.name,
    createdAt: input.createdAt,
    status: 'UPLOAD',
    ...(input.sealAfterMs ? { sealAfterMs: input.sealAfterMs } : {}),
    docs: {},
    counts: { total: 0, verifying: 0, verified: 0, rejected: 0 },
    ignored: [],
    ignoredCount: 0,
    ...(input.tenantScopedEventIds ? { tenantScopedEventIds: true as const } : {}),
  };
}

/** Why an upload is refused, or undefined when it is accepted (a repeated upload of a known document is accepted). */
export function uploadRefusal(state: BookState, docUuid: string): string | undefined {
  if (state.docs[docUuid] !== undefined) return undefined;
  if (state.status !== 'UPLOAD')
    return `Book ${state.bookUuid} is ${state.status.toLowerCase()}: it takes no more uploads.`;
  return undefined;
}

/**
 * Applies one input at time `at` (ISO-8601, the workflow's clock) to `state` and returns what must happen next.
 * Never throws: refusals are decided before (see `uploadRefusal`).
 */
export function applyBookInput(state: BookState, input: BookInput, at: string): Effect[] {
  switch (input.type) {
    case 'upload':
      return upload(state, input.docUuid);
    case 'documents':
      // A completed book took its last check: it takes no more.
      if (!isComplete(state)) countLogged(state, input.count);
      return [];
    case 'verification':
      return verification(state, input, at);
    case 'seal':
      return seal(state, input.by, at);
    case 'analytics_done':
      return analyticsDone(state, at);
    case 'reconciled':
      return reconciled(state, input, at);
    case 'logged':
      return logged(state, input, at);
  }
}

/**
 * An upload the book has not seen is verifying from now on, sealed or not: the API stores an upload only before the
 * seal is logged (the update of old, answered by the workflow itself, refuses it before it gets here: `uploadRefusal`).
 * A completed book took its last check: it takes no more.
 */
function upload(state: BookState, docUuid: string): Effect[] {
  if (state.docs[docUuid] === undefined && !isComplete(state)) setDoc(state, docUuid, 'VERIFYING');
  return [];
}

function verification(state: BookState, input: Extract<BookInput, { type: 'verification' }>, at: string): Effect[] {
  const current = state.docs[input.docUuid];
  if (current !== undefined && current !== 'VERIFYING') {
    const first = decidedResult(current);
    const kind = first === input.result ? 'repeated' : 'conflicting';
    return ignore(state, input.docUuid, at, `${kind} result ${input.result} after ${first}: the first result stands`);
  }
  if (current === undefined && isComplete(state)) {
    return ignore(state, input.docUuid, at, 'result for a document the completed book does not hold');
  }
  setDoc(state, input.docUuid, input.result === 'SUCCEEDED' ? 'VERIFICATION_COMPLETE' : 'REJECTED');
  const verified = emit(state, 'VERIFICATION_COMPLETE', at, {
    docUuid: input.docUuid,
    result: input.result,
    ...(input.resultId !== undefined ? { resultId: input.resultId } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.fields !== undefined ? { fields: input.fields } : {}),
  });
  return [verified, ...completeIfDone(state, at)];
}

function seal(state: BookState, by: 'request' | 'seal_after', at: string): Effect[] {
  if (state.status !== 'UPLOAD') return [];
  state.status = 'SEALED';
  state.sealedAt = at;
  state.sealedBy = by;
  const sealed: Effect = { type: 'record_status', status: 'SEALED', counts: { ...state.counts }, at, by };
  const completion = completeIfDone(state, at);
  if (completion.length > 0 || state.checkPending) return [sealed, ...completion];
  // Documents still verifying: check at once whether their results are already stored but never applied.
  state.checkPending = true;
  return [sealed, { type: 'reconcile' }];
}

/**
 * BOOK_COMPLETE once the book is sealed and no document is still verifying (a sealed empty book completes at once),
 * and a check of the intake log, run after every event before it is recorded, found nothing missing (`checked`).
 */
function completeIfDone(state: BookState, at: string, checked = false): Effect[] {
  if (state.status !== 'SEALED' || state.counts.verifying > 0) return [];
  if (!checked) {
    if (state.checkPending) return [];
    state.checkPending = true;
    return [{ type: 'reconcile' }];
  }
  state.status = 'COMPLETE';
  state.completedAt = at;
  return [emit(state, 'BOOK_COMPLETE', at), { type: 'run_analytics' }];
}

/**
 * Applies what a check of the intake log found. A result the book never applied goes through the usual rules; one it
 * applied but never recorded is emitted again (same event id: recording and delivery dedupe it). Completion waits for a
 * check that finds nothing.
 */
function reconciled(state: BookState, input: Extract<BookInput, { type: 'reconciled' }>, at: string): Effect[] {
  delete state.checkPending;
  if (isComplete(state)) return [];
  const effects: Effect[] = [];
  let found = 0;
  for (const docUuid of input.uploads) {
    if (state.docs[docUuid] !== undefined) continue;
    setDoc(state, docUuid, 'VERIFYING');
    found += 1;
  }
  const handled = new Set<string>();
  for (const stored of input.results) {
    if (handled.has(stored.docUuid)) continue;
    const current = state.docs[stored.docUuid];
    if (current === undefined || current === 'VERIFYING') {
      effects.push(...verification(state, { type: 'verification', ...stored }, at));
    } else {
      // A document has at most one stored row per result: the one matching the book's decision.
      if (stored.result !== decidedResult(current)) continue;
      effects.push(emit(state, 'VERIFICATION_COMPLETE', at, stored));
    }
    handled.add(stored.docUuid);
    found += 1;
  }
  if (input.sealRequested && state.status === 'UPLOAD') {
    effects.push(...seal(state, 'request', at));
    found += 1;
  }
  // Found something: its events are recorded first, then checked again before BOOK_COMPLETE.
  return [...effects, ...completeIfDone(state, at, found === 0)];
}

/**
 * Applies what a read of the log found, as if each result and the seal had come by signal, in the order stored. A result
 * the book already decided the same way is one it took from a check of the log too (a hand-over's): nothing new.
 */
function logged(state: BookState, input: Extract<BookInput, { type: 'logged' }>, at: string): Effect[] {
  if (input.through !== undefined) state.logReadThrough = input.through;
  if (!isComplete(state)) countLogged(state, input.documents);
  const effects: Effect[] = [];
  for (const stored of input.results) {
    const current = state.docs[stored.docUuid];
    if (current !== undefined && current !== 'VERIFYING' && decidedResult(current) === stored.result) continue;
    effects.push(...verification(state, { type: 'verification', ...stored }, at));
  }
  if (input.sealRequested) effects.push(...seal(state, 'request', at));
  return effects;
}

function analyticsDone(state: BookState, at: string): Effect[] {
  if (state.status !== 'COMPLETE') return [];
  state.status = 'ANALYTICS_COMPLETE';
  state.analyzedAt = at;
  return [emit(state, 'ANALYTICS_COMPLETED', at)];
}

/** An event as of now: its stable id, and the book's status and counts (a copy) right after it. */
function emit(
  state: BookState,
  type: EventType,
  at: string,
  document: Pick<EmittedEvent, 'docUuid' | 'result' | 'resultId' | 'reason' | 'fields'> = {},
): Effect {
  const event: EmittedEvent = {
    eventId: eventId(state.bookUuid, type, document.docUuid, state.tenantScopedEventIds ? state.tenantId : undefined),
    type,
    occurredAt: at,
    ...document,
    bookStatus: state.status,
    counts: { ...state.counts },
  };
  return { type: 'record_event', event };
}

/** BOOK_COMPLETE is decided: the book takes no new documents and needs no more checks (its state or its stored row). */
export function isComplete(book: { status: BookStatus }): boolean {
  return book.status === 'COMPLETE' || book.status === 'ANALYTICS_COMPLETE';
}

/** The result that made a document terminal. */
function decidedResult(status: Exclude<DocumentStatus, 'VERIFYING'>): VerificationResult {
  return status === 'VERIFICATION_COMPLETE' ? 'SUCCEEDED' : 'FAILED';
}

function ignore(state: BookState, docUuid: string, at: string, reason: string): Effect[] {
  state.ignored.push({ at, docUuid, kind: 'verification', reason });
  if (state.ignored.length > MAX_IGNORED_KEPT) state.ignored.shift();
  state.ignoredCount += 1;
  return [];
}
