// throng's helper for journeys written in JavaScript.
//
// A journey is an ES module that exports `journey`; componentize-js turns it
// into a WebAssembly component of the `throng:vu@0.1.0` world `vu`. This
// module wraps that world's imports (`throng:vu/http`, `clock`, `metrics`,
// `context`, `log`, `data`) in plain JavaScript, and `defineJourney` builds
// the `journey` export from tasks and callbacks. The binding types it is
// checked against are generated from `wit/` into `types/` (see README.md).
//
// Plain `fetch` works too: the host routes it through the same client, allow
// list and metrics as `http` (a request is named `METHOD /path` unless it
// carries a header `x-throng-name`).

import { PreparedRequest, send, sendIgnoringHeaders } from 'throng:vu/http@0.1.0';
import { nowUs, sleepMs } from 'throng:vu/clock@0.1.0';
import * as wm from 'throng:vu/metrics@0.1.0';
import * as ctx from 'throng:vu/context@0.1.0';
import { write } from 'throng:vu/log@0.1.0';
import * as wdata from 'throng:vu/data@0.1.0';

/** @typedef {import('throng:vu/http@0.1.0').Request} WitRequest */
/** @typedef {import('throng:vu/http@0.1.0').Response} WitResponse */
/** @typedef {import('throng:vu/http@0.1.0').Timings} Timings */
/** @typedef {import('throng:vu/data@0.1.0').Row} WitRow */
/** @typedef {Record<string, string> | Array<[string, string]>} Tags */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The message of whatever was thrown, for an error string.
 * @param {unknown} e
 * @returns {string}
 */
function messageOf(e) {
  if (e instanceof Error) return e.message;
  // jco wraps a WIT error variant as `{ payload: { tag, val } }`.
  if (e && typeof e === 'object' && 'payload' in e) return describe(e.payload);
  return String(e);
}

/**
 * @param {unknown} payload
 * @returns {string}
 */
function describe(payload) {
  if (payload && typeof payload === 'object' && 'tag' in payload) {
    const p = /** @type {{tag: string, val?: unknown}} */ (payload);
    return p.val === undefined ? p.tag : `${p.tag}: ${p.val}`;
  }
  return String(payload);
}

/**
 * Tags as the list of pairs the host takes.
 * @param {Tags | undefined} tags
 * @returns {Array<[string, string]>}
 */
function pairs(tags) {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map(([k, v]) => [String(k), String(v)]);
  return Object.entries(tags).map(([k, v]) => [k, String(v)]);
}

/** A request that produced no response; `kind` is the host's error class. */
export class HttpError extends Error {
  /**
   * @param {'timeout'|'connect'|'tls'|'protocol'|'denied'|'invalid-request'} kind
   * @param {string} message
   */
  constructor(kind, message) {
    super(`${kind}: ${message}`);
    this.name = 'HttpError';
    /** Which of the host's error classes this is (`denied`, `timeout`, ...). */
    this.kind = kind;
  }
}

/** A response, whatever its status. */
export class Response {
  /** @param {WitResponse} raw */
  constructor(raw) {
    /** The HTTP status code. */
    this.status = raw.status;
    /** Response headers in order, as `[name, value]` pairs. */
    this.headers = raw.headers;
    /** The body bytes (empty when the body was discarded). */
    this.body = raw.body;
    /** Body bytes received from the network, kept or discarded. */
    this.bytesReceived = Number(raw.bytesReceived);
    /** Phase timings in microseconds, as the host measured them. */
    this.timings = raw.timings;
  }

  /** The body as UTF-8 text. */
  get text() {
    return decoder.decode(this.body);
  }

  /** The body parsed as JSON; throws when it is not JSON. */
  json() {
    return JSON.parse(this.text);
  }

  /**
   * The first header called `name` (case-insensitive), or undefined.
   * @param {string} name
   */
  header(name) {
    const wanted = name.toLowerCase();
    const found = this.headers.find(([k]) => k.toLowerCase() === wanted);
    return found?.[1];
  }

  /** What `http_req_duration` recorded for this request, in milliseconds. */
  get durationMs() {
    return Number(this.timings.durationUs) / 1000;
  }
}

