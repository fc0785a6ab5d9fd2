import { useState } from 'preact/hooks';
import { asApiError, useApi, type ApiError } from '../api.js';
import type { BodyFormat, Endpoint, EndpointPreview, PreviewEvent, TestAttempt } from '../api-types.js';
import { Badge, CopyButton, ErrorNotice, Loading, PageTitle } from '../components.js';
import { DeliveryLog } from '../delivery-log.js';
import { EndpointFilterCard } from '../endpoint-filter.js';
import { formatDateTime } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import { endpointState, FORMATS } from './endpoints-page.js';

/** One endpoint: its settings, pause/resume, secret rotation, a test event, its filter, and its delivery log. */
export function EndpointPage({ id }: { id: string }) {
  const api = useApi();
  const loaded = useLoad((signal) => api.getEndpoint(id, { signal }), [id]);
  const [recovered, setRecovered] = useState(0);

  if (loaded.error?.status === 404 || loaded.error?.status === 400) {
    return (
      <>
        <PageTitle title="Endpoint not found">Endpoint not found</PageTitle>
        <p class="notice notice-bad" role="alert">
          No endpoint <code>{id}</code> in your tenant.
        </p>
        <Link href="/endpoints">Back to the endpoints</Link>
      </>
    );
  }
  if (loaded.error) return <ErrorNotice error={loaded.error} action="Loading the endpoint" />;
  if (!loaded.data) return <Loading what="the endpoint" />;
  const endpoint = loaded.data;
  const state = endpointState(endpoint);
  const destination = endpoint.url ?? endpoint.email ?? endpoint.id;

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <Link href="/endpoints">Endpoints</Link> <span aria-hidden="true">/</span> {destination}
      </nav>
      <div class="page-head">
        <PageTitle title={destination}>{destination}</PageTitle>
        <Badge tone={state.tone}>{state.label}</Badge>
      </div>
      {endpoint.email && !endpoint.confirmed_at && (
        <p class="notice notice-info">
          Awaiting confirmation: {endpoint.email} got a message with a link and receives nothing else until someone
          there confirms. Events wait meanwhile and are sent in order once confirmed.
        </p>
      )}
      {endpoint.active && endpoint.failing_since && (
        <p class="notice notice-bad">
          Failing since {formatDateTime(endpoint.failing_since)}: no attempt has got through since. Deliveries are
          retried; if this goes on for days, bookbell disables the endpoint.
        </p>
      )}
      {endpoint.active && endpoint.slow_since && (
        <p class="notice notice-info">
          Slow since {formatDateTime(endpoint.slow_since)}: it takes a second or more to answer, so its deliveries queue
          behind one another a little longer.
        </p>
      )}
      {endpoint.disabled_reason && (
        <p class="notice notice-bad">
          Disabled: {endpoint.disabled_reason}. Resume it once the receiver works again, then recover what failed.
        </p>
      )}
      <dl class="facts facts-inline">
        <dt>Endpoint id</dt>
        <dd class="id">{endpoint.id}</dd>
        <dt>Events</dt>
        <dd>{endpoint.events.join(', ')}</dd>
        <dt>Signature</dt>
        <dd>{endpoint.signature_scheme}</dd>
        {endpoint.email && (
          <>
            <dt>Mails</dt>
            <dd>{mailModeLabel(endpoint)}</dd>
          </>
        )}
        <dt>Rate limit</dt>
        <dd>{endpoint.rate_limit === null ? 'none' : `${endpoint.rate_limit} deliveries a second`}</dd>
        {endpoint.url && (
          <>
            <dt>Body format</dt>
            <dd>{endpoint.format}</dd>
          </>
        )}
        {endpoint.description && (
          <>
            <dt>Description</dt>
            <dd>{endpoint.description}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatDateTime(endpoint.created_at)}</dd>
        {endpoint.previous_secret_expires_at && (
          <>
            <dt>Previous secret</dt>
            <dd>still signs until {formatDateTime(endpoint.previous_secret_expires_at)}</dd>
          </>
        )}
      </dl>
      <EndpointActions endpoint={endpoint} onChange={loaded.reload} />
      {endpoint.url && <BodyFormatPreview endpoint={endpoint} onChange={loaded.reload} />}
      <EndpointFilterCard endpoint={endpoint} onChange={loaded.reload} />
      {endpoint.email && <MailModeForm endpoint={endpoint} onChange={loaded.reload} />}
      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries</h2>
        <RecoverSince endpointId={endpoint.id} onRecovered={() => setRecovered((n) => n + 1)} />
        <DeliveryLog
          reloadSignal={recovered}
          load={async (status, signal) => {
            const page = await api.listEndpointDeliveries(endpoint.id, { limit: 100, status }, { signal });
            return page.data;
          }}
          describe={(delivery) => (
            <>
              for book <Link href={`/books/${delivery.book_uuid}`}>{delivery.book_uuid.slice(0, 8)}</Link>
            </>
          )}
        />
      </section>
    </>
  );
}

