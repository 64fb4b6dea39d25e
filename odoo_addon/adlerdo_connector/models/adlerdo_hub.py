# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Access to the hub from Odoo: its settings, a client, and the after-commit notifications."""

import logging

from odoo import api, models
from odoo.exceptions import UserError

from ..lib.hub_client import DEFAULT_DATABASE, HubClient, HubError
from ..lib.notifier import Notifier

_logger = logging.getLogger(__name__)

PARAM_URL = "adlerdo.hub_url"
PARAM_DATABASE = "adlerdo.hub_database"
PARAM_LOGIN = "adlerdo.hub_login"
PARAM_KEY = "adlerdo.hub_api_key"
PARAM_TIMEOUT = "adlerdo.hub_timeout"
PARAM_NOTIFY_TIMEOUT = "adlerdo.notify_timeout"
PARAM_NOTIFY_PAUSED = "adlerdo.notify_paused"
PARAM_STOCK_BASIS = "adlerdo.stock_basis"
PARAM_STOCK_LOCATIONS = "adlerdo.stock_location_ids"
PARAM_STOCK_BUFFER = "adlerdo.stock_buffer"

#: key of the per-transaction buffer in ``cr.postcommit.data``
BUFFER_KEY = "adlerdo_connector.changed"


def _client_from_config(config):
    return HubClient(
        config.get("url"),
        config.get("login"),
        config.get("key"),
        database=config.get("database") or DEFAULT_DATABASE,
        timeout=float(config.get("timeout") or 3.0),
    )


#: one sender thread per Odoo process; tests make it synchronous and mock ``HubClient``
NOTIFIER = Notifier(lambda config: _client_from_config(config), logger=_logger)


def _float_param(value, default):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class AdlerdoHub(models.AbstractModel):
    _name = "adlerdo.hub"
    _description = "AdlerDo hub access"

    @api.model
    def _adlerdo_config(self, notify=False):
        get = self.env["ir.config_parameter"].sudo().get_param
        timeout_param = PARAM_NOTIFY_TIMEOUT if notify else PARAM_TIMEOUT
        return {
            "url": (get(PARAM_URL) or "").strip(),
            "database": (get(PARAM_DATABASE) or DEFAULT_DATABASE).strip(),
            "login": (get(PARAM_LOGIN) or "").strip(),
            "key": (get(PARAM_KEY) or "").strip(),
            "timeout": _float_param(get(timeout_param), 3.0 if notify else 10.0),
        }

    @api.model
    def _adlerdo_stock_defaults(self):
        """The stock rules set in Settings, as hub account settings keys."""
        get = self.env["ir.config_parameter"].sudo().get_param
        ids = [int(i) for i in (get(PARAM_STOCK_LOCATIONS) or "").split(",") if i.strip().isdigit()]
        return {
            "stock_basis": get(PARAM_STOCK_BASIS) or "free",
            "stock_locations": ids or None,
            "stock_buffer": int(_float_param(get(PARAM_STOCK_BUFFER), 0)),
        }

    @api.model
    def _adlerdo_client(self):
        return _client_from_config(self._adlerdo_config())

    @api.model
    def _adlerdo_call(self, method, *args, **kwargs):
        """Calls ``HubClient.<method>``; a hub failure becomes a UserError saying what is wrong."""
        client = self._adlerdo_client()
        try:
            return getattr(client, method)(*args, **kwargs)
        except HubError as exc:
            raise UserError(self.env._("AdlerDo hub: %s", exc)) from None

    # -- after-commit notifications ----------------------------------------------------------

    @api.model
    def _adlerdo_notify_enabled(self):
        if self.env.context.get("adlerdo_no_notify"):
            return False
        get = self.env["ir.config_parameter"].sudo().get_param
        if not (get(PARAM_URL) or "").strip():
            return False
        return (get(PARAM_NOTIFY_PAUSED) or "False") in ("False", "0", "false", "")

    @api.model
    def _adlerdo_changed(self, product_ids=(), stock_ids=()):
        """Remembers product.product ids whose product data or stock changed; the hub hears of
        them once, after the transaction commits (nothing on rollback)."""
        product_ids = [i for i in product_ids if i]
        stock_ids = [i for i in stock_ids if i]
        if not (product_ids or stock_ids) or not self._adlerdo_notify_enabled():
            return
        cr = self.env.cr
        buffer = cr.postcommit.data.get(BUFFER_KEY)
        if buffer is None:
            buffer = cr.postcommit.data[BUFFER_KEY] = {
                "products": set(),
                "stock": set(),
                # read now, inside the transaction: after commit the cursor is not ours to use
                "config": self._adlerdo_config(notify=True),
            }

            def send():
                NOTIFIER.submit(buffer["config"], buffer["products"], buffer["stock"])

            cr.postcommit.add(send)
        buffer["products"].update(product_ids)
        buffer["stock"].update(stock_ids)
