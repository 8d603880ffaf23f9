"""A small client for the NetBox REST and GraphQL APIs (requests; no pynetbox: its import and records cost).

Credentials come from the environment (``NETBOX_URL`` and ``NETBOX_TOKEN``) or, failing that, from the
``netbox.env`` that ``netops netbox up`` writes under the (git-ignored) state directory. The token is never
printed, logged or put into an error message: :class:`Credentials` hides it from ``repr``.

Writes are bulk requests (a list in one POST, PATCH or DELETE), each object carrying a ``changelog_message``
(NetBox 4.4+ records it in the change log), with ``?omit=`` the fields not sent so that NetBox renders only those
in its reply. Reads are paginated REST with ``fields=`` (only what the mapping compares) or GraphQL with
``pagination: {offset, limit}`` (NetBox caps a list at 1,000).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from urllib3.util.retry import Retry

from netops.errors import EXIT_BAD_INPUT, ServiceError

#: NetBox's MAX_PAGE_SIZE: the largest page REST and GraphQL hand out.
PAGE_SIZE = 1000
#: Objects per write request. NetBox spends 110-200 ms of CPU per object: 100 keeps a request under ~20 s.
CHUNK_SIZE = 100
DEFAULT_TIMEOUT = 600.0


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


def unreachable(url: str, error: requests.RequestException) -> NetBoxError:
    """NetBox did not answer: why, in words, and what to check."""
    if isinstance(error, requests.Timeout):
        why = "no answer in time"
    elif isinstance(error, requests.ConnectionError):
        why = "connection refused or reset" if "refused" in str(error) or "reset" in str(error) else "cannot connect"
    else:
        why = type(error).__name__
    return NetBoxError("NetBox is not reachable", url=url,
                       detail=f"{why}\n  hint: is it running (`netops netbox status`)? is NETBOX_URL right?")


def refused(message: str, url: str, response: requests.Response) -> NetBoxError:
    """NetBox answered with an error: a bad token (401, 403 "Invalid token") is the user's configuration."""
    text = response.text[:500]
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
        if url and token:
            return cls(url.rstrip("/"), token)
        from netops.netbox.server import NetboxServerError, Settings  # only needed for the embedded server

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
        return cls(url.rstrip("/"), token)

    @property
    def authorization(self) -> str:
        """The Authorization header value: v2 tokens (nbt_<key>.<secret>) are Bearer, v1 tokens Token."""
        scheme = "Bearer" if self.token.startswith("nbt_") and "." in self.token else "Token"
        return f"{scheme} {self.token}"


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
    """Gives every request a timeout  and retries connecting a few times."""

    def __init__(self, timeout: float) -> None:
        super().__init__(max_retries=Retry(connect=3, read=0, status=0, other=0, backoff_factor=0.5))
        self.timeout = timeout

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: dict[str, str] | None = None) -> requests.Response:
        return super().send(request, stream=stream, timeout=timeout or self.timeout, verify=verify, cert=cert,
                            proxies=proxies)


class NetBoxClient:
    """REST (paginated, ``fields=``), GraphQL (paginated) and bulk writes with a change-log message."""

    def __init__(self, credentials: Credentials, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.credentials = credentials
        self.session = requests.Session()
        adapter = _TimeoutAdapter(timeout)
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
        """A client for the NetBox the environment (or the embedded server) points at."""
        return cls(Credentials.from_env(environ))

    @property
    def url(self) -> str:
        return self.credentials.url

    def object_url(self, endpoint: str, object_id: int) -> str:
        """The web page of an object (for people): ``<url>/dcim/sites/12/``."""
        return f"{self.url}/{endpoint}/{object_id}/"

    # -- reads -------------------------------------------------------------------------------------------------

    def _get(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        self._count()
        try:
            response = self.session.get(url, params=params)
        except requests.RequestException as error:
            raise unreachable(url, error) from error
        if response.status_code != 200:
            raise refused("NetBox refused a read", url, response)
        return response.json()

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
        return int(page["count"])

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL query; any error in the reply raises."""
        url = f"{self.url}/graphql/"
        self._count()
        try:
            response = self.session.post(url, json={"query": query, "variables": dict(variables or {})})
        except requests.RequestException as error:
            raise unreachable(url, error) from error
        if response.status_code != 200:
            raise refused("NetBox refused a GraphQL query", url, response)
        body = response.json()
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
        self._count()
        try:
            response = self.session.request(method, url, json=body, params={"omit": omit} if omit else None)
        except requests.RequestException as error:
            raise unreachable(url, error) from error
        if response.status_code not in (200, 201):
            raise refused(f"NetBox refused to {action} {endpoint}", url, response)
        reply = response.json()
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
                self._count()
                response = self.session.options(f"{self.url}/api/{endpoint}/")
                if response.status_code == 200:
                    actions = response.json().get("actions", {})
                    known = frozenset(actions.get("POST") or actions.get("PUT") or ())
            except (requests.RequestException, ValueError):
                pass  # the write itself reports an unreachable NetBox
            with self._counting:
                self._fields[endpoint] = known
        # custom_fields always: a custom field's default fills in only through the serializer.
        return ",".join(sorted(known - sent - {"id", "custom_fields"}))

    def post_list(self, url: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[dict[str, Any]]:
        """POST a list to a URL that is not a plain list endpoint (``available-prefixes``); the created rows."""
        self._count()
        try:
            response = self.session.post(url, json=[{**p, "changelog_message": message} for p in payloads])
        except requests.RequestException as error:
            raise unreachable(url, error) from error
        if response.status_code != 201:
            raise refused("NetBox refused a write", url, response)
        body = response.json()
        rows: list[dict[str, Any]] = body if isinstance(body, list) else [body]
        return rows

    def update(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> None:
        """PATCH a list of partial objects (each with its ``id``) in one request."""
        self._write("PATCH", endpoint, [{**p, "changelog_message": message} for p in payloads], "update objects on")

    def delete(self, endpoint: str, ids: Sequence[int], message: str) -> None:
        """DELETE a list of objects by id in one request."""
        url = f"{self.url}/api/{endpoint}/"
        self._count()
        try:
            response = self.session.delete(url, json=[{"id": i, "changelog_message": message} for i in ids])
        except requests.RequestException as error:
            raise unreachable(url, error) from error
        if response.status_code not in (200, 204):
            raise refused(f"NetBox refused to delete objects on {endpoint}", url, response)
