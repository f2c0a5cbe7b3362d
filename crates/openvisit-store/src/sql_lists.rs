//! SQL lists built for batches: numbered parameters, rows of placeholders, and the
//! form SQLite binds fastest. The booking writer and the ledger build their multi-row
//! statements with these.

/// `($1, $2, …), (…)`: `rows` groups of `cols` numbered parameters from `$first`.
pub(crate) fn placeholders(rows: usize, cols: usize, first: usize) -> String {
    numbered(rows, ", ", |r| {
        format!(
            "({})",
            numbered(cols, ", ", |c| format!("${}", first + r * cols + c))
        )
    })
}

/// A statement built by the writer, for `conn`'s database. SQLite finds a numbered
/// parameter by walking the list of names, so binding hundreds of `$N` costs time
/// quadratic in their number (18% of its writer thread here); anonymous `?` are bound
/// by position. `$1, $2, …` used once each and in order become `?` there.
pub(crate) fn batch_sql(conn: &sqlx::AnyConnection, sql: String) -> sqlx::AssertSqlSafe<String> {
    if conn.backend_name().eq_ignore_ascii_case("sqlite")
        && let Some(positional) = positional_params(&sql)
    {
        return sqlx::AssertSqlSafe(positional);
    }
    sqlx::AssertSqlSafe(sql)
}

/// `sql` with `$1, $2, …` as `?`, if each appears once and in order.
fn positional_params(sql: &str) -> Option<String> {
    let mut out = String::with_capacity(sql.len());
    let mut next = 1u64;
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        let n: u64 = rest[at + 1..at + 1 + digits].parse().ok()?;
        if n != next {
            return None;
        }
        next += 1;
        out.push('?');
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    Some(out)
}

/// `f(0)`, `f(1)`, … joined by `sep`: SQL lists whose parameter numbers follow from
/// the position.
pub(crate) fn numbered(count: usize, sep: &str, f: impl Fn(usize) -> String) -> String {
    (0..count).map(f).collect::<Vec<_>>().join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_positional_parameters_only_when_they_are_in_order() {
        assert_eq!(
            positional_params("INSERT INTO t VALUES ($1, $2), ($3, $4) RETURNING id").as_deref(),
            Some("INSERT INTO t VALUES (?, ?), (?, ?) RETURNING id")
        );
        assert_eq!(positional_params("SELECT 1").as_deref(), Some("SELECT 1"));
        // Reused or out of order: left numbered.
        assert_eq!(positional_params("WHERE a = $1 OR b = $1"), None);
        assert_eq!(positional_params("VALUES ($2, $3) WHERE $1"), None);
        assert_eq!(positional_params("WHERE a = $"), None);
    }

    #[test]
    fn placeholders_number_every_parameter_once() {
        assert_eq!(placeholders(2, 3, 2), "($2, $3, $4), ($5, $6, $7)");
    }
}
