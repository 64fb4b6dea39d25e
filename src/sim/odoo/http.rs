//! The emulator's HTTP surface: `/jsonrpc` with Odoo's envelope rules (any HTTP method with a
//! JSON body, `id` echoed, HTTP 200 for errors too, `result` left out for `None`), the
//! `/web/webclient/version_info` route and Odoo's HTML 400/404 answers.

use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};

use super::service::Server;
use crate::rpc::error::OdooException;
use crate::rpc::pysig::{Signature, req};
use crate::rpc::xmlrpc;

pub type Shared = Arc<Mutex<Server>>;

const RPC_JSONRPC: Signature = Signature {
    qualname: "RPC.jsonrpc",
    params: &[req("service"), req("method"), req("args")],
    method: true,
    var_kwargs: false,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/jsonrpc", web::to(jsonrpc))
        .route("/xmlrpc/2/{service}", web::to(xmlrpc_2))
        .route("/xmlrpc/{service}", web::to(xmlrpc_legacy))
        .route("/web/webclient/version_info", web::to(version_info))
        .route("/web/session/authenticate", web::to(session_authenticate))
        .route("/web/session/get_session_info", web::to(session_info))
        .route("/web/session/check", web::to(session_check))
        .route("/web/session/destroy", web::to(session_destroy))
        .route("/web/database/list", web::to(database_list))
        .route("/web/dataset/call_kw", web::to(call_kw))
        .route("/web/dataset/call_kw/{tail:.*}", web::to(call_kw))
        .route("/web/version", web::get().to(web_version))
        .route("/json/version", web::get().to(web_version))
        .route("/json/2/{model}/{method}", web::to(json2))
        .route("/json/2/{tail:.*}", web::to(json2_not_found))
        .default_service(web::to(not_found));
}

const JSON: &str = "application/json; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const XML: &str = "text/xml; charset=utf-8";

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status).content_type(HTML).body(body)
}

/// Werkzeug's error page.
fn error_page(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(
        status,
        format!(
            "<!doctype html>\n<html lang=en>\n<title>{} {title}</title>\n<h1>{title}</h1>\n<p>{text}</p>\n",
            status.as_u16()
        ),
    )
}

async fn not_found() -> HttpResponse {
    error_page(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

/// Whether the request is a JSON one, as Odoo's dispatcher infers it from the Content-Type.
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|ct| ct == "application/json" || ct == "application/json-rpc")
}

fn not_json_route(req: &HttpRequest, path: &str) -> HttpResponse {
    if req.method() == actix_web::http::Method::HEAD {
        return html(StatusCode::BAD_REQUEST, String::new());
    }
    error_page(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        &format!(
            "Request inferred type is compatible with [&#39;http&#39;] but &#39;{path}&#39; is type=&#39;json&#39;."
        ),
    )
}

/// The parsed JSON-RPC request (or the 400 answer for a broken one).
fn envelope(
    req: &HttpRequest,
    body: &Bytes,
) -> Result<(Value, Map<String, Value>), Box<HttpResponse>> {
    if !is_json(req) {
        return Err(Box::new(not_json_route(req, req.path())));
    }
    let parsed: Value = serde_json::from_slice(body)
        .map_err(|_| Box::new(html(StatusCode::BAD_REQUEST, "Invalid JSON data".into())))?;
    let Value::Object(obj) = parsed else {
        return Err(Box::new(html(
            StatusCode::BAD_REQUEST,
            "Invalid JSON-RPC data".into(),
        )));
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    Ok((id, obj))
}

fn answer(id: Value, result: Result<Option<Value>, OdooException>, version: u32) -> HttpResponse {
    let mut out = Map::new();
    out.insert("jsonrpc".into(), json!("2.0"));
    out.insert("id".into(), id);
    match result {
        Ok(Some(v)) => {
            out.insert("result".into(), v);
        }
        Ok(None) => {}
        Err(e) => {
            out.insert("error".into(), e.jsonrpc_error(version));
        }
    }
    HttpResponse::Ok()
        .content_type(JSON)
        .body(Value::Object(out).to_string())
}

/// `params` turned into keyword arguments, as Python's `dict(params)` would.
fn params_of(obj: &Map<String, Value>) -> Result<Map<String, Value>, OdooException> {
    match obj.get("params") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(p)) => Ok(p.clone()),
        Some(Value::Array(items)) => Err(match items.first() {
            Some(Value::String(s)) => OdooException::value(format!(
                "dictionary update sequence element #0 has length {}; 2 is required",
                s.chars().count()
            )),
            Some(Value::Array(a)) if a.len() != 2 => OdooException::value(format!(
                "dictionary update sequence element #0 has length {}; 2 is required",
                a.len()
            )),
            _ => OdooException::type_error(
                "cannot convert dictionary update sequence element #0 to a sequence",
            ),
        }),
        Some(other) => Err(OdooException::type_error(format!(
            "'{other}' object is not iterable"
        ))),
    }
}

