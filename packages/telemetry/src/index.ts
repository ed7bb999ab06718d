export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Metrics } from './metrics';
export { childTraceparent, parseTraceparent } from './trace';
export { logProcessWarnings } from './process-warnings';
