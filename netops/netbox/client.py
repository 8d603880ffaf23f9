"""The NetBox client: pynetbox's API over a tuned requests session, for REST reads, bulk writes and GraphQL.

pynetbox (``pynetbox.api``) builds the endpoints' URLs and requests; its ``http_session`` carries what pynetbox
leaves to the caller: retries, timeouts and a connection pool as large as the writes in flight. Reads keep
pynetbox's pages as dicts rather than Records, and writes go through its Request with ``?omit=`` (below).

Credentials come from the environment (``NETBOX_URL`` and ``NETBOX_TOKEN``) or, failing that, from the
``netbox.env`` that ``netops netbox up`` writes under the (git-ignored) state directory. The token is never
printed, logged or put into an error message: :class:`Credentials` hides it from ``repr``.

Writes are bulk requests (a list in one POST, PATCH or DELETE), each object carrying a ``changelog_message``
(NetBox 4.4+ records it in the change log), with ``?omit=`` the fields not sent so that NetBox renders only those
in its reply. Reads are paginated REST with ``fields=`` (only what the mapping compares) or GraphQL with
``pagination: {offset, limit}`` (NetBox caps a list at 1,000).

Faults (urllib3's Retry on the session's adapter): connecting is retried (nothing was sent). A busy or restarting
NetBox answers 429, 502, 503 or 504; a request that is safe to repeat is sent again after a growing pause (0.5, 1, 2
... s, or the ``Retry-After`` NetBox or its proxy asks for, at most 60 s), at most ``NETOPS_NETBOX_RETRIES``
(default 4) tries in all (busy answers and dropped connections each): reads (GET, OPTIONS, GraphQL queries) on any
of the four, a dropped connection too; PATCH updates on any of the four (they set values, so a second one changes
nothing); bulk DELETEs only on 429 and 503 (NetBox did not act on the request; after a 502 or 504 it may have, and a
re-run of apply converges instead). POST creates are never repeated: a create that NetBox did, repeated, would make
a duplicate.

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
from types import TracebackType
from typing import Any, Protocol, Self

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
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
#: Methods a dropped connection is repeated for (nothing changed if the server did act), and the methods a busy
#: answer is repeated for: those, and the writes that set values (PATCH, PUT) or remove them (DELETE, only after
#: NOT_DONE_STATUSES). POST, a create, is never repeated; GraphQL queries (POSTs that read) have their own rules.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRIED_METHODS = READ_METHODS | {"PATCH", "PUT", "DELETE"}
#: Connections kept open, at least: snapshot reads 4 types at once, the inventory 6 (apply: its --workers, if more).
READ_POOL = 6


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


class _HasHeaders(Protocol):
    """An HTTP answer of requests or of urllib3: all :func:`retry_pause` reads of it."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def retry_pause(response: _HasHeaders | None, attempt: int) -> float:
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


