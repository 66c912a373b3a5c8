//! `yuqing user`, `yuqing alerts`, `yuqing rules` and `yuqing saved`: accounts, review, rule tests
//! and saved searches.

use super::*;

pub(super) fn user(config: &Config, action: UserAction) -> Result<(), Failure> {
    use crate::app::users::add_user;
    use crate::model::Role;
    let store = crate::store::Store::open(&config.db_path()).map_err(anyhow::Error::from)?;
    match action {
        UserAction::Add { name, role, unit } => {
            let role =
                Role::parse(&role).ok_or_else(|| usage(format!("role: {}", Role::names())))?;
            if let Some(u) = &unit {
                check_unit(config, u)?;
            }
            let password =
                read_password().map_err(|e| usage(format!("cannot read the password: {e}")))?;
            add_user(&store, &name, role, unit.as_deref(), &password)
                .map_err(|e| usage(e.to_string()))?;
            match unit.and_then(|u| config.units.iter().find(|x| x.id == u)) {
                Some(u) => println!(
                    "已创建用户 {name}（{}：{}）(user created)",
                    role.label_zh(),
                    u.name
                ),
                None => println!("已创建用户 {name}（{}）(user created)", role.label_zh()),
            }
        }
        UserAction::List => {
            for u in store.users().map_err(anyhow::Error::from)? {
                println!(
                    "{:<20} {:<10} {:<12} {}",
                    u.name,
                    u.role,
                    u.unit.as_deref().unwrap_or("-"),
                    crate::model::short_time(Some(&crate::app::rfc3339(
                        u.created,
                        config.timezone
                    )))
                );
            }
        }
    }
    Ok(())
}

/// A unit id must be one of units.toml.
fn check_unit(config: &Config, id: &str) -> Result<(), Failure> {
    if config.units.iter().any(|u| u.id == id) {
        return Ok(());
    }
    let known: Vec<&str> = config.units.iter().map(|u| u.id.as_str()).collect();
    Err(usage(if known.is_empty() {
        format!("没有单位 {id:?}：units.toml 中尚未配置联席单位 (no such unit)")
    } else {
        format!("没有单位 {id:?}，可用：{} (no such unit)", known.join("、"))
    }))
}

/// The new password: prompted twice without echo on a terminal, else the first line of stdin.
pub(super) fn read_password() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("密码 (password): ")?;
        let b = rpassword::prompt_password("再次输入 (again): ")?;
        if a != b {
            return Err(std::io::Error::other(
                "两次输入的密码不一致 (passwords differ)",
            ));
        }
        Ok(a)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// A database problem is exit 1; a bad argument or an unknown alert is the user's (exit 2).
pub(super) fn alert_failure(e: AlertError) -> Failure {
    match e {
        AlertError::Store(e) => Failure {
            code: 1,
            message: e.to_string(),
        },
        other => usage(other.to_string()),
    }
}

pub(super) fn alerts(
    app: &App,
    action: Option<AlertsAction>,
    q: AlertQuery,
    json: bool,
) -> Result<(), Failure> {
    match action {
        Some(AlertsAction::Review {
            id,
            status,
            note,
            by,
            json,
        }) => {
            let by = by.or_else(|| std::env::var("USER").ok());
            let a = app
                .review_alert(
                    id,
                    parse_status(&status).map_err(alert_failure)?,
                    note.as_deref(),
                    by.as_deref(),
                )
                .map_err(alert_failure)?;
            if json {
                print_json(&a)?;
            } else {
                println!(
                    "预警 {} 已标记为 {} ({})",
                    a.id,
                    a.status.label_zh(),
                    a.title
                );
            }
        }
        Some(AlertsAction::Assign {
            id,
            unit,
            due,
            note,
            by,
            json,
        }) => {
            let by = by.or_else(|| std::env::var("USER").ok());
            let due = due
                .as_deref()
                .map(crate::app::handling::parse_due)
                .transpose()
                .map_err(alert_failure)?;
            let a = app
                .assign_alert(id, &unit, due, note.as_deref(), by.as_deref())
                .map_err(alert_failure)?;
            if json {
                print_json(&a)?;
            } else {
                println!(
                    "预警 {} 已交办 {}，期限 {} ({})",
                    a.id,
                    unit,
                    crate::model::short_time(a.due.as_deref()),
                    a.title
                );
            }
        }
        Some(AlertsAction::Feedback {
            id,
            note,
            done,
            by,
            json,
        }) => {
            let by = by.or_else(|| std::env::var("USER").ok());
            let a = app
                .alert_feedback(id, &note, done, by.as_deref())
                .map_err(alert_failure)?;
            if json {
                print_json(&a)?;
            } else {
                println!(
                    "预警 {} 已记录反馈{}",
                    a.id,
                    if done { "，已办结" } else { "" }
                );
            }
        }
        Some(AlertsAction::Backfill { days }) => {
            let n = app.backfill_alerts(days)?;
            println!("回溯匹配完成 (backfill): 最近 {days} 天, 新增预警 {n} 条");
        }
        None => {
            let list = app.alerts(&q).map_err(alert_failure)?;
            if json {
                print_json(&serde_json::json!({ "alerts": list }))?;
            } else {
                println!("共 {} 条预警", list.len());
                for a in &list {
                    println!(
                        "\n[{}] {} · {} · {}\n    {}\n    {} · {} · 命中: {}",
                        a.id,
                        a.level.label_zh(),
                        a.rule_name,
                        a.status.label_zh(),
                        a.title,
                        a.source_name,
                        crate::model::short_time(a.published.as_deref()),
                        a.matched.join("、")
                    );
                }
            }
        }
    }
    Ok(())
}

