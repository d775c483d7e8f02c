//! The explorer: a keyboard-driven terminal UI over a [`Ledger`](crate::ledger::Ledger).
//!
//! Input → [`Action`](action::Action) → [`App::update`](app::App::update) → state → `ui::render`.

pub mod action;
pub mod app;
pub mod diff;
pub mod evidence;
pub mod export;
pub mod filter;
pub mod keymap;
pub mod run;
pub mod state;
pub mod theme;
pub mod ui;

pub use run::run;
