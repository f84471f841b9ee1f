import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { NotFoundError } from '../core/errors.js';
import { action } from './run.js';
import { printResult, resolveParams, runTraining } from './train.js';

export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .description('Train the flagship California-housing model from params.yaml into ./out')
    .option('--json', 'print the metrics as one JSON object on stdout')
    .action(
      action(async (opts: { json?: boolean }) => {
        const params = await resolveParams('params.yaml', false);
        if (!existsSync(params.data.path)) {
          throw new NotFoundError(`${params.data.path} is missing: fetch it with "mlship data pull"`);
        }
        printResult(await runTraining(params, { config: 'params.yaml', out: 'out' }), opts.json);
      }),
    );
}
