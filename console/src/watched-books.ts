import { useEffect, useState } from 'preact/hooks';

// Kept in localStorage, unlike the key: which books someone watches is no secret, and it should outlast the tab.
const WATCHED = 'bookbell.watchedBooks';
const ASKED = 'bookbell.notificationsAsked';
const TOLD = 'bookbell.notificationsBlockedTold';
const CHANGED = 'bookbell:watched';

function read(): Set<string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(WATCHED) ?? '[]');
    return new Set(Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

export const watchedBooks = {
  has: (bookUuid: string): boolean => read().has(bookUuid),
  set(bookUuid: string, watched: boolean): void {
    const books = read();
    if (watched) books.add(bookUuid);
    else books.delete(bookUuid);
    localStorage.setItem(WATCHED, JSON.stringify([...books]));
    window.dispatchEvent(new Event(CHANGED));
  },
};

/** Whether `bookUuid` is watched, kept current when this tab or another one changes it. */
export function useWatched(bookUuid: string): boolean {
  const [watched, setWatched] = useState(() => watchedBooks.has(bookUuid));
  useEffect(() => {
    const update = () => setWatched(watchedBooks.has(bookUuid));
    update();
    window.addEventListener(CHANGED, update);
    window.addEventListener('storage', update);
    return () => {
      window.removeEventListener(CHANGED, update);
      window.removeEventListener('storage', update);
    };
  }, [bookUuid]);
  return watched;
}

/** Desktop notifications need the Notification API, which browsers offer on https and localhost only. */
const notifications = (): typeof Notification | undefined =>
  typeof Notification === 'undefined' ? undefined : Notification;

/** Whether a watched book's alerts may also show as desktop notifications. */
export const mayNotify = (): boolean => notifications()?.permission === 'granted';

/**
 * Asks for the permission to notify, once ever (a browser counts repeated prompts against the site). Returns a
 * sentence to show when alerts will stay in the page, the first time that is so; undefined otherwise.
 */
export async function askToNotifyOnce(): Promise<string | undefined> {
  const api = notifications();
  if (api && api.permission === 'default' && !localStorage.getItem(ASKED)) {
    localStorage.setItem(ASKED, 'yes');
    await api.requestPermission();
  }
  if (api?.permission === 'granted' || localStorage.getItem(TOLD)) return undefined;
  localStorage.setItem(TOLD, 'yes');
  return api
    ? 'Desktop notifications are not allowed for this console: alerts for watched books show in this page only.'
    : 'This browser offers no desktop notifications here (they need https): alerts for watched books show in this page only.';
}
