# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import AdlerdoCase

MODELS = ("adlerdo.dashboard", "adlerdo.marketplace.account", "adlerdo.hub.order",
          "adlerdo.hub.order.line", "adlerdo.hub.job", "adlerdo.map.sku")


@tagged("post_install", "-at_install")
class TestSecurity(AdlerdoCase):
    def _user(self, login, groups):
        return self.env["res.users"].with_context(no_reset_password=True).create({
            "name": login, "login": login,
            "groups_id" if "groups_id" in self.env["res.users"]._fields else "group_ids":
                [(6, 0, [self.env.ref(g).id for g in groups])],
        })

    @staticmethod
    def _can_read(model):
        if hasattr(model, "has_access"):  # 18.0+
            return model.has_access("read")
        return model.check_access_rights("read", raise_exception=False)

    def test_ordinary_user_sees_nothing(self):
        user = self._user("adlerdo_plain", ["base.group_user", "stock.group_stock_manager",
                                            "sales_team.group_sale_manager"])
        root = self.env.ref("adlerdo_connector.menu_adlerdo_root")
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        self.assertNotIn(root.id, visible)
        for name in MODELS:
            self.assertFalse(self._can_read(self.env[name].with_user(user)), name)

    def test_manager_sees_the_menu(self):
        user = self._user("adlerdo_mgr", ["base.group_user",
                                          "adlerdo_connector.group_adlerdo_manager"])
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        self.assertIn(self.env.ref("adlerdo_connector.menu_adlerdo_root").id, visible)
        self.assertIn(self.env.ref("adlerdo_connector.menu_adlerdo_jobs").id, visible)
        for name in MODELS:
            self.assertTrue(self._can_read(self.env[name].with_user(user)), name)

    def test_admins_are_managers(self):
        self.assertIn(self.env.ref("adlerdo_connector.group_adlerdo_manager"),
                      self.env.ref("base.group_system").implied_ids)
