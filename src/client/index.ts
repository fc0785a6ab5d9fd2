// `bookbell/client`: a typed client of the intake API for a CRM, the console and the tests. It needs only `fetch`
// (Node 20+ or a browser); its types come from the zod contracts the API validates with.
export { BookbellClient } from './client.js';
export { OPERATIONS, type OperationId } from './operations.js';
export { items, pages, type PageFetcher } from './pages.js';
export { BookbellProblem, isProblem } from './problem.js';
export { readSse, type SseMessage } from './sse.js';
export type { CallOptions, ClientOptions, PostOptions } from './transport.js';
export type * from './types.js';
