//! The one condition language of rewind: `rewind when`, the `[[check]]` rules of a mapping file
//! (and the explorer's `w`) read conditions with this parser.
//!
//! ```text
//! condition  = or
//! or         = and { "or" and }
//! and        = unary { ["and"] unary }          (a space between two terms is "and")
//! unary      = "not" unary | "(" or ")" | term
//! term       = event-term | comparison
//! event-term = KEY ":" VALUE                    KEY: account | type | amount
//! comparison = FIELD OP VALUE                   OP: = != < <= > >= ~
//! FIELD      = balance | a field name (`status`, `meta.city`) | "a quoted name"
//! VALUE      = a word | "a quoted string"
//! ```
//!
//! Event terms are about one event, as the explorer's filter reads them: `account:dana` (part of
//! the account's name, or of a transfer's `to`, any case), `type:withdraw` (part of the type name
//! after normalisation), `amount:>5000`, `amount:<=10`, `amount:10..20`, `amount:25`.
//! Comparisons are about an account's state: `balance < 0`, `status = frozen`, `address ~ "Elm"`
//! (`~`: contains, any case). A comparison of two numbers is exact and numeric (`limit = 1000`
//! holds for `1000.00`); otherwise texts are compared. A field that is not set makes every
//! comparison false except `!=`. `and`, `or` and `not` are words of the language in any case.

use std::fmt;

use super::book::Ledger;
use super::event::{Effect, LedgerEvent, normalize_type};
use super::money::Money;
use super::state::Value;

/// Why a condition could not be read: the column (1-based, in characters) of the bad token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ConditionError {
    /// The column of the bad token, in characters, counted from 1.
    pub column: usize,
    /// What is wrong there, as a sentence.
    pub message: String,
}

fn error<T>(column: usize, message: impl Into<String>) -> Result<T, ConditionError> {
    Err(ConditionError {
        column,
        message: message.into(),
    })
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    text: String,
    node: Node,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Event(EventTerm),
    State(Comparison),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum EventTerm {
    /// Part of an account name, lowercase.
    Account(String),
    /// Part of a normalised type name.
    Type(String),
    /// Bounds on the amount as written, each with whether it is inclusive.
    Amount {
        min: Option<(Money, bool)>,
        max: Option<(Money, bool)>,
    },
}

/// `FIELD OP VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    subject: Subject,
    op: Op,
    value: String,
    /// The value as an exact decimal, when it is one.
    number: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Subject {
    Balance,
    Field(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

/// What a state comparison reads: an account's balance and fields at one moment.
pub trait StateView {
    /// The account's balance at the moment.
    fn balance(&self) -> Money;
    /// The field named `name` at the moment; `None` when it is not set.
    fn field(&self, name: &str) -> Option<&Value>;
}

/// No state: balance zero, no field (for conditions about events alone).
pub struct NoState;

impl StateView for NoState {
    fn balance(&self) -> Money {
        Money::ZERO
    }
    fn field(&self, _: &str) -> Option<&Value> {
        None
    }
}

// ----- tokens -----

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Op(Op),
    /// A bare word (`frozen`, `and`, `-5`, `meta.city`).
    Word(String),
    /// A quoted string.
    Quoted(String),
    /// `key:value`, with the column of the value.
    Term(String, String, usize),
}

const OP_CHARS: &[char] = &['=', '<', '>', '!', '~'];

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | ':') && !OP_CHARS.contains(&c)
}

/// Reads a quoted string starting at `chars[*i] == '"'`; `\"` and `\\` escape.
fn quoted(chars: &[char], i: &mut usize) -> Result<String, ConditionError> {
    let start = *i;
    *i += 1;
    let mut out = String::new();
    while *i < chars.len() {
        match chars[*i] {
            '"' => {
                *i += 1;
                return Ok(out);
            }
            '\\' if matches!(chars.get(*i + 1), Some('"' | '\\')) => {
                out.push(chars[*i + 1]);
                *i += 2;
            }
            c => {
                out.push(c);
                *i += 1;
            }
        }
    }
    error(start + 1, "a quote is not closed")
}

fn tokens(text: &str) -> Result<Vec<(usize, Tok)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => {
                i += 1;
                Tok::Open
            }
            ')' => {
                i += 1;
                Tok::Close
            }
            '"' => Tok::Quoted(quoted(&chars, &mut i)?),
            '=' | '<' | '>' | '!' | '~' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => (Op::Eq, 2),
                    ('=', _) => (Op::Eq, 1),
                    ('!', Some('=')) => (Op::Ne, 2),
                    ('<', Some('=')) => (Op::Le, 2),
                    ('<', _) => (Op::Lt, 1),
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('>', _) => (Op::Gt, 1),
                    ('~', _) => (Op::Contains, 1),
                    _ => return error(column, "`!` goes with `=` (`!=`); use `not` to negate"),
                };
                i += len;
                Tok::Op(op)
            }
            ':' => return error(column, "a `:` without a key before it (write KEY:VALUE)"),
            _ => {
                let start = i;
                while i < chars.len() && is_word_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&':') {
                    i += 1;
                    let value_column = i + 1;
                    let value = if chars.get(i) == Some(&'"') {
                        quoted(&chars, &mut i)?
                    } else {
                        let from = i;
                        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ')' {
                            i += 1;
                        }
                        chars[from..i].iter().collect()
                    };
                    Tok::Term(word, value, value_column)
                } else {
                    Tok::Word(word)
                }
            }
        };
        out.push((column, tok));
    }
    Ok(out)
}

