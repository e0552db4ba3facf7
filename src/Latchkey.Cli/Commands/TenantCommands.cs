using System.CommandLine;
using System.Globalization;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey tenant create|list|show|policy</c>.</summary>
internal static class TenantCommands
{
    public static Command Build(CliConsole console)
    {
        var tenant = new Command("tenant", "Create, list and show tenants.");
        tenant.Subcommands.Add(Create(console));
        tenant.Subcommands.Add(List(console));
        tenant.Subcommands.Add(Show(console));
        tenant.Subcommands.Add(Policy(console));
        return tenant;
    }

    private static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The tenant's name." };
        var owner = new Option<string>("--owner") { Description = "The login of the tenant's first owner.", Required = true };
        var passwordStdin = CommonOptions.PasswordStdin();
        var command = new Command("create", "Create a tenant with its first owner (whose password is prompted for).") { name, owner, passwordStdin };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var password = Secrets.ReadNewPassword(console, cli.Get(passwordStdin), "Owner's password");
            var result = await cli.Services.UnscopedAsync(sp => sp.GetRequiredService<TenantService>()
                .CreateAsync(cli.Services.Operator, cli.Get(name), cli.Get(owner), password, cancellationToken));
            switch (result.Outcome)
            {
                case SignupOutcome.Created:
                    cli.Output.Record(new { result.TenantId, OwnerUserId = result.UserId, OwnerLogin = Latchkey.Core.Credentials.LoginNormalizer.Normalize(cli.Get(owner)) },
                        ("tenant", result.TenantId), ("owner", Latchkey.Core.Credentials.LoginNormalizer.Normalize(cli.Get(owner))), ("owner id", result.UserId));
                    return ExitCodes.Ok;
                case SignupOutcome.LoginTaken:
                    throw new CliException(ExitCodes.Conflict, $"The login {cli.Get(owner)} is taken.");
                default:
                    throw new CliException(ExitCodes.Invalid, $"{result.Error!.Field}: {result.Error.Message}");
            }
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("list", "List every tenant.");
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var tenants = await cli.Services.ListTenantsAsync(cancellationToken);
            cli.Output.Table(tenants.Select(t => new { t.Id, t.Name, t.ContactEmail, t.CreatedAt }),
                ["id", "name", "contact e-mail", "created"], t => [t.Id, t.Name, t.ContactEmail, t.CreatedAt]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var reference = new Argument<string>("tenant") { Description = "The tenant: its id, or a name only one tenant has." };
        var command = new Command("show", "Show a tenant with its numbers of users, machine users and live sessions.") { reference };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var tenant = await cli.Services.ResolveTenantAsync(cli.Get(reference), cancellationToken);
            var (humans, machines, sessions) = await cli.Services.InTenantAsync(tenant.Id, async (sp, caller) =>
            {
                var people = await Page<UserSummary>.AllAsync(page => sp.GetRequiredService<UserAdminService>().ListAsync(caller, page, cancellationToken));
                var bots = await Page<User>.AllAsync(page => sp.GetRequiredService<MachineUserService>().ListAsync(caller, page, cancellationToken));
                return (people.Count, bots.Count, (await sp.GetRequiredService<SessionService>().ListInTenantAsync(caller, cancellationToken)).Count);
            });
            cli.Output.Record(
                new { tenant.Id, tenant.Name, tenant.ContactEmail, tenant.CreatedAt, Users = humans, MachineUsers = machines, Sessions = sessions },
                ("id", tenant.Id), ("name", tenant.Name), ("contact e-mail", tenant.ContactEmail), ("created", tenant.CreatedAt),
                ("users", humans), ("machine users", machines), ("live sessions", sessions));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Policy(CliConsole console)
    {
        var reference = new Argument<string>("tenant") { Description = "The tenant: its id, or a name only one tenant has." };
        const string Reset = " 'default' returns to the server's.";
        var lifetime = new Option<string>("--session-lifetime") { Description = "Sessions end this long after login (e.g. 12h, 7d)." + Reset };
        var idle = new Option<string>("--idle-timeout") { Description = "Sessions end after this long unused (e.g. 30m, 8h)." + Reset };
        var instances = new Option<string>("--max-app-instances") { Description = "Signed-in app instances per person." + Reset };
        var tokenLifetime = new Option<string>("--machine-token-lifetime") { Description = "The longest a machine token may live (e.g. 90d)." + Reset };
        var scopes = new Option<string>("--machine-token-scopes") { Description = "The scopes machine users may be given, space-separated; 'any' for any." };
        var minLength = new Option<string>("--password-min-length") { Description = "The shortest password a person may set." + Reset };
        var command = new Command("policy",
            "Show the tenant's policy, or change it with the options given (each no looser than the server's; shorter session limits end the sessions they rule out at once).")
        {
            reference, lifetime, idle, instances, tokenLifetime, scopes, minLength,
        };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var change = new TenantPolicyChange
            {
                SessionAbsoluteLifetimeSeconds = Seconds(cli.Get(lifetime), "--session-lifetime"),
                SessionIdleTimeoutSeconds = Seconds(cli.Get(idle), "--idle-timeout"),
                MaxAppInstancesPerPerson = Number(cli.Get(instances), "--max-app-instances"),
                MachineTokenMaxLifetimeSeconds = Seconds(cli.Get(tokenLifetime), "--machine-token-lifetime"),
                MachineTokenScopes = cli.Get(scopes) is { } given
                    ? Optional<IReadOnlyList<string>?>.Of(given.Trim() == "any" ? null : given.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    : default,
                PasswordMinLength = Number(cli.Get(minLength), "--password-min-length"),
            };
            var tenant = await cli.Services.ResolveTenantAsync(cli.Get(reference), cancellationToken);
            var (policy, bounds) = await cli.Services.InTenantAsync(tenant.Id, async (sp, caller) =>
            {
                var service = sp.GetRequiredService<TenantPolicyService>();
                var (updated, error, _) = await service.UpdateAsync(caller, change, cancellationToken);
                if (error is not null)
                {
                    throw new CliException(ExitCodes.Invalid, $"{error.Field}: {error.Message}");
                }

                return (updated!, service.Bounds);
            });
            cli.Output.Record(
                new
                {
                    policy.SessionAbsoluteLifetimeSeconds, policy.SessionIdleTimeoutSeconds, MaxAppInstancesPerPerson = policy.MaxSessionsPerUser,
                    policy.MachineTokenMaxLifetimeSeconds, MachineTokenScopes = policy.AllowedScopes, policy.PasswordMinLength,
                },
                ("session lifetime", Shown(policy.SessionAbsoluteLifetimeSeconds, bounds.SessionAbsoluteLifetimeSeconds, "s")),
                ("idle timeout", Shown(policy.SessionIdleTimeoutSeconds, bounds.SessionIdleTimeoutSeconds, "s")),
                ("app instances per person", Shown(policy.MaxSessionsPerUser, bounds.MaxAppInstancesPerPerson, "")),
                ("machine-token lifetime", Shown(policy.MachineTokenMaxLifetimeSeconds, bounds.MachineTokenMaxLifetimeSeconds, "s")),
                ("machine-token scopes", policy.MachineTokenScopes ?? "any"),
                ("password minimum length", Shown(policy.PasswordMinLength, bounds.PasswordMinLength, "")));
            return ExitCodes.Ok;
        });
        return command;

        static string Shown(long? value, long server, string unit) =>
            value is { } v ? $"{v}{unit}" : $"{server}{unit} (the server's)";
    }

    /// <summary>A duration option: a number of seconds, or one with a unit (s, m, h, d); 'default' is null.</summary>
    private static Optional<long?> Seconds(string? value, string option)
    {
        if (value is null)
        {
            return default;
        }

        if (value.Trim() == "default")
        {
            return Optional<long?>.Of(null);
        }

        var text = value.Trim();
        var unit = text.Length > 0 && char.IsLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        var number = char.IsLetter(text[^1]) ? text[..^1] : text;
        long factor = unit switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        if (factor == 0 || !long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > long.MaxValue / factor)
        {
            throw new CliException(ExitCodes.Invalid, $"{option}: a duration such as 3600, 30m, 8h or 7d, or 'default'.");
        }

        return Optional<long?>.Of(count * factor);
    }

    private static Optional<int?> Number(string? value, string option)
    {
        if (value is null)
        {
            return default;
        }

        if (value.Trim() == "default")
        {
            return Optional<int?>.Of(null);
        }

        return int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? Optional<int?>.Of(number)
            : throw new CliException(ExitCodes.Invalid, $"{option}: a whole number, or 'default'.");
    }
}
