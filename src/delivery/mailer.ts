import nodemailer, { type Transporter } from 'nodemailer';
import type { AttemptResult } from './send.js';

/**
 * Sends e-mail notifications through SMTP (SMTP_URL). Its answers map onto the same outcomes as webhooks: accepted
 * → delivered; a permanent 5xx refusal → rejected; a 4xx, timeout or connection error → retry.
 */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl, { from });
  }

  async send(
    to: string,
    message: { subject: string; text: string; eventId: string },
    timeoutMs: number,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const info = (await Promise.race([
        this.transport.sendMail({
          from: this.from,
          to,
          subject: message.subject,
          text: message.text,
          // The same id on every attempt, so a mail filter can drop duplicates.
          messageId: `<${message.eventId}@bookbell>`,
          headers: { 'X-Bookbell-Event-Id': message.eventId },
        }),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)),
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
    }
  }

  close(): void {
    this.transport.close();
  }
}
