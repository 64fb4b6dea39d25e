//! XML-RPC codec shared by the Odoo emulator, the Odoo-compatible facade and the hub's
//! XML-RPC client.
//!
//! Odoo serves XML-RPC on `/xmlrpc/2/<service>` (integer fault codes) and on the legacy
//! `/xmlrpc/<service>` (string fault codes). This module turns request and response bodies
//! into [`serde_json::Value`]s and back, writing exactly the bytes a real Odoo 18 server (for
//! answers) or Python's `xmlrpc.client` (for calls) writes. The recorded exchanges in
//! `shared/odoo/transcripts/{18.0,19.0}` are re-encoded byte for byte by the tests below.
//!
//! # Value model
//!
//! | XML-RPC | `serde_json::Value` |
//! | --- | --- |
//! | `<int>`, `<i4>`, `<i8>`, `<i1>`, `<i2>`, `<biginteger>` | integer `Number` (must fit `i64`) |
//! | `<double>`, `<float>`, `<bigdecimal>` | `f64` `Number` (must be finite) |
//! | `<boolean>0</boolean>` / `1` | `Bool` |
//! | `<string>`, bare `<value>text</value>` | `String` |
//! | `<nil/>` | `Null` |
//! | `<array><data>…</data></array>` | `Array` |
//! | `<struct><member>…</member></struct>` | `Object` |
//! | `<dateTime.iso8601>20200101T00:00:00</dateTime.iso8601>` | `String` `"2020-01-01 00:00:00"` |
//! | `<base64>` | `String` holding the base64 text, whitespace removed |
//!
//! Answers never contain `<nil/>`, `<dateTime.iso8601>` or `<base64>`: Odoo sends dates and
//! binaries as strings and refuses to marshal `None` (see [`EncodeError::Null`]). Calls send
//! `null` as `<nil/>`, which Odoo accepts in requests.
//!
//! Decoding follows Python's `xmlrpc.client.loads`, which Odoo uses: text is kept exactly
//! (after XML's own line-end normalization, so a raw CR arrives as LF while `&#13;` stays a CR),
//! whitespace between elements is ignored, namespace prefixes (`<ex:nil/>`) are dropped and a
//! repeated struct member keeps its first place and its last value. It is stricter than Python
//! where Python would pass on something Odoo cannot use: `<array>` needs its `<data>`, a
//! call needs a non-empty `<methodName>`, integers must fit `i64` and doubles must be finite,
//! and stray text between elements is an error. A `<dateTime.iso8601>` cannot be re-encoded
//! as such (the value model keeps Odoo's string), so [`encode_call`] sends it back as a
//! `<string>`; that is the only way a recorded request does not re-encode to its own bytes.
//!
//! # Member order and `serde_json/preserve_order`
//!
//! Struct members are written in the order the [`Map`] iterates. Odoo writes them in its
//! dict order, which is not sorted (`common.version` answers `server_version`,
//! `server_version_info`, `server_serie`, `protocol_version`; `read` answers `id` first and
//! then the requested fields in request order). To reproduce Odoo's answers byte for byte,
//! and to re-encode a parsed body unchanged, `serde_json` needs its `preserve_order` feature;
//! without it every struct comes out with sorted keys, which XML-RPC clients accept (they build
//! dictionaries) but which is not what Odoo sends.
//!
//! # What Odoo answers for malformed XML
//!
//! Recorded on Odoo 18 (`xmlrpc-faults-misc.json`, exchange 7): a body cut off in the middle,
//! `<?xml version='1.0'?><methodCall><methodName>execute_kw`, sent to `/xmlrpc/2/object`, gets
//! HTTP 200, `Content-Type: text/xml; charset=utf-8`, and a fault with `faultCode` **1** (an
//! `<int>`) whose `faultString` is the Python traceback of
//! `xml.parsers.expat.ExpatError: no element found: line 1, column 55` (the recording keeps
//! only [`RECORDED_MALFORMED_XML_FAULT_STRING`]). [`ParseError::expat_message`] rebuilds the
//! expat message for a body this parser rejects as malformed, and
//! [`ParseError::malformed_xml_fault_string`] the whole `faultString` in the recordings' form.
//! On the legacy `/xmlrpc/` routes the same error would, by Odoo's string-code rule, give the
//! expat message as `faultCode` and the traceback as `faultString` (not recorded).
//!
//! # Hostile input
//!
//! The parser refuses DOCTYPE declarations (so no entity can be defined or expanded), every
//! entity reference but the five predefined ones and numeric character references, characters
//! XML 1.0 forbids, values nested deeper than [`MAX_NESTING_DEPTH`] arrays or structs, unknown
//! elements, and anything that is not well-formed. It never panics and works in time linear in
//! the body size.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt::{self, Write as _};

use base64::Engine as _;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Number, Value};

/// The deepest nesting of arrays and structs a parsed value may have.
pub const MAX_NESTING_DEPTH: usize = 64;

/// The deepest nesting of arrays and objects [`encode_response`] and [`encode_call`] write.
///
/// Python's marshaller hits its recursion limit at a few hundred levels; this bound keeps the
/// encoder's recursion safe.
pub const MAX_ENCODE_DEPTH: usize = 256;

/// `faultCode` of `/xmlrpc/2` for any exception that is not an Odoo user-facing one:
/// `TypeError`, `ValueError`, marshalling errors, malformed XML (`ExpatError`), ...
pub const FAULT_CODE_APPLICATION: i32 = 1;
/// `faultCode` of `/xmlrpc/2` for `UserError`, `ValidationError`, `MissingError` and
/// `RedirectWarning`.
pub const FAULT_CODE_WARNING: i32 = 2;
/// `faultCode` of `/xmlrpc/2` for `AccessDenied` (wrong password or API key).
pub const FAULT_CODE_ACCESS_DENIED: i32 = 3;
/// `faultCode` of `/xmlrpc/2` for `AccessError` (ACLs, record rules, private methods).
pub const FAULT_CODE_ACCESS_ERROR: i32 = 4;

/// How the recorded transcripts shorten a Python traceback in a `faultString`: the first
/// line, a line `...`, then the exception line (which this prefix does not include).
pub const ELIDED_TRACEBACK_PREFIX: &str = "Traceback (most recent call last):\n...\n";

/// The `faultString` Odoo 18 answered (traceback elided as in the recordings) for the
/// truncated body `<?xml version='1.0'?><methodCall><methodName>execute_kw` on
/// `/xmlrpc/2/object`, with `faultCode` [`FAULT_CODE_APPLICATION`].
pub const RECORDED_MALFORMED_XML_FAULT_STRING: &str = "Traceback (most recent call last):\n...\n\
     xml.parsers.expat.ExpatError: no element found: line 1, column 55";

/// The exception line Odoo's traceback ends with when a result contains `None`.
pub const NONE_FAULT_EXCEPTION: &str =
    "TypeError: cannot marshal None unless allow_none is enabled";

/// The exception line Odoo's traceback ends with when a result holds an integer outside the
/// signed 32-bit range.
pub const INT_LIMIT_FAULT_EXCEPTION: &str = "OverflowError: int exceeds XML-RPC limits";

const SERVER_HEADER: &str = "<?xml version=\"1.0\"?>\n";
const CLIENT_HEADER: &str = "<?xml version='1.0'?>\n";

// ------------------------------------------------------------------------------------------
// Public types
// ------------------------------------------------------------------------------------------

/// A decoded `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The text of `<methodName>`, exactly as sent.
    pub method: String,
    /// The `<param>` values, in order.
    pub params: Vec<Value>,
}

/// The `faultCode` of a fault: an integer on `/xmlrpc/2`, a string on the legacy `/xmlrpc/`
/// routes (for example `"AccessDenied"` or `"warning -- UserError\n\n<message>"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FaultCode {
    /// `<int>` code, as `/xmlrpc/2` sends it.
    Int(i32),
    /// `<string>` code, as the legacy `/xmlrpc/` routes send it.
    Text(String),
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(code) => write!(f, "{code}"),
            Self::Text(code) => write!(f, "{code:?}"),
        }
    }
}

/// A decoded `<methodResponse>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// The single `<param>` value of a successful call.
    Success(Value),
    /// A `<fault>`.
    Fault {
        /// `faultCode`.
        code: FaultCode,
        /// `faultString`.
        message: String,
    },
}

/// A place in the parsed document: byte offset, 1-based line and 0-based column counted in
/// characters, the way expat reports positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset in the decoded document (after a UTF-8 byte order mark, if any).
    pub offset: usize,
    /// 1-based line number.
    pub line: usize,
    /// 0-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why a body is not well-formed XML. Each kind names the message expat (the parser behind
/// Python's `xmlrpc.client`, hence behind Odoo) gives for the same fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// The input ended before the root element was closed (or was empty).
    NoElementFound,
    /// The input ended inside a tag, comment, processing instruction or declaration.
    UnclosedToken,
    /// The input ended inside a CDATA section.
    UnclosedCdata,
    /// An end tag does not close the element that is open.
    MismatchedTag,
    /// Something other than whitespace, comments or processing instructions follows the
    /// root element.
    JunkAfterRoot,
    /// Text or markup where the root element should start.
    SyntaxError,
    /// A reference to an entity that is not one of the five predefined ones.
    UndefinedEntity,
    /// A character reference to a character XML does not allow.
    InvalidCharRef,
    /// A character or a byte sequence XML does not allow, or broken markup.
    InvalidToken,
    /// An XML declaration that is not at the very start of the document.
    MisplacedXmlDecl,
    /// An XML declaration without a valid `version`.
    BadXmlDecl,
}

impl XmlErrorKind {
    /// The message expat gives for this kind of error, without its position.
    pub fn expat_text(self) -> &'static str {
        match self {
            Self::NoElementFound => "no element found",
            Self::UnclosedToken => "unclosed token",
            Self::UnclosedCdata => "unclosed CDATA section",
            Self::MismatchedTag => "mismatched tag",
            Self::JunkAfterRoot => "junk after document element",
            Self::SyntaxError => "syntax error",
            Self::UndefinedEntity => "undefined entity",
            Self::InvalidCharRef => "reference to invalid character number",
            Self::InvalidToken => "not well-formed (invalid token)",
            Self::MisplacedXmlDecl => "XML or text declaration not at start of entity",
            Self::BadXmlDecl => "XML declaration not well-formed",
        }
    }
}

impl fmt::Display for XmlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expat_text())
    }
}

/// Why a request or response body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not well-formed XML.
    #[error("malformed XML ({kind}) at {position}: {detail}")]
    Malformed {
        /// What is wrong, named as expat names it.
        kind: XmlErrorKind,
        /// Where expat would report it.
        position: Position,
        /// A more precise description.
        detail: String,
    },
    /// The body has a `<!DOCTYPE>` declaration; DTDs and entity definitions are refused.
    #[error("DOCTYPE declarations (DTDs, entity definitions) are not allowed, found at {position}")]
    Doctype {
        /// Where the declaration starts.
        position: Position,
    },
    /// The body declares (or starts with a byte order mark of) an encoding other than UTF-8,
    /// US-ASCII or ISO-8859-1.
    #[error("unsupported document encoding {0:?}: use UTF-8")]
    UnsupportedEncoding(String),
    /// Arrays and structs are nested deeper than [`MAX_NESTING_DEPTH`].
    #[error("values are nested deeper than {MAX_NESTING_DEPTH} arrays/structs at {position}")]
    TooDeep {
        /// Where the array or struct that is one level too deep starts.
        position: Position,
    },
    /// The root element is not the one expected.
    #[error("the root element is <{found}>, expected <{expected}>")]
    WrongRoot {
        /// The root element found.
        found: String,
        /// The root element expected.
        expected: &'static str,
    },
    /// An element that XML-RPC does not allow at this place.
    #[error("unexpected <{found}> inside <{parent}> at {position}: expected {expected}")]
    UnexpectedElement {
        /// The element found.
        found: String,
        /// The element it is in.
        parent: String,
        /// What may appear there.
        expected: &'static str,
        /// Where it starts.
        position: Position,
    },
    /// Non-whitespace text between elements where only elements may appear.
    #[error("unexpected text {text:?} inside <{parent}> at {position}")]
    UnexpectedText {
        /// The text, shortened.
        text: String,
        /// The element it is in.
        parent: String,
        /// Where it starts.
        position: Position,
    },
    /// A `<value>` element whose type element is not an XML-RPC type.
    #[error("unknown value type <{tag}> at {position}")]
    UnknownType {
        /// The type element's name.
        tag: String,
        /// Where it starts.
        position: Position,
    },
    /// A type element whose text is not a valid value of that type.
    #[error("invalid <{tag}> value {text:?} at {position}: {reason}")]
    InvalidValue {
        /// The type element's name.
        tag: String,
        /// Its text, shortened.
        text: String,
        /// Why it is refused.
        reason: &'static str,
        /// Where the element starts.
        position: Position,
    },
    /// `<methodCall>` without a `<methodName>`, or with an empty one.
    #[error("the <methodCall> has no <methodName> or an empty one")]
    MissingMethodName,
    /// A required child element is missing.
    #[error("<{parent}> at {position} has no <{child}>")]
    MissingElement {
        /// The element that lacks a child.
        parent: &'static str,
        /// The child it needs.
        child: &'static str,
        /// Where the element ends.
        position: Position,
    },
    /// A child element that may appear only once appears again.
    #[error("<{parent}> has a second <{child}> at {position}")]
    DuplicateElement {
        /// The element.
        parent: &'static str,
        /// The repeated child.
        child: String,
        /// Where the repeated child starts.
        position: Position,
    },
    /// A `<methodResponse>` whose `<params>` does not hold exactly one `<param>`.
    #[error("a <methodResponse> must hold exactly one <param>, found {0}")]
    ParamCount(usize),
    /// A `<fault>` that is not a struct with an int or string `faultCode` and a string
    /// `faultString`.
    #[error("invalid <fault>: {0}")]
    InvalidFault(&'static str),
}

