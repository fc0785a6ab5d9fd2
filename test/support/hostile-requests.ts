import fc from 'fast-check';
import { ListBooksQuerySchema } from '../../src/contract/book.js';
import { hostile, type HostileRequest } from './hostile-client.js';

/**
 * fast-check generators of hostile requests against the intake API. Every request they make is one the API must
 * refuse (or, for a few safe GETs, answer without changing anything): each carries the statuses it may get.
 */

export interface Route {
  method: string;
  /** OpenAPI form: /v1/books/{book_uuid}. */
  template: string;
}

/** The legitimate state the requests aim at. */
export interface Targets {
  /** A key of the tenant whose state is aimed at. */
  key: string;
  /** A key of another tenant, and a revoked key of the first. */
  strangerKey: string;
  revokedKey: string;
  /** An open book with one uploaded document, and a complete (finished) book. */
  book: string;
  doc: string;
  completeBook: string;
  /** The other tenant's open book. */
  strangerBook: string;
  /** An endpoint and its URL. */
  endpoint: string;
  endpointUrl: string;
  /** Every documented route. */
  routes: Route[];
}

export const CAP = 1024 * 1024;
const JSON_TYPE = { 'content-type': 'application/json' };
/** A public address: only a request's other faults can make a body with it refused. */
export const PUBLIC_URL = 'https://93.184.215.14/bookbell-hooks';
const FRESH_DOC = '3b241101-e2bb-4255-8caf-4136c566a962';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const routeName = (route: Route) => `${route.method} ${route.template}`;
const fill = (template: string, ids: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_match, name: string) => ids[name] ?? '');
const hex = (uuid: string) => uuid.replace(/-/g, '');

/** Percent-encodes every byte of the UTF-8 text except unreserved characters. */
export const encode = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[\w.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');

/** The target's own ids for a route's parameters. */
function ownIds(t: Targets, template: string): Record<string, string> {
  const deliveryId = `evt_bc_${hex(t.completeBook)}.${t.endpoint}`;
  return { book_uuid: t.book, doc_uuid: t.doc, id: template.startsWith('/v1/deliveries/') ? deliveryId : t.endpoint };
}

/** A body the route would take if nothing else were wrong with the request (undefined: it reads none). */
function validBody(route: Route): unknown {
  switch (routeName(route)) {
    case 'POST /v1/books':
      return { name: 'Hostile book', metadata: { loan: 'L-9' } };
    case 'POST /v1/books/{book_uuid}/documents':
      return { doc_uuid: FRESH_DOC, name: 'statement.pdf', mime_type: 'application/pdf', size_bytes: 1024 };
    case 'POST /v1/books/{book_uuid}/documents/{doc_uuid}/verification':
      return { result: 'FAILED', reason: 'Unreadable' };
    case 'POST /v1/endpoints':
      return { url: PUBLIC_URL, events: ['BOOK_COMPLETE'] };
    case 'PATCH /v1/endpoints/{id}':
      return { active: false };
    case 'POST /v1/endpoints/{id}/rotate-secret':
      return {};
    case 'POST /v1/endpoints/{id}/recover':
      return { since: '2026-01-01T00:00:00Z' };
    default:
      return undefined;
  }
}

const withValidBody = (route: Route) => {
  const body = validBody(route);
  return body === undefined ? { headers: {}, body: undefined } : { headers: JSON_TYPE, body: json(body) };
};

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const chars = (from: number, to: number) => fc.integer({ min: from, max: to }).map((c) => String.fromCharCode(c));
/** What a header value may carry on the wire (node:http refuses the rest before sending). */
const headerText = (maxLength: number) =>
  fc.string({ unit: fc.oneof(chars(0x21, 0x7e), chars(0x80, 0xff)), minLength: 1, maxLength });
/** A header value as a raw client sends text: its UTF-8 bytes (node:http writes header strings as latin1). */
const wire = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Text PostgreSQL cannot store (NUL) or that is not Unicode (an unpaired surrogate). */
const unstorable = fc
  .tuple(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800', '\ud83d', 'a\u0000b'),
    fc.string({ maxLength: 12 }),
  )
  .map(([a, b, c]) => `${a}${b}${c}`);

/** Characters that look harmless or like others: direction overrides, zero widths, look-alikes, emoji. */
const TWISTS = [
  '\u202e',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u00a0',
  '\u2028',
  '\u0301',
  '\u{e0001}',
  '\u{10ffff}',
  '🏳️‍🌈',
  '👨‍👩‍👧‍👦',
];
const twisted = (value: string) =>
  fc
    .tuple(fc.constantFrom(...TWISTS), fc.nat({ max: value.length }))
    .map(([twist, at]) => `${value.slice(0, at)}${twist}${value.slice(at)}`);
/** Fullwidth forms, Arabic-Indic digits, Cyrillic look-alikes, a Unicode hyphen: the same text to a reader, not to a parser. */
const lookalike = (value: string) =>
  fc.constantFrom(
    ...[
      value.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
      value.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d))),
      value.replace(/[aecAEC]/g, (c) => ({ a: 'а', e: 'е', c: 'с', A: 'А', E: 'Е', C: 'С' })[c] as string),
      value.replace(/-/g, '\u2010'),
    ].filter((other) => other !== value),
  );

const notString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);
const notObject = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat()),
);
const longText = (min: number) => fc.integer({ min, max: min + 2000 }).map((n) => 'x'.repeat(n));

/** Not a UUID the API takes: another shape, a wrong version or variant, or a look-alike. */
const badUuid = (uuid: string) =>
  fc.oneof(
    fc.constantFrom(
      hex(uuid),
      `{${uuid}}`,
      `urn:uuid:${uuid}`,
      `${uuid} `,
      ` ${uuid}`,
      `${uuid}0`,
      uuid.slice(0, -1),
      `${uuid.slice(0, 14)}0${uuid.slice(15)}`,
      `${uuid.slice(0, 14)}9${uuid.slice(15)}`,
      `${uuid.slice(0, 14)}f${uuid.slice(15)}`,
      `${uuid.slice(0, 19)}0${uuid.slice(20)}`,
      `${uuid.slice(0, 19)}c${uuid.slice(20)}`,
      '00000000-0000-0000-0000-00000000000',
      'not-a-uuid',
      '',
    ),
    twisted(uuid),
    lookalike(uuid),
    notString,
  );

