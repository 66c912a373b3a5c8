//! State shared by the scheduler and the web server: the current [`App`], swapped whole on reload.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use crate::app::App;
use crate::config::{Config, ConfigErrors};

pub struct Shared {
    app: RwLock<Arc<App>>,
    pub started: Instant,
    /// Sources being crawled right now (the scheduler's; the sources page shows 采集中).
    pub crawling: Arc<Mutex<HashSet<String>>>,
}

impl Shared {
    pub fn new(app: App) -> Arc<Shared> {
        Arc::new(Shared {
            app: RwLock::new(Arc::new(app)),
            started: Instant::now(),
            crawling: Arc::default(),
        })
    }

    /// Whether the scheduler is crawling this source now.
    pub fn is_crawling(&self, id: &str) -> bool {
        self.crawling
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    /// The application as configured now. Hold the `Arc` for one request or one job.
    pub fn app(&self) -> Arc<App> {
        self.app.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Re-reads the configuration (sources, rules, user dictionary). An invalid configuration is
    /// rejected with all its problems and the old one stays in force.
    pub fn reload(&self) -> Result<Arc<App>, ReloadError> {
        let current = self.app();
        let config = Config::load(&current.config.path).map_err(ReloadError::Config)?;
        if config.data_dir != current.config.data_dir {
            return Err(ReloadError::Other(
                "data_dir cannot change without a restart".into(),
            ));
        }
        let next = Arc::new(
            current
                .reloaded(config)
                .map_err(|e| ReloadError::Other(format!("{e:#}")))?,
        );
        *self.app.write().unwrap_or_else(|p| p.into_inner()) = next.clone();
        Ok(next)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("配置无效，继续使用原配置 (invalid config, the old one stays in force):\n{0}")]
    Config(ConfigErrors),
    #[error("重新加载失败 (reload failed): {0}")]
    Other(String),
}