impl ParseError {
    /// The message expat would give for this error, `"no element found: line 1, column 55"`
    /// style, if the error is one of XML well-formedness (the kind Odoo turns into an
    /// `xml.parsers.expat.ExpatError` fault). `None` for XML-RPC level errors.
    ///
    /// The message matches expat's for a body cut short (verified on the recordings); for
    /// other malformations the wording matches expat's and the position is the best estimate.
    pub fn expat_message(&self) -> Option<String> {
        match self {
            Self::Malformed { kind, position, .. } => Some(format!("{kind}: {position}")),
            _ => None,
        }
    }

    /// The `faultString` Odoo sends (with `faultCode` [`FAULT_CODE_APPLICATION`]) for this
    /// malformed body, with the traceback shortened as in the recordings
    /// ([`ELIDED_TRACEBACK_PREFIX`]). `None` when [`Self::expat_message`] is `None`.
    pub fn malformed_xml_fault_string(&self) -> Option<String> {
        self.expat_message().map(|message| {
            format!("{ELIDED_TRACEBACK_PREFIX}xml.parsers.expat.ExpatError: {message}")
        })
    }
}

/// Why a value could not be written as XML-RPC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A `null` in an answer: Odoo faults with [`NONE_FAULT_EXCEPTION`] (fault code 1).
    #[error("cannot marshal None unless allow_none is enabled (null at {path})")]
    Null {
        /// Where the `null` is, for example `result[0].email`.
        path: String,
    },
    /// An integer outside the signed 32-bit range: Odoo faults with
    /// [`INT_LIMIT_FAULT_EXCEPTION`] (fault code 1).
    #[error("int exceeds XML-RPC limits: {value} at {path} does not fit a signed 32-bit <int>")]
    IntegerOutOfRange {
        /// The integer.
        value: String,
        /// Where it is.
        path: String,
    },
    /// A number that is neither an integer nor a finite `f64`.
    #[error("number {value} at {path} cannot be written as <int> or <double>")]
    UnrepresentableNumber {
        /// The number.
        value: String,
        /// Where it is.
        path: String,
    },
    /// A string for a call holds a character XML 1.0 cannot carry (control characters other
    /// than tab, line feed and carriage return; U+FFFE; U+FFFF). Answers drop those instead,
    /// as Odoo does.
    #[error("U+{code:04X} at {path} cannot be sent in XML")]
    InvalidChar {
        /// The character's code point.
        code: u32,
        /// Where it is.
        path: String,
    },
    /// Arrays and objects nested deeper than [`MAX_ENCODE_DEPTH`].
    #[error("value nested deeper than {MAX_ENCODE_DEPTH} arrays/objects at {path}")]
    TooDeep {
        /// Where the limit was hit.
        path: String,
    },
}

impl EncodeError {
    /// The Python exception line that ends the traceback Odoo sends (as `faultString`, with
    /// `faultCode` [`FAULT_CODE_APPLICATION`]) when it cannot marshal such a result.
    ///
    /// Exact for [`Self::Null`] (recorded) and [`Self::IntegerOutOfRange`] (Python's own
    /// message); an approximation for the others, which Odoo does not produce this way.
    pub fn python_exception(&self) -> String {
        match self {
            Self::Null { .. } => NONE_FAULT_EXCEPTION.to_owned(),
            Self::IntegerOutOfRange { .. } => INT_LIMIT_FAULT_EXCEPTION.to_owned(),
            Self::UnrepresentableNumber { value, .. } => {
                format!("TypeError: cannot marshal {value}")
            }
            Self::InvalidChar { code, .. } => {
                format!("ValueError: character U+{code:04X} is not allowed in XML")
            }
            Self::TooDeep { .. } => "RecursionError: maximum recursion depth exceeded".to_owned(),
        }
    }

    /// The `faultString` Odoo sends for this error, with the traceback shortened as in the
    /// recordings: [`ELIDED_TRACEBACK_PREFIX`] followed by [`Self::python_exception`].
    pub fn fault_string(&self) -> String {
        format!("{ELIDED_TRACEBACK_PREFIX}{}", self.python_exception())
    }
}

// ------------------------------------------------------------------------------------------
// Public functions
// ------------------------------------------------------------------------------------------

/// Decodes a `<methodCall>` request body.
///
/// # Errors
///
/// A [`ParseError`] when the body is not well-formed XML, is not a method call, or holds a
/// value this module refuses (see the module documentation).
pub fn parse_call(body: &[u8]) -> Result<MethodCall, ParseError> {
    let doc = decode_body(body)?;
    let mut parser = Parser::new(&doc);
    parser.document("methodCall", Parser::call_body)
}

/// Decodes a `<methodResponse>` body: a single value, or a fault.
///
/// # Errors
///
/// A [`ParseError`] when the body is not well-formed XML, is not a method response, holds a
/// value this module refuses, or has a fault that is not a `faultCode`/`faultString` struct.
pub fn parse_response(body: &[u8]) -> Result<Response, ParseError> {
    let doc = decode_body(body)?;
    let mut parser = Parser::new(&doc);
    parser.document("methodResponse", Parser::response_body)
}

/// Encodes a successful answer exactly as Odoo's server writes it.
///
/// Control characters other than tab, line feed and carriage return (and U+FFFE, U+FFFF) are
/// dropped from strings, as Odoo drops them.
///
/// # Errors
///
/// [`EncodeError::Null`] for a `null` anywhere in the value and
/// [`EncodeError::IntegerOutOfRange`] for an integer outside the signed 32-bit range, where
/// Odoo would answer a fault with code 1 instead ([`EncodeError::fault_string`]).
pub fn encode_response(value: &Value) -> Result<String, EncodeError> {
    let mut marshaller = Marshaller::new(Side::Server, "result");
    marshaller.out.push_str(SERVER_HEADER);
    marshaller
        .out
        .push_str("<methodResponse>\n<params>\n<param>\n");
    marshaller.value(value)?;
    marshaller
        .out
        .push_str("</param>\n</params>\n\n</methodResponse>\n");
    Ok(marshaller.out)
}

/// Encodes a fault answer exactly as Odoo's server writes it.
///
/// Control characters other than tab, line feed and carriage return are dropped from the
/// message and a string code, as Odoo drops them.
pub fn encode_fault(code: &FaultCode, message: &str) -> String {
    let mut out = String::with_capacity(300 + message.len());
    out.push_str(SERVER_HEADER);
    out.push_str("<methodResponse>\n<fault>\n<value><struct>\n");
    out.push_str("<member>\n<name>faultCode</name>\n");
    match code {
        FaultCode::Int(code) => {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "<value><int>{code}</int></value>");
        }
        FaultCode::Text(text) => push_server_string(&mut out, text),
    }
    out.push_str("</member>\n<member>\n<name>faultString</name>\n");
    push_server_string(&mut out, message);
    out.push_str("</member>\n</struct></value>\n</fault>\n\n</methodResponse>\n");
    out
}

/// Encodes a `<methodCall>` exactly as Python's `xmlrpc.client` sends it (`ServerProxy` with
/// `allow_none=True`): header `<?xml version='1.0'?>`, a line break after each tag, and
/// `null` as `<value><nil/></value>` (which Python writes without a line break).
///
/// Unlike Python, the method name is escaped too.
///
/// # Errors
///
/// [`EncodeError::IntegerOutOfRange`] for an integer outside the signed 32-bit range (Python
/// raises `OverflowError` there) and [`EncodeError::InvalidChar`] for a character XML 1.0
/// cannot carry, which the server would refuse as malformed XML.
pub fn encode_call(method: &str, params: &[Value]) -> Result<String, EncodeError> {
    let mut marshaller = Marshaller::new(Side::Client, "method");
    marshaller.out.push_str(CLIENT_HEADER);
    marshaller.out.push_str("<methodCall>\n<methodName>");
    marshaller.escaped(method)?;
    marshaller.out.push_str("</methodName>\n<params>\n");
    marshaller.path.clear();
    marshaller.path.push(Segment::Root("params"));
    for (index, param) in params.iter().enumerate() {
        marshaller.path.push(Segment::Index(index));
        marshaller.out.push_str("<param>\n");
        marshaller.value(param)?;
        marshaller.out.push_str("</param>\n");
        marshaller.path.pop();
    }
    marshaller.out.push_str("</params>\n</methodCall>\n");
    Ok(marshaller.out)
}

/// Formats a float as Python's `repr()` does: the shortest digits that read back as the same
/// float, in positional form when the decimal exponent is in `-4..16` (with `.0` added to
/// integral values), otherwise in exponent form with a sign and at least two exponent digits.
///
/// `2240.0`, `0.1`, `0.0001`, `1e-05`, `1.5e-07`, `1000000000000000.0`, `1e+16`, `-0.0`,
/// `inf`, `nan`.
pub fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // `{:e}` writes the shortest digits that round-trip ("-1.5e-7", "1e16", "0e0"). When two
    // strings of that length round-trip equally well, it may pick the upper one where Python
    // picks the even one; formatting again with that many digits, which rounds half to even,
    // gives Python's choice.
    let shortest = format!("{value:e}");
    let mantissa = shortest
        .split_once('e')
        .map_or(shortest.as_str(), |(mantissa, _)| mantissa);
    let significant = mantissa.chars().filter(char::is_ascii_digit).count();
    let scientific = format!("{value:.*e}", significant.saturating_sub(1));
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if !(-4..16).contains(&exponent) {
        push_exponent_form(&mut out, &digits, exponent);
    } else {
        push_positional_form(&mut out, &digits, exponent);
    }
    out
}

/// Converts the text of a `<dateTime.iso8601>` element to Odoo's server format
/// `YYYY-MM-DD HH:MM:SS`. Accepts `YYYYMMDDTHH:MM:SS` (what Python sends),
/// `YYYY-MM-DDTHH:MM:SS`, and either date form with `HHMMSS`; surrounding whitespace is
/// ignored. Returns `None` for anything else or an impossible date or time.
pub fn iso8601_to_odoo(text: &str) -> Option<String> {
    let (date, time) = text.trim_matches(is_xml_whitespace).split_once('T')?;
    let (year, month, day) = split_date(date)?;
    let (hour, minute, second) = split_time(time)?;
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        && second <= 59;
    valid.then(|| format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"))
}

// ------------------------------------------------------------------------------------------
// Encoding
// ------------------------------------------------------------------------------------------

/// Who writes the document: Odoo's server drops characters XML cannot carry, Python's client
/// sends them (and the server then refuses the body), so a call with one is an error here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Server,
    Client,
}

/// One step of the path to a value, for error messages.
#[derive(Debug, Clone, Copy)]
enum Segment<'v> {
    Root(&'static str),
    Index(usize),
    Key(&'v str),
}

struct Marshaller<'v> {
    out: String,
    side: Side,
    path: Vec<Segment<'v>>,
}

impl<'v> Marshaller<'v> {
    fn new(side: Side, root: &'static str) -> Self {
        Self {
            out: String::with_capacity(1024),
            side,
            path: vec![Segment::Root(root)],
        }
    }

