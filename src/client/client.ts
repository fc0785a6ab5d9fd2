import { readSse } from './sse.js';
import { Transport, type CallOptions, type ClientOptions, type PostOptions } from './transport.js';
import type * as T from './types.js';

const post = (options: PostOptions = {}) => ({
  signal: options.signal,
  headers: { 'idempotency-key': options.idempotencyKey },
});

/**
 * The intake API, one method per OpenAPI operation (named by its operationId), typed by the zod contracts the API
 * itself validates with. Lists return one page; walk them with `items()` / `pages()`. Any answer but 2xx throws a
 * `BookbellProblem` carrying the problem's `code`, `status` and `detail`.
 */
export class BookbellClient {
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
  }

  // Books

  /** Creates a book and starts its workflow; the same `book_uuid` again answers the book created before. */
  createBook(body: T.CreateBookRequest, options?: PostOptions): Promise<T.BookView> {
    return this.transport.json('createBook', { ...post(options), body });
  }

  listBooks(query: T.ListBooksQuery = {}, options?: CallOptions): Promise<T.BookPage> {
    return this.transport.json('listBooks', { ...options, query });
  }

  getBook(bookUuid: string, options?: CallOptions): Promise<T.BookView> {
    return this.transport.json('getBook', { ...options, path: { book_uuid: bookUuid } });
  }

  /** The book live: the snapshot (`book`) first unless resuming, then each change; `id` resumes (lastEventId). */
  async *streamBook(
    bookUuid: string,
    options: CallOptions & { lastEventId?: string } = {},
  ): AsyncGenerator<T.BookStreamMessage & { id: string | undefined }> {
    const response = await this.transport.send(
      'streamBook',
      { signal: options.signal, path: { book_uuid: bookUuid }, headers: { 'last-event-id': options.lastEventId } },
      'text/event-stream',
    );
    if (!response.body) return;
    for await (const { event, id, data } of readSse(response.body)) {
      yield { event, id, data: JSON.parse(data) as unknown } as T.BookStreamMessage & { id: string | undefined };
    }
  }

  listBookEvents(bookUuid: string, query: T.BookEventsQuery = {}, options?: CallOptions): Promise<T.BookEventList> {
    return this.transport.json('listBookEvents', { ...options, path: { book_uuid: bookUuid }, query });
  }

  listBookDeliveries(bookUuid: string, query: T.DeliveriesQuery = {}, options?: CallOptions): Promise<T.DeliveryList> {
    return this.transport.json('listBookDeliveries', { ...options, path: { book_uuid: bookUuid }, query });
  }

  /** Seals the book (no more uploads); idempotent. */
  sealBook(bookUuid: string, options?: PostOptions): Promise<T.SealRequested> {
    return this.transport.json('sealBook', { ...post(options), path: { book_uuid: bookUuid } });
  }

  listBookDocuments(bookUuid: string, query: T.DocumentsQuery = {}, options?: CallOptions): Promise<T.DocumentPage> {
    return this.transport.json('listBookDocuments', { ...options, path: { book_uuid: bookUuid }, query });
  }

  uploadDocument(bookUuid: string, body: T.UploadDocumentRequest, options?: PostOptions): Promise<T.UploadAccepted> {
    return this.transport.json('uploadDocument', { ...post(options), path: { book_uuid: bookUuid }, body });
  }

  submitVerification(
    bookUuid: string,
    docUuid: string,
    body: T.VerificationRequest,
    options?: PostOptions,
  ): Promise<T.VerificationAccepted> {
    return this.transport.json('submitVerification', {
      ...post(options),
      path: { book_uuid: bookUuid, doc_uuid: docUuid },
      body,
    });
  }

  // The tenant's events

  /** A page of every book's events, oldest first; pass a page's `next_cursor` (or an event's `cursor`) as `after`. */
  listEvents(query: T.EventFeedQuery = {}, options?: CallOptions): Promise<T.EventFeedPage> {
    return this.transport.json('listEvents', { ...options, query });
  }

  /** Every book's events live, from `last_event_id` (or now); each event's `cursor` resumes after it. */
  async *streamEvents(query: T.EventStreamQuery = {}, options: CallOptions = {}): AsyncGenerator<T.FeedEvent> {
    const response = await this.transport.send('streamEvents', { ...options, query }, 'text/event-stream');
    if (!response.body) return;
    for await (const { event, data } of readSse(response.body)) {
      if (event === 'event') yield JSON.parse(data) as T.FeedEvent;
    }
  }

  /** Counts of the tenant's books: open and waiting now, complete and failed verifications since `since`. */
  getSummary(query: T.SummaryQuery = {}, options?: CallOptions): Promise<T.TenantSummary> {
    return this.transport.json('getSummary', { ...options, query });
  }

  // Endpoints

  /** Registers an endpoint URL or an e-mail address; the answer holds its signing secret, shown only this once. */
  createEndpoint(body: T.CreateEndpointRequest, options?: PostOptions): Promise<T.EndpointWithSecret> {
    return this.transport.json('createEndpoint', { ...post(options), body });
  }

  listEndpoints(query: T.EndpointsQuery = {}, options?: CallOptions): Promise<T.EndpointList> {
    return this.transport.json('listEndpoints', { ...options, query });
  }

  getEndpoint(id: string, options?: CallOptions): Promise<T.Endpoint> {
    return this.transport.json('getEndpoint', { ...options, path: { id } });
  }

  /** Changes an endpoint; `active: false` pauses it (its deliveries wait HELD), `true` resumes it. */
  updateEndpoint(id: string, body: T.UpdateEndpointRequest, options?: CallOptions): Promise<T.Endpoint> {
    return this.transport.json('updateEndpoint', { ...options, path: { id }, body });
  }

  async deleteEndpoint(id: string, options?: CallOptions): Promise<void> {
    await this.transport.send('deleteEndpoint', { ...options, path: { id } });
  }

  rotateEndpointSecret(
    id: string,
    body: T.RotateSecretRequest = {},
    options?: PostOptions,
  ): Promise<T.EndpointWithSecret> {
    return this.transport.json('rotateEndpointSecret', { ...post(options), path: { id }, body });
  }

  /** Sends an unconfirmed e-mail address a new confirmation message (the earlier link stops working). */
  resendEndpointConfirmation(id: string, options?: PostOptions): Promise<T.Endpoint> {
    return this.transport.json('resendEndpointConfirmation', { ...post(options), path: { id } });
  }

  testEndpoint(id: string, options?: PostOptions): Promise<T.EndpointTestResult> {
    return this.transport.json('testEndpoint', { ...post(options), path: { id } });
  }

  /** A sample event as the endpoint would receive it, in its body format (nothing is sent). */
  previewEndpoint(id: string, query: T.PreviewQuery = {}, options?: CallOptions): Promise<T.EndpointPreview> {
    return this.transport.json('previewEndpoint', { ...options, path: { id }, query });
  }

  listEndpointDeliveries(id: string, query: T.DeliveriesQuery = {}, options?: CallOptions): Promise<T.DeliveryList> {
    return this.transport.json('listEndpointDeliveries', { ...options, path: { id }, query });
  }

  listEndpointDigests(id: string, query: T.DigestsQuery = {}, options?: CallOptions): Promise<T.DigestList> {
    return this.transport.json('listEndpointDigests', { ...options, path: { id }, query });
  }

  recoverEndpointDeliveries(id: string, body: T.RecoverRequest, options?: PostOptions): Promise<T.Redelivering> {
    return this.transport.json('recoverEndpointDeliveries', { ...post(options), path: { id }, body });
  }

  // Deliveries and operational events

  listDeliveryAttempts(deliveryId: string, query: T.AttemptsQuery = {}, options?: CallOptions): Promise<T.AttemptPage> {
    return this.transport.json('listDeliveryAttempts', { ...options, path: { id: deliveryId }, query });
  }

  /** Sends one delivery again, keeping its webhook-id (receivers drop repeats). */
  retryDelivery(deliveryId: string, options?: PostOptions): Promise<T.RetryAccepted> {
    return this.transport.json('retryDelivery', { ...post(options), path: { id: deliveryId } });
  }

  listOperationalEvents(query: T.OperationalEventsQuery = {}, options?: CallOptions): Promise<T.OperationalEventList> {
    return this.transport.json('listOperationalEvents', { ...options, query });
  }

  // The process (no key needed)

  getHealth(options?: CallOptions): Promise<T.Health> {
    return this.transport.json('getHealth', options);
  }

  /** Whether PostgreSQL and Temporal answer: `status: 'not ready'` (a 503) is an answer here, not a problem. */
  getReadiness(options?: CallOptions): Promise<T.Readiness> {
    return this.transport
      .send('getReadiness', { ...options, accept: [503] })
      .then((r) => r.json() as Promise<T.Readiness>);
  }

  /** Prometheus metrics, in the text exposition format. */
  async getMetrics(options?: CallOptions): Promise<string> {
    return (await this.transport.send('getMetrics', options, 'text/plain')).text();
  }
}
