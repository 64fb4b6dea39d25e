# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from unittest.mock import patch

from ..lib.hub_client import HubAuthError, HubDatabaseError, HubUnreachable, NotAHub
from .common import AdlerdoCase

SETTINGS_MODULE = "odoo.addons.adlerdo_connector.models.res_config_settings"


@tagged("post_install", "-at_install")
class TestSettings(AdlerdoCase):
    def test_round_trip(self):
        extra = self.env["stock.location"].create({
            "name": "AdlerDo shelf",
            "usage": "internal",
            "location_id": self.stock_location.id,
        })
        settings = self.env["res.config.settings"].create({
            "adlerdo_hub_url": "https://hub.example.com:8443",
            "adlerdo_hub_database": "adlerdo",
            "adlerdo_hub_login": "odoo-prod",
            "adlerdo_hub_api_key": "a" * 40,
            "adlerdo_stock_basis": "on_hand",
            "adlerdo_stock_location_ids": [(6, 0, [self.stock_location.id, extra.id])],
            "adlerdo_stock_buffer": 2,
            "adlerdo_notify_paused": True,
        })
        settings.execute()
        get = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get("adlerdo.hub_url"), "https://hub.example.com:8443")
        self.assertEqual(get("adlerdo.hub_login"), "odoo-prod")
        self.assertEqual(get("adlerdo.hub_api_key"), "a" * 40)
        self.assertEqual(get("adlerdo.stock_basis"), "on_hand")
        self.assertEqual(get("adlerdo.stock_buffer"), "2")
        self.assertEqual(get("adlerdo.notify_paused"), "True")
        self.assertEqual(
            get("adlerdo.stock_location_ids"),
            ",".join(str(i) for i in sorted([self.stock_location.id, extra.id])),
        )
        again = self.env["res.config.settings"].create({})
        self.assertEqual(again.adlerdo_hub_url, "https://hub.example.com:8443")
        self.assertEqual(again.adlerdo_hub_database, "adlerdo")
        self.assertEqual(again.adlerdo_hub_login, "odoo-prod")
        self.assertEqual(again.adlerdo_hub_api_key, "a" * 40)
        self.assertEqual(again.adlerdo_stock_basis, "on_hand")
        self.assertEqual(again.adlerdo_stock_buffer, 2)
        self.assertTrue(again.adlerdo_notify_paused)
        self.assertEqual(again.adlerdo_stock_location_ids, self.stock_location | extra)
        defaults = self.env["adlerdo.hub"]._adlerdo_stock_defaults()
        self.assertEqual(defaults["stock_basis"], "on_hand")
        self.assertEqual(defaults["stock_buffer"], 2)
        self.assertEqual(sorted(defaults["stock_locations"]),
                         sorted([self.stock_location.id, extra.id]))
        # new defaults went to the hub accounts that use them, and only those
        self.client.search_read.assert_called()
        # clearing works too
        again.write({"adlerdo_stock_location_ids": [(5,)], "adlerdo_notify_paused": False})
        again.execute()
        self.assertFalse(get("adlerdo.stock_location_ids"))
        self.assertFalse(get("adlerdo.notify_paused"))

    def _test_connection(self, error):
        settings = self.env["res.config.settings"].create({
            "adlerdo_hub_url": "http://hub.test:8080",
            "adlerdo_hub_login": "odoo-addon",
            "adlerdo_hub_api_key": "b" * 40,
        })
        with patch(SETTINGS_MODULE + ".HubClient") as client_class:
            client = client_class.return_value
            if error:
                client.test_connection.side_effect = error
            else:
                client.test_connection.return_value = (
                    {"adlerdo_version": "0.1.0"},
                    {"hub": {"mode": "sandbox"}, "flows": {}, "marketplaces": [{}, {}]},
                )
            action = settings.action_adlerdo_test_connection()
        # the form's values are used, saved or not
        self.assertEqual(client_class.call_args.args, ("http://hub.test:8080", "odoo-addon",
                                                       "b" * 40))
        return action["params"]

    def test_connection_ok(self):
        params = self._test_connection(None)
        self.assertEqual(params["type"], "success")
        self.assertIn("0.1.0", params["message"])
        self.assertIn("2 marketplace account", params["message"])

    def test_connection_says_what_is_wrong(self):
        for error in (HubUnreachable("Cannot reach the hub at X: connection refused"),
                      HubAuthError("The hub refused the API key"),
                      HubDatabaseError("The hub has no database 'odoo'"),
                      NotAHub("X is an Odoo server, not an AdlerDo hub")):
            params = self._test_connection(error)
            self.assertEqual(params["type"], "danger")
            self.assertEqual(params["message"], str(error))
