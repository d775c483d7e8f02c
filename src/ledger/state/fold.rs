//! The fold: an account's fields as of any moment, folded from its events in the order of the
//! view (time order, or recorded order: what the system knew then), each field with the event
//! that last set it.
//!
//! Only events whose type has a rule (or falls under the default rule) are read, from their raw
//! records, when a timeline is built; loading stores nothing for them.

use std::collections::BTreeMap;

use super::rules::{From, Op, TypeRule, default_applies};
use super::value::{Found, Value, lookup, payload};
use crate::ledger::Depth;
use crate::ledger::Ledger;
use crate::ledger::condition::StateView;
use crate::ledger::event::{AccountId, Effect, LedgerEvent, normalize_type};
use crate::ledger::money::Money;
use crate::ledger::query::Moment;
use crate::ledger::time::Millis;

/// The order events are folded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// By timestamp (then recorded position): what happened.
    Time,
    /// As recorded: what the system knew.
    Recorded,
}

impl Order {
    /// The order a moment is read in: the first N recorded events in recorded order, a time (or
    /// the end) in time order.
    pub fn of(moment: Moment) -> Order {
        match moment {
            Moment::Seq(_) => Order::Recorded,
            _ => Order::Time,
        }
    }

    /// The order's name as the command line and the explorer show it: `time` or `recorded`.
    pub fn name(self) -> &'static str {
        match self {
            Order::Time => "time",
            Order::Recorded => "recorded",
        }
    }
}

/// A field's value and the event (an index in recorded order) that last set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field's value.
    pub value: Value,
    /// The event that last set it: its index in recorded order (0 is the first event).
    pub event: u32,
}

/// An account's fields at one moment, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    map: BTreeMap<String, Field>,
}

impl Fields {
    /// The field named `name`, if it is set.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.map.get(name)
    }

    /// In name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Field)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many fields are set.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The fields that differ from `self` (earlier) to `later`, in name order: `old` → `new`
    /// (for the diff between two moments).
    pub fn diff(&self, later: &Fields) -> Vec<Change> {
        let mut names: Vec<&String> = self.map.keys().chain(later.map.keys()).collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| {
                let old = self.map.get(name).map(|f| &f.value);
                let new = later.map.get(name).map(|f| &f.value);
                (old != new).then(|| Change {
                    field: name.clone(),
                    old: old.cloned(),
                    new: new.cloned(),
                })
            })
            .collect()
    }

    /// Applies the changes of one event.
    pub fn apply(&mut self, step: &Step) {
        for c in &step.changes {
            match &c.new {
                Some(v) => {
                    self.map.insert(
                        c.field.clone(),
                        Field {
                            value: v.clone(),
                            event: step.event,
                        },
                    );
                }
                None => {
                    self.map.remove(&c.field);
                }
            }
        }
    }
}

/// A change of one field by one event: `old` → `new` (`None`: not set). A field set again to
/// the value it had is a change too (that event is now the one that set it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The field's name.
    pub field: String,
    /// Its value before the event; `None`: it was not set.
    pub old: Option<Value>,
    /// Its value after the event; `None`: it is no longer set.
    pub new: Option<Value>,
}

/// Something a rule could not do on an event (a path that is absent, an `add` of a value that is
/// not a number): the field is left as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The field the rule was for (empty when the record itself could not be read again).
    pub field: String,
    /// What went wrong, as a sentence.
    pub text: String,
}

/// What one event did to an account's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The event: its index in recorded order.
    pub event: u32,
    /// The changes it made to fields, in the order they were made.
    pub changes: Vec<Change>,
    /// What its rule could not do.
    pub notes: Vec<Note>,
}

/// How each event type of a ledger changes fields, looked up once.
pub struct RulePlan<'l> {
    ledger: &'l Ledger,
    by_type: Vec<Handling<'l>>,
}

#[derive(Clone, Copy)]
enum Handling<'r> {
    None,
    Rule(&'r TypeRule),
    Default,
}

