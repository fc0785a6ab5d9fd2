import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { BookbellClient, BookbellProblem } from '../../src/client/index.js';

/** An RFC 9457 problem the API answered with (status 0: no answer at all); `detail` is written for people. */
export { BookbellProblem as ApiError };

/** `err` as a problem to show: a network failure becomes one with status 0. */
export const asApiError = (err: unknown): BookbellProblem =>
  err instanceof BookbellProblem
    ? err
    : new BookbellProblem(0, { title: 'Network error', detail: (err as Error).message });

/** The API through `bookbell/client`, called with the signed-in key as a Bearer token. A 401 ends the session. */
export class Api extends BookbellClient {
  constructor(
    readonly key: string,
    /** Called on any 401: the key was revoked or is unknown. */
    readonly onUnauthorized: (error: BookbellProblem) => void = () => {},
  ) {
    super({
      baseUrl: '',
      apiKey: key,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (response.status === 401) onUnauthorized(await BookbellProblem.from(response.clone()));
        return response;
      },
    });
  }
}

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside a signed-in session');
  return api;
}
