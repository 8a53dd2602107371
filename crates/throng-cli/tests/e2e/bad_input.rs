//! Bad input exits 2 with a message that names the problem.

use throng_test_guests::{GUEST_GET, GUEST_NO_JOURNEY, GUEST_OTHER_VERSION};

use crate::check;
use crate::harness::{closed_port, throng};

async fn refused(args: &[&str], expect: &[&str]) {
    let run = throng(args).await;
    check!(run, run.code == 2, "exit code");
    for text in expect {
        check!(run, run.stderr.contains(text), "stderr lacks {text:?}");
    }
    check!(run, !run.stderr.contains("panicked"));
}

#[tokio::test]
async fn a_missing_file() {
    refused(
        &[
            "run",
            "/nonexistent/journey.wasm",
            "--vus",
            "1",
            "--iterations",
            "1",
        ],
        &["/nonexistent/journey.wasm"],
    )
    .await;
    refused(
        &["run", "/nonexistent/plan.toml"],
        &["cannot read plan /nonexistent/plan.toml"],
    )
    .await;
}

#[tokio::test]
async fn a_file_that_is_not_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.wasm");
    std::fs::write(&path, "hello").unwrap();
    let path = path.to_str().unwrap();
    refused(
        &["run", path, "--iterations", "1"],
        &[path, "not a WebAssembly file"],
    )
    .await;
}

#[tokio::test]
async fn a_core_module_instead_of_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("core.wasm");
    // The smallest valid core module: magic and version 1.
    std::fs::write(&path, b"\0asm\x01\0\0\0").unwrap();
    let path = path.to_str().unwrap();
    refused(
        &["run", path, "--iterations", "1"],
        &[
            path,
            "core WebAssembly module, not a component",
            "wasm32-wasip2",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_component_without_the_journey_export() {
    refused(
        &["run", GUEST_NO_JOURNEY, "--iterations", "1"],
        &[
            GUEST_NO_JOURNEY,
            "does not export `throng:vu/journey@0.1.0`",
            "wasi:cli/run",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_component_of_another_contract_version() {
    refused(
        &["run", GUEST_OTHER_VERSION, "--iterations", "1"],
        &["throng:vu@0.2.0", "throng:vu@0.1.0"],
    )
    .await;
}

#[tokio::test]
async fn a_plan_with_an_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "module = \"j.wasm\"\n\n[scenario]\nvus = 2\nduraton = \"10s\"\n",
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    refused(
        &["run", plan],
        &[
            plan,
            "line 5, column 1",
            "unknown field `duraton`",
            "did you mean `duration`?",
        ],
    )
    .await;
}

#[tokio::test]
async fn unknown_keys_anywhere_in_a_plan_get_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("modul = \"j.wasm\"\n", "line 1, column 1", "`module`"),
        (
            "module = \"j.wasm\"\n[data.patients]\nfle = \"p.csv\"\n",
            "line 3, column 1",
            "`file`",
        ),
        (
            "module = \"j.wasm\"\n[http]\ntimeuot = \"1s\"\n",
            "line 3, column 1",
            "`timeout`",
        ),
        (
            "module = \"j.wasm\"\n[scenario]\nstages = [{ duraton = \"1s\", target = 1 }]\n",
            "line 3, column 13",
            "`duration`",
        ),
        (
            "module = \"j.wasm\"\n[scenario]\nexecutor = \"constant-vu\"\nvus = 1\nduration = \"1s\"\n",
            "unknown executor `constant-vu`",
            "`constant-vus`",
        ),
    ];
    for (i, (text, at, suggestion)) in cases.into_iter().enumerate() {
        let plan = dir.path().join(format!("plan{i}.toml"));
        std::fs::write(&plan, text).unwrap();
        let plan = plan.to_str().unwrap();
        let hint = format!("did you mean {suggestion}?");
        refused(&["run", plan], &[plan, at, &hint]).await;
    }
}

#[tokio::test]
async fn a_plan_with_a_value_of_the_wrong_type() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "module = \"j.wasm\"\n[scenario]\nvus = \"two\"\nduration = \"1s\"\n",
            "line 3, column 7",
            "invalid type: string \"two\", expected u32",
        ),
        (
            "module = \"j.wasm\"\n[scenario]\nvus = 2\nduration = 5\n",
            "line 4, column 12",
            "invalid type: integer `5`, expected a string",
        ),
        (
            "module = \"j.wasm\"\n[scenario]\nvus = -1\nduration = \"1s\"\n",
            "line 3, column 7",
            "u32",
        ),
        (
            "module = \"j.wasm\"\n[scenario\nvus = 2\n",
            "line 2, column 10",
            "expected `]`",
        ),
        (
            "module = \"j.wasm\"\n[scenario]\nvus = 1\niterations = 1\n[thresholds]\nhttp_req_failed = [{ threshold = \"rate < 1%\", abort_on_fail = \"yes\" }]\n",
            ":6:20: thresholds.http_req_failed[0]",
            "`abort_on_fail` must be true or false",
        ),
    ];
    for (i, (text, at, what)) in cases.into_iter().enumerate() {
        let plan = dir.path().join(format!("plan{i}.toml"));
        std::fs::write(&plan, text).unwrap();
        let plan = plan.to_str().unwrap();
        refused(&["run", plan], &[plan, at, what]).await;
    }
}

