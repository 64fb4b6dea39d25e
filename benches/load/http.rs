//! Just enough HTTP/1.1 for a keep-alive load generator: a pre-serialized POST request, and a
//! response reader that parses the status line and headers, honours `Content-Length` and
//! chunked transfer encoding, and checks the RPC outcome without decoding the whole body.

use tokio::io::{AsyncRead, AsyncReadExt};

/// What a successful answer looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// HTTP 200 and a JSON-RPC envelope with a top-level `result` (no `error`).
    JsonRpc,
    /// HTTP 200 and a `<methodResponse>` whose first element is `<params>` (no `<fault>`).
    XmlRpc,
}

/// The request bytes for `POST path` with `body`, kept alive.
pub fn post(host: &str, path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// One response, borrowed from the reader's buffers.
pub struct Response<'a> {
    pub status: u16,
    pub body: &'a [u8],
    /// Header and framing bytes included.
    pub wire_bytes: usize,
    /// The server will close the connection after this response.
    pub close: bool,
}

enum Framing {
    Length(usize),
    Chunked,
    /// No length: the body runs to the end of the connection.
    UntilClose,
}

/// Reads responses off one connection; the buffers are reused from one response to the next.
pub struct Reader {
    buf: Vec<u8>,
    /// The de-chunked body of a chunked response.
    dechunked: Vec<u8>,
}

impl Default for Reader {
    fn default() -> Self {
        Self {
            buf: Vec::with_capacity(64 * 1024),
            dechunked: Vec::new(),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Status, framing and `Connection: close` from the head (status line and headers, without the
/// blank line).
fn parse_head(head: &[u8]) -> Result<(u16, Framing, bool), String> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, |&b| b == b' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with(b"HTTP/1.") {
        return Err(format!(
            "not an HTTP/1.x status line: {:?}",
            String::from_utf8_lossy(status_line)
        ));
    }
    let status = parts
        .next()
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {:?}", String::from_utf8_lossy(status_line)))?;
    let mut close = version == b"HTTP/1.0";
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"content-length") {
            length = Some(
                std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or("bad Content-Length")?,
            );
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value
                .split(|&b| b == b',')
                .any(|t| trim(t).eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',') {
                if trim(token).eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if trim(token).eq_ignore_ascii_case(b"keep-alive") {
                    close = false;
                }
            }
        }
    }
    let framing = if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::Length(0)
    } else {
        close = true;
        Framing::UntilClose
    };
    Ok((status, framing, close))
}

/// Where a chunked body stands after the bytes seen so far.
enum Chunks {
    /// Complete: the message ends at this offset (from the start of the body).
    Done(usize),
    NeedMore,
}

/// Continues de-chunking `data` (the bytes after the head) from `pos`, appending chunk data
/// to `out`; `pos` is left at the first chunk-size line not yet consumed.
fn dechunk(data: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Result<Chunks, String> {
    loop {
        let rest = &data[*pos..];
        let Some(eol) = find(rest, b"\r\n") else {
            return Ok(Chunks::NeedMore);
        };
        let size_text = rest[..eol].split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(trim(size_text))
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or_else(|| {
                format!(
                    "bad chunk size line {:?}",
                    String::from_utf8_lossy(&rest[..eol])
                )
            })?;
        let after = eol + 2;
        if size == 0 {
            // Trailers (usually none), then the blank line.
            if rest[after..].starts_with(b"\r\n") {
                return Ok(Chunks::Done(*pos + after + 2));
            }
            return Ok(match find(&rest[after..], b"\r\n\r\n") {
                Some(end) => Chunks::Done(*pos + after + end + 4),
                None => Chunks::NeedMore,
            });
        }
        if rest.len() < after + size + 2 {
            return Ok(Chunks::NeedMore);
        }
        if &rest[after + size..after + size + 2] != b"\r\n" {
            return Err("chunk data not followed by CRLF".into());
        }
        out.extend_from_slice(&rest[after..after + size]);
        *pos += after + size + 2;
    }
}

impl Reader {
    /// Reads one whole response. Bytes past its end (the server answering something we did not
    /// ask) are an error.
    pub async fn read<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<Response<'_>, String> {
        self.buf.clear();
        self.dechunked.clear();
        let mut head: Option<(usize, u16, Framing, bool)> = None;
        let mut chunk_pos = 0;
        let mut scanned = 0;
        loop {
            if self.buf.capacity() - self.buf.len() < 16 * 1024 {
                self.buf.reserve(64 * 1024);
            }
            let n = stream
                .read_buf(&mut self.buf)
                .await
                .map_err(|e| format!("read: {e}"))?;
            let eof = n == 0;
            if head.is_none() {
                if let Some(at) = find(&self.buf[scanned..], b"\r\n\r\n") {
                    let end = scanned + at;
                    let (status, framing, close) = parse_head(&self.buf[..end])?;
                    head = Some((end + 4, status, framing, close));
                } else if eof {
                    return Err(if self.buf.is_empty() {
                        "connection closed by the server".into()
                    } else {
                        "connection closed in the response head".into()
                    });
                } else {
                    scanned = self.buf.len().saturating_sub(3);
                    continue;
                }
            }
            let Some((start, status, framing, close)) = &head else {
                continue;
            };
            let (start, status, close) = (*start, *status, *close);
            let available = self.buf.len() - start;
            let (body_end, chunked) = match framing {
                Framing::Length(len) if available >= *len => (start + len, false),
                Framing::Length(_) if eof => return Err("connection closed in the body".into()),
                Framing::Length(_) => continue,
                Framing::UntilClose if eof => (self.buf.len(), false),
                Framing::UntilClose => continue,
                Framing::Chunked => {
                    match dechunk(&self.buf[start..], &mut chunk_pos, &mut self.dechunked)? {
                        Chunks::Done(end) => (start + end, true),
                        Chunks::NeedMore if eof => {
                            return Err("connection closed in a chunked body".into());
                        }
                        Chunks::NeedMore => continue,
                    }
                }
            };
            if body_end != self.buf.len() {
                return Err(format!(
                    "{} unexpected bytes after the response",
                    self.buf.len() - body_end
                ));
            }
            let body = if chunked {
                &self.dechunked[..]
            } else {
                &self.buf[start..body_end]
            };
            return Ok(Response {
                status,
                body,
                wire_bytes: body_end,
                close,
            });
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The end of the JSON string starting at `b[i] == '"'` (index after the closing quote).
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of the JSON value starting at `b[i]` (no validation beyond nesting and strings).
fn skip_value(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = skip_string(b, i)?;
                if depth == 0 {
                    return Some(i);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b',' if depth == 0 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    (depth == 0).then_some(i)
}

/// Whether a JSON-RPC answer carries a `result`: its top-level members are walked until
/// `result` or `error` turns up (Odoo writes `jsonrpc`, `id`, then one of them, so this stops
/// after a few dozen bytes; other orders cost a skim over the value before).
pub fn jsonrpc_outcome(b: &[u8]) -> Result<(), &'static str> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err("body is not a JSON object");
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'"') => {}
            Some(b'}') => return Err("JSON-RPC answer without result"),
            _ => return Err("malformed JSON-RPC answer"),
        }
        let key_end = skip_string(b, i).ok_or("malformed JSON-RPC answer")?;
        let key = &b[i + 1..key_end - 1];
        if key == b"result" {
            return Ok(());
        }
        if key == b"error" {
            return Err("JSON-RPC error");
        }
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err("malformed JSON-RPC answer");
        }
        i = skip_value(b, skip_ws(b, i + 1)).ok_or("malformed JSON-RPC answer")?;
        i = skip_ws(b, i);
        if b.get(i) == Some(&b',') {
            i += 1;
        }
    }
}

