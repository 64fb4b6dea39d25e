//! Logging: the `log` facade with `env_logger` behind it, set up once.

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// Checks an `env_logger` filter: comma-separated directives, each a level (`info`) or
/// `module=level` (`adlerdo::jobs=debug`). `env_logger` itself silently ignores what it cannot
/// parse, and would take a misspelt level for a module name.
pub fn parse_filter(filter: &str) -> Result<(), String> {
    if filter.trim().is_empty() {
        return Err("empty; use a level such as \"info\"".into());
    }
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = match directive.split_once('=') {
            Some((module, level)) => {
                let is_path = !module.is_empty()
                    && module
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
                if !is_path {
                    return Err(format!("{directive:?}: {module:?} is not a module path"));
                }
                level
            }
            None => directive,
        };
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "{directive:?}: {level:?} is not a level (off, error, warn, info, debug, trace)"
            ));
        }
    }
    Ok(())
}

/// Starts logging to stderr with `filter`, or with `RUST_LOG` when that is set. Calling it again
/// does nothing.
pub fn init(filter: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| filter.to_string());
    let _ = env_logger::Builder::new()
        .parse_filters(&filter)
        .format_timestamp_millis()
        .format_target(true)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        for ok in [
            "info",
            "WARN",
            "info,adlerdo::jobs=debug",
            "adlerdo=trace",
            "off",
        ] {
            assert_eq!(parse_filter(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "loud",
            "info,adlerdo=loud",
            "=debug",
            "in fo",
            "adlerdo::db",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }
}
