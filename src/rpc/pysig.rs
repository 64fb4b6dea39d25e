//! Python's argument binding, for methods called over RPC: Odoo binds `args`/`kwargs` to the
//! Python signature of the method, and a mismatch reaches the client as a `TypeError` with
//! CPython's own wording (`BaseModel.read() takes from 1 to 3 positional arguments but 5 were
//! given`). The emulator and the facade bind with the same rules and words.

use serde_json::{Map, Value};

use super::error::OdooException;

/// The Python type name of a JSON value as Odoo sees it (`int`, `str`, `NoneType`, ...), for
/// messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int",
        Value::Number(_) => "float",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// A parameter: its name and whether it has a default.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
}

pub const fn req(name: &'static str) -> Param {
    Param {
        name,
        required: true,
    }
}

pub const fn opt(name: &'static str) -> Param {
    Param {
        name,
        required: false,
    }
}

/// A Python function signature (positional-or-keyword parameters only, which is what Odoo's RPC
/// methods use).
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// As Python names it in messages: `BaseModel.read`, `exp_version`.
    pub qualname: &'static str,
    /// Parameters after `self`.
    pub params: &'static [Param],
    /// Whether the function is a method (its `self` counts in "takes N positional arguments").
    pub method: bool,
    /// `**kwargs`: unknown keywords are collected instead of refused.
    pub var_kwargs: bool,
}

/// The arguments bound to a signature, by parameter.
#[derive(Debug, Default)]
pub struct Bound {
    values: Vec<Option<Value>>,
    names: Vec<&'static str>,
    /// Keywords collected by `**kwargs`.
    pub extra: Map<String, Value>,
}

impl Bound {
    /// The argument for `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.values[i].as_ref())
    }

    /// The argument for `name`, treating `null` like an absent argument (Python's `None` default).
    pub fn get_some(&self, name: &str) -> Option<&Value> {
        self.get(name).filter(|v| !v.is_null())
    }

    /// Moves the argument for `name` out (later `get`s of it answer `None`).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.values.get_mut(i).and_then(Option::take)
    }
}

fn quoted_list(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        n => format!("{}, and {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Signature {
    /// Binds positional `args` and keyword `kwargs` as CPython would, or raises its `TypeError`.
    pub fn bind(
        &self,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<Bound, OdooException> {
        let selfs = usize::from(self.method);
        let max = self.params.len();
        if args.len() > max {
            let min = self.params.iter().filter(|p| p.required).count();
            let given = args.len() + selfs;
            let takes = if min == max {
                format!("takes {}", plural(max + selfs, "positional argument"))
            } else {
                format!(
                    "takes from {} to {} positional arguments",
                    min + selfs,
                    max + selfs
                )
            };
            let were = if given == 1 { "was" } else { "were" };
            return Err(OdooException::type_error(format!(
                "{}() {takes} but {given} {were} given",
                self.qualname
            )));
        }
        let mut bound = Bound {
            values: vec![None; max],
            names: self.params.iter().map(|p| p.name).collect(),
            extra: Map::new(),
        };
        for (slot, value) in bound.values.iter_mut().zip(args) {
            *slot = Some(value.clone());
        }
        for (key, value) in kwargs {
            match self.params.iter().position(|p| p.name == key) {
                Some(i) if bound.values[i].is_some() => {
                    return Err(OdooException::type_error(format!(
                        "{}() got multiple values for argument '{key}'",
                        self.qualname
                    )));
                }
                Some(i) => bound.values[i] = Some(value.clone()),
                None if self.var_kwargs => {
                    bound.extra.insert(key.clone(), value.clone());
                }
                None => {
                    return Err(OdooException::type_error(format!(
                        "{}() got an unexpected keyword argument '{key}'",
                        self.qualname
                    )));
                }
            }
        }
        let missing: Vec<&str> = self
            .params
            .iter()
            .zip(&bound.values)
            .filter(|(p, v)| p.required && v.is_none())
            .map(|(p, _)| p.name)
            .collect();
        if !missing.is_empty() {
            return Err(OdooException::type_error(format!(
                "{}() missing {}: {}",
                self.qualname,
                plural(missing.len(), "required positional argument"),
                quoted_list(&missing)
            )));
        }
        Ok(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const READ: Signature = Signature {
        qualname: "BaseModel.read",
        params: &[opt("fields"), opt("load")],
        method: true,
        var_kwargs: false,
    };
    const SEARCH: Signature = Signature {
        qualname: "BaseModel.search",
        params: &[req("domain"), opt("offset"), opt("limit"), opt("order")],
        method: true,
        var_kwargs: false,
    };
    const VERSION: Signature = Signature {
        qualname: "exp_version",
        params: &[],
        method: false,
        var_kwargs: false,
    };
    const JSONRPC: Signature = Signature {
        qualname: "RPC.jsonrpc",
        params: &[req("service"), req("method"), req("args")],
        method: true,
        var_kwargs: false,
    };

    fn err(sig: &Signature, args: Value, kwargs: Value) -> String {
        let args = args.as_array().cloned().unwrap_or_default();
        let kwargs = kwargs.as_object().cloned().unwrap_or_default();
        sig.bind(&args, &kwargs).unwrap_err().message
    }

    #[test]
    fn cpython_wording() {
        // The recorded answers of a real Odoo 18.
        assert_eq!(
            err(
                &READ,
                json!([["name"], "extra", "extra2", "extra3"]),
                json!({})
            ),
            "BaseModel.read() takes from 1 to 3 positional arguments but 5 were given"
        );
        assert_eq!(
            err(&SEARCH, json!([]), json!({})),
            "BaseModel.search() missing 1 required positional argument: 'domain'"
        );
        assert_eq!(
            err(&VERSION, json!(["unexpected"]), json!({})),
            "exp_version() takes 0 positional arguments but 1 was given"
        );
        assert_eq!(
            err(&JSONRPC, json!([]), json!({})),
            "RPC.jsonrpc() missing 3 required positional arguments: 'service', 'method', and 'args'"
        );
        assert_eq!(
            err(&JSONRPC, json!(["common", "version"]), json!({})),
            "RPC.jsonrpc() missing 1 required positional argument: 'args'"
        );
        assert_eq!(
            err(&SEARCH, json!([[]]), json!({"count": true})),
            "BaseModel.search() got an unexpected keyword argument 'count'"
        );
        assert_eq!(
            err(&SEARCH, json!([[]]), json!({"domain": []})),
            "BaseModel.search() got multiple values for argument 'domain'"
        );
    }

    #[test]
    fn binding() {
        let b = SEARCH
            .bind(
                &[json!([]), json!(5)],
                json!({"order": "id"}).as_object().unwrap(),
            )
            .unwrap();
        assert_eq!(b.get("offset"), Some(&json!(5)));
        assert_eq!(b.get("order"), Some(&json!("id")));
        assert_eq!(b.get("limit"), None);
    }
}
