/**
 * Every operation of the API by its OpenAPI operationId: method and path template. The client calls each through this
 * table, and a test checks it against the OpenAPI document, so the two cannot drift apart.
 */
export const OPERATIONS = {
  createBook: ['POST', '/v1/books'],
  listBooks: ['GET', '/v1/books'],
  getBook: ['GET', '/v1/books/{book_uuid}'],
  streamBook: ['GET', '/v1/books/{book_uuid}/stream'],
  listBookEvents: ['GET', '/v1/books/{book_uuid}/events'],
  listBookDeliveries: ['GET', '/v1/books/{book_uuid}/deliveries'],
  sealBook: ['POST', '/v1/books/{book_uuid}/seal'],
  listBookDocuments: ['GET', '/v1/books/{book_uuid}/documents'],
  uploadDocument: ['POST', '/v1/books/{book_uuid}/documents'],
  submitVerification: ['POST', '/v1/books/{book_uuid}/documents/{doc_uuid}/verification'],
  listEvents: ['GET', '/v1/events'],
  streamEvents: ['GET', '/v1/events/stream'],
  getSummary: ['GET', '/v1/summary'],
  createEndpoint: ['POST', '/v1/endpoints'],
  listEndpoints: ['GET', '/v1/endpoints'],
  getEndpoint: ['GET', '/v1/endpoints/{id}'],
  updateEndpoint: ['PATCH', '/v1/endpoints/{id}'],
  deleteEndpoint: ['DELETE', '/v1/endpoints/{id}'],
  rotateEndpointSecret: ['POST', '/v1/endpoints/{id}/rotate-secret'],
  resendEndpointConfirmation: ['POST', '/v1/endpoints/{id}/confirmation'],
  testEndpoint: ['POST', '/v1/endpoints/{id}/test'],
  previewEndpoint: ['GET', '/v1/endpoints/{id}/preview'],
  listEndpointDeliveries: ['GET', '/v1/endpoints/{id}/deliveries'],
  listEndpointDigests: ['GET', '/v1/endpoints/{id}/digests'],
  recoverEndpointDeliveries: ['POST', '/v1/endpoints/{id}/recover'],
  listDeliveryAttempts: ['GET', '/v1/deliveries/{id}/attempts'],
  retryDelivery: ['POST', '/v1/deliveries/{id}/retry'],
  listOperationalEvents: ['GET', '/v1/operational-events'],
  getHealth: ['GET', '/healthz'],
  getReadiness: ['GET', '/readyz'],
  getMetrics: ['GET', '/metrics'],
} as const satisfies Record<string, readonly [string, string]>;

export type OperationId = keyof typeof OPERATIONS;

/** The path of `operation` with its `{parameters}` filled in (each URL-encoded). */
export function operationPath(operation: OperationId, params: Record<string, string> = {}): string {
  return OPERATIONS[operation][1].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${operation}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
