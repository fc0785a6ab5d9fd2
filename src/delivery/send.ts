/** How a receiver's answer is taken, for the retry decision and the attempt log. */
export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  /** 410 Gone: the endpoint is disabled and the delivery stops. */
  | { kind: 'gone'; statusCode: number }
  /** 3xx (never followed) and 4xx other than 408/429: retrying would not help. */
  | { kind: 'rejected'; statusCode: number }
  /** 408, 429, 5xx, timeouts and connection errors; `retryAfterMs` from the receiver's Retry-After. */
  | { kind: 'retry'; statusCode?: number; retryAfterMs?: number };

export interface AttemptResult {
  outcome: AttemptOutcome;
  durationMs: number;
  error?: string;
  /** The first bytes of the response body (at most RESPONSE_SNIPPET_BYTES of UTF-8), for the attempt log. */
  responseSnippet?: string;
}

export const RESPONSE_SNIPPET_BYTES = 2048;

/** Classifies a receiver's status code. */
export function classify(statusCode: number, retryAfter: string | null, now = Date.now()): AttemptOutcome {
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode };
  if (statusCode === 410) return { kind: 'gone', statusCode };
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return { kind: 'retry', statusCode, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'rejected', statusCode };
}

/** Retry-After as seconds or an HTTP date, in ms from now (undefined when absent or unreadable). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first RESPONSE_SNIPPET_BYTES bytes of a response; the rest is never read (a receiver may answer with a lot). */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A broken response body still leaves the status code to log.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // A multi-byte character cut at the limit decodes as U+FFFD, never as half a character.
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES));
}

/** POSTs one signed body; never follows redirects, never throws. */
export async function sendAttempt(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'bookbell-webhooks/1', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await readSnippet(response);
    return {
      outcome: classify(response.status, response.headers.get('retry-after')),
      durationMs: Math.round(performance.now() - started),
      responseSnippet: text.slice(0, RESPONSE_SNIPPET_BYTES),
    };
  } catch (err) {
    const error = err as Error & { cause?: { code?: string } };
    const reason =
      error.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (error.cause?.code ?? error.message);
    return { outcome: { kind: 'retry' }, durationMs: Math.round(performance.now() - started), error: reason };
  }
}
