# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import socket
import time

from odoo.tests import tagged

from ..models import adlerdo_hub
from .common import AdlerdoCase


def closed_port_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port


@tagged("post_install", "-at_install")
class TestHubDown(AdlerdoCase):
    """The real client against a hub that does not answer."""

    mock_client = False

    def test_writes_work_and_failure_is_logged_once(self):
        self.env["ir.config_parameter"].sudo().set_param("adlerdo.hub_url", closed_port_url())
        with self.assertLogs(adlerdo_hub._logger.name, level="WARNING") as logs:
            for n in range(3):
                product = self.storable(name="Down %s" % n)
                product.write({"list_price": 3.0 + n})
                self.env["stock.quant"]._update_available_quantity(
                    product, self.stock_location, 1.0
                )
                self.commit()  # must not raise
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("could not notify the hub", logs.output[0])
        self.assertTrue(adlerdo_hub.NOTIFIER.hub_down)
        self.assertEqual(product.list_price, 5.0)

    def test_after_commit_does_not_wait_for_a_hanging_hub(self):
        # a listening socket that never answers: the sender thread waits, the user does not
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        self.addCleanup(server.close)
        url = "http://127.0.0.1:%d" % server.getsockname()[1]
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("adlerdo.hub_url", url)
        params.set_param("adlerdo.notify_timeout", "1")
        adlerdo_hub.NOTIFIER.synchronous = False
        self.storable(name="Hanging hub")
        started = time.monotonic()
        self.commit()
        self.assertLess(time.monotonic() - started, 0.5)
        with self.assertLogs(adlerdo_hub._logger.name, level="WARNING") as logs:
            self.assertTrue(adlerdo_hub.NOTIFIER.flush(10))
        self.assertIn("did not answer within 1.0 seconds", logs.output[0])
        self.assertTrue(adlerdo_hub.NOTIFIER.hub_down)
