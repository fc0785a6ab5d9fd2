import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useRef } from 'preact/hooks';
import type { Api } from './api.js';
import type { FeedEvent } from './api-types.js';
import { openEventStream } from './event-stream.js';

type Listener = (event: FeedEvent) => void;

/** The listeners of the session's one tenant stream: every page and the alerts share a single connection. */
class TenantEvents {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: FeedEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

const TenantEventsContext = createContext<TenantEvents | null>(null);

/** The stream's name for each event's message (FEED_STREAM_EVENT in src/contract/event-feed.ts). */
const FEED_EVENT = 'event';

/**
 * Keeps `GET /v1/events/stream` open for the signed-in session: it starts now (no position), and a reconnect resumes
 * from the last event seen. A position the API no longer keeps (410) starts over from now: the events in between
 * are past alerts, not worth a flood.
 */
export function TenantEventsProvider({ api, children }: { api: Api; children: ComponentChildren }) {
  const events = useMemo(() => new TenantEvents(), [api]);
  useEffect(() => {
    let controller = new AbortController();
    const open = () =>
      openEventStream(api, '/v1/events/stream', controller.signal, {
        onMessage(message) {
          if (message.event === FEED_EVENT) events.emit(JSON.parse(message.data) as FeedEvent);
        },
        onConnection: () => {},
        onRefused(error) {
          if (error.status !== 410) return;
          controller = new AbortController();
          open();
        },
      });
    open();
    return () => controller.abort();
  }, [api, events]);
  return <TenantEventsContext.Provider value={events}>{children}</TenantEventsContext.Provider>;
}

/** Calls `listener` with each of the tenant's events as it happens, while the component is mounted. */
export function useTenantEvents(listener: Listener): void {
  const events = useContext(TenantEventsContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => events?.subscribe((event) => latest.current(event)), [events]);
}
