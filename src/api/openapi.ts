import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import { z } from 'zod';
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
import {
  BookStatusChangeSchema,
  DeliveryChangeSchema,
  LastEventIdSchema,
  ServerSentEventSchema,
} from '../contract/stream.js';
import { bookPaths } from './openapi-books.js';
import { endpointPaths } from './openapi-endpoints.js';
import { body, json, links, op } from './openapi-operations.js';

/** The OpenAPI document: the book and endpoint paths, the tenant's event feed and summary, the probes, the webhooks. */

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

const paths: ZodOpenApiPathsObject = {
  ...bookPaths,
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
  ...endpointPaths,
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
