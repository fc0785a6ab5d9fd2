import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** An RFC 9457 problem the API answered with; `detail` is written for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: Array<{ field: string; message: string }> = [],
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  static async from(response: Response): Promise<ApiError> {
    try {
      const problem = (await response.json()) as { title?: string; detail?: string; errors?: ApiError['errors'] };
      const title = problem.title ?? response.statusText;
      return new ApiError(response.status, title, problem.detail ?? title, problem.errors);
    } catch {
      return new ApiError(response.status, response.statusText, `The server answered ${response.status}.`);
    }
  }
}

/** The API, called with the signed-in key as a Bearer token. A 401 ends the session. */
export class Api {
  constructor(
    readonly key: string,
    /** Called on any 401: the key was revoked or is unknown. */
    readonly onUnauthorized: (error: ApiError) => void = () => {},
  ) {}

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
    if (!response.ok) {
      const error = await ApiError.from(response);
      if (error.status === 401) this.onUnauthorized(error);
      throw error;
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  get = <T>(path: string, signal?: AbortSignal) => this.request<T>('GET', path, undefined, signal);
  post = <T>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  patch = <T>(path: string, body: unknown) => this.request<T>('PATCH', path, body);
}

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside a signed-in session');
  return api;
}