function EndpointActions({ endpoint, onChange }: { endpoint: Endpoint; onChange: () => void }) {
  const api = useApi();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<{ action: string; error: ApiError }>();
  const [secret, setSecret] = useState<string>();
  const [test, setTest] = useState<TestAttempt>();
  const [confirmRotate, setConfirmRotate] = useState(false);

  const run = async (action: string, call: () => Promise<void>) => {
    setBusy(action);
    setError(undefined);
    try {
      await call();
    } catch (err) {
      setError({ action, error: asApiError(err) });
    } finally {
      setBusy(undefined);
    }
  };
  const setActive = (active: boolean) =>
    run(active ? 'Resume' : 'Pause', async () => {
      await api.updateEndpoint(endpoint.id, { active });
      onChange();
    });
  const rotate = () =>
    run('Rotate secret', async () => {
      const rotated = await api.rotateEndpointSecret(endpoint.id);
      setSecret(rotated.secret ?? undefined);
      setConfirmRotate(false);
      onChange();
    });
  const resend = () =>
    run('Resend confirmation', async () => {
      await api.resendEndpointConfirmation(endpoint.id);
      onChange();
    });
  const unconfirmed = Boolean(endpoint.email && !endpoint.confirmed_at);
  const sendTest = () =>
    run('Test event', async () => {
      setTest(await api.testEndpoint(endpoint.id));
    });

  return (
    <section aria-labelledby="actions-heading" class="card">
      <h2 id="actions-heading">Actions</h2>
      <div class="actions">
        {endpoint.active ? (
          <button type="button" class="button-secondary" disabled={!!busy} onClick={() => void setActive(false)}>
            Pause
          </button>
        ) : (
          <button type="button" disabled={!!busy} onClick={() => void setActive(true)}>
            Resume
          </button>
        )}
        {endpoint.url && (
          <button type="button" class="button-secondary" disabled={!!busy} onClick={() => setConfirmRotate(true)}>
            Rotate secret
          </button>
        )}
        {unconfirmed ? (
          <button type="button" class="button-secondary" disabled={!!busy} onClick={() => void resend()}>
            {busy === 'Resend confirmation' ? 'Sending…' : 'Resend confirmation'}
          </button>
        ) : (
          <button type="button" class="button-secondary" disabled={!!busy} onClick={() => void sendTest()}>
            {busy === 'Test event' ? 'Sending…' : 'Send test event'}
          </button>
        )}
      </div>
      {confirmRotate && (
        <div class="notice notice-info" role="group" aria-label="Confirm the rotation">
          <p>A new secret signs from now on; the old one keeps signing alongside it for a grace period.</p>
          <button type="button" onClick={() => void rotate()} disabled={!!busy}>
            Rotate now
          </button>{' '}
          <button type="button" class="button-quiet" onClick={() => setConfirmRotate(false)}>
            Cancel
          </button>
        </div>
      )}
      {secret && (
        <div class="notice notice-good" role="status">
          <p>
            <strong>New signing secret</strong>, shown only this once:
          </p>
          <p class="secret">
            <label for="rotated-secret">Signing secret</label>
            <input id="rotated-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={secret} label="Copy secret" />
          </p>
        </div>
      )}
      {test && <TestResult test={test} />}
      {error && <ErrorNotice error={error.error} action={error.action} />}
    </section>
  );
}

const PREVIEW_EVENTS: Array<{ name: PreviewEvent; label: string }> = [
  { name: 'VERIFICATION_COMPLETE', label: 'VERIFICATION_COMPLETE (verified)' },
  { name: 'VERIFICATION_FAILED', label: 'VERIFICATION_COMPLETE (failed, with a reason)' },
  { name: 'BOOK_COMPLETE', label: 'BOOK_COMPLETE' },
  { name: 'ANALYTICS_COMPLETED', label: 'ANALYTICS_COMPLETED' },
  { name: 'TEST', label: 'TEST (Send test event)' },
];

