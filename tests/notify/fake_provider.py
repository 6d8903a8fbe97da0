#!/usr/bin/env python3
"""A fake of Kepu's outside notification providers, for tests (stdlib only).

Listens on 127.0.0.1 on a free port and prints "LISTENING <port>" first.

  POST /sms              Kepu's SMS provider contract (services/notify/sms_sender.h):
                         checks "Authorization: Bearer <--api-key>" (401 otherwise), dedupes on
                         out_id (a repeat answers OK with the first message_id and is not a
                         second message), records every accepted message.
  POST /webhook/<name>   A Standard Webhooks receiver: verifies webhook-signature with hmac
                         against --webhook-secret (whsec_...) and a 5-minute timestamp
                         tolerance; records every request, verified or not (401 when not).

Control:
  POST /control/mode      {"sms": MODE, "webhook": MODE, "count": N, "retry_after": "7",
                           "reject_code": "isv.MOBILE_NUMBER_ILLEGAL"}
                          the mode for the next N requests of the named channels (then "ok"
                          again), or until changed when there is no count.
      sms modes:     ok | fail (500, not accepted) | timeout (accepted and recorded, then no
                     answer for --stall seconds or until reset: the answer is lost) |
                     ratelimit (429, Retry-After: 2) | reject (200 with the business error
                     code "reject_code", isv.MOBILE_NUMBER_ILLEGAL unless given) |
                     garbage (200 with a body that is not JSON)
      webhook modes: ok | fail (500) | gone (410) | reject (400) |
                     retry_after (503 with Retry-After: the "retry_after" value, "7" unless
                     given) | timeout (no answer for --stall seconds or until reset)
  GET  /control/messages  accepted SMS: [{phone, sign_name, template_code, template_params,
                          out_id, message_id, received_at}]
  GET  /control/webhooks  webhook requests: [{name, id, timestamp, signature, body, verified,
                          reason, status, received_at, headers}]
  GET  /control/stats     {"sms_requests": n, "webhook_requests": n}
  POST /control/reset     forgets everything, modes back to ok, releases stalled requests
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.release = threading.Event()  # set on reset: stalled requests end
        self.clear()

    def clear(self):
        self.messages = []
        self.by_out_id = {}
        self.webhooks = []
        self.sms_requests = 0
        self.webhook_requests = 0
        self.modes = {"sms": ["ok", None], "webhook": ["ok", None]}
        self.retry_after = "7"
        self.reject_code = "isv.MOBILE_NUMBER_ILLEGAL"
        self.next_id = 1

    def take_mode(self, channel):
        """The mode for one request of `channel`, counting it down."""
        mode = self.modes[channel]
        current = mode[0]
        if mode[1] is not None:
            mode[1] -= 1
            if mode[1] <= 0:
                self.modes[channel] = ["ok", None]
        return current


def secret_key(secret):
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    return base64.b64decode(secret)


def verify(key, headers, body):
    """(verified, reason) for a Standard Webhooks request."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        return False, "missing header"
    try:
        ts = int(timestamp)
    except ValueError:
        return False, "bad timestamp"
    if abs(time.time() - ts) > TOLERANCE_SECONDS:
        return False, "timestamp out of tolerance"
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True, ""
    return False, "no matching signature"


