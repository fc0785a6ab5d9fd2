// A bookbell webhook receiver on Koa: verifies each delivery's signature, drops repeats by their id, answers at once
// and handles the event after. Run: WEBHOOK_SECRET=whsec_… node examples/receivers/koa.mjs
// (PORT defaults to 9000; see bookbell-webhooks.mjs for WEBHOOK_SCHEME and WEBHOOK_PREVIOUS_SECRET).
import Koa from 'koa';
import { printEvent, SeenIds, VerificationError, verifierFromEnv } from './bookbell-webhooks.mjs';

const MAX_BODY_BYTES = 1024 * 1024; // bookbell's bodies are at most 64 KiB
const { scheme, verify } = verifierFromEnv();
const seen = new SeenIds();
const app = new Koa();

app.use(async (ctx) => {
  if (ctx.method !== 'POST') ctx.throw(405);
  // No body parser: the signature covers the raw bytes, which a parsed and re-serialised body would not match.
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');

  let delivery;
  try {
    delivery = verify(body, ctx.headers);
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    console.log(`refused 401: ${err.message}`);
    ctx.throw(401); // bookbell stops on a 4xx: a forged request is not retried
  }
  ctx.status = 204; // a repeat is answered 2xx too, or bookbell would keep retrying what you already have
  if (!seen.firstTime(delivery.id)) {
    console.log(`duplicate ${delivery.id} dropped`);
    return;
  }
  // Koa answers when this middleware returns: the event is handled after, as bookbell waits at most 15 s.
  setImmediate(() => printEvent(delivery.id, delivery.event));
});

const server = app.listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/hooks (${scheme} signatures)`);
});
