import { afterEach, describe, expect, it } from 'vitest';
import { crm, statement } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { confirmAddress, startSmtpServer, type ReceivedMail } from '../support/smtp.js';
import { startTestSystem } from '../support/system.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A tenant whose server mails through a real SMTP server on loopback. */
async function setup(refuse?: (index: number) => number | undefined, env: Record<string, string> = {}) {
  // `refuse` numbers the notifications only: confirmation messages always go through.
  let notification = 0;
  const smtp = await startSmtpServer(
    refuse && ((_, subject) => (subject.startsWith('Confirm that') ? undefined : refuse(notification++))),
  );
  cleanups.push(smtp.close);
  const system = await startTestSystem({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'bookbell <notify@bookbell.test>',
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms',
    DELIVERY_WINDOW: '60s',
    ...env,
  });
  cleanups.push(system.stop);
  const api = crm(system);
  const subscribe = async (email: string, events: string[]) => {
    const response = await api.call('POST', '/v1/endpoints', { email, events, description: 'Loan officer' });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ email, url: null, secret: null, confirmed_at: null });
    await confirmAddress(smtp, system.apiUrl, email);
    return response.body as { id: string };
  };
  return { smtp, system, api, subscribe };
}

/** The text and HTML parts of a mail, asserting it has exactly those two, as alternatives. */
function readParts(mail: ReceivedMail): { text: string; html: string } {
  expect(mail.contentType).toBe('multipart/alternative');
  expect(mail.parts.map((part) => part.type)).toEqual(['text/plain', 'text/html']);
  const [text, html] = mail.parts.map((part) => part.body) as [string, string];
  return { text, html };
}

const PUBLIC_URL = 'https://bookbell.example.com/ops/';

