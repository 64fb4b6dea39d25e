# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The hub's job queue (``adlerdo.job``), read live; failed jobs can be retried."""

# These transient models are live views of the hub's records, not wizards.
# pylint: disable=no-wizard-in-models

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.hub_client import HubError

JOB_STATES = [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("dead", "Failed")]


class AdlerdoHubJob(models.TransientModel):
    _name = "adlerdo.hub.job"
    _description = "AdlerDo hub job (read from the hub)"
    _order = "hub_id desc"
    _transient_max_hours = 1.0

    hub_id = fields.Integer(string="Hub id", readonly=True)
    kind = fields.Char(readonly=True)
    state = fields.Selection(JOB_STATES, readonly=True)
    attempts = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    finished_at = fields.Datetime(string="Finished on", readonly=True)

    @api.model
    def action_load_from_hub(self, limit=500):
        client = self.env["adlerdo.hub"]._adlerdo_client()
        try:
            jobs = client.search_read(
                "adlerdo.job", [("state", "=", "dead")],
                fields=["kind", "state", "attempts", "last_error", "finished_at"],
                limit=limit, order="id desc",
            )
        except HubError as exc:
            raise UserError(self.env._("AdlerDo hub: %s", exc)) from None
        records = self.create([
            {
                "hub_id": job["id"],
                "kind": job.get("kind") or "",
                "state": job.get("state") if job.get("state") in dict(JOB_STATES) else False,
                "attempts": job.get("attempts") or 0,
                "last_error": job.get("last_error") or False,
                "finished_at": job.get("finished_at") or False,
            }
            for job in jobs
        ])
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Failed jobs"),
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": [("id", "in", records.ids)],
            "context": {"create": False, "edit": False},
            "target": "current",
        }

    def action_retry(self):
        self.env["adlerdo.hub"]._adlerdo_call(
            "execute_kw", "adlerdo.job", "retry", [self.mapped("hub_id")]
        )
        self.write({"state": "queued"})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry queued"),
                "message": self.env._("The hub queued %s job(s) again.", len(self)),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
