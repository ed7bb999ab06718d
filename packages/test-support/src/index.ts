export { TEST_AMQP_URL, uniquePrefix, deleteTestTopology, rawConnection } from './broker';
export { waitUntil, type WaitOptions } from './wait-until';
export { tempDataDir } from './temp-dir';
export { mulberry32, writeSampleCsv, SAMPLE_CATEGORIES, type SampleCsvOptions, type SampleRow } from './sample-csv';
export { TEST_POSTGRES_URL, createTestDatabase, type TestDatabase } from './postgres';
export { connectEventStream, type EventStreamClient, type ServerSentEvent } from './event-stream-client';
export { chromiumPath, launchChromium, screenshotDir } from './chromium';
