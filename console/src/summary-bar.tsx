import { useEffect, useRef } from 'preact/hooks';
import { useApi } from './api.js';
import { ErrorNotice } from './components.js';
import { formatCount } from './format.js';
import { useTenantEvents } from './tenant-events.js';
import { useLoad } from './use-load.js';

/** Creations and seals emit no event: the counts are read again this often besides. */
const REFRESH_MS = 30_000;
/** Events come in bursts (a book's last result, its completion, its analytics): one read after each burst. */
const SETTLE_MS = 300;

/** The start of the user's day: "today" on this page is theirs, not the server's. */
function localMidnight(): string {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).toISOString();
}

const counted = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** Books open, waiting, complete today and failed verifications today; moves as the tenant's events happen. */
export function SummaryBar() {
  const api = useApi();
  const summary = useLoad((signal) => api.getSummary({ since: localMidnight() }, { signal }), [], {
    refreshMs: () => REFRESH_MS,
  });
  const settle = useRef<number>();
  useTenantEvents(() => {
    window.clearTimeout(settle.current);
    settle.current = window.setTimeout(summary.reload, SETTLE_MS);
  });
  useEffect(() => () => window.clearTimeout(settle.current), []);

  if (summary.error && !summary.data) return <ErrorNotice error={summary.error} action="Counting the books" />;
  const counts = summary.data;
  if (!counts) return null;
  return (
    <ul class="counters" aria-label="Books today" aria-live="polite">
      <li>{counted(counts.open, 'open', 'open')}</li>
      <li>{counted(counts.waiting, 'waiting for documents', 'waiting for documents')}</li>
      <li class={counts.complete_since > 0 ? 'counter-good' : undefined}>
        {counted(counts.complete_since, 'complete today', 'complete today')}
      </li>
      <li class={counts.failed_verifications_since > 0 ? 'counter-bad' : undefined}>
        {counted(counts.failed_verifications_since, 'failed verification today', 'failed verifications today')}
      </li>
    </ul>
  );
}
