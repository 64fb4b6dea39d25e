//! Odoo's RPC routes, for any [`Backend`]: the Odoo emulator and the hub's facade answer with
//! the same code. `/jsonrpc` with Odoo's envelope rules (any HTTP method with a JSON body, `id`
//! echoed, HTTP 200 for errors too, `result` left out for `None`), `/xmlrpc/2/<service>` (int
//! fault codes) and `/xmlrpc/<service>` (string fault codes), the web session routes,
//! `/web/dataset/call_kw`, `/web/webclient/version_info` and JSON-2 (`/json/2/<model>/<method>`
//! with a bearer key), with werkzeug's HTML 400/404/405 pages where Odoo gives them.

use std::future::Future;
use std::net::IpAddr;

use actix_web::http::header::{CONTENT_TYPE, HeaderValue, SET_COOKIE};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::error::{ExceptionKind, OdooException};
use super::pysig::{Signature, req};
use super::xmlrpc;

/// `None` stands for Python's `None` (a JSON-RPC answer without `result`).
pub type Outcome = Option<Value>;

/// How a JSON-2 call failed before its method ran: the werkzeug HTTP error it becomes, or the
/// method's own exception.
#[derive(Debug)]
pub enum Json2Refusal {
    NotFound(String),
    Unprocessable(String),
    Exception(OdooException),
}

impl From<OdooException> for Json2Refusal {
    fn from(e: OdooException) -> Self {
        Self::Exception(e)
    }
}

/// Who is calling: what login throttling and logs need.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub ip: Option<IpAddr>,
}

/// What serves Odoo's RPC: the services (`common`, `db`, `object`), web sessions, `call_kw` and
/// JSON-2.
pub trait Backend: Send + Sync + 'static {
    /// The Odoo major version whose envelopes and error shapes are spoken.
    fn version(&self) -> u32;

    /// Whether `/json/2` is served (Odoo 19+).
    fn serves_json2(&self) -> bool {
        self.version() >= 19
    }

    /// The largest request body read.
    fn body_limit(&self) -> usize;

    /// `common.version()` (also `/web/webclient/version_info`).
    fn version_info(&self) -> Value;

    /// The database names (`/web/database/list`, the JSON-2 `X-Odoo-Database` check).
    fn databases(&self) -> Vec<String>;

    /// `dispatch_rpc(service, method, args)`.
    fn dispatch(
        &self,
        caller: Caller,
        service: String,
        method: String,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Outcome, OdooException>> + Send;

    /// `/web/session/authenticate`: a new session id and its uid.
    fn web_login(
        &self,
        caller: Caller,
        db: String,
        login: String,
        password: String,
    ) -> impl Future<Output = Result<(String, i64), OdooException>> + Send;

    /// The uid of a live session.
    fn session_uid(&self, sid: &str) -> Option<i64>;

    /// Ends a session.
    fn end_session(&self, sid: &str);

    /// `ir.http.session_info()` for `uid`.
    fn session_info(&self, uid: i64, base_url: &str) -> impl Future<Output = Value> + Send;

    /// Whether `model` exists (an unknown model on `call_kw` is a 404).
    fn has_model(&self, model: &str) -> bool;

    /// `model.method(*args, **kwargs)` as `uid` (`/web/dataset/call_kw`).
    fn call(
        &self,
        uid: i64,
        model: String,
        method: String,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> impl Future<Output = Result<Outcome, OdooException>> + Send;

    /// The uid a JSON-2 bearer key belongs to.
    fn uid_for_key(&self, caller: Caller, key: String) -> impl Future<Output = Option<i64>> + Send;

    /// `POST /json/2/<model>/<method>` as `uid`.
    fn call_json2(
        &self,
        uid: i64,
        model: String,
        method: String,
        body: Map<String, Value>,
    ) -> impl Future<Output = Result<Outcome, Json2Refusal>> + Send;
}

/// Registers the routes (no default service: the application keeps its own).
pub fn configure<B: Backend>(cfg: &mut web::ServiceConfig) {
    cfg.route("/jsonrpc", web::to(jsonrpc::<B>))
        .route("/xmlrpc/2/{service}", web::to(xmlrpc_2::<B>))
        .route("/xmlrpc/{service}", web::to(xmlrpc_legacy::<B>))
        .route("/web/webclient/version_info", web::to(version_info::<B>))
        .route(
            "/web/session/authenticate",
            web::to(session_authenticate::<B>),
        )
        .route("/web/session/get_session_info", web::to(session_info::<B>))
        .route("/web/session/check", web::to(session_check::<B>))
        .route("/web/session/destroy", web::to(session_destroy::<B>))
        .route("/web/database/list", web::to(database_list::<B>))
        .route("/web/dataset/call_kw", web::to(call_kw::<B>))
        .route("/web/dataset/call_kw/{tail:.*}", web::to(call_kw::<B>))
        .route("/web/version", web::get().to(web_version::<B>))
        .route("/json/version", web::get().to(web_version::<B>))
        .route("/json/2/{model}/{method}", web::to(json2::<B>))
        .route("/json/2/{tail:.*}", web::to(json2_not_found::<B>));
}

const JSON: &str = "application/json; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const XML: &str = "text/xml; charset=utf-8";

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status).content_type(HTML).body(body)
}