#[tokio::test]
async fn bad_data_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("ragged.csv", "id,name\n1,ann\n2,bob,extra\n"),
        ("only-header.csv", "id,name\n"),
        ("object.json", "{\"id\": 1}"),
        (
            "missing-key.json",
            "[{\"id\": 1, \"name\": \"ann\"},\n {\"id\": 2}]",
        ),
        ("broken.json", "[{\"id\": 1},\n {\"id\": }]"),
        ("patients.txt", "1\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let cases = [
        (
            "absent.csv",
            &["data.patients", "absent.csv", "No such file"][..],
        ),
        (
            "ragged.csv",
            &["ragged.csv line 3", "expected 2 fields, found 3"],
        ),
        ("only-header.csv", &["only-header.csv has no rows"]),
        (
            "object.json",
            &[
                "object.json line 1 column 1",
                "expected an array of objects",
            ],
        ),
        (
            "missing-key.json",
            &["missing-key.json line 2", "no key `name`"],
        ),
        ("broken.json", &["broken.json line 2 column"]),
        (
            "patients.txt",
            &["patients.txt", "supported extensions are .csv and .json"],
        ),
    ];
    for (file, expect) in cases {
        let plan = dir.path().join("plan.toml");
        std::fs::write(
            &plan,
            format!(
                "module = {GUEST_GET:?}\n[scenario]\nvus = 1\niterations = 1\n[params]\nurl = \"http://127.0.0.1:{}/\"\n[data.patients]\nfile = {file:?}\n",
                closed_port()
            ),
        )
        .unwrap();
        let run = throng(["run", plan.to_str().unwrap()]).await;
        check!(run, run.code == 2, "{file}: exit code");
        for text in expect {
            check!(
                run,
                run.stderr.contains(text),
                "{file}: stderr lacks {text:?}"
            );
        }
        // Refused before the run: no results, and the reason once.
        check!(run, run.results.is_none());
        check!(run, run.stderr.matches("No such file").count() <= 1);
        check!(run, !run.stderr.contains("panicked"));
    }
}

#[tokio::test]
async fn a_plan_with_a_bad_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "module = \"j.wasm\"\n[scenario]\nvus = 1\niterations = 1\n[thresholds]\nhttp_req_duration = [\"p(95) < 200mss\"]\n").unwrap();
    let plan = plan.to_str().unwrap();
    refused(&["run", plan], &[plan, "http_req_duration", "200mss"]).await;
}

#[tokio::test]
async fn bad_flags() {
    refused(&["run", "x.wasm", "--vus", "many"], &["--vus", "many"]).await;
    refused(
        &["run", "x.wasm", "--duration", "soon"],
        &["soon", "not a duration"],
    )
    .await;
    refused(
        &[
            "run",
            "--url",
            "http://127.0.0.1:1/",
            "--vus",
            "0",
            "--iterations",
            "1",
        ],
        &["vus", "at least 1"],
    )
    .await;
    refused(
        &["run", "--url", "http://127.0.0.1:1/", "--vus", "2"],
        &["needs a `duration`"],
    )
    .await;
    refused(
        &[
            "run",
            "--url",
            "http://127.0.0.1:1/",
            "--iterations",
            "1",
            "--threshold",
            "http_req_duraton: p(95) < 1s",
        ],
        &["http_req_duraton", "http_req_duration"],
    )
    .await;
    refused(
        &["run", "x.wasm", "--duraton", "5s"],
        &["--duraton", "a similar argument exists: '--duration'"],
    )
    .await;
    refused(
        &["run", "x.wasm", "--snapshot-interval", "often"],
        &["--snapshot-interval", "often", "not a duration"],
    )
    .await;
    refused(
        &["run", "x.wasm", "--scale", "0"],
        &["--scale", "not a positive factor"],
    )
    .await;
    refused(
        &["run", "x.wasm", "-p", "novalue"],
        &["--param", "novalue", "not `key=value`"],
    )
    .await;
    refused(
        &["run", "x.wasm", "--max-vu-memory", "lots"],
        &["--max-vu-memory", "lots"],
    )
    .await;
    refused(
        &["run", "x.wasm", "--metrics-addr", "nowhere"],
        &["--metrics-addr", "nowhere", "HOST:PORT"],
    )
    .await;
    refused(
        &[
            "run",
            "--url",
            "http://127.0.0.1:1/",
            "--iterations",
            "1",
            "--threshold",
            "p(95) < 1s",
        ],
        &["--threshold", "not `METRIC: EXPRESSION`"],
    )
    .await;
    refused(&["runn"], &["unrecognized subcommand", "'run'"]).await;
}

/// More VUs than one process can hold (memory mappings or open files on
/// this machine) are refused before anything runs, naming the setting to
/// raise; 500,000 VUs exceed both limits on any stock Linux.
#[tokio::test]
async fn more_vus_than_the_process_can_hold_are_refused_with_the_setting_to_raise() {
    let run = throng([
        "run",
        "--url",
        "http://127.0.0.1:9/",
        "--vus",
        "500000",
        "--duration",
        "1s",
    ])
    .await;
    check!(run, run.code == 2);
    check!(
        run,
        run.stderr.contains("ulimit -n") || run.stderr.contains("sysctl -w vm.max_map_count="),
        "names the setting"
    );
    check!(run, run.results.is_none(), "nothing ran");
}
