import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
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
  BookPageSchema,
  BookViewSchema,
  SealRequestedSchema,
  UploadAcceptedSchema,
  VerificationAcceptedSchema,
} from '../contract/book-view.js';
import {
  BookEventListSchema,
  DeliveryListSchema,
  RedeliveringSchema,
  RetryAcceptedSchema,
} from '../contract/deliveries.js';
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
import { ProblemSchema } from '../contract/problem.js';
import { BookStatusChangeSchema, DeliveryChangeSchema, LastEventIdSchema } from '../contract/stream.js';
import {
  CreateWebhookRequestSchema,
  DeliveriesQuerySchema,
  OperationalEventListSchema,
  OperationalEventsQuerySchema,
  RecoverRequestSchema,
  RotateSecretRequestSchema,
  UpdateWebhookRequestSchema,
  WebhookIdSchema,
  WebhookListSchema,
  WebhookSchema,
  WebhookTestResultSchema,
  WebhookWithSecretSchema,
} from '../contract/webhooks.js';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

const bookParams = { path: z.object({ book_uuid: BookUuidSchema }) };
const webhookParams = { path: z.object({ id: WebhookIdSchema }) };
const body = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .optional()
  .meta({ description: 'A repeat of the same POST within 24 hours gets the first answer again' });

/** Every /v1 operation needs a key and may name something that is not the tenant's; input may be invalid. */
function op(summary: string, operation: Omit<ZodOpenApiOperationObject, 'summary'>): ZodOpenApiOperationObject {
  const takesInput = operation.requestParams !== undefined || operation.requestBody !== undefined;
  return {
    summary,
    ...operation,
    responses: {
      ...(takesInput ? { '400': problem('Invalid input: `errors` names each field') } : {}),
      ...operation.responses,
      '401': problem('Missing, unknown or revoked API key'),
      '404': problem('Not found for this tenant'),
    },
  };
}

/** A POST: also takes an Idempotency-Key. */
function post(summary: string, operation: Omit<ZodOpenApiOperationObject, 'summary'>): ZodOpenApiOperationObject {
  return op(summary, {
    ...operation,
    requestParams: { ...operation.requestParams, header: z.object({ 'Idempotency-Key': idempotencyKey }) },
    responses: { ...operation.responses, '422': problem('Idempotency-Key already used for a different request') },
  });
}

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
event_id, delivery id).`;

const FEED_ORDER = `Every event of the tenant's books, oldest first, in one order that the list and the stream share:
an event's \`cursor\` (the stream's \`id:\`) is its position, and \`after\` / Last-Event-ID continue after it.

**Ordering guarantee**: nothing is skipped and nothing repeats, however transactions interleave. The order is
(writing transaction, sequence), and an event is only listed once every older transaction has ended, so no event can
later appear before a position a client already holds. An event may therefore show up a moment after it committed.`;

const FEED_DESCRIPTION = `${FEED_ORDER}

The catch-up after downtime: page with \`limit\` and \`next_cursor\` until it is null, then keep the last event's
\`cursor\` and poll with it (or open GET /v1/events/stream with it as Last-Event-ID). Each event carries its full
body, the same a webhook delivers.`;

const FEED_STREAM_DESCRIPTION = `Server-Sent Events (\`text/event-stream\`): GET /v1/events live, one connection for every book
of the tenant, with the same filters. ${FEED_ORDER}

The stream starts with \`retry: 2000\`. With a Last-Event-ID (or \`last_event_id\`) it sends every event after it, then
each new one; without, it starts now and first sends a message with only an \`id:\` (the position it started from,
which EventSource keeps for its reconnect). A \`: keep-alive\` comment comes every 15 s.

| \`event:\` | \`data:\` (JSON) |
| --- | --- |
| \`event\` | FeedEvent, the same item as GET /v1/events; the \`id:\` is its cursor |`;

const resume = {
  ...bookParams,
  header: z.object({ 'Last-Event-ID': LastEventIdSchema.optional() }),
  query: z.object({ last_event_id: LastEventIdSchema.optional() }),
};

