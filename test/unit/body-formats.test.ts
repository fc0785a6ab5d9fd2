import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BODY_FORMATS } from '../../src/contract/endpoint-settings.js';
import { PREVIEW_EVENTS } from '../../src/contract/endpoints.js';
import { EventPayloadSchema, TestEventPayloadSchema, type EventPayload } from '../../src/contract/event-payload.js';
import { renderBody, type RenderableEvent, type RenderLinks } from '../../src/events/formats/index.js';
import { OCROLUS_EVENT_NAMES } from '../../src/events/formats/ocrolus.js';
import { sampleEvent } from '../../src/events/formats/samples.js';
import { SLACK_LIMITS, slackText } from '../../src/events/formats/slack.js';
import { buildEventPayload } from '../../src/events/payloads.js';
import { fromRoot } from '../../src/paths.js';
import { testPayload } from '../../src/events/test-payload.js';
import {
  SlackMessageSchema,
  TEAMS_MAX_BYTES,
  TeamsMessageSchema,
  type SlackMessage,
  type TeamsMessage,
} from '../support/chat-schemas.js';
import { syntheticAnalytics, syntheticBook, syntheticEvent } from '../support/synthetic-book.js';

const PUBLIC: RenderLinks = { publicUrl: 'https://bookbell.example.com/base/' };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Text that Slack's mrkdwn and Teams' markdown would read as markup, with multi-byte characters. */
const HOSTILE = '<!channel> & <https://evil.example|click> *bold* _it_ `code` — Bäckerei 東京 🧾';

/** Every event kind of a book named `bookName`, failing with `reason`, the TEST event last. */
function events(bookName = 'Acme Bakery LLC', reason = 'Image unreadable', docName = 'statement.pdf') {
  const book = syntheticBook(60, bookName);
  const doc = book.docs[0]?.uuid;
  const vc = (result: 'SUCCEEDED' | 'FAILED') =>
    buildEventPayload(
      book.bookUuid,
      syntheticEvent(book, 'VERIFICATION_COMPLETE', {
        docUuid: doc,
        result,
        ...(result === 'FAILED' ? { reason } : {}),
      }),
      { bookName, docName },
    );
  const list: RenderableEvent[] = [
    vc('SUCCEEDED'),
    vc('FAILED'),
    buildEventPayload(book.bookUuid, syntheticEvent(book, 'BOOK_COMPLETE'), { bookName, uploadedDocs: book.docs }),
    buildEventPayload(book.bookUuid, syntheticEvent(book, 'ANALYTICS_COMPLETED'), {
      bookName,
      analytics: syntheticAnalytics(book),
    }),
    testPayload('evt_test_0123', '2026-12-01T12:00:00.000Z'),
  ];
  for (const event of list) {
    (event.event_name === 'TEST' ? TestEventPayloadSchema : EventPayloadSchema).parse(event);
  }
  return list;
}

const slack = (event: RenderableEvent, links = PUBLIC): SlackMessage =>
  SlackMessageSchema.parse(JSON.parse(renderBody('slack', event, links)));
const teams = (event: RenderableEvent, links = PUBLIC): TeamsMessage => {
  const body = renderBody('teams', event, links);
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
  return TeamsMessageSchema.parse(JSON.parse(body));
};
/** All the text of a Slack message, entities decoded, as a reader sees it. */
const slackWords = (message: SlackMessage) =>
  JSON.stringify(message).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('the bookbell format', () => {
  it('is the stored payload, byte for byte', () => {
    for (const event of events()) expect(renderBody('bookbell', event)).toBe(JSON.stringify(event));
  });
});

describe('the ocrolus format', () => {
  it("names each event as Ocrolus does and carries only Ocrolus's fields", () => {
    const [verified, failed, complete, analytics, test] = events().map((event) =>
      JSON.parse(renderBody('ocrolus', event)),
    );
    const payload = events()[0] as EventPayload;
    expect(verified).toEqual({
      event_name: 'DOC_VERIFIED',
      status: 'VERIFICATION_COMPLETE',
      severity: 'LOW',
      notification_type: 'STATUS',
      notification_reason: "Document 'statement.pdf' was verified",
      book_uuid: payload.book_uuid,
      book_name: 'Acme Bakery LLC',
      doc_uuid: payload.doc_uuid,
      uploaded_doc_uuid: payload.doc_uuid,
    });
    expect(failed).toMatchObject({
      event_name: 'DOC_VERIFIED',
      status: 'REJECTED',
      severity: 'MODERATE',
      notification_reason: "Document 'statement.pdf' failed verification: Image unreadable",
    });
    expect(complete).toMatchObject({ event_name: 'BOOK_VERIFIED', status: 'BOOK_COMPLETE', severity: 'MODERATE' });
    expect(complete.uploaded_docs).toHaveLength(60);
    expect(complete.uploaded_docs[0]).toEqual({ uuid: expect.any(String), status: 'VERIFICATION_COMPLETE' });
    expect(analytics).toMatchObject({ event_name: 'ANALYTICS_COMPLETED', status: 'BOOK_COMPLETE' });
    expect(test).toMatchObject({ event_name: 'TEST', status: 'TEST' });
    // Like Ocrolus, nothing of bookbell's own: the id and the time travel in the signing headers.
    for (const body of [verified, failed, complete, analytics, test]) {
      expect(body).not.toHaveProperty('event_id');
      expect(body).not.toHaveProperty('occurred_at');
      expect(body).not.toHaveProperty('analytics');
      expect(Object.values(OCROLUS_EVENT_NAMES)).toContain(body.event_name);
    }
  });
});