/// Werkzeug's error page.
pub fn error_page(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(
        status,
        format!(
            "<!doctype html>\n<html lang=en>\n<title>{} {title}</title>\n<h1>{title}</h1>\n<p>{text}</p>\n",
            status.as_u16()
        ),
    )
}

/// Werkzeug's 404 page (the emulator's answer to any unknown URL).
pub async fn not_found() -> HttpResponse {
    error_page(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

fn too_large_page() -> HttpResponse {
    error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request Entity Too Large",
        "The data value transmitted exceeds the capacity limit.",
    )
}

fn caller(req: &HttpRequest) -> Caller {
    Caller {
        ip: req.peer_addr().map(|a| a.ip()),
    }
}

/// The request body, up to `limit` bytes (`Err` when it is larger).
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Bytes, ()> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(drop)?;
        if body.len() + chunk.len() > limit {
            return Err(());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
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
    if req.method() == Method::HEAD {
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

/// `(id, request)` of a JSON route's JSON-RPC envelope ([`envelope`]); for a broken one, the
/// handler returns its answer.
macro_rules! json_envelope {
    ($req:expr, $payload:expr, $backend:expr) => {
        match envelope(&$req, $payload, $backend.get_ref()).await {
            Ok(parsed) => parsed,
            Err(response) => return response,
        }
    };
}

/// The parsed JSON-RPC request of a JSON route (or the answer for a broken one).
async fn envelope<B: Backend>(
    req: &HttpRequest,
    payload: web::Payload,
    backend: &B,
) -> Result<(Value, Map<String, Value>), HttpResponse> {
    if !is_json(req) {
        return Err(not_json_route(req, req.path()));
    }
    let body = read_body(payload, backend.body_limit())
        .await
        .map_err(|()| too_large_page())?;
    let parsed: Value = serde_json::from_slice(&body)
        .map_err(|_| html(StatusCode::BAD_REQUEST, "Invalid JSON data".into()))?;
    let Value::Object(obj) = parsed else {
        return Err(html(
            StatusCode::BAD_REQUEST,
            "Invalid JSON-RPC data".into(),
        ));
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    Ok((id, obj))
}

fn answer(id: Value, result: Result<Outcome, OdooException>, version: u32) -> HttpResponse {
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
    match serde_json::to_vec(&Value::Object(out)) {
        Ok(body) => HttpResponse::Ok().content_type(JSON).body(body),
        Err(e) => HttpResponse::InternalServerError()
            .content_type(HTML)
            .body(format!("cannot encode the answer: {e}")),
    }
}

/// `params` turned into keyword arguments, as Python's `dict(params)` would.
fn params_of(obj: &mut Map<String, Value>) -> Result<Map<String, Value>, OdooException> {
    match obj.remove("params") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(p)) => Ok(p),
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
            "'{}' object is not iterable",
            super::pysig::type_name(&other)
        ))),
    }
}

