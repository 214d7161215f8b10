/**
 * fabric-shim and fabric-contract-api log through winston loggers that run every debug message
 * through their formatters (colours, timestamps, JSON of arguments) before the level filter
 * drops it; on a peer that cost hides behind gRPC, in-process it was a tenth of the CPU per
 * transaction. Unless the operator sets Fabric's CORE_CHAINCODE_LOGGING_LEVEL, the embedded
 * network makes those loggers silent. Imported for its effect before either library loads.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface WinstonLogger {
  silent: boolean;
  levels: Record<string, number>;
  log: (...args: unknown[]) => WinstonLogger;
  [level: string]: unknown;
}
interface LoggerModule {
  getLogger(name?: string): WinstonLogger;
}

function quiet(this: WinstonLogger): WinstonLogger {
  return this;
}

if (process.env.CORE_CHAINCODE_LOGGING_LEVEL === undefined) {
  for (const id of ['fabric-shim/lib/logger.js', 'fabric-contract-api/lib/logger.js']) {
    const loggers = require(id) as LoggerModule;
    const getLogger = loggers.getLogger.bind(loggers);
    loggers.getLogger = (name?: string): WinstonLogger => {
      const logger = getLogger(name);
      logger.silent = true;
      // A silent winston logger still builds an info object for each call and pushes it
      // through its stream before _transform drops it; its level methods become no-ops instead.
      for (const level of [...Object.keys(logger.levels), 'log']) logger[level] = quiet;
      return logger;
    };
  }
}
