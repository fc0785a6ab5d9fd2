import { randomBytes } from 'node:crypto';

/** A new signing secret: Standard Webhooks' `whsec_` + base64 of 32 random bytes, or 48 characters for Ocrolus. */
export function generateSecret(scheme: 'standard' | 'ocrolus'): string {
  return scheme === 'standard' ? `whsec_${randomBytes(32).toString('base64')}` : randomBytes(36).toString('base64url');
}
