//! Fidelity of the Odoo emulator: every exchange recorded from real Odoo 18.0 and 19.0 servers
//! (`../shared/odoo/transcripts/`) is replayed against the emulator of that version, and the
//! answer is compared with the recorded one: HTTP status, envelope, error names and codes, and the
//! shape of results (keys, JSON types, float vs int, many2one pairs). Ids, dates, names and other
//! data-dependent values may differ; ids of records created during a file are remapped.
//!
//! Exchanges the emulator does not match yet are listed in `KNOWN_GAPS` with the reason; the test
//! fails on any other mismatch, and on a listed gap that now matches (so the list stays true).

use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::path::PathBuf;

use adlerdo::sim::odoo::{OdooSim, SANDBOX_API_KEY};
use serde_json::Value;

/// Full-record reads and `fields_get` of models with fields of modules the emulator does not
/// model (mail activities, accounting, user groups, images, 19's renamed stock fields).
const FIELDS: &str = "fields of modules the emulator does not model";
/// The recording run created these records in earlier files; their ids are not in this file.
const CROSSFILE: &str = "refers to records another recording created";
/// The 19.0 recordings ran on a demo database whose ids differ from the 18.0 one the seed follows.
const IDS19: &str = "refers to 19.0 demo records whose ids differ from the seed's";
/// The recorder trimmed the attributes of this answer (see the transcripts' README).
const TRIMMED: &str = "answer trimmed by the recorder";
/// Odoo 18 answers `/json/2` with a redirect to the web client; the emulator answers 404.
const V18_JSON2: &str = "18.0 redirects /json/2 to the web client";
/// `session_info` also carries the web client's own settings (menus, tours, views, discuss).
const SESSION_INFO: &str = "session_info keys of the web client";
/// API keys are created through the web client's identity check (models not emulated).
const APIKEYS: &str = "API key management models not emulated";

/// (file, exchange index, reason).
const KNOWN_GAPS: &[(&str, usize, &str)] = &[
    ("18.0/client-odoorpc.json", 4, FIELDS),
    ("18.0/client-odoorpc.json", 5, FIELDS),
    ("18.0/client-odoorpc.json", 6, FIELDS),
    ("18.0/client-odoorpc.json", 9, FIELDS),
    ("18.0/client-odoorpc.json", 11, FIELDS),
    ("18.0/client-odoorpc.json", 13, FIELDS),
    ("18.0/client-odoorpc.json", 16, FIELDS),
    ("18.0/client-odoorpc.json", 17, FIELDS),
    ("18.0/client-xmlrpc-stdlib.json", 4, FIELDS),
    ("18.0/json2-endpoint.json", 0, V18_JSON2),
    ("18.0/json2-endpoint.json", 1, V18_JSON2),
    ("18.0/json2-endpoint.json", 4, SESSION_INFO),
    ("18.0/json2-endpoint.json", 5, V18_JSON2),
    ("18.0/jsonrpc-error-missing-record.json", 0, CROSSFILE),
    ("18.0/jsonrpc-fields-get.json", 6, TRIMMED),
    ("18.0/jsonrpc-partner-unlink.json", 0, CROSSFILE),
    ("18.0/jsonrpc-partner-write.json", 0, CROSSFILE),
    ("18.0/jsonrpc-partner-write.json", 1, CROSSFILE),
    ("18.0/jsonrpc-partner-write.json", 2, CROSSFILE),
    ("18.0/jsonrpc-x2many-commands.json", 0, CROSSFILE),
    ("18.0/jsonrpc-x2many-commands.json", 2, CROSSFILE),
    ("18.0/jsonrpc-x2many-commands.json", 4, CROSSFILE),
    ("18.0/jsonrpc-x2many-commands.json", 5, CROSSFILE),
    ("18.0/jsonrpc-x2many-commands.json", 7, CROSSFILE),
    ("18.0/jsonrpc-x2many-commands.json", 8, CROSSFILE),
    ("18.0/web-dataset-call-kw.json", 0, SESSION_INFO),
    ("18.0/web-session-authenticate.json", 1, SESSION_INFO),
    ("18.0/web-session-destroy.json", 0, SESSION_INFO),
    ("18.0/web-session-get-session-info.json", 1, SESSION_INFO),
    ("18.0/web-session-get-session-info.json", 2, SESSION_INFO),
    ("18.0/xmlrpc-false-and-dates.json", 2, FIELDS),
    ("19.0/apikey_create_via_session.json", 0, SESSION_INFO),
    ("19.0/apikey_create_via_session.json", 1, APIKEYS),
    ("19.0/apikey_create_via_session.json", 2, APIKEYS),
    ("19.0/apikey_create_via_session.json", 3, APIKEYS),
    ("19.0/apikey_create_via_session.json", 4, APIKEYS),
    ("19.0/apikey_create_via_session.json", 5, APIKEYS),
    ("19.0/apikey_create_via_session.json", 6, APIKEYS),
    ("19.0/apikey_create_via_session.json", 7, APIKEYS),
    ("19.0/json2_create_partner_multi.json", 0, IDS19),
    ("19.0/json2_create_partner_multi.json", 1, IDS19),
    ("19.0/json2_error_validation.json", 0, IDS19),
    ("19.0/json2_error_validation.json", 1, IDS19),
    ("19.0/json2_fields_get.json", 0, FIELDS),
    ("19.0/json2_fields_get.json", 1, FIELDS),
    ("19.0/json2_fields_get.json", 2, FIELDS),
    ("19.0/json2_fields_get.json", 3, FIELDS),
    ("19.0/json2_fields_get.json", 4, FIELDS),
    ("19.0/json2_fields_get_renamed_fields.json", 0, FIELDS),
    ("19.0/json2_fields_get_renamed_fields.json", 1, FIELDS),
    ("19.0/json2_fields_get_renamed_fields.json", 3, FIELDS),
    ("19.0/json2_fields_get_renamed_fields.json", 5, FIELDS),
    ("19.0/json2_sale_order_create_confirm.json", 0, IDS19),
    ("19.0/json2_sale_order_create_confirm.json", 2, IDS19),
    ("19.0/json2_sale_order_create_confirm.json", 5, IDS19),
    ("19.0/json2_stock_quant_inventory.json", 5, IDS19),
    ("19.0/json2_unlink_partner.json", 0, IDS19),
    ("19.0/json2_write_partner.json", 0, IDS19),
    ("19.0/jsonrpc_error.json", 3, IDS19),
    ("19.0/xmlrpc2_execute_kw_search_read.json", 5, IDS19),
    ("19.0/xmlrpc2_execute_kw_search_read.json", 6, IDS19),
];

