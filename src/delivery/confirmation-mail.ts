import { createHash, randomBytes } from 'node:crypto';
import { renderMail, type RenderedMail } from './mail-layout.js';

/** A new single-use confirmation token (32 random bytes, URL-safe) and the hash that is all the database keeps. */
export function newConfirmationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashConfirmationToken(token) };
}

export const hashConfirmationToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A token as newConfirmationToken makes them: anything else is no token, without a look in the database. */
export const CONFIRMATION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The public page that confirms: under PUBLIC_URL (which may have a path of its own), else the API's own address. */
export const confirmationLink = (base: string, token: string): string => `${base.replace(/\/+$/, '')}/confirm/${token}`;

/** The one message an address gets before it agrees to more: who asks, and the link that agrees. */
export function confirmationMail(email: string, link: string): RenderedMail {
  return renderMail({
    subject: 'Confirm that you want bookbell notifications',
    heading: 'Confirm your e-mail subscription',
    blocks: [
      {
        kind: 'paragraph',
        text:
          `Someone asked bookbell to send notifications to ${email}. Nothing will be sent to this address until you ` +
          'confirm. If you did not expect this, ignore this message: you will get nothing more.',
      },
      { kind: 'link', text: 'Confirm the subscription', href: link },
    ],
    footer: 'A confirmation request',
  });
}
