import { isSet, type Config } from '../config.js';
import { fromRoot } from '../paths.js';
import { resolveTemporalCli } from '../temporal/server.js';
import { ensureDataDir } from './data-dir.js';
import { checkDatabase } from './database-check.js';
import { lockDataDir, stopLeftovers } from './leftovers.js';
import { choosePorts, type PortRequest, type PortVariable } from './ports.js';
import { checkTemporal } from './temporal-check.js';

/**
 * What `npm start` checks before starting anything, cheapest first, so a newcomer's failure is one sentence within
 * seconds: the data folder (and servers a killed start left running on it, which are stopped), the Temporal CLI, the ports (chosen and remembered when not set), and a DATABASE_URL or
 * TEMPORAL_ADDRESS that does not answer. Returns the config with the ports it will use.
 */
export async function preflight(config: Config, env: NodeJS.ProcessEnv = process.env) {
  const dataDir = ensureDataDir(fromRoot(config.DATA_DIR));
  lockDataDir(dataDir);
  const leftovers = await stopLeftovers(dataDir);
  if (!config.TEMPORAL_ADDRESS) resolveTemporalCli(config.TEMPORAL_CLI);

  const wanted: Array<Exclude<PortVariable, 'METRICS_PORT'>> = [
    'PORT',
    ...(config.DATABASE_URL ? [] : (['EMBEDDED_PG_PORT'] as const)),
    ...(config.TEMPORAL_ADDRESS ? [] : (['TEMPORAL_PORT', 'TEMPORAL_UI_PORT'] as const)),
    'CODEC_PORT',
  ];
  const requests: PortRequest[] = wanted.map((variable) => ({
    variable,
    port: config[variable],
    given: isSet(variable, env),
    ...(variable === 'PORT' ? { host: config.HOST } : {}),
  }));
  const ports = await choosePorts(dataDir, requests);

  if (config.DATABASE_URL) await checkDatabase(config.DATABASE_URL);
  if (config.TEMPORAL_ADDRESS) {
    await checkTemporal(
      config,
      config.TEMPORAL_ADDRESS,
      'start it, fix TEMPORAL_ADDRESS, or unset it to let `npm start` run a Temporal dev server',
    );
  }
  return { dataDir, ports, leftovers, config: { ...config, ...ports } };
}
