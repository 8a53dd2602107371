//! The one `bindgen!` site: host-side types and traits for `wit/`.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "vu",
    imports: {
        default: async,
        "throng:vu/http.[constructor]prepared-request": async | trappable,
    },
    exports: { default: async },
    with: { "throng:vu/http.prepared-request": crate::imports::http::PreparedRequest },
});
