// A small "editor" guarded by Faultguard. It keeps the user's notes in the guarded data object
// and, like a program with a buggy native library, dies of a real segmentation fault.
//
//   node --stack-size=50000 notes.js edit <autosave-folder>     edit, then crash
//   node notes.js recover <autosave-folder>                     find and recover what was saved
import { listAutosaves, recover, removeAutosave, start, type GuardedData } from 'faultguard'; // the npm package's name (tsconfig.base.json maps it to the sources)

const [mode, folder = 'notes-autosave'] = process.argv.slice(2);

async function edit(data: GuardedData): Promise<void> {
  const paragraphs = [
    'Faultguard keeps this text outside the editor process.',
    'Every set() returns only once the text is safe from a crash of the editor.',
    'The editor is about to call into a native library that crashes.',
  ];
  for (const [i, text] of paragraphs.entries()) {
    data.set(`paragraph ${i + 1}`, text);
    console.log(`  editor (pid ${process.pid}): typed paragraph ${i + 1}`);
  }
  data.set('cursor', { paragraph: 3, column: paragraphs[2].length });
  console.log('  editor: calling the native library...');
  crashWithSegmentationFault();
}

/** Deep recursion past the thread's real stack (Node runs with --stack-size): a real SIGSEGV. */
function crashWithSegmentationFault(): number {
  return crashWithSegmentationFault() + 1;
}

/** What the next launch of an editor does: recover every finished run's autosave, then remove it. */
async function recoverAll(): Promise<void> {
  const { listings, errors } = listAutosaves([folder]);
  if (errors.length > 0) throw errors[0];
  if (listings.length === 0) throw new Error(`no autosave in ${folder}`);
  for (const { file, state, active, reason } of listings) {
    if (active) {
      console.log(`  ${file}: still running (${reason}); leaving it alone`);
      continue;
    }
    await recover((data, exit, autosave) => {
      console.log(`  ${file}: ${autosave.header.program.command.join(' ')}: ${state}, ${exit?.reason ?? reason}`);
      for (const [key, value] of data) console.log(`    ${key}: ${JSON.stringify(value)}`);
    }, file);
    removeAutosave(file);
    console.log(`  recovered; autosave removed`);
  }
}

if (mode === 'recover') {
  recoverAll().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
} else {
  start(
    (data) => edit(data),
    (data, exit) => {
      console.log(`  guard: the editor died: ${exit.reason} [${exit.category}]`);
      console.log(`  guard: rescued ${data.size} values at once:`);
      for (const [key, value] of data) console.log(`    ${key}: ${JSON.stringify(value)}`);
    },
    { autosavePath: `${folder}/`, autosaveInterval: 1 },
  );
}
