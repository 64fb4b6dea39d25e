# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stock hooks: every change of on-hand or reserved quantity (stock.quant) and every move
that becomes done tells the hub which product.product ids changed, after commit."""

from odoo import api, models

QUANT_FIELDS = frozenset({"quantity", "reserved_quantity", "inventory_quantity_set",
                          "location_id", "product_id"})


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        self.env["adlerdo.hub"]._adlerdo_changed(stock_ids=quants.mapped("product_id").ids)
        return quants

    def write(self, vals):
        # a quant's product may change (rare): notify the old and the new
        before = self.mapped("product_id").ids if "product_id" in vals else []
        result = super().write(vals)
        if QUANT_FIELDS.intersection(vals):
            self.env["adlerdo.hub"]._adlerdo_changed(
                stock_ids=before + self.mapped("product_id").ids
            )
        return result


class StockMove(models.Model):
    _inherit = "stock.move"

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") in ("confirmed", "waiting", "done", "cancel") or (
            "product_uom_qty" in vals and any(m.state not in ("draft", "done") for m in self)
        ):
            # done: on hand changed; confirmed, cancelled or changed demand: forecast changed
            self.env["adlerdo.hub"]._adlerdo_changed(stock_ids=self.mapped("product_id").ids)
        return result
