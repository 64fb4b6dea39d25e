"""A small client of the AdlerDo hub's Odoo-compatible JSON-RPC facade.

Pure Python (standard library only, no Odoo import) so that it can be unit-tested on its own.

The hub answers Odoo's ``/jsonrpc`` protocol: ``common.version()``, ``common.login(db, login,
key)`` and ``object.execute_kw(db, uid, key, model, method, args, kwargs)``. Errors come back in
Odoo's JSON-RPC error envelope (``error.data.name`` / ``error.data.message``).

Every failure is raised as a :class:`HubError` subclass whose text says what is wrong in words an
Odoo administrator can act on (unreachable URL, timeout, wrong key, wrong database, not a hub).
"""

import itertools
import json
import socket
import urllib.error
import urllib.request

DEFAULT_DATABASE = "adlerdo"
DEFAULT_TIMEOUT = 5.0
FLOWS = (
    "products",
    "products_full",
    "push",
    "stock",
    "stock_push",
    "listings",
    "orders",
    "orders_send",
)


class HubError(Exception):
    """Any failure talking to the hub."""

    #: a short machine-readable reason
    reason = "error"


class HubNotConfigured(HubError):
    reason = "not_configured"


class HubUnreachable(HubError):
    reason = "unreachable"


class HubTimeout(HubUnreachable):
    reason = "timeout"


class NotAHub(HubError):
    reason = "not_a_hub"


class HubAuthError(HubError):
    reason = "access_denied"


class HubDatabaseError(HubError):
    reason = "wrong_database"


class HubRPCError(HubError):
    """The hub answered with an Odoo error envelope (a business or argument error)."""

    reason = "rpc_error"

    def __init__(self, message, name=None, data=None):
        super().__init__(message)
        self.name = name
        self.data = data or {}


_ids = itertools.count(1)


def normalize_url(url):
    """The base URL without trailing slashes nor a trailing ``/jsonrpc``."""
    url = (url or "").strip()
    while url.endswith("/"):
        url = url[:-1]
    if url.endswith("/jsonrpc"):
        url = url[: -len("/jsonrpc")]
    return url