class _Retry(Retry):
    """urllib3's retries with the rules of the module docstring.

    ``allowed_methods`` are the methods a busy answer may be repeated for (a DELETE only after one of
    NOT_DONE_STATUSES); ``reads`` the methods a dropped connection may be repeated for. A timeout is never
    repeated: NetBox took the request and did not answer in time, and asking again would wait as long again. The
    pause is :func:`retry_pause`, taken through ``pause`` (tests record it); ``sent`` counts every repeat.
    """

    def __init__(self, *args: Any, reads: frozenset[str] = READ_METHODS,
                 pause: Callable[[float], None] = time.sleep, sent: Callable[[], None] = lambda: None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads, self.pause, self.sent = reads, pause, sent

    def new(self, **kw: Any) -> Self:
        # urllib3 copies a Retry for every try: the rules travel with it.
        return super().new(reads=self.reads, pause=self.pause, sent=self.sent, **kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        statuses = NOT_DONE_STATUSES if method.upper() == "DELETE" else RETRY_STATUSES
        return self._is_method_retryable(method) and status_code in statuses

    def increment(self, method: str | None = None, url: str | None = None, response: BaseHTTPResponse | None = None,
                  error: Exception | None = None, _pool: ConnectionPool | None = None,
                  _stacktrace: TracebackType | None = None) -> Self:
        if isinstance(error, ReadTimeoutError) or (
                isinstance(error, ProtocolError) and (method or "").upper() not in self.reads):
            raise error.with_traceback(_stacktrace)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        self.sent()
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        self.pause(retry_pause(response, len(self.history)))


class _Adapter(HTTPAdapter):
    """A pool of ``pool`` connections to NetBox, :class:`_Retry`, and a (connect, answer) timeout on every request
    (pynetbox passes none): the read timeout for a read; for a write, the write timeout, longer when the write
    sends more objects than it covers (``objects`` tells how many the current thread's write sends)."""

    def __init__(self, timeouts: Timeouts, retry: _Retry, pool: int, objects: Callable[[], int],
                 sent: Callable[[], None]) -> None:
        super().__init__(pool_maxsize=pool, max_retries=retry)
        self.timeouts, self.reads, self.objects, self.sent = timeouts, retry.reads, objects, sent

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: dict[str, str] | None = None) -> requests.Response:
        self.sent()
        if timeout is None:
            answer = self.timeouts.read
            if (request.method or "GET").upper() not in self.reads:
                answer = max(self.timeouts.write, self.objects() * SECONDS_PER_OBJECT)
            timeout = (self.timeouts.connect, answer)
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def _tries(response: requests.Response) -> int:
    """How many times the request that got ``response`` was sent (urllib3 keeps the repeats on the answer)."""
    retries = getattr(response.raw, "retries", None)
    return 1 + len(retries.history) if isinstance(retries, Retry) else 1


def _check_page(response: requests.Response, **_: Any) -> None:
    """A response hook: a list read's answer (a GET with ``limit``) must be one of NetBox's pages.

    pynetbox hands any other JSON on as if it were an object of the list; this names the server instead. The page
    parsed here is the one pynetbox reads, so it is parsed once.
    """
    request = response.request
    if request.method != "GET" or not response.ok or "limit=" not in (request.url or ""):
        return
    try:
        page = response.json()
    except ValueError:
        return  # not JSON: pynetbox raises its ContentError, mapped to not_netbox
    if not (isinstance(page, dict) and isinstance(page.get("results"), list) and isinstance(page.get("count"), int)):
        raise not_netbox((request.url or "").split("?")[0], response_text=str(page)[:200])
    response.json = lambda **_: page  # type: ignore[method-assign]


class NetBoxClient:
    """pynetbox's API with a tuned session: paginated reads (``fields=``), GraphQL (paginated) and bulk writes with
    a change-log message.

    pynetbox is imported when a client is made (about 80 ms), so commands that do not talk to NetBox never pay it.
    """

    def __init__(self, credentials: Credentials, *, timeouts: Timeouts | None = None,
                 sleep: Callable[[float], None] = time.sleep, workers: int = 1) -> None:
        import pynetbox
        from pynetbox.core import query

        self.credentials = credentials
        self.timeouts = timeouts or Timeouts()
        #: Requests sent (reads and writes, each repeat too), for progress and benchmarks.
        self.requests = 0
        self._counting = threading.Lock()  # apply writes from several threads
        #: The fields of each endpoint's objects (OPTIONS), by endpoint.
        self._fields: dict[str, frozenset[str]] = {}
        self._writing = threading.local()  # how many objects the current thread's write sends, for its timeout
        self._query = query
        self.api = pynetbox.api(credentials.url, token=credentials.token)
        self.session: requests.Session = self.api.http_session
        # Every worker of apply keeps its connection; reads run READ_POOL at once.
        pool = max(workers, READ_POOL)
        for prefix, reads in (("http://", READ_METHODS), ("https://", READ_METHODS),
                              # A GraphQL query is a POST, but a read: safe to send again.
                              (f"{credentials.url}/graphql/", READ_METHODS | {"POST"})):
            retry = _Retry(total=None, connect=3, read=self.timeouts.tries - 1, status=self.timeouts.tries - 1,
                           other=0, redirect=0, allowed_methods=RETRIED_METHODS | reads, raise_on_status=False,
                           reads=reads, pause=sleep, sent=self._count)
            self.session.mount(prefix, _Adapter(self.timeouts, retry, pool, self._objects, self._count))
        self.session.headers.update({"Accept": "application/json", "Authorization": credentials.authorization})
        self.session.hooks["response"].append(_check_page)

    def _count(self) -> None:
        with self._counting:
            self.requests += 1

    def _objects(self) -> int:
        return int(getattr(self._writing, "objects", 0))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, workers: int = 1) -> NetBoxClient:
        """A client for the NetBox the environment (or the embedded server) points at, with its timeouts and a
        connection for each of ``workers`` writes in flight."""
        return cls(Credentials.from_env(environ), timeouts=Timeouts.from_env(environ), workers=workers)

    @contextlib.contextmanager
    def _answering(self, url: str, refusal: str, objects: int = 0) -> Iterator[None]:
        """Runs one pynetbox call (sending ``objects`` objects when it is a write) and turns what pynetbox and
        requests raise into NetBoxError: ``refusal`` when NetBox answered with an error."""
        self._writing.objects = objects
        try:
            yield
        except (self._query.RequestError, self._query.AllocationError) as error:
            raise refused(refusal, url, error.req, _tries(error.req)) from error
        except self._query.ContentError as error:
            raise not_netbox(url, response_text=error.req.text) from error
        except requests.JSONDecodeError as error:  # an answer that is not JSON, where pynetbox does not check
            raise not_netbox(url, response_text=error.doc) from error
        except requests.RequestException as error:
            raise unreachable(url, error, self.timeouts) from error
        finally:
            self._writing.objects = 0

    def _endpoint(self, endpoint: str) -> Any:
        """pynetbox's Endpoint for ``app/name`` (``dcim/sites``, ``ipam/ip-addresses``)."""
        app, _, name = endpoint.partition("/")
        return getattr(self.api, app).endpoint(name)

    def _request(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """pynetbox's Request for a URL, with query parameters (what Endpoint.create and update build, without
        parameters)."""
        return self._query.Request(base=url, token=self.credentials.token, http_session=self.session,
                                   filters=dict(params) if params else None)

    @property
    def url(self) -> str:
        return self.credentials.url

    def object_url(self, endpoint: str, object_id: int) -> str:
        """The web page of an object (for people): ``<url>/dcim/sites/12/``."""
        return f"{self.url}/{endpoint}/{object_id}/"

    # -- reads -------------------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """``GET /api/status/``: NetBox's version and health."""
        url = f"{self.url}/api/status/"
        with self._answering(url, "NetBox refused a read"):
            result = self.api.status()
        if not isinstance(result, dict):
            raise not_netbox(url, response_text=str(result)[:200])
        return result

    def rest_list(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint matching ``params``, page by page (offset pagination).

        The rows are pynetbox's pages as NetBox sends them (``RecordSet.response``), not Records: making a Record
        of each row would cost more than reading it (see docs/benchmarks.md).
        """
        records = self._endpoint(endpoint).filter(**{"limit": PAGE_SIZE, **(params or {})})
        with self._answering(f"{self.url}/api/{endpoint}/", "NetBox refused a read"):
            yield from records.response

    def tags_by_object(self, exclude: str) -> dict[tuple[str, int], list[str]]:
        """Tags of every tagged object but `exclude`: (object type, id) -> slugs, in one paginated read.

        GraphQL resolves an object's tags with one query per object; this list gives them all at once.
        """
        tags: dict[tuple[str, int], list[str]] = {}
        for row in self.rest_list("extras/tagged-objects", {"tag__n": exclude, "fields": "object_type,object_id,tag"}):
            tags.setdefault((str(row["object_type"]), int(row["object_id"])), []).append(str(row["tag"]["slug"]))
        return tags

    def count(self, endpoint: str, params: Mapping[str, Any] | None = None) -> int:
        """How many objects of a list endpoint match ``params`` (one request, one brief row fetched)."""
        with self._answering(f"{self.url}/api/{endpoint}/", "NetBox refused a read"):
            return int(self._endpoint(endpoint).count(**(params or {})))

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL query through pynetbox's session (pynetbox has no GraphQL call); any error in the reply
        raises."""
        url = f"{self.url}/graphql/"
        with self._answering(url, "NetBox refused a GraphQL query"):
            response = self.session.post(url, json={"query": query, "variables": dict(variables or {})})
        if response.status_code != 200:
            raise refused("NetBox refused a GraphQL query", url, response, _tries(response))
        body = _json(response, url)
        if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
            raise not_netbox(url, response_text=str(body)[:200])
        if body.get("errors"):
            raise NetBoxError("GraphQL query failed", url=url, detail="; ".join(
                str(error.get("message")) for error in body["errors"]))
        data: dict[str, Any] = body["data"]
        return data

    def graphql_list(self, list_name: str, selection: str, filters: str | None = None, *, first_page: int = 0,
                     pages: int | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a GraphQL list, 1,000 at a time (NetBox silently caps a list at 1,000).

        ``first_page`` and ``pages``: only that many pages of 1,000 from that one on (None: up to the end), so
        that the pages of one long list can be read at the same time.
        """
        filter_arg = f"filters: {filters}, " if filters else ""
        page = first_page
        while pages is None or page < first_page + pages:
            query = (f"query {{ {list_name}({filter_arg}pagination: {{offset: {page * PAGE_SIZE}, "
                     f"limit: {PAGE_SIZE}}}) {{ {selection} }} }}")
            rows: list[dict[str, Any]] = self.graphql(query)[list_name]
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            page += 1

    # -- writes ------------------------------------------------------------------------------------------------

    def create(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[int]:
        """POST a list of new objects in one request; the ids of the created objects, in order."""
        rows = self._write("post", endpoint, [{**p, "changelog_message": message} for p in payloads],
                           "create objects on")
        return [int(row["id"]) for row in rows]

    def _write(self, verb: str, endpoint: str, body: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
        """One bulk write (pynetbox's POST or PATCH of a list), answered with only the fields sent (see
        :meth:`_omitted`). Endpoint.create and Endpoint.update send the same list but take no ``?omit=`` and make
        a Record of each row: their Request is used directly."""
        url = f"{self.url}/api/{endpoint}/"
        omit = self._omitted(endpoint, {name for item in body for name in item})
        request = self._request(url, {"omit": omit} if omit else None)
        with self._answering(url, f"NetBox refused to {action} {endpoint}", len(body)):
            reply = request.post(body) if verb == "post" else request.patch(body)
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
            url = f"{self.url}/api/{endpoint}/"
            with contextlib.suppress(NetBoxError):  # the write itself reports an unreachable NetBox
                with self._answering(url, "NetBox refused a read"):
                    reply = self._request(url).options()
                actions = reply.get("actions", {}) if isinstance(reply, dict) else {}
                known = frozenset(actions.get("POST") or actions.get("PUT") or ())
            with self._counting:
                self._fields[endpoint] = known
        # custom_fields always: a custom field's default fills in only through the serializer.
        return ",".join(sorted(known - sent - {"id", "custom_fields"}))

    def post_list(self, url: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[dict[str, Any]]:
        """POST a list to a URL that is not a plain list endpoint (``available-prefixes``); the created rows."""
        with self._answering(url, "NetBox refused a write", len(payloads)):
            reply = self._request(url).post([{**p, "changelog_message": message} for p in payloads])
        rows: list[dict[str, Any]] = reply if isinstance(reply, list) else [reply]
        return rows

    def update(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> None:
        """PATCH a list of partial objects (each with its ``id``) in one request."""
        self._write("patch", endpoint, [{**p, "changelog_message": message} for p in payloads], "update objects on")

    def delete(self, endpoint: str, ids: Sequence[int], message: str) -> None:
        """DELETE a list of objects by id in one request (pynetbox's bulk Endpoint.delete)."""
        with self._answering(f"{self.url}/api/{endpoint}/", f"NetBox refused to delete objects on {endpoint}",
                             len(ids)):
            self._endpoint(endpoint).delete(list(ids), changelog_message=message)
