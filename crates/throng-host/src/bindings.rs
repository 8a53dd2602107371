//! The one `bindgen!` site: host-side types and traits for `wit/`.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "vu",
    imports: { default: async },
    exports: { default: async },
});
