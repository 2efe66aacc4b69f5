"""The guard's side of SPEC §4 and §7, in the process that called start(): one module a job.

run_directory (journal root, run folder, journal, run.json), launch_child (the forked child that
runs launch), signal_relay (signals while the child runs), exit_record (§5), identity (the
autosave's writer, §7.2), timestamps, autosave_target (the claim, §7.6), xz_streams (the data
section, §7.1), autosave_file (one save, §7.4 step 3), autosaver (saves, heartbeat, final save and
removal, §7.4) and guard (a run from start to end).
"""