    fn path_text(&self) -> String {
        let mut text = String::new();
        for segment in &self.path {
            match segment {
                Segment::Root(name) => text.push_str(name),
                Segment::Index(index) => {
                    let _ = write!(text, "[{index}]");
                }
                Segment::Key(key) => {
                    text.push('.');
                    text.push_str(key);
                }
            }
        }
        text
    }

    fn value(&mut self, value: &'v Value) -> Result<(), EncodeError> {
        match value {
            Value::Null => self.nil(),
            Value::Bool(flag) => {
                let bit = if *flag { '1' } else { '0' };
                let _ = writeln!(self.out, "<value><boolean>{bit}</boolean></value>");
                Ok(())
            }
            Value::Number(number) => self.number(number),
            Value::String(text) => {
                self.out.push_str("<value><string>");
                self.escaped(text)?;
                self.out.push_str("</string></value>\n");
                Ok(())
            }
            Value::Array(items) => self.array(items),
            Value::Object(members) => self.object(members),
        }
    }

    fn nil(&mut self) -> Result<(), EncodeError> {
        match self.side {
            Side::Server => Err(EncodeError::Null {
                path: self.path_text(),
            }),
            Side::Client => {
                // Python writes no line break after this one.
                self.out.push_str("<value><nil/></value>");
                Ok(())
            }
        }
    }

    fn number(&mut self, number: &Number) -> Result<(), EncodeError> {
        if let Some(integer) = number.as_i64() {
            let small = i32::try_from(integer).map_err(|_| self.out_of_range(number))?;
            let _ = writeln!(self.out, "<value><int>{small}</int></value>");
            return Ok(());
        }
        if number.is_u64() {
            return Err(self.out_of_range(number));
        }
        match number.as_f64() {
            Some(float) if float.is_finite() => {
                let repr = python_float_repr(float);
                let _ = writeln!(self.out, "<value><double>{repr}</double></value>");
                Ok(())
            }
            _ => Err(EncodeError::UnrepresentableNumber {
                value: number.to_string(),
                path: self.path_text(),
            }),
        }
    }

    fn out_of_range(&self, number: &Number) -> EncodeError {
        EncodeError::IntegerOutOfRange {
            value: number.to_string(),
            path: self.path_text(),
        }
    }

    fn enter(&mut self, segment: Segment<'v>) -> Result<(), EncodeError> {
        self.path.push(segment);
        if self.path.len() > MAX_ENCODE_DEPTH + 1 {
            return Err(EncodeError::TooDeep {
                path: self.path_text(),
            });
        }
        Ok(())
    }

    fn array(&mut self, items: &'v [Value]) -> Result<(), EncodeError> {
        self.out.push_str("<value><array><data>\n");
        for (index, item) in items.iter().enumerate() {
            self.enter(Segment::Index(index))?;
            self.value(item)?;
            self.path.pop();
        }
        self.out.push_str("</data></array></value>\n");
        Ok(())
    }

    fn object(&mut self, members: &'v Map<String, Value>) -> Result<(), EncodeError> {
        self.out.push_str("<value><struct>\n");
        for (key, member) in members {
            self.enter(Segment::Key(key))?;
            self.out.push_str("<member>\n<name>");
            self.escaped(key)?;
            self.out.push_str("</name>\n");
            self.value(member)?;
            self.out.push_str("</member>\n");
            self.path.pop();
        }
        self.out.push_str("</struct></value>\n");
        Ok(())
    }

    /// Writes `text` with `&`, `<` and `>` escaped (Python escapes nothing else), dropping
    /// (server) or refusing (client) characters XML cannot carry.
    fn escaped(&mut self, text: &str) -> Result<(), EncodeError> {
        if self.side == Side::Server {
            push_escaped_lossy(&mut self.out, text);
            return Ok(());
        }
        if let Some(bad) = text.chars().find(|c| is_forbidden_char(*c)) {
            return Err(EncodeError::InvalidChar {
                code: u32::from(bad),
                path: self.path_text(),
            });
        }
        push_escaped_lossy(&mut self.out, text);
        Ok(())
    }
}

/// Writes a `<value><string>` line as Odoo's server does.
fn push_server_string(out: &mut String, text: &str) {
    out.push_str("<value><string>");
    push_escaped_lossy(out, text);
    out.push_str("</string></value>\n");
}

/// Escapes `&`, `<`, `>` and drops characters XML 1.0 cannot carry.
fn push_escaped_lossy(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_forbidden_char(c) => {}
            c => out.push(c),
        }
    }
}

/// Characters outside XML 1.0's `Char` production (Rust strings hold no surrogates).
fn is_forbidden_char(ch: char) -> bool {
    matches!(
        ch,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'
    )
}

fn push_exponent_form(out: &mut String, digits: &str, exponent: i32) {
    let (first, rest) = digits.split_at(digits.len().min(1));
    out.push_str(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
}

fn push_positional_form(out: &mut String, digits: &str, exponent: i32) {
    match usize::try_from(exponent) {
        Ok(exponent) => {
            let integer_len = exponent + 1;
            if digits.len() <= integer_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', integer_len - digits.len()));
                out.push_str(".0");
            } else {
                let (integer, fraction) = digits.split_at(integer_len);
                out.push_str(integer);
                out.push('.');
                out.push_str(fraction);
            }
        }
        Err(_) => {
            let zeros = usize::try_from(exponent.unsigned_abs()).unwrap_or(0);
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', zeros.saturating_sub(1)));
            out.push_str(digits);
        }
    }
}

// ------------------------------------------------------------------------------------------
// Body decoding (bytes to text)
// ------------------------------------------------------------------------------------------

/// Turns the body into text: UTF-8 (an optional byte order mark is skipped), or ISO-8859-1
/// when the XML declaration says so.
fn decode_body(body: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    if body.starts_with(&[0xFE, 0xFF]) || body.starts_with(&[0xFF, 0xFE]) {
        return Err(ParseError::UnsupportedEncoding("UTF-16".to_owned()));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let Some(encoding) = declared_encoding(body) else {
        return decode_utf8(body);
    };
    match encoding.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => decode_utf8(body),
        "iso-8859-1" | "latin-1" | "latin1" | "iso8859-1" => Ok(Cow::Owned(
            body.iter().map(|&byte| char::from(byte)).collect(),
        )),
        _ => Err(ParseError::UnsupportedEncoding(encoding)),
    }
}

fn decode_utf8(body: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    std::str::from_utf8(body)
        .map(Cow::Borrowed)
        .map_err(|error| {
            let valid = body.get(..error.valid_up_to()).unwrap_or_default();
            let prefix = String::from_utf8_lossy(valid);
            ParseError::Malformed {
                kind: XmlErrorKind::InvalidToken,
                position: position_at(&prefix, prefix.len()),
                detail: "the body is not valid UTF-8".to_owned(),
            }
        })
}

/// The `encoding` pseudo-attribute of a leading XML declaration, if any.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let rest = body.strip_prefix(b"<?xml")?;
    if !rest.first().is_some_and(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let end = rest.windows(2).take(512).position(|pair| pair == b"?>")?;
    let declaration = std::str::from_utf8(rest.get(..end)?).ok()?;
    let after = declaration.split_once("encoding")?.1.trim_start();
    let after = after.strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = after.get(1..)?;
    let close = value.find(quote)?;
    value.get(..close).map(str::to_owned)
}

/// Byte offset to an expat-style line and column (a CR LF pair or a lone CR also ends a
/// line). Takes time linear in `offset`: call it only to build an error.
fn position_at(doc: &str, offset: usize) -> Position {
    let offset = floor_char_boundary(doc, offset.min(doc.len()));
    let before = doc.get(..offset).unwrap_or_default();
    let mut line = 1;
    let mut column = 0;
    let mut after_cr = false;
    for ch in before.chars() {
        match ch {
            '\n' if after_cr => {}
            '\n' | '\r' => {
                line += 1;
                column = 0;
            }
            _ => column += 1,
        }
        after_cr = ch == '\r';
    }
    Position {
        offset,
        line,
        column,
    }
}

fn floor_char_boundary(doc: &str, mut offset: usize) -> usize {
    while offset > 0 && !doc.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn is_xml_whitespace(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\n' | '\r')
}

fn is_blank(text: &str) -> bool {
    text.chars().all(is_xml_whitespace)
}

/// At most 64 characters of `text`, for error messages.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 64;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

// ------------------------------------------------------------------------------------------
// Lexer: quick-xml events to tokens
// ------------------------------------------------------------------------------------------

/// What the parser sees: elements opening and closing, and text with references resolved,
/// line ends normalized and comments and processing instructions left out.
#[derive(Debug)]
enum Token {
    Open(String),
    Close,
    Text(String),
    Eof,
}

/// A token and the byte offset where it starts.
#[derive(Debug)]
struct Spanned {
    token: Token,
    offset: usize,
}

struct Lexer<'a> {
    doc: &'a str,
    reader: Reader<&'a [u8]>,
    queue: VecDeque<Spanned>,
    open_elements: usize,
    root_closed: bool,
    events_read: usize,
}

impl<'a> Lexer<'a> {
    fn new(doc: &'a str) -> Self {
        let mut reader = Reader::from_str(doc);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.check_comments = true;
        config.expand_empty_elements = false;
        Self {
            doc,
            reader,
            queue: VecDeque::new(),
            open_elements: 0,
            root_closed: false,
            events_read: 0,
        }
    }

    fn position(&self, offset: usize) -> Position {
        position_at(self.doc, offset)
    }

    fn malformed(
        &self,
        kind: XmlErrorKind,
        offset: usize,
        detail: impl Into<String>,
    ) -> ParseError {
        ParseError::Malformed {
            kind,
            position: self.position(offset),
            detail: detail.into(),
        }
    }

    fn reader_offset(&self) -> usize {
        self.clamp(self.reader.buffer_position())
    }

    /// A position reported by quick-xml, as an offset into the document.
    fn clamp(&self, position: u64) -> usize {
        usize::try_from(position).map_or(self.doc.len(), |offset| offset.min(self.doc.len()))
    }

    /// The next token; consecutive text pieces (text, references, CDATA) come as one.
    fn next(&mut self) -> Result<Spanned, ParseError> {
        if let Some(queued) = self.queue.pop_front() {
            return Ok(queued);
        }
        let mut text: Option<(String, usize)> = None;
        while self.queue.is_empty() {
            let offset = self.reader_offset();
            let event = self
                .reader
                .read_event()
                .map_err(|error| self.reader_error(&error))?;
            self.events_read += 1;
            if let Some(piece) = self.event(event, offset)? {
                text.get_or_insert_with(|| (String::new(), offset))
                    .0
                    .push_str(&piece);
            }
        }
        match text {
            Some((text, offset)) => Ok(Spanned {
                token: Token::Text(text),
                offset,
            }),
            None => self.queue.pop_front().ok_or_else(|| {
                self.malformed(
                    XmlErrorKind::InvalidToken,
                    self.doc.len(),
                    "lexer lost a token",
                )
            }),
        }
    }

