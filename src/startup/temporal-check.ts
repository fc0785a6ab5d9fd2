import { Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { describeFailure, StartupFailure } from './failure.js';

const NOT_FOUND = 5;

/**
 * Asks TEMPORAL_ADDRESS for its namespace before the worker and the API connect, so a cluster that does not answer is
 * one sentence naming the address, not a transport error with a stack. `fix` is what to offer when nothing answers.
 */
export async function checkTemporal(config: Config, address: string, fix: string): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({
      ...temporalConnectionOptions(config, address),
      connectTimeout: '10s',
    });
  } catch (err) {
    throw new StartupFailure(`Temporal at ${address} (TEMPORAL_ADDRESS) does not answer (${brief(err)}): ${fix}.`, {
      cause: err,
    });
  }
  try {
    await connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE });
  } catch (err) {
    if ((err as { code?: unknown }).code === NOT_FOUND) {
      throw new StartupFailure(
        `Temporal at ${address} has no namespace "${config.TEMPORAL_NAMESPACE}": create it ` +
          `(temporal operator namespace create ${config.TEMPORAL_NAMESPACE}) or fix TEMPORAL_NAMESPACE.`,
        { cause: err },
      );
    }
    throw new StartupFailure(`Temporal at ${address} (TEMPORAL_ADDRESS) refused bookbell (${brief(err)}): ${fix}.`, {
      cause: err,
    });
  } finally {
    await connection.close();
  }
}

/** The first line of an error, without the gRPC status prefix. */
function brief(err: unknown): string {
  return describeFailure(err)
    .split('\n')[0]!
    .replace(/^\d+ [A-Z_]+: /, '');
}