const RPC_JSONRPC: Signature = Signature {
    qualname: "RPC.jsonrpc",
    params: &[req("service"), req("method"), req("args")],
    method: true,
    var_kwargs: false,
};

/// `service`, `method` and `args` of a `/jsonrpc` call.
fn jsonrpc_call(
    obj: &mut Map<String, Value>,
) -> Result<(String, String, Vec<Value>), OdooException> {
    let params = params_of(obj)?;
    // Only the route's own parameters are passed; extra keys are ignored.
    let known: Map<String, Value> = params
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "service" | "method" | "args"))
        .collect();
    let mut bound = RPC_JSONRPC.bind(&[], &known)?;
    let mut text = |k: &str| match bound.take(k) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let service = text("service");
    let method = text("method");
    let args = match bound.take("args") {
        Some(Value::Array(a)) => a,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    Ok((service, method, args))
}

async fn jsonrpc<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, mut obj) = json_envelope!(req, payload, backend);
    let result = match jsonrpc_call(&mut obj) {
        Ok((service, method, args)) => backend.dispatch(caller(&req), service, method, args).await,
        Err(e) => Err(e),
    };
    answer(id, result, backend.version())
}

async fn version_info<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, _) = json_envelope!(req, payload, backend);
    let mut info = backend.version_info();
    if backend.version() >= 19
        && let Some(o) = info.as_object_mut()
    {
        o.remove("protocol_version");
    }
    answer(id, Ok(Some(info)), backend.version())
}

/// Which fault encoding an XML-RPC route uses.
#[derive(Clone, Copy)]
enum Faults {
    /// `/xmlrpc/2`: int codes.
    Int,
    /// `/xmlrpc`: string codes.
    Legacy,
}

async fn xmlrpc_2<B: Backend>(
    req: HttpRequest,
    service: web::Path<String>,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    xmlrpc(req, service.into_inner(), payload, backend, Faults::Int).await
}

async fn xmlrpc_legacy<B: Backend>(
    req: HttpRequest,
    service: web::Path<String>,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    xmlrpc(req, service.into_inner(), payload, backend, Faults::Legacy).await
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

async fn xmlrpc<B: Backend>(
    req: HttpRequest,
    service: String,
    payload: web::Payload,
    backend: web::Data<B>,
    faults: Faults,
) -> HttpResponse {
    if req.method() != Method::POST {
        return error_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "The method is not allowed for the requested URL.",
        );
    }
    let Ok(body) = read_body(payload, backend.body_limit()).await else {
        return too_large_page();
    };
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
    match backend
        .dispatch(caller(&req), service, call.method, call.params)
        .await
    {
        Ok(Some(value)) => match xmlrpc::encode_response(&value) {
            Ok(xml) => HttpResponse::Ok().content_type(XML).body(xml),
            Err(e) => application_fault(&e.fault_string(), &e.python_exception(), faults),
        },
        // Odoo marshals with allow_none=False: a None result is a fault (after the commit).
        Ok(None) => application_fault(
            &format!(
                "{}{}",
                xmlrpc::ELIDED_TRACEBACK_PREFIX,
                xmlrpc::NONE_FAULT_EXCEPTION
            ),
            "cannot marshal None unless allow_none is enabled",
            faults,
        ),
        Err(e) => exception_fault(&e, faults),
    }
}

