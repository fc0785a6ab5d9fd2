import { afterAll, describe, expect, it } from 'vitest';
import { Mailer } from '../../src/delivery/mailer.js';
import { eventually } from '../support/http.js';
import { HOSTILE_SMTP_BEHAVIOURS, startHostileSmtpServer, type HostileSmtpServer } from '../support/hostile-smtp.js';

/**
 * Every behaviour of test/support/hostile-smtp.ts against bookbell's real mailer: each attempt ends (the delivery's
 * timeout bounds every stall) in the one outcome the delivery rules give it, and what is kept of the answer is short.
 */
const TIMEOUT_MS = 1_500;
const servers: HostileSmtpServer[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
});

describe('mail servers that misbehave on purpose', () => {
  it.each(HOSTILE_SMTP_BEHAVIOURS.map((behaviour) => [behaviour.name, behaviour] as const))(
    '%s',
    async (_name, behaviour) => {
      const server = await startHostileSmtpServer(behaviour);
      servers.push(server);
      const mailer = new Mailer(server.url, 'bookbell <notifications@bookbell.test>', TIMEOUT_MS);
      try {
        const attempt = await mailer.send(
          'ops@crm.test',
          { subject: 'BOOK_COMPLETE', text: 'done', eventId: 'evt_bc_hostile' },
          TIMEOUT_MS,
        );
        expect(attempt.outcome.kind, JSON.stringify(attempt)).toBe(behaviour.expected);
        // Accepted means sent: the server took the message exactly when bookbell says it was delivered.
        expect(server.accepted).toBe(behaviour.expected === 'delivered' ? 1 : 0);
        // A failure says what happened, in words a person can act on.
        if (behaviour.expected !== 'delivered') expect(attempt.error).toMatch(/\w{3}/);
        // And the connection is closed: a stalling server does not collect bookbell's sockets, one per retry.
        await eventually(() => expect(server.open).toBe(0), 5_000);
      } finally {
        mailer.close();
      }
    },
    15_000,
  );
});
