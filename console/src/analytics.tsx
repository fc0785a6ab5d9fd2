import type { AccountAnalytics, BookAnalytics, BookDocument } from './api-types.js';
import { Badge } from './components.js';
import { formatCount, formatMoney } from './format.js';
import { MonthlyChart } from './monthly-chart.js';

/** The book's analytics: per account its period, money in and out, NSF and balance continuity. */
export function AnalyticsView({ analytics, documents }: { analytics: BookAnalytics; documents: BookDocument[] }) {
  const names = new Map(documents.map((d) => [d.doc_uuid, d.name ?? d.doc_uuid]));
  const docName = (uuid: string) => names.get(uuid) ?? uuid;
  if (analytics.account_count === 0) {
    return <p class="empty">No successfully verified bank statement in this book: nothing to analyse.</p>;
  }
  return (
    <>
      <dl class="stats">
        <Stat label="Accounts" value={formatCount(analytics.account_count)} />
        <Stat label="Statements" value={formatCount(analytics.statement_count)} />
        <Stat label="Balance breaks" value={formatCount(analytics.continuity_break_count)} bad />
        <Stat label="Gaps" value={formatCount(analytics.gap_count)} bad />
      </dl>
      {analytics.accounts.map((account) => (
        <AccountView key={account.account_id} account={account} docName={docName} />
      ))}
    </>
  );
}

function Stat({ label, value, bad }: { label: string; value: string; bad?: boolean }) {
  return (
    <div class={bad && value !== '0' ? 'stat stat-bad' : 'stat'}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function AccountView({ account, docName }: { account: AccountAnalytics; docName: (uuid: string) => string }) {
  const { breaks } = account.balance_continuity;
  return (
    <article class="card account" aria-labelledby={`account-${account.account_id}`}>
      <h3 id={`account-${account.account_id}`}>
        Account {account.account_id}{' '}
        {breaks.length > 0 ? (
          <Badge tone="bad">
            {breaks.length} balance {breaks.length === 1 ? 'break' : 'breaks'}
          </Badge>
        ) : (
          <Badge tone="good">Balances continuous</Badge>
        )}
      </h3>
      <div class="account-grid">
        <dl class="facts">
          <dt>Period</dt>
          <dd>
            {account.period_start} to {account.period_end} ({formatCount(account.covered_days)} days covered)
          </dd>
          <dt>Statements</dt>
          <dd>{account.statement_count}</dd>
          <dt>Deposits</dt>
          <dd>
            {formatMoney(account.total_deposits)}{' '}
            <span class="muted">({formatMoney(account.average_monthly_deposits)} a month)</span>
          </dd>
          <dt>Withdrawals</dt>
          <dd>
            {formatMoney(account.total_withdrawals)}{' '}
            <span class="muted">({formatMoney(account.average_monthly_withdrawals)} a month)</span>
          </dd>
          <dt>NSF count</dt>
          <dd class={account.nsf_count > 0 ? 'text-bad' : ''}>{account.nsf_count}</dd>
          <dt>Gaps</dt>
          <dd>
            {account.gaps.length === 0
              ? 'None'
              : account.gaps.map((gap) => `${gap.from} to ${gap.to} (${gap.days} days)`).join('; ')}
          </dd>
          {account.overlaps.length > 0 && (
            <>
              <dt>Overlaps</dt>
              <dd>{account.overlaps.map((o) => `${o.from} to ${o.to} (${o.days} days)`).join('; ')}</dd>
            </>
          )}
        </dl>
        <MonthlyChart account={account} />
      </div>
      {breaks.length > 0 && (
        <div class="notice notice-bad">
          <h4>Balance continuity breaks</h4>
          <p>A statement should open with the balance the previous one closed with. These do not:</p>
          <ul>
            {breaks.map((b) => (
              <li key={`${b.previous_doc_uuid}-${b.next_doc_uuid}`}>
                <strong>{docName(b.previous_doc_uuid)}</strong> closed {b.previous_period_end} at{' '}
                {formatMoney(b.previous_ending_balance)}; <strong>{docName(b.next_doc_uuid)}</strong> opened{' '}
                {b.next_period_start} at {formatMoney(b.next_starting_balance)} (difference {formatMoney(b.difference)})
              </li>
            ))}
          </ul>
        </div>
      )}
      {account.arithmetic_breaks.length > 0 && (
        <div class="notice notice-bad">
          <h4>Statements that do not add up</h4>
          <ul>
            {account.arithmetic_breaks.map((b) => (
              <li key={b.doc_uuid}>
                <strong>{docName(b.doc_uuid)}</strong>: ends at {formatMoney(b.ending_balance)}, its figures give{' '}
                {formatMoney(b.expected_ending_balance)} (difference {formatMoney(b.difference)})
              </li>
            ))}
          </ul>
        </div>
      )}
    </article>
  );
}
