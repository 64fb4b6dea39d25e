# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace accounts, edited in Odoo and kept on the hub (``adlerdo.marketplace``).

The records here are transient views of the hub's accounts, loaded fresh each time the menu is
opened. Saving one creates or writes the hub's account. Credentials are write-only: they are
sent to the hub (which seals them) and never written to Odoo's database.
"""

# These transient models are live views of the hub's records, not wizards.
# pylint: disable=no-wizard-in-models

import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.hub_client import HubError
from .res_config_settings import STOCK_BASIS

_logger = logging.getLogger(__name__)

KINDS = [("amazon", "Amazon"), ("ebay", "eBay"), ("shopify", "Shopify")]
TAX_POLICIES = [
    ("odoo", "Odoo applies the product's taxes"),
    ("match", "Match the marketplace's tax rate"),
    ("none", "No taxes"),
]
CREDENTIAL_FIELDS = {
    "cred_client_id": "client_id",
    "cred_client_secret": "client_secret",
    "cred_refresh_token": "refresh_token",
    "cred_access_token": "access_token",
    "cred_webhook_secret": "webhook_secret",
}
# Odoo field -> hub settings key, plain values
PLAIN_SETTINGS = {
    "tax_policy": "tax_policy",
    "prices_include_tax": "prices_include_tax",
    "order_poll_secs": "order_poll_secs",
    "shop_url": "shop_url",
    "api_version": "api_version",
    "location_ref": "location_id",
    "seller_id": "seller_id",
    "market_code": "marketplace_id",
    "currency": "currency",
    "merchant_location_key": "merchant_location_key",
    "category_ref": "category_id",
    "fulfillment_policy_ref": "fulfillment_policy_id",
    "payment_policy_ref": "payment_policy_id",
    "return_policy_ref": "return_policy_id",
}
STOCK_KEYS = ("stock_basis", "stock_locations", "stock_warehouses", "stock_buffer",
              "stock_share", "stock_max")
OTHER_KEYS = ("delivery_product", "odoo_team_id", "odoo_warehouse_id", "endpoint", "api_url",
              "adlerdo_stock_defaults")
KNOWN_KEYS = set(PLAIN_SETTINGS.values()) | set(STOCK_KEYS) | set(OTHER_KEYS)


class AdlerdoMarketplaceAccount(models.TransientModel):
    _name = "adlerdo.marketplace.account"
    _description = "AdlerDo marketplace account (kept on the hub)"
    _order = "name"
    _transient_max_hours = 1.0

    hub_id = fields.Integer(string="Hub id", readonly=True)
    kind = fields.Selection(KINDS, required=True, default="shopify")
    name = fields.Char(required=True)
    enabled = fields.Boolean(default=True)
    has_credentials = fields.Boolean(readonly=True)
    # stock rules
    use_default_stock = fields.Boolean(
        string="Use the default stock rules",
        default=True,
        help="Take stock basis, locations and buffer from Settings > AdlerDo.",
    )
    stock_basis = fields.Selection(STOCK_BASIS, default="free")
    stock_location_ids = fields.Many2many(
        "stock.location",
        "adlerdo_account_location_rel",
        "account_id",
        "location_id",
        string="Stock locations",
        domain=[("usage", "=", "internal")],
    )
    stock_buffer = fields.Integer(help="Units held back from this account.")
    stock_share = fields.Float(string="Share (%)", default=100.0)
    stock_max = fields.Integer(string="Maximum shown", help="0: no maximum.")
    # orders
    delivery_product_id = fields.Many2one(
        "product.product", string="Delivery product",
        help="Its internal reference is the account's delivery_product; empty: ADLERDO-SHIPPING.",
    )
    tax_policy = fields.Selection(TAX_POLICIES, default="odoo")
    prices_include_tax = fields.Boolean()
    order_poll_secs = fields.Integer(string="Order sync interval (s)",
                                     help="0: the hub's [orders] poll_secs.")
    team_id = fields.Many2one("crm.team", string="Sales team")
    warehouse_id = fields.Many2one("stock.warehouse")
    # connection
    api_base_url = fields.Char(
        string="API base URL",
        help="Amazon endpoint / eBay api_url; empty for the marketplace's production URL.",
    )
    shop_url = fields.Char(string="Shop URL")
    api_version = fields.Char(string="API version")
    location_ref = fields.Char(string="Shopify location id")
    seller_id = fields.Char(string="Seller id")
    market_code = fields.Char(string="Marketplace id", help="e.g. ATVPDKIKX0DER, EBAY_US")
    currency = fields.Char()
    merchant_location_key = fields.Char()
    category_ref = fields.Char(string="Category id")
    fulfillment_policy_ref = fields.Char(string="Fulfillment policy id")
    payment_policy_ref = fields.Char(string="Payment policy id")
    return_policy_ref = fields.Char(string="Return policy id")
    extra_settings = fields.Text(
        string="Other settings (JSON)",
        help="Any other setting of the marketplace module, as a JSON object.",
    )
    # write-only credentials: never stored in Odoo
    cred_client_id = fields.Char(string="Client id", compute="_compute_credentials",
                                 inverse="_inverse_credentials")
    cred_client_secret = fields.Char(string="Client secret", compute="_compute_credentials",
                                     inverse="_inverse_credentials")
    cred_refresh_token = fields.Char(string="Refresh token", compute="_compute_credentials",
                                     inverse="_inverse_credentials")
    cred_access_token = fields.Char(string="Access token", compute="_compute_credentials",
                                    inverse="_inverse_credentials")
    cred_webhook_secret = fields.Char(string="Webhook secret", compute="_compute_credentials",
                                      inverse="_inverse_credentials")

    def _compute_credentials(self):
        for record in self:
            for name in CREDENTIAL_FIELDS:
                record[name] = False

    def _inverse_credentials(self):
        """Nothing to keep: create() and write() send credentials to the hub."""

    @api.constrains("stock_share", "stock_buffer", "stock_max", "order_poll_secs")
    def _check_numbers(self):
        for record in self:
            if not 0 <= record.stock_share <= 100:
                raise ValidationError(self.env._("The share must be between 0 and 100%."))
            if min(record.stock_buffer, record.stock_max, record.order_poll_secs) < 0:
                raise ValidationError(self.env._("Buffer, maximum and interval cannot be negative."))

    # -- hub <-> Odoo ---------------------------------------------------------------------

    def _hub_settings(self):
        self.ensure_one()
        try:
            settings = json.loads(self.extra_settings or "{}")
        except ValueError as exc:
            raise UserError(self.env._("Other settings are not valid JSON: %s", exc)) from None
        if not isinstance(settings, dict):
            raise UserError(self.env._("Other settings must be a JSON object."))
        for field_name, key in PLAIN_SETTINGS.items():
            value = self[field_name]
            if value not in (False, None, "", 0) or field_name == "prices_include_tax":
                settings[key] = value
            else:
                settings.pop(key, None)
        base_key = {"amazon": "endpoint", "ebay": "api_url"}.get(self.kind)
        if base_key and self.api_base_url:
            settings[base_key] = self.api_base_url
        if self.use_default_stock:
            defaults = self.env["adlerdo.hub"]._adlerdo_stock_defaults()
            settings.update({k: v for k, v in defaults.items() if v is not None})
            settings["adlerdo_stock_defaults"] = True
        else:
            settings["adlerdo_stock_defaults"] = False
            settings["stock_basis"] = self.stock_basis or "free"
            settings["stock_buffer"] = self.stock_buffer
            if self.stock_location_ids:
                settings["stock_locations"] = self.stock_location_ids.ids
        settings["stock_share"] = self.stock_share
        if self.stock_max:
            settings["stock_max"] = self.stock_max
        if self.delivery_product_id.default_code:
            settings["delivery_product"] = self.delivery_product_id.default_code
        if self.team_id:
            settings["odoo_team_id"] = self.team_id.id
        if self.warehouse_id:
            settings["odoo_warehouse_id"] = self.warehouse_id.id
        return settings

    @api.model
    def _vals_from_hub(self, account):
        settings = account.get("settings") or {}
        if not isinstance(settings, dict):
            settings = {}
        vals = {
            "hub_id": account["id"],
            "kind": account.get("kind") or "shopify",
            "name": account.get("name") or "",
            "enabled": bool(account.get("enabled")),
            "has_credentials": bool(account.get("has_credentials")),
            "use_default_stock": bool(settings.get("adlerdo_stock_defaults")),
            "stock_basis": settings.get("stock_basis") or "free",
            "stock_buffer": int(settings.get("stock_buffer") or 0),
            "stock_share": float(settings.get("stock_share", 100) or 0),
            "stock_max": int(settings.get("stock_max") or 0),
        }
        for field_name, key in PLAIN_SETTINGS.items():
            if settings.get(key) not in (None, ""):
                vals[field_name] = settings[key]
        base = settings.get("endpoint") or settings.get("api_url")
        if base:
            vals["api_base_url"] = base
        locations = self.env["stock.location"].browse(
            [i for i in settings.get("stock_locations") or [] if isinstance(i, int)]
        ).exists()
        vals["stock_location_ids"] = [(6, 0, locations.ids)]
        if settings.get("delivery_product"):
            product = self.env["product.product"].search(
                [("default_code", "=", settings["delivery_product"])], limit=1
            )
            vals["delivery_product_id"] = product.id
        for key, field_name, model in (("odoo_team_id", "team_id", "crm.team"),
                                       ("odoo_warehouse_id", "warehouse_id", "stock.warehouse")):
            if isinstance(settings.get(key), int):
                vals[field_name] = self.env[model].browse(settings[key]).exists().id
        extra = {k: v for k, v in settings.items() if k not in KNOWN_KEYS}
        vals["extra_settings"] = json.dumps(extra, indent=2, sort_keys=True) if extra else False
        return vals

    @api.model
    def action_load_from_hub(self):
        """Reads the hub's accounts into fresh transient records and opens them."""
        client = self.env["adlerdo.hub"]._adlerdo_client()
        try:
            accounts = client.search_read(
                "adlerdo.marketplace", [],
                fields=["kind", "name", "enabled", "settings", "has_credentials"],
            )
        except HubError as exc:
            raise UserError(self.env._("AdlerDo hub: %s", exc)) from None
        records = self.with_context(adlerdo_from_hub=True).create(
            [self._vals_from_hub(a) for a in accounts]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Marketplace accounts"),
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": [("id", "in", records.ids)],
            "context": {"adlerdo_account_list": True},
            "target": "current",
        }

    @staticmethod
    def _pop_credentials(vals):
        credentials = {}
        for field_name, key in CREDENTIAL_FIELDS.items():
            value = vals.pop(field_name, None)
            if value:
                credentials[key] = value
        return credentials

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("adlerdo_from_hub"):
            return super().create(vals_list)
        credentials_list = [self._pop_credentials(vals) for vals in vals_list]
        records = super().create(vals_list)
        for record, credentials in zip(records, credentials_list):
            record._push_to_hub(credentials)
        return records

    def write(self, vals):
        credentials = self._pop_credentials(vals)
        result = super().write(vals)
        if not self.env.context.get("adlerdo_from_hub"):
            for record in self:
                record._push_to_hub(credentials)
        return result

    def _push_to_hub(self, credentials):
        self.ensure_one()
        values = {
            "kind": self.kind,
            "name": self.name,
            "enabled": self.enabled,
            "settings": self._hub_settings(),
        }
        if credentials:
            values["credentials"] = credentials
        client = self.env["adlerdo.hub"]._adlerdo_client()
        try:
            if self.hub_id:
                values.pop("kind")
                client.execute_kw("adlerdo.marketplace", "write", [[self.hub_id], values])
            else:
                hub_id = client.execute_kw("adlerdo.marketplace", "create", [values])
                if isinstance(hub_id, list):
                    hub_id = hub_id[0]
                self.with_context(adlerdo_from_hub=True).write({"hub_id": hub_id})
        except HubError as exc:
            raise UserError(self.env._("AdlerDo hub refused the account: %s", exc)) from None
        if credentials:
            self.with_context(adlerdo_from_hub=True).write({"has_credentials": True})

    def action_publish(self):
        """Lists the hub's catalog on this account (``adlerdo.marketplace.publish``)."""
        self.ensure_one()
        count = self.env["adlerdo.hub"]._adlerdo_call(
            "execute_kw", "adlerdo.marketplace", "publish", [[self.hub_id]]
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Publishing"),
                "message": self.env._("The hub queued the catalog for %(name)s (%(n)s).",
                             name=self.name, n=count),
                "type": "success",
            },
        }