/// Whether an XML-RPC answer is `<params>` rather than `<fault>` (text inside values is
/// escaped, so the first element after `<methodResponse>` decides).
pub fn xmlrpc_outcome(b: &[u8]) -> Result<(), &'static str> {
    let head = &b[..b.len().min(512)];
    let at = find(head, b"<methodResponse>").ok_or("no <methodResponse>")?;
    let rest = &head[skip_ws(head, at + b"<methodResponse>".len())..];
    if rest.starts_with(b"<params>") {
        Ok(())
    } else if rest.starts_with(b"<fault>") {
        Err("XML-RPC fault")
    } else {
        Err("malformed XML-RPC answer")
    }
}

pub fn check(check: Check, response: &Response<'_>) -> Result<(), String> {
    if response.status != 200 {
        let body = &response.body[..response.body.len().min(400)];
        return Err(format!(
            "HTTP {}: {}",
            response.status,
            String::from_utf8_lossy(body)
        ));
    }
    let outcome = match check {
        Check::JsonRpc => jsonrpc_outcome(response.body),
        Check::XmlRpc => xmlrpc_outcome(response.body),
    };
    outcome.map_err(|e| {
        let body = &response.body[..response.body.len().min(400)];
        format!("{e}: {}", String::from_utf8_lossy(body))
    })
}

/// Feeds a byte string a few bytes at a time (exercises the incremental paths).
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl AsyncRead for Trickle<'_> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let n = self.step.min(self.data.len()).min(buf.remaining());
        let (now, later) = self.data.split_at(n);
        buf.put_slice(now);
        self.data = later;
        std::task::Poll::Ready(Ok(()))
    }
}

/// Checks the reader and the outcome checks on crafted answers (run once at start-up).
pub fn self_test() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let cases: &[(&[u8], u16, &[u8], bool)] = &[
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: x\r\n\r\nhello",
            200,
            b"hello",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
            200,
            b"hello",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
            200,
            b"hello",
            true,
        ),
        (
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n",
            503,
            b"",
            false,
        ),
    ];
    for step in [1, 2, 7, 4096] {
        for (wire, status, body, close) in cases {
            let mut reader = Reader::default();
            let mut src = Trickle { data: wire, step };
            let r = rt
                .block_on(reader.read(&mut src))
                .unwrap_or_else(|e| panic!("reader self-test (step {step}): {e}"));
            assert_eq!(
                (r.status, r.body, r.close, r.wire_bytes),
                (*status, *body, *close, wire.len()),
                "step {step}"
            );
        }
    }
    // Bytes beyond the response, when they arrive with it, are an error.
    let mut reader = Reader::default();
    let mut src = Trickle {
        data: b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nabc",
        step: 4096,
    };
    assert!(rt.block_on(reader.read(&mut src)).is_err());
    assert_eq!(
        jsonrpc_outcome(br#"{"jsonrpc": "2.0", "id": 1, "result": [{"a": "}"}]}"#),
        Ok(())
    );
    assert_eq!(
        jsonrpc_outcome(br#"{"id": {"result": 1}, "x": [1, "\"", {}], "result": 0}"#),
        Ok(())
    );
    assert!(jsonrpc_outcome(br#"{"jsonrpc":"2.0","id":null,"error":{"code":200}}"#).is_err());
    assert!(jsonrpc_outcome(br#"{"jsonrpc":"2.0","id":1}"#).is_err());
    assert!(jsonrpc_outcome(b"<html>").is_err());
    assert_eq!(
        xmlrpc_outcome(b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n"),
        Ok(())
    );
    assert!(xmlrpc_outcome(b"<?xml version='1.0'?>\n<methodResponse>\n<fault>\n").is_err());
}
