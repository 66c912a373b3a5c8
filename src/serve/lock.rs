//! One `yuqing serve` per data directory: an exclusive OS file lock on `index/yuqing.lock`
//! holding the server's pid. The OS drops the lock when the process dies, even by `kill -9`, so
//! a stale file never blocks a restart. `crawl` and `reindex` ask who holds it and refuse clearly.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const LOCK_FILE: &str = "yuqing.lock";

#[derive(Debug)]
pub struct ServiceLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "另一个 yuqing serve 正在使用 {dir} (pid {pid}) — another 'yuqing serve' (pid {pid}) is running on {dir}: stop it first"
    )]
    Held { dir: String, pid: String },
    #[error("无法打开锁文件 {path} (cannot open lock file): {error}")]
    Io { path: String, error: std::io::Error },
}

fn open(dir: &Path) -> Result<(File, PathBuf), LockError> {
    let path = dir.join(LOCK_FILE);
    let io = |error| LockError::Io {
        path: path.display().to_string(),
        error,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    Ok((file, path))
}

fn read_pid(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut s);
    let pid = s.trim();
    if pid.is_empty() {
        "?".into()
    } else {
        pid.to_string()
    }
}

impl ServiceLock {
    /// Takes the lock for this process, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<ServiceLock, LockError> {
        let (mut file, path) = open(dir)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    dir: dir.display().to_string(),
                    pid: read_pid(&mut file),
                });
            }
            Err(TryLockError::Error(error)) => {
                return Err(LockError::Io {
                    path: path.display().to_string(),
                    error,
                });
            }
        }
        let io = |error| LockError::Io {
            path: path.display().to_string(),
            error,
        };
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(ServiceLock { _file: file, path })
    }

    /// The pid of the `serve` holding `dir`, if one is running.
    pub fn holder(dir: &Path) -> Option<String> {
        if !dir.join(LOCK_FILE).exists() {
            return None;
        }
        let (mut file, _) = open(dir).ok()?;
        match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(TryLockError::WouldBlock) => Some(read_pid(&mut file)),
            Err(TryLockError::Error(_)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = ServiceLock::acquire(dir.path()).unwrap();
        assert_eq!(
            ServiceLock::holder(dir.path()),
            Some(std::process::id().to_string())
        );
        let err = ServiceLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains(&std::process::id().to_string()),
            "{err}"
        );
        drop(lock);
        assert_eq!(ServiceLock::holder(dir.path()), None);
        ServiceLock::acquire(dir.path()).unwrap();
    }
}
