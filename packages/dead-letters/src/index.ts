export { DEAD_LETTER_HEADERS } from './headers';
export { deadLetterReason, deadLetteredAtMs } from './reason';
export { TASK_TYPE_PATTERN } from './message-names';
export { entryTaskId, type DeadLetterRow } from './entry';
export { describeSelection, type DeadLetterReadOptions, type DeadLetterSelection } from './selection';
export { listDeadLetters, type DeadLetterListing } from './list';
export { redriveDeadLetters, redriveCompleted, type RedriveDeps, type RedriveOutcome, type RedriveReport } from './redrive';
export { purgeDeadLetters, purgeCompleted, type PurgeDeps, type PurgeOutcome, type PurgeReport } from './purge';
