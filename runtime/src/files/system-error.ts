/**
 * A system error in the words a user reads: the errno codes one meets on a full, read-only or
 * foreign file system, and the rest as Node says them. Never names a path: the caller does.
 */
export function describeSystemError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EFBIG':
      return 'file too large (over the file size limit)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error (the device failed)';
    default:
      return message ?? String(error);
  }
}
