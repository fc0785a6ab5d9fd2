import type { Problem, ProblemCode } from './types.js';

/**
 * An answer other than 2xx, as the API's RFC 9457 problem: branch on `code` (e.g. `book-sealed`), show `detail`.
 * `code` is null when the answer was not a problem document (a proxy's error page, say); `status` is always set.
 */
export class BookbellProblem extends Error {
  override name = 'BookbellProblem';
  readonly code: ProblemCode | null;
  readonly title: string;
  readonly detail: string;
  /** For invalid input (400): one entry per offending field. */
  readonly errors: Array<{ field: string; message: string }>;

  constructor(
    readonly status: number,
    problem: Partial<Problem>,
    /** The request, e.g. "POST /v1/books/…/seal", for messages and logs. */
    readonly request = '',
  ) {
    const title = problem.title ?? `HTTP ${status}`;
    const detail = problem.detail ?? title;
    super(`${request ? `${request}: ` : ''}${status} ${problem.code ?? title}: ${detail}`);
    this.code = problem.code ?? null;
    this.title = title;
    this.detail = detail;
    this.errors = problem.errors ?? [];
  }

  /** Reads a failed response's body as a problem (or as a plain-text answer when it is not one). */
  static async from(response: Response, request = ''): Promise<BookbellProblem> {
    const text = await response.text().catch(() => '');
    let problem: Partial<Problem> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') problem = parsed;
    } catch {
      problem = { detail: text.slice(0, 200) || `The server answered ${response.status} ${response.statusText}.` };
    }
    return new BookbellProblem(response.status, problem, request);
  }
}

/** Whether `err` is a problem the API answered, optionally of one of `codes`. */
export function isProblem(err: unknown, ...codes: ProblemCode[]): err is BookbellProblem {
  return err instanceof BookbellProblem && (codes.length === 0 || (err.code !== null && codes.includes(err.code)));
}
