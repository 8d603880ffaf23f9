"""A small client for the NetBox REST and GraphQL APIs (requests; no pynetbox: its import and records cost).

Credentials come from the environment (``NETBOX_URL`` and ``NETBOX_TOKEN``) or, failing that, from the
``netbox.env`` that ``netops netbox up`` writes under the (git-ignored) state directory. The token is never
printed, logged or put into an error message: :class:`Credentials` hides it from ``repr``.

Writes are bulk requests (a list in one POST, PATCH or DELETE), each object carrying a ``changelog_message``
(NetBox 4.4+ records it in the change log), with ``?omit=`` the fields not sent so that NetBox renders only those
in its reply. Reads are paginated REST with ``fields=`` (only what the mapping compares) or GraphQL with
``pagination: {offset, limit}`` (NetBox caps a list at 1,000).

Faults: connecting is retried (nothing was sent). A busy or restarting NetBox answers 429, 502, 503 or 504; a
request that is safe to repeat is sent again after a growing pause (0.5, 1, 2 ... s, or the ``Retry-After`` NetBox
or its proxy asks for, at most 60 s), at most ``NETOPS_NETBOX_RETRIES`` (default 4) tries in all: reads (GET,
OPTIONS, GraphQL queries) on any of the four, a dropped connection too; PATCH updates on any of the four (they
set values, so a second one changes nothing); bulk DELETEs only on 429 and 503 (NetBox did not act on the
request; after a 502 or 504 it may have, and a re-run of apply converges instead). POST creates are never
repeated: a create that NetBox did, repeated, would make a duplicate.

Timeouts (seconds, from the environment): ``NETOPS_NETBOX_CONNECT_TIMEOUT`` (default 5) to connect,
``NETOPS_NETBOX_TIMEOUT`` (default 60) for an answer to a read, ``NETOPS_NETBOX_WRITE_TIMEOUT`` (default 180)
for an answer to a bulk write (up to ``CHUNK_SIZE`` objects at 110-200 ms of NetBox CPU each, with
``--workers`` requests in flight; half a second per object when a larger ``--chunk-size`` sends more). A NetBox
that does not answer in time is "not reachable" (exit 3).
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from urllib3.exceptions import NewConnectionError, ProtocolError
from urllib3.util.retry import Retry

from netops.errors import EXIT_BAD_INPUT, ServiceError

#: NetBox's MAX_PAGE_SIZE: the largest page REST and GraphQL hand out.
PAGE_SIZE = 1000
#: Objects per write request. NetBox spends 110-200 ms of CPU per object: 100 keeps a request under ~20 s.
CHUNK_SIZE = 100
#: Seconds to connect, to wait for a read's answer, to wait for a bulk write's answer (see the module docstring).
CONNECT_TIMEOUT, READ_TIMEOUT, WRITE_TIMEOUT = 5.0, 60.0, 180.0
#: Tries of one request in all (the first and the repeats), and the longest pause between two.
RETRIES, MAX_PAUSE = 4, 60.0
#: Answers that mean "not now": a request is sent again when it is safe to (see the module docstring).
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Of those, the ones after which NetBox certainly did not act on the request (a DELETE is repeated only then).
NOT_DONE_STATUSES = frozenset({429, 503})
#: The longest a write may take per object it sends (NetBox spends 110-200 ms; a busy one more): a write of more
#: objects than WRITE_TIMEOUT / SECONDS_PER_OBJECT (a --chunk-size above 360) waits that much longer.
SECONDS_PER_OBJECT = 0.5


@dataclass(frozen=True)
class Timeouts:
    """How long the client waits: to connect, for a read's answer, for a bulk write's answer; how many tries."""

    connect: float = CONNECT_TIMEOUT
    read: float = READ_TIMEOUT
    write: float = WRITE_TIMEOUT
    tries: int = RETRIES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Timeouts:
        """The defaults, overridden by NETOPS_NETBOX_CONNECT_TIMEOUT, _TIMEOUT, _WRITE_TIMEOUT and _RETRIES."""
        env = os.environ if environ is None else environ

        def number(name: str, default: float, *, whole: bool = False) -> float:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                value = int(text) if whole else float(text)
            except ValueError:
                value = 0
            if value <= 0 or value > 3600:
                raise CredentialsError(f"{name}={text!r} is not a number of {'tries' if whole else 'seconds'}"
                                       f" between 1 and 3600 (default {default:g})")
            return value

        return cls(connect=number("NETOPS_NETBOX_CONNECT_TIMEOUT", CONNECT_TIMEOUT),
                   read=number("NETOPS_NETBOX_TIMEOUT", READ_TIMEOUT),
                   write=number("NETOPS_NETBOX_WRITE_TIMEOUT", WRITE_TIMEOUT),
                   tries=int(number("NETOPS_NETBOX_RETRIES", RETRIES, whole=True)))


class NetBoxError(ServiceError):
    """NetBox refused a request or could not be reached (exit 3); carries the URL and, when there was one, the
    reply."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 detail: str | None = None) -> None:
        self.url = url
        self.status = status
        self.detail = detail
        text = message
        if status is not None:
            text += f" (HTTP {status})"
        if url:
            text += f": {url}"
        if detail:
            text += f"\n  {detail[:2000]}"
        super().__init__(text)