describe('the slack format', () => {
  it('is a valid incoming-webhook message for every event kind, with a button to the console', () => {
    const [verified, failed, complete, analytics, test] = events().map((event) => slack(event));
    expect(verified?.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'A document was verified' },
    });
    expect(failed?.text).toBe(
      "A document failed verification: Document 'statement.pdf' failed verification: Image unreadable",
    );
    expect(slackWords(failed as SlackMessage)).toContain('*Reason*\\nImage unreadable');
    expect(slackWords(complete as SlackMessage)).toContain('*Documents*\\n60 (59 verified, 1 failed, 0 verifying)');
    expect(slackWords(analytics as SlackMessage)).toContain('*Statements*\\n59');
    const button = complete?.blocks.find((block) => block.type === 'actions');
    expect(button).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'open_console',
          text: { type: 'plain_text', text: 'Open the book' },
          url: `https://bookbell.example.com/base/console/books/${(events()[2] as EventPayload).book_uuid}`,
        },
      ],
    });
    expect(test?.blocks[0]).toMatchObject({ text: { text: 'bookbell test event' } });
  });

  it('has no button without PUBLIC_URL', () => {
    for (const event of events()) {
      expect(slack(event, {}).blocks.map((block) => block.type)).not.toContain('actions');
    }
  });

  it('escapes &, < and > so a name cannot mention or link, and keeps the text', () => {
    for (const event of events(HOSTILE, HOSTILE, HOSTILE)) {
      const message = slack(event);
      expect(JSON.stringify(message)).not.toContain('<!channel>');
      if (event.event_name !== 'TEST') expect(slackWords(message)).toContain(HOSTILE);
    }
    expect(slackText('a & b < c > d', 100)).toBe('a &amp; b &lt; c &gt; d');
  });

  it('clips long and multi-byte text within every Block Kit limit, never inside a character or an entity', () => {
    const longName = `${'&'.repeat(200)}${'東'.repeat(55)}`; // 255 characters: 1,055 once escaped
    const longReason = '🧾<'.repeat(333); // 999 UTF-16 units, escaping makes 2,331
    for (const event of events(longName, longReason, longName)) {
      const message = slack(event);
      const text = JSON.stringify(message);
      expect(text).not.toMatch(LONE_SURROGATE);
      expect(text).not.toMatch(/&(?:a|am|l|g|amp|lt|gt)?…/); // no entity cut in half
      const header = message.blocks[0];
      expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    expect(slackText('&&&&', 7)).toBe('&amp;…');
    expect(slackText('🧾🧾🧾', 4)).toBe('🧾…');
  });
});

describe('the teams format', () => {
  it('is a Teams workflow message with one Adaptive Card for every event kind', () => {
    const [verified, failed, complete, analytics, test] = events().map((event) => teams(event));
    const card = (message: TeamsMessage | undefined) => message?.attachments[0]?.content;
    expect(card(verified)?.version).toBe('1.4');
    expect(card(verified)?.body[0]).toMatchObject({ type: 'TextBlock', text: 'A document was verified' });
    expect(card(failed)?.body).toContainEqual({
      type: 'FactSet',
      facts: expect.arrayContaining([{ title: 'Reason', value: 'Image unreadable' }]),
    });
    expect(card(complete)?.body).toContainEqual({
      type: 'FactSet',
      facts: expect.arrayContaining([{ title: 'Documents', value: '60 (59 verified, 1 failed, 0 verifying)' }]),
    });
    expect(card(analytics)?.body).toContainEqual({
      type: 'FactSet',
      facts: expect.arrayContaining([{ title: 'Accounts', value: '5' }]),
    });
    expect(card(complete)?.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open the book',
        url: `https://bookbell.example.com/base/console/books/${(events()[2] as EventPayload).book_uuid}`,
      },
    ]);
    expect(card(test)?.body[0]).toMatchObject({ text: 'bookbell test event' });
    expect(card(test)?.actions).toBeUndefined(); // no endpoint named: nothing to open
    expect(card(teams(events()[0] as EventPayload, {}))?.actions).toBeUndefined();
  });

  it('keeps long and multi-byte text whole or clipped at a character, within the size Teams takes', () => {
    const longName = '東'.repeat(255);
    for (const event of events(longName, '🧾'.repeat(499), HOSTILE)) {
      expect(renderBody('teams', event, PUBLIC)).not.toMatch(LONE_SURROGATE);
      teams(event);
    }
  });
});

describe('the preview samples', () => {
  it('render in every format, and each kind is what it says', () => {
    for (const kind of PREVIEW_EVENTS) {
      const event = sampleEvent(kind);
      (kind === 'TEST' ? TestEventPayloadSchema : EventPayloadSchema).parse(event);
      for (const format of BODY_FORMATS) expect(() => JSON.parse(renderBody(format, event, PUBLIC))).not.toThrow();
      slack(event);
      teams(event);
    }
    expect(sampleEvent('VERIFICATION_FAILED')).toMatchObject({ event_name: 'VERIFICATION_COMPLETE', result: 'FAILED' });
  });
});

describe('the examples in docs/endpoints.md', () => {
  it("are each format's rendering of the sample failed verification, as published", () => {
    const doc = readFileSync(fromRoot('docs/endpoints.md'), 'utf8');
    for (const format of BODY_FORMATS) {
      const example = new RegExp(`<!-- format-example: ${format} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(doc);
      expect(example, format).not.toBeNull();
      const rendered = renderBody(format, sampleEvent('VERIFICATION_FAILED'), {
        publicUrl: 'https://bookbell.example.com',
      });
      expect(JSON.parse(example?.[1] ?? ''), format).toEqual(JSON.parse(rendered));
    }
  });
});
