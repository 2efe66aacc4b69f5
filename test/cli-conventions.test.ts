// What a user of any mature CLI expects, checked with the tools a user has: completion scripts
// loaded by bash (a real completion through the function bash calls on TAB), zsh and fish; the
// man page rendered by man(1); and the --json output of every command, from real runs, against
// the JSON Schema published in protocol/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import { CLI, fixture, ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env, cwd: dir.path });

async function script(shell: string): Promise<string> {
  const printed = await cli('completion', shell);
  assert.equal(printed.code, 0, printed.stderr);
  const path = join(dir.path, `completion.${shell}`);
  writeFileSync(path, printed.stdout);
  return path;
}

/** What bash offers for the words typed so far (the last one being completed), through the function `complete -F` names. */
async function bashCompletes(file: string, ...words: string[]): Promise<string[]> {
  const line = words.map((word) => `'${word}'`).join(' ');
  const driver = `source '${file}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _faultguard; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = await run('bash', ['-c', driver], { cwd: dir.path });
  assert.equal(result.stderr, '');
  return [...new Set(result.stdout.split('\n').filter((word) => word !== ''))].sort();
}

test('bash: the script parses, and faultguard r<TAB> offers the commands that start with r', async () => {
  const file = await script('bash');
  const parsed = await run('bash', ['-n', file]);
  assert.equal(parsed.code, 0, parsed.stderr);
  assert.deepEqual(await bashCompletes(file, 'faultguard', 'r'), ['recover', 'rm', 'run']);
  assert.deepEqual(await bashCompletes(file, 'faultguard', 'ls', '--'), ['--help', '--json', '--stale-after']);
  assert.deepEqual(await bashCompletes(file, 'faultguard', 'completion', ''), ['bash', 'fish', 'zsh']);
  // An option's value, and the guarded command's own words once run's options have ended.
  writeFileSync(join(dir.path, 'notes.fgsave'), '');
  assert.deepEqual(await bashCompletes(file, 'faultguard', 'inspect', 'not'), ['notes.fgsave']);
  assert.deepEqual(await bashCompletes(file, 'faultguard', 'run', '--interval', '5', '--autosave', 'notes.'), ['notes.fgsave']);
  assert.ok((await bashCompletes(file, 'faultguard', 'run', '-q', '--', 'bas')).includes('bash'));
  assert.deepEqual(await bashCompletes(file, 'faultguard', 'run', '--json', '--a'), ['--autosave']);
});

test('zsh: the script parses, and compinit registers it for faultguard', async () => {
  const file = await script('zsh');
  const parsed = await run('zsh', ['-n', file]);
  assert.equal(parsed.code, 0, parsed.stderr);
  const loaded = await run('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -d '${join(dir.path, 'zcompdump')}' && source '${file}' && print -r -- $_comps[faultguard]`]);
  assert.equal(loaded.stderr, '');
  assert.equal(loaded.stdout, '_faultguard\n');
});

test('fish: the script loads, and completes commands, options and their values', async () => {
  const file = await script('fish');
  const completes = async (line: string) => {
    const result = await run('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], { cwd: dir.path });
    assert.equal(result.stderr, '');
    return result.stdout.split('\n').filter((row) => row !== '').map((row) => row.split('\t')[0]);
  };
  assert.deepEqual(await completes('faultguard r'), ['recover', 'rm', 'run']);
  assert.deepEqual(await completes('faultguard stop --t'), ['--timeout']);
  assert.deepEqual(await completes('faultguard completion '), ['bash', 'fish', 'zsh']);
});

test('the man page renders with man(1), without a warning, and holds every command and option --help shows', async () => {
  const page = join(ROOT, 'runtime', 'dist', 'faultguard.1');
  // In a UTF-8 locale, as users read it: an unescaped "-" would come out as a hyphen (U+2010), not as the option's minus.
  const rendered = await run('man', ['--warnings', '-l', page], { env: { ...process.env, MANWIDTH: '80', LC_ALL: 'C.UTF-8' } });
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.equal(rendered.stderr, '');
  const text = rendered.stdout.replace(/.\x08/g, ''); // no overstrike, should a pager format it
  for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'SEE ALSO']) assert.match(text, new RegExp(`^${section}$`, 'm'));
  const overview = (await cli('--help')).stdout;
  const commands = [...overview.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1]);
  assert.deepEqual(commands, ['run', 'ls', 'inspect', 'recover', 'rm', 'stop', 'completion']);
  for (const command of commands) {
    const help = (await cli(command, '--help')).stdout;
    assert.ok(text.includes(`faultguard ${command}`), command);
    for (const [option] of help.matchAll(/--[a-z][\w-]*/g)) assert.ok(text.includes(option), `${command} ${option}`);
    // A paragraph of --help, as man fills it.
    const firstWords = help.split('\n\n')[1].split(/\s+/).slice(0, 8).join(' ');
    assert.ok(text.replace(/\s+/g, ' ').includes(firstWords), `${command}: ${firstWords}`);
  }
});

