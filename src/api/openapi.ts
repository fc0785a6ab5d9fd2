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
  DeliveryIdSchema,
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
import { ProblemSchema, type Problem } from '../contract/problem.js';
import { PROBLEM_KINDS, problemType, type ProblemCode } from '../contract/problem-types.js';
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

/** What a problem of `code` looks like, for the examples of the responses that may carry it. */
const exampleOf = (code: ProblemCode): Problem => {
  const { status, title, description } = PROBLEM_KINDS[code];
  return {
    type: problemType(code),
    code,
    title,
    status,
    detail: description,
    ...(code === 'invalid-request' ? { errors: [{ field: 'name', message: 'is required' }] } : {}),
  };
};

/** A problem+json response that carries one of `codes` (all of one status): named in its description, one example each. */
const problem = (codes: ProblemCode[]) => ({
  description: codes.map((code) => `\`${code}\`: ${PROBLEM_KINDS[code].description}`).join(' '),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      examples: Object.fromEntries(
        codes.map((code) => [code, { summary: PROBLEM_KINDS[code].title, value: exampleOf(code) }]),
      ),
    },
  },
});

/** The problem responses for these kinds, one per status. */
function problemResponses(codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const { status } = PROBLEM_KINDS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [String(status), problem(list)]));
}

const bookParams = { path: z.object({ book_uuid: BookUuidSchema }) };
const webhookParams = { path: z.object({ id: WebhookIdSchema }) };
const body = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .optional()
  .meta({
    description: 'A repeat of the same POST within 24 hours (IDEMPOTENCY_KEY_TTL) gets the first answer again',
  });

/** Whatever reads a request body may find it unreadable, too large, or not JSON. */
const BODY_PROBLEMS: ProblemCode[] = [
  'invalid-json',
  'unreadable-body',
  'body-too-large',
  'unsupported-media-type',
  'unsupported-encoding',
];

type Operation = Omit<ZodOpenApiOperationObject, 'summary' | 'operationId'> & {
  operationId: string;
  /** The kinds of problem this operation may answer with besides those every /v1 operation may. */
  problems?: ProblemCode[];
};

/** Every /v1 operation needs a key and may fail on our side; one with input may find it invalid. */
function op(summary: string, { problems = [], ...operation }: Operation): ZodOpenApiOperationObject {
  const takesInput = operation.requestParams !== undefined || operation.requestBody !== undefined;
  // The query schemas are strict, which parameters cannot say: the description does.
  const strictQuery = operation.requestParams?.query ? 'A query parameter not listed here is refused (400).' : '';
  const description = [operation.description, strictQuery].filter(Boolean).join('\n\n');
  return {
    summary,
    ...operation,
    ...(description ? { description } : {}),
    responses: {
      ...operation.responses,
      ...problemResponses([
        ...(takesInput ? (['invalid-request'] as const) : []),
        ...problems,
        'api-key-missing',
        'api-key-invalid',
        'internal-error',
      ]),
    },
  };
}

/** A POST: also takes an Idempotency-Key, and a body. */
function post(summary: string, operation: Operation): ZodOpenApiOperationObject {
  return op(summary, {
    ...operation,
    requestParams: { ...operation.requestParams, header: z.object({ 'Idempotency-Key': idempotencyKey }) },
    problems: [...BODY_PROBLEMS, ...(operation.problems ?? []), 'idempotency-key-in-flight', 'idempotency-key-reused'],
  });
}

