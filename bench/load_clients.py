"""The other side of `bench/load.py` — the users and Slack — in a process of its own, so
the bot's process is measured alone.

Starts the recording fake Slack Web API of the tests (answers to response_urls land
there) and writes its base URL as one JSON line on stdout; then reads one JSON line on
stdin — the bot's URL, the signing secret and, per client, the form bodies to send —
sends them from one thread per client (each waits for its ack before the next), waits
for the answers, and writes one JSON line: the ack times, the refusals in the ack, the
errors, the wall time and what reached the response_urls. Imports only httpx and the
standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_slack import FakeSlack


def sign(secret: str, body: str, ts: str) -> str:
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
    return "v0=" + mac.hexdigest()


def main() -> None:
    fake = FakeSlack().start()
    print(json.dumps({"base": fake.base}), flush=True)
    job = json.loads(sys.stdin.readline())
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
    # answers go out from the bot's work queue after the ack; give them time to land
    sent = sum(len(forms) for forms in job["clients"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (
            sum(1 for c in fake.calls if c.method.startswith("response_url:")) + len(refused)
            >= sent
        ):
            break
        time.sleep(0.2)
    answers = [c for c in fake.calls if c.method.startswith("response_url:")]
    fake.stop()
    result = {
        "acks": acks,
        "refused": refused,
        "errors": errors,
        "wall": wall,
        "answers": len(answers),
        "failed_answers": sum("failed on my side" in str(c.body.get("text")) for c in answers),
        "last_answer": max((c.at for c in answers), default=t_start) - t_start,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
