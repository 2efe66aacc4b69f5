import { NODE_REPORT_NAME } from '@faultguard/protocol';
import type { ContextRecorder } from './context-recorder';

/**
 * How this Node process leaves the guard the reason for its death: an uncaught exception or
 * unhandled rejection is recorded (a monitor: Node's own handling is unchanged), and a fatal error
 * (out of memory: "Reached heap limit") writes Node's diagnostic report into the run folder,
 * where the guard picks out its stack and heap figures (SPEC §10.3). A report the program asks
 * for itself still goes where it says; only its default place becomes the run folder.
 */
export function recordFatalErrors(recorder: ContextRecorder, runFolder: string): void {
  process.on('uncaughtExceptionMonitor', (error, origin) => recorder.error(origin === 'unhandledRejection' ? 'unhandled-rejection' : 'uncaught-exception', error));
  const report = process.report;
  if (!report) return;
  report.reportOnFatalError = true;
  if (report.directory === '') report.directory = runFolder;
  if (report.filename === '') report.filename = NODE_REPORT_NAME;
}
