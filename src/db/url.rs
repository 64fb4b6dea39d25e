//! Database URLs: the scheme picks the backend.

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: a file, created when missing.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, handed to libpq as written.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(format!(
                "{:?} is not a URL; use sqlite://PATH or postgres://USER@HOST/DB",
                redact(url)
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.split('?').next().unwrap_or_default();
                if path.is_empty() || path == ":memory:" {
                    return Err(format!(
                        "{url:?} names no file; use sqlite://PATH (an in-memory database would be lost at exit and is not shared between connections)"
                    ));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                if rest.is_empty() || rest.starts_with('/') && rest.len() == 1 {
                    return Err(format!("{:?} names no server", redact(url)));
                }
                Ok(Self::Postgres(url.to_string()))
            }
            other => Err(format!(
                "unsupported scheme {other:?} in {:?}; use sqlite://PATH or postgres://USER@HOST/DB",
                redact(url)
            )),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// The URL with any password replaced by `***` (`postgres://user:***@host/db`), also inside a
/// `password=` query parameter.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some((user, _password)) = userinfo.split_once(':') {
                out = format!("{scheme}://{user}:***{}", &rest[at..]);
            }
        }
    }
    if let Some(start) = out.find("password=") {
        let value_start = start + "password=".len();
        let value_end = out[value_start..]
            .find('&')
            .map_or(out.len(), |i| value_start + i);
        out.replace_range(value_start..value_end, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/hub.db"),
            Ok(DatabaseUrl::Sqlite("data/hub.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/hub.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/hub.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend()),
            Ok("postgres")
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.backend()),
            Ok("postgres")
        );
    }

    #[test]
    fn bad_urls_are_explained() {
        let e = DatabaseUrl::parse("mysql://root:pw@h/db").unwrap_err();
        assert!(e.contains("unsupported scheme \"mysql\""), "{e}");
        assert!(!e.contains("pw@"), "password leaked: {e}");
        assert!(
            DatabaseUrl::parse("hub.db")
                .unwrap_err()
                .contains("not a URL")
        );
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("postgres://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://hub:s3cret@db:5432/hub"),
            "postgres://hub:***@db:5432/hub"
        );
        assert_eq!(redact("postgres://hub@db/hub"), "postgres://hub@db/hub");
        assert_eq!(
            redact("postgres://db/hub?user=a&password=s3cret&sslmode=require"),
            "postgres://db/hub?user=a&password=***&sslmode=require"
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://a:b@c/d")
                .unwrap()
                .to_string(),
            "postgres://a:***@c/d"
        );
    }
}