impl<'l> RulePlan<'l> {
    /// Looks up the rule (or the default rule, or none) of each event type of `ledger`.
    pub fn new(ledger: &'l Ledger) -> RulePlan<'l> {
        let rules = ledger.types_map.rules();
        let by_type = (0..ledger.type_count())
            .map(|t| {
                let normal = normalize_type(ledger.type_name(t as u16));
                match rules.rule(&normal) {
                    Some(rule) => Handling::Rule(rule),
                    None if matches!(ledger.effect(t as u16), Effect::Ignore | Effect::Unknown)
                        && default_applies(&normal) =>
                    {
                        Handling::Default
                    }
                    None => Handling::None,
                }
            })
            .collect();
        RulePlan { ledger, by_type }
    }

    /// Whether the event changes fields of its account (a record that gives a member twice has
    /// no effect at all).
    pub fn applies(&self, e: &LedgerEvent) -> bool {
        !e.is_ambiguous()
            && !matches!(
                self.by_type.get(e.kind as usize),
                None | Some(Handling::None)
            )
    }

    /// What event `i` does to `fields` (the account's fields before it), or `None` when its
    /// type changes no field.
    pub fn step(&self, i: u32, fields: &Fields) -> Option<Step> {
        let e = self.ledger.event(i as usize);
        if !self.applies(e) {
            return None;
        }
        let mut step = Step {
            event: i,
            changes: Vec::new(),
            notes: Vec::new(),
        };
        let raw = match self.ledger.raw(i as usize) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                step.notes.push(Note {
                    field: String::new(),
                    text: format!("the record cannot be read again: {e}"),
                });
                return Some(step);
            }
        };
        let old = |field: &str| fields.get(field).map(|f| f.value.clone());
        match self.by_type[e.kind as usize] {
            Handling::None => return None,
            Handling::Default => {
                for (field, value) in payload(&raw) {
                    step.changes.push(Change {
                        old: old(&field),
                        field,
                        new: Some(value),
                    });
                }
            }
            Handling::Rule(rule) => {
                for op in &rule.ops {
                    apply_op(op, &raw, &old, &mut step);
                }
            }
        }
        Some(step)
    }
}

fn read(from: &From, raw: &str) -> Result<Value, String> {
    match from {
        From::Literal(text) => Ok(Value::Text(text.clone())),
        From::Path(path) => match lookup(raw, path) {
            Found::Value(v) => Ok(v),
            Found::Absent => Err(format!("`{}` is absent", path.text())),
        },
    }
}

fn apply_op(op: &Op, raw: &str, old: &dyn Fn(&str) -> Option<Value>, step: &mut Step) {
    let field = op.field().to_string();
    let mut note = |text: String| {
        step.notes.push(Note {
            field: field.clone(),
            text: format!("{text}: `{field}` left as it was"),
        })
    };
    let change = match op {
        Op::Set { from, .. } => match read(from, raw) {
            Ok(v) => Some(v),
            Err(text) => {
                note(text);
                None
            }
        },
        Op::Add { from, .. } => {
            let before = old(&field);
            match (read(from, raw), &before) {
                (Err(text), _) => {
                    note(text);
                    None
                }
                (Ok(v), _) if v.money().is_none() => {
                    note(format!("`{v}` is not a number"));
                    None
                }
                (Ok(_), Some(b)) if b.money().is_none() => {
                    note(format!("the field holds `{b}`, not a number"));
                    None
                }
                (Ok(v), b) => {
                    let base = b.as_ref().and_then(Value::money).unwrap_or(Money::ZERO);
                    match base.checked_add(v.money().expect("a number")) {
                        Some(sum) => Some(Value::Number(sum.to_string())),
                        None => {
                            note(format!("{base} + {v} cannot be held exactly"));
                            None
                        }
                    }
                }
            }
        }
        Op::Unset { .. } => {
            if let Some(before) = old(&field) {
                step.changes.push(Change {
                    field,
                    old: Some(before),
                    new: None,
                });
            }
            return;
        }
    };
    if let Some(new) = change {
        step.changes.push(Change {
            old: old(&field),
            field,
            new: Some(new),
        });
    }
}

/// Every event of `account` in `order` (those it is the `to` of included).
pub fn account_events(ledger: &Ledger, account: AccountId, order: Order) -> Vec<u32> {
    if ledger.depth() == Depth::Full {
        let postings = match order {
            Order::Time => ledger.postings(account),
            Order::Recorded => ledger.postings_recorded(account),
        };
        return postings.iter().map(|p| p.event).collect();
    }
    let touches = |i: u32| {
        let e = ledger.event(i as usize);
        e.account == account || ledger.transfer_to(e) == Some(account)
    };
    match order {
        Order::Time => ledger
            .time_order()
            .iter()
            .copied()
            .filter(|&i| touches(i))
            .collect(),
        Order::Recorded => (0..ledger.len() as u32).filter(|&i| touches(i)).collect(),
    }
}

