use std::process::ExitCode;

fn main() -> ExitCode {
    kasane::cli::main()
}
