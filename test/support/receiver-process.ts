import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/paths.js';
import { eventually } from './http.js';

/** A receiver running as its own process (one of examples/receivers/), with every line it printed. */
export interface ReceiverProcess {
  url: string;
  lines: string[];
  stop: () => Promise<void>;
}

/**
 * Starts `command args…` from the project root with PORT=0 and `env`, and waits for its
 * `listening on <url> …` line: the example picks a free loopback port itself and says which.
 */
export async function startReceiverProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<ReceiverProcess> {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let errors = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await eventually(() => {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${errors}`);
      const listening = lines.map((line) => /^listening on (\S+)/.exec(line)).find(Boolean);
      if (!listening) throw new Error(`${args.join(' ')} is not listening yet: ${errors}`);
      return listening[1] as string;
    }, 15_000);
    return { url, lines, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
