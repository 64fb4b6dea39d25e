# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The AdlerDo dashboard: the hub's ``adlerdo.sync.status()`` rendered on each opening."""

# These transient models are live views of the hub's records, not wizards.
# pylint: disable=no-wizard-in-models

from markupsafe import Markup, escape

from odoo import api, fields, models

from ..lib.hub_client import FLOWS, HubError, HubNotConfigured

FLOW_LABELS = {
    "products": "Products (Odoo to hub)",
    "stock": "Stock (Odoo to marketplaces)",
    "orders": "Orders (marketplaces to Odoo)",
    "push": "Catalog (hub to Odoo and marketplaces)",
}


def _fmt(value):
    if value is False or value is None:
        return "-"
    if isinstance(value, dict):
        if "error" in value:
            return "%s: %s" % (value.get("job") or "", value.get("error"))
        return ", ".join("%s: %s" % (k, _fmt(v)) for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _lag(seconds):
    if seconds is False or seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 120:
        return "%ss" % seconds
    if seconds < 7200:
        return "%s min" % (seconds // 60)
    return "%s h" % (seconds // 3600)


def render_status(status):
    """HTML of a status() answer (escaped: every figure comes from the hub)."""
    hub = status.get("hub") or {}
    parts = [
        Markup("<p>AdlerDo <b>%s</b>, mode <b>%s</b>, Odoo %s, at %s</p>")
        % (hub.get("version", "?"), hub.get("mode", "?"), hub.get("odoo_url", "?"),
           hub.get("time", "?"))
    ]
    parts.append(Markup(
        "<table class='table table-sm o_adlerdo_flows'><thead><tr><th>Flow</th><th>Figures</th>"
        "<th>Lag</th><th>Queued</th><th>Failed jobs</th><th>Last error</th></tr></thead><tbody>"
    ))
    flows = status.get("flows") or {}
    for name in ("products", "stock", "orders", "push"):
        flow = flows.get(name) or {}
        figures = {k: v for k, v in flow.items()
                   if k not in ("lag_seconds", "queued", "failed_jobs", "last_error")}
        parts.append(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (FLOW_LABELS[name], _fmt(figures), _lag(flow.get("lag_seconds")),
               flow.get("queued", 0), flow.get("failed_jobs", 0), _fmt(flow.get("last_error")))
        )
    parts.append(Markup("</tbody></table>"))
    parts.append(Markup(
        "<table class='table table-sm o_adlerdo_accounts'><thead><tr><th>Account</th>"
        "<th>Enabled</th><th>Listings</th><th>Stock waiting</th><th>Stock lag</th>"
        "<th>Orders</th><th>Last order poll</th><th>Last error</th></tr></thead><tbody>"
    ))
    for account in status.get("marketplaces") or []:
        parts.append(
            Markup("<tr><td>%s (%s)</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                   "<td>%s</td><td>%s</td></tr>")
            % (account.get("name"), account.get("kind"),
               "yes" if account.get("enabled") else "no",
               account.get("listings", 0), account.get("stock_waiting", 0),
               _lag(account.get("stock_lag_seconds")), _fmt(account.get("orders") or {}),
               _fmt(account.get("orders_last_poll")),
               _fmt(account.get("last_error") or account.get("orders_poll_error")))
        )
    parts.append(Markup("</tbody></table>"))
    queue = (status.get("queue") or {}).get("totals") or {}
    parts.append(Markup("<p>Queue: %s</p>") % _fmt(queue))
    return Markup("").join(parts)


class AdlerdoDashboard(models.TransientModel):
    _name = "adlerdo.dashboard"
    _description = "AdlerDo dashboard"
    _transient_max_hours = 0.5

    name = fields.Char(default="AdlerDo")
    hub_ok = fields.Boolean(readonly=True)
    hub_error = fields.Text(readonly=True)
    summary = fields.Html(readonly=True, sanitize=False)

    @api.model
    def _snapshot(self):
        try:
            status = self.env["adlerdo.hub"]._adlerdo_client().status()
        except HubNotConfigured as exc:
            return {
                "hub_ok": False,
                "hub_error": self.env._("%s Configure it in Settings > AdlerDo.", exc),
            }
        except HubError as exc:
            return {"hub_ok": False, "hub_error": str(exc)}
        return {"hub_ok": True, "hub_error": False, "summary": render_status(status or {})}

    @api.model
    def action_open(self):
        record = self.create(self._snapshot())
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("AdlerDo dashboard"),
            "res_model": self._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_refresh(self):
        self.ensure_one()
        self.write(self._snapshot())
        return True

    def action_sync(self):
        """'Sync now' for the flow in the button's context."""
        self.ensure_one()
        flow = self.env.context.get("adlerdo_flow")
        if flow not in FLOWS:
            return False
        self.env["adlerdo.hub"]._adlerdo_call("run", flow)
        self.write(self._snapshot())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Sync started"),
                "message": self.env._("The hub runs the %s flow now.", flow),
                "type": "success",
            },
        }
