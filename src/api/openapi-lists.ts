import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { DocumentPageSchema, DocumentsQuerySchema } from '../contract/book-view.js';
import {
  AttemptPageSchema,
  AttemptsQuerySchema,
  BookEventListSchema,
  BookEventsQuerySchema,
  DeliveryIdSchema,
  DeliveryListSchema,
} from '../contract/deliveries.js';
import { DeliveriesQuerySchema, OperationalEventsQuerySchema, EndpointsQuerySchema } from '../contract/endpoints.js';
import { EndpointListSchema, OperationalEventListSchema } from '../contract/endpoint-view.js';
import { bookParams, json, links, op, endpointParams } from './openapi-operations.js';
import { DigestListSchema, DigestsQuerySchema } from '../contract/digests.js';

/** The paged lists of the OpenAPI document: one form and one guarantee for every list but the event feed's. */

/** What every list's description says about its pages. */
export const PAGING = `**Pages**: \`limit\` items at most (1–100), and \`next_cursor\` to pass as \`cursor\` for the next
page, null on the last. A cursor is opaque and good only for the list (and book, endpoint or delivery) that gave it;
any other is refused (400 naming \`cursor\`).

**Ordering guarantee**: the order is fixed and ends in a unique key that no later write changes, and each page goes
on after the last row of the one before (keyset, not offset). Walking every page lists each row that existed when the
walk began exactly once, however many rows are added meanwhile; a row added during the walk is listed at most once.`;

const paged = (order: string, limit: number) => `${order}\n\n${PAGING} Without \`limit\`, ${limit} to a page.`;
const NEXT = '$response.body#/next_cursor';
const DELIVERY_FROM_PATH = { id: '$request.path.id' };

export const listBookDocuments: ZodOpenApiOperationObject = op("A book's documents, a page at a time", {
  operationId: 'listBookDocuments',
  description: paged(
    'In the order the documents were first stored (an upload, or a verification result that came first).',
    100,
  ),
  requestParams: { ...bookParams, query: DocumentsQuerySchema },
  responses: {
    '200': {
      ...json(DocumentPageSchema, 'A page of documents'),
      links: links({ listBookDocuments: { book_uuid: '$request.path.book_uuid', cursor: NEXT } }),
    },
  },
  problems: ['book-not-found', 'book-expired'],
});

export const listBookEvents: ZodOpenApiOperationObject = op("A book's events with their deliveries and attempts", {
  operationId: 'listBookEvents',
  description: paged('In the order they were recorded.', 100),
  requestParams: { ...bookParams, query: BookEventsQuerySchema },
  responses: {
    '200': {
      ...json(BookEventListSchema, 'A page of events, oldest first'),
      links: links({
        retryDelivery: { id: '$response.body#/data/0/deliveries/0/id' },
        listBookEvents: { book_uuid: '$request.path.book_uuid', cursor: NEXT },
      }),
    },
  },
  problems: ['book-not-found', 'book-expired'],
});

export const listBookDeliveries: ZodOpenApiOperationObject = op("A book's deliveries to every endpoint", {
  operationId: 'listBookDeliveries',
  description: paged('Newest first.', 50),
  requestParams: { ...bookParams, query: DeliveriesQuerySchema },
  responses: {
    '200': {
      ...json(DeliveryListSchema, 'A page of deliveries, newest first'),
      links: links({
        retryDelivery: { id: '$response.body#/data/0/id' },
        listDeliveryAttempts: { id: '$response.body#/data/0/id' },
        listBookDeliveries: { book_uuid: '$request.path.book_uuid', cursor: NEXT },
      }),
    },
  },
  problems: ['book-not-found', 'book-expired'],
});

export const listEndpoints: ZodOpenApiOperationObject = op("List the tenant's endpoints", {
  operationId: 'listEndpoints',
  description: paged('Oldest first.', 100),
  requestParams: { query: EndpointsQuerySchema },
  responses: {
    '200': {
      ...json(EndpointListSchema, 'A page of endpoints'),
      links: links({ getEndpoint: { id: '$response.body#/data/0/id' }, listEndpoints: { cursor: NEXT } }),
    },
  },
});

export const listEndpointDeliveries: ZodOpenApiOperationObject = op("An endpoint's deliveries with their attempts", {
  operationId: 'listEndpointDeliveries',
  description: paged('Newest first.', 50),
  requestParams: { ...endpointParams, query: DeliveriesQuerySchema },
  responses: {
    '200': {
      ...json(DeliveryListSchema, 'A page of deliveries, newest first'),
      links: links({
        retryDelivery: { id: '$response.body#/data/0/id' },
        listDeliveryAttempts: { id: '$response.body#/data/0/id' },
        listEndpointDeliveries: { id: '$request.path.id', cursor: NEXT },
      }),
    },
  },
  problems: ['endpoint-not-found'],
});

export const listEndpointDigests: ZodOpenApiOperationObject = op(
  "A daily e-mail endpoint's digests with their attempts",
  {
    operationId: 'listEndpointDigests',
    description: paged(
      'Newest first: one per local day that had events, with every attempt to mail it. Empty for other endpoints.',
      50,
    ),
    requestParams: { ...endpointParams, query: DigestsQuerySchema },
    responses: {
      '200': {
        ...json(DigestListSchema, 'A page of digests, newest first'),
        links: links({ listEndpointDigests: { id: '$request.path.id', cursor: NEXT } }),
      },
    },
    problems: ['endpoint-not-found'],
  },
);

export const listDeliveryAttempts: ZodOpenApiOperationObject = op("A delivery's attempts", {
  operationId: 'listDeliveryAttempts',
  description: paged(
    'Oldest first, by attempt number (a redelivery continues the numbering). A delivery listing shows them too.',
    50,
  ),
  requestParams: { path: z.object({ id: DeliveryIdSchema }), query: AttemptsQuerySchema },
  responses: {
    '200': {
      ...json(AttemptPageSchema, 'A page of attempts'),
      links: links({ listDeliveryAttempts: { ...DELIVERY_FROM_PATH, cursor: NEXT } }),
    },
  },
  problems: ['endpoint-not-found', 'delivery-not-found'],
});

export const listOperationalEvents: ZodOpenApiOperationObject = op('Operational events (endpoint.disabled)', {
  operationId: 'listOperationalEvents',
  description: paged('Newest first.', 50),
  requestParams: { query: OperationalEventsQuerySchema },
  responses: {
    '200': {
      ...json(OperationalEventListSchema, 'A page of events, newest first'),
      links: links({
        getEndpoint: { id: '$response.body#/data/0/endpoint_id' },
        listOperationalEvents: { cursor: NEXT },
      }),
    },
  },
});
