// Every command of the CLI, in the order --help lists them (the tests walk this list too).
import { citestCommand } from './citest-command.ts';
import type { Command } from './commands.ts';
import { demoCommand } from './demo-command.ts';
import { encodeCommand, exportOnnxCommand, runCommand } from './deploy-commands.ts';
import { fitCommand } from './fit-command.ts';
import { kernelsCommand } from './kernels-command.ts';
import { pipelineCommand } from './pipeline-command.ts';
import { structureCommand } from './structure-command.ts';
import { synthCommand } from './synth-command.ts';
import { transformCommand } from './transform-command.ts';

export const COMMANDS: Command[] = [demoCommand, pipelineCommand, structureCommand, citestCommand, fitCommand, transformCommand, encodeCommand, exportOnnxCommand, runCommand, synthCommand, kernelsCommand];