/// `werkzeug` HTTP errors and Odoo exceptions as JSON-2 answers them:
/// `{name, message, arguments, context, debug}`.
fn json2_error(status: StatusCode, name: &str, message: &str) -> HttpResponse {
    let title = status.canonical_reason().unwrap_or_default();
    let debug = format!(
        "Traceback (most recent call last):\n...\n{name}: {} {title}: {message}",
        status.as_u16()
    );
    let body = json!({"name": name, "message": message, "arguments": [message, status.as_u16()], "context": {}, "debug": debug});
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

fn json2_wrong_route() -> HttpResponse {
    json2_error(
        StatusCode::NOT_FOUND,
        "werkzeug.exceptions.NotFound",
        "Did you mean POST /json/2/<model>/<method>?",
    )
}

async fn json2_not_found<B: Backend>(backend: web::Data<B>) -> HttpResponse {
    if !backend.serves_json2() {
        return not_found().await;
    }
    json2_wrong_route()
}

fn bearer_key(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, key) = v.trim().split_once(char::is_whitespace)?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| key.trim().to_string())
        })
}

async fn json2<B: Backend>(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    if !backend.serves_json2() {
        return not_found().await;
    }
    if req.method() != Method::POST {
        return json2_wrong_route();
    }
    if !is_json(&req) {
        return error_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.",
        );
    }
    let Some(key) = bearer_key(&req) else {
        return json2_error(
            StatusCode::UNAUTHORIZED,
            "werkzeug.exceptions.Unauthorized",
            "User not authenticated, use an API Key with a Bearer Authorization header.",
        );
    };
    if let Some(asked) = req
        .headers()
        .get("X-Odoo-Database")
        .and_then(|v| v.to_str().ok())
        && !backend.databases().iter().any(|d| d == asked)
    {
        return html(
            StatusCode::NOT_FOUND,
            "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n".into(),
        );
    }
    let Some(uid) = backend.uid_for_key(caller(&req), key).await else {
        return json2_error(
            StatusCode::UNAUTHORIZED,
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
        );
    };
    let Ok(body) = read_body(payload, backend.body_limit()).await else {
        return json2_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "werkzeug.exceptions.RequestEntityTooLarge",
            "The data value transmitted exceeds the capacity limit.",
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
            );
        }
    };
    let (model, method) = path.into_inner();
    match backend.call_json2(uid, model, method, args).await {
        Ok(result) => HttpResponse::Ok()
            .content_type(JSON)
            .body(result.unwrap_or(Value::Null).to_string()),
        Err(Json2Refusal::NotFound(m)) => {
            json2_error(StatusCode::NOT_FOUND, "werkzeug.exceptions.NotFound", &m)
        }
        Err(Json2Refusal::Unprocessable(m)) => json2_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "werkzeug.exceptions.UnprocessableEntity",
            &m,
        ),
        Err(Json2Refusal::Exception(e)) => json2_exception(&e),
    }
}

/// `GET /web/version` (19).
async fn web_version<B: Backend>(backend: web::Data<B>) -> HttpResponse {
    if !backend.serves_json2() {
        return not_found().await;
    }
    let info = backend.version_info();
    HttpResponse::Ok().content_type(JSON).body(
        json!({"version_info": info["server_version_info"], "version": info["server_version"]})
            .to_string(),
    )
}

const SESSION_DAYS: i64 = 7;

/// A new session id as Odoo makes them: 84 random URL-safe characters.
pub fn new_session_id() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::rng();
    (0..84)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

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
    OdooException::new(ExceptionKind::SessionExpired, "Session expired")
}

/// A JSON route's answer, with the session cookie when there is one.
fn json_answer(
    id: Value,
    result: Result<Outcome, OdooException>,
    version: u32,
    cookie: Option<&str>,
) -> HttpResponse {
    // Odoo answers a session error before it has read the request id.
    let id = match &result {
        Err(e) if e.kind == ExceptionKind::SessionExpired => Value::Null,
        _ => id,
    };
    let mut response = answer(id, result, version);
    if let Some(sid) = cookie
        && let Ok(value) = HeaderValue::from_str(&session_cookie(sid))
    {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

fn base_url(req: &HttpRequest) -> String {
    format!("http://{}", req.connection_info().host())
}

async fn session_authenticate<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, obj) = json_envelope!(req, payload, backend);
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
    let version = backend.version();
    match backend
        .web_login(caller(&req), get("db"), get("login"), get("password"))
        .await
    {
        Ok((sid, uid)) => {
            let info = backend.session_info(uid, &base_url(&req)).await;
            json_answer(id, Ok(Some(info)), version, Some(&sid))
        }
        Err(e) => json_answer(id, Err(e), version, None),
    }
}