/// Endpoints the emulator serves so far; exchanges on others are reported as not replayed.
fn replayable(endpoint: &str) -> bool {
    endpoint == "/jsonrpc"
        || endpoint == "/web/webclient/version_info"
        || endpoint.starts_with("/xmlrpc/")
        || endpoint.starts_with("/json/2")
        || endpoint == "/web/version"
        || endpoint == "/json/version"
        || endpoint.starts_with("/web/session/")
        || endpoint.starts_with("/web/dataset/call_kw")
        || endpoint == "/web/database/list"
}

/// The session id in a `Cookie` or `Set-Cookie` header value.
fn session_cookie(header: &str) -> Option<String> {
    header
        .split([';', '|'])
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == "session_id")
        .map(|(_, v)| v.to_string())
}

/// Compares a JSON-2 answer: the bare result, or the exception object with its name.
fn compare_json2(recorded: &Value, ours: &Value) -> Result<(), String> {
    if let (Some(a), Some(b)) = (recorded.get("name"), ours.get("name"))
        && recorded.get("debug").is_some()
        && a != b
    {
        return Err(format!(
            "exception: recorded {a} ({}), got {b} ({})",
            recorded["message"], ours["message"]
        ));
    }
    same_shape(recorded, ours, "body")
}

/// The exception class on the last line of a fault's traceback (`TypeError`, ...).
fn exception_class(fault_string: &str) -> String {
    fault_string
        .lines()
        .last()
        .and_then(|l| l.split(':').next())
        .unwrap_or_default()
        .to_string()
}

