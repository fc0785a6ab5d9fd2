import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { fromRoot } from '../../src/paths.js';
import { crm, inParallel, statement } from '../support/books.js';
import { laptopContext, launchChromium, see } from '../support/browser.js';
import { request } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

// The console as a person uses it: real chromium, the real API and worker, a real receiver on loopback.
// Every run takes the screenshots; UPDATE_SCREENSHOTS=1 writes them over the README's in docs/, otherwise they go to
// test-results/ (ignored by git) so a test run leaves the tree clean.
const SCREENSHOTS = fromRoot(process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots');
const TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

/**
 * Records each desktop notification the page makes, after the real constructor took it (headless chromium may show
 * nothing): the page still goes through the browser's own Notification and its permission.
 */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  window.recordedNotifications = [];
  window.Notification = class extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.recordedNotifications.push({ title, body: options.body, tag: options.tag });
    }
  };
})();`;

describe('console', () => {
  let system: TestSystem;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let receiverDown = true;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let api: ReturnType<typeof crm>;
  let liveBook: string;
  /** Uncaught exceptions and Content-Security-Policy refusals in the page: there should be none. */
  const pageProblems: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: receiverDown ? 503 : 200 }));
    [system, browser] = await Promise.all([
      startTestSystem({
        ENDPOINT_ALLOW_HTTP: 'true',
        ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
        // Two quick attempts, then the delivery gives up: a failed delivery within a second.
        DELIVERY_RETRY_SCHEDULE: '0s,300ms',
        DELIVERY_WINDOW: '1s',
        TEMPORAL_UI_URL,
      }),
      launchChromium(),
    ]);
    api = crm(system);
    context = await laptopContext(browser, system.apiUrl);
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(error.message));
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) pageProblems.push(message.text());
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await receiver?.close();
  });

  it('is served at /console without a key: the page for every console path, hashed assets cached for good', async () => {
    const redirect = await fetch(`${system.apiUrl}/console`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/console/']);
    const html = await fetch(`${system.apiUrl}/console/books/${randomUUID()}`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('cache-control')).toBe('no-cache');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await html.text();
    expect(page).toContain(`"temporalUiUrl":"${TEMPORAL_UI_URL}"`);
    const script = /src="(\/console\/assets\/[\w.-]+\.js)"/.exec(page)?.[1];
    const asset = await fetch(`${system.apiUrl}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await fetch(`${system.apiUrl}/console/assets/nope.js`);
    expect([missing.status, missing.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
    // Nothing outside the bundle can be named: these get the page, never a file or an error.
    for (const path of ['/console/assets/..', '/console/assets/..%2F..%2Fpackage.json']) {
      const answer = await fetch(`${system.apiUrl}${path}`);
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    }
  });

  it('refuses a wrong or revoked key with a clear message, and signs in with a valid one', async () => {
    await page.goto('/console/');
    await see(page.getByRole('heading', { name: 'Sign in to the bookbell console' }));

    await page.getByLabel('API key').fill('bb_not_a_real_key_at_all_0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = await see(page.getByRole('alert'));
    expect(await alert.textContent()).toMatch(/That API key was not accepted: The API key is not valid/);

    const revoked = await createApiKey(system.pool, system.tenantId, 'revoked in a test');
    await revokeApiKey(system.pool, revoked.row.id);
    await page.getByLabel('API key').fill(revoked.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByRole('alert').getByText(/unknown or revoked/));

    await page.getByLabel('API key').fill(system.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByRole('heading', { name: 'Books', level: 1 }));
    // The key lives in the tab's session only, never in the address.
    expect(page.url()).not.toContain(system.apiKey);
    expect(await page.evaluate("sessionStorage.getItem('bookbell.apiKey')")).toBe(system.apiKey);
  });

  it('adds an endpoint and shows its secret once, with a copy button', async () => {
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await see(page.getByRole('heading', { name: 'Endpoints', level: 1 }));
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('CRM receiver');
    expect(await page.getByRole('checkbox', { name: /BOOK_COMPLETE/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add endpoint' }).click();

    await see(page.getByText('Endpoint created.'));
    const secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await see(page.getByText('Copied.'));
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await see(page.getByRole('row', { name: new RegExp(receiver.url) }).getByText('Active'));
  });

  it("shows a book's documents turn verified or failed live, then BOOK_COMPLETE and the analytics", async () => {
    liveBook = await api.createBook({ name: 'Q3 statements', metadata: { loan: 'L-1042' } });
    const docs = {
      july: await api.upload(liveBook, randomUUID(), 'july.pdf'),
      august: await api.upload(liveBook, randomUUID(), 'august.pdf'),
      september: await api.upload(liveBook, randomUUID(), 'september.pdf'),
    };
    await page.getByRole('link', { name: 'Books' }).click();
    await page.getByRole('link', { name: 'Q3 statements' }).click();
    await see(page.getByRole('heading', { name: 'Q3 statements', level: 1 }));
    await see(page.getByRole('status').getByText('Live'));
    const row = (name: string) => page.getByRole('row', { name: new RegExp(name) });
    await see(row('july.pdf').getByText('Pending'));
    // Marks this document: a reload would lose the mark.
    await page.evaluate('window.sameDocument = true');

    await api.verify(liveBook, docs.july, 'SUCCEEDED', {
      fields: statement('CHK-1', '2026-07-01', '2026-07-31', {
        start: '1000.00',
        end: '1250.00',
        deposits: '3000.00',
        withdrawals: '2750.00',
      }),
    });
    await see(row('july.pdf').getByText('Verified'));
    await api.verify(liveBook, docs.august, 'FAILED', { reason: 'Image unreadable' });
    await see(row('august.pdf').getByText('Failed'));
    await see(row('august.pdf').getByText('Image unreadable'));
    await api.verify(liveBook, docs.september, 'SUCCEEDED', {
      fields: statement('CHK-1', '2026-09-01', '2026-09-30', {
        start: '1400.00',
        end: '900.00',
        deposits: '2100.00',
        withdrawals: '2600.00',
        nsf: 2,
      }),
    });
    await see(row('september.pdf').getByText('Verified'));
    await api.seal(liveBook);

    await see(page.getByRole('row', { name: /BOOK_COMPLETE/ }));
    await see(page.getByText('Analytics complete'));
    await see(page.getByRole('heading', { name: /Account CHK-1/ }));
    await see(page.getByText('1 balance break'));
    await see(page.getByRole('heading', { name: 'Balance continuity breaks' }));
    const chart = await see(page.getByRole('img', { name: /Deposits and withdrawals per month, account CHK-1/ }));
    expect(await chart.getAttribute('aria-label')).toContain('Jul 2026 deposits 3,000.00');
    expect(await page.evaluate('window.sameDocument')).toBe(true);

    await see(page.getByRole('article', { name: /ANALYTICS_COMPLETED/ }).getByText('Failed'), 20_000);
    await page.screenshot({ path: `${SCREENSHOTS}/book-live.png`, fullPage: true });
  });

  it("lists an endpoint's failed deliveries with their attempts; Retry after the receiver recovers delivers", async () => {
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: receiver.url }).click();
    // Nothing has got through since the receiver went down: the endpoint says so, and since when.
    await see(page.getByText('Failing', { exact: true }));
    await see(page.getByText(/^Failing since .+: no attempt has got through since/));
    const delivery = page.getByRole('article', { name: /BOOK_COMPLETE/ });
    await see(delivery.getByText('Failed'));
    await see(delivery.getByRole('row', { name: /503/ }));
    await see(delivery.getByText(/^\d+ attempts?$/));

    receiverDown = false;
    await delivery.getByRole('button', { name: /Retry/ }).click();
    await see(delivery.getByText('Delivered'));
    // The retry sent the same event again: one webhook-id, so the receiver can tell it is a repeat.
    const bookComplete = receiver.requests.filter((r) => r.json.event_name === 'BOOK_COMPLETE');
    expect(bookComplete.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bookComplete.map((r) => r.headers['webhook-id'])).size).toBe(1);

    await delivery.getByText(/^\d+ attempts$/).click(); // shows the 503 and then the 200
    await see(delivery.getByRole('row', { name: /200/ }));
    await page.screenshot({ path: `${SCREENSHOTS}/delivery-log.png`, fullPage: true });

    await page.getByRole('button', { name: 'Recover failed deliveries' }).click();
    await see(page.getByText(/Delivering \d+ failed deliveries again/));
    await see(page.getByRole('article', { name: /ANALYTICS_COMPLETED/ }).getByText('Delivered'), 20_000);
    await page.getByLabel('Show deliveries').selectOption('FAILED');
    await see(page.getByText('No delivery with that status.'), 20_000);
    await page.getByLabel('Show deliveries').selectOption('');
    await see(page.getByRole('article', { name: /BOOK_COMPLETE/ }));
  });

  it('pauses, resumes, rotates the secret and sends a test event', async () => {
    await page.getByRole('button', { name: 'Send test event' }).click();
    await see(page.getByText('Test event delivered'));
    await page.getByRole('button', { name: 'Pause' }).click();
    await see(page.getByText('Paused'));
    await page.getByRole('button', { name: 'Resume' }).click();
    await see(page.getByRole('button', { name: 'Pause' }));
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await see(page.getByText('New signing secret'));
    expect(await page.getByLabel('Signing secret').inputValue()).toMatch(/^whsec_/);
  });

  it("previews each event kind in the endpoint's body format, and changes the format", async () => {
    await see(page.getByRole('heading', { name: 'Body format' }));
    const bookbell = await see(page.getByLabel('Preview of VERIFICATION_COMPLETE in bookbell'));
    expect(JSON.parse(await bookbell.innerText())).toMatchObject({ event_name: 'VERIFICATION_COMPLETE' });
    await page.getByLabel('Format', { exact: true }).selectOption('slack');
    await page.getByLabel('Preview of', { exact: true }).selectOption('BOOK_COMPLETE');
    const slack = await see(page.getByLabel('Preview of BOOK_COMPLETE in slack'));
    expect(JSON.parse(await slack.innerText()).blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'A book is complete' },
    });
    await page.getByLabel('Format', { exact: true }).selectOption('bookbell');
    await see(page.getByLabel('Preview of BOOK_COMPLETE in bookbell'));
    expect((await api.api.listEndpoints()).data.map((endpoint) => endpoint.format)).toEqual(['bookbell']);
  });

  it('lists and searches the books, newest first, with their counts', async () => {
    const q4 = await api.createBook({ name: 'Q4 statements' });
    const q4Doc = await api.upload(q4, randomUUID(), 'october.pdf');
    await api.upload(q4, randomUUID(), 'november.pdf');
    await api.verify(q4, q4Doc, 'SUCCEEDED');
    await api.createBook({ name: 'Pay stubs 2026' });
    await api.waitFor(q4, 'UPLOAD');

    await page.getByRole('link', { name: 'Books' }).click();
    const rows = page.getByRole('row');
    await see(page.getByRole('row', { name: /Q4 statements/ }).getByText('Accepting uploads'));
    const names = await rows.locator('th[scope=row] a').allTextContents();
    expect(names.slice(0, 3)).toEqual(['Pay stubs 2026', 'Q4 statements', 'Q3 statements']);
    await page.screenshot({ path: `${SCREENSHOTS}/books-list.png`, fullPage: true });

    await page.getByLabel('Search by name or book id').fill('Q3');
    await page.getByRole('button', { name: 'Search' }).click();
    await see(page.getByRole('row', { name: /Q3 statements/ }));
    await page.getByRole('row', { name: /Pay stubs/ }).waitFor({ state: 'detached' });
    await page.getByLabel('Search by name or book id').fill(liveBook.slice(0, 8));
    await page.getByRole('button', { name: 'Search' }).click();
    await see(page.getByRole('row', { name: /Q3 statements/ }));
    await page.getByRole('row', { name: /Q4 statements/ }).waitFor({ state: 'detached' });
  });

  it('reads a big book a page at a time: the first 100 documents, more on request, every one kept live', async () => {
    const big = await api.createBook({ name: 'Big book' });
    const names = Array.from({ length: 130 }, (_, i) => `statement-${String(i).padStart(3, '0')}.pdf`);
    const docs = new Map<string, string>();
    await inParallel(names, 8, async (name) => docs.set(name, await api.upload(big, randomUUID(), name)));
    await page.goto(`/console/books/${big}`);
    await see(page.getByRole('heading', { name: 'Big book', level: 1 }));
    const documents = page.getByRole('table', { name: 'Documents of the book' }).getByRole('row');
    await see(page.getByText('Showing 100 of 130 documents.'));
    expect(await documents.count()).toBe(101); // and the header row

    await page.getByRole('button', { name: 'Load more documents' }).click();
    // While the page loads the button reads "Loading documents…"; once the last page is in, it is gone.
    await page.getByRole('button', { name: /documents/ }).waitFor({ state: 'detached' });
    expect(await documents.count()).toBe(131);
    // The last row came with the second page; the stream keeps it live too.
    const last = (await documents.last().locator('th').innerText()).split('\n')[0] as string;
    await api.verify(big, docs.get(last) as string, 'FAILED', { reason: 'Blurred' });
    await see(page.getByRole('row', { name: new RegExp(last) }).getByText('Blurred'));
  });

  it("alerts a watched book's failed verification and completion, in the page and on the desktop; the counters move", async () => {
    // A tenant of its own, so the counters start from nothing.
    const tenantId = `alerts-${randomUUID().slice(0, 8)}`;
    const { key } = await createApiKey(system.pool, tenantId, 'alerts');
    const desk = crm({ ...system, apiKey: key, tenantId });
    const alerts = await laptopContext(browser, system.apiUrl);
    try {
      // Granted through the DevTools protocol (Browser.grantPermissions), as a person would in the browser's prompt.
      await alerts.grantPermissions(['notifications'], { origin: system.apiUrl });
      await alerts.addInitScript(RECORD_NOTIFICATIONS);
      const tab = await alerts.newPage();
      const problems: string[] = [];
      tab.on('pageerror', (error) => problems.push(error.message));

      const watched = await desk.createBook({ name: 'Watched statements' });
      const july = await desk.upload(watched, randomUUID(), 'july.pdf');
      const august = await desk.upload(watched, randomUUID(), 'august.pdf');
      const other = await desk.createBook({ name: 'Pay stubs, not watched' });
      const otherDoc = await desk.upload(other, randomUUID(), 'other.pdf');
      await Promise.all([desk.waitFor(watched, 'UPLOAD'), desk.waitFor(other, 'UPLOAD')]);

      await tab.goto('/console/');
      await tab.getByLabel('API key').fill(key);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      const counters = tab.getByRole('list', { name: 'Books today' });
      await see(counters.getByText('2 open'));
      await see(counters.getByText('0 complete today'));

      await tab.getByRole('link', { name: 'Watched statements' }).click();
      await tab.getByRole('button', { name: 'Watch this book' }).click();
      await see(tab.getByRole('button', { name: 'Stop watching' }));
      expect(await tab.evaluate('Notification.permission')).toBe('granted');
      expect(await tab.getByText(/show in this page only/).count()).toBe(0);
      await tab.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Books' }).click();
      await see(counters.getByText('2 open'));
      // Marks this document: a reload would lose the mark.
      await tab.evaluate('window.sameDocument = true');

      // The unwatched book's failure comes first on the tenant's stream, and raises nothing.
      await desk.verify(other, otherDoc, 'FAILED', { reason: 'Not a statement' });
      await see(counters.getByText('1 failed verification today'));
      await desk.verify(watched, august, 'FAILED', { reason: 'Image unreadable' });
      const toasts = tab.getByRole('status', { name: 'Alerts' }).getByRole('article');
      const failed = toasts.filter({ hasText: 'A document of “Watched statements” failed verification' });
      await see(failed.getByText('august.pdf: Image unreadable'));
      await see(counters.getByText('2 failed verifications today'));

      await desk.verify(watched, july, 'SUCCEEDED');
      await desk.seal(watched);
      const complete = toasts.filter({ hasText: '“Watched statements” is complete' });
      await see(complete);
      await see(counters.getByText('1 complete today'));
      await see(counters.getByText('1 open'));
      expect(await toasts.count()).toBe(2);
      expect(await tab.evaluate('window.sameDocument')).toBe(true);

      // The real Notification constructor ran for each alert, tagged with its event so it shows once.
      const feed = await desk.api.listEvents({ book_uuid: watched, limit: 100 });
      const eventId = (name: string) => feed.data.find((event) => event.event_name === name)?.event_id;
      expect(await tab.evaluate('window.recordedNotifications')).toEqual([
        {
          title: 'A document of “Watched statements” failed verification',
          body: 'august.pdf: Image unreadable',
          tag: feed.data.find((event) => event.doc_uuid === august)?.event_id,
        },
        { title: '“Watched statements” is complete', body: expect.any(String), tag: eventId('BOOK_COMPLETE') },
      ]);

      // A toast leads to its book, and goes when dismissed.
      await complete.getByRole('button', { name: 'Dismiss' }).click();
      await complete.waitFor({ state: 'detached' });
      await failed.getByRole('link', { name: 'Open the book' }).click();
      await see(tab.getByRole('heading', { name: 'Watched statements', level: 1 }));
      expect(problems).toEqual([]);
    } finally {
      await alerts.close();
    }
  });

  it('says once that alerts stay in the page when desktop notifications are not allowed', async () => {
    const plain = await laptopContext(browser, system.apiUrl);
    try {
      const tab = await plain.newPage();
      const book = await api.createBook({ name: 'Quietly watched' });
      await tab.goto('/console/');
      await tab.getByLabel('API key').fill(system.apiKey);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await see(tab.getByRole('heading', { name: 'Books', level: 1 }));
      await tab.goto(`/console/books/${book}`);
      await tab.getByRole('button', { name: 'Watch this book' }).click();
      await see(tab.getByText(/alerts for watched books show in this page only/));
      expect(await tab.evaluate('Notification.permission')).not.toBe('granted');
      await tab.getByRole('button', { name: 'Stop watching' }).click();
      await tab.getByRole('button', { name: 'Watch this book' }).click();
      await see(tab.getByRole('button', { name: 'Stop watching' }));
      await tab.reload();
      await tab.getByRole('button', { name: 'Stop watching' }).click();
      await tab.getByRole('button', { name: 'Watch this book' }).click();
      await see(tab.getByRole('button', { name: 'Stop watching' }));
      expect(await tab.getByText(/show in this page only/).count()).toBe(0);
    } finally {
      await plain.close();
    }
  });

  it("shows another tenant's book as not found", async () => {
    const other = await createApiKey(system.pool, `other-${randomUUID().slice(0, 8)}`, 'another tenant');
    const created = await request(
      system.apiUrl,
      'POST',
      '/v1/books',
      { name: 'Not yours' },
      {
        authorization: `Bearer ${other.key}`,
      },
    );
    expect(created.status).toBe(201);
    await page.goto(`/console/books/${created.body.book_uuid}`);
    await see(page.getByRole('heading', { name: 'Book not found' }));
    await see(page.getByRole('alert').getByText(/belongs to another tenant/));
    expect(await page.getByText('Not yours').count()).toBe(0);
    expect(pageProblems).toEqual([]);
  });

  // After the lists: its book would otherwise show in the lists the tests above check.
  it("shows an endpoint's filter in words and what it skipped; a bad filter is refused naming its part", async () => {
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('button', { name: 'Add a filter' }).click();
    const editor = page.getByLabel('Filter (JSON)');
    await editor.fill(JSON.stringify({ all: [{ field: 'result', eq: 'FAIL' }] }));
    await page.getByRole('button', { name: 'Save filter' }).click();
    await see(page.getByRole('alert').getByText('filter.all.0.eq'));
    await see(page.getByRole('alert').getByText('must be one of SUCCEEDED, FAILED'));
    const filter = {
      all: [
        { field: 'result', eq: 'FAILED' },
        { field: 'metadata.branch', in: ['north', 'south'] },
      ],
    };
    await editor.fill(JSON.stringify(filter));
    await page.getByRole('button', { name: 'Save filter' }).click();
    await see(page.getByText('result is FAILED and metadata.branch is one of north, south'));
    await see(page.getByText(/^0 events skipped by the filter since/));

    const bookUuid = await api.createBook({ name: 'West branch', metadata: { branch: 'west' } });
    await api.verify(bookUuid, await api.upload(bookUuid), 'FAILED');
    await api.seal(bookUuid);
    await api.finished(bookUuid);
    await page.reload();
    await see(page.getByText(/^3 events skipped by the filter since/));
    await page.screenshot({ path: `${SCREENSHOTS}/endpoint-filter.png`, fullPage: true });
    await page.getByRole('button', { name: 'Remove filter' }).click();
    await see(page.getByText('No filter: receives every event it subscribes to.'));
  });

  it('signed in with a read-only key, shows the pages and, for a change, why the API refused it', async () => {
    const reader = await createApiKey(system.pool, system.tenantId, 'read in a test', 'read');
    await page.goto('/console/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill(reader.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByRole('heading', { name: 'Books', level: 1 }));
    const [endpoint] = (await api.call('GET', '/v1/endpoints')).body.data as [{ id: string; active: boolean }];
    await page.goto(`/console/endpoints/${endpoint.id}`);
    await page.getByRole('button', { name: endpoint.active ? 'Pause' : 'Resume' }).click();
    const alert = await see(page.getByRole('alert'));
    expect(await alert.textContent()).toBe(
      `${endpoint.active ? 'Pause' : 'Resume'} failed: This API key can only read (scope "read"): PATCH needs a key of scope "full".`,
    );
    expect((await api.call('GET', `/v1/endpoints/${endpoint.id}`)).body.active).toBe(endpoint.active);
    expect(pageProblems).toEqual([]);
  });
});
