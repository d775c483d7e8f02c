//! The state rules and checks of a type mapping file:
//!
//! ```toml
//! [state.AddressChanged]
//! set = { address = "address", city = "meta.city" }   # field = path in the event
//! [state.AccountFrozen]
//! set = { status = "'frozen'" }                       # a literal
//! [state.LimitRaised]
//! add = { limit = "amount" }                          # exact decimal arithmetic
//! [state.AccountClosed]
//! set = { status = "'closed'" }
//! unset = ["limit"]
//!
//! [[check]]
//! name = "large withdrawal"
//! when = "type:withdraw amount:>10000"
//! ```
//!
//! Without a rule, an event type that moves no money and whose name ends in `_CHANGED`,
//! `_UPDATED` or `_SET` (after normalisation) sets every payload member that is not one of
//! rewind's own (see [`super::value::payload`]).

use std::collections::HashMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::value::Path;
use crate::ledger::condition::Condition;
use crate::ledger::event::normalize_type;

/// Where a rule takes a value from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum From {
    /// A member of the event.
    Path(Path),
    /// `'text'`.
    Literal(String),
}

/// One thing a rule does to one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Set { field: String, from: From },
    Add { field: String, from: From },
    Unset { field: String },
}

impl Op {
    pub fn field(&self) -> &str {
        match self {
            Op::Set { field, .. } | Op::Add { field, .. } | Op::Unset { field } => field,
        }
    }
}

/// The rule of one event type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRule {
    /// The type as the file writes it.
    pub name: String,
    /// In field order.
    pub ops: Vec<Op>,
}

/// A `[[check]]`: a problem named `name` on each event where `when` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub when: Condition,
}

/// The state rules and checks of a mapping file (none without one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// By normalised type name.
    types: HashMap<String, TypeRule>,
    checks: Vec<Check>,
}

/// Whether the default rule reads a (normalised) type name as a change of fields.
pub fn default_applies(normal: &str) -> bool {
    ["CHANGED", "UPDATED", "SET"]
        .iter()
        .any(|end| normal == *end || normal.ends_with(&format!("_{end}")))
}

impl Rules {
    /// The rule a mapping file gives a (normalised) type name.
    pub fn rule(&self, normal: &str) -> Option<&TypeRule> {
        self.types.get(normal)
    }

    /// Whether a type that no effect table knows is a change of state (by a rule or by the
    /// default), and so no `unknown-type` problem.
    pub fn handles(&self, normal: &str) -> bool {
        self.types.contains_key(normal) || default_applies(normal)
    }

    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Takes the `state` and `check` keys out of a mapping file's table and reads them, with
    /// lines from `text` (the whole file) for errors.
    pub fn from_toml(text: &str, table: &mut toml::Table) -> Result<Rules, (usize, String)> {
        let has_state = table.remove("state").is_some();
        let has_checks = table.remove("check").is_some();
        if !has_state && !has_checks {
            return Ok(Rules::default());
        }
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let doc = DeTable::parse(text).map_err(|e| {
            (
                e.span().map_or(1, |s| line_of(s.start)),
                e.message().to_string(),
            )
        })?;
        let mut rules = Rules::default();
        let at = |span: std::ops::Range<usize>, message: String| (line_of(span.start), message);
        for (key, value) in doc.get_ref() {
            match key.get_ref().as_ref() {
                "state" => rules.read_state(value, &at)?,
                "check" => rules.read_checks(value, &at)?,
                _ => {}
            }
        }
        Ok(rules)
    }

    fn read_state(
        &mut self,
        value: &Spanned<DeValue>,
        at: &dyn Fn(std::ops::Range<usize>, String) -> (usize, String),
    ) -> Result<(), (usize, String)> {
        let DeValue::Table(types) = value.get_ref() else {
            return Err(at(
                value.span(),
                "`state` must be tables of event types: [state.AddressChanged]".into(),
            ));
        };
        for (name, rule) in types {
            let span = name.span();
            let name = name.get_ref().to_string();
            let normal = normalize_type(&name);
            if normal.is_empty() {
                return Err(at(span, "a [state] table with an empty type name".into()));
            }
            let DeValue::Table(parts) = rule.get_ref() else {
                return Err(at(
                    span,
                    format!(
                        "`state.{name}` must be a table (set = {{..}}, add = {{..}}, unset = [..])"
                    ),
                ));
            };
            let ops = read_ops(&name, parts, at)?;
            if ops.is_empty() {
                return Err(at(span, format!("[state.{name}] has no set, add or unset")));
            }
            if let Some(other) = self.types.get(&normal) {
                return Err(at(
                    span,
                    format!(
                        "[state.{name}] and [state.{}] are one type (type names are compared as \
                         {normal}): give it one rule",
                        other.name
                    ),
                ));
            }
            self.types.insert(normal, TypeRule { name, ops });
        }
        Ok(())
    }

