//! The `orgdir` command: `serve` the API, mint a `token`, `confirm-user`.
#![deny(clippy::unwrap_used)]

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    cli.run().await
}