const badName = fc.oneof(notString, fc.constantFrom('', '   ', '\t\n', '\u00a0\u2028'), longText(256), unstorable);
const badDuration = fc.oneof(
  notString,
  fc.constantFrom('0s', '0m', '91d', '999999d', '1w', '30', '30 s', ' 30s', '30S', '-5s', '1.5h', '', 'PT30S', '1e3s'),
  lookalike('30s'),
  twisted('30s'),
);
const badMetadata = fc.oneof(
  notObject,
  fc.constantFrom<unknown>(
    { loan: { nested: true } },
    { loan: ['L-1'] },
    { '': 'empty key' },
    { ['k'.repeat(65)]: 'long key' },
    { loan: 'x'.repeat(1025) },
    Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
  ),
  unstorable.map((value) => ({ loan: value })),
  unstorable.map((key) => ({ [key]: 'value' })),
);
const badMime = fc.oneof(
  notString,
  fc.constantFrom(
    'pdf',
    'application/',
    '/pdf',
    'application/pdf; charset=x',
    'a/b/c',
    '',
    `${'a'.repeat(64)}/${'b'.repeat(64)}`,
  ),
  twisted('application/pdf'),
  lookalike('application/pdf'),
);
const badSize = fc.oneof(
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.double({ min: 0.001, max: 1e12, noInteger: true, noNaN: true }),
  fc.constantFrom<unknown>(10 * 1024 ** 3 + 1, 2 ** 53, 1e300, '1024', null, true, [1024]),
);
const badResult = fc.oneof(
  notString,
  fc.constantFrom('succeeded', 'SUCCESS', 'PASSED', '', 'SUCCEEDED ', ' FAILED', 'FAİLED', 'FAILED\u0000'),
  twisted('SUCCEEDED'),
  lookalike('SUCCEEDED'),
);
const badReason = fc.oneof(notString, fc.constantFrom('', '   '), longText(1001), unstorable);
const badDate = fc.oneof(
  notString,
  fc.constantFrom(
    '2026-02-30',
    '2026-13-01',
    '2026-1-1',
    '20260701',
    '2026-07-01T00:00:00Z',
    '07/01/2026',
    '',
    '0000-00-00',
  ),
  lookalike('2026-07-01'),
  twisted('2026-07-01'),
);
const badMoney = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noInteger: true, noNaN: true }),
  fc.constantFrom<unknown>(
    '1,000.00',
    '12.345',
    '1e3',
    ' 12.00',
    '+12.00',
    '12.',
    '.5',
    'NaN',
    '0x10',
    '99999999999999.00',
    '\u221212.00',
    2 ** 53,
    null,
    true,
    {},
  ),
  lookalike('1000.00'),
);
const STATEMENT = {
  account_id: 'CHK-1',
  period_start: '2026-07-01',
  period_end: '2026-07-31',
  starting_balance: '1000.00',
  ending_balance: '1250.00',
  total_deposits: '3000.00',
  total_withdrawals: '2750.00',
  nsf_count: 0,
};
const badFields = fc.oneof(
  notObject,
  oneFieldWrong(STATEMENT, {
    account_id: fc.oneof(notString, fc.constantFrom('', '  '), longText(65), unstorable),
    period_start: badDate,
    period_end: fc.oneof(badDate, fc.constantFrom('2026-06-30', '2027-12-31')),
    starting_balance: badMoney,
    ending_balance: badMoney,
    total_deposits: fc.oneof(badMoney, fc.constantFrom('-1.00', -100)),
    total_withdrawals: fc.oneof(badMoney, fc.constantFrom('-0.01', -1)),
    nsf_count: fc.oneof(fc.constantFrom<unknown>(-1, 10001, 1.5, '3', null, true), lookalike('3')),
  }),
  fc
    .constantFrom(...Object.keys(STATEMENT))
    .map((missing) => Object.fromEntries(Object.entries(STATEMENT).filter(([key]) => key !== missing))),
  extraKey(STATEMENT),
);

/** SSRF: addresses of this host and its private side, spelled every way a URL parser accepts. */
export const FORBIDDEN_HOSTS = [
  '127.0.0.1',
  '127.1',
  '127.0.1',
  '127.255.255.254',
  '0x7f.1',
  '0x7f000001',
  '0x7F.0.0.1',
  '2130706433',
  '017700000001',
  '0177.0.0.1',
  '127.000.000.001',
  '0',
  '0.0.0.0',
  'localhost',
  'LOCALHOST',
  'LocalHost',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[::ffff:169.254.169.254]',
  '169.254.169.254',
  '0xa9fea9fe',
  '2852039166',
  '0251.0376.0251.0376',
  '169.254.170.2',
  '10.0.0.1',
  '192.168.1.1',
  '172.16.0.1',
  '100.64.0.1',
  '[fd00::1]',
  '[fe80::1]',
  '224.0.0.1',
  '255.255.255.255',
  '198.18.0.1',
  'ⓛⓞⓒⓐⓛⓗⓞⓢⓣ',
  'ｌｏｃａｌｈｏｓｔ',
  '127。0。0。1',
  '１２７.０.０.１',
];
/** URLs that are not http(s), carry credentials, hide a private host, or are too long. */
export const FORBIDDEN_URLS = [
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'ftp://93.184.215.14/',
  'dict://127.0.0.1:11211/stat',
  'ldap://127.0.0.1/',
  'javascript:alert(1)',
  'data:text/plain,hello',
  'ws://93.184.215.14/',
  'wss://93.184.215.14/',
  'netdoc:///etc/passwd',
  'http:127.0.0.1',
  'http:/\\127.0.0.1/',
  'http://127.0.0.1\\@93.184.215.14/',
  'http://localhost:80@93.184.215.14/',
  'https://user:pass@93.184.215.14/',
  'https://93.184.215.14@127.0.0.1/',
  'http://[fe80::1%25eth0]/',
  '//127.0.0.1/',
  '93.184.215.14/hooks',
  '',
  `${PUBLIC_URL}/${'x'.repeat(2100)}`,
  `${PUBLIC_URL}/\u0000`,
];
const ssrfUrl = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        scheme: fc.constantFrom('http', 'https', 'HTTP', 'hTtPs'),
        host: fc.constantFrom(...FORBIDDEN_HOSTS),
        port: fc.constantFrom('', ':80', ':443', ':6379', ':8080', ':65535'),
        path: fc.constantFrom('/', '/latest/meta-data/iam/', '/hooks?x=1', '#frag', '/%2e%2e/admin'),
      })
      .map(({ scheme, host, port, path }) => `${scheme}://${host}${port}${path}`),
  },
  { weight: 1, arbitrary: fc.constantFrom(...FORBIDDEN_URLS) },
);
const badEvents = fc.oneof(
  fc.constantFrom<unknown>(
    [],
    ['UNKNOWN'],
    ['BOOK_COMPLETE', 'BOOK_COMPLETE'],
    'BOOK_COMPLETE',
    [null],
    [1],
    ['book_complete'],
    null,
    {},
  ),
  twisted('BOOK_COMPLETE').map((event) => [event]),
);
const badDescription = fc.oneof(notString, fc.constantFrom('ab', '  ab  ', ''), longText(256), unstorable);
const badStandardSecret = fc.oneof(
  notString,
  fc.constantFrom('whsec_short', 'x'.repeat(15), 'x'.repeat(129), `whsec_${'A'.repeat(31)}`, `WHSEC_${'A'.repeat(40)}`),
  fc.string({ minLength: 16, maxLength: 40 }).filter((s) => !s.startsWith('whsec_')),
  unstorable,
);
const badSecret = fc.oneof(notString, longText(129), fc.constantFrom('', 'x'.repeat(15)), unstorable);
const badSince = fc.oneof(
  notString,
  fc.constantFrom(
    'yesterday',
    '2026-01-01',
    '2026-02-30T00:00:00Z',
    '2026-01-01T00:00:00',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
    '2026-01-01T00:00:00+99:99',
    '',
  ),
  lookalike('2026-01-01T00:00:00Z'),
);

/** The base body with one field replaced by a value that field must refuse. */
function oneFieldWrong(base: Record<string, unknown>, bad: Record<string, fc.Arbitrary<unknown>>) {
  return fc.oneof(...Object.entries(bad).map(([field, value]) => value.map((wrong) => ({ ...base, [field]: wrong }))));
}

