export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Metrics } from './metrics';
export { registerQueueDepthMetrics, type QueueDepthMetricsOptions, type QueueDepthSnapshot, type WorkQueueDepth } from './queue-depth-metrics';
export { timeStoreCalls, timeStores } from './timed-stores';
export { childTraceparent, parseTraceparent } from './trace';
export { logProcessWarnings } from './process-warnings';