// ----- parser -----

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    /// The column just after the text, for errors at its end.
    end: usize,
}

fn keyword(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn column(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(c, _)| *c)
    }

    fn or(&mut self) -> Result<Node, ConditionError> {
        let mut parts = vec![self.and()?];
        while keyword(self.peek(), "or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Node::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Node, ConditionError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                None | Some(Tok::Close) => break,
                t if keyword(t, "or") => break,
                t if keyword(t, "and") => {
                    self.pos += 1;
                    parts.push(self.unary()?);
                }
                _ => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Node::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Node, ConditionError> {
        let column = self.column();
        if keyword(self.peek(), "not") {
            self.pos += 1;
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        let Some(tok) = self.peek().cloned() else {
            return error(column, "a condition is missing here");
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return error(self.column(), "expected `)`");
                }
                self.pos += 1;
                Ok(inner)
            }
            Tok::Close => error(column, "a `)` without its `(`"),
            Tok::Op(_) => error(column, "an operator without a field before it"),
            Tok::Term(key, value, value_column) => event_term(&key, &value, column, value_column),
            Tok::Word(w) if ["and", "or"].iter().any(|k| w.eq_ignore_ascii_case(k)) => {
                error(column, format!("`{w}` needs a condition before it"))
            }
            Tok::Word(name) | Tok::Quoted(name) => self.comparison(name, column),
        }
    }

    fn comparison(&mut self, name: String, column: usize) -> Result<Node, ConditionError> {
        let Some(Tok::Op(op)) = self.peek().cloned() else {
            return error(
                column,
                format!(
                    "`{name}` is not a condition: write FIELD OP VALUE (`status = frozen`) or \
                     KEY:VALUE (`type:withdraw`)"
                ),
            );
        };
        self.pos += 1;
        let value_column = self.column();
        let value = match self.peek().cloned() {
            Some(Tok::Word(v)) | Some(Tok::Quoted(v)) => v,
            _ => return error(value_column, "expected a value after the operator"),
        };
        self.pos += 1;
        let number = Money::parse(&value).ok();
        let subject = if name == "balance" {
            if number.is_none() {
                return error(value_column, format!("`{value}`: a balance is a number"));
            }
            if op == Op::Contains {
                return error(column, "`~` is for texts; compare a balance with = < > …");
            }
            Subject::Balance
        } else {
            Subject::Field(name)
        };
        Ok(Node::State(Comparison {
            subject,
            op,
            value,
            number,
        }))
    }
}

fn money(text: &str, column: usize) -> Result<Money, ConditionError> {
    Money::parse(text).or_else(|e| error(column, format!("amount: {e}")))
}

fn event_term(
    key: &str,
    value: &str,
    column: usize,
    value_column: usize,
) -> Result<Node, ConditionError> {
    if value.is_empty() {
        return error(value_column, format!("`{key}:` has no value"));
    }
    let term = match key {
        "account" | "acc" | "a" => EventTerm::Account(value.to_lowercase()),
        "type" | "t" => EventTerm::Type(normalize_type(value)),
        "amount" | "amt" => {
            let c = value_column;
            let (min, max) = if let Some(v) = value.strip_prefix(">=") {
                (Some((money(v, c + 2)?, true)), None)
            } else if let Some(v) = value.strip_prefix("<=") {
                (None, Some((money(v, c + 2)?, true)))
            } else if let Some(v) = value.strip_prefix('>') {
                (Some((money(v, c + 1)?, false)), None)
            } else if let Some(v) = value.strip_prefix('<') {
                (None, Some((money(v, c + 1)?, false)))
            } else if let Some((lo, hi)) = value.split_once("..") {
                let (lo_m, hi_m) = (money(lo, c)?, money(hi, c + lo.len() + 2)?);
                if lo_m > hi_m {
                    return error(c, format!("amount: {lo_m} is above {hi_m}"));
                }
                (Some((lo_m, true)), Some((hi_m, true)))
            } else {
                let m = money(value, c)?;
                (Some((m, true)), Some((m, true)))
            };
            EventTerm::Amount { min, max }
        }
        other => {
            return error(
                column,
                format!("`{other}:` is not an event term (use account:, type: or amount:)"),
            );
        }
    };
    Ok(Node::Event(term))
}

