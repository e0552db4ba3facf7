using System.CommandLine;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary>
/// <c>latchkey machine-user create|list|rotate|delete|grant-introspection|revoke-introspection|set-limit|clear-limit</c>. A token is printed
/// once, when made, and never again. A machine user is named by its id, its login or a name only it has in the tenant.
/// </summary>
internal static class MachineUserCommands
{
    public static Command Build(CliConsole console)
    {
        var machine = new Command("machine-user", "Create, list, rotate and delete machine users (services that call with a token).");
        machine.Subcommands.Add(Create(console));
        machine.Subcommands.Add(List(console));
        machine.Subcommands.Add(Rotate(console));
        machine.Subcommands.Add(Delete(console));
        machine.Subcommands.Add(Introspection(console, grant: true));
        machine.Subcommands.Add(Introspection(console, grant: false));
        machine.Subcommands.Add(SetLimit(console));
        machine.Subcommands.Add(ClearLimit(console));
        return machine;
    }

    private static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "A name people know the machine user by." };
        var tenant = CommonOptions.Tenant();
        var scopes = new Option<string[]>("--scope") { Description = "A scope the token grants (repeat for several).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("create", "Create a machine user and print its token, once.") { name, tenant, scopes };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var (created, error) = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                .CreateAsync(caller, cli.Get(name), cli.Parse.GetValue(scopes) ?? [], cancellationToken));
            if (error is not null)
            {
                throw new CliException(ExitCodes.Invalid, $"{error.Field}: {error.Message}");
            }

            var user = created!.User;
            cli.Output.Record(Describe(user) with { Token = created.Token },
                ("id", user.Id), ("name", user.Name), ("login", user.Login), ("scopes", user.Scopes), ("token", created.Token));
            if (!cli.Output.Json)
            {
                await console.Error.WriteLineAsync("The token is shown this once; only its digest is stored.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var tenant = CommonOptions.Tenant();
        var command = new Command("list", "List a tenant's machine users (never a token).") { tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var users = await cli.Services.InTenantAsync(target.Id, (sp, caller) =>
                Page<User>.AllAsync(page => sp.GetRequiredService<MachineUserService>().ListAsync(caller, page, cancellationToken)));
            cli.Output.Table(users.Select(Describe), ["id", "name", "login", "scopes", "created", "last used"],
                u => [u.Id, u.Name, u.Login, u.Scopes, u.CreatedAt, u.LastUsedAt]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rotate(CliConsole console)
    {
        var reference = MachineArgument();
        var tenant = CommonOptions.Tenant();
        var command = new Command("rotate", "Give a machine user a new token (printed once); the old one stops working at once.") { reference, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var machine = await cli.Services.ResolveMachineAsync(cli.Get(reference), target.Id, cancellationToken);
            var token = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                .RotateAsync(caller, machine.Id, cancellationToken)) ?? throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(reference)}.");
            await cli.Services.SettleAsync();
            cli.Output.Record(new { machine.Id, machine.Name, machine.Login, Token = token },
                ("id", machine.Id), ("name", machine.Name), ("login", machine.Login), ("token", token));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var reference = MachineArgument();
        var tenant = CommonOptions.Tenant();
        var command = new Command("delete", "Delete a machine user; its token stops working at once.") { reference, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var machine = await cli.Services.ResolveMachineAsync(cli.Get(reference), target.Id, cancellationToken);
            if (!await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>().DeleteAsync(caller, machine.Id, cancellationToken)))
            {
                throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(reference)}.");
            }

            await cli.Services.SettleAsync();
            cli.Output.Message($"Machine user {CliServices.DisplayName(machine)} ({machine.Id}) is deleted.", new { Deleted = machine.Id });
            return ExitCodes.Ok;
        });
        return command;
    }

    // Note: an operator verb only: the reserved all-tenants scope is refused by the API (MachineUserService), so no
    // tenant's admin can open other tenants' credentials to a machine of theirs.
    private static Command Introspection(CliConsole console, bool grant)
    {
        var reference = MachineArgument();
        var tenant = CommonOptions.Tenant();
        var allTenants = new Option<bool>("--all-tenants")
        {
            Description = grant
                ? "Every tenant's credentials, not only the machine user's own tenant's (POST /v1/introspect answers active for them)."
                : "Withdraw only the reach into other tenants; introspection of its own tenant stays.",
        };
        var command = grant
            ? new Command("grant-introspection",
                "Let a machine user introspect credentials (scope latchkey:introspect): of its own tenant, or with --all-tenants of every tenant; audited.")
            : new Command("revoke-introspection",
                "Withdraw a machine user's introspection (or with --all-tenants only its reach into other tenants), from its next request on; audited.");
        command.Arguments.Add(reference);
        command.Options.Add(tenant);
        command.Options.Add(allTenants);
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var machine = await cli.Services.ResolveMachineAsync(cli.Get(reference), target.Id, cancellationToken);
            var current = MachineUserService.Reach(machine.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var reach = (grant, cli.Get(allTenants)) switch
            {
                (true, true) => IntrospectionReach.AllTenants,
                (true, false) => current == IntrospectionReach.AllTenants ? IntrospectionReach.AllTenants : IntrospectionReach.OwnTenant,
                (false, true) => current == IntrospectionReach.None ? IntrospectionReach.None : IntrospectionReach.OwnTenant,
                (false, false) => IntrospectionReach.None,
            };
            var changed = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                .SetIntrospectionAsync(caller, machine.Id, reach, cancellationToken)) ?? throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(reference)}.");

            // Note: a withdrawal is reported only once no server's cache still holds the wider scopes.
            await cli.Services.SettleAsync();
            var said = reach switch
            {
                IntrospectionReach.AllTenants => "may introspect credentials of every tenant",
                IntrospectionReach.OwnTenant => "may introspect credentials of its own tenant only",
                _ => "may not introspect",
            };
            cli.Output.Message($"Machine user {CliServices.DisplayName(changed)} ({changed.Id}) {said}.", Describe(changed));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command SetLimit(CliConsole console)
    {
        var reference = MachineArgument();
        var tenant = CommonOptions.Tenant();
        var permits = new Option<int>("--permits") { Description = "Requests allowed in each window.", Required = true };
        var window = new Option<string>("--window") { Description = "The window: seconds, or a number with s, m, h or d (60s, 5m, 1h). Defaults to 60s.", DefaultValueFactory = _ => "60s" };
        var command = new Command("set-limit",
            "Give a machine user its own rate limit on every endpoint limited per credential (RequireRateLimit); audited.") { reference, tenant, permits, window };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            if (ParseWindow(cli.Get(window)) is not { } seconds)
            {
                throw new CliException(ExitCodes.Invalid, $"--window: '{cli.Get(window)}' is not a window; write e.g. 60s, 5m or 1h.");
            }

            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var machine = await cli.Services.ResolveMachineAsync(cli.Get(reference), target.Id, cancellationToken);
            var (found, error) = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                .SetRateLimitAsync(caller, machine.Id, cli.Get(permits), seconds, cancellationToken));
            if (error is not null)
            {
                throw new CliException(ExitCodes.Invalid, $"{(error.Field == "permits" ? "--permits" : "--window")}: {error.Message}");
            }

            if (!found)
            {
                throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(reference)}.");
            }

            cli.Output.Message(
                $"Machine user {CliServices.DisplayName(machine)} ({machine.Id}) may make {cli.Get(permits)} requests per {seconds} s to each rate-limited API.",
                new { machine.Id, Permits = cli.Get(permits), WindowSeconds = seconds });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ClearLimit(CliConsole console)
    {
        var reference = MachineArgument();
        var tenant = CommonOptions.Tenant();
        var command = new Command("clear-limit", "Clear a machine user's own rate limit: the endpoints' limits apply again; audited.") { reference, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var machine = await cli.Services.ResolveMachineAsync(cli.Get(reference), target.Id, cancellationToken);
            if (!await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                    .ClearRateLimitAsync(caller, machine.Id, cancellationToken)))
            {
                throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(reference)}.");
            }

            cli.Output.Message($"Machine user {CliServices.DisplayName(machine)} ({machine.Id}) has the endpoints' rate limits again.", new { machine.Id, Cleared = true });
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Whole seconds of <c>90</c>, <c>60s</c>, <c>5m</c>, <c>1h</c> or <c>1d</c>; null when it is none of those.</summary>
    internal static int? ParseWindow(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim().ToLowerInvariant();
        var (digits, unit) = char.IsAsciiLetter(text[^1]) ? (text[..^1], text[^1]) : (text, 's');
        var scale = unit switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        return scale > 0 && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && (long)n * scale <= int.MaxValue
            ? n * scale
            : null;
    }

    private static Argument<string> MachineArgument() =>
        new("machine-user") { Description = "The machine user: its id, its login, or a name only it has in the tenant." };

    private static MachineUserView Describe(User user) =>
        new(user.Id, user.TenantId, user.Name, user.Login, user.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), user.CreatedAt, user.LastUsedAt, null);

    internal sealed record MachineUserView(
        Guid Id, Guid TenantId, string? Name, string Login, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string? Token);
}