class CredentialsError(NetBoxError):
    """No NetBox to talk to (neither the environment nor the embedded server's netbox.env says where), or NetBox
    refuses the token: the user's configuration, so exit 2."""

    exit_code = EXIT_BAD_INPUT


def unreachable(url: str, error: requests.RequestException, timeouts: Timeouts | None = None) -> NetBoxError:
    """NetBox did not answer: why, in words, and what to check."""
    if isinstance(error, requests.ConnectTimeout):
        why = "no connection in time" + (f" ({timeouts.connect:g} s, NETOPS_NETBOX_CONNECT_TIMEOUT)"
                                         if timeouts else "")
    elif isinstance(error, requests.Timeout):
        why = "no answer in time" + (f" ({timeouts.read:g} s for a read, {timeouts.write:g} s for a write;"
                                     " NETOPS_NETBOX_TIMEOUT, NETOPS_NETBOX_WRITE_TIMEOUT)" if timeouts else "")
    elif isinstance(error, requests.ConnectionError):
        why = "connection refused or reset" if "refused" in str(error) or "reset" in str(error) else "cannot connect"
    else:
        why = type(error).__name__
    return NetBoxError("NetBox is not reachable", url=url,
                       detail=f"{why}\n  hint: is it running (`netops netbox status`)? is NETBOX_URL right?")


def not_netbox(url: str, *, response_text: str) -> NetBoxError:
    """NetBox's address answered, but not as NetBox's API does (another web server, a proxy's page)."""
    return NetBoxError("the server at NETBOX_URL does not answer like NetBox's API", url=url,
                       detail=f"it answered: {response_text.strip()[:200]!r}\n  hint: is NETBOX_URL the address of"
                              " NetBox (http://host:port, without /api)?")


def _json(response: requests.Response, url: str) -> Any:
    """The JSON of an answer; NetBoxError when it is not JSON (not NetBox answering)."""
    try:
        return response.json()
    except ValueError as error:
        raise not_netbox(url, response_text=response.text) from error


def _dropped(error: requests.ConnectionError) -> bool:
    """Whether the connection was made and then dropped before an answer (not: nothing listens, no such host,
    which urllib3 already tried again)."""
    reason: object = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, ProtocolError | ConnectionResetError) and not isinstance(reason, NewConnectionError)


def refused(message: str, url: str, response: requests.Response, tries: int = 1) -> NetBoxError:
    """NetBox answered with an error: a bad token (401, 403 "Invalid token") is the user's configuration."""
    text = response.text[:500]
    if response.status_code in RETRY_STATUSES:
        wait = response.headers.get("Retry-After")
        text = (f"NetBox is busy or restarting ({response.reason or 'no reason given'})"
                + (f"; it asked to wait {wait} s" if wait else "")
                + f"\n  hint: try again later; netops sent the request {tries} time{'s' if tries != 1 else ''}"
                  " (NETOPS_NETBOX_RETRIES)")
    if response.status_code == 401 or (response.status_code == 403 and "token" in text.lower()):
        return CredentialsError("NetBox refused the API token", url=url, status=response.status_code,
                                detail=f"{text}\n  hint: check NETBOX_TOKEN (or the embedded server's netbox.env);"
                                       " the token needs write permission for apply")
    return NetBoxError(message, url=url, status=response.status_code, detail=text)