/// Compares XML-RPC answers: success vs fault, fault codes (and the exception class of code 1
/// faults), and the shape of results.
fn compare_xmlrpc(recorded: &str, ours: &str) -> Result<(), String> {
    use adlerdo::rpc::xmlrpc::{FaultCode, Response, parse_response};
    let r = parse_response(recorded.as_bytes())
        .map_err(|e| format!("recorded answer unreadable: {e}"))?;
    let o =
        parse_response(ours.as_bytes()).map_err(|e| format!("answer unreadable: {e}: {ours}"))?;
    match (r, o) {
        (Response::Success(a), Response::Success(b)) => same_shape(&a, &b, "result"),
        (
            Response::Fault {
                code: ca,
                message: ma,
            },
            Response::Fault {
                code: cb,
                message: mb,
            },
        ) => {
            let same = match (&ca, &cb) {
                (FaultCode::Int(x), FaultCode::Int(y)) => {
                    x == y && (*x != 1 || exception_class(&ma) == exception_class(&mb))
                }
                (FaultCode::Text(x), FaultCode::Text(y)) => {
                    x.split("\n").next() == y.split("\n").next()
                }
                _ => false,
            };
            if same {
                Ok(())
            } else {
                Err(format!("fault: recorded {ca} {ma:?}, got {cb} {mb:?}"))
            }
        }
        (a, b) => Err(format!("recorded {a:?}, got {b:?}")),
    }
}

/// The XML-RPC method call of a request body, ids remapped.
fn remap_xml(raw: &str, ids: &HashMap<i64, i64>) -> String {
    use adlerdo::rpc::xmlrpc::{encode_call, parse_call};
    match parse_call(raw.as_bytes()) {
        Ok(call) => {
            let params: Vec<Value> = call.params.iter().map(|p| remap(p, ids)).collect();
            encode_call(&call.method, &params).unwrap_or_else(|_| raw.to_string())
        }
        Err(_) => raw.to_string(),
    }
}

/// Learns ids from an XML-RPC `create`.
fn learn_xml(raw: &str, recorded: &str, ours: &str, ids: &mut HashMap<i64, i64>) {
    use adlerdo::rpc::xmlrpc::{Response, parse_call, parse_response};
    let Ok(call) = parse_call(raw.as_bytes()) else {
        return;
    };
    if call.params.get(4).and_then(Value::as_str) != Some("create") {
        return;
    }
    if let (Ok(Response::Success(a)), Ok(Response::Success(b))) = (
        parse_response(recorded.as_bytes()),
        parse_response(ours.as_bytes()),
    ) {
        let wrap = |v: Value| -> Value {
            serde_json::json!({"params": {"args": [0, 0, 0, 0, "create"]}, "result": v})
        };
        learn(&wrap(Value::Null), &wrap(a), &wrap(b), ids);
    }
}

fn transcripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/odoo/transcripts")
}

