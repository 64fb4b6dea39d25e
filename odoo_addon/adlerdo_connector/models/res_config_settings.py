# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models

from ..lib.hub_client import DEFAULT_DATABASE, HubClient, HubError
from .adlerdo_hub import PARAM_STOCK_LOCATIONS, _float_param

_logger = logging.getLogger(__name__)

STOCK_BASIS = [
    ("free", "Free quantity (on hand - reserved)"),
    ("on_hand", "On hand"),
    ("forecast", "Forecast"),
]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    adlerdo_hub_url = fields.Char(
        string="Hub URL",
        config_parameter="adlerdo.hub_url",
        help="Base URL of the AdlerDo hub, e.g. https://hub.example.com:8080",
    )
    adlerdo_hub_database = fields.Char(
        string="Hub database",
        config_parameter="adlerdo.hub_database",
        default=DEFAULT_DATABASE,
        help="The hub's [facade] database (adlerdo unless changed on the hub).",
    )
    adlerdo_hub_login = fields.Char(
        string="API key name",
        config_parameter="adlerdo.hub_login",
        help="The name given to 'adlerdo keys create --name NAME' on the hub.",
    )
    adlerdo_hub_api_key = fields.Char(
        string="API key",
        config_parameter="adlerdo.hub_api_key",
    )
    adlerdo_notify_paused = fields.Boolean(
        string="Pause change notifications",
        config_parameter="adlerdo.notify_paused",
        help="When set, product and stock changes are not pushed to the hub; its periodic "
        "sync still picks them up.",
    )
    adlerdo_stock_basis = fields.Selection(
        STOCK_BASIS,
        string="Stock basis",
        config_parameter="adlerdo.stock_basis",
        default="free",
    )
    adlerdo_stock_location_ids = fields.Many2many(
        "stock.location",
        string="Stock locations",
        domain=[("usage", "=", "internal")],
        help="Internal locations whose stock is offered; empty: the whole company.",
    )
    adlerdo_stock_buffer = fields.Integer(
        string="Default stock buffer",
        config_parameter="adlerdo.stock_buffer",
        help="Units held back from every marketplace account that uses the default rules.",
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        raw = self.env["ir.config_parameter"].sudo().get_param(PARAM_STOCK_LOCATIONS) or ""
        ids = [int(i) for i in raw.split(",") if i.strip().isdigit()]
        locations = self.env["stock.location"].browse(ids).exists()
        res["adlerdo_stock_location_ids"] = [(6, 0, locations.ids)]
        return res

    def set_values(self):
        params = self.env["ir.config_parameter"].sudo()
        before = self.env["adlerdo.hub"]._adlerdo_stock_defaults()
        res = super().set_values()
        params.set_param(
            PARAM_STOCK_LOCATIONS,
            ",".join(str(i) for i in sorted(self.adlerdo_stock_location_ids.ids)),
        )
        after = self.env["adlerdo.hub"]._adlerdo_stock_defaults()
        if before != after and params.get_param("adlerdo.hub_url"):
            self._adlerdo_push_stock_defaults(after)
        return res

    def _adlerdo_push_stock_defaults(self, defaults):
        """Applies new default stock rules to the hub's accounts that use the defaults."""
        hub = self.env["adlerdo.hub"]
        try:
            client = hub._adlerdo_client()
            accounts = client.search_read(
                "adlerdo.marketplace", [], fields=["settings"]
            )
            for account in accounts:
                settings = account.get("settings") or {}
                if isinstance(settings, dict) and settings.get("adlerdo_stock_defaults"):
                    for key, value in defaults.items():
                        if value is None:
                            settings.pop(key, None)
                        else:
                            settings[key] = value
                    client.execute_kw(
                        "adlerdo.marketplace", "write", [[account["id"]], {"settings": settings}]
                    )
        except HubError as exc:
            _logger.warning("AdlerDo: stock defaults not sent to the hub: %s", exc)

    def _adlerdo_form_client(self):
        self.ensure_one()
        return HubClient(
            self.adlerdo_hub_url,
            self.adlerdo_hub_login,
            self.adlerdo_hub_api_key,
            database=self.adlerdo_hub_database or DEFAULT_DATABASE,
            timeout=_float_param(
                self.env["ir.config_parameter"].sudo().get_param("adlerdo.hub_timeout"), 10.0
            ),
        )

    def action_adlerdo_test_connection(self):
        """Checks the values in the form (saved or not) and says what is right or wrong."""
        self.ensure_one()
        try:
            info, status = self._adlerdo_form_client().test_connection()
        except HubError as exc:
            return self._adlerdo_notification(self.env._("Connection failed"), str(exc), "danger")
        hub = status.get("hub") or {}
        accounts = status.get("marketplaces") or []
        message = self.env._(
            "Connected to AdlerDo %(version)s (mode %(mode)s) at %(url)s: "
            "%(accounts)s marketplace account(s).",
            version=info.get("adlerdo_version") or hub.get("version") or "?",
            mode=hub.get("mode") or "?",
            url=self.adlerdo_hub_url,
            accounts=len(accounts),
        )
        return self._adlerdo_notification(self.env._("Connection works"), message, "success")

    @staticmethod
    def _adlerdo_notification(title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind != "success",
            },
        }
