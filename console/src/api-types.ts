// The API's shapes, inferred from the zod schemas the API validates with and documents in its OpenAPI (src/contract):
// a change to the contract fails the console's type check instead of its users.
import type { z } from 'zod';
import type { AccountAnalyticsSchema, BookAnalyticsSchema } from '../../src/contract/analytics.js';
import type {
  BookPageSchema,
  BookView,
  DocumentPageSchema,
  DocumentViewSchema,
  EventViewSchema,
} from '../../src/contract/book-view.js';
import type { BookSummary, DocumentCounts } from '../../src/contract/book.js';
import type {
  Attempt,
  BookEventListSchema,
  Delivery,
  DeliveryListSchema,
  RedeliveringSchema,
} from '../../src/contract/deliveries.js';
import type { FeedEvent } from '../../src/contract/event-feed.js';
import type { StreamEventData, StreamEventName } from '../../src/contract/stream.js';
import type { TenantSummary } from '../../src/contract/summary.js';
import type { EndpointPreview, PreviewEvent } from '../../src/contract/endpoints.js';
import type { BodyFormat, SubscribableEvent } from '../../src/contract/endpoint-settings.js';
import type {
  Endpoint,
  EndpointListSchema,
  EndpointTestResult,
  EndpointWithSecretSchema,
} from '../../src/contract/endpoint-view.js';

export type {
  Attempt,
  BodyFormat,
  BookSummary,
  BookView,
  Delivery,
  DocumentCounts,
  EndpointPreview,
  FeedEvent,
  PreviewEvent,
  SubscribableEvent,
  Endpoint,
  TenantSummary,
};
export type AccountAnalytics = z.infer<typeof AccountAnalyticsSchema>;
export type BookAnalytics = z.infer<typeof BookAnalyticsSchema>;
export type BookDocument = z.infer<typeof DocumentViewSchema>;
export type BookEvent = z.infer<typeof EventViewSchema>;
export type BookPage = z.infer<typeof BookPageSchema>;
export type DocumentPage = z.infer<typeof DocumentPageSchema>;
export type BookEventsPage = z.infer<typeof BookEventListSchema>;
export type DeliveryList = z.infer<typeof DeliveryListSchema>;
export type DeliveryStatus = Delivery['status'];
export type Redelivering = z.infer<typeof RedeliveringSchema>;
export type TestAttempt = EndpointTestResult;
export type EndpointList = z.infer<typeof EndpointListSchema>;
export type EndpointWithSecret = z.infer<typeof EndpointWithSecretSchema>;

/** The stream's messages (GET /v1/books/:id/stream): each SSE event name and its data. */
export type StreamMessages = { [N in StreamEventName]: StreamEventData<N> };
