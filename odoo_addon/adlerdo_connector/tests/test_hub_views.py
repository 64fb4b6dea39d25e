# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from ..lib.hub_client import HubUnreachable
from .common import AdlerdoCase

STATUS = {
    "hub": {"version": "0.1.0", "mode": "sandbox", "odoo_url": "http://odoo", "time": "now"},
    "flows": {
        "products": {"products": 3, "lag_seconds": 5, "queued": 0, "failed_jobs": 0,
                     "last_error": False},
        "stock": {"waiting": 1, "lag_seconds": 2, "queued": 1, "failed_jobs": 0,
                  "last_error": False},
        "orders": {"by_state": {"unmapped": 1}, "lag_seconds": 60, "queued": 0,
                   "failed_jobs": 1, "last_error": {"job": "orders.poll", "error": "<b>boom</b>"}},
        "push": {"waiting": 0, "lag_seconds": False, "queued": 0, "failed_jobs": 0,
                 "last_error": False},
    },
    "marketplaces": [{"id": 1, "kind": "shopify", "name": "Shop <EU>", "enabled": True,
                      "listings": 3, "orders": {"unmapped": 1}, "last_error": False}],
    "queue": {"totals": {"queued": 1, "dead": 1}},
}


@tagged("post_install", "-at_install")
class TestHubViews(AdlerdoCase):
    def test_dashboard_renders_status_escaped(self):
        self.client.status.return_value = STATUS
        action = self.env["adlerdo.dashboard"].action_open()
        board = self.env["adlerdo.dashboard"].browse(action["res_id"])
        self.assertTrue(board.hub_ok)
        self.assertIn("Shop &lt;EU&gt;", board.summary)
        self.assertIn("&lt;b&gt;boom&lt;/b&gt;", board.summary)
        self.assertNotIn("<b>boom", board.summary)
        board.with_context(adlerdo_flow="stock_push").action_sync()
        self.client.run.assert_called_once_with("stock_push")

    def test_dashboard_says_hub_unreachable(self):
        self.client.status.side_effect = HubUnreachable("Cannot reach the hub at X")
        action = self.env["adlerdo.dashboard"].action_open()
        board = self.env["adlerdo.dashboard"].browse(action["res_id"])
        self.assertFalse(board.hub_ok)
        self.assertIn("Cannot reach the hub", board.hub_error)

    def test_orders_unmapped_and_map_sku(self):
        product = self.storable(default_code="MUG")
        self.client.search_read.side_effect = lambda model, domain, **kw: {
            "adlerdo.order": [{
                "id": 4, "external_id": "gid://shopify/Order/1", "reference": "#1001",
                "state": "unmapped", "market_status": "open", "failure_reason": False,
                "odoo_order_id": False, "odoo_order_name": False, "amount_total": 20.0,
                "currency": "EUR", "marketplace_id": [1, "Shop"],
                "ordered_at": "2026-11-27 10:00:00", "line_ids": [9],
            }],
            "adlerdo.order.line": [{"id": 9, "order_id": [4, "x"], "sku": "MUG-RED",
                                    "product_id": False, "title": "Red mug", "quantity": 2.0,
                                    "unit_price": 10.0}],
            "adlerdo.product": [{"id": 31}],
        }[model]
        action = self.env["adlerdo.hub.order"].with_context(
            adlerdo_order_state="unmapped").action_load_from_hub()
        orders = self.env["adlerdo.hub.order"].search(action["domain"])
        self.assertEqual(orders.state, "unmapped")
        self.assertEqual(orders.marketplace_name, "Shop")
        self.assertEqual(orders.line_ids.sku, "MUG-RED")
        domain = self.client.search_read.call_args_list[0].args[1]
        self.assertEqual(domain, [("state", "=", "unmapped")])
        wizard_action = orders.line_ids.action_map_sku()
        wizard = self.env["adlerdo.map.sku"].with_context(**wizard_action["context"]).create({
            "product_id": product.id,
        })
        self.assertEqual(wizard.marketplace_hub_id, 1)
        wizard.action_map()
        self.client.execute_kw.assert_called_with(
            "adlerdo.listing", "create",
            [{"marketplace_id": 1, "product_id": 31, "sku": "MUG-RED"}],
        )
        orders.action_retry()
        self.client.execute_kw.assert_called_with("adlerdo.order", "retry", [[4]])

    def test_failed_jobs_retry(self):
        self.client.search_read.return_value = [
            {"id": 5, "kind": "stock.push", "state": "dead", "attempts": 8,
             "last_error": "HTTP 503", "finished_at": False},
        ]
        action = self.env["adlerdo.hub.job"].action_load_from_hub()
        jobs = self.env["adlerdo.hub.job"].search(action["domain"])
        self.assertEqual(jobs.last_error, "HTTP 503")
        jobs.action_retry()
        self.client.execute_kw.assert_called_with("adlerdo.job", "retry", [[5]])
        self.assertEqual(jobs.state, "queued")

    def test_account_credentials_go_to_the_hub_only(self):
        self.client.execute_kw.return_value = 12
        account = self.env["adlerdo.marketplace.account"].create({
            "kind": "shopify",
            "name": "Shop",
            "shop_url": "https://shop.myshopify.com",
            "location_ref": "gid://shopify/Location/1",
            "stock_share": 50,
            "cred_access_token": "shpat_secret",
        })
        self.assertEqual(account.hub_id, 12)
        self.assertTrue(account.has_credentials)
        model, method, args = self.client.execute_kw.call_args.args
        self.assertEqual((model, method), ("adlerdo.marketplace", "create"))
        values = args[0]
        self.assertEqual(values["credentials"], {"access_token": "shpat_secret"})
        self.assertEqual(values["settings"]["shop_url"], "https://shop.myshopify.com")
        self.assertEqual(values["settings"]["location_id"], "gid://shopify/Location/1")
        self.assertEqual(values["settings"]["stock_share"], 50)
        self.assertTrue(values["settings"]["adlerdo_stock_defaults"])
        # nothing of the secret in Odoo's database
        self.env.flush_all()
        self.env.cr.execute("SELECT * FROM adlerdo_marketplace_account WHERE id = %s",
                            [account.id])
        row = self.env.cr.fetchone()
        self.assertNotIn("shpat_secret", repr(row))
        self.assertFalse(account.cred_access_token)
        # an edit without credentials keeps the hub's
        account.write({"enabled": False})
        model, method, args = self.client.execute_kw.call_args.args
        self.assertEqual((model, method), ("adlerdo.marketplace", "write"))
        self.assertEqual(args[0], [12])
        self.assertNotIn("credentials", args[1])
        self.assertFalse(args[1]["enabled"])