/// Compares the shape of an answer with the recorded one; returns the first difference.
fn same_shape(recorded: &Value, ours: &Value, path: &str) -> Result<(), String> {
    use Value as V;
    match (recorded, ours) {
        // Empty values: Odoo's `false` stands for an empty char, date, many2one, ...
        (V::Bool(false), V::String(_) | V::Array(_) | V::Number(_))
        | (V::String(_) | V::Array(_) | V::Number(_), V::Bool(false)) => Ok(()),
        (V::Null, V::Null) | (V::Bool(_), V::Bool(_)) | (V::String(_), V::String(_)) => Ok(()),
        (V::Number(a), V::Number(b)) => {
            if a.is_f64() == b.is_f64() {
                Ok(())
            } else {
                Err(format!("{path}: recorded {a}, got {b} (float vs int)"))
            }
        }
        (V::Array(a), V::Array(b)) => {
            // A many2one pair [id, name].
            if a.len() == 2 && a[0].is_i64() && a[1].is_string() {
                return if b.len() == 2 && b[0].is_i64() && b[1].is_string() {
                    Ok(())
                } else {
                    Err(format!("{path}: recorded a many2one pair, got {ours}"))
                };
            }
            match (a.first(), b.first()) {
                (Some(x), Some(y)) => same_shape(x, y, &format!("{path}[0]")),
                _ => Ok(()),
            }
        }
        (V::Object(a), V::Object(b)) => {
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            let mut sa = ka.clone();
            sa.sort();
            let mut sb = kb.clone();
            sb.sort();
            if sa != sb {
                return Err(format!("{path}: recorded keys {sa:?}, got {sb:?}"));
            }
            for (k, v) in a {
                same_shape(v, &b[k], &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        _ => Err(format!("{path}: recorded {recorded}, got {ours}")),
    }
}

/// Compares a JSON-RPC envelope: ids, result vs error, error code and exception name, and the
/// result's shape.
fn compare_jsonrpc(recorded: &Value, ours: &Value) -> Result<(), String> {
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    if keys(recorded) != keys(ours) {
        return Err(format!(
            "envelope keys: recorded {:?}, got {:?} ({ours})",
            keys(recorded),
            keys(ours)
        ));
    }
    if recorded["id"] != ours["id"] {
        return Err(format!(
            "id: recorded {}, got {}",
            recorded["id"], ours["id"]
        ));
    }
    if let Some(err) = recorded.get("error") {
        let got = &ours["error"];
        for key in ["code", "message"] {
            if err[key] != got[key] {
                return Err(format!(
                    "error.{key}: recorded {}, got {}",
                    err[key], got[key]
                ));
            }
        }
        if err["data"]["name"] != got["data"]["name"] {
            return Err(format!(
                "exception: recorded {} ({}), got {} ({})",
                err["data"]["name"],
                err["data"]["message"],
                got["data"]["name"],
                got["data"]["message"]
            ));
        }
        return same_shape(&err["data"], &got["data"], "error.data");
    }
    match (recorded.get("result"), ours.get("result")) {
        (Some(a), Some(b)) => same_shape(a, b, "result"),
        _ => Ok(()),
    }
}

fn placeholder_key(value: &Value) -> Value {
    match value {
        Value::String(s) if s.contains("<API_KEY>") => {
            Value::String(s.replace("<API_KEY>", SANDBOX_API_KEY))
        }
        Value::Array(a) => Value::Array(a.iter().map(placeholder_key).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), placeholder_key(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replaces recorded ids of records created earlier in the file by the emulator's ids.
fn remap(value: &Value, ids: &HashMap<i64, i64>) -> Value {
    match value {
        Value::Number(n) => n
            .as_i64()
            .and_then(|i| ids.get(&i))
            .map_or_else(|| value.clone(), |m| Value::from(*m)),
        Value::Array(a) => Value::Array(a.iter().map(|v| remap(v, ids)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), remap(v, ids))).collect())
        }
        other => other.clone(),
    }
}

/// Learns recorded → emulator ids from the answers to `create`.
fn learn(request: &Value, recorded: &Value, ours: &Value, ids: &mut HashMap<i64, i64>) {
    let args = &request["params"]["args"];
    let method = args
        .get(4)
        .and_then(Value::as_str)
        .or_else(|| request["params"]["method"].as_str());
    if method != Some("create") {
        return;
    }
    match (&recorded["result"], &ours["result"]) {
        (Value::Number(a), Value::Number(b)) => {
            if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
                ids.insert(a, b);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (x, y) in a.iter().zip(b) {
                if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                    ids.insert(x, y);
                }
            }
        }
        _ => {}
    }
}

struct Outcome {
    replayed: usize,
    skipped: BTreeMap<String, usize>,
    mismatches: Vec<(String, usize, String)>,
}

async fn replay_version(dir: &str, version: u32, out: &mut Outcome) {
    let client = reqwest::Client::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(transcripts_dir().join(dir))
        .expect("transcripts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let name = format!(
            "{dir}/{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let sim = OdooSim::new(version)
            .start(TcpListener::bind("127.0.0.1:0").expect("bind"))
            .expect("start");
        let mut ids = HashMap::new();
        // Recorded (elided) session cookies → the emulator's.
        let mut cookies: HashMap<String, String> = HashMap::new();
        for (i, ex) in doc["exchanges"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let endpoint = ex["endpoint"].as_str().unwrap_or_default();
            if !replayable(endpoint) {
                *out.skipped.entry(endpoint.to_string()).or_default() += 1;
                continue;
            }
            out.replayed += 1;
            let method = reqwest::Method::from_bytes(
                ex["http_method"].as_str().unwrap_or("POST").as_bytes(),
            )
            .expect("method");
            let mut request = client.request(method, format!("{}{endpoint}", sim.url));
            for (k, v) in ex["request_headers"].as_object().into_iter().flatten() {
                let mut v = v
                    .as_str()
                    .unwrap_or_default()
                    .replace("<API_KEY>", SANDBOX_API_KEY);
                if k.eq_ignore_ascii_case("cookie")
                    && let Some(recorded) = session_cookie(&v)
                {
                    v = format!(
                        "session_id={}",
                        cookies.get(&recorded).cloned().unwrap_or(recorded)
                    );
                }
                request = request.header(k.as_str(), v);
            }
            // The 19.0 recordings show the API key as `<API_KEY>`: the emulator's own stands in.
            let body = &placeholder_key(&ex["request_body"]);
            let is_xml = endpoint.starts_with("/xmlrpc/");
            let sent = remap(body, &ids);
            request = match &sent {
                Value::Null => request,
                Value::String(raw) if is_xml => request.body(remap_xml(raw, &ids)),
                Value::String(raw) => request.body(raw.clone()),
                json => request.body(json.to_string()),
            };
            let response = request.send().await.expect("send");
            let status = response.status().as_u16();
            if let (Some(recorded), Some(ours)) = (
                ex["response_headers"]["Set-Cookie"]
                    .as_str()
                    .and_then(session_cookie),
                response
                    .headers()
                    .get("set-cookie")
                    .and_then(|v| v.to_str().ok())
                    .and_then(session_cookie),
            ) {
                cookies.insert(recorded, ours);
            }
            let text = response.text().await.expect("body");
            let recorded_status = ex["status"].as_u64().unwrap_or(0) as u16;
            let result = if status != recorded_status {
                Err(format!(
                    "status: recorded {recorded_status}, got {status}: {}",
                    text.chars().take(300).collect::<String>()
                ))
            } else {
                match &ex["response_body"] {
                    Value::String(raw) if is_xml && raw.starts_with("<?xml") => {
                        let r = compare_xmlrpc(raw, &text);
                        if r.is_ok()
                            && let Value::String(req) = body
                        {
                            learn_xml(req, raw, &text, &mut ids);
                        }
                        r
                    }
                    Value::String(raw) => {
                        if raw.len() < 200 && *raw != text {
                            Err(format!("body: recorded {raw:?}, got {text:?}"))
                        } else {
                            Ok(())
                        }
                    }
                    recorded => match serde_json::from_str::<Value>(&text) {
                        Ok(ours)
                            if endpoint.starts_with("/json/") || endpoint == "/web/version" =>
                        {
                            compare_json2(recorded, &ours)
                        }
                        Ok(ours) => {
                            let r = compare_jsonrpc(recorded, &ours);
                            if r.is_ok() {
                                learn(body, recorded, &ours, &mut ids);
                            }
                            r
                        }
                        Err(_) => Err(format!(
                            "not JSON: {}",
                            text.chars().take(200).collect::<String>()
                        )),
                    },
                }
            };
            if let Err(why) = result {
                out.mismatches.push((name.clone(), i, why));
            }
        }
        sim.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_matches_the_recorded_exchanges() {
    let mut out = Outcome {
        replayed: 0,
        skipped: BTreeMap::new(),
        mismatches: Vec::new(),
    };
    replay_version("18.0", 18, &mut out).await;
    replay_version("19.0", 19, &mut out).await;

    let known = |file: &str, i: usize| KNOWN_GAPS.iter().any(|(f, n, _)| *f == file && *n == i);
    let unexpected: Vec<&(String, usize, String)> = out
        .mismatches
        .iter()
        .filter(|(f, i, _)| !known(f, *i))
        .collect();
    let fixed: Vec<&(&str, usize, &str)> = KNOWN_GAPS
        .iter()
        .filter(|(f, n, _)| !out.mismatches.iter().any(|(mf, mi, _)| mf == f && mi == n))
        .collect();
    println!(
        "replayed {} exchanges: {} match, {} known gaps; not replayed (endpoint not served yet): {:?}",
        out.replayed,
        out.replayed - out.mismatches.len(),
        out.mismatches.len() - unexpected.len(),
        out.skipped
    );
    for (f, i, why) in &unexpected {
        println!("MISMATCH {f} #{i}: {why}");
    }
    assert!(
        unexpected.is_empty(),
        "{} exchanges differ from the recordings (listed above)",
        unexpected.len()
    );
    assert!(
        fixed.is_empty(),
        "these known gaps now match; remove them from KNOWN_GAPS: {fixed:?}"
    );
}
