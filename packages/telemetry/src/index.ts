export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Metrics } from './metrics';
export { registerQueueDepthMetrics, type QueueDepthMetricsOptions, type QueueDepthSnapshot, type WorkQueueDepth } from './queue-depth-metrics';
export { timeStoreCalls, timeStores } from './timed-stores';
export { childTraceparent, extractTraceContext, outgoingTraceparent, parseTraceparent, traceHeadersOf, type TraceHeaders } from './trace';
export { startTracing, shutdownTracing, isTracing, offloadTracer, TRACER_NAME, type StartTracingOptions, type Tracing } from './tracing';
export { tracingSettings, TracingConfigError, type TracingSettings } from './tracing-config';
export {
  SPAN_ATTRIBUTES,
  FIRST_ATTEMPT_HEADER,
  activeTraceparent,
  annotateActiveSpan,
  endSendSpan,
  inProcessSpan,
  inSettleSpan,
  inStageSpan,
  startSendSpan,
  traceEvent,
  type ProcessSpanInput,
  type SendSpanInput,
} from './messaging-spans';
export { logProcessWarnings } from './process-warnings';
