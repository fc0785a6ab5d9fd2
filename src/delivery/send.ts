import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { ForbiddenDestinationError, hostOf, type DestinationPolicy } from './ssrf.js';

/** How a receiver's answer is taken, for the retry decision and the attempt log. */
export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  /** 410 Gone: the endpoint is disabled and the delivery stops. */
  | { kind: 'gone'; statusCode: number }
  /** 3xx (never followed) and 4xx other than 408/429: retrying would not help. */
  | { kind: 'rejected'; statusCode: number }
  /** The URL leads to an address that is not publicly routable (SSRF protection): never sent. */
  | { kind: 'forbidden' }
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

/** Resolution failures as the attempt log names them: retried, since a name may come to resolve (or DNS to answer). */
const DNS_FAILURES: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve (ENOTFOUND)',
  EAI_AGAIN: 'the host name could not be resolved: DNS did not answer in time (EAI_AGAIN)',
};

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

/**
 * Sends signed bodies, only to destinations the policy allows: names are resolved and checked by the policy's
 * lookup, and the connection goes to the address that was checked.
 */
export class EndpointSender {
  private readonly agent: Agent;

  constructor(private readonly destinations: DestinationPolicy) {
    this.agent = new Agent({ connect: { lookup: destinations.lookup }, keepAliveTimeout: 10_000 });
  }

  /**
   * POSTs one signed body; never follows redirects, never throws. `cancel` (the activity's cancellation) cuts the
   * request short like the timeout does.
   */
  async send(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
    cancel?: AbortSignal,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // IP literals skip the lookup: check them here.
    const host = hostOf(new URL(url));
    const literalRefusal = isIP(host) ? this.destinations.literalRefusal(host) : undefined;
    if (literalRefusal) return { outcome: { kind: 'forbidden' }, durationMs: 0, error: literalRefusal };
    try {
      const response = await undiciFetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'user-agent': 'bookbell-webhooks/1', ...headers },
        redirect: 'manual',
        signal: cancel ? AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]) : AbortSignal.timeout(timeoutMs),
        dispatcher: this.agent,
      });
      const text = await readSnippet(response);
      return {
        outcome: classify(response.status, response.headers.get('retry-after')),
        durationMs: elapsed(),
        responseSnippet: text,
      };
    } catch (err) {
      const error = err as Error & { cause?: Error & { code?: string } };
      if (error.cause instanceof ForbiddenDestinationError) {
        return { outcome: { kind: 'forbidden' }, durationMs: elapsed(), error: error.cause.message };
      }
      const code = error.cause?.code;
      const reason =
        error.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : ((code && DNS_FAILURES[code]) ?? code ?? error.message);
      return { outcome: { kind: 'retry' }, durationMs: elapsed(), error: reason };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
