/// mimalloc instead of glibc's malloc: the indexer's tokenizers and the crawl allocate many
/// small strings on several threads at once, where glibc spent about a tenth of the crawl's
/// CPU in its own bookkeeping (BENCHMARKS.md, "Ingest through `yuqing crawl`").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option API (its C symbols are linked in with the allocator). The numbers are the
// `mi_option_t` values of the mimalloc v3 that libmimalloc-sys 0.1.49 builds (Cargo.lock pins it).
unsafe extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
}
const MI_OPTION_ARENA_EAGER_COMMIT: i32 = 4;
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// Freed pages go back to the system at once and arena memory is committed on demand, unless
/// the environment says otherwise (`MIMALLOC_PURGE_DELAY`, `MIMALLOC_ARENA_EAGER_COMMIT`).
/// With mimalloc's defaults one digest of a 63,000-alert window left serve at 440 MB of
/// anonymous memory until later requests purged it; with these, 43 MB (BENCHMARKS.md, Serve and
/// web at 1M).
fn tune_allocator() {
    for (var, option) in [
        ("MIMALLOC_PURGE_DELAY", MI_OPTION_PURGE_DELAY),
        ("MIMALLOC_ARENA_EAGER_COMMIT", MI_OPTION_ARENA_EAGER_COMMIT),
    ] {
        if std::env::var_os(var).is_none() {
            // SAFETY: sets one of mimalloc's options to a value it documents; it is called
            // before any other thread starts.
            unsafe { mi_option_set(option, 0) };
        }
    }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    yuqing::cli::main()
}
