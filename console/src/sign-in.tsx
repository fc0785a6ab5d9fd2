import { useState } from 'preact/hooks';
import { Api, ApiError, asApiError } from './api.js';
import { PageTitle } from './components.js';

/** Asks for an API key and checks it against the API before keeping it for this tab's session. */
export function SignIn({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [checking, setChecking] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) {
      setError('Enter an API key.');
      return;
    }
    setChecking(true);
    setError(undefined);
    try {
      await new Api(candidate).listBooks({ limit: 1 });
      onSignedIn(candidate);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? `That API key was not accepted: ${err.detail}`
          : `Could not check the key: ${asApiError(err).detail}`,
      );
      setChecking(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <div class="card">
        <PageTitle title="Sign in">Sign in to the bookbell console</PageTitle>
        <p class="muted">
          Use an API key of your tenant: <code>npm start</code> prints one, <code>npm run keys -- create</code> makes
          more. The key stays in this browser tab's session and is sent only as an <code>Authorization</code> header.
        </p>
        {notice && (
          <p class="notice notice-info" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={(event) => void submit(event)} noValidate>
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder="bb_…"
            value={key}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'sign-in-error' : undefined}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
          {error && (
            <p id="sign-in-error" class="notice notice-bad" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={checking}>
            {checking ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
