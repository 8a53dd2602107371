/// <reference path="./interfaces/throng-vu-clock.d.ts" />
/// <reference path="./interfaces/throng-vu-context.d.ts" />
/// <reference path="./interfaces/throng-vu-data.d.ts" />
/// <reference path="./interfaces/throng-vu-http.d.ts" />
/// <reference path="./interfaces/throng-vu-journey.d.ts" />
/// <reference path="./interfaces/throng-vu-log.d.ts" />
/// <reference path="./interfaces/throng-vu-metrics.d.ts" />
declare module 'throng:vu/vu@0.1.0' {
  export type * as ThrongVuClock010 from 'throng:vu/clock@0.1.0'; // import throng:vu/clock@0.1.0
  export type * as ThrongVuContext010 from 'throng:vu/context@0.1.0'; // import throng:vu/context@0.1.0
  export type * as ThrongVuData010 from 'throng:vu/data@0.1.0'; // import throng:vu/data@0.1.0
  export type * as ThrongVuHttp010 from 'throng:vu/http@0.1.0'; // import throng:vu/http@0.1.0
  export type * as ThrongVuLog010 from 'throng:vu/log@0.1.0'; // import throng:vu/log@0.1.0
  export type * as ThrongVuMetrics010 from 'throng:vu/metrics@0.1.0'; // import throng:vu/metrics@0.1.0
  export * as journey from 'throng:vu/journey@0.1.0'; // export throng:vu/journey@0.1.0
}