@dataclass(frozen=True)
class Credentials:
    """Where NetBox is and the API token (hidden from repr, never printed)."""

    url: str
    token: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """``NETBOX_URL``/``NETBOX_TOKEN`` from the environment, else the embedded server's ``netbox.env``."""
        env = os.environ if environ is None else environ
        url, token = env.get("NETBOX_URL", "").strip(), env.get("NETBOX_TOKEN", "").strip()
        if url:
            _check_url(url)
        if url and token:
            return cls(url.rstrip("/"), token)
        from netops.devnetbox.errors import NetboxServerError  # only needed for the embedded server
        from netops.devnetbox.settings import Settings

        try:
            env_file = Settings.from_env(env).env_file
        except NetboxServerError as error:
            raise CredentialsError(str(error)) from error
        values = _read_env_file(env_file)
        url, token = url or values.get("NETBOX_URL", ""), token or values.get("NETBOX_TOKEN", "")
        if not (url and token):
            raise CredentialsError(
                "no NetBox to talk to: set NETBOX_URL and NETBOX_TOKEN, or start the embedded server with"
                f" `netops netbox up` (it writes {env_file})"
            )
        _check_url(url, env_file)
        return cls(url.rstrip("/"), token)

    @property
    def authorization(self) -> str:
        """The Authorization header value: v2 tokens (nbt_<key>.<secret>) are Bearer, v1 tokens Token."""
        scheme = "Bearer" if self.token.startswith("nbt_") and "." in self.token else "Token"
        return f"{scheme} {self.token}"


def _check_url(url: str, where: Path | None = None) -> None:
    """CredentialsError (exit 2) unless ``url`` is an http(s) URL with a host."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a port that is not a number, a bad IPv6 literal
        valid = False
    if not valid:
        raise CredentialsError(f"NETBOX_URL{f' (in {where})' if where else ''} is not the address of a NetBox: "
                               f"{url!r}; expected http(s)://host[:port], e.g. http://127.0.0.1:8080")


def _read_env_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip().strip("'\"")
    return values


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a (connect, read) timeout and retries connecting a few times (nothing was sent)."""

    def __init__(self, timeouts: Timeouts) -> None:
        # read=False: a read error (a timeout, a dropped connection) is raised as itself, for the message and
        # for _send to decide whether the request may be sent again.
        super().__init__(max_retries=Retry(total=None, connect=3, read=False, status=0, other=0, redirect=0,
                                           backoff_factor=0.5))
        self.timeouts = timeouts

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: dict[str, str] | None = None) -> requests.Response:
        return super().send(request, stream=stream, timeout=timeout or (self.timeouts.connect, self.timeouts.read),
                            verify=verify, cert=cert, proxies=proxies)


def retry_pause(response: requests.Response | None, attempt: int) -> float:
    """Seconds to wait before try ``attempt + 1``: what ``Retry-After`` asks (seconds or an HTTP date), else
    0.5 s doubled each time; at most MAX_PAUSE."""
    header = response.headers.get("Retry-After", "").strip() if response is not None else ""
    pause = 0.5 * 2 ** (attempt - 1)
    if header:
        try:
            pause = float(header)
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                pause = float(email.utils.parsedate_to_datetime(header).timestamp() - time.time())
    return float(min(max(pause, 0.0), MAX_PAUSE))


