//! The hub's status page at `/` (server-rendered HTML, no build step, no script): the four
//! flows with their counts, lags and last errors, each marketplace account, the orders that need
//! a person, and the job queue. It refreshes itself every few seconds.

use std::fmt::Write as _;

use actix_web::HttpResponse;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::orders as o;
use crate::error::AppError;
use crate::jobs::now_ms;
use crate::state::AppState;

/// Seconds between the page's own refreshes.
const REFRESH_SECS: u32 = 5;

/// Orders listed in each of the page's order tables.
const LISTED: i64 = 15;

/// Text made safe for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON figure as text: `false` (Odoo's "nothing") is a dash.
fn show(v: &Value) -> String {
    match v {
        Value::Null | Value::Bool(false) => "–".into(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.is_empty() => "–".into(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", show(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn lag(v: &Value) -> String {
    match v.as_i64() {
        Some(s) if s < 120 => format!("{s} s"),
        Some(s) if s < 7200 => format!("{} min", s / 60),
        Some(s) => format!("{} h", s / 3600),
        None => "–".into(),
    }
}

/// An error cell: red when there is one.
fn error_cell(v: &Value) -> String {
    match v.as_str() {
        Some(e) if !e.is_empty() => format!("<td class=\"err\">{}</td>", esc(e)),
        _ => "<td class=\"ok\">none</td>".into(),
    }
}

type OrderRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    f64,
    Option<String>,
    Option<String>,
);

fn orders_where(c: &mut crate::db::DbConnection, states: &[&str]) -> QueryResult<Vec<OrderRow>> {
    o::table
        .filter(o::state.eq_any(states))
        .order(o::updated_at.desc())
        .limit(LISTED)
        .select((
            o::id,
            o::external_id,
            o::state,
            o::odoo_order_name,
            o::currency,
            o::amount_total,
            o::failure_reason,
            o::buyer_name,
        ))
        .load(c)
}

fn orders_table(html: &mut String, title: &str, id: &str, rows: &[OrderRow]) {
    let _ = write!(html, "<section id=\"{id}\"><h2>{}</h2>", esc(title));
    if rows.is_empty() {
        html.push_str("<p class=\"muted\">None.</p></section>");
        return;
    }
    html.push_str(
        "<table><tr><th>Order</th><th>Buyer</th><th>State</th><th>Odoo</th><th>Total</th><th>Reason</th></tr>",
    );
    for (_, ext, st, odoo, currency, total, reason, buyer) in rows {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"state-{}\">{}</td><td>{}</td><td>{:.2} {}</td><td>{}</td></tr>",
            esc(ext),
            esc(buyer.as_deref().unwrap_or("")),
            esc(st),
            esc(st),
            esc(odoo.as_deref().unwrap_or("–")),
            total,
            esc(currency),
            esc(reason.as_deref().unwrap_or("")),
        );
    }
    html.push_str("</table></section>");
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;\
padding:0 1rem;color:#1d2327}h1{font-size:1.5rem;margin:0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;\
border-bottom:1px solid #dcdcde;vertical-align:top}th{background:#f6f7f7}.err{color:#b32d2e}\
.ok{color:#2a7a2a}.muted{color:#646970}.badge{display:inline-block;padding:.1rem .5rem;\
border-radius:.6rem;background:#e7f0fa;margin-right:.4rem}.state-failed,.state-unmapped{color:#b32d2e}\
.state-confirmed{color:#2a7a2a}header p{margin:.3rem 0}";

/// `GET /` for a browser.
pub async fn page(state: &AppState) -> Result<HttpResponse, AppError> {
    let now = now_ms();
    let st = state.clone();
    let (status, attention, recent) = state
        .db
        .run(move |c| {
            let status = crate::facade::sync::hub_status(c, &st, now);
            let attention = orders_where(c, &["unmapped", "failed"])?;
            let recent = orders_where(
                c,
                &[
                    "received",
                    "sent",
                    "confirmed",
                    "cancelled",
                    "unmapped",
                    "failed",
                ],
            )?;
            Ok((status, attention, recent))
        })
        .await?;
    let status = status.map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let mut html = String::with_capacity(16 * 1024);
    let hub = &status["hub"];
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>AdlerDo status</title><style>{STYLE}</style></head><body>\
         <header><h1>AdlerDo</h1><p><span class=\"badge\" id=\"mode\">{mode}</span>\
         version {version} · Odoo <code>{odoo}</code> · {time} UTC</p>",
        mode = esc(&show(&hub["mode"])),
        version = esc(&show(&hub["version"])),
        odoo = esc(&show(&hub["odoo_url"])),
        time = esc(&show(&hub["time"])),
    );
    if hub["mode"] == "sandbox" {
        html.push_str(
            "<p class=\"muted\">Sandbox mode: an Odoo emulator and marketplace simulators stand in \
             for the real systems; simulated buyers place orders now and then. The figures below \
             are live.</p>",
        );
    }
    html.push_str("</header>");

    // The four flows.
    let flows = &status["flows"];
    html.push_str(
        "<section id=\"flows\"><h2>Flows</h2><table><tr><th>Flow</th><th>Figures</th>\
         <th>Lag</th><th>Queued</th><th>Failed jobs</th><th>Last error</th></tr>",
    );
    let p = &flows["products"];
    let s = &flows["stock"];
    let ord = &flows["orders"];
    let push = &flows["push"];
    let rows = [
        (
            "products",
            "1. Products Odoo → hub",
            format!(
                "{} products, {} active",
                show(&p["products"]),
                show(&p["active"])
            ),
            &p["lag_seconds"],
            p,
        ),
        (
            "stock",
            "2. Stock Odoo → marketplaces",
            format!(
                "{} variants with stock, {} quantities waiting",
                show(&s["products_with_stock"]),
                show(&s["waiting"])
            ),
            &s["lag_seconds"],
            s,
        ),
        (
            "orders",
            "3. Orders marketplaces → Odoo",
            format!(
                "{} · {} waiting for a SKU mapping",
                show(&ord["by_state"]),
                show(&ord["waiting_for_mapping"])
            ),
            &ord["lag_seconds"],
            ord,
        ),
        (
            "push",
            "4. Products hub → Odoo",
            format!(
                "{} waiting, {} errors, {} conflicts",
                show(&push["waiting"]),
                show(&push["errors"]),
                show(&push["conflicts"])
            ),
            &Value::Null,
            push,
        ),
    ];
    for (id, name, figures, lag_v, flow) in rows {
        let _ = write!(
            html,
            "<tr id=\"flow-{id}\"><td>{}</td><td class=\"figures\">{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
            esc(name),
            esc(&figures),
            lag(lag_v),
            esc(&show(&flow["queued"])),
            esc(&show(&flow["failed_jobs"])),
            error_cell(&flow["last_error"]),
        );
    }
    html.push_str("</table></section>");

    // Marketplace accounts.
    html.push_str(
        "<section id=\"accounts\"><h2>Marketplace accounts</h2><table><tr><th>Account</th>\
         <th>Enabled</th><th>Listings</th><th>Stock waiting</th><th>Last stock push</th>\
         <th>Orders</th><th>Last order poll</th><th>Last error</th></tr>",
    );
    for a in status["marketplaces"].as_array().into_iter().flatten() {
        let _ = write!(
            html,
            "<tr class=\"account\"><td>{} <span class=\"muted\">{}</span></td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
            esc(&show(&a["name"])),
            esc(&show(&a["kind"])),
            if a["enabled"] == true { "yes" } else { "no" },
            esc(&show(&a["listings_by_status"])),
            esc(&show(&a["stock_waiting"])),
            esc(&show(&a["last_stock_push"])),
            esc(&show(&a["orders"])),
            esc(&show(&a["orders_last_poll"])),
            error_cell(if a["orders_poll_error"].is_string() {
                &a["orders_poll_error"]
            } else {
                &a["last_error"]
            }),
        );
    }
    html.push_str("</table></section>");

    orders_table(
        &mut html,
        "Orders that need someone",
        "attention",
        &attention,
    );
    orders_table(&mut html, "Latest orders", "orders", &recent);

    // The queue.
    let totals = &status["queue"]["totals"];
    let _ = write!(
        html,
        "<section id=\"queue\"><h2>Job queue</h2><p><span class=\"badge\">waiting {}</span>\
         <span class=\"badge\">running {}</span><span class=\"badge\">dead {}</span>\
         <span class=\"badge\">done {}</span></p><table><tr><th>Kind</th><th>By state</th></tr>",
        show(&totals["queued"]),
        show(&totals["running"]),
        show(&totals["dead"]),
        show(&totals["done"]),
    );
    if let Some(kinds) = status["queue"]["by_kind"].as_object() {
        for (kind, states) in kinds {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(kind),
                esc(&show(states))
            );
        }
    }
    html.push_str(
        "</table></section><footer><p class=\"muted\">JSON: <code>GET /</code> with \
         <code>Accept: application/json</code>, <a href=\"/health\">/health</a>, \
         <a href=\"/metrics\">/metrics</a>, and <code>adlerdo.sync.status()</code> through the \
         Odoo-compatible facade.</p></footer></body></html>",
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_escaped_and_figures_shown() {
        assert_eq!(
            esc("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert_eq!(show(&json!(false)), "–");
        assert_eq!(
            show(&json!({"confirmed": 3, "failed": 1})),
            "confirmed: 3, failed: 1"
        );
        assert_eq!(lag(&json!(30)), "30 s");
        assert_eq!(lag(&json!(600)), "10 min");
        assert_eq!(lag(&json!(false)), "–");
        assert!(error_cell(&json!("<script>")).contains("&lt;script&gt;"));
    }
}
