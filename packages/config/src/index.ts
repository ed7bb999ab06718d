export { commonEnvShape, intVar, loadEnv, describeEnv, storageOptionsFrom, ConfigError, LOG_LEVELS } from './env';
export { ListenError, listen, type ListenTarget } from './listen';
