import { afterEach, describe, expect, it } from 'vitest';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { confirmAddress, startSmtpServer, takeConfirmation } from '../support/smtp.js';
import { startTestSystem } from '../support/system.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PUBLIC_URL = 'https://bookbell.example.com/ops/';
const ALL_BOOK_EVENTS = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'];

/** Two tenants on one SMTP server on loopback, with low mail limits. */
async function setup(
  env: Record<string, string> = {},
  refuse?: (index: number, subject: string) => number | undefined,
) {
  const smtp = await startSmtpServer(refuse);
  cleanups.push(smtp.close);
  const start = async () => {
    const system = await startTestSystem({
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms',
      MAIL_RATE_PER_ADDRESS: '3',
      MAIL_RATE_PER_TENANT: '4',
      ...env,
    });
    cleanups.push(system.stop);
    const api = crm(system);
    const subscribe = async (email: string, headers: Record<string, string> = {}) => {
      const response = await request(
        system.apiUrl,
        'POST',
        '/v1/endpoints',
        { email, events: ALL_BOOK_EVENTS },
        { authorization: `Bearer ${system.apiKey}`, ...headers },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response;
    };
    return { system, api, subscribe };
  };
  return { smtp, start };
}

const problemOf = (response: { status: number; headers: Headers; body: any }) => ({
  status: response.status,
  code: response.body?.code,
  retryAfter: response.headers.get('retry-after'),
});

describe('e-mail consent', () => {
  it('mails an unconfirmed address only its confirmation; the button, not the link, confirms and sends what waited', async () => {
    const { smtp, start } = await setup();
    const { system, api, subscribe } = await start();
    const created = (await subscribe('officer@lender.test')).body;
    expect(created).toMatchObject({ email: 'officer@lender.test', confirmed_at: null, active: true });

    // A book runs to its end meanwhile: its three events wait HELD for the address.
    const bookUuid = await api.createBook({ name: 'Held for consent' });
    await api.verify(bookUuid, await api.upload(bookUuid, undefined, 'paystub.pdf'), 'SUCCEEDED');
    await api.seal(bookUuid);
    await eventually(async () => {
      const deliveries = (await api.call('GET', `/v1/endpoints/${created.id}/deliveries`)).body.data;
      expect(deliveries.map((d: { status: string }) => d.status)).toEqual(['HELD', 'HELD', 'HELD']);
    });
    expect(await api.call('POST', `/v1/endpoints/${created.id}/test`)).toMatchObject({
      status: 409,
      body: { code: 'endpoint-unconfirmed' },
    });

    // One message, to the address: multipart, with the link under PUBLIC_URL.
    const { mail, link, token } = await takeConfirmation(smtp, 'officer@lender.test');
    expect(smtp.mails).toEqual([]);
    expect(mail.subject).toBe('Confirm that you want bookbell notifications');
    expect(mail.parts.map((part) => part.type)).toEqual(['text/plain', 'text/html']);
    expect(link).toBe(`https://bookbell.example.com/ops/confirm/${token}`);
    expect(mail.parts[1]?.body).toContain(`href="${link}"`);
    // Only the token's hash is stored.
    const stored = await system.pool.query('select confirmation_token_hash from endpoints where id = $1', [created.id]);
    expect(stored.rows[0].confirmation_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0].confirmation_token_hash).not.toContain(token);

    // Opening the link (as a mail scanner does) shows a button and confirms nothing.
    for (let i = 0; i < 2; i++) {
      const page = await fetch(`${system.apiUrl}/confirm/${token}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await page.text()).toContain('<form method="post">');
    }
    expect((await api.call('GET', `/v1/endpoints/${created.id}`)).body.confirmed_at).toBeNull();

    const confirmed = await fetch(`${system.apiUrl}/confirm/${token}`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Subscription confirmed');
    expect((await api.call('GET', `/v1/endpoints/${created.id}`)).body.confirmed_at).toEqual(expect.any(String));

    // What waited arrives, in the book's order; the link works once.
    await eventually(() => expect(smtp.mails).toHaveLength(3));
    expect(smtp.mails.map((m) => m.subject)).toEqual([
      "Document 'paystub.pdf' was verified",
      expect.stringContaining("Book 'Held for consent' is complete"),
      expect.stringContaining('Held for consent'),
    ]);
    expect((await fetch(`${system.apiUrl}/confirm/${token}`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${system.apiUrl}/confirm/${token}`)).status).toBe(404);
    expect((await fetch(`${system.apiUrl}/confirm/not-a-token`)).status).toBe(404);
  });

  it('sends one confirmation for a create repeated with its Idempotency-Key', async () => {
    const { smtp, start } = await setup();
    const { system, subscribe } = await start();
    const first = await subscribe('ops@lender.test', { 'Idempotency-Key': 'subscribe-ops' });
    const again = await subscribe('ops@lender.test', { 'Idempotency-Key': 'subscribe-ops' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    await takeConfirmation(smtp, 'ops@lender.test');
    // Nothing more is due: no message waits to be sent, one mail was counted.
    const waiting = await system.pool.query(
      'select count(*)::int as n from confirmation_outbox where endpoint_id = $1',
      [first.body.id],
    );
    const counted = await system.pool.query('select count(*)::int as n from mail_sends where tenant_id = $1', [
      system.tenantId,
    ]);
    expect([waiting.rows[0].n, counted.rows[0].n, smtp.mails.length]).toEqual([0, 1, 0]);
  });

  it('limits tests and confirmations per address and per tenant with a 429 and Retry-After; other tenants go on', async () => {
    const { smtp, start } = await setup();
    const { system, api, subscribe } = await start();
    const ops = (await subscribe('ops@lender.test')).body; // 1 mail of 3 to ops, 1 of 4 in all
    await confirmAddress(smtp, system.apiUrl, 'ops@lender.test');
    expect((await api.call('POST', `/v1/endpoints/${ops.id}/test`)).body).toMatchObject({ delivered: true });
    expect((await api.call('POST', `/v1/endpoints/${ops.id}/test`)).body).toMatchObject({ delivered: true });
    const overAddress = await api.call('POST', `/v1/endpoints/${ops.id}/test`);
    expect(problemOf(overAddress)).toEqual({ status: 429, code: 'mail-rate-limited', retryAfter: expect.any(String) });
    expect(Number(overAddress.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(overAddress.headers.get('content-type')).toContain('application/problem+json');

    // A resend goes to a pending address only; the fourth mail of the tenant is its last.
    const team = (await subscribe('team@lender.test')).body;
    await takeConfirmation(smtp, 'team@lender.test');
    expect((await api.call('POST', `/v1/endpoints/${ops.id}/confirmation`)).body.code).toBe('confirmation-not-pending');
    const overTenant = await api.call('POST', `/v1/endpoints/${team.id}/confirmation`);
    expect(problemOf(overTenant)).toEqual({ status: 429, code: 'mail-rate-limited', retryAfter: expect.any(String) });
    const refusedCreate = await api.call('POST', '/v1/endpoints', {
      email: 'new@lender.test',
      events: ['BOOK_COMPLETE'],
    });
    expect(problemOf(refusedCreate)).toMatchObject({ status: 429, code: 'mail-rate-limited' });
    // A refused create changes nothing.
    const listed = (await api.call('GET', '/v1/endpoints')).body.data.map((e: { email: string }) => e.email);
    expect(listed.sort()).toEqual(['ops@lender.test', 'team@lender.test']);
    // The two tests went; nothing over a limit did.
    expect(smtp.mails.splice(0).map((m) => m.subject)).toEqual(Array(2).fill('bookbell test notification'));

    // Another tenant, the same address: its own limits.
    const other = await start();
    const theirs = (await other.subscribe('ops@lender.test')).body;
    const resent = await other.api.call('POST', `/v1/endpoints/${theirs.id}/confirmation`);
    expect(resent.status).toBe(202);
    // The resend replaced the first link: only the newest works.
    const firstMessage = await takeConfirmation(smtp, 'ops@lender.test');
    const secondMessage = await takeConfirmation(smtp, 'ops@lender.test');
    const answers = await Promise.all(
      [firstMessage, secondMessage].map(
        async ({ token }) => (await fetch(`${other.system.apiUrl}/confirm/${token}`, { method: 'POST' })).status,
      ),
    );
    expect(answers.sort()).toEqual([200, 404]);
  });

  it('asks a changed address again, and the worker sends a confirmation the mail server put off', async () => {
    // The first confirmation message is put off (451): the API leaves it to the worker's sweep.
    const { smtp, start } = await setup({ DELIVERY_TIMEOUT: '1s' }, (index) => (index === 0 ? 451 : undefined));
    const { system, api, subscribe } = await start();
    const created = (await subscribe('ops@lender.test')).body;
    // While it waits, the message's link (whose token confirms the address) is sealed with SECRET_KEYS.
    const { rows: waiting } = await system.pool.query(
      `select link, link_key_id, sealed_link from confirmation_outbox where tenant_id = $1 and endpoint_id = $2`,
      [system.tenantId, created.id],
    );
    expect(waiting).toMatchObject([{ link: null, link_key_id: expect.any(String) }]);
    const { token } = await takeConfirmation(smtp, 'ops@lender.test');
    expect(Buffer.from(waiting[0].sealed_link).includes(token)).toBe(false);
    expect((await fetch(`${system.apiUrl}/confirm/${token}`, { method: 'POST' })).status).toBe(200);
    expect(smtp.mails).toEqual([]);

    const changed = await api.call('PATCH', `/v1/endpoints/${created.id}`, { email: 'other@lender.test' });
    expect(changed.body).toMatchObject({ email: 'other@lender.test', confirmed_at: null });
    await takeConfirmation(smtp, 'other@lender.test');
    const bookUuid = await api.createBook();
    await api.seal(bookUuid);
    await eventually(async () => {
      const deliveries = (await api.call('GET', `/v1/endpoints/${created.id}/deliveries`)).body.data;
      // A sealed empty book: BOOK_COMPLETE and ANALYTICS_COMPLETED, both waiting for the new address to agree.
      expect(deliveries.map((d: { status: string }) => d.status)).toEqual(['HELD', 'HELD']);
    });
    expect(smtp.mails).toEqual([]);
  });
});
