/** One Server-Sent Events message: its `event:` name (default "message"), `id:` and raw `data:`. */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * The messages of a `text/event-stream` body as they arrive, per the HTML spec's parsing rules (comments and
 * `retry:` skipped, multi-line `data:` joined). Ends when the server closes the stream; stop early with `break`.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  // getReader rather than `for await`: browsers without async-iterable streams run the console on this too.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let message: { event?: string; id?: string; data: string[] } = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (message.data.length > 0) {
            yield { event: message.event ?? 'message', id: message.id, data: message.data.join('\n') };
          }
          message = { data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data.push(value);
        else if (field === 'event') message.event = value;
        else if (field === 'id') message.id = value;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
