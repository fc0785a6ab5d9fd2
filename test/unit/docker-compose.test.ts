import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, requireClusterConfig } from '../../src/config.js';
import { newKeyEntry } from '../../src/crypto/keyring.js';
import { fromRoot } from '../../src/paths.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/book-contract.js';

// No Docker engine runs here: check the compose file against what the code expects instead, and let `docker compose
// config` validate it where the compose plugin is installed. Compose resolves YAML merge keys (`<<: *anchor`) and
// `${VAR:-default}` from the shell; so must the check (with nothing set: the defaults, and the required `${VAR:?…}`
// from `shell`).
const text = readFileSync(fromRoot('docker-compose.yml'), 'utf8');
const shell: Record<string, string> = { SECRET_KEYS: newKeyEntry('k1'), PAYLOAD_KEYS: newKeyEntry('p1') };
const interpolate = (value: unknown): unknown => {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(\w+)(?::?-([^}]*)|:\?[^}]*)?\}/g, (whole, name: string, fallback?: string) =>
      whole === '$$' ? '$' : (shell[name] ?? fallback ?? ''),
    );
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, interpolate(inner)]));
  }
  return value;
};
const compose = interpolate(parse(text, { merge: true })) as Record<string, any>;
const services = compose.services as Record<string, any>;
const hasComposePlugin = spawnSync('docker', ['compose', 'version']).status === 0;
const hasDockerCompose = spawnSync('docker-compose', ['version']).status === 0;

