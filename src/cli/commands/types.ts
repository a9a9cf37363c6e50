/**
 * `crosstalk types --js|--lua [--out FILE]`: the TypeScript declaration of
 * a JS script's globals, or the LuaLS annotations of a Lua script's, for
 * editors (docs/scripts.md "Editor support"). The package ships both under types/;
 * this prints the ones of the installed version.
 */
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { luaAnnotations } from '../../scripting/editor-types/lua.js';
import { jsDeclaration } from '../../scripting/editor-types/typescript.js';
import { checkWritable, outputFile } from '../store/output-file.js';
import { usage } from '../usage.js';

interface TypesArgs {
  js?: boolean;
  lua?: boolean;
  out?: string;
}

export const typesCommand: CommandModule<object, TypesArgs> = {
  command: 'types',
  describe: 'print the editor declarations of the script globals: TypeScript for .js scripts (--js), LuaLS for .lua (--lua)',
  builder: (y: Argv<object>) =>
    y
      .option('js', { type: 'boolean', describe: 'the TypeScript declaration of Event, the timers, console… for .js scripts' })
      .option('lua', { type: 'boolean', describe: 'the LuaLS (lua-language-server) annotations of Event, JSON, arg for .lua scripts' })
      .option('out', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout (replaced whole, or left as it was)' })
      .example('$0 types --js --out scripts/crosstalk-event.d.ts', 'for VS Code: a jsconfig.json in scripts/ picks it up')
      .example('$0 types --lua --out types/crosstalk-event.lua', 'for lua-language-server: list types/ in .luarc.json workspace.library') as Argv<TypesArgs>,
  handler: (argv) => {
    if (argv.js === true && argv.lua === true) throw usage('--js and --lua each print a whole file: give one of them', 'lua');
    if (argv.js !== true && argv.lua !== true) throw usage('say which: --js (TypeScript, for .js scripts) or --lua (LuaLS, for .lua scripts)', 'js');
    const text = argv.js === true ? jsDeclaration() : luaAnnotations();
    if (argv.out === undefined) {
      process.stdout.write(text);
      return;
    }
    checkWritable(argv.out, 'out');
    const file = outputFile(argv.out);
    try {
      writeFileSync(file.temp, text);
      file.commit();
    } finally {
      file.discard();
    }
  },
};
