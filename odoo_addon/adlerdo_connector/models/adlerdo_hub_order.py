# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Imported marketplace orders, read live from the hub (``adlerdo.order``) into transient rows."""

# These transient models are live views of the hub's records, not wizards.
# pylint: disable=no-wizard-in-models

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.hub_client import HubError

ORDER_STATES = [
    ("received", "Received"),
    ("unmapped", "Waiting for SKU mapping"),
    ("sent", "Sent to Odoo"),
    ("confirmed", "Confirmed"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
ORDER_FIELDS = [
    "external_id", "reference", "state", "market_status", "failure_reason", "odoo_order_id",
    "odoo_order_name", "amount_total", "currency", "marketplace_id", "ordered_at", "line_ids",
]
LINE_FIELDS = ["order_id", "sku", "product_id", "title", "quantity", "unit_price"]


def _m2o(value):
    """(id, name) of a many2many value as Odoo's RPC gives it."""
    if isinstance(value, (list, tuple)) and value:
        return value[0], value[1] if len(value) > 1 else ""
    return (value or False), ""


class AdlerdoHubOrder(models.TransientModel):
    _name = "adlerdo.hub.order"
    _description = "AdlerDo marketplace order (read from the hub)"
    _order = "ordered_at desc, id desc"
    _transient_max_hours = 1.0

    hub_id = fields.Integer(string="Hub id", readonly=True)
    external_id = fields.Char(string="Marketplace order id", readonly=True)
    reference = fields.Char(readonly=True)
    state = fields.Selection(ORDER_STATES, readonly=True)
    market_status = fields.Char(string="Marketplace status", readonly=True)
    failure_reason = fields.Text(string="Reason", readonly=True)
    sale_order_id = fields.Many2one("sale.order", string="Sales order", readonly=True)
    odoo_order_name = fields.Char(string="Odoo order", readonly=True)
    amount_total = fields.Float(string="Total", readonly=True)
    currency = fields.Char(readonly=True)
    marketplace_hub_id = fields.Integer(string="Account id", readonly=True)
    marketplace_name = fields.Char(string="Marketplace account", readonly=True)
    ordered_at = fields.Datetime(string="Ordered on", readonly=True)
    line_ids = fields.One2many("adlerdo.hub.order.line", "order_id", readonly=True)

    @api.model
    def _hub_domain(self):
        state = self.env.context.get("adlerdo_order_state")
        return [("state", "=", state)] if state else []

    @api.model
    def action_load_from_hub(self, limit=500):
        """Reads the newest orders (of one state when the context says so) and opens them."""
        client = self.env["adlerdo.hub"]._adlerdo_client()
        try:
            orders = client.search_read("adlerdo.order", self._hub_domain(), fields=ORDER_FIELDS,
                                        limit=limit, order="ordered_at desc, id desc")
            line_ids = [i for order in orders for i in order.get("line_ids") or []]
            lines = client.search_read("adlerdo.order.line", [("id", "in", line_ids)],
                                       fields=LINE_FIELDS) if line_ids else []
        except HubError as exc:
            raise UserError(self.env._("AdlerDo hub: %s", exc)) from None
        lines_by_order = {}
        for line in lines:
            lines_by_order.setdefault(_m2o(line.get("order_id"))[0], []).append(line)
        sale_ids = {o["odoo_order_id"] for o in orders if o.get("odoo_order_id")}
        existing = set(self.env["sale.order"].browse(list(sale_ids)).exists().ids)
        vals_list = []
        for order in orders:
            account_id, account_name = _m2o(order.get("marketplace_id"))
            vals_list.append({
                "hub_id": order["id"],
                "external_id": order.get("external_id") or "",
                "reference": order.get("reference") or "",
                "state": order.get("state") if order.get("state") in dict(ORDER_STATES) else False,
                "market_status": order.get("market_status") or "",
                "failure_reason": order.get("failure_reason") or False,
                "sale_order_id": order.get("odoo_order_id") if order.get("odoo_order_id")
                in existing else False,
                "odoo_order_name": order.get("odoo_order_name") or "",
                "amount_total": order.get("amount_total") or 0.0,
                "currency": order.get("currency") or "",
                "marketplace_hub_id": account_id or 0,
                "marketplace_name": account_name,
                "ordered_at": order.get("ordered_at") or False,
                "line_ids": [
                    (0, 0, {
                        "hub_id": line["id"],
                        "sku": line.get("sku") or "",
                        "hub_product_id": _m2o(line.get("product_id"))[0] or 0,
                        "hub_product_name": _m2o(line.get("product_id"))[1],
                        "title": line.get("title") or "",
                        "quantity": line.get("quantity") or 0.0,
                        "unit_price": line.get("unit_price") or 0.0,
                    })
                    for line in lines_by_order.get(order["id"], [])
                ],
            })
        records = self.create(vals_list)
        state = self.env.context.get("adlerdo_order_state")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Orders waiting for SKU mapping") if state == "unmapped" else self.env._("Orders"),
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": [("id", "in", records.ids)],
            "context": {"create": False, "edit": False},
            "target": "current",
        }

    def action_retry(self):
        hub = self.env["adlerdo.hub"]
        hub._adlerdo_call("execute_kw", "adlerdo.order", "retry", [self.mapped("hub_id")])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry queued"),
                "message": self.env._("The hub will try %s order(s) again.", len(self)),
                "type": "success",
            },
        }


class AdlerdoHubOrderLine(models.TransientModel):
    _name = "adlerdo.hub.order.line"
    _description = "AdlerDo marketplace order line (read from the hub)"
    _transient_max_hours = 1.0

    order_id = fields.Many2one("adlerdo.hub.order", ondelete="cascade", required=True)
    hub_id = fields.Integer(string="Hub id", readonly=True)
    sku = fields.Char(string="SKU", readonly=True)
    hub_product_id = fields.Integer(string="Hub product id", readonly=True)
    hub_product_name = fields.Char(string="Product", readonly=True)
    title = fields.Char(string="Description", readonly=True)
    quantity = fields.Float(readonly=True)
    unit_price = fields.Float(readonly=True)

    def action_map_sku(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Map SKU %s", self.sku),
            "res_model": "adlerdo.map.sku",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_sku": self.sku,
                "default_marketplace_hub_id": self.order_id.marketplace_hub_id,
                "default_marketplace_name": self.order_id.marketplace_name,
            },
        }