/** OpenAPI links: the operations a response leads to, with where their parameters come from. */
const links = (to: Record<string, Record<string, string>>) =>
  Object.fromEntries(Object.entries(to).map(([operationId, parameters]) => [operationId, { operationId, parameters }]));
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
const WEBHOOK_FROM_BODY = { id: '$response.body#/id' };
const WEBHOOK_FROM_PATH = { id: '$request.path.id' };
const webhookLinks = (from: Record<string, string>) =>
  links({
    getWebhook: from,
    updateWebhook: from,
    deleteWebhook: from,
    rotateWebhookSecret: from,
    testWebhook: from,
    listWebhookDeliveries: from,
    recoverWebhookDeliveries: from,
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
          content: { 'text/event-stream': { schema: z.string().meta({ description: 'Server-Sent Events' }) } },
        },
      },
      problems: BOOK_READ,
    }),
  },
  '/v1/books/{book_uuid}/events': {
    get: op("A book's events with their deliveries and attempts", {
      operationId: 'listBookEvents',
      requestParams: bookParams,
      responses: {
        '200': {
          ...json(BookEventListSchema, 'The events, oldest first'),
          links: links({ retryDelivery: { id: '$response.body#/data/0/deliveries/0/id' } }),
        },
      },
      problems: ['book-not-found', 'book-expired'],
    }),
  },
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
    post: post('Upload a document', {
      operationId: 'uploadDocument',
      requestParams: bookParams,
      requestBody: body(UploadDocumentRequestSchema),
      responses: {
        '202': {
          ...json(UploadAcceptedSchema, 'Stored, and durably sent to the book (even while no worker runs)'),
          links: links({
            submitVerification: { ...BOOK_FROM_PATH, doc_uuid: '$response.body#/doc_uuid' },
            getBook: BOOK_FROM_PATH,
          }),
        },
      },
      problems: [
        'book-not-found',
        'book-expired',
        'book-sealed',
        'book-full',
        'book-complete',
        'doc-uuid-taken',
        'book-unreachable',
      ],
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
          content: { 'text/event-stream': { schema: z.string().meta({ description: 'Server-Sent Events' }) } },
        },
      },
      problems: ['cursor-expired'],
    }),
  },
  '/v1/webhooks': {
    post: post('Register a webhook endpoint or an e-mail subscription', {
      operationId: 'createWebhook',
      requestBody: body(CreateWebhookRequestSchema),
      responses: {
        '201': {
          ...json(WebhookWithSecretSchema, 'The endpoint and its secret, shown once'),
          links: webhookLinks(WEBHOOK_FROM_BODY),
        },
      },
      problems: ['email-not-configured', 'destination-taken'],
    }),
    get: op("List the tenant's endpoints", {
      operationId: 'listWebhooks',
      responses: {
        '200': {
          ...json(WebhookListSchema, 'Endpoints'),
          links: links({ getWebhook: { id: '$response.body#/data/0/id' } }),
        },
      },
    }),
  },
  '/v1/webhooks/{id}': {
    get: op('An endpoint', {
      operationId: 'getWebhook',
      requestParams: webhookParams,
      responses: { '200': { ...json(WebhookSchema, 'The endpoint'), links: webhookLinks(WEBHOOK_FROM_PATH) } },
      problems: ['webhook-not-found'],
    }),
    patch: op('Change an endpoint', {
      operationId: 'updateWebhook',
      description:
        '`active: false` pauses the endpoint: its deliveries are HELD. `active: true` resumes (or re-enables) it, ' +
        'sends its HELD deliveries in causal order and starts a new failure streak.',
      requestParams: webhookParams,
      requestBody: body(UpdateWebhookRequestSchema),
      responses: { '200': { ...json(WebhookSchema, 'The endpoint'), links: links({ getWebhook: WEBHOOK_FROM_PATH }) } },
      problems: [...BODY_PROBLEMS, 'webhook-not-found', 'destination-taken'],
    }),
    delete: op('Delete an endpoint', {
      operationId: 'deleteWebhook',
      requestParams: webhookParams,
      responses: { '204': { description: 'Deleted' } },
      problems: ['webhook-not-found'],
    }),
  },
  '/v1/webhooks/{id}/rotate-secret': {
    post: post('Rotate the signing secret (the old one signs too for a grace period)', {
      operationId: 'rotateWebhookSecret',
      requestParams: webhookParams,
      requestBody: body(RotateSecretRequestSchema, false),
      responses: {
        '200': {
          ...json(WebhookWithSecretSchema, 'The endpoint and its new secret, shown once'),
          links: links({ testWebhook: WEBHOOK_FROM_PATH, getWebhook: WEBHOOK_FROM_PATH }),
        },
      },
      problems: ['webhook-not-found'],
    }),
  },
  '/v1/webhooks/{id}/test': {
    post: post('Send a signed test event now', {
      operationId: 'testWebhook',
      requestParams: webhookParams,
      responses: {
        '200': {
          ...json(WebhookTestResultSchema, 'The attempt'),
          links: links({ listWebhookDeliveries: WEBHOOK_FROM_PATH }),
        },
      },
      problems: ['webhook-not-found'],
    }),
  },
  '/v1/webhooks/{id}/deliveries': {
    get: op("An endpoint's deliveries with their attempts", {
      operationId: 'listWebhookDeliveries',
      requestParams: { ...webhookParams, query: DeliveriesQuerySchema },
      responses: {
        '200': {
          ...json(DeliveryListSchema, 'Deliveries, newest first'),
          links: links({ retryDelivery: { id: '$response.body#/data/0/id' } }),
        },
      },
      problems: ['webhook-not-found'],
    }),
  },
  '/v1/webhooks/{id}/recover': {
    post: post('Redeliver every delivery that failed since a time, and every HELD one', {
      operationId: 'recoverWebhookDeliveries',
      requestParams: webhookParams,
      requestBody: body(RecoverRequestSchema),
      responses: {
        '202': {
          ...json(RedeliveringSchema, 'Redelivering'),
          links: links({ listWebhookDeliveries: WEBHOOK_FROM_PATH }),
        },
      },
      problems: ['webhook-not-found'],
    }),
  },
  '/v1/deliveries/{id}/retry': {
    post: post('Redeliver one delivery, keeping its webhook-id', {
      operationId: 'retryDelivery',
      requestParams: { path: z.object({ id: DeliveryIdSchema }) },
      responses: { '202': json(RetryAcceptedSchema, 'Redelivering') },
      problems: ['webhook-not-found', 'delivery-not-found', 'delivery-in-progress'],
    }),
  },
  '/v1/operational-events': {
    get: op('Operational events (webhook.disabled)', {
      operationId: 'listOperationalEvents',
      requestParams: { query: OperationalEventsQuerySchema },
      responses: {
        '200': {
          ...json(OperationalEventListSchema, 'Events, newest first'),
          links: links({ getWebhook: { id: '$response.body#/data/0/webhook_id' } }),
        },
      },
    }),
  },
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
