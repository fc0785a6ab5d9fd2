// A bookbell webhook receiver on plain node:http: verifies each delivery's signature, drops repeats by their id,
// answers at once and handles the event after. Run: WEBHOOK_SECRET=whsec_… node examples/receivers/node-http.mjs
// (PORT defaults to 9000; see bookbell-webhooks.mjs for WEBHOOK_SCHEME and WEBHOOK_PREVIOUS_SECRET).
import { createServer } from 'node:http';
import { printEvent, SeenIds, VerificationError, verifierFromEnv } from './bookbell-webhooks.mjs';

const MAX_BODY_BYTES = 1024 * 1024; // bookbell's bodies are at most 64 KiB
const { scheme, verify } = verifierFromEnv();
const seen = new SeenIds();

const server = createServer(async (req, res) => {
  if (req.method !== 'POST') return res.writeHead(405).end();
  // Verify the raw bytes as they came: parsing and re-serialising the JSON would change what was signed.
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return res.writeHead(413).end();
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');

  let delivery;
  try {
    delivery = verify(body, req.headers);
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    console.log(`refused 401: ${err.message}`);
    return res.writeHead(401).end(); // bookbell stops on a 4xx: a forged request is not retried
  }
  // A repeat is answered 2xx too, or bookbell would keep retrying what you already have.
  if (!seen.firstTime(delivery.id)) {
    console.log(`duplicate ${delivery.id} dropped`);
    return res.writeHead(204).end();
  }
  // Answer first, work after: bookbell waits at most 15 s, and a slow answer counts as a failure.
  res.writeHead(204).end();
  setImmediate(() => printEvent(delivery.id, delivery.event));
});

server.listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/hooks (${scheme} signatures)`);
});
