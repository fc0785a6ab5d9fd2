import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config.js';

/** How to reach a Temporal cluster: the address, and TLS and an API key for Temporal Cloud or a secured cluster. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** A PEM file named by a configuration variable; a missing file stops start-up naming the variable. */
function pem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Connection options for `Connection.connect` (clients) and `NativeConnection.connect` (workers) alike, from
 * TEMPORAL_TLS, TEMPORAL_TLS_CERT/KEY/CA/SERVER_NAME and TEMPORAL_API_KEY. Nothing set: plain gRPC, as a dev server
 * or a cluster inside a private network takes it.
 */
export function temporalConnectionOptions(
  config: Pick<
    Config,
    | 'TEMPORAL_TLS'
    | 'TEMPORAL_TLS_CERT'
    | 'TEMPORAL_TLS_KEY'
    | 'TEMPORAL_TLS_CA'
    | 'TEMPORAL_TLS_SERVER_NAME'
    | 'TEMPORAL_API_KEY'
  >,
  address: string,
): TemporalConnectionOptions {
  const tls: TLSConfig = {
    ...(config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? {
          clientCertPair: {
            crt: pem('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT),
            key: pem('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY),
          },
        }
      : {}),
    ...(config.TEMPORAL_TLS_CA ? { serverRootCACertificate: pem('TEMPORAL_TLS_CA', config.TEMPORAL_TLS_CA) } : {}),
    ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  const useTls = config.TEMPORAL_TLS === 'true' || Boolean(config.TEMPORAL_API_KEY) || Object.keys(tls).length > 0;
  return {
    address,
    ...(useTls ? { tls: Object.keys(tls).length > 0 ? tls : true } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}