def make_handler(state, args):
    key = secret_key(args.webhook_secret)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *a):  # quiet: the test's output is for the test
            pass

        def answer(self, status, payload=None, headers=()):
            body = b"" if payload is None else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def stall(self):
            with state.lock:
                release = state.release
            release.wait(args.stall)
            self.close_connection = True
            self.answer(504, {"code": "stalled"})

        def read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self):
            with state.lock:
                if self.path == "/control/messages":
                    payload = list(state.messages)
                elif self.path == "/control/webhooks":
                    payload = list(state.webhooks)
                elif self.path == "/control/stats":
                    payload = {"sms_requests": state.sms_requests,
                               "webhook_requests": state.webhook_requests}
                else:
                    payload = None
            if payload is None:
                self.answer(404, {"error": "no such path"})
            else:
                self.answer(200, payload)

        def do_POST(self):
            body = self.read_body()
            if self.path == "/sms":
                self.sms(body)
            elif self.path.startswith("/webhook/"):
                self.webhook(self.path[len("/webhook/"):], body)
            elif self.path == "/control/mode":
                self.mode(body)
            elif self.path == "/control/reset":
                with state.lock:
                    state.clear()
                    state.release.set()
                    state.release = threading.Event()
                self.answer(200, {"ok": True})
            else:
                self.answer(404, {"error": "no such path"})

        def mode(self, body):
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                self.answer(400, {"error": "not JSON"})
                return
            count = request.get("count")
            with state.lock:
                for channel in ("sms", "webhook"):
                    if channel in request:
                        state.modes[channel] = [request[channel], count]
                if "retry_after" in request:
                    state.retry_after = str(request["retry_after"])
                if "reject_code" in request:
                    state.reject_code = str(request["reject_code"])
            self.answer(200, {"ok": True})

        def sms(self, body):
            with state.lock:
                state.sms_requests += 1
            if self.headers.get("Authorization") != "Bearer " + args.api_key:
                self.answer(401, {"code": "Unauthorized", "message": "bad API key"})
                return
            try:
                request = json.loads(body)
                phone = request["phone"]
                out_id = request["out_id"]
                template_code = request["template_code"]
            except (ValueError, KeyError, TypeError):
                self.answer(400, {"code": "isv.INVALID_PARAMETERS", "message": "bad request"})
                return
            with state.lock:
                mode = state.take_mode("sms")
                reject_code = state.reject_code
            if mode == "fail":
                self.answer(500, {"code": "InternalError", "message": "provider failing"})
                return
            if mode == "ratelimit":
                self.answer(429, {"code": "Throttling"}, [("Retry-After", "2")])
                return
            if mode == "reject":
                self.answer(200, {"code": reject_code, "message": "refused: " + reject_code})
                return
            if mode == "garbage":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "13")
                self.end_headers()
                self.wfile.write(b"<html></html>")
                return
            with state.lock:
                message_id = state.by_out_id.get(out_id)
                if message_id is None:
                    message_id = "fake-%06d" % state.next_id
                    state.next_id += 1
                    state.by_out_id[out_id] = message_id
                    state.messages.append({
                        "phone": phone,
                        "sign_name": request.get("sign_name", ""),
                        "template_code": template_code,
                        "template_params": request.get("template_params", {}),
                        "out_id": out_id,
                        "message_id": message_id,
                        "received_at": time.time(),
                    })
            if mode == "timeout":
                self.stall()  # accepted, but the answer is lost
                return
            self.answer(200, {"code": "OK", "message_id": message_id})

        def webhook(self, name, body):
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified, reason = verify(key, headers, body)
            with state.lock:
                state.webhook_requests += 1
                mode = state.take_mode("webhook")
                retry_after = state.retry_after
            status, extra = 200, []
            if mode == "fail":
                status = 500
            elif mode == "gone":
                status = 410
            elif mode == "reject":
                status = 400
            elif mode == "retry_after":
                status, extra = 503, [("Retry-After", retry_after)]
            elif not verified:
                status = 401
            record = {
                "name": name,
                "id": headers.get("webhook-id", ""),
                "timestamp": headers.get("webhook-timestamp", ""),
                "signature": headers.get("webhook-signature", ""),
                "body": body.decode("utf-8", "replace"),
                "verified": verified,
                "reason": reason,
                "status": 0 if mode == "timeout" else status,
                "received_at": time.time(),
                "headers": headers,
            }
            with state.lock:
                state.webhooks.append(record)
            if mode == "timeout":
                self.stall()
                return
            self.answer(status, {"ok": status == 200}, extra)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-key", default="test-api-key")
    parser.add_argument("--webhook-secret", default="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stall", type=float, default=10.0,
                        help="seconds a timeout-mode request is held")
    args = parser.parse_args()
    secret_key(args.webhook_secret)  # fail now on a malformed secret

    state = State()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state, args))
    server.daemon_threads = True
    print("LISTENING %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
