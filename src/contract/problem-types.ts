import { z } from 'zod';

/**
 * Every kind of problem the API answers with, in one place: the `code` a client branches on, its HTTP status and
 * title, and the words of its page under /docs/problems. Codes are part of the contract: never rename or reuse one
 * (test/unit/problem-types.test.ts keeps a snapshot of the list).
 *
 * A problem's `type` is the relative reference `/docs/problems/<code>`, with its full path as RFC 9457 §3.1.1 asks of
 * relative type URIs: resolved against the answer's URI it is the HTML page this same deployment serves for the kind
 * (§4: a type should resolve to documentation), and it needs no configured public address that would make `type`
 * differ between deployments. `code` is the same value in short, identical everywhere: the member to branch on.
 */
export const ProblemKindSchema = z.strictObject({
  status: z.int().min(400).max(599),
  /** Short and the same for every problem of the kind (RFC 9457 §3.1.3). */
  title: z.string().min(1).max(60),
  /** What it means. */
  description: z.string().min(1),
  /** When the API answers with it. */
  when: z.string().min(1),
  /** What a client should do about it. */
  action: z.string().min(1),
});
export type ProblemKind = z.infer<typeof ProblemKindSchema>;

const kind = <S extends number>(status: S, title: string, description: string, when: string, action: string) => ({
  status,
  title,
  description,
  when,
  action,
});