    /// Handles one event: text comes back, structure goes to the queue.
    fn event(
        &mut self,
        event: Event<'a>,
        offset: usize,
    ) -> Result<Option<Cow<'a, str>>, ParseError> {
        self.check_outside_root(&event, offset)?;
        match event {
            Event::Text(text) => {
                self.check_chars(&text, offset)?;
                if let Some(index) = text.find("]]>") {
                    return Err(self.malformed(
                        XmlErrorKind::InvalidToken,
                        offset + index + 2,
                        "`]]>` outside a CDATA section",
                    ));
                }
                Ok(Some(text.xml10_content()))
            }
            Event::CData(cdata) => {
                self.check_chars(&cdata, offset + "<![CDATA[".len())?;
                Ok(Some(cdata.xml10_content()))
            }
            Event::GeneralRef(reference) => self.reference(&reference, offset).map(Some),
            Event::Comment(_) | Event::PI(_) => Ok(None),
            Event::Decl(_) => {
                if self.root_closed {
                    return Err(self.malformed(
                        XmlErrorKind::JunkAfterRoot,
                        offset,
                        "an XML declaration after the root element",
                    ));
                }
                if offset != 0 || self.events_read > 1 {
                    return Err(self.malformed(
                        XmlErrorKind::MisplacedXmlDecl,
                        offset,
                        "an XML declaration may only open the document",
                    ));
                }
                Ok(None)
            }
            Event::DocType(_) => Err(ParseError::Doctype {
                position: self.position(offset),
            }),
            Event::Start(start) => {
                let name = self.element_name(&start, offset)?;
                self.open_elements += 1;
                self.push(Token::Open(name), offset);
                Ok(None)
            }
            Event::Empty(start) => {
                let name = self.element_name(&start, offset)?;
                self.push(Token::Open(name), offset);
                self.push(Token::Close, offset);
                self.root_closed |= self.open_elements == 0;
                Ok(None)
            }
            Event::End(_) => {
                self.open_elements = self.open_elements.saturating_sub(1);
                self.root_closed |= self.open_elements == 0;
                self.push(Token::Close, offset);
                Ok(None)
            }
            Event::Eof => {
                self.push(Token::Eof, self.doc.len());
                Ok(None)
            }
        }
    }

    /// Outside the root element only whitespace, comments and processing instructions may
    /// appear, and only one root element.
    fn check_outside_root(&self, event: &Event<'_>, offset: usize) -> Result<(), ParseError> {
        if self.open_elements > 0 {
            return Ok(());
        }
        let misplaced = match event {
            Event::Text(text) => text
                .find(|c| !is_xml_whitespace(c))
                .map(|index| offset + index),
            Event::CData(_) | Event::GeneralRef(_) => Some(offset),
            Event::Start(_) | Event::Empty(_) if self.root_closed => Some(offset),
            _ => None,
        };
        match misplaced {
            Some(at) if self.root_closed => Err(self.malformed(
                XmlErrorKind::JunkAfterRoot,
                at,
                "content after the root element",
            )),
            Some(at) => Err(self.malformed(
                XmlErrorKind::SyntaxError,
                at,
                "content before the root element",
            )),
            None => Ok(()),
        }
    }

    fn push(&mut self, token: Token, offset: usize) {
        self.queue.push_back(Spanned { token, offset });
    }

    /// The element's local name (a namespace prefix is dropped, as Python does), after
    /// checking that its attributes are well-formed.
    fn element_name(&self, start: &BytesStart<'_>, offset: usize) -> Result<String, ParseError> {
        let raw: &str = start;
        if let Some(index) = invalid_element_name_char(raw) {
            return Err(self.malformed(
                XmlErrorKind::InvalidToken,
                offset + 1 + index,
                "invalid element name",
            ));
        }
        for attribute in start.attributes() {
            attribute.map_err(|error| {
                self.malformed(XmlErrorKind::InvalidToken, offset, error.to_string())
            })?;
        }
        let local = start.local_name();
        Ok(AsRef::<str>::as_ref(&local).to_owned())
    }

    fn check_chars(&self, raw: &str, offset: usize) -> Result<(), ParseError> {
        match raw.char_indices().find(|(_, ch)| is_forbidden_char(*ch)) {
            Some((index, ch)) => Err(self.malformed(
                XmlErrorKind::InvalidToken,
                offset + index,
                format!("character U+{:04X} is not allowed in XML", u32::from(ch)),
            )),
            None => Ok(()),
        }
    }

    /// Resolves `&name;`: the five predefined entities and character references only.
    fn reference(&self, name: &str, offset: usize) -> Result<Cow<'a, str>, ParseError> {
        let predefined = match name {
            "lt" => Some("<"),
            "gt" => Some(">"),
            "amp" => Some("&"),
            "quot" => Some("\""),
            "apos" => Some("'"),
            _ => None,
        };
        if let Some(text) = predefined {
            return Ok(Cow::Borrowed(text));
        }
        if let Some(index) = invalid_reference_char(name) {
            return Err(self.malformed(
                XmlErrorKind::InvalidToken,
                offset + 1 + index,
                format!("malformed reference &{};", excerpt(name)),
            ));
        }
        let Some(number) = name.strip_prefix('#') else {
            return Err(self.malformed(
                XmlErrorKind::UndefinedEntity,
                offset,
                format!("entity &{};", excerpt(name)),
            ));
        };
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        match code.and_then(char::from_u32) {
            Some(ch) if !is_forbidden_char(ch) => Ok(Cow::Owned(ch.to_string())),
            _ => Err(self.malformed(
                XmlErrorKind::InvalidCharRef,
                offset,
                format!("character reference &{};", excerpt(name)),
            )),
        }
    }

    /// Maps a quick-xml error to expat's wording.
    fn reader_error(&self, error: &quick_xml::Error) -> ParseError {
        use quick_xml::errors::{IllFormedError, SyntaxError};
        let offset = self.clamp(self.reader.error_position());
        let kind = match error {
            quick_xml::Error::Syntax(SyntaxError::UnclosedCData) => {
                return self.malformed(
                    XmlErrorKind::UnclosedCdata,
                    self.doc.len(),
                    error.to_string(),
                );
            }
            quick_xml::Error::IllFormed(IllFormedError::UnclosedReference) => {
                let rest = self.doc.get(offset + 1..).unwrap_or_default();
                let index = invalid_reference_char(rest).unwrap_or(rest.len());
                return self.malformed(
                    XmlErrorKind::InvalidToken,
                    offset + 1 + index,
                    error.to_string(),
                );
            }
            quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => XmlErrorKind::InvalidToken,
            quick_xml::Error::Syntax(_) => XmlErrorKind::UnclosedToken,
            quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { .. }) => {
                return self.malformed(XmlErrorKind::MismatchedTag, offset + 2, error.to_string());
            }
            quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(_)) if self.root_closed => {
                return self.malformed(XmlErrorKind::InvalidToken, offset + 1, error.to_string());
            }
            quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
                XmlErrorKind::MismatchedTag
            }
            quick_xml::Error::IllFormed(
                IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion,
            ) => XmlErrorKind::BadXmlDecl,
            quick_xml::Error::IllFormed(IllFormedError::MissingDoctypeName) => {
                return ParseError::Doctype {
                    position: self.position(offset),
                };
            }
            _ => XmlErrorKind::InvalidToken,
        };
        self.malformed(kind, offset, error.to_string())
    }
}

/// Whether the error is about XML itself rather than about XML-RPC.
fn is_xml_level(error: &ParseError) -> bool {
    matches!(
        error,
        ParseError::Malformed { .. }
            | ParseError::Doctype { .. }
            | ParseError::UnsupportedEncoding(_)
    )
}

/// The index of the first character of a start tag's name that XML does not allow.
fn invalid_element_name_char(tag: &str) -> Option<usize> {
    let name_len = tag
        .find(|ch| is_xml_whitespace(ch) || ch == '/')
        .unwrap_or(tag.len());
    first_invalid_name_char(tag.get(..name_len).unwrap_or(tag))
}

/// The index of the first character of `text` that cannot be in an XML name at its place
/// (0 for an empty `text`).
fn first_invalid_name_char(text: &str) -> Option<usize> {
    for (index, ch) in text.char_indices() {
        let start = ch.is_ascii_alphabetic() || ch == '_' || ch == ':' || !ch.is_ascii();
        let valid = start || (index > 0 && matches!(ch, '0'..='9' | '-' | '.'));
        if !valid {
            return Some(index);
        }
    }
    text.is_empty().then_some(0)
}

/// The index of the first character of a reference's body (the text after `&`) that breaks
/// the grammar of a reference, where expat reports it.
fn invalid_reference_char(body: &str) -> Option<usize> {
    let Some(number) = body.strip_prefix('#') else {
        return first_invalid_name_char(body);
    };
    let (digits, radix, skip) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16, 2),
        None => (number, 10, 1),
    };
    match digits.char_indices().find(|(_, ch)| !ch.is_digit(radix)) {
        Some((index, _)) => Some(skip + index),
        None if digits.is_empty() => Some(skip),
        None => None,
    }
}

fn is_digits(text: &str, radix: u32) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_digit(radix))
}

// ------------------------------------------------------------------------------------------
// Parser: tokens to values
// ------------------------------------------------------------------------------------------

struct Parser<'a> {
    lexer: Lexer<'a>,
}

impl<'a> Parser<'a> {
    fn new(doc: &'a str) -> Self {
        Self {
            lexer: Lexer::new(doc),
        }
    }

    fn position(&self, offset: usize) -> Position {
        self.lexer.position(offset)
    }

    fn eof_error(&self) -> ParseError {
        self.lexer.malformed(
            XmlErrorKind::NoElementFound,
            self.lexer.doc.len(),
            "the document ends before its root element is closed",
        )
    }

