import nodemailer, { type Transporter } from 'nodemailer';
import type { AttemptResult } from './send.js';

/**
 * Sends e-mail notifications through SMTP (SMTP_URL). Its answers map onto the same outcomes as endpoints: accepted
 * → delivered; a permanent 5xx refusal → rejected; a 4xx, timeout or connection error → retry.
 */
export class Mailer {
  private readonly transport: Transporter;

  /** `timeoutMs` (DELIVERY_TIMEOUT) also bounds each wait on the server, unless SMTP_URL's query sets its own. */
  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeoutMs = 15_000,
  ) {
    // nodemailer waits up to 2 minutes to connect, 30 s for the greeting and 10 minutes on a silent socket: a server
    // that stalls would keep one socket per attempt long after the attempt gave up.
    const url = new URL(smtpUrl);
    for (const option of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
      if (!url.searchParams.has(option)) url.searchParams.set(option, String(timeoutMs));
    }
    this.transport = nodemailer.createTransport(url.toString(), { from });
  }

  async send(
    to: string,
    message: { subject: string; text: string; html?: string | undefined; eventId: string },
    timeoutMs: number,
    cancel?: AbortSignal,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = (await Promise.race([
        this.transport.sendMail({
          from: this.from,
          to,
          subject: message.subject,
          // With an HTML part the message is multipart/alternative: a client shows the HTML, or else the text.
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          // The same id on every attempt, so a mail filter can drop duplicates.
          messageId: `<${message.eventId}@bookbell>`,
          headers: { 'X-Bookbell-Event-Id': message.eventId },
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          // nodemailer takes no signal: stop waiting (the SMTP exchange ends on its own timeouts).
          cancel?.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
        }),
      ])) as { response?: string };
      return { outcome: { kind: 'delivered', statusCode: 250 }, durationMs: elapsed(), responseSnippet: info.response };
    } catch (err) {
      const error = err as Error & { responseCode?: number; response?: string; code?: string };
      const code = error.responseCode;
      const outcome: AttemptResult['outcome'] =
        code !== undefined && code >= 500
          ? { kind: 'rejected', statusCode: code }
          : { kind: 'retry', ...(code ? { statusCode: code } : {}) };
      return { outcome, durationMs: elapsed(), error: error.response ?? error.code ?? error.message };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.transport.close();
  }
}
