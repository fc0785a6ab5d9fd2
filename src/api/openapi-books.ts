import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { z } from 'zod';
import {
  BookUuidSchema,
  CreateBookRequestSchema,
  DocUuidSchema,
  ListBooksQuerySchema,
  UploadDocumentRequestSchema,
  VerificationRequestSchema,
} from '../contract/book.js';
import {
  BOOK_VIEW_LIST_MAX,
  BookPageSchema,
  BookViewSchema,
  SealRequestedSchema,
  UploadAcceptedSchema,
  VerificationAcceptedSchema,
} from '../contract/book-view.js';
import type { ProblemCode } from '../contract/problem-types.js';
import { LastEventIdSchema, ServerSentEventSchema } from '../contract/stream.js';
import { listBookDeliveries, listBookDocuments, listBookEvents, PAGING } from './openapi-lists.js';
import { bookParams, body, json, links, op, post } from './openapi-operations.js';

/** The book paths of the OpenAPI document: a book, its stream, documents, verifications, events and deliveries. */

const BOOK_FROM_BODY = { book_uuid: '$response.body#/book_uuid' };
const BOOK_FROM_PATH = { book_uuid: '$request.path.book_uuid' };
const bookLinks = (from: Record<string, string>) =>
  links({
    getBook: from,
    streamBook: from,
    listBookEvents: from,
    sealBook: from,
    uploadDocument: from,
  });

const STREAM_DESCRIPTION = `Server-Sent Events (\`text/event-stream\`): the book as it changes, for a live view.
The stream starts with \`retry: 2000\`. Without a Last-Event-ID it first sends the snapshot, then every change in
commit order; each message has an \`id:\` to resume from. A \`: keep-alive\` comment comes every 15 s.

| \`event:\` | \`data:\` (JSON) |
| --- | --- |
| \`book\` | the snapshot: BookView, the same body as GET /v1/books/{book_uuid} |
| \`document\` | DocumentView: a document was uploaded or verified |
| \`book.status\` | BookStatusChange: the book's status and document counts |
| \`event\` | EventView: the book emitted an event |
| \`delivery\` | DeliveryChange: a delivery's state after an attempt |
| \`analytics\` | BookAnalytics |

A change may repeat what the snapshot already showed: apply each as "replace the item with this key" (doc_uuid,
event_id, delivery id). A Last-Event-ID older than the change log keeps (RETAIN_CHANGE_LOG, 3 days by default) starts
over with the snapshot: replace everything you hold with it.`;

const resume = {
  ...bookParams,
  header: z.object({ 'Last-Event-ID': LastEventIdSchema.optional() }),
  query: z.object({ last_event_id: LastEventIdSchema.optional() }),
};

const BOOK_VIEW_DESCRIPTION = `One answer of bounded size for a book of any size: \`document_counts\` counts every
document, \`documents\` and \`events\` list the first ${BOOK_VIEW_LIST_MAX} of each, and \`documents_next_cursor\` /
\`events_next_cursor\` go on from there as \`cursor\` of GET /v1/books/{book_uuid}/documents and
GET /v1/books/{book_uuid}/events (null when the view lists them all).`;

const BOOK_READ: ProblemCode[] = ['book-not-found', 'book-expired', 'book-unreachable'];

export const bookPaths: ZodOpenApiPathsObject = {
  '/v1/books': {
    post: post('Create a book (starts its workflow)', {
      operationId: 'createBook',
      requestBody: body(CreateBookRequestSchema),
      responses: {
        '201': { ...json(BookViewSchema, 'The book'), links: bookLinks(BOOK_FROM_BODY) },
        '200': { ...json(BookViewSchema, 'The same book, created before'), links: bookLinks(BOOK_FROM_BODY) },
      },
      problems: ['book-uuid-taken'],
    }),
    get: op("List the tenant's books, newest first", {
      operationId: 'listBooks',
      description: `${PAGING} Without \`limit\`, 20 to a page.`,
      requestParams: { query: ListBooksQuerySchema },
      responses: {
        '200': {
          ...json(BookPageSchema, 'A page of books'),
          links: links({
            getBook: { book_uuid: '$response.body#/data/0/book_uuid' },
            listBooks: { cursor: '$response.body#/next_cursor' },
          }),
        },
      },
    }),
  },
  '/v1/books/{book_uuid}': {
    get: op('A book: status, documents, events, analytics', {
      operationId: 'getBook',
      description: BOOK_VIEW_DESCRIPTION,
      requestParams: bookParams,
      responses: { '200': json(BookViewSchema, 'The book') },
      problems: BOOK_READ,
    }),
  },
  '/v1/books/{book_uuid}/stream': {
    get: op("The book's changes, live (Server-Sent Events)", {
      operationId: 'streamBook',
      description: STREAM_DESCRIPTION,
      requestParams: resume,
      responses: {
        '200': {
          description: 'An endless text/event-stream; see the table above for its messages',
          content: { 'text/event-stream': { schema: ServerSentEventSchema } },
        },
      },
      problems: [...BOOK_READ, 'too-many-streams'],
    }),
  },
  '/v1/books/{book_uuid}/events': { get: listBookEvents },
  '/v1/books/{book_uuid}/deliveries': { get: listBookDeliveries },
  '/v1/books/{book_uuid}/seal': {
    post: post('Seal the book: no more uploads', {
      operationId: 'sealBook',
      requestParams: bookParams,
      responses: {
        '202': { ...json(SealRequestedSchema, 'Seal requested'), links: links({ getBook: BOOK_FROM_PATH }) },
      },
      problems: ['book-not-found', 'book-expired', 'book-busy'],
    }),
  },
  '/v1/books/{book_uuid}/documents': {
    get: listBookDocuments,
    post: post('Upload a document', {
      operationId: 'uploadDocument',
      requestParams: bookParams,
      requestBody: body(UploadDocumentRequestSchema),
      responses: {
        '202': {
          ...json(
            UploadAcceptedSchema,
            'Stored: the book counts it with its next result or seal, and checks its uploads before it completes',
          ),
          links: links({
            submitVerification: { ...BOOK_FROM_PATH, doc_uuid: '$response.body#/doc_uuid' },
            getBook: BOOK_FROM_PATH,
          }),
        },
      },
      problems: ['book-not-found', 'book-expired', 'book-sealed', 'book-full', 'doc-uuid-taken'],
    }),
  },
  '/v1/books/{book_uuid}/documents/{doc_uuid}/verification': {
    post: post("A document's verification result", {
      operationId: 'submitVerification',
      requestParams: { path: z.object({ book_uuid: BookUuidSchema, doc_uuid: DocUuidSchema }) },
      requestBody: body(VerificationRequestSchema),
      responses: {
        '202': { ...json(VerificationAcceptedSchema, 'Durably accepted'), links: links({ getBook: BOOK_FROM_PATH }) },
      },
      problems: ['book-not-found', 'book-expired', 'book-full', 'book-complete', 'book-unreachable'],
    }),
  },
};