/** The base body with a field its schema does not know. */
function extraKey(base: Record<string, unknown>) {
  return fc
    .tuple(
      fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('__proto__', 'constructor', 'tenant_id', 'status')),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .filter(([key]) => !Object.hasOwn(base, key))
    .map(([key, value]) => {
      const body = { ...base };
      Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });
      return body;
    });
}

/** Request bodies each body-reading route must refuse, per route: wrong types and shapes, unicode tricks. */
function badBodies(t: Targets): Array<{ template: string; method: string; body: fc.Arbitrary<unknown> }> {
  const createBook = { book_uuid: t.book, name: 'Another name', metadata: { loan: 'L-2' }, seal_after: '1h' };
  const upload = { doc_uuid: t.doc, name: 'renamed.pdf', mime_type: 'application/pdf', size_bytes: 2048 };
  const verification = { result: 'SUCCEEDED', reason: 'Readable', fields: STATEMENT };
  const createEndpoint = { url: t.endpointUrl, events: ['VERIFICATION_COMPLETE'], description: 'Second endpoint' };
  return [
    {
      method: 'POST',
      template: '/v1/books',
      body: fc.oneof(
        notObject,
        oneFieldWrong(createBook, {
          book_uuid: badUuid(t.book),
          name: badName,
          metadata: badMetadata,
          seal_after: badDuration,
        }),
        extraKey(createBook),
      ),
    },
    {
      method: 'POST',
      template: '/v1/books/{book_uuid}/documents',
      body: fc.oneof(
        notObject,
        oneFieldWrong(upload, { doc_uuid: badUuid(t.doc), name: badName, mime_type: badMime, size_bytes: badSize }),
        extraKey(upload),
      ),
    },
    {
      method: 'POST',
      template: '/v1/books/{book_uuid}/documents/{doc_uuid}/verification',
      body: fc.oneof(
        notObject,
        oneFieldWrong(verification, { result: badResult, reason: badReason, fields: badFields }),
        extraKey(verification),
      ),
    },
    {
      method: 'POST',
      template: '/v1/endpoints',
      body: fc.oneof(
        notObject,
        oneFieldWrong(createEndpoint, {
          url: fc.oneof(ssrfUrl, notString),
          events: badEvents,
          description: badDescription,
          signature_scheme: fc.oneof(notString, fc.constantFrom('STANDARD', 'hmac', '')),
          secret: badStandardSecret,
          email: fc.constantFrom('ops@example.com', 'not-an-email', 'a@b', '"a b"@example.com'),
        }),
        fc.record({ events: fc.constant(['BOOK_COMPLETE']), email: fc.constantFrom('ops@example.com', 'x@y.z') }),
        extraKey(createEndpoint),
      ),
    },
    {
      method: 'PATCH',
      template: '/v1/endpoints/{id}',
      body: fc.oneof(
        notObject,
        fc.constant({}),
        oneFieldWrong(
          {},
          {
            url: fc.oneof(ssrfUrl, notString),
            email: fc.constantFrom('ops@example.com', 'not-an-email'),
            events: badEvents,
            description: badDescription,
            active: fc.constantFrom<unknown>('true', 1, null, 'yes', []),
          },
        ),
        extraKey({ description: 'Renamed' }),
      ),
    },
    {
      method: 'POST',
      template: '/v1/endpoints/{id}/rotate-secret',
      body: fc.oneof(fc.array(fc.nat(), { maxLength: 2 }), oneFieldWrong({}, { secret: badSecret }), extraKey({})),
    },
    {
      method: 'POST',
      template: '/v1/endpoints/{id}/recover',
      body: fc.oneof(notObject, oneFieldWrong({}, { since: badSince }), extraKey({ since: '2026-01-01T00:00:00Z' })),
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile headers

/** An Authorization header that must not authenticate. */
function badAuthorization(t: Targets): fc.Arbitrary<Record<string, string | string[]>> {
  const unknownKey = fc
    .string({ unit: fc.constantFrom(...BASE62), minLength: 32, maxLength: 32 })
    .map((key) => `Bearer bb_${key}`);
  return fc.oneof(
    fc.constant({}),
    fc
      .constantFrom(
        '',
        'Bearer',
        'Bearer ',
        'bearer',
        'Basic Ym9iOnNlY3JldA==',
        'Token abc',
        'Bearer null',
        'Bearer bb_',
        `Bearer ${t.revokedKey}`,
        `bearer ${t.revokedKey}`,
        `Bearer ${t.key}x`,
        `Bearer ${t.key.slice(0, -1)}`,
        `Bearer ${t.key},${t.key}`,
        `Bearer ${t.key} ${t.key}`,
        `Basic ${t.key}`,
        t.key,
        `Bearer "${t.key}"`,
        `Bearer ${t.key.toUpperCase()}`,
        `Bearer ${t.key}\u00a0`,
        `Bearer ${'a'.repeat(8000)}`,
      )
      .map((authorization) => ({ authorization })),
    unknownKey.map((authorization) => ({ authorization })),
    headerText(200).map((junk) => ({ authorization: `Bearer ${junk}` })),
    // node keeps the first of repeated Authorization headers.
    unknownKey.map((first) => ({ authorization: [first, `Bearer ${t.key}`] })),
  );
}

/** A Last-Event-ID that is not a position this stream issued (never empty: that would open the stream). */
const badLastEventIdText = fc.oneof(
  fc.constantFrom(
    'x',
    '-1',
    '1',
    '1-',
    '-1-1',
    '1-2-3',
    '18446744073709551616-1',
    '1-9223372036854775808',
    `${'9'.repeat(21)}-1`,
    '1 - 2',
    "1' OR '1'='1",
    '%00',
    'null',
  ),
  lookalike('12-34'),
  headerText(64).filter((value) => !/^\d{1,20}-\d{1,19}$/.test(value.trim()) && value.trim() !== ''),
);
const badLastEventId = badLastEventIdText.map(wire);

/** Headers a hostile client adds to anything; none of them may change an answer's kind. */
const noise = fc.record(
  {
    'x-request-id': fc.oneof(fc.constantFrom('../../etc/passwd', '<script>', 'a'.repeat(300)), headerText(64)),
    'last-event-id': badLastEventId,
    accept: fc.constantFrom('*/*', 'text/event-stream', 'application/xml', 'application/json;q=0', '\u00ff'),
    'x-forwarded-for': fc.constantFrom('127.0.0.1', '::1', '169.254.169.254'),
    'x-tenant-id': fc.constantFrom('other', '../t', '*'),
    cookie: headerText(100),
  },
  { requiredKeys: [] },
);

const badIdempotencyKey = fc.oneof(
  fc.constantFrom('a b', 'x'.repeat(256), '\u00e9t\u00e9', 'key\ttab', '\u00ff', 'a\u0080b'),
  fc.tuple(headerText(20), fc.constantFrom(' ', '\t', '\u00e9', '\u00a0'), headerText(20)).map((p) => p.join('')),
);
const idempotencyKey = fc.uuid().map((uuid) => `hostile-${uuid}`);

// ---------------------------------------------------------------------------------------------------------------
// The generators, one per kind of hostility

type Gen = fc.Arbitrary<HostileRequest>;

const withRoute = (routes: Route[]) => fc.constantFrom(...routes);
const methodsOf = (route: Route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]);
const isStream = (route: Route) => route.template.endsWith('/stream');
const hasParams = (route: Route) => route.template.includes('{');

/** Any route, any body, any method it takes: no valid key, so a 401. */
function unauthenticated(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(t.routes.filter((r) => r.template.startsWith('/v1/'))),
      auth: badAuthorization(t),
      noise,
      options: fc.boolean(),
      methodPick: fc.nat(),
    })
    .map(({ route, auth, noise: extra, options, methodPick }) => {
      const methods = methodsOf(route);
      const method = options ? 'OPTIONS' : (methods[methodPick % methods.length] as string);
      const { headers, body } = withValidBody(route);
      return hostile({
        kind: 'unauthenticated',
        route: routeName(route),
        method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: { ...extra, ...headers, ...auth },
        body: method === 'OPTIONS' ? undefined : body,
        expect: [401],
      });
    });
}