/** One request being described; `send()` sends it through the host. */
export class RequestBuilder {
  /**
   * @param {string} method
   * @param {string} url
   */
  constructor(method, url) {
    /** @type {WitRequest} */
    this.req = { method, url, headers: [], tags: [], bodyMode: 'keep' };
    this.keepHeaders = true;
  }

  /**
   * Group the sample under `name` (default `METHOD path`).
   * @param {string} name
   */
  name(name) {
    this.req.name = name;
    return this;
  }

  /**
   * Add a header.
   * @param {string} name
   * @param {string} value
   */
  header(name, value) {
    this.req.headers.push([name, value]);
    return this;
  }

  /**
   * Add `Authorization: Bearer <token>`.
   * @param {string} token
   */
  bearer(token) {
    return this.header('authorization', `Bearer ${token}`);
  }

  /**
   * Add tags recorded with the sample.
   * @param {Tags} tags
   */
  tags(tags) {
    this.req.tags.push(...pairs(tags));
    return this;
  }

  /**
   * Add one tag recorded with the sample.
   * @param {string} key
   * @param {string} value
   */
  tag(key, value) {
    this.req.tags.push([key, value]);
    return this;
  }

  /**
   * Set the body: a string is sent as UTF-8.
   * @param {string | Uint8Array} body
   */
  body(body) {
    this.req.body = typeof body === 'string' ? encoder.encode(body) : body;
    return this;
  }

  /**
   * Send `value` as JSON with `content-type: application/json`.
   * @param {unknown} value
   */
  json(value) {
    return this.header('content-type', 'application/json').body(JSON.stringify(value));
  }

  /**
   * Deadline for the whole request in milliseconds.
   * @param {number} ms
   */
  timeout(ms) {
    this.req.timeoutMs = Math.max(0, Math.round(ms));
    return this;
  }

  /** Let the host count and drop the body: the guest never holds it. */
  discard() {
    this.req.bodyMode = 'discard';
    return this;
  }

  /**
   * Leave the response's headers out: `Response.headers` comes back empty.
   * For a journey that never reads them, this saves the host copying each
   * one into the guest. Status, body and timings are unchanged.
   */
  ignoreResponseHeaders() {
    this.keepHeaders = false;
    return this;
  }

  /**
   * Send the request and wait for its response; throws `HttpError` when
   * there is none (timeout, refused, denied, ...).
   * @returns {Response}
   */
  send() {
    const req = this.req;
    return exchange(() => (this.keepHeaders ? send(req) : sendIgnoringHeaders(req)));
  }

  /**
   * Keep the request to send it again and again: the host keeps it,
   * checked, and each `Prepared.send()` passes it only a handle, with no
   * building or copying per request. For a journey that repeats one fixed
   * request; make it once, in `onStart`, and keep it in a module global.
   * @returns {Prepared}
   */
  prepare() {
    return new Prepared(new PreparedRequest(this.req, this.keepHeaders));
  }
}

/**
 * A request kept by the host to be sent many times; made by
 * `RequestBuilder.prepare()`.
 *
 * ```js
 * // in onStart:
 * health = http.get(`${base}/health`).name('health').prepare();
 * // in a task:
 * const r = health.send();
 * ```
 */
export class Prepared {
  /** @param {PreparedRequest} handle */
  constructor(handle) {
    this.handle = handle;
  }

  /**
   * Send the kept request and wait for its response; throws `HttpError`
   * when there is none, as `RequestBuilder.send()` does.
   * @returns {Response}
   */
  send() {
    return exchange(() => this.handle.send());
  }
}

/**
 * The response `sent` returns, or its WIT error as an `HttpError`.
 * @param {() => WitResponse} sent
 * @returns {Response}
 */
function exchange(sent) {
  try {
    return new Response(sent());
  } catch (e) {
    const payload = /** @type {any} */ (e)?.payload;
    if (payload && typeof payload === 'object' && 'tag' in payload) {
      throw new HttpError(payload.tag, String(payload.val));
    }
    throw e;
  }
}

