# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Maps a marketplace SKU to an Odoo product: ``adlerdo.listing.create`` on the hub, which
releases every order waiting for that SKU."""

from odoo import fields, models
from odoo.exceptions import UserError


class AdlerdoMapSku(models.TransientModel):
    _name = "adlerdo.map.sku"
    _description = "AdlerDo: map a marketplace SKU to a product"

    sku = fields.Char(string="SKU", required=True)
    marketplace_hub_id = fields.Integer(string="Account id", required=True)
    marketplace_name = fields.Char(string="Marketplace account", readonly=True)
    product_id = fields.Many2one("product.product", string="Odoo product", required=True)

    def action_map(self):
        self.ensure_one()
        hub = self.env["adlerdo.hub"]
        found = hub._adlerdo_call(
            "search_read", "adlerdo.product", [("odoo_id", "=", self.product_id.id)],
            fields=["id"], limit=1,
        )
        if not found:
            raise UserError(self.env._(
                "The hub does not know %s yet: its product sync has not read it. Run "
                "'Sync now' for products on the AdlerDo dashboard, then map the SKU again.",
                self.product_id.display_name,
            ))
        hub._adlerdo_call(
            "execute_kw", "adlerdo.listing", "create",
            [{"marketplace_id": self.marketplace_hub_id, "product_id": found[0]["id"],
              "sku": self.sku}],
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("SKU mapped"),
                "message": self.env._("%(sku)s is now %(product)s; the orders waiting for it go on.",
                             sku=self.sku, product=self.product_id.display_name),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
