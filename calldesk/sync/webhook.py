"""Posting batches of outbox entries to a webhook: JSON, signed, idempotent.

A request is ``POST`` with a JSON body ``{"batch": KEY, "entries": [...]}``; each entry has its
own ``idempotency_key``. Headers: ``Idempotency-Key`` (the entry's key for a batch of one, else
``batch-`` and a hash of the entry keys, so a retried batch carries the same key) and
``X-Calldesk-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact body bytes with the
target's shared secret. The standard library's ``http.client`` does the work: one kept-alive
connection per run, dropped and reopened after any error.

How an answer is read: 2xx delivered; 408, 429, 5xx, timeouts and dropped connections are
transient (retried with backoff, ``Retry-After`` honoured); any other 4xx is permanent.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import http.client
import json
import random
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import calldesk

SIGNATURE_HEADER = "X-Calldesk-Signature"
RETRY_AFTER_MAX = 24 * 3600.0  # a receiver asking for more than a day is ignored beyond that


@dataclass
class SendResult:
    """What one POST came to."""

    ok: bool
    status: int | None = None
    permanent: bool = False
    error: str | None = None
    retry_after: float | None = None  # seconds, when the receiver said


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Check a signature the way a receiver should (constant-time compare)."""
    return hmac.compare_digest(sign(body, secret), signature)


def batch_key(entry_keys: Sequence[str]) -> str:
    """The Idempotency-Key of a batch: stable for the same entries, whatever their order."""
    if len(entry_keys) == 1:
        return entry_keys[0]
    digest = hashlib.sha256("\n".join(sorted(entry_keys)).encode("utf-8")).hexdigest()
    return f"batch-{digest[:40]}"


def batch_body(key: str, entries: list[dict[str, Any]]) -> bytes:
    """The exact bytes posted (and signed) for a batch."""
    return json.dumps(
        {"batch": key, "entries": entries},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")


def backoff_delay(
    attempts: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait before try ``attempts + 1``: exponential, capped, with jitter.

    The jitter ("equal jitter": half fixed, half random) spreads retries of many clients and
    batches so a receiver coming back up is not hit by all of them at once.
    """
    rng = rng or random
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (it may be seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_MAX)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return min(max(0.0, (when - now).total_seconds()), RETRY_AFTER_MAX)


def is_transient(status: int) -> bool:
    return status in (408, 429) or status >= 500


class WebhookClient:
    """A connection to one webhook URL, reused across batches of a run."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._https:
                self._conn = http.client.HTTPSConnection(
                    self._host,
                    self._port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                self._conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.timeout
                )
        return self._conn

    def post(self, key: str, body: bytes) -> SendResult:
        """POST ``body`` once; never raises for network trouble (it is a transient result)."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": key,
            SIGNATURE_HEADER: sign(body, self.secret),
            "User-Agent": f"calldesk/{calldesk.__version__}",
        }
        conn = self._connection()
        try:
            if conn.sock is None:
                conn.connect()
                # Headers and body go out in separate writes: without this, Nagle's algorithm
                # and the receiver's delayed ACK add ~40 ms to every request.
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.request("POST", self._path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read(4096)
            # Anything left unread would poison the kept-alive connection: drop it.
            if not response.isclosed():
                response.read()
            status = response.status
            retry_after = parse_retry_after(response.getheader("Retry-After"))
            if response.getheader("Connection", "").lower() == "close":
                self.close()
        except TimeoutError:
            self.close()
            return SendResult(False, error=f"no answer within {self.timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            reason = str(exc) or type(exc).__name__
            return SendResult(False, error=f"connection failed: {reason}")
        if 200 <= status < 300:
            return SendResult(True, status=status)
        detail = text.decode("utf-8", "replace").strip()[:300]
        error = f"HTTP {status} {response.reason}" + (f": {detail}" if detail else "")
        if is_transient(status):
            return SendResult(False, status=status, error=error, retry_after=retry_after)
        return SendResult(False, status=status, permanent=True, error=error)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
