//! The CLI's answers to the core's host steps: files from the local file
//! system, variables from the process environment, commands run without a
//! shell and killed at the core's time limit. What to ask and what the answer
//! means are the core's.

use credmint::google::ExecutableInvocation;
use credmint::{FileRead, HostAnswer, MAX_RESPONSE_BODY};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The file's bytes (at most what the core asked for), missing, or why not.
pub fn read_file(read: &FileRead) -> HostAnswer {
    let file = match std::fs::File::open(read.path()) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return HostAnswer::FileMissing,
        Err(err) => return HostAnswer::FileUnreadable(err.kind().to_string()),
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(read.max_bytes()).unwrap_or(u64::MAX);
    match file.take(limit).read_to_end(&mut bytes) {
        Ok(_) => HostAnswer::File(bytes),
        Err(err) => HostAnswer::FileUnreadable(err.kind().to_string()),
    }
}

/// The variable's value; unset (or not Unicode) is `None`.
pub fn read_env(name: &str) -> HostAnswer {
    HostAnswer::Env(std::env::var(name).ok())
}

/// Runs the command with its variables added, killed at its time limit.
pub fn run(invocation: &ExecutableInvocation) -> HostAnswer {
    let mut command = Command::new(&invocation.program);
    command
        .args(&invocation.args)
        .envs(invocation.env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return HostAnswer::NotStarted(err.kind().to_string()),
    };
    let Some(stdout) = child.stdout.take() else {
        return HostAnswer::NotStarted("no standard output".into());
    };
    // Read on a thread so a command that fills the pipe cannot stall the wait.
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout
            .take(MAX_RESPONSE_BODY as u64 + 1)
            .read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + Duration::from_millis(invocation.timeout_millis);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return HostAnswer::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(err) => return HostAnswer::NotStarted(err.kind().to_string()),
        }
    };
    let stdout = reader.join().unwrap_or_default();
    HostAnswer::Exited {
        status: status.code().unwrap_or(-1),
        stdout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(program: &str, args: &[&str], timeout_millis: u64) -> ExecutableInvocation {
        ExecutableInvocation {
            program: program.into(),
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            env: vec![("CREDMINT_TEST_VAR".into(), "from-env".into())],
            timeout_millis,
            output_file: None,
        }
    }

    #[test]
    fn a_command_runs_with_its_variables_and_is_killed_at_its_limit() {
        let echo = run(&invocation(
            "sh",
            &["-c", "printf %s \"$CREDMINT_TEST_VAR\""],
            5_000,
        ));
        assert_eq!(
            echo,
            HostAnswer::Exited {
                status: 0,
                stdout: b"from-env".to_vec()
            }
        );
        let failed = run(&invocation("sh", &["-c", "exit 3"], 5_000));
        assert!(matches!(failed, HostAnswer::Exited { status: 3, .. }));
        let started = Instant::now();
        assert_eq!(run(&invocation("sleep", &["5"], 200)), HostAnswer::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(4));
        let missing = run(&invocation("/nonexistent/credmint-test", &[], 5_000));
        assert!(matches!(missing, HostAnswer::NotStarted(_)), "{missing:?}");
    }
}
