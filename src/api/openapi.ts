import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { z } from 'zod';
import {
  BookSummarySchema,
  BookUuidSchema,
  CreateBookRequestSchema,
  DocUuidSchema,
  ListBooksQuerySchema,
  UploadDocumentRequestSchema,
  VerificationRequestSchema,
} from '../contract/book.js';
import { CreateWebhookRequestSchema, UpdateWebhookRequestSchema, WebhookIdSchema } from '../contract/webhooks.js';

/** RFC 9457 problem details, the body of every error. */
const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});
/** Responses whose body schema is not yet a zod contract are documented as JSON objects. */
const object = (description: string) => json(z.looseObject({}), description);

const bookParams = { path: z.object({ book_uuid: BookUuidSchema }) };
const webhookParams = { path: z.object({ id: WebhookIdSchema }) };
const authErrors = {
  '401': problem('Missing, unknown or revoked API key'),
  '404': problem('Not found for this tenant'),
};
const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

function op(summary: string, operation: Omit<ZodOpenApiOperationObject, 'summary'>): ZodOpenApiOperationObject {
  return { summary, ...operation, responses: { ...operation.responses, ...authErrors } };
}

const paths: ZodOpenApiPathsObject = {
  '/v1/books': {
    post: op('Create a book (starts its workflow)', {
      requestBody: body(CreateBookRequestSchema),
      responses: {
        '201': object('The book'),
        '200': object('The same book, created before'),
        '400': problem('Invalid body'),
        '409': problem('Same book_uuid, different body'),
      },
    }),
    get: op("List the tenant's books, newest first", {
      requestParams: { query: ListBooksQuerySchema },
      responses: {
        '200': json(
          z.object({ data: z.array(BookSummarySchema), next_cursor: z.string().nullable() }),
          'A page of books',
        ),
      },
    }),
  },
  '/v1/books/{book_uuid}': {
    get: op('A book: status, documents, events, analytics', {
      requestParams: bookParams,
      responses: { '200': object('The book') },
    }),
  },
  '/v1/books/{book_uuid}/events': {
    get: op("A book's events with their deliveries and attempts", {
      requestParams: bookParams,
      responses: { '200': object('Events') },
    }),
  },
  '/v1/books/{book_uuid}/seal': {
    post: op('Seal the book: no more uploads', {
      requestParams: bookParams,
      responses: { '202': object('Seal requested') },
    }),
  },
  '/v1/books/{book_uuid}/documents': {
    post: op('Upload a document', {
      requestParams: bookParams,
      requestBody: body(UploadDocumentRequestSchema),
      responses: {
        '202': object('Accepted by the book'),
        '409': problem('Sealed or complete book, or another document under this doc_uuid'),
      },
    }),
  },
  '/v1/books/{book_uuid}/documents/{doc_uuid}/verification': {
    post: op("A document's verification result", {
      requestParams: { path: z.object({ book_uuid: BookUuidSchema, doc_uuid: DocUuidSchema }) },
      requestBody: body(VerificationRequestSchema),
      responses: { '202': object('Durably accepted'), '409': problem('The book is complete') },
    }),
  },
  '/v1/webhooks': {
    post: op('Register a webhook endpoint or an e-mail subscription', {
      requestBody: body(CreateWebhookRequestSchema),
      responses: {
        '201': object('The endpoint and its secret, shown once'),
        '409': problem('Destination already registered'),
      },
    }),
    get: op("List the tenant's endpoints", { responses: { '200': object('Endpoints') } }),
  },
  '/v1/webhooks/{id}': {
    get: op('An endpoint', { requestParams: webhookParams, responses: { '200': object('The endpoint') } }),
    patch: op('Change an endpoint', {
      requestParams: webhookParams,
      requestBody: body(UpdateWebhookRequestSchema),
      responses: { '200': object('The endpoint') },
    }),
    delete: op('Delete an endpoint', {
      requestParams: webhookParams,
      responses: { '204': { description: 'Deleted' } },
    }),
  },
  '/v1/webhooks/{id}/rotate-secret': {
    post: op('Rotate the signing secret (the old one signs too for a grace period)', {
      requestParams: webhookParams,
      responses: { '200': object('The endpoint and its new secret') },
    }),
  },
  '/v1/webhooks/{id}/test': {
    post: op('Send a signed test event now', {
      requestParams: webhookParams,
      responses: { '200': object('The attempt') },
    }),
  },
  '/v1/webhooks/{id}/deliveries': {
    get: op("An endpoint's deliveries with their attempts", {
      requestParams: webhookParams,
      responses: { '200': object('Deliveries') },
    }),
  },
  '/v1/webhooks/{id}/recover': {
    post: op('Redeliver every delivery that failed since a time', {
      requestParams: webhookParams,
      requestBody: body(z.object({ since: z.iso.datetime({ offset: true }) })),
      responses: { '202': object('Redelivering') },
    }),
  },
  '/v1/deliveries/{id}/retry': {
    post: op('Redeliver one delivery, keeping its webhook-id', {
      requestParams: { path: z.object({ id: z.string() }) },
      responses: { '202': object('Redelivering'), '409': problem('Still being attempted') },
    }),
  },
  '/v1/operational-events': {
    get: op('Operational events (webhook.disabled)', { responses: { '200': object('Events') } }),
  },
  '/healthz': { get: { summary: 'The process is up', security: [], responses: { '200': object('ok') } } },
  '/readyz': {
    get: {
      summary: 'PostgreSQL and Temporal answer',
      security: [],
      responses: { '200': object('ready'), '503': object('not ready') },
    },
  },
};

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
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: bb_…' } } },
    paths,
  });
}