const paths: ZodOpenApiPathsObject = {
  '/v1/books': {
    post: post('Create a book (starts its workflow)', {
      requestBody: body(CreateBookRequestSchema),
      responses: {
        '201': json(BookViewSchema, 'The book'),
        '200': json(BookViewSchema, 'The same book, created before'),
        '409': problem('Same book_uuid, different body'),
      },
    }),
    get: op("List the tenant's books, newest first", {
      requestParams: { query: ListBooksQuerySchema },
      responses: { '200': json(BookPageSchema, 'A page of books') },
    }),
  },
  '/v1/books/{book_uuid}': {
    get: op('A book: status, documents, events, analytics', {
      requestParams: bookParams,
      responses: {
        '200': json(BookViewSchema, 'The book'),
        '503': problem('The book did not answer in time; retry'),
      },
    }),
  },
  '/v1/books/{book_uuid}/stream': {
    get: op("The book's changes, live (Server-Sent Events)", {
      description: STREAM_DESCRIPTION,
      requestParams: resume,
      responses: {
        '200': {
          description: 'An endless text/event-stream; see the table above for its messages',
          content: { 'text/event-stream': { schema: z.string().meta({ description: 'Server-Sent Events' }) } },
        },
        '503': problem('The book did not answer in time; retry'),
      },
    }),
  },
  '/v1/books/{book_uuid}/events': {
    get: op("A book's events with their deliveries and attempts", {
      requestParams: bookParams,
      responses: { '200': json(BookEventListSchema, 'The events, oldest first') },
    }),
  },
  '/v1/books/{book_uuid}/seal': {
    post: post('Seal the book: no more uploads', {
      requestParams: bookParams,
      responses: { '202': json(SealRequestedSchema, 'Seal requested') },
    }),
  },
  '/v1/books/{book_uuid}/documents': {
    post: post('Upload a document', {
      requestParams: bookParams,
      requestBody: body(UploadDocumentRequestSchema),
      responses: {
        '202': json(UploadAcceptedSchema, 'Stored, and durably sent to the book (even while no worker runs)'),
        '409': problem('Sealed or complete book, or another document under this doc_uuid'),
        '503': problem('Temporal did not take it in time; it is stored: retry with the same doc_uuid'),
      },
    }),
  },
  '/v1/books/{book_uuid}/documents/{doc_uuid}/verification': {
    post: post("A document's verification result", {
      requestParams: { path: z.object({ book_uuid: BookUuidSchema, doc_uuid: DocUuidSchema }) },
      requestBody: body(VerificationRequestSchema),
      responses: {
        '202': json(VerificationAcceptedSchema, 'Durably accepted'),
        '409': problem('The book is complete'),
        '503': problem('Temporal did not take it in time; it is stored: retry the same request'),
      },
    }),
  },
  '/v1/events': {
    get: op("Every event of the tenant's books, oldest first (the catch-up feed)", {
      description: FEED_DESCRIPTION,
      requestParams: { query: EventFeedQuerySchema },
      responses: { '200': json(EventFeedPageSchema, 'A page of events, oldest first') },
    }),
  },
  '/v1/events/stream': {
    get: op("The tenant's events, live (Server-Sent Events)", {
      description: FEED_STREAM_DESCRIPTION,
      requestParams: {
        header: z.object({ 'Last-Event-ID': LastEventIdSchema.optional() }),
        query: EventStreamQuerySchema,
      },
      responses: {
        '200': {
          description: 'An endless text/event-stream of FeedEvent messages',
          content: { 'text/event-stream': { schema: z.string().meta({ description: 'Server-Sent Events' }) } },
        },
      },
    }),
  },
  '/v1/webhooks': {
    post: post('Register a webhook endpoint or an e-mail subscription', {
      requestBody: body(CreateWebhookRequestSchema),
      responses: {
        '201': json(WebhookWithSecretSchema, 'The endpoint and its secret, shown once'),
        '409': problem('Destination already registered'),
      },
    }),
    get: op("List the tenant's endpoints", { responses: { '200': json(WebhookListSchema, 'Endpoints') } }),
  },
  '/v1/webhooks/{id}': {
    get: op('An endpoint', { requestParams: webhookParams, responses: { '200': json(WebhookSchema, 'The endpoint') } }),
    patch: op('Change an endpoint', {
      requestParams: webhookParams,
      requestBody: body(UpdateWebhookRequestSchema),
      responses: { '200': json(WebhookSchema, 'The endpoint'), '409': problem('Destination already registered') },
    }),
    delete: op('Delete an endpoint', {
      requestParams: webhookParams,
      responses: { '204': { description: 'Deleted' } },
    }),
  },
  '/v1/webhooks/{id}/rotate-secret': {
    post: post('Rotate the signing secret (the old one signs too for a grace period)', {
      requestParams: webhookParams,
      requestBody: body(RotateSecretRequestSchema, false),
      responses: { '200': json(WebhookWithSecretSchema, 'The endpoint and its new secret, shown once') },
    }),
  },
  '/v1/webhooks/{id}/test': {
    post: post('Send a signed test event now', {
      requestParams: webhookParams,
      responses: { '200': json(WebhookTestResultSchema, 'The attempt') },
    }),
  },
  '/v1/webhooks/{id}/deliveries': {
    get: op("An endpoint's deliveries with their attempts", {
      requestParams: { ...webhookParams, query: DeliveriesQuerySchema },
      responses: { '200': json(DeliveryListSchema, 'Deliveries, newest first') },
    }),
  },
  '/v1/webhooks/{id}/recover': {
    post: post('Redeliver every delivery that failed since a time', {
      requestParams: webhookParams,
      requestBody: body(RecoverRequestSchema),
      responses: { '202': json(RedeliveringSchema, 'Redelivering') },
    }),
  },
  '/v1/deliveries/{id}/retry': {
    post: post('Redeliver one delivery, keeping its webhook-id', {
      requestParams: { path: z.object({ id: z.string().meta({ description: '<event_id>.<webhook_id>' }) }) },
      responses: { '202': json(RetryAcceptedSchema, 'Redelivering'), '409': problem('Still being attempted') },
    }),
  },
  '/v1/operational-events': {
    get: op('Operational events (webhook.disabled)', {
      requestParams: { query: OperationalEventsQuerySchema },
      responses: { '200': json(OperationalEventListSchema, 'Events, newest first') },
    }),
  },
  '/healthz': { get: { summary: 'The process is up', security: [], responses: { '200': json(HealthSchema, 'Up') } } },
  '/readyz': {
    get: {
      summary: 'PostgreSQL and Temporal answer',
      security: [],
      responses: { '200': json(ReadinessSchema, 'Ready'), '503': json(ReadinessSchema, 'Not ready') },
    },
  },
  '/metrics': {
    get: {
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
  'shortens its analytics when they do not fit (analytics_truncated, analytics_url); GET /v1/books/{book_uuid} has ' +
  'them all.';
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
      description: 'Books of documents, their verification events, and signed webhook and e-mail deliveries.',
    },
    security: [{ bearer: [] }],
    paths,
    webhooks: {
      bookEvent: delivered(
        'VERIFICATION_COMPLETE, BOOK_COMPLETE or ANALYTICS_COMPLETED',
        EventPayloadSchema,
        `${BOUNDED} `,
      ),
      testEvent: delivered('A TEST event (POST /v1/webhooks/{id}/test)', TestEventPayloadSchema),
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
