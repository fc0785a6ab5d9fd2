import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { secretRefusal } from '../../src/contract/endpoint-settings.js';
import { generateSecret } from '../../src/delivery/secrets.js';
import { signatureHeaders } from '../../src/delivery/signing.js';

const BODY = JSON.stringify({
  event_name: 'BOOK_COMPLETE',
  book_uuid: '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c',
  status: 'COMPLETED',
});
const MESSAGE_ID = 'evt_01HZX3Y4Z5';

/** A Standard Webhooks `v1,` signature computed by hand from the spec: base64 HMAC-SHA256 keyed by the decoded secret. */
function standardSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Runs `verify` and returns what it threw (failing the test when it threw nothing). */
function thrownBy(verify: () => unknown): unknown {
  try {
    verify();
  } catch (err) {
    return err;
  }
  throw new Error('verification succeeded, but it should have failed');
}

describe('generateSecret', () => {
  it('makes Standard Webhooks secrets: whsec_ + base64 of 32 bytes', () => {
    const secret = generateSecret('standard');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(bytes).toHaveLength(32);
    // The base64 round-trips exactly, so no character was dropped by a lenient decoder.
    expect(`whsec_${bytes.toString('base64')}`).toBe(secret);
  });

  it('makes 48-character Ocrolus secrets', () => {
    const secret = generateSecret('ocrolus');
    expect(secret).toHaveLength(48);
    expect(secret).not.toMatch(/^whsec_/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{48}$/);
  });

  it('never hands out the same secret twice', () => {
    expect(generateSecret('standard')).not.toBe(generateSecret('standard'));
    expect(generateSecret('ocrolus')).not.toBe(generateSecret('ocrolus'));
    const many = new Set(Array.from({ length: 50 }, () => generateSecret('standard')));
    expect(many.size).toBe(50);
  });
});

