// The API key lives in this tab's sessionStorage only: never in a URL, a cookie or localStorage.
const STORAGE_KEY = 'bookbell.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  signIn: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  signOut: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** Deployment facts the server writes into the page (see src/api/console-routes.ts). */
export interface ConsoleConfig {
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

export function readConfig(): ConsoleConfig {
  const text = document.getElementById('bookbell-config')?.textContent ?? '{}';
  const parsed = JSON.parse(text) as Partial<ConsoleConfig>;
  return { temporalUiUrl: parsed.temporalUiUrl ?? null, temporalNamespace: parsed.temporalNamespace ?? 'default' };
}
