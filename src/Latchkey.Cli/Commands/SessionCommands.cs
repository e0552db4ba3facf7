using System.CommandLine;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey sessions list|revoke</c>, of one user (<c>--user</c>), one tenant (<c>--tenant</c>) or all (<c>--all</c>).</summary>
internal static class SessionCommands
{
    public static Command Build(CliConsole console)
    {
        var sessions = new Command("sessions", "List and end app sessions (never a key).");
        sessions.Subcommands.Add(List(console));
        sessions.Subcommands.Add(Revoke(console));
        return sessions;
    }

    private sealed record Selection(Option<string?> User, Option<string?> Tenant, Option<bool> All);

    private static Selection AddSelection(Command command)
    {
        var selection = new Selection(
            new Option<string?>("--user", "-u") { Description = "One user's sessions: its login (or its id, with --tenant)." },
            new Option<string?>("--tenant", "-t") { Description = "Every session of one tenant: its id or name." },
            new Option<bool>("--all") { Description = "Every session of every tenant." });
        command.Options.Add(selection.User);
        command.Options.Add(selection.Tenant);
        command.Options.Add(selection.All);
        command.Validators.Add(result =>
        {
            // Note: --tenant beside --user only says whose tenant the login is in; alone it selects the tenant.
            var user = result.GetValue(selection.User) is not null;
            var given = (user ? 1 : 0) + (result.GetValue(selection.All) ? 1 : 0) + (!user && result.GetValue(selection.Tenant) is not null ? 1 : 0);
            if (given != 1)
            {
                result.AddError("Say whose sessions: one of --user LOGIN, --tenant TENANT and --all.");
            }
        });
        return selection;
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("list", "List live sessions of a user, a tenant, or all tenants.");
        var selection = AddSelection(command);
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var rows = new List<SessionView>();
            foreach (var (tenantId, userId) in await TargetsAsync(cli, selection, cancellationToken))
            {
                var sessions = await cli.Services.InTenantAsync(tenantId, async (sp, caller) =>
                {
                    var service = sp.GetRequiredService<SessionService>();
                    return userId is { } id
                        ? await Page<AppSession>.AllAsync(page => service.ListAsync(id, page, cancellationToken))
                        : await service.ListInTenantAsync(caller, cancellationToken);
                });
                var logins = await cli.Services.NamesAsync(tenantId, sessions.Select(s => s.UserId), cancellationToken);
                rows.AddRange(sessions.Select(s => new SessionView(
                    s.Id, s.TenantId, s.UserId, logins.GetValueOrDefault(s.UserId), s.AppId, s.AppName, s.CreatedAt, s.LastUsedAt, s.ExpiresAt)));
            }

            cli.Output.Table(rows, ["id", "user", "app id", "app name", "created", "last used", "expires"],
                s => [s.Id, s.Login ?? s.UserId.ToString(), s.AppId, s.AppName, s.CreatedAt, s.LastUsedAt, s.ExpiresAt]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CliConsole console)
    {
        var command = new Command("revoke", "End the sessions of a user, a tenant, or all tenants; their keys stop working at once.");
        var selection = AddSelection(command);
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var ended = 0;
            foreach (var (tenantId, userId) in await TargetsAsync(cli, selection, cancellationToken))
            {
                ended += await cli.Services.InTenantAsync(tenantId, (sp, caller) =>
                {
                    var service = sp.GetRequiredService<SessionService>();
                    return userId is { } id ? service.RevokeAllAsync(caller, id, cancellationToken) : service.RevokeTenantAsync(caller, cancellationToken);
                });
            }

            // Note: reported only once the ended keys fail on every server, not when the rows are gone.
            await cli.Services.SettleAsync();
            cli.Output.Message($"{ended} session(s) ended.", new { Ended = ended });
            return ExitCodes.Ok;
        });
        return command;
    }

    // Note: each tenant in a scope of its own, so every query stays confined to one tenant and each tenant's audit log
    // records what was done to it.
    private static async Task<IReadOnlyList<(Guid TenantId, Guid? UserId)>> TargetsAsync(
        CliContext cli, Selection selection, CancellationToken cancellationToken)
    {
        if (cli.Parse.GetValue(selection.User) is { } login)
        {
            var user = await cli.Services.ResolveHumanAsync(login, cli.Parse.GetValue(selection.Tenant), cancellationToken);
            return [(user.TenantId, user.Id)];
        }

        if (cli.Parse.GetValue(selection.Tenant) is { } tenant)
        {
            return [((await cli.Services.ResolveTenantAsync(tenant, cancellationToken)).Id, null)];
        }

        return (await cli.Services.ListTenantsAsync(cancellationToken)).Select(t => (t.Id, (Guid?)null)).ToList();
    }

    internal sealed record SessionView(
        Guid Id, Guid TenantId, Guid UserId, string? Login, string AppId, string? AppName, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt);
}