pub(super) fn rules(config: Config, action: RulesAction) -> Result<(), Failure> {
    match action {
        RulesAction::List { json } => {
            let list: Vec<serde_json::Value> = config
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "level": r.level, "enabled": r.enabled,
                        "region": r.region, "subject": r.subject, "event": r.event, "all": r.all,
                        "exclude": r.exclude, "near": r.near, "sources": r.sources,
                    })
                })
                .collect();
            if json {
                print_json(&serde_json::json!({ "rules": list }))?;
            } else {
                for r in &config.rules {
                    println!(
                        "{:<16} {} {}  地域词 {}  事件词 {}  排除词 {}{}",
                        r.id,
                        r.level.label_zh(),
                        r.name,
                        r.region.join("、"),
                        r.event.join("、"),
                        r.exclude.join("、"),
                        if r.enabled { "" } else { "  (已停用)" }
                    );
                }
            }
            Ok(())
        }
        RulesAction::Test {
            rule,
            days,
            file,
            samples,
            json,
        } => {
            let pool = match &file {
                Some(f) => config
                    .load_rules_file(f)
                    .map_err(|e| usage(e.to_string()))?,
                None => config.rules.clone(),
            };
            let Some(r) = pool.iter().find(|r| r.id == rule) else {
                return Err(usage(format!("没有规则 {rule:?} (no rule {rule:?})")));
            };
            let r = crate::config::Rule {
                enabled: true,
                ..r.clone()
            };
            let app = App::open(config)?;
            let t = app.test_rule(&r, days, samples)?;
            if json {
                print_json(&t)?;
            } else {
                println!(
                    "规则 {} ({}): 最近 {} 天 {} 篇文章中命中 {} 篇",
                    t.rule, t.rule_name, t.days, t.articles_scanned, t.matched
                );
                for s in &t.samples {
                    println!(
                        "\n[{}] {}\n    {} · {} · 命中: {}\n    {}",
                        s.article_id,
                        s.title,
                        s.source,
                        crate::model::short_time(s.published.as_deref()),
                        s.matched.join("、"),
                        mark(&s.snippet, &s.highlights, std::io::stdout().is_terminal())
                    );
                }
            }
            Ok(())
        }
    }
}

pub(super) fn saved_failure(e: crate::app::saved::SavedError) -> Failure {
    use crate::app::saved::SavedError;
    match e {
        SavedError::BadRequest(_) | SavedError::NotFound(_) | SavedError::Forbidden => {
            usage(e.to_string())
        }
        SavedError::Search(crate::app::SearchError::BadRequest(m)) => usage(m),
        other => Failure {
            code: 1,
            message: other.to_string(),
        },
    }
}

