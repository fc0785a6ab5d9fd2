import pg from 'pg';
import { describeFailure, errorCode, StartupFailure } from './failure.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects once to `url` before anything else uses it, so a database that refuses is met as one sentence naming where
 * and why (nothing listening, unknown host, wrong password, no such database), not as a failed migration.
 * `whenNothingAnswers` is the fix to offer when nothing listens (DATABASE_URL by default).
 */
export async function checkDatabase(url: string, whenNothingAnswers?: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new StartupFailure(explain(url, err, whenNothingAnswers), { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}

function explain(url: string, err: unknown, whenNothingAnswers?: string): string {
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || 5432}`;
  const user = decodeURIComponent(parsed.username) || 'the default user';
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  const code = errorCode(err);
  const message = describeFailure(err);
  if (code === 'ECONNREFUSED') {
    return `Nothing answers at ${where}: ${whenNothingAnswers ?? 'start PostgreSQL there or fix DATABASE_URL (unset, `npm start` runs its own)'}.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `The host ${parsed.hostname} in DATABASE_URL is unknown: fix DATABASE_URL.`;
  }
  if (code === '28P01' || code === '28000') {
    return `PostgreSQL at ${where} refused user "${user}" (${message}): fix the user or password in DATABASE_URL.`;
  }
  if (code === '3D000') {
    return (
      `The database "${database}" does not exist at ${where}: create it (createdb -h ${parsed.hostname} -p ` +
      `${parsed.port || 5432} -U ${user} ${database}) or fix its name in DATABASE_URL.`
    );
  }
  if (/timeout/i.test(message)) {
    return `PostgreSQL at ${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s: check the address and any firewall, or fix DATABASE_URL.`;
  }
  return `PostgreSQL at ${where} refused the connection (${message}): fix DATABASE_URL or the server.`;
}
