// `npm run receiver` — a webhook endpoint for trying bookbell out: prints each delivery and, with WEBHOOK_SECRET set
// (the `secret` the endpoint's registration returned), checks its Standard Webhooks signature. PORT defaults to 9000.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const port = Number(process.env.PORT ?? 9000);
const secret = process.env.WEBHOOK_SECRET;
const verifier = secret ? new Webhook(secret) : undefined;

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    let verdict = 'signature not checked (set WEBHOOK_SECRET)';
    if (verifier) {
      try {
        verifier.verify(body, req.headers);
        verdict = 'signature valid';
      } catch (err) {
        verdict = `signature INVALID: ${err.message}`;
      }
    }
    let summary = body;
    try {
      const event = JSON.parse(body);
      summary = `${event.event_name} ${event.status ?? ''} — ${event.notification_reason ?? ''}`;
    } catch {
      // not JSON: print it as it came
    }
    console.log(`[receiver] ${req.headers['webhook-id'] ?? '(no webhook-id)'} ${summary} (${verdict})`);
    res.writeHead(verdict.startsWith('signature INVALID') ? 401 : 204).end();
  });
}).listen(port, '127.0.0.1', () => console.log(`[receiver] listening on http://127.0.0.1:${port}/hooks`));
