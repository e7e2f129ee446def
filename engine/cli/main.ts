import { CHECK_USAGE, runCheck } from './check-command';
import { UsageError } from './collect-inputs';
import { PUSH_USAGE, parsePushArgs, runPush } from './push-command';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../check-document';

const USAGE = `Usage: nfe-ingest <command> [options]

Commands:
  check [--json] PATH...   verify and parse NF-e / NFC-e / event XML offline (files, folders, zips)
  push PATH... --url URL --key KEY [--wait]
                           upload files, folders and zips to an nfe-ingest server in batches

Run \`nfe-ingest <command> --help\` for a command's options.`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** A redrawn progress line goes to stderr when it is a terminal. */
  tty: boolean;
  progress: (text: string) => void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  tty: process.stderr.isTTY === true,
  progress: (text) => process.stderr.write(text),
};

async function check(args: string[], io: Io): Promise<number> {
  let json = false;
  let maxDocumentBytes: number | undefined;
  const paths: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') {
      io.out(CHECK_USAGE);
      return 0;
    } else if (a === '--max-bytes') {
      const n = Number(args[++k]);
      if (!Number.isInteger(n) || n <= 0)
        throw new UsageError('--max-bytes takes a positive integer');
      maxDocumentBytes = n;
    } else if (a === '--') {
      paths.push(...args.slice(k + 1));
      break;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) throw new UsageError('check needs at least one PATH');
  return runCheck(paths, { json, maxDocumentBytes, out: io.out });
}

async function push(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(PUSH_USAGE);
    return 0;
  }
  const { paths, options } = parsePushArgs(args, process.env);
  return runPush(paths, {
    ...options,
    maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES,
    out: io.out,
    tty: io.tty,
    progress: io.progress,
  });
}

/** The `nfe-ingest` command line. Returns the exit status instead of exiting (testable). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await check(rest, io);
      case 'push':
        return await push(rest, io);
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return 0;
      default:
        throw new UsageError(
          command === undefined ? 'no command given' : `unknown command ${command}`,
        );
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const usage = command === 'check' ? CHECK_USAGE : command === 'push' ? PUSH_USAGE : USAGE;
      io.err(`nfe-ingest: ${err.message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
}
