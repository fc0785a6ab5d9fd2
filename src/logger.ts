import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout; secrets are redacted wherever they might be logged. */
export function createLogger(level: string, name = 'bookbell'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers.authorization', '*.secret', '*.password', '*.apiKey'], censor: '[redacted]' },
  });
}
