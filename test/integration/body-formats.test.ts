import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, statement } from '../support/books.js';
import { SlackMessageSchema, TeamsMessageSchema, chatReply } from '../support/chat-schemas.js';
import { eventually } from '../support/http.js';
import { startReceiver, type ReceivedRequest } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

const PUBLIC_URL = 'https://bookbell.example.com/ops/';
/** Text Slack's mrkdwn and Teams' markdown would read as markup, with multi-byte characters. */
const BOOK_NAME = 'Bäckerei <Müller> & Söhne — 東京 🧾 *Q4*';
const REASON = 'Totals <don\'t> add up & the "ending balance" is off';

let system: TestSystem;
let api: ReturnType<typeof crm>;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1', PUBLIC_URL });
  api = crm(system);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await system?.stop();
});

/** A loopback receiver answering as the real service would: Slack and Teams parse the body and refuse what is invalid. */
async function receiver(kind: 'slack' | 'teams' | 'json') {
  const started = await startReceiver((request) =>
    kind === 'json' ? { status: 200 } : { status: chatReply(kind, request.body).status },
  );
  closers.push(started.close);
  return started;
}

async function register(body: Record<string, unknown>) {
  const response = await api.call('POST', '/v1/endpoints', {
    events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
    ...body,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; secret: string; format: string };
}

/** The event id a Standard Webhooks request was signed for, after checking its signature over the bytes received. */
const verifyStandard = (secret: string, request: ReceivedRequest) => {
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
  return request.headers['webhook-id'] as string;
};

describe('body formats', () => {
  it('delivers a real book to a bookbell, an ocrolus, a Slack and a Teams endpoint, each signed over its own bytes', async () => {
    const inboxes = {
      bookbell: await receiver('json'),
      ocrolus: await receiver('json'),
      slack: await receiver('slack'),
      teams: await receiver('teams'),
    };
    const bookbell = await register({ url: inboxes.bookbell.url });
    expect(bookbell.format).toBe('bookbell');
    const ocrolusSecret = 'an-ocrolus-secret-of-32-chars!!!';
    const ocrolus = await register({
      url: inboxes.ocrolus.url,
      format: 'ocrolus',
      signature_scheme: 'ocrolus',
      secret: ocrolusSecret,
    });
    const slack = await register({ url: inboxes.slack.url, format: 'slack' });
    const teams = await register({ url: inboxes.teams.url, format: 'teams' });
    expect([ocrolus.format, slack.format, teams.format]).toEqual(['ocrolus', 'slack', 'teams']);
    expect((await api.call('GET', `/v1/endpoints/${slack.id}`)).body.format).toBe('slack');

    const bookUuid = await api.createBook({ name: BOOK_NAME });
    const good = await api.upload(bookUuid);
    const bad = await api.upload(bookUuid);
    await api.verify(bookUuid, good, 'SUCCEEDED', {
      fields: statement('CHK-1', '2026-10-01', '2026-10-31', {
        start: '100.00',
        end: '150.00',
        deposits: '80.00',
        withdrawals: '30.00',
      }),
    });
    await api.verify(bookUuid, bad, 'FAILED', { reason: REASON });
    await api.seal(bookUuid);
    await api.finished(bookUuid);
    for (const inbox of Object.values(inboxes)) await eventually(() => expect(inbox.requests).toHaveLength(4), 30_000);

    // bookbell: today's body, unchanged.
    const ids = inboxes.bookbell.requests.map((request) => verifyStandard(bookbell.secret, request));
    expect(inboxes.bookbell.requests.map((request) => request.json.event_id)).toEqual(ids);
    expect(inboxes.bookbell.requests.map((request) => request.json.event_name)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);

    // ocrolus: Ocrolus's names and fields, signed the Ocrolus way; the event id travels in the header.
    for (const request of inboxes.ocrolus.requests) {
      const {
        'webhook-request-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': signature,
      } = request.headers;
      expect(signature).toBe(
        createHmac('sha256', ocrolusSecret)
          .update(`${String(timestamp)}.${String(id)}.${request.body}`)
          .digest('hex'),
      );
      expect(request.json).not.toHaveProperty('event_id');
    }
    expect(inboxes.ocrolus.requests.map((request) => request.headers['webhook-request-id'])).toEqual(ids);
    expect(inboxes.ocrolus.requests.map((request) => [request.json.event_name, request.json.status])).toEqual([
      ['DOC_VERIFIED', 'VERIFICATION_COMPLETE'],
      ['DOC_VERIFIED', 'REJECTED'],
      ['BOOK_VERIFIED', 'BOOK_COMPLETE'],
      ['ANALYTICS_COMPLETED', 'BOOK_COMPLETE'],
    ]);
    expect(inboxes.ocrolus.requests[2]?.json).toMatchObject({
      book_uuid: bookUuid,
      book_name: BOOK_NAME,
      uploaded_docs: [
        { uuid: good, status: 'VERIFICATION_COMPLETE' },
        { uuid: bad, status: 'REJECTED' },
      ],
    });

    // Slack and Teams: parsed and accepted by their receivers, signed, with the same webhook-id as the event.
    const slackIds = inboxes.slack.requests.map((request) => verifyStandard(slack.secret, request));
    const teamsIds = inboxes.teams.requests.map((request) => verifyStandard(teams.secret, request));
    expect(slackIds).toEqual(ids);
    expect(teamsIds).toEqual(ids);
    const bookPage = `https://bookbell.example.com/ops/console/books/${bookUuid}`;
    const messages = inboxes.slack.requests.map((request) => SlackMessageSchema.parse(request.json));
    const failed = JSON.stringify(messages[1]);
    expect(failed).toContain('Bäckerei &lt;Müller&gt; &amp; Söhne — 東京 🧾 *Q4*');
    expect(failed).toContain('Totals &lt;don\'t&gt; add up &amp; the \\"ending balance\\" is off');
    expect(messages[2]?.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ url: bookPage }] });
    const cards = inboxes.teams.requests.map(
      (request) => TeamsMessageSchema.parse(request.json).attachments[0]?.content,
    );
    expect(cards[1]?.body).toContainEqual({
      type: 'FactSet',
      facts: expect.arrayContaining([
        { title: 'Book', value: BOOK_NAME },
        { title: 'Reason', value: REASON },
      ]),
    });
    expect(cards[3]?.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the book', url: bookPage }]);
    for (const endpoint of [bookbell, ocrolus, slack, teams]) {
      const deliveries = (await api.call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).body.data;
      expect(deliveries.map((delivery: { status: string }) => delivery.status)).toEqual(Array(4).fill('DELIVERED'));
    }
  });

  it("sends the test event in the endpoint's format, changes format on PATCH, and previews each event kind", async () => {
    const inbox = await receiver('slack');
    const endpoint = await register({ url: inbox.url, format: 'slack' });
    const tested = await api.call('POST', `/v1/endpoints/${endpoint.id}/test`);
    expect(tested.body).toMatchObject({ delivered: true, status_code: 200 });
    const test = SlackMessageSchema.parse(inbox.requests[0]?.json);
    expect(verifyStandard(endpoint.secret, inbox.requests[0] as ReceivedRequest)).toBe(tested.body.event_id);
    expect(test.blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ url: `https://bookbell.example.com/ops/console/endpoints/${endpoint.id}` }],
    });

    // A Slack receiver refuses a Teams card, as Slack would: the format is what the receiver parses.
    const patched = await api.call('PATCH', `/v1/endpoints/${endpoint.id}`, { format: 'teams' });
    expect(patched.body.format).toBe('teams');
    const refused = await api.call('POST', `/v1/endpoints/${endpoint.id}/test`);
    expect(refused.body).toMatchObject({ delivered: false, status_code: 400 });
    TeamsMessageSchema.parse(inbox.requests[1]?.json);

    for (const event of [
      'VERIFICATION_COMPLETE',
      'VERIFICATION_FAILED',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
      'TEST',
    ]) {
      const preview = await api.call('GET', `/v1/endpoints/${endpoint.id}/preview?event=${event}`);
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ format: 'teams', event, content_type: 'application/json' });
      expect(chatReply('teams', preview.body.body).status).toBe(202);
    }
    const unknown = await api.call('GET', `/v1/endpoints/${endpoint.id}/preview?event=NOPE`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((error: { field: string }) => error.field)).toEqual(['event']);
  });

  it('refuses a format it does not know, and any but bookbell for an e-mail endpoint, naming the field', async () => {
    const fields = (response: { body: { errors?: Array<{ field: string }> } }) =>
      (response.body.errors ?? []).map((error) => error.field);
    const unknown = await api.call('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/f',
      events: ['BOOK_COMPLETE'],
      format: 'discord',
    });
    expect(unknown.status).toBe(400);
    expect(fields(unknown)).toEqual(['format']);
    const mail = await api.call('POST', '/v1/endpoints', {
      email: 'ops@example.com',
      events: ['BOOK_COMPLETE'],
      format: 'slack',
    });
    expect(mail.status).toBe(400);
    expect(fields(mail)).toEqual(['format']);
    const url = await register({ url: 'http://127.0.0.1:9/g', events: ['BOOK_COMPLETE'] });
    const bad = await api.call('PATCH', `/v1/endpoints/${url.id}`, { format: 'xml' });
    expect(fields(bad)).toEqual(['format']);
    expect((await api.call('GET', `/v1/endpoints/${url.id}`)).body.format).toBe('bookbell');
  });
});
