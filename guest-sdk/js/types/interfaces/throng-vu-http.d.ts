declare module 'throng:vu/http@0.1.0' {
  /**
   * Send one request and wait for its response. The VU is suspended, not
   * a thread, while it waits.
   */
  export function send(req: Request): Response;
  /**
   * `send`, except that the response's `headers` come back empty. For a
   * journey that never reads response headers: each header would cost
   * two strings allocated in the guest's memory, about 1.4 µs a request
   * for a typical five (BENCHMARKS.md, (a)). Everything else (status,
   * body, timings, what is recorded) is the same.
   */
  export function sendIgnoringHeaders(req: Request): Response;
  /**
   * What the host does with a response body.
   * # Variants
   * 
   * ## `"keep"`
   * 
   * Hand the body to the guest (up to the host's size cap).
   * ## `"discard"`
   * 
   * Stream the body, count its bytes and drop it: the guest never
   * holds it, so a 25 MB download costs the guest nothing.
   */
  export type BodyMode = 'keep' | 'discard';
  /**
   * One request, as the guest describes it.
   */
  export interface Request {
    /**
     * `GET`, `POST`, ... (case-insensitive).
     */
    method: string,
    /**
     * An absolute `http://` or `https://` URL.
     */
    url: string,
    /**
     * Header names and values, in order.
     */
    headers: Array<[string, string]>,
    /**
     * The request body, if any.
     */
    body?: Uint8Array,
    /**
     * Metric name the sample is grouped under, for example
     * `GET /patients/{id}`. Without one the host uses `METHOD path`.
     */
    name?: string,
    /**
     * Extra tags recorded with the sample.
     */
    tags: Array<[string, string]>,
    /**
     * Deadline for the whole request in milliseconds; the plan's
     * default (60 s) when absent.
     */
    timeoutMs?: number,
    /**
     * Keep the body or discard and count it.
     */
    bodyMode: BodyMode,
  }
  /**
   * Where the time of one request went, in microseconds, measured on the
   * real connection. `connect` and `tls` are zero on a reused connection.
   */
  export interface Timings {
    /**
     * Waiting for a connection slot before anything was sent.
     */
    blockedUs: bigint,
    /**
     * TCP connect.
     */
    connectUs: bigint,
    /**
     * TLS handshake.
     */
    tlsUs: bigint,
    /**
     * Writing the request.
     */
    sendingUs: bigint,
    /**
     * From the request written to the first byte of the response.
     */
    waitingUs: bigint,
    /**
     * From the first byte to the last byte of the body.
     */
    receivingUs: bigint,
    /**
     * `sending + waiting + receiving`: what `http_req_duration` records.
     */
    durationUs: bigint,
  }
  /**
   * A response, whatever its status.
   */
  export interface Response {
    /**
     * The HTTP status code.
     */
    status: number,
    /**
     * Response headers, in order.
     */
    headers: Array<[string, string]>,
    /**
     * The body when the mode was `keep`; empty when `discard`.
     */
    body: Uint8Array,
    /**
     * Body bytes received from the network, in either mode.
     */
    bytesReceived: bigint,
    /**
     * Phase timings.
     */
    timings: Timings,
  }
  /**
   * Why a request produced no response. Each case carries a message.
   */
  export type HttpError = HttpErrorTimeout | HttpErrorConnect | HttpErrorTls | HttpErrorProtocol | HttpErrorDenied | HttpErrorInvalidRequest;
  /**
   * The request's deadline passed.
   */
  export interface HttpErrorTimeout {
    tag: 'timeout',
    val: string,
  }
  /**
   * The connection could not be opened (refused, unreachable, DNS).
   */
  export interface HttpErrorConnect {
    tag: 'connect',
    val: string,
  }
  /**
   * The TLS handshake failed.
   */
  export interface HttpErrorTls {
    tag: 'tls',
    val: string,
  }
  /**
   * The peer broke HTTP (malformed response, reset mid-body).
   */
  export interface HttpErrorProtocol {
    tag: 'protocol',
    val: string,
  }
  /**
   * The plan does not allow this request (host not allowed, limit).
   */
  export interface HttpErrorDenied {
    tag: 'denied',
    val: string,
  }
  /**
   * The request itself is malformed (bad URL, method or header).
   */
  export interface HttpErrorInvalidRequest {
    tag: 'invalid-request',
    val: string,
  }
  
  export class PreparedRequest implements Disposable {
    /**
    * Keeps `req`. It is checked as `send` checks a request, and a
    * request that fails the check fails, and is recorded, each time
    * it is sent. With `keep-headers` false its responses come back
    * without their headers, as from `send-ignoring-headers`.
    */
    constructor(req: Request, keepHeaders: boolean)
    /**
    * Send the kept request and wait for its response, as `send`
    * does.
    */
    send(): Response;
    [Symbol.dispose](): void;
  }
}
