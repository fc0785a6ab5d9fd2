import { MAX_LISTED_ITEMS } from '../contract/event-payload.js';
import type { EventPayload } from '../events/payloads.js';
import { renderMail, type MailBlock, type MailContent, type RenderedMail } from './mail-layout.js';

/** An e-mail is read, not parsed: a few dozen lines of each list, then where the rest is. */
const MAIL_LISTED_DOCUMENTS = 50;
const MAIL_LISTED_ACCOUNTS = 50;

export interface MailLinks {
  /** PUBLIC_URL: where people reach this deployment; unset, mails carry no console link. */
  publicUrl?: string | undefined;
}

/** A page of the console under PUBLIC_URL (which may have a path of its own), or undefined without one. */
export function consoleUrl(links: MailLinks, page: string): string | undefined {
  return links.publicUrl ? `${links.publicUrl.replace(/\/+$/, '')}/console${page}` : undefined;
}

export const bookLink = (payload: EventPayload, links: MailLinks): MailBlock[] => {
  const href = consoleUrl(links, `/books/${encodeURIComponent(payload.book_uuid)}`);
  return href ? [{ kind: 'link', text: 'Open the book in the console', href }] : [];
};

export const counts = (c: NonNullable<EventPayload['document_counts']>) =>
  `${c.total} (${c.verified} verified, ${c.rejected} failed, ${c.verifying} verifying)`;

/** "… and N more" and where they are listed in whole. */
export const moreLine = (more: number, url: string | undefined) =>
  more > 0 ? `… and ${more} more${url ? `: GET ${url}` : ''}` : undefined;

/** VERIFICATION_COMPLETE: one document verified, or failed with its reason. */
function verificationMail(payload: EventPayload): Omit<MailContent, 'footer'> {
  const failed = payload.result === 'FAILED';
  const facts: Array<[string, string]> = [
    ['Book', `${payload.book_name} (${payload.book_uuid})`],
    ['Document', `${payload.doc_name ?? payload.doc_uuid} (${payload.doc_uuid})`],
    ['Result', payload.result ?? ''],
  ];
  if (payload.reason) facts.push(['Reason', payload.reason]);
  if (payload.document_counts) facts.push(['Documents', counts(payload.document_counts)]);
  return {
    subject: payload.notification_reason,
    heading: failed ? 'A document failed verification' : 'A document was verified',
    blocks: [
      { kind: 'paragraph', text: payload.notification_reason },
      { kind: 'facts', rows: facts },
    ],
  };
}

/** BOOK_COMPLETE: the counts, then the first documents and where the rest are. */
function bookCompleteMail(payload: EventPayload): Omit<MailContent, 'footer'> {
  const blocks: MailBlock[] = [
    { kind: 'paragraph', text: payload.notification_reason },
    {
      kind: 'facts',
      rows: [
        ['Book', `${payload.book_name} (${payload.book_uuid})`],
        ...(payload.document_counts ? [['Documents', counts(payload.document_counts)] as [string, string]] : []),
      ],
    },
  ];
  const docs = payload.uploaded_docs ?? [];
  if (docs.length > 0) {
    const shown = docs.slice(0, MAIL_LISTED_DOCUMENTS);
    // The body may list only the first documents: the counts tell how many there are.
    const more = Math.max(docs.length, payload.document_counts?.total ?? 0) - shown.length;
    blocks.push({
      kind: 'table',
      title: 'Documents in the book',
      columns: ['Status', 'Document'],
      rows: shown.map((doc) => ({ cells: [doc.status, doc.uuid], line: `${doc.status}  ${doc.uuid}` })),
      more: moreLine(more, payload.documents_url),
    });
  }
  return { subject: payload.notification_reason, heading: 'A book is complete', blocks };
}

