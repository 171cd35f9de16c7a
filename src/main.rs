use std::process::ExitCode;

use clap::Parser;
use warta::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    warta::telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(cli.execute())
}
