// The API's shapes, inferred from the zod contracts the API validates with and documents in its OpenAPI: a request is
// what a schema takes (z.input: defaults optional), an answer what it gives (z.output). Types only: the client carries
// no zod at run time.
import type { z } from 'zod';
import type { BookAnalyticsSchema } from '../contract/analytics.js';
import type {
  BookPageSchema,
  BookViewSchema,
  DocumentPageSchema,
  DocumentsQuerySchema,
  DocumentViewSchema,
  EventViewSchema,
  SealRequestedSchema,
  UploadAcceptedSchema,
  VerificationAcceptedSchema,
} from '../contract/book-view.js';
import type {
  BookSummarySchema,
  CreateBookRequestSchema,
  ListBooksQuerySchema,
  UploadDocumentRequestSchema,
  VerificationRequestSchema,
} from '../contract/book.js';
import type {
  AttemptPageSchema,
  AttemptsQuerySchema,
  BookEventListSchema,
  BookEventsQuerySchema,
  DeliveryListSchema,
  RedeliveringSchema,
  RetryAcceptedSchema,
} from '../contract/deliveries.js';
import type {
  EventFeedPageSchema,
  EventFeedQuerySchema,
  EventStreamQuerySchema,
  FeedEventSchema,
} from '../contract/event-feed.js';
import type { DigestListSchema, DigestsQuerySchema } from '../contract/digests.js';
import type { EventPayloadSchema } from '../contract/event-payload.js';
import type { HealthSchema, ReadinessSchema } from '../contract/health.js';
import type { SummaryQuerySchema, TenantSummarySchema } from '../contract/summary.js';
import type {
  CreateEndpointRequestSchema,
  DeliveriesQuerySchema,
  OperationalEventsQuerySchema,
  RecoverRequestSchema,
  RotateSecretRequestSchema,
  UpdateEndpointRequestSchema,
  EndpointsQuerySchema,
  EndpointPreviewSchema,
  PreviewQuerySchema,
} from '../contract/endpoints.js';
import type {
  OperationalEventListSchema,
  EndpointListSchema,
  EndpointSchema,
  EndpointTestResultSchema,
  EndpointWithSecretSchema,
} from '../contract/endpoint-view.js';

export type { Problem } from '../contract/problem.js';
export type { ProblemCode } from '../contract/problem-types.js';
export type { BookStatus, DocumentStatus, EventType } from '../contract/book.js';
export type { Attempt, Delivery, DeliveryStatus } from '../contract/deliveries.js';
export type { ParsedStreamMessage as BookStreamMessage } from '../contract/stream.js';

/** Every list page: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type CreateBookRequest = z.input<typeof CreateBookRequestSchema>;
export type UploadDocumentRequest = z.input<typeof UploadDocumentRequestSchema>;
export type VerificationRequest = z.input<typeof VerificationRequestSchema>;
export type ListBooksQuery = z.input<typeof ListBooksQuerySchema>;
export type PageQuery = z.input<typeof DocumentsQuerySchema>;
export type DocumentsQuery = z.input<typeof DocumentsQuerySchema>;
export type BookEventsQuery = z.input<typeof BookEventsQuerySchema>;
export type DeliveriesQuery = z.input<typeof DeliveriesQuerySchema>;
export type DigestsQuery = z.input<typeof DigestsQuerySchema>;
export type AttemptsQuery = z.input<typeof AttemptsQuerySchema>;
export type EndpointsQuery = z.input<typeof EndpointsQuerySchema>;
export type OperationalEventsQuery = z.input<typeof OperationalEventsQuerySchema>;
export type EventFeedQuery = z.input<typeof EventFeedQuerySchema>;
export type EventStreamQuery = z.input<typeof EventStreamQuerySchema>;
export type SummaryQuery = z.input<typeof SummaryQuerySchema>;
export type CreateEndpointRequest = z.input<typeof CreateEndpointRequestSchema>;
export type UpdateEndpointRequest = z.input<typeof UpdateEndpointRequestSchema>;
export type RotateSecretRequest = z.input<typeof RotateSecretRequestSchema>;
export type RecoverRequest = z.input<typeof RecoverRequestSchema>;

export type BookView = z.output<typeof BookViewSchema>;
export type BookSummary = z.output<typeof BookSummarySchema>;
export type BookPage = z.output<typeof BookPageSchema>;
export type BookDocument = z.output<typeof DocumentViewSchema>;
export type DocumentPage = z.output<typeof DocumentPageSchema>;
export type BookEventView = z.output<typeof EventViewSchema>;
export type BookAnalytics = z.output<typeof BookAnalyticsSchema>;
export type UploadAccepted = z.output<typeof UploadAcceptedSchema>;
export type VerificationAccepted = z.output<typeof VerificationAcceptedSchema>;
export type SealRequested = z.output<typeof SealRequestedSchema>;
export type BookEventList = z.output<typeof BookEventListSchema>;
export type DeliveryList = z.output<typeof DeliveryListSchema>;
export type DigestList = z.output<typeof DigestListSchema>;
export type AttemptPage = z.output<typeof AttemptPageSchema>;
export type EventFeedPage = z.output<typeof EventFeedPageSchema>;
export type FeedEvent = z.output<typeof FeedEventSchema>;
export type TenantSummary = z.output<typeof TenantSummarySchema>;
export type EventPayload = z.output<typeof EventPayloadSchema>;
export type Endpoint = z.output<typeof EndpointSchema>;
export type EndpointWithSecret = z.output<typeof EndpointWithSecretSchema>;
export type EndpointList = z.output<typeof EndpointListSchema>;
export type EndpointTestResult = z.output<typeof EndpointTestResultSchema>;
export type EndpointPreview = z.output<typeof EndpointPreviewSchema>;
export type PreviewQuery = z.input<typeof PreviewQuerySchema>;
export type { BodyFormat } from '../contract/endpoint-settings.js';
export type { PreviewEvent } from '../contract/endpoints.js';
export type OperationalEventList = z.output<typeof OperationalEventListSchema>;
export type Redelivering = z.output<typeof RedeliveringSchema>;
export type RetryAccepted = z.output<typeof RetryAcceptedSchema>;
export type Health = z.output<typeof HealthSchema>;
export type Readiness = z.output<typeof ReadinessSchema>;
