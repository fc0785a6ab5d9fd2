import { z } from 'zod';
import { cursorCodec, cursorKey } from './pagination.js';

/**
 * The cursor of each list, and the scope it is good for: a cursor of one list, book or endpoint is refused by every
 * other. Each key is the last row's place in the list's order, unique and never changed by later writes.
 */

/** A book's documents and events, in the order they were stored (scope: the book). */
export const documentCursor = cursorCodec('documents', z.tuple([cursorKey.seq]));
export const bookEventCursor = cursorCodec('book-events', z.tuple([cursorKey.seq]));

/** Deliveries, newest first: a book's (scope: the book) and an endpoint's (scope: the endpoint). */
export const bookDeliveryCursor = cursorCodec(
  'book-deliveries',
  z.tuple([cursorKey.time, cursorKey.id, cursorKey.uuid]),
);
export const endpointDeliveryCursor = cursorCodec('endpoint-deliveries', z.tuple([cursorKey.time, cursorKey.id]));
/** A daily e-mail endpoint's digests, newest first (scope: the endpoint). */
export const endpointDigestCursor = cursorCodec('endpoint-digests', z.tuple([cursorKey.time, cursorKey.id]));

/** A delivery's attempts by number (scope: the delivery). */
export const attemptCursor = cursorCodec('attempts', z.tuple([z.int().min(1).max(2_147_483_647)]));

/** The tenant's endpoints and operational events (scope: the tenant). */
export const endpointCursor = cursorCodec('endpoints', z.tuple([cursorKey.time, cursorKey.uuid]));
export const operationalEventCursor = cursorCodec('operational-events', z.tuple([cursorKey.time, cursorKey.uuid]));
