import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, requireClusterConfig } from '../../src/config.js';
import { fromRoot } from '../../src/paths.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/book-contract.js';

// No Docker engine runs here: check the compose file against what the code expects instead.
// Compose resolves YAML merge keys (`<<: *anchor`); so must the check.
const compose = parse(readFileSync(fromRoot('docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services as Record<string, any>;

describe('docker-compose.yml', () => {
  it('runs postgres, temporal, a worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'temporal', 'worker']);
  });

  it.each(['worker', 'api'])('gives the %s role a valid cluster configuration', (role) => {
    const config = requireClusterConfig(loadConfig(services[role].environment));
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const db = new URL(config.DATABASE_URL);
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(services.postgres.environment.POSTGRES_USER);
    expect(db.password).toBe(services.postgres.environment.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${services.postgres.environment.POSTGRES_DB}`);
    expect(services[role].command).toEqual(['node', `dist/src/bin/${role}.js`]);
    expect(Object.keys(services[role].depends_on).sort()).toEqual(['postgres', 'temporal']);
  });

  it('publishes the API port it configures', () => {
    expect(services.api.ports).toContain(`${services.api.environment.PORT}:${services.api.environment.PORT}`);
  });

  it('registers every search attribute the workflow uses, with the SQLite pragmas', () => {
    const command: string[] = services.temporal.command;
    const cliType = { KEYWORD: 'Keyword', INT: 'Int', KEYWORD_LIST: 'KeywordList' } as Record<string, string>;
    for (const key of SEARCH_ATTRIBUTES)
      expect(command).toContain(`--search-attribute=${key.name}=${cliType[key.type]}`);
    expect(command).toEqual(
      expect.arrayContaining(['--sqlite-pragma=journal_mode=WAL', '--sqlite-pragma=synchronous=OFF']),
    );
  });

  it('builds an image that holds the compiled roles and the migrations', () => {
    const dockerfile = readFileSync(fromRoot('Dockerfile'), 'utf8');
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toContain('COPY --from=build /app/src/db/migrations src/db/migrations');
  });
});