/** HTTP through the host: pooled connections, timing, metrics, allow list. */
export const http = {
  /**
   * @param {string} method
   * @param {string} url
   */
  request: (method, url) => new RequestBuilder(method, url),
  /** @param {string} url */
  get: (url) => new RequestBuilder('GET', url),
  /** @param {string} url */
  post: (url) => new RequestBuilder('POST', url),
  /** @param {string} url */
  put: (url) => new RequestBuilder('PUT', url),
  /** @param {string} url */
  patch: (url) => new RequestBuilder('PATCH', url),
  /** @param {string} url */
  delete: (url) => new RequestBuilder('DELETE', url),
};

/**
 * Record a named check and return `passed`, so it can guard what follows.
 * @param {string} name
 * @param {boolean} passed
 * @returns {boolean}
 */
export function check(name, passed) {
  return wm.check(name, Boolean(passed));
}

/**
 * A plan parameter (`[params]`, `--param key=value`); throws naming the key
 * when the plan does not set it.
 * @param {string} key
 * @returns {string}
 */
export function param(key) {
  const value = ctx.param(key);
  if (value === undefined) throw new Error(`missing plan parameter \`${key}\``);
  return value;
}

/**
 * A plan parameter, or `fallback` when the plan does not set it.
 * @param {string} key
 * @param {string} fallback
 * @returns {string}
 */
export function paramOr(key, fallback) {
  return ctx.param(key) ?? fallback;
}

/** This VU's number, from 1. */
export const vuId = () => ctx.vuId();
/** This VU's iteration number, from 0. */
export const iteration = () => Number(ctx.iteration());
/** The scenario this VU runs in. */
export const scenario = () => ctx.scenario();

/** A random number in [0, 1) from this VU's host-seeded generator. */
export function random() {
  return Number(ctx.random() >> 11n) / 2 ** 53;
}

/**
 * A random integer in [0, n) (0 when n is 0).
 * @param {number} n
 */
export function randomBelow(n) {
  return n <= 0 ? 0 : Number(ctx.random() % BigInt(n));
}

/**
 * One element of `items` at random.
 * @template T
 * @param {readonly T[]} items
 * @returns {T}
 */
export function pick(items) {
  return items[randomBelow(items.length)];
}

/** Milliseconds since this VU's run started (monotonic). */
export function now() {
  return Number(nowUs()) / 1000;
}

/**
 * Suspend this VU for `seconds`. The host sleeps; the VU holds no thread.
 * @param {number} seconds
 */
export function sleep(seconds) {
  sleepMs(BigInt(Math.max(0, Math.round(seconds * 1000))));
}

/**
 * Think time: sleep a uniformly random time between `minS` and `maxS`
 * seconds.
 * @param {number} minS
 * @param {number} maxS
 */
export function sleepBetween(minS, maxS) {
  const [lo, hi] = minS <= maxS ? [minS, maxS] : [maxS, minS];
  sleep(lo + (hi - lo) * random());
}

/** A data set row: its column values by name, plus `$index`. */
/** @typedef {Record<string, string> & { $index: number }} Row */

/**
 * @param {WitRow} raw
 * @returns {Row}
 */
function rowObject(raw) {
  /** @type {Record<string, string>} */
  const row = {};
  raw.columns.forEach((c, i) => {
    row[c] = raw.values[i];
  });
  return Object.assign(row, { $index: Number(raw.index) });
}

/** Data sets from the plan (`[data.<name>]`), rows as objects. */
export const data = {
  /**
   * The next row of `set` as the plan's strategy decides; throws when the
   * set is unknown or exhausted.
   * @param {string} set
   * @returns {Row}
   */
  next(set) {
    try {
      return rowObject(wdata.next(set));
    } catch (e) {
      throw new Error(`data set ${messageOf(e)}`);
    }
  },
  /**
   * Number of rows in `set`; undefined when the plan has no such set.
   * @param {string} set
   * @returns {number | undefined}
   */
  len(set) {
    const n = wdata.len(set);
    return n === undefined ? undefined : Number(n);
  },
  /**
   * The row of `set` at `index` (from 0); undefined when there is none.
   * @param {string} set
   * @param {number} index
   * @returns {Row | undefined}
   */
  rowAt(set, index) {
    const raw = wdata.rowAt(set, BigInt(index));
    return raw === undefined ? undefined : rowObject(raw);
  },
};

