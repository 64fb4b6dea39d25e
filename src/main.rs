fn main() -> std::process::ExitCode {
    adlerdo::cli::main()
}
