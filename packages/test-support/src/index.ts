export { TEST_AMQP_URL, uniquePrefix, deleteTestTopology, rawConnection } from './broker';
export { waitUntil, type WaitOptions } from './wait-until';
export { tempDataDir } from './temp-dir';
export { TEST_REDIS_URL, deleteRedisKeys } from './redis';
