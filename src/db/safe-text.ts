/** C0 controls but tab, line feed and carriage return, and DEL: PostgreSQL's text refuses NUL, and none is readable. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/**
 * Text a receiver or mail server sent, made safe to store and show: control characters become U+FFFD, and it is cut to
 * `maxChars` (never inside a surrogate pair). Whatever bytes came back, the attempt is logged: a receiver's body can
 * never make the attempt log fail, and with it the delivery loop.
 */
export function safeText(value: string | undefined, maxChars: number): string | undefined {
  if (value === undefined) return undefined;
  let text = value.replace(CONTROL_CHARACTERS, '\uFFFD');
  if (text.length > maxChars) {
    const cut = /[\uD800-\uDBFF]/.test(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    text = `${text.slice(0, cut)}…`;
  }
  return text;
}