const schema = JSON.parse(readFileSync(join(ROOT, 'protocol', 'cli-json.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(schema, 'cli');

function assertShape(command: string, output: string): unknown {
  const value = JSON.parse(output) as unknown;
  const valid = ajv.validate(`cli#/$defs/${command}`, value);
  assert.ok(valid, `${command} --json: ${ajv.errorsText(ajv.errors, { separator: '\n' })}\n${output}`);
  return value;
}

test("every command's --json output parses and matches its schema in protocol/cli-json.schema.json", async () => {
  const saves = join(dir.path, 'saves');
  // run: a crash with an autosave, and one whose journal the guard keeps.
  const crashed = await cli('run', '--json', '--autosave', `${saves}/`, '--', process.execPath, fixture('values-app'), 'abort');
  assert.equal(crashed.signal, 'SIGABRT', crashed.stderr);
  assert.deepEqual((assertShape('run', crashed.stdout.trim().split('\n').at(-1)!) as { exit: { signal: string } }).exit.signal, 'SIGABRT');
  const keeping = await cli('run', '--json', '--', process.execPath, fixture('values-app'), 'abort');
  const { kept } = assertShape('run', keeping.stdout.trim().split('\n').at(-1)!) as { kept: string };
  const journal = join(kept, 'journal');
  const [save] = readdirSync(saves).filter((name) => name.endsWith('.fgsave')).map((name) => join(saves, name));

  const listed = await cli('ls', '--json', saves);
  assert.equal((assertShape('ls', listed.stdout) as unknown[]).length, 1);
  for (const args of [[save], [journal], [save, 'object'], [save, 'bytes'], [save, 'pickled']]) {
    const inspected = await cli('inspect', '--json', ...args);
    assert.equal(inspected.code, 0, inspected.stderr);
    assertShape('inspect', inspected.stdout);
  }
  for (const [file, out] of [[save, 'from-autosave'], [journal, 'from-journal']]) {
    const recovered = await cli('recover', '--json', file, '--out', join(dir.path, out));
    assert.equal(recovered.code, 0, recovered.stderr);
    assertShape('recover', recovered.stdout);
  }
  const removed = await cli('rm', '--json', save);
  assert.equal(removed.code, 0, removed.stderr);
  const [{ file, removed: files }] = assertShape('rm', removed.stdout) as [{ file: string; removed: string[] }];
  assert.equal(file, save);
  assert.equal(files.at(-1), save, 'the newest generation goes last');

  // stop: a daemon stopped, then nothing left to stop.
  const pidFile = join(dir.path, 'daemon.pid');
  const started = await cli('run', '--daemon', '--pid-file', pidFile, '--', process.execPath, fixture('values-app'), 'wait');
  assert.equal(started.code, 0, started.stderr);
  const stopped = await cli('stop', '--json', '--pid-file', pidFile);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal((assertShape('stop', stopped.stdout) as { outcome: string }).outcome, 'stopped');
  const nothing = await cli('stop', '--json', '--pid-file', pidFile);
  assert.equal(nothing.code, 3);
  assert.equal((assertShape('stop', nothing.stdout) as { outcome: string }).outcome, 'nothing-to-stop');
});

test('run --json is refused with --daemon, whose starting process never sees the end', async () => {
  const refused = await cli('run', '--json', '--daemon', '--pid-file', join(dir.path, 'never.pid'), '--', 'true');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^faultguard: --json tells how the run ended/);
});