/// The session and its uid, or Odoo's "Session expired".
fn session_uid<B: Backend>(req: &HttpRequest, backend: &B) -> Result<(String, i64), OdooException> {
    let sid = session_of(req).ok_or_else(session_expired)?;
    let uid = backend.session_uid(&sid).ok_or_else(session_expired)?;
    Ok((sid, uid))
}

async fn session_info<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, _) = json_envelope!(req, payload, backend);
    match session_uid(&req, backend.get_ref()) {
        Ok((sid, uid)) => {
            let info = backend.session_info(uid, &base_url(&req)).await;
            json_answer(id, Ok(Some(info)), backend.version(), Some(&sid))
        }
        Err(e) => json_answer(id, Err(e), backend.version(), None),
    }
}

async fn session_check<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, _) = json_envelope!(req, payload, backend);
    let result = session_uid(&req, backend.get_ref()).map(|_| None);
    json_answer(id, result, backend.version(), None)
}

async fn session_destroy<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, _) = json_envelope!(req, payload, backend);
    if let Some(sid) = session_of(&req) {
        backend.end_session(&sid);
    }
    json_answer(id, Ok(None), backend.version(), None)
}

async fn database_list<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, _) = json_envelope!(req, payload, backend);
    json_answer(
        id,
        Ok(Some(json!(backend.databases()))),
        backend.version(),
        None,
    )
}

const DATASET_CALL_KW: Signature = Signature {
    qualname: "DataSet.call_kw",
    params: &[req("model"), req("method"), req("args"), req("kwargs")],
    method: true,
    var_kwargs: false,
};

/// An unknown model on `call_kw`: werkzeug's NotFound inside the JSON route.
fn call_kw_not_found() -> HttpResponse {
    let message = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
    let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": 404, "message": "404: Not Found", "data": {
        "name": "werkzeug.exceptions.NotFound",
        "debug": format!("Traceback (most recent call last):\n...\nwerkzeug.exceptions.NotFound: 404 Not Found: {message}"),
        "message": format!("404 Not Found: {message}"),
        "arguments": [],
        "context": {},
    }}});
    HttpResponse::Ok().content_type(JSON).body(body.to_string())
}

/// `/web/dataset/call_kw[/...]`: `call_kw` as the session's user, with the session's context.
async fn call_kw<B: Backend>(
    req: HttpRequest,
    payload: web::Payload,
    backend: web::Data<B>,
) -> HttpResponse {
    let (id, mut obj) = json_envelope!(req, payload, backend);
    let version = backend.version();
    let uid = match session_uid(&req, backend.get_ref()) {
        Ok((_, uid)) => uid,
        Err(e) => return json_answer(id, Err(e), version, None),
    };
    let bound = match params_of(&mut obj).and_then(|p| DATASET_CALL_KW.bind(&[], &p)) {
        Ok(b) => b,
        Err(e) => return json_answer(id, Err(e), version, None),
    };
    let text = |k: &str| {
        bound
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let model = text("model");
    if !backend.has_model(&model) {
        return call_kw_not_found();
    }
    let method = text("method");
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
    let mut context = Map::new();
    context.insert("lang".into(), json!("en_US"));
    context.insert("tz".into(), json!("Europe/Brussels"));
    context.insert("uid".into(), json!(uid));
    if let Some(Value::Object(own)) = kwargs.get("context") {
        context.extend(own.clone());
    }
    kwargs.insert("context".into(), Value::Object(context));
    let result = backend.call(uid, model, method, args, kwargs).await;
    json_answer(id, result, version, None)
}
