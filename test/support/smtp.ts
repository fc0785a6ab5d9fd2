import { SMTPServer } from 'smtp-server';
import { eventually } from './http.js';
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
 * A real SMTP server on 127.0.0.1 that keeps every message; `refuse(index, subject)` may answer a message with an SMTP
 * error code instead (e.g. 451 to make the sender retry, 550 to refuse for good).
 */
export async function startSmtpServer(
  refuse: (index: number, subject: string) => number | undefined = () => undefined,
) {
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
        const raw = Buffer.concat(chunks).toString();
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';
        const code = refuse(index++, subject);
        if (code) {
          const error = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & {
            responseCode: number;
          };
          error.responseCode = code;
          return callback(error);
        }
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

/** The confirmation message to `address` once it came, taken out of `mails` (the tests after it count the rest). */
export async function takeConfirmation(
  smtp: { mails: ReceivedMail[] },
  address: string,
): Promise<{ mail: ReceivedMail; token: string; link: string }> {
  const mail = await eventually(() => {
    const found = smtp.mails.find((m) => m.to.includes(address) && m.subject.startsWith('Confirm that'));
    if (!found) throw new Error(`no confirmation message to ${address} yet`);
    return found;
  });
  smtp.mails.splice(smtp.mails.indexOf(mail), 1);
  const text = mail.parts.find((part) => part.type === 'text/plain')?.body ?? '';
  const link = /Confirm the subscription: (\S+)/.exec(text)?.[1];
  if (!link) throw new Error(`no confirmation link in: ${text}`);
  return { mail, link, token: link.slice(link.lastIndexOf('/') + 1) };
}

/**
 * Does what the person at `address` does: opens the link of their confirmation message and presses its button (the
 * page's form POSTs to the same address). `apiUrl` stands in for PUBLIC_URL, which tests point elsewhere.
 */
export async function confirmAddress(smtp: { mails: ReceivedMail[] }, apiUrl: string, address: string): Promise<void> {
  const { token } = await takeConfirmation(smtp, address);
  const page = await fetch(`${apiUrl}/confirm/${token}`);
  if (page.status !== 200 || !(await page.text()).includes('<form method="post">')) {
    throw new Error(`the confirmation page answered ${page.status}`);
  }
  const confirmed = await fetch(`${apiUrl}/confirm/${token}`, { method: 'POST' });
  if (confirmed.status !== 200) throw new Error(`confirming answered ${confirmed.status}`);
}
