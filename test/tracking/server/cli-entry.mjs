#!/usr/bin/env node
/**
 * `mlship server` from the compiled code (dist/), for the tests that need the command in a child
 * process while dist/cli/main.js does not register it yet: the same commander setup as
 * src/cli/main.ts (exit 2 on usage errors, 0 on --help), with only the server command.
 */
import { Command } from 'commander';
import { registerServer } from '../../../dist/cli/server.js';

const program = new Command();
program
  .name('mlship')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
registerServer(program);
await program.parseAsync(process.argv);