describe('e-mail subscriptions', () => {
  it('mails a user when their one document is verified', async () => {
    const { smtp, api, subscribe } = await setup();
    await subscribe('officer@lender.test', ['VERIFICATION_COMPLETE']);
    const bookUuid = await api.createBook({ name: 'One pay stub' });
    const docUuid = await api.upload(bookUuid, undefined, 'paystub.pdf');
    await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    await eventually(() => expect(smtp.mails).toHaveLength(1));
    const [mail] = smtp.mails as [(typeof smtp.mails)[number]];
    expect(mail.to).toEqual(['officer@lender.test']);
    expect(mail.subject).toBe("Document 'paystub.pdf' was verified");
    expect(mail.raw).toContain('Book: One pay stub');
    // Long header values are folded onto the next line.
    expect(mail.raw).toMatch(/X-Bookbell-Event-Id:\s+evt_vc_/i);
  });

  it('mails the end of a book of many statements with its counts', async () => {
    const { smtp, api, subscribe } = await setup();
    await subscribe('team@lender.test', ['BOOK_COMPLETE']);
    const bookUuid = await api.createBook({ name: 'Q3 statements' });
    for (const result of ['SUCCEEDED', 'SUCCEEDED', 'FAILED'] as const) {
      await api.verify(bookUuid, await api.upload(bookUuid), result);
    }
    await api.seal(bookUuid);
    await eventually(() => expect(smtp.mails).toHaveLength(1));
    expect(smtp.mails[0]?.subject).toBe("Book 'Q3 statements' is complete: 2 verified, 1 failed");
  });

  it('retries a temporary SMTP refusal and stops at a permanent one, logging every attempt', async () => {
    const { smtp, api, subscribe } = await setup((index) => (index < 2 ? 451 : undefined));
    const subscription = await subscribe('ops@lender.test', ['BOOK_COMPLETE']);
    const bookUuid = await api.createBook();
    await api.seal(bookUuid);
    await eventually(() => expect(smtp.mails).toHaveLength(1));
    const delivered = await eventually(async () => {
      const [delivery] = (await api.call('GET', `/v1/endpoints/${subscription.id}/deliveries`)).body.data;
      expect(delivery.status).toBe('DELIVERED');
      return delivery;
    });
    expect(delivered.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([451, 451, 250]);

    const refusing = await setup(() => 550);
    const refused = await refusing.subscribe('nobody@lender.test', ['BOOK_COMPLETE']);
    const other = await refusing.api.createBook();
    await refusing.api.seal(other);
    await eventually(async () => {
      const [delivery] = (await refusing.api.call('GET', `/v1/endpoints/${refused.id}/deliveries`)).body.data;
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: [{ status_code: 550 }] });
    });
  });

  it('disables an endpoint failing without a break for DISABLE_AFTER, records and mails endpoint.disabled', async () => {
    const { smtp, api, subscribe } = await setup(undefined, {
      PUBLIC_URL,
      DISABLE_AFTER: '1s',
      ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
      DELIVERY_RETRY_SCHEDULE: '0s,400ms,400ms,400ms,400ms,400ms,400ms',
    });
    const down = await startReceiver(() => ({ status: 503 }));
    cleanups.push(down.close);
    const endpoint = (await api.call('POST', '/v1/endpoints', { url: down.url, events: ['BOOK_COMPLETE'] })).body;
    await subscribe('admin@lender.test', ['endpoint.disabled']);
    const bookUuid = await api.createBook();
    await api.seal(bookUuid);

    await eventually(async () => {
      const current = (await api.call('GET', `/v1/endpoints/${endpoint.id}`)).body;
      expect(current).toMatchObject({
        active: false,
        disabled_reason: expect.stringContaining('failing without a break'),
      });
    });
    const events = (await api.call('GET', '/v1/operational-events')).body.data;
    expect(events).toEqual([
      expect.objectContaining({
        event_type: 'endpoint.disabled',
        endpoint_id: endpoint.id,
        payload: expect.objectContaining({ url: down.url }),
      }),
    ]);
    await eventually(() =>
      expect(smtp.mails.map((m) => m.subject)).toEqual([expect.stringContaining('disabled an endpoint')]),
    );
    const { text, html } = readParts(smtp.mails[0] as ReceivedMail);
    expect(html).toContain('An endpoint was disabled');
    expect(html).toContain(`href="https://bookbell.example.com/ops/console/endpoints/${endpoint.id}"`);
    expect(text).toContain(`PATCH /v1/endpoints/${endpoint.id} {"active": true}`);
    expect(down.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("sends text and HTML, one template per event, each linking the book's console page under PUBLIC_URL", async () => {
    const { smtp, api, subscribe } = await setup(undefined, { PUBLIC_URL });
    await subscribe('officer@lender.test', ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    const bookUuid = await api.createBook({ name: 'Q3 statements' });
    const july = await api.upload(bookUuid, undefined, 'july.pdf');
    await api.verify(bookUuid, july, 'SUCCEEDED', {
      fields: statement('CHK-1', '2026-07-01', '2026-07-31', {
        start: '1000.00',
        end: '1250.00',
        deposits: '3000.00',
        withdrawals: '2750.00',
      }),
    });
    await eventually(() => expect(smtp.mails).toHaveLength(1)); // verified first: the order below is known
    const blurry = await api.upload(bookUuid, undefined, 'august.pdf');
    await api.verify(bookUuid, blurry, 'FAILED', { reason: 'Image unreadable' });
    await eventually(() => expect(smtp.mails).toHaveLength(2));
    await api.seal(bookUuid);
    await eventually(() => expect(smtp.mails).toHaveLength(4));

    const [verified, failed, complete, analytics] = smtp.mails.map(readParts) as Array<{ text: string; html: string }>;
    const link = `https://bookbell.example.com/ops/console/books/${bookUuid}`;
    for (const mail of [verified, failed, complete, analytics]) {
      expect(mail?.html).toContain(`<a href="${link}"`);
      expect(mail?.text).toContain(`Open the book in the console: ${link}`);
    }
    expect(verified?.html).toContain('<h1 style="font-size:20px;margin:0 0 12px">A document was verified</h1>');
    expect(verified?.text).toContain(`Document: july.pdf (${july})`);
    expect(failed?.html).toContain('A document failed verification');
    expect(failed?.html).toMatch(/<th[^>]*>Reason<\/th><td[^>]*>Image unreadable<\/td>/);
    expect(failed?.text).toContain('Reason: Image unreadable');
    expect(complete?.html).toContain('A book is complete');
    expect(complete?.html).toMatch(/<th[^>]*>Documents<\/th><td[^>]*>2 \(1 verified, 1 failed, 0 verifying\)<\/td>/);
    expect(complete?.html).toMatch(new RegExp(`<td[^>]*>REJECTED</td><td[^>]*>${blurry}</td>`));
    expect(analytics?.html).toContain('Analytics are ready');
    expect(analytics?.html).toMatch(
      /<td[^>]*>CHK-1<\/td><td[^>]*>2026-07-01 to 2026-07-31<\/td><td[^>]*>3000.00<\/td><td[^>]*>2750.00<\/td>/,
    );
    expect(analytics?.text).toContain('CHK-1: 2026-07-01 to 2026-07-31, deposits 3000.00, withdrawals 2750.00, NSF 0');
  });

  it('shows hostile names and reasons as text, never as markup, and links nowhere without PUBLIC_URL', async () => {
    const { smtp, api, subscribe } = await setup();
    await subscribe('officer@lender.test', ['VERIFICATION_COMPLETE']);
    const bookUuid = await api.createBook({ name: '<script>alert("book")</script> & co' });
    const docUuid = await api.upload(bookUuid, undefined, '<img src=x onerror=alert(1)>.pdf');
    await api.verify(bookUuid, docUuid, 'FAILED', { reason: "<script>steal('reason')</script>" });
    await eventually(() => expect(smtp.mails).toHaveLength(1));
    const { text, html } = readParts(smtp.mails[0] as ReceivedMail);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;book&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.pdf');
    expect(html).toContain('&lt;script&gt;steal(&#39;reason&#39;)&lt;/script&gt;');
    // The text part is text: it says what was sent, as sent.
    expect(text).toContain("Reason: <script>steal('reason')</script>");
    expect(`${text}${html}`).not.toContain('/console/');
  });

  it('refuses e-mail subscriptions where no SMTP server is configured', async () => {
    const system = await startTestSystem();
    cleanups.push(system.stop);
    const response = await crm(system).call('POST', '/v1/endpoints', {
      email: 'a@lender.test',
      events: ['BOOK_COMPLETE'],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'email', message: expect.stringContaining('no SMTP server') }]);
  });
});
