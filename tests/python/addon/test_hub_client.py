"""Unit tests of the addon's hub client and notifier, without Odoo.

A tiny fake hub (http.server in a thread, on loopback) answers Odoo JSON-RPC envelopes.
Run: python3 -m unittest discover -s tests/python/addon -v   (or python3 -m pytest tests/python/addon)
"""

import importlib.util
import json
import logging
import os
import socket
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "..", "..", "odoo_addon", "adlerdo_connector", "lib")


def _load(name):
    spec = importlib.util.spec_from_file_location("adlerdo_" + name, os.path.join(LIB, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hub_client = _load("hub_client")
notifier = _load("notifier")

KEY = "0123456789abcdef0123456789abcdef01234567"
STATUS = {
    "hub": {"version": "0.1.0", "mode": "sandbox", "odoo_url": "http://odoo", "time": "x"},
    "flows": {f: {"queued": 0, "failed_jobs": 0, "last_error": False}
              for f in ("products", "stock", "orders", "push")},
    "marketplaces": [{"id": 1, "kind": "shopify", "name": "Shop", "enabled": True}],
    "queue": {"totals": {}, "by_kind": {}},
}


def error_envelope(rid, name, message):
    return {"jsonrpc": "2.0", "id": rid,
            "error": {"code": 200, "message": "Odoo Server Error",
                      "data": {"name": name, "debug": "Traceback ...", "message": message,
                               "arguments": [message], "context": {}}}}


class FakeHub(BaseHTTPRequestHandler):
    """Answers like the hub's facade; ``server.mode`` changes its behaviour."""

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status, body, ctype="application/json; charset=utf-8"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def do_POST(self):  # noqa: N802
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length))
        server.requests.append(request)
        if server.mode == "slow":
            time.sleep(1.0)
        if server.mode == "html":
            return self._send(200, b"<html><body>Welcome to nginx</body></html>", "text/html")
        if self.path != "/jsonrpc":
            return self._send(404, b"<html>404</html>", "text/html")
        rid = request.get("id")
        params = request["params"]
        service, method, args = params["service"], params["method"], params["args"]
        if service == "common" and method == "version":
            info = {"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""],
                    "server_serie": "18.0", "protocol_version": 1}
            if server.mode != "plain_odoo":
                info["server_version"] = "18.0+adlerdo"
                info["adlerdo_version"] = "0.1.0"
            return self._send(200, {"jsonrpc": "2.0", "id": rid, "result": info})
        if service == "common" and method == "login":
            db, login, key = args
            if db != "adlerdo":
                return self._send(200, error_envelope(
                    rid, "psycopg2.OperationalError",
                    'connection to server failed: FATAL:  database "%s" does not exist\n' % db))
            ok = login == "odoo-addon" and key == KEY
            return self._send(200, {"jsonrpc": "2.0", "id": rid, "result": 7 if ok else False})
        if service == "object" and method == "execute_kw":
            db, uid, key, model, meth, margs = args[:6]
            if uid != 7 or key != KEY or server.mode == "revoked":
                return self._send(200, error_envelope(rid, "odoo.exceptions.AccessDenied",
                                                      "Access Denied"))
            server.calls.append((model, meth, margs))
            if model == "adlerdo.sync" and meth == "status":
                return self._send(200, {"jsonrpc": "2.0", "id": rid, "result": STATUS})
            if model == "adlerdo.sync" and meth.startswith("notify_"):
                return self._send(200, {"jsonrpc": "2.0", "id": rid, "result": len(margs[0])})
            if model == "adlerdo.sync" and meth == "run":
                if margs[0] == "bogus":
                    return self._send(200, error_envelope(rid, "odoo.exceptions.UserError",
                                                          "unknown flow bogus"))
                return self._send(200, {"jsonrpc": "2.0", "id": rid, "result": 12})
            if model == "adlerdo.job" and meth == "retry":
                # a method returning None: Odoo leaves "result" out
                return self._send(200, {"jsonrpc": "2.0", "id": rid})
            return self._send(200, error_envelope(rid, "odoo.exceptions.UserError",
                                                  "Object %s doesn't exist" % model))
        return self._send(200, error_envelope(rid, "builtins.KeyError", service))


