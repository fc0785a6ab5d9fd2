import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * SMTP servers that misbehave on purpose, one per behaviour a real mail server (or something posing as one) can show:
 * refusing at the greeting, never greeting, dropping the connection at each step, temporary and permanent refusals,
 * garbage instead of replies, a reply line that never ends. Each is a real `node:net` server on loopback speaking just
 * enough SMTP by hand. Used by test/integration/hostile-smtp.test.ts and the hostile-receivers drill.
 */
export type SmtpStep = 'greeting' | 'EHLO' | 'MAIL' | 'RCPT' | 'DATA' | 'message';

/** What the server does at a step: a reply (lines without CRLF), drop the connection, or say nothing at all. */
export type SmtpAnswer = string | { drop: true } | { stall: true } | { trickle: string };

export interface HostileSmtpBehaviour {
  name: string;
  /** Replaces the normal answer at the steps it names. */
  at: Partial<Record<SmtpStep, SmtpAnswer>>;
  /** What bookbell must make of it (docs/endpoints.md, "E-mail"). */
  expected: 'delivered' | 'retry' | 'rejected';
}

const NORMAL: Record<SmtpStep, string> = {
  greeting: '220 hostile.test ESMTP',
  EHLO: '250-hostile.test\r\n250 8BITMIME',
  MAIL: '250 sender ok',
  RCPT: '250 recipient ok',
  DATA: '354 go ahead',
  message: '250 queued as 1',
};

export const HOSTILE_SMTP_BEHAVIOURS: HostileSmtpBehaviour[] = [
  { name: 'a well-behaved server', at: {}, expected: 'delivered' },
  { name: '554 at the greeting (no mail service here)', at: { greeting: '554 no service' }, expected: 'rejected' },
  { name: '421 at the greeting (busy, try later)', at: { greeting: '421 busy' }, expected: 'retry' },
  { name: 'never greets', at: { greeting: { stall: true } }, expected: 'retry' },
  { name: 'drops the connection before greeting', at: { greeting: { drop: true } }, expected: 'retry' },
  { name: 'drops the connection after EHLO', at: { EHLO: { drop: true } }, expected: 'retry' },
  { name: '550 for the recipient', at: { RCPT: '550 no such user' }, expected: 'rejected' },
  { name: '451 for the recipient (greylisting)', at: { RCPT: '451 greylisted, come back later' }, expected: 'retry' },
  { name: 'drops the connection in the middle of DATA', at: { DATA: { drop: true } }, expected: 'retry' },
  { name: '451 after the message', at: { message: '451 local error' }, expected: 'retry' },
  { name: '552 after the message (too large)', at: { message: '552 too large' }, expected: 'rejected' },
  { name: 'stalls after the message', at: { message: { stall: true } }, expected: 'retry' },
  {
    name: 'garbage instead of a greeting',
    at: { greeting: '\u0000\u00ff\u00fe not smtp \u0007' },
    expected: 'retry',
  },
  { name: 'a greeting line that never ends', at: { greeting: { trickle: 'x' } }, expected: 'retry' },
  {
    name: '250 with control characters and invalid UTF-8 after the message',
    at: { message: '250 ok \u0000\u001b[31m\u00ff' },
    expected: 'delivered',
  },
];

export interface HostileSmtpServer {
  /** How the server behaves from its next connection on (the drill switches it between rounds). */
  behaviour: HostileSmtpBehaviour;
  url: string;
  /** Connections made to it: one per attempt. */
  connections: number;
  /** Messages the server answered with 250 after their data (accepted). */
  accepted: number;
  /** Messages accepted again after a first acceptance, by Message-ID (must stay 0). */
  repeatsAfterSuccess: number;
  /** Connections still open: a sender that gave up must also hang up, or every stalled attempt keeps a socket. */
  readonly open: number;
  close: () => Promise<void>;
}

export async function startHostileSmtpServer(behaviour: HostileSmtpBehaviour): Promise<HostileSmtpServer> {
  const sockets = new Set<Socket>();
  const acceptedIds = new Set<string>();
  const server = createServer((socket) => {
    const { behaviour } = handle;
    handle.connections += 1;
    let messageId = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const timers: NodeJS.Timeout[] = [];
    socket.on('close', () => timers.forEach(clearInterval));
    /** Answers at `step`; false when the conversation is over (dropped or stalled). */
    const answer = (step: SmtpStep): boolean => {
      const scripted = behaviour.at[step];
      const reply = scripted ?? NORMAL[step];
      if (typeof reply === 'string') {
        socket.write(Buffer.from(`${reply}\r\n`, 'latin1'));
        if (step === 'message' && reply.startsWith('250')) {
          handle.accepted += 1;
          if (acceptedIds.has(messageId)) handle.repeatsAfterSuccess += 1;
          acceptedIds.add(messageId);
        }
        return !/^[45]/.test(reply) || step === 'RCPT' || step === 'message';
      }
      if ('drop' in reply) socket.resetAndDestroy();
      if ('trickle' in reply) timers.push(setInterval(() => socket.write(reply.trickle), 50));
      return false;
    };
    if (!answer('greeting')) return;
    let buffered = '';
    let inData = false;
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messageId = /^Message-ID:\s*(\S+)/im.exec(buffered.slice(0, end))?.[1] ?? '';
          buffered = buffered.slice(end + 5);
          inData = false;
          if (!answer('message')) return;
          continue;
        }
        const newline = buffered.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
          return;
        }
        if (verb === 'RSET' || verb === 'NOOP') {
          socket.write('250 ok\r\n');
          continue;
        }
        const step: SmtpStep | undefined =
          verb === 'EHLO' || verb === 'HELO'
            ? 'EHLO'
            : verb === 'MAIL'
              ? 'MAIL'
              : verb === 'RCPT'
                ? 'RCPT'
                : verb === 'DATA'
                  ? 'DATA'
                  : undefined;
        if (!step) {
          socket.write('502 not implemented\r\n');
          continue;
        }
        if (!answer(step)) return;
        if (step === 'DATA') inData = true;
      }
    });
  });
  const handle: HostileSmtpServer = {
    behaviour,
    url: '',
    connections: 0,
    accepted: 0,
    repeatsAfterSuccess: 0,
    get open() {
      return sockets.size;
    },
    close: async () => {},
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.url = `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return handle;
}
