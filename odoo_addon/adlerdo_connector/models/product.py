# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Product hooks: creating, writing, archiving or deleting templates and variants tells the hub
which product.product ids changed, after the transaction commits."""

from odoo import api, models

# Writes touching only these fields say nothing the hub reads.
IGNORED_FIELDS = frozenset(
    {
        "message_follower_ids",
        "message_ids",
        "message_main_attachment_id",
        "activity_ids",
        "website_message_ids",
        "rating_ids",
        "priority",
        "sequence",
        "color",
    }
)


def _relevant(vals):
    return bool(set(vals) - IGNORED_FIELDS)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def _adlerdo_variant_ids(self):
        return self.with_context(active_test=False).mapped("product_variant_ids").ids

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        self.env["adlerdo.hub"]._adlerdo_changed(product_ids=templates._adlerdo_variant_ids())
        return templates

    def write(self, vals):
        result = super().write(vals)
        if _relevant(vals):
            self.env["adlerdo.hub"]._adlerdo_changed(product_ids=self._adlerdo_variant_ids())
        return result

    def unlink(self):
        ids = self._adlerdo_variant_ids()
        result = super().unlink()
        self.env["adlerdo.hub"]._adlerdo_changed(product_ids=ids)
        return result


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        self.env["adlerdo.hub"]._adlerdo_changed(product_ids=products.ids)
        return products

    def write(self, vals):
        result = super().write(vals)
        if _relevant(vals):
            self.env["adlerdo.hub"]._adlerdo_changed(product_ids=self.ids)
        return result

    def unlink(self):
        ids = self.ids
        result = super().unlink()
        self.env["adlerdo.hub"]._adlerdo_changed(product_ids=ids)
        return result
