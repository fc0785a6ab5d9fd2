// The benchmarks' CRM: JSON requests to the API through undici's `request` over keep-alive connections, as a
// CRM's integration would make them. Not fetch: its WHATWG streams and Response objects cost about three times the
// CPU per request (src/delivery/send.ts measured it for attempts), and the CRM shares the machine's two cores with
// what the benchmark measures.
import { Agent, request } from 'undici';

export interface CrmResponse {
  status: number;
  /** The parsed JSON body; undefined when empty. */
  body: any;
}

/** One request of the CRM: `headers` adds to the key's authorization (e.g. an idempotency key). */
export type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<CrmResponse>;

// One pool for every API the run starts: sockets are per origin, and closed by the API when it stops.
const agent = new Agent({ keepAliveTimeout: 10_000 });

/** A CRM calling the API at `baseUrl` with the API key `key`. */
export function crmClient(baseUrl: string, key: string): Call {
  return async (method, path, body, headers = {}) => {
    const response = await request(`${baseUrl}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
  };
}