impl Condition {
    /// Reads a condition (`type:withdraw amount:>10000`, …); the error names the column.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let toks = tokens(text)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end: text.chars().count() + 1,
        };
        if p.peek().is_none() {
            return error(1, "an empty condition");
        }
        let node = p.or()?;
        if let Some(t) = p.peek() {
            let column = p.column();
            return match t {
                Tok::Close => error(column, "a `)` without its `(`"),
                _ => error(column, "unexpected text"),
            };
        }
        Ok(Condition {
            text: text.trim().to_string(),
            node,
        })
    }

    /// The condition as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether some term is about an account's state (`balance`, a field).
    pub fn has_state_terms(&self) -> bool {
        any(&self.node, &|n| matches!(n, Node::State(_)))
    }

    /// Whether some term is about an event (`type:`, `amount:`, `account:`).
    pub fn has_event_terms(&self) -> bool {
        any(&self.node, &|n| matches!(n, Node::Event(_)))
    }

    /// The condition resolved against a ledger: which accounts and types the event terms name,
    /// looked up once, so that testing an event is a few array reads.
    pub fn plan(&self, ledger: &Ledger) -> Plan {
        Plan {
            node: plan_node(&self.node, ledger),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn any(node: &Node, test: &dyn Fn(&Node) -> bool) -> bool {
    test(node)
        || match node {
            Node::And(v) | Node::Or(v) => v.iter().any(|n| any(n, test)),
            Node::Not(n) => any(n, test),
            _ => false,
        }
}

/// A [`Condition`] resolved against one ledger.
pub struct Plan {
    node: PlanNode,
}

enum PlanNode {
    And(Vec<PlanNode>),
    Or(Vec<PlanNode>),
    Not(Box<PlanNode>),
    /// By account id; and by type, which types are transfers (a `to` counts on those alone).
    Account(Vec<bool>, Vec<bool>),
    /// By type id.
    Type(Vec<bool>),
    Amount(Option<(Money, bool)>, Option<(Money, bool)>),
    State(Comparison),
}

fn plan_node(node: &Node, ledger: &Ledger) -> PlanNode {
    match node {
        Node::And(v) => PlanNode::And(v.iter().map(|n| plan_node(n, ledger)).collect()),
        Node::Or(v) => PlanNode::Or(v.iter().map(|n| plan_node(n, ledger)).collect()),
        Node::Not(n) => PlanNode::Not(Box::new(plan_node(n, ledger))),
        Node::Event(EventTerm::Account(part)) => PlanNode::Account(
            (0..ledger.account_count() as u32)
                .map(|a| {
                    ledger
                        .account_name(a)
                        .to_lowercase()
                        .contains(part.as_str())
                })
                .collect(),
            (0..ledger.type_count())
                .map(|t| ledger.effect(t as u16) == Effect::Transfer)
                .collect(),
        ),
        Node::Event(EventTerm::Type(part)) => PlanNode::Type(
            (0..ledger.type_count())
                .map(|t| normalize_type(ledger.type_name(t as u16)).contains(part.as_str()))
                .collect(),
        ),
        Node::Event(EventTerm::Amount { min, max }) => PlanNode::Amount(*min, *max),
        Node::State(c) => PlanNode::State(c.clone()),
    }
}

impl Plan {
    /// Whether the condition holds at `event` (the moment right after it; `None` for a moment
    /// that is no event, where event terms are false) with the account's state `state`.
    pub fn holds(&self, event: Option<&LedgerEvent>, state: &dyn StateView) -> bool {
        holds(&self.node, event, state)
    }
}

fn holds(node: &PlanNode, event: Option<&LedgerEvent>, state: &dyn StateView) -> bool {
    let flag = |v: &[bool], k: usize| v.get(k).copied().unwrap_or(false);
    match node {
        PlanNode::And(v) => v.iter().all(|n| holds(n, event, state)),
        PlanNode::Or(v) => v.iter().any(|n| holds(n, event, state)),
        PlanNode::Not(n) => !holds(n, event, state),
        PlanNode::Account(accounts, transfers) => event.is_some_and(|e| {
            flag(accounts, e.account as usize)
                || (flag(transfers, e.kind as usize)
                    && !e.is_ambiguous()
                    && e.to_account().is_some_and(|to| flag(accounts, to as usize)))
        }),
        PlanNode::Type(types) => event.is_some_and(|e| flag(types, e.kind as usize)),
        PlanNode::Amount(min, max) => event.is_some_and(|e| {
            let a = e.amount;
            e.has_amount()
                && min.is_none_or(|(m, inclusive)| if inclusive { a >= m } else { a > m })
                && max.is_none_or(|(m, inclusive)| if inclusive { a <= m } else { a < m })
        }),
        PlanNode::State(c) => compare(c, state),
    }
}

fn compare(c: &Comparison, state: &dyn StateView) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match &c.subject {
        Subject::Balance => c.number.map(|n| state.balance().cmp(&n)),
        Subject::Field(name) => {
            let Some(value) = state.field(name) else {
                return c.op == Op::Ne;
            };
            if c.op == Op::Contains {
                return value
                    .text()
                    .to_lowercase()
                    .contains(&c.value.to_lowercase());
            }
            Some(match (value.money(), c.number) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => value.text().cmp(c.value.as_str()),
            })
        }
    };
    let Some(o) = ordering else {
        return false;
    };
    match c.op {
        Op::Eq => o == Ordering::Equal,
        Op::Ne => o != Ordering::Equal,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Contains => false,
    }
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
