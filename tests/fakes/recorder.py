#!/usr/bin/env python3
"""recorder.py — a stand-in for Twilio, Infobip, the WhatsApp Cloud API and a merchant's webhook
endpoint in end-to-end tests. Every request is written to DIR/NNNNNN.json (method, path, query,
headers in lower case, body as text and as base64 for binary bodies such as Web Push, "at": when it
arrived, Unix seconds) so tests can check the exact wire format and pace. Answers look like
the providers' documented answers. Behaviour can be scripted: POST /_control with
{"prefix": "/2010-04-01", "responses": [{"status": 500}, {"status": 429, "headers": {"Retry-After": "1"}},
{"garbage": true}, {"delay": 5}]} queues answers for paths starting with prefix (used first to last;
{"repeat": true} on the last one keeps it). Usage: recorder.py PORT DIR"""
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PORT, DIR = int(sys.argv[1]), sys.argv[2]
os.makedirs(DIR, exist_ok=True)
lock = threading.Lock()
counter = [0]
scripts = {}  # prefix -> list of responses


def default_answer(path, body, n):
    # n: this request's number (not the counter now: answers to concurrent requests differ)
    if path.startswith("/2010-04-01/Accounts/") and path.endswith("/Messages.json"):
        return 201, {"sid": "SM%032x" % n, "status": "accepted", "num_segments": "1", "error_code": None}
    if path.startswith("/sms/3/messages"):
        try:
            mid = json.loads(body)["messages"][0]["destinations"][0]["messageId"]
        except Exception:
            mid = "x"
        return 200, {"bulkId": "BULK-%d" % n, "messages": [{"messageId": mid, "status": {"groupId": 1, "groupName": "PENDING"}}]}
    if path.endswith("/messages"):
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": "x", "wa_id": "x"}],
                     "messages": [{"id": "wamid.TEST%06d" % n}]}
    return 200, None


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        u = urlsplit(self.path)
        if u.path == "/_control":
            spec = json.loads(body)
            with lock:
                scripts[spec["prefix"]] = list(spec.get("responses", []))
            self.reply(200, b"{}", {})
            return
        with lock:
            counter[0] += 1
            n = counter[0]
            rec = {"n": n, "at": time.time(), "method": self.command, "path": u.path, "query": u.query,
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": body.decode("utf-8", "replace"),
                   "body_b64": base64.b64encode(body).decode()}
            with open(os.path.join(DIR, "%06d.json" % n), "w") as f:
                json.dump(rec, f, ensure_ascii=False)
            script = None
            for prefix, lst in scripts.items():
                if u.path.startswith(prefix) and lst:
                    script = lst[0] if (len(lst) == 1 and lst[0].get("repeat")) else lst.pop(0)
                    break
        if script:
            if script.get("delay"):
                time.sleep(script["delay"])
            if script.get("garbage"):
                self.reply(200, b"\x00garbage{{{<html>", {"Content-Type": "application/json"})
                return
            if "status" in script:
                payload = json.dumps(script.get("body", {"code": 20500, "message": "scripted failure"})).encode()
                self.reply(script["status"], payload, script.get("headers", {}))
                return
        status, payload = default_answer(u.path, body, n)
        data = json.dumps(payload).encode() if payload is not None else b""
        self.reply(status, data, {"Content-Type": "application/json"} if data else {})

    def reply(self, status, data, headers):
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
