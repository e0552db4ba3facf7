using System.CommandLine;
using Latchkey.Cli.Commands;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Cli;

/// <summary>The <c>latchkey</c> tool: its verbs, its global options, and how a verb's outcome becomes an exit code.</summary>
public static class CliApp
{
    internal static readonly Option<string?> Connection = new("--connection")
    {
        Description = "The database's connection string, if it holds no password (default: ConnectionStrings__Latchkey, or the " +
            "configuration files' ConnectionStrings:Latchkey). Arguments are visible to every user of the machine: give one " +
            "with a password in ConnectionStrings__Latchkey or with --connection-stdin.",
        Recursive = true,
    };

    internal static readonly Option<bool> ConnectionStdin = new("--connection-stdin")
    {
        Description = "Read the connection string from the first line of standard input (before a password that " +
            "--password-stdin reads from the next).",
        Recursive = true,
    };

    internal static readonly Option<string?> Config = new("--config")
    {
        Description = "The server's configuration file to read instead of the working directory's appsettings.json; its " +
            "{name}.{Environment}.json beside it is read too.",
        Recursive = true,
    };

    internal static readonly Option<string?> Provider = new("--provider")
    {
        Description = "sqlite or postgres (default: Latchkey__Storage__Provider, else sqlite).",
        Recursive = true,
    };

    internal static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON for scripts instead of tables.",
        Recursive = true,
    };

    /// <summary>Runs the tool with <paramref name="args"/>; returns its exit code (see docs/cli.md).</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = Build(console);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error };

        // Note: errors of the command line exit with the usage code, not the parser's default of 1.
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await console.Error.WriteLineAsync("Run 'latchkey --help' (or 'latchkey <verb> --help') for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    internal static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("latchkey: administers a Latchkey database directly, with the server's configuration. " +
            "Every change is recorded in the tenant's audit log with the operator cli:<os user>@<host>.");
        root.Options.Add(Connection);
        root.Options.Add(ConnectionStdin);
        root.Options.Add(Config);
        root.Options.Add(Provider);
        root.Options.Add(Json);
        root.Subcommands.Add(MaintenanceCommands.Migrate(console));
        root.Subcommands.Add(TenantCommands.Build(console));
        root.Subcommands.Add(UserCommands.Build(console));
        root.Subcommands.Add(MachineUserCommands.Build(console));
        root.Subcommands.Add(SessionCommands.Build(console));
        root.Subcommands.Add(MaintenanceCommands.PurgeExpired(console));
        root.Subcommands.Add(MaintenanceCommands.Audit(console));
        root.Subcommands.Add(ImportCommand.Build(console));
        root.Subcommands.Add(JwtCommands.Build(console));
        return root;
    }

    /// <summary>
    /// Sets <paramref name="command"/>'s action: composes Latchkey from the configuration, runs <paramref name="run"/>,
    /// and turns expected failures into their exit codes and a one-line message on standard error.
    /// </summary>
    internal static void Handle(Command command, CliConsole console, Func<CliContext, CancellationToken, Task<int>> run)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var configuration = CliServices.ReadConfiguration(console, parse.GetValue(Provider), await ConnectionStringAsync(parse, console),
                    parse.GetValue(Config));
                await using var services = CliServices.Build(configuration, console);
                if (parse.CommandResult.Command.Name != "migrate")
                {
                    await PrepareSchemaAsync(services, console, cancellationToken);
                }

                return await run(new CliContext(parse, console, services, new Output(console.Out, parse.GetValue(Json))), cancellationToken);
            }
            catch (CliException e)
            {
                await console.Error.WriteLineAsync($"error: {e.Message}");
                return e.ExitCode;
            }
            catch (OptionsValidationException e)
            {
                await console.Error.WriteLineAsync($"error: configuration: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (Exception e) when (Classify(e) == StorageErrorKind.Unavailable)
            {
                await console.Error.WriteLineAsync($"error: the database cannot be reached or used right now: {e.GetBaseException().Message}");
                return ExitCodes.Unavailable;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Note: one line, not a stack trace: the operator needs the cause (a missing database, a refused
                // login to it), and the message of a storage exception carries no secret of Latchkey's.
                await console.Error.WriteLineAsync($"error: {e.GetBaseException().GetType().Name}: {e.GetBaseException().Message}");
                return ExitCodes.Failed;
            }
        });
    }

    /// <summary>
    /// Like the server at start-up: applies pending migrations first (saying so on standard error), so that every verb
    /// works on a fresh database; with <c>Latchkey:Storage:MigrateOnStartup=false</c> it refuses instead, in one line.
    /// </summary>
    private static async Task PrepareSchemaAsync(CliServices services, CliConsole console, CancellationToken cancellationToken)
    {
        var migrate = services.Root.GetRequiredService<IOptions<LatchkeyStorageOptions>>().Value.MigrateOnStartup;
        var pending = await services.UnscopedAsync(async sp =>
            (await sp.GetRequiredService<LatchkeyDbContext>().Database.GetPendingMigrationsAsync(cancellationToken)).ToList());
        if (pending.Count == 0)
        {
            return;
        }

        if (!migrate)
        {
            throw new CliException(ExitCodes.Unavailable,
                $"The database lacks {pending.Count} migration(s) of this version: run `latchkey migrate` first (Latchkey:Storage:MigrateOnStartup is false).");
        }

        var applied = await services.UnscopedAsync(async sp => await sp.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken));
        // Note: standard error, so that a verb's own output (a token, JSON) stays alone on standard output.
        await console.Error.WriteLineAsync(DatabaseMigrator.Describe(applied));
    }

    /// <summary>The connection string given on the command line (one without a password) or on standard input, if any.</summary>
    private static async Task<string?> ConnectionStringAsync(ParseResult parse, CliConsole console)
    {
        if (parse.GetValue(ConnectionStdin))
        {
            if (parse.GetValue(Connection) is not null)
            {
                throw new CliException(ExitCodes.Usage, "Give the connection string either with --connection or with --connection-stdin.");
            }

            return await console.In.ReadLineAsync() is { Length: > 0 } line
                ? line
                : throw new CliException(ExitCodes.Usage, "--connection-stdin: standard input held no connection string.");
        }

        var connection = parse.GetValue(Connection);
        if (connection is not null && HoldsPassword(connection))
        {
            // Note: any user of the machine can read another's arguments from the process list.
            throw new CliException(ExitCodes.Usage,
                "A connection string with a password is never taken as an argument: set ConnectionStrings__Latchkey, or pass it with --connection-stdin.");
        }

        return connection;
    }

    private static bool HoldsPassword(string connection)
    {
        try
        {
            var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection };
            return builder.ContainsKey("Password") || builder.ContainsKey("Pwd");
        }
        catch (ArgumentException)
        {
            // Note: unparseable, and so useless to every provider; refused as if it held one rather than echoed.
            return true;
        }
    }

    // Note: a classifier needs a provider; both are asked, since each recognises only its own exceptions.
    private static StorageErrorKind? Classify(Exception e) =>
        new Latchkey.Storage.Sqlite.SqliteErrorClassifier().Classify(e) ?? new Latchkey.Storage.Postgres.PostgresErrorClassifier().Classify(e);
}

/// <summary>What a verb's action works with: its parsed command line, the console, Latchkey's services, the output.</summary>
internal sealed record CliContext(ParseResult Parse, CliConsole Console, CliServices Services, Output Output)
{
    public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;
}
