//! The `orgdir` command: `serve` the API, mint a `token`, `confirm-user`.
#![deny(clippy::unwrap_used)]

mod api;
mod cli;

/// mimalloc: the server allocates many small values per request on every
/// worker thread, where it measured faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse_args();
    cli.run().await
}
