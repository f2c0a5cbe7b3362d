//! The configuration file (`--config FILE` or `OPENVISIT_CONFIG`): TOML whose keys are
//! the long flags' names (`bind = "0.0.0.0:443"`, `tls-cert = "…"`, `trusted-proxy =
//! ["10.0.0.0/8"]`). A flag on the command line wins over its environment variable,
//! which wins over the file, which wins over the default. The file's settings become
//! flags for the subcommand being run; a key no subcommand knows is an error, a key
//! another subcommand takes (`bind` for `migrate`) is left out.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{CommandFactory, Parser};

use crate::Cli;

/// The command line with the file's settings added; the same line when there is no file.
pub fn with_file(argv: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Some(file) = config_path(&argv) else {
        return Ok(argv);
    };
    let settings = read(&file)?;
    merge(argv, &settings).with_context(|| format!("in {}", file.display()))
}

/// `--config FILE`, `--config=FILE` or `OPENVISIT_CONFIG`.
fn config_path(argv: &[OsString]) -> Option<PathBuf> {
    let mut args = argv.iter().skip(1);
    while let Some(a) = args.next() {
        let a = a.to_string_lossy();
        if a == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(v));
        }
    }
    std::env::var_os("OPENVISIT_CONFIG").map(PathBuf::from)
}

/// A setting's value as written in the file.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum Setting {
    Flag(bool),
    Number(i64),
    Text(String),
    List(Vec<String>),
}

pub fn read(file: &Path) -> anyhow::Result<BTreeMap<String, Setting>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the configuration file {}", file.display()))?;
    basic_toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e} (each line is `name = value`, names as the flags': bind, tls-cert, \
             trusted-proxy …; lists of text in [ ])",
            file.display()
        )
    })
}

/// Adds the settings after the subcommand's name, except those the command line gives
/// or the environment sets.
pub fn merge(
    argv: Vec<OsString>,
    settings: &BTreeMap<String, Setting>,
) -> anyhow::Result<Vec<OsString>> {
    let cli = Cli::command();
    let known: Vec<String> = cli
        .get_subcommands()
        .flat_map(|s| s.get_arguments())
        .filter_map(|a| a.get_long().map(str::to_owned))
        .collect();
    for key in settings.keys() {
        if key == "config" || !known.contains(key) {
            bail!(
                "unknown setting {key:?}; the settings are the long flags of `openvisit serve --help`"
            );
        }
    }
    // The subcommand: the first word that is not a global flag or its value.
    let mut at = 1;
    while at < argv.len() {
        let a = argv[at].to_string_lossy();
        if a == "--config" || a == "--log-format" {
            at += 2;
        } else if a.starts_with("--") {
            at += 1;
        } else {
            break;
        }
    }
    let Some(name) = argv.get(at).map(|a| a.to_string_lossy().into_owned()) else {
        return Ok(argv);
    };
    let Some(sub) = cli.find_subcommand(&name) else {
        return Ok(argv);
    };
    let given = |long: &str| {
        argv[at + 1..].iter().any(|a| {
            let a = a.to_string_lossy();
            a == format!("--{long}") || a.starts_with(&format!("--{long}="))
        })
    };
    let mut added = Vec::new();
    for arg in sub.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let Some(value) = settings.get(long) else {
            continue;
        };
        let in_env = arg.get_env().is_some_and(|e| std::env::var_os(e).is_some());
        if given(long) || in_env {
            continue;
        }
        let flag = OsString::from(format!("--{long}"));
        let takes_value = arg.get_action().takes_values();
        match (value, takes_value) {
            (Setting::Flag(true), false) => added.push(flag),
            (Setting::Flag(false), false) => {}
            (Setting::Flag(_), true) => bail!("{long} takes a value, not true or false"),
            (_, false) => bail!("{long} is true or false"),
            (Setting::Number(n), true) => added.extend([flag, n.to_string().into()]),
            (Setting::Text(t), true) => added.extend([flag, t.into()]),
            (Setting::List(items), true) => added.extend([flag, items.join(",").into()]),
        }
    }
    let mut out = argv;
    out.splice(at + 1..at + 1, added);
    Ok(out)
}