async fn jsonrpc(request: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, obj) = match envelope(&request, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let server = Arc::clone(&server);
    let version = server.lock().map(|s| s.version).unwrap_or(18);
    let outcome = web::block(move || -> Result<Option<Value>, OdooException> {
        let params = params_of(&obj)?;
        // Only the route's own parameters are passed; extra keys are ignored.
        let known: Map<String, Value> = params
            .into_iter()
            .filter(|(k, _)| matches!(k.as_str(), "service" | "method" | "args"))
            .collect();
        let bound = RPC_JSONRPC.bind(&[], &known)?;
        let service = bound
            .get("service")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let method = bound
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let args = match bound.get("args") {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        };
        let mut guard = server.lock().map_err(|_| {
            OdooException::new(
                crate::rpc::error::ExceptionKind::Exception,
                "emulator state poisoned",
            )
        })?;
        guard.dispatch(&service, &method, &args)
    })
    .await;
    match outcome {
        Ok(result) => answer(id, result, version),
        Err(e) => HttpResponse::InternalServerError()
            .content_type(HTML)
            .body(format!("emulator task failed: {e}")),
    }
}

async fn version_info(req: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, _) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let (version, mut info) = match server.lock() {
        Ok(s) => (s.version, s.version_info()),
        Err(_) => return HttpResponse::InternalServerError().finish(),
    };
    if version >= 19
        && let Some(o) = info.as_object_mut()
    {
        o.remove("protocol_version");
    }
    answer(id, Ok(Some(info)), version)
}

/// Which fault encoding an XML-RPC route uses.
#[derive(Clone, Copy)]
enum Faults {
    /// `/xmlrpc/2`: int codes.
    Int,
    /// `/xmlrpc`: string codes.
    Legacy,
}

async fn xmlrpc_2(
    req: HttpRequest,
    service: web::Path<String>,
    body: Bytes,
    server: web::Data<Shared>,
) -> HttpResponse {
    xmlrpc(req, service.into_inner(), body, server, Faults::Int).await
}

async fn xmlrpc_legacy(
    req: HttpRequest,
    service: web::Path<String>,
    body: Bytes,
    server: web::Data<Shared>,
) -> HttpResponse {
    xmlrpc(req, service.into_inner(), body, server, Faults::Legacy).await
}

fn fault_response(code: &xmlrpc::FaultCode, message: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(XML)
        .body(xmlrpc::encode_fault(code, message))
}

fn exception_fault(e: &OdooException, faults: Faults) -> HttpResponse {
    match faults {
        Faults::Int => {
            let (code, message) = e.xmlrpc_fault();
            fault_response(&xmlrpc::FaultCode::Int(code), &message)
        }
        Faults::Legacy => {
            let (code, message) = e.xmlrpc_legacy_fault();
            fault_response(&xmlrpc::FaultCode::Text(code), &message)
        }
    }
}

/// An application error that is not an Odoo exception (marshalling, parsing): fault 1 with
/// the traceback, or on the legacy route the exception text as the code.
fn application_fault(traceback: &str, exception_line: &str, faults: Faults) -> HttpResponse {
    match faults {
        Faults::Int => fault_response(
            &xmlrpc::FaultCode::Int(xmlrpc::FAULT_CODE_APPLICATION),
            traceback,
        ),
        Faults::Legacy => fault_response(
            &xmlrpc::FaultCode::Text(exception_line.to_string()),
            traceback,
        ),
    }
}

