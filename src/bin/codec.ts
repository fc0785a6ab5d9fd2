// `npm run codec`: the codec server alone, for a cluster's Temporal UI and CLI (PAYLOAD_KEYS + CODEC_TOKEN).
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startCodecServer } from '../temporal/codec-server.js';
import { payloadKeyring } from '../temporal/data-converter.js';
import { exitOnError, stopOnSignals } from './shutdown.js';

async function main() {
  const config = loadConfig();
  if (!config.CODEC_TOKEN) {
    throw new ConfigError(
      'Invalid configuration:\n  CODEC_TOKEN: required for the codec server, e.g. CODEC_TOKEN=$(openssl rand -base64 32)',
    );
  }
  const logger = createLogger(config.LOG_LEVEL, 'bookbell-codec');
  const codec = await startCodecServer({
    host: config.HOST,
    port: config.CODEC_PORT,
    keyring: payloadKeyring(config),
    token: config.CODEC_TOKEN,
    corsOrigins: [
      ...config.CODEC_CORS_ORIGINS,
      ...(config.TEMPORAL_UI_URL ? [new URL(config.TEMPORAL_UI_URL).origin] : []),
    ],
    logger,
  });
  logger.info({ url: codec.url }, 'codec server listening');
  stopOnSignals(logger, codec.stop);
}

main().catch(exitOnError);