describe('docker-compose.yml', () => {
  it('passes every bookbell variable from the shell or .env to the API and the worker', () => {
    // Only for the one-machine `npm start` (embedded servers, local ports) or set per service in this file.
    const notForContainers = [
      'HOST',
      'PORT',
      'TEMPORAL_CLI',
      'TEMPORAL_PORT',
      'TEMPORAL_UI_PORT',
      'EMBEDDED_PG_PORT',
      // The embedded PostgreSQL's and the dev server's fsync (compose runs neither).
      'STORAGE_DURABILITY',
    ];
    // Read by the codec server alone (its own service).
    const codecOnly = ['CODEC_TOKEN', 'CODEC_PORT', 'CODEC_CORS_ORIGINS'];
    const perService = ['METRICS_PORT', 'TEMPORAL_UI_URL', 'DATA_DIR'];
    const raw = parse(text, { merge: true }) as Record<string, any>;
    for (const service of ['api', 'worker']) {
      const environment = raw.services[service].environment as Record<string, string>;
      const passed = CONFIG_VARIABLES.filter(
        (n) => !notForContainers.includes(n) && !perService.includes(n) && !codecOnly.includes(n),
      );
      for (const name of passed) {
        expect(environment[name], `${service}: ${name}`).toMatch(new RegExp(`^\\$\\{${name}(:-|:\\?|\\})`));
      }
      // Without keys the roles could not read each other's payloads: compose refuses to start without them.
      expect(environment.PAYLOAD_KEYS).toMatch(/^\$\{PAYLOAD_KEYS:\?set PAYLOAD_KEYS /);
      // The certificate files the TLS variables name are mounted.
      expect(raw.services[service].volumes).toEqual(['${TEMPORAL_TLS_DIR:-./tls}:/tls:ro']);
    }
    // With nothing set, the containers' configuration is valid.
    const worker = services.worker.environment as Record<string, string>;
    expect(() => loadConfig(worker)).not.toThrow();
  });

  it('runs PostgreSQL, Temporal on it with its setup jobs and UI, the API and the worker', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'codec',
      'postgres',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    for (const name of ['postgres', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui']) {
      expect(services[name].image, name).toMatch(/^(postgres|temporalio\/(server|admin-tools|ui)):\d/);
    }
  });

  it('keeps Temporal on the same PostgreSQL, its schema set up before the server starts', () => {
    const db = services.postgres.environment;
    expect(services.temporal.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgres',
      POSTGRES_USER: db.POSTGRES_USER,
      POSTGRES_PWD: db.POSTGRES_PASSWORD,
    });
    expect(services.temporal.depends_on['temporal-schema']).toEqual({ condition: 'service_completed_successfully' });
    const schema = services['temporal-schema'];
    expect(schema.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    expect(schema.environment.SQL_PASSWORD).toBe(db.POSTGRES_PASSWORD);
    expect(schema.command[0]).toContain(`--ep postgres -p 5432 -u ${db.POSTGRES_USER}`);
    for (const store of ['temporal', 'visibility']) {
      expect(schema.command[0]).toContain(`/etc/temporal/schema/postgresql/v12/${store}/versioned`);
    }
  });

  it('registers every search attribute the workflows use, and the namespace', () => {
    const setup = services['temporal-setup'];
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', KEYWORD_LIST: 'KeywordList' };
    expect(setup.environment.SEARCH_ATTRIBUTES.split(/\s+/).sort()).toEqual(
      SEARCH_ATTRIBUTES.map((key) => `${key.name}=${cliType[key.type]}`).sort(),
    );
    expect(setup.environment.NAMESPACE).toBe(services.api.environment.TEMPORAL_NAMESPACE);
    expect(setup.command[0]).toContain('temporal operator search-attribute create');
    expect(setup.command[0]).toContain('temporal operator namespace create');
  });

  it.each(['worker', 'api'])('gives the %s role a valid cluster configuration, once Temporal is set up', (role) => {
    const config = requireClusterConfig(loadConfig(services[role].environment));
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const db = new URL(config.DATABASE_URL);
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(services.postgres.environment.POSTGRES_USER);
    expect(db.password).toBe(services.postgres.environment.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${services.postgres.environment.POSTGRES_DB}`);
    expect(services[role].command).toEqual(['node', `dist/src/bin/${role}.js`]);
    expect(services[role].depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      'temporal-setup': { condition: 'service_completed_successfully' },
    });
  });

  it('sets only variables docs/configuration.md documents', () => {
    const documented = new Set(
      [...readFileSync(fromRoot('docs/configuration.md'), 'utf8').matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]),
    );
    for (const role of ['worker', 'api']) {
      for (const name of Object.keys(services[role].environment))
        expect(documented, `${role}: ${name}`).toContain(name);
    }
  });

  it('checks the health of every long-running service', () => {
    for (const name of ['postgres', 'temporal', 'api', 'worker'])
      expect(services[name].healthcheck?.test, name).toBeTruthy();
    expect(services.worker.healthcheck.test.join(' ')).toContain(
      `:${services.worker.environment.METRICS_PORT}/metrics`,
    );
    expect(services.api.healthcheck.test.join(' ')).toContain(`:${services.api.environment.PORT}/readyz`);
  });

  it('lets the worker scale (`--scale worker=N`): no fixed name, no published port', () => {
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
  });

  it("publishes the API, the Temporal UI and the codec server on the host's loopback only, and nothing else", () => {
    const published = Object.entries(services)
      .filter(([, service]) => service.ports)
      .map(([name]) => name);
    expect(published.sort()).toEqual(['api', 'codec', 'temporal-ui']);
    // The codec server runs only when asked for (`--profile codec`): it needs CODEC_TOKEN.
    expect(services.codec.profiles).toEqual(['codec']);
    expect(services.codec.ports).toEqual(['127.0.0.1:8234:8234']);
    expect(services.codec.command).toEqual(['node', 'dist/src/bin/codec.js']);
    expect(services.codec.environment.CODEC_CORS_ORIGINS.split(',')).toContain('http://127.0.0.1:8233');
    expect(services.api.ports).toEqual([`${services.api.environment.PORT}:${services.api.environment.PORT}`]);
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8233:8080']);
    expect(services.api.environment.TEMPORAL_UI_URL).toBe('http://127.0.0.1:8233');
    // Widened with TEMPORAL_UI_BIND, the UI can log people in with OIDC (off by default).
    expect(services['temporal-ui'].environment).toMatchObject({
      TEMPORAL_AUTH_ENABLED: 'false',
      TEMPORAL_AUTH_TYPE: 'oidc',
    });
    expect(text).toContain("'${TEMPORAL_UI_BIND:-127.0.0.1}:8233:8080'");
  });

  it('sends METRICS_TOKEN in the worker health check, when set', () => {
    const check = services.worker.healthcheck.test.join(' ') as string;
    expect(check).toContain("authorization: 'Bearer ' + t");
    expect(check).toContain('process.env.METRICS_TOKEN');
  });

  it('builds an image that holds the compiled roles and the migrations', () => {
    const dockerfile = readFileSync(fromRoot('Dockerfile'), 'utf8');
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toContain('COPY --from=build /app/src/db/migrations src/db/migrations');
  });

  it.skipIf(!hasComposePlugin)('passes `docker compose config`', () => {
    const result = spawnSync('docker', ['compose', '-f', fromRoot('docker-compose.yml'), 'config', '--quiet'], {
      env: { ...process.env, ...shell },
    });
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
  });

  // Debian's docker-compose (1.x) is older than the plugin: the file keeps to what both read (.ci/run installs it).
  it.skipIf(!hasDockerCompose)('passes `docker-compose config` (Debian)', () => {
    const config = (env: NodeJS.ProcessEnv) =>
      spawnSync('docker-compose', ['-f', fromRoot('docker-compose.yml'), 'config', '--quiet'], { env });
    const result = config({ ...process.env, ...shell });
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
    // Without keys, compose says which variable is missing instead of starting roles that cannot share payloads.
    const refused = config({ ...process.env, PAYLOAD_KEYS: '' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.toString()).toContain('set PAYLOAD_KEYS');
  });
});
