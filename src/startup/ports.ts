import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../net/free-port.js';
import { StartupFailure } from './failure.js';
import { claimPort } from './port-claims.js';
import { portHolder } from './port-holder.js';

/** The ports `npm start` listens on, by the variable that sets each. */
export type PortVariable =
  'PORT' | 'EMBEDDED_PG_PORT' | 'TEMPORAL_PORT' | 'TEMPORAL_UI_PORT' | 'CODEC_PORT' | 'METRICS_PORT';
export type Ports = Partial<Record<PortVariable, number>>;

export interface PortRequest {
  variable: PortVariable;
  /** The variable's value, or its default when `given` is false. */
  port: number;
  /** Whether the variable was set: a taken port is then an error, never silently moved. */
  given: boolean;
  /** Address the server binds (the API's HOST; the others listen on 127.0.0.1). */
  host?: string;
}

/** How many ports above a taken default are tried before any free port is taken. */
const NEARBY = 20;

/**
 * Picks the port of each server `npm start` runs. A variable that is set is used as is, and refused with a sentence
 * when something holds it. An unset one gets the port remembered in `DATA_DIR/ports.json`, else its default, else one
 * close by that is free; the choice is remembered, so a second checkout on the same machine keeps its own ports.
 */
export async function choosePorts(dataDir: string, requests: PortRequest[]): Promise<Ports> {
  const file = join(dataDir, 'ports.json');
  const remembered = readRemembered(file);
  const chosen: Ports = {};
  for (const request of requests) {
    const host = request.host ?? '127.0.0.1';
    if (request.given && request.port !== 0) {
      const problem = await unavailable(request.port, host);
      if (problem) throw new StartupFailure(takenMessage(request, problem, dataDir));
      chosen[request.variable] = request.port;
      continue;
    }
    const before = remembered[request.variable];
    const candidates = request.given ? [] : [before, ...range(request.port, NEARBY)];
    let port: number | undefined;
    for (const candidate of candidates) {
      // A port this start already gave another server (the codec server's default sits beside the UI's).
      if (candidate === undefined || Object.values(chosen).includes(candidate)) continue;
      const problem = await unavailable(candidate, host);
      if (!problem) {
        port = candidate;
        break;
      }
      // Our own server from a start that did not stop holds the remembered port (and the data): moving on would
      // run a second one over the same files.
      if (candidate === before && problem.holder?.commandLine.includes(dataDir)) {
        throw new StartupFailure(takenMessage({ ...request, port: candidate }, problem, dataDir));
      }
    }
    port ??= await freePort();
    claimPort(port);
    chosen[request.variable] = port;
    if (!request.given) remembered[request.variable] = port;
  }
  writeRemembered(file, remembered);
  return chosen;
}

/** The ports a previous `npm start` in `dataDir` chose (for `npm run keys` beside it). */
export function rememberedPorts(dataDir: string): Ports {
  return readRemembered(join(dataDir, 'ports.json'));
}

/** A server's `listen` failing (a port taken since it was chosen, or set by hand) as a `StartupFailure`. */
export function listenFailure(err: unknown, request: PortRequest): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(code)) return err as Error;
  const holder = code === 'EADDRINUSE' ? portHolder(request.port) : undefined;
  return new StartupFailure(takenMessage(request, { code, holder }, ''), { cause: err });
}

interface Unavailable {
  code: string;
  holder?: ReturnType<typeof portHolder>;
  /** Another `npm start` starting right now. */
  claimedBy?: number;
}

async function unavailable(port: number, host: string): Promise<Unavailable | undefined> {
  const code = await tryListen(port, host);
  if (code) return { code, holder: code === 'EADDRINUSE' ? portHolder(port) : undefined };
  const claimedBy = claimPort(port);
  return claimedBy ? { code: 'EADDRINUSE', claimedBy } : undefined;
}

function tryListen(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'EADDRINUSE'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function takenMessage(request: PortRequest, problem: Unavailable, dataDir: string): string {
  const { variable, port } = request;
  const host = request.host ?? '127.0.0.1';
  if (problem.code === 'EACCES') {
    return `Port ${port} (${variable}) needs root to listen on: set ${variable} to a port above 1023.`;
  }
  if (problem.code === 'EADDRNOTAVAIL') {
    return `${host} is not an address of this machine, so port ${port} (${variable}) cannot be opened there: fix HOST.`;
  }
  const { holder, claimedBy } = problem;
  const who = holder
    ? `${holder.name} (pid ${holder.pid})`
    : claimedBy
      ? `another bookbell starting right now (pid ${claimedBy})`
      : 'another program';
  if (dataDir && holder?.commandLine.includes(dataDir)) {
    return (
      `Port ${port} (${variable}) is held by ${who} running on this DATA_DIR (${dataDir}): an earlier \`npm start\` ` +
      `here is still running or did not stop; stop it (Ctrl-C there, or \`kill ${holder.pid}\`) and start again.`
    );
  }
  const free = request.given ? `set ${variable} to a free port, or unset it to let bookbell choose one` : '';
  return `Port ${port} (${variable}) is already taken by ${who}: stop it, or ${free || `set ${variable} to a free port`}.`;
}

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i).filter((port) => port > 0 && port <= 65535);
}

function readRemembered(file: string): Ports {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const ports: Ports = {};
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (Number.isInteger(value) && (value as number) > 0 && (value as number) <= 65535) {
        ports[name as PortVariable] = value as number;
      }
    }
    return ports;
  } catch {
    return {};
  }
}

function writeRemembered(file: string, ports: Ports): void {
  writeFileSync(file, `${JSON.stringify(ports, null, 2)}\n`);
}