class NetBoxClient:
    """REST (paginated, ``fields=``), GraphQL (paginated) and bulk writes with a change-log message."""

    def __init__(self, credentials: Credentials, *, timeouts: Timeouts | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.credentials = credentials
        self.timeouts = timeouts or Timeouts()
        self._sleep = sleep  # the pause between tries (tests record it instead of waiting)
        self.session = requests.Session()
        adapter = _TimeoutAdapter(self.timeouts)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", "Authorization": credentials.authorization})
        #: Requests sent (reads and writes), for progress and benchmarks.
        self.requests = 0
        self._counting = threading.Lock()  # apply writes from several threads
        #: The fields of each endpoint's objects (OPTIONS), by endpoint.
        self._fields: dict[str, frozenset[str]] = {}

    def _count(self) -> None:
        with self._counting:
            self.requests += 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NetBoxClient:
        """A client for the NetBox the environment (or the embedded server) points at, with its timeouts."""
        return cls(Credentials.from_env(environ), timeouts=Timeouts.from_env(environ))

    def _send(self, method: str, url: str, *, retry_on: frozenset[int], retry_dropped: bool,
              write: int = 0, **kwargs: Any) -> tuple[requests.Response, int]:
        """One request, sent again after a pause while NetBox answers a status of ``retry_on`` (or, with
        ``retry_dropped``, drops the connection), at most ``timeouts.tries`` times; NetBoxError when NetBox
        cannot be reached. ``write``: the number of objects a write sends (0 for a read). The last answer is
        returned whatever its status, with the number of tries."""
        # A write of n objects may take NetBox up to SECONDS_PER_OBJECT each: a bigger --chunk-size waits longer.
        answer = max(self.timeouts.write, write * SECONDS_PER_OBJECT) if write else self.timeouts.read
        timeout = (self.timeouts.connect, answer)
        attempt = 0
        while True:
            attempt += 1
            self._count()
            try:
                response = self.session.request(method, url, timeout=timeout, **kwargs)
            except requests.ConnectionError as error:
                if retry_dropped and _dropped(error) and attempt < self.timeouts.tries:
                    self._sleep(retry_pause(None, attempt))
                    continue
                raise unreachable(url, error, self.timeouts) from error
            except requests.RequestException as error:
                raise unreachable(url, error, self.timeouts) from error
            if response.status_code in retry_on and attempt < self.timeouts.tries:
                self._sleep(retry_pause(response, attempt))
                continue
            return response, attempt

    @property
    def url(self) -> str:
        return self.credentials.url

    def object_url(self, endpoint: str, object_id: int) -> str:
        """The web page of an object (for people): ``<url>/dcim/sites/12/``."""
        return f"{self.url}/{endpoint}/{object_id}/"

    # -- reads -------------------------------------------------------------------------------------------------

    def _get(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        response, tries = self._send("GET", url, retry_on=RETRY_STATUSES, retry_dropped=True, params=params)
        if response.status_code != 200:
            raise refused("NetBox refused a read", url, response, tries)
        return _json(response, url)

    def status(self) -> dict[str, Any]:
        """``GET /api/status/``: NetBox's version and health."""
        result: dict[str, Any] = self._get(f"{self.url}/api/status/")
        return result

    def rest_list(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint matching ``params``, page by page (offset pagination)."""
        query: dict[str, Any] = {"limit": PAGE_SIZE, "offset": 0, **(params or {})}
        url: str | None = f"{self.url}/api/{endpoint}/"
        first = True
        while url is not None:
            page = self._get(url, query if first else None)
            first = False
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise not_netbox(url or self.url, response_text=str(page)[:200])
            yield from page["results"]
            url = page.get("next")

    def tags_by_object(self, exclude: str) -> dict[tuple[str, int], list[str]]:
        """Tags of every tagged object but `exclude`: (object type, id) -> slugs, in one paginated read.

        GraphQL resolves an object's tags with one query per object; this list gives them all at once.
        """
        tags: dict[tuple[str, int], list[str]] = {}
        for row in self.rest_list("extras/tagged-objects", {"tag__n": exclude, "fields": "object_type,object_id,tag"}):
            tags.setdefault((str(row["object_type"]), int(row["object_id"])), []).append(str(row["tag"]["slug"]))
        return tags

    def count(self, endpoint: str, params: Mapping[str, Any] | None = None) -> int:
        """How many objects of a list endpoint match ``params`` (one request, one row fetched)."""
        page = self._get(f"{self.url}/api/{endpoint}/", {**(params or {}), "limit": 1, "fields": "id"})
        if not isinstance(page, dict) or not isinstance(page.get("count"), int):
            raise not_netbox(f"{self.url}/api/{endpoint}/", response_text=str(page)[:200])
        return int(page["count"])

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL query; any error in the reply raises."""
        url = f"{self.url}/graphql/"
        # A POST, but a read: safe to send again.
        response, tries = self._send("POST", url, retry_on=RETRY_STATUSES, retry_dropped=True,
                              json={"query": query, "variables": dict(variables or {})})
        if response.status_code != 200:
            raise refused("NetBox refused a GraphQL query", url, response, tries)
        body = _json(response, url)
        if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
            raise not_netbox(url, response_text=str(body)[:200])
        if body.get("errors"):
            raise NetBoxError("GraphQL query failed", url=url, detail="; ".join(
                str(error.get("message")) for error in body["errors"]))
        data: dict[str, Any] = body["data"]
        return data

    def graphql_list(self, list_name: str, selection: str, filters: str | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a GraphQL list, 1,000 at a time (NetBox silently caps a list at 1,000)."""
        offset = 0
        filter_arg = f"filters: {filters}, " if filters else ""
        while True:
            query = (f"query {{ {list_name}({filter_arg}pagination: {{offset: {offset}, limit: {PAGE_SIZE}}})"
                     f" {{ {selection} }} }}")
            rows: list[dict[str, Any]] = self.graphql(query)[list_name]
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            offset += PAGE_SIZE

    # -- writes ------------------------------------------------------------------------------------------------

    def create(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[int]:
        """POST a list of new objects in one request; the ids of the created objects, in order."""
        rows = self._write("POST", endpoint, [{**p, "changelog_message": message} for p in payloads],
                           "create objects on")
        return [int(row["id"]) for row in rows]

    def _write(self, method: str, endpoint: str, body: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
        """One bulk write; NetBox renders in its reply only the fields sent (see :meth:`_omitted`)."""
        url = f"{self.url}/api/{endpoint}/"
        omit = self._omitted(endpoint, {name for item in body for name in item})
        # A PATCH sets values (a repeat changes nothing); a POST creates (a repeat could duplicate): never repeated.
        response, tries = self._send(method, url, retry_on=RETRY_STATUSES if method == "PATCH" else frozenset(),
                              retry_dropped=False, write=len(body), json=body,
                              params={"omit": omit} if omit else None)
        if response.status_code not in (200, 201):
            raise refused(f"NetBox refused to {action} {endpoint}", url, response, tries)
        reply = _json(response, url)
        rows: list[dict[str, Any]] = reply if isinstance(reply, list) else [reply]
        return rows

    def _omitted(self, endpoint: str, sent: set[str]) -> str:
        """The fields of an endpoint's objects a write does not send, for ``?omit=``.

        NetBox renders every written object in its reply, nested relations, cable peers and counts included:
        rendering 100 interfaces costs several times what storing them does. Fields not sent are left as they
        are by a PATCH and take their defaults in a POST either way, so leaving them out of the serializer
        changes nothing but the reply. The field names come from one OPTIONS request per endpoint.
        """
        with self._counting:
            known = self._fields.get(endpoint)
        if known is None:
            known = frozenset()
            try:
                response, _ = self._send("OPTIONS", f"{self.url}/api/{endpoint}/", retry_on=RETRY_STATUSES,
                                      retry_dropped=True)
                if response.status_code == 200:
                    reply = response.json()
                    actions = reply.get("actions", {}) if isinstance(reply, dict) else {}
                    known = frozenset(actions.get("POST") or actions.get("PUT") or ())
            except (NetBoxError, ValueError):
                pass  # the write itself reports an unreachable NetBox
            with self._counting:
                self._fields[endpoint] = known
        # custom_fields always: a custom field's default fills in only through the serializer.
        return ",".join(sorted(known - sent - {"id", "custom_fields"}))

    def post_list(self, url: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[dict[str, Any]]:
        """POST a list to a URL that is not a plain list endpoint (``available-prefixes``); the created rows."""
        response, tries = self._send("POST", url, retry_on=frozenset(), retry_dropped=False, write=len(payloads),
                              json=[{**p, "changelog_message": message} for p in payloads])
        if response.status_code != 201:
            raise refused("NetBox refused a write", url, response, tries)
        body = _json(response, url)
        rows: list[dict[str, Any]] = body if isinstance(body, list) else [body]
        return rows

    def update(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> None:
        """PATCH a list of partial objects (each with its ``id``) in one request."""
        self._write("PATCH", endpoint, [{**p, "changelog_message": message} for p in payloads], "update objects on")

    def delete(self, endpoint: str, ids: Sequence[int], message: str) -> None:
        """DELETE a list of objects by id in one request."""
        url = f"{self.url}/api/{endpoint}/"
        response, tries = self._send("DELETE", url, retry_on=NOT_DONE_STATUSES, retry_dropped=False, write=len(ids),
                              json=[{"id": i, "changelog_message": message} for i in ids])
        if response.status_code not in (200, 204):
            raise refused(f"NetBox refused to delete objects on {endpoint}", url, response, tries)
