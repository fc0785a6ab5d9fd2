import type { EventPayload } from '../events/payloads.js';

const MAX_LISTED_DOCUMENTS = 50;

/** A readable e-mail for an event: the subject is its `notification_reason`, the body the details behind it. */
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
  if (payload.uploaded_docs?.length) {
    lines.push('', 'Documents in the book:');
    for (const doc of payload.uploaded_docs.slice(0, MAX_LISTED_DOCUMENTS)) lines.push(`  ${doc.status}  ${doc.uuid}`);
    const more = payload.uploaded_docs.length - MAX_LISTED_DOCUMENTS;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  if (payload.analytics) {
    lines.push('', 'Accounts:');
    for (const account of payload.analytics.accounts) {
      const breaks = account.balance_continuity.breaks.length;
      lines.push(
        `  ${account.account_id}: ${account.period_start} to ${account.period_end}, deposits ${account.total_deposits}, ` +
          `withdrawals ${account.total_withdrawals}, NSF ${account.nsf_count}` +
          (breaks > 0 ? `, ${breaks} balance continuity break(s)` : ''),
      );
    }
  }
  lines.push('', `Event ${payload.event_id} at ${payload.occurred_at}.`, '-- bookbell');
  return { subject: payload.notification_reason.slice(0, 200), text: lines.join('\n') };
}

/** How an endpoint is named in the Temporal UI: a webhook's host, or the address a subscription mails. */
export function endpointLabel(endpoint: { url: string | null; email: string | null }): string {
  return endpoint.url ? new URL(endpoint.url).host : `mail ${endpoint.email ?? ''}`;
}