pub(super) fn saved(config: Config, action: SavedAction) -> Result<(), Failure> {
    use crate::app::saved::{NewSavedSearch, Viewer};
    let app = App::open(config)?;
    let cli = Viewer::CLI;
    match action {
        SavedAction::List { json } => {
            let list = app.saved_list(cli).map_err(saved_failure)?;
            if json {
                return print_json(&serde_json::json!({ "saved": list }));
            }
            if list.is_empty() {
                println!("还没有专题 (no saved searches): yuqing saved add 名称 检索式");
            }
            for s in &list {
                println!(
                    "[{}] {}  共 {} 篇，新 {} 篇{}\n    {}{}",
                    s.id,
                    s.name,
                    s.total,
                    s.new,
                    s.level
                        .map(|l| format!("，推送级别 {}", l.label_zh()))
                        .unwrap_or_default(),
                    if s.query.is_empty() {
                        "（无检索词）"
                    } else {
                        &s.query
                    },
                    if s.filter.sources.is_empty() {
                        String::new()
                    } else {
                        format!("  信息源: {}", s.filter.sources.join(", "))
                    }
                );
            }
            Ok(())
        }
        SavedAction::Add {
            name,
            query,
            filter,
            level,
            json,
        } => {
            let level = level
                .as_deref()
                .map(crate::app::alerts::parse_level)
                .transpose()
                .map_err(alert_failure)?;
            let s = app
                .saved_add(
                    &NewSavedSearch {
                        name,
                        query,
                        filter,
                        shared: true,
                        level,
                    },
                    cli,
                )
                .map_err(saved_failure)?;
            if json {
                return print_json(&s);
            }
            println!(
                "已保存专题 [{}] {}，当前共 {} 篇 (saved)",
                s.id, s.name, s.total
            );
            Ok(())
        }
        SavedAction::Show {
            name,
            limit,
            page,
            json,
        } => {
            let p = app
                .saved_open(&name, cli, page, limit)
                .map_err(saved_failure)?;
            if json {
                return print_json(&serde_json::json!({
                    "saved": p.saved,
                    "total": p.result.total,
                    "page": p.result.page,
                    "limit": p.result.limit,
                    "hits": p.result.hits,
                    "notes": p.result.notes,
                    "new_ids": p.result.hits.iter().filter(|h| h.id > p.seen_before).map(|h| h.id).collect::<Vec<_>>(),
                }));
            }
            println!(
                "专题 {}：共 {} 篇，新 {} 篇",
                p.saved.name, p.saved.total, p.saved.new
            );
            super::print::print_search(&p.result);
            Ok(())
        }
        SavedAction::Rm { name, json } => {
            app.saved_remove(&name, cli).map_err(saved_failure)?;
            if json {
                return print_json(&serde_json::json!({ "removed": name }));
            }
            println!("已删除专题 {name} (removed)");
            Ok(())
        }
    }
}

pub(super) fn events(
    config: Config,
    action: Option<EventsAction>,
    since: Option<chrono::NaiveDate>,
    until: Option<chrono::NaiveDate>,
    json: bool,
) -> Result<(), Failure> {
    let app = App::open(config)?;
    match action {
        None => {
            if let (Some(a), Some(b)) = (since, until)
                && a > b
            {
                return Err(usage("起始日期晚于结束日期 (since is after until)"));
            }
            let list = app.events(since, until)?;
            if json {
                return print_json(&serde_json::json!({ "events": list }));
            }
            if list.is_empty() {
                println!("没有事件 (no events)");
            }
            for e in &list {
                println!(
                    "[{}] {}{}\n    {} 篇 · {} 个来源 · 热度 {} · 负面 {} 中性 {} 正面 {}{} · {} 至 {}",
                    e.id,
                    e.title,
                    if e.spike { " 〔突发〕" } else { "" },
                    e.articles,
                    e.sources,
                    e.heat,
                    e.tone.negative,
                    e.tone.neutral,
                    e.tone.positive,
                    e.level
                        .map(|l| format!(" · 最高预警 {}", l.label_zh()))
                        .unwrap_or_default(),
                    crate::model::short_time(Some(&e.first_seen)),
                    crate::model::short_time(Some(&e.last_seen)),
                );
            }
            Ok(())
        }
        Some(EventsAction::Show { id, json }) => {
            let Some(d) = app.event_detail(id)? else {
                return Err(usage(format!("没有编号为 {id} 的事件 (no event {id})")));
            };
            if json {
                return print_json(&d);
            }
            println!(
                "{}\n{} 篇 · {} 个来源 · 热度 {}{}",
                d.event.title,
                d.event.articles,
                d.event.sources,
                d.event.heat,
                if d.event.spike { " · 突发" } else { "" }
            );
            for m in &d.members {
                println!(
                    "\n[{}] {}{}\n    {} · {}\n    {}",
                    m.id,
                    m.title,
                    if m.first { " 〔首发〕" } else { "" },
                    m.source_name,
                    crate::model::short_time(Some(&m.published)),
                    m.url
                );
            }
            Ok(())
        }
    }
}
