/// mimalloc instead of glibc's malloc: the indexer's tokenizers and the crawl allocate many
/// small strings on several threads at once, where glibc spent about a tenth of the crawl's
/// CPU in its own bookkeeping (BENCHMARKS.md, "Ingest through `yuqing crawl`").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    yuqing::cli::main()
}
