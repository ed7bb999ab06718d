export { commonEnvShape, intVar, loadEnv, describeEnv, storageOptionsFrom, retentionOptionsFrom, ConfigError, LOG_LEVELS } from './env';
export { ListenError, listen, type ListenTarget } from './listen';
export { amqpCaFrom } from './amqp-ca';
export { formatTable, runCommand } from './cli';