    fn read_checks(
        &mut self,
        value: &Spanned<DeValue>,
        at: &dyn Fn(std::ops::Range<usize>, String) -> (usize, String),
    ) -> Result<(), (usize, String)> {
        let shape = "`check` must be [[check]] tables with `name` and `when`";
        let DeValue::Array(items) = value.get_ref() else {
            return Err(at(value.span(), shape.into()));
        };
        for item in items {
            let DeValue::Table(t) = item.get_ref() else {
                return Err(at(item.span(), shape.into()));
            };
            let (mut name, mut when) = (None, None);
            for (key, v) in t {
                let text = v.get_ref().as_str();
                match (key.get_ref().as_ref(), text) {
                    ("name", Some(n)) if !n.trim().is_empty() => name = Some(n.trim().to_string()),
                    ("name", _) => {
                        return Err(at(
                            v.span(),
                            "a check's `name` must be a non-empty string".into(),
                        ));
                    }
                    ("when", Some(w)) => {
                        let condition = Condition::parse(w)
                            .map_err(|e| at(v.span(), format!("check `when`: {e} of `{w}`")))?;
                        when = Some(condition);
                    }
                    ("when", None) => {
                        return Err(at(
                            v.span(),
                            "a check's `when` must be a string (a condition)".into(),
                        ));
                    }
                    (other, _) => {
                        return Err(at(
                            key.span(),
                            format!("`{other}` is not part of a check (use name and when)"),
                        ));
                    }
                }
            }
            let (Some(name), Some(when)) = (name, when) else {
                return Err(at(
                    item.span(),
                    "a check needs both `name` and `when`".into(),
                ));
            };
            if self.checks.iter().any(|c| c.name == name) {
                return Err(at(item.span(), format!("two checks are named `{name}`")));
            }
            self.checks.push(Check { name, when });
        }
        Ok(())
    }
}

fn read_ops(
    type_name: &str,
    parts: &DeTable,
    at: &dyn Fn(std::ops::Range<usize>, String) -> (usize, String),
) -> Result<Vec<Op>, (usize, String)> {
    let mut ops: Vec<Op> = Vec::new();
    let mut push = |op: Op, span: std::ops::Range<usize>| {
        let field = op.field();
        if field.trim().is_empty() {
            return Err(at(
                span,
                format!("[state.{type_name}] names an empty field"),
            ));
        }
        if field == "balance" {
            return Err(at(
                span,
                format!("[state.{type_name}]: `balance` is the account's balance, not a field"),
            ));
        }
        if ops.iter().any(|o| o.field() == field) {
            return Err(at(
                span,
                format!(
                    "[state.{type_name}] changes `{field}` twice: give each field one operation"
                ),
            ));
        }
        ops.push(op);
        Ok(())
    };
    for (key, value) in parts {
        let part = key.get_ref().as_ref();
        match part {
            "set" | "add" => {
                let DeValue::Table(fields) = value.get_ref() else {
                    return Err(at(
                        key.span(),
                        format!("`{part}` must be a table: {part} = {{ field = \"path\" }}"),
                    ));
                };
                for (field, from) in fields {
                    let Some(text) = from.get_ref().as_str() else {
                        return Err(at(
                            from.span(),
                            format!(
                                "`{}` must be a path (\"meta.city\") or a literal (\"'frozen'\")",
                                field.get_ref()
                            ),
                        ));
                    };
                    let from_value = read_from(text, part == "add")
                        .map_err(|m| at(from.span(), format!("`{}`: {m}", field.get_ref())))?;
                    let field = field.get_ref().to_string();
                    let op = if part == "set" {
                        Op::Set {
                            field,
                            from: from_value,
                        }
                    } else {
                        Op::Add {
                            field,
                            from: from_value,
                        }
                    };
                    push(op, from.span())?;
                }
            }
            "unset" => {
                let names = value.get_ref().as_array();
                let Some(names) = names else {
                    return Err(at(
                        key.span(),
                        "`unset` must be an array of field names".into(),
                    ));
                };
                for name in names {
                    let Some(field) = name.get_ref().as_str() else {
                        return Err(at(
                            name.span(),
                            "`unset` must hold field names (strings)".into(),
                        ));
                    };
                    push(
                        Op::Unset {
                            field: field.to_string(),
                        },
                        name.span(),
                    )?;
                }
            }
            other => {
                return Err(at(
                    key.span(),
                    format!("`{other}` is not part of a state rule (use set, add or unset)"),
                ));
            }
        }
    }
    Ok(ops)
}

/// `'literal'` or a path; an `add` takes a number (`'100'`) or a path.
fn read_from(text: &str, add: bool) -> Result<From, String> {
    if let Some(rest) = text.strip_prefix('\'') {
        let Some(literal) = rest.strip_suffix('\'') else {
            return Err(format!("the literal {text} is not closed with '"));
        };
        if add && crate::ledger::Money::parse(literal).is_err() {
            return Err(format!("`add` takes a number, not '{literal}'"));
        }
        return Ok(From::Literal(literal.to_string()));
    }
    Path::parse(text).map(From::Path)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
