export { taskInputSchema, type TaskInput } from './task-input';
export {
  TASK_PAYLOAD_VERSION,
  taskPayloadSchema,
  encodeTaskPayload,
  newTaskPayload,
  decodeTaskPayload,
  type TaskPayload,
  type DecodeResult,
} from './envelope';
export { TASK_TYPES, TASK_CONTENT_SCHEMAS, isTaskType, type TaskType } from './task-types/index';
export {
  WATERMARK_POSITIONS,
  OUTPUT_FORMATS,
  WATERMARK_TEXT_MAX_LENGTH,
  watermarkContentSchema,
  watermarkContentInputSchema,
  watermarkOptionsSchema,
  watermarkOptionsInputSchema,
  watermarkResultSchema,
  type WatermarkPosition,
  type OutputFormat,
  type WatermarkContent,
  type WatermarkOptions,
  type WatermarkResult,
} from './task-types/watermark';
export {
  DATASET_FORMATS,
  COLUMN_TYPES,
  analysisContentSchema,
  analysisContentInputSchema,
  analysisResultSchema,
  columnProfileSchema,
  correlationSchema,
  groupSchema,
  histogramSchema,
  type DatasetFormat,
  type AnalysisContent,
  type AnalysisResult,
  type ColumnProfile,
  type ColumnType,
} from './task-types/analysis';
export {
  TASK_STATUSES,
  TASK_TRANSITIONS,
  canTransition,
  isTerminalStatus,
  taskErrorSchema,
  taskResultRefSchema,
  taskRecordSchema,
  type TaskStatus,
  type TaskError,
  type TaskResultRef,
  type TaskRecord,
} from './task-record';
export {
  lostRunsOnStart,
  taskCreated,
  taskFailed,
  taskNotAccepted,
  taskProgressed,
  taskRedriveFailed,
  taskRedriven,
  taskReleased,
  taskResubmitted,
  taskRetrying,
  taskStarted,
  taskSucceeded,
  type MoveTime,
  type NewTask,
  type RedrivePrevious,
} from './record-moves';
export { ERROR_CODES, ERROR_CODE_NAMES, isErrorCode, type ErrorCode } from './error-codes';
export {
  PROBLEM_CONTENT_TYPE,
  fieldProblemSchema,
  problemSchema,
  problemType,
  toFieldProblems,
  type FieldProblem,
  type Problem,
} from './problem';
export { UPLOAD_KEY_PATTERN, uploadKeySchema, type UploadKey } from './storage-keys';
export {
  BROKER_DELIVERY_LIMIT,
  DEAD_LETTER_DELIVERY_LIMIT,
  DEFAULT_PREFIX,
  DELAY_LEVELS,
  DELAY_UNIT_MS,
  MAX_DELAY_MS,
  buildTopology,
  delayRoutingKey,
  type BindingSpec,
  type ExchangeSpec,
  type ExchangeType,
  type QueueRole,
  type QueueSpec,
  type Topology,
} from './topology';
export { taskPayloadJsonSchema, taskInputJsonSchema, taskRecordJsonSchema } from './json-schema';
export { OffloadError, classifyError, type OffloadErrorOptions } from './offload-error';