    /// Parses the whole document: prolog, the root element `root` (its content by `body`),
    /// and the epilogue.
    ///
    /// An XML-RPC level error is reported only if the rest of the document is well-formed:
    /// otherwise the well-formedness error wins, as it does in Python, whose parser does not
    /// check the root element's name or a missing `<methodName>`.
    fn document<T>(
        &mut self,
        root: &'static str,
        body: fn(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        match self.root_and_content(root, body) {
            Err(error) if !is_xml_level(&error) => Err(self.drain().err().unwrap_or(error)),
            other => other,
        }
    }

    /// Reads the rest of the document, to find a well-formedness error.
    fn drain(&mut self) -> Result<(), ParseError> {
        loop {
            if let Token::Eof = self.lexer.next()?.token {
                return if self.lexer.root_closed {
                    Ok(())
                } else {
                    Err(self.eof_error())
                };
            }
        }
    }

    fn root_and_content<T>(
        &mut self,
        root: &'static str,
        body: fn(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        loop {
            match self.lexer.next()?.token {
                // The lexer refuses anything but whitespace outside the root element.
                Token::Text(_) => {}
                Token::Open(name) if name == root => break,
                Token::Open(name) => {
                    return Err(ParseError::WrongRoot {
                        found: name,
                        expected: root,
                    });
                }
                Token::Close | Token::Eof => return Err(self.eof_error()),
            }
        }
        let result = body(self)?;
        self.epilogue()?;
        Ok(result)
    }

    /// What follows the root element: the lexer refuses anything but whitespace, comments
    /// and processing instructions there.
    fn epilogue(&mut self) -> Result<(), ParseError> {
        loop {
            let Spanned { token, offset } = self.lexer.next()?;
            match token {
                Token::Eof => return Ok(()),
                Token::Text(_) => {}
                Token::Open(_) | Token::Close => {
                    return Err(self.lexer.malformed(
                        XmlErrorKind::JunkAfterRoot,
                        offset,
                        "a second root element",
                    ));
                }
            }
        }
    }

    /// The next token that is not whitespace; other text is refused.
    fn significant(&mut self, parent: &str) -> Result<Spanned, ParseError> {
        loop {
            let spanned = self.lexer.next()?;
            match &spanned.token {
                Token::Text(text) if is_blank(text) => {}
                Token::Text(text) => {
                    return Err(ParseError::UnexpectedText {
                        text: excerpt(text),
                        parent: parent.to_owned(),
                        position: self.position(spanned.offset),
                    });
                }
                Token::Eof => return Err(self.eof_error()),
                Token::Open(_) | Token::Close => return Ok(spanned),
            }
        }
    }

    /// The text content of a leaf element, up to and including its end tag.
    fn leaf_text(&mut self, element: &str) -> Result<String, ParseError> {
        let mut content = String::new();
        loop {
            let Spanned { token, offset } = self.lexer.next()?;
            match token {
                Token::Text(text) => content.push_str(&text),
                Token::Close => return Ok(content),
                Token::Open(found) => {
                    return Err(ParseError::UnexpectedElement {
                        found,
                        parent: element.to_owned(),
                        expected: "text only",
                        position: self.position(offset),
                    });
                }
                Token::Eof => return Err(self.eof_error()),
            }
        }
    }

    fn unexpected(
        &self,
        found: String,
        parent: &str,
        expected: &'static str,
        offset: usize,
    ) -> ParseError {
        ParseError::UnexpectedElement {
            found,
            parent: parent.to_owned(),
            expected,
            position: self.position(offset),
        }
    }

    /// The content of `<methodCall>`: `<methodName>` and optional `<params>`, in any order.
    fn call_body(&mut self) -> Result<MethodCall, ParseError> {
        let mut method: Option<String> = None;
        let mut params: Option<Vec<Value>> = None;
        loop {
            let Spanned { token, offset } = self.significant("methodCall")?;
            match token {
                Token::Open(name) if name == "methodName" => {
                    if method.is_some() {
                        return Err(self.duplicate("methodCall", name, offset));
                    }
                    method = Some(self.leaf_text("methodName")?);
                }
                Token::Open(name) if name == "params" => {
                    if params.is_some() {
                        return Err(self.duplicate("methodCall", name, offset));
                    }
                    params = Some(self.params()?);
                }
                Token::Open(name) => {
                    return Err(self.unexpected(
                        name,
                        "methodCall",
                        "<methodName> or <params>",
                        offset,
                    ));
                }
                _ => break,
            }
        }
        match method {
            Some(method) if !method.is_empty() => Ok(MethodCall {
                method,
                params: params.unwrap_or_default(),
            }),
            _ => Err(ParseError::MissingMethodName),
        }
    }

    /// The content of `<methodResponse>`: `<params>` with one `<param>`, or `<fault>`.
    fn response_body(&mut self) -> Result<Response, ParseError> {
        let Spanned { token, offset } = self.significant("methodResponse")?;
        let response = match token {
            Token::Open(name) if name == "params" => {
                let mut params = self.params()?;
                if params.len() != 1 {
                    return Err(ParseError::ParamCount(params.len()));
                }
                Response::Success(params.pop().unwrap_or(Value::Null))
            }
            Token::Open(name) if name == "fault" => self.fault()?,
            Token::Open(name) => {
                return Err(self.unexpected(name, "methodResponse", "<params> or <fault>", offset));
            }
            _ => {
                return Err(ParseError::MissingElement {
                    parent: "methodResponse",
                    child: "params> or <fault",
                    position: self.position(offset),
                });
            }
        };
        let Spanned { token, offset } = self.significant("methodResponse")?;
        match token {
            Token::Close => Ok(response),
            Token::Open(name) => Err(self.duplicate("methodResponse", name, offset)),
            _ => Err(self.eof_error()),
        }
    }

    fn duplicate(&self, parent: &'static str, child: String, offset: usize) -> ParseError {
        ParseError::DuplicateElement {
            parent,
            child,
            position: self.position(offset),
        }
    }

    /// The content of `<params>`: any number of `<param>`.
    fn params(&mut self) -> Result<Vec<Value>, ParseError> {
        let mut params = Vec::new();
        loop {
            let Spanned { token, offset } = self.significant("params")?;
            match token {
                Token::Open(name) if name == "param" => params.push(self.single_value("param")?),
                Token::Open(name) => return Err(self.unexpected(name, "params", "<param>", offset)),
                _ => return Ok(params),
            }
        }
    }

    /// The content of an element that holds exactly one `<value>` (`<param>`, `<fault>`).
    fn single_value(&mut self, parent: &'static str) -> Result<Value, ParseError> {
        let Spanned { token, offset } = self.significant(parent)?;
        let value = match token {
            Token::Open(name) if name == "value" => self.value(0)?,
            Token::Open(name) => return Err(self.unexpected(name, parent, "<value>", offset)),
            _ => {
                return Err(ParseError::MissingElement {
                    parent,
                    child: "value",
                    position: self.position(offset),
                });
            }
        };
        let Spanned { token, offset } = self.significant(parent)?;
        match token {
            Token::Close => Ok(value),
            Token::Open(name) => Err(self.duplicate(parent, name, offset)),
            _ => Err(self.eof_error()),
        }
    }

    fn fault(&mut self) -> Result<Response, ParseError> {
        let Value::Object(mut fault) = self.single_value("fault")? else {
            return Err(ParseError::InvalidFault("the fault value is not a struct"));
        };
        let code = match fault.remove("faultCode") {
            Some(Value::String(text)) => FaultCode::Text(text),
            Some(Value::Number(number)) => number
                .as_i64()
                .and_then(|code| i32::try_from(code).ok())
                .map(FaultCode::Int)
                .ok_or(ParseError::InvalidFault(
                    "faultCode is not a 32-bit integer",
                ))?,
            Some(_) => {
                return Err(ParseError::InvalidFault(
                    "faultCode is not an int or a string",
                ));
            }
            None => return Err(ParseError::InvalidFault("faultCode is missing")),
        };
        match fault.remove("faultString") {
            Some(Value::String(message)) => Ok(Response::Fault { code, message }),
            Some(_) => Err(ParseError::InvalidFault("faultString is not a string")),
            None => Err(ParseError::InvalidFault("faultString is missing")),
        }
    }

    /// The content of `<value>` (its start tag already read), `depth` arrays/structs deep.
    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        let mut bare = String::new();
        let mut typed: Option<Value> = None;
        loop {
            let Spanned { token, offset } = self.lexer.next()?;
            match token {
                Token::Text(text) => bare.push_str(&text),
                Token::Open(tag) if typed.is_none() => {
                    typed = Some(self.typed(tag, offset, depth)?)
                }
                Token::Open(tag) => {
                    return Err(self.unexpected(tag, "value", "a single type element", offset));
                }
                Token::Close => return self.finish_value(typed, bare, offset),
                Token::Eof => return Err(self.eof_error()),
            }
        }
    }

    fn finish_value(
        &self,
        typed: Option<Value>,
        bare: String,
        offset: usize,
    ) -> Result<Value, ParseError> {
        match typed {
            None => Ok(Value::String(bare)),
            Some(value) if is_blank(&bare) => Ok(value),
            Some(_) => Err(ParseError::UnexpectedText {
                text: excerpt(&bare),
                parent: "value".to_owned(),
                position: self.position(offset),
            }),
        }
    }

    /// A type element inside `<value>` (its start tag already read), up to its end tag.
    fn typed(&mut self, tag: String, offset: usize, depth: usize) -> Result<Value, ParseError> {
        let scalar: fn(&str) -> Result<Value, &'static str> = match tag.as_str() {
            "string" => return self.leaf_text(&tag).map(Value::String),
            "array" => return self.array(offset, depth + 1),
            "struct" => return self.structure(offset, depth + 1),
            "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => parse_integer,
            "double" | "float" | "bigdecimal" => parse_double,
            "boolean" => parse_boolean,
            "nil" => parse_nil,
            "dateTime.iso8601" => parse_datetime,
            "base64" => parse_base64,
            _ => {
                return Err(ParseError::UnknownType {
                    tag,
                    position: self.position(offset),
                });
            }
        };
        let text = self.leaf_text(&tag)?;
        scalar(&text).map_err(|reason| ParseError::InvalidValue {
            tag,
            text: excerpt(&text),
            reason,
            position: self.position(offset),
        })
    }

    fn check_depth(&self, offset: usize, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_NESTING_DEPTH {
            return Err(ParseError::TooDeep {
                position: self.position(offset),
            });
        }
        Ok(())
    }

    /// The content of `<array>`: one `<data>` holding any number of `<value>`.
    fn array(&mut self, offset: usize, depth: usize) -> Result<Value, ParseError> {
        self.check_depth(offset, depth)?;
        let mut items: Option<Vec<Value>> = None;
        loop {
            let Spanned { token, offset } = self.significant("array")?;
            match token {
                Token::Open(name) if name == "data" && items.is_none() => {
                    items = Some(self.data(depth)?);
                }
                Token::Open(name) if name == "data" => {
                    return Err(self.duplicate("array", name, offset));
                }
                Token::Open(name) => return Err(self.unexpected(name, "array", "<data>", offset)),
                _ => {
                    return items
                        .map(Value::Array)
                        .ok_or_else(|| ParseError::MissingElement {
                            parent: "array",
                            child: "data",
                            position: self.position(offset),
                        });
                }
            }
        }
    }

    fn data(&mut self, depth: usize) -> Result<Vec<Value>, ParseError> {
        let mut items = Vec::new();
        loop {
            let Spanned { token, offset } = self.significant("data")?;
            match token {
                Token::Open(name) if name == "value" => items.push(self.value(depth)?),
                Token::Open(name) => return Err(self.unexpected(name, "data", "<value>", offset)),
                _ => return Ok(items),
            }
        }
    }

    /// The content of `<struct>`: any number of `<member>`. A repeated name keeps its first
    /// place and its last value, as a Python dict does.
    fn structure(&mut self, offset: usize, depth: usize) -> Result<Value, ParseError> {
        self.check_depth(offset, depth)?;
        let mut members = Map::new();
        loop {
            let Spanned { token, offset } = self.significant("struct")?;
            match token {
                Token::Open(name) if name == "member" => {
                    let (key, value) = self.member(depth)?;
                    members.insert(key, value);
                }
                Token::Open(name) => {
                    return Err(self.unexpected(name, "struct", "<member>", offset));
                }
                _ => return Ok(Value::Object(members)),
            }
        }
    }

    /// The content of `<member>`: `<name>` then `<value>`.
    fn member(&mut self, depth: usize) -> Result<(String, Value), ParseError> {
        let mut name: Option<String> = None;
        let mut value: Option<Value> = None;
        loop {
            let Spanned { token, offset } = self.significant("member")?;
            match token {
                Token::Open(tag) if tag == "name" && name.is_none() => {
                    name = Some(self.leaf_text("name")?);
                }
                Token::Open(tag) if tag == "value" && name.is_some() && value.is_none() => {
                    value = Some(self.value(depth)?);
                }
                Token::Open(tag) if tag == "name" || tag == "value" => {
                    let expected = if name.is_none() {
                        "<name> first"
                    } else {
                        "one <name> and one <value>"
                    };
                    return Err(self.unexpected(tag, "member", expected, offset));
                }
                Token::Open(tag) => {
                    return Err(self.unexpected(tag, "member", "<name> and <value>", offset));
                }
                _ => {
                    let missing = |child| ParseError::MissingElement {
                        parent: "member",
                        child,
                        position: self.position(offset),
                    };
                    let name = name.ok_or_else(|| missing("name"))?;
                    let value = value.ok_or_else(|| missing("value"))?;
                    return Ok((name, value));
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Scalar decoding
// ------------------------------------------------------------------------------------------

fn parse_integer(text: &str) -> Result<Value, &'static str> {
    let trimmed = text.trim_matches(is_xml_whitespace);
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if !is_digits(digits, 10) {
        return Err("not an integer");
    }
    trimmed
        .parse::<i64>()
        .map(Value::from)
        .map_err(|_| "the integer does not fit in 64 bits")
}

fn parse_double(text: &str) -> Result<Value, &'static str> {
    let trimmed = text.trim_matches(is_xml_whitespace);
    let looks_numeric = trimmed.chars().any(|c| c.is_ascii_digit())
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if !looks_numeric {
        return Err("not a number");
    }
    let float: f64 = trimmed.parse().map_err(|_| "not a number")?;
    Number::from_f64(float)
        .map(Value::Number)
        .ok_or("the number is out of the range of a double")
}

fn parse_boolean(text: &str) -> Result<Value, &'static str> {
    match text {
        "0" => Ok(Value::Bool(false)),
        "1" => Ok(Value::Bool(true)),
        _ => Err("a boolean is 0 or 1"),
    }
}

fn parse_nil(text: &str) -> Result<Value, &'static str> {
    if is_blank(text) {
        Ok(Value::Null)
    } else {
        Err("<nil/> has no content")
    }
}

fn parse_datetime(text: &str) -> Result<Value, &'static str> {
    iso8601_to_odoo(text)
        .map(Value::String)
        .ok_or("not a YYYYMMDDTHH:MM:SS date and time")
}

fn parse_base64(text: &str) -> Result<Value, &'static str> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let compact: String = text.chars().filter(|c| !is_xml_whitespace(*c)).collect();
    LENIENT
        .decode(compact.as_bytes())
        .map(|_| Value::String(compact))
        .map_err(|_| "not valid base64")
}

fn split_date(date: &str) -> Option<(u32, u32, u32)> {
    let (year, month, day) = match date.len() {
        8 => (date.get(0..4)?, date.get(4..6)?, date.get(6..8)?),
        10 if date.get(4..5)? == "-" && date.get(7..8)? == "-" => {
            (date.get(0..4)?, date.get(5..7)?, date.get(8..10)?)
        }
        _ => return None,
    };
    Some((number(year)?, number(month)?, number(day)?))
}

fn split_time(time: &str) -> Option<(u32, u32, u32)> {
    let (hour, minute, second) = match time.len() {
        6 => (time.get(0..2)?, time.get(2..4)?, time.get(4..6)?),
        8 if time.get(2..3)? == ":" && time.get(5..6)? == ":" => {
            (time.get(0..2)?, time.get(3..5)?, time.get(6..8)?)
        }
        _ => return None,
    };
    Some((number(hour)?, number(minute)?, number(second)?))
}

