import { EVENT_BODY_MAX_BYTES, MAX_LISTED_ITEMS } from '../contract/event-payload.js';
import { clipBytes, clipText } from '../events/body-size.js';
import type { EventPayload } from '../events/payloads.js';

/** An e-mail is read, not parsed: a few dozen lines of each list, then where the rest is. */
const MAIL_LISTED_DOCUMENTS = 50;
const MAIL_LISTED_ACCOUNTS = 50;
const MAIL_SUBJECT_MAX_CHARS = 200;

/**
 * A readable e-mail for an event: the subject is its `notification_reason`, the body the details behind it. The text
 * stays within EVENT_BODY_MAX_BYTES, like the event body it is made from.
 */
export function renderEmail(payload: EventPayload): { subject: string; text: string } {
  const lines = [payload.notification_reason, '', `Book: ${payload.book_name} (${payload.book_uuid})`];
  if (payload.doc_uuid) {
    lines.push(`Document: ${payload.doc_name ?? payload.doc_uuid} (${payload.doc_uuid})`, `Result: ${payload.result}`);
    if (payload.reason) lines.push(`Reason: ${payload.reason}`);
  }
  if (payload.document_counts) {
    const c = payload.document_counts;
    lines.push(`Documents: ${c.total} (${c.verified} verified, ${c.rejected} failed, ${c.verifying} verifying)`);
  }
  const rest = (more: number, url: string | undefined) =>
    lines.push(`  … and ${more} more${url ? `: GET ${url}` : ''}`);
  if (payload.uploaded_docs?.length) {
    lines.push('', 'Documents in the book:');
    const shown = payload.uploaded_docs.slice(0, MAIL_LISTED_DOCUMENTS);
    for (const doc of shown) lines.push(`  ${doc.status}  ${doc.uuid}`);
    // The body may list only the first documents: the counts tell how many there are.
    const more = Math.max(payload.uploaded_docs.length, payload.document_counts?.total ?? 0) - shown.length;
    if (more > 0) rest(more, payload.documents_url);
  }
  if (payload.analytics) {
    lines.push('', 'Accounts:');
    const shown = payload.analytics.accounts.slice(0, MAIL_LISTED_ACCOUNTS);
    for (const account of shown) {
      const breaks = account.balance_continuity.breaks.length;
      // A shortened account lists only its first breaks.
      const atLeast = payload.analytics_truncated && breaks >= MAX_LISTED_ITEMS ? 'at least ' : '';
      lines.push(
        `  ${account.account_id}: ${account.period_start} to ${account.period_end}, deposits ${account.total_deposits}, ` +
          `withdrawals ${account.total_withdrawals}, NSF ${account.nsf_count}` +
          (breaks > 0 ? `, ${atLeast}${breaks} balance continuity break(s)` : ''),
      );
    }
    const more = payload.analytics.account_count - shown.length;
    if (more > 0) rest(more, payload.analytics_url);
  }
  lines.push('', `Event ${payload.event_id} at ${payload.occurred_at}.`, '-- bookbell');
  return {
    subject: clipText(payload.notification_reason, MAIL_SUBJECT_MAX_CHARS),
    text: clipBytes(lines.join('\n'), EVENT_BODY_MAX_BYTES),
  };
}

/** How an endpoint is named in the Temporal UI: a webhook's host, or the address a subscription mails. */
export function endpointLabel(endpoint: { url: string | null; email: string | null }): string {
  return endpoint.url ? new URL(endpoint.url).host : `mail ${endpoint.email ?? ''}`;
}
