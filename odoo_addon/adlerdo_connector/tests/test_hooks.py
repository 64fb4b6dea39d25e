# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api
from odoo.tests import tagged

from ..models.adlerdo_hub import BUFFER_KEY
from .common import AdlerdoCase


@tagged("post_install", "-at_install")
class TestHooks(AdlerdoCase):
    def test_product_create_notifies_after_commit_only(self):
        product = self.storable(name="Mug", default_code="MUG")
        self.client.notify_products_changed.assert_not_called()
        self.assertIn(BUFFER_KEY, self.env.cr.postcommit.data)
        self.commit()
        self.assertEqual(self.sent("notify_products_changed"), [{product.id}])
        # the client was built from the settings
        kwargs = self.client_class.call_args
        self.assertEqual(kwargs.args[:3], ("http://hub.test:8080", "odoo-addon", "k" * 40))
        self.assertEqual(kwargs.kwargs["database"], "adlerdo")
        self.assertLessEqual(kwargs.kwargs["timeout"], 5)

    def test_batched_per_transaction(self):
        first = self.storable(name="A", default_code="A")
        second = self.storable(name="B", default_code="B")
        first.write({"list_price": 12.5})
        second.product_tmpl_id.write({"name": "B2"})
        self.commit()
        self.assertEqual(self.client.notify_products_changed.call_count, 1)
        self.assertEqual(self.sent("notify_products_changed"), [{first.id, second.id}])
        # a next transaction is a new batch
        first.write({"default_code": "A2"})
        self.commit()
        self.assertEqual(self.sent("notify_products_changed")[1], {first.id})

    def test_template_with_variants_and_archive(self):
        attribute = self.env["product.attribute"].create({
            "name": "Size",
            "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "L"})],
        })
        template = self.env["product.template"].create({
            "name": "Shirt",
            "attribute_line_ids": [(0, 0, {
                "attribute_id": attribute.id,
                "value_ids": [(6, 0, attribute.value_ids.ids)],
            })],
        })
        variants = template.product_variant_ids
        self.assertEqual(len(variants), 2)
        self.commit()
        self.assertEqual(self.sent("notify_products_changed")[-1], set(variants.ids))
        template.action_archive()
        self.commit()
        self.assertEqual(self.sent("notify_products_changed")[-1], set(variants.ids))

    def test_irrelevant_write_is_ignored(self):
        product = self.storable()
        self.commit()
        self.client.reset_mock()
        product.write({"color": 3})
        self.commit()
        self.client.notify_products_changed.assert_not_called()

    def test_quant_change_notifies_stock(self):
        product = self.storable(default_code="Q1")
        self.commit()
        self.client.reset_mock()
        self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 7.0)
        self.client.notify_stock_changed.assert_not_called()
        self.commit()
        self.assertEqual(self.sent("notify_stock_changed"), [{product.id}])
        self.client.notify_products_changed.assert_not_called()

    def test_inventory_adjustment_notifies_stock(self):
        product = self.storable(default_code="Q2")
        self.commit()
        self.client.reset_mock()
        quant = self.env["stock.quant"].with_context(inventory_mode=True).create({
            "product_id": product.id,
            "location_id": self.stock_location.id,
            "inventory_quantity": 4,
        })
        quant.action_apply_inventory()
        self.commit()
        self.assertIn(product.id, set().union(*self.sent("notify_stock_changed")))
        self.assertEqual(product.qty_available, 4)

    def test_done_move_notifies_stock(self):
        product = self.storable(default_code="MV")
        self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 10.0)
        self.commit()
        self.client.reset_mock()
        customer = self.env.ref("stock.stock_location_customers")
        move = self.env["stock.move"].create({
            "name": "AdlerDo test move",
            "product_id": product.id,
            "product_uom": product.uom_id.id,
            "product_uom_qty": 3,
            "location_id": self.stock_location.id,
            "location_dest_id": customer.id,
        })
        move._action_confirm()
        move._action_assign()
        move.quantity = 3
        move.picked = True
        move._action_done()
        self.assertEqual(move.state, "done")
        self.client.notify_stock_changed.assert_not_called()
        self.commit()
        self.assertEqual(self.sent("notify_stock_changed"), [{product.id}])
        self.assertEqual(product.qty_available, 7)

    def test_nothing_on_rollback(self):
        registry = self.env.registry
        registry.enter_test_mode(self.env.cr)
        self.addCleanup(registry.leave_test_mode)
        cr = registry.cursor()
        try:
            env = api.Environment(cr, self.env.uid, {})
            product = env["product.product"].create({"name": "Rolled back"})
            self.assertTrue(product.id)
            self.assertIn(BUFFER_KEY, cr.postcommit.data)
            cr.rollback()
            self.assertNotIn(BUFFER_KEY, cr.postcommit.data)
            cr.postcommit.run()
        finally:
            cr.close()
        self.client.notify_products_changed.assert_not_called()
        self.client.notify_stock_changed.assert_not_called()

    def test_not_configured_or_paused_sends_nothing(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("adlerdo.notify_paused", "True")
        self.storable()
        self.assertNotIn(BUFFER_KEY, self.env.cr.postcommit.data)
        params.set_param("adlerdo.notify_paused", False)
        params.set_param("adlerdo.hub_url", False)
        self.storable()
        self.assertNotIn(BUFFER_KEY, self.env.cr.postcommit.data)
        self.commit()
        self.client.notify_products_changed.assert_not_called()
