import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EndpointFilterSchema,
  FILTER_FIELDS,
  FILTER_MAX_BYTES,
  FILTER_MAX_CONDITIONS,
  FILTER_MAX_DEPTH,
  FILTER_MAX_LIST,
  FILTER_MAX_TEXT,
  type EndpointFilter,
} from '../../src/contract/endpoint-filter.js';
import { CreateEndpointRequestSchema, UpdateEndpointRequestSchema } from '../../src/contract/endpoints.js';
import { describeFilter } from '../../src/contract/filter-text.js';
import { EVENT_TYPES } from '../../src/contract/book.js';
import { filterMatches, type FilterSubject } from '../../src/events/filter.js';
import { buildEventPayload } from '../../src/events/payloads.js';
import { fromRoot } from '../../src/paths.js';
import { syntheticAnalytics, syntheticBook, syntheticEvent } from '../support/synthetic-book.js';

/** The issues of a refused filter as `path: message`, or 'ok'. */
function verdict(filter: unknown): string[] | 'ok' {
  const parsed = EndpointFilterSchema.safeParse(filter);
  return parsed.success ? 'ok' : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
const cond = (n: number) => ({ field: 'metadata.branch', eq: `b${n}` });
const nestedNot = (depth: number): EndpointFilter =>
  depth === 0 ? { field: 'event', exists: true } : { not: nestedNot(depth - 1) };

describe('the filter grammar', () => {
  it('takes the documented example, on create and on PATCH (where null removes the filter)', () => {
    const filter = {
      all: [
        { field: 'result', eq: 'FAILED' },
        { field: 'metadata.branch', in: ['north', 'south'] },
        { field: 'document.mime_type', eq: 'application/pdf' },
        { field: 'document.name', contains: 'statement' },
      ],
    };
    expect(verdict(filter)).toBe('ok');
    const created = CreateEndpointRequestSchema.parse({
      url: 'https://example.com/h',
      events: ['BOOK_COMPLETE'],
      filter,
    });
    expect(created.filter).toEqual(filter);
    expect(UpdateEndpointRequestSchema.parse({ filter: null })).toEqual({ filter: null });
  });

  it('refuses a malformed node, naming the path of the bad part', () => {
    expect(verdict({ all: [{ field: 'result', eq: 'FAIL' }] })).toEqual(['all.0.eq: must be one of SUCCEEDED, FAILED']);
    expect(verdict({ any: [{ field: 'loan_officer', eq: 'ana' }] })[0]).toMatch(
      /^any\.0\.field: must be one of event,/,
    );
    expect(verdict({ not: { field: 'result', eq: 'FAILED', in: ['FAILED'] } })).toEqual([
      'not: a condition takes exactly one operator of eq, in, contains, starts_with, exists, gte, lte',
    ]);
    expect(verdict({ all: [{ field: 'result' }] })[0]).toMatch(/^all\.0: a condition takes exactly one operator/);
    expect(verdict({ all: [cond(1)], eq: 'x' })).toEqual(['eq: belongs in a condition, not a group']);
    expect(verdict({ all: [cond(1)], any: [cond(2)] })[0]).toMatch(/^: must be exactly one of/);
    expect(verdict({ all: [{ ...cond(1), run: 'rm -rf /' }] })).toEqual(['all.0: Unrecognized key: "run"']);
    expect(verdict({ all: [] })).toEqual(['all: Too small: expected array to have >=1 items']);
    expect(verdict('result = FAILED')).toEqual([': Invalid input: expected object, received string']);
  });

  it('takes for each field only the operators and values that suit it', () => {
    expect(verdict({ field: 'book.failed_documents', contains: '1' })).toEqual([
      'contains: book.failed_documents takes eq, in, gte, lte, exists',
    ]);
    expect(verdict({ field: 'book.failed_documents', gte: 1 })).toBe('ok');
    expect(verdict({ field: 'book.failed_documents', eq: '1' })).toEqual(['eq: must be a number']);
    expect(verdict({ field: 'book.has_failed_documents', eq: 'true' })).toEqual(['eq: must be true or false']);
    expect(verdict({ field: 'book.has_failed_documents', in: [1] })).toEqual([
      'in: book.has_failed_documents takes eq, exists',
    ]);
    expect(verdict({ field: 'event', in: ['BOOK_COMPLETE', 'BOOK_DONE'] })).toEqual([
      'in.1: must be one of VERIFICATION_COMPLETE, BOOK_COMPLETE, ANALYTICS_COMPLETED',
    ]);
    expect(verdict({ field: 'result', starts_with: 'F' })).toEqual(['starts_with: result takes eq, in, exists']);
    expect(verdict({ field: 'document.name', gte: 3 })).toEqual([
      'gte: document.name takes eq, in, contains, starts_with, exists',
    ]);
    expect(verdict({ field: 'document.name', eq: 3 })).toEqual(['eq: must be a string']);
    // A metadata value may be any scalar: every operator is taken.
    for (const operator of [
      { eq: true },
      { eq: 3 },
      { in: ['a', 1] },
      { contains: 'a' },
      { lte: 2 },
      { exists: false },
    ]) {
      expect(verdict({ field: 'metadata.x', ...operator })).toBe('ok');
    }
  });

  it('is bounded: depth, conditions, list and text lengths, keys, bytes', () => {
    expect(verdict(nestedNot(FILTER_MAX_DEPTH))).toBe('ok');
    expect(verdict(nestedNot(FILTER_MAX_DEPTH + 1))).toEqual([': must not nest groups more than 4 deep']);
    const conditions = (n: number) => Array.from({ length: n }, (_, i) => cond(i));
    expect(verdict({ any: conditions(FILTER_MAX_CONDITIONS) })).toBe('ok');
    // 21 conditions spread over groups that each hold fewer than 20.
    expect(verdict({ any: [{ all: conditions(11) }, { all: conditions(10) }] })).toEqual([
      ': must hold at most 20 conditions (it has 21)',
    ]);
    expect(verdict({ any: conditions(FILTER_MAX_CONDITIONS + 1) })).toContain(
      'any: Too big: expected array to have <=20 items',
    );
    const list = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(verdict({ field: 'metadata.branch', in: list(FILTER_MAX_LIST) })).toBe('ok');
    expect(verdict({ field: 'metadata.branch', in: list(FILTER_MAX_LIST + 1) })).toEqual([
      'in: Too big: expected array to have <=50 items',
    ]);
    expect(verdict({ field: 'book.name', contains: 'x'.repeat(FILTER_MAX_TEXT) })).toBe('ok');
    expect(verdict({ field: 'book.name', contains: 'x'.repeat(FILTER_MAX_TEXT + 1) })).toEqual([
      'contains: Too big: expected string to have <=256 characters',
    ]);
    expect(verdict({ field: `metadata.${'k'.repeat(64)}`, exists: true })).toBe('ok');
    expect(verdict({ field: `metadata.${'k'.repeat(65)}`, exists: true })[0]).toMatch(/^field: must be one of/);
    // 20 conditions of 256-character texts are within every other bound, not within 4 KiB.
    const big = { all: Array.from({ length: 20 }, () => ({ field: 'book.name', contains: 'é'.repeat(100) })) };
    expect(verdict(big)).toEqual([`: must be at most ${FILTER_MAX_BYTES} bytes of JSON (it is 4729)`]);
  });
});

/** Every kind of event of two real books' bodies: one with a failed document, one without. */
function subjects() {
  const clean = syntheticBook(10, 'Clean book');
  const failing = syntheticBook(50, 'Failing book'); // its 50th document failed
  const doc = { name: 'March statement.pdf', mime_type: 'application/pdf' };
  const ofBook = (book: typeof clean, metadata: FilterSubject['metadata']) => {
    const build = (event: ReturnType<typeof syntheticEvent>, extra = {}) =>
      buildEventPayload(book.bookUuid, event, { bookName: book.bookName, ...extra });
    return {
      succeeded: {
        payload: build(
          syntheticEvent(book, 'VERIFICATION_COMPLETE', { docUuid: book.docs[0]?.uuid, result: 'SUCCEEDED' }),
          {
            docName: doc.name,
          },
        ),
        metadata,
        document: doc,
      },
      failed: {
        payload: build(
          syntheticEvent(book, 'VERIFICATION_COMPLETE', {
            docUuid: book.docs[1]?.uuid,
            result: 'FAILED',
            reason: 'Image unreadable',
          }),
        ),
        metadata,
        // A result whose upload never arrived: no name, no media type.
      },
      complete: { payload: build(syntheticEvent(book, 'BOOK_COMPLETE'), { uploadedDocs: book.docs }), metadata },
      analytics: {
        payload: build(syntheticEvent(book, 'ANALYTICS_COMPLETED'), { analytics: syntheticAnalytics(book) }),
        metadata,
      },
    } satisfies Record<string, FilterSubject>;
  };
  return {
    clean: ofBook(clean, { loan_officer: 'ana', branch: 'north', amount: 1200, priority: true, note: null }),
    failing: ofBook(failing, { loan_officer: 'Bob', branch: 'west' }),
  };
}

describe('the evaluator, against every kind of event', () => {
  const { clean, failing } = subjects();
  const all = { clean, failing };
  /** Which of the eight events (book.kind) a filter takes. */
  const taken = (filter: EndpointFilter | null) =>
    Object.entries(all).flatMap(([book, events]) =>
      Object.entries(events)
        .filter(([, subject]) =>
          filterMatches(EndpointFilterSchema.parse(filter ?? { field: 'event', exists: true }), subject),
        )
        .map(([kind]) => `${book}.${kind}`),
    );
  const everything = [
    'clean.succeeded',
    'clean.failed',
    'clean.complete',
    'clean.analytics',
    'failing.succeeded',
    'failing.failed',
    'failing.complete',
    'failing.analytics',
  ];

  it('takes everything without a filter', () => {
    for (const events of Object.values(all)) {
      for (const subject of Object.values(events)) expect(filterMatches(null, subject)).toBe(true);
    }
    expect(taken(null)).toEqual(everything);
  });

  it('by result: only failed verifications; a field the event lacks meets no condition, and `not` takes it', () => {
    expect(taken({ field: 'result', eq: 'FAILED' })).toEqual(['clean.failed', 'failing.failed']);
    expect(taken({ field: 'result', in: ['SUCCEEDED'] })).toEqual(['clean.succeeded', 'failing.succeeded']);
    expect(taken({ not: { field: 'result', eq: 'SUCCEEDED' } })).toEqual(
      everything.filter((e) => !e.endsWith('.succeeded')),
    );
    expect(taken({ field: 'result', exists: false })).toEqual(everything.filter((e) => /complete|analytics/.test(e)));
    expect(taken({ field: 'reason', contains: 'UNREADABLE' })).toEqual(['clean.failed', 'failing.failed']);
    expect(taken({ field: 'severity', eq: 'MODERATE' })).toEqual([
      'clean.failed',
      'failing.failed',
      'failing.complete',
    ]);
  });

  it('by book: only books with a failed document, their name, their metadata', () => {
    expect(
      taken({
        all: [
          { field: 'event', eq: 'BOOK_COMPLETE' },
          { field: 'book.has_failed_documents', eq: true },
        ],
      }),
    ).toEqual(['failing.complete']);
    // The counts right after each event: the failing book's verifications came before its 50th document failed too.
    expect(taken({ field: 'book.failed_documents', gte: 1 })).toEqual(
      everything.filter((e) => e.startsWith('failing')),
    );
    expect(taken({ field: 'book.name', starts_with: 'clean' })).toEqual(
      everything.filter((e) => e.startsWith('clean')),
    );
    expect(taken({ field: 'metadata.loan_officer', eq: 'ana' })).toEqual(
      everything.filter((e) => e.startsWith('clean')),
    );
    expect(taken({ field: 'metadata.loan_officer', eq: 'ANA' })).toEqual([]); // eq is exact
    expect(taken({ field: 'metadata.loan_officer', starts_with: 'b' })).toEqual(
      everything.filter((e) => e.startsWith('failing')),
    );
    expect(taken({ field: 'metadata.branch', in: ['north', 'south'] })).toEqual(
      everything.filter((e) => e.startsWith('clean')),
    );
    expect(taken({ field: 'metadata.amount', gte: 1000 })).toEqual(everything.filter((e) => e.startsWith('clean')));
    expect(taken({ field: 'metadata.amount', contains: '12' })).toEqual([]); // a number is not text
    expect(taken({ field: 'metadata.priority', eq: true })).toEqual(everything.filter((e) => e.startsWith('clean')));
    expect(taken({ field: 'metadata.note', exists: true })).toEqual([]); // null counts as absent
    expect(taken({ field: 'metadata.toString', exists: true })).toEqual([]); // only the book's own keys
  });

  it('by document: its name and media type, on verification events only', () => {
    expect(taken({ field: 'document.mime_type', eq: 'application/pdf' })).toEqual([
      'clean.succeeded',
      'failing.succeeded',
    ]);
    expect(taken({ field: 'document.name', contains: 'MARCH' })).toEqual(['clean.succeeded', 'failing.succeeded']);
    expect(taken({ field: 'document.name', exists: false })).toEqual(
      everything.filter((e) => !e.endsWith('.succeeded')),
    );
  });

  it('by analytics: balance continuity breaks', () => {
    const breaks = failing.analytics.payload.analytics?.continuity_break_count ?? 0;
    expect(breaks).toBeGreaterThan(0);
    expect(taken({ field: 'analytics.continuity_breaks', gte: 1 })).toEqual(
      [clean, failing].flatMap((book, i) =>
        (book.analytics.payload.analytics?.continuity_break_count ?? 0) >= 1
          ? [`${['clean', 'failing'][i]}.analytics`]
          : [],
      ),
    );
    expect(taken({ field: 'analytics.continuity_breaks', lte: -1 })).toEqual([]);
  });

  it('combines with all / any / not, as the documented example', () => {
    const filter: EndpointFilter = {
      any: [
        {
          all: [
            { field: 'result', eq: 'FAILED' },
            { field: 'metadata.branch', in: ['north', 'south'] },
          ],
        },
        { all: [{ field: 'event', eq: 'BOOK_COMPLETE' }, { not: { field: 'book.has_failed_documents', eq: false } }] },
      ],
    };
    expect(taken(filter)).toEqual(['clean.failed', 'failing.complete']);
  });

  it('documents for each field the events that carry it, and those carry it (when the book has it)', () => {
    // A succeeded verification has no reason; one whose upload never came, no document name or media type.
    const ofType = {
      VERIFICATION_COMPLETE: [clean.succeeded, clean.failed],
      BOOK_COMPLETE: [clean.complete],
      ANALYTICS_COMPLETED: [clean.analytics],
    };
    expect(Object.keys(ofType)).toEqual([...EVENT_TYPES]);
    for (const [name, spec] of Object.entries(FILTER_FIELDS)) {
      for (const [type, events] of Object.entries(ofType)) {
        const present = events.some((subject) => filterMatches({ field: name, exists: true }, subject));
        expect(present, `${name} on ${type}`).toBe((spec.events as readonly string[]).includes(type));
      }
    }
  });
});

describe('a filter in words', () => {
  it('reads as a sentence', () => {
    expect(
      describeFilter({
        all: [
          { field: 'result', eq: 'FAILED' },
          { field: 'metadata.branch', in: ['north', 'south'] },
          {
            any: [
              { field: 'document.name', contains: 'statement' },
              { not: { field: 'book.failed_documents', lte: 0 } },
            ],
          },
        ],
      }),
    ).toBe(
      'result is FAILED and metadata.branch is one of north, south and (document.name contains "statement" or not (book.failed_documents ≤ 0))',
    );
    expect(describeFilter({ field: 'metadata.priority', exists: false })).toBe('metadata.priority is absent');
  });

  it("docs/endpoints.md's example is valid and reads as the docs say", () => {
    const docs = readFileSync(fromRoot('docs/endpoints.md'), 'utf8');
    const section = docs.slice(docs.indexOf('### Filters'));
    const example = /```json\n([\s\S]*?)```\n\nreads "(.*)"\.\n/.exec(section);
    expect(example).not.toBeNull();
    const filter = EndpointFilterSchema.parse(JSON.parse(example?.[1] ?? ''));
    expect(describeFilter(filter)).toBe(example?.[2]);
  });
});
