// A program for the start-up benchmark: prints "launch" as soon as its launch begins. With
// "bare" it runs the same launch unguarded, as the same script would without Faultguard.
import { start, type GuardedData } from '@faultguard/runtime';

const launch = (_data: GuardedData | undefined) => {
  process.stdout.write('launch\n');
};

if (process.argv[2] === 'bare') launch(undefined);
else void start(launch, () => undefined);
