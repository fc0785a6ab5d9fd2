import { eventually } from './http.js';

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: any;
}

/**
 * A Server-Sent Events client over fetch, as a CRM backend would write one: it records every message and comment
 * (heartbeats) of one connection until `close()`.
 */
export async function openStream(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (current.data.length > 0) {
              messages.push({
                id: current.id,
                event: current.event ?? 'message',
                data: JSON.parse(current.data.join('\n')),
              });
            }
            current = { data: [] };
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') current.data.push(value);
            else if (field === 'id') current.id = value;
            else if (field === 'event') current.event = value;
          }
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();
  return {
    response,
    messages,
    comments,
    get ended() {
      return ended;
    },
    /** Waits until a message satisfies `predicate` and returns it. */
    waitFor(predicate: (message: SseMessage) => boolean, timeoutMs = 30_000): Promise<SseMessage> {
      return eventually(
        () => {
          const found = messages.find(predicate);
          if (!found) throw new Error(`no such message yet; got ${messages.map((m) => m.event).join(', ')}`);
          return found;
        },
        timeoutMs,
        20,
      );
    },
    async close() {
      abort.abort();
      await reading;
    },
  };
}