async fn xmlrpc(
    req: HttpRequest,
    service: String,
    body: Bytes,
    server: web::Data<Shared>,
    faults: Faults,
) -> HttpResponse {
    if req.method() != actix_web::http::Method::POST {
        return error_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "The method is not allowed for the requested URL.",
        );
    }
    let call = match xmlrpc::parse_call(&body) {
        Ok(call) => call,
        Err(e) => {
            let traceback = e.malformed_xml_fault_string().unwrap_or_else(|| {
                format!(
                    "{}xmlrpc.client.ResponseError: {e}",
                    xmlrpc::ELIDED_TRACEBACK_PREFIX
                )
            });
            return application_fault(&traceback, &e.to_string(), faults);
        }
    };
    let server = Arc::clone(&server);
    let outcome = web::block(move || -> Result<Option<Value>, OdooException> {
        let mut guard = server.lock().map_err(|_| {
            OdooException::new(
                crate::rpc::error::ExceptionKind::Exception,
                "emulator state poisoned",
            )
        })?;
        guard.dispatch(&service, &call.method, &call.params)
    })
    .await;
    match outcome {
        Ok(Ok(Some(value))) => match xmlrpc::encode_response(&value) {
            Ok(xml) => HttpResponse::Ok().content_type(XML).body(xml),
            Err(e) => application_fault(&e.fault_string(), &e.python_exception(), faults),
        },
        // Odoo marshals with allow_none=False: a None result is a fault (after the commit).
        Ok(Ok(None)) => application_fault(
            &format!(
                "{}{}",
                xmlrpc::ELIDED_TRACEBACK_PREFIX,
                xmlrpc::NONE_FAULT_EXCEPTION
            ),
            "cannot marshal None unless allow_none is enabled",
            faults,
        ),
        Ok(Err(e)) => exception_fault(&e, faults),
        Err(e) => HttpResponse::InternalServerError()
            .content_type(HTML)
            .body(format!("emulator task failed: {e}")),
    }
}

/// `werkzeug` HTTP errors and Odoo exceptions as JSON-2 answers them:
/// `{name, message, arguments, context, debug}`.
fn json2_error(status: StatusCode, name: &str, message: &str, with_status: bool) -> HttpResponse {
    let title = status.canonical_reason().unwrap_or_default();
    let mut arguments = vec![json!(message)];
    let debug = if with_status {
        arguments.push(json!(status.as_u16()));
        format!(
            "Traceback (most recent call last):\n...\n{name}: {} {title}: {message}",
            status.as_u16()
        )
    } else {
        format!("Traceback (most recent call last):\n...\n{name}: {message}")
    };
    let body = json!({"name": name, "message": message, "arguments": arguments, "context": {}, "debug": debug});
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header(("WWW-Authenticate", "Bearer "));
    }
    response.content_type(JSON).body(body.to_string())
}