/** The URL endpoint's body format, to change, and a sample of each event kind as the API renders it for it. */
function BodyFormatPreview({ endpoint, onChange }: { endpoint: Endpoint; onChange: () => void }) {
  const api = useApi();
  const [event, setEvent] = useState<PreviewEvent>('VERIFICATION_COMPLETE');
  const [error, setError] = useState<ApiError>();
  const preview = useLoad(
    (signal) => api.previewEndpoint(endpoint.id, { event }, { signal }),
    [endpoint.id, endpoint.format, event],
  );
  const change = async (format: BodyFormat) => {
    setError(undefined);
    try {
      await api.updateEndpoint(endpoint.id, { format });
      onChange();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <section aria-labelledby="format-heading" class="card">
      <h2 id="format-heading">Body format</h2>
      <div class="toolbar">
        <div class="field">
          <label for="body-format">Format</label>
          <select
            id="body-format"
            value={endpoint.format}
            onChange={(e) => void change(e.currentTarget.value as BodyFormat)}
          >
            {FORMATS.map(({ name, label }) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="preview-event">Preview of</label>
          <select id="preview-event" value={event} onChange={(e) => setEvent(e.currentTarget.value as PreviewEvent)}>
            {PREVIEW_EVENTS.map(({ name, label }) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && <ErrorNotice error={error} action="Changing the format" />}
      {preview.error && <ErrorNotice error={preview.error} action="Loading the preview" />}
      {preview.data && <PreviewBody preview={preview.data} />}
    </section>
  );
}

function PreviewBody({ preview }: { preview: EndpointPreview }) {
  // Pretty-printed for reading; the endpoint receives the compact body, signed as sent.
  const pretty = JSON.stringify(JSON.parse(preview.body), null, 2);
  return (
    <figure class="preview">
      <figcaption class="muted">
        A sample book's {preview.event} as this endpoint receives it ({preview.format}, {preview.content_type}), signed
        like every delivery.
      </figcaption>
      <pre aria-label={`Preview of ${preview.event} in ${preview.format}`}>
        <code>{pretty}</code>
      </pre>
      <CopyButton text={preview.body} label="Copy body" />
    </figure>
  );
}

function TestResult({ test }: { test: TestAttempt }) {
  return (
    <div class={`notice ${test.delivered ? 'notice-good' : 'notice-bad'}`} role="status">
      <p>
        <strong>Test event {test.delivered ? 'delivered' : 'not delivered'}</strong>{' '}
        <span class="id">{test.event_id}</span>
      </p>
      <dl class="facts facts-inline">
        <dt>Status code</dt>
        <dd>{test.status_code ?? 'none'}</dd>
        <dt>Duration</dt>
        <dd>{test.duration_ms} ms</dd>
        {test.error && (
          <>
            <dt>Error</dt>
            <dd>{test.error}</dd>
          </>
        )}
        {test.response_snippet && (
          <>
            <dt>Response</dt>
            <dd>
              <code class="snippet">{test.response_snippet}</code>
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

/** Local "YYYY-MM-DDTHH:mm" for a datetime-local input. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Delivers again every delivery of the endpoint that failed since a time (after an outage, say). */
function RecoverSince({ endpointId, onRecovered }: { endpointId: string; onRecovered: () => void }) {
  const api = useApi();
  const [since, setSince] = useState(() => localInputValue(new Date(Date.now() - 24 * 3600_000)));
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      const { redelivering } = await api.recoverEndpointDeliveries(endpointId, {
        since: new Date(since).toISOString(),
      });
      setResult(
        redelivering === 0
          ? 'No delivery failed since then.'
          : `Delivering ${redelivering} failed ${redelivering === 1 ? 'delivery' : 'deliveries'} again.`,
      );
      onRecovered();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <form class="toolbar recover" onSubmit={(event) => void submit(event)}>
      <div class="field">
        <label for="recover-since">Failed since</label>
        <input
          id="recover-since"
          type="datetime-local"
          required
          value={since}
          onInput={(e) => setSince(e.currentTarget.value)}
        />
      </div>
      <button type="submit" class="button-secondary">
        Recover failed deliveries
      </button>
      <span role="status">{result}</span>
      {error && <ErrorNotice error={error} action="Recover" />}
    </form>
  );
}

/** How an e-mail endpoint mails, in words. */
function mailModeLabel(endpoint: Endpoint): string {
  switch (endpoint.mail_mode) {
    case 'each':
      return 'each event as it happens';
    case 'book':
      return 'one summary per book, once its analytics are done';
    case 'daily':
      return `a daily digest at ${String(endpoint.digest_hour).padStart(2, '0')}:00 ${endpoint.digest_time_zone ?? ''}`;
  }
}

/** Changes how an e-mail endpoint mails: each event, one summary per book, or a daily digest at an hour and zone. */
function MailModeForm({ endpoint, onChange }: { endpoint: Endpoint; onChange: () => void }) {
  const api = useApi();
  const [mode, setMode] = useState(endpoint.mail_mode);
  const [hour, setHour] = useState(endpoint.digest_hour ?? 8);
  const [zone, setZone] = useState(
    endpoint.digest_time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.updateEndpoint(endpoint.id, {
        mail_mode: mode,
        ...(mode === 'daily' ? { digest_hour: hour, digest_time_zone: zone } : {}),
      });
      onChange();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="toolbar" onSubmit={(event) => void save(event)} aria-labelledby="mail-mode-heading">
      <h2 id="mail-mode-heading">E-mail digests</h2>
      <label>
        Mail{' '}
        <select value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as Endpoint['mail_mode'])}>
          <option value="each">each event</option>
          <option value="book">one summary per book</option>
          <option value="daily">a daily digest</option>
        </select>
      </label>
      {mode === 'daily' && (
        <>
          <label>
            at{' '}
            <select value={hour} onChange={(e) => setHour(Number((e.target as HTMLSelectElement).value))}>
              {Array.from({ length: 24 }, (_, h) => (
                <option value={h}>{`${String(h).padStart(2, '0')}:00`}</option>
              ))}
            </select>
          </label>
          <label>
            time zone <input value={zone} onInput={(e) => setZone((e.target as HTMLInputElement).value)} />
          </label>
        </>
      )}
      <button type="submit" disabled={busy}>
        Save
      </button>
      {error && <ErrorNotice error={error} action="Changing how it mails" />}
    </form>
  );
}
