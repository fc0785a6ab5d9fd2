"""A bookbell webhook receiver in Python (standard library + `standardwebhooks` from PyPI).

Verifies each delivery's signature, drops repeats by their id, answers at once and handles the event after.

    pip install -r examples/receivers/python/requirements.txt
    WEBHOOK_SECRET=whsec_... python3 examples/receivers/python/receiver.py

Environment: PORT (default 9000); WEBHOOK_SCHEME `standard` (default) or `ocrolus`, the endpoint's
`signature_scheme`; WEBHOOK_SECRET, the secret registration (or rotate-secret) returned; WEBHOOK_PREVIOUS_SECRET,
optional: while you rotate, the secret you are moving away from (both are accepted).
"""

import hashlib
import hmac
import json
import os
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

TOLERANCE_IN_SECONDS = 5 * 60  # a delivery older (or newer) than this is a replay: the library's own window
REMEMBERED_IDS = 10_000
MAX_BODY_BYTES = 1024 * 1024  # bookbell's bodies are at most 64 KiB

SCHEME = os.environ.get("WEBHOOK_SCHEME", "standard")
SECRETS = [s for s in (os.environ.get("WEBHOOK_SECRET"), os.environ.get("WEBHOOK_PREVIOUS_SECRET")) if s]
if not SECRETS:
    raise SystemExit("set WEBHOOK_SECRET to the secret of the endpoint")
if SCHEME not in ("standard", "ocrolus"):
    raise SystemExit(f"WEBHOOK_SCHEME must be standard or ocrolus, not {SCHEME}")


def verify(body: bytes, headers) -> tuple[str, dict]:
    """Returns (delivery id, event) or raises WebhookVerificationError."""
    if SCHEME == "standard":
        # The library checks the timestamp window and every `v1,` signature (two during bookbell's rotation grace).
        error = None
        for secret in SECRETS:
            try:
                return headers["webhook-id"], Webhook(secret).verify(body, dict(headers))
            except WebhookVerificationError as err:
                error = err
        raise error
    # Ocrolus: `Webhook-Signature` is the hex HMAC-SHA256 of `timestamp.request_id.body`, keyed with the secret's text.
    request_id = headers.get("webhook-request-id")
    timestamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not (request_id and timestamp and signature):
        raise WebhookVerificationError("Missing required headers")
    try:
        age = time.time() - int(timestamp)
    except ValueError:
        raise WebhookVerificationError("Invalid Signature Headers")
    if abs(age) > TOLERANCE_IN_SECONDS:
        raise WebhookVerificationError("Message timestamp outside the tolerance window")
    signed = f"{timestamp}.{request_id}.".encode() + body
    for secret in SECRETS:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):  # constant time
            return request_id, json.loads(body)
    raise WebhookVerificationError("No matching signature found")


class SeenIds:
    """Delivery ids already handled: bookbell may deliver an event more than once (a lost answer, a redelivery someone
    asked for), always with the same id. In memory and bounded, which is enough for an example: a real receiver keeps
    them where its own work is stored (e.g. a unique key in its database), so a restart does not forget them."""

    def __init__(self):
        self._ids = OrderedDict()
        self._lock = threading.Lock()  # the server answers each request on its own thread

    def first_time(self, delivery_id: str) -> bool:
        with self._lock:
            if delivery_id in self._ids:
                return False
            self._ids[delivery_id] = True
            if len(self._ids) > REMEMBERED_IDS:
                self._ids.popitem(last=False)  # forget the oldest
            return True


seen = SeenIds()


def handle(delivery_id: str, event: dict) -> None:
    """What a real receiver would hand to its own queue."""
    print(f"accepted {delivery_id} {event['event_name']}: {event['notification_reason']}", flush=True)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            return self.answer(413)
        body = self.rfile.read(length)  # the raw bytes: the signature covers exactly these
        try:
            delivery_id, event = verify(body, self.headers)
        except WebhookVerificationError as err:
            print(f"refused 401: {err}", flush=True)
            return self.answer(401)  # bookbell stops on a 4xx: a forged request is not retried
        if not seen.first_time(delivery_id):
            print(f"duplicate {delivery_id} dropped", flush=True)
            return self.answer(204)  # 2xx, or bookbell would keep retrying what you already have
        # Answer first, work after: bookbell waits at most 15 s, and a slow answer counts as a failure.
        self.answer(204)
        handle(delivery_id, event)

    def answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()
        self.wfile.flush()

    def log_message(self, *args) -> None:
        pass  # one line per delivery is printed above instead


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "9000"))), Receiver)
    print(f"listening on http://127.0.0.1:{server.server_port}/hooks ({SCHEME} signatures)", flush=True)
    server.serve_forever()