export const PROBLEM_KINDS = {
  'invalid-request': kind(
    400,
    'Invalid request',
    'A path parameter, query parameter, header or the body does not meet the contract.',
    'Any request whose input fails validation; `errors` names each offending field (e.g. "events.2", "Idempotency-Key").',
    'Fix the fields `errors` names and send again; repeating the same request gets the same answer.',
  ),
  'invalid-json': kind(
    400,
    'Invalid JSON',
    'The request body is not valid JSON.',
    'A body sent as application/json (or +json) that does not parse.',
    'Send a well-formed JSON body.',
  ),
  'unreadable-body': kind(
    400,
    'Invalid request body',
    'The request body could not be read.',
    'A body whose Content-Encoding does not decode, or that ends before its Content-Length.',
    'Send the body in the Content-Encoding it names, or without one, and complete.',
  ),
  'email-not-configured': kind(
    400,
    'E-mail not configured',
    'This server sends no e-mail: it has no SMTP_URL.',
    'POST /v1/endpoints with `email` on a server without SMTP_URL.',
    'Register an endpoint URL instead, or ask the operator to configure SMTP_URL.',
  ),
  'malformed-http': kind(
    400,
    'Bad Request',
    'The bytes sent are not valid HTTP/1.1.',
    "Node's HTTP parser refused the request before the API saw it; the connection closes.",
    'Fix the HTTP client; this is never the answer to a well-formed request.',
  ),
  'api-key-missing': kind(
    401,
    'API key missing',
    'The request carries no API key.',
    'A /v1 route without `Authorization: Bearer <key>`.',
    'Send your API key as `Authorization: Bearer <key>`.',
  ),
  'api-key-invalid': kind(
    401,
    'API key invalid',
    'The API key is unknown or revoked.',
    'A /v1 route with a key that is not (or no longer) valid.',
    'Use a current key; revoked keys stay refused. Do not retry with the same key.',
  ),
  'api-key-read-only': kind(
    403,
    'API key can only read',
    "The API key's scope is `read`: it reads everything of its tenant and changes nothing.",
    'A /v1 request other than GET or HEAD (a POST, PATCH or DELETE) with a read-only key; nothing was changed.',
    'Send changes with a key of scope `full` (`npm run keys -- create --scope full`). Do not retry with the same key.',
  ),
  'book-not-found': kind(
    404,
    'Book not found',
    'No book with this book_uuid exists for your tenant.',
    "Any /v1/books/{book_uuid} route naming a book that does not exist or is another tenant's.",
    'Check the book_uuid; create the book first (POST /v1/books).',
  ),
  'endpoint-not-found': kind(
    404,
    'Endpoint not found',
    'No endpoint with this id exists for your tenant.',
    'Any /v1/endpoints/{id} route, and delivery retries, naming an endpoint that does not exist (or was deleted).',
    'List your endpoints (GET /v1/endpoints) for their ids.',
  ),
  'delivery-not-found': kind(
    404,
    'Delivery not found',
    'No delivery with this id exists for your tenant.',
    'POST /v1/deliveries/{id}/retry with an id no delivery listing gave.',
    "Use an id from GET /v1/endpoints/{id}/deliveries or a book's events.",
  ),
  'route-not-found': kind(
    404,
    'Not Found',
    'No route answers this path.',
    'A path the API does not serve (see /openapi.json), or an unknown console asset or problem page.',
    'Check the path against the API reference at /docs.',
  ),
  'method-not-allowed': kind(
    405,
    'Method Not Allowed',
    'The path exists but not with this method.',
    'A method the route does not implement; the Allow header lists the ones it does.',
    'Use a method from the Allow header.',
  ),
  'request-timeout': kind(
    408,
    'Request Timeout',
    'The request did not arrive in time.',
    'A client that sends its headers or body too slowly; the connection closes.',
    'Send the whole request promptly, then retry.',
  ),
  'book-uuid-taken': kind(
    409,
    'Book exists with other values',
    'A book with this book_uuid already exists with a different name, metadata or seal_after.',
    'POST /v1/books repeating a book_uuid with another body (the same body again is a 200).',
    'Use a new book_uuid, or send exactly the body the book was created with.',
  ),
  'book-sealed': kind(
    409,
    'Book sealed',
    'The book is sealed: it takes no more uploads.',
    'POST /v1/books/{book_uuid}/documents with a new document after the book was sealed (or completed).',
    'Create another book for more documents; verification results for its documents are still taken.',
  ),
  'book-complete': kind(
    409,
    'Book complete',
    'The book is complete: it takes no more verification results.',
    "A verification result for a document the book does not hold, sent after the book's workflow finished.",
    'Nothing to retry: the book is finished. Read it with GET /v1/books/{book_uuid}.',
  ),
  'book-full': kind(
    409,
    'Book full',
    'The book holds the most documents a book may hold (BOOK_MAX_DOCUMENTS, 10,000 unless configured).',
    'An upload, or a verification result, for a document the book does not hold yet, once the book is full.',
    'Put further documents in another book; repeats and results for documents the book holds are still taken.',
  ),
  'doc-uuid-taken': kind(
    409,
    'Document exists with another name',
    'A document with this doc_uuid already exists in the book under another name.',
    'POST /v1/books/{book_uuid}/documents repeating a doc_uuid with a different name (the same upload again is a 202).',
    'Use a new doc_uuid, or repeat the upload with its original name.',
  ),
  'destination-taken': kind(
    409,
    'Destination already registered',
    'An endpoint for this URL or e-mail address already exists.',
    'POST /v1/endpoints or PATCH /v1/endpoints/{id} naming a destination another endpoint of yours has.',
    'Change the existing endpoint (PATCH /v1/endpoints/{id}) instead of adding another.',
  ),
  'endpoint-unconfirmed': kind(
    409,
    'Address not confirmed',
    'The e-mail address has not confirmed that it wants these mails yet; until then it gets nothing else.',
    'POST /v1/endpoints/{id}/test to an e-mail subscription whose address has not followed its confirmation link.',
    'Ask the person to follow the link in the confirmation message, or resend it: POST /v1/endpoints/{id}/confirmation.',
  ),
  'confirmation-not-pending': kind(
    409,
    'Nothing to confirm',
    'The endpoint is a URL, or its address has confirmed already: there is no confirmation to send.',
    'POST /v1/endpoints/{id}/confirmation for a URL or a confirmed e-mail subscription.',
    'Nothing to do: a confirmed address receives its mails.',
  ),
  'delivery-in-progress': kind(
    409,
    'Delivery in progress',
    'The delivery is still being attempted.',
    'POST /v1/deliveries/{id}/retry on a PENDING delivery.',
    'Wait until it is DELIVERED or FAILED, then retry it if needed.',
  ),
  'idempotency-key-in-flight': kind(
    409,
    'Idempotency-Key in use',
    'A request with this Idempotency-Key is still being handled.',
    'A POST repeated with the same Idempotency-Key while the first is still running.',
    'Retry shortly: once the first finishes, the repeat gets its answer.',
  ),
  'book-expired': kind(
    410,
    'Book expired',
    'The book finished longer ago than its detail is kept: its documents, events, deliveries and analytics are gone.',
    'Any /v1/books/{book_uuid} route of a book whose detail retention removed (RETAIN_FINISHED_BOOKS after ANALYTICS_COMPLETED, 90 days by default).',
    'Nothing to retry. GET /v1/books still lists the book with its status, counts and timestamps.',
  ),
  'cursor-expired': kind(
    410,
    'Cursor expired',
    'Events after this cursor were deleted by retention: resuming from it would skip them without telling you.',
    'GET /v1/events?after= and GET /v1/events/stream with a Last-Event-ID older than the events retention deleted (those of books finished more than RETAIN_FINISHED_BOOKS ago).',
    'Catch up from the start without a cursor (GET /v1/events), skipping event_ids you already processed.',
  ),
  'body-too-large': kind(
    413,
    'Payload Too Large',
    'The request body is over 1 MB.',
    'Any request with a body over 1 MB; the connection closes.',
    'Send less: no request needs more than 1 MB.',
  ),
  'unsupported-media-type': kind(
    415,
    'Unsupported Media Type',
    'The request body is not JSON.',
    'A request with a body whose Content-Type is not application/json or +json.',
    'Send the body as JSON with `Content-Type: application/json`.',
  ),
  'unsupported-encoding': kind(
    415,
    'Unsupported encoding',
    'The body is in a charset or Content-Encoding the API does not read.',
    'A JSON body with a charset other than UTF-8, or a Content-Encoding other than gzip, deflate or br.',
    'Send UTF-8, uncompressed or in gzip, deflate or br.',
  ),
  'idempotency-key-reused': kind(
    422,
    'Idempotency-Key reused',
    'This Idempotency-Key was used for a different request in the last 24 hours.',
    'A POST whose Idempotency-Key an earlier POST with another path or body had.',
    'Use a new key for a new request; a key stands for one request.',
  ),
  'mail-rate-limited': kind(
    429,
    'Too many mails',
    'This tenant asked for too many mails (test events, confirmation messages) to one address, or in all, lately.',
    'POST /v1/endpoints with `email`, a PATCH changing `email`, POST /v1/endpoints/{id}/confirmation, or ' +
      'POST /v1/endpoints/{id}/test to an e-mail subscription past MAIL_RATE_PER_ADDRESS or MAIL_RATE_PER_TENANT.',
    'Wait Retry-After seconds and send again; nothing was sent or changed.',
  ),
  'rate-limited': kind(
    429,
    'Too Many Requests',
    'Too many requests from this tenant (or failed authentications from this address) in a short time.',
    "Any /v1 request past the tenant's rate (API_RATE_LIMIT a second, API_RATE_BURST at once), or from an address past API_AUTH_FAILURE_LIMIT failed authentications a second.",
    'Wait the Retry-After seconds, then send again; nothing was done. RateLimit-Remaining tells how many more requests may go at once.',
  ),
  'too-many-streams': kind(
    429,
    'Too many streams',
    'The tenant has as many live streams open as it may (MAX_STREAMS_PER_TENANT).',
    'GET /v1/books/{book_uuid}/stream or GET /v1/events/stream while the tenant holds its limit of open streams.',
    'Close a stream you no longer read (one GET /v1/events/stream follows every book), or retry after Retry-After.',
  ),
  'headers-too-large': kind(
    431,
    'Request Header Fields Too Large',
    'The request headers are over 16 KB.',
    "Node's HTTP parser refused the request before the API saw it; the connection closes.",
    'Send fewer or shorter headers.',
  ),
  'internal-error': kind(
    500,
    'Internal Server Error',
    'Something went wrong on the server; it has been logged with the X-Request-Id.',
    'A fault of the server; the body never carries its internals.',
    'Retry later; if it persists, report the X-Request-Id of the answer.',
  ),
  'book-unreachable': kind(
    503,
    'Book unreachable',
    "The book's workflow did not answer in time (Temporal slow or out of reach).",
    'A read of a book, or a verification result, while Temporal does not answer; what was sent is stored.',
    'Retry the same request after Retry-After: nothing is lost or doubled.',
  ),
  'book-busy': kind(
    503,
    'Book busy',
    'The book is busy with a burst of messages.',
    "Too many messages for one book at once for its workflow's history.",
    'Retry after Retry-After (a second).',
  ),
} as const satisfies Record<string, ProblemKind>;

export type ProblemCode = keyof typeof PROBLEM_KINDS;
/** The codes of one HTTP status, e.g. CodeOf<409>. */
export type CodeOf<S extends number> = {
  [C in ProblemCode]: (typeof PROBLEM_KINDS)[C]['status'] extends S ? C : never;
}[ProblemCode];

export const PROBLEM_CODES = Object.keys(PROBLEM_KINDS) as [ProblemCode, ...ProblemCode[]];
export const ProblemCodeSchema = z.enum(PROBLEM_CODES);

/** Where a kind's page is, and its `type`: see the comment at the top. */
export const PROBLEM_PAGES = '/docs/problems';
export const problemType = (code: ProblemCode) => `${PROBLEM_PAGES}/${code}`;
export const isProblemCode = (value: string): value is ProblemCode => Object.hasOwn(PROBLEM_KINDS, value);