/** The analytics of an ANALYTICS_COMPLETED body: the book-wide counts, then a summary line per account. */
export function analyticsBlocks(payload: EventPayload): MailBlock[] {
  const analytics = payload.analytics;
  if (!analytics) return [{ kind: 'facts', rows: [['Book', `${payload.book_name} (${payload.book_uuid})`]] }];
  const shown = analytics.accounts.slice(0, MAIL_LISTED_ACCOUNTS);
  return [
    {
      kind: 'facts',
      rows: [
        ['Book', `${payload.book_name} (${payload.book_uuid})`],
        ['Statements', String(analytics.statement_count)],
        ['Accounts', String(analytics.account_count)],
        ['Balance continuity breaks', String(analytics.continuity_break_count)],
        ['Gaps between statements', String(analytics.gap_count)],
      ],
    },
    {
      kind: 'table',
      title: 'Accounts',
      columns: ['Account', 'Period', 'Deposits', 'Withdrawals', 'NSF', 'Continuity breaks'],
      rows: shown.map((account) => {
        const breaks = account.balance_continuity.breaks.length;
        // A shortened account lists only its first breaks.
        const atLeast = payload.analytics_truncated && breaks >= MAX_LISTED_ITEMS ? 'at least ' : '';
        const period = `${account.period_start} to ${account.period_end}`;
        return {
          cells: [
            account.account_id,
            period,
            account.total_deposits,
            account.total_withdrawals,
            String(account.nsf_count),
            `${atLeast}${breaks}`,
          ],
          line:
            `${account.account_id}: ${period}, deposits ${account.total_deposits}, ` +
            `withdrawals ${account.total_withdrawals}, NSF ${account.nsf_count}` +
            (breaks > 0 ? `, ${atLeast}${breaks} balance continuity break(s)` : ''),
        };
      }),
      more: moreLine(analytics.account_count - shown.length, payload.analytics_url),
    },
  ];
}

/** ANALYTICS_COMPLETED: the book-wide counts, then a summary line per account. */
function analyticsMail(payload: EventPayload): Omit<MailContent, 'footer'> {
  return {
    subject: payload.notification_reason,
    heading: 'Analytics are ready',
    blocks: [{ kind: 'paragraph', text: payload.notification_reason }, ...analyticsBlocks(payload)],
  };
}

const TEMPLATES: Record<EventPayload['event_name'], (payload: EventPayload) => Omit<MailContent, 'footer'>> = {
  VERIFICATION_COMPLETE: verificationMail,
  BOOK_COMPLETE: bookCompleteMail,
  ANALYTICS_COMPLETED: analyticsMail,
};

/**
 * The e-mail for an event, text and HTML: the subject is its `notification_reason`, the body the details behind it
 * (bounded like the event body it is made from) and, with PUBLIC_URL, a link to the book's console page.
 */
export function renderEmail(payload: EventPayload, links: MailLinks = {}): RenderedMail {
  const content = TEMPLATES[payload.event_name](payload);
  return renderMail({
    ...content,
    blocks: [...content.blocks, ...bookLink(payload, links)],
    footer: `Event ${payload.event_id} at ${payload.occurred_at}.`,
  });
}

/** The operational mail for `endpoint.disabled`: which endpoint, why, and how to turn it on again. */
export function renderDisabledEmail(
  endpoint: { id: string; target: string; reason: string },
  links: MailLinks = {},
): RenderedMail {
  const href = consoleUrl(links, `/endpoints/${encodeURIComponent(endpoint.id)}`);
  return renderMail({
    subject: `bookbell disabled an endpoint: ${endpoint.reason}`,
    heading: 'An endpoint was disabled',
    blocks: [
      {
        kind: 'facts',
        rows: [
          ['Endpoint', endpoint.id],
          ['Sends to', endpoint.target],
          ['Reason', endpoint.reason],
        ],
      },
      {
        kind: 'paragraph',
        text:
          'Its deliveries are held meanwhile: nothing is lost. Enable it again with ' +
          `PATCH /v1/endpoints/${endpoint.id} {"active": true}: the held deliveries are then sent, in order.`,
      },
      ...(href ? [{ kind: 'link' as const, text: 'Open the endpoint in the console', href }] : []),
    ],
    footer: `Endpoint ${endpoint.id}.`,
  });
}

/** How an endpoint is named in the Temporal UI: an endpoint's host, or the address a subscription mails. */
export function endpointLabel(endpoint: { url: string | null; email: string | null }): string {
  return endpoint.url ? new URL(endpoint.url).host : `mail ${endpoint.email ?? ''}`;
}