describe('signatureHeaders, standard scheme', () => {
  it('produces webhook-id, webhook-timestamp and webhook-signature that verify with the standardwebhooks package', () => {
    const secret = generateSecret('standard');
    const at = new Date();
    const headers = signatureHeaders({ scheme: 'standard', secret }, MESSAGE_ID, at, BODY);

    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe(MESSAGE_ID);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers['webhook-signature']).toBe(
      standardSignature(secret, MESSAGE_ID, headers['webhook-timestamp'] as string, BODY),
    );

    // A receiver using the reference library accepts it and gets the payload back.
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('is accepted when a receiver passes the headers with other capitalisation', () => {
    const secret = generateSecret('standard');
    const headers = signatureHeaders({ scheme: 'standard', secret }, MESSAGE_ID, new Date(), BODY);
    const capitalised = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));
    expect(new Webhook(secret).verify(BODY, capitalised)).toEqual(JSON.parse(BODY));
  });

  it('during a rotation signs with both secrets, and either one verifies', () => {
    const secret = generateSecret('standard');
    const previousSecret = generateSecret('standard');
    const headers = signatureHeaders({ scheme: 'standard', secret, previousSecret }, MESSAGE_ID, new Date(), BODY);

    const signatures = (headers['webhook-signature'] as string).split(' ');
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const timestamp = headers['webhook-timestamp'] as string;
    expect(signatures).toContain(standardSignature(secret, MESSAGE_ID, timestamp, BODY));
    expect(signatures).toContain(standardSignature(previousSecret, MESSAGE_ID, timestamp, BODY));

    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new Webhook(previousSecret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(thrownBy(() => new Webhook(generateSecret('standard')).verify(BODY, headers))).toBeInstanceOf(
      WebhookVerificationError,
    );
  });

  it('without a previous secret carries exactly one signature', () => {
    const headers = signatureHeaders(
      { scheme: 'standard', secret: generateSecret('standard'), previousSecret: undefined },
      MESSAGE_ID,
      new Date(),
      BODY,
    );
    expect((headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
  });

  it('fails verification for a tampered body', () => {
    const secret = generateSecret('standard');
    const headers = signatureHeaders({ scheme: 'standard', secret }, MESSAGE_ID, new Date(), BODY);
    const tampered = BODY.replace('COMPLETED', 'REJECTED');
    expect(tampered).not.toBe(BODY);
    expect(thrownBy(() => new Webhook(secret).verify(tampered, headers))).toBeInstanceOf(WebhookVerificationError);
  });

  it('fails verification for a changed message id', () => {
    const secret = generateSecret('standard');
    const headers = signatureHeaders({ scheme: 'standard', secret }, MESSAGE_ID, new Date(), BODY);
    const replayed = { ...headers, 'webhook-id': 'evt_other' };
    expect(thrownBy(() => new Webhook(secret).verify(BODY, replayed))).toBeInstanceOf(WebhookVerificationError);
  });

  it('fails verification with the wrong secret', () => {
    const headers = signatureHeaders(
      { scheme: 'standard', secret: generateSecret('standard') },
      MESSAGE_ID,
      new Date(),
      BODY,
    );
    expect(thrownBy(() => new Webhook(generateSecret('standard')).verify(BODY, headers))).toBeInstanceOf(
      WebhookVerificationError,
    );
  });

  it('stamps the given time, so a signature made 10 minutes ago is refused as stale', () => {
    const secret = generateSecret('standard');
    const headers = signatureHeaders({ scheme: 'standard', secret }, MESSAGE_ID, new Date(Date.now() - 600_000), BODY);
    expect(thrownBy(() => new Webhook(secret).verify(BODY, headers))).toBeInstanceOf(WebhookVerificationError);
  });
});

describe('signatureHeaders, ocrolus scheme', () => {
  const AT = new Date('2026-11-28T10:00:00.750Z');
  const TIMESTAMP = '1795860000';

  it('sends Webhook-Request-Id, Webhook-Timestamp in unix seconds and a hex HMAC of timestamp.id.body', () => {
    const secret = generateSecret('ocrolus');
    const headers = signatureHeaders({ scheme: 'ocrolus', secret }, MESSAGE_ID, AT, BODY);

    expect(Object.keys(headers).sort()).toEqual(['Webhook-Request-Id', 'Webhook-Signature', 'Webhook-Timestamp']);
    expect(headers['Webhook-Request-Id']).toBe(MESSAGE_ID);
    expect(headers['Webhook-Timestamp']).toBe(TIMESTAMP);
    expect(Number(TIMESTAMP)).toBe(Math.floor(AT.getTime() / 1000));
    const expected = createHmac('sha256', secret).update(`${TIMESTAMP}.${MESSAGE_ID}.${BODY}`).digest('hex');
    expect(headers['Webhook-Signature']).toBe(expected);
    expect(headers['Webhook-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a different signature for a tampered body or another secret', () => {
    const secret = generateSecret('ocrolus');
    const signature = signatureHeaders({ scheme: 'ocrolus', secret }, MESSAGE_ID, AT, BODY)['Webhook-Signature'];
    const tampered = BODY.replace('COMPLETED', 'REJECTED');
    // What a receiver would compute for the tampered body: it no longer matches the header.
    expect(createHmac('sha256', secret).update(`${TIMESTAMP}.${MESSAGE_ID}.${tampered}`).digest('hex')).not.toBe(
      signature,
    );
    const other = signatureHeaders({ scheme: 'ocrolus', secret: generateSecret('ocrolus') }, MESSAGE_ID, AT, BODY);
    expect(other['Webhook-Signature']).not.toBe(signature);
  });

  it('signs with the current secret only, even during a rotation', () => {
    const secret = generateSecret('ocrolus');
    const previousSecret = generateSecret('ocrolus');
    const headers = signatureHeaders({ scheme: 'ocrolus', secret, previousSecret }, MESSAGE_ID, AT, BODY);
    expect(headers['Webhook-Signature']).toBe(
      createHmac('sha256', secret).update(`${TIMESTAMP}.${MESSAGE_ID}.${BODY}`).digest('hex'),
    );
  });
});

describe('secretRefusal: every secret the API accepts signs', () => {
  const signs = (scheme: 'standard' | 'ocrolus', secret: string) => {
    try {
      const headers = signatureHeaders({ scheme, secret }, MESSAGE_ID, new Date(), BODY);
      if (scheme === 'standard') new Webhook(secret).verify(BODY, headers);
      return true;
    } catch {
      return false;
    }
  };

  it('accepts standard secrets of 24 to 64 random bytes, refuses other lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        const secret = `whsec_${Buffer.from(bytes).toString('base64')}`;
        const accepted = secretRefusal('standard', secret) === undefined;
        expect(accepted).toBe(bytes.length >= 24 && bytes.length <= 64);
        if (accepted) expect(signs('standard', secret)).toBe(true);
      }),
    );
  });

  it('never accepts a standard secret that cannot sign (malformed base64, padding, characters)', () => {
    const base64ish = fc.string({ unit: fc.constantFrom(...'ABCxyz019+/=-_ .\u00e9'.split('')), maxLength: 100 });
    fc.assert(
      fc.property(
        fc.oneof(
          base64ish.map((tail) => `whsec_${tail}`),
          fc.string({ maxLength: 100 }),
        ),
        (secret) => {
          if (secretRefusal('standard', secret) === undefined) expect(signs('standard', secret)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    for (const secret of ['whsec_', 'whsec_====', `whsec_${'A'.repeat(33)}`, `whsec_${'A'.repeat(30)}=A`]) {
      expect(secretRefusal('standard', secret)).toBeDefined();
    }
  });

  it('accepts any Ocrolus secret without control characters, and it signs', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 16, maxLength: 128, unit: 'grapheme' }), (secret) => {
        if (secretRefusal('ocrolus', secret) === undefined) expect(signs('ocrolus', secret)).toBe(true);
      }),
    );
    expect(secretRefusal('ocrolus', 'sixteen chars ok')).toBeUndefined();
    expect(secretRefusal('ocrolus', 'sixteen\u0000chars!!')).toBeDefined();
  });
});