class HubTestCase(unittest.TestCase):
    def setUp(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
        self.server.mode = "ok"
        self.server.requests = []
        self.server.calls = []
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def client(self, **kw):
        args = {"url": self.url, "login": "odoo-addon", "key": KEY, "timeout": 2.0}
        args.update(kw)
        return hub_client.HubClient(args.pop("url"), args.pop("login"), args.pop("key"), **args)


class TestHubClient(HubTestCase):
    def test_success_status_and_uid_cached(self):
        client = self.client()
        info, status = client.test_connection()
        self.assertEqual(info["adlerdo_version"], "0.1.0")
        self.assertEqual(status["marketplaces"][0]["kind"], "shopify")
        self.assertEqual(client.status()["hub"]["mode"], "sandbox")
        logins = [r for r in self.server.requests if r["params"]["method"] == "login"]
        self.assertEqual(len(logins), 1, "the uid is cached")
        # the wire form is Odoo's
        first = self.server.requests[0]
        self.assertEqual(first["jsonrpc"], "2.0")
        self.assertEqual(first["method"], "call")

    def test_notify_sends_sorted_unique_ids(self):
        client = self.client()
        self.assertEqual(client.notify_products_changed([5, 3, 5]), 2)
        self.assertEqual(client.notify_stock_changed({9}), 1)
        self.assertEqual(self.server.calls, [
            ("adlerdo.sync", "notify_products_changed", [[3, 5]]),
            ("adlerdo.sync", "notify_stock_changed", [[9]]),
        ])

    def test_run_and_none_result(self):
        client = self.client()
        self.assertEqual(client.run("stock_push"), 12)
        self.assertIsNone(client.execute_kw("adlerdo.job", "retry", [[1]]))
        with self.assertRaises(ValueError):
            client.run("nope")
        with self.assertRaises(hub_client.HubRPCError) as ctx:
            client.execute_kw("adlerdo.sync", "run", ["bogus"])
        self.assertEqual(ctx.exception.name, "odoo.exceptions.UserError")
        self.assertIn("unknown flow", str(ctx.exception))

    def test_url_normalization(self):
        client = self.client(url=self.url + "/jsonrpc/")
        self.assertEqual(client.url, self.url)
        client.test_connection()

    def test_wrong_key(self):
        with self.assertRaises(hub_client.HubAuthError) as ctx:
            self.client(key="f" * 40).test_connection()
        self.assertIn("refused the API key", str(ctx.exception))
        self.assertIn("odoo-addon", str(ctx.exception))

    def test_wrong_login_name(self):
        with self.assertRaises(hub_client.HubAuthError):
            self.client(login="someone").test_connection()

    def test_access_denied_envelope_on_object_call(self):
        client = self.client()
        client.authenticate()
        self.server.mode = "revoked"
        with self.assertRaises(hub_client.HubAuthError) as ctx:
            client.status()
        self.assertIn("Access Denied", str(ctx.exception))

    def test_wrong_database(self):
        with self.assertRaises(hub_client.HubDatabaseError) as ctx:
            self.client(database="odoo").test_connection()
        self.assertIn("'odoo'", str(ctx.exception))
        self.assertIn("adlerdo", str(ctx.exception))

    def test_plain_odoo_is_not_a_hub(self):
        self.server.mode = "plain_odoo"
        with self.assertRaises(hub_client.NotAHub) as ctx:
            self.client().test_connection()
        self.assertIn("Odoo server", str(ctx.exception))

    def test_non_json_answer(self):
        self.server.mode = "html"
        with self.assertRaises(hub_client.NotAHub) as ctx:
            self.client().test_connection()
        self.assertIn("not JSON", str(ctx.exception))

    def test_http_404(self):
        client = self.client()
        client.url = self.url + "/other"
        with self.assertRaises(hub_client.NotAHub) as ctx:
            client.version()
        self.assertIn("404", str(ctx.exception))

    def test_timeout(self):
        self.server.mode = "slow"
        started = time.monotonic()
        with self.assertRaises(hub_client.HubTimeout) as ctx:
            self.client(timeout=0.3).version()
        self.assertLess(time.monotonic() - started, 0.9)
        self.assertIn("did not answer within 0.3 seconds", str(ctx.exception))
        self.assertIsInstance(ctx.exception, hub_client.HubUnreachable)

    def test_unreachable(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens there now
        with self.assertRaises(hub_client.HubUnreachable) as ctx:
            self.client(url="http://127.0.0.1:%d" % port).version()
        self.assertIn("connection refused", str(ctx.exception))

    def test_unresolvable_host(self):
        with self.assertRaises(hub_client.HubUnreachable) as ctx:
            self.client(url="http://no-such-host.invalid").version()
        self.assertIn("Cannot reach", str(ctx.exception))

    def test_not_configured(self):
        with self.assertRaises(hub_client.HubNotConfigured):
            self.client(url="").version()
        with self.assertRaises(hub_client.HubNotConfigured):
            self.client(key="").authenticate()
        with self.assertRaises(hub_client.HubUnreachable):
            self.client(url="hub.example.com").version()


class TestNotifier(HubTestCase):
    def config(self, **kw):
        config = {"url": self.url, "login": "odoo-addon", "key": KEY, "timeout": 1.0}
        config.update(kw)
        return config

    def factory(self, config):
        return hub_client.HubClient(config["url"], config["login"], config["key"],
                                    timeout=config["timeout"])

    def test_background_send_and_merge(self):
        sender = notifier.Notifier(self.factory)
        sender.submit(self.config(), [3, 1], [])
        sender.submit(self.config(), [2], [4])
        self.assertTrue(sender.flush(5))
        products = sorted({i for m, meth, a in self.server.calls
                           if meth == "notify_products_changed" for i in a[0]})
        stock = [a[0] for m, meth, a in self.server.calls if meth == "notify_stock_changed"]
        self.assertEqual(products, [1, 2, 3])
        self.assertEqual(stock, [[4]])

    def test_empty_batch_sends_nothing(self):
        sender = notifier.Notifier(self.factory)
        sender.synchronous = True
        sender.submit(self.config(), [], [])
        self.assertEqual(self.server.requests, [])

    def test_hub_down_logged_once_and_never_raises(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        dead = "http://127.0.0.1:%d" % sock.getsockname()[1]
        sock.close()
        logger = logging.getLogger("test.adlerdo.notifier")
        sender = notifier.Notifier(self.factory, logger=logger)
        sender.synchronous = True
        with self.assertLogs(logger, level="DEBUG") as logs:
            for _ in range(3):
                sender.submit(self.config(url=dead), [1], [1])
            sender.submit(self.config(), [1], [])
        warnings = [r for r in logs.records if r.levelno == logging.WARNING]
        infos = [r for r in logs.records if r.levelno == logging.INFO]
        self.assertEqual(len(warnings), 1)
        self.assertEqual(len(infos), 1, "recovery is logged")
        self.assertEqual(sender.failed, 3)
        self.assertEqual(sender.sent, 1)

    def test_submit_does_not_wait_for_slow_hub(self):
        self.server.mode = "slow"
        sender = notifier.Notifier(self.factory)
        started = time.monotonic()
        sender.submit(self.config(timeout=3.0), [1], [])
        self.assertLess(time.monotonic() - started, 0.2)
        sender.flush(10)


if __name__ == "__main__":
    unittest.main()
