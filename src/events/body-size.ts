/**
 * Measuring and cutting what a body carries, so it stays within EVENT_BODY_MAX_BYTES whatever the input: sizes are
 * those a receiver's body limit counts (UTF-8 bytes of the JSON), and cuts never split a character.
 */

const CUT = '…';

/** UTF-8 bytes of a value's JSON. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** `text` cut to `maxChars` UTF-16 code units, "…" marking a cut; never inside a surrogate pair (jsonb refuses one). */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - CUT.length;
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${CUT}`;
}

/** `text` cut to `maxBytes` of UTF-8, "…" marking a cut, at a character boundary. */
export function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(CUT);
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return `${text.slice(0, end)}${CUT}`;
}

/**
 * The longest prefix of `items` that, put into a body whose JSON with the list empty (`[]`) takes `emptyBytes`, keeps
 * it within `maxBytes`. A prefix, so "the rest" is simply what follows it in the full list.
 */
export function fittingPrefix<T>(items: readonly T[], emptyBytes: number, maxBytes: number): T[] {
  let used = emptyBytes;
  let count = 0;
  for (const item of items) {
    const added = jsonBytes(item) + (count > 0 ? 1 : 0); // the comma before it
    if (used + added > maxBytes) break;
    used += added;
    count += 1;
  }
  return items.slice(0, count);
}