/** Another tenant's key on this tenant's things, and this tenant's key on the other's book: a 404. */
function crossTenant(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(t.routes.filter(hasParams)),
      direction: fc.constantFrom('stranger-key', 'stranger-book'),
      noise,
    })
    .filter(({ route, direction }) => direction === 'stranger-key' || route.template.startsWith('/v1/books/'))
    .map(({ route, direction, noise: extra }) => {
      const ids = ownIds(t, route.template);
      const key = direction === 'stranger-key' ? t.strangerKey : t.key;
      if (direction === 'stranger-book') ids.book_uuid = t.strangerBook;
      const { headers, body } = withValidBody(route);
      // A stream with a resume position skips the snapshot; without one, the book is still looked up first.
      const rest: Record<string, string> = { ...extra };
      delete rest['last-event-id'];
      return hostile({
        kind: 'cross-tenant',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ids),
        headers: { ...(isStream(route) ? rest : extra), ...headers, ...bearer(key) },
        body,
        expect: [404],
      });
    });
}

/**
 * Ids that are not ids: traversal, encodings, NULs, wrong UUID versions, unknown ones. Never empty: /v1/books/ is
 * the list.
 */
function junkId(existing: string): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom(
        '..',
        '.',
        '..%2f..%2fhealthz',
        '..%2F..%2Fendpoints',
        '%2e%2e',
        '%2e%2e%2f%2e%2e%2fendpoints',
        '..%5c..%5c',
        '%252e%252e%252f',
        '%c0%ae%c0%ae%c0%af',
        '%e0%80%ae%e0%80%ae',
        '%ef%bc%8e%ef%bc%8e%ef%bc%8f',
        '%00',
        '%ed%a0%80',
        '%ff%fe',
        '%f0%9f%98%80',
        'null',
        'undefined',
        '0',
        '-1',
        "'%20OR%201=1--",
        '%7b%7b7*7%7d%7d',
        '$(id)',
        '*',
        '%0d%0aX-Injected:%201',
        '....//....//',
        '%u002e%u002e',
        '\u00ff\u00fe',
        `${existing}%00`,
        `${existing}%2500`,
        `${existing}%20`,
        `%20${existing}`,
        `${existing}%2f`,
        `${existing}%2f..`,
        `${existing}.json`,
        `${existing};a=b`,
        `..%2f${existing}`,
        `${existing}%0a`,
        `%7b${existing}%7d`,
        `urn:uuid:${existing}`,
        existing.repeat(50),
      ),
      badUuid(existing)
        .filter((value): value is string => typeof value === 'string')
        .map(encode),
      fc.uuid().map(String),
      fc.string({ unit: 'binary', maxLength: 40 }).map(encode),
    )
    .filter((junk) => junk !== '');
}

/** This tenant's key, a route's first id replaced by junk: a 400 or a 404, whatever the body. */
function badIds(t: Targets): Gen {
  return fc.record({ route: withRoute(t.routes.filter(hasParams)), noise }).chain(({ route, noise: extra }) => {
    const ids = ownIds(t, route.template);
    const first = /\{(\w+)\}/.exec(route.template)?.[1] as string;
    return junkId(ids[first] as string).map((junk) => {
      const { headers, body } = withValidBody(route);
      return hostile({
        kind: 'bad-ids',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, { ...ids, [first]: junk }),
        headers: { ...extra, ...headers, ...bearer(t.key) },
        body,
        expect: [400, 404],
      });
    });
  });
}

const bodyRoutes = (t: Targets) => t.routes.filter((r) => r.method === 'POST' || r.method === 'PATCH');

/** Text that is not JSON, or JSON that is not an object or array. */
const malformedJson = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"name":',
    '{"name":"x"',
    "{'name':'x'}",
    '{name:"x"}',
    '{"name":"x",}',
    '[1,2,]',
    '{"name":"x"} trailing',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":undefined}',
    '/* comment */{}',
    '{"name":"\\x41"}',
    '{"name":"\\u12"}',
    '{"name":"tab\there"}',
    '"just a string"',
    'null',
    'true',
    '42',
    '{"a":1}{"b":2}',
    '{"name":"x"}\u0000',
    '<?xml version="1.0"?><book/>',
    'name=x&metadata=y',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).filter((text) => !parsesAsObject(text)),
  fc
    .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat())
    .map(([value, cut]) => {
      const text = JSON.stringify(value) ?? 'null';
      return text.slice(0, 1 + (cut % Math.max(1, text.length - 1)));
    })
    .filter((text) => !parsesAsObject(text)),
);

