import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
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
import { DeliveryIdSchema, RedeliveringSchema, RetryAcceptedSchema } from '../contract/deliveries.js';
import {
  EventFeedPageSchema,
  EventFeedQuerySchema,
  EventStreamQuerySchema,
  FeedEventSchema,
} from '../contract/event-feed.js';
import {
  EVENT_BODY_MAX_BYTES,
  EventPayloadSchema,
  MAX_LISTED_DOCUMENTS,
  TestEventPayloadSchema,
} from '../contract/event-payload.js';
import { HealthSchema, ReadinessSchema } from '../contract/health.js';
import { SummaryQuerySchema, TenantSummarySchema } from '../contract/summary.js';
import type { ProblemCode } from '../contract/problem-types.js';
import {
  BookStatusChangeSchema,
  DeliveryChangeSchema,
  LastEventIdSchema,
  ServerSentEventSchema,
} from '../contract/stream.js';
import {
  CreateEndpointRequestSchema,
  RecoverRequestSchema,
  RotateSecretRequestSchema,
  UpdateEndpointRequestSchema,
  EndpointSchema,
  EndpointTestResultSchema,
  EndpointPreviewSchema,
  PreviewQuerySchema,
  EndpointWithSecretSchema,
} from '../contract/endpoints.js';
import {
  listBookDeliveries,
  listBookDocuments,
  listBookEvents,
  listDeliveryAttempts,
  listOperationalEvents,
  listEndpointDeliveries,
  listEndpointDigests,
  listEndpoints,
  PAGING,
} from './openapi-lists.js';
import { bookParams, BODY_PROBLEMS, body, json, links, op, post, endpointParams } from './openapi-operations.js';

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
const ENDPOINT_FROM_BODY = { id: '$response.body#/id' };
const ENDPOINT_FROM_PATH = { id: '$request.path.id' };
const endpointLinks = (from: Record<string, string>) =>
  links({
    getEndpoint: from,
    updateEndpoint: from,
    deleteEndpoint: from,
    rotateEndpointSecret: from,
    testEndpoint: from,
    previewEndpoint: from,
    resendEndpointConfirmation: from,
    listEndpointDeliveries: from,
    listEndpointDigests: from,
    recoverEndpointDeliveries: from,
  });

const EMAIL_CONSENT = `An e-mail subscription starts unconfirmed (\`confirmed_at: null\`): its address gets one
confirmation message with a link to PUBLIC_URL/confirm/<token>, and nothing else until someone there presses the
button on that page. Its deliveries wait HELD meanwhile and are sent, in order, once confirmed. Creating one counts a
mail against MAIL_RATE_PER_ADDRESS and MAIL_RATE_PER_TENANT (429 \`mail-rate-limited\` past them); a repeat with the
same Idempotency-Key sends nothing more.`;

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

const FEED_ORDER = `Every event of the tenant's books, oldest first, in one order that the list and the stream share:
an event's \`cursor\` (the stream's \`id:\`) is its position, and \`after\` / Last-Event-ID continue after it.

**Ordering guarantee**: nothing is skipped and nothing repeats, however transactions interleave. The order is
(writing transaction, sequence), and an event is only listed once every older transaction has ended, so no event can
later appear before a position a client already holds. An event may therefore show up a moment after it committed.

**Retention**: the events of books finished more than RETAIN_FINISHED_BOOKS ago (90 days by default) are deleted. A
cursor older than the last event deleted is refused with \`410 cursor-expired\`, never resumed with a silent gap:
catch up from the start without a cursor, skipping event_ids you already have.`;

const FEED_DESCRIPTION = `${FEED_ORDER}

The catch-up after downtime: page with \`limit\` and \`next_cursor\` until it is null, then keep the last event's
\`cursor\` and poll with it (or open GET /v1/events/stream with it as Last-Event-ID). Each event carries its full
body, the same an endpoint delivers.`;

const FEED_STREAM_DESCRIPTION = `Server-Sent Events (\`text/event-stream\`): GET /v1/events live, one connection for every book
of the tenant, with the same filters. ${FEED_ORDER}

The stream starts with \`retry: 2000\`. With a Last-Event-ID (or \`last_event_id\`) it sends every event after it, then
each new one; without, it starts now and first sends a message with only an \`id:\` (the position it started from,
which EventSource keeps for its reconnect). A \`: keep-alive\` comment comes every 15 s.

| \`event:\` | \`data:\` (JSON) |
| --- | --- |
| \`event\` | FeedEvent, the same item as GET /v1/events; the \`id:\` is its cursor |`;

const SUMMARY_DESCRIPTION = `What a dashboard shows above a list of books, counted when asked: \`open\` and
\`waiting\` are the books in those states now; \`complete_since\` and \`failed_verifications_since\` count from \`since\`
(the start of the current UTC day unless given: pass your user's local midnight for "today"). Creating a book emits no
event, so a live view reloads this on each event of GET /v1/events/stream and now and then besides.`;

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

