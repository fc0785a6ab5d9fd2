import { afterEach, describe, expect, it } from 'vitest';
import { planDigest, recordDigestAttempt } from '../../src/db/digests.js';
import { crm, statement } from '../support/books.js';
import { eventually } from '../support/http.js';
import { confirmAddress, startSmtpServer } from '../support/smtp.js';
import { startTestSystem } from '../support/system.js';

/** mail_mode on e-mail endpoints: the API's rules, and `book` mode through real books, a real worker and real SMTP. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(refuse?: (index: number) => number | undefined) {
  let notification = 0;
  const smtp = await startSmtpServer(
    refuse && ((_, subject) => (subject.startsWith('Confirm that') ? undefined : refuse(notification++))),
  );
  cleanups.push(smtp.close);
  const system = await startTestSystem({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'bookbell <notify@bookbell.test>',
    PUBLIC_URL: 'https://bookbell.example.com',
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms',
    DELIVERY_WINDOW: '60s',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
  });
  cleanups.push(system.stop);
  return { smtp, system, api: crm(system) };
}

/** A subject as written, from its RFC 2047 encoded words (nodemailer's Q encoding of non-ASCII subjects). */
const decodeSubject = (subject: string) =>
  subject.replace(/=\?UTF-8\?Q\?(.*?)\?=\s*/gi, (_, words: string) =>
    Buffer.from(
      words.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8'),
  );

const CHECKING = statement('CHK-1', '2026-07-01', '2026-07-31', {
  start: '1000.00',
  end: '1250.00',
  deposits: '3000.00',
  withdrawals: '2750.00',
});

describe('mail modes', () => {
  it('refuses mail settings that do not fit, naming the field, and changes nothing', async () => {
    const { api } = await setup();
    const refused = async (method: string, path: string, body: unknown, field: string) => {
      const response = await api.call(method, path, body);
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
    };
    const events = ['BOOK_COMPLETE'];
    await refused('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/hook', events, mail_mode: 'book' }, 'mail_mode');
    await refused('POST', '/v1/endpoints', { email: 'a@lender.test', events, mail_mode: 'weekly' }, 'mail_mode');
    await refused('POST', '/v1/endpoints', { email: 'a@lender.test', events, mail_mode: 'daily' }, 'digest_hour');
    await refused(
      'POST',
      '/v1/endpoints',
      { email: 'a@lender.test', events, mail_mode: 'daily', digest_hour: 8 },
      'digest_time_zone',
    );
    const daily = { email: 'a@lender.test', events, mail_mode: 'daily', digest_time_zone: 'Europe/Paris' };
    await refused('POST', '/v1/endpoints', { ...daily, digest_hour: 24 }, 'digest_hour');
    await refused(
      'POST',
      '/v1/endpoints',
      { ...daily, digest_hour: 8, digest_time_zone: 'Mars/Olympus' },
      'digest_time_zone',
    );
    await refused('POST', '/v1/endpoints', { email: 'a@lender.test', events, digest_hour: 8 }, 'digest_hour');
    expect((await api.call('GET', '/v1/endpoints')).body.data).toEqual([]);

    const created = await api.call('POST', '/v1/endpoints', {
      ...daily,
      digest_hour: 8,
      digest_time_zone: 'europe/paris',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mail_mode: 'daily', digest_hour: 8, digest_time_zone: 'Europe/Paris' });
    const path = `/v1/endpoints/${created.body.id}`;
    // A daily endpoint changes its hour alone; leaving daily forgets hour and zone; hour alone needs daily.
    expect((await api.call('PATCH', path, { digest_hour: 18 })).body).toMatchObject({ digest_hour: 18 });
    expect((await api.call('PATCH', path, { mail_mode: 'book' })).body).toMatchObject({
      mail_mode: 'book',
      digest_hour: null,
      digest_time_zone: null,
    });
    await refused('PATCH', path, { digest_hour: 7 }, 'digest_hour');
    await refused('PATCH', path, { mail_mode: 'daily', digest_hour: 7 }, 'digest_time_zone');
    expect((await api.call('GET', path)).body).toMatchObject({ mail_mode: 'book', digest_hour: null });

    const hook = await api.call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/hook', events });
    expect(hook.status).toBe(201);
    expect(hook.body).toMatchObject({ mail_mode: 'each', digest_hour: null, digest_time_zone: null });
    await refused('PATCH', `/v1/endpoints/${hook.body.id}`, { mail_mode: 'each' }, 'mail_mode');
  });

  it('book: one mail per book, every document with its result and reason, and the analytics, retried and logged', async () => {
    const { smtp, system, api } = await setup((index) => (index === 0 ? 451 : undefined));
    const response = await api.call('POST', '/v1/endpoints', {
      email: 'team@lender.test',
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE'],
      mail_mode: 'book',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ mail_mode: 'book', digest_hour: null, digest_time_zone: null });
    await confirmAddress(smtp, system.apiUrl, 'team@lender.test');

    const bookUuid = await api.createBook({ name: 'Q3 statements — 第三四半期' });
    const july = await api.upload(bookUuid, undefined, 'july.pdf');
    await api.verify(bookUuid, july, 'SUCCEEDED', { fields: CHECKING });
    const august = await api.upload(bookUuid, undefined, 'août.pdf');
    await api.verify(bookUuid, august, 'FAILED', { reason: 'Image unreadable: 画像が不鮮明' });
    const pay = await api.upload(bookUuid, undefined, 'paystub.pdf');
    await api.verify(bookUuid, pay, 'SUCCEEDED');
    await api.seal(bookUuid);
    await api.finished(bookUuid);

    const [delivery] = await eventually(async () => {
      const { data } = (await api.call('GET', `/v1/endpoints/${response.body.id}/deliveries`)).body;
      expect(data).toMatchObject([{ status: 'DELIVERED' }]);
      return data;
    });
    // One delivery for the whole book, on its last event: the first try refused (451), the retry taken.
    expect(delivery).toMatchObject({ event_type: 'ANALYTICS_COMPLETED', book_uuid: bookUuid });
    expect(delivery.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([451, 250]);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(decodeSubject(mail?.subject ?? '')).toBe(
      "Book 'Q3 statements — 第三四半期' is complete: 2 verified, 1 failed",
    );
    expect(mail?.parts.map((part) => part.type)).toEqual(['text/plain', 'text/html']);
    const [text, html] = mail?.parts.map((part) => part.body) ?? [];
    expect(text).toContain('Documents: 3 (2 verified, 1 failed, 0 verifying)');
    const lines = text?.split(/\r?\n/) ?? [];
    const listed = lines.slice(
      lines.indexOf('Documents (failed first):') + 1,
      lines.indexOf('Documents (failed first):') + 4,
    );
    expect(listed).toEqual([
      '  FAILED  août.pdf — Image unreadable: 画像が不鮮明',
      '  SUCCEEDED  july.pdf',
      '  SUCCEEDED  paystub.pdf',
    ]);
    expect(text).toContain('Statements: 1');
    expect(text).toContain('CHK-1: 2026-07-01 to 2026-07-31, deposits 3000.00, withdrawals 2750.00, NSF 0');
    expect(text).toContain(`Open the book in the console: https://bookbell.example.com/console/books/${bookUuid}`);
    expect(html).toMatch(/<td[^>]*>FAILED<\/td><td[^>]*>août.pdf<\/td><td[^>]*>Image unreadable: 画像が不鮮明<\/td>/);
  });
});

describe('the digest log', () => {
  it("lists a daily endpoint's digests newest first with every attempt, a page at a time", async () => {
    const { system, api } = await setup();
    const created = await api.call('POST', '/v1/endpoints', {
      email: 'daily@lender.test',
      events: ['BOOK_COMPLETE'],
      mail_mode: 'daily',
      digest_hour: 8,
      digest_time_zone: 'Europe/Paris',
    });
    expect(created.status).toBe(201);
    const endpoint = { tenant_id: system.tenantId, id: created.body.id, events: ['BOOK_COMPLETE' as const] };
    const path = `/v1/endpoints/${created.body.id}/digests`;
    expect((await api.call('GET', path)).body).toEqual({ data: [], next_cursor: null });

    // Two days' digests, as the digest run records them (src/db/digests.ts), each with the books sealed before it.
    const digestOf = async (day: string) => {
      await api.seal(await api.createBook());
      return eventually(async () => {
        const planned = await planDigest(system.pool, endpoint, `dig_test_${day}`, day);
        expect(planned).toBeDefined();
        return planned as NonNullable<typeof planned>;
      });
    };
    const first = await digestOf('2026-12-01');
    await recordDigestAttempt(system.pool, system.tenantId, first.id, {
      number: 1,
      statusCode: 451,
      durationMs: 12,
      error: '451 try later',
    });
    await recordDigestAttempt(
      system.pool,
      system.tenantId,
      first.id,
      { number: 2, statusCode: 250, durationMs: 9, responseSnippet: '250 OK' },
      'DELIVERED',
    );
    const second = await digestOf('2026-12-02');

    const page = (await api.call('GET', `${path}?limit=1`)).body;
    expect(page.data).toMatchObject([
      { id: second.id, local_day: '2026-12-02', event_count: 1, status: 'PENDING', attempts: [], finished_at: null },
    ]);
    const rest = (await api.call('GET', `${path}?limit=1&cursor=${encodeURIComponent(page.next_cursor)}`)).body;
    expect(rest).toMatchObject({
      data: [
        {
          id: first.id,
          local_day: '2026-12-01',
          status: 'DELIVERED',
          attempts: [
            { attempt: 1, status_code: 451, error: '451 try later' },
            { attempt: 2, status_code: 250, response_snippet: '250 OK' },
          ],
        },
      ],
      next_cursor: null,
    });
    expect((await api.call('GET', `/v1/endpoints/${crypto.randomUUID()}/digests`)).status).toBe(404);
  });
});
