# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import MagicMock, patch

from odoo.tests.common import TransactionCase

from ..models import adlerdo_hub

HUB_MODULE = "odoo.addons.adlerdo_connector.models.adlerdo_hub"


class AdlerdoCase(TransactionCase):
    """Hub configured, notifier synchronous, ``HubClient`` replaced by a mock."""

    mock_client = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("adlerdo.hub_url", "http://hub.test:8080")
        params.set_param("adlerdo.hub_login", "odoo-addon")
        params.set_param("adlerdo.hub_api_key", "k" * 40)
        params.set_param("adlerdo.hub_database", "adlerdo")
        cls.stock_location = cls.env.ref("stock.stock_location_stock")

    def setUp(self):
        super().setUp()
        notifier = adlerdo_hub.NOTIFIER
        saved = (notifier.synchronous, notifier.hub_down)
        notifier.synchronous = True
        notifier.hub_down = False

        def restore():
            notifier.synchronous, notifier.hub_down = saved

        self.addCleanup(restore)
        if self.mock_client:
            self.client = MagicMock(name="HubClient()")
            self.client_class = MagicMock(name="HubClient", return_value=self.client)
            patcher = patch(HUB_MODULE + ".HubClient", self.client_class)
            patcher.start()
            self.addCleanup(patcher.stop)
        # anything queued by setUpClass belongs to no test
        self.env.cr.postcommit.clear()

    def commit(self):
        """What Cursor.commit() does after COMMIT: run the post-commit callbacks."""
        self.env.flush_all()
        self.env.cr.postcommit.run()

    def sent(self, method):
        """Ids sent with ``method`` by the mocked client, one set per call."""
        return [set(c.args[0]) for c in getattr(self.client, method).call_args_list]

    def storable(self, **vals):
        product_fields = self.env["product.template"]._fields
        if "is_storable" in product_fields:  # 18.0+
            vals.setdefault("is_storable", True)
            vals.setdefault("type", "consu")
        else:  # 17.0
            vals.setdefault("type", "product")
        vals.setdefault("name", "AdlerDo test product")
        return self.env["product.product"].create(vals)