const paths: ZodOpenApiPathsObject = {
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
            'Stored: the book hears of it in the background, and checks its uploads before it completes',
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
  '/v1/events': {
    get: op("Every event of the tenant's books, oldest first (the catch-up feed)", {
      operationId: 'listEvents',
      description: FEED_DESCRIPTION,
      requestParams: { query: EventFeedQuerySchema },
      responses: {
        '200': {
          ...json(EventFeedPageSchema, 'A page of events, oldest first'),
          links: links({
            listEvents: { after: '$response.body#/next_cursor' },
            getBook: { book_uuid: '$response.body#/data/0/book_uuid' },
          }),
        },
      },
      problems: ['cursor-expired'],
    }),
  },
  '/v1/events/stream': {
    get: op("The tenant's events, live (Server-Sent Events)", {
      operationId: 'streamEvents',
      description: FEED_STREAM_DESCRIPTION,
      requestParams: {
        header: z.object({ 'Last-Event-ID': LastEventIdSchema.optional() }),
        query: EventStreamQuerySchema,
      },
      responses: {
        '200': {
          description: 'An endless text/event-stream of FeedEvent messages',
          content: { 'text/event-stream': { schema: ServerSentEventSchema } },
        },
      },
      problems: ['cursor-expired', 'too-many-streams'],
    }),
  },
  '/v1/summary': {
    get: op("Counts of the tenant's books: open, waiting, complete and failed verifications since a time", {
      operationId: 'getSummary',
      description: SUMMARY_DESCRIPTION,
      requestParams: { query: SummaryQuerySchema },
      responses: { '200': json(TenantSummarySchema, 'The counts') },
    }),
  },
  '/v1/endpoints': {
    post: post('Register an endpoint: a URL or an e-mail address', {
      operationId: 'createEndpoint',
      description: EMAIL_CONSENT,
      requestBody: body(CreateEndpointRequestSchema),
      responses: {
        '201': {
          ...json(EndpointWithSecretSchema, 'The endpoint and its secret, shown once'),
          links: endpointLinks(ENDPOINT_FROM_BODY),
        },
      },
      problems: ['email-not-configured', 'destination-taken', 'mail-rate-limited'],
    }),
    get: listEndpoints,
  },
  '/v1/endpoints/{id}': {
    get: op('An endpoint', {
      operationId: 'getEndpoint',
      requestParams: endpointParams,
      responses: { '200': { ...json(EndpointSchema, 'The endpoint'), links: endpointLinks(ENDPOINT_FROM_PATH) } },
      problems: ['endpoint-not-found'],
    }),
    patch: op('Change an endpoint', {
      operationId: 'updateEndpoint',
      description:
        '`active: false` pauses the endpoint: its deliveries are HELD. `active: true` resumes (or re-enables) it, ' +
        'sends its HELD deliveries in causal order and starts a new failure streak. A new `email` starts unconfirmed ' +
        'again, with a confirmation message of its own.',
      requestParams: endpointParams,
      requestBody: body(UpdateEndpointRequestSchema),
      responses: {
        '200': { ...json(EndpointSchema, 'The endpoint'), links: links({ getEndpoint: ENDPOINT_FROM_PATH }) },
      },
      problems: [...BODY_PROBLEMS, 'endpoint-not-found', 'destination-taken', 'mail-rate-limited', 'api-key-read-only'],
    }),
    delete: op('Delete an endpoint', {
      operationId: 'deleteEndpoint',
      requestParams: endpointParams,
      responses: { '204': { description: 'Deleted' } },
      problems: ['endpoint-not-found', 'api-key-read-only'],
    }),
  },
  '/v1/endpoints/{id}/rotate-secret': {
    post: post('Rotate the signing secret (the old one signs too for a grace period)', {
      operationId: 'rotateEndpointSecret',
      requestParams: endpointParams,
      requestBody: body(RotateSecretRequestSchema, false),
      responses: {
        '200': {
          ...json(EndpointWithSecretSchema, 'The endpoint and its new secret, shown once'),
          links: links({ testEndpoint: ENDPOINT_FROM_PATH, getEndpoint: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found'],
    }),
  },
  '/v1/endpoints/{id}/confirmation': {
    post: post('Send an unconfirmed e-mail address a new confirmation message', {
      operationId: 'resendEndpointConfirmation',
      description:
        'A new link; the earlier one stops working. Counted against MAIL_RATE_PER_ADDRESS and MAIL_RATE_PER_TENANT.',
      requestParams: endpointParams,
      responses: {
        '202': {
          ...json(EndpointSchema, 'The endpoint; the message is on its way'),
          links: links({ getEndpoint: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found', 'confirmation-not-pending', 'mail-rate-limited'],
    }),
  },
  '/v1/endpoints/{id}/test': {
    post: post('Send a signed test event now', {
      operationId: 'testEndpoint',
      description:
        'To an e-mail address only once it confirmed, and at most MAIL_RATE_PER_ADDRESS an address ' +
        '(MAIL_RATE_PER_TENANT in all) within MAIL_RATE_WINDOW.',
      requestParams: endpointParams,
      responses: {
        '200': {
          ...json(EndpointTestResultSchema, 'The attempt'),
          links: links({ listEndpointDeliveries: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found', 'endpoint-unconfirmed', 'mail-rate-limited'],
    }),
  },
  '/v1/endpoints/{id}/preview': {
    get: op("A sample event as this endpoint would receive it, in the endpoint's format", {
      operationId: 'previewEndpoint',
      description:
        "The body a sample book's event takes in the endpoint's `format`, rendered by the code deliveries use (the " +
        'console shows it). Nothing is sent. Console links appear under PUBLIC_URL only.',
      requestParams: { ...endpointParams, query: PreviewQuerySchema },
      responses: { '200': json(EndpointPreviewSchema, 'The rendered body') },
      problems: ['endpoint-not-found'],
    }),
  },
  '/v1/endpoints/{id}/deliveries': { get: listEndpointDeliveries },
  '/v1/endpoints/{id}/digests': { get: listEndpointDigests },
  '/v1/endpoints/{id}/recover': {
    post: post('Redeliver every delivery that failed since a time, and every HELD one', {
      operationId: 'recoverEndpointDeliveries',
      requestParams: endpointParams,
      requestBody: body(RecoverRequestSchema),
      responses: {
        '202': {
          ...json(RedeliveringSchema, 'Redelivering'),
          links: links({ listEndpointDeliveries: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found'],
    }),
  },
  '/v1/deliveries/{id}/attempts': { get: listDeliveryAttempts },
  '/v1/deliveries/{id}/retry': {
    post: post('Redeliver one delivery, keeping its webhook-id', {
      operationId: 'retryDelivery',
      requestParams: { path: z.object({ id: DeliveryIdSchema }) },
      responses: { '202': json(RetryAcceptedSchema, 'Redelivering') },
      problems: ['endpoint-not-found', 'delivery-not-found', 'delivery-in-progress'],
    }),
  },
  '/v1/operational-events': { get: listOperationalEvents },
  '/healthz': {
    get: {
      operationId: 'getHealth',
      summary: 'The process is up',
      security: [],
      responses: { '200': json(HealthSchema, 'Up') },
    },
  },
  '/readyz': {
    get: {
      operationId: 'getReadiness',
      summary: 'PostgreSQL and Temporal answer',
      security: [],
      responses: { '200': json(ReadinessSchema, 'Ready'), '503': json(ReadinessSchema, 'Not ready') },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text exposition format)',
      security: [],
      responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
    },
  },
};

const SIGNED = 'Signed as the endpoint chose (standard: webhook-id, webhook-timestamp, webhook-signature headers).';
const BOUNDED =
  `A body is at most ${EVENT_BODY_MAX_BYTES} bytes (64 KiB) of JSON whatever the book's size: BOOK_COMPLETE lists ` +
  `at most the first ${MAX_LISTED_DOCUMENTS} documents (documents_truncated, documents_url), and ANALYTICS_COMPLETED ` +
  'shortens its analytics when they do not fit (analytics_truncated, analytics_url); GET /v1/books/{book_uuid}/documents ' +
  'and GET /v1/books/{book_uuid} have them all. This is the body of the default `bookbell` format; an endpoint whose ' +
  '`format` is ocrolus, slack or teams receives the same event rendered in that format (GET /v1/endpoints/{id}/preview ' +
  'shows one), signed alike.';
const delivered = (summary: string, schema: z.ZodType, note = '') => ({
  post: {
    summary,
    description: `${SIGNED} ${note}Answer 2xx within the timeout; anything else is retried.`,
    requestBody: body(schema),
    responses: { '200': { description: 'Received (any 2xx)' } },
  },
});

/** The OpenAPI 3.1 document of the intake API, generated from its zod contracts. */
export function openApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'bookbell intake API',
      version: '0.1.0',
      description:
        'Books of documents, their verification events, and their signed deliveries to URL and e-mail endpoints.',
    },
    security: [{ bearer: [] }],
    paths,
    webhooks: {
      bookEvent: delivered(
        'VERIFICATION_COMPLETE, BOOK_COMPLETE or ANALYTICS_COMPLETED',
        EventPayloadSchema,
        `${BOUNDED} `,
      ),
      testEvent: delivered('A TEST event (POST /v1/endpoints/{id}/test)', TestEventPayloadSchema),
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: bb_…' } },
      // The stream's messages are text, not JSON bodies: named here so its description can point at them.
      schemas: {
        BookStatusChange: BookStatusChangeSchema,
        DeliveryChange: DeliveryChangeSchema,
        FeedEvent: FeedEventSchema,
      },
    },
  });
}
