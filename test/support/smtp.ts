import { SMTPServer } from 'smtp-server';
import { mimeParts, type MimePart } from './mime.js';

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  /** The message's content type (e.g. `multipart/alternative`) and its decoded leaf parts. */
  contentType: string;
  parts: MimePart[];
}

/**
 * A real SMTP server on 127.0.0.1 that keeps every message; `refuse(index)` may answer a message with an SMTP error
 * code instead (e.g. 451 to make the sender retry, 550 to refuse for good).
 */
export async function startSmtpServer(refuse: (index: number) => number | undefined = () => undefined) {
  const mails: ReceivedMail[] = [];
  let index = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const code = refuse(index++);
        if (code) {
          const error = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & {
            responseCode: number;
          };
          error.responseCode = code;
          return callback(error);
        }
        const raw = Buffer.concat(chunks).toString();
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';
        const contentType = /^Content-Type: ([^;\r\n]+)/im.exec(raw)?.[1]?.toLowerCase() ?? 'text/plain';
        const to = session.envelope.rcptTo.map((r) => r.address);
        mails.push({ to, raw, subject, contentType, parts: mimeParts(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