/** As the body parser sees it: a leading BOM is dropped, and only an object or array is JSON. */
function parsesAsObject(raw: string): boolean {
  const text = raw.replace(/^\ufeff/, '');
  if (!/^[ \t\n\r]*[{[]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every body-reading route with a body that is not a JSON object or array: a 400 before anything runs. */
function malformedBodies(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(bodyRoutes(t)),
      text: malformedJson,
      type: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/problem+json'),
      idempotency: fc.option(idempotencyKey, { nil: undefined }),
      noise,
    })
    .map(({ route, text, type, idempotency, noise: extra }) =>
      hostile({
        kind: 'malformed-json',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: {
          ...extra,
          'content-type': type,
          ...bearer(t.key),
          ...(idempotency ? { 'idempotency-key': idempotency } : {}),
        },
        body: Buffer.from(text, 'utf8'),
        expect: [400],
      }),
    );
}

/** JSON nested thousands of levels deep, whole or unclosed, alone or inside a field. */
function deepBodies(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(bodyRoutes(t)),
      // Up to 120,000 levels stays under the 1 MB cap in every shape (8 bytes a level at most).
      depth: fc.oneof(fc.integer({ min: 33, max: 3000 }), fc.integer({ min: 3000, max: 120_000 })),
      shape: fc.constantFrom('array', 'object', 'in-field', 'unclosed', 'mixed'),
      idempotency: fc.option(idempotencyKey, { nil: undefined }),
    })
    .map(({ route, depth, shape, idempotency }) => {
      const text =
        shape === 'array'
          ? `${'['.repeat(depth)}${']'.repeat(depth)}`
          : shape === 'object'
            ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
            : shape === 'in-field'
              ? `{"name":"x","metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
              : shape === 'unclosed'
                ? '['.repeat(depth)
                : `${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`;
      return hostile({
        kind: 'deep-json',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: { ...JSON_TYPE, ...bearer(t.key), ...(idempotency ? { 'idempotency-key': idempotency } : {}) },
        body: Buffer.from(text),
        expect: [400],
      });
    });
}

/** One field of a valid body wrong (type, shape, range, unicode), or an unknown field: a 400 (or 409). */
function wrongFields(t: Targets): Gen {
  return fc.constantFrom(...badBodies(t)).chain(({ method, template, body }) =>
    fc
      .record({ body, idempotency: fc.option(idempotencyKey, { nil: undefined }), noise })
      .map(({ body: value, idempotency, noise: extra }) =>
        hostile({
          kind: 'wrong-fields',
          route: `${method} ${template}`,
          method,
          path: fill(template, ownIds(t, template)),
          headers: {
            ...extra,
            ...JSON_TYPE,
            ...bearer(t.key),
            ...(idempotency ? { 'idempotency-key': idempotency } : {}),
          },
          body: json(value),
          // The bases name this tenant's book and endpoint URL: were every field right, a 409.
          expect: [400, 409],
        }),
      ),
  );
}

/** Bytes that are not UTF-8 (overlong forms, encoded surrogates, stray continuation bytes) in format fields. */
function invalidUtf8(t: Targets): Gen {
  const sequences = [
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xff],
    [0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
  ];
  const targets = [
    { template: '/v1/books', body: { book_uuid: '@', name: 'Book' } },
    { template: '/v1/books/{book_uuid}/documents', body: { doc_uuid: '@', name: 'a.pdf' } },
    { template: '/v1/books/{book_uuid}/documents/{doc_uuid}/verification', body: { result: 'FAILED@' } },
    {
      template: '/v1/books/{book_uuid}/documents/{doc_uuid}/verification',
      body: { result: 'SUCCEEDED', fields: { ...STATEMENT, period_start: '2026-07-0@' } },
    },
    { template: '/v1/endpoints', body: { url: 'http://127.0.0.@/', events: ['BOOK_COMPLETE'] } },
  ];
  return fc
    .record({ target: fc.constantFrom(...targets), bytes: fc.constantFrom(...sequences) })
    .map(({ target, bytes }) => {
      const [before, after] = JSON.stringify(target.body).split('@') as [string, string];
      return hostile({
        kind: 'invalid-utf8',
        route: `POST ${target.template}`,
        method: 'POST',
        path: fill(target.template, ownIds(t, target.template)),
        headers: { ...JSON_TYPE, ...bearer(t.key) },
        body: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]),
        expect: [400],
      });
    });
}

/** Bodies near and above the 1 MB cap, in one- to four-byte characters. */
function hugeBodies(t: Targets): Gen {
  const readers: Array<{ template: string; method: string; field: string }> = [
    { method: 'POST', template: '/v1/books', field: 'name' },
    { method: 'POST', template: '/v1/books/{book_uuid}/documents', field: 'name' },
    { method: 'POST', template: '/v1/books/{book_uuid}/documents/{doc_uuid}/verification', field: 'reason' },
    { method: 'PATCH', template: '/v1/endpoints/{id}', field: 'description' },
  ];
  return fc
    .record({
      size: fc.oneof(
        fc.integer({ min: CAP - 64, max: CAP + 64 }),
        fc.integer({ min: CAP - 300_000, max: CAP + 600_000 }),
      ),
      filler: fc.constantFrom('x', 'é', '€', '😀', '\\u202e'),
      reader: fc.constantFrom(...readers),
      other: withRoute(bodyRoutes(t)),
      variant: fc.constantFrom('plain', 'plain', 'plain', 'chunked', 'no-key', 'text/plain'),
    })
    .map(({ size, filler, reader, other, variant }) => {
      // Up to the cap only a field that is read can refuse it; above it, any route must.
      const target = size <= CAP ? reader : { ...other, field: 'name' };
      const prefix = `{"${target.field}":"`;
      const room = size - Buffer.byteLength(prefix) - 2;
      const unit = Buffer.byteLength(filler);
      const text = `${prefix}${filler.repeat(Math.floor(room / unit))}${'x'.repeat(room % unit)}"}`;
      const headers: Record<string, string> = {
        'content-type': variant === 'text/plain' ? 'text/plain' : 'application/json',
        ...(variant === 'no-key' ? {} : bearer(t.key)),
        ...(variant === 'chunked' ? { 'transfer-encoding': 'chunked' } : {}),
      };
      const expect = variant === 'no-key' ? [401] : variant === 'text/plain' ? [415] : size > CAP ? [413] : [400];
      return hostile({
        kind: 'huge-body',
        route: `${target.method} ${target.template}`,
        method: target.method,
        path: fill(target.template, ownIds(t, target.template)),
        headers,
        body: Buffer.from(text),
        expect,
      });
    });
}

/** A valid body with no or a wrong Content-Type, on any route and method that could carry one: a 415. */
function wrongContentTypes(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(t.routes.filter((r) => !isStream(r))),
      type: fc.option(
        fc.constantFrom(
          'text/plain',
          'text/plain; charset=utf-8',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
          'text/json',
          'application/jsonx',
          'json',
          'application/',
          '*/*',
          'application/octet-stream',
          'application/x-ndjson',
          'application/json-seq',
          ';;;',
          'application/json, text/plain',
          'text/html',
        ),
        { nil: undefined },
      ),
    })
    .map(({ route, type }) => {
      const body = json(validBody(route) ?? { name: 'x' });
      return hostile({
        kind: 'wrong-content-type',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: { ...(type === undefined ? {} : { 'content-type': type }), ...bearer(t.key) },
        body,
        expect: [415],
      });
    });
}

/** An invalid Idempotency-Key on an otherwise fine POST: a 400 before the route runs. */
function badIdempotencyKeys(t: Targets): Gen {
  return fc
    .record({ route: withRoute(t.routes.filter((r) => r.method === 'POST')), key: badIdempotencyKey })
    .map(({ route, key }) => {
      const { headers, body } = withValidBody(route);
      return hostile({
        kind: 'bad-idempotency-key',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: { ...headers, ...bearer(t.key), 'idempotency-key': key },
        body,
        expect: [400],
      });
    });
}

/** A body in a Content-Encoding it is not in, or that inflates past the cap. */
function badEncodings(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(bodyRoutes(t)),
      encoding: fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'gzip, gzip', 'x-unknown', 'zstd'),
    })
    .map(({ route, encoding }) =>
      hostile({
        kind: 'bad-encoding',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: { ...JSON_TYPE, ...bearer(t.key), 'content-encoding': encoding },
        body: json(validBody(route) ?? { name: 'x' }),
        expect: [400, 415],
      }),
    );
}

