import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { followJob, jobFailure, shaped, type HubApi, type JobView } from '../cli/hub-api.ts';
import { say } from '../cli/lang.ts';
import { progressBar } from '../cli/progress.ts';
import { viaHubOrDatabase } from '../cli/runtime.ts';
import { moduleFor } from '../channels/core/module.ts';
import type { Hub } from '../hub.ts';
import { fileFormats, separators, writeCatalogFile, type FileFormat, type Separator } from './files.ts';
import { catalogProducts } from './products.ts';
import { runCatalogExport } from './run.ts';
import { createCatalogExport, exportAccount, feedOf, getCatalogExport, type ExportView } from './service.ts';

/**
 * `sklad <channel> export --from ID --to ID --format csv|xlsx [--separator ;] [--out FILE] [--no-send]`:
 * a channel module whose catalogFeed takes exports adds this command through its `cli` hook
 * (`registerCatalogExportCommand(program, { channel: 'lamoda' })`). It writes the file when
 * asked and runs the export in the foreground (no worker needed), with a progress bar, then
 * prints the feeds and every product not sent or refused. Exit code 1 when any was. Beside a
 * running `sklad start` the hub's workers run it and the file is the API's download.
 */

interface ExportOptions {
  from: number;
  to: number;
  format: FileFormat;
  separator?: Separator;
  out?: string;
  send: boolean;
}

const parseId = (value: string) => {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError(say('cli.accountIdBad'));
  return id;
};

/** `--format`: one of the file formats (the import and export commands share it). */
export const parseFormat = (value: string): FileFormat => {
  if (!(fileFormats as readonly string[]).includes(value))
    throw new InvalidArgumentError(say('cli.export.formatBad', { formats: fileFormats }));
  return value as FileFormat;
};

/** `--separator`: CSV's separator, `tab` for a tab. */
export const parseSeparator = (value: string): Separator => {
  const separator = value === 'tab' || value === '\\t' ? '\t' : value;
  if (!(separators as readonly string[]).includes(separator))
    throw new InvalidArgumentError(say('cli.export.separatorBad'));
  return separator as Separator;
};

async function writeFile(hub: Hub, options: ExportOptions & { out: string }) {
  const { columns } = feedOf(await exportAccount(hub.db, options.to));
  const written = await writeCatalogFile(
    fs.createWriteStream(options.out),
    catalogProducts(hub.db, options.from),
    columns,
    options,
  );
  console.log(say('cli.export.wrote', { count: written, file: options.out }));
}

async function sendExport(hub: Hub, options: ExportOptions): Promise<ExportView> {
  const id = await createCatalogExport(hub.db, options, 'cli');
  const bar = progressBar(say('cli.export.bar'));
  try {
    await runCatalogExport(hub, id, { progress: async (u) => bar.update(u) });
  } finally {
    bar.end('sent');
  }
  return getCatalogExport(hub.db, id);
}

/** The same in the running hub: its workers run the export; its progress is followed here. */
async function sendInHub(api: HubApi, options: ExportOptions): Promise<ExportView> {
  const started = await api.post('/exports/catalog', z.object({ id: z.number(), job_id: z.number() }), {
    from: options.from,
    to: options.to,
    format: options.format,
    ...(options.separator ? { separator: options.separator } : {}),
  });
  const bar = progressBar(say('cli.export.bar'));
  let job: JobView;
  try {
    job = await followJob(api, started.job_id, (u) => bar.update(u));
  } finally {
    bar.end('sent');
  }
  const failure = jobFailure(job);
  if (failure) throw failure;
  return api.get(
    `/exports/catalog/${started.id}`,
    shaped<ExportView>('id', 'state', 'counts', 'feeds', 'errors', 'warnings', 'errors_total'),
  );
}

function printExport(view: ExportView) {
  const c = view.counts;
  console.log(say('cli.export.summary', { id: view.id, state: view.state, ...c }));
  for (const f of view.feeds)
    console.log(
      say('cli.export.feed', {
        id: f.feed_id,
        state: f.state,
        processed: f.processed,
        total: f.total,
        failed: f.failed,
      }),
    );
  for (const e of view.errors)
    console.log(say('cli.export.error', { sku: e.sku ?? '-', feed: e.feed_id, message: e.message }));
  if (view.errors_total > view.errors.length)
    console.log(say('cli.export.more', { count: view.errors_total - view.errors.length, id: view.id }));
  for (const w of view.warnings)
    console.log(say('cli.export.warning', { sku: w.sku ?? '-', feed: w.feed_id, message: w.message }));
}

/** Adds `export` to the channel's command (`sklad lamoda export …`), making the channel's command when the module has none yet. */
export function registerCatalogExportCommand(program: Command, options: { channel: string }) {
  const { channel } = options;
  const title = moduleFor(channel)?.connector.title ?? channel;
  const parent =
    program.commands.find((c) => c.name() === channel) ??
    program.command(channel).description(say('cli.export.channel', { title }));
  parent
    .command('export')
    .description(say('cli.export.command', { title }))
    .requiredOption('--from <id>', say('cli.export.from'), parseId)
    .requiredOption('--to <id>', say('cli.export.to', { title }), parseId)
    .option(
      '--format <format>',
      say('cli.export.format', { formats: fileFormats.join(' | ') }),
      parseFormat,
      'csv' as FileFormat,
    )
    .option('--separator <char>', say('cli.export.separator'), parseSeparator)
    .option('--out <file>', say('cli.export.out'))
    .option('--no-send', say('cli.export.noSend'))
    .action(async (opts: ExportOptions) => {
      if (!opts.send && !opts.out) throw new InvalidArgumentError(say('cli.export.nothing'));
      const ok = await viaHubOrDatabase({
        hub: async (api) => {
          const target = await api.get(`/channels/accounts/${opts.to}`, z.object({ channel: z.string() }));
          if (target.channel !== channel)
            throw new InvalidArgumentError(
              say('cli.export.wrongAccount', { id: opts.to, channel: target.channel, title }),
            );
          if (opts.out) {
            const file = await api.download(`/exports/catalog.${opts.format}`, {
              account: opts.from,
              to: opts.to,
              separator:
                opts.format === 'csv' && opts.separator
                  ? opts.separator === '\t'
                    ? 'tab'
                    : opts.separator
                  : undefined,
            });
            fs.writeFileSync(opts.out, file);
            console.log(say('cli.export.wroteHub', { file: opts.out, bytes: file.length }));
          }
          if (!opts.send) return true;
          const view = await sendInHub(api, opts);
          printExport(view);
          return view.state === 'finished' && view.errors_total === 0;
        },
        database: async (hub) => {
          const target = await exportAccount(hub.db, opts.to);
          if (target.channel !== channel)
            throw new InvalidArgumentError(
              say('cli.export.wrongAccount', { id: opts.to, channel: target.channel, title }),
            );
          if (opts.out) await writeFile(hub, { ...opts, out: opts.out });
          if (!opts.send) return true;
          const view = await sendExport(hub, opts);
          printExport(view);
          return view.state === 'finished' && view.errors_total === 0;
        },
      });
      if (!ok) process.exitCode = 1;
    });
}
