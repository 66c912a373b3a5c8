//! User accounts: name and password rules, argon2id hashes, creating a user. Used by the web
//! login and by `yuqing user`.

use crate::model::Role;

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// An argon2id PHC string (random salt, default parameters).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::{Argon2, PasswordHasher};
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

pub fn check_user_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > 32 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(
            "用户名须为 1–32 个字符，不含空白 (user name: 1-32 characters, no spaces)".into(),
        );
    }
    Ok(())
}

/// Longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords of 8+ characters that guessing tools try first (our own list, compiled from the
/// well-known patterns: digit runs, keyboard walks, `password`/`admin`/`woaini` variants).
/// Compared case-insensitively; see also [`is_trivial_pattern`].
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "87654321",
    "987654321",
    "11223344",
    "12341234",
    "12344321",
    "1234qwer",
    "qwer1234",
    "1qaz2wsx",
    "1qaz@wsx",
    "zaq12wsx",
    "qwertyui",
    "qwertyuiop",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "qazwsxedc",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "a1b2c3d4",
    "abc12345",
    "abcd1234",
    "abc123456",
    "a12345678",
    "a123456789",
    "aa123456",
    "admin123",
    "admin1234",
    "admin@123",
    "administrator",
    "root1234",
    "welcome1",
    "iloveyou",
    "woaini1314",
    "woaini520",
    "5201314520",
    "13145200",
    "5201314a",
    "88888888",
    "66666666",
    "168168168",
    "12121212",
    "11112222",
    "147258369",
    "123123123",
    "123321123",
    "112233445",
    "super123",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "dragon12",
    "monkey12",
    "letmein1",
    "trustno1",
    "changeme",
    "default1",
    "yuqing123",
    "yuqing2026",
    "huawei123",
    "computer",
    "internet",
    "qq123456",
    "woaini123",
    "nihao123",
];

/// All one character, or a run like `abcdefgh` / `98765432` (steps of +1 or -1).
fn is_trivial_pattern(p: &str) -> bool {
    let c: Vec<char> = p.chars().collect();
    let step = |d: i64| c.windows(2).all(|w| w[1] as i64 - w[0] as i64 == d);
    step(0) || step(1) || step(-1)
}

pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS || password.trim().chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 个字符，且不能全是空格 (password: at least {MIN_PASSWORD_CHARS} characters, not all spaces)"
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!(
            "密码最多 {MAX_PASSWORD_CHARS} 个字符 (password: at most {MAX_PASSWORD_CHARS} characters)"
        ));
    }
    let lower = password.to_lowercase();
    if is_trivial_pattern(&lower) || COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(
            "密码过于常见或简单，容易被猜中，请换一个 (password too common or simple)".into(),
        );
    }
    Ok(())
}

/// Creates a user with a checked name, role and password. The first user must be an admin. A
/// `unit` user acts for exactly one partner unit (`unit`, an id the caller checked against
/// units.toml); no other role has one.
pub fn add_user(
    store: &crate::store::Store,
    name: &str,
    role: Role,
    unit: Option<&str>,
    password: &str,
) -> anyhow::Result<()> {
    check_user_name(name).map_err(anyhow::Error::msg)?;
    match (role, unit) {
        (Role::Unit, None) => {
            anyhow::bail!("联席单位账号须指定所属单位：--unit 单位ID (a unit user needs --unit)")
        }
        (r, Some(_)) if r != Role::Unit => anyhow::bail!(
            "只有联席单位账号（--role unit）才有所属单位 (only unit users have a unit)"
        ),
        _ => {}
    }
    check_password(password).map_err(anyhow::Error::msg)?;
    if password.to_lowercase().contains(&name.to_lowercase()) {
        anyhow::bail!("密码不能包含用户名 (password must not contain the user name)");
    }
    // Once a user exists, login is required and the loopback administrator is gone: a first
    // user who is not an admin would leave nobody able to manage users.
    if role != Role::Admin && store.user_count()? == 0 {
        anyhow::bail!(
            "第一个用户必须是管理员：创建后本机免登录的管理员即失效，否则将无人能管理用户。请先运行 \
             yuqing user add 名字 --role admin (the first user must be an admin, or nobody could manage users)"
        );
    }
    let hash = hash_password(password)?;
    if !store.create_user(
        name,
        role.as_str(),
        unit,
        &hash,
        chrono::Utc::now().timestamp(),
    )? {
        anyhow::bail!("用户 {name} 已存在 (user exists)");
    }
    Ok(())
}
