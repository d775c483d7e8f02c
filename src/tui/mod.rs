//! The explorer: a keyboard-driven terminal UI over a [`Ledger`](crate::ledger::Ledger).
//!
//! Input → [`keymap`] → [`Action`](action::Action) → [`App::update`](app::App::update), which
//! acts on the shared [`state`] or routes the action to the [`view`] on screen → `ui::render`, which
//! draws the state and the views' own state without changing either.

pub mod action;
pub mod app;
pub mod clock;
pub mod commands;
pub mod evidence;
pub mod export;
mod exporting;
pub mod filter;
mod find_account;
pub mod investigation;
pub mod jumps;
pub mod keymap;
mod narrow;
mod navigate;
mod reload;
pub mod run;
pub mod state;
pub mod theme;
pub mod ui;
pub mod view;
mod when;

pub use run::run;
