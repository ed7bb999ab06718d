export { commonEnvShape, intVar, loadEnv, describeEnv, ConfigError, LOG_LEVELS } from './env';