class HubClient:
    """JSON-RPC client of one hub, one API key.

    ``login`` is the API key's name (``adlerdo keys create --name NAME``), ``key`` the key itself.
    """

    def __init__(self, url, login, key, database=DEFAULT_DATABASE, timeout=DEFAULT_TIMEOUT):
        self.url = normalize_url(url)
        self.login_name = login or ""
        self.key = key or ""
        self.database = database or DEFAULT_DATABASE
        self.timeout = timeout
        self._uid = None

    # -- transport ---------------------------------------------------------------------------

    def _post(self, service, method, args):
        if not self.url:
            raise HubNotConfigured("The hub URL is not set (Settings > AdlerDo).")
        if not self.url.startswith(("http://", "https://")):
            raise HubUnreachable(
                "The hub URL %r must start with http:// or https://." % self.url
            )
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(_ids),
        }
        body = json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            self.url + "/jsonrpc",
            data=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        endpoint = self.url + "/jsonrpc"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raise NotAHub(
                "%s answered HTTP %s %s: this is not an AdlerDo hub's (or Odoo's) JSON-RPC "
                "endpoint. Check the hub URL." % (endpoint, exc.code, exc.reason)
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise HubTimeout(
                    "The hub at %s did not answer within %s seconds." % (self.url, self.timeout)
                ) from None
            if isinstance(reason, socket.gaierror):
                raise HubUnreachable(
                    "Cannot reach the hub at %s: the host name does not resolve (%s)."
                    % (self.url, reason)
                ) from None
            if isinstance(reason, ConnectionRefusedError):
                raise HubUnreachable(
                    "Cannot reach the hub at %s: connection refused (is the hub running, "
                    "and is the port right?)." % self.url
                ) from None
            raise HubUnreachable(
                "Cannot reach the hub at %s: %s." % (self.url, reason)
            ) from None
        except (socket.timeout, TimeoutError):
            raise HubTimeout(
                "The hub at %s did not answer within %s seconds." % (self.url, self.timeout)
            ) from None
        except (ConnectionError, OSError) as exc:
            raise HubUnreachable("Cannot reach the hub at %s: %s." % (self.url, exc)) from None
        return self._decode(endpoint, status, raw)

    @staticmethod
    def _decode(endpoint, status, raw):
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            snippet = raw[:80].decode("utf-8", "replace").strip()
            raise NotAHub(
                "%s answered HTTP %s with something that is not JSON (%r...): this is not an "
                "AdlerDo hub. Check the hub URL." % (endpoint, status, snippet)
            ) from None
        if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer
                                            and "jsonrpc" not in answer):
            raise NotAHub(
                "%s answered JSON that is not a JSON-RPC response: this is not an AdlerDo hub."
                % endpoint
            )
        error = answer.get("error")
        if error:
            data = error.get("data") if isinstance(error, dict) else None
            data = data if isinstance(data, dict) else {}
            name = data.get("name") or ""
            message = data.get("message") or (
                error.get("message") if isinstance(error, dict) else str(error)
            )
            raise HubRPCError(message or "Unknown error", name=name, data=data)
        # Odoo leaves "result" out when the method returned None.
        return answer.get("result")

    # -- protocol ----------------------------------------------------------------------------

    def version(self):
        """``common.version()``; raises :class:`NotAHub` when the server is not a hub."""
        info = self._post("common", "version", [])
        if not isinstance(info, dict):
            raise NotAHub("%s/jsonrpc does not answer common.version(): not an AdlerDo hub."
                          % self.url)
        if "adlerdo_version" not in info:
            raise NotAHub(
                "%s is an Odoo server (version %s), not an AdlerDo hub: enter the hub's URL, "
                "not Odoo's." % (self.url, info.get("server_version", "?"))
            )
        return info

    def authenticate(self):
        """``common.login`` → uid (cached on the client)."""
        if self._uid:
            return self._uid
        if not self.login_name or not self.key:
            raise HubNotConfigured("The hub API key name and API key must both be set.")
        try:
            uid = self._post("common", "login", [self.database, self.login_name, self.key])
        except HubRPCError as exc:
            raise self._classify(exc) from None
        if not uid:
            raise HubAuthError(
                "The hub refused the API key: no key named %r with this secret (a wrong, "
                "revoked or mistyped key, or a name that is not the key's). Create one with "
                "'adlerdo keys create --name NAME'." % self.login_name
            )
        self._uid = uid
        return uid

    def _classify(self, exc):
        name = exc.name or ""
        text = str(exc)
        if name.endswith("OperationalError") and "does not exist" in text:
            return HubDatabaseError(
                "The hub has no database %r (%s). Set the database to the hub's "
                "[facade] database, 'adlerdo' by default." % (self.database, text.strip())
            )
        if name.endswith("AccessDenied"):
            self._uid = None
            return HubAuthError("The hub refused the API key: %s" % text)
        if name.endswith("UserError") and "doesn't exist" in text and "adlerdo." in text:
            return NotAHub("The server does not know AdlerDo's models (%s): not an AdlerDo hub."
                           % text)
        return exc

    def execute_kw(self, model, method, args=None, kwargs=None):
        uid = self.authenticate()
        params = [self.database, uid, self.key, model, method, list(args or []), dict(kwargs or {})]
        try:
            return self._post("object", "execute_kw", params)
        except HubRPCError as exc:
            raise self._classify(exc) from None

    # -- AdlerDo calls -----------------------------------------------------------------------

    def status(self):
        return self.execute_kw("adlerdo.sync", "status", [])

    def notify_products_changed(self, odoo_product_ids):
        return self.execute_kw("adlerdo.sync", "notify_products_changed",
                               [sorted(set(odoo_product_ids))])

    def notify_stock_changed(self, odoo_product_ids):
        return self.execute_kw("adlerdo.sync", "notify_stock_changed",
                               [sorted(set(odoo_product_ids))])

    def run(self, flow):
        if flow not in FLOWS:
            raise ValueError("unknown flow %r (one of %s)" % (flow, ", ".join(FLOWS)))
        return self.execute_kw("adlerdo.sync", "run", [flow])

    def search_read(self, model, domain=None, fields=None, **kwargs):
        kw = dict(kwargs)
        if fields is not None:
            kw["fields"] = list(fields)
        return self.execute_kw(model, "search_read", [domain or []], kw)

    def test_connection(self):
        """Checks URL, hub-ness, database and key in turn; returns ``(version, status)``.

        Raises the :class:`HubError` that says what is wrong.
        """
        info = self.version()
        self._uid = None
        self.authenticate()
        status = self.status()
        if not isinstance(status, dict) or "flows" not in status:
            raise NotAHub("adlerdo.sync.status() answered something unexpected: not an AdlerDo hub.")
        return info, status
