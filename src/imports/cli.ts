import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { followJob, jobFailure, shaped, type HubApi, type JobView } from '../cli/hub-api.ts';
import { cliLang, say } from '../cli/lang.ts';
import { progressBar } from '../cli/progress.ts';
import { cliActor, viaHubOrDatabase } from '../cli/runtime.ts';
import { parseFormat, parseSeparator } from '../exports/cli.ts';
import { fileFormats, type FileFormat, type Separator } from '../exports/files.ts';
import type { Hub } from '../hub.ts';
import { writeTableFile } from './export.ts';
import { importKinds, Mapping, type Field, type ImportKind } from './fields.ts';
import { runImport } from './run.ts';
import { rowErrorText } from './said.ts';
import { createImport, getImport, prepareImport, type ImportView } from './service.ts';

/**
 * `sklad import products|stock FILE [--map column=field …]`: the file is read, its columns
 * mapped as suggested from their headers (or as --map says), every row checked, and the whole
 * file applied or nothing (exit code 1, the refused rows printed by line).
 * `sklad export products|stock --format csv|xlsx [--out FILE]`: the same tables as a file.
 * Beside a running `sklad start` both go through its API (its workers apply the import).
 */

const SHOWN_ERRORS = 50;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The suggested mapping with the seller's `column=field` pairs over it, checked by the API's schema. */
function mappingOf(view: Pick<ImportView, 'columns' | 'mapping'>, pairs: string[]): Field[] {
  const mapping = [...view.mapping];
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at < 1) throw new InvalidArgumentError(say('cli.import.mapBad'));
    const [column, field] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    const exact = view.columns.indexOf(column);
    const index = exact >= 0 ? exact : view.columns.findIndex((c) => c.toLowerCase() === column.toLowerCase());
    if (index < 0) throw new InvalidArgumentError(say('cli.import.mapUnknown', { column, columns: view.columns }));
    mapping[index] = field as Field;
  }
  return Mapping.parse(mapping);
}

function printPreview(view: Pick<ImportView, 'file_name' | 'format' | 'columns'>, mapping: Field[]) {
  console.error(say('cli.import.preview', { file: view.file_name, format: view.format.toUpperCase() }));
  for (const [i, header] of view.columns.entries())
    console.error(say('cli.import.column', { header, field: mapping[i] }));
}

type ImportOutcome = Pick<ImportView, 'id' | 'state' | 'counts' | 'errors' | 'errors_total' | 'error'>;

function printOutcome(view: ImportOutcome): boolean {
  if (view.state === 'applied') {
    console.log(say('cli.import.applied', { id: view.id, ...view.counts }));
    return true;
  }
  if (view.state === 'invalid') {
    console.log(say('cli.import.invalid', { id: view.id, count: view.errors_total }));
    const lang = cliLang();
    for (const e of view.errors.slice(0, SHOWN_ERRORS))
      console.log(say('cli.import.rowError', { line: e.line, field: e.field, message: rowErrorText(lang, e) }));
    const more = view.errors_total - Math.min(view.errors.length, SHOWN_ERRORS);
    if (more > 0) console.log(say('cli.import.more', { count: more, id: view.id }));
    return false;
  }
  console.log(say('cli.import.failed', { id: view.id, error: view.error ?? view.state }));
  return false;
}

async function importHere(hub: Hub, kind: ImportKind, file: string, pairs: string[]): Promise<ImportOutcome> {
  const id = await createImport(
    hub.db,
    { kind, fileName: path.basename(file), content: fs.readFileSync(file) },
    cliActor(),
  );
  const preview = await getImport(hub.db, id);
  const mapping = mappingOf(preview, pairs);
  printPreview(preview, mapping);
  await prepareImport(hub.db, id, mapping);
  const bar = progressBar(say('cli.import.bar'));
  try {
    await runImport(hub, id, { progress: (u) => bar.update(u) });
  } finally {
    bar.end();
  }
  return getImport(hub.db, id, { limit: SHOWN_ERRORS, offset: 0 });
}

const Preview = shaped<ImportView>('id', 'file_name', 'format', 'columns', 'mapping');
const Outcome = shaped<ImportOutcome>('id', 'state', 'counts', 'errors', 'errors_total', 'error');

async function importInHub(api: HubApi, kind: ImportKind, file: string, pairs: string[]): Promise<ImportOutcome> {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', new Blob([fs.readFileSync(file)]), path.basename(file));
  const preview = await api.upload('/imports', Preview, form);
  const mapping = mappingOf(preview, pairs);
  printPreview(preview, mapping);
  const started = await api.post(`/imports/${preview.id}/apply`, z.object({ id: z.number(), job_id: z.number() }), {
    mapping,
  });
  const bar = progressBar(say('cli.import.bar'));
  let job: JobView;
  try {
    job = await followJob(api, started.job_id, (u) => bar.update(u));
  } finally {
    bar.end();
  }
  const outcome = await api.get(`/imports/${preview.id}`, Outcome, { errors_limit: SHOWN_ERRORS });
  // A job that failed without a verdict on the file (the database went away) is the job's error.
  const failure = jobFailure(job);
  if (failure && outcome.state !== 'invalid') throw failure;
  return outcome;
}

const parseTable = (value: string): ImportKind => {
  if (!(importKinds as readonly string[]).includes(value)) throw new InvalidArgumentError(say('cli.import.tableBad'));
  return value as ImportKind;
};

export function importCommands(program: Command) {
  const command = program.command('import').description(say('cli.import.command'));
  for (const kind of importKinds) {
    command
      .command(`${kind} <file>`)
      .description(say(`cli.import.${kind}`))
      .option('--map <column=field>', say('cli.import.map'), collect, [] as string[])
      .action(async (file: string, options: { map: string[] }) => {
        const outcome = await viaHubOrDatabase({
          hub: (api) => importInHub(api, kind, file, options.map),
          database: (hub) => importHere(hub, kind, file, options.map),
        });
        if (!printOutcome(outcome)) process.exitCode = 1;
      });
  }

  program
    .command('export <table>')
    .description(say('cli.import.export'))
    .option(
      '--format <format>',
      say('cli.export.format', { formats: fileFormats.join(' | ') }),
      parseFormat,
      'csv' as FileFormat,
    )
    .option('--separator <char>', say('cli.export.separator'), parseSeparator)
    .option('--out <file>', say('cli.import.out'))
    .action(async (table: string, options: { format: FileFormat; separator?: Separator; out?: string }) => {
      const kind = parseTable(table);
      const out = options.out ?? `${kind}.${options.format}`;
      await viaHubOrDatabase({
        hub: async (api) => {
          const separator =
            options.format === 'csv' && options.separator
              ? options.separator === '\t'
                ? 'tab'
                : options.separator
              : undefined;
          const file = await api.download(`/exports/${kind}.${options.format}`, { separator });
          fs.writeFileSync(out, file);
          console.log(say('cli.import.wroteHub', { file: out, bytes: file.length }));
        },
        database: async (hub) => {
          const written = await writeTableFile(hub.db, fs.createWriteStream(out), kind, {
            format: options.format,
            separator: options.separator,
          });
          console.log(say('cli.import.wrote', { count: written, file: out }));
        },
      });
    });
}
