"""The clients of `bench/load.py`, in a process of their own so the bot's is measured alone.

Reads one JSON object on stdin — the server's URL, the signing secret and, per client, the
form bodies to send — sends them from one thread per client (each waits for its answer
before the next, as a user would), and writes on stdout the ack times, the answers that
were refusals in the ack, the errors and the wall time. Imports only httpx, so starting
it costs little and it shares nothing with the bot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
import time
from urllib.parse import urlencode

import httpx


def sign(secret: str, body: str, ts: str) -> str:
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
    return "v0=" + mac.hexdigest()


def main() -> None:
    job = json.load(sys.stdin)
    url, secret = job["url"], job["secret"]
    acks: list[float] = []
    refused: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(len(job["clients"]))

    def client(forms: list[dict[str, str]]) -> None:
        with httpx.Client(timeout=30) as http:
            go.wait()
            for form in forms:
                body = urlencode(form)
                ts = str(int(time.time()))
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": sign(secret, body, ts),
                }
                t0 = time.perf_counter()
                try:
                    resp = http.post(url, content=body, headers=headers)
                    took = time.perf_counter() - t0
                    with lock:
                        acks.append(took)
                        if resp.status_code != 200:
                            errors.append(f"HTTP {resp.status_code}: {resp.text[:80]}")
                        elif "already have" in resp.text or "busy" in resp.text:
                            refused.append(resp.text)
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")

    t_start = time.monotonic()
    threads = [threading.Thread(target=client, args=(forms,)) for forms in job["clients"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t_start
    json.dump({"acks": acks, "refused": refused, "errors": errors, "wall": wall}, sys.stdout)


if __name__ == "__main__":
    main()
