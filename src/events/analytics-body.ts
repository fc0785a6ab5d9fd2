import type { AccountAnalytics, BookAnalytics } from '../analytics/bank-statements.js';
import { ACCOUNT_ID_MAX_CHARS } from '../contract/statement-fields.js';
import { EVENT_BODY_MAX_BYTES, MAX_LISTED_ITEMS } from '../contract/event-payload.js';
import { clipText, fittingPrefix, jsonBytes } from './body-size.js';

/** An ANALYTICS_COMPLETED body with its analytics in place; the rest of it is already bounded. */
interface AnalyticsBody {
  analytics: BookAnalytics;
  analytics_truncated: boolean;
}

/** An account with each of its lists cut to its first MAX_LISTED_ITEMS (its counts stay those of all of them). */
function shortenAccount(account: AccountAnalytics): AccountAnalytics {
  const first = <T>(items: T[]) => items.slice(0, MAX_LISTED_ITEMS);
  return {
    ...account,
    account_id: clipText(account.account_id, ACCOUNT_ID_MAX_CHARS),
    doc_uuids: first(account.doc_uuids),
    gaps: first(account.gaps),
    overlaps: first(account.overlaps),
    months: first(account.months),
    balance_continuity: { ...account.balance_continuity, breaks: first(account.balance_continuity.breaks) },
    arithmetic_breaks: first(account.arithmetic_breaks),
  };
}

/**
 * The body unchanged when it fits in EVENT_BODY_MAX_BYTES (any book of ordinary size); otherwise every account's
 * lists are shortened and the body lists the first accounts (by account_id) that fit, marked `analytics_truncated`.
 * The book-wide counts (statement_count, account_count, continuity_break_count, gap_count) are kept whole.
 */
export function fitAnalytics<T extends AnalyticsBody>(body: T): T {
  if (jsonBytes(body) <= EVENT_BODY_MAX_BYTES) return body;
  const analytics = { ...body.analytics, accounts: [] as AccountAnalytics[] };
  const empty = { ...body, analytics, analytics_truncated: true };
  const accounts = body.analytics.accounts.map(shortenAccount);
  analytics.accounts = fittingPrefix(accounts, jsonBytes(empty), EVENT_BODY_MAX_BYTES);
  return empty;
}