fn json2_exception(e: &OdooException) -> HttpResponse {
    let status =
        StatusCode::from_u16(e.json2_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = e.jsonrpc_data();
    if let Some(o) = body.as_object_mut() {
        // Odoo 19 orders the members name, message, arguments, context, debug.
        let debug = o.remove("debug").unwrap_or(Value::Null);
        o.insert("debug".into(), debug);
    }
    HttpResponse::build(status)
        .content_type(JSON)
        .body(body.to_string())
}

async fn json2_not_found() -> HttpResponse {
    json2_error(
        StatusCode::NOT_FOUND,
        "werkzeug.exceptions.NotFound",
        "Did you mean POST /json/2/<model>/<method>?",
        true,
    )
}

async fn json2(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
    server: web::Data<Shared>,
) -> HttpResponse {
    let version = server.lock().map(|s| s.version).unwrap_or(18);
    if version < 19 {
        return not_found().await;
    }
    if req.method() != actix_web::http::Method::POST {
        return json2_not_found().await;
    }
    if !is_json(&req) {
        return error_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.",
        );
    }
    let key = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, key) = v.trim().split_once(char::is_whitespace)?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| key.trim().to_string())
        });
    let Some(key) = key else {
        return json2_error(
            StatusCode::UNAUTHORIZED,
            "werkzeug.exceptions.Unauthorized",
            "User not authenticated, use an API Key with a Bearer Authorization header.",
            true,
        );
    };
    let db = server.lock().map(|s| s.db_name.clone()).unwrap_or_default();
    if let Some(asked) = req
        .headers()
        .get("X-Odoo-Database")
        .and_then(|v| v.to_str().ok())
        && asked != db
    {
        return html(
            StatusCode::NOT_FOUND,
            "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n".into(),
        );
    }
    let Some(uid) = server.lock().ok().and_then(|s| s.uid_for_key(&key)) else {
        return json2_error(
            StatusCode::UNAUTHORIZED,
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
            true,
        );
    };
    let args: Map<String, Value> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(o)) => o,
        Ok(_) => Map::new(),
        Err(e) => {
            return json2_error(
                StatusCode::BAD_REQUEST,
                "werkzeug.exceptions.BadRequest",
                &format!("could not parse the body as json: {e}"),
                true,
            );
        }
    };
    let (model, method) = path.into_inner();
    let server = Arc::clone(&server);
    let outcome = web::block(move || {
        let mut guard = server.lock().map_err(|_| {
            super::methods::Json2Refusal::NotFound("emulator state poisoned".into())
        })?;
        guard.call_json2(uid, &model, &method, &args)
    })
    .await;
    match outcome {
        Ok(Ok(result)) => HttpResponse::Ok()
            .content_type(JSON)
            .body(result.unwrap_or(Value::Null).to_string()),
        Ok(Err(super::methods::Json2Refusal::NotFound(m))) => json2_error(
            StatusCode::NOT_FOUND,
            "werkzeug.exceptions.NotFound",
            &m,
            true,
        ),
        Ok(Err(super::methods::Json2Refusal::Unprocessable(m))) => json2_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "werkzeug.exceptions.UnprocessableEntity",
            &m,
            true,
        ),
        Ok(Err(super::methods::Json2Refusal::Exception(e))) => json2_exception(&e),
        Err(e) => HttpResponse::InternalServerError()
            .content_type(HTML)
            .body(format!("emulator task failed: {e}")),
    }
}

/// `GET /web/version` (19).
async fn web_version(server: web::Data<Shared>) -> HttpResponse {
    let version = server.lock().map(|s| s.version).unwrap_or(18);
    if version < 19 {
        return not_found().await;
    }
    HttpResponse::Ok().content_type(JSON).body(
        json!({"version_info": [version, 0, 0, "final", 0, ""], "version": format!("{version}.0")})
            .to_string(),
    )
}

const SESSION_DAYS: i64 = 7;

fn session_cookie(sid: &str) -> String {
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    format!(
        "session_id={sid}; Expires={}; Max-Age={}; HttpOnly; Path=/",
        expires.format("%a, %d %b %Y %H:%M:%S GMT"),
        SESSION_DAYS * 24 * 3600
    )
}

fn session_of(req: &HttpRequest) -> Option<String> {
    // (actix-web's cookie feature is off: the header is read by hand.)
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == "session_id")
        .map(|(_, value)| value.to_string())
}

fn session_expired() -> OdooException {
    OdooException::new(
        crate::rpc::error::ExceptionKind::SessionExpired,
        "Session expired",
    )
}

/// A JSON route's answer, with the session cookie when there is one.
fn json_answer(
    id: Value,
    result: Result<Option<Value>, OdooException>,
    version: u32,
    cookie: Option<&str>,
) -> HttpResponse {
    // Odoo answers a session error before it has read the request id.
    let id = match &result {
        Err(e) if e.kind == crate::rpc::error::ExceptionKind::SessionExpired => Value::Null,
        _ => id,
    };
    let mut response = answer(id, result, version);
    if let Some(sid) = cookie
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&session_cookie(sid))
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::SET_COOKIE, value);
    }
    response
}

async fn session_authenticate(
    req: HttpRequest,
    body: Bytes,
    server: web::Data<Shared>,
) -> HttpResponse {
    let (id, obj) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let params = obj
        .get("params")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let get = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let base_url = format!("http://{}", req.connection_info().host());
    let Ok(mut s) = server.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    let version = s.version;
    match s.web_login(&get("db"), &get("login"), &get("password")) {
        Ok((sid, uid)) => {
            let info = s.session_info(uid, &base_url);
            json_answer(id, Ok(Some(info)), version, Some(&sid))
        }
        Err(e) => json_answer(id, Err(e), version, None),
    }
}

