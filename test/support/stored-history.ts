import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { testCodec } from './payload-keys.js';

/**
 * Every payload the data converter wrote anywhere in a history (inputs, signals, updates, results, memos, failures'
 * details): not search attributes (ids, statuses and counts, which the server indexes), headers (request ids) nor
 * workflow patch markers (a patch's name).
 */
export function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const object = value as Record<string, unknown>;
  // A workflow patch's marker (patched()) is written by the SDK's core, not through the codec: it holds the patch's
  // name only, never tenant data.
  if (object.markerName === 'core_patch') return found;
  if (object.data instanceof Uint8Array && object.metadata && typeof object.metadata === 'object') {
    found.push(object);
    return found;
  }
  for (const [key, inner] of Object.entries(object)) {
    if (key !== 'searchAttributes' && key !== 'header') payloadsIn(inner, found);
  }
  return found;
}

/** The text of every payload of a history, opened with this process's keys (what the history says, decrypted). */
export async function decodedText(history: temporal.api.history.v1.IHistory): Promise<string> {
  const opened = await testCodec().decode(payloadsIn(history));
  return opened.map((payload) => Buffer.from(payload.data ?? []).toString()).join('\n');
}
