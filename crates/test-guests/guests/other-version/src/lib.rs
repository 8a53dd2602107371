//! Test guest: exports `throng:vu/journey@0.2.0`. The host speaks 0.1.0 and
//! must refuse it with a message naming both versions.
wit_bindgen::generate!({
    inline: r#"
        package throng:vu@0.2.0;
        interface journey {
            tasks: func() -> list<string>;
            iteration: func(task: string) -> result<_, string>;
        }
        world vu { export journey; }
    "#,
});

struct Future;

impl exports::throng::vu::journey::Guest for Future {
    fn tasks() -> Vec<String> {
        Vec::new()
    }
    fn iteration(_task: String) -> Result<(), String> {
        Ok(())
    }
}

export!(Future);