/// The uid of the request's session, or Odoo's "Session expired".
fn session_uid(
    req: &HttpRequest,
    s: &super::service::Server,
) -> Result<(String, i64), OdooException> {
    let sid = session_of(req).ok_or_else(session_expired)?;
    let uid = s.sessions.get(&sid).copied().ok_or_else(session_expired)?;
    Ok((sid, uid))
}

async fn session_info(req: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, _) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let base_url = format!("http://{}", req.connection_info().host());
    let Ok(s) = server.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    match session_uid(&req, &s) {
        Ok((sid, uid)) => json_answer(
            id,
            Ok(Some(s.session_info(uid, &base_url))),
            s.version,
            Some(&sid),
        ),
        Err(e) => json_answer(id, Err(e), s.version, None),
    }
}

async fn session_check(req: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, _) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let Ok(s) = server.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    match session_uid(&req, &s) {
        Ok(_) => json_answer(id, Ok(None), s.version, None),
        Err(e) => json_answer(id, Err(e), s.version, None),
    }
}

async fn session_destroy(req: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, _) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let Ok(mut s) = server.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    if let Some(sid) = session_of(&req) {
        s.sessions.remove(&sid);
    }
    json_answer(id, Ok(None), s.version, None)
}

async fn database_list(req: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, _) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let Ok(s) = server.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    json_answer(id, Ok(Some(json!([s.db_name]))), s.version, None)
}

const DATASET_CALL_KW: Signature = Signature {
    qualname: "DataSet.call_kw",
    params: &[req("model"), req("method"), req("args"), req("kwargs")],
    method: true,
    var_kwargs: false,
};

/// `/web/dataset/call_kw[/...]`: `call_kw` as the session's user, with the session's context.
async fn call_kw(req: HttpRequest, body: Bytes, server: web::Data<Shared>) -> HttpResponse {
    let (id, obj) = match envelope(&req, &body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let server = Arc::clone(&server);
    let session = session_of(&req);
    let outcome = web::block(
        move || -> (u32, Result<Option<Value>, OdooException>, bool) {
            let Ok(mut s) = server.lock() else {
                return (
                    18,
                    Err(OdooException::new(
                        crate::rpc::error::ExceptionKind::Exception,
                        "emulator state poisoned",
                    )),
                    false,
                );
            };
            let version = s.version;
            let Some(uid) = session
                .as_ref()
                .and_then(|sid| s.sessions.get(sid).copied())
            else {
                return (version, Err(session_expired()), false);
            };
            let params = match params_of(&obj) {
                Ok(p) => p,
                Err(e) => return (version, Err(e), false),
            };
            let bound = match DATASET_CALL_KW.bind(&[], &params) {
                Ok(b) => b,
                Err(e) => return (version, Err(e), false),
            };
            let model = bound
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if s.store.reg.model(&model).is_none() {
                return (version, Ok(None), true);
            }
            let method = bound
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let args = bound
                .get("args")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut kwargs = bound
                .get("kwargs")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            // The session's user context, under the call's own.
            let mut context = json!({"lang": "en_US", "tz": "Europe/Brussels", "uid": uid})
                .as_object()
                .cloned()
                .unwrap_or_default();
            if let Some(Value::Object(own)) = kwargs.get("context") {
                context.extend(own.clone());
            }
            kwargs.insert("context".into(), Value::Object(context));
            (version, s.call(uid, &model, &method, &args, &kwargs), false)
        },
    )
    .await;
    match outcome {
        // An unknown model is a werkzeug NotFound inside the JSON route.
        Ok((_, _, true)) => {
            let mut out = Map::new();
            out.insert("jsonrpc".into(), json!("2.0"));
            out.insert("id".into(), Value::Null);
            let message = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
            out.insert(
                "error".into(),
                json!({"code": 404, "message": "404: Not Found", "data": {
                    "name": "werkzeug.exceptions.NotFound",
                    "debug": format!("Traceback (most recent call last):\n...\nwerkzeug.exceptions.NotFound: 404 Not Found: {message}"),
                    "message": format!("404 Not Found: {message}"),
                    "arguments": [],
                    "context": {},
                }}),
            );
            HttpResponse::Ok()
                .content_type(JSON)
                .body(Value::Object(out).to_string())
        }
        Ok((version, result, false)) => json_answer(id, result, version, None),
        Err(e) => HttpResponse::InternalServerError()
            .content_type(HTML)
            .body(format!("emulator task failed: {e}")),
    }
}
