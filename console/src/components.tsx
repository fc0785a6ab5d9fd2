import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api.js';
import type { Tone } from './format.js';
import { readConfig } from './session.js';

export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** The page's heading, also the tab's title. */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  useEffect(() => {
    document.title = `${title} · bookbell console`;
  }, [title]);
  return <h1>{children}</h1>;
}

export function ErrorNotice({ error, action }: { error: ApiError; action?: string }) {
  return (
    <div class="notice notice-bad" role="alert">
      <strong>{action ? `${action} failed` : error.title}:</strong> {error.detail}
      {error.errors.length > 0 && (
        <ul>
          {error.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** Copies `text`; says so to screen readers too. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <>
      <button type="button" class="button-secondary" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" class="muted">
        {copied === true ? 'Copied.' : copied === false ? 'Copy failed: select the text and copy it.' : ''}
      </span>
    </>
  );
}

const config = readConfig();

/** A link to the workflows matching `query` in the Temporal UI, when the server told us where it is. */
export function TemporalLink({ query, children }: { query: string; children: ComponentChildren }) {
  if (!config.temporalUiUrl) return null;
  const namespace = encodeURIComponent(config.temporalNamespace);
  const href = `${config.temporalUiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(query)}`;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" class="external">
      {children}
      <span class="visually-hidden"> (opens the Temporal UI in a new tab)</span>
    </a>
  );
}
