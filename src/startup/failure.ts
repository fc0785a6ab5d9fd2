/**
 * A start-up failure a person can fix: its message is one or two sentences naming the cause and the fix (which port,
 * which variable, which command). Entry points print the message alone, never a stack.
 */
export class StartupFailure extends Error {
  override name = 'StartupFailure';
}

/** The `code` of a Node system error (or of its cause), e.g. `ENOSPC`. */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Turns a failure nobody foresaw at its place into a sentence where one is known for its kind (a full disk), else
 * into its own message; never `undefined`.
 */
export function describeFailure(err: unknown): string {
  if (err instanceof StartupFailure) return err.message;
  const code = errorCode(err);
  const text =
    err instanceof Error ? err.message : typeof err === 'string' ? err : err == null ? '' : JSON.stringify(err);
  if (code === 'ENOSPC' || /no space left on device/i.test(text)) {
    return `The disk is full (${text || 'ENOSPC'}): free some space (df -h shows which disk) and start again.`;
  }
  if (code === 'EROFS')
    return `A file system bookbell writes to is read-only (${text}): set DATA_DIR to a writable folder.`;
  return (
    text || 'bookbell stopped while starting without saying why (a bug): run again with LOG_LEVEL=debug and report it.'
  );
}
