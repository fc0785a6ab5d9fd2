import { useState } from 'preact/hooks';
import { describeFilter } from '../../src/contract/filter-text.js';
import { asApiError, useApi, type ApiError } from './api.js';
import type { Endpoint } from './api-types.js';
import { ErrorNotice } from './components.js';
import { formatCount, formatDateTime } from './format.js';

const EXAMPLE = {
  all: [
    { field: 'result', eq: 'FAILED' },
    { field: 'metadata.branch', in: ['north', 'south'] },
  ],
};

/**
 * An endpoint's filter in words, what it skipped since it was set, and an editor: the filter as JSON, checked by the
 * API (its 400 names the bad part). The grammar is in docs/endpoints.md, "Filters".
 */
export function EndpointFilterCard({ endpoint, onChange }: { endpoint: Endpoint; onChange: () => void }) {
  const api = useApi();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [unreadable, setUnreadable] = useState<string>();

  const edit = () => {
    setText(JSON.stringify(endpoint.filter ?? EXAMPLE, null, 2));
    setError(undefined);
    setUnreadable(undefined);
    setEditing(true);
  };
  const save = async (filter: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.updateEndpoint(endpoint.id, { filter: filter as Endpoint['filter'] });
      setEditing(false);
      onChange();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: Event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setUnreadable(`This is not JSON: ${(err as Error).message}`);
      return;
    }
    setUnreadable(undefined);
    void save(parsed);
  };
  const skipped = endpoint.filter_skipped;

  return (
    <section aria-labelledby="filter-heading" class="card">
      <h2 id="filter-heading">Filter</h2>
      {endpoint.filter ? (
        <>
          <p>
            Receives the subscribed events where <strong>{describeFilter(endpoint.filter)}</strong>.
          </p>
          {skipped && (
            <p class="muted" role="status">
              {formatCount(skipped.count)} {skipped.count === 1 ? 'event' : 'events'} skipped by the filter since{' '}
              {formatDateTime(skipped.since)}.
            </p>
          )}
        </>
      ) : (
        <p>No filter: receives every event it subscribes to.</p>
      )}
      {editing ? (
        <form class="stack" onSubmit={submit}>
          <div class="field">
            <label for="filter-json">Filter (JSON)</label>
            <textarea
              id="filter-json"
              rows={10}
              spellcheck={false}
              class="code-input"
              aria-invalid={unreadable || error ? 'true' : undefined}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </div>
          {unreadable && (
            <p class="notice notice-bad" role="alert">
              {unreadable}
            </p>
          )}
          {error && <ErrorNotice error={error} action="Saving the filter" />}
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save filter'}
            </button>
            <button type="button" class="button-quiet" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="actions">
          <button type="button" class="button-secondary" onClick={edit}>
            {endpoint.filter ? 'Edit filter' : 'Add a filter'}
          </button>
          {endpoint.filter && (
            <button type="button" class="button-secondary" disabled={busy} onClick={() => void save(null)}>
              Remove filter
            </button>
          )}
          {!editing && error && <ErrorNotice error={error} action="Removing the filter" />}
        </div>
      )}
    </section>
  );
}
