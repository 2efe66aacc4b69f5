export * from './environment';
export * from './exit-status';
export * from './journal-format';
export * from './values';
export * from './crc32';
export * from './autosave-format';
export * from './autosave-names';
export * from './byte-size';
