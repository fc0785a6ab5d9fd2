import { useState } from 'preact/hooks';
import { asApiError, useApi, type ApiError } from '../api.js';
import type { BodyFormat, SubscribableEvent, Endpoint, EndpointWithSecret } from '../api-types.js';
import { Badge, CopyButton, ErrorNotice, Loading, PageTitle } from '../components.js';
import { formatDateTime } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';

/** The body formats a URL endpoint can receive, as the console names them. */
export const FORMATS: Array<{ name: BodyFormat; label: string }> = [
  { name: 'bookbell', label: "bookbell (bookbell's own JSON)" },
  { name: 'ocrolus', label: "Ocrolus (Ocrolus's webhook event names and fields)" },
  { name: 'slack', label: 'Slack (an incoming-webhook message)' },
  { name: 'teams', label: 'Microsoft Teams (an Adaptive Card for a workflow webhook)' },
];

export const EVENTS: Array<{ name: SubscribableEvent; description: string }> = [
  { name: 'VERIFICATION_COMPLETE', description: 'each document verified or failed' },
  { name: 'BOOK_COMPLETE', description: 'the book is sealed and every document is done' },
  { name: 'ANALYTICS_COMPLETED', description: 'the analytics are ready' },
  { name: 'endpoint.disabled', description: 'one of your endpoints was disabled after failing for days' },
];

export function endpointState(endpoint: Endpoint): { label: string; tone: 'good' | 'bad' | 'waiting' } {
  // An address receives nothing until someone there follows the link of its confirmation message.
  if (endpoint.email && !endpoint.confirmed_at) return { label: 'Awaiting confirmation', tone: 'waiting' };
  if (endpoint.active)
    return endpoint.failing_since ? { label: 'Failing', tone: 'bad' } : { label: 'Active', tone: 'good' };
  return endpoint.disabled_reason ? { label: 'Disabled', tone: 'bad' } : { label: 'Paused', tone: 'waiting' };
}

/** The tenant's endpoints, and a form to add one. */
export function EndpointsPage() {
  const api = useApi();
  const endpoints = useLoad((signal) => api.listEndpoints({}, { signal }), []);
  return (
    <>
      <PageTitle title="Endpoints">Endpoints</PageTitle>
      <p class="muted">Where the books' events are delivered: signed, retried for days, logged attempt by attempt.</p>
      {endpoints.error && <ErrorNotice error={endpoints.error} action="Loading the endpoints" />}
      {!endpoints.data && endpoints.loading && <Loading what="endpoints" />}
      {endpoints.data && endpoints.data.data.length === 0 && <p class="empty">No endpoints yet: add one below.</p>}
      {endpoints.data && endpoints.data.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">State</th>
                <th scope="col">Events</th>
                <th scope="col">Signature</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.data.map((endpoint) => {
                const state = endpointState(endpoint);
                return (
                  <tr key={endpoint.id}>
                    <th scope="row">
                      <Link href={`/endpoints/${endpoint.id}`}>{endpoint.url ?? endpoint.email}</Link>
                      {endpoint.description && <div class="muted">{endpoint.description}</div>}
                    </th>
                    <td>
                      <Badge tone={state.tone}>{state.label}</Badge>
                    </td>
                    <td>{endpoint.events.join(', ')}</td>
                    <td>{endpoint.signature_scheme}</td>
                    <td>{formatDateTime(endpoint.created_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <CreateEndpoint onCreated={endpoints.reload} />
    </>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: () => void }) {
  const api = useApi();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<SubscribableEvent[]>([
    'VERIFICATION_COMPLETE',
    'BOOK_COMPLETE',
    'ANALYTICS_COMPLETED',
  ]);
  const [scheme, setScheme] = useState<'standard' | 'ocrolus'>('standard');
  const [format, setFormat] = useState<BodyFormat>('bookbell');
  const [error, setError] = useState<ApiError>();
  const [created, setCreated] = useState<EndpointWithSecret>();
  const [saving, setSaving] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      const body = {
        url: url.trim(),
        events,
        signature_scheme: scheme,
        format,
        ...(description.trim() ? { description } : {}),
      };
      setCreated(await api.createEndpoint(body));
      setUrl('');
      setDescription('');
      onCreated();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setSaving(false);
    }
  };
  const fieldError = (field: string) => error?.errors.find((e) => e.field === field)?.message;
  const toggle = (name: SubscribableEvent, on: boolean) =>
    setEvents((list) => (on ? [...list, name] : list.filter((e) => e !== name)));

  return (
    <section aria-labelledby="create-endpoint-heading" class="card">
      <h2 id="create-endpoint-heading">Add an endpoint</h2>
      {created?.secret && (
        <div class="notice notice-good" role="status">
          <p>
            <strong>Endpoint created.</strong> Its signing secret is shown <strong>only this once</strong>: keep it
            where your receiver verifies signatures.
          </p>
          <p class="secret">
            <label for="new-secret">Signing secret</label>
            <input id="new-secret" readOnly value={created.secret} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={created.secret} label="Copy secret" />
          </p>
          <Link href={`/endpoints/${created.id}`}>Open {created.url}</Link>
        </div>
      )}
      {error && <ErrorNotice error={error} action="Adding the endpoint" />}
      <form onSubmit={(event) => void submit(event)} noValidate class="stack">
        <div class="field">
          <label for="endpoint-url">Endpoint URL</label>
          <input
            id="endpoint-url"
            type="url"
            required
            placeholder="https://crm.example.com/hooks/bookbell"
            value={url}
            aria-invalid={fieldError('url') ? true : undefined}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="endpoint-description">Description (optional)</label>
          <input id="endpoint-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </div>
        <fieldset>
          <legend>Events</legend>
          {EVENTS.map(({ name, description: what }) => (
            <label key={name} class="check">
              <input
                type="checkbox"
                checked={events.includes(name)}
                onChange={(e) => toggle(name, e.currentTarget.checked)}
              />
              <code>{name}</code> <span class="muted">{what}</span>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="endpoint-format">Body format</label>
          <select id="endpoint-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as BodyFormat)}>
            {FORMATS.map(({ name, label }) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>Signature scheme</legend>
          <label class="check">
            <input type="radio" name="scheme" checked={scheme === 'standard'} onChange={() => setScheme('standard')} />
            Standard Webhooks <span class="muted">(webhook-id, webhook-signature)</span>
          </label>
          <label class="check">
            <input type="radio" name="scheme" checked={scheme === 'ocrolus'} onChange={() => setScheme('ocrolus')} />
            Ocrolus <span class="muted">(Webhook-Signature, hex HMAC)</span>
          </label>
        </fieldset>
        <div>
          <button type="submit" disabled={saving}>
            {saving ? 'Adding…' : 'Add endpoint'}
          </button>
        </div>
      </form>
    </section>
  );
}
