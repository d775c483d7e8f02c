//! The check of the `url` target: PostgreSQL URLs.

/// `url`: a PostgreSQL URL built from a template (the first `\u{1}` in it marks the password's
/// place) and a password, written raw or percent-encoded. When it is read with that password, the
/// same URL with another password of the same length is shown the same: nothing shown depends on
/// the password.
pub fn url(data: &[u8]) {
    use crate::source::pg::PgUrl;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Some((template, password)) = text.split_once('\u{0}') else {
        return;
    };
    if !template.contains('\u{1}') || password.is_empty() {
        return;
    }
    // Raw, a password may hold every printable ASCII character but `/`, `?` and `%` (README).
    let raw = mode % 2 == 0
        && password
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/?%".contains(&b));
    let other: String = password
        .bytes()
        .map(|b| {
            // Another printable character of the same class.
            let c = if b.is_ascii_graphic() {
                b'!' + (b - b'!' + 7) % 94
            } else {
                b'x'
            };
            if raw && b"/?%".contains(&c) {
                'Q'
            } else {
                c as char
            }
        })
        .collect();
    if other == password {
        return;
    }
    let encode = |pw: &str| -> String {
        if raw {
            pw.to_string()
        } else {
            pw.bytes().map(|b| format!("%{b:02X}")).collect()
        }
    };
    let read = |pw: &str| PgUrl::parse(&template.replacen('\u{1}', &encode(pw), 1));
    let (Ok(a), Ok(b)) = (read(password), read(&other)) else {
        return;
    };
    if a.secret() != Some(password.as_bytes()) || b.secret() != Some(other.as_bytes()) {
        return;
    }
    assert_eq!(
        a.display(),
        b.display(),
        "what is shown depends on the password"
    );
    assert_eq!(a.user(), b.user(), "the user depends on the password");
    if password.len() >= 3 && !template.contains(password) {
        assert!(
            !a.display().contains(password),
            "{} shows the password",
            a.display()
        );
    }
}
