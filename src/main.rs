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
/// the environment sets the option (mimalloc reads its variables case-insensitively, under
/// their current and their old names). With mimalloc's defaults one digest of a 63,000-alert
/// window left serve at 440 MB of anonymous memory until later requests purged it; with these
/// set here, 53–57 MB (43 MB from the environment, which applies from the process's start;
/// BENCHMARKS.md, Hardening).
fn tune_allocator() {
    let set: Vec<String> = std::env::vars_os()
        .map(|(k, _)| k.to_string_lossy().to_ascii_uppercase())
        .collect();
    for (names, option) in [
        (
            ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"],
            MI_OPTION_PURGE_DELAY,
        ),
        (
            [
                "MIMALLOC_ARENA_EAGER_COMMIT",
                "MIMALLOC_EAGER_REGION_COMMIT",
            ],
            MI_OPTION_ARENA_EAGER_COMMIT,
        ),
    ] {
        if !set.iter().any(|k| names.contains(&k.as_str())) {
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