/** Custom metrics (k6's four kinds) and transactions. */
export const metrics = {
  /**
   * Add `value` to the counter `name`.
   * @param {string} name
   * @param {number} value
   * @param {Tags} [tags]
   */
  counter: (name, value = 1, tags) => wm.addCounter(name, value, pairs(tags)),
  /**
   * Set the gauge `name` to `value`.
   * @param {string} name
   * @param {number} value
   * @param {Tags} [tags]
   */
  gauge: (name, value, tags) => wm.setGauge(name, value, pairs(tags)),
  /**
   * Count one event of the rate `name`, a hit when `hit` is true.
   * @param {string} name
   * @param {boolean} hit
   * @param {Tags} [tags]
   */
  rate: (name, hit, tags) => wm.addRate(name, Boolean(hit), pairs(tags)),
  /**
   * Add `value` to the trend `name`.
   * @param {string} name
   * @param {number} value
   * @param {Tags} [tags]
   */
  trend: (name, value, tags) => wm.addTrend(name, value, pairs(tags)),
  /**
   * Start timing the transaction `name`.
   * @param {string} name
   */
  startTransaction: (name) => wm.startTransaction(name),
  /**
   * End the transaction `name`, as a success when `ok`.
   * @param {string} name
   * @param {boolean} ok
   */
  endTransaction: (name, ok) => wm.endTransaction(name, Boolean(ok)),
  /**
   * Run `step` as the transaction `name`: failed when it throws (or its
   * promise rejects). Returns what `step` returned.
   * @template T
   * @param {string} name
   * @param {() => T} step
   * @returns {T}
   */
  transaction(name, step) {
    wm.startTransaction(name);
    let result;
    try {
      result = step();
    } catch (e) {
      wm.endTransaction(name, false);
      throw e;
    }
    if (result instanceof Promise) {
      return /** @type {T} */ (
        result.then(
          (v) => (wm.endTransaction(name, true), v),
          (e) => {
            wm.endTransaction(name, false);
            throw e;
          },
        )
      );
    }
    wm.endTransaction(name, true);
    return result;
  },
};

/** Messages for the person running the test (rate-limited by the host). */
export const log = {
  /** @param {string} message */
  debug: (message) => write('debug', message),
  /** @param {string} message */
  info: (message) => write('info', message),
  /** @param {string} message */
  warn: (message) => write('warn', message),
  /** @param {string} message */
  error: (message) => write('error', message),
};

/**
 * @typedef {object} JourneySpec
 * @property {Record<string, number>} [tasks] Task names and their weights
 *   (0 = never drawn); without any, one task called `default`.
 * @property {() => (void | Promise<void>)} [onStart] Once per VU before
 *   its first iteration; throwing fails the VU's start.
 * @property {(task: string) => (void | Promise<void>)} iteration One pass
 *   running `task`; throwing fails the iteration.
 * @property {() => (void | Promise<void>)} [onStop] Once per VU after its
 *   last iteration.
 */

/**
 * Run `f`, turning a throw (or a rejected promise) into the error string
 * the host counts.
 * @param {() => (void | Promise<void>)} f
 */
function guarded(f) {
  /** @param {unknown} e */
  const fail = (e) => {
    throw messageOf(e);
  };
  try {
    const out = f();
    if (out instanceof Promise) return out.catch(fail);
  } catch (e) {
    fail(e);
  }
  return undefined;
}

/**
 * The `journey` export from tasks and callbacks:
 * `export const journey = defineJourney({ tasks: { ask: 4 }, iteration(task) {...} })`.
 * @param {JourneySpec} spec
 */
export function defineJourney(spec) {
  const tasks = Object.entries(spec.tasks ?? {}).map(([name, weight]) => ({
    name,
    weight: Math.max(0, Math.floor(weight)),
  }));
  return {
    tasks: () => tasks,
    onStart: () => guarded(() => spec.onStart?.()),
    /** @param {string} task */
    iteration: (task) => guarded(() => spec.iteration(task)),
    onStop: () => {
      try {
        const out = spec.onStop?.();
        if (out instanceof Promise) {
          return out.catch((e) => write('warn', `onStop failed: ${messageOf(e)}`));
        }
      } catch (e) {
        write('warn', `onStop failed: ${messageOf(e)}`);
      }
      return undefined;
    },
  };
}
