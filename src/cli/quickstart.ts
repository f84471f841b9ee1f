import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ensurePulled } from '../data/index.js';
import { action } from './run.js';
import { printResult, resolveParams, runTraining } from './train.js';

export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .description(
      'Pull the flagship data if it is missing (mlship data pull), then train the model in params.yaml into ./out',
    )
    .option('--json', 'print the metrics as one JSON object on stdout')
    .action(
      action(async (opts: { json?: boolean }) => {
        const params = await resolveParams('params.yaml', false);
        const dvcFile = `${params.data.path}.dvc`;
        if (existsSync(dvcFile)) {
          const pulled = await ensurePulled(dvcFile);
          if (pulled) process.stderr.write(`pulled ${params.data.path} (verified against ${dvcFile})\n`);
        }
        printResult(await runTraining(params, { config: 'params.yaml', out: 'out' }), opts.json);
      }),
    );
}
