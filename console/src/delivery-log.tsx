import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { asApiError, useApi, type ApiError } from './api.js';
import type { Attempt, Delivery, DeliveryStatus } from './api-types.js';
import { Badge, ErrorNotice, Loading, TemporalLink } from './components.js';
import { DELIVERY_STATUS, formatDateTime, formatTime } from './format.js';
import { useLoad } from './use-load.js';

// The log refreshes itself: often while a delivery it shows is being attempted, now and then otherwise (a filtered
// view may hide the pending ones).
const PENDING_REFRESH_MS = 1500;
const IDLE_REFRESH_MS = 5000;

export interface DeliveryLogProps {
  /** Loads the deliveries, filtered by status when one is given. */
  load: (status: DeliveryStatus | undefined, signal: AbortSignal) => Promise<Delivery[]>;
  /** Names the other end of each delivery: its endpoint (on a book's page) or its book (on an endpoint's page). */
  describe: (delivery: Delivery) => ComponentChildren;
  /** Changes when the caller learns that deliveries changed (e.g. from the book's stream): the log reloads. */
  refreshKey?: number;
  /** Reload after an action elsewhere on the page (e.g. "recover since"). */
  reloadSignal?: number;
}

/** Deliveries with their attempts, a status filter, and Retry on the failed ones. */
export function DeliveryLog({ load, describe, refreshKey = 0, reloadSignal = 0 }: DeliveryLogProps) {
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const deliveries = useLoad((signal) => load(status || undefined, signal), [status, refreshKey, reloadSignal], {
    refreshMs: (rows) => (rows.some((row) => row.status === 'PENDING') ? PENDING_REFRESH_MS : IDLE_REFRESH_MS),
  });
  const rows = deliveries.data;
  return (
    <div class="delivery-log">
      <div class="toolbar">
        <div class="field">
          <label for="delivery-status">Show deliveries</label>
          <select
            id="delivery-status"
            value={status}
            onChange={(event) => setStatus(event.currentTarget.value as DeliveryStatus | '')}
          >
            <option value="">All</option>
            <option value="FAILED">Failed</option>
            <option value="PENDING">Pending</option>
            <option value="HELD">Held</option>
            <option value="DELIVERED">Delivered</option>
          </select>
        </div>
        <button type="button" class="button-secondary" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      {deliveries.error && <ErrorNotice error={deliveries.error} action="Loading the deliveries" />}
      {!rows && deliveries.loading && <Loading what="deliveries" />}
      {rows && rows.length === 0 && (
        <p class="empty">{status ? 'No delivery with that status.' : 'No deliveries yet.'}</p>
      )}
      {rows && rows.length > 0 && (
        <ol class="deliveries">
          {rows.map((delivery) => (
            <DeliveryItem key={delivery.id} delivery={delivery} describe={describe} onChange={deliveries.reload} />
          ))}
        </ol>
      )}
    </div>
  );
}

function DeliveryItem({
  delivery,
  describe,
  onChange,
}: {
  delivery: Delivery;
  describe: DeliveryLogProps['describe'];
  onChange: () => void;
}) {
  const api = useApi();
  const [retrying, setRetrying] = useState(false);
  const [error, setError] = useState<ApiError>();
  const status = DELIVERY_STATUS[delivery.status];
  const headingId = `delivery-${delivery.id.replace(/[^\w-]/g, '-')}`;
  const retry = async () => {
    setRetrying(true);
    setError(undefined);
    try {
      await api.retryDelivery(delivery.id);
      onChange();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setRetrying(false);
    }
  };
  return (
    <li>
      <article class={`delivery delivery-${delivery.status.toLowerCase()}`} aria-labelledby={headingId}>
        <div class="delivery-head">
          <h3 id={headingId}>
            {delivery.event_type} <span class="muted">{describe(delivery)}</span>
          </h3>
          <Badge tone={status.tone}>{status.label}</Badge>
        </div>
        <p class="delivery-meta">
          <span class="id">{delivery.event_id}</span> · created {formatDateTime(delivery.created_at)}
          {delivery.finished_at && <> · finished {formatDateTime(delivery.finished_at)}</>}
        </p>
        <div class="actions">
          {delivery.status === 'FAILED' && (
            <button type="button" onClick={() => void retry()} disabled={retrying}>
              {retrying ? 'Retrying…' : 'Retry'}
              <span class="visually-hidden"> the {delivery.event_type} delivery</span>
            </button>
          )}
          <TemporalLink query={`BookUuid="${delivery.book_uuid}" AND EndpointId="${delivery.endpoint_id}"`}>
            Delivery workflow
          </TemporalLink>
        </div>
        {error && <ErrorNotice error={error} action="Retry" />}
        <details open={delivery.status !== 'DELIVERED'}>
          <summary>
            {delivery.attempts.length} {delivery.attempts.length === 1 ? 'attempt' : 'attempts'}
          </summary>
          {delivery.attempts.length > 0 ? (
            <Attempts attempts={delivery.attempts} />
          ) : (
            <p class="muted">No attempt yet.</p>
          )}
        </details>
      </article>
    </li>
  );
}

function Attempts({ attempts }: { attempts: Attempt[] }) {
  return (
    <div class="table-wrap">
      <table class="attempts">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Status code</th>
            <th scope="col" class="number">
              Duration
            </th>
            <th scope="col">Error</th>
            <th scope="col">Response</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => {
            const ok = attempt.status_code !== null && attempt.status_code >= 200 && attempt.status_code < 300;
            return (
              <tr key={attempt.attempt}>
                <td>{attempt.attempt}</td>
                <td>{formatTime(attempt.attempted_at)}</td>
                <td>
                  {attempt.status_code === null ? (
                    <span class="muted">none</span>
                  ) : (
                    <Badge tone={ok ? 'good' : 'bad'}>{attempt.status_code}</Badge>
                  )}
                </td>
                <td class="number">{attempt.duration_ms} ms</td>
                <td>{attempt.error ?? <span class="muted">—</span>}</td>
                <td>{attempt.response_snippet ? <code class="snippet">{attempt.response_snippet}</code> : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
