//! Where each part of the screen goes, as a pure function of the terminal size; the app uses it to
//! know how many rows a page has, the drawing code to place the widgets.

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this size the explorer shows a "window too small" message instead of its screen.
pub const MIN_WIDTH: u16 = 50;
pub const MIN_HEIGHT: u16 = 18;

/// Width from which the accounts and events panes stand side by side.
const SIDE_BY_SIDE: u16 = 124;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub too_small: bool,
    pub header: Rect,
    /// Between header and timeline: the panes, or a full view (details, statement).
    pub body: Rect,
    pub accounts: Rect,
    pub problems: Rect,
    pub events: Rect,
    pub timeline: Rect,
    pub hints: Rect,
}

/// The areas for a terminal of `area`. When the problems pane has the focus (`problems_wide`) it
/// takes the larger share beside the accounts pane, so that its WHAT column (the problem's text)
/// and whole account ids show even at 80 columns; the accounts pane keeps its ids and balances.
pub fn areas(area: Rect, problems_wide: bool) -> Areas {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return Areas {
            too_small: true,
            ..Areas::default()
        };
    }
    let [header, body, timeline, hints] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let (accounts, problems, events) = if area.width >= SIDE_BY_SIDE && problems_wide {
        // The problems across the whole width, under the accounts and the events.
        let [top, problems] =
            Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(body);
        let [accounts, events] =
            Layout::horizontal([Constraint::Length(46), Constraint::Min(40)]).areas(top);
        (accounts, problems, events)
    } else if area.width >= SIDE_BY_SIDE {
        let [left, events] =
            Layout::horizontal([Constraint::Length(46), Constraint::Min(40)]).areas(body);
        let [accounts, problems] =
            Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(left);
        (accounts, problems, events)
    } else {
        let [top, events] =
            Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
        let accounts_share = if problems_wide { 35 } else { 55 };
        let [accounts, problems] = Layout::horizontal([
            Constraint::Percentage(accounts_share),
            Constraint::Percentage(100 - accounts_share),
        ])
        .areas(top);
        (accounts, problems, events)
    };
    Areas {
        too_small: false,
        header,
        body,
        accounts,
        problems,
        events,
        timeline,
        hints,
    }
}

/// A rectangle of at most `width` × `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
