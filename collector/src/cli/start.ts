import { loadConfig } from '../config/load.ts';
import { startCollector } from '../server/collector.ts';
import { stringOption, type ParsedArgs } from './args.ts';

/** `seam start [--config file]`: every receiver and the API until SIGTERM or SIGINT. */
export async function start(args: ParsedArgs): Promise<void> {
  const config = loadConfig(process.env, stringOption(args, 'config'));
  const collector = await startCollector(config);
  console.log(`ready: OTLP/HTTP http://${config.host}:${collector.ports.otlpHttp}/v1/traces, API http://${config.host}:${collector.ports.api}/api/v1`);
  const stop = (signal: string) => {
    console.log(`${signal}: flushing acknowledged data and stopping`);
    collector.close().then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`error while stopping: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
