import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Context, Next } from 'koa';
import { fromRoot } from '../paths.js';
import { notFound } from './problem.js';

/** What the console page needs to know about this deployment (nothing secret: it is served without a key). */
export interface ConsoleOptions {
  /** The Temporal Web UI, for links from deliveries and books to their workflows; unset, no links. */
  temporalUiUrl?: string | undefined;
  temporalNamespace?: string | undefined;
  /** The built bundle (`npm run build:console`); default dist/console. */
  assetsDir?: string | undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

// The bundle's own files only: no inline scripts, API calls to this origin, no framing.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

// One plain file name (no leading dot, so never `..`): nothing outside the assets folder can be named.
const ASSET = /^\/console\/assets\/(\w[\w.-]*)$/;
const CONFIG_BLOCK = /(<script type="application\/json" id="bookbell-config">)[\s\S]*?(<\/script>)/;

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>bookbell console</title>
<p>The console is not built yet. Run <code>npm run build:console</code> (<code>npm start</code> does it for you).</p>`;

/**
 * Serves the console's single-page app under /console: hashed assets cached for a year, every other path the
 * index page (the app routes in the browser). No API key here: the page asks for one and keeps it in the session.
 */
export function serveConsole(options: ConsoleOptions = {}) {
  const dir = options.assetsDir ?? fromRoot('dist/console');
  const config = JSON.stringify({
    temporalUiUrl: options.temporalUiUrl ?? null,
    temporalNamespace: options.temporalNamespace ?? 'default',
  }).replace(/</g, '\\u003c');

  return async (ctx: Context, next: Next): Promise<void> => {
    const isConsole = ctx.path === '/console' || ctx.path.startsWith('/console/');
    if (!isConsole || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      await next();
      return;
    }
    if (ctx.path === '/console') {
      ctx.status = 301;
      ctx.redirect('/console/');
      return;
    }
    ctx.set(SECURITY_HEADERS);
    const asset = ASSET.exec(ctx.path);
    if (asset) {
      const file = join(dir, 'assets', asset[1] as string);
      if (!existsSync(file) || !statSync(file).isFile())
        throw notFound('route-not-found', `No console asset ${asset[1] as string}.`);
      ctx.type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
      // Names carry a content hash: a new build gets new names, so these never need revalidating.
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.length = statSync(file).size;
      ctx.body = createReadStream(file);
      return;
    }
    const index = join(dir, 'index.html');
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    if (!existsSync(index)) {
      ctx.status = 503;
      ctx.body = NOT_BUILT;
      return;
    }
    // Read per request: a rebuild is picked up without a restart, and the page is small.
    ctx.body = readFileSync(index, 'utf8').replace(CONFIG_BLOCK, `$1${config}$2`);
  };
}