const NON_V1 = ['/healthz', '/readyz', '/openapi.json', '/docs', '/metrics'];
const EXOTIC_METHODS = ['PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'PURGE', 'SEARCH', 'REPORT', 'TRACE'];

/** A method a path does not take (standard or WebDAV-ish): a 405. */
function wrongMethods(t: Targets): Gen {
  const byPath = new Map<string, Set<string>>();
  for (const route of t.routes) {
    const methods = byPath.get(route.template) ?? new Set<string>();
    methods.add(route.method);
    byPath.set(route.template, methods);
  }
  for (const path of NON_V1) byPath.set(path, byPath.get(path) ?? new Set(['GET']));
  const pairs = [...byPath].flatMap(([template, allowed]) =>
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', ...EXOTIC_METHODS]
      .filter((method) => !allowed.has(method) && !(method === 'HEAD' && allowed.has('GET')))
      .map((method) => ({ template, method })),
  );
  return fc.record({ pair: fc.constantFrom(...pairs), withBody: fc.boolean() }).map(({ pair, withBody }) =>
    hostile({
      kind: 'wrong-method',
      route: `${pair.method} ${pair.template}`,
      method: pair.method,
      path: fill(pair.template, ownIds(t, pair.template)),
      headers: { ...(withBody ? JSON_TYPE : {}), ...(pair.template.startsWith('/v1/') ? bearer(t.key) : {}) },
      body: withBody ? json({ name: 'x' }) : undefined,
      expect: [405],
    }),
  );
}

/** Paths that are no route: other versions, dotfiles, traversal, case games, random segments. */
function unknownRoutes(t: Targets): Gen {
  const patterns = [...t.routes.map((r) => r.template), ...NON_V1].map(
    (template) => new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}/?$`, 'i'),
  );
  const isRoute = (path: string) => patterns.some((pattern) => pattern.test(path.split('?')[0] as string));
  const known = fc.constantFrom(
    '/',
    '/v1',
    '/v1/',
    '/v2/books',
    '/v0/books',
    '/api/v1/books',
    '/admin',
    '/.env',
    '/.git/config',
    '/v1/admin',
    '/v1/tenants',
    '/v1/api-keys',
    '/v1/books/%2e%2e/%2e%2e/healthz',
    '/v1/../healthz',
    '/v1/..%2fhealthz',
    '/v1//books',
    '/v1/books//',
    `/v1/books/${t.book}/unknown`,
    `/v1/books/${t.book}/documents/${t.doc}`,
    `/v1/endpoints/${t.endpoint}/secret`,
    '/%76%31/books',
    '/v1%2fbooks',
    '/v1;/books',
    '/v1/books;x=1',
    '/\u00ff',
    '/%ff',
    '/%00',
    '/*',
    '/healthz/../v1/books',
  );
  const randomPath = fc
    .record({
      base: fc.constantFrom('/v1/', '/'),
      segments: fc.array(
        fc.oneof(
          fc.constantFrom('books', 'endpoints', 'deliveries', 'documents', '..', '.', '%2e', 'stream', 'x'),
          fc.string({ unit: 'binary', maxLength: 12 }).map(encode),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    })
    .map(({ base, segments }) => `${base}${segments.join('/')}`)
    .filter((path) => !path.startsWith('/console') && !path.startsWith('/metrics'));
  return fc
    .record({
      path: fc.oneof(known, randomPath).filter((path) => !isRoute(path)),
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'PROPFIND'),
      keyed: fc.boolean(),
      idempotency: fc.option(idempotencyKey, { nil: undefined }),
    })
    .map(({ path, method, keyed, idempotency }) => {
      const v1 = path.startsWith('/v1/') || path === '/v1';
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? json({ name: 'x' }) : undefined;
      const notImplemented = method === 'PROPFIND' ? [405] : [];
      return hostile({
        kind: 'unknown-route',
        route: 'unknown',
        method,
        path,
        headers: {
          ...(body ? JSON_TYPE : {}),
          ...(keyed ? bearer(t.key) : {}),
          ...(idempotency && keyed ? { 'idempotency-key': idempotency } : {}),
        },
        body,
        // Bytes that are not URL characters never reach the app: node's parser refuses them (400).
        expect: /[^\x21-\x7e]/.test(path) ? [400] : v1 && !keyed ? [401] : [404, ...notImplemented],
      });
    });
}

/** The API's paths in other letter cases, without a valid key: never served. */
function caseGames(t: Targets): Gen {
  return fc
    .record({
      route: withRoute(t.routes.filter((r) => r.template.startsWith('/v1/'))),
      mask: fc.nat(),
      auth: badAuthorization(t),
    })
    .map(({ route, mask, auth }) => {
      const path = fill(route.template, ownIds(t, route.template));
      // Flip the case of some letters of the fixed part (ids are compared case-insensitively anyway).
      let flipped = [...path].map((c, i) => (i < 12 && (mask >> i) & 1 ? c.toUpperCase() : c)).join('');
      if (flipped === path) flipped = `/V1${path.slice(3)}`;
      const { headers, body } = withValidBody(route);
      return hostile({
        kind: 'path-case',
        route: routeName(route),
        method: route.method,
        path: flipped,
        headers: { ...headers, ...auth },
        body,
        expect: [401, 404],
      });
    });
}

/** Endpoint URLs leading to this host or its private network, by POST and by PATCH: a 400 naming url. */
function ssrf(t: Targets): Gen {
  return fc
    .record({
      url: ssrfUrl,
      patch: fc.boolean(),
      extra: fc.record(
        { description: fc.constant('Internal'), signature_scheme: fc.constantFrom('standard', 'ocrolus') },
        { requiredKeys: [] },
      ),
    })
    .map(({ url, patch, extra }) =>
      hostile({
        kind: 'ssrf',
        route: patch ? 'PATCH /v1/endpoints/{id}' : 'POST /v1/endpoints',
        method: patch ? 'PATCH' : 'POST',
        path: patch ? `/v1/endpoints/${t.endpoint}` : '/v1/endpoints',
        headers: { ...JSON_TYPE, ...bearer(t.key) },
        body: json(patch ? { url } : { url, events: ['BOOK_COMPLETE', 'ANALYTICS_COMPLETED'], ...extra }),
        expect: [400],
      }),
    );
}

/** Query strings the GET routes must refuse: bad limits, statuses, cursors, unknown and repeated parameters. */
function badQueries(t: Targets): Gen {
  const enc = (value: string) => encode(value);
  const badLimit = fc
    .constantFrom('0', '101', '-1', 'abc', '1.5', '1e3', 'NaN', 'Infinity', '', '\u0661\u0660', '\u0000')
    .map(enc);
  const forgedCursor = fc
    .record({
      createdAt: fc.oneof(
        fc.constantFrom<unknown>(
          '1',
          'March 7',
          '2026-02-30T00:00:00.000000Z',
          '0000-01-01T00:00:00.000000Z',
          '+275760-09-13T00:00:00.000Z',
          '-271821-04-20T00:00:00.000Z',
          '2026-01-01T24:00:00.000000Z',
          'Tue Mar 01 2026',
          5,
          null,
          [],
        ),
        fc.string({ maxLength: 30 }),
      ),
      bookUuid: fc.oneof(fc.constant(t.book), fc.constantFrom<unknown>("' or 1=1 --", 5, null)),
    })
    .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url'));
  const cursor = fc.oneof(
    forgedCursor,
    fc.string({ unit: fc.constantFrom(...`${BASE62}-_`), minLength: 1, maxLength: 200 }),
    fc.constantFrom('x'.repeat(201), 'a b', '%00', 'eyJ9', 'bnVsbA', 'W10'),
  );
  const books = fc.oneof(
    badLimit.map((v) => `limit=${v}`),
    fc
      .oneof(fc.constantFrom('upload', 'UPLOAD ', 'DELETED', '', 'UPLOAD,SEALED'), twisted('UPLOAD'))
      .map((v) => `status=${enc(v)}`),
    cursor.map((v) => `cursor=${v.startsWith('%') ? v : enc(v)}`),
    fc.constantFrom('limit=1&limit=2', 'status=UPLOAD&status=SEALED', 'cursor=a&cursor=b', 'limit[]=1', 'limit[$gt]=0'),
    fc.constantFrom('', '%20%20', 'x'.repeat(201), '%00', 'a%00b', '%ed%a0%80%00').map((v) => `q=${v}`),
    fc
      .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
      .filter(([key]) => !Object.hasOwn(ListBooksQuerySchema.shape, key))
      .map(([key, value]) => `limit=5&${enc(key)}=${enc(value)}`),
  );
  // The other lists' cursors: [list, scope, ...key], each part forged (no key here is one a list could issue).
  const forgedListCursor = fc
    .tuple(
      fc.constantFrom(
        'documents',
        'book-events',
        'book-deliveries',
        'endpoint-deliveries',
        'attempts',
        'endpoints',
        'x',
      ),
      fc.constantFrom<unknown>(t.book, t.endpoint, '', null),
      fc.array(
        fc.oneof(
          fc.constantFrom<unknown>(
            '0',
            '-1',
            '99999999999999999999',
            '2026-02-30T00:00:00.000000Z',
            '0000-01-01T00:00:00.000000Z',
            "' or 1=1 --",
            null,
            0,
            1.5,
            2_147_483_648,
            [],
            {},
          ),
          fc.string({ maxLength: 30 }).filter((v) => !/^[1-9]\d{0,17}$/.test(v)),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([list, scope, key]) => Buffer.from(JSON.stringify([list, scope, ...key])).toString('base64url'));
  const listCursor = fc.oneof(cursor, forgedListCursor).map((v) => `cursor=${v.startsWith('%') ? v : enc(v)}`);
  const paged = fc.oneof(
    badLimit.map((v) => `limit=${v}`),
    listCursor,
    fc.constantFrom('cursor=a&cursor=b', 'limit=1&limit=2', 'after=1', 'x=1'),
  );
  const deliveries = fc.oneof(
    badLimit.map((v) => `limit=${v}`),
    listCursor,
    fc.constantFrom('status=pending', 'status=', 'status=DONE', 'status=PENDING&status=FAILED', 'since=1', 'x=1'),
  );
  const operational = fc.oneof(
    badLimit.map((v) => `limit=${v}`),
    listCursor,
    fc.constantFrom('type=x', 'limit=1&limit=2'),
  );
  const stream = fc.oneof(
    badLastEventIdText.map((v) => `last_event_id=${enc(v)}`),
    fc.constant('last_event_id=1-1&last_event_id=2-2'),
  );
  const choices: Array<fc.Arbitrary<{ route: string; path: string }>> = [
    books.map((q) => ({ route: 'GET /v1/books', path: `/v1/books?${q}` })),
    deliveries.map((q) => ({
      route: 'GET /v1/endpoints/{id}/deliveries',
      path: `/v1/endpoints/${t.endpoint}/deliveries?${q}`,
    })),
    operational.map((q) => ({ route: 'GET /v1/operational-events', path: `/v1/operational-events?${q}` })),
    ...['documents', 'events'].map((list) =>
      paged.map((q) => ({ route: `GET /v1/books/{book_uuid}/${list}`, path: `/v1/books/${t.book}/${list}?${q}` })),
    ),
    deliveries.map((q) => ({
      route: 'GET /v1/books/{book_uuid}/deliveries',
      path: `/v1/books/${t.book}/deliveries?${q}`,
    })),
    paged.map((q) => ({ route: 'GET /v1/endpoints', path: `/v1/endpoints?${q}` })),
    paged.map((q) => ({
      route: 'GET /v1/deliveries/{id}/attempts',
      path: `/v1/deliveries/${ownIds(t, '/v1/deliveries/').id}/attempts?${q}`,
    })),
  ];
  if (t.routes.some(isStream)) {
    choices.push(
      stream.map((q) => ({ route: 'GET /v1/books/{book_uuid}/stream', path: `/v1/books/${t.book}/stream?${q}` })),
    );
  }
  return fc.record({ target: fc.oneof(...choices), head: fc.boolean() }).map(({ target, head }) =>
    hostile({
      kind: 'bad-query',
      route: target.route,
      method: head && !target.route.endsWith('/stream') ? 'HEAD' : 'GET',
      path: target.path,
      headers: bearer(t.key),
      expect: [400],
    }),
  );
}

/** A stream of this tenant's book asked to resume from a position it never issued: a 400. */
function badResumes(t: Targets): Gen {
  return badLastEventId.map((lastEventId) =>
    hostile({
      kind: 'bad-last-event-id',
      route: 'GET /v1/books/{book_uuid}/stream',
      method: 'GET',
      path: `/v1/books/${t.book}/stream`,
      headers: { ...bearer(t.key), accept: 'text/event-stream', 'last-event-id': lastEventId },
      expect: [400],
    }),
  );
}

/** Every kind of hostile request, weighted towards the ones with the most to find. */
export function hostileRequests(t: Targets): Gen {
  const kinds: Array<{ weight: number; arbitrary: Gen }> = [
    { weight: 3, arbitrary: unauthenticated(t) },
    { weight: 2, arbitrary: crossTenant(t) },
    { weight: 3, arbitrary: badIds(t) },
    { weight: 2, arbitrary: malformedBodies(t) },
    { weight: 1, arbitrary: deepBodies(t) },
    { weight: 5, arbitrary: wrongFields(t) },
    { weight: 1, arbitrary: invalidUtf8(t) },
    { weight: 1, arbitrary: hugeBodies(t) },
    { weight: 1, arbitrary: wrongContentTypes(t) },
    { weight: 1, arbitrary: badIdempotencyKeys(t) },
    { weight: 1, arbitrary: badEncodings(t) },
    { weight: 1, arbitrary: wrongMethods(t) },
    { weight: 2, arbitrary: unknownRoutes(t) },
    { weight: 1, arbitrary: caseGames(t) },
    { weight: 2, arbitrary: ssrf(t) },
    { weight: 2, arbitrary: badQueries(t) },
  ];
  if (t.routes.some(isStream)) kinds.push({ weight: 1, arbitrary: badResumes(t) });
  return fc.oneof(...kinds);
}

export const KINDS = [
  'unauthenticated',
  'cross-tenant',
  'bad-ids',
  'malformed-json',
  'deep-json',
  'wrong-fields',
  'invalid-utf8',
  'huge-body',
  'wrong-content-type',
  'bad-idempotency-key',
  'bad-encoding',
  'wrong-method',
  'unknown-route',
  'path-case',
  'ssrf',
  'bad-query',
];

/** Fixed cases sent on every run: every route without a key, every SSRF spelling, and each bug this suite found. */
export function namedCases(t: Targets): HostileRequest[] {
  const key = bearer(t.key);
  const post = (kind: string, template: string, body: unknown, expect: number[], headers = {}) =>
    hostile({
      kind,
      route: `POST ${template}`,
      method: 'POST',
      path: fill(template, ownIds(t, template)),
      headers: { ...JSON_TYPE, ...key, ...headers },
      body: typeof body === 'string' ? Buffer.from(body) : json(body),
      expect,
    });
  const get = (kind: string, route: string, path: string, expect: number[], headers: Record<string, string> = key) =>
    hostile({ kind, route, method: 'GET', path, headers, expect });
  const cursor = (value: unknown) =>
    Buffer.from(JSON.stringify({ createdAt: value, bookUuid: t.book })).toString('base64url');
  const deep = (depth: number) => `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  return [
    // Every route with a body that is not JSON, then every /v1 route without a key.
    ...t.routes.map((route) =>
      hostile({
        kind: 'wrong-content-type',
        route: routeName(route),
        method: route.method,
        path: fill(route.template, ownIds(t, route.template)),
        headers: { ...key, 'content-type': 'text/plain' },
        body: Buffer.from('name=x'),
        expect: [415],
      }),
    ),
    ...t.routes
      .filter((route) => route.template.startsWith('/v1/'))
      .map((route) =>
        hostile({
          kind: 'unauthenticated',
          route: routeName(route),
          method: route.method,
          path: fill(route.template, ownIds(t, route.template)),
          headers: withValidBody(route).headers,
          body: withValidBody(route).body,
          expect: [401],
        }),
      ),
    ...FORBIDDEN_HOSTS.map((host) =>
      post('ssrf', '/v1/endpoints', { url: `http://${host}/hooks`, events: ['BOOK_COMPLETE'] }, [400]),
    ),
    ...FORBIDDEN_URLS.map((url) => post('ssrf', '/v1/endpoints', { url, events: ['BOOK_COMPLETE'] }, [400])),
    // Methods the router does not implement were a 500 (its 501, unmapped).
    ...['PROPFIND', 'TRACE', 'MKCOL'].flatMap((method) => [
      hostile({ kind: 'wrong-method', route: 'unknown', method, path: '/healthz', headers: {}, expect: [405] }),
      hostile({ kind: 'wrong-method', route: 'unknown', method, path: '/v1/books', headers: key, expect: [405] }),
    ]),
    // An unknown route under an Idempotency-Key was stored as that key's answer.
    post('unknown-route', '/v1/no-such-route', { name: 'x' }, [404], { 'idempotency-key': 'hostile-unknown-route' }),
    // JSON nested deeper than JSON.stringify can go was a 500 under an Idempotency-Key.
    post('deep-json', '/v1/books', deep(100_000), [400], { 'idempotency-key': 'hostile-deep' }),
    post('deep-json', '/v1/books/{book_uuid}/seal', deep(5000), [400]),
    // Text PostgreSQL cannot store (NUL) or that is not Unicode (lone surrogates) was a 500, after the workflow
    // had taken the document; a NUL in a verification reason poisoned the book's recording activity.
    post('wrong-fields', '/v1/books', { name: 'a\u0000b' }, [400]),
    post('wrong-fields', '/v1/books', { name: 'Book', metadata: { loan: '\ud800' } }, [400]),
    post('wrong-fields', '/v1/books', { name: 'Book', metadata: { 'k\u0000': 1 } }, [400]),
    post('wrong-fields', '/v1/books/{book_uuid}/documents', { name: 'nul\u0000.pdf' }, [400]),
    post(
      'wrong-fields',
      '/v1/books/{book_uuid}/documents/{doc_uuid}/verification',
      { result: 'FAILED', reason: 'x\u0000' },
      [400],
    ),
    post(
      'wrong-fields',
      '/v1/books/{book_uuid}/documents/{doc_uuid}/verification',
      { result: 'SUCCEEDED', fields: { ...STATEMENT, account_id: 'CHK\udfff' } },
      [400],
    ),
    post(
      'wrong-fields',
      '/v1/endpoints',
      { url: PUBLIC_URL, events: ['BOOK_COMPLETE'], description: 'a\u0000bc' },
      [400],
    ),
    post('wrong-fields', '/v1/endpoints', { url: `${PUBLIC_URL}/\u0000`, events: ['BOOK_COMPLETE'] }, [400]),
    post('wrong-fields', '/v1/endpoints/{id}/rotate-secret', { secret: `${'s'.repeat(20)}\u0000` }, [400]),
    // Cursors and times JavaScript reads as dates and PostgreSQL does not were a 500.
    ...['1', ' 1', 'March 7', '0000-01-01T00:00:00.000000Z', '2026-02-30T00:00:00.000000Z', 5].map((value) =>
      get('bad-query', 'GET /v1/books', `/v1/books?cursor=${cursor(value)}`, [400]),
    ),
    ...['0000-01-01T00:00:00Z', '0000-01-01T12:00:00+13:00', '9999-12-31T23:59:59-23:59'].map((since) =>
      post('wrong-fields', '/v1/endpoints/{id}/recover', { since }, [400]),
    ),
    // The API's paths in another letter case were served without a key.
    get('path-case', 'GET /v1/books', '/V1/books', [401, 404], {}),
    post('path-case', '/V1/books', { name: 'No key' }, [401, 404], { authorization: '' }),
    // A +json body the parser did not read reached the routes as {}.
    post('malformed-json', '/v1/books/{book_uuid}/seal', '{', [400], { 'content-type': 'application/problem+json' }),
    post('malformed-json', '/v1/endpoints/{id}/rotate-secret', '{"secret":', [400], {
      'content-type': 'application/merge-patch+json',
    }),
    // The cap exactly, and one byte over.
    post('huge-body', '/v1/books', `{"name":"${'x'.repeat(CAP - 11)}"}`, [400]),
    post('huge-body', '/v1/books', `{"name":"${'x'.repeat(CAP - 10)}"}`, [413]),
  ];
}

/** Bytes that are not HTTP/1.1, each refused by node's parser before the app: a problem all the same. */
export function malformedHttp(t: Targets): Array<{ name: string; bytes: Buffer; expect: number[] }> {
  const post = (extra: string) =>
    `POST /v1/books HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\nContent-Type: application/json\r\n${extra}`;
  const cases: Array<[string, string, number[]]> = [
    ['headers over 16 KB', `GET /v1/books HTTP/1.1\r\nHost: x\r\nCookie: ${'a'.repeat(20_000)}\r\n\r\n`, [431]],
    [
      'Content-Length with Transfer-Encoding',
      post('Content-Length: 15\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
      [400],
    ],
    ['two Content-Lengths', post('Content-Length: 15\r\nContent-Length: 2\r\n\r\n{"name":"Smug"}'), [400]],
    ['a Content-Length that is no number', post('Content-Length: 1e1\r\n\r\n{"name":"x"}'), [400]],
    [
      'a chunk size that is no number',
      post('Transfer-Encoding: chunked\r\n\r\nzz\r\n{"name":"x"}\r\n0\r\n\r\n'),
      [400],
    ],
    ['not HTTP at all', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\r\n\r\n', [400]],
    ['an unknown method', 'BREW /v1/books HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
    ['a space in the path', `GET /v1/books/${t.book} /x HTTP/1.1\r\nHost: x\r\n\r\n`, [400]],
    ['a NUL in the path', 'GET /v1/books\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
    ['a NUL in a header', `GET /v1/books HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\u0000\r\n\r\n`, [400]],
    ['a folded header', `GET /v1/books HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n ${t.key}\r\n\r\n`, [400]],
    ['bare LF line ends', 'GET /healthz HTTP/1.1\nHost: x\n\n', [400]],
    ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', [400]],
    ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n', [400]],
  ];
  return cases.map(([name, text, expect]) => ({ name, bytes: Buffer.from(text, 'latin1'), expect }));
}
