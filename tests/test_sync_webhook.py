"""Webhook sync against a real HTTP server on 127.0.0.1 that misbehaves on purpose.

The receiver checks every request the way a careful CRM would: the HMAC signature of the body,
the Idempotency-Key header against the entries in the body, and each entry's key against what
it already applied. It records anything delivered twice, anything sent again after a clean
acknowledgement, and any request that came before a Retry-After it asked for.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, insert, select

from calldesk.models import OutboxDelivery, OutboxEntry, utcnow
from calldesk.store import Store
from calldesk.sync import SyncProgress, Target, list_deliveries, retry, run_sync, skip, sync_status
from calldesk.sync.secrets import env_var
from calldesk.sync.webhook import (
    SIGNATURE_HEADER,
    backoff_delay,
    batch_key,
    parse_retry_after,
    sign,
    verify,
)

SECRET = "s3cret-shared-with-the-crm"


class Receiver:
    """What the test server knows; faults are chosen per request with a fixed seed."""

    def __init__(self, *, fault_rate: float = 0.0, client_timeout: float = 1.0, seed: int = 8):
        self.fault_rate = fault_rate
        self.client_timeout = client_timeout
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.applied: Counter[str] = Counter()  # entry key -> times applied (must stay 1)
        self.received: Counter[str] = Counter()
        self.clean_acked: set[str] = set()
        self.resent_after_ack: list[str] = []
        self.bad_signature = 0
        self.bad_key = 0
        self.early = 0  # requests before a Retry-After we gave had passed
        self.not_before = 0.0
        self.requests = 0
        self.faults: Counter[str] = Counter()
        self.permanent: dict[str, int] = {}  # entry key -> status to answer with, always
        self.bodies: list[dict] = []

    def apply(self, keys: list[str]) -> None:
        with self.lock:
            for key in keys:
                if key not in self.applied:  # the receiver deduplicates on the key
                    self.applied[key] = 1

    def pick_fault(self) -> str:
        with self.lock:
            self.requests += 1
            r = self.rng.random()
        if r >= self.fault_rate:
            return "ok"
        share = r / self.fault_rate
        for name, upto in (
            ("500", 0.25),
            ("500-after-apply", 0.40),
            ("drop", 0.55),
            ("drop-after-apply", 0.65),
            ("timeout", 0.80),
            ("slow", 0.90),
        ):
            if share < upto:
                return name
        return "429"


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: bytes = b"{}", headers: dict | None = None) -> None:
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                self.close_connection = True

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            now = time.monotonic()
            if not verify(body, SECRET, self.headers.get(SIGNATURE_HEADER, "")):
                receiver.bad_signature += 1
                self._answer(401, b'{"error":"bad signature"}')
                return
            document = json.loads(body)
            keys = [e["idempotency_key"] for e in document["entries"]]
            header_key = self.headers.get("Idempotency-Key")
            if header_key != batch_key(keys) or document["batch"] != header_key:
                receiver.bad_key += 1
            with receiver.lock:
                receiver.bodies.append(document)
                if now < receiver.not_before:
                    receiver.early += 1
                for key in keys:
                    receiver.received[key] += 1
                    if key in receiver.clean_acked:
                        receiver.resent_after_ack.append(key)
            refused = [receiver.permanent[k] for k in keys if k in receiver.permanent]
            if refused:
                self._answer(refused[0], b'{"error":"invalid entry: email is malformed"}')
                return
            fault = receiver.pick_fault()
            receiver.faults[fault] += 1
            if fault == "500":
                self._answer(500, b'{"error":"boom"}')
            elif fault == "500-after-apply":
                receiver.apply(keys)
                self._answer(502, b"bad gateway")
            elif fault in ("drop", "drop-after-apply"):
                if fault == "drop-after-apply":
                    receiver.apply(keys)
                self.close_connection = True  # no answer at all
            elif fault == "timeout":
                receiver.apply(keys)
                time.sleep(receiver.client_timeout + 0.3)
                self._answer(200)  # too late: the client has given up
                self.close_connection = True
            elif fault == "slow":
                time.sleep(receiver.client_timeout / 5)
                receiver.apply(keys)
                self._answer(200)
            elif fault == "429":
                with receiver.lock:
                    receiver.not_before = time.monotonic() + 1.0
                self._answer(429, b'{"error":"slow down"}', {"Retry-After": "1"})
            else:
                receiver.apply(keys)
                self._answer(200, b'{"ok":true}')
                with receiver.lock:
                    receiver.clean_acked.update(keys)

    return Handler


@pytest.fixture
def receiver_server() -> Iterator[tuple[Receiver, ThreadingHTTPServer, str]]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(receiver))
    server.daemon_threads = False  # server_close() joins every handler thread: a clean end
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver, server, f"http://127.0.0.1:{server.server_address[1]}/hooks/calldesk"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env_var("crm"), SECRET)


def _bulk_entries(store: Store, count: int, prefix: str = "e") -> list[str]:
    keys = [f"{prefix}-{i:06d}" for i in range(count)]
    now = utcnow()
    with store.write() as session:
        session.execute(
            insert(OutboxEntry),
            [
                {
                    "idempotency_key": key,
                    "kind": "lead.graded",
                    "payload": {"contact": {"id": i, "phones": []}, "grade": "A"},
                    "created_at": now,
                }
                for i, key in enumerate(keys)
            ],
        )
    return keys


def _webhook(url: str, **settings: object) -> dict[str, Target]:
    target = Target(
        name="crm",
        type="webhook",
        url=url,
        batch_size=int(settings.get("batch_size", 100)),
        timeout=float(settings.get("timeout", 1.0)),
        backoff_base=float(settings.get("backoff_base", 0.05)),
        backoff_max=float(settings.get("backoff_max", 0.3)),
    )
    return {"crm": target}


def _states(store: Store) -> dict[str, int]:
    with store.session() as session:
        return dict(
            session.execute(
                select(OutboxDelivery.state, func.count()).group_by(OutboxDelivery.state)
            ).all()
        )


def test_flaky_receiver_gets_everything_exactly_once_and_stop_is_clean(
    sqlite_store: Store, receiver_server, secret_env
) -> None:
    receiver, _server, url = receiver_server
    receiver.fault_rate = 0.30
    # Generous enough that a clean answer is never mistaken for a timeout on a busy machine.
    receiver.client_timeout = 1.5
    keys = _bulk_entries(sqlite_store, 10_000)
    config = _webhook(url, batch_size=100, timeout=receiver.client_timeout)

    # First run: stopped from the progress callback once a good part has arrived.
    stop = threading.Event()
    seen: list[SyncProgress] = []

    def progress(p: SyncProgress) -> None:
        seen.append(p)
        if p.delivered >= 3000:
            stop.set()

    outcome: dict = {}
    worker = threading.Thread(
        target=lambda: outcome.update(
            report=run_sync(sqlite_store, config=config, stop=stop, progress=progress, max_wait=5)
        )
    )
    started = time.monotonic()
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the sync did not stop"
    first = outcome["report"]
    assert first.stopped
    assert 3000 <= first.delivered < 10_000
    assert time.monotonic() - started < 120
    assert seen and seen[-1].target == "crm"
    states = _states(sqlite_store)
    assert states.get("delivered") == first.delivered
    assert states.get("pending") == 10_000 - first.delivered  # nothing lost, nothing failed
    assert set(receiver.applied) >= {
        d.key for d in list_deliveries(sqlite_store, "crm", state="delivered", limit=20_000)
    }

    # Second run: to the end.
    second = run_sync(sqlite_store, config=config, max_wait=5)
    assert not second.stopped
    assert first.delivered + second.delivered == 10_000
    assert second.pending == 0 and second.failed == 0
    assert _states(sqlite_store) == {"delivered": 10_000}

    # The receiver's view: every entry applied exactly once, nothing resent after a clean ack.
    assert set(receiver.applied) == set(keys)  # a changed key would show up here as extra
    assert receiver.resent_after_ack == []
    assert receiver.bad_signature == 0 and receiver.bad_key == 0
    assert receiver.early == 0, "a Retry-After was not honoured"
    # The faults really happened, and some entries really were sent more than once.
    assert receiver.faults["timeout"] > 0 and receiver.faults["429"] > 0
    assert receiver.faults["drop"] + receiver.faults["drop-after-apply"] > 0
    assert sum(receiver.faults.values()) - receiver.faults["ok"] > 0.2 * receiver.requests
    assert max(receiver.received.values()) > 1


def test_permanent_refusal_fails_only_the_bad_entry_and_review_can_retry_or_skip(
    store: Store, receiver_server, secret_env
) -> None:
    receiver, _server, url = receiver_server
    keys = _bulk_entries(store, 30)
    receiver.permanent[keys[7]] = 422
    receiver.permanent[keys[12]] = 400
    config = _webhook(url, batch_size=10)

    report = run_sync(store, config=config, max_wait=2)
    assert report.delivered == 28
    assert report.failed == 2
    assert report.pending == 0
    assert report.targets["crm"].failed_waiting == 2
    failed = list_deliveries(store, "crm", state="failed")
    assert [f.key for f in failed] == [keys[7], keys[12]]
    assert "HTTP 422" in (failed[0].last_error or "") and "malformed" in failed[0].last_error
    status = sync_status(store, config)["crm"]
    assert (status.delivered, status.failed, status.pending) == (28, 2, 0)

    # The receiver is fixed for one of them: retry sends it; the other is skipped by the user.
    del receiver.permanent[keys[7]]
    assert retry(store, failed[0].entry_id, target="crm") == 1
    assert skip(store, failed[1].entry_id, target="crm", config=config) == 1
    again = run_sync(store, config=config, max_wait=2)
    assert again.delivered == 1 and again.failed == 0
    assert receiver.applied[keys[7]] == 1 and keys[12] not in receiver.applied
    status = sync_status(store, config)["crm"]
    assert (status.delivered, status.skipped, status.failed) == (29, 1, 0)

    # A delivered entry is never retried: that would send it twice.
    from calldesk.sync import SyncError

    with pytest.raises(SyncError, match="delivered"):
        retry(store, failed[0].entry_id, target="crm")
    before = sum(receiver.received.values())
    assert run_sync(store, config=config, max_wait=0).delivered == 0
    assert sum(receiver.received.values()) == before


def test_receiver_down_keeps_entries_pending_with_the_reason(
    sqlite_store: Store, secret_env
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _bulk_entries(sqlite_store, 5)
    config = _webhook(f"http://127.0.0.1:{port}/x", batch_size=2, backoff_base=30, backoff_max=60)
    report = run_sync(sqlite_store, config=config, max_wait=0)
    assert report.delivered == 0 and report.failed == 0 and report.pending == 5
    status = sync_status(sqlite_store, config)["crm"]
    assert status.pending == 5 and "connection failed" in (status.last_error or "")
    assert status.next_try_at is not None and status.next_try_at > utcnow()
    # Head of line: only the first batch was tried, the rest were not hammered.
    attempts = [d.attempts for d in list_deliveries(sqlite_store, "crm")]
    assert attempts == [1, 1, 0, 0, 0]


def test_no_secret_means_nothing_is_sent(sqlite_store: Store, receiver_server) -> None:
    receiver, _server, url = receiver_server
    _bulk_entries(sqlite_store, 3)
    report = run_sync(sqlite_store, config=_webhook(url), max_wait=0)
    assert report.targets["crm"].error and "secret" in report.targets["crm"].error
    assert receiver.requests == 0 and report.pending == 3


def test_dry_run_sends_and_changes_nothing(sqlite_store: Store, receiver_server, secret_env):
    receiver, _server, url = receiver_server
    keys = _bulk_entries(sqlite_store, 4)
    report = run_sync(sqlite_store, config=_webhook(url), dry_run=True)
    assert report.dry_run and report.pending == 4 and report.delivered == 0
    assert [e["key"] for e in report.targets["crm"].would_send] == keys
    assert receiver.requests == 0 and _states(sqlite_store) == {}


def test_signature_key_and_backoff_helpers() -> None:
    body = b'{"entries":[]}'
    signature = sign(body, "k")
    assert signature.startswith("sha256=") and verify(body, "k", signature)
    assert not verify(body + b" ", "k", signature) and not verify(body, "other", signature)
    assert batch_key(["a", "b"]) == batch_key(["b", "a"]) != batch_key(["a", "c"])
    assert batch_key(["only"]) == "only"
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(1, 10)]
    assert all(
        0.5 * min(60, 2 ** (n - 1)) <= d <= min(60, 2 ** (n - 1)) for n, d in enumerate(delays, 1)
    )
    assert max(delays) <= 60
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
