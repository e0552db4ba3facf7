using System.CommandLine;
using Latchkey.Cli.Importing;
using Latchkey.Core.Credentials.Imported;
using Latchkey.Core.Services;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary>
/// <c>latchkey import FILE --tenant T</c>: moves users in with the password hashes another system made (ASP.NET Core
/// Identity, bcrypt, Argon2, Django pbkdf2_sha256). Batches commit whole; re-running skips logins already there.
/// </summary>
internal static class ImportCommand
{
    public static Command Build(CliConsole console)
    {
        var file = new Argument<FileInfo>("file") { Description = "users.csv (login,password_hash[,role]) or users.jsonl ({\"login\",\"passwordHash\",\"role\"})." };
        var tenant = CommonOptions.Tenant("The tenant the users join: its id, or a name only one tenant has.");
        var format = new Option<string?>("--format") { Description = "csv or jsonl (default: from the file's extension)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction (1 to 5000).", DefaultValueFactory = _ => 500 };
        var command = new Command("import", "Import users with their existing password hashes; each is upgraded to Argon2id at its next login.")
        {
            file, tenant, format, batchSize,
        };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            if (cli.Get(batchSize) is < 1 or > 5000)
            {
                throw new CliException(ExitCodes.Usage, "--batch-size must be 1 to 5000.");
            }

            var path = Path.GetFullPath(cli.Get(file).ToString(), console.WorkingDirectory);
            if (!File.Exists(path))
            {
                throw new CliException(ExitCodes.NotFound, $"No file {path}.");
            }

            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var jsonLines = ImportFile.IsJsonLines(path, cli.Get(format));
            var total = ImportFile.CountRows(path, jsonLines);
            var progress = new ImportProgress(console.Error, console.ErrorIsTerminal, total);
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            var rejected = new List<ImportRejection>();
            var byFormat = new Dictionary<ImportedHashFormat, int>();
            int imported = 0, skipped = 0;
            long done = 0;
            var batch = new List<ImportRow>(cli.Get(batchSize));

            async Task FlushAsync()
            {
                if (batch.Count == 0)
                {
                    return;
                }

                var result = await cli.Services.InTenantAsync(target.Id, (sp, caller) =>
                    sp.GetRequiredService<UserImportService>().ImportBatchAsync(caller, batch, seen, cancellationToken));
                imported += result.Imported;
                skipped += result.Skipped;
                rejected.AddRange(result.Rejected);
                foreach (var (kind, count) in result.ImportedByFormat)
                {
                    byFormat[kind] = byFormat.GetValueOrDefault(kind) + count;
                }

                done += batch.Count;
                batch.Clear();
                progress.Report(done);
            }

            foreach (var (row, rejection) in ImportFile.Read(path, jsonLines))
            {
                if (rejection is not null)
                {
                    rejected.Add(rejection);
                    done++;
                    continue;
                }

                batch.Add(row!);
                if (batch.Count == cli.Get(batchSize))
                {
                    await FlushAsync();
                }
            }

            await FlushAsync();
            progress.Report(done, final: true);
            rejected.Sort((a, b) => a.Line.CompareTo(b.Line));
            Summarise(cli, console, path, imported, skipped, rejected, byFormat);
            return rejected.Count == 0 ? ExitCodes.Ok : ExitCodes.PartlyDone;
        });
        return command;
    }

    private static void Summarise(
        CliContext cli, CliConsole console, string path, int imported, int skipped, List<ImportRejection> rejected,
        Dictionary<ImportedHashFormat, int> byFormat)
    {
        var formats = byFormat.OrderBy(f => f.Key).ToDictionary(f => ImportedHash.Prefix(f.Key).Trim('{', '}'), f => f.Value);
        if (cli.Output.Json)
        {
            cli.Output.Message("", new
            {
                Imported = imported,
                Skipped = skipped,
                Rejected = rejected.Select(r => new { r.Line, r.Reason }),
                ImportedByFormat = formats,
            });
            return;
        }

        console.Out.WriteLine($"Imported {imported:N0} user(s), skipped {skipped:N0} whose login exists already, rejected {rejected.Count:N0}.");
        foreach (var (name, count) in formats)
        {
            console.Out.WriteLine($"  {name}: {count:N0}");
        }

        const int shown = 50;
        foreach (var rejection in rejected.Take(shown))
        {
            console.Out.WriteLine($"  {Path.GetFileName(path)}:{rejection.Line}: {rejection.Reason}");
        }

        if (rejected.Count > shown)
        {
            console.Out.WriteLine($"  ... and {rejected.Count - shown:N0} more (--json lists them all).");
        }
    }
}
