import type Router from '@koa/router';
import type { Context } from 'koa';
import { confirmEndpoint, findByConfirmationToken } from '../db/confirmations.js';
import { reopenDeliveries } from '../db/reopened-deliveries.js';
import { CONFIRMATION_TOKEN, hashConfirmationToken } from '../delivery/confirmation-mail.js';
import { escapeHtml } from '../delivery/mail-layout.js';
import { reopenAndHandOver, type HandOverDeps } from '../temporal/redeliveries.js';
import type { AppState } from './state.js';

/**
 * The page behind a confirmation link, public (the token is the credential). GET only shows a button: mail scanners
 * and link previews fetch links, and must not agree for the person. POST (the button) confirms.
 */
function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(title)} — bookbell</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:560px;margin:48px auto;',
    'padding:0 16px;color:#1f2328;line-height:1.5">',
    `<h1 style="font-size:20px">${escapeHtml(title)}</h1>`,
    body,
    '</body></html>',
  ].join('');
}

const BUTTON =
  'background:#0969da;color:#fff;border:0;border-radius:6px;padding:8px 14px;font-weight:600;font-size:14px;cursor:pointer';

const NOT_PENDING = page(
  'This link does not work',
  '<p>It was used already, replaced by a newer confirmation message, or mistyped. Nothing was changed.</p>',
);

function answer(ctx: Context, status: number, html: string): void {
  ctx.status = status;
  ctx.type = 'html';
  // The token is in the URL: never cached, never sent on as a Referer; the page runs no script.
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  ctx.body = html;
}

export function registerConfirmRoutes(router: Router<AppState>, deps: HandOverDeps): void {
  const pending = async (token: string) =>
    CONFIRMATION_TOKEN.test(token) ? findByConfirmationToken(deps.pool, hashConfirmationToken(token)) : undefined;

  router.get('/confirm/:token', async (ctx) => {
    const endpoint = await pending(ctx.params.token as string);
    if (!endpoint) return answer(ctx, 404, NOT_PENDING);
    answer(
      ctx,
      200,
      page(
        'Confirm your e-mail subscription',
        `<p>Someone asked bookbell to send notifications to <strong>${escapeHtml(endpoint.email)}</strong>. ` +
          'Nothing is sent there until you confirm. If you did not expect this, close this page.</p>' +
          `<form method="post"><button type="submit" style="${BUTTON}">Confirm the subscription</button></form>`,
      ),
    );
  });

  router.post('/confirm/:token', async (ctx) => {
    const token = ctx.params.token as string;
    const endpoint = await pending(token);
    if (!endpoint) return answer(ctx, 404, NOT_PENDING);
    const target = { tenantId: endpoint.tenant_id, endpointId: endpoint.id };
    // Confirming releases the deliveries held meanwhile, in the same transaction (as a resume does).
    const { confirmed } = await reopenAndHandOver(deps, target, async (client) => {
      const done = await confirmEndpoint(client, target.tenantId, hashConfirmationToken(token));
      return {
        confirmed: done,
        reopened: done?.active ? await reopenDeliveries(client, target.tenantId, { ...target, held: true }) : [],
      };
    });
    if (!confirmed) return answer(ctx, 404, NOT_PENDING);
    answer(
      ctx,
      200,
      page(
        'Subscription confirmed',
        `<p><strong>${escapeHtml(endpoint.email)}</strong> now receives the bookbell notifications it was ` +
          'subscribed to, starting with any that waited for this confirmation.</p>',
      ),
    );
  });
}
