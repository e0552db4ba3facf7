using System.CommandLine;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey migrate</c>, <c>latchkey purge-expired</c> and <c>latchkey audit</c>.</summary>
internal static class MaintenanceCommands
{
    public static Command Migrate(CliConsole console)
    {
        var command = new Command("migrate", "Apply pending migrations (creating a SQLite file on first run); safe to run while servers run.");
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var applied = await cli.Services.UnscopedAsync(async sp =>
                await sp.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken));
            cli.Output.Message(DatabaseMigrator.Describe(applied), new { Migrated = true, Applied = applied });
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command PurgeExpired(CliConsole console)
    {
        var command = new Command("purge-expired",
            "Delete expired sessions and stale failed-login counters now (the server does it every Latchkey:Sessions:CleanupInterval).");
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var (sessions, throttles) = await cli.Services.Root.GetRequiredService<ExpiryPurge>().PurgeAsync(cancellationToken);
            cli.Output.Message($"Deleted {sessions} expired session(s) and {throttles} stale failed-login counter(s).",
                new { Sessions = sessions, FailedLoginCounters = throttles });
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Audit(CliConsole console)
    {
        var tenant = CommonOptions.Tenant();
        var limit = new Option<int>("--limit", "-n") { Description = $"How many of the latest entries (1 to {PageRequest.MaxLimit}).", DefaultValueFactory = _ => 20 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new entries as they come (Ctrl+C stops)." };
        var eventName = new Option<string?>("--event", "-e") { Description = "Only entries of this event, e.g. login.failed." };
        var command = new Command("audit", "Print a tenant's latest audit entries, oldest first, like tail.") { tenant, limit, follow, eventName };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            if (cli.Get(limit) is < 1 or > PageRequest.MaxLimit)
            {
                throw new CliException(ExitCodes.Usage, $"--limit must be 1 to {PageRequest.MaxLimit}.");
            }

            if (cli.Get(follow) && cli.Output.Json)
            {
                throw new CliException(ExitCodes.Usage, "--follow prints lines as they come; it does not go with --json.");
            }

            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var entries = await PageAsync(cli, target.Id, cli.Parse.GetValue(eventName), cli.Get(limit), cancellationToken);
            var names = await cli.Services.NamesAsync(target.Id, UsersOf(entries), cancellationToken);
            if (cli.Output.Json)
            {
                cli.Output.Table(entries.Select(e => View(e, names)), [], _ => []);
                return ExitCodes.Ok;
            }

            foreach (var entry in entries)
            {
                await console.Out.WriteLineAsync(Line(entry, names));
            }

            var seen = entries.Select(e => e.Id).ToHashSet();
            while (cli.Get(follow) && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var fresh = (await PageAsync(cli, target.Id, cli.Parse.GetValue(eventName), PageRequest.MaxLimit, cancellationToken))
                    .Where(e => seen.Add(e.Id)).ToList();
                foreach (var (id, name) in await cli.Services.NamesAsync(target.Id, UsersOf(fresh).Where(u => !names.ContainsKey(u)), cancellationToken))
                {
                    names[id] = name;
                }

                foreach (var entry in fresh)
                {
                    await console.Out.WriteLineAsync(Line(entry, names));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<IReadOnlyList<AuditEntry>> PageAsync(
        CliContext cli, Guid tenantId, string? eventName, int limit, CancellationToken cancellationToken)
    {
        var page = await cli.Services.InTenantAsync(tenantId, (sp, caller) =>
            sp.GetRequiredService<AuditLog>().ListAsync(caller, eventName, PageRequest.First(limit), cancellationToken));
        return page.Items.Reverse().ToList();
    }

    private static IEnumerable<Guid> UsersOf(IEnumerable<AuditEntry> entries) =>
        entries.SelectMany(e => new[] { e.ActorUserId, e.SubjectUserId }).OfType<Guid>();

    // Note: people read logins (a machine user's name); the id stands in for a user deleted since.
    private static string Line(AuditEntry e, IReadOnlyDictionary<Guid, string> names) =>
        string.Join("  ", new[]
        {
            e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'"),
            e.Event,
            e.Operator ?? (e.ActorUserId is { } actor ? $"user:{Name(actor, names)}" : "-"),
            e.SubjectUserId is { } subject ? $"subject:{Name(subject, names)}" : null,
            e.AppId is null ? null : $"app:{e.AppId}",
            e.IpAddress is null ? null : $"ip:{e.IpAddress}",
            e.Detail,
        }.Where(p => p is not null));

    private static string Name(Guid userId, IReadOnlyDictionary<Guid, string> names) => names.GetValueOrDefault(userId) ?? userId.ToString();

    private static object View(AuditEntry e, IReadOnlyDictionary<Guid, string> names) => new
    {
        e.Id, e.At, e.Event, e.ActorUserId, ActorLogin = e.ActorUserId is { } a ? names.GetValueOrDefault(a) : null, e.Operator,
        e.SubjectUserId, SubjectLogin = e.SubjectUserId is { } s ? names.GetValueOrDefault(s) : null, e.AppId, Ip = e.IpAddress, e.Detail,
    };
}