/// The changes of one account's fields, event by event, in one order.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// The account whose fields these are.
    pub account: AccountId,
    /// The order the events are folded in.
    pub order: Order,
    steps: Vec<Step>,
    /// Each step's event's time.
    times: Vec<Millis>,
}

impl Timeline {
    /// Reads the events of `account` that change its fields, in `order`.
    pub fn build(ledger: &Ledger, account: AccountId, order: Order) -> Timeline {
        let plan = RulePlan::new(ledger);
        let mut fields = Fields::default();
        let mut steps = Vec::new();
        for i in account_events(ledger, account, order) {
            if ledger.event(i as usize).account != account {
                continue;
            }
            if let Some(step) = plan.step(i, &fields) {
                fields.apply(&step);
                steps.push(step);
            }
        }
        let times = steps
            .iter()
            .map(|s| ledger.event(s.event as usize).ts)
            .collect();
        Timeline {
            account,
            order,
            steps,
            times,
        }
    }

    /// Every event that changed (or tried to change) a field, in the timeline's order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The step of event `i`, if it changed anything.
    pub fn step_of(&self, i: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.event == i)
    }

    /// The fields after the first `k` steps.
    pub fn fields_after(&self, k: usize) -> Fields {
        let mut fields = Fields::default();
        for step in &self.steps[..k.min(self.steps.len())] {
            fields.apply(step);
        }
        fields
    }

    /// The fields as of a moment: the steps whose events the moment includes, in this
    /// timeline's order.
    pub fn fields_at(&self, moment: Moment) -> Fields {
        match (self.order, moment) {
            (_, Moment::End) => self.fields_after(self.steps.len()),
            (Order::Time, Moment::Time(t)) => {
                self.fields_after(self.times.partition_point(|&ts| ts <= t))
            }
            (Order::Recorded, Moment::Seq(n)) => {
                self.fields_after(self.steps.partition_point(|s| u64::from(s.event) < n))
            }
            (_, moment) => {
                let mut fields = Fields::default();
                for (step, &ts) in self.steps.iter().zip(&self.times) {
                    let included = match moment {
                        Moment::Time(t) => ts <= t,
                        Moment::Seq(n) => u64::from(step.event) < n,
                        Moment::End => true,
                    };
                    if included {
                        fields.apply(step);
                    }
                }
                fields
            }
        }
    }

    /// How many steps come at or before event `i` of the ledger in this timeline's order (the
    /// fields right after `i` are [`Timeline::fields_after`] of it).
    pub fn steps_through(&self, ledger: &Ledger, i: u32) -> usize {
        match self.order {
            Order::Recorded => self.steps.partition_point(|s| s.event <= i),
            Order::Time => {
                let key = (ledger.event(i as usize).ts, i);
                self.steps
                    .iter()
                    .zip(&self.times)
                    .position(|(s, &ts)| (ts, s.event) > key)
                    .unwrap_or(self.steps.len())
            }
        }
    }

    /// Every change of one field, in order, with the step it is in.
    pub fn blame<'t>(&'t self, field: &'t str) -> impl Iterator<Item = (&'t Step, &'t Change)> {
        self.steps.iter().flat_map(move |s| {
            s.changes
                .iter()
                .filter(move |c| c.field == field)
                .map(move |c| (s, c))
        })
    }

    /// Every field name the timeline ever sets, sorted.
    pub fn field_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .steps
            .iter()
            .flat_map(|s| s.changes.iter().map(|c| c.field.as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// An account's balance and fields at one moment, for conditions.
pub struct View<'a> {
    /// The account's balance at the moment.
    pub balance: Money,
    /// The account's fields at the moment.
    pub fields: &'a Fields,
}

impl StateView for View<'_> {
    fn balance(&self) -> Money {
        self.balance
    }
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).map(|f| &f.value)
    }
}

#[cfg(test)]
#[path = "fold_tests.rs"]
mod tests;
