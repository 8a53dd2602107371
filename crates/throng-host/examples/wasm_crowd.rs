//! The bare wasmtime crowd, a probe of `cargo xtask bench` (section (c)):
//! what starting N virtual users costs an engine that gives each its own
//! wasmtime instance and does nothing else.
//!
//! `wasm_crowd --url URL --clients N --seconds S` spawns N tokio tasks at
//! once. Each makes a store and an instance of a minimal component (one
//! exported function that calls one imported one; no linear memory, no
//! WASI) and calls its export with `call_async`, so the call runs on a
//! fiber as a VU's does. The host import opens a connection with hyper's
//! client and makes one GET, exactly what the bench's bare hyper crowd
//! (`xtask bench __crowd`) does per task, and the connection is held until
//! S seconds have passed. Instances and fiber stacks come from wasmtime's
//! own pooling allocator with 64 KiB stacks: wasmtime's cheapest way to
//! make many, with none of throng's own stacks or memories.
//!
//! Against the hyper crowd it measures what an instance and a call on a
//! fiber add per VU; against `throng run`, how throng's VUs (a real guest,
//! WASI, metrics) compare with that.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

/// One function out, one in: the least a component can do to call the host.
const COMPONENT: &str = r#"
(component
  (import "get" (func $get))
  (core func $get-lowered (canon lower (func $get)))
  (core module $m
    (import "host" "get" (func $get))
    (func (export "run") call $get))
  (core instance $i (instantiate $m
    (with "host" (instance (export "get" (func $get-lowered))))))
  (func (export "run") (canon lift (core func $i "run")))
)
"#;

/// Fiber stacks of 64 KiB: ample for this guest and hyper's client.
const STACK: usize = 64 << 10;

/// A store's data: where to send the GET, and the connection kept open.
struct Client {
    authority: Arc<str>,
    path: Arc<str>,
    held: Option<(SendRequest<Empty<Bytes>>, tokio::task::JoinHandle<()>)>,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Result<&str> {
        let at = args.iter().position(|a| a == name);
        at.and_then(|i| args.get(i + 1))
            .map(String::as_str)
            .with_context(|| format!("missing {name}"))
    };
    let url = value("--url")?;
    let clients: u32 = value("--clients")?.parse().context("--clients")?;
    let seconds: f64 = value("--seconds")?.parse().context("--seconds")?;
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("{url}: only http:// URLs"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let (authority, path) = (Arc::<str>::from(authority), Arc::<str>::from(path));

    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(clients)
        .total_core_instances(clients)
        .total_stacks(clients)
        .total_memories(0)
        .total_tables(0);
    let mut config = Config::new();
    config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .async_stack_size(STACK)
        .max_wasm_stack(STACK / 2);
    let engine = Engine::new(&config).map_err(wasm)?;
    let component = Component::new(&engine, wat::parse_str(COMPONENT)?.as_slice()).map_err(wasm)?;
    let mut linker = Linker::<Client>::new(&engine);
    linker
        .root()
        .func_wrap_async("get", |mut store, (): ()| {
            Box::new(async move {
                let (authority, path) = {
                    let c = store.data();
                    (c.authority.clone(), c.path.clone())
                };
                let stream = tokio::net::TcpStream::connect(&*authority).await?;
                stream.set_nodelay(true)?;
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                let conn = tokio::spawn(async move {
                    let _ = conn.await;
                });
                let req = Request::get(&*path)
                    .header(hyper::header::HOST, &*authority)
                    .body(Empty::<Bytes>::new())?;
                let resp = sender.send_request(req).await?;
                resp.into_body().collect().await?;
                store.data_mut().held = Some((sender, conn));
                Ok(())
            })
        })
        .map_err(wasm)?;
    let pre = Arc::new(linker.instantiate_pre(&component).map_err(wasm)?);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let end = tokio::time::Instant::now() + Duration::from_secs_f64(seconds);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..clients {
            let (pre, engine) = (pre.clone(), engine.clone());
            let client = Client {
                authority: authority.clone(),
                path: path.clone(),
                held: None,
            };
            tasks.spawn(async move {
                let mut store = Store::new(&engine, client);
                let instance = pre.instantiate_async(&mut store).await?;
                let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
                run.call_async(&mut store, ()).await?;
                tokio::time::sleep_until(end).await;
                wasmtime::Result::<()>::Ok(())
            });
        }
        let mut failed = 0u32;
        let mut first = None;
        while let Some(r) = tasks.join_next().await {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    failed += 1;
                    first.get_or_insert_with(|| format!("{e:?}"));
                }
                Err(e) => {
                    failed += 1;
                    first.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if let Some(first) = first {
            bail!("{failed} of {clients} clients failed; the first: {first}");
        }
        Ok(())
    })
}

/// wasmtime's error as anyhow's, keeping its chain.
fn wasm(e: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}