/// `openvisit config check`: the file parses, every key is known, and `serve` accepts
/// every value. What `serve` would run with is printed, secrets hidden.
pub fn check(file: Option<&Path>) -> anyhow::Result<()> {
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("OPENVISIT_CONFIG").map(PathBuf::from))
        .context("name the file: openvisit config check --config FILE")?;
    let settings = read(&file)?;
    let argv = merge(vec!["openvisit".into(), "serve".into()], &settings)
        .with_context(|| format!("in {}", file.display()))?;
    if let Err(e) = Cli::try_parse_from(&argv) {
        bail!("{}: `serve` refuses a setting:\n{e}", file.display());
    }
    println!(
        "{}: {} setting(s), all valid for `serve`:",
        file.display(),
        settings.len()
    );
    for (key, value) in &settings {
        let shown = match value {
            _ if key.contains("token") || key.contains("secret") => "(hidden)".to_owned(),
            Setting::Text(t) if key == "smtp" => hide_password(t),
            Setting::Flag(b) => b.to_string(),
            Setting::Number(n) => n.to_string(),
            Setting::Text(t) => t.clone(),
            Setting::List(l) => l.join(", "),
        };
        println!("  {key} = {shown}");
    }
    Ok(())
}

/// `smtps://user:pass@host` → `smtps://user:***@host`.
fn hide_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> BTreeMap<String, Setting> {
        basic_toml::from_str(toml).expect("toml")
    }

    fn line(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_file_fills_in_what_the_command_line_leaves_out() {
        let s = settings(
            "bind = \"0.0.0.0:8443\"\ntrusted-proxy = [\"10.0.0.0/8\", \"127.0.0.1\"]\n\
             no-demo = true\nmax-connections = 500\ndata-dir = \"/var/lib/openvisit\"\n",
        );
        let out = merge(
            line(&["openvisit", "serve", "--bind", "127.0.0.1:9000"]),
            &s,
        )
        .expect("merge");
        let out: Vec<String> = out
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(out[..2], ["openvisit", "serve"]);
        assert!(
            out.windows(2)
                .any(|w| w == ["--trusted-proxy", "10.0.0.0/8,127.0.0.1"])
        );
        assert!(out.windows(2).any(|w| w == ["--max-connections", "500"]));
        assert!(out.contains(&"--no-demo".to_owned()));
        assert_eq!(
            out.iter().filter(|a| *a == "--bind").count(),
            1,
            "the command line's --bind wins: {out:?}"
        );
        assert!(out.ends_with(&["--bind".to_owned(), "127.0.0.1:9000".to_owned()]));
    }

    #[test]
    fn another_subcommand_s_settings_are_left_out_and_unknown_ones_refused() {
        let s = settings("bind = \"0.0.0.0:8443\"\ndata-dir = \"/srv\"\n");
        let out = merge(line(&["openvisit", "migrate"]), &s).expect("merge");
        assert_eq!(out, line(&["openvisit", "migrate", "--data-dir", "/srv"]));
        let e =
            merge(line(&["openvisit", "serve"]), &settings("bnd = \"x\"\n")).expect_err("unknown");
        assert!(e.to_string().contains("\"bnd\""), "{e}");
        let e = merge(
            line(&["openvisit", "serve"]),
            &settings("no-demo = \"yes\"\n"),
        )
        .expect_err("type");
        assert!(e.to_string().contains("true or false"), "{e}");
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            hide_password("smtps://ov:secret@mail.example:465"),
            "smtps://ov:***@mail.example:465"
        );
        assert_eq!(hide_password("127.0.0.1:25"), "127.0.0.1:25");
    }
}
