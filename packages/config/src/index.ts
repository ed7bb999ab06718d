export { commonEnvShape, intVar, loadEnv, describeEnv, storageOptionsFrom, ConfigError, LOG_LEVELS } from './env';