fn number(text: &str) -> Option<u32> {
    if is_digits(text, 10) {
        text.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::{Path, PathBuf};

    /// `<methodCall>` around one parameter, for decoding tests.
    fn call_with(value_xml: &str) -> String {
        format!(
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n\
             <param>\n{value_xml}\n</param>\n</params>\n</methodCall>\n"
        )
    }

    fn decode(value_xml: &str) -> Result<Value, ParseError> {
        let call = parse_call(call_with(value_xml).as_bytes())?;
        assert_eq!(call.params.len(), 1);
        Ok(call.params.into_iter().next().unwrap())
    }

    fn decode_ok(value_xml: &str) -> Value {
        decode(value_xml).unwrap_or_else(|error| panic!("{value_xml}: {error}"))
    }

    /// The `<value>` line(s) `encode_response` writes for `value`.
    fn encoded_value(value: &Value) -> String {
        let body = encode_response(value).unwrap();
        let inner = body
            .strip_prefix("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n")
            .and_then(|rest| rest.strip_suffix("</param>\n</params>\n\n</methodResponse>\n"))
            .unwrap();
        inner.to_owned()
    }

    // ---- decoding, type by type -------------------------------------------------------

    #[test]
    fn decodes_integers_of_every_tag() {
        for tag in ["int", "i4", "i8", "i1", "i2", "biginteger", "ex:i8"] {
            let xml = format!("<value><{tag}>-42</{tag}></value>");
            assert_eq!(decode_ok(&xml), json!(-42), "{tag}");
        }
        assert_eq!(decode_ok("<value><int> +7 </int></value>"), json!(7));
        assert_eq!(
            decode_ok("<value><i8>9223372036854775807</i8></value>"),
            json!(i64::MAX)
        );
        assert_eq!(
            decode_ok("<value><i8>-9223372036854775808</i8></value>"),
            json!(i64::MIN)
        );
    }

    #[test]
    fn refuses_bad_integers() {
        for text in [
            "",
            "abc",
            "1.5",
            "12a",
            "--1",
            "0x10",
            "1 2",
            "9223372036854775808",
        ] {
            let error = decode(&format!("<value><int>{text}</int></value>")).unwrap_err();
            assert!(
                matches!(error, ParseError::InvalidValue { .. }),
                "{text}: {error:?}"
            );
        }
        let error = decode("<value><int>99999999999999999999</int></value>").unwrap_err();
        assert!(error.to_string().contains("64 bits"), "{error}");
    }

    #[test]
    fn decodes_doubles() {
        assert_eq!(
            decode_ok("<value><double>2240.0</double></value>"),
            json!(2240.0)
        );
        assert_eq!(
            decode_ok("<value><float>-1.5e-07</float></value>"),
            json!(-1.5e-7)
        );
        assert_eq!(
            decode_ok("<value><double> 1E16 </double></value>"),
            json!(1e16)
        );
        assert!(decode_ok("<value><double>3</double></value>").is_f64());
        for text in ["", "nan", "inf", "-Infinity", "1e999", "abc", "1,5"] {
            let error = decode(&format!("<value><double>{text}</double></value>")).unwrap_err();
            assert!(
                matches!(error, ParseError::InvalidValue { .. }),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn decodes_booleans() {
        assert_eq!(
            decode_ok("<value><boolean>1</boolean></value>"),
            json!(true)
        );
        assert_eq!(
            decode_ok("<value><boolean>0</boolean></value>"),
            json!(false)
        );
        for text in ["", "true", "2", " 1"] {
            let error = decode(&format!("<value><boolean>{text}</boolean></value>")).unwrap_err();
            assert!(
                matches!(error, ParseError::InvalidValue { .. }),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn decodes_strings_exactly() {
        assert_eq!(
            decode_ok("<value><string>  a  b \n</string></value>"),
            json!("  a  b \n")
        );
        assert_eq!(decode_ok("<value><string></string></value>"), json!(""));
        assert_eq!(decode_ok("<value><string/></value>"), json!(""));
        assert_eq!(decode_ok("<value>bare text</value>"), json!("bare text"));
        assert_eq!(decode_ok("<value>  </value>"), json!("  "));
        assert_eq!(decode_ok("<value></value>"), json!(""));
        assert_eq!(decode_ok("<value/>"), json!(""));
        assert_eq!(
            decode_ok(
                "<value><string>&lt;&gt;&amp;&quot;&apos;&#233;&#xE9;&#x1F600;</string></value>"
            ),
            json!("<>&\"'éé😀")
        );
        assert_eq!(
            decode_ok("<value><string>a<![CDATA[<b>&amp;]]>c<!-- note -->d</string></value>"),
            json!("a<b>&amp;cd")
        );
        assert_eq!(
            decode_ok("<value><string>ünï ✓</string></value>"),
            json!("ünï ✓")
        );
    }

    #[test]
    fn normalizes_line_ends_as_xml_requires() {
        // A literal CR (alone or before LF) reaches the server as LF; &#13; keeps a CR.
        assert_eq!(
            decode_ok("<value><string>a\r\nb\rc&#13;</string></value>"),
            json!("a\nb\nc\r")
        );
    }

    #[test]
    fn whitespace_around_type_elements_is_ignored() {
        assert_eq!(decode_ok("<value>\n  <int>5</int>\n</value>"), json!(5));
        let error = decode("<value>x<int>5</int></value>").unwrap_err();
        assert!(
            matches!(error, ParseError::UnexpectedText { .. }),
            "{error:?}"
        );
        let error = decode("<value><int>5</int><int>6</int></value>").unwrap_err();
        assert!(
            matches!(error, ParseError::UnexpectedElement { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn decodes_nil() {
        assert_eq!(decode_ok("<value><nil/></value>"), Value::Null);
        assert_eq!(decode_ok("<value><nil></nil></value>"), Value::Null);
        assert_eq!(decode_ok("<value><ex:nil/></value>"), Value::Null);
        assert!(decode("<value><nil>x</nil></value>").is_err());
    }

    #[test]
    fn decodes_arrays_and_structs() {
        let xml = "<value><array><data>\n<value><int>1</int></value>\n<value><array><data>\
                   </data></array></value>\n<value><struct>\n<member>\n<name>k</name>\n\
                   <value><string>v</string></value>\n</member>\n<member><name>n</name>\
                   <value><nil/></value></member></struct></value>\n</data></array></value>";
        assert_eq!(decode_ok(xml), json!([1, [], {"k": "v", "n": null}]));
        assert_eq!(decode_ok("<value><struct></struct></value>"), json!({}));
        assert_eq!(
            decode_ok("<value><array><data/></array></value>"),
            json!([])
        );
    }

    #[test]
    fn struct_keeps_member_order_and_last_duplicate() {
        let xml = "<value><struct><member><name>b</name><value><int>1</int></value></member>\
                   <member><name>a</name><value><int>2</int></value></member>\
                   <member><name>b</name><value><int>3</int></value></member></struct></value>";
        let value = decode_ok(xml);
        assert_eq!(value, json!({"b": 3, "a": 2}));
        if map_keeps_insertion_order() {
            let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["b", "a"]);
        }
    }

    #[test]
    fn refuses_malformed_arrays_and_structs() {
        for xml in [
            "<value><array></array></value>",
            "<value><array><value><int>1</int></value></array></value>",
            "<value><array><data></data><data></data></array></value>",
            "<value><array><data><int>1</int></data></array></value>",
            "<value><array><data>x</data></array></value>",
            "<value><struct><member><value><int>1</int></value></member></struct></value>",
            "<value><struct><member><name>a</name></member></struct></value>",
            "<value><struct><member><value><int>1</int></value><name>a</name></member></struct></value>",
            "<value><struct><member><name>a</name><name>b</name><value/></member></struct></value>",
            "<value><struct><name>a</name></struct></value>",
            "<value><struct><member><name>a<b/></name><value/></member></struct></value>",
        ] {
            let error = decode(xml).unwrap_err();
            assert!(!is_xml_level(&error), "{xml}: {error:?}");
        }
    }

    #[test]
    fn decodes_iso8601_dates_to_odoo_format() {
        for text in [
            "20200101T00:00:00",
            "2020-01-01T00:00:00",
            "20200101T000000",
            "2020-01-01T000000",
            " 20200101T00:00:00 ",
        ] {
            let xml = format!("<value><dateTime.iso8601>{text}</dateTime.iso8601></value>");
            assert_eq!(decode_ok(&xml), json!("2020-01-01 00:00:00"), "{text}");
        }
        assert_eq!(
            iso8601_to_odoo("20240229T23:59:59").as_deref(),
            Some("2024-02-29 23:59:59")
        );
        for text in [
            "",
            "20200101",
            "2020010T00:00:00",
            "20230229T00:00:00",
            "20201301T00:00:00",
            "20200101T24:00:00",
            "20200101T00:60:00",
            "20200101T00:00:60",
            "2020-01-01 00:00:00",
            "20200101T00:00:00Z",
            "00000101T00:00:00",
            "2020/01/01T00:00:00",
        ] {
            let xml = format!("<value><dateTime.iso8601>{text}</dateTime.iso8601></value>");
            let error = decode(&xml).unwrap_err();
            assert!(
                matches!(error, ParseError::InvalidValue { .. }),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn decodes_base64_as_its_text() {
        assert_eq!(
            decode_ok("<value><base64>aGVs\n bG8=\n</base64></value>"),
            json!("aGVsbG8=")
        );
        assert_eq!(decode_ok("<value><base64></base64></value>"), json!(""));
        for text in ["aGVsbG8", "a*b=", "===="] {
            let xml = format!("<value><base64>{text}</base64></value>");
            assert!(
                matches!(decode(&xml), Err(ParseError::InvalidValue { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_unknown_type_tags() {
        let error = decode("<value><date>2020-01-01</date></value>").unwrap_err();
        assert!(
            matches!(&error, ParseError::UnknownType { tag, .. } if tag == "date"),
            "{error:?}"
        );
        assert!(error.to_string().contains("<date>"));
    }

    // ---- calls ----------------------------------------------------------------------

    #[test]
    fn parses_calls_without_or_with_empty_params() {
        let call =
            parse_call(b"<methodCall><methodName>version</methodName></methodCall>").unwrap();
        assert_eq!(
            call,
            MethodCall {
                method: "version".into(),
                params: vec![]
            }
        );
        let call =
            parse_call(b"<methodCall><methodName>v</methodName><params/></methodCall>").unwrap();
        assert!(call.params.is_empty());
        let call = parse_call(
            b"<methodCall><params><param><value>x</value></param></params>\
              <methodName>late</methodName></methodCall>",
        )
        .unwrap();
        assert_eq!(call.method, "late");
        assert_eq!(call.params, vec![json!("x")]);
    }

    #[test]
    fn refuses_calls_without_method_name() {
        for body in [
            "<methodCall></methodCall>",
            "<methodCall><methodName></methodName></methodCall>",
            "<methodCall><params></params></methodCall>",
        ] {
            assert_eq!(
                parse_call(body.as_bytes()),
                Err(ParseError::MissingMethodName),
                "{body}"
            );
        }
        let error = parse_call(
            b"<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>",
        )
        .unwrap_err();
        assert!(
            matches!(error, ParseError::DuplicateElement { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn refuses_wrong_roots_and_stray_content() {
        let error = parse_call(b"<methodResponse><params/></methodResponse>").unwrap_err();
        assert!(matches!(error, ParseError::WrongRoot { .. }), "{error:?}");
        let error =
            parse_response(b"<methodCall><methodName>x</methodName></methodCall>").unwrap_err();
        assert!(matches!(error, ParseError::WrongRoot { .. }), "{error:?}");
        for body in [
            "<methodCall><methodName>x</methodName><params><param></param></params></methodCall>",
            "<methodCall><methodName>x</methodName><params><foo/></params></methodCall>",
            "<methodCall><methodName>x</methodName><params>text</params></methodCall>",
            "<methodCall><methodName>x</methodName><extra/></methodCall>",
            "<methodCall><methodName>x</methodName><params><param><value/><value/></param></params></methodCall>",
        ] {
            let error = parse_call(body.as_bytes()).unwrap_err();
            assert!(!is_xml_level(&error), "{body}: {error:?}");
        }
    }

    #[test]
    fn accepts_declarations_comments_and_latin1() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<?pi x?>\
                    <methodCall><methodName>m</methodName></methodCall>\n<!-- after -->\n";
        assert_eq!(parse_call(body.as_bytes()).unwrap().method, "m");
        let mut latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall>\
                           <methodName>m</methodName><params><param><value><string>"
            .to_vec();
        latin1.push(0xE9);
        latin1.extend_from_slice(b"</string></value></param></params></methodCall>");
        assert_eq!(parse_call(&latin1).unwrap().params, vec![json!("é")]);
        let error =
            parse_call(b"<?xml version='1.0' encoding='windows-1252'?><methodCall/>").unwrap_err();
        assert!(
            matches!(error, ParseError::UnsupportedEncoding(_)),
            "{error:?}"
        );
        let error = parse_call(b"\xFF\xFE<\x00").unwrap_err();
        assert!(
            matches!(error, ParseError::UnsupportedEncoding(_)),
            "{error:?}"
        );
    }

    // ---- responses --------------------------------------------------------------------

    #[test]
    fn parses_success_and_both_fault_forms() {
        let body = encode_response(&json!({"a": [1, 2.5, "x"]})).unwrap();
        assert_eq!(
            parse_response(body.as_bytes()).unwrap(),
            Response::Success(json!({"a": [1, 2.5, "x"]}))
        );
        let body = encode_fault(&FaultCode::Int(3), "Access Denied");
        assert_eq!(
            parse_response(body.as_bytes()).unwrap(),
            Response::Fault {
                code: FaultCode::Int(3),
                message: "Access Denied".into()
            }
        );
        let code = FaultCode::Text("warning -- UserError\n\nNo <way>".into());
        let body = encode_fault(&code, "");
        assert_eq!(
            parse_response(body.as_bytes()).unwrap(),
            Response::Fault {
                code,
                message: String::new()
            }
        );
    }

    #[test]
    fn refuses_bad_responses() {
        let wrap = |inner: &str| format!("<methodResponse>{inner}</methodResponse>");
        let two = "<params><param><value>a</value></param><param><value>b</value></param></params>";
        assert_eq!(
            parse_response(wrap(two).as_bytes()),
            Err(ParseError::ParamCount(2))
        );
        assert_eq!(
            parse_response(wrap("<params></params>").as_bytes()),
            Err(ParseError::ParamCount(0))
        );
        let fault = |members: &str| {
            wrap(&format!(
                "<fault><value><struct>{members}</struct></value></fault>"
            ))
        };
        let code = "<member><name>faultCode</name><value><int>1</int></value></member>";
        let text = "<member><name>faultString</name><value>boom</value></member>";
        let big = "<member><name>faultCode</name><value><i8>4294967296</i8></value></member>";
        let nil = "<member><name>faultString</name><value><nil/></value></member>";
        for body in [
            fault(code),
            fault(text),
            fault(&format!("{big}{text}")),
            fault(&format!("{code}{nil}")),
        ] {
            let error = parse_response(body.as_bytes()).unwrap_err();
            assert!(
                matches!(error, ParseError::InvalidFault(_)),
                "{body}: {error:?}"
            );
        }
        let not_struct = wrap("<fault><value><int>1</int></value></fault>");
        assert!(matches!(
            parse_response(not_struct.as_bytes()),
            Err(ParseError::InvalidFault(_))
        ));
        for body in [wrap(""), wrap("<params/><fault/>"), wrap("<foo/>")] {
            assert!(parse_response(body.as_bytes()).is_err(), "{body}");
        }
    }

    // ---- encoding ---------------------------------------------------------------------

    #[test]
    fn encodes_each_type_as_odoo_does() {
        assert_eq!(encoded_value(&json!(2)), "<value><int>2</int></value>\n");
        assert_eq!(
            encoded_value(&json!(-2147483648)),
            "<value><int>-2147483648</int></value>\n"
        );
        assert_eq!(
            encoded_value(&json!(2147483647)),
            "<value><int>2147483647</int></value>\n"
        );
        assert_eq!(
            encoded_value(&json!(70.0)),
            "<value><double>70.0</double></value>\n"
        );
        assert_eq!(
            encoded_value(&json!(true)),
            "<value><boolean>1</boolean></value>\n"
        );
        assert_eq!(
            encoded_value(&json!(false)),
            "<value><boolean>0</boolean></value>\n"
        );
        assert_eq!(
            encoded_value(&json!("")),
            "<value><string></string></value>\n"
        );
        assert_eq!(
            encoded_value(&json!([])),
            "<value><array><data>\n</data></array></value>\n"
        );
        assert_eq!(
            encoded_value(&json!({})),
            "<value><struct>\n</struct></value>\n"
        );
        assert_eq!(
            encoded_value(&json!([[11, "Gemini"]])),
            "<value><array><data>\n<value><array><data>\n<value><int>11</int></value>\n\
             <value><string>Gemini</string></value>\n</data></array></value>\n</data></array></value>\n"
        );
        assert_eq!(
            encoded_value(&json!({"id": 1})),
            "<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n\
             </member>\n</struct></value>\n"
        );
    }

    #[test]
    fn escapes_like_python() {
        assert_eq!(
            encoded_value(&json!("a&b<c>d\"e'f")),
            "<value><string>a&amp;b&lt;c&gt;d\"e'f</string></value>\n"
        );
        assert_eq!(
            encoded_value(&json!({"<k&>": 1})),
            "<value><struct>\n<member>\n<name>&lt;k&amp;&gt;</name>\n<value><int>1</int></value>\n\
             </member>\n</struct></value>\n"
        );
        let body = encode_call("a&b", &[json!("<>")]).unwrap();
        assert!(body.contains("<methodName>a&amp;b</methodName>"), "{body}");
        assert!(body.contains("<string>&lt;&gt;</string>"), "{body}");
    }

    #[test]
    fn answers_drop_control_characters_calls_refuse_them() {
        let text: String = (0u8..=40)
            .map(char::from)
            .chain(['\u{fffe}', '\u{ffff}', 'é'])
            .collect();
        let encoded = encoded_value(&json!(text));
        assert_eq!(
            encoded,
            "<value><string>\t\n\r !\"#$%&amp;'(é</string></value>\n",
        );
        let fault = encode_fault(&FaultCode::Text("a\u{1}b".into()), "x\u{0}y\u{1b}z\tw");
        assert!(fault.contains("<string>ab</string>") && fault.contains("<string>xyz\tw</string>"));
        let error = encode_call("m", &[json!({"k": ["ok", "bad\u{7}"]})]).unwrap_err();
        assert_eq!(
            error,
            EncodeError::InvalidChar {
                code: 7,
                path: "params[0].k[1]".into()
            }
        );
        assert!(encode_call("m\u{1}", &[]).is_err());
        assert!(encode_call("m", &[json!("tab\tcr\rlf\n")]).is_ok());
    }

    #[test]
    fn null_is_refused_in_answers_and_sent_as_nil_in_calls() {
        let error = encode_response(&json!([{"a": null}])).unwrap_err();
        assert_eq!(
            error,
            EncodeError::Null {
                path: "result[0].a".into()
            }
        );
        assert!(
            error
                .to_string()
                .starts_with("cannot marshal None unless allow_none is enabled")
        );
        assert_eq!(
            error.fault_string(),
            "Traceback (most recent call last):\n...\n\
             TypeError: cannot marshal None unless allow_none is enabled"
        );
        let body = encode_call("m", &[json!({"limit": null}), Value::Null]).unwrap();
        assert_eq!(
            body,
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n\
             <value><struct>\n<member>\n<name>limit</name>\n<value><nil/></value></member>\n\
             </struct></value>\n</param>\n<param>\n<value><nil/></value></param>\n</params>\n\
             </methodCall>\n"
        );
        let call = parse_call(body.as_bytes()).unwrap();
        assert_eq!(call.params, vec![json!({"limit": null}), Value::Null]);
    }

    #[test]
    fn integers_beyond_32_bits_are_refused_when_encoding() {
        for value in [
            json!(2147483648_i64),
            json!(-2147483649_i64),
            json!(u64::MAX),
            json!(i64::MIN),
        ] {
            let error = encode_response(&json!({"n": value})).unwrap_err();
            assert!(
                matches!(error, EncodeError::IntegerOutOfRange { .. }),
                "{value}: {error:?}"
            );
            assert!(error.to_string().starts_with("int exceeds XML-RPC limits"));
            assert_eq!(
                error.python_exception(),
                "OverflowError: int exceeds XML-RPC limits"
            );
            assert!(
                encode_call("m", std::slice::from_ref(&value)).is_err(),
                "{value}"
            );
        }
    }

    #[test]
    fn deep_values_are_refused_when_encoding() {
        let mut value = json!(1);
        for _ in 0..MAX_ENCODE_DEPTH {
            value = json!([value]);
        }
        assert!(encode_response(&value).is_ok());
        let error = encode_response(&json!([value])).unwrap_err();
        assert!(matches!(error, EncodeError::TooDeep { .. }), "{error:?}");
    }

    #[test]
    fn floats_are_written_as_python_repr() {
        let cases: &[(f64, &str)] = &[
            (2240.0, "2240.0"),
            (0.1, "0.1"),
            (0.3, "0.3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.0 / 3.0, "0.6666666666666666"),
            (38.25, "38.25"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.5e-7, "1.5e-07"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (-1234.5, "-1234.5"),
            (5e-324, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            // Ties between two shortest candidates go to the even digit, as in Python.
            (f64::from_bits(0x430e1c6d958d7b72), "1059438285926254.2"),
            (f64::from_bits(0x42b7fa57c450e950), "26363981746409.312"),
            (f64::from_bits(0xc2bf0dc905b07310), "-34144067629171.062"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(*value), *expected, "{value:e}");
        }
        assert_eq!(
            encoded_value(&json!(1.5e-7)),
            "<value><double>1.5e-07</double></value>\n"
        );
    }

    #[test]
    fn faults_are_written_as_odoo_does() {
        assert_eq!(
            encode_fault(&FaultCode::Int(3), "Access Denied"),
            "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n\
             <name>faultCode</name>\n<value><int>3</int></value>\n</member>\n<member>\n\
             <name>faultString</name>\n<value><string>Access Denied</string></value>\n</member>\n\
             </struct></value>\n</fault>\n\n</methodResponse>\n"
        );
    }

    #[test]
    fn calls_round_trip() {
        let params = vec![
            json!("odoo"),
            json!(2),
            json!({"fields": ["name", "list_price"], "limit": null, "ctx": {"lang": "fr_FR"}}),
            json!([
                [["write_date", ">", "2020-01-01 00:00:00"]],
                1.25,
                false,
                true,
                "a&<>\r\t"
            ]),
        ];
        let body = encode_call("execute_kw", &params).unwrap();
        let call = parse_call(body.as_bytes()).unwrap();
        assert_eq!(call.method, "execute_kw");
        // A raw CR reaches the other side as LF, as with Python's client.
        let mut expected = params;
        expected[3][4] = json!("a&<>\n\t");
        assert_eq!(call.params, expected);
    }

    // ---- hostile input ----------------------------------------------------------------

    #[test]
    fn refuses_doctype_and_entity_definitions() {
        let bomb = "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n\
                    <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
                    <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n\
                    <methodCall><methodName>&lol3;</methodName></methodCall>";
        assert!(matches!(
            parse_call(bomb.as_bytes()),
            Err(ParseError::Doctype { .. })
        ));
        let external = "<?xml version='1.0'?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\
                        <methodCall><methodName>&x;</methodName></methodCall>";
        assert!(matches!(
            parse_call(external.as_bytes()),
            Err(ParseError::Doctype { .. })
        ));
        let plain = "<!DOCTYPE methodCall><methodCall><methodName>m</methodName></methodCall>";
        let error = parse_call(plain.as_bytes()).unwrap_err();
        assert!(matches!(error, ParseError::Doctype { .. }), "{error:?}");
        assert!(error.to_string().contains("DOCTYPE"));
        let error = parse_response(b"<!DOCTYPE x><methodResponse/>").unwrap_err();
        assert!(matches!(error, ParseError::Doctype { .. }), "{error:?}");
        // Without a DTD, an entity reference is simply undefined.
        let error = decode("<value><string>&lol;</string></value>").unwrap_err();
        assert!(
            matches!(
                error,
                ParseError::Malformed {
                    kind: XmlErrorKind::UndefinedEntity,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn refuses_deep_nesting_quickly() {
        for (open, close) in [
            ("<array><data><value>", "</value></data></array>"),
            (
                "<struct><member><name>k</name><value>",
                "</value></member></struct>",
            ),
        ] {
            let nested = |depth: usize| {
                format!(
                    "<value>{}x{}</value>",
                    open.repeat(depth),
                    close.repeat(depth)
                )
            };
            assert!(decode(&nested(MAX_NESTING_DEPTH)).is_ok());
            for depth in [MAX_NESTING_DEPTH + 1, 1000] {
                let error = decode(&nested(depth)).unwrap_err();
                assert!(
                    matches!(error, ParseError::TooDeep { .. }),
                    "{depth}: {error:?}"
                );
            }
            // A deep document that is also malformed reports the XML error, found in one
            // linear pass after the depth limit stopped the value parser.
            let unclosed = format!("<value>{}", open.repeat(20_000));
            let error = decode(&unclosed).unwrap_err();
            assert!(
                matches!(
                    error,
                    ParseError::Malformed {
                        kind: XmlErrorKind::MismatchedTag,
                        ..
                    }
                ),
                "{error:?}"
            );
            let body = format!(
                "<methodCall><methodName>m</methodName><params><param><value>{}",
                open.repeat(20_000)
            );
            let error = parse_call(body.as_bytes()).unwrap_err();
            assert!(
                matches!(
                    error,
                    ParseError::Malformed {
                        kind: XmlErrorKind::NoElementFound,
                        ..
                    }
                ),
                "{error:?}"
            );
        }
    }

    #[test]
    fn refuses_malformed_xml_with_expat_messages() {
        // Messages checked against Python 3.11's xmlrpc.client.loads (expat).
        let cases: &[(&[u8], &str)] = &[
            (
                b"<?xml version='1.0'?><methodCall><methodName>execute_kw",
                "no element found: line 1, column 55",
            ),
            (b"", "no element found: line 1, column 0"),
            (b"   \n", "no element found: line 2, column 0"),
            (
                b"<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string>ab",
                "no element found: line 5, column 17",
            ),
            (b"hello", "syntax error: line 1, column 0"),
            (b"<a></b>", "mismatched tag: line 1, column 5"),
            (b"<a>\n<b>x</c></a>", "mismatched tag: line 2, column 6"),
            (
                b"<methodCall></methodName></methodCall>",
                "mismatched tag: line 1, column 14",
            ),
            (
                b"<methodCall></methodCall>junk",
                "junk after document element: line 1, column 25",
            ),
            (
                b"\n\n<methodCall><methodName>x</methodName></methodCall>\n<b/>",
                "junk after document element: line 4, column 0",
            ),
            (
                b"<a>x</a><?xml version=\"1.0\"?>",
                "junk after document element: line 1, column 8",
            ),
            (b"<a>&foo;</a>", "undefined entity: line 1, column 3"),
            (
                "<a>é&foo;</a>".as_bytes(),
                "undefined entity: line 1, column 4",
            ),
            (
                b"<methodCall>\r\n<x>&bogus;</x></methodCall>",
                "undefined entity: line 2, column 3",
            ),
            (
                b"<a>&#1;</a>",
                "reference to invalid character number: line 1, column 3",
            ),
            (
                b"<a>&#xFFFE;</a>",
                "reference to invalid character number: line 1, column 3",
            ),
            (
                b"<a>\x01</a>",
                "not well-formed (invalid token): line 1, column 3",
            ),
            (
                b"<a>\xEF\xBF\xBE</a>",
                "not well-formed (invalid token): line 1, column 3",
            ),
            (
                b"<a>\xff</a>",
                "not well-formed (invalid token): line 1, column 3",
            ),
            (
                b"<a>]]></a>",
                "not well-formed (invalid token): line 1, column 5",
            ),
            (
                b"<a>&amp</a>",
                "not well-formed (invalid token): line 1, column 7",
            ),
            (
                b"<methodCall><methodName>x < y</methodName></methodCall>",
                "not well-formed (invalid token): line 1, column 27",
            ),
            (
                b"<methodCall><methodName>&#xZZ;</methodName></methodCall>",
                "not well-formed (invalid token): line 1, column 27",
            ),
            (
                b"<methodCall><methodName>a\x00b</methodName></methodCall>",
                "not well-formed (invalid token): line 1, column 25",
            ),
            (
                b"<methodCall><methodName>x</methodName></methodCall></b>",
                "not well-formed (invalid token): line 1, column 52",
            ),
            (
                b"<a><![CDATA[x</a>",
                "unclosed CDATA section: line 1, column 17",
            ),
            (b"<a", "unclosed token: line 1, column 0"),
            (b"<methodCall><!-- x", "unclosed token: line 1, column 12"),
            (
                b" <?xml version='1.0'?><methodCall/>",
                "XML or text declaration not at start of entity: line 1, column 1",
            ),
        ];
        for (body, expected) in cases {
            let error = parse_call(body).unwrap_err();
            assert_eq!(
                error.expat_message().as_deref(),
                Some(*expected),
                "{:?}: {error:?}",
                String::from_utf8_lossy(body)
            );
        }
        let error = parse_call(cases[0].0).unwrap_err();
        assert_eq!(
            error.malformed_xml_fault_string().as_deref(),
            Some(RECORDED_MALFORMED_XML_FAULT_STRING)
        );
        assert_eq!(ParseError::MissingMethodName.expat_message(), None);
    }

    #[test]
    fn every_truncation_of_a_call_is_refused() {
        let body = encode_call(
            "execute_kw",
            &[
                json!("odoo"),
                json!({"a": [1, 2.5, true, "x&y"], "b": null}),
                json!([[]]),
            ],
        )
        .unwrap();
        for cut in 0..body.len() {
            let prefix = &body.as_bytes()[..cut];
            // Cutting only the final line break leaves a complete document.
            if cut == body.len() - 1 {
                assert!(parse_call(prefix).is_ok());
                continue;
            }
            let error = parse_call(prefix).unwrap_err();
            assert!(error.expat_message().is_some(), "cut at {cut}: {error:?}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        // A small xorshift generator keeps this test deterministic without extra crates.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let seed = encode_call("m", &[json!({"k": [1, "v", 2.5, null, {"n": false}]})]).unwrap();
        let pieces: [&[u8]; 12] = [
            b"<",
            b">",
            b"</",
            b"/>",
            b"&",
            b";",
            b"<value>",
            b"</value>",
            b"<![CDATA[",
            b"]]>",
            b"\xC3",
            b"<!--",
        ];
        for _ in 0..5000 {
            let mut body = seed.as_bytes().to_vec();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % (body.len() + 1);
                match next() % 3 {
                    0 => body.insert(at, next() as u8),
                    1 => {
                        let piece = pieces[(next() as usize) % pieces.len()];
                        body.splice(at..at, piece.iter().copied());
                    }
                    _ => {
                        if at < body.len() {
                            body.remove(at);
                        }
                    }
                }
            }
            let _ = parse_call(&body);
            let _ = parse_response(&body);
        }
        for _ in 0..2000 {
            let len = (next() % 64) as usize;
            let body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            assert!(parse_call(&body).is_err());
            let _ = parse_response(&body);
        }
    }

    // ---- the recorded exchanges --------------------------------------------------------

    /// Whether `serde_json::Map` keeps insertion order (the `preserve_order` feature).
    fn map_keeps_insertion_order() -> bool {
        let mut map = Map::new();
        map.insert("b".to_owned(), Value::Null);
        map.insert("a".to_owned(), Value::Null);
        map.keys().next().map(String::as_str) == Some("b")
    }

    fn transcripts_root() -> PathBuf {
        let candidates = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/odoo/transcripts"),
            "/work/shared/odoo/transcripts",
        ];
        candidates
            .iter()
            .map(Path::new)
            .find(|path| path.is_dir())
            .unwrap_or_else(|| panic!("no transcripts folder among {candidates:?}"))
            .to_path_buf()
    }

    /// Compares a re-encoded body with the recorded one. Byte for byte when `Map` keeps
    /// insertion order; otherwise struct members come out sorted, so the check falls back to
    /// comparing the bodies' lines as multisets (member order is the only freedom).
    fn same_body(expected: &str, actual: &str, exact: bool) -> bool {
        if exact {
            return expected == actual;
        }
        fn sorted(text: &str) -> Vec<&str> {
            let mut lines: Vec<&str> = text.split('\n').collect();
            lines.sort_unstable();
            lines
        }
        expected.len() == actual.len() && sorted(expected) == sorted(actual)
    }

    /// What Python's client would send for the value model's view of a recorded request:
    /// the only difference is `<dateTime.iso8601>`, which the value model holds as Odoo's
    /// string form and so re-encodes as `<string>` (exchange 1 of
    /// `18.0/xmlrpc-false-and-dates.json`).
    fn request_as_value_model_sends_it(recorded: &str) -> String {
        const OPEN: &str = "<dateTime.iso8601>";
        const CLOSE: &str = "</dateTime.iso8601>";
        let mut out = String::new();
        let mut rest = recorded;
        while let Some(start) = rest.find(OPEN) {
            let after = &rest[start + OPEN.len()..];
            let end = after.find(CLOSE).unwrap();
            out.push_str(&rest[..start]);
            out.push_str("<string>");
            out.push_str(&iso8601_to_odoo(&after[..end]).unwrap());
            out.push_str("</string>");
            rest = &after[end + CLOSE.len()..];
        }
        out.push_str(rest);
        out
    }

    /// Checks one recorded `/xmlrpc` exchange; returns the problems found.
    fn check_exchange(label: &str, exchange: &Value, exact: bool) -> Vec<String> {
        let mut problems = Vec::new();
        let response = exchange["response_body"].as_str().unwrap_or_default();
        let parsed_response = response
            .contains("<methodResponse>")
            .then(|| parse_response(response.as_bytes()));
        if let Some(request) = exchange["request_body"].as_str() {
            match parse_call(request.as_bytes()) {
                Ok(call) => {
                    let encoded = encode_call(&call.method, &call.params).unwrap();
                    let expected = request_as_value_model_sends_it(request);
                    if !same_body(&expected, &encoded, exact) {
                        problems.push(format!(
                            "{label}: request re-encodes differently:\n{encoded}"
                        ));
                    }
                }
                Err(error) => {
                    // Only a deliberately malformed recording may fail, and then the server
                    // must have answered the expat error this parser names.
                    let expected = error.malformed_xml_fault_string();
                    let answered = match &parsed_response {
                        Some(Ok(Response::Fault {
                            code: FaultCode::Int(1),
                            message,
                        })) => Some(message),
                        _ => None,
                    };
                    if expected.is_none() || answered != expected.as_ref() {
                        problems.push(format!(
                            "{label}: request refused ({error}), server answered {answered:?}"
                        ));
                    }
                }
            }
        }
        match parsed_response {
            None => {}
            Some(Err(error)) => problems.push(format!("{label}: response refused: {error}")),
            Some(Ok(Response::Success(value))) => match encode_response(&value) {
                Ok(encoded) if same_body(response, &encoded, exact) => {}
                Ok(encoded) => problems.push(format!("{label}: response re-encodes as\n{encoded}")),
                Err(error) => problems.push(format!("{label}: response not encodable: {error}")),
            },
            Some(Ok(Response::Fault { code, message })) => {
                let encoded = encode_fault(&code, &message);
                if !same_body(response, &encoded, exact) {
                    problems.push(format!("{label}: fault re-encodes as\n{encoded}"));
                }
            }
        }
        problems
    }

    #[test]
    fn recorded_exchanges_round_trip_byte_for_byte() {
        let root = transcripts_root();
        let exact = map_keeps_insertion_order();
        if !exact {
            eprintln!(
                "serde_json without preserve_order: struct members are sorted, so recorded \
                 bodies are compared line by line instead of byte for byte"
            );
        }
        let mut checked = 0;
        let mut refused_requests = 0;
        let mut problems = Vec::new();
        for version in ["18.0", "19.0"] {
            let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(version))
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let recording: Value = serde_json::from_str(&text).unwrap();
                let exchanges = recording["exchanges"].as_array().unwrap();
                for (index, exchange) in exchanges.iter().enumerate() {
                    let endpoint = exchange["endpoint"].as_str().unwrap_or_default();
                    if !endpoint.starts_with("/xmlrpc") {
                        continue;
                    }
                    let label = format!("{}#{index}", file.display());
                    let request = exchange["request_body"].as_str().unwrap_or_default();
                    if !request.is_empty() && parse_call(request.as_bytes()).is_err() {
                        refused_requests += 1;
                    }
                    problems.extend(check_exchange(&label, exchange, exact));
                    checked += 1;
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
        // 65 /xmlrpc exchanges were recorded; one of them is the malformed-XML one.
        assert!(
            checked >= 65,
            "only {checked} exchanges found under {}",
            root.display()
        );
        assert_eq!(refused_requests, 1);
    }
}
